# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one Vault client of this collection's modules.

Connection and authentication are community.hashi_vault's (its internal module_utils; galaxy.yml
pins a version range and tests/integration/test_vault_renewable_token.py proves they still work).
Every Vault error is turned into a VaultClientError whose message says what is wrong and how to fix
it; no message ever contains a token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible_collections.community.hashi_vault.plugins.module_utils._hashi_vault_module import HashiVaultModule
    from ansible_collections.community.hashi_vault.plugins.module_utils._hashi_vault_common import HashiVaultValueError
    HAS_HASHI_VAULT = True
except ImportError:  # pragma: no cover - the collection is a declared dependency
    HashiVaultModule = AnsibleModule
    HashiVaultValueError = ValueError
    HAS_HASHI_VAULT = False

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class VaultClientError(Exception):
    """An error with a message fit for the user (what is wrong, how to fix it)."""


def parse_duration(value):
    """Seconds in a Vault duration: ``3600``, ``"3600"``, ``"90s"``, ``"24h"``, ``"1h30m"``, ``"0"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a duration: %r" % (value,))
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip().lower()
    if re.fullmatch(r"\d+", text):
        return int(text)
    parts = _DURATION_PART.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise ValueError("not a duration: %r (use seconds or units s, m, h, d such as 24h or 1h30m)" % (value,))
    return int(sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))


def iso_time(epoch):
    """RFC 3339 UTC time of a Unix time."""
    if epoch is None:
        return None
    moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_epoch():
    return int(datetime.datetime.now(tz=datetime.timezone.utc).timestamp())


class VaultModule(HashiVaultModule):
    """AnsibleModule with community.hashi_vault's connection and auth options, and a VaultClient."""

    @classmethod
    def argspec(cls, **own_options):
        if not HAS_HASHI_VAULT:
            AnsibleModule(argument_spec={}, bypass_checks=True).fail_json(
                msg="the community.hashi_vault collection (>=6.0.0,<8.0.0) is required: "
                    "ansible-galaxy collection install 'community.hashi_vault:>=6.0.0,<8.0.0'")
        spec = cls.generate_argspec(**own_options)
        # Transient errors (412, 500, 502, 503) are retried with backoff unless the caller says otherwise.
        spec["retries"] = dict(type="raw", default=3)
        return spec

    def vault(self):
        """Connect and authenticate; fail the task with a clear message on any error."""
        try:
            self.connection_options.process_connection_options()
            client_args = self.connection_options.get_hvac_connection_options()
            client = self.helper.get_vault_client(**client_args)
            self.authenticator.validate()
            self.authenticator.authenticate(client)
        except (NotImplementedError, HashiVaultValueError, TypeError, ValueError) as exc:
            self.fail_json(msg="Vault connection options are not usable: %s" % exc)
        except Exception as exc:  # hvac raises its own errors during login
            self.fail_json(msg=VaultClient.explain(exc, "auth/%s/login" % self.params.get("auth_method"),
                                                   self.params.get("url")))
        return VaultClient(client, client_args)


class VaultClient:
    """Small layer over hvac: each call names the Vault path it touches, errors carry the fix."""

    def __init__(self, client, client_args):
        self.client = client
        self._client_args = dict(client_args)
        self.url = client_args.get("url")

    # --- errors ---------------------------------------------------------------------------------
    @staticmethod
    def explain(exc, path, url=None):
        """A user-facing message for an hvac/requests error raised while touching ``path``."""
        detail = str(exc).split(", on ", maxsplit=1)[0].replace("\n", " ").strip() or exc.__class__.__name__
        detail = re.sub(r"\s+", " ", detail)
        name = exc.__class__.__name__
        if name == "VaultDown" or "sealed" in detail.lower():
            return ("Vault at %s is sealed or unavailable (%s): unseal it (`bao operator unseal` or "
                    "`vault operator unseal`) or wait for it to be ready, then run again." % (url, detail))
        if name == "Forbidden":
            return ("permission denied on '%s' for the token this task uses (%s): grant that path to the "
                    "token's policy, or use a token that has it." % (path, detail))
        if "child policies must be subset of parent" in detail:
            return ("Vault refused the token on '%s': child policies must be a subset of the caller's. "
                    "Create the token through a token role (option role_name, which needs only `update` on "
                    "auth/token/create/<role>), or as an orphan with a token that has `sudo` on "
                    "auth/token/create-orphan." % path)
        if "sudo privileges required" in detail:
            return ("Vault refused '%s' (%s): that call needs `sudo`. Create the token through a token role "
                    "(option role_name; set the period as the role's token_period) or grant `sudo` on "
                    "that path." % (path, detail))
        if name in ("ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout", "SSLError"):
            hint = ("set ca_cert to the CA bundle that signed the server certificate"
                    if name == "SSLError" else "check url and that Vault is running and reachable")
            return "cannot reach Vault at %s (%s): %s." % (url, detail, hint)
        return "Vault error on '%s' (%s): %s" % (path, name, detail)

    def _call(self, vault_path, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            raise VaultClientError(self.explain(exc, vault_path, self.url))

    def _is(self, exc, *names):
        return exc.__class__.__name__ in names

    def with_token(self, token):
        """A VaultClient on the same connection acting as ``token``."""
        args = dict(self._client_args)
        args["token"] = token
        return VaultClient(self.client.__class__(**args), self._client_args)

    # --- secrets engines ------------------------------------------------------------------------
    def kv_version(self, mount):
        """'1' or '2' for the KV mount, None if this token may not see mount details."""
        path = "sys/internal/ui/mounts/%s" % mount
        try:
            answer = self.client.read(path)
        except Exception as exc:
            if self._is(exc, "Forbidden"):
                return None
            if self._is(exc, "InvalidPath", "InvalidRequest"):
                raise VaultClientError(
                    "no secrets engine is mounted at '%s/': enable KV version 2 there "
                    "(`bao secrets enable -path=%s -version=2 kv`) or set store_mount." % (mount, mount))
            raise VaultClientError(self.explain(exc, path, self.url))
        data = (answer or {}).get("data") or {}
        if data.get("type") not in ("kv", "generic"):
            raise VaultClientError("the secrets engine at '%s/' is of type %r, not KV version 2: set store_mount "
                                   "to a KV v2 mount." % (mount, data.get("type")))
        return str((data.get("options") or {}).get("version") or "1")

    def require_kv2(self, mount):
        if self.kv_version(mount) == "1":
            raise VaultClientError(
                "the KV mount '%s/' is version 1 but a KV version 2 mount is expected: upgrade it with "
                "`bao kv enable-versioning %s` (or `vault kv enable-versioning %s`), or set store_mount to a "
                "KV v2 mount." % (mount, mount, mount))

    def kv2_read(self, mount, path):
        """The data of the latest version at ``path``, or None when there is none."""
        full = "%s/data/%s" % (mount, path)
        try:
            answer = self.client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=mount, raise_on_deleted_version=False)
        except Exception as exc:
            if self._is(exc, "InvalidPath"):
                return None
            raise VaultClientError(self.explain(exc, full, self.url))
        return ((answer or {}).get("data") or {}).get("data")

    def kv2_write(self, mount, path, data):
        self._call("%s/data/%s" % (mount, path), self.client.secrets.kv.v2.create_or_update_secret,
                   path=path, secret=data, mount_point=mount)

    def kv2_destroy(self, mount, path):
        self._call("%s/metadata/%s" % (mount, path),
                   self.client.secrets.kv.v2.delete_metadata_and_all_versions, path=path, mount_point=mount)

    # --- tokens ---------------------------------------------------------------------------------
    def lookup_self(self):
        """``lookup-self`` data of this client's token, or None when the token is invalid."""
        try:
            return self.client.auth.token.lookup_self()["data"]
        except Exception as exc:
            if self._is(exc, "Forbidden", "Unauthorized", "InvalidRequest"):
                return None
            raise VaultClientError(self.explain(exc, "auth/token/lookup-self", self.url))

    def renew_self(self, increment=None):
        kwargs = {"increment": increment} if increment else {}
        answer = self._call("auth/token/renew-self", self.client.auth.token.renew_self, **kwargs)
        return answer["auth"]

    def revoke_self(self):
        """Revoke this client's token; a token that is already invalid counts as revoked."""
        try:
            self.client.auth.token.revoke_self()
        except Exception as exc:
            if not self._is(exc, "Forbidden", "Unauthorized"):
                raise VaultClientError(self.explain(exc, "auth/token/revoke-self", self.url))

    def create_token(self, role_name=None, orphan=True, **params):
        """Create a token; returns the ``auth`` block (client_token, accessor, policies, ...)."""
        params = dict((key, value) for key, value in params.items() if value is not None)
        token = self.client.auth.token
        if role_name:
            answer = self._call("auth/token/create/%s" % role_name, token.create, role_name=role_name, **params)
        elif orphan:
            answer = self._call("auth/token/create-orphan", token.create_orphan, **params)
        else:
            answer = self._call("auth/token/create", token.create, **params)
        return answer["auth"]

    def token_mount_max_ttl(self):
        """max_lease_ttl of the token auth mount in seconds, None if this token may not read it."""
        try:
            answer = self.client.read("sys/auth/token/tune")
        except Exception:
            return None
        data = (answer or {}).get("data") or answer or {}
        return data.get("max_lease_ttl")
