"""The lab's OpenBao (roles/lab/tasks/vault.yml): wiring of the hook into a real hub, and issue 11 item 5 —
a sealed lab OpenBao is refused (not restarted empty), a foreign server on the lab's port is detected, and
bao.log (which holds the root token and unseal key) is private."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fixtures.openbao import bao_cli
from tests.fixtures.procs import free_port
from tests.helpers.playbook_results import changed_tasks
from tests.fixtures.hook_hub import RUNTIME, spawn, spawned_env, wait_ready

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PLAY = {"hosts": "localhost", "gather_facts": False, "tasks": [
    {"name": "lab vault", "ansible.builtin.include_role": {"name": "datastack.jupyterhub.lab", "tasks_from": "vault.yml"}},
    {"name": "wiring", "ansible.builtin.debug": {"msg": {
        "files": "{{ lab_hub_extra_config_files }}", "env": "{{ lab_hub_environment }}"}}},
]}


class Lab:
    def __init__(self, ansible, state, port):
        self.ansible, self.state, self.port = ansible, state, port
        self.addr = "http://127.0.0.1:%d" % port
        self.extra = {"lab_state_dir": str(state), "lab_vault_port": port}
        self.dir = state / "openbao"

    def run(self, **kwargs):
        return self.ansible.playbook([PLAY], extra_vars=self.extra, **kwargs)

    @property
    def root_token(self):
        return (self.dir / "root.token").read_text().strip()

    def stop(self):
        subprocess.run([sys.executable, str(ROOT / "roles" / "lab" / "files" / "lab_daemon.py"), "stop",
                        str(self.dir / "bao.pid")], check=False, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def lab(ansible, tmp_path_factory):
    running = Lab(ansible, tmp_path_factory.mktemp("lab"), free_port())
    # The first run starts OpenBao: at -vvvv Ansible prints each command with its environment.
    running.first = running.run(verbosity=4, json_output=False)
    yield running
    running.stop()


@pytest.mark.slow
def test_lab_wiring_starts_openbao_and_wires_the_hook(lab, running_hub):
    assert lab.first.rc == 0, lab.first
    second = lab.run()
    assert second.rc == 0, second
    assert second.stats["localhost"]["changed"] == 0, changed_tasks(second)
    verbose = lab.run(verbosity=3, json_output=False)
    assert verbose.rc == 0, verbose

    root_file, admin_file = lab.dir / "root.token", lab.dir / "hub" / "admin-token"
    for secret in (root_file, admin_file):
        assert secret.stat().st_mode & 0o777 == 0o600
        assert secret.read_text().strip() not in lab.first.output + second.output + verbose.output
    wiring = second.task("wiring")["msg"]
    assert [Path(f).resolve() for f in wiring["files"]] == [RUNTIME / "datastack_runtime" / "vault_config.py"]
    assert Path(wiring["env"]["DATASTACK_HUB_DIR"]).resolve() == RUNTIME
    assert [Path(p).resolve() for p in wiring["env"]["PYTHONPATH"].split(":")] == [RUNTIME / "compat", RUNTIME]
    settings = json.loads(Path(wiring["env"]["DATASTACK_VAULT_SETTINGS"]).read_text())
    assert settings["vault_addr"] == lab.addr and settings["admin_token_file"] == str(admin_file)

    # The lab's settings drive a real hub: the spawned server gets a token from the lab's OpenBao.
    hub = running_hub(settings)
    assert spawn(hub, "alice@example.org").status_code in (201, 202)
    wait_ready(hub, "alice@example.org")
    env = spawned_env(hub, "alice@example.org")
    lookup = requests.get(lab.addr + "/v1/auth/token/lookup-self", timeout=10,
                          headers={"X-Vault-Token": env["NOTEBOOK_VAULT_TOKEN"]})
    assert "jupyter-user" in lookup.json()["data"]["policies"]


def test_bao_log_with_root_token_and_unseal_key_is_private(lab):
    log = lab.dir / "bao.log"
    assert log.stat().st_mode & 0o777 == 0o600
    log.chmod(0o644)  # a log left world-readable by an earlier version
    assert lab.run().rc == 0
    assert log.stat().st_mode & 0o777 == 0o600


def test_sealed_lab_openbao_is_refused_and_keeps_its_data(lab):
    client = requests.Session()
    client.headers["X-Vault-Token"] = lab.root_token
    assert client.post(lab.addr + "/v1/secret/data/kept", json={"data": {"v": "1"}}, timeout=10).ok
    assert bao_cli(lab.addr, "operator", "seal", token=lab.root_token).returncode == 0
    pid = (lab.dir / "bao.pid").read_text().strip()
    try:
        refused = lab.run(json_output=False)
        assert refused.rc != 0
        for words in ("is sealed", "bao operator unseal", "make lab-clean", str(lab.dir / "bao.log")):
            assert words in refused.output, words
        assert (lab.dir / "bao.pid").read_text().strip() == pid
    finally:
        key = re.search(r"Unseal Key: (\S+)", (lab.dir / "bao.log").read_text()).group(1)
        assert bao_cli(lab.addr, "operator", "unseal", key).returncode == 0
    assert client.get(lab.addr + "/v1/secret/data/kept", timeout=10).json()["data"]["data"] == {"v": "1"}


def test_a_foreign_server_on_the_labs_port_is_named(ansible, openbao, tmp_path):
    other = Lab(ansible, tmp_path / "other-checkout", openbao.port)
    result = other.run(json_output=False)
    assert result.rc != 0
    assert "127.0.0.1:%d is already in use by another process" % openbao.port in result.output
    assert "lab_vault_port" in result.output and "Permission Denied" not in result.output
    assert requests.get(openbao.addr + "/v1/sys/health", timeout=5).status_code == 200
