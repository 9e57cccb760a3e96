"""The JupyterHub client with scripted HTTP answers: retries, pagination, error messages."""

import json

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_api import (
    PAGINATION_ACCEPT,
    JupyterHubClient,
    JupyterHubError,
)

TOKEN = "s3cr3t-service-token-value"


class Scripted(BaseAdapter):
    """Answers requests from a list of (status, body, headers) or exceptions; records what was sent."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = (answer + ({},))[:3] if len(answer) == 2 else answer
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        response.headers.update(headers or {"Content-Type": "application/json"})
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def client(answers, retries=3):
    sleeps = []
    hub = JupyterHubClient("https://hub.example.org/hub/api/", TOKEN, retries=retries, sleep=sleeps.append)
    adapter = Scripted(answers)
    hub.session.mount("https://", adapter)
    return hub, adapter, sleeps


def test_trailing_slash_and_token_header():
    hub, adapter, dummy = client([(200, {"version": "6.1.1"})])
    assert hub.version() == "6.1.1"
    assert adapter.sent[0].url == "https://hub.example.org/hub/api/"
    assert adapter.sent[0].headers["Authorization"] == "token " + TOKEN


def test_retries_transient_statuses_with_backoff():
    hub, adapter, sleeps = client([(503, {"message": "busy"}), (429, {}, {"Retry-After": "2"}), (200, {"version": "6"})])
    assert hub.version() == "6"
    assert sleeps == [0.5, 2.0]


def test_post_is_not_repeated_after_a_500():
    hub, adapter, sleeps = client([(500, {"message": "boom"})])
    with pytest.raises(JupyterHubError) as error:
        hub.create_token("alice", "n")
    assert len(adapter.sent) == 1 and "HTTP 500" in error.value.message


def test_connection_refused_after_retries_names_the_fix():
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    hub, adapter, sleeps = client([refused] * 3, retries=2)
    with pytest.raises(JupyterHubError) as error:
        hub.version()
    assert "connection refused" in error.value.message and "api_url" in error.value.message
    assert sleeps == [0.5, 1.0]


def test_tls_failure_suggests_ca_path():
    hub, adapter, dummy = client([requests.exceptions.SSLError("certificate verify failed: self-signed certificate")])
    with pytest.raises(JupyterHubError) as error:
        hub.version()
    assert "TLS verification failed" in error.value.message and "ca_path" in error.value.message


def test_invalid_token_and_missing_scope_messages():
    hub, adapter, dummy = client([(403, {"status": 403, "message": "Missing or invalid credentials."})])
    with pytest.raises(JupyterHubError) as error:
        hub.list_tokens("alice")
    assert "rejected the API token" in error.value.message
    hub, adapter, dummy = client([(403, {"message": "Action is not authorized with current scopes; requires any of [admin:services]"})])
    with pytest.raises(JupyterHubError) as error:
        hub.create_service("gdp", {})
    assert "lacks the scope admin:services" in error.value.message


def test_html_answer_explains_the_api_base():
    hub, adapter, dummy = client([(200, b"<html>login</html>", {"Content-Type": "text/html; charset=utf-8"})])
    with pytest.raises(JupyterHubError) as error:
        hub.version()
    assert "not JSON" in error.value.message and "text/html" in error.value.message


def test_pagination_follows_next_and_sends_the_header():
    following = {"offset": 1, "limit": 1, "url": "x"}
    page1 = {"items": [{"name": "a"}], "_pagination": {"offset": 0, "limit": 1, "total": 2, "next": following}}
    page2 = {"items": [{"name": "b"}], "_pagination": {"offset": 1, "limit": 1, "total": 2, "next": None}}
    hub, adapter, dummy = client([(200, page1), (200, page2)])
    assert [u["name"] for u in hub.list_users()] == ["a", "b"]
    assert all(r.headers["Accept"] == PAGINATION_ACCEPT for r in adapter.sent)
    assert "offset=1" in adapter.sent[1].url


def test_403_for_a_missing_user_becomes_does_not_exist():
    answers = [(403, {"message": "Service ghost not found or no permissions to generate tokens"}),
               (404, {"message": None})]
    hub, adapter, dummy = client(answers)
    with pytest.raises(JupyterHubError) as error:
        hub.create_token("ghost", "n")
    assert error.value.message.startswith("user ghost does not exist")


def test_no_message_contains_the_token():
    answers = [(403, {"message": "Missing or invalid credentials."}),
               (500, {"message": "oops"}), (500, {"message": "oops"}),
               (403, {"message": "requires any of [tokens]"})]
    hub, adapter, dummy = client(answers, retries=1)
    messages = []
    for call in (hub.version, hub.version, lambda: hub.create_token("alice", "n")):
        try:
            call()
        except JupyterHubError as exc:
            messages.append(exc.message)
    assert len(messages) == 3 and all(TOKEN not in m for m in messages)


def test_names_are_quoted_in_paths():
    hub, adapter, dummy = client([(200, {"api_tokens": []})])
    hub.list_tokens("alice@example.org/x")
    assert adapter.sent[0].url.endswith("/users/alice%40example.org%2Fx/tokens")
