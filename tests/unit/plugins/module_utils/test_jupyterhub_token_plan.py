"""The pure decisions of jupyterhub_token: what to keep, make and revoke for one user."""

from datetime import datetime, timedelta

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_plan as plan

NOW = datetime(2026, 11, 24, 12, 0, 0)
# As JupyterHub 6.1 reports `self` for an ordinary user (measured).
SELF_ALICE = frozenset(s + "!user=alice" for s in (
    "access:servers", "delete:servers", "read:servers", "read:shares", "read:tokens", "read:users",
    "read:users:activity", "read:users:groups", "read:users:name", "read:users:shares", "servers",
    "start:servers", "tokens", "users:activity", "users:shares"))
IDENTITY_ALICE = frozenset(["read:users:name!user=alice", "read:users:groups!user=alice"])


def spec(**changes):
    base = dict(state="present", note="n", scopes=None, expires_in=3600, renew_before=300, token_id=None,
                stored=False)
    base.update(changes)
    return plan.TokenSpec(**base)


def seen(tokens, stored_id, was_stored, expected, now):
    return plan.Seen(tokens=tokens, stored_id=stored_id, was_stored=was_stored, expected=expected, now=now)


def iso(delta):
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token(ident, scopes=SELF_ALICE, left=timedelta(hours=1), note="n"):
    return {"id": ident, "note": note, "scopes": sorted(scopes), "expires_at": iso(left) if left else None,
            "created": iso(timedelta(seconds=int(ident[1:])))}


def ids(tokens):
    return [t["id"] for t in tokens]


def test_a_fitting_token_is_kept_and_the_other_managed_ones_revoked():
    tokens = [token("a7"), token("a3"), token("a9", note="other")]
    decided = plan.decide(spec(), seen(tokens, None, False, SELF_ALICE, NOW))
    assert decided.action == "kept" and decided.keep["id"] == "a3" and not decided.create
    assert ids(decided.revoke) == ["a7"]


@pytest.mark.parametrize("stored, expected", [
    (IDENTITY_ALICE, "replaced"),          # scopes: [] asked, the default one held
    (SELF_ALICE, "kept"),
    (SELF_ALICE | {"admin:users"}, "replaced"),
])
def test_scopes_must_equal_the_hubs_expansion_both_ways(stored, expected):
    decided = plan.decide(spec(scopes=[]), seen([token("a1", scopes=stored)], None, False, SELF_ALICE, NOW))
    assert decided.action == expected


@pytest.mark.parametrize("left, expires_in, renew_before, expected", [
    (timedelta(minutes=4), 3600, 300, "replaced"),   # within renew_before
    (timedelta(hours=1), 3600, 300, "kept"),
    (timedelta(days=30), 3600, 300, "replaced"),     # lifetime shortened since
    (None, 3600, 300, "replaced"),                   # never expires, an expiry is asked for
    (None, None, 0, "kept"),
])
def test_lifetimes(left, expires_in, renew_before, expected):
    decided = plan.decide(spec(expires_in=expires_in, renew_before=renew_before), seen([token("a1", left=left)],
                          None, False, SELF_ALICE, NOW))
    assert decided.action == expected


def test_with_a_destination_only_the_stored_token_may_be_kept():
    tokens = [token("a1"), token("a2")]
    assert plan.candidates(spec(stored=True), seen(tokens, "a2", True, None, NOW)) == [tokens[1]]
    kept = plan.decide(spec(stored=True), seen(tokens, "a2", True, SELF_ALICE, NOW))
    assert kept.keep["id"] == "a2" and ids(kept.revoke) == ["a1"]
    dead = plan.decide(spec(stored=True), seen(tokens, None, True, SELF_ALICE, NOW))
    assert dead.action == "replaced" and dead.create and ids(dead.revoke) == ["a1", "a2"]
    first = plan.decide(spec(stored=True), seen([], None, False, None, NOW))
    assert first.action == "created" and first.create
    again = plan.decide(spec(stored=True), seen([], None, True, None, NOW))
    assert again.action == "replaced"


def test_rotation_and_absence():
    tokens = [token("a1"), token("a2", note="other"), token("a3", note="n" + plan.PROBE_SUFFIX)]
    rotated = plan.decide(spec(state="rotated"), seen(tokens, None, False, None, NOW))
    assert rotated.action == "rotated" and rotated.create and ids(rotated.revoke) == ["a1", "a3"]
    absent = plan.decide(spec(state="absent"), seen(tokens, None, False, None, NOW))
    assert absent.action == "revoked" and not absent.create and ids(absent.revoke) == ["a1", "a3"]
    assert plan.decide(spec(state="absent"), seen(None, None, False, None, NOW)).action == "none"
    assert plan.decide(spec(), seen(None, None, False, None, NOW)).action == "created"


def test_token_id_selects_one_token_whatever_its_note():
    tokens = [token("a1"), token("a2")]
    decided = plan.decide(spec(state="rotated", token_id="a2"), seen(tokens, None, False, None, NOW))
    assert ids(decided.revoke) == ["a2"]


def test_settle_without_a_destination_picks_the_same_winner_in_every_run():
    mine, theirs = token("a10"), token("a8")
    winner, revoke = plan.settle(spec(), seen([mine, theirs], None, False, SELF_ALICE, NOW), mine)
    assert winner == "a8" and ids(revoke) == ["a10"]
    winner, revoke = plan.settle(spec(), seen([theirs, mine], None, False, SELF_ALICE, NOW), theirs)
    assert winner == "a8" and ids(revoke) == ["a10"]
    winner, revoke = plan.settle(spec(state="rotated"), seen([theirs, mine, token("a2")], None, False, None, NOW), mine)
    assert winner == "a10" and sorted(ids(revoke)) == ["a2", "a8"]


def test_settle_with_a_destination_keeps_the_stored_token():
    own = token("a5")
    winner, revoke = plan.settle(spec(stored=True), seen([token("a1"), token("a9")], None, False, None, NOW), own)
    assert winner == "a5" and ids(revoke) == ["a1", "a9"]
    assert ids(plan.younger([token("a1"), token("a9")], own)) == ["a9"]


def test_age_order_is_numeric():
    assert sorted([token("a100"), token("a9"), token("a10")], key=plan.age_order)[0]["id"] == "a9"


def test_rename_scopes_moves_the_owner_filters_only():
    scopes = {"access:servers!user=bob", "access:servers!server=bob/lab", "read:users!user=bobby", "proxy",
              "access:services!service=bob"}
    assert plan.rename_scopes(scopes, "bob", "eve") == frozenset([
        "access:servers!user=eve", "access:servers!server=eve/lab", "read:users!user=bobby", "proxy",
        "access:services!service=bob"])


@pytest.mark.parametrize("changes, message", [
    (dict(expires_in=0), "expires_in must be between 1"),
    (dict(expires_in=plan.MAX_EXPIRES_IN + 1), "expires_in must be between 1"),
    (dict(expires_in=60, renew_before=60), "renew_before (60) must be less than expires_in (60)"),
    (dict(renew_before=-1), "renew_before must be 0 or more"),
    (dict(note=" "), "note must not be empty"),
])
def test_problems(changes, message):
    assert any(message in problem for problem in plan.problems(spec(**changes)))


def test_a_good_spec_has_no_problem():
    assert plan.problems(spec()) == []
    assert plan.problems(spec(expires_in=None, renew_before=0)) == []


@pytest.mark.parametrize("value, expected", [(3600, 3600), ("3600", 3600), (" 60 ", 60), (60.0, 60), ("-5", -5)])
def test_seconds_accepts_whole_numbers(value, expected):
    assert plan.seconds(value) == expected


@pytest.mark.parametrize("value", [True, False, "30d", "abc", 1.5, "1h", None, "--5", "1e3"])
def test_seconds_refuses_the_rest(value):
    with pytest.raises((TypeError, ValueError)):
        plan.seconds(value)


def params(**changes):
    out = dict(state="present", note="n", scopes=None, expires_in="3600", renew_before=None, token_id=None)
    out.update(changes)
    return out


def test_spec_from_the_options():
    assert plan.spec_from(params(), stored=True) == plan.TokenSpec(
        state="present", note="n", scopes=None, expires_in=3600, renew_before=360, token_id=None, stored=True)
    assert plan.spec_from(params(expires_in=None), stored=False).renew_before == 0
    with pytest.raises(ValueError, match="renew_before: 'soon' is not a whole number"):
        plan.spec_from(params(renew_before="soon"), stored=False)


def test_token_id_of_the_current_token_only_when_it_is_the_users():
    assert plan.token_id_of({"name": "alice", "kind": "user", "token_id": "a4"}, "alice") == "a4"
    assert plan.token_id_of({"name": "bob", "kind": "user", "token_id": "a5"}, "alice") is None
    assert plan.token_id_of(None, "alice") is None


@pytest.mark.parametrize("name, problem", [
    ("", "is empty"), ("a/b", "contains '/'"), ("..", "is only dots"), (" x", "starts or ends with a space"),
    ("alice@example.org", None), ("Mixed1", None),
])
def test_names_as_the_hub_checks_them(name, problem):
    assert plan.name_problem(name) == problem


def test_names_as_the_hub_stores_them():
    assert plan.hub_name("Mixed1") == "mixed1"


def test_default_renew_before_is_a_tenth_of_the_lifetime():
    assert plan.default_renew_before(3600, None) == 360
    assert plan.default_renew_before(None, None) == 0
    assert plan.default_renew_before(3600, 5) == 5


def test_parse_time_accepts_the_hubs_formats():
    assert plan.parse_time("2026-11-24T02:03:15.961783Z") == datetime(2026, 11, 24, 2, 3, 15, 961783)
    assert plan.parse_time("2026-11-24T02:03:15Z") == datetime(2026, 11, 24, 2, 3, 15)
    assert plan.parse_time(None) is None


def test_metadata_never_contains_the_secret():
    model = {"id": "a1", "note": "n", "scopes": ["b", "a"], "token": "secret", "expires_at": None}
    assert plan.metadata(model) == {"id": "a1", "note": "n", "scopes": ["a", "b"], "expires_at": None}
