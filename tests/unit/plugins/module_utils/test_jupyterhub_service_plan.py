"""The pure decisions of jupyterhub_service: checks before any call, the body, differences, restoring."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_service_plan as plan


def spec(**changes):
    base = dict(name="gdp", state="present", url="http://gdp:5000", service_token=None, display=True, info={},
                admin=False, oauth_client_allowed_scopes=None, oauth_no_confirm=None, oauth_redirect_uri=None,
                oauth_client_id=None, force=False)
    base.update(changes)
    return plan.ServiceSpec(**base)


LIVE = {"name": "gdp", "url": "http://gdp:5000/", "display": True, "info": {}, "admin": False, "kind": "service"}


@pytest.mark.parametrize("changes, message", [
    (dict(name=".."), "invalid service name '..'"),
    (dict(name="a/b"), "invalid service name"),
    (dict(name="a b"), "invalid service name"),
    (dict(name=""), "invalid service name"),
    (dict(url="not a url"), "url 'not a url' is not an http:// or https:// URL"),
    (dict(url="ftp://gdp"), "is not an http:// or https:// URL"),
    (dict(url="http://gdp:port"), "is not an http:// or https:// URL"),
    (dict(url="http://user:pw@gdp"), "must not contain credentials"),
    (dict(oauth_redirect_uri="/callback"), "oauth_redirect_uri '/callback'"),
    (dict(service_token="1234567"), "at least 8 characters"),
    (dict(service_token=" " + "x" * 20), "at least 8 characters without surrounding spaces"),
    (dict(info={"n": 1}), "info must map names to strings"),
])
def test_problems_found_before_any_call(changes, message):
    assert any(message in problem for problem in plan.problems(spec(**changes))), plan.problems(spec(**changes))


def test_a_good_spec_and_an_absent_one_have_no_problem():
    assert plan.problems(spec(service_token="x" * 32, info={"a": "b"})) == []
    assert plan.problems(spec(state="absent", url="whatever")) == []


def test_body_uses_only_keys_the_hub_accepts():
    body = plan.body(spec(service_token="x" * 32, oauth_client_allowed_scopes=["read:users"]))
    assert set(body) <= plan.RUNTIME_SERVICE_KEYS
    assert body["api_token"] == "x" * 32 and body["url"] == "http://gdp:5000"


def test_plan_adds_keeps_replaces_and_removes():
    assert plan.plan(spec(), None, None).action == "add"
    kept = plan.plan(spec(), LIVE, True)
    assert kept.action == "none" and kept.differences == []
    moved = plan.plan(spec(url="http://gdp:6000", display=False), LIVE, True)
    assert moved.action == "replace" and moved.differences == ["url", "display"]
    assert moved.expected["url"] == "http://gdp:6000" and "api_token" not in moved.expected
    assert plan.plan(spec(service_token="x" * 32), LIVE, False).differences == ["service_token"]
    assert plan.plan(spec(force=True), LIVE, None).differences == ["force"]
    assert plan.plan(spec(state="absent"), LIVE, None).action == "remove"
    assert plan.plan(spec(state="absent"), None, None).action == "none"


def test_restore_body_brings_back_what_the_hub_showed():
    assert plan.restore_body(LIVE, "t" * 32) == {"display": True, "info": {}, "admin": False,
                                                 "url": "http://gdp:5000/", "api_token": "t" * 32}
    assert "api_token" not in plan.restore_body(dict(LIVE, url=""), None)
    assert plan.visible({"api_token": "x", "name": "gdp"}) == {"name": "gdp"}
