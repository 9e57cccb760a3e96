# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``jupyterhub_server`` should do, decided from the hub's user model (no I/O here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

ServerSpec = namedtuple("ServerSpec", "user server_name state wait wait_timeout create_user user_options")

# What the hub shows of one server. ``exists`` is false for a server that is neither running nor pending
# (the hub lists only those in a user model).
ServerStatus = namedtuple("ServerStatus", "user_exists exists ready pending url")

# ``action``: none, create_user (then start), start, stop. ``wait_for``: started, stopped or None.
# ``after_stop``: a stop is pending and must finish before the start.
ServerPlan = namedtuple("ServerPlan", "action wait_for after_stop")

# A spec without a state (None) only reports the server.
STATES = ("started", "stopped")
# A server name becomes the URL path /user/<name>/<server>/: characters that stay themselves there.
SERVER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._~-]*$")

DONE = "done"
WAITING = "waiting"
FAILED = "failed"


def problems(spec):
    """What is wrong with the spec, found before the hub is asked anything."""
    out = []
    if not spec.user or spec.user != spec.user.strip() or "/" in spec.user:
        out.append("invalid user name %r: give the hub user's name (no '/', no surrounding spaces)" % (spec.user,))
    if not SERVER_NAME_PATTERN.match(spec.server_name or ""):
        out.append("invalid server_name %r: use letters, digits and . _ ~ - (empty for the default server)"
                   % (spec.server_name,))
    if spec.state is not None and spec.state not in STATES:
        out.append("state must be one of %s (got %r)" % (", ".join(STATES), spec.state))
    if not spec.wait_timeout > 0:
        out.append("wait_timeout must be a positive number of seconds (got %s)" % spec.wait_timeout)
    if spec.user_options is not None and spec.state != "started":
        out.append("user_options is only used with state=started")
    return out


def server_status(user_model, server_name):
    """The ServerStatus of ``server_name`` in ``user_model`` (None when the user does not exist)."""
    if user_model is None:
        return ServerStatus(False, False, False, None, None)
    server = (user_model.get("servers") or {}).get(server_name)
    if not server:
        return ServerStatus(True, False, False, None, None)
    return ServerStatus(True, True, bool(server.get("ready")), server.get("pending"), server.get("url"))


def decide(spec, status):
    """The ServerPlan that brings the server from ``status`` to ``spec.state``."""
    wait_for = spec.state if spec.wait and spec.state is not None else None
    if spec.state is None:
        return ServerPlan("none", None, False)
    if spec.state == "started":
        if not status.user_exists:
            return ServerPlan("create_user" if spec.create_user else "none", wait_for, False)
        if status.pending == "stop":
            return ServerPlan("start", wait_for, True)
        if status.ready or status.pending:
            return ServerPlan("none", wait_for, False)
        return ServerPlan("start", wait_for, False)
    # stopped
    if status.exists and status.pending != "stop" and (status.ready or status.pending):
        return ServerPlan("stop", wait_for, False)
    return ServerPlan("none", wait_for, False)


def progress(wanted, status):
    """Whether a server in ``status`` has reached ``wanted`` (started or stopped): done, waiting or failed.

    A server waited for to start that is neither ready nor pending any more failed to start (the spawner
    gave up, or the process died); the hub's log says why.
    """
    if wanted == "started":
        if status.ready:
            return DONE
        return WAITING if status.pending else FAILED
    return WAITING if status.exists and (status.ready or status.pending) else DONE


def server_url(hub_url, path):
    """The server's absolute URL from the hub's public URL and the path of the server model."""
    if not path:
        return None
    if re.match(r"^https?://", path):
        return path
    return hub_url.rstrip("/") + "/" + path.lstrip("/")


def hub_url_from_api(api_url):
    """The hub's public URL from its API URL (``https://hub/hub/api`` gives ``https://hub``)."""
    return re.sub(r"/hub/api/?$", "", api_url.rstrip("/"))
