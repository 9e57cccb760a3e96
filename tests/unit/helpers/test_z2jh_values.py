"""The checks the render tests apply to rendered Z2JH values (tests/helpers/z2jh_values.py): misspelt options,
profile keys, services and roles are caught; KubeSpawner's environment merge and formatting."""

import copy

import pytest

from tests.helpers.z2jh_values import (all_problems, config_problems, load_role_problems, profile_problems,
                                       server_environment)

GOOD = {
    "hub": {
        "config": {"GenericOAuthenticator": {"client_id": "jupyterhub", "username_claim": "sub"},
                   "JupyterHub": {"authenticator_class": "generic-oauth"}},
        "services": {"admin-service": {"name": "admin-service"}, "gdp": {"url": "http://gdp:5000"}},
        "loadRoles": {"gdp-role": {"scopes": ["read:users"], "services": ["gdp"]}},
    },
    "singleuser": {"profileList": [{"slug": "big", "display_name": "Big", "default": True,
                                    "kubespawner_override": {"cpu_limit": 4, "mem_limit": "8G"}}]},
}


def test_correct_values_pass():
    assert all_problems(GOOD) == []


@pytest.mark.parametrize("path, bad_key", [
    (("hub", "config", "GenericOAuthenticator"), "client_idd"),
    (("hub", "config", "JupyterHub"), "authenticator"),
    (("hub", "services", "gdp"), "apitoken"),
    (("hub", "services", "gdp"), "roles_"),
])
def test_a_misspelt_option_is_caught(path, bad_key):
    values = copy.deepcopy(GOOD)
    node = values
    for part in path:
        node = node[part]
    node[bad_key] = "x"
    problems = all_problems(values)
    assert len(problems) == 1 and bad_key in problems[0]


def test_a_misspelt_profile_override_is_caught():
    values = copy.deepcopy(GOOD)
    values["singleuser"]["profileList"][0]["kubespawner_override"]["memory_limit"] = "8G"
    values["singleuser"]["profileList"][0]["defualt"] = True
    assert len(profile_problems(values)) == 2


def test_an_unknown_config_class_is_caught():
    values = copy.deepcopy(GOOD)
    values["hub"]["config"]["GenericOauthenticator"] = {"client_id": "x"}
    assert config_problems(values) == ["hub.config.GenericOauthenticator: unknown class"]


def test_a_role_naming_a_runtime_service_is_caught():
    values = copy.deepcopy(GOOD)
    values["hub"]["loadRoles"]["mcp-role"] = {"scopes": ["tokens"], "services": ["runtime-only"]}
    assert load_role_problems(values) == [
        "hub.loadRoles.mcp-role names service runtime-only, which is not in hub.services"]


def test_a_scope_the_hub_does_not_know_is_caught():
    values = copy.deepcopy(GOOD)
    values["hub"]["loadRoles"]["user"] = {"name": "user", "scopes": ["self", "access:service!service=gdp"]}
    assert load_role_problems(values) == [
        "Scope 'access:service!service=gdp' for hub.loadRoles.user does not exist"]
    values["hub"]["loadRoles"]["user"]["scopes"] = ["self", "access:services!service=gdp"]
    assert load_role_problems(values) == []


def values_with(*profiles, extra_env=None):
    return {"singleuser": {"extraEnv": dict(extra_env or {}), "profileList": list(profiles)}}


def profile(slug, environment=None, default=False):
    override = {"environment": environment} if environment is not None else {}
    return {"slug": slug, "display_name": slug, "default": default, "kubespawner_override": override}


def test_a_profile_environment_is_merged_into_extra_env():
    values = values_with(profile("mcp", {"DATASTACK_MCP_ENABLED": "1", "ONLY_HERE": "x"}),
                         profile("plain", default=True),
                         extra_env={"DATASTACK_MCP_ENABLED": "0", "PYTHONPATH": "/opt/datastack/python"})
    assert server_environment(values, "mcp") == {
        "DATASTACK_MCP_ENABLED": "1", "ONLY_HERE": "x", "PYTHONPATH": "/opt/datastack/python"}
    # Another profile of the same hub keeps the defaults: the override did not change the shared setting.
    assert server_environment(values, "plain") == {"DATASTACK_MCP_ENABLED": "0", "PYTHONPATH": "/opt/datastack/python"}


def test_environment_values_are_formatted_so_braces_must_be_doubled():
    doubled = values_with(profile("p", {"JSON": '[{{"command": ["x", "{{port}}"]}}]'}, default=True))
    assert server_environment(doubled, "p") == {"JSON": '[{"command": ["x", "{port}"]}]'}
    with pytest.raises(KeyError):
        server_environment(values_with(profile("p", {"JSON": '[{"command": ["x"]}]'}, default=True)), "p")
