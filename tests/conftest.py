"""Shared pytest set-up: real servers and an Ansible runner, each in its own fixture module."""

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
