"""Token destinations: compare-and-set, file modes, Secret names. Vault and files are also tested against real
servers (tests/integration/test_jupyterhub_token_destinations.py); the Kubernetes Secret only here, against an
in-memory stand-in with the API server's resourceVersion rules, until a cluster fixture exists."""

import base64
import stat
import types

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import token_destinations as dest
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import VaultCasError


# -- files ---------------------------------------------------------------------------------------

def test_file_write_read_and_modes(tmp_path):
    files = dest.FileDestination(str(tmp_path / "tokens"))
    assert files.read("alice") == dest.Stored(None, None)
    version = files.write("alice", "t" * 32, None)
    assert files.read("alice") == dest.Stored("t" * 32, version)
    assert stat.S_IMODE((tmp_path / "tokens").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "tokens" / "alice.token").stat().st_mode) == 0o600
    assert (tmp_path / "tokens" / "alice.token").read_text() == "t" * 32 + "\n"
    assert files.where("alice") == "file %s" % (tmp_path / "tokens" / "alice.token")


def test_file_compare_and_set_refuses_a_stale_version(tmp_path):
    files = dest.FileDestination(str(tmp_path))
    first = files.write("alice", "one-token-value", None)
    with pytest.raises(dest.DestinationConflict):
        files.write("alice", "two-token-value", None)
    files.write("alice", "two-token-value", first)
    with pytest.raises(dest.DestinationConflict):
        files.write("alice", "three-token-value", first)
    assert files.read("alice").secret == "two-token-value"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".token-")]


def test_file_remove_and_an_empty_file(tmp_path):
    files = dest.FileDestination(str(tmp_path), "{user}-hub.txt")
    (tmp_path / "bob-hub.txt").write_text("\n")
    assert files.read("bob").secret is None and files.read("bob").version is not None
    files.remove("bob")
    files.remove("bob")
    assert files.read("bob") == dest.Stored(None, None)


# -- Vault KV v2 -------------------------------------------------------------------------------------

class FakeKV(object):
    """KV v2 as Vault keeps it: a version per path; check-and-set 0 means 'only if absent'."""

    def __init__(self):
        self.data = {}

    def kv2_read(self, mount, path):
        data, version = self.data.get((mount, path), (None, 0))
        return (dict(data) if data else None), version

    def kv2_write(self, mount, path, data, cas=None):
        current = self.data.get((mount, path), (None, 0))[1]
        if cas is not None and cas != current:
            raise VaultCasError("check-and-set lost")
        self.data[(mount, path)] = (dict(data), current + 1)
        return current + 1


def test_vault_keeps_other_keys_and_uses_check_and_set():
    kv = FakeKV()
    kv.data[("secret", "tokens/alice")] = ({"other": "kept"}, 1)
    vault = dest.VaultKVDestination(kv, "secret", "tokens/{user}")
    stored = vault.read("alice")
    assert stored == dest.Stored(None, 1)
    assert vault.write("alice", "t" * 32, stored.version) == 2
    assert kv.data[("secret", "tokens/alice")] == ({"other": "kept", "token": "t" * 32}, 2)
    with pytest.raises(dest.DestinationConflict):
        vault.write("alice", "u" * 32, 1)
    assert vault.write("bob", "b" * 32, vault.read("bob").version) == 1
    assert vault.where("bob") == "Vault KV secret/tokens/bob (key token)"
    vault.remove("alice")
    assert kv.data[("secret", "tokens/alice")][0] == {"other": "kept"}


def test_vault_conflict_found_by_the_server_is_a_conflict():
    kv = FakeKV()
    vault = dest.VaultKVDestination(kv, "secret", "t/{user}")
    version = vault.read("alice").version
    kv.data[("secret", "t/alice")] = ({"token": "someone else's"}, 1)  # written between our read and write
    kv.kv2_read = lambda mount, path: (None, 0)
    with pytest.raises(dest.DestinationConflict):
        vault.write("alice", "t" * 32, version)


# -- Kubernetes Secret ---------------------------------------------------------------------------------

class ApiException(Exception):
    def __init__(self, status, reason=""):
        super(ApiException, self).__init__(reason)
        self.status = status
        self.reason = reason


class FakeCoreV1(object):
    """Secrets in one namespace with the API server's rules: create 409 if present, replace 409 on a stale
    resourceVersion."""

    def __init__(self):
        self.secrets = {}
        self.counter = 0

    def _object(self, body):
        meta = body["metadata"]
        return types.SimpleNamespace(
            data=dict(body.get("data") or {}),
            metadata=types.SimpleNamespace(name=meta["name"], resource_version=meta["resourceVersion"],
                                           annotations=dict(meta.get("annotations") or {})))

    def read_namespaced_secret(self, name, namespace):
        if (namespace, name) not in self.secrets:
            raise ApiException(404, "Not Found")
        return self._object(self.secrets[(namespace, name)])

    def _store(self, namespace, body):
        self.counter += 1
        body = dict(body, metadata=dict(body["metadata"], resourceVersion=str(self.counter)))
        self.secrets[(namespace, body["metadata"]["name"])] = body
        return self._object(body)

    def create_namespaced_secret(self, namespace, body):
        if (namespace, body["metadata"]["name"]) in self.secrets:
            raise ApiException(409, "AlreadyExists")
        return self._store(namespace, body)

    def replace_namespaced_secret(self, name, namespace, body):
        current = self.secrets.get((namespace, name))
        if current is None or current["metadata"]["resourceVersion"] != body["metadata"].get("resourceVersion"):
            raise ApiException(409, "Conflict")
        return self._store(namespace, body)

    def delete_namespaced_secret(self, name, namespace):
        if self.secrets.pop((namespace, name), None) is None:
            raise ApiException(404, "Not Found")


def kubernetes(core=None, **kwargs):
    return dest.KubernetesSecretDestination(core or FakeCoreV1(), "jupyter", api_exception=ApiException, **kwargs)


def test_secret_create_replace_and_conflicts():
    core = FakeCoreV1()
    secrets = kubernetes(core)
    assert secrets.read("alice") == dest.Stored(None, None)
    first = secrets.write("alice", "t" * 32, None)
    stored = core.secrets[("jupyter", "jupyterhub-token-alice")]
    assert base64.b64decode(stored["data"]["token"]).decode() == "t" * 32
    assert stored["metadata"]["annotations"] == {dest.USER_ANNOTATION: "alice"}
    assert stored["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "datastack.jupyterhub"}
    assert secrets.read("alice") == dest.Stored("t" * 32, first)
    with pytest.raises(dest.DestinationConflict):
        secrets.write("alice", "u" * 32, None)
    second = secrets.write("alice", "u" * 32, first)
    with pytest.raises(dest.DestinationConflict):
        secrets.write("alice", "v" * 32, first)
    assert secrets.read("alice") == dest.Stored("u" * 32, second)
    secrets.remove("alice")
    secrets.remove("alice")
    assert secrets.read("alice") == dest.Stored(None, None)


@pytest.mark.parametrize("user, name", [
    ("alice", "jupyterhub-token-alice"),
    ("Alice", "jupyterhub-token--41-lice"),
    ("alice@example.org", "jupyterhub-token-alice-40-example-2e-org"),
    ("jean-luc", "jupyterhub-token-jean-2d-luc"),
    ("zoë", "jupyterhub-token-zo-c3--ab-"),
])
def test_every_user_name_gives_a_valid_secret_name(user, name):
    assert kubernetes().name(user).rstrip("-") == name.rstrip("-")
    assert kubernetes(name="{user}").name(user)


def test_two_users_never_share_a_secret():
    core = FakeCoreV1()
    secrets = kubernetes(core, name="tok-{user}")
    secrets.write("bob", "t" * 32, None)
    core.secrets[("jupyter", "tok-bob")]["metadata"]["annotations"][dest.USER_ANNOTATION] = "someone"
    with pytest.raises(dest.DestinationError, match="belongs to user someone"):
        secrets.read("bob")


def test_a_name_too_long_is_refused_clearly():
    with pytest.raises(dest.DestinationError, match="not a valid Kubernetes name"):
        kubernetes().name("x" * 300)


def test_api_failures_become_destination_errors():
    class Broken(FakeCoreV1):
        def read_namespaced_secret(self, name, namespace):
            raise ApiException(403, "Forbidden")

    with pytest.raises(dest.DestinationError, match="HTTP 403 Forbidden"):
        kubernetes(Broken()).read("alice")


# -- the option ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template, batch, problem", [
    ("{user}.token", True, None),
    ("same.token", False, None),
    ("same.token", True, "must contain {user}"),
    (" ", False, "must not be empty"),
])
def test_templates(template, batch, problem):
    found = dest.template_problem("option", template, batch)
    assert (found is None) if problem is None else problem in found


def test_build_a_file_destination_and_refuse_a_path_as_file_name(tmp_path):
    built, secrets = dest.build({"file": {"directory": str(tmp_path), "file_name": "{user}.token"}}, True)
    assert isinstance(built, dest.FileDestination) and secrets == []
    with pytest.raises(dest.DestinationError, match="a file name, without '/'"):
        dest.build({"file": {"directory": str(tmp_path), "file_name": "sub/{user}"}}, True)


def test_build_a_kubernetes_destination_without_a_cluster_says_what_to_set(tmp_path):
    options = {"kubernetes_secret": {"namespace": "jupyter", "name": "t-{user}", "key": "token",
                                     "kubeconfig": str(tmp_path / "missing"), "context": None}}
    with pytest.raises(dest.DestinationError, match="cannot load the Kubernetes configuration"):
        dest.build(options, True)
