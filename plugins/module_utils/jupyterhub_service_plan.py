# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``jupyterhub_service`` should do, decided from the live service model (no I/O here)."""

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

# ``action``: none, add, replace or remove. ``differences`` names the fields that made it.
ServicePlan = namedtuple("ServicePlan", "action differences body expected")

# Keys JupyterHub 5/6 accepts for a runtime service; anything else is a 400.
RUNTIME_SERVICE_KEYS = frozenset([
    "name", "admin", "url", "oauth_client_allowed_scopes", "api_token", "info", "display",
    "oauth_no_confirm", "oauth_client_id", "oauth_redirect_uri",
])
COMPARED_FIELDS = ("url", "display", "info", "admin")
OPTIONAL_FIELDS = ("url", "oauth_client_allowed_scopes", "oauth_no_confirm", "oauth_redirect_uri", "oauth_client_id")
MIN_TOKEN_LENGTH = 8
# The name becomes the URL path /services/<name>/: only characters that stay themselves there.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9._~-]+$")


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


def plan(spec, live, token_is_the_services):
    """The ServicePlan for ``live`` (None when the service does not exist).

    ``token_is_the_services`` says whether ``spec.service_token`` authenticates as this service
    (None when no token was given).
    """
    if spec.state == "absent":
        return ServicePlan("remove" if live is not None else "none", [], None, None)
    wanted = body(spec)
    if live is None:
        return ServicePlan("add", ["exists"], wanted, expected_model(spec.name, {}, wanted))
    diffs = differences(live, wanted)
    if token_is_the_services is False:
        diffs.append("service_token")
    if spec.force and not diffs:
        diffs.append("force")
    if not diffs:
        return ServicePlan("none", [], None, visible(live))
    return ServicePlan("replace", diffs, wanted, expected_model(spec.name, live, wanted))


def expected_model(name, live, wanted):
    """The model the hub will show after adding ``wanted`` (for check mode and the diff)."""
    model = dict(visible(live), **dict((k, v) for k, v in wanted.items() if k in COMPARED_FIELDS))
    model["name"] = name
    return model


def restore_body(live, token):
    """The POST body that brings back the service ``live`` (with ``token`` when it is known)."""
    out = dict((field, live.get(field)) for field in ("display", "info", "admin"))
    if live.get("url"):
        out["url"] = live["url"]
    if token is not None:
        out["api_token"] = token
    return out
