"""The pre-spawn hook against a real OpenBao set up by the vault role, and run by a real JupyterHub."""


import pytest
import requests

from datastack_runtime import vault_hook as hook
from datastack_runtime.names import safe_name
from datastack_runtime.secretstore import SecretStore
from tests.fixtures.hook_hub import spawn, spawned_env, wait_ready
from tests.fixtures.procs import free_port, poll_until

pytestmark = pytest.mark.integration


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
    poll_until(lambda: "without a Vault token" in hub.log.read_text(), 5)
    assert "without a Vault token" in hub.log.read_text()
