"""playbooks/mcp.yml against labs whose servers run the real jupyter-mcp-server: endpoint, .mcp.json, status.

The status is checked in each case a user meets: server stopped, endpoint answering, no user token, another
user's token, and a server running without the extension (DATASTACK_MCP_ENABLED=0).
"""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/mcp.yml"


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


def start_server(ansible, lab, user):
    started, run = ansible.module("datastack.jupyterhub.jupyterhub_server", {
        "api_url": lab.api_url, "api_token": lab.service_token, "user": user, "state": "started",
        "create_user": True, "wait_timeout": 120})
    assert started and started["ready"], run


def stop_server(lab, user):
    lab.api("DELETE", "/users/%s/server" % user)


def test_running_server_with_answering_endpoint(ansible, mcp_lab, tmp_path):
    start_server(ansible, mcp_lab, "alice")
    try:
        with_token = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json",
                             token_file=str(mcp_lab.user_token_file))
        assert with_token.rc == 0, with_token
        found = status(with_token)
        assert found["server_running"] is True and found["endpoint_answering"] is True
        assert {"insert_execute_code_cell", "execute_code", "use_notebook"} <= set(found["tools"])
        assert "MCP endpoint status: answering (%d tools, Jupyter MCP Server 2.2.4)" % len(found["tools"]) \
            in report(with_token)
        assert mcp_lab.user_token_file.read_text().strip() not in with_token.output

        # Without a user token the endpoint cannot be asked; say so instead of failing.
        without = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json",
                          token_file=str(tmp_path / "missing.token"))
        assert without.rc == 0, without
        assert any("no user token" in line for line in report(without))

        # Another user's token is refused by alice's server: reported, not failed.
        bob_token = tmp_path / "bob.token"
        bob_token.write_text(mcp_lab.user_token("bob"))
        refused = run_mcp(ansible, mcp_lab, "alice", tmp_path / ".mcp.json", token_file=str(bob_token))
        assert refused.rc == 0, refused
        assert status(refused)["endpoint_answering"] is False
        assert "MCP endpoint status: NOT ANSWERING (HTTP 403: the server refused the token; is it alice's?)" \
            in report(refused)
        assert bob_token.read_text() not in refused.output
    finally:
        stop_server(mcp_lab, "alice")


def test_server_running_without_the_extension(ansible, lab_without_mcp, tmp_path):
    start_server(ansible, lab_without_mcp, "alice")
    try:
        result = run_mcp(ansible, lab_without_mcp, "alice", tmp_path / ".mcp.json",
                         token_file=str(lab_without_mcp.user_token_file))
        assert result.rc == 0, result
        assert status(result)["server_running"] is True and status(result)["endpoint_status"] == 404
        assert "MCP endpoint status: NOT ANSWERING (HTTP 404: is jupyter-mcp-server installed and enabled in the " \
            "server?)" in report(result)
    finally:
        stop_server(lab_without_mcp, "alice")


def test_relative_paths_are_refused(ansible, hub, tmp_path):
    """Ansible runs tasks in the playbook's directory: a relative mcp_file would be written into the collection."""
    env = {"JUPYTERHUB_API_URL": hub.api_url, "JUPYTERHUB_API_TOKEN": hub.admin_token}
    for extra in ({"mcp_file": ".mcp.json"}, {"mcp_file": str(tmp_path / ".mcp.json"), "token_file": "alice.token"}):
        result = ansible.playbook(PLAYBOOK, extra_vars=dict(user="alice", **extra), env=env, cwd=tmp_path)
        assert result.rc != 0, result
        assert "absolute paths for mcp_file and token_file" in result.output
    assert not list(tmp_path.glob("*.json"))
    assert not list((Path(__file__).resolve().parents[2] / "playbooks").glob("*.json"))
