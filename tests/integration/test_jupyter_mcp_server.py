"""The real jupyter-mcp-server in a lab user's server, driven by the official MCP SDK through the real proxy.

The token comes from jupyterhub_token with the scope access:servers!user=<name>, as the MCP clients of the
README get it; another user's token is refused by the server.
"""

import asyncio

import pytest
import requests
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
from mcp.shared.exceptions import MCPError

pytestmark = pytest.mark.integration

USER = "mcp-client"


@pytest.fixture(scope="module")
def mcp_server(ansible, mcp_lab, tmp_path_factory):
    """USER's running server and a token of USER from jupyterhub_token; the server is stopped afterwards."""
    connection = {"api_url": mcp_lab.api_url, "api_token": mcp_lab.service_token}
    issued, run = ansible.module("datastack.jupyterhub.jupyterhub_token", dict(
        connection, user=USER, note="mcp-test", scopes=["access:servers!user=%s" % USER], expires_in=3600),
        no_log=False)
    assert issued and issued.get("token"), run
    started, run = ansible.module("datastack.jupyterhub.jupyterhub_server", dict(
        connection, user=USER, state="started", wait_timeout=120))
    assert started and started["ready"], run
    yield started["url"] + "mcp", issued["token"]
    ansible.module("datastack.jupyterhub.jupyterhub_server", dict(connection, user=USER, state="stopped"))


async def session_calls(url, token, calls, statuses=None):
    """Run ``calls`` on one MCP session; ``statuses`` collects the HTTP status of every answer."""
    async with create_mcp_http_client(headers={"Authorization": "token %s" % token}) as client:
        if statuses is not None:
            async def record(response):
                statuses.append(response.status_code)
            client.event_hooks["response"].append(record)
        async with streamable_http_client(url, http_client=client) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                return [await call(session) for call in calls]


def test_initialize_list_tools_and_run_code_in_a_real_kernel(mcp_server):
    url, token = mcp_server

    async def run_code(session):
        return await session.call_tool("execute_code", {"code": "import os\nprint(6 * 7, os.environ['JUPYTERHUB_USER'])"})

    async def run_cell(session):
        await session.call_tool("use_notebook", {"notebook_name": "check", "notebook_path": "check.ipynb",
                                                 "mode": "create"})
        return await session.call_tool("insert_execute_code_cell", {"cell_index": -1, "cell_source": "21 * 2"})

    initialized, tools, ran, cell = asyncio.run(session_calls(url, token, [
        lambda s: s.initialize(), lambda s: s.list_tools(), run_code, run_cell]))
    assert initialized.server_info.name == "Jupyter MCP Server" and initialized.server_info.version == "2.2.4"
    names = {tool.name for tool in tools.tools}
    assert {"insert_execute_code_cell", "execute_code", "use_notebook", "list_kernels"} <= names
    assert not ran.is_error and "42 %s" % USER in ran.content[0].text
    assert not cell.is_error and "42" in " ".join(getattr(part, "text", "") for part in cell.content)


def test_another_users_token_is_refused(mcp_server, mcp_lab):
    url, dummy = mcp_server
    other = mcp_lab.user_token("mcp-other")
    answer = requests.post(url, timeout=10, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
                           headers={"Authorization": "token " + other, "Accept": "application/json, text/event-stream"})
    assert answer.status_code == 403
    statuses = []
    with pytest.raises(BaseException) as refused:  # the SDK raises it inside exception groups
        asyncio.run(session_calls(url, other, [lambda s: s.initialize()], statuses))
    assert statuses == [403]
    assert any(isinstance(error, MCPError) for error in leaves(refused.value)), refused.value


def leaves(error):
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]
