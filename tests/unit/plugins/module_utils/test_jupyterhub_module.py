"""The module base's checks of the connection options and the hints that name them."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_client as wire
from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_module as base


def params(**changes):
    out = dict(api_url="https://hub.example.org/hub/api", api_token="t" * 32, validate_certs=True, ca_path=None,
               timeout=60, retries=3)
    out.update(changes)
    return out


@pytest.mark.parametrize("changes, message", [
    (dict(api_url="hub.example.org/hub/api"), "must be an http:// or https:// URL with a host"),
    (dict(api_url="https://hub:port/hub/api"), "is not a valid URL"),
    (dict(api_url="https://op:pw123@hub.example.org/hub/api"), "contains credentials"),
    (dict(api_token="  "), "api_token is empty"),
    (dict(timeout=0), "timeout must be a positive number"),
    (dict(timeout=-1.5), "timeout must be a positive number"),
    (dict(retries=11), "retries must be between 0 and 10"),
])
def test_connection_problems(changes, message):
    problem = base.connection_problem(params(**changes))
    assert problem and message in problem
    assert "pw123" not in problem


def test_good_options_have_no_problem():
    assert base.connection_problem(params()) is None
    assert base.connection_problem(params(api_url="http://127.0.0.1:8000/hub/api/", timeout=0.5, retries=0)) is None


def test_url_credentials_are_found_for_masking():
    assert base.url_credentials("https://op:pw123@hub/hub/api") == {"op:pw123", "pw123"}
    assert base.url_credentials("https://hub/hub/api") == set()
    assert base.url_credentials(None) == set()


def test_every_hint_names_an_option_or_the_configuration():
    for kind in (wire.CONNECTION, wire.TIMEOUT, wire.TLS_VERIFY, wire.TLS_PROTOCOL, wire.AUTH, wire.NOT_HUB):
        assert any(option in base.HINTS[kind] for option in ("api_url", "api_token", "ca_path", "timeout")), kind
    assert "load_roles" in base.HINTS[wire.SCOPE]
