"""playbooks/mcp.yml against the lab: endpoint, .mcp.json, and the three status checks.

The lab's single-user servers load a stand-in MCP extension (answers ``initialize`` on
``/mcp``), so "endpoint answering" is checked against a real Jupyter server behind the
real hub and proxy without installing jupyter-mcp-server.
"""

import json
import time
from pathlib import Path

import pytest

from tests.integration.test_lab import Lab

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/mcp.yml"

FAKE_MCP = '''
import json

from jupyter_server.base.handlers import JupyterHandler
from tornado import web


class MCPHandler(JupyterHandler):
    def check_xsrf_cookie(self):
        pass

    @web.authenticated
    def post(self):
        request = json.loads(self.request.body)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"jsonrpc": "2.0", "id": request["id"],
                                "result": {"protocolVersion": "2025-03-26", "capabilities": {},
                                           "serverInfo": {"name": "stand-in", "version": "0"}}}))


def _jupyter_server_extension_points():
    return [{"module": "fake_mcp"}]


def _load_jupyter_server_extension(serverapp):
    base = serverapp.web_app.settings["base_url"].rstrip("/")
    serverapp.web_app.add_handlers(".*$", [(base + "/mcp", MCPHandler)])
'''


@pytest.fixture(scope="module")
def mcp_lab(ansible, tmp_path_factory):
    ext = tmp_path_factory.mktemp("fake-mcp")
    (ext / "fake_mcp.py").write_text(FAKE_MCP)
    (ext / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"fake_mcp": True}}}))
    extra = ext / "hub_extra.py"
    extra.write_text("c.Spawner.environment = {'PYTHONPATH': %r, 'JUPYTER_CONFIG_PATH': %r}\n" % (str(ext), str(ext)))
    lab = Lab(ansible, tmp_path_factory.mktemp("mcp-lab") / "state", lab_vault=False,
              lab_hub_extra_config_files=[str(extra)])
    first = lab.run()
    assert first.rc == 0, first
    yield lab
    lab.destroy()


def run_mcp(ansible, lab, user, mcp_file, **extra):
    return ansible.playbook(
        PLAYBOOK, extra_vars=dict(user=user, mcp_file=str(mcp_file), **extra),
        env={"JUPYTERHUB_API_URL": lab.api_url, "JUPYTERHUB_API_TOKEN": lab.service_token})


def report(result):
    return next(r for r in result.task_results() if r["_task"] == "Report the MCP status")["msg"]


def status(result):
    return next(r for r in result.task_results() if r["_task"] == "Record the MCP status")["ansible_facts"]["mcp_status"]


def test_writes_mcp_json_and_reports_a_stopped_server(ansible, mcp_lab, tmp_path):
    mcp_file = tmp_path / ".mcp.json"
    result = run_mcp(ansible, mcp_lab, "alice", mcp_file, token_file=str(mcp_lab.user_token_file))
    assert result.rc == 0, result
    endpoint = "%s/user/alice/mcp" % mcp_lab.url
    assert json.loads(mcp_file.read_text()) == {"mcpServers": {"jupyter-alice": {
        "type": "http", "url": endpoint, "headers": {"Authorization": "token ${JUPYTERHUB_TOKEN}"}}}}
    lines = report(result)
    assert "MCP endpoint: %s" % endpoint in lines
    assert "User alice: known to the hub" in lines
    assert any(line.startswith("Server: NOT RUNNING") for line in lines)
    assert "MCP endpoint status: not checked (the server is not running)" in lines
    assert mcp_lab.service_token not in result.output
    assert mcp_lab.user_token_file.read_text().strip() not in result.output


def test_keeps_other_servers_and_is_idempotent(ansible, mcp_lab, tmp_path):
    mcp_file = tmp_path / ".mcp.json"
    mcp_file.write_text(json.dumps({"mcpServers": {"other": {"type": "stdio", "command": "x"}}, "extra": 1}))
    first = run_mcp(ansible, mcp_lab, "alice", mcp_file)
    assert first.rc == 0, first
    content = json.loads(mcp_file.read_text())
    assert content["extra"] == 1 and content["mcpServers"]["other"] == {"type": "stdio", "command": "x"}
    assert content["mcpServers"]["jupyter-alice"]["type"] == "http"
    again = run_mcp(ansible, mcp_lab, "alice", mcp_file)
    assert again.stats["localhost"]["changed"] == 0


def test_unknown_user_is_reported_without_failing(ansible, mcp_lab, tmp_path):
    result = run_mcp(ansible, mcp_lab, "nobody-here", tmp_path / ".mcp.json")
    assert result.rc == 0, result
    assert status(result)["user_known"] is False
    assert any(line.startswith("User nobody-here: UNKNOWN") for line in report(result))


def test_running_server_with_answering_endpoint(ansible, mcp_lab, tmp_path):
    started = mcp_lab.api("POST", "/users/alice/server")
    assert started.status_code in (201, 202), started.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if mcp_lab.api("GET", "/users/alice").json()["servers"].get("", {}).get("ready"):
            break
        time.sleep(0.5)
    try:
        with_token = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json",
                             token_file=str(mcp_lab.user_token_file))
        assert with_token.rc == 0, with_token
        assert status(with_token)["server_running"] is True
        assert status(with_token)["endpoint_answering"] is True
        assert "MCP endpoint status: answering (HTTP 200)" in report(with_token)
        assert mcp_lab.user_token_file.read_text().strip() not in with_token.output

        # Without a user token the endpoint cannot be asked; say so instead of failing.
        without = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json",
                          token_file=str(tmp_path / "missing.token"))
        assert without.rc == 0, without
        assert any("no user token" in line for line in report(without))

        # Another user's token is refused by alice's server: reported, not failed.
        bob_token = tmp_path / "bob.token"
        assert ansible.playbook("playbooks/token.yml", extra_vars={"user": "bob", "token_file": str(bob_token)},
                                env={"JUPYTERHUB_API_URL": mcp_lab.api_url,
                                     "JUPYTERHUB_API_TOKEN": mcp_lab.service_token}).rc == 0
        refused = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json", token_file=str(bob_token))
        assert refused.rc == 0, refused
        assert status(refused)["endpoint_answering"] is False
        assert any(line.startswith("MCP endpoint status: NOT ANSWERING (HTTP 403") for line in report(refused))
    finally:
        mcp_lab.api("DELETE", "/users/alice/server")


def test_relative_paths_are_refused(ansible, hub, tmp_path):
    """Ansible runs tasks in the playbook's directory: a relative mcp_file would be written into the collection."""
    env = {"JUPYTERHUB_API_URL": hub.api_url, "JUPYTERHUB_API_TOKEN": hub.admin_token}
    for extra in ({"mcp_file": ".mcp.json"}, {"mcp_file": str(tmp_path / ".mcp.json"), "token_file": "alice.token"}):
        result = ansible.playbook(PLAYBOOK, extra_vars=dict(user="alice", **extra), env=env, cwd=tmp_path)
        assert result.rc != 0, result
        assert "absolute paths for mcp_file and token_file" in result.output
    assert not list(tmp_path.glob("*.json"))
    assert not list((Path(__file__).resolve().parents[2] / "playbooks").glob("*.json"))
