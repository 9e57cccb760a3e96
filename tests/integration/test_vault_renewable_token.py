"""vault_renewable_token against a real OpenBao: every state, renewal, rotation, errors, no secret in output,
and the attacks of issue 11 (a root token from an empty policy list, lost updates, paths out of the mount)."""

import sys
import time
import uuid

import pytest

from tests.fixtures.openbao import write_policies
from tests.helpers.interposing_proxy import InterposingProxy

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.vault_renewable_token"


def unique(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def run(ansible, bao, check=False, diff=False, token=None, **args):
    params = dict(url=bao.addr, token=token or bao.root_token, policies=["jupyterhub-admin"])
    params.update(args)
    result, dummy = ansible.module(MODULE, params, check=check, diff=diff)
    return result


def exists(bao, path):
    try:
        bao.kv(path)
        return True
    except Exception:  # hvac InvalidPath: no record
        return False


def is_valid(bao, token):
    try:
        bao.lookup(token)
        return True
    except Exception:  # revoked or expired: OpenBao answers 403
        return False


@pytest.fixture
def own_bao(own_openbao):
    write_policies(own_openbao, "jupyterhub-admin")
    return own_openbao


@pytest.fixture(scope="module", autouse=True)
def policies(openbao):
    """The policies these tests ask for must exist: the module refuses unknown ones."""
    write_policies(openbao, "jupyterhub-admin", "p-one", "p-two")


def test_present_creates_a_periodic_token_and_second_run_changes_nothing(ansible, openbao):
    path = unique("jupyterhub/vault-token")
    first = run(ansible, openbao, store_path=path)
    assert first["changed"] and first["created"] and not first["renewed"], first
    assert "token" not in first
    record = openbao.kv(path)
    assert set(record) == {"token", "accessor", "created_time"}
    assert record["accessor"] == first["accessor"]
    live = openbao.lookup(record["token"])
    assert live["period"] == 86400 and live["explicit_max_ttl"] == 0 and live["renewable"] and live["orphan"]
    assert "jupyterhub-admin" in live["policies"]
    assert first["max_expire_time"] is None

    second = run(ansible, openbao, store_path=path)
    assert not second["changed"] and not second["created"] and not second["renewed"], second
    assert second["accessor"] == first["accessor"]
    assert openbao.kv(path)["token"] == record["token"]


def test_check_mode_changes_nothing(ansible, openbao):
    path = unique("check")
    result = run(ansible, openbao, check=True, diff=True, store_path=path)
    assert result["changed"] and result["created"]
    assert result["diff"]["before"] == {}
    assert not exists(openbao, path)
    run(ansible, openbao, store_path=path)
    token = openbao.kv(path)["token"]
    rotated = run(ansible, openbao, check=True, store_path=path, state="rotated")
    absent = run(ansible, openbao, check=True, store_path=path, state="absent")
    assert rotated["changed"] and absent["changed"]
    assert openbao.kv(path)["token"] == token and is_valid(openbao, token)


def test_return_token_only_when_created_and_diff_never_holds_it(ansible, openbao):
    path = unique("ret")
    created = run(ansible, openbao, store_path=path, return_token=True, diff=True)
    token = openbao.kv(path)["token"]
    assert created["token"] == token
    assert token not in repr(created["diff"])
    again = run(ansible, openbao, store_path=path, return_token=True)
    assert "token" not in again and not again["changed"]


def test_renewal_keeps_a_short_ttl_token_alive(ansible, openbao):
    """Runs of the module (renewing below half the period) keep a 15 s token alive past 15 s."""
    path = unique("renew")
    run(ansible, openbao, store_path=path, ttl="15s")
    token = openbao.kv(path)["token"]
    control = openbao.client().auth.token.create_orphan(policies=["default"], ttl="15s")["auth"]["client_token"]
    renewed_once = False
    deadline = time.monotonic() + 22
    while time.monotonic() < deadline:
        result = run(ansible, openbao, store_path=path, ttl="15s")
        assert not result["created"], result
        renewed_once = renewed_once or result["renewed"]
        time.sleep(1)
    assert renewed_once
    assert openbao.kv(path)["token"] == token and is_valid(openbao, token)
    assert not is_valid(openbao, control), "the unrenewed control token should have expired"


def test_rotation_stores_new_then_revokes_old(ansible, openbao):
    path = unique("rot")
    run(ansible, openbao, store_path=path)
    old = openbao.kv(path)["token"]
    result = run(ansible, openbao, store_path=path, state="rotated")
    new = openbao.kv(path)["token"]
    assert result["created"] and result["revoked"] and new != old
    assert is_valid(openbao, new) and not is_valid(openbao, old)


def test_rotation_that_cannot_store_keeps_the_old_token(ansible, openbao):
    """The order is store-then-revoke: when storing fails, the old token must still work."""
    path = unique("rotfail")
    run(ansible, openbao, store_path=path)
    old = openbao.kv(path)["token"]
    client = openbao.client()
    policy = unique("ro")
    client.write("sys/policies/acl/" + policy, policy='''
path "secret/data/%s" { capabilities = ["read"] }
path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
path "auth/token/create-orphan" { capabilities = ["update", "sudo"] }
path "sys/policies/acl/*" { capabilities = ["read"] }
''' % path)
    limited = client.auth.token.create_orphan(policies=[policy, "jupyterhub-admin"], ttl="5m")["auth"]["client_token"]
    result = run(ansible, openbao, token=limited, store_path=path, state="rotated")
    assert result.get("failed"), result
    assert "secret/data/%s" % path in result["msg"] and "permission denied" in result["msg"]
    assert openbao.kv(path)["token"] == old and is_valid(openbao, old)


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_invalid_stored_token_is_replaced(ansible, openbao, how):
    path = unique(how)
    if how == "revoked":
        run(ansible, openbao, store_path=path)
        old = openbao.kv(path)["token"]
        openbao.client().auth.token.revoke(old)
    else:
        run(ansible, openbao, store_path=path, ttl="2s", period="0", explicit_max_ttl="2s")
        old = openbao.kv(path)["token"]
        time.sleep(3)
    result = run(ansible, openbao, store_path=path)
    new = openbao.kv(path)["token"]
    assert result["created"] and "invalid" in result["reason"], result
    assert new != old and is_valid(openbao, new)


def test_policy_drift_is_detected(ansible, openbao):
    path = unique("drift")
    run(ansible, openbao, store_path=path, policies=["p-one"])
    old = openbao.kv(path)["token"]
    result = run(ansible, openbao, store_path=path, policies=["p-one", "p-two"], diff=True)
    assert result["created"] and "policies" in result["reason"], result
    assert "p-two" in openbao.lookup(openbao.kv(path)["token"])["policies"]
    assert not is_valid(openbao, old)
    assert "p-two" not in result["diff"]["before"]["policies"] and "p-two" in result["diff"]["after"]["policies"]


def test_absent_revokes_and_deletes(ansible, openbao):
    path = unique("absent")
    run(ansible, openbao, store_path=path)
    token = openbao.kv(path)["token"]
    result = run(ansible, openbao, store_path=path, state="absent")
    assert result["changed"] and result["revoked"]
    assert not is_valid(openbao, token)
    assert not exists(openbao, path)
    again = run(ansible, openbao, store_path=path, state="absent")
    assert not again["changed"]


def test_non_periodic_unlimited_request_warns_with_end_date(ansible, openbao):
    result = run(ansible, openbao, store_path=unique("nonper"), period="0", explicit_max_ttl="0")
    assert result["period"] == 0
    assert result["max_expire_time"], result
    warnings = " ".join(result.get("warnings", []))
    assert "NOT unlimited" in warnings and result["max_expire_time"] in warnings


def test_periodic_token_outlives_the_mount_max_ttl_and_non_periodic_does_not(ansible, own_bao):
    """Issue 7: with the token mount's max_lease_ttl lowered, only the periodic default survives."""
    own_bao.client().write("sys/auth/token/tune", max_lease_ttl="8s")
    # The capped one first: the periodic one must not wait for an ansible run before its first renewal.
    capped = run(ansible, own_bao, store_path="capped", ttl="5s", period="0")
    periodic = run(ansible, own_bao, store_path="periodic", ttl="5s")
    assert periodic["period"] == 5 and capped["period"] == 0
    assert "NOT unlimited" in " ".join(capped.get("warnings", []))
    tokens = {name: own_bao.kv(name)["token"] for name in ("periodic", "capped")}
    started = time.monotonic()
    while time.monotonic() - started < 14:
        for token in tokens.values():
            try:
                own_bao.client(token).auth.token.renew_self()
            except Exception:  # refused once past the mount's max
                pass
        time.sleep(0.5)
    assert is_valid(own_bao, tokens["periodic"])
    assert own_bao.lookup(tokens["periodic"])["ttl"] >= 3
    assert not is_valid(own_bao, tokens["capped"])


def test_auth_reuse_approle_and_env_fallbacks(ansible, openbao):
    client = openbao.client()
    mount = unique("approle")
    client.sys.enable_auth_method("approle", path=mount)
    policy = unique("maker")
    client.write("sys/policies/acl/" + policy, policy='''
path "secret/data/approle-*" { capabilities = ["create", "read", "update"] }
path "auth/token/create-orphan" { capabilities = ["update", "sudo"] }
''')
    client.write("auth/%s/role/ansible" % mount, token_policies=[policy], token_ttl="5m")
    role_id = client.read("auth/%s/role/ansible/role-id" % mount)["data"]["role_id"]
    secret_id = client.write("auth/%s/role/ansible/secret-id" % mount)["data"]["secret_id"]
    path = unique("approle")
    result, dummy = ansible.module(MODULE, dict(
        url=openbao.addr, auth_method="approle", mount_point=mount, role_id=role_id, secret_id=secret_id,
        policies=["jupyterhub-admin"], store_path=path))
    assert result["created"], result
    assert is_valid(openbao, openbao.kv(path)["token"])
    env_path = unique("approle")
    vault_env = {"VAULT_ADDR": openbao.addr, "VAULT_TOKEN": openbao.root_token}
    result, dummy = ansible.module(MODULE, dict(policies=["jupyterhub-admin"], store_path=env_path), env=vault_env)
    assert result["created"] and is_valid(openbao, openbao.kv(env_path)["token"])


def test_token_role_creation_needs_no_sudo(ansible, openbao):
    client = openbao.client()
    role = unique("role")
    client.write("auth/token/roles/" + role, allowed_policies_glob=["jupyter-user-*"], orphan=True,
                 renewable=True, token_period="1h")
    policy = unique("via-role")
    client.write("sys/policies/acl/" + policy, policy='''
path "secret/data/viarole-*" { capabilities = ["create", "read", "update"] }
path "auth/token/create/%s" { capabilities = ["update"] }
''' % role)
    limited = client.auth.token.create_orphan(policies=[policy], ttl="5m")["auth"]["client_token"]
    path = unique("viarole")
    result = run(ansible, openbao, token=limited, store_path=path, role_name=role, policies=["jupyter-user-x"])
    assert result.get("created"), result.get("msg")
    live = openbao.lookup(openbao.kv(path)["token"])
    assert live["orphan"] and "jupyter-user-x" in live["policies"]
    assert run(ansible, openbao, token=limited, store_path=path, role_name=role,
               policies=["jupyter-user-x"])["changed"] is False
    orphan = run(ansible, openbao, token=limited, store_path=unique("viarole"))
    assert orphan.get("failed") and "auth/token/create-orphan" in orphan["msg"]


def accessors(bao):
    return set(bao.client().list("auth/token/accessors")["data"]["keys"])


def test_role_name_without_policies_is_refused_before_any_token_is_made(ansible, openbao):
    """Through a role without allowed_policies, a create call without a policy list copies the caller's
    policies (a root token makes a root token): the module refuses before it creates anything."""
    role = unique("open-role")
    openbao.client().write("auth/token/roles/" + role, orphan=True, renewable=True)
    path = unique("nopolicies")
    before = accessors(openbao)
    result = run(ansible, openbao, store_path=path, role_name=role, policies=None)
    assert result.get("failed"), result
    assert "Module failed" not in result["msg"] and "Traceback" not in result.get("module_stderr", ""), result
    assert "policies is required" in result["msg"] and "also with role_name" in result["msg"], result["msg"]
    assert "root token makes a root token" in result["msg"]
    assert not exists(openbao, path)
    assert accessors(openbao) - before == set()


def test_role_name_with_policies_gives_exactly_those(ansible, openbao):
    client = openbao.client()
    policy = unique("via-role-x")
    write_policies(openbao, policy)
    role = unique("exact-role")
    client.write("auth/token/roles/" + role, allowed_policies=[policy], orphan=True, renewable=True,
                 token_period="1h")
    exact = unique("exact")
    made = run(ansible, openbao, store_path=exact, role_name=role, policies=[policy], no_default_policy=True)
    assert made.get("created"), made
    assert sorted(openbao.lookup(openbao.kv(exact)["token"])["policies"]) == [policy]
    assert run(ansible, openbao, store_path=exact, role_name=role, policies=[policy],
               no_default_policy=True)["changed"] is False
    # Without no_default_policy the role adds default, as a token made without a role gets it.
    with_default = unique("exact")
    assert run(ansible, openbao, store_path=with_default, role_name=role, policies=[policy]).get("created")
    assert sorted(openbao.lookup(openbao.kv(with_default)["token"])["policies"]) == sorted(["default", policy])

    # A role that drops default whatever the request says: the token would differ from the request on every
    # run (and be replaced every time). Refused at once, the token revoked, nothing stored.
    strict = unique("strict-role")
    client.write("auth/token/roles/" + strict, allowed_policies=[policy], token_no_default_policy=True,
                 orphan=True, renewable=True, token_period="1h")
    path = unique("strict")
    before = accessors(openbao)
    refused = run(ansible, openbao, store_path=path, role_name=strict, policies=[policy])
    assert refused.get("failed") and "set no_default_policy to true" in refused["msg"], refused
    assert "['default', '%s']" % policy in refused["msg"] and "Module failed" not in refused["msg"]
    assert not exists(openbao, path)
    assert accessors(openbao) - before == set()  # the token it made was revoked
    fixed = run(ansible, openbao, store_path=path, role_name=strict, policies=[policy], no_default_policy=True)
    assert fixed.get("created") and sorted(openbao.lookup(openbao.kv(path)["token"])["policies"]) == [policy]


def test_errors_say_what_to_fix(ansible, openbao):
    client = openbao.client()
    kv1 = unique("kv1")
    client.sys.enable_secrets_engine("kv", path=kv1, options={"version": "1"})
    result = run(ansible, openbao, store_mount=kv1, store_path="x")
    assert result.get("failed") and "version 1" in result["msg"] and "enable-versioning" in result["msg"]

    result = run(ansible, openbao, store_mount="no-such-mount", store_path="x")
    assert result.get("failed") and "no secrets engine is mounted at 'no-such-mount/'" in result["msg"], result
    assert not result["created"]

    nobody = client.auth.token.create_orphan(policies=["default"], ttl="5m")["auth"]["client_token"]
    path = unique("denied")
    result = run(ansible, openbao, token=nobody, store_path=path)
    assert result.get("failed") and "permission denied" in result["msg"]
    assert "secret/data/%s" % path in result["msg"]

    path = unique("child")
    policy = unique("kvonly")
    client.write("sys/policies/acl/" + policy, policy='''
path "secret/data/%s" { capabilities = ["create", "read", "update"] }
path "auth/token/create" { capabilities = ["update"] }
''' % path)
    parent = client.auth.token.create_orphan(policies=[policy], ttl="5m")["auth"]["client_token"]
    result = run(ansible, openbao, token=parent, store_path=path, orphan=False)
    assert result.get("failed") and "role_name" in result["msg"], result

    path = unique("fixed")
    fixed = client.auth.token.create_orphan(policies=["default"], ttl="1h", renewable=False)["auth"]
    client.secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret", secret={
        "token": fixed["client_token"], "accessor": fixed["accessor"], "created_time": "2026-01-01T00:00:00Z"})
    result = run(ansible, openbao, store_path=path, policies=["default"])
    assert result.get("failed") and "not renewable" in result["msg"] and "state=rotated" in result["msg"]

    result = run(ansible, openbao, store_path=unique("dur"), ttl="a day")
    assert result.get("failed") and "invalid duration" in result["msg"]


def test_sealed_vault_error(ansible, own_bao):
    assert own_bao.cli("operator", "seal").returncode == 0
    result = run(ansible, own_bao, store_path="sealed", retries=0)
    assert result.get("failed") and "sealed" in result["msg"] and "unseal" in result["msg"], result
    assert "Traceback" not in result.get("module_stderr", "")


def test_no_token_in_output_at_high_verbosity(ansible, openbao):
    path = unique("quiet")
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "create", MODULE: dict(url=openbao.addr, token=openbao.root_token, policies=["jupyterhub-admin"],
                                        store_path=path, ttl="120s")},
        {"name": "wait", "ansible.builtin.pause": {"seconds": 2}},
        {"name": "renew", MODULE: dict(url=openbao.addr, token=openbao.root_token, policies=["jupyterhub-admin"],
                                       store_path=path, ttl="120s", renew_threshold="119s")},
    ]}
    first = ansible.playbook([play], verbosity=4, diff=True, json_output=False)
    assert first.rc == 0, first
    token = openbao.kv(path)["token"]
    rotate = dict(play, tasks=[{"name": "rotate", MODULE: dict(
        url=openbao.addr, token=openbao.root_token, policies=["jupyterhub-admin"], store_path=path,
        state="rotated")}])
    second = ansible.playbook([rotate], verbosity=4, diff=True, json_output=False)
    assert second.rc == 0, second
    new = openbao.kv(path)["token"]
    for output in (first.output, second.output):
        assert "renewed" in output
        for secret in (token, new, openbao.root_token):
            assert secret not in output


# -- issue 11, item 1: a token never gets a policy the task did not ask for ---------------------------


def test_policies_default_makes_a_default_only_token_not_a_root_token(ansible, openbao):
    path = unique("defpol")
    first = run(ansible, openbao, store_path=path, policies=["default"])
    assert first.get("created"), first
    live = openbao.lookup(openbao.kv(path)["token"])
    assert live["policies"] == ["default"], live["policies"]
    again = run(ansible, openbao, store_path=path, policies=["default"])
    assert not again["changed"], again


def test_empty_policy_list_is_refused(ansible, openbao):
    path = unique("nopol")
    result = run(ansible, openbao, store_path=path, policies=[])
    assert result.get("failed") and "without any policy" in result["msg"], result
    assert "root" in result["msg"] and not exists(openbao, path)
    only_default = run(ansible, openbao, store_path=path, policies=["default"], no_default_policy=True)
    assert only_default.get("failed") and not exists(openbao, path), only_default


def test_no_default_policy_and_a_limited_caller_copy_nothing(ansible, openbao):
    """A non-root caller's own policies are not copied onto the token it makes."""
    client = openbao.client()
    maker = unique("maker")
    client.write("sys/policies/acl/" + maker, policy='''
path "secret/data/limited-*" { capabilities = ["create", "read", "update"] }
path "sys/internal/ui/mounts/*" { capabilities = ["read"] }
path "auth/token/create-orphan" { capabilities = ["update", "sudo"] }
''')
    caller = client.auth.token.create_orphan(policies=[maker], ttl="5m")["auth"]["client_token"]
    path = unique("limited")
    result = run(ansible, openbao, token=caller, store_path=path, policies=["jupyterhub-admin"],
                 no_default_policy=True)
    assert result.get("created"), result
    assert openbao.lookup(openbao.kv(path)["token"])["policies"] == ["jupyterhub-admin"]
    default_only = unique("limited")
    assert run(ansible, openbao, token=caller, store_path=default_only, policies=["default"]).get("created")
    assert openbao.lookup(openbao.kv(default_only)["token"])["policies"] == ["default"]


# -- issue 11, item 4: lost updates and half-done writes ---------------------------------------------


def live_accessors_with(bao, policy):
    client = bao.client()
    accessors = client.list("auth/token/accessors")["data"]["keys"]
    found = []
    for accessor in accessors:
        try:
            data = client.auth.token.lookup_accessor(accessor)["data"]
        except Exception:  # revoked between the list and the lookup
            continue
        if policy in (data.get("policies") or []):
            found.append(accessor)
    return found


def test_six_parallel_rotations_leave_exactly_one_live_token_the_stored_one(ansible, openbao, tmp_path):
    """Six forks of one play rotate the same record at the same moment."""
    policy = unique("race")
    write_policies(openbao, policy)
    path = unique("race")
    args = dict(url=openbao.addr, token=openbao.root_token, policies=[policy], store_path=path)
    assert run(ansible, openbao, **args)["created"]
    racers = ["racer%d" % number for number in range(6)]
    inventory = tmp_path / "racers.ini"
    inventory.write_text("[racers]\n" + "".join(
        "%s ansible_connection=local ansible_python_interpreter=%s\n" % (name, sys.executable) for name in racers))
    result = ansible.playbook([{"hosts": "racers", "gather_facts": False, "tasks": [
        {"name": "under test", MODULE: dict(args, state="rotated")}]}], args=("-i", str(inventory), "-f", "6"))
    assert result.rc == 0, result
    outcomes = [result.task("under test", host=name) for name in racers]
    record = openbao.kv(path)
    live = live_accessors_with(openbao, policy)
    assert live == [record["accessor"]], (live, record["accessor"])
    assert is_valid(openbao, record["token"])
    # How many forks overlap depends on the scheduler: each run either stored its token or lost the race.
    for outcome in outcomes:
        if outcome.get("lost_race"):
            assert not outcome["changed"] and "another run" in " ".join(outcome.get("warnings", [])), outcome
        else:
            assert outcome["changed"] and outcome["created"], outcome


def test_a_run_that_loses_the_check_and_set_revokes_its_token_and_reports_the_stored_one(ansible, openbao):
    """Deterministic race: another writer stores a token between this run's read and its write."""
    policy = unique("lose")
    write_policies(openbao, policy)
    path = unique("lose")
    args = dict(token=openbao.root_token, policies=[policy], store_path=path)
    first = run(ansible, openbao, **args)
    assert first["created"]
    interposed = []

    def another_writer_first(request):
        if "/auth/token/create" in request.path and not interposed:
            interposed.append(request.path)
            run(ansible, openbao, state="rotated", **args)

    with InterposingProxy(openbao.addr, before=another_writer_first) as proxy:
        result, dummy = ansible.module(MODULE, dict(args, url=proxy.addr, state="rotated"))
    assert interposed and proxy.errors == []
    assert result["lost_race"] and not result["changed"] and not result["created"], result
    assert "another run" in " ".join(result.get("warnings", []))
    record = openbao.kv(path)
    assert live_accessors_with(openbao, policy) == [record["accessor"]]
    assert result["accessor"] == record["accessor"]


def test_writing_the_token_keeps_the_records_other_keys(ansible, openbao):
    path = unique("keep")
    openbao.client().secrets.kv.v2.create_or_update_secret(path=path, mount_point="secret",
                                                           secret={"owner": "team-a", "note": "hub admin"})
    assert run(ansible, openbao, store_path=path)["created"]
    record = openbao.kv(path)
    assert record["owner"] == "team-a" and record["note"] == "hub admin" and is_valid(openbao, record["token"])
    assert run(ansible, openbao, store_path=path, state="rotated")["created"]
    assert openbao.kv(path)["owner"] == "team-a"


@pytest.mark.parametrize("path", ["../../sys/policies/acl/evil", "/jupyterhub/vault-token", "a/../../b", "a/./b"])
def test_store_path_that_leaves_the_mount_is_refused(ansible, openbao, path):
    result = run(ansible, openbao, store_path=path)
    assert result.get("failed") and "store_path" in result["msg"], result
    assert "evil" not in openbao.client().sys.list_acl_policies()["data"]["keys"]


@pytest.mark.parametrize("args, words", [
    (dict(ttl="24h", renew_threshold="24h"), "renew_threshold"),
    (dict(ttl="1h", renew_threshold="2h"), "renew_threshold"),
    (dict(ttl="24h", explicit_max_ttl="1h"), "explicit_max_ttl"),
    (dict(ttl="2000h", renew_threshold="800h"), "max_lease_ttl"),
])
def test_settings_that_renew_or_rotate_every_run_are_refused(ansible, openbao, args, words):
    path = unique("combo")
    result = run(ansible, openbao, store_path=path, **args)
    assert result.get("failed") and words in result["msg"] and "every" in result["msg"], result
    assert not exists(openbao, path)


def test_unknown_policy_is_refused_by_name(ansible, openbao):
    path = unique("unknown")
    missing = unique("no-such-policy")
    result = run(ansible, openbao, store_path=path, policies=["jupyterhub-admin", missing])
    assert result.get("failed") and missing in result["msg"] and "jupyterhub-admin" not in result["msg"], result
    assert not exists(openbao, path)
