"""The pre-spawn hook against a real OpenBao, and run by a real JupyterHub.

Until the vault role exists in the session, ``vault_hub`` sets up the state it documents
(admin policy, token role, periodic admin token) directly with hvac.
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests

from tests.fixtures.jupyterhub import Hub
from tests.fixtures.procs import free_port, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "roles" / "vault" / "files" / "hub"
NOTEBOOK_DIR = ROOT / "roles" / "vault" / "files" / "notebook"

ADMIN_POLICY = {"path": {
    "sys/policies/acl/jupyter-user-*": {"capabilities": ["create", "read", "update", "delete"]},
    "auth/token/create/jupyter-user": {"capabilities": ["update"]},
    "auth/token/lookup-self": {"capabilities": ["read"]},
    "auth/token/renew-self": {"capabilities": ["update"]},
}}


def load(path, name=None):
    spec = importlib.util.spec_from_file_location(name or Path(path).stem, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def vault(openbao, method, path, token, body=None):
    return requests.request(method, "%s/v1/%s" % (openbao.addr, path), json=body, timeout=10,
                            headers={"X-Vault-Token": token})


def setup_vault_for_hub(openbao, state_dir):
    """The vault role's documented result: admin policy, token role, periodic admin token."""
    root = openbao.client()
    root.write("sys/policies/acl/jupyterhub-admin", policy=json.dumps(ADMIN_POLICY))
    root.write("auth/token/roles/jupyter-user", orphan=True, renewable=True,
               allowed_policies_glob=["jupyter-user-*"], token_explicit_max_ttl="168h")
    admin = root.auth.token.create(policies=["jupyterhub-admin"], period="24h", no_parent=True,
                                   no_default_policy=True)["auth"]["client_token"]
    token_file = Path(state_dir) / "admin-token"
    token_file.write_text(admin + "\n")
    token_file.chmod(0o600)
    settings = {"vault_addr": openbao.addr, "admin_token_file": str(token_file)}
    return SimpleNamespace(admin_token=admin, token_file=token_file, settings=settings)


@pytest.fixture(scope="module")
def vault_hub(openbao, tmp_path_factory):
    return setup_vault_for_hub(openbao, tmp_path_factory.mktemp("vault-hub"))


@pytest.fixture(scope="module")
def hook():
    return load(HUB_DIR / "vault_spawn_hook.py")


def test_user_token_is_least_privilege(openbao, vault_hub, hook):
    settings = hook.load_settings(vault_hub.settings)
    env = hook.issue_user_token(settings, "alice@example.org")
    token = env["NOTEBOOK_VAULT_TOKEN"]
    assert env["NOTEBOOK_VAULT_PATH"] == "jupyter/users/alice-40-example-2e-org"
    assert env["VAULT_ADDR"] == openbao.addr and env["NOTEBOOK_VAULT_MOUNT"] == "secret"

    info = vault(openbao, "GET", "auth/token/lookup-self", token).json()["data"]
    assert "jupyter-user-alice-40-example-2e-org" in info["policies"]
    assert info["orphan"] and info["renewable"]
    assert info["explicit_max_ttl"] == 168 * 3600
    assert 23 * 3600 < info["ttl"] <= 24 * 3600
    assert info["meta"] == {"user": "alice@example.org"}

    own = "secret/data/jupyter/users/alice-40-example-2e-org/k"
    assert vault(openbao, "POST", own, token, {"data": {"v": "1"}}).status_code == 200
    assert vault(openbao, "GET", own, token).json()["data"]["data"] == {"v": "1"}

    hook.issue_user_token(settings, "bob")
    bob = "secret/data/jupyter/users/bob/k"
    assert vault(openbao, "POST", bob, openbao.root_token, {"data": {"v": "b"}}).status_code == 200
    assert vault(openbao, "GET", bob, token).status_code == 403
    assert vault(openbao, "POST", bob, token, {"data": {"v": "x"}}).status_code == 403
    assert vault(openbao, "GET", "secret/data/jupyterhub/vault-token", token).status_code == 403
    assert vault(openbao, "GET", "sys/mounts", token).status_code == 403
    assert vault(openbao, "PUT", "sys/policies/acl/jupyter-user-alice-40-example-2e-org", token,
                 {"policy": "path \"*\" {capabilities = [\"sudo\"]}"}).status_code == 403


def test_hub_admin_token_cannot_own_vault(openbao, vault_hub):
    admin = vault_hub.admin_token
    assert vault(openbao, "PUT", "sys/policies/acl/other", admin, {"policy": "{}"}).status_code == 403
    assert vault(openbao, "POST", "auth/token/create/jupyter-user", admin,
                 {"policies": ["root"]}).status_code in (400, 403)
    assert vault(openbao, "POST", "auth/token/create-orphan", admin, {}).status_code == 403
    assert vault(openbao, "GET", "secret/data/jupyter/users/bob/k", admin).status_code == 403


def test_policy_is_rewritten_from_data_for_hostile_names(openbao, vault_hub, hook):
    settings = hook.load_settings(vault_hub.settings)
    name = 'eve"*/../admin'
    env = hook.issue_user_token(settings, name)
    safe = hook.safe_name(name)
    policy = openbao.client().read("sys/policies/acl/jupyter-user-" + safe)["data"]["policy"]
    assert json.loads(policy) == hook.user_policy("secret", "jupyter/users", safe)
    token = env["NOTEBOOK_VAULT_TOKEN"]
    assert vault(openbao, "GET", "secret/data/admin/k", token).status_code == 403


def test_broken_admin_token_is_a_clear_error(vault_hub, hook, tmp_path):
    bad = tmp_path / "token"
    bad.write_text("not-a-token")
    settings = hook.load_settings(dict(vault_hub.settings, admin_token_file=str(bad)))
    with pytest.raises(hook.VaultError) as caught:
        hook.issue_user_token(settings, "alice")
    assert "403" in str(caught.value) and "re-run the vault role" in str(caught.value)
    assert "not-a-token" not in str(caught.value)


# -- a real hub running the hook --------------------------------------------------------------


def spawned_env(hub, username):
    """Environment of the single-user server this hub started for ``username``."""
    marker = ("JUPYTERHUB_USER=" + username).encode()
    port = (":%d" % hub.hub_port).encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            raw = Path("/proc", pid, "environ").read_bytes()
        except OSError:
            continue
        entries = raw.split(b"\0")
        if marker in entries and any(e.startswith(b"JUPYTERHUB_API_URL=") and port in e
                                     for e in entries):
            return dict(e.decode().split("=", 1) for e in entries if b"=" in e)
    return None


def start_hub(state, settings):
    hub_dir = state / "datastack"
    hub_dir.mkdir()
    (hub_dir / "vault_spawn_hook.py").write_bytes((HUB_DIR / "vault_spawn_hook.py").read_bytes())
    (hub_dir / "vault_settings.json").write_text(json.dumps(settings))
    running = Hub(state)
    loader = HUB_DIR / "load_vault_hook.py"
    with (state / "jupyterhub_config.py").open("a") as config:
        # The fixture's config-service has a URL nobody answers: the hub would wait 30 s for it.
        config.write("c.JupyterHub.services = [s for s in c.JupyterHub.services "
                     "if s['name'] != 'config-service']\n")
        config.write("import os\nos.environ['DATASTACK_HUB_DIR'] = %r\n" % str(hub_dir))
        config.write("c.SimpleLocalProcessSpawner.home_dir_template = %r\n"
                     % str(state / "home" / "{username}"))
        config.write("c.Spawner.start_timeout = 60\n")
        config.write("c.JupyterHub.tornado_settings = {'slow_spawn_timeout': 5}\n")
        if os.geteuid() == 0:
            config.write("c.Spawner.args = ['--allow-root']\n")
        config.write("exec(compile(open(%r).read(), %r, 'exec'))\n" % (str(loader), str(loader)))
    running.start()
    return running


def spawn(hub, username):
    path = "/users/" + quote(username, safe="")
    assert hub.api("POST", path).status_code in (201, 409)
    return requests.post(hub.api_url + path + "/server", timeout=30,
                         headers={"Authorization": "token " + hub.admin_token})


def wait_ready(hub, username):
    def ready():
        user = hub.api("GET", "/users/" + quote(username, safe="")).json()
        server = user.get("servers", {}).get("")
        return server and server.get("ready")
    wait_for(ready, 90, "single-user server of %s" % username, log_path=hub.log)


@pytest.fixture
def running_hub(tmp_path):
    hubs = []

    def make(settings):
        hubs.append(start_hub(tmp_path, settings))
        return hubs[-1]
    yield make
    for running in hubs:
        running.stop()


def test_real_hub_gives_server_a_working_token(openbao, vault_hub, running_hub):
    hub = running_hub(vault_hub.settings)
    answer = spawn(hub, "alice@example.org")
    assert answer.status_code in (201, 202), answer.text
    wait_ready(hub, "alice@example.org")
    env = spawned_env(hub, "alice@example.org")
    assert env is not None, "no process with the spawned server's environment"
    assert env["VAULT_ADDR"] == openbao.addr
    assert env["NOTEBOOK_VAULT_PATH"] == "jupyter/users/alice-40-example-2e-org"

    sys.path.insert(0, str(NOTEBOOK_DIR))
    try:
        store = load(NOTEBOOK_DIR / "datastack_vault.py").SecretStore(
            token=env["NOTEBOOK_VAULT_TOKEN"], addr=env["VAULT_ADDR"],
            mount=env["NOTEBOOK_VAULT_MOUNT"], path=env["NOTEBOOK_VAULT_PATH"])
    finally:
        sys.path.remove(str(NOTEBOOK_DIR))
    store.put("from-hub", answer="42")
    assert store.get("from-hub", field="answer") == "42"
    assert "jupyter-user-alice-40-example-2e-org" in store.token_info()["policies"]
    log = hub.log.read_text()
    assert env["NOTEBOOK_VAULT_TOKEN"] not in log
    assert vault_hub.admin_token not in log


def test_real_hub_refuses_spawn_when_vault_is_down(vault_hub, running_hub):
    settings = dict(vault_hub.settings, vault_addr="http://127.0.0.1:%d" % free_port(), retries=1)
    hub = running_hub(settings)
    answer = spawn(hub, "carol@example.org")
    assert answer.status_code >= 400
    assert "Vault token could not be created" in answer.json()["message"]
    assert "unreachable" in answer.json()["message"]
    progress = hub.api("GET", "/users/carol%40example.org/server/progress")
    assert "Spawn failed: Your server was not started" in progress.text
    user = hub.api("GET", "/users/carol%40example.org").json()
    assert "" not in user.get("servers", {})


def test_real_hub_spawns_without_token_when_allowed(vault_hub, running_hub):
    settings = dict(vault_hub.settings, vault_addr="http://127.0.0.1:%d" % free_port(), retries=1,
                    spawn_without_token=True)
    hub = running_hub(settings)
    assert spawn(hub, "dave").status_code in (201, 202)
    wait_ready(hub, "dave")
    env = spawned_env(hub, "dave")
    assert env is not None and "NOTEBOOK_VAULT_TOKEN" not in env
    deadline = time.monotonic() + 5
    while "without a Vault token" not in hub.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "without a Vault token" in hub.log.read_text()


# -- the lab wiring (roles/lab/tasks/vault.yml) -------------------------------------------------


@pytest.mark.slow
def test_lab_wiring_starts_openbao_and_wires_the_hook(ansible, tmp_path, running_hub):
    port = free_port()
    state = tmp_path / "lab"
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "lab vault", "ansible.builtin.include_role": {
            "name": "datastack.jupyterhub.lab", "tasks_from": "vault.yml"}},
        {"name": "wiring", "ansible.builtin.debug": {"msg": {
            "files": "{{ lab_hub_extra_config_files }}",
            "env": "{{ lab_hub_environment }}"}}},
    ]}
    extra = {"lab_state_dir": str(state), "lab_vault_port": port}
    pid_file = state / "openbao" / "bao.pid"
    try:
        # The first run starts OpenBao: at -vvvv Ansible prints each command with its environment.
        first = ansible.playbook([play], extra_vars=extra, verbosity=4, json_output=False)
        assert first.rc == 0, first
        second = ansible.playbook([play], extra_vars=extra)
        assert second.rc == 0, second
        assert second.stats["localhost"]["changed"] == 0, [
            r["_task"] for r in second.task_results() if r.get("changed")]

        verbose = ansible.playbook([play], extra_vars=extra, verbosity=3, json_output=False)
        assert verbose.rc == 0, verbose

        root_file, admin_file = state / "openbao" / "root.token", state / "openbao" / "hub" / "admin-token"
        for secret in (root_file, admin_file):
            assert secret.stat().st_mode & 0o777 == 0o600
            assert secret.read_text().strip() not in first.output + second.output + verbose.output
        wiring = second.task("wiring")["msg"]
        assert [Path(f).resolve() for f in wiring["files"]] == [HUB_DIR / "load_vault_hook.py"]
        hub_dir = wiring["env"]["DATASTACK_HUB_DIR"]
        assert Path(wiring["env"]["PYTHONPATH"]).resolve() == NOTEBOOK_DIR
        settings = json.loads((Path(hub_dir) / "vault_settings.json").read_text())
        assert settings["vault_addr"] == "http://127.0.0.1:%d" % port
        assert settings["admin_token_file"] == str(admin_file)

        # The lab's settings drive a real hub: the spawned server gets a token from the lab's OpenBao.
        hub = running_hub(settings)
        assert spawn(hub, "alice@example.org").status_code in (201, 202)
        wait_ready(hub, "alice@example.org")
        env = spawned_env(hub, "alice@example.org")
        lookup = requests.get(settings["vault_addr"] + "/v1/auth/token/lookup-self", timeout=10,
                              headers={"X-Vault-Token": env["NOTEBOOK_VAULT_TOKEN"]})
        assert "jupyter-user-alice-40-example-2e-org" in lookup.json()["data"]["policies"]
    finally:
        subprocess.run([sys.executable, str(ROOT / "roles" / "lab" / "files" / "lab_daemon.py"), "stop",
                        str(pid_file)], check=False, capture_output=True, timeout=60)
