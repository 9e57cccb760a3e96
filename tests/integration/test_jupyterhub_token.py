"""jupyterhub_token against a real JupyterHub + configurable-http-proxy, through ansible-playbook."""

import threading
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_token"


def conn(hub, token=None):
    return {"api_url": hub.api_url, "api_token": token or hub.admin_token}


def fresh_user(prefix="u"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def whoami(hub, token):
    return requests.get(hub.api_url + "/user", headers={"Authorization": "token " + token}, timeout=10)


def test_present_creates_user_and_token_then_keeps_it(ansible, hub):
    user = fresh_user()
    args = dict(conn(hub), user=user, scopes=["access:servers!user=%s" % user, "self"], expires_in=3600)
    first, run = ansible.module(MODULE, args)
    assert first["changed"] is True, run
    assert first["results"][0]["user_created"] is True
    assert first["results"][0]["action"] == "created"
    answer = whoami(hub, first["token"])
    assert answer.status_code == 200 and answer.json()["name"] == user
    assert answer.json()["token_id"] == first["token_info"]["id"]

    second, run = ansible.module(MODULE, args)
    assert second["changed"] is False, run
    assert "token" not in second
    assert second["results"][0]["action"] == "kept"
    assert second["token_info"]["id"] == first["token_info"]["id"]
    assert [t["id"] for t in hub.tokens(user)] == [first["token_info"]["id"]]


def test_changed_scopes_replace_the_token(ansible, hub):
    user = fresh_user()
    base = dict(conn(hub), user=user, note="scoped")
    first, run = ansible.module(MODULE, dict(base, scopes=["access:servers!user=%s" % user, "self"]))
    assert first["changed"], run
    narrower, run = ansible.module(MODULE, dict(base, scopes=["read:users!user=%s" % user]))
    assert narrower["changed"] and narrower["results"][0]["action"] == "replaced", run
    assert narrower["results"][0]["revoked"] == [first["token_info"]["id"]]
    assert whoami(hub, first["token"]).status_code == 403
    again, run = ansible.module(MODULE, dict(base, scopes=["read:users!user=%s" % user]))
    assert again["changed"] is False, run


def test_token_close_to_expiry_is_renewed(ansible, hub):
    user = fresh_user()
    args = dict(conn(hub), user=user, expires_in=120, note="short")
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    renewed, run = ansible.module(MODULE, dict(args, renew_before=600))
    assert renewed["changed"] and renewed["results"][0]["action"] == "replaced", run
    assert renewed["token_info"]["id"] != first["token_info"]["id"]


def test_rotation_never_leaves_the_user_without_a_valid_token(ansible, hub):
    user = fresh_user()
    args = dict(conn(hub), user=user, note="rotating")
    first, run = ansible.module(MODULE, args)
    old_token = first["token"]
    gaps = []
    stop = threading.Event()

    def watch():
        # During rotation at least one of the user's tokens must always work.
        while not stop.is_set():
            listed = hub.tokens(user)
            if not listed:
                gaps.append(time.monotonic())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        rotated, run = ansible.module(MODULE, dict(args, state="rotated"))
    finally:
        stop.set()
        watcher.join()
    assert rotated["changed"] and rotated["results"][0]["action"] == "rotated", run
    assert rotated["results"][0]["revoked"] == [first["token_info"]["id"]]
    assert gaps == []
    assert whoami(hub, rotated["token"]).status_code == 200
    assert whoami(hub, old_token).status_code == 403


def test_absent_revokes_every_token_with_the_note(ansible, hub):
    user = fresh_user()
    hub.api("POST", "/users/%s" % user)
    for dummy in range(2):
        hub.api("POST", "/users/%s/tokens" % user, json={"note": "gone"})
    hub.api("POST", "/users/%s/tokens" % user, json={"note": "other"})
    result, run = ansible.module(MODULE, dict(conn(hub), user=user, note="gone", state="absent"))
    assert result["changed"] and len(result["results"][0]["revoked"]) == 2, run
    assert [t["note"] for t in hub.tokens(user)] == ["other"]
    again, run = ansible.module(MODULE, dict(conn(hub), user=user, note="gone", state="absent"))
    assert again["changed"] is False, run


def test_check_mode_changes_nothing_and_diff_shows_metadata_only(ansible, hub):
    user = fresh_user()
    args = dict(conn(hub), user=user, scopes=["self"], note="checked")
    result, run = ansible.module(MODULE, args, check=True, diff=True)
    assert result["changed"] is True, run
    assert "token" not in result
    assert hub.api("GET", "/users/%s" % user).status_code == 404
    created, run = ansible.module(MODULE, args, diff=True)
    diff = created["diff"]
    assert diff["before"] == [] and diff["after"][0]["note"] == "checked"
    assert created["token"] not in str(diff)
    rotate_check, run = ansible.module(MODULE, dict(args, state="rotated"), check=True)
    assert rotate_check["changed"] is True
    assert [t["id"] for t in hub.tokens(user)] == [created["token_info"]["id"]]


def test_current_token_identifies_the_managed_token_by_id(ansible, hub):
    user = fresh_user()
    first, run = ansible.module(MODULE, dict(conn(hub), user=user, note="held"))
    # A second token with the same note must not be touched when the caller names the one it holds.
    hub.api("POST", "/users/%s/tokens" % user, json={"note": "held"})
    rotated, run = ansible.module(MODULE, dict(conn(hub), user=user, note="held", state="rotated",
                                               current_token=first["token"]))
    assert rotated["results"][0]["revoked"] == [first["token_info"]["id"]], run
    assert len(hub.tokens(user)) == 2


def test_batch_uses_bulk_user_creation_and_reports_per_user(ansible, hub):
    users = [fresh_user("batch") for dummy in range(5)]
    hub.api("POST", "/users/%s" % users[0])
    args = dict(conn(hub), users=users, note="batch", scopes=["self"], expires_in=86400)
    result, run = ansible.module(MODULE, args)
    assert result["changed"], run
    assert sorted(result["tokens"]) == sorted(users)
    assert [r["user_created"] for r in result["results"]] == [False, True, True, True, True]
    for user in users:
        assert whoami(hub, result["tokens"][user]).json()["name"] == user
    again, run = ansible.module(MODULE, args)
    assert again["changed"] is False and again["tokens"] == {}, run


def test_unknown_user_without_create_user_is_a_clear_error(ansible, hub):
    user = fresh_user("ghost")
    result, run = ansible.module(MODULE, dict(conn(hub), user=user, create_user=False))
    assert result["failed"]
    assert result["msg"] == "user %s does not exist; create it first or set create_user=true" % user
    assert "Traceback" not in run.output


@pytest.mark.parametrize("name", ["", "a/b", " alice", ".."])
def test_invalid_user_name_is_refused_before_any_call(ansible, hub, name):
    result, run = ansible.module(MODULE, dict(conn(hub), user=name))
    assert result["failed"]
    assert "invalid user name" in result["msg"] and "'/'" in result["msg"]


def test_wrong_token_says_the_token_was_rejected(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub, token="not-a-real-token-0123456789"), user="alice"))
    assert result["failed"]
    assert "rejected the API token" in result["msg"]
    assert "not-a-real-token-0123456789" not in run.output


def test_missing_scope_is_named(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub, token=hub.powerless_token), user="alice"))
    assert result["failed"]
    assert "lacks the scope" in result["msg"] and "read:tokens" in result["msg"], result["msg"]
    assert hub.powerless_token not in run.output


def test_hub_down_is_a_clear_error_without_traceback(ansible, hub):
    from tests.fixtures.procs import free_port
    url = "http://127.0.0.1:%d/hub/api" % free_port()
    result, run = ansible.module(MODULE, dict(api_url=url, api_token=hub.admin_token, user="alice", retries=1))
    assert result["failed"]
    assert "cannot connect to JupyterHub" in result["msg"] and "connection refused" in result["msg"]
    assert "Traceback" not in run.output


def test_not_the_api_base_is_explained(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub), api_url=hub.url + "/hub/login", user="alice"))
    assert result["failed"]
    assert "not JSON" in result["msg"] and "/hub/api" in result["msg"], result["msg"]


def test_env_fallback_and_module_defaults_group(ansible, hub):
    user = fresh_user("env")
    play = {
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/datastack.jupyterhub.jupyterhub": {"validate_certs": True}},
        "tasks": [{"name": "under test", MODULE: {"user": user}, "no_log": True}],
    }
    run = ansible.playbook([play], env={"JUPYTERHUB_API_URL": hub.api_url + "/",
                                        "JUPYTERHUB_API_TOKEN": hub.admin_token})
    assert run.rc == 0, run
    assert len(hub.tokens(user)) == 1


def test_nothing_secret_in_verbose_output(ansible, hub):
    user = fresh_user("quiet")
    play = {
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "issue", MODULE: dict(conn(hub), user=user), "register": "issued", "no_log": True},
            {"name": "keep it", "ansible.builtin.copy": {"content": "{{ issued.token }}",
                                                         "dest": str(ansible.workdir / ("%s.token" % user)),
                                                         "mode": "0600"}, "no_log": True},
            {"name": "without no_log the module still masks its own input",
             MODULE: dict(conn(hub), user=user)},
        ],
    }
    run = ansible.playbook([play], verbosity=4, json_output=False)
    assert run.rc == 0, run
    issued = (ansible.workdir / ("%s.token" % user)).read_text()
    assert len(issued) > 20
    assert issued not in run.output
    assert hub.admin_token not in run.output
