#!/usr/bin/env bash
# Runs the module tests on the oldest ansible-core that meta/runtime.yml claims, with the same collections.
set -euo pipefail
source "$(dirname "$0")/env.sh"
oldest=$(python -c 'import yaml,re; print(re.search(r"[0-9][0-9.]*", yaml.safe_load(open("'"$DATASTACK_ROOT"'/meta/runtime.yml"))["requires_ansible"]).group(0))')
venv="$DATASTACK_CACHE/venv-ansible-core-$oldest"
if [ ! -x "$venv/bin/ansible-playbook" ]; then
  "$DATASTACK_VENV/bin/python" -m venv "$venv"
  "$venv/bin/pip" install -q "ansible-core~=$oldest.0" requests hvac PyYAML pytest pytest-timeout \
    -c <(grep -viE '^(ansible-core|resolvelib|cryptography)==' "$DATASTACK_ROOT/requirements/constraints.txt")
fi
"$DATASTACK_ROOT/scripts/install/zipimport_cache.sh" "$venv/bin/python"
site=$("$DATASTACK_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "oldest: $("$venv/bin/ansible" --version | awk 'NR==1')"
# Collections (kubernetes.core, community.*, ansible.posix) come from the main venv's ansible package.
ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$site" PATH="$venv/bin:$PATH" \
  "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/integration/test_jupyterhub_token.py \
  tests/integration/test_jupyterhub_service.py tests/integration/test_jupyterhub_messages.py "$@"
