"""Shared pytest set-up: real servers and an Ansible runner, each in its own fixture module."""

import signal

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
