#!/usr/bin/env bash
# The whole test suite CI runs (README: `make test`): pytest against real servers, the oldest supported
# ansible-core, molecule scenarios, ansible-test sanity and ansible-lint. Each step prints its duration.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$DATASTACK_ROOT" || exit 1
mkdir -p tests/output
rm -f tests/output/static-checks.failed
failed=()
step() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== $name"
  if "$@"; then echo "=== $name: ok ($(( $(date +%s) - start ))s)"; else echo "=== $name: FAILED ($(( $(date +%s) - start ))s)"; failed+=("$name"); fi
}
# Most tests wait on servers at times (a hub spawning, Keycloak, the control plane): three pytest workers keep
# two cores busy (vmstat during a full run: idle under 5 % nearly throughout); tests sharing an expensive
# server stay on one worker
# (tests/conftest.py). ansible-lint, sanity and the galaxy checks start no server: they run beside pytest,
# their output printed when they are done. DATASTACK_TEST_WORKERS=0 runs everything one step after another.
workers=${DATASTACK_TEST_WORKERS:-3}
static_checks() {
  step "ansible-lint" ansible-lint --profile production -q
  step "ansible-test sanity" scripts/sanity.sh
  step "galaxy" scripts/galaxy.sh
  printf '%s\n' "${failed[@]}" > tests/output/static-checks.failed
}
parallel=()
if [ "$workers" -gt 0 ]; then
  parallel=(-n "$workers")
  static_checks > tests/output/static-checks.log 2>&1 &
  static_pid=$!
fi
step "pytest" pytest -p no:cacheprovider -q tests "${parallel[@]}" --durations=40 --junitxml=tests/output/pytest.xml
step "oldest ansible-core" scripts/test-oldest.sh
step "molecule" scripts/molecule.sh
if [ "$workers" -gt 0 ]; then
  wait "$static_pid" || true
  cat tests/output/static-checks.log
  if [ -f tests/output/static-checks.failed ]; then
    while read -r name; do [ -z "$name" ] || failed+=("$name"); done < tests/output/static-checks.failed
  else
    failed+=("static checks (stopped before the end)")
  fi
else
  static_checks
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
