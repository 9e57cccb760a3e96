"""SecretStore logic with a fake Vault session (the real round trip is in tests/integration)."""

import importlib
import sys
import warnings
from pathlib import Path

import pytest
import requests

from datastack_runtime import secretstore as dv
from tests.helpers.fake_vault import Answer, FakeVault

COMPAT = Path(__file__).resolve().parents[3] / "runtime" / "compat"

TOKEN = "s.notebook-token-never-shown"


class KvVault(FakeVault):
    """A tiny KV v2 + token endpoint."""

    def __init__(self):
        super().__init__()
        self.token = {"ttl": 86000, "renewable": True, "creation_ttl": 86400}
        self.renew_to = 86400
        self.secrets = {}

    def request(self, method, url, json=None, headers=None, timeout=None, verify=None):
        assert headers["X-Vault-Token"] == TOKEN
        return super().request(method, url, json=json, headers=headers, timeout=timeout, verify=verify)

    def answer(self, call):
        method, path, json = call.method, call.path, call.json
        if path == "auth/token/lookup-self":
            return Answer(200, {"data": dict(self.token)})
        if path == "auth/token/renew-self":
            return Answer(200, {"auth": {"lease_duration": self.renew_to}})
        name = path.rsplit("/", 1)[1]
        if method == "GET":
            if name not in self.secrets:
                return Answer(404, {"errors": []})
            data, version = self.secrets[name]
            return Answer(200, {"data": {"data": data, "metadata": {"version": version}}})
        if method == "POST":
            version = self.secrets.get(name, (None, 0))[1]
            if json["options"]["cas"] != version:
                return Answer(400, {"errors": ["check-and-set parameter did not match"]})
            self.secrets[name] = (json["data"], version + 1)
            return Answer(200, {})
        raise AssertionError("unexpected %s %s" % (method, path))


@pytest.fixture
def fake(monkeypatch):
    vault = KvVault()
    monkeypatch.setattr(dv.requests, "Session", vault)
    monkeypatch.setattr(dv.time, "sleep", lambda _: None)
    return vault


def store(**kwargs):
    return dv.SecretStore(token=TOKEN, addr="https://vault:8200", path="jupyter/users/alice",
                          **kwargs)


def paths(fake):
    return [call.path for call in fake.calls]


def test_missing_environment_says_what_is_missing(monkeypatch):
    for name in ("NOTEBOOK_VAULT_TOKEN", "VAULT_ADDR", "NOTEBOOK_VAULT_PATH"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(dv.SecretStoreError) as caught:
        dv.SecretStore()
    assert "NOTEBOOK_VAULT_TOKEN, VAULT_ADDR, NOTEBOOK_VAULT_PATH not set" in str(caught.value)
    assert "restart your server" in str(caught.value)


def test_repr_hides_the_token(fake):
    assert TOKEN not in repr(store()) and "jupyter/users/alice" in repr(store())


def test_put_merges_and_uses_check_and_set(fake):
    secrets = store()
    secrets.put("keys", a="1")
    secrets.put("keys", b="2")
    assert fake.secrets["keys"] == ({"a": "1", "b": "2"}, 2)
    writes = [call.json for call in fake.calls if call.method == "POST" and call.json and "data" in call.json]
    assert [w["options"]["cas"] for w in writes] == [0, 1]


def test_concurrent_write_is_retried(fake):
    fake.secrets["keys"] = ({"a": "1"}, 1)
    secrets = store()
    real = fake.request

    def racing(method, url, **kwargs):
        if method == "POST" and "/data/" in url and fake.secrets["keys"][1] == 1:
            fake.secrets["keys"] = ({"a": "1", "other": "x"}, 2)   # someone else wrote
        return real(method, url, **kwargs)
    fake.request = racing
    secrets.put("keys", b="2")
    assert fake.secrets["keys"] == ({"a": "1", "other": "x", "b": "2"}, 3)


def test_token_with_little_time_left_is_renewed(fake):
    fake.token = {"ttl": 300, "renewable": True, "creation_ttl": 86400}
    fake.secrets["k"] = ({"v": "1"}, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert store().get("k", field="v") == "1"
    renew = [call.json for call in fake.calls if call.path == "auth/token/renew-self"]
    assert renew == [{"increment": 86400}]


def test_token_with_time_left_is_not_renewed_and_lookups_are_cached(fake):
    fake.secrets["k"] = ({"v": "1"}, 1)
    secrets = store()
    secrets.get("k")
    secrets.get("k")
    assert paths(fake).count("auth/token/lookup-self") == 1
    assert "auth/token/renew-self" not in paths(fake)


def test_capped_renewal_warns_to_restart(fake):
    fake.token = {"ttl": 200, "renewable": True, "creation_ttl": 86400}
    fake.renew_to = 150
    fake.secrets["k"] = ({"v": "1"}, 1)
    with pytest.warns(UserWarning, match="maximum lifetime and expires in 150 s.*restart your server"):
        store().get("k")


def test_expired_token_tells_the_user_to_restart(fake):
    fake.script = [Answer(403, {"errors": ["permission denied"]})]
    with pytest.raises(dv.TokenExpiredError, match="expired or was revoked: restart your server"):
        store().get("k")


def test_permission_denied_is_one_clear_line(fake):
    fake.script = [Answer(200, {"data": fake.token}),
                   Answer(403, {"errors": ["1 error occurred:\n\t* permission denied\n\n"]})]
    with pytest.raises(dv.SecretStoreError) as caught:
        store().get("k")
    assert "Vault denied read 'k' in secret/jupyter/users/alice (permission denied)" in str(caught.value)


def test_missing_secret_and_field(fake):
    fake.secrets["k"] = ({"v": "1"}, 1)
    with pytest.raises(KeyError, match="no secret named 'nope'"):
        store().get("nope")
    with pytest.raises(dv.SecretNotFoundError, match="has no field 'x' \\(it has: v\\)"):
        store().get("k", field="x")


@pytest.mark.parametrize("bad", ["..", "a/../b", "/", "./x"])
def test_path_tricks_are_refused(fake, bad):
    with pytest.raises(dv.SecretStoreError, match="invalid secret name"):
        store().get(bad)


def test_unreachable_vault_is_retried_then_explained(fake):
    fake.script = [requests.ConnectionError("refused")] * 4
    with pytest.raises(dv.SecretStoreError, match="unreachable .*try again later"):
        store().get("k")
    assert len(fake.calls) == 4


def test_put_without_fields_is_refused(fake):
    with pytest.raises(dv.SecretStoreError, match="needs at least one field"):
        store().put("k")


@pytest.mark.parametrize("shim", ["datastack_vault", "buunstack"])
def test_notebook_shims_re_export_the_one_secretstore(monkeypatch, shim):
    monkeypatch.syspath_prepend(str(COMPAT))
    sys.modules.pop(shim, None)
    module = importlib.import_module(shim)
    assert module.SecretStore is dv.SecretStore and module.SecretNotFoundError is dv.SecretNotFoundError
    assert sorted(module.__all__) == sorted(dv.__all__)
