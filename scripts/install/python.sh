#!/usr/bin/env bash
# Makes $DATASTACK_VENV a Python 3.12+ virtualenv with the pinned requirements. The virtualenv itself lives
# under $DATASTACK_CACHE/venv/<checksum of the requirements> and $DATASTACK_VENV links to it, so a fresh
# clone on a machine that built it once is ready in a second; a no-op when the requirements did not change.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
want=$(cat "$DATASTACK_ROOT"/requirements/test.in "$DATASTACK_ROOT"/requirements/constraints.txt | sha256sum | cut -c1-16)
shared="$DATASTACK_CACHE/venv/$want"
ready() { [ -x "$shared/bin/python" ] && [ -f "$shared/.complete" ]; }
link() {
  if [ "$(readlink "$DATASTACK_VENV" 2>/dev/null)" != "$shared" ]; then
    rm -rf "$DATASTACK_VENV"
    ln -s "$shared" "$DATASTACK_VENV"
  fi
}
hook() { "$(dirname "$0")/zipimport_cache.sh" "$shared/bin/python"; }
if ready; then link; hook; exit 0; fi

python=""
for candidate in "${DATASTACK_PYTHON:-}" python3.12 python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python python3; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  # Not the interpreter of a virtualenv: the one it was made from.
  path=$(readlink -f "$path")
  if "$path" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then python=$path; break; fi
done
[ -n "$python" ] || { echo "bootstrap: Python 3.12 or newer is needed (newest ansible-core requires it); set DATASTACK_PYTHON" >&2; exit 1; }

# Two checkouts bootstrapping at once share the cache: one builds, the other waits.
mkdir -p "$DATASTACK_CACHE/venv"
exec 9>"$shared.lock"
flock 9
if ! ready; then
  echo "bootstrap: creating $shared with $("$python" --version)"
  rm -rf "$shared"
  "$python" -m venv "$shared"
  "$shared/bin/pip" install -q --upgrade pip
  "$shared/bin/pip" install -q -r "$DATASTACK_ROOT/requirements/test.in" -c "$DATASTACK_ROOT/requirements/constraints.txt"
  touch "$shared/.complete"
fi
link
hook
# Virtualenvs of earlier requirements: the three most recent are kept (other checkouts may use them).
find "$DATASTACK_CACHE/venv" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +4 \
  | cut -d' ' -f2- | while read -r old; do rm -rf "$old" "$old.lock"; done
