"""The local lab (playbooks/lab.yml, role lab): a real hub behind the real proxy, run by Ansible."""

import json
import os
import re
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.lab import DAEMON, LAB_PLAYBOOK, REPO, SERVICE, Lab, alive
from tests.fixtures.procs import free_port, poll_until, start, stop, wait_for
from tests.helpers.playbook_results import changed_tasks, role_task

pytestmark = pytest.mark.integration

HUBAUTH_SERVICE = REPO / "tests" / "fixtures" / "services" / "hubauth_service.py"


@pytest.fixture(scope="module")
def lab(ansible, tmp_path_factory):
    state = tmp_path_factory.mktemp("lab") / "state"
    running = Lab(ansible, state)
    first = running.run()
    running.first = first
    yield running
    running.destroy()


def test_first_run_starts_hub_behind_proxy_and_issues_token(lab):
    assert lab.first.rc == 0, lab.first
    answer = requests.get(lab.api_url + "/", timeout=5)
    assert answer.status_code == 200 and "version" in answer.json()
    # The public port is the proxy's, and the proxy is the one whose pid file the lab keeps.
    assert alive(lab.pid("proxy.pid")) and alive(lab.pid("jupyterhub.pid"))
    shown = role_task(lab.first, "Show where the lab is")["msg"]
    assert "JupyterHub: %s" % lab.url in shown
    assert "API token of alice: %s" % lab.user_token_file in shown


def test_secrets_are_private_files_and_not_in_config(lab):
    for path in [lab.state / "secrets" / "admin-service.token", lab.state / "secrets" / "proxy-auth.token",
                 lab.user_token_file, lab.state / "jupyterhub_settings.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    config = (lab.state / "jupyterhub_config.py").read_text() + (lab.state / "jupyterhub_settings.json").read_text()
    assert lab.service_token not in config and lab.secret("proxy-auth.token") not in config
    cmdline = Path("/proc/%d/cmdline" % lab.pid("jupyterhub.pid")).read_bytes().decode()
    assert lab.service_token not in cmdline
    assert lab.service_token not in lab.first.output


def test_admin_service_can_do_what_the_day2_examples_do(lab):
    answer = lab.api("GET", "/user")
    assert answer.status_code == 200, answer.text
    model = answer.json()
    assert model["kind"] == "service" and model["name"] == "admin-service"
    assert {"admin:users", "tokens", "admin:servers", "admin:services", "proxy"} <= set(model["scopes"])


def test_summary_says_how_to_log_in(lab):
    shown = role_task(lab.first, "Show where the lab is")["msg"]
    assert any(line.startswith("Log in at %s/hub/login with any user name and any password" % lab.url)
               for line in shown), shown


def test_users_reach_a_hubauth_service_registered_like_the_readme_does(lab, tmp_path):
    """The README's day-2 example in the lab: register a service at runtime, call it with a user's token."""
    port = free_port()
    service_token = secrets.token_hex(24)
    env = dict(os.environ, JUPYTERHUB_API_URL=lab.api_url, JUPYTERHUB_API_TOKEN=service_token,
               JUPYTERHUB_SERVICE_NAME=SERVICE, JUPYTERHUB_SERVICE_PREFIX="/services/%s/" % SERVICE,
               SERVICE_PORT=str(port))
    proc = start([sys.executable, str(HUBAUTH_SERVICE)], tmp_path / "service.log", env=env)
    try:
        wait_for(lambda: requests.get("http://127.0.0.1:%d/services/%s/" % (port, SERVICE), timeout=2,
                                      allow_redirects=False).status_code in (302, 403), 30, "service", proc)
        registered, run = lab.ansible.module("datastack.jupyterhub.jupyterhub_service", {
            "api_url": lab.api_url, "api_token": lab.service_token, "name": SERVICE,
            "url": "http://127.0.0.1:%d" % port, "service_token": service_token})
        assert registered["changed"] and registered["routes_synced"] is True, run
        alice = lab.user_token_file.read_text().strip()
        answer = requests.get("%s/services/%s/tables" % (lab.url, SERVICE), timeout=10,
                              headers={"Authorization": "token " + alice}, allow_redirects=False)
        assert answer.status_code == 200 and answer.json() == {"name": "alice"}, answer.text
        # A token of the same user without the access scope is refused by HubAuth.
        narrow = lab.api("POST", "/users/alice/tokens", json={"note": "narrow", "scopes": ["self"]}).json()["token"]
        refused = requests.get("%s/services/%s/tables" % (lab.url, SERVICE), timeout=10,
                               headers={"Authorization": "token " + narrow}, allow_redirects=False)
        assert refused.status_code == 403
    finally:
        stop(proc)


def test_token_file_works_against_the_hub_as_that_user_only(lab):
    token = lab.user_token_file.read_text().strip()
    me = lab.api("GET", "/user", token=token)
    assert me.status_code == 200
    assert me.json()["name"] == "alice"
    assert "access:servers!user=alice" in me.json()["scopes"]
    assert lab.api("GET", "/users", token=token).status_code == 403
    assert lab.api("GET", "/users/someone-else", token=token).status_code in (403, 404)


def test_second_run_changes_nothing_and_keeps_the_hub(lab):
    hub_pid = lab.pid("jupyterhub.pid")
    token = lab.user_token_file.read_text()
    # At -vvv, so that the same run also proves no secret reaches the log.
    again = lab.ansible.playbook(LAB_PLAYBOOK, extra_vars=lab.vars, verbosity=3, json_output=False)
    assert again.rc == 0, again.output[-3000:]
    assert re.search(r"localhost\s+:\s+ok=\d+\s+changed=0\s", again.output), again.output[-3000:]
    assert lab.pid("jupyterhub.pid") == hub_pid
    assert lab.user_token_file.read_text() == token
    for secret in [lab.service_token, lab.secret("proxy-auth.token"), token.strip()] + [
            p.read_text().strip() for p in lab.state.rglob("*token") if p.is_file() and p.stat().st_size]:
        assert secret not in again.output

    checked = lab.ansible.playbook(LAB_PLAYBOOK, extra_vars=lab.vars, check=True)
    assert checked.rc == 0, checked
    assert checked.stats["localhost"]["changed"] == 0, changed_tasks(checked)
    assert lab.pid("jupyterhub.pid") == hub_pid


def test_lost_token_file_gets_a_new_token_and_the_old_one_is_revoked(lab):
    old = lab.user_token_file.read_text().strip()
    lab.user_token_file.unlink()
    result = lab.run()
    assert result.rc == 0, result
    new = lab.user_token_file.read_text().strip()
    assert new != old
    assert lab.api("GET", "/user", token=new).json()["name"] == "alice"
    assert lab.api("GET", "/user", token=old).status_code in (401, 403)
    notes = [t["note"] for t in lab.api("GET", "/users/alice/tokens").json()["api_tokens"]]
    assert notes.count("token-playbook") == 1


def test_extension_points_restart_the_hub_only_when_config_changes(lab, tmp_path):
    """Extra config file, plain environment and a secret-file environment reach the hub."""
    probe = tmp_path / "probe.json"
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value-%d\n" % os.getpid())
    secret.chmod(0o600)
    extra = tmp_path / "extra_config.py"
    extra.write_text(
        "import json, os\n"
        "with open(%r, 'w') as out:\n"
        "    json.dump({'plain': os.environ.get('LAB_PLAIN'), 'secret': os.environ.get('LAB_SECRET'),\n"
        "               'has_c': type(c).__name__}, out)\n" % str(probe)
    )
    hub_pid = lab.pid("jupyterhub.pid")
    hooks = {
        "lab_hub_extra_config_files": [str(extra)],
        "lab_hub_environment": {"LAB_PLAIN": "plain-value"},
        "lab_hub_environment_secret_files": {"LAB_SECRET": str(secret)},
    }
    result = lab.run(**hooks)
    assert result.rc == 0, result
    assert lab.pid("jupyterhub.pid") != hub_pid
    assert not alive(hub_pid)
    seen = json.loads(probe.read_text())
    assert seen == {"plain": "plain-value", "secret": secret.read_text().strip(), "has_c": "Config"}
    assert secret.read_text().strip() not in (lab.state / "jupyterhub_settings.json").read_text()
    assert secret.read_text().strip() not in result.output

    restarted_pid = lab.pid("jupyterhub.pid")
    same = lab.run(**hooks)
    assert same.stats["localhost"]["changed"] == 0, changed_tasks(same)
    assert lab.pid("jupyterhub.pid") == restarted_pid

    # A changed extra file restarts the hub too.
    extra.write_text(extra.read_text() + "# changed\n")
    changed = lab.run(**hooks)
    assert changed.rc == 0, changed
    assert lab.pid("jupyterhub.pid") != restarted_pid


def test_hub_killed_without_cleanup_is_started_again(lab):
    """A dead hub leaves its proxy behind; the next run must take over, not answer 404s."""
    hub_pid = lab.pid("jupyterhub.pid")
    os.kill(hub_pid, 9)
    poll_until(lambda: not alive(hub_pid), 10)
    result = lab.run()
    assert result.rc == 0, result
    assert "Start the hub behind configurable-http-proxy" in changed_tasks(result)
    assert lab.api("GET", "/users/alice").status_code == 200


def test_absent_stops_every_server_and_removes_the_state(lab):
    pids = [int(p.read_text()) for p in lab.state.rglob("*.pid")]
    assert len(pids) >= 2
    result = lab.destroy()
    assert result.rc == 0, result
    poll_until(lambda: not any(alive(pid) for pid in pids), 10)
    assert not any(alive(pid) for pid in pids)
    assert not lab.state.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(lab.api_url + "/", timeout=3)
    again = lab.destroy()
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0


def test_stop_leaves_a_process_alone_whose_pid_file_is_older_than_it(tmp_path):
    """A stale pid file whose number was reused by a newer process must not kill that process."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = tmp_path / "other.pid"
        pid_file.write_text(str(sleeper.pid))
        old = time.time() - 3600
        os.utime(pid_file, (old, old))
        out = subprocess.run([sys.executable, str(DAEMON), "stop", str(pid_file)], capture_output=True,
                             text=True, check=True)
        assert sleeper.poll() is None
        assert not pid_file.exists()
        assert json.loads(out.stdout)["stopped"] == [str(pid_file)]
    finally:
        sleeper.kill()
        sleeper.wait()
