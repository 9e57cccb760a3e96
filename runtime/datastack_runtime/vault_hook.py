"""JupyterHub pre-spawn hook: give each notebook server its own least-privilege Vault token.

Runs inside the hub, so it uses only the standard library, ``requests`` and ``tornado``
(both JupyterHub dependencies): a hub starts without installing anything.

For each spawn it mints a token through the token role (``auth/token/create/<token_role>``)
with the one templated user policy and ``entity_alias=<safe name>``: the policy gives each
token only ``<kv_mount>/data/<user_path_prefix>/<its alias>/*``, so the hub writes no policy
and its admin token needs nothing but that create path. The token reaches the server as
``NOTEBOOK_VAULT_TOKEN``. No token, nor anything derived from one, is logged.
"""

import asyncio
import inspect
import json
import logging
import time

import requests
from tornado import web

from datastack_runtime.names import safe_name

DEFAULTS = {
    "vault_addr": "",
    "admin_token_file": "/vault/admin-token/token",
    "kv_mount": "secret",
    "user_path_prefix": "jupyter/users",
    "user_policy": "jupyter-user",
    "token_role": "jupyter-user",
    "token_ttl": "24h",
    "token_max_ttl": "168h",
    "ca_bundle": "",
    "spawn_without_token": False,
    "timeout": 10,
    "retries": 4,
}

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger("datastack.vault_spawn_hook")


def user_path(settings, safe):
    return "%s/%s" % (settings["user_path_prefix"].strip("/"), safe)


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
    """Mint the user's token through the token role; return the environment for the server."""
    safe = safe_name(username)
    vault = VaultHTTP(settings, read_admin_token(settings["admin_token_file"]), sleep=sleep)
    created = vault.request("POST", "auth/token/create/" + settings["token_role"], {
        "policies": [settings["user_policy"]],
        "entity_alias": safe,
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
        spawner.log.info("Vault token issued for %s (entity alias %s)", username, safe_name(username))

    return vault_pre_spawn_hook


def install(c, settings):
    """Set ``c.Spawner.pre_spawn_hook``, chaining a hook that is already configured."""
    previous = c.Spawner.pre_spawn_hook if "pre_spawn_hook" in c.Spawner else None
    c.Spawner.pre_spawn_hook = make_hook(settings, previous if callable(previous) else None)


def install_from_file(c, path):
    """``install`` with the settings of the JSON file ``path``; a missing file says where it was looked for."""
    try:
        with open(path, encoding="utf-8") as handle:
            settings = json.load(handle)
    except OSError as exc:
        raise RuntimeError("datastack Vault hook: cannot read its settings %s (%s); mount them there or set "
                           "DATASTACK_VAULT_SETTINGS" % (path, exc.strerror)) from None
    install(c, settings)
