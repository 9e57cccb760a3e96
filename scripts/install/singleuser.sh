#!/usr/bin/env bash
# The lab's single-user environment (jupyterhub-singleuser with jupyter-mcp-server, every package pinned in
# roles/lab/files/singleuser-requirements.txt) under $DATASTACK_CACHE/singleuser/<checksum>. Built by the lab
# role's own task file, so `make lab` and the tests use the same one; a no-op when it is complete.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
[ -x "$DATASTACK_VENV/bin/ansible-playbook" ] || { echo "bootstrap: run scripts/bootstrap.sh python first" >&2; exit 1; }
play=$(mktemp --suffix=.yml)
trap 'rm -f "$play"' EXIT
cat > "$play" <<'YAML'
- name: Build the lab's single-user environment
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Build it with the lab role
      ansible.builtin.include_role:
        name: datastack.jupyterhub.lab
        tasks_from: singleuser.yml
YAML
log="$DATASTACK_CACHE/singleuser-build.log"
mkdir -p "$DATASTACK_CACHE"
if ! ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
    "$DATASTACK_VENV/bin/ansible-playbook" -i localhost, "$play" > "$log" 2>&1; then
  tail -40 "$log" >&2
  echo "bootstrap: the single-user environment could not be built (log: $log)" >&2
  exit 1
fi
