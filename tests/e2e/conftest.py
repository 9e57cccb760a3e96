"""A hub that logs in through Keycloak (the keycloak role's facts), and headless Chromium to drive it."""

import json
import os
import secrets
import sys
from pathlib import Path

import pytest
import requests

from tests.fixtures.jupyterhub import BASE_CONFIG, find_chp
from tests.fixtures.procs import free_port, start, stop, wait_for

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# The authenticator settings come from the role's fact (a JSON file); the secrets from the environment,
# as OAUTH_CLIENT_SECRET and JUPYTERHUB_CRYPT_KEY, the way the Z2JH values and the lab pass them.
HUB_CONFIG = BASE_CONFIG + """
import json
c.JupyterHub.spawner_class = "simple"
c.JupyterHub.default_url = "/hub/home"
c.JupyterHub.authenticator_class = "generic-oauth"
with open("{state}/oauthenticator.json") as handle:
    for name, value in json.load(handle).items():
        setattr(c.GenericOAuthenticator, name, value)
c.JupyterHub.services = [{{"name": "e2e", "api_token": "{service_token}"}}]
c.JupyterHub.load_roles = [{{"name": "e2e", "scopes": ["admin:users"], "services": ["e2e"]}}]
"""


class OAuthHub:
    def __init__(self, state):
        self.state = Path(state)
        self.public_port = free_port()
        self.url = "http://127.0.0.1:%d" % self.public_port
        self.service_token = secrets.token_hex(24)
        self.log = self.state / "hub.log"
        self.proc = None

    def configure(self, oauthenticator):
        (self.state / "oauthenticator.json").write_text(json.dumps(oauthenticator))
        (self.state / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
            state=self.state, public_port=self.public_port, hub_port=free_port(),
            proxy_api_port=free_port(), proxy_token=secrets.token_hex(16), chp=find_chp(),
            service_token=self.service_token,
        ))

    def start(self, client_secret, crypt_key):
        env = dict(os.environ, OAUTH_CLIENT_SECRET=client_secret, JUPYTERHUB_CRYPT_KEY=crypt_key)
        exe = Path(sys.executable).parent / "jupyterhub"
        self.proc = start([str(exe), "-f", str(self.state / "jupyterhub_config.py")], self.log,
                          env=env, cwd=str(self.state))
        wait_for(lambda: requests.get(self.url + "/hub/api/", timeout=2).status_code == 200,
                 90, "JupyterHub", self.proc, self.log)

    def stop(self):
        stop(self.proc)
        pid_file = self.state / "proxy.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), 15)
            except (ValueError, ProcessLookupError):
                pass

    def user(self, name):
        return requests.get(self.url + "/hub/api/users/" + name, timeout=10,
                            headers={"Authorization": "token " + self.service_token})


@pytest.fixture(scope="session")
def sso(ansible, keycloak, tmp_path_factory):
    """Keycloak configured by the role (demo, hubadmin, outsider) and a hub using its facts."""
    state = tmp_path_factory.mktemp("sso")
    hub = OAuthHub(state)
    passwords = {name: secrets.token_urlsafe(16) for name in ("demo", "hubadmin", "outsider")}
    users = [
        {"username": "demo", "password": passwords["demo"], "groups": ["jupyterhub-users"]},
        {"username": "hubadmin", "password": passwords["hubadmin"], "groups": ["jupyterhub-admins"]},
        {"username": "outsider", "password": passwords["outsider"]},
    ]
    secret_file = state / "client_secret"
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "roles": ["datastack.jupyterhub.keycloak"],
        "tasks": [
            {"name": "authenticator", "ansible.builtin.copy": {
                "content": "{{ keycloak_oauthenticator | to_json }}", "dest": str(state / "fact.json"),
                "mode": "0600"}},
            {"name": "client secret", "no_log": True, "ansible.builtin.copy": {
                "content": "{{ keycloak_client_secret }}", "dest": str(secret_file), "mode": "0600"}},
        ],
    }]
    result = ansible.playbook(play, extra_vars={
        "keycloak_url": keycloak.url,
        "keycloak_admin_user": keycloak.admin_user,
        "keycloak_admin_password": keycloak.admin_password,
        "keycloak_realm": "e2e-" + secrets.token_hex(3),
        "keycloak_hub_url": hub.url,
        "keycloak_users": users,
    })
    assert result.rc == 0, result
    hub.configure(json.loads((state / "fact.json").read_text()))
    hub.start(secret_file.read_text(), secrets.token_hex(32))
    hub.passwords = passwords
    hub.keycloak = keycloak
    yield hub
    hub.stop()


# Package scope: Playwright's sync API keeps an event loop running in this thread until it stops,
# which must not outlive the browser tests (later tests call asyncio.run()).
@pytest.fixture(scope="package")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("%s not found: run scripts/bootstrap.sh chromium" % CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(30000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
