#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_renewable_token
short_description: Ensure a renewable Vault token exists, is stored in KV v2 and stays alive
version_added: 0.1.0
author:
  - datastack platform engineering (@datastack)
description:
  - Keeps one Vault (or OpenBao) token stored in a KV version 2 secret, such as the JupyterHub admin
    token at C(secret/jupyterhub/vault-token).
  - With O(state=present) the stored token is looked up with itself; it is renewed when its remaining
    TTL is below O(renew_threshold), and replaced when it is invalid, expired, revoked, carries other
    policies or another period. A replacement is stored before the old token is revoked.
  - By default the token is B(periodic) (O(period) = O(ttl)). A non-periodic renewable token with
    O(explicit_max_ttl=0) is not unlimited, because the token auth mount's C(max_lease_ttl) (32 days
    by default) still ends it. The module warns when asked for one and reports the end date in
    RV(max_expire_time).
  - The token is returned only with O(return_token=true), and only when it was created or rotated.
  - Connection and authentication options are those of the C(community.hashi_vault) collection, so
    token, approle, jwt (also Kubernetes service account login, with O(auth_method=jwt) and
    O(mount_point=kubernetes)) and the other auth methods work.
requirements:
  - hvac (Python library) on the host that runs the module
extends_documentation_fragment:
  - community.hashi_vault.connection
  - community.hashi_vault.auth
attributes:
  check_mode:
    support: full
    description: Reports what would change without creating, renewing, storing or revoking anything.
  diff_mode:
    support: full
    description: Shows the stored token's metadata (accessor, policies, period, expiry), never the token.
  action_group:
    support: full
    description: Use C(group/datastack.jupyterhub.vault) in C(module_defaults).
    membership:
      - datastack.jupyterhub.vault
options:
  state:
    description:
      - V(present) keeps a valid stored token (renew, or replace when invalid or drifted).
      - V(rotated) always creates a new token, stores it, then revokes the old one.
      - V(absent) revokes the stored token and deletes the KV record.
    type: str
    choices: [present, rotated, absent]
    default: present
  policies:
    description:
      - Policies of the token (C(default) is added by Vault and ignored when comparing).
      - Required with O(state=present) or O(state=rotated) unless O(role_name) is set.
    type: list
    elements: str
  role_name:
    description:
      - Create the token through this token role (C(auth/token/create/<role_name>)), which needs only
        C(update) on that path instead of C(sudo) on C(auth/token/create-orphan).
    type: str
  ttl:
    description: Initial TTL of the token, a Vault duration (V(24h), V(1h30m), V(3600)).
    type: str
    default: 24h
  period:
    description:
      - Renewal period. Omitted means O(ttl) (a periodic token that lives as long as it is renewed).
      - V(0) asks for a non-periodic token, which ends at O(explicit_max_ttl) or at the token auth
        mount's C(max_lease_ttl), whichever comes first, however often it is renewed.
    type: str
  explicit_max_ttl:
    description: Hard cap on the token's life; V(0) or omitted means no cap of its own.
    type: str
  orphan:
    description: Create an orphan token (not revoked with the token that made it). Ignored with O(role_name).
    type: bool
    default: true
  renewable:
    description: Whether the token may be renewed.
    type: bool
    default: true
  display_name:
    description: Display name of the token.
    type: str
  meta:
    description: Metadata of the token (shown in audit logs).
    type: dict
  renew_threshold:
    description: Renew when the remaining TTL is below this duration. Default half the period (or TTL).
    type: str
  store_mount:
    description: KV version 2 mount that holds the record.
    type: str
    default: secret
  store_path:
    description: Path of the record inside O(store_mount), for example V(jupyterhub/vault-token).
    type: str
    required: true
  store_key:
    description: Key of the token in the record; the record also keeps C(accessor) and C(created_time).
    type: str
    default: token
  return_token:
    description: Return the token in RV(token) when it was created or rotated.
    type: bool
    default: false
  retries:
    description:
      - Retries on transient errors (HTTP 412, 500, 502, 503) with exponential backoff; see the
        C(community.hashi_vault) documentation for the dict form. V(0) disables retries.
    type: raw
    default: 3
notes:
  - The stored token must be allowed C(auth/token/lookup-self), C(renew-self) and C(revoke-self)
    (the C(default) policy allows them).
  - The token running the module needs read and write on the record, and C(update) on the creation
    path (C(auth/token/create/<role_name>), or C(auth/token/create-orphan) with C(sudo)).
seealso:
  - module: community.hashi_vault.vault_token_create
"""

EXAMPLES = r"""
- name: Keep the JupyterHub admin token alive (periodic, 24h)
  datastack.jupyterhub.vault_renewable_token:
    url: https://vault.example.org:8200
    token: "{{ vault_bootstrap_token }}"
    policies: [jupyterhub-admin]
    ttl: 24h
    store_path: jupyterhub/vault-token
  no_log: true

- name: Rotate it and hand the new token to the next task
  datastack.jupyterhub.vault_renewable_token:
    url: https://vault.example.org:8200
    auth_method: approle
    role_id: "{{ approle_role_id }}"
    secret_id: "{{ approle_secret_id }}"
    policies: [jupyterhub-admin]
    store_path: jupyterhub/vault-token
    state: rotated
    return_token: true
  register: admin_token
  no_log: true

- name: Revoke it and delete the record
  datastack.jupyterhub.vault_renewable_token:
    store_path: jupyterhub/vault-token
    state: absent
"""

RETURN = r"""
accessor:
  description: Accessor of the stored token (safe to log; it cannot be used to authenticate).
  returned: success, unless O(state=absent)
  type: str
ttl:
  description: Remaining TTL of the stored token in seconds.
  returned: success, unless O(state=absent)
  type: int
period:
  description: Period of the token in seconds; V(0) for a non-periodic token.
  returned: success, unless O(state=absent)
  type: int
policies:
  description: Policies of the stored token.
  returned: success, unless O(state=absent)
  type: list
  elements: str
expire_time:
  description: When the current lease ends unless the token is renewed (RFC 3339, UTC).
  returned: success, unless O(state=absent)
  type: str
max_expire_time:
  description:
    - The latest time renewals can reach (RFC 3339, UTC); null for a periodic token without
      explicit_max_ttl, which lives as long as it is renewed.
  returned: success, unless O(state=absent)
  type: str
renewed:
  description: Whether the stored token was renewed.
  returned: always
  type: bool
created:
  description: Whether a new token was created (and stored).
  returned: always
  type: bool
revoked:
  description: Whether a token was revoked (the replaced one, or the stored one with O(state=absent)).
  returned: always
  type: bool
reason:
  description: Why the task changed something (or would in check mode), for example C(stored token is invalid).
  returned: always
  type: str
token:
  description: The new token, only with O(return_token=true) and only when created or rotated.
  returned: when created and O(return_token=true)
  type: str
"""

from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import (
    VaultClientError,
    VaultModule,
    iso_time,
    now_epoch,
    parse_duration,
)

OWN_OPTIONS = dict(
    state=dict(type="str", choices=["present", "rotated", "absent"], default="present"),
    policies=dict(type="list", elements="str"),
    role_name=dict(type="str"),
    ttl=dict(type="str", default="24h"),
    period=dict(type="str"),
    explicit_max_ttl=dict(type="str"),
    orphan=dict(type="bool", default=True),
    renewable=dict(type="bool", default=True),
    display_name=dict(type="str"),
    meta=dict(type="dict"),
    renew_threshold=dict(type="str"),
    store_mount=dict(type="str", default="secret"),
    store_path=dict(type="str", required=True),
    store_key=dict(type="str", default="token", no_log=False),
    return_token=dict(type="bool", default=False),
)


def wanted_settings(params):
    """Durations in seconds and the policy set the caller asks for."""
    ttl = parse_duration(params["ttl"])
    period = ttl if params["period"] is None else parse_duration(params["period"])
    explicit = parse_duration(params["explicit_max_ttl"]) or 0
    threshold = params["renew_threshold"]
    threshold = parse_duration(threshold) if threshold is not None else None
    policies = sorted(set(params["policies"] or []) - {"default"})
    return dict(ttl=ttl, period=period, explicit_max_ttl=explicit, renew_threshold=threshold, policies=policies)


def drift(wanted, live, params):
    """Why the live token (lookup-self data) no longer fits, or None."""
    live_policies = sorted(set(live.get("policies") or []) - {"default"})
    if params["policies"] is not None and live_policies != wanted["policies"]:
        return "stored token has policies %s, wanted %s" % (live_policies, wanted["policies"])
    if not params["role_name"]:
        if int(live.get("period") or 0) != wanted["period"]:
            return "stored token has period %ss, wanted %ss" % (live.get("period") or 0, wanted["period"])
        if int(live.get("explicit_max_ttl") or 0) != wanted["explicit_max_ttl"]:
            return "stored token has explicit_max_ttl %ss, wanted %ss" % (
                live.get("explicit_max_ttl") or 0, wanted["explicit_max_ttl"])
    return None


def max_expire(live, mount_max):
    """Latest time renewals can reach (epoch), None when unbounded or unknown."""
    created = live.get("creation_time")
    explicit = int(live.get("explicit_max_ttl") or 0)
    caps = [explicit] if explicit else []
    if not int(live.get("period") or 0) and mount_max:
        caps.append(int(mount_max))
    if not caps or created is None:
        return None
    return int(created) + min(caps)


def describe(live, mount_max, store):
    """Metadata of a token safe for output and diff (never the token)."""
    if not live:
        return {}
    return dict(
        store=store,
        accessor=live.get("accessor"),
        policies=sorted(live.get("policies") or []),
        ttl=int(live.get("ttl") or 0),
        period=int(live.get("period") or 0),
        renewable=bool(live.get("renewable")),
        orphan=bool(live.get("orphan")),
        expire_time=iso_time(now_epoch() + int(live.get("ttl") or 0)) if live.get("ttl") else None,
        max_expire_time=iso_time(max_expire(live, mount_max)),
        created_time=iso_time(live.get("creation_time")),
    )


class RenewableToken:
    def __init__(self, module, vault):
        self.module = module
        self.vault = vault
        self.params = module.params
        self.store = "%s/%s" % (self.params["store_mount"], self.params["store_path"])
        self.result = dict(changed=False, created=False, renewed=False, revoked=False, reason="")
        self.new_token = None

    def read_record(self):
        self.vault.require_kv2(self.params["store_mount"])
        return self.vault.kv2_read(self.params["store_mount"], self.params["store_path"]) or {}

    def write_record(self, token, live):
        record = {
            self.params["store_key"]: token,
            "accessor": live.get("accessor"),
            "created_time": iso_time(live.get("creation_time")),
        }
        self.vault.kv2_write(self.params["store_mount"], self.params["store_path"], record)

    def create(self, wanted):
        params = self.params
        # Through a role the period is the role's token_period: asking for one would need sudo.
        period = wanted["period"] if wanted["period"] and not params["role_name"] else None
        auth = self.vault.create_token(
            role_name=params["role_name"], orphan=params["orphan"], policies=wanted["policies"] or None,
            ttl="%ds" % wanted["ttl"], period="%ds" % period if period else None,
            explicit_max_ttl="%ds" % wanted["explicit_max_ttl"] if wanted["explicit_max_ttl"] else None,
            renewable=params["renewable"], display_name=params["display_name"], meta=params["meta"])
        token = auth["client_token"]
        live = self.vault.with_token(token).lookup_self()
        if live is None:
            raise VaultClientError("the token just created through %s cannot look itself up: give its policies "
                                   "`read` on auth/token/lookup-self (the default policy has it)."
                                   % ("auth/token/create/%s" % params["role_name"] if params["role_name"]
                                      else "auth/token/create-orphan"))
        return token, live

    def replace(self, wanted, old_token, reason):
        """Create, store, then revoke the old token (never the other way round)."""
        self.result.update(changed=True, created=True, reason=reason)
        if self.module.check_mode:
            return None
        token, live = self.create(wanted)
        try:
            self.write_record(token, live)
        except VaultClientError:
            # Nothing refers to the new token: do not leave it alive. The old one stays untouched.
            self.vault.with_token(token).revoke_self()
            raise
        if old_token:
            self.vault.with_token(old_token).revoke_self()
            self.result["revoked"] = True
        self.new_token = token
        return live

    def absent(self):
        record = self.read_record()
        if not record:
            return {}, {}
        old = record.get(self.params["store_key"])
        live = self.vault.with_token(old).lookup_self() if old else None
        self.result.update(changed=True, reason="record exists at %s" % self.store)
        if not self.module.check_mode:
            if live:
                self.vault.with_token(old).revoke_self()
            self.vault.kv2_destroy(self.params["store_mount"], self.params["store_path"])
        self.result["revoked"] = bool(live)
        return describe(live, None, self.store), {}

    def present(self, wanted, rotate):
        params = self.params
        record = self.read_record()
        old = record.get(params["store_key"])
        client = self.vault.with_token(old) if old else None
        live = client.lookup_self() if client else None
        mount_max = self.vault.token_mount_max_ttl()
        before = describe(live, mount_max, self.store)
        if rotate:
            reason = "rotation requested"
        elif not old:
            reason = "no token stored at %s (key %s)" % (self.store, params["store_key"])
        elif live is None:
            reason = "stored token is invalid (expired or revoked)"
        elif params["renewable"] and not live.get("renewable"):
            raise VaultClientError(
                "the token stored at %s is not renewable: replace it with state=rotated (this module "
                "creates renewable tokens)." % self.store)
        else:
            reason = drift(wanted, live, params)
        if reason:
            new_live = self.replace(wanted, old if live else None, reason)
            after = describe(new_live, mount_max, self.store) if new_live else dict(
                store=self.store, accessor="(new)", policies=sorted(set(wanted["policies"]) | {"default"}),
                ttl=wanted["period"] or wanted["ttl"], period=wanted["period"])
            return before, after, new_live, mount_max
        after_live = live
        threshold = wanted["renew_threshold"]
        if threshold is None:
            # Half of what the token really got (a token role may set its own period).
            threshold = int(live.get("period") or live.get("creation_ttl") or wanted["ttl"]) // 2
        if int(live.get("ttl") or 0) < threshold and live.get("renewable"):
            self.result.update(changed=True, renewed=True,
                               reason="remaining TTL %ss is below the threshold %ss"
                               % (live.get("ttl"), threshold))
            if not self.module.check_mode:
                client.renew_self(None if live.get("period") else "%ds" % wanted["ttl"])
                after_live = client.lookup_self() or live
            else:
                after_live = dict(live, ttl=int(live.get("period") or wanted["ttl"]))
        if record.get("accessor") != live.get("accessor") or not record.get("created_time"):
            self.result.update(changed=True, reason=self.result["reason"] or "record metadata is out of date")
            if not self.module.check_mode:
                self.write_record(old, live)
        return before, describe(after_live, mount_max, self.store), after_live, mount_max

    def warn_mount_cap(self, wanted, live, mount_max):
        if wanted["period"] or wanted["explicit_max_ttl"] or not self.params["renewable"]:
            return
        end = iso_time(max_expire(live or {"creation_time": now_epoch()}, mount_max)) if mount_max else None
        self.module.warn(
            "a renewable token without period and with explicit_max_ttl 0 is NOT unlimited: the token auth "
            "mount's max_lease_ttl (%s) still ends it%s. Omit period (the default makes a periodic token) "
            "for a token that lives as long as it is renewed."
            % ("%ss" % mount_max if mount_max else "unknown: this token may not read sys/auth/token/tune",
               " at %s" % end if end else ""))

    def run(self):
        params = self.params
        if params["state"] == "absent":
            before, after = self.absent()
            self.finish(before, after)
            return
        try:
            wanted = wanted_settings(params)
        except ValueError as exc:
            self.module.fail_json(msg="invalid duration: %s" % exc)
        if params["policies"] is None and not params["role_name"]:
            self.module.fail_json(msg="policies is required with state=%s unless role_name is set" % params["state"])
        before, after, live, mount_max = self.present(wanted, params["state"] == "rotated")
        self.warn_mount_cap(wanted, live, mount_max)
        self.result.update(dict((key, after.get(key)) for key in (
            "accessor", "ttl", "period", "policies", "expire_time", "max_expire_time")))
        if self.new_token and params["return_token"]:
            self.result["token"] = self.new_token
        self.finish(before, after)

    def finish(self, before, after):
        if self.module._diff:
            self.result["diff"] = dict(before=before, after=after)
        self.module.exit_json(**self.result)


def main():
    module = VaultModule(
        argument_spec=VaultModule.argspec(**OWN_OPTIONS),
        supports_check_mode=True,
    )
    vault = module.vault()
    try:
        RenewableToken(module, vault).run()
    except VaultClientError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
