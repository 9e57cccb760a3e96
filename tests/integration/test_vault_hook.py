"""The pre-spawn hook against a real OpenBao set up by the vault role, and run by a real JupyterHub."""

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from datastack_runtime import vault_hook as hook
from datastack_runtime.names import safe_name
from datastack_runtime.secretstore import SecretStore
from tests.fixtures.jupyterhub import Hub
from tests.fixtures.procs import free_port, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"


def vault(openbao, method, path, token, body=None):
    return requests.request(method, "%s/v1/%s" % (openbao.addr, path), json=body, timeout=10,
                            headers={"X-Vault-Token": token})


def test_user_token_is_least_privilege(openbao, hub_vault):
    settings = hook.load_settings(hub_vault.settings)
    env = hook.issue_user_token(settings, "alice@example.org")
    token = env["NOTEBOOK_VAULT_TOKEN"]
    assert env["NOTEBOOK_VAULT_PATH"] == "jupyter/users/alice-40-example-2e-org"
    assert env["VAULT_ADDR"] == openbao.addr and env["NOTEBOOK_VAULT_MOUNT"] == "secret"

    info = vault(openbao, "GET", "auth/token/lookup-self", token).json()["data"]
    assert sorted(info["policies"]) == ["default", "jupyter-user"]
    assert info["orphan"] and info["renewable"] and info["role"] == "jupyter-user"
    assert info["explicit_max_ttl"] == 168 * 3600
    assert 23 * 3600 < info["ttl"] <= 24 * 3600
    assert info["meta"] == {"user": "alice@example.org"}
    assert info["entity_id"]

    own = "secret/data/jupyter/users/alice-40-example-2e-org/k"
    assert vault(openbao, "POST", own, token, {"data": {"v": "1"}}).status_code == 200
    assert vault(openbao, "GET", own, token).json()["data"]["data"] == {"v": "1"}

    hook.issue_user_token(settings, "bob")
    bob = "secret/data/jupyter/users/bob/k"
    assert vault(openbao, "POST", bob, openbao.root_token, {"data": {"v": "b"}}).status_code == 200
    assert vault(openbao, "GET", bob, token).status_code == 403
    assert vault(openbao, "POST", bob, token, {"data": {"v": "x"}}).status_code == 403
    assert vault(openbao, "GET", "secret/data/hub-fixture/vault-token", token).status_code == 403
    assert vault(openbao, "GET", "sys/mounts", token).status_code == 403
    assert vault(openbao, "PUT", "sys/policies/acl/jupyter-user", token,
                 {"policy": "path \"*\" {capabilities = [\"sudo\"]}"}).status_code == 403


def test_every_token_of_a_user_shares_one_entity(openbao, hub_vault):
    settings = hook.load_settings(hub_vault.settings)
    first = hook.issue_user_token(settings, "carol")["NOTEBOOK_VAULT_TOKEN"]
    second = hook.issue_user_token(settings, "carol")["NOTEBOOK_VAULT_TOKEN"]
    entities = {vault(openbao, "GET", "auth/token/lookup-self", token).json()["data"]["entity_id"]
                for token in (first, second)}
    assert len(entities) == 1
    path = "secret/data/jupyter/users/carol/shared"
    assert vault(openbao, "POST", path, first, {"data": {"v": "1"}}).status_code == 200
    assert vault(openbao, "GET", path, second).json()["data"]["data"] == {"v": "1"}


def test_hostile_names_stay_in_their_own_subtree(openbao, hub_vault):
    settings = hook.load_settings(hub_vault.settings)
    name = 'eve"*/../admin'
    token = hook.issue_user_token(settings, name)["NOTEBOOK_VAULT_TOKEN"]
    own = "secret/data/jupyter/users/%s/k" % safe_name(name)
    assert vault(openbao, "POST", own, token, {"data": {"v": "1"}}).status_code == 200
    for other in ("secret/data/admin/k", "secret/data/jupyter/users/bob/k", "secret/data/jupyter/users/k"):
        assert vault(openbao, "GET", other, token).status_code == 403


def test_broken_admin_token_is_a_clear_error(hub_vault, tmp_path):
    bad = tmp_path / "token"
    bad.write_text("not-a-token")
    settings = hook.load_settings(dict(hub_vault.settings, admin_token_file=str(bad)))
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
    settings_file = state / "vault_settings.json"
    settings_file.write_text(json.dumps(settings))
    running = Hub(state)
    loader = RUNTIME / "datastack_runtime" / "vault_config.py"
    with (state / "jupyterhub_config.py").open("a") as config:
        # The fixture's config-service has a URL nobody answers: the hub would wait 30 s for it.
        config.write("c.JupyterHub.services = [s for s in c.JupyterHub.services "
                     "if s['name'] != 'config-service']\n")
        config.write("import os\nos.environ['DATASTACK_HUB_DIR'] = %r\n" % str(RUNTIME))
        config.write("os.environ['DATASTACK_VAULT_SETTINGS'] = %r\n" % str(settings_file))
        config.write("c.SimpleLocalProcessSpawner.home_dir_template = %r\n"
                     % str(state / "home" / "{username}"))
        config.write("c.Spawner.start_timeout = 60\n")
        config.write("c.JupyterHub.tornado_settings = {'slow_spawn_timeout': 5}\n")
        if os.geteuid() == 0:
            config.write("c.Spawner.args = ['--allow-root']\n")
        config.write("exec(compile(open(%r).read(), %r, 'exec'), {'c': c})\n" % (str(loader), str(loader)))
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


def test_real_hub_gives_server_a_working_token(openbao, hub_vault, running_hub):
    hub = running_hub(hub_vault.settings)
    answer = spawn(hub, "alice@example.org")
    assert answer.status_code in (201, 202), answer.text
    wait_ready(hub, "alice@example.org")
    env = spawned_env(hub, "alice@example.org")
    assert env is not None, "no process with the spawned server's environment"
    assert env["VAULT_ADDR"] == openbao.addr
    assert env["NOTEBOOK_VAULT_PATH"] == "jupyter/users/alice-40-example-2e-org"

    store = SecretStore(token=env["NOTEBOOK_VAULT_TOKEN"], addr=env["VAULT_ADDR"],
                        mount=env["NOTEBOOK_VAULT_MOUNT"], path=env["NOTEBOOK_VAULT_PATH"])
    store.put("from-hub", answer="42")
    assert store.get("from-hub", field="answer") == "42"
    assert "jupyter-user" in store.token_info()["policies"]
    log = hub.log.read_text()
    assert env["NOTEBOOK_VAULT_TOKEN"] not in log
    assert hub_vault.admin_token not in log


def test_real_hub_refuses_spawn_when_vault_is_down(hub_vault, running_hub):
    settings = dict(hub_vault.settings, vault_addr="http://127.0.0.1:%d" % free_port(), retries=1)
    hub = running_hub(settings)
    answer = spawn(hub, "carol@example.org")
    assert answer.status_code >= 400
    assert "Vault token could not be created" in answer.json()["message"]
    assert "unreachable" in answer.json()["message"]
    progress = hub.api("GET", "/users/carol%40example.org/server/progress")
    assert "Spawn failed: Your server was not started" in progress.text
    user = hub.api("GET", "/users/carol%40example.org").json()
    assert "" not in user.get("servers", {})


def test_real_hub_spawns_without_token_when_allowed(hub_vault, running_hub):
    settings = dict(hub_vault.settings, vault_addr="http://127.0.0.1:%d" % free_port(), retries=1,
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
