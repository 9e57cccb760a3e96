"""The pure decision logic of jupyterhub_token: scope comparison, freshness, plans."""

from datetime import datetime, timedelta

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_tokens as plans

NOW = datetime(2026, 11, 24, 12, 0, 0)
# As JupyterHub 6.1 stores `self` / `inherit` for an ordinary user (measured).
SELF_ALICE = [s + "!user=alice" for s in (
    "access:servers", "delete:servers", "read:servers", "read:shares", "read:tokens", "read:users",
    "read:users:activity", "read:users:groups", "read:users:name", "read:users:shares", "servers",
    "start:servers", "tokens", "users:activity", "users:shares")]
READ_USERS_ALICE = ["read:users!user=alice", "read:users:activity!user=alice", "read:users:groups!user=alice",
                    "read:users:name!user=alice"]


def iso(delta):
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize("requested, stored, expected", [
    (["access:servers!user=alice", "self"], SELF_ALICE, True),
    (["self"], SELF_ALICE, True),
    (None, SELF_ALICE, True),
    (["inherit"], SELF_ALICE, True),
    (["read:users!user=alice"], READ_USERS_ALICE, True),
    (["read:users!user=alice"], SELF_ALICE, False),          # narrower request: replace
    (["access:servers!user=alice"], SELF_ALICE, False),      # `self` dropped: replace
    (["self"], READ_USERS_ALICE + ["access:servers!user=alice"], True),
    (["access:servers!user=alice", "self"], READ_USERS_ALICE, False),  # scope added: replace
    (["read:users!user=bob"], READ_USERS_ALICE, False),
    (["servers!user=alice"], ["servers!user=alice", "start:servers!user=alice", "read:servers!user=alice",
                              "delete:servers!user=alice"], True),
    (["read:users"], ["read:users", "read:users:name", "read:users:groups", "read:users:activity"], True),
])
def test_scopes_match_accounts_for_the_hubs_expansion(requested, stored, expected):
    assert plans.scopes_match(requested, stored, "alice") is expected


def test_fresh_token_is_kept_and_a_stale_one_replaced():
    fresh = {"id": "a1", "note": "n", "scopes": SELF_ALICE, "expires_at": iso(timedelta(hours=1)), "created": "1"}
    stale = {"id": "a2", "note": "n", "scopes": SELF_ALICE, "expires_at": iso(timedelta(minutes=1)), "created": "2"}
    kept = plans.plan([fresh, stale], "present", "n", ["self"], 3600, 300, "alice", NOW)
    assert kept["action"] == "kept" and kept["keep"]["id"] == "a1" and kept["revoke"] == []
    replaced = plans.plan([stale], "present", "n", ["self"], 3600, 300, "alice", NOW)
    assert replaced["action"] == "replaced" and [t["id"] for t in replaced["revoke"]] == ["a2"]


def test_expiry_requested_for_a_token_that_never_expires_replaces_it():
    forever = {"id": "a1", "note": "n", "scopes": SELF_ALICE, "expires_at": None}
    assert plans.plan([forever], "present", "n", None, 3600, 0, "alice", NOW)["action"] == "replaced"
    assert plans.plan([forever], "present", "n", None, None, 0, "alice", NOW)["action"] == "kept"


def test_shortened_lifetime_replaces_a_long_token():
    long_lived = {"id": "a1", "note": "n", "scopes": SELF_ALICE, "expires_at": iso(timedelta(days=30))}
    assert plans.plan([long_lived], "present", "n", None, 3600, 0, "alice", NOW)["action"] == "replaced"


def test_other_notes_are_never_touched():
    mine = {"id": "a1", "note": "n", "scopes": SELF_ALICE}
    theirs = {"id": "a2", "note": "other", "scopes": SELF_ALICE}
    assert [t["id"] for t in plans.plan([mine, theirs], "absent", "n", None, None, 0, "alice", NOW)["revoke"]] == ["a1"]
    assert [t["id"] for t in plans.plan([mine, theirs], "rotated", "n", None, None, 0, "alice", NOW)["revoke"]] == ["a1"]


def test_token_id_selects_the_managed_token_regardless_of_note():
    one = {"id": "a1", "note": "n", "scopes": SELF_ALICE}
    two = {"id": "a2", "note": "n", "scopes": SELF_ALICE}
    step = plans.plan([one, two], "rotated", "n", None, None, 0, "alice", NOW, token_id="a2")
    assert [t["id"] for t in step["revoke"]] == ["a2"]


def test_missing_user_plans_a_creation_and_absent_plans_nothing():
    assert plans.plan(None, "present", "n", None, None, 0, "alice", NOW)["action"] == "created"
    assert plans.plan(None, "absent", "n", None, None, 0, "alice", NOW)["action"] == "none"


def test_metadata_never_contains_the_secret():
    token = {"id": "a1", "note": "n", "scopes": ["b", "a"], "token": "secret", "expires_at": None}
    assert plans.metadata(token) == {"id": "a1", "note": "n", "scopes": ["a", "b"], "expires_at": None}


def test_default_renew_before_is_a_tenth_of_the_lifetime():
    assert plans.default_renew_before(3600, None) == 360
    assert plans.default_renew_before(None, None) == 0
    assert plans.default_renew_before(3600, 5) == 5


def test_parse_time_accepts_the_hubs_formats():
    assert plans.parse_time("2026-11-24T02:03:15.961783Z") == datetime(2026, 11, 24, 2, 3, 15, 961783)
    assert plans.parse_time("2026-11-24T02:03:15Z") == datetime(2026, 11, 24, 2, 3, 15)
    assert plans.parse_time(None) is None
