# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``jupyterhub_service`` should do, decided from what the module read on the hub (no I/O here).

``spec_from()`` builds the ServiceSpec of the module's options, ``problems()`` lists what to refuse
before the hub is touched, ``decide()`` turns the spec and what was Seen into a ServicePlan, and
``restore()`` says how to bring the previous service back when the hub refuses the new one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity tests
    from urlparse import urlsplit  # type: ignore

ServiceSpec = namedtuple("ServiceSpec", "name state url service_token display info admin oauth_client_allowed_scopes "
                                        "oauth_no_confirm oauth_redirect_uri oauth_client_id force")

# What the module read on the hub. ``live`` is the service model (None: there is no such service).
# ``token_checked`` says whether the hub was asked who ``service_token`` belongs to (see
# ``token_to_check``); ``token_owner`` is its answer, None when the hub does not know the token.
Seen = namedtuple("Seen", "live token_checked token_owner")

# ``action``: none, add, replace, remove or refuse. ``differences`` names the fields that made an add
# or a replace; ``body`` is what to POST; ``expected`` the model the hub will show (no token);
# ``reason`` says why a request is refused.
ServicePlan = namedtuple("ServicePlan", "action differences body expected reason")

# Keys JupyterHub 5/6 accepts for a runtime service; anything else is a 400.
RUNTIME_SERVICE_KEYS = frozenset([
    "name", "admin", "url", "oauth_client_allowed_scopes", "api_token", "info", "display",
    "oauth_no_confirm", "oauth_client_id", "oauth_redirect_uri",
])
COMPARED_FIELDS = ("url", "display", "info", "admin")
OPTIONAL_FIELDS = ("url", "oauth_client_allowed_scopes", "oauth_no_confirm", "oauth_redirect_uri", "oauth_client_id")
MIN_TOKEN_LENGTH = 8
ROUTING_SYNCED = "the proxy's routes were updated at once"
ROUTING_LATER = ("the token lacks the proxy scope, so the proxy's route for /services/%s/ changes at the hub's next "
                 "route check (JupyterHub.last_activity_interval, 5 minutes by default)")
# The name becomes the URL path /services/<name>/: only characters that stay themselves there.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._~-]+$")


def spec_from(params):
    """The ServiceSpec of the module's options."""
    return ServiceSpec(**dict((field, params[field]) for field in ServiceSpec._fields))


def url_problem(option, value):
    """Why ``value`` is not a URL the hub and its proxy can use, or None."""
    try:
        parts = urlsplit(value)
        dummy = parts.port  # a port that is not a number raises ValueError
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", value):
        return "%s %r is not an http:// or https:// URL with a host (for example http://gdp.gdp.svc:5000)" \
            % (option, value)
    if "@" in parts.netloc:
        return "%s must not contain credentials (user:password@)" % option
    return None


def problems(spec):
    """What is wrong with the spec, found before anything on the hub is touched."""
    out = []
    if not NAME_PATTERN.match(spec.name or "") or set(spec.name) == set("."):
        out.append("invalid service name %r: use letters, digits and . _ ~ - (not only dots); it becomes the URL "
                   "path /services/<name>/" % (spec.name,))
    if spec.state != "present":
        return out
    for option in ("url", "oauth_redirect_uri"):
        value = getattr(spec, option)
        if value is not None:
            problem = url_problem(option, value)
            if problem:
                out.append(problem)
    token = spec.service_token
    if token is not None and (len(token) < MIN_TOKEN_LENGTH or token != token.strip()):
        # JupyterHub 6.1 answers 500 and keeps a half-made service in memory for a short token.
        out.append("service_token must be at least %d characters without surrounding spaces (the hub fails on "
                   "shorter ones); generate one with `openssl rand -hex 32`" % MIN_TOKEN_LENGTH)
    if any(not isinstance(value, str) for value in (spec.info or {}).values()):
        out.append("info must map names to strings (the hub shows them as text)")
    return out


def body(spec):
    """The POST body for the spec."""
    out = dict(display=spec.display, info=dict(spec.info or {}), admin=spec.admin)
    if spec.service_token is not None:
        out["api_token"] = spec.service_token
    for key in OPTIONAL_FIELDS:
        if getattr(spec, key) is not None:
            out[key] = getattr(spec, key)
    return out


def differences(live, wanted):
    """Fields of ``wanted`` that the live model shows differently."""
    out = []
    for field in COMPARED_FIELDS:
        want = wanted.get(field, "" if field == "url" else None)
        have = live.get(field)
        if field == "url":
            want, have = (want or "").rstrip("/"), (have or "").rstrip("/")
        if want != have:
            out.append(field)
    return out


def visible(model):
    """A service model without its token."""
    return dict((k, v) for k, v in (model or {}).items() if k != "api_token")


def token_to_check(spec, live):
    """The token the module must ask the hub about (who it belongs to) before deciding, or None.

    The hub cannot show a service's token, so only its owner tells whether the live service has it.
    """
    if spec.state == "present" and live is not None:
        return spec.service_token
    return None


def decide(spec, seen):
    """The ServicePlan for the spec and what was Seen."""
    live = seen.live
    if spec.state == "absent":
        return ServicePlan("remove" if live is not None else "none", [], None, None, None)
    wanted = body(spec)
    if live is None:
        return ServicePlan("add", ["exists"], wanted, expected_model(spec.name, {}, wanted), None)
    owner = seen.token_owner
    if owner is not None and (owner.get("kind"), owner.get("name")) != ("service", spec.name):
        return ServicePlan("refuse", [], None, visible(live),
                           "service_token is already the token of %s %s: the hub would fail half-way; give the "
                           "service a token of its own" % (owner.get("kind"), owner.get("name")))
    diffs = differences(live, wanted)
    if seen.token_checked and owner is None:
        diffs.append("service_token")
    if spec.force and not diffs:
        diffs.append("force")
    if not diffs:
        return ServicePlan("none", [], None, visible(live), None)
    return ServicePlan("replace", diffs, wanted, expected_model(spec.name, live, wanted), None)


def expected_model(name, live, wanted):
    """The model the hub will show after adding ``wanted`` (for check mode and the diff)."""
    model = dict(visible(live), **dict((k, v) for k, v in wanted.items() if k in COMPARED_FIELDS))
    model["name"] = name
    return model


def restore(spec, seen, decided):
    """The POST body that adds the previous service back when the hub refused ``decided``; it carries the
    old token only when that is known to be ``spec.service_token`` (given, and it authenticated as the
    service)."""
    token = spec.service_token if "service_token" not in decided.differences else None
    return restore_body(seen.live, token)


def routing(name, synced):
    """When the proxy's route for /services/<name>/ follows a change, in words."""
    return ROUTING_SYNCED if synced else ROUTING_LATER % name


def restore_body(live, token):
    """The POST body that brings back the service ``live`` (with ``token`` when it is known)."""
    out = dict((field, live.get(field)) for field in ("display", "info", "admin"))
    if live.get("url"):
        out["url"] = live["url"]
    if token is not None:
        out["api_token"] = token
    return out
