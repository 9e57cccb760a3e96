"""safe_name: the one mapping from user names to Vault entity aliases and KV paths."""

import random
import re

import pytest

from datastack_runtime import names as hook

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


def test_quotes_globs_slashes_and_segment_wildcards_never_reach_vault():
    for name in ('evil" } path "*" { capabilities = ["sudo"] } #', "+", "*", "../alice", "a/b"):
        assert SAFE.match(hook.safe_name(name)), name
    assert hook.safe_name("+") not in ("+", "*")


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
