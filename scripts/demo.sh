#!/usr/bin/env bash
# The README's main job: set up (apt + npm + build, idempotent), then the
# calico-lab demo: a 3-node Calico cluster in network namespaces, pods, a
# reachability matrix before and after Kubernetes + Calico tiered policy,
# and `calicoctl explain` of a denied flow. The lab stays up afterwards;
# `bin/calico-lab down --name demo` removes it. Needs root (network namespaces).
#   bash scripts/demo.sh [--dataplane nftables|iptables]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: needs root (it creates network namespaces); run: sudo bash scripts/demo.sh" >&2
  exit 1
fi
bash scripts/setup.sh
exec node bin/calico-lab demo "$@"
