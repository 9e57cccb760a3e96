"""The batch runner of jupyterhub_token against an in-memory hub: few check tokens, and agreement between runs
only when someone else made tokens meanwhile (the real-hub races are in tests/integration)."""

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_run as runner


class Hub(object):
    """Users and tokens as the hub keeps them: tokens numbered in creation order; scopes named after the owner."""

    def __init__(self, admins=()):
        self.tokens = {}
        self.users = set()
        self.number = 0
        self.calls = []
        self.admins = admins

    def create_users(self, names):
        made = [name for name in names if name not in self.users]
        self.users.update(made)
        return made

    def list_tokens(self, user):
        self.calls.append(("list", user))
        if user not in self.users:
            return None
        return [dict(t) for t in self.tokens.values() if t["user"] == user]

    def create_token(self, user, note, scopes, expires_in):
        self.number += 1
        self.calls.append(("create", user, note))
        extra = ["admin:users"] if user in self.admins else []
        token = {"id": "a%d" % self.number, "user": user, "note": note, "expires_at": None,
                 "scopes": ["access:servers!user=%s" % user] + extra}
        self.tokens[token["id"]] = token
        return dict(token, token="secret-%d" % self.number)

    def delete_token(self, user, token_id):
        self.calls.append(("delete", user, token_id))
        self.tokens.pop(token_id, None)


def spec(**changes):
    base = dict(state="present", note="n", scopes=["access:servers!user"], expires_in=None, renew_before=0,
                token_id=None, stored=False)
    base.update(changes)
    return plan.TokenSpec(**base)


def managed(hub, user):
    return [t["id"] for t in hub.tokens.values() if t["user"] == user and t["note"] == "n"]


def test_one_check_token_serves_a_whole_batch():
    hub = Hub()
    expansion = runner.ScopeExpansion(hub, spec())
    hub.users.update(["alice", "bob"])
    assert expansion.expected("alice") == (frozenset(["access:servers!user=alice"]), True)
    assert expansion.expected("bob") == (frozenset(["access:servers!user=bob"]), False)
    assert [c[0] for c in hub.calls] == ["create", "delete"]


def test_a_user_with_other_roles_gets_his_own_check():
    hub = Hub(admins=("root",))
    expansion = runner.ScopeExpansion(hub, spec())
    expansion.expected("alice")
    assert expansion.expected("root", exact=True) == (frozenset(["access:servers!user=root", "admin:users"]), True)
    assert len([c for c in hub.calls if c[0] == "create"]) == 2


def test_a_batch_alone_on_the_hub_lists_each_user_once():
    hub = Hub()
    users = ["u%d" % i for i in range(6)]
    outcome = runner.TokenRun(hub, spec(), None).run(users)
    assert [o.result["action"] for o in outcome] == ["created"] * 6
    assert all(not key.startswith("_") for o in outcome for key in o.result)  # only what the module returns
    assert all(o.before == [] and [t["id"] for t in o.after] == [o.result["token_id"]] for o in outcome)
    assert [c for c in hub.calls if c[0] == "list"] == [("list", u) for u in users]
    assert all(len(managed(hub, u)) == 1 for u in users)
    assert [t for t in hub.tokens.values() if t["note"] != "n"] == []  # the marker is gone
    again = runner.TokenRun(hub, spec(), None).run(users)
    assert [o.result["action"] for o in again] == ["kept"] * 6


def test_tokens_made_by_someone_else_meanwhile_make_every_user_checked_again():
    hub = Hub()
    users = ["u%d" % i for i in range(4)]
    real_create = hub.create_token

    def busy_create(user, note, scopes, expires_in):
        made = real_create(user, note, scopes, expires_in)
        if note == "n" and user == "u2":  # another run makes its token for u1 while this one works
            real_create("u1", "n", scopes, expires_in)
        return made

    hub.create_token = busy_create
    outcome = runner.TokenRun(hub, spec(), None).run(users)
    relisted = [c for c in hub.calls if c[0] == "list"]
    assert len(relisted) == 8  # every user with a new token is listed again
    assert all(len(managed(hub, u)) == 1 for u in users)
    assert all(o.error is None for o in outcome)


def test_a_run_that_loses_a_user_to_another_run_says_so():
    hub = Hub()
    hub.users.add("u0")
    real_create = hub.create_token

    def earlier(user, note, scopes, expires_in):
        if note == "n":  # the other run's token is made just before ours
            real_create(user, note, scopes, expires_in)
        return real_create(user, note, scopes, expires_in)

    hub.create_token = earlier
    run = runner.TokenRun(hub, spec(), None)
    [outcome] = run.run(["u0"])
    assert outcome.result is None and "another run made a token for u0" in str(outcome.error)
    assert len(managed(hub, "u0")) == 1 and run.created == {}
