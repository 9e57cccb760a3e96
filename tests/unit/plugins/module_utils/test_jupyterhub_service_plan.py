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


def seen(live, owner="unchecked"):
    """What the module read: ``owner`` is the hub's answer about service_token ("unchecked": not asked)."""
    return plan.Seen(live, owner != "unchecked", None if owner == "unchecked" else owner)


SERVICE_GDP = {"kind": "service", "name": "gdp"}


def test_decide_adds_keeps_replaces_and_removes():
    assert plan.decide(spec(), seen(None)).action == "add"
    kept = plan.decide(spec(service_token="x" * 32), seen(LIVE, SERVICE_GDP))
    assert kept.action == "none" and kept.differences == [] and kept.expected == LIVE
    moved = plan.decide(spec(url="http://gdp:6000", display=False), seen(LIVE))
    assert moved.action == "replace" and moved.differences == ["url", "display"]
    assert moved.expected["url"] == "http://gdp:6000" and "api_token" not in moved.expected
    assert plan.decide(spec(service_token="x" * 32), seen(LIVE, None)).differences == ["service_token"]
    assert plan.decide(spec(force=True), seen(LIVE)).differences == ["force"]
    assert plan.decide(spec(state="absent"), seen(LIVE)).action == "remove"
    assert plan.decide(spec(state="absent"), seen(None)).action == "none"


@pytest.mark.parametrize("owner", [{"kind": "user", "name": "alice"}, {"kind": "service", "name": "other"}])
def test_a_token_that_is_someone_elses_is_refused(owner):
    decided = plan.decide(spec(service_token="x" * 32), seen(LIVE, owner))
    assert decided.action == "refuse" and decided.body is None
    assert "already the token of %s %s" % (owner["kind"], owner["name"]) in decided.reason


def test_the_token_is_checked_only_for_a_live_service_that_should_stay():
    assert plan.token_to_check(spec(service_token="x" * 32), LIVE) == "x" * 32
    assert plan.token_to_check(spec(service_token="x" * 32), None) is None
    assert plan.token_to_check(spec(service_token="x" * 32, state="absent"), LIVE) is None
    assert plan.token_to_check(spec(), LIVE) is None


def test_restore_keeps_the_token_only_when_it_is_the_services():
    token = "x" * 32
    kept = plan.decide(spec(service_token=token, url="http://gdp:6000"), seen(LIVE, SERVICE_GDP))
    assert plan.restore(spec(service_token=token), seen(LIVE, SERVICE_GDP), kept)["api_token"] == token
    foreign = plan.decide(spec(service_token=token), seen(LIVE, None))
    assert "api_token" not in plan.restore(spec(service_token=token), seen(LIVE, None), foreign)


def test_spec_from_the_options_and_routing_in_words():
    params = dict(spec()._asdict(), api_url="https://hub/hub/api", api_token="t")
    assert plan.spec_from(params) == spec()
    assert plan.routing("gdp", True) == plan.ROUTING_SYNCED
    assert "/services/gdp/" in plan.routing("gdp", False) and "proxy scope" in plan.routing("gdp", False)


def test_restore_body_brings_back_what_the_hub_showed():
    assert plan.restore_body(LIVE, "t" * 32) == {"display": True, "info": {}, "admin": False,
                                                 "url": "http://gdp:5000/", "api_token": "t" * 32}
    assert "api_token" not in plan.restore_body(dict(LIVE, url=""), None)
    assert plan.visible({"api_token": "x", "name": "gdp"}) == {"name": "gdp"}
