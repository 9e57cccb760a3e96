# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``jupyterhub_token`` should do for one user, decided from what the hub and the store hold.

Pure functions, no I/O. Scopes are compared with the expansion the hub itself computes (the
module learns it from a token the hub creates with the requested scopes), never with a local
guess of the hub's rules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple
from datetime import datetime, timedelta

# What the caller asks for. ``scopes`` None is the hub's default; ``token_id`` selects one token
# instead of ``note``; ``stored`` says whether a destination holds the secrets.
TokenSpec = namedtuple("TokenSpec", "state note scopes expires_in renew_before token_id stored")

# What the run saw for one user. ``tokens`` None means the user does not exist yet. ``stored_id`` is
# the id of the token whose secret the destination holds and which authenticates as the user (None if
# none); ``was_stored`` says whether the destination holds anything for the user (even a dead token).
# ``expected`` is the set of scopes the hub gives a token made now with the requested scopes (needed
# only when ``candidates`` is not empty, else None). ``now`` is a naive UTC datetime.
Seen = namedtuple("Seen", "tokens stored_id was_stored expected now")

# ``action`` is one of none, kept, created, replaced, rotated, revoked. ``create`` asks for a new
# token; ``revoke`` lists tokens to revoke (after the new one is stored, when one is created).
Decision = namedtuple("Decision", "action keep create revoke")

MAX_EXPIRES_IN = 100 * 365 * 86400
PROBE_SUFFIX = " [scope check]"
PROBE_LIFETIME = 300
METADATA_KEYS = ("id", "note", "scopes", "expires_at", "created", "last_activity")


def seconds(value):
    """The value of a lifetime option as a whole number of seconds; refuses booleans, fractions and units."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number of seconds")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.match(r"^-?[0-9]+$", text):
        return int(text)
    raise ValueError("%r is not a whole number of seconds (for example 2592000 for 30 days)" % (value,))


def spec_from(params, stored):
    """The TokenSpec of the module's options; ``stored`` says that a destination is set.

    ValueError naming the option when a lifetime is not a whole number of seconds.
    """
    lifetimes = {}
    for option in ("expires_in", "renew_before"):
        try:
            lifetimes[option] = None if params[option] is None else seconds(params[option])
        except (TypeError, ValueError) as error:
            raise ValueError("%s: %s" % (option, error))
    return TokenSpec(state=params["state"], note=params["note"], scopes=params["scopes"],
                     expires_in=lifetimes["expires_in"],
                     renew_before=default_renew_before(lifetimes["expires_in"], lifetimes["renew_before"]),
                     token_id=params["token_id"], stored=stored)


def token_id_of(owner, user):
    """The token id in ``owner`` (the hub's answer to who a token belongs to, None when it does not know the
    token) when the token is ``user``'s, else None."""
    if owner is None or owner.get("name") != user:
        return None
    return owner.get("token_id")


def problems(spec):
    """What is wrong with a spec, as messages naming the options."""
    problems = []
    if spec.expires_in is not None and not 0 < spec.expires_in <= MAX_EXPIRES_IN:
        problems.append("expires_in must be between 1 and %d seconds (100 years); omit it for a token that never "
                        "expires" % MAX_EXPIRES_IN)
    if spec.renew_before is not None and spec.renew_before < 0:
        problems.append("renew_before must be 0 or more seconds")
    elif spec.renew_before and spec.expires_in is not None and spec.renew_before >= spec.expires_in:
        problems.append("renew_before (%d) must be less than expires_in (%d): a token that must be renewed as soon "
                        "as it is made would be replaced on every run" % (spec.renew_before, spec.expires_in))
    if not spec.note or not spec.note.strip():
        problems.append("note must not be empty: it identifies the managed token")
    return problems


def name_problem(name):
    """Why the hub would refuse ``name`` as a user name, or None (its default rules)."""
    if not name:
        return "is empty"
    if "/" in name:
        return "contains '/'"
    if set(name) == set("."):
        return "is only dots"
    if name != name.strip():
        return "starts or ends with a space"
    return None


def hub_name(name):
    """The name the hub gives a user created as ``name`` (its default normalisation: lower case)."""
    return name.lower()


def default_renew_before(expires_in, renew_before):
    """Replace a token in its last tenth of life unless the caller said otherwise."""
    if renew_before is not None:
        return renew_before
    return expires_in // 10 if expires_in else 0


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


def expires_at_for(expires_in, now):
    if not expires_in:
        return None
    return (now + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def age_order(token):
    """Sort key: the hub numbers tokens in creation order (``a41`` before ``a342``)."""
    digits = "".join(ch for ch in token.get("id") or "" if ch.isdigit())
    return (int(digits) if digits else 0, token.get("created") or "")


def probe_note(note):
    return note + PROBE_SUFFIX


def managed(tokens, spec):
    """The tokens this spec manages, oldest first."""
    if spec.token_id:
        found = [t for t in tokens or [] if t.get("id") == spec.token_id]
    else:
        found = [t for t in tokens or [] if t.get("note") == spec.note]
    return sorted(found, key=age_order)


def probes(tokens, spec):
    """Scope-check tokens a killed run may have left behind."""
    return [t for t in tokens or [] if t.get("note") == probe_note(spec.note)]


def lifetime_fits(token, spec, now):
    expires = parse_time(token.get("expires_at"))
    if expires is None:
        return spec.expires_in is None  # an expiry was asked for; a never-expiring token does not fit
    remaining = (expires - now).total_seconds()
    if remaining <= (spec.renew_before or 0):
        return False
    # A lifetime shortened since the token was made; a minute of slack for clocks and slow runs.
    return spec.expires_in is None or remaining <= spec.expires_in + 60


def candidates(spec, seen):
    """Managed tokens that may be kept if their scopes are right (the stored one, with a destination)."""
    if spec.state != "present":
        return []
    found = [t for t in managed(seen.tokens, spec) if lifetime_fits(t, spec, seen.now)]
    if spec.stored:
        found = [t for t in found if t.get("id") == seen.stored_id]
    return found


def scopes_fit(token, expected):
    return expected is not None and frozenset(token.get("scopes") or ()) == frozenset(expected)


def decide(spec, seen):
    """The Decision for one user, from the TokenSpec and what was Seen."""
    mine = managed(seen.tokens, spec)
    leftovers = probes(seen.tokens, spec)
    if spec.state == "absent":
        return Decision("revoked" if mine else "none", None, False, mine + leftovers)
    if spec.state == "rotated":
        return Decision("rotated" if mine else "created", None, True, mine + leftovers)
    fitting = [t for t in candidates(spec, seen) if scopes_fit(t, seen.expected)]
    if fitting:
        keep = fitting[0]
        return Decision("kept", keep, False, extras(mine, keep) + leftovers)
    return Decision("replaced" if mine or seen.was_stored else "created", None, True, mine + leftovers)


def extras(tokens, keep):
    """Managed tokens to revoke beside ``keep``: all the others."""
    return [t for t in tokens if t.get("id") != keep.get("id")]


def younger(tokens, keep):
    """Tokens made after ``keep``: with a destination, maybe by another run that is about to store one."""
    return [t for t in tokens if age_order(t) > age_order(keep)]


def settle(spec, seen, own):
    """After ``own`` was created (and stored, with a destination): (winner id, tokens to revoke).

    With a destination the stored token wins: a run that lost the compare-and-set write revokes
    its own. Without one, two runs at once may each have made a token; every run picks the same
    winner, the oldest fitting managed token (the newest with ``rotated``), and revokes the others.
    ``seen`` holds the tokens listed after ``own`` was made.
    """
    mine = managed(seen.tokens, spec)
    if spec.stored:
        return own["id"], extras(mine, own)
    if spec.state == "rotated":
        winner = mine[-1] if mine else own
    else:
        fitting = [t for t in mine if lifetime_fits(t, spec, seen.now) and scopes_fit(t, seen.expected)]
        winner = fitting[0] if fitting else own
    return winner["id"], extras(mine, winner)


def rename_scopes(scopes, old, new):
    """Scopes expanded for user ``old`` as the hub expands them for user ``new`` with the same roles."""
    out = set()
    for scope in scopes:
        base, bang, target = scope.partition("!")
        if target == "user=" + old:
            target = "user=" + new
        elif target.startswith("server=" + old + "/"):
            target = "server=" + new + target[len("server=" + old):]
        out.add(base + bang + target)
    return frozenset(out)


def metadata(token):
    """The parts of a token model that may be shown (never the secret)."""
    if not token:
        return {}
    out = dict((key, token.get(key)) for key in METADATA_KEYS if key in token)
    if isinstance(out.get("scopes"), list):
        out["scopes"] = sorted(out["scopes"])
    return out
