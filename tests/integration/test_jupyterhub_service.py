"""jupyterhub_service against a real JupyterHub 6 (runtime services API) and its real proxy."""

import http.server
import secrets
import threading
import uuid

import pytest
import requests

from tests.fixtures.procs import free_port

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
    """As the services admin (the hub's service that manages services), unless ``token``."""
    return hub.connection(token or hub.services_token)


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
    # The token has the proxy scope, so the route is there at once (the hub's own check runs every 5 minutes).
    assert first["routes_synced"] is True, first
    assert _route_answer(hub.url + first["service"]["prefix"] + "tables") == {"tables": ["a", "b"]}

    second, run = ansible.module(MODULE, args)
    assert second["changed"] is False and second["differences"] == [], run

    changed, run = ansible.module(MODULE, dict(args, info={"owner": "platform"}))
    assert changed["changed"] and changed["replaced"] and changed["differences"] == ["info"], run
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).json()["info"] == {"owner": "platform"}

    new_token, run = ansible.module(MODULE, dict(args, info={"owner": "platform"}, service_token=secrets.token_hex(16)))
    assert new_token["changed"] and new_token["differences"] == ["service_token"], run

    removed, run = ansible.module(MODULE, dict(conn(hub), name=svc, state="absent"))
    assert removed["changed"] and removed["routes_synced"], run
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).status_code == 404
    # A removed service gets no more traffic through the proxy.
    assert _route_answer(hub.url + first["service"]["prefix"] + "tables") is None
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
    assert "defined in the hub's configuration" in result["msg"] and "another name" in result["msg"], result["msg"]


def test_token_without_admin_services_names_the_scope(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub, token=hub.admin_token), name=name()))
    assert result["failed"]
    assert "lacks the scope" in result["msg"] and "services" in result["msg"], result["msg"]
    assert hub.admin_token not in run.output


def test_unknown_option_is_refused_by_the_argument_spec(ansible, hub):
    result, run = ansible.module(MODULE, dict(conn(hub), name=name(), command=["sleep", "1"]))
    assert result["failed"]
    assert "command" in result["msg"] and "Unsupported parameters" in result["msg"]


def test_without_the_proxy_scope_the_result_says_when_routes_change(ansible, hub, backend):
    svc = name()
    args = dict(conn(hub, token=hub.services_noproxy_token), name=svc, url=backend)
    added, run = ansible.module(MODULE, args)
    assert added["changed"] and added["routes_synced"] is False, run
    assert "lacks the proxy scope" in added["routing"] and "/services/%s/" % svc in added["routing"]
    assert any("lacks the proxy scope" in w for w in added.get("warnings", []))
    ansible.module(MODULE, dict(args, state="absent"))


def test_an_invalid_update_leaves_the_running_service_alone(ansible, hub, backend):
    svc, token = name(), secrets.token_hex(16)
    args = dict(conn(hub), name=svc, url=backend, service_token=token)
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    broken, run = ansible.module(MODULE, dict(args, url="not a url"))
    assert broken["failed"] and "is not an http:// or https:// URL" in broken["msg"], broken["msg"]
    # Checked before anything was touched: the service, its token and its route still work.
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).json()["url"] == backend
    assert hub.api("GET", "/user", token=token).json()["name"] == svc
    assert _route_answer(hub.url + "/services/%s/tables" % svc) == {"tables": ["a", "b"]}


def test_a_model_the_hub_refuses_brings_the_old_service_back(ansible, hub, backend):
    svc, token = name(), secrets.token_hex(16)
    args = dict(conn(hub), name=svc, url=backend, service_token=token, info={"v": "1"})
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    # Valid on its face, refused by the hub: the caller does not hold the scopes it would give the service.
    refused, run = ansible.module(MODULE, dict(args, info={"v": "2"}, oauth_client_allowed_scopes=["admin:users"]))
    assert refused["failed"] and refused["restored"] is True, run
    assert "Not assigning requested scopes" in refused["msg"] and "was added back" in refused["msg"], refused["msg"]
    assert token not in run.output
    model = hub.api("GET", "/services/%s" % svc, token=hub.services_token).json()
    assert model["url"] == backend and model["info"] == {"v": "1"}
    assert hub.api("GET", "/user", token=token).json()["name"] == svc
    assert _route_answer(hub.url + "/services/%s/tables" % svc) == {"tables": ["a", "b"]}


def test_a_token_that_belongs_to_someone_else_is_refused_before_any_change(ansible, hub, backend):
    svc = name()
    args = dict(conn(hub), name=svc, url=backend, service_token=secrets.token_hex(16))
    first, run = ansible.module(MODULE, args)
    assert first["changed"], run
    taken, run = ansible.module(MODULE, dict(args, service_token=hub.powerless_token))
    assert taken["failed"] and "already the token of service powerless" in taken["msg"], taken["msg"]
    assert hub.powerless_token not in run.output
    assert hub.api("GET", "/services/%s" % svc, token=hub.services_token).status_code == 200
