"""The vault role against a real OpenBao: converge, idempotence, check mode, facts, errors."""

import json
import subprocess

import hvac
import pytest

from tests.fixtures.openbao import OpenBao, find_bao

pytestmark = pytest.mark.integration


@pytest.fixture
def bao(tmp_path):
    server = OpenBao(tmp_path)
    server.start()
    yield server
    server.stop()


def play(bao, **role_vars):
    variables = dict(vault_addr=bao.addr, vault_token=bao.root_token)
    variables.update(role_vars)
    return {"hosts": "localhost", "gather_facts": False, "vars": variables,
            "roles": ["datastack.jupyterhub.vault"],
            "tasks": [{"name": "show facts", "ansible.builtin.debug": {"var": "vault_hub"}},
                      {"name": "tokens published", "ansible.builtin.assert": {"quiet": True, "that": [
                          "vault_hub_tokens.admin_token | length > 0",
                          "vault_hub_tokens.admin_service_token | length > 0"]}, "when": "not ansible_check_mode"}]}


def converge(ansible, bao, check=False, verbosity=0, **role_vars):
    return ansible.playbook([play(bao, **role_vars)], check=check, verbosity=verbosity,
                            json_output=verbosity == 0)


def changed(result):
    return result.stats["localhost"]["changed"]


def kv(bao, path):
    return bao.client().secrets.kv.v2.read_secret_version(path=path, mount_point="secret",
                                                          raise_on_deleted_version=False)["data"]["data"]


def test_converge_then_second_run_changes_nothing(ansible, bao):
    first = converge(ansible, bao)
    assert first.rc == 0, first
    assert changed(first) > 0
    second = converge(ansible, bao)
    assert second.rc == 0, second
    assert changed(second) == 0, [t["_task"] for t in second.task_results() if t.get("changed")]

    client = bao.client()
    admin = kv(bao, "jupyterhub/vault-token")
    live = bao.client(admin["token"]).auth.token.lookup_self()["data"]
    assert live["period"] == 86400 and live["explicit_max_ttl"] == 0 and live["orphan"]
    assert live["policies"] == ["jupyterhub-admin"]
    assert admin["accessor"] == live["accessor"]

    role = client.read("auth/token/roles/jupyter-user")["data"]
    assert role["orphan"] and role["renewable"] and role["allowed_policies"] == ["jupyter-user"]
    assert role["allowed_entity_aliases"] == ["*"] and not role.get("allowed_policies_glob")
    assert role["token_period"] == 86400 and role["token_explicit_max_ttl"] == 168 * 3600

    facts = second.task("show facts")["vault_hub"]
    assert facts == {
        "addr": bao.addr, "kv_mount": "secret", "admin_policy": "jupyterhub-admin", "token_role": "jupyter-user",
        "user_policy": "jupyter-user", "user_path_prefix": "jupyter/users",
        "admin_token_path": "jupyterhub/vault-token", "admin_service_path": "jupyterhub/admin-service",
        "user_token_ttl": "24h", "user_token_max_ttl": "168h", "ca_bundle": "",
        "hook_settings": {"vault_addr": bao.addr, "kv_mount": "secret", "user_path_prefix": "jupyter/users",
                          "user_policy": "jupyter-user", "token_role": "jupyter-user", "token_ttl": "24h",
                          "token_max_ttl": "168h", "ca_bundle": "", "spawn_without_token": False, "timeout": 10},
    }


def test_check_mode_on_a_fresh_server_writes_nothing(ansible, bao):
    result = converge(ansible, bao, check=True)
    assert result.rc == 0, result
    client = bao.client()
    assert {"jupyterhub-admin", "jupyter-user"}.isdisjoint(client.sys.list_acl_policies()["data"]["keys"])
    assert "jupyter-user" not in (client.list("auth/token/roles") or {}).get("data", {}).get("keys", [])
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv(bao, "jupyterhub/vault-token")


def test_admin_service_token_kept_unless_rotated_and_drift_repaired(ansible, bao):
    assert converge(ansible, bao).rc == 0
    service = kv(bao, "jupyterhub/admin-service")["token"]
    assert len(service) == 48
    admin = kv(bao, "jupyterhub/vault-token")["token"]
    bao.client().write("sys/policies/acl/jupyterhub-admin", policy='path "secret/*" { capabilities = ["read"] }')
    repaired = converge(ansible, bao)
    assert changed(repaired) == 1 and repaired.task("datastack.jupyterhub.vault : Write the admin policy")["changed"]
    assert "secret/*" not in bao.client().read("sys/policies/acl/jupyterhub-admin")["data"]["policy"]
    assert kv(bao, "jupyterhub/admin-service")["token"] == service
    assert kv(bao, "jupyterhub/vault-token")["token"] == admin

    rotated = converge(ansible, bao, vault_admin_service_token_rotate=True, vault_admin_token_rotate=True)
    assert rotated.rc == 0, rotated
    assert kv(bao, "jupyterhub/admin-service")["token"] != service
    new_admin = kv(bao, "jupyterhub/vault-token")["token"]
    assert new_admin != admin
    with pytest.raises(hvac.exceptions.Forbidden):
        bao.client(admin).auth.token.lookup_self()


def test_no_secret_at_high_verbosity(ansible, bao):
    first = converge(ansible, bao, verbosity=4)
    assert first.rc == 0, first
    made = [kv(bao, "jupyterhub/vault-token")["token"], kv(bao, "jupyterhub/admin-service")["token"]]
    rotated = converge(ansible, bao, verbosity=4, vault_admin_service_token_rotate=True, vault_admin_token_rotate=True)
    assert rotated.rc == 0, rotated
    made += [kv(bao, "jupyterhub/vault-token")["token"], kv(bao, "jupyterhub/admin-service")["token"]]
    assert len(set(made)) == 4
    for secret in made + [bao.root_token]:
        assert secret not in first.output and secret not in rotated.output


def test_new_kv_mount_is_version_2_and_v1_is_refused(ansible, bao):
    assert converge(ansible, bao, vault_kv_mount="hubkv").rc == 0
    assert bao.client().read("sys/mounts/hubkv")["data"]["options"]["version"] == "2"
    bao.client().sys.enable_secrets_engine("kv", path="oldkv", options={"version": "1"})
    result = converge(ansible, bao, vault_kv_mount="oldkv")
    assert result.rc != 0
    assert "not KV version 2" in result.output and "enable-versioning oldkv" in result.output


def test_sealed_or_unreachable_vault_fails_in_preflight(ansible, bao):
    env = {"BAO_ADDR": bao.addr, "BAO_TOKEN": bao.root_token, "PATH": "/usr/bin:/bin"}
    subprocess.run([find_bao(), "operator", "seal"], check=True, capture_output=True, env=env)
    result = converge(ansible, bao)
    assert result.rc != 0
    failed = [t for t in result.task_results() if t.get("failed")]
    assert failed[0]["_task"] == "datastack.jupyterhub.vault : Check that Vault is initialized and unsealed"
    assert "sealed" in json.dumps(failed[0]) and "operator unseal" in json.dumps(failed[0])
    missing = ansible.playbook([play(bao, vault_token="")])
    assert missing.rc != 0 and "Set vault_addr and vault_token" in missing.output


def test_absent_revokes_and_deletes_then_changes_nothing(ansible, bao):
    assert converge(ansible, bao).rc == 0
    admin = kv(bao, "jupyterhub/vault-token")["token"]
    gone = ansible.playbook([dict(play(bao, vault_state="absent"), tasks=[])], verbosity=4, json_output=False)
    assert gone.rc == 0, gone
    assert admin not in gone.output and bao.root_token not in gone.output
    client = bao.client()
    with pytest.raises(hvac.exceptions.Forbidden):
        bao.client(admin).auth.token.lookup_self()
    for path in ("jupyterhub/vault-token", "jupyterhub/admin-service"):
        with pytest.raises(hvac.exceptions.InvalidPath):
            kv(bao, path)
    assert {"jupyterhub-admin", "jupyter-user"}.isdisjoint(client.sys.list_acl_policies()["data"]["keys"])
    assert "jupyter-user" not in (client.list("auth/token/roles") or {}).get("data", {}).get("keys", [])
    again = ansible.playbook([dict(play(bao, vault_state="absent"), tasks=[])])
    assert again.rc == 0 and changed(again) == 0, again
