"""jupyterhub_token when the hub stalls or dies in the middle of a batch (a hub of its own, not the shared one)."""

import time
import uuid

import pytest

from tests.fixtures.jupyterhub import Hub
from tests.fixtures.procs import poll_until, running

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_token"
USERS = 60
# Long enough for a loaded CI machine to create the batch's users, short enough to notice a stalled hub.
TIMEOUT = 5


@pytest.fixture(scope="module")
def fault_hub(tmp_path_factory):
    with running(Hub(tmp_path_factory.mktemp("fault-hub"))) as hub:
        yield hub
        hub.resume()


def batch_play(hub, users, directory, **extra):
    args = dict(api_url=hub.api_url, api_token=hub.admin_token, users=users, note="faults", scopes=["self"],
                expires_in=3600, timeout=TIMEOUT, retries=0, destination={"file": {"directory": str(directory)}})
    args.update(extra)
    # Without no_log so that the test can read the result; these are a throwaway hub's tokens.
    return [{"hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "under test", MODULE: args, "ignore_errors": True}]}]


def wait_for_files(directory, count, proc):
    def stored():
        return len(list(directory.glob("*.token")))
    poll_until(lambda: stored() >= count or proc.poll() is not None, 120, interval=0.01)
    assert stored() >= count, "the batch did not store %d tokens in time" % count


def check_one_stored_token_each(hub, users, directory):
    for user in users:
        tokens = hub.tokens(user, note="faults")
        assert len(tokens) == 1, (user, tokens)
        assert hub.token_id_of(stored_secret(directory, user)) == tokens[0]["id"], user


def stored_secret(directory, user):
    return (directory / ("%s.token" % user)).read_text().strip()


def check_failure_report(result, users, directory):
    assert result.get("failed"), result
    done, not_done = result["done"], result["not_done"]
    assert sorted(done + not_done) == sorted(users) and done and not_done, result["msg"]
    assert result["msg"].startswith("%d of %d users done" % (len(done), len(users))), result["msg"]
    # Every token the run made is returned, and each done user's token is stored: the very secret returned.
    for user in done:
        assert result["tokens"].get(user) == stored_secret(directory, user), user
    stored = set(p.name[:-len(".token")] for p in directory.glob("*.token"))
    assert stored <= set(result["tokens"])


def check_done_tokens_work(hub, result):
    """Once the hub answers again: the secret returned (and stored) for each done user authenticates as him."""
    for user in result["done"]:
        owner = hub.whoami(result["tokens"][user])
        assert owner and owner["name"] == user and owner["kind"] == "user", (user, owner)


def interrupted_batch(ansible, hub, tmp_path, prefix, fault):
    """A batch that ``fault`` interrupts once 10 tokens are stored: (users, directory, result, seconds to fail)."""
    users = ["%s-%s-%02d" % (prefix, uuid.uuid4().hex[:4], i) for i in range(USERS)]
    # Made beforehand: on a loaded machine one bulk creation of 60 users can outlast the batch's 2 s timeout,
    # which would fail the batch before the fault this test injects.
    assert hub.api("POST", "/users", json={"usernames": users}).status_code == 201
    directory = tmp_path / "tokens"
    proc = ansible.start(batch_play(hub, users, directory))
    wait_for_files(directory, 10, proc)
    fault()
    started = time.monotonic()
    result = ansible.finish(proc).task("under test")
    check_failure_report(result, users, directory)
    return users, directory, result, time.monotonic() - started


def rerun_leaves_one_stored_token_each(ansible, hub, users, directory):
    rerun = ansible.playbook(batch_play(hub, users, directory, timeout=30))
    assert not rerun.task("under test").get("failed"), rerun
    check_one_stored_token_each(hub, users, directory)


def test_hub_stalled_past_the_timeout(ansible, fault_hub, tmp_path):
    try:
        users, directory, result, failed_after = interrupted_batch(ansible, fault_hub, tmp_path, "stall",
                                                                   fault_hub.pause)
    finally:
        fault_hub.resume()
    assert "did not answer within %d s" % TIMEOUT in result["msg"] and "Raise timeout" in result["msg"], result["msg"]
    assert failed_after < 30, failed_after
    check_done_tokens_work(fault_hub, result)
    rerun_leaves_one_stored_token_each(ansible, fault_hub, users, directory)


def test_hub_killed_mid_batch_and_the_proxy_answering_for_it(ansible, fault_hub, tmp_path):
    try:
        users, directory, result, dummy = interrupted_batch(ansible, fault_hub, tmp_path, "dead",
                                                            fault_hub.kill_hub_only)
        # The proxy still runs and answers 503 for the dead hub: say that, not "check api_url".
        alone, run = ansible.module(MODULE, dict(api_url=fault_hub.api_url, api_token=fault_hub.admin_token,
                                                 user="someone", retries=0))
        assert "HTTP 503" in alone["msg"] and "the hub behind it is down" in alone["msg"], alone["msg"]
        assert "Start the hub" in alone["msg"]
    finally:
        if fault_hub.proc.poll() is not None:
            fault_hub.start()
    check_done_tokens_work(fault_hub, result)
    rerun_leaves_one_stored_token_each(ansible, fault_hub, users, directory)
