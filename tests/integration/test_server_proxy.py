"""Dual-mode services in users' servers, with the real jupyter-server-proxy of the lab's single-user environment.

The lab declares the services (lab_server_proxy_services); the runtime Jupyter settings turn them into
ServerProxy.servers; each user's server starts tests/fixtures/dual_mode_service.py on the first request. The
service is reached through the hub's proxy at /user/<name>/<service>/ (and /user/<name>/<server>/<service>/ on a
named server) with a token of that user from jupyterhub_token; another user's token is refused.
"""

import os
import sys

import pytest
import requests

from tests.fixtures.lab import DUAL_MODE_SERVICE, Lab
from tests.fixtures.procs import free_port, start, stop, wait_for

pytestmark = pytest.mark.integration

USER = "proxy-user"
OTHER = "proxy-other"
NAMED = "second"


def token_of(ansible, lab, user):
    """A token of ``user`` for its servers, made by jupyterhub_token as the README's MCP clients get theirs."""
    issued, run = ansible.module("datastack.jupyterhub.jupyterhub_token", dict(
        api_url=lab.api_url, api_token=lab.service_token, user=user, note="server-proxy-test",
        scopes=["access:servers!user=%s" % user], expires_in=3600))
    assert issued and issued.get("token"), run
    return issued["token"]


def server(ansible, lab, state, server_name=""):
    result, run = ansible.module("datastack.jupyterhub.jupyterhub_server", dict(
        api_url=lab.api_url, api_token=lab.service_token, user=USER, server_name=server_name, state=state,
        wait_timeout=120))
    assert result and not result.get("failed"), run
    return result


@pytest.fixture(scope="module")
def servers(ansible, server_proxy_lab):
    """USER's default and named servers (URLs), USER's and OTHER's tokens; the servers are stopped afterwards."""
    token, other = token_of(ansible, server_proxy_lab, USER), token_of(ansible, server_proxy_lab, OTHER)
    try:
        urls = {"": server(ansible, server_proxy_lab, "started")["url"],
                NAMED: server(ansible, server_proxy_lab, "started", NAMED)["url"]}
        yield urls, token, other
    finally:
        for name in ("", NAMED):
            server(ansible, server_proxy_lab, "stopped", name)


def get(url, token, **kwargs):
    return requests.get(url, headers={"Authorization": "token %s" % token}, timeout=60, allow_redirects=False,
                        **kwargs)


def status(url, token):
    answer = get(url + "api/status", token)
    assert answer.status_code == 200, (answer.status_code, answer.text[:500])
    return answer.json()


@pytest.mark.parametrize("server_name", ["", NAMED])
def test_the_service_answers_below_its_name_on_each_server(servers, server_name):
    urls, token, dummy = servers
    prefix = "/user/%s/%s" % (USER, server_name + "/" if server_name else "")
    assert urls[server_name].endswith(prefix)
    seen = status(urls[server_name] + "hello/", token)
    assert seen == {
        "service": "hello", "mode": "jupyterhub", "user": USER, "server_name": server_name,
        "prefix": prefix + "hello/",
        "received_path": "/api/status",  # absolute_url false: the path below the service's address
        "forwarded_prefix": prefix + "hello",
        "greeting": "hello from " + prefix,  # the declared environment, {base_url} filled in by the proxy
    }
    page = get(urls[server_name] + "hello/", token)
    assert page.status_code == 200 and 'href="%shello/api/status"' % prefix in page.text


@pytest.mark.parametrize("server_name", ["", NAMED])
def test_a_service_with_absolute_urls_gets_the_whole_path(servers, server_name):
    urls, token, dummy = servers
    prefix = "/user/%s/%s" % (USER, server_name + "/" if server_name else "")
    seen = status(urls[server_name] + "hello-abs/", token)
    assert (seen["received_path"], seen["prefix"]) == (prefix + "hello-abs/api/status", prefix + "hello-abs/")
    assert seen["forwarded_prefix"] is None and seen["server_name"] == server_name


@pytest.mark.parametrize("server_name", ["", NAMED])
@pytest.mark.parametrize("service", ["hello", "hello-abs"])
def test_another_users_token_is_refused(servers, server_name, service):
    urls, token, other = servers
    assert get(urls[server_name] + service + "/api/status", other).status_code == 403
    assert get(urls[server_name] + service + "/api/status", token).status_code == 200


def test_the_launcher_entries_follow_the_declaration(servers):
    urls, token, dummy = servers
    answer = get(urls[""] + "server-proxy/servers-info", token)
    assert answer.status_code == 200, answer.text[:500]
    entries = {item["name"]: item["launcher_entry"] for item in answer.json()["server_processes"]}
    assert entries["hello"] == {"enabled": True, "title": "Hello", "path_info": "hello/", "category": "Other"}
    assert entries["hello-abs"]["enabled"] is False


def test_the_same_program_runs_standalone(tmp_path):
    """Without JupyterHub's variables the service serves at / on its own port."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("JUPYTERHUB_")}
    proc = start([sys.executable, str(DUAL_MODE_SERVICE), "--port", str(port), "--absolute-url"],
                 tmp_path / "service.log", env=env)
    try:
        url = "http://127.0.0.1:%d/" % port
        seen = wait_for(lambda: requests.get(url + "api/status", timeout=5).json(), 30, "the standalone service",
                        proc=proc, log_path=tmp_path / "service.log")
        assert (seen["mode"], seen["prefix"], seen["received_path"], seen["user"]) == (
            "standalone", "/", "/api/status", None)
        assert 'href="/api/status"' in requests.get(url, timeout=5).text
    finally:
        stop(proc)


def test_the_lab_refuses_a_service_its_servers_would_leave_out(ansible, tmp_path):
    lab = Lab(ansible, tmp_path / "state", lab_server_proxy_services=[{"name": "hello", "comand": ["hello"]}])
    result = lab.run()
    assert result.rc != 0
    said = " ".join(message for dummy, message in result.failures())
    assert "lab_server_proxy_services: service 0 (hello): unknown key 'comand'" in said, result
    assert not lab.state.exists()  # refused before anything was made or started
