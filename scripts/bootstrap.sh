#!/usr/bin/env bash
# Installs everything the lab and the tests need, from nothing, into .venv and ~/.cache/datastack.
# Usage: scripts/bootstrap.sh [component ...]
#   (default: all; components: python proxy singleuser keycloak chromium shellcheck helm kubernetes registry)
# Components that use apt run first, one at a time (apt allows one at a time). Then the Go builds (helm,
# kubernetes, registry: compiling) run beside the rest (python, singleuser, proxy, keycloak: mostly downloading), which
# takes minutes off a cold start. DATASTACK_BOOTSTRAP_SERIAL=1 runs everything one after the other.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(python proxy singleuser keycloak chromium shellcheck helm kubernetes registry)
for component in "${components[@]}"; do
  [ -x "$here/install/$component.sh" ] || { echo "bootstrap: unknown component $component" >&2; exit 2; }
done

install() {
  local component start
  for component in "$@"; do
    start=$(date +%s)
    "$here/install/$component.sh"
    echo "bootstrap: $component ready ($(( $(date +%s) - start ))s)"
  done
}

# The order given is kept inside each lane (singleuser needs python).
apt_lane=() go_lane=() other_lane=()
for component in "${components[@]}"; do
  case $component in
    chromium|shellcheck) apt_lane+=("$component") ;;
    helm|kubernetes|registry) go_lane+=("$component") ;;
    *) other_lane+=("$component") ;;
  esac
done
if [ ${#go_lane[@]} -gt 0 ]; then
  # Go itself comes from apt when it is missing.
  apt_lane+=(go)
fi

if [ "${DATASTACK_BOOTSTRAP_SERIAL:-0}" = 1 ] || [ ${#go_lane[@]} -eq 0 ] || [ ${#other_lane[@]} -eq 0 ]; then
  for component in "${components[@]}"; do install "$component"; done
  exit 0
fi

for component in "${apt_lane[@]}"; do install "$component"; done
install "${go_lane[@]}" &
go_pid=$!
status=0
install "${other_lane[@]}" || status=$?
wait "$go_pid" || status=$?
exit "$status"
