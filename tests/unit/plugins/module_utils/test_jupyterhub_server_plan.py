"""The pure decisions of jupyterhub_server: checks, what to do from the user model, when waiting is over."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_server_plan as plan


def spec(**changes):
    base = dict(user="alice", server_name="", state="started", wait=True, wait_timeout=300, create_user=False,
                user_options=None)
    base.update(changes)
    return plan.ServerSpec(**base)


def model(**server):
    return {"name": "alice", "servers": {"": dict(name="", url="/user/alice/", **server)} if server else {}}


@pytest.mark.parametrize("changes, message", [
    (dict(user=""), "invalid user name"),
    (dict(user="a/b"), "invalid user name"),
    (dict(user=" alice"), "invalid user name"),
    (dict(server_name="a/b"), "invalid server_name 'a/b'"),
    (dict(server_name="my lab"), "invalid server_name"),
    (dict(state="running"), "state must be one of started, stopped"),
    (dict(wait_timeout=0), "wait_timeout must be a positive number"),
    (dict(state="stopped", user_options={"profile": "gpu"}), "user_options is only used with state=started"),
])
def test_problems_found_before_any_call(changes, message):
    found = plan.problems(spec(**changes))
    assert any(message in problem for problem in found), found


def test_a_good_spec_has_no_problem():
    assert plan.problems(spec(server_name="gpu-1.x", user_options={"profile": "gpu"})) == []
    assert plan.problems(spec(state=None)) == []


def test_status_of_missing_user_stopped_pending_and_ready_servers():
    assert plan.server_status(None, "") == plan.ServerStatus(False, False, False, None, None)
    assert plan.server_status(model(), "") == plan.ServerStatus(True, False, False, None, None)
    assert plan.server_status(model(ready=False, pending="spawn"), "") == \
        plan.ServerStatus(True, True, False, "spawn", "/user/alice/")
    assert plan.server_status(model(ready=True, pending=None), "") == \
        plan.ServerStatus(True, True, True, None, "/user/alice/")
    assert plan.server_status(model(ready=True, pending=None), "other").exists is False


@pytest.mark.parametrize("state, server, create_user, action, after_stop", [
    ("started", None, False, "start", False),
    ("started", dict(ready=True, pending=None), False, "none", False),
    ("started", dict(ready=False, pending="spawn"), False, "none", False),
    ("started", dict(ready=True, pending="stop"), False, "start", True),
    ("stopped", dict(ready=True, pending=None), False, "stop", False),
    ("stopped", dict(ready=False, pending="spawn"), False, "stop", False),
    ("stopped", dict(ready=True, pending="stop"), False, "none", False),
    ("stopped", None, False, "none", False),
    (None, dict(ready=True, pending=None), False, "none", False),
    (None, None, False, "none", False),
])
def test_decide(state, server, create_user, action, after_stop):
    status = plan.server_status(model(**server) if server else model(), "")
    decided = plan.decide(spec(state=state, create_user=create_user), status)
    assert (decided.action, decided.after_stop) == (action, after_stop)
    assert decided.wait_for == state


def test_missing_user_is_created_only_when_asked():
    missing = plan.server_status(None, "")
    assert plan.decide(spec(create_user=True), missing).action == "create_user"
    assert plan.decide(spec(create_user=False), missing).action == "none"
    assert plan.decide(spec(state="stopped"), missing).action == "none"


def test_no_wait_means_nothing_to_wait_for():
    assert plan.decide(spec(wait=False), plan.server_status(model(), "")).wait_for is None


@pytest.mark.parametrize("wanted, server, outcome", [
    ("started", dict(ready=True, pending=None), plan.DONE),
    ("started", dict(ready=False, pending="spawn"), plan.WAITING),
    ("started", None, plan.FAILED),  # the spawn ended without a server: it failed
    ("stopped", None, plan.DONE),
    ("stopped", dict(ready=False, pending="stop"), plan.WAITING),
    ("stopped", dict(ready=True, pending=None), plan.WAITING),
])
def test_progress(wanted, server, outcome):
    assert plan.progress(wanted, plan.server_status(model(**server) if server else model(), "")) == outcome


def test_urls():
    assert plan.hub_url_from_api("https://hub.example.org/hub/api/") == "https://hub.example.org"
    assert plan.hub_url_from_api("https://example.org/jhub/hub/api") == "https://example.org/jhub"
    assert plan.server_url("https://hub.example.org/", "/user/alice/") == "https://hub.example.org/user/alice/"
    assert plan.server_url("https://h", "https://other/user/a/") == "https://other/user/a/"
    assert plan.server_url("https://h", None) is None
