"""Error mapping of the Vault wire client (hvac exceptions by class); the wire itself is tested against
a real OpenBao in tests/integration."""

import pytest
import requests
from hvac import exceptions

from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import (
    VaultCasError,
    VaultClientError,
    connect,
    explain,
)

URL = "https://vault.example:8200"


@pytest.mark.parametrize("exc, kind, words", [
    (exceptions.VaultDown("Vault is sealed"), "sealed", ["sealed", "operator unseal"]),
    (exceptions.Forbidden("permission denied", errors=["1 error occurred:\n\t* permission denied\n\n"]),
     "forbidden", ["permission denied", "'secret/data/x'"]),
    (exceptions.Unauthorized("bad secret id"), "unauthorized", ["credentials"]),
    (exceptions.InvalidPath("no handler"), "not_found", ["nothing at 'secret/data/x'"]),
    (exceptions.InvalidRequest("check-and-set parameter did not match the current version"), "cas",
     ["someone else"]),
    (exceptions.InvalidRequest("child policies must be subset of parent"), "invalid", ["subset of parent"]),
    (exceptions.InternalServerError("boom"), "error", ["HTTP 500", "boom"]),
    (exceptions.BadGateway(), "error", ["HTTP 502", "no reason given"]),
    (exceptions.InternalServerError("Vault is sealed? no: a plugin failed"), "error", ["HTTP 500"]),
    (requests.exceptions.SSLError("certificate verify failed"), "tls", ["TLS verification", URL]),
    (requests.exceptions.ConnectionError("refused"), "unreachable", ["cannot reach", URL, "connection failed"]),
    (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), "unreachable", ["connection refused"]),
    (ValueError("Expecting value"), "protocol", ["not Vault's JSON"]),
])
def test_errors_are_matched_by_class(exc, kind, words):
    error = explain(exc, "secret/data/x", URL)
    assert error.kind == kind
    for word in words:
        assert word in error.message
    assert isinstance(error, VaultCasError) == (kind == "cas")


def test_other_exceptions_are_not_swallowed():
    with pytest.raises(KeyError):
        explain(KeyError("bug"), "x", URL)


def test_a_class_that_only_bears_an_hvac_name_is_not_hvacs():
    Forbidden = type("Forbidden", (Exception,), {})
    with pytest.raises(Forbidden):
        explain(Forbidden("permission denied"), "x", URL)


def test_no_message_names_an_exception_class():
    for exc in (exceptions.InternalServerError(), exceptions.UnexpectedError("teapot"),
                requests.exceptions.ReadTimeout(), requests.exceptions.SSLError("odd")):
        message = explain(exc, "x", URL).message
        assert type(exc).__name__ not in message, message


@pytest.mark.parametrize("kwargs, words", [
    (dict(url=""), "no Vault address"),
    (dict(url="vault.example:8200", token="t"), "not an http"),
    (dict(url=URL), "no Vault token"),
    (dict(url=URL, auth_method="approle", role_id="r"), "role id and a secret id"),
    (dict(url=URL, auth_method="ldap", token="t"), "unknown auth method"),
])
def test_connect_refuses_incomplete_settings_without_calling_vault(kwargs, words):
    with pytest.raises(VaultClientError, match=words) as caught:
        connect(**kwargs)
    assert caught.value.kind == "config"


def test_token_auth_sets_the_token_without_a_request():
    client = connect(URL, token="s.secret")
    assert client.token == "s.secret" and client.with_token("s.other").token == "s.other"


VAULT_OPTIONS = ("token_file", "role_id", "secret_id", "mount_point", "ca_cert", "validate_certs", "auth_method",
                 "store_mount", "store_path", "store_key", "role_name", "VAULT_ADDR", "VAULT_TOKEN")


def test_the_client_names_no_module_option():
    messages = [explain(exc, "secret/data/x", URL).message for exc in (
        exceptions.VaultDown(), exceptions.Forbidden(), exceptions.Unauthorized(), exceptions.InvalidPath(),
        exceptions.InvalidRequest("bad"), exceptions.InternalServerError(), requests.exceptions.SSLError("x"),
        requests.exceptions.ConnectionError("x"), ValueError("x"))]
    for kwargs in (dict(url=""), dict(url="vault:8200"), dict(url=URL), dict(url=URL, auth_method="approle"),
                   dict(url=URL, auth_method="ldap", token="t")):
        with pytest.raises(VaultClientError) as caught:
            connect(**kwargs)
        messages.append(caught.value.message)
    for message in messages:
        assert not [option for option in VAULT_OPTIONS if option in message], message
