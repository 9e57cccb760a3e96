"""The keycloak role against a real Keycloak: create, no change, update, check mode, errors, no secrets."""

import json
import os
import re
import secrets
import stat
import time

import pytest
import requests

from tests.fixtures.procs import free_port
from tests.helpers.interposing_proxy import InterposingProxy
from tests.helpers.playbook_results import changed_tasks, role_task

pytestmark = pytest.mark.integration

ROLE = "datastack.jupyterhub.keycloak"


def role_play(extra_tasks=()):
    return [{
        "hosts": "localhost",
        "gather_facts": False,
        "roles": [ROLE],
        "tasks": [
            {"name": "oidc", "ansible.builtin.debug": {"var": "keycloak_oidc"}},
            {"name": "oauthenticator", "ansible.builtin.debug": {"var": "keycloak_oauthenticator"}},
            *extra_tasks,
        ],
    }]


@pytest.fixture(scope="module")
def setup(keycloak, tmp_path_factory):
    """Variables for one realm of this module and its users' passwords."""
    state = tmp_path_factory.mktemp("keycloak-role")
    realm = "kc-role-" + secrets.token_hex(3)
    variables = {
        "keycloak_url": keycloak.url,
        "keycloak_admin_user": keycloak.admin_user,
        "keycloak_admin_password": keycloak.admin_password,
        "keycloak_realm": realm,
        "keycloak_hub_url": "https://hub.example.org",
        "keycloak_users": [
            {"username": "demo", "password": "demo-" + secrets.token_urlsafe(12), "groups": ["jupyterhub-users"]},
            {"username": "boss", "password": "boss-" + secrets.token_urlsafe(12), "groups": ["jupyterhub-admins"]},
        ],
    }
    return {"vars": variables, "realm": realm, "state": state}


def client(keycloak, realm):
    clients = keycloak.admin("GET", "/%s/clients" % realm, params={"clientId": "jupyterhub"}).json()
    assert len(clients) == 1, clients
    return clients[0]


def test_first_run_creates_and_second_run_changes_nothing(ansible, keycloak, setup):
    first = ansible.playbook(role_play(), extra_vars=setup["vars"])
    assert first.rc == 0, first
    assert "Ensure the realm" in changed_tasks(first)
    assert "Ensure the confidential OIDC client" in changed_tasks(first)

    made = client(keycloak, setup["realm"])
    assert made["publicClient"] is False and made["standardFlowEnabled"] is True
    assert made["redirectUris"] == ["https://hub.example.org/hub/oauth_callback"]
    assert made["webOrigins"] == ["https://hub.example.org"]
    assert made["attributes"]["post.logout.redirect.uris"] == "https://hub.example.org/hub/login"
    mappers = {m["protocolMapper"]: m["config"] for m in made["protocolMappers"]}
    assert mappers["oidc-group-membership-mapper"]["claim.name"] == "groups"
    assert mappers["oidc-group-membership-mapper"]["full.path"] == "false"
    assert mappers["oidc-usermodel-client-role-mapper"]["claim.name"] == "groups"
    assert mappers["oidc-usermodel-client-role-mapper"]["usermodel.clientRoleMapping.clientId"] == "jupyterhub"

    groups = {g["name"]: g["id"] for g in keycloak.admin("GET", "/%s/groups" % setup["realm"]).json()}
    assert {"jupyterhub-users", "jupyterhub-admins"} <= set(groups)
    for name in ("jupyterhub-users", "jupyterhub-admins"):
        granted = keycloak.admin("GET", "/%s/groups/%s/role-mappings/clients/%s"
                                 % (setup["realm"], groups[name], made["id"])).json()
        assert [role["name"] for role in granted] == [name]
    demo = keycloak.admin("GET", "/%s/users" % setup["realm"], params={"username": "demo", "exact": "true"}).json()[0]
    demo_groups = keycloak.admin("GET", "/%s/users/%s/groups" % (setup["realm"], demo["id"])).json()
    assert [g["name"] for g in demo_groups] == ["jupyterhub-users"]

    second = ansible.playbook(role_play(), extra_vars=setup["vars"])
    assert second.rc == 0, second
    assert changed_tasks(second) == []


def test_facts_match_keycloak_discovery(ansible, keycloak, setup):
    result = ansible.playbook(role_play(), extra_vars=setup["vars"])
    assert result.rc == 0, result
    oidc = result.task("oidc")["keycloak_oidc"]
    discovery = requests.get("%s/realms/%s/.well-known/openid-configuration" % (keycloak.url, setup["realm"]),
                             timeout=10).json()
    assert oidc["issuer"] == discovery["issuer"]
    assert oidc["authorize_url"] == discovery["authorization_endpoint"]
    assert oidc["token_url"] == discovery["token_endpoint"]
    assert oidc["userinfo_url"] == discovery["userinfo_endpoint"]
    assert oidc["logout_url"] == discovery["end_session_endpoint"]
    assert oidc["client_id"] == "jupyterhub" and oidc["realm"] == setup["realm"]
    assert oidc["username_claim"] == "preferred_username"

    oauth = result.task("oauthenticator")["keycloak_oauthenticator"]
    assert oauth["oauth_callback_url"] == "https://hub.example.org/hub/oauth_callback"
    assert oauth["logout_redirect_url"] == (
        discovery["end_session_endpoint"]
        + "?post_logout_redirect_uri=https%3A%2F%2Fhub.example.org%2Fhub%2Flogin&client_id=jupyterhub")
    assert oauth["scope"] == ["openid", "profile", "email"]
    assert oauth["allowed_groups"] == ["jupyterhub-users", "jupyterhub-admins"]
    assert oauth["admin_groups"] == ["jupyterhub-admins"]
    assert oauth["enable_auth_state"] is True and oauth["manage_groups"] is True
    assert not {"client_secret", "crypt_key"} & set(oauth)


def test_oauthenticator_fact_holds_only_real_traits(ansible, setup):
    """Z2JH passes hub.config.GenericOAuthenticator through unchecked: every key must be a real trait."""
    from oauthenticator.generic import GenericOAuthenticator
    from traitlets.config import Config

    result = ansible.playbook(role_play(), extra_vars=setup["vars"])
    oauth = result.task("oauthenticator")["keycloak_oauthenticator"]
    traits = set(GenericOAuthenticator.class_trait_names(config=True))
    assert set(oauth) - traits == set()
    # The values load too (manage_groups must come with allowed_groups/admin_groups, types must fit).
    authenticator = GenericOAuthenticator(config=Config({"GenericOAuthenticator": oauth}))
    assert authenticator.admin_groups == {"jupyterhub-admins"}
    assert authenticator.auth_refresh_age == 300


def test_check_mode_changes_nothing_and_a_new_redirect_uri_is_applied(ansible, keycloak, setup):
    moved = dict(setup["vars"], keycloak_hub_url="https://jupyter.example.org/")
    checked = ansible.playbook(role_play(), extra_vars=moved, check=True)
    assert checked.rc == 0, checked
    assert "Ensure the confidential OIDC client" in changed_tasks(checked)
    assert client(keycloak, setup["realm"])["redirectUris"] == ["https://hub.example.org/hub/oauth_callback"]

    applied = ansible.playbook(role_play(), extra_vars=moved)
    assert applied.rc == 0, applied
    assert changed_tasks(applied) == ["Ensure the confidential OIDC client"]
    updated = client(keycloak, setup["realm"])
    assert updated["redirectUris"] == ["https://jupyter.example.org/hub/oauth_callback"]
    assert updated["attributes"]["post.logout.redirect.uris"] == "https://jupyter.example.org/hub/login"

    again = ansible.playbook(role_play(), extra_vars=moved, check=True)
    assert changed_tasks(again) == []


def test_check_mode_on_a_new_realm_creates_nothing(ansible, keycloak, setup):
    fresh = dict(setup["vars"], keycloak_realm="kc-check-" + secrets.token_hex(3))
    result = ansible.playbook(role_play(), extra_vars=fresh, check=True)
    assert result.rc == 0, result
    assert "Ensure the realm" in changed_tasks(result)
    answer = requests.get("%s/realms/%s" % (keycloak.url, fresh["keycloak_realm"]), timeout=10)
    assert answer.status_code == 404


def _slow_realm_creation(seconds):
    def before(request):
        if request.method == "POST" and request.path.rstrip("/") == "/admin/realms":
            time.sleep(seconds)
    return before


def test_a_slow_realm_creation_is_waited_for(ansible, keycloak, setup):
    """community.general waits 10 s by default and then fails with a KeyError: the role waits longer."""
    realm = "kc-slow-" + secrets.token_hex(3)
    with InterposingProxy(keycloak.url, before=_slow_realm_creation(12)) as proxy:
        result = ansible.playbook(role_play(), extra_vars=dict(
            setup["vars"], keycloak_url=proxy.addr, keycloak_realm=realm, keycloak_users=[]))
    assert result.rc == 0, result
    assert "Ensure the realm" in changed_tasks(result)
    assert keycloak.admin("GET", "/" + realm).status_code == 200
    assert keycloak.admin("DELETE", "/" + realm).status_code == 204


def test_a_realm_creation_slower_than_the_timeout_is_explained(ansible, keycloak, setup):
    realm = "kc-slower-" + secrets.token_hex(3)
    with InterposingProxy(keycloak.url, before=_slow_realm_creation(6)) as proxy:
        result = ansible.playbook(role_play(), extra_vars=dict(
            setup["vars"], keycloak_url=proxy.addr, keycloak_realm=realm, keycloak_users=[],
            keycloak_request_timeout=2))
    assert result.rc != 0
    message = role_task(result, "Explain why the realm was refused")["msg"]
    assert "answered slower than keycloak_request_timeout (2 s" in message, message
    keycloak.admin("DELETE", "/" + realm)  # created after the role gave up


@pytest.mark.parametrize("override, message", [
    ({"keycloak_admin_password": "not-the-password"}, "refused the login of 'admin'"),
    ({"keycloak_realm": "team/a"}, "is not a usable realm name"),
    ({"keycloak_realm": "what?"}, "Keycloak refuses '/', '#', '?'"),
    ({"keycloak_users": [{"username": "demo", "password": "unused", "groups": ["jupyterhub-users/no-such-team"]}]},
     "has no group jupyterhub-users/no-such-team"),
])
def test_clear_errors(ansible, setup, override, message):
    result = ansible.playbook(role_play(), extra_vars=dict(setup["vars"], **override), json_output=False)
    assert result.rc != 0
    assert message in result.output, result
    assert "Traceback" not in result.output


def test_unreachable_server_is_explained(ansible, setup):
    nowhere = "http://127.0.0.1:%d" % free_port()
    result = ansible.playbook(role_play(), extra_vars=dict(setup["vars"], keycloak_url=nowhere), json_output=False)
    assert result.rc != 0
    assert "Cannot reach Keycloak at %s" % nowhere in result.output, result
    assert "Traceback" not in result.output


def test_wrong_base_path_is_explained(ansible, keycloak, setup):
    result = ansible.playbook(role_play(), extra_vars=dict(setup["vars"], keycloak_url=keycloak.url + "/auth"),
                              json_output=False)
    assert result.rc != 0
    assert "is not Keycloak's base URL" in result.output, result


def test_no_secret_in_verbose_output(ansible, keycloak, setup):
    fresh = dict(setup["vars"], keycloak_realm="kc-vvv-" + secrets.token_hex(3))
    # A realm and user made beforehand: the role creates the rest and reads the user's groups.
    assert keycloak.admin("POST", "", json={"realm": fresh["keycloak_realm"], "enabled": True}).status_code == 201
    assert keycloak.admin("POST", "/%s/users" % fresh["keycloak_realm"],
                          json={"username": "demo", "enabled": True}).status_code == 201
    result = ansible.playbook(role_play(), extra_vars=fresh, verbosity=3, json_output=False)
    assert result.rc == 0, result
    realm_client = client(keycloak, fresh["keycloak_realm"])
    client_secret = keycloak.admin("GET", "/%s/clients/%s/client-secret"
                                   % (fresh["keycloak_realm"], realm_client["id"])).json()["value"]
    assert len(client_secret) >= 16
    leaks = {
        "client secret": client_secret,
        "admin password": keycloak.admin_password,
        **{"password of %s" % u["username"]: u["password"] for u in fresh["keycloak_users"]},
    }
    # The command line carries the extra vars; look only at what Ansible printed about the tasks.
    printed = result.output.split("PLAYBOOK:", 1)[-1]
    assert "TASK [" in printed
    for what, value in leaks.items():
        assert value not in printed, "%s printed at -vvv" % what
    # The admin API calls of preflight.yml carry an access token (a JWT: base64 of '{"' starts with eyJ).
    assert "Bearer" not in printed and not re.search(r"eyJ[\w-]{10,}\.eyJ", printed)


def test_client_secret_fact_is_keycloaks(ansible, keycloak, setup, tmp_path):
    """The z2jh role builds the hub's OAuth Secret from this fact; it must be the client's real secret."""
    out = tmp_path / "secret"
    dump = {"name": "dump", "ansible.builtin.copy": {
        "content": "{{ keycloak_client_secret }}", "dest": str(out), "mode": "0600"}, "no_log": True}
    result = ansible.playbook(role_play([dump]), extra_vars=setup["vars"])
    assert result.rc == 0, result
    realm_client = client(keycloak, setup["realm"])
    secret = keycloak.admin("GET", "/%s/clients/%s/client-secret" % (setup["realm"], realm_client["id"])).json()
    assert out.read_text() == secret["value"] and len(secret["value"]) >= 16


def test_facts_alone_need_no_server_and_match_a_full_run(ansible, setup):
    """render.yml publishes the facts from the same variables without contacting Keycloak."""
    full = ansible.playbook(role_play(), extra_vars=setup["vars"])
    assert full.rc == 0, full
    facts_only = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "facts", "ansible.builtin.include_role": {"name": ROLE, "tasks_from": "facts"}},
        *role_play()[0]["tasks"]]}]
    nowhere = dict(setup["vars"], keycloak_url="http://127.0.0.1:%d" % free_port(),
                   keycloak_public_url=setup["vars"]["keycloak_url"])
    alone = ansible.playbook(facts_only, extra_vars=nowhere)
    assert alone.rc == 0, alone
    for name in ("oidc", "oauthenticator"):
        var = "keycloak_" + name
        assert alone.task(name)[var] == full.task(name)[var], name
    assert "keycloak_client_secret" not in json.dumps(alone.task_results())


def test_lab_tasks_switch_the_hub_to_keycloak(ansible, keycloak, tmp_path):
    """roles/lab/tasks/keycloak.yml against the session's Keycloak (lab_keycloak_url skips the start)."""
    state = tmp_path / "lab-state"
    state.mkdir(mode=0o700)
    admin_file = tmp_path / "kc-admin.password"
    admin_file.write_text(keycloak.admin_password)
    admin_file.chmod(0o600)
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "lab keycloak", "ansible.builtin.include_role": {
                "name": "datastack.jupyterhub.lab", "tasks_from": "keycloak"}},
            {"name": "authenticator", "ansible.builtin.debug": {"var": "lab_hub_authenticator"}},
            {"name": "secret files", "ansible.builtin.debug": {"var": "lab_hub_environment_secret_files"}},
        ],
    }]
    extra = {"lab_state_dir": str(state), "lab_hub_port": 18000, "lab_keycloak_url": keycloak.url,
             "lab_keycloak_realm": "lab-" + secrets.token_hex(3),
             "lab_keycloak_admin_password_file": str(admin_file)}
    first = ansible.playbook(play, extra_vars=extra)
    assert first.rc == 0, first
    authenticator = first.task("authenticator")["lab_hub_authenticator"]
    assert authenticator["class"] == "generic-oauth"
    assert authenticator["config"]["oauth_callback_url"] == "http://127.0.0.1:18000/hub/oauth_callback"
    files = first.task("secret files")["lab_hub_environment_secret_files"]
    assert set(files) == {"OAUTH_CLIENT_SECRET", "JUPYTERHUB_CRYPT_KEY"}
    for path in list(files.values()) + [str(state / "keycloak" / (u + ".password"))
                                        for u in ("demo", "hubadmin", "outsider")]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    client_secret = open(files["OAUTH_CLIENT_SECRET"]).read()
    crypt_key = open(files["JUPYTERHUB_CRYPT_KEY"]).read()
    assert re.fullmatch(r"[0-9a-f]{64}", crypt_key)
    for secret in [client_secret, crypt_key, (state / "keycloak" / "demo.password").read_text()]:
        assert secret not in first.output

    # The demo password in its file is the one Keycloak knows (admin-cli allows the password grant).
    login = requests.post("%s/realms/%s/protocol/openid-connect/token" % (keycloak.url, extra["lab_keycloak_realm"]),
                          data={"grant_type": "password", "client_id": "admin-cli", "username": "demo",
                                "password": (state / "keycloak" / "demo.password").read_text()}, timeout=10)
    assert login.status_code == 200, login.text

    second = ansible.playbook(play, extra_vars=extra)
    assert second.rc == 0, second
    assert changed_tasks(second) == []
    assert open(files["OAUTH_CLIENT_SECRET"]).read() == client_secret
    assert open(files["JUPYTERHUB_CRYPT_KEY"]).read() == crypt_key


def test_absent_removes_client_groups_and_users(ansible, keycloak, setup):
    """Last in this module: it removes what the tests above made."""
    gone = dict(setup["vars"], keycloak_state="absent")
    result = ansible.playbook([dict(role_play()[0], tasks=[])], extra_vars=gone)
    assert result.rc == 0, result
    assert keycloak.admin("GET", "/%s/clients" % setup["realm"], params={"clientId": "jupyterhub"}).json() == []
    assert keycloak.admin("GET", "/%s/groups" % setup["realm"]).json() == []
    assert keycloak.admin("GET", "/%s/users" % setup["realm"], params={"username": "demo"}).json() == []

    again = ansible.playbook([dict(role_play()[0], tasks=[])], extra_vars=gone)
    assert again.rc == 0, again
    assert changed_tasks(again) == []
