# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``jupyterhub_token`` should do for one user, decided from the live tokens (no I/O here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timedelta

# Requested "scopes" that the hub replaces by every scope the owner holds.
ROLE_LIKE_SCOPES = frozenset(["self", "inherit", "all"])
METADATA_KEYS = ("id", "note", "scopes", "expires_at", "created", "last_activity")


def parse_time(value):
    """JupyterHub timestamps (``2026-11-24T02:03:15.961783Z``) as naive UTC datetimes."""
    if not value:
        return None
    text = value.rstrip("Z").split("+")[0]
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _split(scope):
    base, sep, scope_filter = scope.partition("!")
    return base, scope_filter


def _implied_by(stored_scope, requested_scope):
    """True when the hub could have added ``stored_scope`` while expanding ``requested_scope``.

    The hub keeps the requested scope and adds its subscopes, which share its words
    (``read:users`` -> ``read:users:name``, ``servers`` -> ``start:servers``) and its filter.
    """
    stored_base, stored_filter = _split(stored_scope)
    wanted_base, wanted_filter = _split(requested_scope)
    if wanted_filter and stored_filter != wanted_filter:
        return False
    stored_words = stored_base.split(":")
    wanted_words = wanted_base.split(":")
    size = len(wanted_words)
    return any(stored_words[i:i + size] == wanted_words for i in range(len(stored_words) - size + 1))


def scopes_match(requested, stored, user):
    """Whether a token stored with ``stored`` (expanded by the hub) is what ``requested`` asks for.

    ``requested`` None means the hub default (every scope of the owner), like ``inherit``.
    """
    stored = set(stored or [])
    if not requested:
        requested = ["inherit"]
    requested = set(requested)
    role_like = requested & ROLE_LIKE_SCOPES
    explicit = requested - ROLE_LIKE_SCOPES
    for scope in explicit:
        if scope not in stored and ("!" in scope or "%s!user=%s" % (scope, user) not in stored):
            return False
    if role_like:
        # The owner's own scopes are all filtered to the owner (or unfiltered for admins).
        return any(s.endswith("!user=%s" % user) or "!" not in s for s in stored)
    return all(any(_implied_by(s, wanted) or _implied_by(s, "%s!user=%s" % (wanted, user))
                   for wanted in explicit) for s in stored)


def remaining_seconds(token, now):
    expires = parse_time(token.get("expires_at"))
    if expires is None:
        return None
    return (expires - now).total_seconds()


def token_fits(token, scopes, expires_in, renew_before, user, now):
    remaining = remaining_seconds(token, now)
    if remaining is not None and remaining <= renew_before:
        return False
    if expires_in is not None and remaining is None:
        return False  # an expiry was asked for; a never-expiring token does not fit
    if expires_in is not None and remaining is not None and remaining > expires_in + 60:
        return False  # lifetime shortened since the token was made
    return scopes_match(scopes, token.get("scopes"), user)


def metadata(token):
    """The parts of a token model that may be shown (never the secret)."""
    if not token:
        return {}
    out = dict((key, token.get(key)) for key in METADATA_KEYS if key in token)
    if isinstance(out.get("scopes"), list):
        out["scopes"] = sorted(out["scopes"])
    return out


def plan(tokens, state, note, scopes, expires_in, renew_before, user, now=None, token_id=None):
    """Decide for one user. Returns dict(action, keep, revoke) where ``action`` is one of
    ``none`` (nothing to do), ``kept``, ``created``, ``replaced``, ``rotated``, ``revoked``.
    ``tokens`` None means the user does not exist yet.
    """
    now = now or datetime.utcnow()
    tokens = tokens or []
    if token_id:
        managed = [t for t in tokens if t.get("id") == token_id]
    else:
        managed = [t for t in tokens if t.get("note") == note]
    if state == "absent":
        return dict(action="revoked" if managed else "none", keep=None, revoke=managed)
    if state == "rotated":
        return dict(action="rotated" if managed else "created", keep=None, revoke=managed)
    fitting = [t for t in managed if token_fits(t, scopes, expires_in, renew_before, user, now)]
    if fitting:
        newest = max(fitting, key=lambda t: t.get("created") or "")
        return dict(action="kept", keep=newest, revoke=[])
    return dict(action="replaced" if managed else "created", keep=None, revoke=managed)


def default_renew_before(expires_in, renew_before):
    """Replace a token in its last tenth of life unless the caller said otherwise."""
    if renew_before is not None:
        return renew_before
    if expires_in:
        return expires_in // 10
    return 0


def expires_at_for(expires_in, now=None):
    if not expires_in:
        return None
    return ((now or datetime.utcnow()) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
