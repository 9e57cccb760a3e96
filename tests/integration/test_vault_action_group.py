"""One `module_defaults: group/datastack.jupyterhub.vault:` entry connects community.hashi_vault's
modules and this collection's Vault modules to a real OpenBao."""

import uuid

import pytest

pytestmark = pytest.mark.integration


def test_one_module_defaults_entry_serves_both_collections(ansible, openbao):
    path = "group-%s" % uuid.uuid4().hex[:10]
    policy = "group-test-" + path
    openbao.client().sys.create_or_update_policy(policy, 'path "secret/data/%s/*" { capabilities = ["read"] }' % path)
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        # The only place url and token are given (the test runner removes VAULT_ADDR and VAULT_TOKEN).
        "module_defaults": {"group/datastack.jupyterhub.vault": {"url": openbao.addr, "token": openbao.root_token}},
        "tasks": [
            {"name": "write", "community.hashi_vault.vault_kv2_write": {
                "path": path + "/probe", "data": {"colour": "green"}}},
            {"name": "read", "community.hashi_vault.vault_kv2_get": {"path": path + "/probe"}},
            {"name": "token", "datastack.jupyterhub.vault_renewable_token": {
                "policies": [policy], "store_path": path + "/token"}},
        ],
    }
    result = ansible.playbook([play], verbosity=4, json_output=False)
    assert result.rc == 0, result
    assert openbao.root_token not in result.output

    stored = openbao.client().secrets.kv.v2.read_secret_version(path=path + "/probe", raise_on_deleted_version=False)
    assert stored["data"]["data"] == {"colour": "green"}
    assert "'colour': 'green'" in result.output or '"colour": "green"' in result.output  # what vault_kv2_get read
    record = openbao.client().secrets.kv.v2.read_secret_version(path=path + "/token", raise_on_deleted_version=False)
    token = record["data"]["data"]["token"]
    assert policy in openbao.client(token).auth.token.lookup_self()["data"]["policies"]
    assert token not in result.output
