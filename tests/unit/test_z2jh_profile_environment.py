"""The environment a Z2JH profile's servers get, computed by the real KubeSpawner from the chart's values.

The chart (4.2.0 and 4.4.0, whose hub images carry KubeSpawner 7.0.0) sets ``KubeSpawner.environment`` from
``singleuser.extraEnv`` and ``KubeSpawner.profile_list`` from ``singleuser.profileList``. KubeSpawner (6.2.0,
7.0.0 and 7.1.0 alike) merges a profile's ``kubespawner_override.environment`` into that environment instead of
replacing it, and formats every value with the user's properties (``{username}``...), so literal braces must be
doubled. The render tests apply ``server_environment`` to every rendered profile.
"""

import asyncio
import copy
from unittest import mock

import pytest
from traitlets.config import Config

JUPYTERHUB_OWN = ("JUPYTERHUB_", "JPY_", "JUPYTER_IMAGE")


def server_environment(values, slug):
    """The environment KubeSpawner gives a server of profile ``slug``, without JupyterHub's own variables."""
    import kubespawner.spawner
    from kubespawner import KubeSpawner

    singleuser = values.get("singleuser", {})
    config = Config()
    config.KubeSpawner.environment = copy.deepcopy(singleuser.get("extraEnv", {}))
    config.KubeSpawner.profile_list = copy.deepcopy(singleuser.get("profileList", []))
    # No cluster is contacted: only loading a kubeconfig and making an API client are left out.
    with mock.patch.object(kubespawner.spawner, "load_config"), mock.patch.object(kubespawner.spawner, "shared_client"):
        spawner = KubeSpawner(config=config, _mock=True)
        spawner.user_options = {"profile": slug}
        asyncio.run(spawner.load_user_options())
        environment = spawner.get_env()
    return {name: value for name, value in environment.items() if not name.startswith(JUPYTERHUB_OWN)}


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
