"""Single sign-on through Keycloak in headless Chromium: log in, admin page, refusal, logout."""

import re

import pytest

pytestmark = pytest.mark.e2e


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


def test_logout_also_ends_the_keycloak_session(page, sso):
    log_in(page, sso, "demo")
    page.wait_for_url(sso.url + "/hub/home")
    page.goto(sso.url + "/hub/logout")
    # Without an id_token_hint Keycloak asks the user to confirm the logout.
    page.wait_for_url(re.compile(re.escape(sso.keycloak.url) + r"/realms/.+/protocol/openid-connect/logout.*"))
    page.click("#kc-logout")
    page.wait_for_url(sso.url + "/hub/login")

    # A live Keycloak session would log the browser straight back in; it must ask for a password again.
    page.get_by_text("Sign in with Keycloak").click()
    page.wait_for_url(re.compile(re.escape(sso.keycloak.url) + r"/realms/.+/protocol/openid-connect/auth"))
    assert page.locator("#password").is_visible()
    assert page.goto(sso.url + "/hub/home").url.startswith(sso.url + "/hub/login")
