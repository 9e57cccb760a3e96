"""The admin token renewer: interval choice, failure handling, the delays it logs (fake Vault)."""

import logging
import re

import pytest

from datastack_runtime import vault_renewer as renewer

TOKEN = "s.admin-token-never-logged"


@pytest.mark.parametrize("period, ttl, minimum, expected", [
    (86400, 86400, 30, 43200),   # half the period
    (0, 3600, 30, 1800),         # non-periodic: half the TTL
    (20, 20, 30, 16),            # the minimum never lets the token expire first
    (120, 120, 30, 60),
    (100, 100, 80, 80),          # the minimum wins when it still renews in time
    (10, 10, 1, 5),
    (0, 0, 30, 30),              # no TTL (root-like): just the minimum
])
def test_renewal_interval(period, ttl, minimum, expected):
    assert renewer.renewal_interval(period, ttl, minimum) == pytest.approx(expected)


class FakeVaultApi:
    """Stands in for renewer.Vault (its call() method), not for an HTTP session."""

    def __init__(self, valid):
        self.valid = set(valid)
        self.calls = []

    def call(self, method, path, token, body=None, field="data"):
        self.calls.append((path, token))
        if token not in self.valid:
            raise renewer.VaultError(403, "Vault answered 403 to %s %s: permission denied"
                                     % (method, path))
        if path.endswith("lookup-self"):
            return {"renewable": True, "period": 20, "ttl": 12, "creation_ttl": 20}
        return {"lease_duration": 20}


def test_renews_at_half_the_period(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    vault = FakeVaultApi([TOKEN])
    job = renewer.Renewer(vault, str(token_file), min_interval=1)
    assert job.cycle() == 10
    assert [path for path, dummy in vault.calls] == ["auth/token/lookup-self", "auth/token/renew-self"]


def test_rereads_the_token_file_when_renewal_fails(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    vault = FakeVaultApi(["s.new-token-never-logged"])
    job = renewer.Renewer(vault, str(token_file), min_interval=1)
    assert job.cycle() is None          # old token rejected, file unchanged
    token_file.write_text("s.new-token-never-logged\n")
    assert job.cycle() == 10            # re-read picks up the replacement
    assert vault.calls[-1] == ("auth/token/renew-self", "s.new-token-never-logged")
    assert "re-reading" in caplog.text
    assert TOKEN not in caplog.text and "never-logged" not in caplog.text


def test_non_renewable_token_is_reported(tmp_path, caplog):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)

    class NotRenewable(FakeVaultApi):
        def call(self, method, path, token, body=None, field="data"):
            return {"renewable": False}

    job = renewer.Renewer(NotRenewable([TOKEN]), str(token_file), min_interval=1)
    assert job.run(once=True) == 1
    assert "not renewable" in caplog.text


def test_missing_token_file_fails_once_mode(tmp_path, caplog):
    job = renewer.Renewer(FakeVaultApi([]), str(tmp_path / "absent"), min_interval=1)
    assert job.run(once=True) == 1
    assert "cannot read the token file" in caplog.text


def test_cli_requires_an_address(monkeypatch, capsys):
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    with pytest.raises(SystemExit) as caught:
        renewer.main(["--token-file", "/nonexistent"])
    assert caught.value.code == 2
    assert "VAULT_ADDR" in capsys.readouterr().err


class RecordingStop:
    """Stands in for the renewer's stop event: records each wait, stops after ``limit`` of them."""

    def __init__(self, limit):
        self.waits = []
        self.limit = limit

    def is_set(self):
        return len(self.waits) >= self.limit

    def wait(self, seconds):
        self.waits.append(seconds)
        return False

    def set(self):
        self.limit = 0


def test_the_delay_it_logs_is_the_delay_it_waits(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    job = renewer.Renewer(FakeVaultApi([]), str(token_file), min_interval=1, max_retry_interval=8)
    job.stopped = RecordingStop(6)
    assert job.run() == 0
    logged = [int(n) for n in re.findall(r"next attempt in (\d+)s", caplog.text)]
    assert job.stopped.waits == [1, 2, 4, 8, 8, 8]
    assert logged == job.stopped.waits
    assert "retrying in" not in caplog.text and TOKEN not in caplog.text


@pytest.mark.parametrize("raw, words", [
    (b"<html><body>Sign in</body></html>", "not Vault's JSON"),
    (b"{}", "without the 'data' object"),
    (b'{"data": null}', "without the 'data' object"),
    (b"[]", "without the 'data' object"),
])
def test_answers_that_are_not_vault_are_explained(monkeypatch, raw, words):
    class UrlopenAnswer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return raw

    monkeypatch.setattr(renewer.urllib.request, "urlopen", lambda *args, **kwargs: UrlopenAnswer())
    with pytest.raises(renewer.VaultError, match=words):
        renewer.Vault("https://vault.example.org").call("GET", "auth/token/lookup-self", TOKEN)


@pytest.mark.parametrize("value", ["30s", "1h", "0", "-1", "soon"])
def test_min_interval_is_whole_seconds_only(value, capsys):
    with pytest.raises(SystemExit):
        renewer.main(["--vault-addr", "http://127.0.0.1:1", "--min-interval", value, "--once"])
    assert "min-interval" in capsys.readouterr().err
