"""What the Z2JH chart's schema does not check in values, checked against the real classes.

``hub.config.<Class>``, ``hub.services``, ``hub.loadRoles`` and ``singleuser.profileList``
pass the chart's JSON schema unvalidated, so a misspelt option would be silently ignored by
the hub. These helpers check them against the real classes (jupyterhub, oauthenticator,
jupyterhub-kubespawner); the render tests apply them to every rendered values document.

``server_environment``: the environment a profile's servers get, computed by the real KubeSpawner. The chart
(4.2.0 and 4.4.0, whose hub images carry KubeSpawner 7.0.0) sets ``KubeSpawner.environment`` from
``singleuser.extraEnv`` and ``KubeSpawner.profile_list`` from ``singleuser.profileList``. KubeSpawner (6.2.0,
7.0.0 and 7.1.0 alike) merges a profile's ``kubespawner_override.environment`` into that environment instead of
replacing it, and formats every value with the user's properties (``{username}``...), so literal braces must be
doubled.
"""

import asyncio
import copy
import os
from unittest import mock

from traitlets.config import Config

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
