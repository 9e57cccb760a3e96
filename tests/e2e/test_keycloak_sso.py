"""Single sign-on through Keycloak in headless Chromium: log in, groups (nested too), refusal, logout,
memberships dropped by the role, tokens refreshed before a spawn."""

import base64
import json
import re
import time

import pytest
import requests

from tests.fixtures.procs import wait_for
from tests.helpers.playbook_results import changed_tasks

pytestmark = pytest.mark.e2e

USERS_TASK = "Ensure the listed users and their group memberships"


def log_in(page, sso, username):
    """Open the hub, follow it to Keycloak, and log in there; return the hub's answer to the callback."""
    page.goto(sso.url + "/hub/")
    page.get_by_text("Sign in with Keycloak").click()
    page.wait_for_url(re.compile(re.escape(sso.keycloak.url) + r"/realms/.+/protocol/openid-connect/auth"))
    page.fill("#username", username)
    page.fill("#password", sso.passwords[username])
    with page.expect_response(lambda r: "/hub/oauth_callback" in r.url) as callback:
        page.click("#kc-login")
    return callback.value


def claims(token):
    """The claims of a JWT (its signature is Keycloak's business: tests ask Keycloak whether it is valid)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def userinfo(sso, token):
    return requests.get("%s/realms/%s/protocol/openid-connect/userinfo" % (sso.keycloak.url, sso.realm),
                        headers={"Authorization": "Bearer " + token}, timeout=10)


def keycloak_user(sso, name):
    (user,) = sso.keycloak.admin("GET", "/%s/users" % sso.realm, params={"username": name, "exact": "true"}).json()
    return user


def group_paths(sso, name):
    groups = sso.keycloak.admin("GET", "/%s/users/%s/groups" % (sso.realm, keycloak_user(sso, name)["id"])).json()
    return sorted(group["path"] for group in groups)


def test_demo_user_logs_in_and_is_no_admin(page, sso, artifacts):
    callback = log_in(page, sso, "demo")
    assert callback.status == 302
    page.wait_for_url(sso.url + "/hub/home")
    assert "demo" in page.inner_text("body")
    page.screenshot(path=str(artifacts / "keycloak-sso-hub-home.png"), full_page=True)

    user = sso.user("demo").json()
    assert user["admin"] is False
    assert user["groups"] == ["jupyterhub-users"]

    assert page.goto(sso.url + "/hub/admin").status == 403


def test_admin_group_member_sees_the_admin_page(page, sso):
    log_in(page, sso, "hubadmin")
    page.wait_for_url(sso.url + "/hub/home")
    answer = page.goto(sso.url + "/hub/admin")
    assert answer.status == 200
    assert sso.user("hubadmin").json()["admin"] is True


def test_user_outside_the_allowed_groups_is_refused(page, sso):
    callback = log_in(page, sso, "outsider")
    assert callback.status == 403
    assert sso.user("outsider").status_code == 404


@pytest.mark.parametrize("username, groups, admin", [
    ("teamuser", ["jupyterhub-users", "team-a"], False),
    ("teamadmin", ["jupyterhub-admins", "ops"], True),
])
def test_member_of_a_subgroup_counts_as_member_of_its_parent(page, sso, username, groups, admin):
    """Keycloak's group mapper names only the subgroup; the role makes the parent's name arrive too."""
    callback = log_in(page, sso, username)
    assert callback.status == 302
    page.wait_for_url(sso.url + "/hub/home")
    user = sso.user(username).json()
    assert user["groups"] == groups
    assert user["admin"] is admin
    assert page.goto(sso.url + "/hub/admin").status == (200 if admin else 403)


def test_logout_also_ends_the_keycloak_session(page, sso):
    log_in(page, sso, "demo")
    page.wait_for_url(sso.url + "/hub/home")
    session = claims(sso.auth_state("demo")["access_token"])["sid"]
    sessions = sso.keycloak.admin("GET", "/%s/users/%s/sessions" % (sso.realm, keycloak_user(sso, "demo")["id"]))
    assert session in [s["id"] for s in sessions.json()]

    page.click("#logout")
    # Without an id_token_hint Keycloak asks the user to confirm the logout.
    page.wait_for_url(re.compile(re.escape(sso.keycloak.url) + r"/realms/.+/protocol/openid-connect/logout.*"))
    page.click("#kc-logout")
    page.wait_for_url(sso.url + "/hub/login")
    sessions = sso.keycloak.admin("GET", "/%s/users/%s/sessions" % (sso.realm, keycloak_user(sso, "demo")["id"]))
    assert session not in [s["id"] for s in sessions.json()]

    # A live Keycloak session would log the browser straight back in; it must ask for a password again.
    page.get_by_text("Sign in with Keycloak").click()
    page.wait_for_url(re.compile(re.escape(sso.keycloak.url) + r"/realms/.+/protocol/openid-connect/auth"))
    assert page.locator("#password").is_visible()
    assert page.goto(sso.url + "/hub/home").url.startswith(sso.url + "/hub/login")


def test_groups_dropped_from_keycloak_users_are_removed(ansible, page, sso):
    assert group_paths(sso, "leaver") == ["/jupyterhub-users", "/jupyterhub-users/team-a"]
    # Users left out of keycloak_users are left alone: list only the one whose groups change.
    (leaver,) = [dict(u, groups=[]) for u in sso.role_vars["keycloak_users"] if u["username"] == "leaver"]
    dropped = dict(sso.role_vars, keycloak_users=[leaver])

    checked = ansible.playbook(sso.play, extra_vars=dropped, check=True)
    assert checked.rc == 0, checked
    assert changed_tasks(checked) == [USERS_TASK]
    assert group_paths(sso, "leaver") == ["/jupyterhub-users", "/jupyterhub-users/team-a"]

    applied = ansible.playbook(sso.play, extra_vars=dropped)
    assert applied.rc == 0, applied
    assert changed_tasks(applied) == [USERS_TASK]
    assert group_paths(sso, "leaver") == []

    again = ansible.playbook(sso.play, extra_vars=dropped)
    assert again.rc == 0, again
    assert changed_tasks(again) == []

    assert log_in(page, sso, "leaver").status == 403


def test_a_spawn_after_the_access_token_expired_gets_a_fresh_one(page, sso):
    realm_path = "/" + sso.realm
    lifespan = sso.keycloak.admin("GET", realm_path).json()["accessTokenLifespan"]
    assert sso.keycloak.admin("PUT", realm_path, json={"accessTokenLifespan": 10}).status_code == 204
    try:
        log_in(page, sso, "demo")
        page.wait_for_url(sso.url + "/hub/home")
        at_login = sso.auth_state("demo")["access_token"]
        expiry = claims(at_login)["exp"]
        assert expiry - claims(at_login)["iat"] == 10
        time.sleep(max(0, expiry - time.time()) + 1)
        assert userinfo(sso, at_login).status_code == 401

        page.goto(sso.url + "/hub/spawn")
        spawned = wait_for(lambda: sso.spawned_token("demo"), 30, "the spawner's access token")
        # Booleans, not the tokens, in the assertions: a failure must not print them.
        got_the_login_token = spawned == at_login
        assert not got_the_login_token
        answer = userinfo(sso, spawned)
        assert answer.status_code == 200 and answer.json()["preferred_username"] == "demo"
        assert claims(spawned)["iat"] >= expiry
        kept_by_the_hub = sso.auth_state("demo")["access_token"] == spawned
        assert kept_by_the_hub
        wait_for(lambda: sso.user("demo").json()["servers"].get("", {}).get("ready"), 60, "demo's server")
    finally:
        sso.keycloak.admin("PUT", realm_path, json={"accessTokenLifespan": lifespan})
        sso.api("DELETE", "/users/demo/server")
