"""safe_name: the one mapping from user names to policy names and KV paths."""

import importlib.util
import json
import random
import re
from pathlib import Path

import pytest

HOOK = Path(__file__).resolve().parents[2] / "roles" / "vault" / "files" / "hub" / "vault_spawn_hook.py"
_spec = importlib.util.spec_from_file_location("vault_spawn_hook_names", HOOK)
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)

SAFE = re.compile(r"[a-z0-9-]+\Z")


@pytest.mark.parametrize("name, expected", [
    ("alice", "alice"),
    ("alice@example.org", "alice-40-example-2e-org"),
    ("alice.example.org", "alice-2e-example-2e-org"),
    ("a+b", "a-2b-b"),
    ("jean-luc", "jean--luc"),
    ("Alice", "-41-lice"),
    ("ünï", "-fc-n-ef-"),
    ('x"*y', "x-22--2a-y"),
])
def test_known_names(name, expected):
    assert hook.safe_name(name) == expected
    assert hook.unsafe_name(expected) == name


def test_case_and_punctuation_pairs_do_not_collide():
    pairs = [("Alice", "alice"), ("alice@example.org", "alice.example.org"), ("a+b", "a-b"),
             ("a-b", "a--b"), ("a-2b-b", "a+b"), ("-", "--"), ("ä", "-e4-")]
    for left, right in pairs:
        assert hook.safe_name(left) != hook.safe_name(right), (left, right)


def test_quotes_and_globs_never_reach_the_policy_text():
    safe = hook.safe_name('evil" } path "*" { capabilities = ["sudo"] } #')
    assert SAFE.match(safe)
    text = hook.render_policy(hook.user_policy("secret", "jupyter/users", safe))
    policy = json.loads(text)
    assert sorted(policy["path"]) == sorted([
        "secret/data/jupyter/users/%s/*" % safe, "secret/metadata/jupyter/users/%s/*" % safe,
        "auth/token/lookup-self", "auth/token/renew-self"])
    granted = {cap for rule in policy["path"].values() for cap in rule["capabilities"]}
    assert granted <= {"create", "read", "update", "list", "delete"}
    assert '"sudo"' not in text and '\\"' not in text


def test_many_random_names_are_safe_distinct_and_reversible():
    rng = random.Random(20261124)
    alphabet = "aAzZ09-_.@+ \"*/\\'{}éüß中😀\t"
    names = {"".join(rng.choice(alphabet) for dummy in range(rng.randint(1, 8))) for dummy in range(20000)}
    mapped = {}
    for name in names:
        safe = hook.safe_name(name)
        assert SAFE.match(safe), (name, safe)
        assert safe not in mapped, "collision: %r and %r -> %r" % (mapped.get(safe), name, safe)
        mapped[safe] = name
        assert hook.unsafe_name(safe) == name


@pytest.mark.parametrize("bad", ["", None, 42])
def test_empty_or_non_string_name_is_refused(bad):
    with pytest.raises(ValueError, match="non-empty string"):
        hook.safe_name(bad)


def test_policy_grants_only_the_users_subtree():
    policy = hook.user_policy("/kv/", "/jupyter/users/", "bob")["path"]
    assert policy["kv/data/jupyter/users/bob/*"]["capabilities"] == ["create", "read", "update"]
    assert policy["kv/metadata/jupyter/users/bob/*"]["capabilities"] == ["read", "list", "delete"]
    assert not [path for path in policy if path.startswith("sys/")]
