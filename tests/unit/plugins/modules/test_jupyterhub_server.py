"""jupyterhub_server's waiting, with a scripted hub: a timeout and a failed spawn are said clearly."""

import pytest

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_server_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import JupyterHubError
from ansible_collections.datastack.jupyterhub.plugins.modules import jupyterhub_server as module_code


class Failed(Exception):
    pass


class FakeModule:
    params = {"hub_url": None, "api_url": "https://hub.example.org/hub/api"}

    def fail_json(self, msg, **result):
        raise Failed(msg, result)


class FakeHub:
    def __init__(self, models, start_error=None):
        self.models = list(models)
        self.start_error = start_error

    def get_user(self, name):
        return self.models.pop(0) if len(self.models) > 1 else self.models[0]

    def start_server(self, user, server_name, options):
        if self.start_error:
            raise self.start_error
        return True


def spec(**changes):
    base = dict(user="alice", server_name="", state="started", wait=True, wait_timeout=0.3, create_user=False,
                user_options=None)
    base.update(changes)
    return plan.ServerSpec(**base)


PENDING = {"name": "alice", "servers": {"": {"ready": False, "pending": "spawn", "url": "/user/alice/"}}}
GONE = {"name": "alice", "servers": {}}


def test_a_server_still_pending_after_wait_timeout_fails_with_what_to_do():
    run = module_code.ServerRun(FakeModule(), FakeHub([PENDING]), spec())
    with pytest.raises(Failed) as failed:
        run.wait_until("started")
    message, result = failed.value.args
    assert message.startswith("the server of user alice is still starting after 0.3 s (pending: spawn). "
                              "Raise wait_timeout")
    assert result["pending"] == "spawn" and result["url"] == "https://hub.example.org/user/alice/"
    assert run.waited >= 0.3


def test_a_spawn_that_ends_without_a_server_failed():
    run = module_code.ServerRun(FakeModule(), FakeHub([PENDING, GONE]), spec(wait_timeout=30))
    with pytest.raises(Failed) as failed:
        run.wait_until("started")
    assert failed.value.args[0].startswith("the server of user alice failed to start: it is no longer starting")


def test_a_spawn_the_hub_fails_at_once_is_a_failed_start():
    error = JupyterHubError("server", "JupyterHub could not start ... (HTTP 500): Internal Server Error", status=500,
                            hub_message="Internal Server Error")
    run = module_code.ServerRun(FakeModule(), FakeHub([GONE], start_error=error), spec())
    with pytest.raises(Failed) as failed:
        run.start(plan.ServerPlan("start", "started", False))
    assert failed.value.args[0] == ("the server of user alice failed to start (the hub answered HTTP 500: Internal "
                                    "Server Error); the hub's log says why")
