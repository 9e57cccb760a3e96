"""Shared pytest set-up: real servers and an Ansible runner, each in its own fixture module."""

import signal

import pytest

from tests.fixtures.procs import stop_all

pytest_plugins = [
    "tests.fixtures.ansible",
    "tests.fixtures.jupyterhub",
    "tests.fixtures.openbao",
    "tests.fixtures.keycloak",
    "tests.fixtures.cluster",
    "tests.fixtures.charts",
    "tests.fixtures.registry",
    "tests.fixtures.lab",
    "tests.fixtures.hook_hub",
]


def _interrupt(signum, frame):
    raise KeyboardInterrupt("pytest got signal %d" % signum)


def pytest_sessionstart(session):
    """A CI timeout or `kill` sends SIGTERM: turn it into an interruption, so that the fixtures' teardown
    still stops the servers they started (hubs, OpenBao, Keycloak, the control plane)."""
    signal.signal(signal.SIGTERM, _interrupt)


def pytest_sessionfinish(session, exitstatus):
    stop_all()


# With pytest-xdist (`-n 2 --dist loadgroup`, as scripts/test.sh runs the suite), the tests that share an
# expensive server stay on one worker, and each file stays whole (its module fixtures start once).
_SHARED_SERVERS = {"keycloak": "keycloak", "mcp_lab": "labs", "lab_without_mcp": "labs", "server_proxy_lab": "labs"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        shared = [group for name, group in _SHARED_SERVERS.items() if name in getattr(item, "fixturenames", ())]
        item.add_marker(pytest.mark.xdist_group(shared[0] if shared else item.nodeid.split("::")[0]))
