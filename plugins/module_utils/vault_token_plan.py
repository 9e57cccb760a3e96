# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What vault_renewable_token should do, decided without touching Vault (pure functions).

``spec_from()`` builds the ``TokenSpec`` of the module's options (durations in seconds);
``problems()`` lists requests the module must refuse; ``decide()`` compares what was ``Seen`` (the
stored record and the live token's ``lookup-self`` data) with the spec and returns a ``Decision``.
The other functions say how to renew, what to store, what to warn about and what to show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
from collections import namedtuple

from ansible_collections.datastack.jupyterhub.plugins.module_utils.durations import parse_duration

DURATION_OPTIONS = ("ttl", "period", "explicit_max_ttl", "renew_threshold")

# What the module read: the KV ``record`` ({} when there is none) and its ``version`` (for check-and-set),
# ``live`` lookup-self data of the stored token (None: no token, or invalid), ``now`` (Unix time) and
# ``mount_max``, the token auth mount's max_lease_ttl in seconds (None when unknown).
Seen = namedtuple("Seen", "record version live now mount_max")


class TokenSpec(object):
    """The token a task asks for. Durations are whole seconds; ``period`` 0 means not periodic."""

    def __init__(self, state="present", policies=None, no_default_policy=False, role_name=None, ttl=86400,
                 period=None, explicit_max_ttl=0, renew_threshold=None, renewable=True, orphan=True,
                 display_name=None, meta=None, store_mount="secret", store_path="", store_key="token"):
        self.state = state
        self.policies = None if policies is None else sorted(set(name.strip().lower() for name in policies))
        self.no_default_policy = bool(no_default_policy)
        self.role_name = role_name or None
        self.ttl = ttl
        # Through a token role the role's token_period applies; elsewhere the default period is the ttl.
        self.period = 0 if role_name and period is None else (ttl if period is None else period)
        self.explicit_max_ttl = explicit_max_ttl or 0
        self.renew_threshold = renew_threshold
        self.renewable = renewable
        self.orphan = orphan
        self.display_name = display_name
        self.meta = meta
        self.store_mount = store_mount
        self.store_path = store_path
        self.store_key = store_key

    @property
    def store(self):
        return "%s/%s" % (self.store_mount, self.store_path)

    def wanted_policies(self):
        """The exact policy set the token must carry."""
        return sorted(set(self.policies or []) | (set() if self.no_default_policy else {"default"}))

    def lifetime(self):
        """The longest lease one renewal can give, in seconds."""
        base = self.period or self.ttl
        return min(base, self.explicit_max_ttl) if self.explicit_max_ttl else base

    def create_body(self):
        """The body of the token create call: every policy sent explicitly, so Vault never copies the caller's."""
        body = dict(policies=list(self.policies), no_default_policy=self.no_default_policy,
                    ttl="%ds" % self.ttl, renewable=self.renewable)
        if self.period and not self.role_name:
            body["period"] = "%ds" % self.period
        if self.explicit_max_ttl:
            body["explicit_max_ttl"] = "%ds" % self.explicit_max_ttl
        if self.display_name:
            body["display_name"] = self.display_name
        if self.meta:
            body["meta"] = self.meta
        return body


class Decision(object):
    """``action``: create, renew, record (rewrite the record's metadata), remove (revoke the stored token and
    delete the record), refuse or none; ``reason`` for the user; ``rewrite_record``: after a renewal, the
    record's metadata no longer describe the live token and are written again."""

    def __init__(self, action, reason="", rewrite_record=False):
        self.action = action
        self.reason = reason
        self.rewrite_record = rewrite_record

    def __repr__(self):
        return "Decision(%r, %r, rewrite_record=%r)" % (self.action, self.reason, self.rewrite_record)


def spec_from(params):
    """The TokenSpec of the module's options; ValueError naming the option for a bad duration."""
    durations = {}
    for name in DURATION_OPTIONS:
        value = params.get(name)
        try:
            durations[name] = None if value is None else parse_duration(value)
        except ValueError as exc:
            raise ValueError("invalid duration in %s: %s" % (name, exc))
    return TokenSpec(state=params.get("state", "present"), policies=params.get("policies"),
                     no_default_policy=params.get("no_default_policy"), role_name=params.get("role_name"),
                     renewable=params.get("renewable", True), orphan=params.get("orphan", True),
                     display_name=params.get("display_name"), meta=params.get("meta"),
                     store_mount=params.get("store_mount", "secret"), store_path=params.get("store_path", ""),
                     store_key=params.get("store_key", "token"), **durations)


def path_problem(name, value):
    """Why a KV mount or path option is refused, or None."""
    if not value:
        return "%s is empty" % name
    if value.startswith("/"):
        return "%s %r starts with '/': give it relative to the KV mount, e.g. jupyterhub/vault-token" % (name, value)
    if any(segment in ("..", ".") for segment in value.split("/")):
        return "%s %r holds a '.' or '..' segment, which would leave the KV mount: remove it" % (name, value)
    return None


def problems(spec, mount_max=None):
    """Every reason to refuse the request (empty when it is fine); ``mount_max`` once it is known."""
    found = [problem for problem in (path_problem("store_mount", spec.store_mount),
                                     path_problem("store_path", spec.store_path)) if problem]
    if spec.state == "absent":
        return found
    if spec.policies is None:
        found.append("policies is required with state=%s, also with role_name: without a policy list Vault gives the "
                     "new token the policies of the token running the task, or the token role's allowed policies "
                     "(through a role without allowed_policies a root token makes a root token). List the policies "
                     "the token needs, e.g. [default]" % spec.state)
    elif spec.policies is not None and not (set(spec.policies) - ({"default"} if spec.no_default_policy else set())):
        found.append("policies %s asks for a token without any policy%s; Vault would give it the policies of the "
                     "token running the task (a root token makes a root token). List the policies it needs, e.g. "
                     "[default]" % (spec.policies, " (no_default_policy removes default)"
                                    if spec.no_default_policy else ""))
    if spec.no_default_policy and "default" in (spec.policies or []):
        found.append("policies lists default while no_default_policy is true: choose one")
    if spec.ttl <= 0:
        found.append("ttl must be more than 0 seconds")
    if spec.explicit_max_ttl and spec.explicit_max_ttl < (spec.period or spec.ttl):
        found.append("explicit_max_ttl (%ss) is shorter than the %s (%ss): every lease would be cut short and the "
                     "token replaced every %ss; make explicit_max_ttl at least the %s, or 0"
                     % (spec.explicit_max_ttl, "period" if spec.period else "ttl", spec.period or spec.ttl,
                        spec.explicit_max_ttl, "period" if spec.period else "ttl"))
    lease = spec.lifetime()
    if mount_max and not spec.role_name:
        lease = min(lease, int(mount_max))
    if spec.renew_threshold is not None and lease > 0 and spec.renew_threshold >= lease:
        found.append("renew_threshold (%ss) is not below the longest lease the token can get (%ss%s): every run "
                     "would renew it; lower renew_threshold or omit it (default: half the lease)"
                     % (spec.renew_threshold, lease, ", the token auth mount's max_lease_ttl"
                        if mount_max and lease == int(mount_max) else ""))
    return found


def policy_drift(spec, live):
    """Why the live token's policies differ from the wanted set, or None."""
    have = sorted(live.get("policies") or [])
    if have != spec.wanted_policies():
        return "stored token has policies %s, wanted %s" % (have, spec.wanted_policies())
    return None


def unexpected_policies(spec, live):
    """Why a token just created does not carry exactly the wanted policies, or None.

    A token role can drop ``default`` (its ``token_no_default_policy`` or ``disallowed_policies``) whatever the
    request says; such a token would be found drifted and replaced on every run."""
    have = sorted(live.get("policies") or [])
    if have == spec.wanted_policies():
        return None
    hint = ""
    if spec.role_name and sorted(set(have) | {"default"}) == spec.wanted_policies():
        hint = (" The token role %s gives its tokens no default policy (token_no_default_policy or "
                "disallowed_policies): set no_default_policy to true." % spec.role_name)
    return "Vault gave the new token the policies %s, not the %s asked for; it was revoked and nothing was stored.%s" \
        % (have, spec.wanted_policies(), hint)


def drift(spec, live):
    """Why the live token no longer fits the spec, or None."""
    reason = policy_drift(spec, live)
    if reason or spec.role_name:
        return reason
    if int(live.get("period") or 0) != spec.period:
        return "stored token has period %ss, wanted %ss" % (live.get("period") or 0, spec.period)
    if int(live.get("explicit_max_ttl") or 0) != spec.explicit_max_ttl:
        return "stored token has explicit_max_ttl %ss, wanted %ss" % (live.get("explicit_max_ttl") or 0,
                                                                      spec.explicit_max_ttl)
    return None


def max_expire(live, mount_max):
    """The latest time (epoch) renewals can reach; None when unbounded or unknown."""
    created = live.get("creation_time")
    explicit = int(live.get("explicit_max_ttl") or 0)
    caps = [explicit] if explicit else []
    if not int(live.get("period") or 0) and mount_max:
        caps.append(int(mount_max))
    if not caps or created is None:
        return None
    return int(created) + min(caps)


def threshold(spec, live):
    """Renew when the TTL is below this: the spec's, else half the lease the token really gets."""
    if spec.renew_threshold is not None:
        return spec.renew_threshold
    lease = int(live.get("creation_ttl") or 0) or spec.lifetime()
    if live.get("period"):
        lease = min(lease, int(live["period"]))
    return lease // 2


def decide(spec, seen):
    """The Decision for the spec and what was Seen."""
    if spec.state == "absent":
        return Decision("remove", "record exists at %s" % spec.store) if seen.record else Decision("none")
    decision = keep_or_replace(spec, seen)
    if decision.action in ("renew", "record"):
        decision.rewrite_record = record_stale(seen.record, seen.live)
    return decision


def keep_or_replace(spec, seen):
    record, live, now = seen.record or {}, seen.live, seen.now
    old = record.get(spec.store_key)
    if spec.state == "rotated":
        return Decision("create", "rotation requested")
    if not old:
        return Decision("create", "no token stored at %s (key %s)" % (spec.store, spec.store_key))
    if live is None:
        return Decision("create", "stored token is invalid (expired or revoked)")
    if spec.renewable and not live.get("renewable"):
        return Decision("refuse", "the token stored at %s is not renewable: replace it with state=rotated (this module "
                                  "creates renewable tokens)" % spec.store)
    reason = drift(spec, live)
    if reason:
        return Decision("create", reason)
    below = threshold(spec, live)
    end = max_expire(live, seen.mount_max)
    if end is not None and end - now < below:
        return Decision("create", "stored token reaches its maximum lifetime at %s, within the renew threshold (%ss)"
                        % (iso_time(end), below))
    if int(live.get("ttl") or 0) < below and live.get("renewable"):
        return Decision("renew", "remaining TTL %ss is below the threshold %ss" % (live.get("ttl"), below))
    if record_stale(record, live):
        return Decision("record", "record metadata is out of date")
    return Decision("none")


def record_stale(record, live):
    """Whether the record's accessor and created_time no longer describe the live token."""
    return record.get("accessor") != live.get("accessor") or not record.get("created_time")


def renew_increment(spec, live):
    """The increment of a renewal: none for a periodic token (it gets its period), else the ttl."""
    return None if live.get("period") else "%ds" % spec.ttl


def renewed(spec, live):
    """The lookup data a renewal would give (check mode)."""
    return dict(live, ttl=int(live.get("period") or spec.ttl))


def mount_cap_warning(spec, live, mount_max, now):
    """Why a renewable token that is not periodic ends however often it is renewed, or None."""
    if spec.period or spec.explicit_max_ttl or not spec.renewable or spec.role_name:
        return None
    end = max_expire(live or {"creation_time": now}, mount_max) if mount_max else None
    return ("a renewable token without period and with explicit_max_ttl 0 is NOT unlimited: the token auth "
            "mount's max_lease_ttl (%s) still ends it%s. Omit period (the default makes a periodic token) "
            "for a token that lives as long as it is renewed."
            % ("%ss" % mount_max if mount_max else "unknown: this token may not read sys/auth/token/tune",
               " at %s" % iso_time(end) if end else ""))


def new_record(existing, spec, token, live):
    """The record to store: the existing keys kept, the token and its metadata replaced."""
    record = dict(existing or {})
    record.update({spec.store_key: token, "accessor": live.get("accessor"),
                   "created_time": iso_time(live.get("creation_time"))})
    return record


def iso_time(epoch):
    """RFC 3339 UTC time of a Unix time (None stays None)."""
    if epoch is None:
        return None
    moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(live, mount_max, store, now):
    """Metadata of a token, safe for output and diff (never the token)."""
    if not live:
        return {}
    ttl = int(live.get("ttl") or 0)
    return dict(store=store, accessor=live.get("accessor"), policies=sorted(live.get("policies") or []), ttl=ttl,
                period=int(live.get("period") or 0), renewable=bool(live.get("renewable")),
                orphan=bool(live.get("orphan")), expire_time=iso_time(now + ttl) if ttl else None,
                max_expire_time=iso_time(max_expire(live, mount_max)),
                created_time=iso_time(live.get("creation_time")))


def planned(spec, store):
    """What a token to be created would look like (check mode)."""
    lease = spec.lifetime()
    return dict(store=store, accessor="(new)", policies=spec.wanted_policies(), ttl=lease, period=spec.period)
