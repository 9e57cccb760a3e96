#!/usr/bin/env bash
# The whole test suite CI runs (README: `make test`): pytest against real servers, the oldest supported
# ansible-core, molecule scenarios, ansible-test sanity and ansible-lint. Each step prints its duration.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$DATASTACK_ROOT" || exit 1
mkdir -p tests/output
rm -f tests/output/other-steps.failed
failed=()
step() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== $name"
  if "$@"; then echo "=== $name: ok ($(( $(date +%s) - start ))s)"; else echo "=== $name: FAILED ($(( $(date +%s) - start ))s)"; failed+=("$name"); fi
}
# Most tests wait on servers at times (a hub spawning, Keycloak, the control plane): three pytest workers keep
# two cores busy; tests sharing an expensive server stay on one worker (tests/conftest.py). The other steps run
# in one lane beside pytest, one after another, their output printed when they are done: ansible-lint, sanity
# and the galaxy checks start no server; the oldest ansible-core tests and the molecule scenarios start their
# own on free ports (measured alone: 119 s wall for 123 s of CPU, 255 s wall for 206 s of CPU, i.e. about one
# of the two cores, which three pytest workers leave idle at times).
# DATASTACK_TEST_WORKERS=0 runs everything one step after another.
workers=${DATASTACK_TEST_WORKERS:-3}
other_steps() {
  step "ansible-lint" ansible-lint --profile production -q
  step "ansible-test sanity" scripts/sanity.sh
  step "galaxy" scripts/galaxy.sh
  step "oldest ansible-core" scripts/test-oldest.sh
  step "molecule" scripts/molecule.sh
  printf '%s\n' "${failed[@]}" > tests/output/other-steps.failed
}
parallel=()
if [ "$workers" -gt 0 ]; then
  parallel=(-n "$workers")
  other_steps > tests/output/other-steps.log 2>&1 &
  other_pid=$!
fi
step "pytest" pytest -p no:cacheprovider -q tests "${parallel[@]}" --durations=40 --junitxml=tests/output/pytest.xml
if [ "$workers" -gt 0 ]; then
  wait "$other_pid" || true
  cat tests/output/other-steps.log
  if [ -f tests/output/other-steps.failed ]; then
    while read -r name; do [ -z "$name" ] || failed+=("$name"); done < tests/output/other-steps.failed
  else
    failed+=("the steps beside pytest (stopped before the end)")
  fi
else
  other_steps
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
