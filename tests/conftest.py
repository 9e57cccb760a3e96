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


# With pytest-xdist (scripts/test.sh), each file stays whole on one worker (its module fixtures start once),
# and the files that share an expensive session server stay together: one set of labs, one Keycloak for the
# SSO files. A worker that runs a file using a session server starts its own (Keycloak: about 20 s from
# the built copy). pytest_collection_modifyitems keeps this list true: a test using such a server from a
# file not listed here stops the run.
SHARED_SERVER_FILES = {
    "keycloak": ("tests/e2e/test_keycloak_sso.py", "tests/integration/test_keycloak_role.py"),
    "cluster-site": ("tests/integration/test_cluster_site.py",),
    "labs": ("tests/integration/test_healthcheck_playbook.py", "tests/integration/test_jupyter_mcp_server.py",
             "tests/integration/test_jupyterhub_kernel_exec.py", "tests/integration/test_jupyterhub_server.py",
             "tests/integration/test_mcp_playbook.py", "tests/integration/test_server_proxy.py"),
}
SHARED_SERVER_FIXTURES = {"keycloak": ("keycloak", "cluster-site"), "mcp_lab": ("labs",),
                          "lab_without_mcp": ("labs",), "server_proxy_lab": ("labs",)}
# Seconds each group took in a full run on two cores (tests/output/pytest.xml, 2026-12-03). The workers take the
# longest first, so that no long group starts last; a file not listed counts two seconds per test.
EXPECTED_SECONDS = {
    "cluster-site": 1030, "keycloak": 800, "labs": 700, "tests/integration/test_lab.py": 520,
    "tests/integration/test_vault_role.py": 260, "tests/integration/test_vault_renewable_token.py": 230,
    "tests/integration/test_z2jh_homes.py": 220, "tests/integration/test_jupyterhub_token.py": 220,
    "tests/integration/test_site_playbooks.py": 170, "tests/integration/test_render_matrix.py": 150,
}


def worker_group(nodeid):
    path = nodeid.split("::")[0]
    return next((group for group, files in SHARED_SERVER_FILES.items() if path in files), path)


def expected_seconds(group, tests):
    return EXPECTED_SECONDS.get(group, 2 * tests)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class SharedServerScheduling(LoadScopeScheduling):
        ordered = False

        def _split_scope(self, nodeid):
            return worker_group(nodeid)

        def _assign_work_unit(self, node):
            if not self.ordered:
                self.workqueue = OrderedDict(sorted(
                    self.workqueue.items(), key=lambda item: -expected_seconds(item[0], len(item[1]))))
                self.ordered = True
            super()._assign_work_unit(node)

    return SharedServerScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    unlisted = sorted({"%s (uses %s)" % (item.nodeid.split("::")[0], name) for item in items
                       for name, groups in SHARED_SERVER_FIXTURES.items()
                       if name in getattr(item, "fixturenames", ()) and worker_group(item.nodeid) not in groups})
    if unlisted:
        raise pytest.UsageError("add these files to SHARED_SERVER_FILES in tests/conftest.py: " + ", ".join(unlisted))
