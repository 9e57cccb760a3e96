"""Issue 11, item 2: the hub's admin token made by the vault role cannot escalate, and users are isolated
(real OpenBao, one server for this module; the migration test brings its own)."""

import json

import hvac
import pytest
import requests

from datastack_runtime import vault_hook
from datastack_runtime.names import safe_name
from tests.helpers.earlier_vault_design import earlier_user_policy

pytestmark = pytest.mark.integration

ROLE = "datastack.jupyterhub.vault"
# What the admin token may do, as measured by sys/capabilities over every path of the server's OpenAPI
# document plus the KV paths the hub uses. Anything else is "deny".
ADMIN_MAY = {
    "auth/token/create/jupyter-user": ["update"],
    "auth/token/lookup-self": ["read"],
    "auth/token/renew-self": ["update"],
}


def converge(ansible, server, **role_vars):
    variables = dict(vault_addr=server.addr, vault_token=server.root_token, **role_vars)
    return ansible.playbook([{"hosts": "localhost", "gather_facts": False, "vars": variables, "roles": [ROLE]}])


class Setup:
    def __init__(self, server, token_file):
        self.server = server
        self.admin_token = server.kv("jupyterhub/vault-token")["token"]
        token_file.write_text(self.admin_token)
        self.settings = vault_hook.load_settings({"vault_addr": server.addr, "admin_token_file": str(token_file)})
        self.admin = server.client(self.admin_token)

    def bao(self, *args, token=None, stdin=None):
        return self.server.cli(*args, token=token or self.admin_token, stdin=stdin)

    def user(self, name):
        return vault_hook.issue_user_token(self.settings, name)["NOTEBOOK_VAULT_TOKEN"]


@pytest.fixture(scope="module")
def setup(ansible, module_openbao, tmp_path_factory):
    result = converge(ansible, module_openbao)
    assert result.rc == 0, result
    return Setup(module_openbao, tmp_path_factory.mktemp("least-privilege") / "admin-token")


def test_the_escalation_of_issue_11_fails(setup):
    """The three commands of the issue, with the bao CLI and the hub's admin token."""
    setup.server.client().secrets.kv.v2.create_or_update_secret(path="jupyterhub/admin-service-probe",
                                                                mount_point="secret", secret={"t": "x"})
    wrote = setup.bao("policy", "write", "jupyter-user-x", "-",
                      stdin='path "*" {capabilities=["create","read","update","delete","list","sudo"]}')
    assert wrote.returncode != 0 and "permission denied" in wrote.stderr.lower(), wrote.stderr
    minted = setup.bao("write", "-field=token", "auth/token/create/jupyter-user", "policies=jupyter-user-x")
    assert minted.returncode != 0 and minted.stdout.strip() == "", minted.stderr
    read = setup.bao("kv", "get", "secret/jupyterhub/admin-service-probe")
    assert read.returncode != 0


def test_the_admin_token_holds_only_its_policy(setup):
    live = setup.admin.auth.token.lookup_self()["data"]
    assert live["policies"] == ["jupyterhub-admin"] and live["period"] == 86400 and live["orphan"]


def test_measured_capabilities_of_the_admin_token_on_every_path(setup):
    root = setup.server.client()
    spec = root.read("sys/internal/specs/openapi")
    paths = {path.strip("/").replace("{", "").replace("}", "") for path in spec["paths"]}
    paths |= {"auth/token/create/jupyter-user", "auth/token/create/other-role", "auth/token/create-orphan",
              "sys/policies/acl/jupyter-user", "sys/policies/acl/jupyter-user-x", "sys/policy/jupyter-user-x",
              "secret/data/jupyterhub/vault-token", "secret/data/jupyterhub/admin-service",
              "secret/data/jupyter/users/alice/keys", "secret/metadata/jupyter/users/alice/keys",
              "identity/entity-alias", "identity/entity/name/alice"}
    answer = requests.post(setup.server.addr + "/v1/sys/capabilities", timeout=30,
                           headers={"X-Vault-Token": setup.server.root_token},
                           json={"token": setup.admin_token, "paths": sorted(paths)}).json()["data"]
    allowed = {path: caps for path, caps in answer.items() if caps != ["deny"]}
    assert allowed == ADMIN_MAY
    sys_paths = [path for path in paths if path.startswith("sys/")]
    assert len(sys_paths) > 140 and all(answer[path] == ["deny"] for path in sys_paths)


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "sys/policies/acl/jupyter-user", {"policy": 'path "*" { capabilities = ["sudo", "read"] }'}),
    ("PUT", "sys/policies/acl/jupyterhub-admin", {"policy": 'path "*" { capabilities = ["read"] }'}),
    ("PUT", "sys/policies/acl/jupyter-user-x", {"policy": "{}"}),
    ("PUT", "sys/policy/jupyter-user-x", {"policy": "{}"}),
    ("POST", "sys/mounts/stolen", {"type": "kv"}),
    ("POST", "sys/auth/stolen", {"type": "userpass"}),
    ("POST", "sys/audit/stolen", {"type": "file", "options": {"file_path": "/tmp/x"}}),
    ("PUT", "sys/seal", {}),
    ("POST", "sys/tools/hash", {"input": "eA=="}),
    ("POST", "sys/wrapping/wrap", {"x": "y"}),
    ("POST", "sys/capabilities-self", {"paths": ["x"]}),
    ("POST", "sys/leases/lookup", {"lease_id": "x"}),
    ("DELETE", "sys/policies/acl/jupyter-user", None),
    ("POST", "auth/token/roles/jupyter-user", {"allowed_policies": ["*"]}),
    ("POST", "auth/token/create", {"policies": ["jupyter-user"]}),
    ("POST", "auth/token/create-orphan", {"policies": ["jupyter-user"]}),
    ("POST", "auth/token/revoke-accessor", {"accessor": "x"}),
    ("POST", "identity/entity-alias", {"name": "alice"}),
])
def test_writes_outside_its_job_are_denied(setup, method, path, body):
    answer = requests.request(method, "%s/v1/%s" % (setup.server.addr, path), json=body, timeout=10,
                              headers={"X-Vault-Token": setup.admin_token})
    assert answer.status_code == 403, (path, answer.status_code, answer.text)


def test_other_roles_and_other_policies_are_denied(setup):
    root = setup.server.client()
    root.sys.create_or_update_policy("wide", 'path "*" { capabilities = ["read"] }')
    root.write("auth/token/roles/other-role", allowed_policies=["wide"], orphan=True)
    with pytest.raises(hvac.exceptions.Forbidden):
        setup.admin.write("auth/token/create/other-role", policies=["wide"])
    for policies in (["wide"], ["jupyterhub-admin"], ["root"], ["jupyter-user", "wide"], ["jupyter-user-x"]):
        with pytest.raises((hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden)):
            setup.admin.write("auth/token/create/jupyter-user", policies=policies, entity_alias="alice")


@pytest.mark.parametrize("path", ["jupyterhub/admin-service", "jupyterhub/vault-token", "jupyter/users/alice/keys"])
def test_reading_secrets_is_denied(setup, path):
    with pytest.raises(hvac.exceptions.Forbidden):
        setup.admin.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=False)


@pytest.mark.parametrize("left, right", [("a.b", "a-b"), ("A", "a"), ("a@x.org", "a_x.org")])
def test_users_are_isolated_both_ways(setup, left, right):
    tokens = {name: setup.user(name) for name in (left, right)}
    assert safe_name(left) != safe_name(right)
    for name, token in tokens.items():
        client = setup.server.client(token)
        client.secrets.kv.v2.create_or_update_secret(path="jupyter/users/%s/pin" % safe_name(name),
                                                     mount_point="secret", secret={"owner": name})
    for name, token in tokens.items():
        client = setup.server.client(token)
        other = right if name == left else left
        own = client.secrets.kv.v2.read_secret_version(path="jupyter/users/%s/pin" % safe_name(name),
                                                       mount_point="secret", raise_on_deleted_version=False)
        assert own["data"]["data"] == {"owner": name}
        with pytest.raises(hvac.exceptions.Forbidden):
            client.secrets.kv.v2.read_secret_version(path="jupyter/users/%s/pin" % safe_name(other),
                                                     mount_point="secret", raise_on_deleted_version=False)
        with pytest.raises(hvac.exceptions.Forbidden):
            client.secrets.kv.v2.create_or_update_secret(path="jupyter/users/%s/pin" % safe_name(other),
                                                         mount_point="secret", secret={"owner": "intruder"})
        with pytest.raises(hvac.exceptions.Forbidden):
            client.list("secret/metadata/jupyter/users/%s" % safe_name(other))


@pytest.mark.parametrize("alias", ["+", "*", "a/b", "../alice"])
def test_an_alias_with_wildcards_or_slashes_reaches_no_one_elses_secrets(setup, alias):
    """The admin token can pick any alias; OpenBao keeps wildcards and slashes out of templated paths."""
    setup.user("alice")
    setup.server.client().secrets.kv.v2.create_or_update_secret(path="jupyter/users/alice/keys",
                                                                mount_point="secret", secret={"k": "v"})
    token = setup.admin.write("auth/token/create/jupyter-user", policies=["jupyter-user"],
                              entity_alias=alias)["auth"]["client_token"]
    # A templated path that would hold a wildcard or slash is refused (400 "Forbidden") or denied (403).
    with pytest.raises((hvac.exceptions.Forbidden, hvac.exceptions.InvalidRequest)):
        setup.server.client(token).secrets.kv.v2.read_secret_version(
            path="jupyter/users/alice/keys", mount_point="secret", raise_on_deleted_version=False)


def test_policy_texts(setup):
    root = setup.server.client()
    admin_paths = json.loads(root.read("sys/policies/acl/jupyterhub-admin")["data"]["policy"])["path"]
    assert {path: rule["capabilities"] for path, rule in admin_paths.items()} == ADMIN_MAY
    accessor = root.read("sys/auth")["data"]["token/"]["accessor"]
    user_paths = json.loads(root.read("sys/policies/acl/jupyter-user")["data"]["policy"])["path"]
    alias = "{{identity.entity.aliases.%s.name}}" % accessor
    assert sorted(user_paths) == ["secret/data/jupyter/users/%s/*" % alias, "secret/metadata/jupyter/users/%s/*" % alias]
    role = root.read("auth/token/roles/jupyter-user")["data"]
    assert role["allowed_policies"] == ["jupyter-user"] and not role.get("allowed_policies_glob")
    assert role["allowed_entity_aliases"] == ["*"] and role["orphan"] and role["renewable"]
    assert role["token_explicit_max_ttl"] == 168 * 3600


# -- migration from the earlier design -----------------------------------------------------------------

OLD_ADMIN_POLICY = {"path": {
    "sys/policies/acl/jupyter-user-*": {"capabilities": ["create", "read", "update", "delete"]},
    "auth/token/create/jupyter-user": {"capabilities": ["update"]},
    "auth/token/lookup-self": {"capabilities": ["read"]},
    "auth/token/renew-self": {"capabilities": ["update"]},
}}


def old_user_policy(safe, token_paths=False):
    """The text the earlier hook wrote for ``safe`` (with token_paths: exactly, as JSON indented by 2)."""
    if token_paths:
        return earlier_user_policy(safe, indent=2, sort_keys=True)
    return earlier_user_policy(safe, token_paths=False)


# Policies with the earlier design's prefix that it did not write: an operator's, each kept by the migration.
OPERATORS_POLICIES = {
    "jupyter-user-readonly": 'path "secret/data/shared/*" {\n  capabilities = ["read", "list"]\n}\n',
    "jupyter-user-carol": json.dumps({"path": dict(json.loads(old_user_policy("carol"))["path"],
                                                   **{"secret/data/shared/*": {"capabilities": ["read"]}})}),
    "jupyter-user-dave": old_user_policy("alice"),
}


def test_a_vault_set_up_by_the_earlier_design_is_migrated(ansible, own_openbao, tmp_path):
    """What the earlier role and hook left behind: per-user policies, a policy-writing admin policy, a token
    role granting jupyter-user-*, an admin token with the default policy. One run cleans all of it."""
    server = own_openbao
    root = server.client()
    root.write("sys/policies/acl/jupyterhub-admin", policy=json.dumps(OLD_ADMIN_POLICY))
    root.write("auth/token/roles/jupyter-user", orphan=True, renewable=True, token_period="24h",
               allowed_policies_glob=["jupyter-user-*"], token_explicit_max_ttl="168h")
    root.write("sys/policies/acl/jupyter-user-alice", policy=old_user_policy("alice", token_paths=True))
    root.write("sys/policies/acl/jupyter-user-bob-40-x-2e-org", policy=old_user_policy("bob-40-x-2e-org"))
    for name, text in OPERATORS_POLICIES.items():
        root.write("sys/policies/acl/" + name, policy=text)
    old = root.auth.token.create_orphan(policies=["jupyterhub-admin"], period="24h")["auth"]
    root.secrets.kv.v2.create_or_update_secret(path="jupyterhub/vault-token", mount_point="secret", secret={
        "token": old["client_token"], "accessor": old["accessor"], "created_time": "2026-01-01T00:00:00Z"})
    root.secrets.kv.v2.create_or_update_secret(path="jupyter/users/alice/keys", mount_point="secret",
                                               secret={"k": "kept"})

    result = converge(ansible, server)
    assert result.rc == 0, result
    policies = root.sys.list_acl_policies()["data"]["keys"]
    assert sorted(policies) == sorted(["default", "jupyter-user", "jupyterhub-admin", "root"]
                                      + list(OPERATORS_POLICIES))
    for name, text in OPERATORS_POLICIES.items():
        assert root.read("sys/policies/acl/" + name)["data"]["policy"] == text, name
    assert "Removing 2 per-user policies: jupyter-user-alice, jupyter-user-bob-40-x-2e-org" in result.output
    assert "jupyter-user-carol, jupyter-user-dave, jupyter-user-readonly" in result.output
    role = root.read("auth/token/roles/jupyter-user")["data"]
    assert role["allowed_policies"] == ["jupyter-user"] and not role.get("allowed_policies_glob")
    with pytest.raises(hvac.exceptions.Forbidden):
        server.client(old["client_token"]).auth.token.lookup_self()
    migrated = Setup(server, tmp_path / "admin-token")
    assert migrated.admin.auth.token.lookup_self()["data"]["policies"] == ["jupyterhub-admin"]
    wrote = migrated.bao("policy", "write", "jupyter-user-x", "-", stdin='path "*" {capabilities=["sudo"]}')
    assert wrote.returncode != 0
    assert server.kv("jupyter/users/alice/keys", token=migrated.user("alice")) == {"k": "kept"}
    again = converge(ansible, server)
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again
