"""jupyterhub_token writes each token where it is used: 0600 files and Vault KV v2, against real servers."""

import base64
import os
import signal
import stat
import uuid

import pytest

from tests.fixtures.procs import poll_until
from tests.helpers.hub_token_traffic import OverlappingRuns, RevocationCheck

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_token"


def fresh(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def stored_file(directory, user):
    return (directory / ("%s.token" % user)).read_text().strip()


def assert_one_stored_token(hub, users, note, read):
    """Each user holds exactly one managed token, and the stored secret is that token."""
    for user in users:
        tokens = hub.tokens(user, note=note)
        assert len(tokens) == 1, (user, tokens)
        assert hub.token_id_of(read(user)) == tokens[0]["id"], user


def file_batch(hub, users, note, directory, **extra):
    args = dict(hub.connection(), users=users, note=note, scopes=["self"], expires_in=3600,
                destination={"file": {"directory": str(directory)}})
    args.update(extra)
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "under test", "no_log": True,
                                                                     MODULE: args}]}]


def test_file_destination_keeps_replaces_and_revokes(ansible, hub, tmp_path):
    user = fresh("file")
    directory = tmp_path / "tokens"
    args = dict(hub.connection(), user=user, note="filed", scopes=["self"], expires_in=3600,
                destination={"file": {"directory": str(directory)}})
    first, run = ansible.module(MODULE, args)
    assert first["changed"] and first["results"][0]["stored_at"] == "file %s/%s.token" % (directory, user), run
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / ("%s.token" % user)).stat().st_mode) == 0o600
    assert stored_file(directory, user) == first["token"]
    assert_one_stored_token(hub, [user], "filed", lambda u: stored_file(directory, u))

    # Kept: the stored token still authenticates as the user and is the managed one.
    again, run = ansible.module(MODULE, args)
    assert again["changed"] is False and again["results"][0]["action"] == "kept", run

    # A managed token nobody stored (a run killed after making it) is revoked; the stored one stays.
    stray = hub.api("POST", "/users/%s/tokens" % user, json={"note": "filed", "scopes": ["self"]}).json()
    cleaned, run = ansible.module(MODULE, args)
    assert cleaned["changed"] and cleaned["results"][0]["revoked"] == [stray["id"]], run
    assert cleaned["results"][0]["token_id"] == first["token_info"]["id"]
    assert hub.token_id_of(stray["token"]) is None

    # A stored token that no longer works (revoked at the hub) is replaced.
    hub.api("DELETE", "/users/%s/tokens/%s" % (user, first["token_info"]["id"]))
    replaced, run = ansible.module(MODULE, args)
    assert replaced["changed"] and replaced["results"][0]["action"] == "replaced", run
    assert stored_file(directory, user) == replaced["token"] != first["token"]
    assert_one_stored_token(hub, [user], "filed", lambda u: stored_file(directory, u))

    # A file that holds something else is replaced too.
    (directory / ("%s.token" % user)).write_text("not-a-token\n")
    garbage, run = ansible.module(MODULE, args)
    assert garbage["results"][0]["action"] == "replaced", run
    assert_one_stored_token(hub, [user], "filed", lambda u: stored_file(directory, u))

    gone, run = ansible.module(MODULE, dict(args, state="absent"))
    assert gone["changed"] and hub.tokens(user, note="filed") == [], run
    assert not (directory / ("%s.token" % user)).exists()


def test_rotation_revokes_the_old_token_only_after_the_new_one_is_stored(ansible, hub, tmp_path):
    """Looked at when the old token's revocation reaches the hub, before it is forwarded: the stored secret
    is already the new token's, and it authenticates as the user."""
    user = fresh("rot")
    directory = tmp_path / "tokens"
    args = dict(hub.connection(), user=user, note="rot", destination={"file": {"directory": str(directory)}})
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    old_id = first["results"][0]["token_id"]
    with RevocationCheck(hub, user, old_id, "rot", stored=lambda: stored_file(directory, user)) as check:
        rotated, run = ansible.module(MODULE, dict(args, api_url=check.api_url, state="rotated"))
    result = rotated["results"][0]
    assert check.seen == [dict(made=[result["token_id"]], name=user, token_id=result["token_id"])], check.seen
    assert result["action"] == "rotated" and result["revoked"] == [old_id], run
    assert check.proxy.errors == []
    assert_one_stored_token(hub, [user], "rot", lambda u: stored_file(directory, u))


def test_two_identical_batches_at_once_share_one_stored_token(ansible, hub, tmp_path):
    """Both runs make a token for the same user (run A's first waits until run B has made its own); the
    compare-and-set write keeps one, and the run that lost revokes its token."""
    users = [fresh("dual") for dummy in range(30)]
    directory = tmp_path / "tokens"
    with OverlappingRuns(hub, "dual") as race:
        runs = [ansible.start(file_batch(hub, users, "dual", directory, api_url=race.api_url(name), timeout=120))
                for name in ("A", "B")]
        results = [ansible.finish(proc) for proc in runs]
    assert [r.rc for r in results] == [0, 0], results
    assert not race.timed_out and race.errors() == [], (race.timed_out, race.errors())
    assert race.held in race.both_made(), race.created
    assert_one_stored_token(hub, users, "dual", lambda u: stored_file(directory, u))
    for user in race.both_made():
        # The one left is one of the two made, the stored one; the other was revoked.
        [kept] = hub.tokens(user, note="dual")
        assert kept["id"] in (race.created["A"][user], race.created["B"][user])


def test_rerun_after_the_job_is_killed_leaves_one_stored_token_per_user(ansible, hub, tmp_path):
    users = [fresh("kill") for dummy in range(60)]
    directory = tmp_path / "tokens"
    play = file_batch(hub, users, "killed", directory)
    proc = ansible.start(play)
    poll_until(lambda: len(list(directory.glob("*.token"))) >= 10, 120, interval=0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # as AWX cancels a job: nothing runs after this
    proc.wait(timeout=30)
    done = len(list(directory.glob("*.token")))
    assert 10 <= done < len(users), done
    made = sum(len(hub.tokens(user, note="killed")) for user in users if hub.api("GET", "/users/" + user).ok)
    assert made >= done
    rerun = ansible.playbook(play)
    assert rerun.rc == 0, rerun
    assert_one_stored_token(hub, users, "killed", lambda u: stored_file(directory, u))


def kv_read(openbao, path):
    answer = openbao.client().secrets.kv.v2.read_secret_version(path=path, mount_point="secret",
                                                                raise_on_deleted_version=False)
    return answer["data"]["data"]


def test_vault_destination_from_a_fresh_container_keeps_the_first_token(ansible, hub, openbao, tmp_path):
    users = [fresh("kv") for dummy in range(3)]
    prefix = "jupyterhub/test-%s" % uuid.uuid4().hex[:6]
    openbao.client().secrets.kv.v2.create_or_update_secret(path="%s/%s" % (prefix, users[0]),
                                                           secret={"other": "kept"}, mount_point="secret")
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "under test", "no_log": True,
        MODULE: dict(hub.connection(), users=users, note="kv", scopes=["self"],
                     destination={"vault_kv": {"path": prefix + "/{user}"}})}]}]
    env = {"VAULT_ADDR": openbao.addr, "VAULT_TOKEN": openbao.root_token}
    first = ansible.playbook(play, env=env)
    assert first.rc == 0, first
    assert kv_read(openbao, "%s/%s" % (prefix, users[0]))["other"] == "kept"
    stored = dict((user, kv_read(openbao, "%s/%s" % (prefix, user))["token"]) for user in users)
    assert_one_stored_token(hub, users, "kv", stored.get)

    # A new container has no file from the first run: the token in Vault is found, checked and kept.
    again = ansible.playbook(play, env=env, verbosity=4, json_output=False)
    assert again.rc == 0, again.output[-3000:]
    assert "changed=0" in again.output
    assert dict((user, kv_read(openbao, "%s/%s" % (prefix, user))["token"]) for user in users) == stored
    for secret in list(stored.values()) + [openbao.root_token, hub.admin_token]:
        assert secret not in again.output


def test_destination_mistakes_are_clear_errors(ansible, hub, openbao, tmp_path):
    cases = {
        "batch without {user}": (
            dict(users=["a1", "b1"], destination={"file": {"directory": str(tmp_path), "file_name": "same.token"}}),
            "must contain {user}"),
        "two kinds": (dict(user="a1", destination={"file": {"directory": str(tmp_path)},
                                                   "vault_kv": {"url": openbao.addr}}),
                      "mutually exclusive"),
        "vault without a token": (dict(user="a1", destination={"vault_kv": {"url": openbao.addr}}),
                                  "no Vault token given"),
        "vault with a wrong token": (dict(user="a1", destination={"vault_kv": {"url": openbao.addr,
                                                                               "token": "s.wrong-token-x1"}}),
                                     "Vault"),
        "with token_id": (dict(user="a1", token_id="a1", destination={"file": {"directory": str(tmp_path)}}),
                          "mutually exclusive"),
    }
    tasks = [{"name": name, MODULE: dict(hub.connection(), **args), "ignore_errors": True}
             for name, (args, dummy) in cases.items()]
    run = ansible.playbook([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    for name, (dummy, message) in cases.items():
        result = run.task(name)
        assert result.get("failed") and message in result["msg"], (name, result.get("msg"))
    assert "s.wrong-token-x1" not in run.output and "Traceback" not in run.output


def test_kubernetes_secret_destination_on_the_control_plane(ansible, hub, cluster, tmp_path):
    """Secrets on a real API server: created, checked and kept on a rerun, replaced when the stored token is
    revoked, other keys of the Secret kept, and a name the namespace cannot hold refused."""
    namespace = fresh("tokens")
    cluster.kubectl("create", "namespace", namespace)
    users = [fresh("k8s").replace("-", "") for dummy in range(2)]  # '-' would be escaped in the name
    destination = {"kubernetes_secret": {"namespace": namespace, "name": "hub-token-{user}"}}
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "under test", "no_log": True,
        MODULE: dict(hub.connection(), users=users, note="k8s", scopes=["self"], expires_in=3600,
                     destination=destination)}]}]

    def secret_of(user):
        found = cluster.get("secret", "hub-token-" + user, namespace)
        return base64.b64decode(found["data"]["token"]).decode()

    first = ansible.playbook(play, env=cluster.env)
    assert first.rc == 0, first
    assert_one_stored_token(hub, users, "k8s", secret_of)
    labels = cluster.get("secret", "hub-token-" + users[0], namespace)["metadata"]["labels"]
    assert labels.get("app.kubernetes.io/managed-by"), labels
    stored = dict((user, secret_of(user)) for user in users)
    cluster.kubectl("patch", "secret", "hub-token-" + users[0], "-n", namespace, "--type=merge",
                    "-p", '{"stringData": {"note": "kept"}}')

    again = ansible.playbook(play, env=cluster.env, verbosity=4, json_output=False)
    assert again.rc == 0 and "changed=0" in again.output, again.output[-3000:]
    assert dict((user, secret_of(user)) for user in users) == stored
    for secret in list(stored.values()) + [hub.admin_token]:
        assert secret not in again.output

    # The stored token stops working (revoked on the hub): the rerun replaces it and keeps the Secret's other key.
    hub.api("DELETE", "/users/%s/tokens/%s" % (users[0], hub.tokens(users[0], note="k8s")[0]["id"]))
    third = ansible.playbook(play, env=cluster.env)
    assert third.rc == 0, third
    assert_one_stored_token(hub, users, "k8s", secret_of)
    assert secret_of(users[0]) != stored[users[0]] and secret_of(users[1]) == stored[users[1]]
    kept = cluster.get("secret", "hub-token-" + users[0], namespace)["data"]["note"]
    assert base64.b64decode(kept).decode() == "kept"

    refused, dummy = ansible.module(MODULE, dict(hub.connection(), user=users[0], note="k8s", destination={
        "kubernetes_secret": {"namespace": namespace, "name": "Bad_Name-{user}"}}), env=cluster.env)
    assert refused.get("failed") and "Bad_Name" in refused["msg"], refused
