"""jupyterhub_server against a lab hub: start, info, stop (check and diff modes), failures said clearly.

How long a spawn takes decides whether the hub reports a failure at once or the module sees it while waiting;
the waiting itself (timeout, a spawn that ends without a server) is tested in
tests/unit/plugins/modules/test_jupyterhub_server.py.
"""

import pytest

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_server"


def server(ansible, lab, check=False, diff=False, verbosity=0, **args):
    return ansible.module(MODULE, dict(api_url=lab.api_url, api_token=lab.service_token, **args), check=check,
                          diff=diff, verbosity=verbosity)


def running(lab, user):
    return lab.api("GET", "/users/%s" % user).json()["servers"].get("", {}).get("ready", False)


def test_start_info_and_stop_with_check_and_diff_modes(ansible, mcp_lab):
    user = "srv-user"
    checked, run = server(ansible, mcp_lab, check=True, user=user, state="started", create_user=True)
    assert checked["changed"] is True and checked["ready"] is True, run
    assert mcp_lab.api("GET", "/users/%s" % user).status_code == 404  # check mode created nothing

    started, run = server(ansible, mcp_lab, diff=True, user=user, state="started", create_user=True,
                          wait_timeout=120)
    assert started["changed"] is True and started["ready"] is True and started["pending"] is None, run
    assert started["url"] == "%s/user/%s/" % (mcp_lab.url, user)
    assert started["server"]["ready"] is True and started["waited"] > 0
    assert started["diff"] == {"before": {"running": False, "pending": None}, "after": {"running": True, "pending": None}}
    assert running(mcp_lab, user)

    again, run = server(ansible, mcp_lab, user=user, state="started")
    assert again["changed"] is False and again["ready"] is True, run
    info, run = server(ansible, mcp_lab, user=user)
    assert info["changed"] is False and info["ready"] is True and info["user_exists"] is True, run

    would_stop, run = server(ansible, mcp_lab, check=True, user=user, state="stopped")
    assert would_stop["changed"] is True and would_stop["ready"] is False, run
    assert running(mcp_lab, user)

    stopped, run = server(ansible, mcp_lab, user=user, state="stopped", verbosity=0)
    assert stopped["changed"] is True and stopped["ready"] is False and stopped["url"] is None, run
    assert not running(mcp_lab, user)
    dummy, quiet = server(ansible, mcp_lab, user=user, state="stopped", verbosity=4)
    assert quiet.rc == 0 and "changed=0" in quiet.output
    assert mcp_lab.service_token not in quiet.output


def test_a_missing_user_is_an_error_only_when_starting(ansible, mcp_lab):
    failed, run = server(ansible, mcp_lab, user="srv-nobody", state="started")
    assert failed["failed"] is True
    assert failed["msg"] == "user srv-nobody does not exist on the hub. Create it first, or set create_user=true"
    info, run = server(ansible, mcp_lab, user="srv-nobody")
    assert info["user_exists"] is False and info["ready"] is False and not info.get("failed"), run
    stopped, run = server(ansible, mcp_lab, user="srv-nobody", state="stopped")
    assert stopped["changed"] is False and not stopped.get("failed"), run


def test_a_server_that_fails_to_start_is_reported(ansible, mcp_lab):
    user = "srv-broken"
    home = mcp_lab.state / "homes" / user
    home.parent.mkdir(exist_ok=True)
    home.write_text("a file where the spawner wants the home directory\n")
    failed, run = server(ansible, mcp_lab, user=user, state="started", create_user=True, wait_timeout=60)
    assert failed["failed"] is True, run
    assert "the server of user srv-broken failed to start" in failed["msg"]
    assert failed["ready"] is False
