# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one Vault (or OpenBao) wire client of this collection, on hvac.

``connect()`` authenticates (token or approle) and returns a ``VaultClient``; each call names the
Vault path it touches. Every failure becomes a ``VaultClientError`` with a ``kind`` and a message that
says what is wrong; messages never contain a token and name no module option (``vault_module`` adds
which option to fix). hvac errors are matched by class.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible_collections.datastack.jupyterhub.plugins.module_utils import network

HVAC_IMPORT_ERROR = None
try:
    import hvac
    import hvac.exceptions as hvac_errors
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
except ImportError:
    hvac = hvac_errors = requests = HTTPAdapter = Retry = None
    HVAC_IMPORT_ERROR = traceback.format_exc()

RETRY_STATUSES = (412, 500, 502, 503)


class VaultClientError(Exception):
    """A Vault failure explained for a person; never contains a token.

    ``kind`` is one of: config, unreachable, tls, sealed, unauthorized, forbidden, not_found,
    invalid, cas, protocol, error. ``path`` is the Vault path the failed call touched.
    """

    def __init__(self, message, kind="error", path=None, status=None):
        super(VaultClientError, self).__init__(message)
        self.message = message
        self.kind = kind
        self.path = path
        self.status = status


class VaultCasError(VaultClientError):
    """A KV v2 check-and-set write lost: someone else wrote the record since it was read."""

    def __init__(self, message, path=None):
        super(VaultCasError, self).__init__(message, kind="cas", path=path, status=400)


def _detail(exc):
    """Vault's own words for an error, without the request URL hvac appends."""
    errors = getattr(exc, "errors", None)
    if isinstance(errors, (list, tuple)) and errors:
        text = "; ".join(str(error) for error in errors)
    else:
        text = str(exc).split(", on ", 1)[0]
    text = re.sub(r"\s+", " ", re.sub(r"\d+ errors? occurred:\s*\*", "", text)).strip(" *")
    return text if text and text != "None" else "no reason given"


def _answer(exc):
    """What an hvac error that no rule of explain() covers says about Vault's answer."""
    for cls, words in ((hvac_errors.InternalServerError, "HTTP 500, Vault failed"),
                       (hvac_errors.BadGateway, "HTTP 502, a proxy in front of Vault could not reach it"),
                       (hvac_errors.RateLimitExceeded, "HTTP 429, too many requests: wait and run again"),
                       (hvac_errors.PreconditionFailed, "HTTP 412, a standby node has not caught up yet"),
                       (hvac_errors.UnsupportedOperation, "an operation this server does not support"),
                       (hvac_errors.ParamValidationError, "a request the client refused to send")):
        if isinstance(exc, cls):
            return words
    return "an answer Vault does not document"


def explain(exc, path, url):
    """Turn an hvac or requests exception raised while touching ``path`` into a VaultClientError.

    Matched by class only; anything that is neither hvac's nor requests' is raised again (a bug).
    """
    if isinstance(exc, VaultClientError):
        return exc
    if requests is not None and isinstance(exc, requests.exceptions.SSLError):
        return VaultClientError("TLS verification of Vault at %s failed (%s): give the CA bundle that signed "
                                "its certificate." % (url, network.reason(exc)), "tls", path)
    if requests is not None and isinstance(exc, requests.exceptions.RequestException):
        return VaultClientError("cannot reach Vault at %s (%s): check the address and that Vault runs and is "
                                "reachable from here." % (url, network.reason(exc)), "unreachable", path)
    if isinstance(exc, ValueError):
        return VaultClientError("the server at %s answered '%s' with something that is not Vault's JSON (a proxy "
                                "or a login page in front of Vault?): check the address." % (url, path),
                                "protocol", path)
    if hvac_errors is None or not isinstance(exc, hvac_errors.VaultError):
        raise exc
    detail = _detail(exc)
    if isinstance(exc, (hvac_errors.VaultDown, hvac_errors.VaultNotInitialized)):
        return VaultClientError("Vault at %s is sealed or not ready (%s): unseal it (`bao operator unseal` or "
                                "`vault operator unseal`) or wait until it is ready, then run again."
                                % (url, detail), "sealed", path, 503)
    if isinstance(exc, hvac_errors.Forbidden):
        return VaultClientError("permission denied on '%s' (%s): the token is invalid, expired or revoked, or its "
                                "policies do not allow this path." % (path, detail), "forbidden", path, 403)
    if isinstance(exc, hvac_errors.Unauthorized):
        return VaultClientError("Vault refused the credentials on '%s' (%s)." % (path, detail),
                                "unauthorized", path, 401)
    if isinstance(exc, hvac_errors.InvalidPath):
        return VaultClientError("nothing at '%s' (%s)." % (path, detail), "not_found", path, 404)
    if isinstance(exc, hvac_errors.InvalidRequest):
        # Vault has no status of its own for a lost check-and-set: only its words tell it from other 400s.
        if "check-and-set" in detail:
            return VaultCasError("'%s' was written by someone else since it was read (check-and-set lost)." % path,
                                 path)
        return VaultClientError("Vault refused the request on '%s': %s" % (path, detail), "invalid", path, 400)
    return VaultClientError("Vault could not serve '%s' (%s): %s" % (path, _answer(exc), detail), "error", path)


def _session(retries):
    session = requests.Session()
    # Connection errors and transient statuses are retried with backoff; a read timeout is not, because a
    # POST that timed out may have been done (a second token would be minted).
    retry = Retry(total=max(0, int(retries)), connect=max(0, int(retries)), read=0,
                  status_forcelist=RETRY_STATUSES, allowed_methods=None, backoff_factor=0.5,
                  raise_on_status=False, respect_retry_after_header=True)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def connect(url, auth_method="token", token=None, role_id=None, secret_id=None, namespace=None,
            validate_certs=True, ca_cert=None, timeout=30, retries=3, approle_mount="approle"):
    """An authenticated VaultClient. Token auth does not call Vault; approle logs in."""
    if hvac is None:
        raise VaultClientError("the hvac Python library is required on the host that runs this (pip install hvac).",
                               "config")
    if not url:
        raise VaultClientError("no Vault address given.", "config")
    if not re.match(r"https?://[^/]", url):
        raise VaultClientError("the Vault address %r is not an http(s) URL such as https://vault.example.org:8200."
                               % url, "config")
    settings = dict(url=url.rstrip("/"), verify=(ca_cert or True) if validate_certs else False,
                    timeout=timeout, namespace=namespace or None, session=_session(retries))
    client = VaultClient(settings)
    if auth_method == "token":
        if not token:
            raise VaultClientError("no Vault token given.", "config")
        client.hvac.token = token
    elif auth_method == "approle":
        if not role_id or not secret_id:
            raise VaultClientError("approle login needs a role id and a secret id.", "config")
        path = "auth/%s/login" % approle_mount
        client.call(path, client.hvac.auth.approle.login, role_id=role_id, secret_id=secret_id,
                    mount_point=approle_mount)
    else:
        raise VaultClientError("unknown auth method %r (token, approle)." % auth_method, "config")
    return client


class VaultClient(object):
    """Small layer over hvac: each call names the Vault path it touches; errors become VaultClientError."""

    def __init__(self, settings, token=None):
        self._settings = settings
        self.url = settings["url"]
        self.hvac = hvac.Client(token=token, **settings)

    @property
    def token(self):
        """The token this client acts with (for masking by the caller; never put it in a message)."""
        return self.hvac.token

    def with_token(self, token):
        """A VaultClient on the same connection settings acting as ``token``."""
        return VaultClient(self._settings, token)

    def call(self, vault_path, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # explain() re-raises what is neither hvac's nor requests'
            raise explain(exc, vault_path, self.url)

    def request(self, method, path, body=None):
        """Any Vault API call; the ``data`` of the answer is the caller's. A non-JSON 200 is an error."""
        answer = self.call(path, self.hvac.adapter.request, method, "/v1/" + path.lstrip("/"), json=body)
        if isinstance(answer, dict):
            return answer
        if answer.status_code == 204 or not answer.content:
            return {}
        raise explain(ValueError("not JSON"), path, self.url)

    def read(self, path):
        """``data`` of a read, or None when there is nothing at ``path``."""
        try:
            return self.request("GET", path).get("data")
        except VaultClientError as exc:
            if exc.kind == "not_found":
                return None
            raise

    def write(self, path, data):
        return self.request("POST", path, data)

    def delete(self, path):
        return self.request("DELETE", path)

    # --- KV version 2 ----------------------------------------------------------------------------
    def kv_version(self, mount):
        """'1' or '2' for the KV mount, None when this token may not see the mount's details."""
        path = "sys/internal/ui/mounts/%s" % mount
        try:
            data = self.request("GET", path).get("data") or {}
        except VaultClientError as exc:
            if exc.kind == "forbidden":
                return None
            if exc.kind in ("not_found", "invalid"):
                raise VaultClientError("no secrets engine is mounted at '%s/': enable KV version 2 there (`bao "
                                       "secrets enable -path=%s -version=2 kv`)." % (mount, mount), "not_found", path)
            raise
        if data.get("type") not in ("kv", "generic"):
            raise VaultClientError("the secrets engine at '%s/' is of type %r, not KV version 2."
                                   % (mount, data.get("type")), "invalid", path)
        return str((data.get("options") or {}).get("version") or "1")

    def require_kv2(self, mount):
        if self.kv_version(mount) == "1":
            raise VaultClientError("the KV mount '%s/' is version 1 but KV version 2 is needed: upgrade it with "
                                   "`bao kv enable-versioning %s` (or `vault kv enable-versioning %s`)."
                                   % (mount, mount, mount), "invalid", "sys/internal/ui/mounts/%s" % mount)

    def kv2_read(self, mount, path):
        """``(data, version)`` of the latest version; ``(None, version)`` when it is deleted, ``(None, 0)`` when
        there is no record. ``version`` is what a check-and-set write must name."""
        full = "%s/data/%s" % (mount, path)
        try:
            answer = self.call(full, self.hvac.secrets.kv.v2.read_secret_version, path=path, mount_point=mount,
                               raise_on_deleted_version=False)
        except VaultClientError as exc:
            if exc.kind == "not_found" and "no handler for route" in exc.message:
                raise VaultClientError("no secrets engine is mounted at '%s/': enable KV version 2 there (`bao "
                                       "secrets enable -path=%s -version=2 kv`)." % (mount, mount), "not_found", full)
            if exc.kind == "not_found":
                return None, 0
            raise
        if not isinstance(answer, dict):
            raise explain(ValueError("not JSON"), full, self.url)
        body = answer.get("data") or {}
        version = int((body.get("metadata") or {}).get("version") or 0)
        return body.get("data"), version

    def kv2_write(self, mount, path, data, cas=None):
        """Write a new version; with ``cas`` only if ``cas`` is still the current version (0: only if there is
        none). Returns the new version; raises VaultCasError when the check-and-set lost."""
        body = {"data": data}
        if cas is not None:
            body["options"] = {"cas": int(cas)}
        answer = self.request("POST", "%s/data/%s" % (mount, path), body)
        return int((answer.get("data") or {}).get("version") or 0)

    def kv2_destroy(self, mount, path):
        """Delete the record with all its versions and metadata."""
        self.request("DELETE", "%s/metadata/%s" % (mount, path))

    # --- tokens ----------------------------------------------------------------------------------
    def lookup_self(self):
        """``lookup-self`` data of this client's token, None when the token is invalid, expired or revoked."""
        try:
            return self.request("GET", "auth/token/lookup-self").get("data")
        except VaultClientError as exc:
            if exc.kind in ("forbidden", "unauthorized"):
                return None
            raise

    def renew_self(self, increment=None):
        body = {"increment": increment} if increment else {}
        return self.request("POST", "auth/token/renew-self", body).get("auth") or {}

    def create_token(self, body, role_name=None, orphan=True):
        """Create a token with exactly ``body`` (policies are sent as given); returns the ``auth`` block."""
        if role_name:
            path = "auth/token/create/%s" % role_name
        else:
            path = "auth/token/create-orphan" if orphan else "auth/token/create"
        auth = self.request("POST", path, body).get("auth")
        if not auth or not auth.get("client_token"):
            raise VaultClientError("Vault answered '%s' without a token." % path, "protocol", path)
        return auth

    def revoke(self, token, accessor=None):
        """Revoke ``token``: by itself (revoke-self), else by this client through its accessor.

        Returns False when the token was already invalid. Raises when neither way is allowed.
        """
        try:
            self.with_token(token).request("POST", "auth/token/revoke-self")
            return True
        except VaultClientError as exc:
            if exc.kind not in ("forbidden", "unauthorized"):
                raise
        if self.with_token(token).lookup_self() is None:
            return False
        if not accessor:
            raise VaultClientError("the token may not revoke itself and its accessor is unknown: revoke it by hand.",
                                   "forbidden", "auth/token/revoke-self")
        self.request("POST", "auth/token/revoke-accessor", {"accessor": accessor})
        return True

    def policy_exists(self, name):
        """True or False; None when this token may not read ACL policies."""
        if name in ("default", "root"):
            return True
        try:
            return self.read("sys/policies/acl/%s" % name) is not None
        except VaultClientError as exc:
            if exc.kind == "forbidden":
                return None
            raise

    def token_mount_max_ttl(self):
        """``max_lease_ttl`` of the token auth mount in seconds, None when this token may not read it."""
        try:
            answer = self.request("GET", "sys/auth/token/tune")
        except VaultClientError:
            return None
        return (answer.get("data") or answer).get("max_lease_ttl")
