"""jupyterhub_service against a real JupyterHub 6 (runtime services API) and its real proxy."""

import http.server
import secrets
import threading
import uuid

import pytest
import requests

from tests.fixtures.procs import free_port, wait_for

pytestmark = pytest.mark.integration

MODULE = "datastack.jupyterhub.jupyterhub_service"


class Backend(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        body = b'{"tables": ["a", "b"]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def backend():
    """A live service backend: the hub waits for a runtime service's URL to answer."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()


def _route_answer(url):
    answer = requests.get(url, timeout=5, allow_redirects=False)
    return answer.json() if answer.status_code == 200 else None


def conn(hub, token=None):
    return {"api_url": hub.api_url, "api_token": token or hub.services_token}


def name():
    return "svc-%s" % uuid.uuid4().hex[:8]


def test_add_keep_replace_remove(ansible, hub, backend):
    svc, token = name(), secrets.token_hex(16)
    args = dict(conn(hub), name=svc, url=backend, service_token=token, info={"owner": "data team"})
    first, run = ansible.module(MODULE, args)
    assert first["changed"] and not first["replaced"], run
    assert first["service"]["prefix"] == "/services/%s/" % svc
    assert token not in run.output
    # The service's own token now identifies it, and the proxy routes /services/<name>/ to the backend.
    owner = requests.get(hub.api_url + "/user", headers={"Authorization": "token " + token}, timeout=10).json()
    assert owner["kind"] == "service" and owner["name"] == svc
    # The hub adds the proxy route at its next activity check (every 2 s in the test hub).
    routed = wait_for(lambda: _route_answer(hub.url + first["service"]["prefix"] + "tables"), 30, "service route")
    assert routed == {"tables": ["a", "b"]}

    second, run = ansible.module(MODULE, args)
    assert second["changed"] is False and second["differences"] == [], run

    changed, run = ansible.module(MODULE, dict(args, info={"owner": "platform"}))
    assert changed["changed"] and changed["replaced"] and changed["differences"] == ["info"], run
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).json()["info"] == {"owner": "platform"}

    new_token, run = ansible.module(MODULE, dict(args, info={"owner": "platform"}, service_token=secrets.token_hex(16)))
    assert new_token["changed"] and new_token["differences"] == ["service_token"], run

    removed, run = ansible.module(MODULE, dict(conn(hub), name=svc, state="absent"))
    assert removed["changed"], run
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).status_code == 404
    again, run = ansible.module(MODULE, dict(conn(hub), name=svc, state="absent"))
    assert again["changed"] is False


def test_check_mode_and_diff(ansible, hub):
    svc = name()
    result, run = ansible.module(MODULE, dict(conn(hub), name=svc, info={"a": "b"}), check=True, diff=True)
    assert result["changed"] and result["diff"]["after"]["info"] == {"a": "b"}, run
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).status_code == 404
    created, run = ansible.module(MODULE, dict(conn(hub), name=svc))
    assert created["changed"]
    remove_check, run = ansible.module(MODULE, dict(conn(hub), name=svc, state="absent"), check=True)
    assert remove_check["changed"]
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).status_code == 200


def test_short_token_is_refused_before_sending(ansible, hub):
    svc = name()
    result, run = ansible.module(MODULE, dict(conn(hub), name=svc, service_token="short"))
    assert result["failed"]
    assert "at least 8 characters" in result["msg"]
    assert "Traceback" not in run.output
    # Nothing half-made on the hub: a valid request for the same name still works.
    ok, run = ansible.module(MODULE, dict(conn(hub), name=svc, service_token=secrets.token_hex(8)))
    assert ok["changed"], run


def test_service_from_the_hub_configuration_is_reported_as_such(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub), name="config-service", state="absent"))
    assert result["failed"]
    assert "managed in the hub configuration" in result["msg"], result["msg"]


def test_token_without_admin_services_names_the_scope(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub, token=hub.admin_token), name=name()))
    assert result["failed"]
    assert "lacks the scope" in result["msg"] and "services" in result["msg"], result["msg"]
    assert hub.admin_token not in run.output


def test_unknown_option_is_refused_by_the_argument_spec(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub), name=name(), command=["sleep", "1"]))
    assert result["failed"]
    assert "command" in result["msg"] and "Unsupported parameters" in result["msg"]
