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
description:
  - Keeps one Vault (or OpenBao) token stored in a KV version 2 secret, such as the JupyterHub admin
    token at C(secret/jupyterhub/vault-token).
  - With O(state=present) the stored token is looked up with itself; it is renewed when its remaining
    TTL is below O(renew_threshold), and replaced when it is invalid, expired, revoked, carries other
    policies, another period, or would reach its maximum lifetime before the next renewal.
  - A replacement is stored with a KV v2 check-and-set before the old token is revoked. When another run
    stored a token first, this run revokes the token it made and reports the winner's token (a warning
    says so), so parallel runs leave exactly one live token, the stored one. Other keys of the record are kept.
  - The policy list is always sent to Vault explicitly, through a token role too. A request without one, or an
    empty one, is refused (Vault would give the new token the policies of the token running the task, or the
    role's), and so is a policy the server does not know. A new token whose policies are not exactly the ones
    asked for is revoked before it is stored.
  - By default the token is B(periodic) (O(period) = O(ttl)). A non-periodic renewable token with
    O(explicit_max_ttl=0) is not unlimited, because the token auth mount's C(max_lease_ttl) (32 days
    by default) still ends it. The module warns when asked for one and reports the end date in
    RV(max_expire_time).
  - The token is returned only with O(return_token=true), and only when it was created or rotated.
author:
  - Datastack Platform Engineering (@datastack)
extends_documentation_fragment:
  - datastack.jupyterhub.vault
  - datastack.jupyterhub.vault.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change without creating, renewing, storing or revoking anything.
  diff_mode:
    support: full
    details: The diff shows the stored token's metadata (accessor, policies, period, expiry), never the token.
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
      - The policies of the token, sent to Vault as given. C(default) is added unless
        O(no_default_policy=true); list only C(default) for a token with just that policy.
      - Required with O(state=present) or O(state=rotated), also with O(role_name), because without a policy list Vault
        gives the new token the policies of the token running the task, or the token role's allowed policies
        (through a role without C(allowed_policies), a root token makes a root token). An empty list is
        refused, and so is a policy that does not exist on the server (when the task's token may read
        C(sys/policies/acl/<name>)).
      - A new token that does not carry exactly these policies (plus C(default) unless O(no_default_policy=true))
        is revoked before it is stored, and the task fails. A token role with C(token_no_default_policy) or
        C(disallowed_policies=[default]) drops C(default), so set O(no_default_policy=true) with such a role.
    type: list
    elements: str
  no_default_policy:
    description: Do not give the token the C(default) policy (which allows C(sys/*) tools such as C(sys/wrapping/wrap)).
    type: bool
    default: false
  role_name:
    description:
      - Create the token through this token role (C(auth/token/create/<role_name>)), which needs only
        C(update) on that path instead of C(sudo) on C(auth/token/create-orphan).
      - O(policies) is still required; each of them must be allowed by the role.
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
    description:
      - Hard cap on the token's life; V(0) or omitted means no cap of its own. When set it must be at least
        the period (or the TTL), or every lease would be cut short.
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
    description:
      - Renew when the remaining TTL is below this duration. Default half the lease the token gets.
      - Must be below the longest lease the token can get (period or TTL, O(explicit_max_ttl), the mount's
        C(max_lease_ttl)), or every run would renew it.
    type: str
  store_mount:
    description: KV version 2 mount that holds the record.
    type: str
    default: secret
  store_path:
    description:
      - Path of the record inside O(store_mount), for example V(jupyterhub/vault-token).
      - A leading C(/) or a C(.) or C(..) segment is refused (it would leave the mount).
    type: str
    required: true
  store_key:
    description:
      - Key of the token in the record. The record also gets C(accessor) and C(created_time); its other
        keys are kept.
    type: str
    default: token
  return_token:
    description: Return the token in RV(token) when it was created or rotated.
    type: bool
    default: false
notes:
  - The stored token is looked up and renewed with itself, so its policies must allow
    C(auth/token/lookup-self) and C(auth/token/renew-self). It is revoked with itself
    (C(auth/token/revoke-self)) or, when its policies do not allow that, by the task's token through
    C(auth/token/revoke-accessor).
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
    no_default_policy: true
    ttl: 24h
    store_path: jupyterhub/vault-token

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

- name: A token made through a token role (needs only update on auth/token/create/jupyter-hub-bot)
  datastack.jupyterhub.vault_renewable_token:
    url: https://vault.example.org:8200
    token: "{{ vault_bootstrap_token }}"
    role_name: jupyter-hub-bot
    policies: [hub-bot]        # required with a role too; the role must allow it
    no_default_policy: true    # exactly [hub-bot]
    store_path: jupyterhub/bot-token

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
lost_race:
  description:
    - True when another run stored a token between this run's read and write; this run's new token was
      revoked and the results describe the stored one.
  returned: unless O(state=absent)
  type: bool
token:
  description: The new token, only with O(return_token=true) and only when created or rotated.
  returned: when created and O(return_token=true)
  type: str
"""

import time

from ansible_collections.datastack.jupyterhub.plugins.module_utils import vault_token_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import VaultCasError, VaultClientError
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_module import VaultModule

OWN_OPTIONS = dict(
    state=dict(type="str", choices=["present", "rotated", "absent"], default="present"),
    policies=dict(type="list", elements="str"),
    no_default_policy=dict(type="bool", default=False),
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

# Vault's refusals of a create call, and the options that avoid them.
CREATE_HINTS = (
    ("subset of parent", "create the token through a token role (option role_name, which needs only `update` on "
                         "auth/token/create/<role>), or as an orphan with a token that has `sudo` on "
                         "auth/token/create-orphan."),
    ("sudo", "create the token through a token role (option role_name; the period is then the role's "
             "token_period), or grant `sudo` on that path."),
)
SHOWN = ("accessor", "ttl", "period", "policies", "expire_time", "max_expire_time")


class RenewableToken(object):
    """Reads what the planner needs and carries out its Decision: create, store with check-and-set, renew,
    revoke. The decisions are the planner's (vault_token_plan)."""

    def __init__(self, module, spec, vault):
        self.module = module
        self.spec = spec
        self.vault = vault
        self.result = dict(changed=False, created=False, renewed=False, revoked=False, reason="")
        self.new_token = None

    # -- reading ----------------------------------------------------------------------------------
    def read_record(self):
        self.vault.require_kv2(self.spec.store_mount)
        record, version = self.vault.kv2_read(self.spec.store_mount, self.spec.store_path)
        record = record or {}
        self.module.mask(record.get(self.spec.store_key))
        return record, version

    def observe(self, mount_max):
        record, version = self.read_record()
        old = record.get(self.spec.store_key)
        live = self.vault.with_token(old).lookup_self() if old else None
        return plan.Seen(record, version, live, int(time.time()), mount_max)

    def check_policies(self):
        unknown = [name for name in self.spec.policies or [] if self.vault.policy_exists(name) is False]
        if unknown:
            raise VaultClientError("the policies %s do not exist on %s: write them first (sys/policies/acl/<name>) "
                                   "or fix policies." % (", ".join(unknown), self.vault.url), "invalid")

    # -- carrying out -----------------------------------------------------------------------------
    def create(self):
        spec = self.spec
        try:
            auth = self.vault.create_token(spec.create_body(), role_name=spec.role_name, orphan=spec.orphan)
        except VaultClientError as exc:
            hint = next((text for words, text in CREATE_HINTS if words in exc.message), None)
            if hint:
                raise VaultClientError("%s: %s" % (exc.message.rstrip("."), hint), exc.kind, exc.path, exc.status)
            raise
        token = auth["client_token"]
        if not self.module.params["return_token"]:
            self.module.mask(token)
        live = self.vault.with_token(token).lookup_self()
        if live is None:
            self.vault.revoke(token, auth.get("accessor"))
            raise VaultClientError("the token just created cannot look itself up: give its policies `read` on "
                                   "auth/token/lookup-self.", "forbidden", "auth/token/lookup-self")
        surprise = plan.unexpected_policies(spec, live)
        if surprise:
            self.vault.revoke(token, auth.get("accessor"))
            raise VaultClientError(surprise, "invalid")
        return token, live

    def replace(self, seen, reason):
        """Create, store with check-and-set, then revoke the old token (never the other way round).

        Returns the lookup data of the stored token; None in check mode."""
        if self.module.check_mode:
            self.result.update(changed=True, created=True, reason=reason)
            return None
        token, live = self.create()
        self.result.update(changed=True, created=True, reason=reason, lost_race=False)
        try:
            self.vault.kv2_write(self.spec.store_mount, self.spec.store_path,
                                 plan.new_record(seen.record, self.spec, token, live), cas=seen.version)
        except VaultCasError:
            return self.lost(token, live)
        except VaultClientError:
            # Nothing refers to the new token: do not leave it alive. The old one stays untouched.
            self.vault.revoke(token, live.get("accessor"))
            raise
        old = seen.record.get(self.spec.store_key)
        if old and seen.live:
            self.result["revoked"] = self.vault.revoke(old, seen.live.get("accessor"))
        self.new_token = token
        return live

    def lost(self, token, live):
        """Another run stored its token first: revoke ours and report the stored one."""
        self.vault.revoke(token, live.get("accessor"))
        record, dummy = self.read_record()
        stored = record.get(self.spec.store_key)
        winner = self.vault.with_token(stored).lookup_self() if stored else None
        self.module.warn("another run stored a new token at %s while this one ran; this run's token was revoked "
                         "and the stored one kept" % self.spec.store)
        self.result.update(changed=False, created=False, lost_race=True,
                           reason="another run stored a token first")
        return winner

    def renew(self, seen, reason):
        self.result.update(changed=True, renewed=True, reason=reason)
        if self.module.check_mode:
            return plan.renewed(self.spec, seen.live)
        client = self.vault.with_token(seen.record[self.spec.store_key])
        client.renew_self(plan.renew_increment(self.spec, seen.live))
        return client.lookup_self() or seen.live

    def rewrite_record(self, seen, reason):
        spec = self.spec
        self.result.update(changed=True, reason=self.result["reason"] or reason)
        if self.module.check_mode:
            return
        try:
            self.vault.kv2_write(spec.store_mount, spec.store_path,
                                 plan.new_record(seen.record, spec, seen.record[spec.store_key], seen.live),
                                 cas=seen.version)
        except VaultCasError:
            self.module.warn("another run rewrote %s meanwhile; its record was kept" % spec.store)

    def remove(self, seen, reason):
        self.result.update(changed=True, reason=reason, revoked=bool(seen.live))
        if not self.module.check_mode:
            if seen.live:
                self.vault.revoke(seen.record[self.spec.store_key], seen.live.get("accessor"))
            self.vault.kv2_destroy(self.spec.store_mount, self.spec.store_path)

    def apply(self, decision, seen):
        """Carry out ``decision``; return the lookup data of the token stored after the run (None: unknown)."""
        if decision.action == "refuse":
            raise VaultClientError(decision.reason + ".", "invalid")
        if decision.action == "remove":
            self.remove(seen, decision.reason)
            return None
        after = seen.live
        if decision.action == "create":
            after = self.replace(seen, decision.reason)
        elif decision.action == "renew":
            after = self.renew(seen, decision.reason)
        if decision.rewrite_record:
            self.rewrite_record(seen, decision.reason)
        return after

    def run(self):
        """(before, after) metadata for the diff; the result is in ``self.result``."""
        spec = self.spec
        mount_max = None
        if spec.state != "absent":
            mount_max = self.vault.token_mount_max_ttl()
            refused = plan.problems(spec, mount_max)
            if refused:
                raise VaultClientError("; ".join(refused) + ".", "invalid")
            self.check_policies()
        seen = self.observe(mount_max)
        decision = plan.decide(spec, seen)
        before = plan.describe(seen.live, mount_max, spec.store, seen.now)
        after_live = self.apply(decision, seen)
        if spec.state == "absent":
            return before, {}
        warning = plan.mount_cap_warning(spec, after_live, mount_max, seen.now)
        if warning:
            self.module.warn(warning)
        if decision.action == "create" and after_live is None:
            after = plan.planned(spec, spec.store)
        else:
            after = plan.describe(after_live, mount_max, spec.store, seen.now)
        self.result.update(dict((key, after.get(key)) for key in SHOWN))
        if self.new_token and self.module.params["return_token"]:
            self.result["token"] = self.new_token
        return before, after


def main():
    module = VaultModule(argument_spec=OWN_OPTIONS, supports_check_mode=True)
    try:
        spec = plan.spec_from(module.params)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    refused = plan.problems(spec)
    if refused:
        module.fail_json(msg="; ".join(refused) + ".")
    worker = RenewableToken(module, spec, module.connect())
    try:
        before, after = worker.run()
    except VaultClientError as exc:
        module.fail_vault(exc, **worker.result)
    if module._diff:
        worker.result["diff"] = dict(before=before, after=after)
    module.exit_json(**worker.result)


if __name__ == "__main__":
    main()
