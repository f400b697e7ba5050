#!/usr/bin/env bash
# The main job: a multi-node calico-ts cluster in network namespaces, with pods and policy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/calico-lab demo "$@"
