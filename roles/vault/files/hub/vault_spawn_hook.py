"""JupyterHub pre-spawn hook: give each notebook server its own least-privilege Vault token.

Runs inside the hub, so it uses only the standard library, ``requests`` and ``tornado``
(both JupyterHub dependencies): a hub starts without installing anything.

For each spawn it writes the policy ``<user_policy_prefix><safe name>`` and mints a token
through the token role (``auth/token/create/<token_role>``), then hands the token to the
server as ``NOTEBOOK_VAULT_TOKEN``. No token, nor anything derived from one, is logged.
"""

import asyncio
import inspect
import json
import logging
import time

import requests
from tornado import web

DEFAULTS = {
    "vault_addr": "",
    "admin_token_file": "/vault/admin-token/token",
    "kv_mount": "secret",
    "user_path_prefix": "jupyter/users",
    "user_policy_prefix": "jupyter-user-",
    "token_role": "jupyter-user",
    "token_ttl": "24h",
    "token_max_ttl": "168h",
    "ca_bundle": "",
    "spawn_without_token": False,
    "timeout": 10,
    "retries": 4,
}

_KEPT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger("datastack.vault_spawn_hook")


def safe_name(username):
    """Map a user name to ``[a-z0-9-]`` without collisions.

    ``a-z`` and ``0-9`` are kept, ``-`` becomes ``--`` and every other character (upper case
    included) becomes ``-<hex code point>-``. The code is prefix-free, so the mapping is
    injective and reversible: ``alice@example.org`` -> ``alice-40-example-2e-org``.
    """
    if not isinstance(username, str) or not username:
        raise ValueError("a user name must be a non-empty string")
    out = []
    for char in username:
        if char in _KEPT:
            out.append(char)
        elif char == "-":
            out.append("--")
        else:
            out.append("-%x-" % ord(char))
    return "".join(out)


def unsafe_name(safe):
    """Inverse of :func:`safe_name` (for operators reading policy names back)."""
    out, i = [], 0
    while i < len(safe):
        char = safe[i]
        if char != "-":
            out.append(char)
            i += 1
        elif safe[i + 1] == "-":
            out.append("-")
            i += 2
        else:
            end = safe.index("-", i + 1)
            out.append(chr(int(safe[i + 1:end], 16)))
            i = end + 1
    return "".join(out)


def user_path(settings, safe):
    return "%s/%s" % (settings["user_path_prefix"].strip("/"), safe)


def user_policy(kv_mount, user_path_prefix, safe):
    """The per-user policy as data: the user's own KV v2 subtree and its own token, nothing else."""
    mount = kv_mount.strip("/")
    base = "%s/%s" % (user_path_prefix.strip("/"), safe)
    return {
        "path": {
            "%s/data/%s/*" % (mount, base): {"capabilities": ["create", "read", "update"]},
            "%s/metadata/%s/*" % (mount, base): {"capabilities": ["read", "list", "delete"]},
            "auth/token/lookup-self": {"capabilities": ["read"]},
            "auth/token/renew-self": {"capabilities": ["update"]},
        }
    }


def render_policy(policy):
    """Vault accepts JSON policies; rendering data keeps user input out of hand-written HCL."""
    return json.dumps(policy, indent=2, sort_keys=True)


class VaultSpawnError(web.HTTPError):
    """A spawn failure the user sees on the spawn page (``jupyterhub_message``)."""

    def __init__(self, message):
        super().__init__(503, log_message=message)
        self.jupyterhub_message = message


class VaultError(Exception):
    pass


class VaultHTTP:
    """The three calls the hook needs, with retries on connection errors and 5xx."""

    def __init__(self, settings, token, sleep=time.sleep):
        self.addr = settings["vault_addr"].rstrip("/")
        self.token = token
        self.timeout = float(settings["timeout"])
        self.retries = int(settings["retries"])
        self.verify = settings["ca_bundle"] or True
        self.sleep = sleep
        self.session = requests.Session()

    def request(self, method, path, body=None):
        url = "%s/v1/%s" % (self.addr, path)
        headers = {"X-Vault-Token": self.token, "X-Vault-Request": "true"}
        delay = 0.5
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                answer = self.session.request(method, url, json=body, headers=headers,
                                              timeout=self.timeout, verify=self.verify)
            except requests.exceptions.SSLError as exc:
                raise VaultError("TLS verification of %s failed (%s); set ca_bundle to the CA that "
                                 "signed Vault's certificate" % (self.addr, type(exc).__name__))
            except requests.RequestException as exc:
                if last:
                    raise VaultError("Vault at %s is unreachable (%s) after %d attempts; check that "
                                     "it runs and that vault_addr is right"
                                     % (self.addr, type(exc).__name__, attempt + 1))
            else:
                if answer.status_code not in _RETRY_STATUS or last:
                    return self._result(answer, method, path)
            self.sleep(delay)
            delay = min(delay * 2, 8)
        raise AssertionError("unreachable")

    def _result(self, answer, method, path):
        if answer.status_code < 400:
            return answer.json() if answer.content else {}
        try:
            errors = "; ".join(answer.json().get("errors") or []) or answer.reason
        except ValueError:
            errors = answer.reason
        hint = ""
        if answer.status_code == 403:
            hint = (" — the hub's admin token is invalid, expired or lacks the jupyterhub-admin "
                    "policy; re-run the vault role to issue a new one")
        elif answer.status_code == 503:
            hint = " — Vault is sealed or in standby; unseal it"
        raise VaultError("Vault answered %d to %s %s: %s%s"
                         % (answer.status_code, method, path, errors, hint))


def read_admin_token(path):
    try:
        with open(path, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as exc:
        raise VaultError("cannot read the hub's Vault admin token file %s (%s); check the "
                         "admin_token_file setting and the mounted secret" % (path, exc.strerror))
    if not token:
        raise VaultError("the hub's Vault admin token file %s is empty" % path)
    return token


def issue_user_token(settings, username, sleep=time.sleep):
    """Write the user's policy, mint its token; return the environment for the server."""
    safe = safe_name(username)
    policy_name = settings["user_policy_prefix"] + safe
    vault = VaultHTTP(settings, read_admin_token(settings["admin_token_file"]), sleep=sleep)
    policy = user_policy(settings["kv_mount"], settings["user_path_prefix"], safe)
    vault.request("PUT", "sys/policies/acl/" + policy_name, {"policy": render_policy(policy)})
    created = vault.request("POST", "auth/token/create/" + settings["token_role"], {
        "policies": [policy_name],
        "ttl": settings["token_ttl"],
        "explicit_max_ttl": settings["token_max_ttl"],
        "renewable": True,
        "display_name": "jupyter-" + safe,
        "meta": {"user": username},
    })
    token = (created.get("auth") or {}).get("client_token")
    if not token:
        raise VaultError("Vault created no token through role %s" % settings["token_role"])
    environment = {
        "NOTEBOOK_VAULT_TOKEN": token,
        "VAULT_ADDR": settings["vault_addr"],
        "NOTEBOOK_VAULT_MOUNT": settings["kv_mount"].strip("/"),
        "NOTEBOOK_VAULT_PATH": user_path(settings, safe),
    }
    if settings["ca_bundle"]:
        environment["VAULT_CACERT"] = settings["ca_bundle"]
    return environment


def load_settings(raw):
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ValueError("unknown Vault hook settings: %s (known: %s)"
                         % (", ".join(unknown), ", ".join(sorted(DEFAULTS))))
    settings = dict(DEFAULTS, **raw)
    if not settings["vault_addr"]:
        raise ValueError("the Vault hook needs vault_addr (e.g. https://vault.example.org:8200)")
    return settings


def make_hook(settings, previous=None):
    settings = load_settings(settings)

    async def vault_pre_spawn_hook(spawner):
        if previous is not None:
            result = previous(spawner)
            if inspect.isawaitable(result):
                await result
        username = spawner.user.name
        try:
            environment = await asyncio.get_running_loop().run_in_executor(
                None, issue_user_token, settings, username)
        except VaultError as exc:
            if settings["spawn_without_token"]:
                spawner.log.warning("Spawning %s without a Vault token (spawn_without_token is "
                                    "set): %s", username, exc)
                return
            spawner.log.error("No Vault token for %s: %s", username, exc)
            raise VaultSpawnError("Your server was not started because its Vault token could not "
                                  "be created (%s). Ask an administrator to check Vault and the "
                                  "hub's admin token, then start your server again." % exc)
        spawner.environment = dict(spawner.environment or {}, **environment)
        spawner.log.info("Vault token issued for %s (policy %s%s)", username,
                         settings["user_policy_prefix"], safe_name(username))

    return vault_pre_spawn_hook


def install(c, settings):
    """Set ``c.Spawner.pre_spawn_hook``, chaining a hook that is already configured."""
    previous = c.Spawner.pre_spawn_hook if "pre_spawn_hook" in c.Spawner else None
    c.Spawner.pre_spawn_hook = make_hook(settings, previous if callable(previous) else None)
