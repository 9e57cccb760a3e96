"""A hub that logs in through Keycloak (the keycloak role's facts), and headless Chromium to drive it."""

import json
import os
import secrets
from pathlib import Path

import pytest
import requests

from tests.fixtures.jupyterhub import BASE_CONFIG, HubProcess

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
c.JupyterHub.load_roles = [{{"name": "e2e", "scopes": ["admin:users", "admin:auth_state", "admin:servers"],
                             "services": ["e2e"]}}]

# Real single-user servers; the tests read the access token each spawner was given (test-only secrets).
import os
c.SimpleLocalProcessSpawner.home_dir_template = "{state}/home/{{username}}"
c.Spawner.start_timeout = 60
if os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]


def record_access_token(spawner, auth_state):
    path = os.path.join("{state}", "spawned-%s.token" % spawner.user.name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(auth_state["access_token"])


c.Spawner.auth_state_hook = record_access_token
"""


class OAuthHub(HubProcess):
    def __init__(self, state):
        super().__init__(state)
        self.service_token = secrets.token_hex(24)

    def config(self):
        return HUB_CONFIG

    def configure(self, oauthenticator):
        (self.state / "oauthenticator.json").write_text(json.dumps(oauthenticator))
        self.write_config(service_token=self.service_token)

    def launch(self, client_secret, crypt_key):
        """Start with the OAuth client secret and the crypt key in the environment, as the chart passes them."""
        self.start(env={"OAUTH_CLIENT_SECRET": client_secret, "JUPYTERHUB_CRYPT_KEY": crypt_key}, timeout=90)

    def api(self, method, path, **kwargs):
        return requests.request(method, self.url + "/hub/api" + path, timeout=10,
                                headers={"Authorization": "token " + self.service_token}, **kwargs)

    def user(self, name):
        return self.api("GET", "/users/" + name)

    def auth_state(self, name):
        return self.user(name).json()["auth_state"]

    def spawned_token(self, name):
        """The access token the spawner of ``name`` was given at its last spawn, or None."""
        path = self.state / ("spawned-%s.token" % name)
        return path.read_text() if path.exists() else None


# Who is in which group: a member of a subgroup (team-a, ops) is a member of its parent for the hub.
GROUPS = {
    "demo": ["jupyterhub-users"],
    "hubadmin": ["jupyterhub-admins"],
    "outsider": [],
    "teamuser": ["jupyterhub-users/team-a"],
    "teamadmin": ["jupyterhub-admins/ops"],
    "leaver": ["jupyterhub-users", "jupyterhub-users/team-a"],
}


def make_realm_with_subgroups(keycloak, realm, subgroups):
    """What a realm's administrators do by hand: the realm, and team subgroups below the access groups."""
    assert keycloak.admin("POST", "", json={"realm": realm, "enabled": True}).status_code == 201
    for path in subgroups:
        parent_name, name = path.split("/")
        parent = keycloak.admin("GET", "/%s/group-by-path/%s" % (realm, parent_name))
        if parent.status_code == 404:
            assert keycloak.admin("POST", "/%s/groups" % realm, json={"name": parent_name}).status_code == 201
            parent = keycloak.admin("GET", "/%s/group-by-path/%s" % (realm, parent_name))
        answer = keycloak.admin("POST", "/%s/groups/%s/children" % (realm, parent.json()["id"]), json={"name": name})
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="session")
def sso(ansible, keycloak, tmp_path_factory):
    """Keycloak configured by the role (the users of GROUPS) and a hub using its facts."""
    state = tmp_path_factory.mktemp("sso")
    hub = OAuthHub(state)
    realm = "e2e-" + secrets.token_hex(3)
    make_realm_with_subgroups(keycloak, realm, ["jupyterhub-users/team-a", "jupyterhub-admins/ops"])
    passwords = {name: secrets.token_urlsafe(16) for name in GROUPS}
    users = [{"username": name, "password": passwords[name], "groups": groups} for name, groups in GROUPS.items()]
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
    role_vars = {
        "keycloak_url": keycloak.url,
        "keycloak_admin_user": keycloak.admin_user,
        "keycloak_admin_password": keycloak.admin_password,
        "keycloak_realm": realm,
        "keycloak_hub_url": hub.url,
        "keycloak_users": users,
    }
    result = ansible.playbook(play, extra_vars=role_vars)
    assert result.rc == 0, result
    hub.configure(json.loads((state / "fact.json").read_text()))
    hub.launch(secret_file.read_text(), secrets.token_hex(32))
    hub.passwords = passwords
    hub.keycloak = keycloak
    hub.realm = realm
    hub.play, hub.role_vars = play, role_vars
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
