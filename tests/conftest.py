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


# With pytest-xdist (scripts/test.sh runs `-n 2`), each file stays whole on one worker (its module fixtures
# start once), and the files that share an expensive session server stay together: one Keycloak, one set of
# labs. pytest_collection_modifyitems keeps this list true: a test using such a server from a file not
# listed here stops the run.
SHARED_SERVER_FILES = {
    "keycloak": ("tests/e2e/test_keycloak_sso.py", "tests/integration/test_cluster_site.py",
                 "tests/integration/test_keycloak_role.py"),
    "labs": ("tests/integration/test_healthcheck_playbook.py", "tests/integration/test_jupyter_mcp_server.py",
             "tests/integration/test_jupyterhub_kernel_exec.py", "tests/integration/test_jupyterhub_server.py",
             "tests/integration/test_mcp_playbook.py", "tests/integration/test_server_proxy.py"),
}
SHARED_SERVER_FIXTURES = {"keycloak": "keycloak", "mcp_lab": "labs", "lab_without_mcp": "labs",
                          "server_proxy_lab": "labs"}


def worker_group(nodeid):
    path = nodeid.split("::")[0]
    return next((group for group, files in SHARED_SERVER_FILES.items() if path in files), path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedServerScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return worker_group(nodeid)

    return SharedServerScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    unlisted = sorted({"%s (uses %s)" % (item.nodeid.split("::")[0], name) for item in items
                       for name, group in SHARED_SERVER_FIXTURES.items()
                       if name in getattr(item, "fixturenames", ()) and worker_group(item.nodeid) != group})
    if unlisted:
        raise pytest.UsageError("add these files to SHARED_SERVER_FILES in tests/conftest.py: " + ", ".join(unlisted))
