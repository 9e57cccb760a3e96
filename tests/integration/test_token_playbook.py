"""playbooks/token.yml against a real hub: a limited token in a 0600 file, never in the log."""

import stat
import uuid
from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/token.yml"


def new_user():
    return "tok-%s" % uuid.uuid4().hex[:8]


def hub_env(hub):
    return {"JUPYTERHUB_API_URL": hub.api_url, "JUPYTERHUB_API_TOKEN": hub.admin_token}


def run(ansible, hub, user, token_file, verbosity=0, **extra):
    return ansible.playbook(PLAYBOOK, extra_vars=dict(user=user, token_file=str(token_file), **extra),
                            env=hub_env(hub), verbosity=verbosity, json_output=verbosity == 0)


def test_creates_user_and_writes_a_limited_token_to_a_private_file(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "tokens" / "user.token"
    result = run(ansible, hub, user, token_file)
    assert result.rc == 0, result
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    token = token_file.read_text().strip()

    me = hub.api("GET", "/user", token=token)
    assert me.status_code == 200 and me.json()["name"] == user
    scopes = set(me.json()["scopes"])
    assert "access:servers!user=%s" % user in scopes
    assert not {"admin:users", "tokens", "admin:servers"} & scopes
    assert hub.api("GET", "/users", token=token).status_code == 403

    [record] = hub.tokens(user, note="token-playbook")
    assert record["expires_at"] is not None
    said = [r["msg"] for r in result.task_results() if "Say where the token is" in r["_task"]]
    assert said and str(token_file) in said[0]
    assert token not in result.output


def test_second_run_keeps_the_token(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "user.token"
    assert run(ansible, hub, user, token_file).rc == 0
    before = token_file.read_text()
    again = run(ansible, hub, user, token_file)
    assert again.rc == 0, again
    assert again.stats["localhost"]["changed"] == 0
    assert token_file.read_text() == before
    assert len(hub.tokens(user, note="token-playbook")) == 1


def test_no_token_in_output_even_at_vvv(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "user.token"
    result = run(ansible, hub, user, token_file, verbosity=3)
    assert result.rc == 0, result.output[-3000:]
    issued = token_file.read_text().strip()
    assert len(issued) >= 16
    assert issued not in result.output
    assert hub.admin_token not in result.output
    # A second run reads the file and checks it against the hub: still nothing printed.
    again = run(ansible, hub, user, token_file, verbosity=3)
    assert again.rc == 0
    assert issued not in again.output and hub.admin_token not in again.output


def test_show_token_prints_it(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "user.token"
    result = run(ansible, hub, user, token_file, show_token=True)
    assert result.rc == 0, result
    token = token_file.read_text().strip()
    assert token in result.stdout
    assert hub.admin_token not in result.output


def test_credentials_from_inventory_variables(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "user.token"
    inventory = tmp_path / "hub.ini"
    inventory.write_text("[all:vars]\njupyterhub_api_url=%s\njupyterhub_api_token=%s\n"
                         % (hub.api_url, hub.admin_token))
    result = ansible.playbook(PLAYBOOK, extra_vars={"user": user, "token_file": str(token_file)},
                              args=["-i", str(inventory)])
    assert result.rc == 0, result
    assert hub.api("GET", "/user", token=token_file.read_text().strip()).json()["name"] == user


def test_revoked_token_in_file_is_replaced_and_strays_are_revoked(ansible, hub, tmp_path):
    user = new_user()
    token_file = tmp_path / "user.token"
    assert run(ansible, hub, user, token_file).rc == 0
    [record] = hub.tokens(user, note="token-playbook")
    assert hub.api("DELETE", "/users/%s/tokens/%s" % (user, record["id"])).status_code == 204
    hub.api("POST", "/users/%s/tokens" % user, json={"note": "token-playbook"})  # made, never stored
    result = run(ansible, hub, user, token_file)
    assert result.rc == 0, result
    me = hub.api("GET", "/user", token=token_file.read_text().strip()).json()
    assert me["name"] == user
    assert [t["id"] for t in hub.tokens(user, note="token-playbook")] == [me["token_id"]]


def test_missing_credentials_fail_with_a_clear_message(ansible, tmp_path):
    result = ansible.playbook(PLAYBOOK, extra_vars={"user": "alice", "token_file": str(tmp_path / "t")})
    assert result.rc != 0
    assert "JUPYTERHUB_API_URL" in result.output
    assert "Traceback" not in result.output


def test_expires_in_sets_the_token_lifetime(ansible, hub, tmp_path):
    user = new_user()
    result = run(ansible, hub, user, tmp_path / "user.token", expires_in=3600, renew_before=60)
    assert result.rc == 0, result
    [record] = hub.tokens(user, note="token-playbook")
    expires = datetime.fromisoformat(record["expires_at"].replace("Z", "+00:00"))
    left = (expires - datetime.now(timezone.utc)).total_seconds()
    assert 3000 < left <= 3600


def vault_env(hub, openbao):
    return dict(hub_env(hub), VAULT_ADDR=openbao.addr, VAULT_TOKEN=openbao.root_token)


def test_with_vault_configured_a_fresh_container_keeps_the_first_token(ansible, hub, openbao, tmp_path):
    """As AWX runs it: every job in a new container, Vault configured through the environment."""
    user = new_user()
    runs = []
    for job in ("first", "second"):
        home = tmp_path / job  # nothing survives from one job to the next
        home.mkdir()
        env = dict(vault_env(hub, openbao), HOME=str(home))
        runs.append(ansible.playbook(PLAYBOOK, extra_vars={"user": user}, env=env))
        assert runs[-1].rc == 0, runs[-1]
        assert not list(home.rglob("*.token"))
    stored = openbao.client().secrets.kv.v2.read_secret_version(
        path="jupyterhub/user-tokens/%s" % user, mount_point="secret", raise_on_deleted_version=False)
    token = stored["data"]["data"]["token"]
    [record] = hub.tokens(user, note="token-playbook")
    assert hub.api("GET", "/user", token=token).json()["token_id"] == record["id"]
    assert stored["data"]["metadata"]["version"] == 1
    assert runs[1].stats["localhost"]["changed"] == 0
    said = [r["msg"] for r in runs[1].task_results() if "Say where the token is" in r["_task"]][0]
    assert "(kept" in said and "Vault KV secret/jupyterhub/user-tokens/%s" % user in said
    assert token not in runs[0].output + runs[1].output


def test_bad_input_fails_clearly_and_makes_no_token(ansible, hub, tmp_path):
    user = new_user()
    cases = [
        (dict(expires_in="abc"), "user_token_expires_in"),
        (dict(expires_in="30d"), "user_token_expires_in"),
        (dict(expires_in=-5), "expires_in must be between 1"),
        (dict(renew_before=2592000), "renew_before (2592000) must be less than expires_in"),
        (dict(token_file="relative.token"), "an absolute token_file"),
        (dict(token_store="s3"), "user_token_store must be one of: auto, vault, file"),
    ]
    for extra, message in cases:
        result = ansible.playbook(PLAYBOOK, extra_vars=dict(dict(user=user, token_file=str(tmp_path / "t")), **extra),
                                  env=hub_env(hub), json_output=False)
        assert result.rc != 0, extra
        assert message in result.output, (extra, result.output[-2000:])
        assert "censored" not in result.output and "Traceback" not in result.output
        assert hub.admin_token not in result.output
    assert hub.api("GET", "/users/%s" % user).status_code == 404


def test_failures_say_why_instead_of_censored(ansible, hub, tmp_path):
    from tests.fixtures.procs import free_port
    token_file = tmp_path / "user.token"
    wrong = dict(hub_env(hub), JUPYTERHUB_API_TOKEN="wrong-token-0123456789abcdef")
    down = dict(hub_env(hub), JUPYTERHUB_API_URL="http://127.0.0.1:%d/hub/api" % free_port())
    cases = [
        (wrong, new_user(), "rejected the token"),
        (down, new_user(), "cannot connect to JupyterHub"),
        (hub_env(hub), "bad/name", "invalid user name 'bad/name'"),
    ]
    for env, user, message in cases:
        result = ansible.playbook(PLAYBOOK, extra_vars={"user": user, "token_file": str(token_file)}, env=env,
                                  json_output=False)
        assert result.rc != 0
        assert message in result.output and "censored" not in result.output, result.output[-2000:]
        assert "wrong-token-0123456789abcdef" not in result.output and hub.admin_token not in result.output
