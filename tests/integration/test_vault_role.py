"""The vault role against a real OpenBao: converge, idempotence, check mode, facts, errors."""

import json

import hvac
import pytest

from tests.helpers.playbook_results import changed_tasks

pytestmark = pytest.mark.integration


def play(own_openbao, **role_vars):
    variables = dict(vault_addr=own_openbao.addr, vault_token=own_openbao.root_token)
    variables.update(role_vars)
    return {"hosts": "localhost", "gather_facts": False, "vars": variables,
            "roles": ["datastack.jupyterhub.vault"],
            "tasks": [{"name": "show facts", "ansible.builtin.debug": {"var": "vault_hub"}},
                      {"name": "tokens published", "ansible.builtin.assert": {"quiet": True, "that": [
                          "vault_hub_tokens.admin_token | length > 0",
                          "vault_hub_tokens.admin_service_token | length > 0"]}, "when": "not ansible_check_mode"}]}


def converge(ansible, own_openbao, check=False, verbosity=0, **role_vars):
    return ansible.playbook([play(own_openbao, **role_vars)], check=check, verbosity=verbosity,
                            json_output=verbosity == 0)


def changed(result):
    return result.stats["localhost"]["changed"]


def test_converge_then_second_run_changes_nothing(ansible, own_openbao):
    first = converge(ansible, own_openbao)
    assert first.rc == 0, first
    assert changed(first) > 0
    second = converge(ansible, own_openbao)
    assert second.rc == 0, second
    assert changed(second) == 0, changed_tasks(second)

    client = own_openbao.client()
    admin = own_openbao.kv("jupyterhub/vault-token")
    live = own_openbao.client(admin["token"]).auth.token.lookup_self()["data"]
    assert live["period"] == 86400 and live["explicit_max_ttl"] == 0 and live["orphan"]
    assert live["policies"] == ["jupyterhub-admin"]
    assert admin["accessor"] == live["accessor"]

    role = client.read("auth/token/roles/jupyter-user")["data"]
    assert role["orphan"] and role["renewable"] and role["allowed_policies"] == ["jupyter-user"]
    assert role["allowed_entity_aliases"] == ["*"] and not role.get("allowed_policies_glob")
    assert role["token_period"] == 86400 and role["token_explicit_max_ttl"] == 168 * 3600

    facts = second.task("show facts")["vault_hub"]
    assert facts == {
        "addr": own_openbao.addr, "kv_mount": "secret", "admin_policy": "jupyterhub-admin",
        "token_role": "jupyter-user",
        "user_policy": "jupyter-user", "user_path_prefix": "jupyter/users",
        "admin_token_path": "jupyterhub/vault-token", "admin_service_path": "jupyterhub/admin-service",
        "user_token_ttl": "24h", "user_token_max_ttl": "168h", "ca_bundle": "",
        "hook_settings": {"vault_addr": own_openbao.addr, "kv_mount": "secret", "user_path_prefix": "jupyter/users",
                          "user_policy": "jupyter-user", "token_role": "jupyter-user", "token_ttl": "24h",
                          "token_max_ttl": "168h", "ca_bundle": "", "spawn_without_token": False, "timeout": 10},
    }


def test_check_mode_on_a_fresh_server_writes_nothing(ansible, own_openbao):
    result = converge(ansible, own_openbao, check=True)
    assert result.rc == 0, result
    client = own_openbao.client()
    assert {"jupyterhub-admin", "jupyter-user"}.isdisjoint(client.sys.list_acl_policies()["data"]["keys"])
    assert "jupyter-user" not in (client.list("auth/token/roles") or {}).get("data", {}).get("keys", [])
    with pytest.raises(hvac.exceptions.InvalidPath):
        own_openbao.kv("jupyterhub/vault-token")


def test_admin_service_token_kept_unless_rotated_and_drift_repaired(ansible, own_openbao):
    assert converge(ansible, own_openbao).rc == 0
    service = own_openbao.kv("jupyterhub/admin-service")["token"]
    assert len(service) == 48
    admin = own_openbao.kv("jupyterhub/vault-token")["token"]
    own_openbao.client().write("sys/policies/acl/jupyterhub-admin",
                               policy='path "secret/*" { capabilities = ["read"] }')
    repaired = converge(ansible, own_openbao)
    assert changed(repaired) == 1 and repaired.task("datastack.jupyterhub.vault : Write the admin policy")["changed"]
    assert "secret/*" not in own_openbao.client().read("sys/policies/acl/jupyterhub-admin")["data"]["policy"]
    assert own_openbao.kv("jupyterhub/admin-service")["token"] == service
    assert own_openbao.kv("jupyterhub/vault-token")["token"] == admin

    rotated = converge(ansible, own_openbao, vault_admin_service_token_rotate=True, vault_admin_token_rotate=True)
    assert rotated.rc == 0, rotated
    assert own_openbao.kv("jupyterhub/admin-service")["token"] != service
    new_admin = own_openbao.kv("jupyterhub/vault-token")["token"]
    assert new_admin != admin
    with pytest.raises(hvac.exceptions.Forbidden):
        own_openbao.client(admin).auth.token.lookup_self()


def test_no_secret_at_high_verbosity(ansible, own_openbao):
    first = converge(ansible, own_openbao, verbosity=4)
    assert first.rc == 0, first
    made = [own_openbao.kv("jupyterhub/vault-token")["token"], own_openbao.kv("jupyterhub/admin-service")["token"]]
    rotated = converge(ansible, own_openbao, verbosity=4, vault_admin_service_token_rotate=True,
                       vault_admin_token_rotate=True)
    assert rotated.rc == 0, rotated
    made += [own_openbao.kv("jupyterhub/vault-token")["token"], own_openbao.kv("jupyterhub/admin-service")["token"]]
    assert len(set(made)) == 4
    for secret in made + [own_openbao.root_token]:
        assert secret not in first.output and secret not in rotated.output


def test_new_kv_mount_is_version_2_and_v1_is_refused(ansible, own_openbao):
    assert converge(ansible, own_openbao, vault_kv_mount="hubkv").rc == 0
    assert own_openbao.client().read("sys/mounts/hubkv")["data"]["options"]["version"] == "2"
    own_openbao.client().sys.enable_secrets_engine("kv", path="oldkv", options={"version": "1"})
    result = converge(ansible, own_openbao, vault_kv_mount="oldkv")
    assert result.rc != 0
    assert "not KV version 2" in result.output and "enable-versioning oldkv" in result.output


def test_sealed_or_unreachable_vault_fails_in_preflight(ansible, own_openbao):
    assert own_openbao.cli("operator", "seal").returncode == 0
    result = converge(ansible, own_openbao)
    assert result.rc != 0
    failed = [t for t in result.task_results() if t.get("failed")]
    assert failed[0]["_task"] == "datastack.jupyterhub.vault : Check that Vault is initialized and unsealed"
    assert "sealed" in json.dumps(failed[0]) and "operator unseal" in json.dumps(failed[0])
    missing = ansible.playbook([play(own_openbao, vault_token="")])
    assert missing.rc != 0 and "Set vault_addr and vault_token" in missing.output


def test_absent_revokes_and_deletes_then_changes_nothing(ansible, own_openbao):
    assert converge(ansible, own_openbao).rc == 0
    admin = own_openbao.kv("jupyterhub/vault-token")["token"]
    gone = ansible.playbook([dict(play(own_openbao, vault_state="absent"), tasks=[])], verbosity=4, json_output=False)
    assert gone.rc == 0, gone
    assert admin not in gone.output and own_openbao.root_token not in gone.output
    client = own_openbao.client()
    with pytest.raises(hvac.exceptions.Forbidden):
        own_openbao.client(admin).auth.token.lookup_self()
    for path in ("jupyterhub/vault-token", "jupyterhub/admin-service"):
        with pytest.raises(hvac.exceptions.InvalidPath):
            own_openbao.kv(path)
    assert {"jupyterhub-admin", "jupyter-user"}.isdisjoint(client.sys.list_acl_policies()["data"]["keys"])
    assert "jupyter-user" not in (client.list("auth/token/roles") or {}).get("data", {}).get("keys", [])
    again = ansible.playbook([dict(play(own_openbao, vault_state="absent"), tasks=[])])
    assert again.rc == 0 and changed(again) == 0, again
