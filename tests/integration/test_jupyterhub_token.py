"""jupyterhub_token against a real JupyterHub + configurable-http-proxy, through ansible-playbook."""

import uuid

import pytest

from tests.helpers.hub_token_traffic import OverlappingRuns, RevocationCheck

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_token"


def fresh_user(prefix="u"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def test_present_creates_user_and_token_then_keeps_it(ansible, hub):
    user = fresh_user()
    args = dict(hub.connection(), user=user, scopes=["access:servers!user=%s" % user, "self"], expires_in=3600)
    first, run = ansible.module(MODULE, args)
    assert first["changed"] is True, run
    assert first["results"][0]["user_created"] is True
    assert first["results"][0]["action"] == "created"
    answer = hub.user_answer(first["token"])
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
    base = dict(hub.connection(), user=user, note="scoped")
    first, run = ansible.module(MODULE, dict(base, scopes=["access:servers!user=%s" % user, "self"]))
    assert first["changed"], run
    narrower, run = ansible.module(MODULE, dict(base, scopes=["read:users!user=%s" % user]))
    assert narrower["changed"] and narrower["results"][0]["action"] == "replaced", run
    assert narrower["results"][0]["revoked"] == [first["token_info"]["id"]]
    assert hub.user_answer(first["token"]).status_code == 403
    again, run = ansible.module(MODULE, dict(base, scopes=["read:users!user=%s" % user]))
    assert again["changed"] is False, run


def test_token_close_to_expiry_is_renewed(ansible, hub):
    user = fresh_user()
    args = dict(hub.connection(), user=user, expires_in=120, note="short")
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    renewed, run = ansible.module(MODULE, dict(args, expires_in=3600, renew_before=600))
    assert renewed["changed"] and renewed["results"][0]["action"] == "replaced", run
    assert renewed["token_info"]["id"] != first["token_info"]["id"]


def test_rotation_never_leaves_the_user_without_a_valid_token(ansible, hub):
    """Looked at when the old token's revocation reaches the hub, before it is forwarded: the new token is
    already made and authenticates as the user."""
    user = fresh_user()
    args = dict(hub.connection(), user=user, note="rotating")
    first, run = ansible.module(MODULE, args)
    old_id = first["token_info"]["id"]
    with RevocationCheck(hub, user, old_id, "rotating") as check:
        rotated, run = ansible.module(MODULE, dict(args, api_url=check.api_url, state="rotated"))
    new_id = rotated["token_info"]["id"]
    assert check.seen == [dict(made=[new_id], name=user, token_id=new_id)], check.seen
    assert rotated["changed"] and rotated["results"][0]["action"] == "rotated", run
    assert rotated["results"][0]["revoked"] == [old_id]
    assert check.proxy.errors == []
    assert hub.user_answer(rotated["token"]).json()["token_id"] == new_id
    assert hub.user_answer(first["token"]).status_code == 403


def test_absent_revokes_every_token_with_the_note(ansible, hub):
    user = fresh_user()
    hub.api("POST", "/users/%s" % user)
    for dummy in range(2):
        hub.api("POST", "/users/%s/tokens" % user, json={"note": "gone"})
    hub.api("POST", "/users/%s/tokens" % user, json={"note": "other"})
    result, run = ansible.module(MODULE, dict(hub.connection(), user=user, note="gone", state="absent"))
    assert result["changed"] and len(result["results"][0]["revoked"]) == 2, run
    assert [t["note"] for t in hub.tokens(user)] == ["other"]
    again, run = ansible.module(MODULE, dict(hub.connection(), user=user, note="gone", state="absent"))
    assert again["changed"] is False, run


def test_check_mode_changes_nothing_and_diff_shows_metadata_only(ansible, hub):
    user = fresh_user()
    args = dict(hub.connection(), user=user, scopes=["self"], note="checked")
    result, run = ansible.module(MODULE, args, check=True, diff=True)
    assert result["changed"] is True, run
    assert "token" not in result
    assert hub.api("GET", "/users/%s" % user).status_code == 404
    created, run = ansible.module(MODULE, args, diff=True)
    diff = created["diff"]
    assert diff["before"] == {"user": user, "tokens": []} and diff["after"]["tokens"][0]["note"] == "checked"
    assert created["token"] not in str(diff)
    rotate_check, run = ansible.module(MODULE, dict(args, state="rotated"), check=True)
    assert rotate_check["changed"] is True
    assert [t["id"] for t in hub.tokens(user)] == [created["token_info"]["id"]]


def test_current_token_identifies_the_managed_token_by_id(ansible, hub):
    user = fresh_user()
    first, run = ansible.module(MODULE, dict(hub.connection(), user=user, note="held"))
    # A second token with the same note must not be touched when the caller names the one it holds.
    hub.api("POST", "/users/%s/tokens" % user, json={"note": "held"})
    rotated, run = ansible.module(MODULE, dict(hub.connection(), user=user, note="held", state="rotated",
                                               current_token=first["token"]))
    assert rotated["results"][0]["revoked"] == [first["token_info"]["id"]], run
    assert len(hub.tokens(user)) == 2


def test_batch_uses_bulk_user_creation_and_reports_per_user(ansible, hub):
    users = [fresh_user("batch") for dummy in range(5)]
    hub.api("POST", "/users/%s" % users[0])
    args = dict(hub.connection(), users=users, note="batch", scopes=["self"], expires_in=86400)
    result, run = ansible.module(MODULE, args)
    assert result["changed"], run
    assert sorted(result["tokens"]) == sorted(users)
    assert [r["user_created"] for r in result["results"]] == [False, True, True, True, True]
    for user in users:
        assert hub.user_answer(result["tokens"][user]).json()["name"] == user
    again, run = ansible.module(MODULE, args)
    assert again["changed"] is False and again["tokens"] == {}, run


def test_unknown_user_without_create_user_is_a_clear_error(ansible, hub):
    user = fresh_user("ghost")
    result, run = ansible.module(MODULE, dict(hub.connection(), user=user, create_user=False))
    assert result["failed"]
    assert result["msg"] == "not done; user %s does not exist: create it first or set create_user=true" % user
    assert result["not_done"] == [user] and result["results"][0]["action"] == "failed"
    assert "Traceback" not in run.output


@pytest.mark.parametrize("name", ["", "a/b", " alice", ".."])
def test_invalid_user_name_is_refused_before_any_call(ansible, hub, name):
    result, run = ansible.module(MODULE, dict(hub.connection(), user=name))
    assert result["failed"]
    assert result["msg"].startswith("invalid user name %r" % name) and "'/'" in result["msg"], result["msg"]


def test_wrong_token_says_the_token_was_rejected(ansible, hub):
    result, run = ansible.module(MODULE, dict(hub.connection(token="not-a-real-token-0123456789"), user="alice"))
    assert result["failed"]
    assert "rejected the token" in result["msg"] and "Check api_token" in result["msg"], result["msg"]
    assert "not-a-real-token-0123456789" not in run.output


def test_missing_scope_is_named(ansible, hub):
    result, run = ansible.module(MODULE, dict(hub.connection(token=hub.powerless_token), user="alice"))
    assert result["failed"]
    assert "lacks the scope admin:users" in result["msg"], result["msg"]
    assert "load_roles" in result["msg"]
    assert hub.powerless_token not in run.output


def test_hub_down_is_a_clear_error_without_traceback(ansible, hub):
    from tests.fixtures.procs import free_port
    url = "http://127.0.0.1:%d/hub/api" % free_port()
    result, run = ansible.module(MODULE, dict(api_url=url, api_token=hub.admin_token, user="alice", retries=1))
    assert result["failed"]
    assert "cannot connect to JupyterHub" in result["msg"] and "connection refused" in result["msg"]
    assert "Check api_url" in result["msg"]
    assert "Traceback" not in run.output


def test_not_the_api_base_is_explained(ansible, hub):
    result, run = ansible.module(MODULE, dict(hub.connection(), api_url=hub.url + "/hub/login", user="alice"))
    assert result["failed"]
    assert "not JupyterHub's JSON" in result["msg"] and "/hub/api" in result["msg"], result["msg"]


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
            {"name": "issue", MODULE: dict(hub.connection(), user=user), "register": "issued", "no_log": True},
            {"name": "keep it", "ansible.builtin.copy": {"content": "{{ issued.token }}",
                                                         "dest": str(ansible.workdir / ("%s.token" % user)),
                                                         "mode": "0600"}, "no_log": True},
            {"name": "without no_log the module still masks its own input",
             MODULE: dict(hub.connection(), user=user)},
        ],
    }
    run = ansible.playbook([play], verbosity=4, json_output=False)
    assert run.rc == 0, run
    issued = (ansible.workdir / ("%s.token" % user)).read_text()
    assert len(issued) > 20
    assert issued not in run.output
    assert hub.admin_token not in run.output


# Every scope form of the hub's documentation, in the shape the hub accepts for a token of user {u}.
SCOPE_FORMS = [
    None,
    [],
    ["self"],
    ["inherit"],
    ["access:servers!user={u}"],
    ["access:servers!user"],
    ["access:servers!server={u}/"],
    ["read:users!user={u}"],
    ["read:users:name!user={u}"],
    ["users:activity!user"],
    ["servers!user={u}", "read:users:activity!user={u}"],
    ["access:servers!user={u}", "self"],
]


def scope_play(hub, prefix, forms):
    """One play with a task per scope form, each for its own user (one ansible-playbook run for all)."""
    tasks = []
    for index, form in enumerate(forms):
        user = "%s-%d" % (prefix, index)
        args = dict(hub.connection(), user=user, note="forms")
        if form is not None:
            args["scopes"] = [scope.format(u=user) for scope in form]
        tasks.append({"name": "form %d" % index, MODULE: args, "no_log": True})
    return [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def test_every_scope_form_is_kept_on_the_second_run(ansible, hub):
    """The hub adds the owner's identity scopes and subscopes; an unchanged request must not replace."""
    prefix = fresh_user("forms")
    first = ansible.playbook(scope_play(hub, prefix, SCOPE_FORMS))
    assert first.rc == 0, first
    second = ansible.playbook(scope_play(hub, prefix, SCOPE_FORMS))
    assert second.rc == 0, second
    for index, form in enumerate(SCOPE_FORMS):
        user = "%s-%d" % (prefix, index)
        assert second.task("form %d" % index)["changed"] is False, (form, second.task("form %d" % index))
        assert len(hub.tokens(user, note="forms")) == 1, form


def test_scopes_are_compared_in_both_directions(ansible, hub):
    """[] after the default scopes, self after access:servers, and back: each is a change."""
    user = fresh_user("dirs")
    steps = [None, [], ["access:servers!user=%s" % user], ["self"], ["access:servers!user=%s" % user]]
    previous = None
    for scopes in steps:
        args = dict(hub.connection(), user=user, note="dirs")
        if scopes is not None:
            args["scopes"] = scopes
        result, run = ansible.module(MODULE, args)
        assert result["changed"] is True, (scopes, run)
        assert result["results"][0]["action"] == ("created" if previous is None else "replaced"), scopes
        assert hub.user_answer(result["token"]).status_code == 200
        if previous is not None:
            assert hub.user_answer(previous).status_code == 403
        previous = result["token"]
    assert [set(t["scopes"]) for t in hub.tokens(user, note="dirs")] == [
        {"access:servers!user=%s" % user, "read:users:name!user=%s" % user, "read:users:groups!user=%s" % user}]


def test_names_are_normalised_as_the_hub_does(ansible, hub):
    """The hub lower-cases names in bulk creation: results and reruns follow the hub's name."""
    tag = uuid.uuid4().hex[:6]
    given = ["Mixed-%s" % tag, "other-%s" % tag]
    args = dict(hub.connection(), users=given, note="names")
    first, run = ansible.module(MODULE, args, no_log=False)
    assert first["changed"] and not first.get("failed"), run
    mixed = given[0].lower()
    assert sorted(first["tokens"]) == sorted([mixed, given[1]])
    assert first["results"][0]["user"] == mixed and first["results"][0]["requested"] == given[0]
    assert hub.user_answer(first["tokens"][mixed]).json()["name"] == mixed
    assert hub.api("GET", "/users/%s" % given[0]).status_code == 404
    again, run = ansible.module(MODULE, args)
    assert again["changed"] is False, run
    assert [r["user_created"] for r in again["results"]] == [False, False]
    assert [len(hub.tokens(name, note="names")) for name in (mixed, given[1])] == [1, 1]
    single, run = ansible.module(MODULE, dict(hub.connection(), user=given[0], note="names"))
    assert single["changed"] is False and single["results"][0]["user"] == mixed, run
    assert hub.api("GET", "/users/%s" % given[0]).status_code == 404


def test_lifetimes_are_validated_before_any_call(ansible, hub):
    user = fresh_user("life")
    cases = {
        "renew_before equal to expires_in": (dict(expires_in=3600, renew_before=3600), "renew_before (3600) must be less"),
        "renew_before above expires_in": (dict(expires_in=60, renew_before=600), "must be less than expires_in"),
        "huge expires_in": (dict(expires_in=10 ** 12), "expires_in must be between 1 and 3153600000"),
        "boolean expires_in": (dict(expires_in=True), "a boolean is not a number of seconds"),
        "expires_in with a unit": (dict(expires_in="30d"), "'30d' is not a whole number of seconds"),
        "text expires_in": (dict(expires_in="abc"), "'abc' is not a whole number of seconds"),
        "negative expires_in": (dict(expires_in=-5), "expires_in must be between 1"),
        "negative renew_before": (dict(renew_before=-1), "renew_before must be 0 or more"),
    }
    tasks = [{"name": name, MODULE: dict(hub.connection(), user=user, note="life", **args), "ignore_errors": True}
             for name, (args, dummy) in cases.items()]
    run = ansible.playbook([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    for name, (dummy, message) in cases.items():
        result = run.task(name)
        assert result.get("failed") and message in result["msg"], (name, result.get("msg"))
    assert hub.api("GET", "/users/%s" % user).status_code == 404
    assert "Traceback" not in run.output


def test_diff_of_a_single_user_works_with_the_default_callback(ansible, hub):
    user = fresh_user("diff")
    play = [{"hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "diffed", MODULE: dict(hub.connection(), user=user, note="diff"), "no_log": False,
                        "register": "issued"},
                       {"name": "rotated", MODULE: dict(hub.connection(), user=user, note="diff", state="rotated")}]}]
    run = ansible.playbook(play, diff=True, json_output=False)
    assert run.rc == 0, run.output[-3000:]
    assert "splitlines" not in run.output and "ERROR" not in run.output
    assert '"note": "diff"' in run.output


def test_two_identical_batches_at_once_leave_one_token_per_user(ansible, hub):
    """Without a destination every run agrees on one token per user; the other run says it lost that user.

    The runs are made to overlap: run A's first token waits until run B has made its own for that user."""
    users = [fresh_user("twice") for dummy in range(30)]
    args = dict(users=users, note="twice", scopes=["self"], expires_in=3600, timeout=120)

    def play(api_url):
        return [{"hosts": "localhost", "gather_facts": False, "tasks": [{
            "name": "under test", "ignore_errors": True,
            MODULE: dict(args, api_url=api_url, api_token=hub.admin_token)}]}]

    with OverlappingRuns(hub, "twice") as race:
        runs = [ansible.start(play(race.api_url(name))) for name in ("A", "B")]
        results = [ansible.finish(proc).task("under test") for proc in runs]
    assert not race.timed_out and race.errors() == [], (race.timed_out, race.errors())
    assert race.held in race.both_made(), race.created  # both runs really made a token for the same user
    returned = {}
    for result in results:
        returned.update(result.get("tokens") or {})
    for user in users:
        [token] = hub.tokens(user, note="twice")
        # The surviving token is one that a run returned, and it works.
        owner = hub.user_answer(returned[user]).json()
        assert owner["name"] == user and owner["token_id"] == token["id"], user
    lost = [u for r in results for u in r["not_done"]]
    assert len(lost) == len(set(lost))
    assert race.held in lost and set(lost) <= race.both_made(), (lost, race.created)
    again, run = ansible.module(MODULE, dict(hub.connection(), **args))
    assert again["changed"] is False, run
