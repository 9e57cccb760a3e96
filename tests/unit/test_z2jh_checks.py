"""Checks for the parts of Z2JH values the chart's schema does not look into.

``hub.config.<Class>``, ``hub.services``, ``hub.loadRoles`` and ``singleuser.profileList``
pass the chart's JSON schema unvalidated, so a misspelt option would be silently ignored by
the hub. These helpers check them against the real classes (jupyterhub, oauthenticator,
jupyterhub-kubespawner); the render tests apply them to every rendered values document.
"""

import copy
import os
from pathlib import Path

import pytest
from traitlets.config import Config

ROLE = Path(__file__).resolve().parents[2] / "roles" / "z2jh"

PROFILE_KEYS = {"display_name", "slug", "description", "default", "kubespawner_override", "profile_options"}


def configurable_classes():
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator, DummyAuthenticator, NullAuthenticator
    from jupyterhub.crypto import CryptKeeper
    from jupyterhub.proxy import ConfigurableHTTPProxy
    from jupyterhub.spawner import Spawner
    from kubespawner import KubeSpawner
    from oauthenticator.generic import GenericOAuthenticator
    from oauthenticator.oauth2 import OAuthenticator

    classes = [JupyterHub, Authenticator, DummyAuthenticator, NullAuthenticator, CryptKeeper,
               ConfigurableHTTPProxy, Spawner, KubeSpawner, OAuthenticator, GenericOAuthenticator]
    return {cls.__name__: cls for cls in classes}


def config_problems(values):
    """Every key under hub.config.<Class> must be a configurable trait of that class."""
    classes = configurable_classes()
    problems = []
    for name, settings in (values.get("hub", {}).get("config") or {}).items():
        cls = classes.get(name)
        if cls is None:
            problems.append("hub.config.%s: unknown class" % name)
            continue
        known = set(cls.class_trait_names(config=True))
        problems += ["hub.config.%s.%s: not a configurable trait" % (name, key)
                     for key in settings if key not in known]
    return problems


def profile_problems(values):
    """Profile keys KubeSpawner reads; every kubespawner_override key a KubeSpawner trait."""
    from kubespawner import KubeSpawner

    traits = set(KubeSpawner.class_trait_names())
    problems = []
    for profile in values.get("singleuser", {}).get("profileList") or []:
        slug = profile.get("slug", "?")
        problems += ["profile %s: unknown key %s" % (slug, key) for key in profile if key not in PROFILE_KEYS]
        problems += ["profile %s: kubespawner_override.%s is not a KubeSpawner trait" % (slug, key)
                     for key in profile.get("kubespawner_override", {}) if key not in traits]
    return problems


def chart_services(values):
    """hub.services as the chart's jupyterhub_config.py turns them into JupyterHub.services."""
    services = []
    for key, service in (values.get("hub", {}).get("services") or {}).items():
        service = copy.deepcopy(service)
        service.setdefault("name", key)
        service.pop("apiToken", None)
        service["api_token"] = "token-from-the-chart-secret"
        services.append(service)
    return services


def service_problems(values):
    """Every service key must be a field JupyterHub accepts for a config-file service."""
    from jupyterhub.services.service import Service

    accepted = set(Service.class_traits(input=True))
    return ["hub.services.%s.%s: not a service field" % (service["name"], key)
            for service in chart_services(values) for key in service if key not in accepted]


def load_role_problems(values):
    """Roles may name only services defined in the configuration (never runtime-only ones), and only scopes the
    hub knows (a scope it does not know stops it from starting)."""
    from jupyterhub.scopes import _check_scopes_exist  # the check the hub runs on load_roles at start

    hub = values.get("hub", {})
    defined = {service["name"] for service in chart_services(values)}
    problems = []
    for key, role in (hub.get("loadRoles") or {}).items():
        problems += ["hub.loadRoles.%s names service %s, which is not in hub.services" % (key, name)
                     for name in role.get("services", []) if name not in defined]
        try:
            _check_scopes_exist(role.get("scopes", []), who_for="hub.loadRoles.%s" % key)
        except KeyError as exc:  # jupyterhub.scopes.ScopeNotFound
            problems.append(str(exc).strip('"'))
    return problems


def all_problems(values):
    return config_problems(values) + profile_problems(values) + service_problems(values) + load_role_problems(values)


def run_extra_config(values, env, services=()):
    """Execute hub.extraConfig like the chart does (sorted by key) with a real traitlets Config."""
    c = Config()
    c.JupyterHub.services = [dict(service) for service in services]
    old = dict(os.environ)
    os.environ.update(env)
    try:
        for key, source in sorted(values["hub"].get("extraConfig", {}).items()):
            exec(compile(source, key, "exec"), {"c": c, "__name__": key})  # noqa: S102 (the hub does the same)
    finally:
        os.environ.clear()
        os.environ.update(old)
    return c


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
