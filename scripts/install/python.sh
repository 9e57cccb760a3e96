#!/usr/bin/env bash
# Creates $DATASTACK_VENV on Python 3.12+ with the pinned requirements; a no-op when they did not change.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
stamp="$DATASTACK_VENV/.requirements.sha"
want=$(cat "$DATASTACK_ROOT"/requirements/test.in "$DATASTACK_ROOT"/requirements/constraints.txt | sha256sum | cut -c1-16)
if [ -x "$DATASTACK_VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
python=""
for candidate in "${DATASTACK_PYTHON:-}" python3.12 python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python python3; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # Not the interpreter of the virtualenv about to be replaced: the one it was made from.
  path=$(readlink -f "$path")
  if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then python=$path; break; fi
done
[ -n "$python" ] || { echo "bootstrap: Python 3.12 or newer is needed (newest ansible-core requires it); set DATASTACK_PYTHON" >&2; exit 1; }
echo "bootstrap: creating $DATASTACK_VENV with $("$python" --version)"
rm -rf "$DATASTACK_VENV"
"$python" -m venv "$DATASTACK_VENV"
"$DATASTACK_VENV/bin/pip" install -q --upgrade pip
"$DATASTACK_VENV/bin/pip" install -q -r "$DATASTACK_ROOT/requirements/test.in" -c "$DATASTACK_ROOT/requirements/constraints.txt"
echo "$want" > "$stamp"
