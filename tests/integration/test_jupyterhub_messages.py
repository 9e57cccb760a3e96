"""Clear messages, without secrets, for what goes wrong between Ansible and the hub (real hub and servers)."""

import http.server
import threading

import pytest

from tests.fixtures.procs import free_port

pytestmark = pytest.mark.integration

TOKEN_MODULE = "datastack.jupyterhub.jupyterhub_token"
SERVICE_MODULE = "datastack.jupyterhub.jupyterhub_service"


class CatchAll(http.server.BaseHTTPRequestHandler):
    """Answers the same JSON to every request, as a misconfigured ingress or a mock server does."""

    body = b'{"status": "ok"}'

    def answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_DELETE = answer  # noqa: N815 - http.server API

    def log_message(self, *args):
        pass


class VersionCatchAll(CatchAll):
    body = b'{"version": "6.1.1"}'


@pytest.fixture(scope="module")
def catch_all():
    servers = []
    urls = []
    for handler in (CatchAll, VersionCatchAll):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls.append("http://127.0.0.1:%d/hub/api" % server.server_address[1])
    yield urls
    for server in servers:
        server.shutdown()


def test_each_mistake_gets_a_message_that_says_what_to_change(ansible, hub, catch_all):
    plain_as_https = hub.api_url.replace("http://", "https://")
    cases = {
        "catch-all JSON server": (TOKEN_MODULE, dict(api_url=catch_all[0], user="alice"),
                                  ["gave an answer JupyterHub never gives", "Check api_url"]),
        "catch-all JSON server that tells a version": (
            TOKEN_MODULE, dict(api_url=catch_all[1], user="alice"),
            ["gave an answer JupyterHub never gives when asked to create 1 user"]),
        "https to a plain HTTP port": (TOKEN_MODULE, dict(api_url=plain_as_https, validate_certs=False, user="alice"),
                                       ["does not speak TLS", "Use http:// in api_url"]),
        "invalid current_token": (TOKEN_MODULE, dict(user="alice", current_token="0123456789abcdef-not-valid"),
                                  ["current_token is not a valid token of user alice"]),
        "timeout 0": (TOKEN_MODULE, dict(user="alice", timeout=0), ["timeout must be a positive number"]),
        "retries out of range": (TOKEN_MODULE, dict(user="alice", retries=-1), ["retries must be between 0 and"]),
        "not a URL": (TOKEN_MODULE, dict(user="alice", api_url="hub.example.org"),
                      ["must be an http:// or https:// URL with a host"]),
        "service name ..": (SERVICE_MODULE, dict(name="..", api_token=hub.services_token),
                            ["invalid service name '..'"]),
        "service URL that is not a URL": (
            SERVICE_MODULE, dict(name="svc-x", url="not a url", api_token=hub.services_token),
            ["url 'not a url' is not an http:// or https:// URL"]),
    }
    tasks = []
    for name, (module, args, dummy) in cases.items():
        args = dict(dict(api_url=hub.api_url, api_token=hub.admin_token), **args)
        tasks.append({"name": name, module: args, "ignore_errors": True})
    run = ansible.playbook([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    for name, (dummy, dummy_args, expected) in cases.items():
        result = run.task(name)
        assert result.get("failed"), (name, result)
        for text in expected:
            assert text in result["msg"], (name, result["msg"])
    assert "Traceback" not in run.output and "Module failed" not in run.output
    assert "0123456789abcdef-not-valid" not in run.output


def test_a_password_in_the_url_is_refused_and_never_shown(ansible, hub):
    secret = "pw-%s" % free_port()
    url = hub.api_url.replace("http://", "http://operator:%s@" % secret)
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "as an option", TOKEN_MODULE: dict(api_url=url, api_token=hub.admin_token, user="alice"),
         "ignore_errors": True},
        {"name": "from the environment", TOKEN_MODULE: dict(user="alice"), "ignore_errors": True},
        {"name": "with a bad option too", TOKEN_MODULE: dict(user="alice", retries="many"), "ignore_errors": True},
    ]}]
    env = {"JUPYTERHUB_API_URL": url, "JUPYTERHUB_API_TOKEN": hub.admin_token}
    run = ansible.playbook(play, verbosity=4, json_output=False, env=env)
    assert run.output.count("contains credentials (user:password@)") >= 2, run.output[-3000:]
    assert secret not in run.output
    assert hub.admin_token not in run.output
    parsed = ansible.playbook(play, env=env)
    for name in ("as an option", "from the environment"):
        assert "contains credentials" in parsed.task(name)["msg"]
    assert secret not in parsed.output
