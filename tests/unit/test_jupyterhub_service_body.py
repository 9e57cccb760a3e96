"""What jupyterhub_service sends, and what it refuses before sending anything."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.modules import jupyterhub_service as svc

BASE = dict(display=True, info={}, admin=False, url=None, service_token=None, oauth_client_allowed_scopes=None,
            oauth_no_confirm=None, oauth_redirect_uri=None, oauth_client_id=None)


def test_body_uses_only_keys_the_hub_accepts():
    body = svc.build_body(dict(BASE, url="http://gdp:5000", service_token="x" * 32,
                               oauth_client_allowed_scopes=["read:users"]))
    assert set(body) <= svc.RUNTIME_SERVICE_KEYS
    assert body["api_token"] == "x" * 32 and body["url"] == "http://gdp:5000"


def test_short_token_is_refused():
    with pytest.raises(ValueError, match="at least 8 characters"):
        svc.build_body(dict(BASE, service_token="1234567"))


def test_a_key_the_hub_refuses_is_caught(monkeypatch):
    monkeypatch.setattr(svc, "RUNTIME_SERVICE_KEYS", svc.RUNTIME_SERVICE_KEYS - {"info"})
    with pytest.raises(ValueError, match="does not accept info"):
        svc.build_body(dict(BASE))


def test_differences_ignore_a_trailing_slash_and_report_fields():
    live = {"url": "http://gdp:5000/", "display": True, "info": {}, "admin": False}
    assert svc.differences(live, {"url": "http://gdp:5000", "display": True, "info": {}, "admin": False}) == []
    assert svc.differences(live, {"url": "http://gdp:6000", "display": False, "info": {}, "admin": True}) == [
        "url", "display", "admin"]
