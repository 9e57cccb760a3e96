#!/usr/bin/env bash
# ansible-test sanity on a copy of the tracked files placed at ansible_collections/datastack/jupyterhub.
# Without Docker: --venv makes ansible-test build its own pinned tool environments (cached between runs).
set -euo pipefail
source "$(dirname "$0")/env.sh"
work="$DATASTACK_CACHE/sanity/ansible_collections/datastack/jupyterhub"
rm -rf "$work"; mkdir -p "$work"
# Dependencies (community.hashi_vault & co.) must sit in the same ansible_collections tree.
site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for dep in community/hashi_vault community/general kubernetes/core ansible/posix; do
  mkdir -p "$(dirname "$work")/../${dep%/*}"
  ln -sfn "$site/ansible_collections/$dep" "$(dirname "$work")/../$dep"
done
cd "$DATASTACK_ROOT"
{ git ls-files; git ls-files --others --exclude-standard; } | sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done \
  | tar -cf - -T - | tar -xf - -C "$work"
# ansible-test bootstraps pip in its venvs with a get-pip script from a host this network cannot reach.
# Stand in for it: pip from the interpreter's own ensurepip, then pip installs what was asked, from PyPI.
pip_version=$(python - <<'PY'
import re, ansible_test, pathlib
source = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", source).group(1))
PY
)
bootstrap="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$bootstrap" ]; then
  mkdir -p "$(dirname "$bootstrap")"
  cat > "$bootstrap" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]  # get-pip's own flags
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
PY
fi
cd "$work"
git init -q . && git add -A >/dev/null 2>&1  # ansible-test lists files through git
python_version=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --venv --python "$python_version" --color no "$@"
