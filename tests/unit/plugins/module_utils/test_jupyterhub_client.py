"""The JupyterHub wire client with scripted HTTP answers: retries, pagination, error kinds and messages."""

import json

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_client as wire
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import (
    PAGINATION_ACCEPT,
    JupyterHubClient,
    JupyterHubError,
)

TOKEN = "s3cr3t-service-token-value"
OPTION_NAMES = ("api_url", "api_token", "ca_path", "validate_certs", "timeout", "retries")


class Scripted(BaseAdapter):
    """Answers requests from a list of (status, body[, headers]) or exceptions; records what was sent."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer[:2]
        headers = answer[2] if len(answer) > 2 else {"Content-Type": "application/json"}
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        response.headers.update(headers)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def client(answers, retries=3, url="https://hub.example.org/hub/api/"):
    sleeps = []
    hub = JupyterHubClient(url, TOKEN, retries=retries, sleep=sleeps.append)
    adapter = Scripted(answers)
    hub.session.mount("https://", adapter)
    return hub, adapter, sleeps


def failure(answers, call, retries=3):
    hub, adapter, sleeps = client(answers, retries)
    with pytest.raises(JupyterHubError) as error:
        call(hub)
    assert TOKEN not in error.value.message
    assert not any(option in error.value.message for option in OPTION_NAMES), error.value.message
    return error.value, adapter, sleeps


def test_trailing_slash_and_token_header():
    hub, adapter, dummy = client([(200, {"version": "6.1.1"})])
    assert hub.version() == "6.1.1"
    assert adapter.sent[0].url == "https://hub.example.org/hub/api/"
    assert adapter.sent[0].headers["Authorization"] == "token " + TOKEN


def test_retries_transient_statuses_with_backoff():
    hub, adapter, sleeps = client([(503, {"message": "busy"}), (429, {}, {"Retry-After": "2"}), (200, {"version": "6"})])
    assert hub.version() == "6"
    assert sleeps == [0.5, 2.0]


def test_a_proxy_answering_503_for_a_dead_hub_is_named():
    error, adapter, sleeps = failure([(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})] * 2,
                                     lambda hub: hub.list_tokens("alice"), retries=1)
    assert error.kind == wire.UNAVAILABLE and error.fatal
    assert "answered HTTP 503" in error.message and "the hub behind it is down" in error.message


def test_post_is_not_repeated_after_a_500_or_a_timeout():
    error, adapter, dummy = failure([(500, {"message": "boom"})], lambda hub: hub.create_token("alice", "n"))
    assert len(adapter.sent) == 1 and "HTTP 500" in error.message and error.kind == wire.SERVER
    error, adapter, dummy = failure([requests.exceptions.ReadTimeout("read timed out")],
                                    lambda hub: hub.create_token("alice", "n"))
    assert len(adapter.sent) == 1 and error.kind == wire.TIMEOUT and error.uncertain and error.fatal


def test_a_refused_connection_is_retried_even_for_a_post():
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    token = {"id": "a1", "token": "t" * 32, "scopes": []}
    hub, adapter, sleeps = client([refused, (201, token)])
    assert hub.create_token("alice", "n")["id"] == "a1"
    assert len(adapter.sent) == 2 and sleeps == [0.5]


def test_connection_refused_after_retries():
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    error, adapter, sleeps = failure([refused] * 3, lambda hub: hub.version(), retries=2)
    assert error.kind == wire.CONNECTION and "connection refused" in error.message and "3 attempts" in error.message
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("text, kind", [
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate", wire.TLS_VERIFY),
    ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)", wire.TLS_PROTOCOL),
    ("[SSL] record layer failure (_ssl.c:1000)", wire.TLS_PROTOCOL),
])
def test_tls_failures_tell_an_untrusted_certificate_from_a_plain_http_port(text, kind):
    error, dummy, dummy_sleeps = failure([requests.exceptions.SSLError(text)], lambda hub: hub.version())
    assert error.kind == kind


def test_invalid_token_and_missing_scope():
    error, dummy, dummy_sleeps = failure([(403, {"status": 403, "message": "Missing or invalid credentials."})],
                                         lambda hub: hub.list_tokens("alice"))
    assert error.kind == wire.AUTH and "rejected the token" in error.message
    error, dummy, dummy_sleeps = failure([(403, {"message": None})], lambda hub: hub.list_tokens("alice"))
    assert error.kind == wire.AUTH
    error, dummy, dummy_sleeps = failure(
        [(403, {"message": "Action is not authorized with current scopes; requires any of [admin:services]"})],
        lambda hub: hub.create_service("gdp", {}))
    assert error.kind == wire.SCOPE and error.scopes == "admin:services" and "lacks the scope admin:services" in error.message


def test_whoami_of_an_invalid_token_is_none():
    hub, adapter, dummy = client([(403, {"status": 403, "message": None})])
    assert hub.whoami(token="dead-token") is None
    assert adapter.sent[0].headers["Authorization"] == "token dead-token"


def test_html_answer_is_not_the_hub():
    error, dummy, dummy_sleeps = failure([(200, b"<html>login</html>", {"Content-Type": "text/html; charset=utf-8"})],
                                         lambda hub: hub.version())
    assert error.kind == wire.NOT_HUB and "text/html" in error.message


@pytest.mark.parametrize("call", [
    lambda hub: hub.version(),
    lambda hub: hub.list_tokens("alice"),
    lambda hub: hub.create_token("alice", "n"),
    lambda hub: hub.whoami(),
    lambda hub: hub.create_users(["alice"]),
])
def test_a_server_that_answers_the_same_json_to_everything_is_not_the_hub(call):
    error, dummy, dummy_sleeps = failure([(200, {"status": "ok"})] * 2, call)
    assert error.kind == wire.NOT_HUB and "an answer JupyterHub never gives" in error.message


def test_pagination_follows_next_and_sends_the_header():
    following = {"offset": 1, "limit": 1, "url": "x"}
    page1 = {"items": [{"name": "a"}], "_pagination": {"offset": 0, "limit": 1, "total": 2, "next": following}}
    page2 = {"items": [{"name": "b"}], "_pagination": {"offset": 1, "limit": 1, "total": 2, "next": None}}
    hub, adapter, dummy = client([(200, page1), (200, page2)])
    assert [u["name"] for u in hub.list_users()] == ["a", "b"]
    assert all(r.headers["Accept"] == PAGINATION_ACCEPT for r in adapter.sent)
    assert "offset=1" in adapter.sent[1].url


def test_403_for_a_missing_user_becomes_not_found():
    answers = [(403, {"message": "Service ghost not found or no permissions to generate tokens"}),
               (404, {"message": None})]
    error, dummy, dummy_sleeps = failure(answers, lambda hub: hub.create_token("ghost", "n"))
    assert error.kind == wire.NOT_FOUND and error.message == "user ghost does not exist"


def test_a_service_from_the_configuration_cannot_be_removed():
    error, dummy, dummy_sleeps = failure([(405, {"message": "not modifiable"})],
                                         lambda hub: hub.delete_service("config-service"))
    assert error.kind == wire.CONFIG_MANAGED


def test_sync_proxy_reports_a_missing_scope_instead_of_failing():
    hub, dummy, dummy_sleeps = client([(403, {"message": "requires any of [proxy]"})])
    assert hub.sync_proxy() is False
    hub, dummy, dummy_sleeps = client([(200, None)])
    assert hub.sync_proxy() is True


def test_names_are_quoted_in_paths():
    hub, adapter, dummy = client([(200, {"api_tokens": []})])
    hub.list_tokens("alice@example.org/x")
    assert adapter.sent[0].url.endswith("/users/alice%40example.org%2Fx/tokens")


def test_credentials_in_the_url_never_reach_a_message():
    url = "https://operator:hunter2-pw@hub.example.org/hub/api"
    hub, dummy, dummy_sleeps = client([requests.exceptions.ConnectionError("Connection refused")], retries=0, url=url)
    with pytest.raises(JupyterHubError) as error:
        hub.version()
    assert "hunter2" not in error.value.message and "***@hub.example.org" in error.value.message
    assert wire.redact_url("http://a:b@h:1/p?q") == "http://***@h:1/p?q"
    assert wire.redact_url("http://h/p") == "http://h/p"


def test_server_paths_quote_names():
    assert wire.server_path("alice") == "/users/alice/server"
    assert wire.server_path("a@b.org", "gpu 1") == "/users/a%40b.org/servers/gpu%201"
    assert wire.server_label("alice") == "the server of user alice"
    assert wire.server_label("alice", "gpu") == "server 'gpu' of user alice"


def test_start_and_stop_server_say_whether_the_hub_is_still_busy():
    hub, adapter, dummy = client([(201, None), (202, None), (204, None), (202, None)])
    assert hub.start_server("alice") is False
    assert hub.start_server("alice", "gpu", {"profile": "gpu"}) is True
    assert hub.stop_server("alice") is False
    assert hub.stop_server("alice", "gpu") is True
    assert [(r.method, r.url) for r in adapter.sent] == [
        ("POST", "https://hub.example.org/hub/api/users/alice/server"),
        ("POST", "https://hub.example.org/hub/api/users/alice/servers/gpu"),
        ("DELETE", "https://hub.example.org/hub/api/users/alice/server"),
        ("DELETE", "https://hub.example.org/hub/api/users/alice/servers/gpu")]
    assert adapter.sent[0].body is None and json.loads(adapter.sent[1].body) == {"profile": "gpu"}


def test_a_refused_start_keeps_the_hubs_reason():
    hub, dummy, dummy = client([(400, {"message": "alice is pending stop"})])
    with pytest.raises(JupyterHubError) as error:
        hub.start_server("alice")
    assert error.value.kind == wire.REFUSED and error.value.hub_message == "alice is pending stop"
    assert "start the server of user alice" in error.value.message


def test_get_user_and_delete_user():
    hub, adapter, dummy = client([(200, {"name": "alice", "servers": {}}), (404, {"message": "no"}), (204, None),
                                  (404, None)])
    assert hub.get_user("alice") == {"name": "alice", "servers": {}}
    assert hub.get_user("bob") is None
    hub.delete_user("alice")
    hub.delete_user("alice")  # already gone
    assert [r.method for r in adapter.sent] == ["GET", "GET", "DELETE", "DELETE"]


def test_a_spawn_the_hub_refuses_with_503_is_its_reason_not_a_proxy_outage():
    reason = "Your server was not started because its Vault token could not be created (Vault is down)."
    hub, adapter, sleeps = client([(503, {"status": 503, "message": reason})])
    with pytest.raises(JupyterHubError) as error:
        hub.start_server("alice")
    assert len(adapter.sent) == 1 and sleeps == []  # a POST the hub refused is not repeated
    assert error.value.kind == wire.SERVER
    assert error.value.message == "JupyterHub could not start the server of user alice (HTTP 503): " + reason


def test_a_503_page_of_the_proxy_is_still_an_outage():
    hub, adapter, dummy = client([(503, b"<html>503</html>", {"Content-Type": "text/html"})] * 4)
    with pytest.raises(JupyterHubError) as error:
        hub.version()
    assert error.value.kind == wire.UNAVAILABLE and len(adapter.sent) == 4
