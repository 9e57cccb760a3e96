"""jupyterhub_token's own pieces: the seconds type, and learning the hub's scope expansion with few check tokens."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.modules import jupyterhub_token as module


@pytest.mark.parametrize("value, expected", [(3600, 3600), ("3600", 3600), (" 60 ", 60), (60.0, 60), ("-5", -5)])
def test_seconds_accepts_whole_numbers(value, expected):
    assert module.seconds(value) == expected


@pytest.mark.parametrize("value", [True, False, "30d", "abc", 1.5, "1h", None])
def test_seconds_refuses_the_rest(value):
    with pytest.raises((TypeError, ValueError)):
        module.seconds(value)


class Hub(object):
    """Creates check tokens whose scopes are the user's name in the hub's style; records the calls."""

    def __init__(self, admins=()):
        self.calls = []
        self.admins = admins

    def create_token(self, user, note, scopes, expires_in):
        self.calls.append(("create", user, note, expires_in))
        extra = ["admin:users"] if user in self.admins else []
        return {"id": "a%d" % len(self.calls), "scopes": ["access:servers!user=%s" % user] + extra}

    def delete_token(self, user, token_id):
        self.calls.append(("delete", user, token_id))


def spec():
    return plan.TokenSpec(state="present", note="n", scopes=["access:servers!user"], expires_in=None,
                          renew_before=0, token_id=None, stored=False)


def test_one_check_token_serves_a_whole_batch():
    hub = Hub()
    expansion = module.ScopeExpansion(hub, spec())
    assert expansion.expected("alice") == (frozenset(["access:servers!user=alice"]), True)
    assert expansion.expected("bob") == (frozenset(["access:servers!user=bob"]), False)
    assert hub.calls == [("create", "alice", "n" + plan.PROBE_SUFFIX, plan.PROBE_LIFETIME), ("delete", "alice", "a1")]


def test_a_user_with_other_roles_gets_his_own_check():
    hub = Hub(admins=("root",))
    expansion = module.ScopeExpansion(hub, spec())
    expansion.expected("alice")
    assert expansion.expected("root", exact=True) == (frozenset(["access:servers!user=root", "admin:users"]), True)
    assert len([c for c in hub.calls if c[0] == "create"]) == 2


def test_a_token_made_for_real_teaches_the_expansion_too():
    hub = Hub()
    expansion = module.ScopeExpansion(hub, spec())
    expansion.learn("carol", {"scopes": ["x!user=carol"]})
    assert expansion.expected("carol") == (frozenset(["x!user=carol"]), True)
    assert expansion.expected("dave") == (frozenset(["x!user=dave"]), False)
    assert hub.calls == []
