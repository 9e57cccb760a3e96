"""playbooks/healthcheck.yml against labs: every step on a healthy hub, and the broken step named when one fails.

The labs' single-user servers run from the single-user environment with jupyter-mcp-server (tests/fixtures/lab.py),
so the kernel, SecretStore (through the lab's OpenBao) and MCP steps talk to the real components.
"""

import re
from collections import namedtuple

import hvac
import pytest

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/healthcheck.yml"
STEPS = ["hub", "token", "server", "kernel", "secretstore", "mcp", "stop", "revoke"]
REPORT = re.compile(r"^\s*\"?(\w+): (ok|skipped|FAILED) \(([0-9.]+) s\)(.*?)\"?,?$", re.MULTILINE)
# JupyterHub's API tokens are uuid4 hex strings; OpenBao's service tokens start with s. or hvs.
HUB_TOKEN = re.compile(r"\b[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\b")
VAULT_TOKEN = re.compile(r"\b(?:hvs|s)\.[A-Za-z0-9]{20,}")


def run(ansible, lab, verbosity=0, **extra):
    return ansible.playbook(PLAYBOOK, extra_vars=extra, verbosity=verbosity, json_output=False,
                            env={"JUPYTERHUB_API_URL": lab.api_url, "JUPYTERHUB_API_TOKEN": lab.service_token})


Step = namedtuple("Step", "name outcome seconds detail")


def steps(result):
    """Each reported step, from the report's lines."""
    return [Step(m.group(1), m.group(2), float(m.group(3)), m.group(4).strip()) for m in REPORT.finditer(result.output)]


def outcomes(result):
    return [(step.name, step.outcome) for step in steps(result)]


def server_and_tokens(lab, user):
    model = lab.api("GET", "/users/%s" % user).json()
    tokens = lab.api("GET", "/users/%s/tokens" % user).json()["api_tokens"]
    return model["servers"], [t for t in tokens if t["note"] == "healthcheck"]


def test_a_healthy_hub_passes_every_step_and_nothing_secret_is_printed(ansible, mcp_lab):
    result = run(ansible, mcp_lab, verbosity=4)
    assert result.rc == 0, result.output[-4000:]
    reported = steps(result)
    assert outcomes(result) == [(name, "ok") for name in STEPS], reported
    assert all(step.seconds > 0 for step in reported)
    details = dict((step.name, step.detail) for step in reported)
    assert "put, get and delete under jupyter/users/" in details["secretstore"]
    assert re.search(r"\d+ tools at %s/user/datastack-healthcheck/mcp" % re.escape(mcp_lab.url), details["mcp"])
    assert "Health check passed: 8 steps ok, 0 skipped" in result.output
    # Cleaned up: the server is stopped and the check's token revoked.
    assert server_and_tokens(mcp_lab, "datastack-healthcheck") == ({}, [])
    known = [mcp_lab.service_token, mcp_lab.secret("proxy-auth.token"), mcp_lab.user_token_file.read_text().strip(),
             (mcp_lab.state / "openbao" / "root.token").read_text().strip(),
             (mcp_lab.state / "openbao" / "hub" / "admin-token").read_text().strip()]
    for secret in known:
        assert secret not in result.output
    assert not HUB_TOKEN.findall(result.output)
    assert not VAULT_TOKEN.findall(result.output)


def test_a_kernel_that_cannot_start_fails_the_kernel_step_and_cleans_up(ansible, mcp_lab):
    user = "hc-kernel"
    result = run(ansible, mcp_lab, check_user=user, check_kernel="ir")
    assert result.rc != 0
    assert re.search(r"Health check FAILED at step 'kernel' after [0-9.]+ s: .*cannot start a kernel named 'ir': it "
                     r"has python3", result.output), result.output[-3000:]
    assert outcomes(result) == [
        ("hub", "ok"), ("token", "ok"), ("server", "ok"), ("kernel", "FAILED"), ("stop", "ok"), ("revoke", "ok")]
    assert server_and_tokens(mcp_lab, user) == ({}, [])


def test_mcp_required_on_servers_without_it_fails_the_mcp_step(ansible, lab_without_mcp):
    result = run(ansible, lab_without_mcp, check_user="hc-nomcp", check_mcp="required")
    assert result.rc != 0
    assert re.search(r"Health check FAILED at step 'mcp' after [0-9.]+ s: .*HTTP 404.*jupyter-mcp-server",
                     result.output), result.output[-3000:]
    reported = dict((step.name, (step.outcome, step.detail)) for step in steps(result))
    assert reported["secretstore"] == ("skipped", "(Vault is off for this server)")
    assert reported["kernel"][0] == "ok" and reported["stop"][0] == "ok" and reported["revoke"][0] == "ok"


def test_vault_down_fails_the_server_step_with_the_hooks_reason(ansible, mcp_lab):
    """A sealed Vault answers nothing but 503: the hub's pre-spawn hook refuses to start servers without a token."""
    vault = hvac.Client(url="http://127.0.0.1:%d" % mcp_lab.vars["lab_vault_port"],
                        token=(mcp_lab.state / "openbao" / "root.token").read_text().strip())
    unseal_key = re.search(r"Unseal Key: (\S+)", (mcp_lab.state / "openbao" / "bao.log").read_text()).group(1)
    vault.sys.seal()
    try:
        result = run(ansible, mcp_lab, check_user="hc-vault")
        assert result.rc != 0
        assert re.search(r"Health check FAILED at step 'server' after [0-9.]+ s: .*HTTP 503.*"
                         r"Vault token could not be created", result.output), result.output[-3000:]
        assert [step.name for step in steps(result)] == ["hub", "token", "server", "stop", "revoke"]
        assert server_and_tokens(mcp_lab, "hc-vault") == ({}, [])
    finally:
        vault.sys.submit_unseal_key(unseal_key)
    assert not vault.sys.is_sealed()
