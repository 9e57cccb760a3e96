"""jupyterhub_kernel_exec against a lab user's real server: code runs in a real kernel through the proxy."""

import pytest
import requests

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_kernel_exec"
USER = "kx-user"


@pytest.fixture(scope="module")
def kx_server(ansible, mcp_lab):
    connection = {"api_url": mcp_lab.api_url, "api_token": mcp_lab.service_token}
    started, run = ansible.module("datastack.jupyterhub.jupyterhub_server",
                                  dict(connection, user=USER, state="started", create_user=True, wait_timeout=120))
    assert started and started["ready"], run
    yield mcp_lab.user_token(USER)
    ansible.module("datastack.jupyterhub.jupyterhub_server", dict(connection, user=USER, state="stopped"))


def run_code(ansible, lab, code, user=USER, check=False, **args):
    return ansible.module(MODULE, dict(api_url=lab.api_url, api_token=lab.service_token, user=user, code=code,
                                       **args), check=check)


def test_code_runs_and_its_output_comes_back(ansible, mcp_lab, kx_server):
    code = "import os, sys\nprint(os.environ['JUPYTERHUB_USER'])\nprint('oops', file=sys.stderr)\n6 * 7"
    ran, run = run_code(ansible, mcp_lab, code, user_token=kx_server)
    assert ran["changed"] is True and not ran.get("failed"), run
    assert ran["stdout"] == USER + "\n" and ran["stderr"] == "oops\n" and ran["results"] == ["42"]
    assert ran["error"] is None and set(ran["elapsed"]) == {"start", "run", "shutdown"}
    assert kx_server not in run.output
    # The kernel was shut down again.
    listed = requests.get("%s/user/%s/api/kernels" % (mcp_lab.url, USER), timeout=10,
                          headers={"Authorization": "token " + kx_server}).json()
    assert ran["kernel_id"] not in [kernel["id"] for kernel in listed]


def test_an_exception_fails_the_task_with_its_output(ansible, mcp_lab, kx_server):
    ran, run = run_code(ansible, mcp_lab, "print('before')\n1 / 0", user_token=kx_server)
    assert ran["failed"] is True
    assert ran["msg"] == "the code raised ZeroDivisionError: division by zero"
    assert ran["stdout"] == "before\n" and ran["error"]["ename"] == "ZeroDivisionError"


def test_a_token_without_access_to_the_server_is_refused(ansible, mcp_lab, kx_server):
    ran, run = run_code(ansible, mcp_lab, "1")  # the service token: no access:servers
    assert ran["failed"] is True
    assert "refused the token when asked to list its kernels (HTTP 403)" in ran["msg"]
    assert "Give user_token" in ran["msg"] and mcp_lab.service_token not in run.output


def test_a_stopped_server_says_to_start_it(ansible, mcp_lab, kx_server):
    user = "kx-stopped"
    ran, run = run_code(ansible, mcp_lab, "1", user=user, user_token=mcp_lab.user_token(user))
    assert ran["failed"] is True
    assert "/user/kx-stopped/ is not running or not answering" in ran["msg"]
    assert "Start the server first" in ran["msg"]


def test_check_mode_runs_nothing(ansible, mcp_lab, kx_server):
    ran, run = run_code(ansible, mcp_lab, "raise SystemExit('must not run')", check=True, user_token=kx_server)
    assert ran.get("skipped") is True and not ran.get("failed"), run
