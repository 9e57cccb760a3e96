"""The admin token renewer: duration parsing, interval choice, failure handling (fake Vault)."""

import importlib.util
import logging
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "roles" / "vault" / "files" / "hub" / "vault_token_renewer.py"
_spec = importlib.util.spec_from_file_location("vault_token_renewer_unit", PATH)
renewer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(renewer)

TOKEN = "s.admin-token-never-logged"


@pytest.mark.parametrize("text, seconds", [
    ("24h", 86400), ("1h30m", 5400), ("90s", 90), ("3600", 3600), ("0", 0), ("0s", 0),
    ("5m", 300), ("7d", 604800), ("168h", 604800), ("1.5h", 5400), (" 10S ", 10),
    ("2h0m5s", 7205), (3600, 3600), ("12h", 43200), ("48h", 172800),
])
def test_parse_duration(text, seconds):
    assert renewer.parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "h", "24x", "1h 30m", "-5", "abc", "1h30", -1])
def test_parse_duration_refuses_garbage(bad):
    with pytest.raises(ValueError):
        renewer.parse_duration(bad)


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


class FakeVault:
    def __init__(self, valid):
        self.valid = set(valid)
        self.calls = []

    def call(self, method, path, token, body=None):
        self.calls.append((path, token))
        if token not in self.valid:
            raise renewer.VaultError(403, "Vault answered 403 to %s %s: permission denied"
                                     % (method, path))
        if path.endswith("lookup-self"):
            return {"data": {"renewable": True, "period": 20, "ttl": 12, "creation_ttl": 20}}
        return {"auth": {"lease_duration": 20}}


def test_renews_at_half_the_period(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    vault = FakeVault([TOKEN])
    job = renewer.Renewer(vault, str(token_file), min_interval=1)
    assert job.cycle() == 10
    assert [path for path, dummy in vault.calls] == ["auth/token/lookup-self", "auth/token/renew-self"]


def test_rereads_the_token_file_when_renewal_fails(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    vault = FakeVault(["s.new-token-never-logged"])
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

    class NotRenewable(FakeVault):
        def call(self, method, path, token, body=None):
            return {"data": {"renewable": False}}

    job = renewer.Renewer(NotRenewable([TOKEN]), str(token_file), min_interval=1)
    assert job.run(once=True) == 1
    assert "not renewable" in caplog.text


def test_missing_token_file_fails_once_mode(tmp_path, caplog):
    job = renewer.Renewer(FakeVault([]), str(tmp_path / "absent"), min_interval=1)
    assert job.run(once=True) == 1
    assert "cannot read the token file" in caplog.text


def test_cli_requires_an_address(monkeypatch, capsys):
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    with pytest.raises(SystemExit) as caught:
        renewer.main(["--token-file", "/nonexistent"])
    assert caught.value.code == 2
    assert "VAULT_ADDR" in capsys.readouterr().err


def test_cli_refuses_a_bad_minimum(capsys):
    with pytest.raises(SystemExit):
        renewer.main(["--vault-addr", "http://127.0.0.1:1", "--min-interval", "soon"])
    assert "not a Vault duration" in capsys.readouterr().err
