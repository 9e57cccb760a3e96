#!/usr/bin/env bash
# Installs everything the lab and the tests need, from nothing, into .venv and ~/.cache/datastack.
# Usage: scripts/bootstrap.sh [component ...]
#   (default: all; components: python proxy singleuser keycloak chromium shellcheck helm kubernetes registry)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(python proxy singleuser keycloak chromium shellcheck helm kubernetes registry)
for component in "${components[@]}"; do
  script="$here/install/$component.sh"
  [ -x "$script" ] || { echo "bootstrap: unknown component $component" >&2; exit 2; }
  start=$(date +%s)
  "$script"
  echo "bootstrap: $component ready ($(( $(date +%s) - start ))s)"
done
