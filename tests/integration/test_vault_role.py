"""The vault role against a real OpenBao: converge, idempotence, check mode, manifests, facts, errors."""

import json
import subprocess

import hvac
import pytest
import yaml

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
            "tasks": [{"name": "show facts", "ansible.builtin.debug": {"var": "vault_hub"}}]}


def converge(ansible, bao, check=False, verbosity=0, **role_vars):
    return ansible.playbook([play(bao, **role_vars)], check=check, verbosity=verbosity,
                            json_output=verbosity == 0)


def changed(result):
    return result.stats["localhost"]["changed"]


def kv(bao, path):
    return bao.client().secrets.kv.v2.read_secret_version(path=path, mount_point="secret",
                                                          raise_on_deleted_version=False)["data"]["data"]


def test_converge_then_second_run_changes_nothing(ansible, bao, tmp_path):
    render = tmp_path / "render"
    first = converge(ansible, bao, vault_render_dir=str(render))
    assert first.rc == 0, first
    assert changed(first) > 0
    second = converge(ansible, bao, vault_render_dir=str(render))
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
    }
    files = sorted(render.iterdir())
    assert [f.name for f in files] == ["vault-externalsecret-jupyterhub-vault-token.yaml"]
    manifest = yaml.safe_load(files[0].read_text())
    assert manifest["apiVersion"] == "external-secrets.io/v1" and manifest["kind"] == "ExternalSecret"
    assert manifest["spec"]["data"] == [{"secretKey": "token", "remoteRef": {
        "key": "jupyterhub/vault-token", "property": "token"}}]
    assert manifest["metadata"]["namespace"] == "jupyter"  # the z2jh default, seed 001
    assert admin["token"] not in files[0].read_text()


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


def test_plain_secret_and_v1beta1_and_no_secret_at_high_verbosity(ansible, bao, tmp_path):
    render = tmp_path / "plain"
    result = converge(ansible, bao, verbosity=4, vault_external_secrets=False, vault_render_dir=str(render),
                      vault_hub_namespace="hub-ns")
    assert result.rc == 0, result
    admin = kv(bao, "jupyterhub/vault-token")["token"]
    service = kv(bao, "jupyterhub/admin-service")["token"]
    for secret in (admin, service, bao.root_token):
        assert secret not in result.output
    files = list(render.iterdir())
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    manifest = yaml.safe_load(files[0].read_text())
    assert manifest["kind"] == "Secret" and manifest["metadata"]["namespace"] == "hub-ns"
    assert manifest["stringData"]["token"] == admin

    beta = converge(ansible, bao, vault_external_secrets_api_version="v1beta1", vault_render_dir=str(render))
    assert beta.rc == 0, beta
    names = sorted(f.name for f in render.iterdir())
    assert "vault-externalsecret-jupyterhub-vault-token.yaml" in names
    text = (render / "vault-externalsecret-jupyterhub-vault-token.yaml").read_text()
    assert yaml.safe_load(text)["apiVersion"] == "external-secrets.io/v1beta1"


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
