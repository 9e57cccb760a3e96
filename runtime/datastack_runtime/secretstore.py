"""Per-user secrets for notebooks, kept in Vault (KV v2) under the user's own path.

    from datastack_vault import SecretStore        # or: from datastack_runtime.secretstore import ...
    secrets = SecretStore()
    secrets.put("api-keys", openai="sk-...", github="ghp_...")
    secrets.get("api-keys", field="openai")

The hub gives every server its own token (``NOTEBOOK_VAULT_TOKEN``) and where its secrets
live (``VAULT_ADDR``, ``NOTEBOOK_VAULT_MOUNT``, ``NOTEBOOK_VAULT_PATH``, ``VAULT_CACERT``).
The token is renewed when less than ten minutes remain. Standard library + ``requests``.
"""

import os
import re
import time
import warnings
from urllib.parse import quote

import requests

__all__ = ["SecretStore", "SecretStoreError", "TokenExpiredError", "SecretNotFoundError"]

RENEW_BELOW = 600
RESTART_HINT = ("restart your server from the hub control panel (File > Hub Control Panel > "
                "Stop My Server, then Start My Server) to get a new token")


class SecretStoreError(Exception):
    """Something the user can act on; the message says what."""


class TokenExpiredError(SecretStoreError):
    pass


class SecretNotFoundError(SecretStoreError, KeyError):
    def __str__(self):
        return self.args[0] if self.args else ""


def _errors(answer):
    """Vault's error list as one line ("1 error occurred: * x" becomes "x")."""
    try:
        raw = answer.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    lines = []
    for error in raw:
        lines.extend(re.findall(r"\* (.+)", error) or [" ".join(error.split())])
    return "; ".join(lines)


class SecretStore:
    def __init__(self, token=None, addr=None, mount=None, path=None, ca_cert=None, timeout=10,
                 renew_below=RENEW_BELOW):
        self._token = token or os.environ.get("NOTEBOOK_VAULT_TOKEN")
        self.addr = (addr or os.environ.get("VAULT_ADDR") or "").rstrip("/")
        self.mount = (mount or os.environ.get("NOTEBOOK_VAULT_MOUNT") or "secret").strip("/")
        self.path = (path or os.environ.get("NOTEBOOK_VAULT_PATH") or "").strip("/")
        self.timeout = timeout
        self.renew_below = renew_below
        missing = [name for name, value in (("NOTEBOOK_VAULT_TOKEN", self._token),
                                            ("VAULT_ADDR", self.addr),
                                            ("NOTEBOOK_VAULT_PATH", self.path)) if not value]
        if missing:
            raise SecretStoreError(
                "%s not set: this server was started without Vault access. If Vault is enabled "
                "for this hub, %s." % (", ".join(missing), RESTART_HINT))
        self._session = requests.Session()
        self._session.verify = ca_cert or os.environ.get("VAULT_CACERT") or True
        self._checked_until = 0.0

    def __repr__(self):
        return "SecretStore(addr=%r, path=%r)" % (self.addr, "%s/%s" % (self.mount, self.path))

    # -- public API -------------------------------------------------------------------------

    def put(self, name, **fields):
        """Store ``fields`` in secret ``name``, merged into the fields it already has."""
        if not fields:
            raise SecretStoreError("put(%r) needs at least one field, e.g. put(%r, key='value')"
                                   % (name, name))
        for dummy in range(3):
            current, version = self._read(name)
            if self._write(name, dict(current or {}, **fields), version):
                return
        raise SecretStoreError("secret %r kept changing while writing it; try again" % name)

    def get(self, name, field=None):
        """All fields of secret ``name`` as a dict, or the value of one ``field``."""
        data, dummy = self._read(name)
        if data is None:
            raise SecretNotFoundError("no secret named %r (see list())" % name)
        if field is None:
            return data
        if field not in data:
            raise SecretNotFoundError("secret %r has no field %r (it has: %s)"
                                      % (name, field, ", ".join(sorted(data)) or "none"))
        return data[field]

    def list(self):
        """Names of the stored secrets."""
        answer = self._call("LIST", "metadata", "")
        if answer.status_code == 404:
            return []
        self._check(answer, "list secrets")
        return sorted(answer.json()["data"]["keys"])

    def delete(self, name, field=None):
        """Delete secret ``name`` with all its versions, or only its ``field``."""
        if field is None:
            if name not in self.list():
                raise SecretNotFoundError("no secret named %r (see list())" % name)
            self._check(self._call("DELETE", "metadata", name), "delete %r" % name)
            return
        for dummy in range(3):
            data, version = self._read(name)
            if data is None or field not in data:
                raise SecretNotFoundError("secret %r has no field %r" % (name, field))
            del data[field]
            if self._write(name, data, version):
                return
        raise SecretStoreError("secret %r kept changing while writing it; try again" % name)

    def token_info(self):
        """What Vault says about this server's token (without the token itself)."""
        info = self._lookup()
        return {key: info.get(key) for key in ("ttl", "renewable", "expire_time", "policies",
                                               "explicit_max_ttl", "display_name")}

    # -- internals ---------------------------------------------------------------------------

    def _url(self, kind, name):
        segments = [s for s in name.split("/") if s]
        if name and (not segments or any(s in (".", "..") for s in segments)):
            raise SecretStoreError("invalid secret name %r: use names like 'api-keys'" % name)
        suffix = "/".join(quote(s, safe="") for s in segments)
        return "%s/v1/%s/%s/%s/%s" % (self.addr, self.mount, kind, self.path, suffix)

    def _call(self, method, kind, name, body=None, auth=True):
        if auth:
            self._ensure_token()
        return self._request(method, self._url(kind, name), body)

    def _request(self, method, url, body=None):
        delay = 0.5
        for attempt in range(4):
            try:
                answer = self._session.request(method, url, json=body, timeout=self.timeout,
                                               headers={"X-Vault-Token": self._token})
            except requests.exceptions.SSLError as exc:
                raise SecretStoreError("TLS verification of %s failed (%s); set VAULT_CACERT to "
                                       "the CA bundle of your Vault" % (self.addr, exc)) from None
            except requests.RequestException as exc:
                if attempt == 3:
                    raise SecretStoreError("Vault at %s is unreachable (%s); try again later"
                                           % (self.addr, type(exc).__name__)) from None
            else:
                if answer.status_code < 500 or attempt == 3:
                    return answer
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _check(self, answer, what):
        if answer.status_code < 400:
            return
        errors = _errors(answer)
        if answer.status_code == 403:
            raise SecretStoreError(
                "Vault denied %s in %s/%s (%s): this server's token may use only the path the hub "
                "gave it (NOTEBOOK_VAULT_PATH); if the token has expired, %s"
                % (what, self.mount, self.path, errors or "permission denied", RESTART_HINT))
        raise SecretStoreError("Vault answered %d to %s: %s"
                               % (answer.status_code, what, errors or answer.reason))

    def _lookup(self):
        answer = self._request("GET", self.addr + "/v1/auth/token/lookup-self")
        if answer.status_code == 403:
            raise TokenExpiredError("your Vault token has expired or was revoked: " + RESTART_HINT)
        self._check(answer, "look up your token")
        return answer.json()["data"]

    def _ensure_token(self):
        if time.monotonic() < self._checked_until:
            return
        info = self._lookup()
        ttl = int(info.get("ttl") or 0)
        if 0 < ttl < self.renew_below:
            if not info.get("renewable"):
                warnings.warn("your Vault token cannot be renewed and expires in %d s; save your "
                              "work, then %s" % (ttl, RESTART_HINT), stacklevel=4)
            else:
                wanted = int(info.get("creation_ttl") or 0) or self.renew_below
                answer = self._request("POST", self.addr + "/v1/auth/token/renew-self",
                                       {"increment": wanted})
                self._check(answer, "renew your token")
                ttl = int(answer.json()["auth"]["lease_duration"])
                if ttl < wanted - 1:
                    warnings.warn("your Vault token reached its maximum lifetime and expires in "
                                  "%d s; save your work, then %s" % (ttl, RESTART_HINT),
                                  stacklevel=4)
        # One lookup a minute at most while the token has time left.
        if ttl == 0 or ttl > self.renew_below + 60:
            self._checked_until = time.monotonic() + 60

    def _read(self, name):
        answer = self._call("GET", "data", name)
        if answer.status_code == 404:
            # A soft-deleted secret answers 404 yet keeps its version (needed for check-and-set).
            try:
                return None, int(answer.json()["data"]["metadata"]["version"])
            except (ValueError, KeyError, TypeError):
                return None, 0
        self._check(answer, "read %r" % name)
        payload = answer.json()["data"]
        return dict(payload.get("data") or {}), int(payload["metadata"]["version"])

    def _write(self, name, data, version):
        """Write with check-and-set; False when someone else wrote in between."""
        answer = self._call("POST", "data", name, {"data": data, "options": {"cas": version}})
        if answer.status_code == 400 and "check-and-set" in answer.text:
            return False
        self._check(answer, "write %r" % name)
        return True
