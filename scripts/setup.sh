#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine with Node.js >= 20:
# apt packages the dataplane, lab and interop tests drive, npm dependencies,
# and the TypeScript build. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc + libc6-dev: the nftables driver compiles its small libnftables batch
# helper once per machine (it falls back to `nft -i` without a compiler), and
# the packet-cost benchmark its connection-rate client.
APT_PACKAGES=(
  nftables iptables ipset iproute2 conntrack procps psmisc openssl gcc libc6-dev
  bird2 gobgpd etcd-server etcd-client containernetworking-plugins
  wireguard-tools iperf3 tcpdump podman runc
)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing apt packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The etcd package starts a system etcd on :2379; tests run their own on other ports.
  if systemctl is-active --quiet etcd 2>/dev/null; then systemctl stop etcd || true; systemctl disable etcd >/dev/null 2>&1 || true; fi
else
  echo "setup: not root or no apt-get: skipping apt packages (${APT_PACKAGES[*]})" >&2
fi

stamp=node_modules/.calico-ts-installed
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

echo "setup: building (tsc)"
npx tsc -p tsconfig.json
mkdir -p dist-test
# Tests import '../../dist/...' (right from test/e2e/x.ts); compiled they sit one level
# deeper (dist-test/test/e2e/x.js), so dist-test/dist points back at the real dist/.
ln -sfn ../dist dist-test/dist
npx tsc -p tsconfig.test.json
# The CNI plugins are exec'd once per pod: bundle each into one file (bin/calico uses it while fresh).
node scripts/bundle-cni.mjs
