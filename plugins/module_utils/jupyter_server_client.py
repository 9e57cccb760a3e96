# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A user's Jupyter server on the wire, reached through the hub's proxy: kernels, code, MCP.

Nothing here knows about Ansible. ``UserServerClient`` talks to ``<hub>/user/<name>/[<server>/]`` with
a token the hub accepts for that server (scope ``access:servers!user=<name>``): the Jupyter server
REST API for kernels, the kernel's websocket (Jupyter messaging protocol, JSON) to run code, and the
MCP endpoint of jupyter-mcp-server (JSON-RPC over streamable HTTP). The token is only placed in the
Authorization header; no message contains it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
import traceback
import uuid

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity tests
    from urlparse import urlsplit, urlunsplit  # type: ignore

# requests as the hub's client imports it (JupyterHubModule reports it missing).
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import (
    quote_name, redact_url, requests)

WEBSOCKET_IMPORT_ERROR = None
try:
    import websocket
except ImportError:
    websocket = None
    WEBSOCKET_IMPORT_ERROR = traceback.format_exc()

MCP_PROTOCOL_VERSION = "2025-03-26"
MESSAGING_VERSION = "5.3"

# What went wrong, for the layer that explains it.
CONNECTION = "connection"  # nothing answered at the server's URL
TIMEOUT = "timeout"        # no answer in time
REFUSED = "refused"        # 401/403: the token is not accepted for this server
MISSING = "missing"        # 404: no such server, or no such endpoint on it
NOT_RUNNING = "not_running"  # the hub answered for a server that does not run (its "not running" page)
PROTOCOL = "protocol"      # an answer that does not follow the protocol
KERNEL = "kernel"          # the kernel could not start, or died


class UserServerError(Exception):
    def __init__(self, kind, message, status=None):
        super(UserServerError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def websocket_url(http_url):
    """The ws:// (or wss://) URL of an http:// (or https://) one."""
    parts = urlsplit(http_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def execute_request(code, session, msg_id):
    """The execute_request message of the Jupyter messaging protocol, for the websocket's JSON framing."""
    return {
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session, "username": "ansible",
                   "version": MESSAGING_VERSION, "date": ""},
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
        "channel": "shell",
        "buffers": [],
    }


class Execution(object):
    """What one execute_request produced, collected from the kernel's messages."""

    def __init__(self, msg_id):
        self.msg_id = msg_id
        self.stdout = []
        self.stderr = []
        self.results = []
        self.error = None
        self.status = None
        self.idle = False

    def add(self, message):
        """Take in one message; True once the execution is complete (reply seen and kernel idle)."""
        if (message.get("parent_header") or {}).get("msg_id") != self.msg_id:
            return False
        kind = (message.get("header") or {}).get("msg_type") or message.get("msg_type")
        content = message.get("content") or {}
        if kind == "stream":
            (self.stderr if content.get("name") == "stderr" else self.stdout).append(content.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            text = (content.get("data") or {}).get("text/plain")
            if text is not None:
                self.results.append(text)
        elif kind == "error":
            self.error = dict(ename=content.get("ename"), evalue=content.get("evalue"),
                              traceback=content.get("traceback") or [])
        elif kind == "execute_reply":
            self.status = content.get("status")
            if content.get("status") == "error" and self.error is None:
                self.error = dict(ename=content.get("ename"), evalue=content.get("evalue"),
                                  traceback=content.get("traceback") or [])
        elif kind == "status" and content.get("execution_state") == "idle":
            self.idle = True
        return self.idle and self.status is not None

    def as_dict(self):
        return dict(stdout="".join(self.stdout), stderr="".join(self.stderr), results=list(self.results),
                    error=self.error, status=self.status)


def parse_jsonrpc(response_text, content_type, request_id):
    """The JSON-RPC answer with ``request_id`` from a JSON body or a text/event-stream body."""
    if content_type.startswith("text/event-stream"):
        for line in response_text.splitlines():
            if line.startswith("data:"):
                try:
                    message = json.loads(line[5:].strip())
                except ValueError:
                    continue
                if isinstance(message, dict) and message.get("id") == request_id:
                    return message
        return None
    try:
        message = json.loads(response_text)
    except ValueError:
        return None
    if isinstance(message, list):
        message = next((m for m in message if isinstance(m, dict) and m.get("id") == request_id), None)
    return message if isinstance(message, dict) else None


class UserServerClient(object):
    """One user server (``server_url`` ends in ``/user/<name>/``), one token, one session."""

    def __init__(self, server_url, token, verify=True, timeout=30):
        self.server_url = server_url.rstrip("/") + "/"
        self.shown_url = redact_url(self.server_url)
        self.token = token
        self.verify = verify
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Authorization": "token %s" % token, "User-Agent": "datastack.jupyterhub-ansible"})
        self.session.verify = verify

    def close(self):
        self.session.close()

    def _send(self, method, path, action, **kwargs):
        url = self.server_url + path
        try:
            response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.exceptions.Timeout:
            raise UserServerError(TIMEOUT, "%s did not answer within %s s when asked to %s"
                                  % (self.shown_url, self.timeout, action))
        except requests.exceptions.RequestException as exc:
            raise UserServerError(CONNECTION, "cannot connect to %s to %s (%s)"
                                  % (self.shown_url, action, exc.__class__.__name__))
        status = response.status_code
        if status in (401, 403):
            raise UserServerError(REFUSED, "%s refused the token when asked to %s (HTTP %d): it is not a token "
                                  "of the server's owner with access:servers, or it expired"
                                  % (self.shown_url, action, status), status)
        if status in (302, 303, 424, 502, 503):
            # The hub answers (or redirects) in place of a server that is not running or not answering.
            raise UserServerError(NOT_RUNNING, "%s is not running or not answering (HTTP %d) when asked to %s"
                                  % (self.shown_url, status, action), status)
        if status == 404:
            raise UserServerError(MISSING, "%s has no %s (HTTP 404) when asked to %s"
                                  % (self.shown_url, path or "page", action), status)
        if status >= 400:
            raise UserServerError(PROTOCOL, "%s answered HTTP %d when asked to %s%s"
                                  % (self.shown_url, status, action, _server_message(response)), status)
        return response

    # -- kernels -------------------------------------------------------------------------------

    def kernel_names(self):
        """The names of the kernels the server can start."""
        response = self._send("GET", "api/kernelspecs", "list its kernels")
        try:
            return sorted(response.json()["kernelspecs"])
        except (ValueError, KeyError, TypeError):
            raise UserServerError(PROTOCOL, "%s did not list its kernels" % self.shown_url)

    def start_kernel(self, kernel_name=None):
        """Start a kernel (the server's default without ``kernel_name``); its id.

        The kernels are listed first: a GET tells a server that is not running (the hub redirects) from a
        refused token, where the hub answers a POST for a stopped server with 403 as well.
        """
        names = self.kernel_names()
        if kernel_name:
            if kernel_name not in names:
                raise UserServerError(KERNEL, "%s cannot start a kernel named %r: it has %s"
                                      % (self.shown_url, kernel_name, ", ".join(names) or "none"))
        body = {"name": kernel_name} if kernel_name else {}
        response = self._send("POST", "api/kernels", "start a kernel", json=body)
        try:
            return response.json()["id"]
        except (ValueError, KeyError, TypeError):
            raise UserServerError(PROTOCOL, "%s did not return a kernel id when asked to start a kernel"
                                  % self.shown_url)

    def delete_kernel(self, kernel_id):
        try:
            self._send("DELETE", "api/kernels/%s" % quote_name(kernel_id), "shut the kernel down")
        except UserServerError as error:
            if error.kind != MISSING:
                raise

    def execute(self, kernel_id, code, timeout):
        """Run ``code`` in the kernel; the Execution with its outputs. Fails when the kernel does not answer."""
        url = websocket_url(self.server_url + "api/kernels/%s/channels" % quote_name(kernel_id))
        session = uuid.uuid4().hex
        msg_id = uuid.uuid4().hex
        sslopt = {} if self.verify is True else ({"cert_reqs": 0} if self.verify is False else {"ca_certs": self.verify})
        deadline = time.time() + timeout
        try:
            connection = websocket.create_connection(url, header=["Authorization: token %s" % self.token],
                                                     timeout=max(1.0, min(timeout, self.timeout)), sslopt=sslopt)
        except websocket.WebSocketBadStatusException as exc:
            status = getattr(exc, "status_code", None)
            kind = REFUSED if status in (401, 403) else PROTOCOL
            raise UserServerError(kind, "the kernel's websocket at %s answered HTTP %s" % (self.shown_url, status),
                                  status)
        except (websocket.WebSocketException, OSError) as exc:
            raise UserServerError(CONNECTION, "cannot open the kernel's websocket at %s (%s)"
                                  % (self.shown_url, exc.__class__.__name__))
        execution = Execution(msg_id)
        try:
            connection.send(json.dumps(execute_request(code, session, msg_id)))
            while True:
                left = deadline - time.time()
                if left <= 0:
                    raise UserServerError(TIMEOUT, "the code did not finish within %s s" % timeout)
                connection.settimeout(left)
                try:
                    raw = connection.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                except (websocket.WebSocketException, OSError) as exc:
                    raise UserServerError(KERNEL, "the kernel's websocket closed while the code ran (%s): the kernel "
                                          "died or the server stopped" % exc.__class__.__name__)
                if not isinstance(raw, str) or not raw:
                    continue
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if execution.add(message):
                    return execution
        finally:
            connection.close()

    # -- MCP (jupyter-mcp-server) ----------------------------------------------------------------

    def mcp_call(self, method, params=None, request_id=1, path="mcp", session_id=None):
        """One JSON-RPC request to the MCP endpoint; (result, session id). A JSON-RPC error raises."""
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if session_id:
            headers["Mcp-Session-Id"] = session_id
        body = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            body["params"] = params
        response = self._send("POST", path, "answer the MCP request %s" % method, json=body, headers=headers)
        message = parse_jsonrpc(response.text, response.headers.get("Content-Type", ""), request_id)
        if message is None:
            raise UserServerError(PROTOCOL, "%s%s did not answer the MCP request %s with JSON-RPC (is it an MCP "
                                  "endpoint?)" % (self.shown_url, path, method), response.status_code)
        if "error" in message:
            error = message["error"] or {}
            raise UserServerError(PROTOCOL, "the MCP endpoint refused %s: %s" % (method, error.get("message")))
        return message.get("result") or {}, response.headers.get("Mcp-Session-Id") or session_id

    def mcp_notify(self, method, path="mcp", session_id=None):
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if session_id:
            headers["Mcp-Session-Id"] = session_id
        self._send("POST", path, "take the MCP notification %s" % method,
                   json={"jsonrpc": "2.0", "method": method}, headers=headers)

    def check_running(self):
        """Fail with NOT_RUNNING or REFUSED unless the server runs and accepts the token (a GET, see start_kernel)."""
        self._send("GET", "api/status", "tell its status")

    def mcp_describe(self, path="mcp", client_name="datastack.jupyterhub"):
        """Initialize an MCP session and list the tools: (initialize result, tool names)."""
        self.check_running()
        initialized, session_id = self.mcp_call("initialize", {
            "protocolVersion": MCP_PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": client_name, "version": "1"}}, request_id=1, path=path)
        self.mcp_notify("notifications/initialized", path=path, session_id=session_id)
        listed, dummy = self.mcp_call("tools/list", {}, request_id=2, path=path, session_id=session_id)
        tools = [tool.get("name") for tool in listed.get("tools") or [] if isinstance(tool, dict)]
        return initialized, tools


def _server_message(response):
    """``: <message>`` from a Jupyter server's JSON error answer, or nothing."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        return ""
    return ": %s" % message if message else ""
