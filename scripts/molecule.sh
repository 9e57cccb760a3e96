#!/usr/bin/env bash
# Molecule scenarios that run without Docker (cluster: on scripts/cluster.sh's control plane), and a
# syntax check of the one that needs it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DATASTACK_ROOT"
for scenario in default vault cluster; do
  [ -d "molecule/$scenario" ] && molecule test -s "$scenario"
done
[ -d molecule/kind ] && molecule syntax -s kind
exit 0
