"""Issue 6's proof: the admin token the vault role makes cannot own Vault (real OpenBao)."""

import json

import hvac
import pytest

from tests.fixtures.openbao import OpenBao

pytestmark = pytest.mark.integration

USER_POLICY = json.dumps({"path": {"secret/data/jupyter/users/alice/*": {"capabilities": ["read", "update"]}}})


@pytest.fixture(scope="module")
def setup(ansible, tmp_path_factory):
    server = OpenBao(tmp_path_factory.mktemp("openbao-lp"))
    server.start()
    try:
        result = ansible.playbook([{"hosts": "localhost", "gather_facts": False,
                                    "vars": {"vault_addr": server.addr, "vault_token": server.root_token},
                                    "roles": ["datastack.jupyterhub.vault"]}])
        assert result.rc == 0, result
        record = server.client().secrets.kv.v2.read_secret_version(
            path="jupyterhub/vault-token", mount_point="secret", raise_on_deleted_version=False)
        yield server, server.client(record["data"]["data"]["token"])
    finally:
        server.stop()


def test_admin_can_do_its_job(setup):
    server, admin = setup
    admin.write("sys/policies/acl/jupyter-user-alice", policy=USER_POLICY)
    made = admin.auth.token.create(role_name="jupyter-user", policies=["jupyter-user-alice"])["auth"]
    user = server.client(made["client_token"]).auth.token.lookup_self()["data"]
    assert user["orphan"] and user["creation_ttl"] == 86400 and user["role"] == "jupyter-user" and "jupyter-user-alice" in user["policies"]
    assert admin.auth.token.renew_self()["auth"]["renewable"]


@pytest.mark.parametrize("name", ["jupyterhub-admin", "evil", "default", "jupyter-userx", "root-like"])
def test_writing_another_policy_is_denied(setup, name):
    dummy, admin = setup
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.write("sys/policies/acl/" + name, policy='path "*" { capabilities = ["sudo", "read"] }')


def test_old_policy_endpoint_is_denied(setup):
    dummy, admin = setup
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.write("sys/policy/jupyter-user-bob", policy=USER_POLICY)


@pytest.mark.parametrize("policies", [["jupyterhub-admin"], ["default", "root"], ["evil"],
                                      ["jupyter-user-alice", "jupyterhub-admin"]])
def test_minting_a_non_user_policy_through_the_role_is_denied(setup, policies):
    dummy, admin = setup
    with pytest.raises((hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden)):
        admin.auth.token.create(role_name="jupyter-user", policies=policies)


def test_create_orphan_and_plain_create_are_denied(setup):
    dummy, admin = setup
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.auth.token.create_orphan(policies=["jupyter-user-alice"])
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.auth.token.create(policies=["jupyter-user-alice"])


@pytest.mark.parametrize("path", ["jupyterhub/admin-service", "jupyterhub/vault-token", "jupyter/users/alice/keys"])
def test_reading_secrets_is_denied(setup, path):
    dummy, admin = setup
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)


def test_changing_the_token_role_or_mounts_is_denied(setup):
    dummy, admin = setup
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.write("auth/token/roles/jupyter-user", allowed_policies_glob=["*"])
    with pytest.raises(hvac.exceptions.Forbidden):
        admin.write("sys/mounts/stolen", type="kv")


def test_policy_text_has_no_sudo_no_wildcard_on_secret(setup):
    server, dummy = setup
    paths = json.loads(server.client().read("sys/policies/acl/jupyterhub-admin")["data"]["policy"])["path"]
    assert set(paths) == {"sys/policies/acl/jupyter-user-*", "auth/token/create/jupyter-user",
                          "auth/token/lookup-self", "auth/token/renew-self"}
    assert all("sudo" not in rule["capabilities"] for rule in paths.values())
