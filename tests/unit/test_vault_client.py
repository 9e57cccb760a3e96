"""Pure parts of the Vault client and of vault_renewable_token: durations, drift, end dates, error messages."""

import pytest
import requests

from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import (
    VaultClient,
    iso_time,
    parse_duration,
)
from ansible_collections.datastack.jupyterhub.plugins.modules.vault_renewable_token import (
    drift,
    max_expire,
    wanted_settings,
)
from hvac import exceptions


@pytest.mark.parametrize("text, seconds", [
    ("24h", 86400), ("1h30m", 5400), ("90s", 90), ("3600", 3600), (3600, 3600), ("0", 0), ("168h", 604800),
    ("2d", 172800), ("1h 30m", None),
])
def test_parse_duration(text, seconds):
    if seconds is None:
        with pytest.raises(ValueError):
            parse_duration(text)
    else:
        assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "a day", "h", "-5s", "5x", True])
def test_parse_duration_rejects_nonsense(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def params(**kwargs):
    base = dict(ttl="24h", period=None, explicit_max_ttl=None, renew_threshold=None, policies=["jupyterhub-admin"],
                role_name=None)
    base.update(kwargs)
    return base


def test_periodic_by_default():
    wanted = wanted_settings(params())
    assert wanted["period"] == 86400 and wanted["explicit_max_ttl"] == 0
    assert wanted_settings(params(period="0"))["period"] == 0
    assert wanted_settings(params(policies=["default", "b", "a"]))["policies"] == ["a", "b"]


def test_drift():
    wanted = wanted_settings(params())
    live = dict(policies=["default", "jupyterhub-admin"], period=86400, explicit_max_ttl=0)
    assert drift(wanted, live, params()) is None
    assert "policies" in drift(wanted, dict(live, policies=["default", "other"]), params())
    assert "period" in drift(wanted, dict(live, period=0), params())
    assert "explicit_max_ttl" in drift(wanted, dict(live, explicit_max_ttl=60), params())
    # Through a token role the role decides period and cap: only policies count.
    assert drift(wanted, dict(live, period=0), params(role_name="r")) is None


def test_max_expire():
    assert max_expire(dict(creation_time=1000, period=60, explicit_max_ttl=0), 2764800) is None
    assert max_expire(dict(creation_time=1000, period=0, explicit_max_ttl=0), 2764800) == 1000 + 2764800
    assert max_expire(dict(creation_time=1000, period=0, explicit_max_ttl=50), 2764800) == 1050
    assert max_expire(dict(creation_time=1000, period=60, explicit_max_ttl=500), 20) == 1500
    assert iso_time(0) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize("exc, path, expected", [
    (exceptions.VaultDown("Vault is sealed"), "secret/data/x", ["sealed", "operator unseal"]),
    (exceptions.Forbidden("1 error occurred: * permission denied"), "secret/data/x",
     ["permission denied", "'secret/data/x'"]),
    (exceptions.InvalidRequest("child policies must be subset of parent"), "auth/token/create",
     ["role_name", "sudo"]),
    (exceptions.InvalidRequest("root or sudo privileges required to create periodic token"),
     "auth/token/create/r", ["token_period", "role_name"]),
    (requests.exceptions.SSLError("certificate verify failed"), "sys/health", ["ca_cert"]),
    (requests.exceptions.ConnectionError("refused"), "sys/health", ["reachable"]),
])
def test_errors_name_the_path_and_the_fix(exc, path, expected):
    message = VaultClient.explain(exc, path, "https://vault.example:8200")
    for part in expected:
        assert part in message
