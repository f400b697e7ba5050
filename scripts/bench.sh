#!/usr/bin/env bash
# Every benchmark in bench/: prints a table each and writes bench/results/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p bench/results
for f in $(find dist-test/bench -name '*.bench.js' | sort); do
  echo "== $f"
  node "$f" "$@"
done
