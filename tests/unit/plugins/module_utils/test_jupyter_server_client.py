"""The user-server client without a server: messages of a kernel, JSON-RPC answers, URLs, HTTP errors."""

import json

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyter_server_client as server

TOKEN = "user-token-never-shown-0123456789"


def message(msg_type, content, parent="m1"):
    return {"header": {"msg_type": msg_type}, "parent_header": {"msg_id": parent}, "content": content}


def test_execution_collects_streams_results_and_ends_on_reply_and_idle():
    run = server.Execution("m1")
    assert not run.add(message("status", {"execution_state": "busy"}))
    assert not run.add(message("stream", {"name": "stdout", "text": "4"}))
    assert not run.add(message("stream", {"name": "stdout", "text": "2\n"}, parent="other"))
    assert not run.add(message("stream", {"name": "stderr", "text": "warn\n"}))
    assert not run.add(message("execute_result", {"data": {"text/plain": "42", "text/html": "<b>42</b>"}}))
    assert not run.add(message("execute_reply", {"status": "ok"}))
    assert run.add(message("status", {"execution_state": "idle"}))
    assert run.as_dict() == {"stdout": "4", "stderr": "warn\n", "results": ["42"], "error": None, "status": "ok"}


def test_execution_keeps_the_error():
    run = server.Execution("m1")
    run.add(message("error", {"ename": "NameError", "evalue": "name 'x' is not defined", "traceback": ["..."]}))
    run.add(message("status", {"execution_state": "idle"}))
    assert run.add(message("execute_reply", {"status": "error", "ename": "NameError", "evalue": "e"}))
    assert run.as_dict()["error"] == {"ename": "NameError", "evalue": "name 'x' is not defined", "traceback": ["..."]}


def test_execute_request_follows_the_messaging_protocol():
    request = server.execute_request("print(1)", "s1", "m1")
    assert request["header"]["msg_type"] == "execute_request" and request["header"]["msg_id"] == "m1"
    assert request["channel"] == "shell" and request["content"]["code"] == "print(1)"
    assert request["content"]["allow_stdin"] is False


@pytest.mark.parametrize("text, content_type, expected", [
    ('{"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}', "application/json", {"a": 1}),
    ('event: message\ndata: {"jsonrpc": "2.0", "id": 7, "result": {}}\n\n'
     'data: {"jsonrpc": "2.0", "id": 1, "result": {"b": 2}}\n\n', "text/event-stream", {"b": 2}),
    ('[{"jsonrpc": "2.0", "id": 1, "result": {"c": 3}}]', "application/json", {"c": 3}),
])
def test_parse_jsonrpc(text, content_type, expected):
    assert server.parse_jsonrpc(text, content_type, 1)["result"] == expected


def test_parse_jsonrpc_of_something_else():
    assert server.parse_jsonrpc("<html>", "text/html", 1) is None
    assert server.parse_jsonrpc("data: nothing\n", "text/event-stream", 1) is None


def test_websocket_url():
    assert server.websocket_url("https://hub/user/a/api/kernels/k/channels") == "wss://hub/user/a/api/kernels/k/channels"
    assert server.websocket_url("http://127.0.0.1:8000/user/a/x") == "ws://127.0.0.1:8000/user/a/x"


class Scripted(BaseAdapter):
    def __init__(self, status, body="", headers=None):
        super().__init__()
        self.status, self.body, self.headers = status, body, headers or {}
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body.encode()
        response.headers.update(self.headers)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.mark.parametrize("status, kind", [
    (403, server.REFUSED), (401, server.REFUSED), (404, server.MISSING), (424, server.NOT_RUNNING),
    (302, server.NOT_RUNNING), (503, server.NOT_RUNNING), (500, server.PROTOCOL),
])
def test_http_errors_have_a_kind_and_no_token(status, kind):
    client = server.UserServerClient("https://hub/user/alice/", TOKEN)
    client.session.mount("https://", Scripted(status, headers={"Location": "/hub/user/alice/mcp"}))
    with pytest.raises(server.UserServerError) as error:
        client.mcp_describe()
    assert error.value.kind == kind and error.value.status == status
    assert TOKEN not in error.value.message and "https://hub/user/alice/" in error.value.message


def test_mcp_describe_sends_the_token_and_reads_tools():
    answers = [
        (200, '{"started": "2026-01-01T00:00:00Z"}', {"Content-Type": "application/json"}),
        (200, json.dumps({"jsonrpc": "2.0", "id": 1,
                          "result": {"protocolVersion": "2024-11-05", "serverInfo": {"name": "x"}}}),
         {"Content-Type": "application/json", "Mcp-Session-Id": "sess"}),
        (202, "", {}),
        (200, 'data: {"jsonrpc": "2.0", "id": 2, "result": {"tools": [{"name": "execute_code"}]}}\n\n',
         {"Content-Type": "text/event-stream"}),
    ]

    class Sequence(BaseAdapter):
        sent = []

        def send(self, request, **kwargs):
            self.sent.append(request)
            status, body, headers = answers.pop(0)
            response = requests.Response()
            response.status_code, response._content, response.url = status, body.encode(), request.url
            response.headers.update(headers)
            return response

        def close(self):
            pass

    client = server.UserServerClient("https://hub/user/alice", TOKEN)
    adapter = Sequence()
    client.session.mount("https://", adapter)
    initialized, tools = client.mcp_describe()
    assert initialized["protocolVersion"] == "2024-11-05" and tools == ["execute_code"]
    assert [r.url for r in adapter.sent] == ["https://hub/user/alice/api/status"] + ["https://hub/user/alice/mcp"] * 3
    assert all(r.headers["Authorization"] == "token " + TOKEN for r in adapter.sent)
    assert [json.loads(r.body)["method"] for r in adapter.sent[1:]] == ["initialize", "notifications/initialized",
                                                                        "tools/list"]
    assert "Mcp-Session-Id" not in adapter.sent[1].headers and adapter.sent[3].headers["Mcp-Session-Id"] == "sess"


def test_a_jsonrpc_error_is_a_protocol_error():
    client = server.UserServerClient("https://hub/user/alice/", TOKEN)
    client.session.mount("https://", Scripted(200, '{"jsonrpc": "2.0", "id": 1, "error": {"message": "bad"}}',
                                              {"Content-Type": "application/json"}))
    with pytest.raises(server.UserServerError) as error:
        client.mcp_call("initialize", {})
    assert error.value.kind == server.PROTOCOL and "bad" in error.value.message


def test_an_unknown_kernel_is_refused_before_starting_one():
    client = server.UserServerClient("https://hub/user/alice/", TOKEN)
    adapter = Scripted(200, '{"default": "python3", "kernelspecs": {"python3": {}, "julia": {}}}',
                       {"Content-Type": "application/json"})
    client.session.mount("https://", adapter)
    with pytest.raises(server.UserServerError) as error:
        client.start_kernel("ir")
    assert error.value.kind == server.KERNEL
    assert "cannot start a kernel named 'ir': it has julia, python3" in error.value.message
    assert [r.method for r in adapter.sent] == ["GET"]


def test_a_server_error_keeps_the_servers_message():
    client = server.UserServerClient("https://hub/user/alice/", TOKEN)
    client.session.mount("https://", Scripted(500, '{"message": "Unhandled error"}', {"Content-Type": "application/json"}))
    with pytest.raises(server.UserServerError) as error:
        client.start_kernel()
    assert error.value.message.endswith("answered HTTP 500 when asked to list its kernels: Unhandled error")
