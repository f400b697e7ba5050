#!/usr/bin/env bash
# Every test: unit tests beside the code (dist/**/*.test.js), end-to-end tests
# (test/e2e, root + network namespaces) and interop tests (test/interop: BIRD,
# GoBGP, etcd, reference CNI plugins). One node test runner, one summary.
#   --unit   only the unit tests
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

files=()
while IFS= read -r f; do files+=("$f"); done < <(find dist -name '*.test.js' | sort)
if [ "${1:-}" != "--unit" ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find dist-test/test -name '*.test.js' 2>/dev/null | sort)
fi
echo "test: ${#files[@]} test files"
# No --test-reporter: spec on a terminal, TAP (with its "# pass N" / "# fail N" summary) otherwise, e.g. in CI.
exec node --test --test-concurrency=1 "${files[@]}"
