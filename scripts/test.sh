#!/usr/bin/env bash
# The whole test suite CI runs (README: `make test`): pytest against real servers, the oldest supported
# ansible-core, molecule scenarios, ansible-test sanity and ansible-lint. Each step prints its duration.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$DATASTACK_ROOT" || exit 1
mkdir -p tests/output
failed=()
step() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== $name"
  if "$@"; then echo "=== $name: ok ($(( $(date +%s) - start ))s)"; else echo "=== $name: FAILED ($(( $(date +%s) - start ))s)"; failed+=("$name"); fi
}
step "pytest" pytest -p no:cacheprovider -q tests --durations=40 --junitxml=tests/output/pytest.xml
step "oldest ansible-core" scripts/test-oldest.sh
step "molecule" scripts/molecule.sh
step "ansible-lint" ansible-lint --profile production -q
step "ansible-test sanity" scripts/sanity.sh
step "galaxy" scripts/galaxy.sh
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
