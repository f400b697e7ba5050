#!/usr/bin/env bash
# Every benchmark in bench/ (issue 11): each prints a table and writes
# bench/results/<name>.json; a summary of every result against issue 11's
# targets follows. Needs root (network namespaces).
#   npm run bench                          all of them, full scale
#   npm run bench -- --quick               small scale, few reps (CI smoke; writes <name>.quick.json)
#   npm run bench -- --dataplane=nftables  only one dataplane (packet-cost, latency, resync, memory, convergence)
#   npm run bench -- packet-cost resync    only the named benchmarks
# A missed target is not a failure of this script (it stays "pass": false in
# the JSON); a benchmark that crashes is, after the others have run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# packet-cost compiles its small connection-rate client (bench/lib/connrate.c).
if ! command -v gcc >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi
mkdir -p bench/results

flags=()
names=()
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1; flags+=("$a") ;;
    --*) flags+=("$a") ;;
    *) names+=("$a") ;;
  esac
done

failed=()
for f in $(find dist-test/bench -maxdepth 1 -name '*.bench.js' | sort); do
  name=$(basename "$f" .bench.js)
  if [ ${#names[@]} -gt 0 ] && [[ ! " ${names[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name"
  case "$name" in
    # Benchmarks by other authors take no flags (cni: an optional pod count).
    cni) if [ $quick = 1 ]; then args=(10); else args=(); fi ;;
    calc|driver|ipam|selector) args=() ;;
    *) args=("${flags[@]}") ;;
  esac
  if ! node "$f" "${args[@]}"; then failed+=("$name"); fi
done

if [ $quick = 1 ]; then node dist-test/bench/lib/summary.js --quick; else node dist-test/bench/lib/summary.js; fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that exited non-zero: ${failed[*]} (calc exits 1 when it misses its own targets)" >&2
  exit 1
fi
