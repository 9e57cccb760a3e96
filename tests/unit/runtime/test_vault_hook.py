"""The pre-spawn hook's logic with a fake Vault HTTP session (the wire is tested in integration)."""

import asyncio
import concurrent.futures
import json
import logging
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from traitlets.config import Config

from datastack_runtime import vault_hook as hook
from tests.helpers.fake_vault import Answer, FakeVault

RUNTIME = Path(__file__).resolve().parents[3] / "runtime"

USER_TOKEN = "s.user-token-never-logged"
ADMIN_TOKEN = "s.admin-token-never-logged"


class HookVault(FakeVault):
    """Makes a user token on the token role; anything else succeeds without a body."""

    def answer(self, call):
        if call.path.startswith("auth/token/create/"):
            return Answer(200, {"auth": {"client_token": USER_TOKEN}})
        return Answer(204)


@pytest.fixture
def fake(monkeypatch):
    vault = HookVault()
    monkeypatch.setattr(hook.requests, "Session", vault)
    return vault


@pytest.fixture
def settings(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(ADMIN_TOKEN + "\n")
    return {"vault_addr": "https://vault.example.org:8200", "admin_token_file": str(token_file)}


def spawner(name="alice@example.org", environment=None):
    return SimpleNamespace(user=SimpleNamespace(name=name), environment=environment or {"KEEP": "1"},
                           log=logging.getLogger("test-spawner"))


def run(coro):
    """Run the hook's coroutine on a loop of its own, whatever loop this thread may already run."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_hook_mints_through_the_role_with_an_alias_and_writes_no_policy(fake, settings, caplog):
    caplog.set_level(logging.DEBUG)
    spawned = spawner()
    run(hook.make_hook(settings)(spawned))
    (create_call,) = fake.calls
    assert create_call.method == "POST"
    assert create_call.url.endswith("/v1/auth/token/create/jupyter-user")
    assert create_call.json["policies"] == ["jupyter-user"]
    assert create_call.json["entity_alias"] == "alice-40-example-2e-org"
    assert (create_call.json["ttl"], create_call.json["explicit_max_ttl"]) == ("24h", "168h")
    assert create_call.json["meta"] == {"user": "alice@example.org"}
    assert create_call.headers["X-Vault-Token"] == ADMIN_TOKEN
    assert create_call.verify is True
    assert spawned.environment == {
        "KEEP": "1", "NOTEBOOK_VAULT_TOKEN": USER_TOKEN,
        "VAULT_ADDR": "https://vault.example.org:8200", "NOTEBOOK_VAULT_MOUNT": "secret",
        "NOTEBOOK_VAULT_PATH": "jupyter/users/alice-40-example-2e-org"}
    assert USER_TOKEN not in caplog.text and ADMIN_TOKEN not in caplog.text
    assert "Vault token issued for alice@example.org" in caplog.text


def test_ca_bundle_is_used_for_tls_and_passed_to_the_notebook(fake, settings):
    spawned = spawner()
    run(hook.make_hook(dict(settings, ca_bundle="/etc/ssl/vault-ca.pem", token_ttl="1h"))(spawned))
    assert {call.verify for call in fake.calls} == {"/etc/ssl/vault-ca.pem"}
    assert fake.calls[0].json["ttl"] == "1h"
    assert spawned.environment["VAULT_CACERT"] == "/etc/ssl/vault-ca.pem"


def test_admin_token_file_is_read_at_every_spawn(fake, settings):
    spawn_hook = hook.make_hook(settings)
    run(spawn_hook(spawner()))
    Path(settings["admin_token_file"]).write_text("s.replaced-admin-token")
    run(spawn_hook(spawner()))
    assert fake.calls[-1].headers["X-Vault-Token"] == "s.replaced-admin-token"


def test_transient_errors_are_retried_with_backoff(fake, settings):
    fake.script = [requests.ConnectionError("refused"), Answer(503, {"errors": ["sealed"]})]
    sleeps = []
    env = hook.issue_user_token(hook.load_settings(settings), "bob", sleep=sleeps.append)
    assert env["NOTEBOOK_VAULT_TOKEN"] == USER_TOKEN
    assert [call.method for call in fake.calls] == ["POST", "POST", "POST"]
    assert sleeps == [0.5, 1.0]


def test_unreachable_vault_gives_up_with_a_clear_error(fake, settings):
    fake.script = [requests.ConnectionError("refused")] * 5
    sleeps = []
    with pytest.raises(hook.VaultError, match="unreachable .* after 5 attempts; check that it runs"):
        hook.issue_user_token(hook.load_settings(settings), "bob", sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_permission_denied_is_not_retried_and_says_what_to_do(fake, settings):
    fake.script = [Answer(403, {"errors": ["permission denied"]})]
    with pytest.raises(hook.VaultError) as caught:
        hook.issue_user_token(hook.load_settings(settings), "bob", sleep=lambda _: None)
    assert len(fake.calls) == 1
    assert "403" in str(caught.value) and "re-run the vault role" in str(caught.value)


def test_tls_failure_names_the_ca_bundle_setting(fake, settings):
    fake.script = [requests.exceptions.SSLError("certificate verify failed")]
    with pytest.raises(hook.VaultError, match="set ca_bundle"):
        hook.issue_user_token(hook.load_settings(settings), "bob")


def test_vault_failure_fails_the_spawn_with_a_visible_message(fake, settings, caplog):
    fake.script = [Answer(403, {"errors": ["permission denied"]})]
    spawned = spawner()
    with pytest.raises(hook.VaultSpawnError) as caught:
        run(hook.make_hook(settings)(spawned))
    assert "Your server was not started" in caught.value.jupyterhub_message
    assert "permission denied" in caught.value.jupyterhub_message
    assert caught.value.status_code == 503
    assert "NOTEBOOK_VAULT_TOKEN" not in spawned.environment
    assert ADMIN_TOKEN not in caplog.text


def test_spawn_without_token_is_a_logged_choice(fake, settings, caplog):
    fake.script = [Answer(500, {"errors": ["boom"]})] * 10
    spawned = spawner()
    monkey_settings = dict(settings, spawn_without_token=True, retries=0)
    run(hook.make_hook(monkey_settings)(spawned))
    assert spawned.environment == {"KEEP": "1"}
    assert "without a Vault token" in caplog.text


def test_missing_token_file_is_a_clear_error(fake, settings):
    spawned = spawner()
    with pytest.raises(hook.VaultSpawnError, match="cannot read the hub's Vault admin token file"):
        run(hook.make_hook(dict(settings, admin_token_file="/nonexistent/token"))(spawned))
    assert fake.calls == []


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown Vault hook settings: vault_adr"):
        hook.make_hook({"vault_adr": "x"})
    with pytest.raises(ValueError, match="needs vault_addr"):
        hook.make_hook({})


@pytest.mark.parametrize("is_async", [False, True])
def test_install_chains_an_existing_hook(fake, settings, is_async):
    order = []

    def previous(spawner):
        order.append("previous")
        spawner.environment["FROM_PREVIOUS"] = "yes"

    async def previous_async(spawner):
        previous(spawner)

    c = Config()
    c.Spawner.pre_spawn_hook = previous_async if is_async else previous
    hook.install(c, settings)
    spawned = spawner()
    run(c.Spawner.pre_spawn_hook(spawned))
    assert order == ["previous"]
    assert spawned.environment["FROM_PREVIOUS"] == "yes"
    assert spawned.environment["NOTEBOOK_VAULT_TOKEN"] == USER_TOKEN


def run_loader(environ):
    """Execute vault_config.py's text as hub.extraConfig does."""
    c = Config()
    source = (RUNTIME / "datastack_runtime" / "vault_config.py").read_text()
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        exec(compile(source, "20-datastack-vault", "exec"), {"c": c})  # noqa: S102 (the hub does the same)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return c


def test_loader_installs_the_hook_from_the_hub_dir(tmp_path, settings):
    (tmp_path / "vault_settings.json").write_text(json.dumps(settings))
    c = run_loader({"DATASTACK_HUB_DIR": str(RUNTIME),
                    "DATASTACK_VAULT_SETTINGS": str(tmp_path / "vault_settings.json")})
    assert c.Spawner.pre_spawn_hook.__name__ == "vault_pre_spawn_hook"
    assert str(RUNTIME) in sys.path


def test_loader_names_the_missing_settings_file(tmp_path):
    with pytest.raises(RuntimeError, match="cannot read its settings %s" % (tmp_path / "vault_settings.json")):
        run_loader({"DATASTACK_HUB_DIR": str(tmp_path), "DATASTACK_VAULT_SETTINGS": ""})


def test_importing_the_loader_does_nothing():
    from datastack_runtime import vault_config  # noqa: F401  pylint: disable=import-outside-toplevel


def test_spawn_error_survives_percent_signs_in_the_message(fake, settings):
    fake.script = [Answer(403, {"errors": ["permission denied on 50%s"]})]
    with pytest.raises(hook.VaultSpawnError) as caught:
        run(hook.make_hook(settings)(spawner("50%off")))
    assert "50%s" in str(caught.value) and "50%s" in caught.value.jupyterhub_message
