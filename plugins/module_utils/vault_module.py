# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VaultModule: the module base that owns the Vault connection and auth options (doc fragment
datastack.jupyterhub.vault), builds the client once and turns client errors into messages that name
the option to fix. ``open_vault()`` and ``HINTS`` serve a Vault connection given as a dict option too
(jupyterhub_token's ``destination.vault_kv``).

Secrets are masked whatever their source: ``token`` and ``secret_id`` are ``no_log`` options whose
environment fallbacks Ansible resolves before it collects no_log values, and a token read from
``token_file`` or obtained by an approle login is added to the module's no_log values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.datastack.jupyterhub.plugins.module_utils.connected_module import ConnectedModule
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import (
    HVAC_IMPORT_ERROR,
    VaultClientError,
    connect,
)

# What to change, by kind of client error; {prefix} stands before the option names of a dict option.
HINTS = {
    "config": "Set {prefix}url (or VAULT_ADDR) and either {prefix}token (or VAULT_TOKEN, or {prefix}token_file) or "
              "{prefix}auth_method=approle with {prefix}role_id and {prefix}secret_id.",
    "unreachable": "Check {prefix}url (or VAULT_ADDR), {prefix}timeout and {prefix}retries.",
    "tls": "Set {prefix}ca_cert (or VAULT_CACERT) to the CA bundle that signed Vault's certificate.",
    "unauthorized": "Check {prefix}token (or VAULT_TOKEN, {prefix}token_file), or {prefix}role_id, {prefix}secret_id "
                    "and {prefix}mount_point for approle.",
    "forbidden": "Use a token whose policies allow the path ({prefix}token, VAULT_TOKEN or {prefix}token_file).",
}


def vault_connection_spec():
    """argument_spec entries for connecting to Vault, usable at top level or as ``options`` of a dict."""
    return dict(
        url=dict(type="str", fallback=(env_fallback, ["VAULT_ADDR"])),
        auth_method=dict(type="str", choices=["token", "approle"], default="token"),
        token=dict(type="str", no_log=True, fallback=(env_fallback, ["VAULT_TOKEN"])),
        token_file=dict(type="path"),
        role_id=dict(type="str", fallback=(env_fallback, ["VAULT_ROLE_ID", "ANSIBLE_HASHI_VAULT_ROLE_ID"])),
        secret_id=dict(type="str", no_log=True,
                       fallback=(env_fallback, ["VAULT_SECRET_ID", "ANSIBLE_HASHI_VAULT_SECRET_ID"])),
        mount_point=dict(type="str", default="approle"),
        namespace=dict(type="str", fallback=(env_fallback, ["VAULT_NAMESPACE"])),
        validate_certs=dict(type="bool", default=True),
        ca_cert=dict(type="path", fallback=(env_fallback, ["VAULT_CACERT"])),
        timeout=dict(type="int", default=30),
        retries=dict(type="int", default=3),
    )


def read_token_file(path):
    """The token in ``path`` (surrounding whitespace removed); VaultClientError when unreadable or empty."""
    try:
        with open(path) as handle:
            token = handle.read().strip()
    except (IOError, OSError) as exc:
        raise VaultClientError("cannot read the token file %s (%s)." % (path, exc.strerror or exc), "config")
    if not token:
        raise VaultClientError("the token file %s is empty." % path, "config")
    return token


def connection_kwargs(params):
    """``connect()`` keyword arguments from options of vault_connection_spec() (top level or a dict)."""
    token = params.get("token")
    if not token and params.get("token_file") and params.get("auth_method", "token") == "token":
        token = read_token_file(params["token_file"])
    return dict(url=params.get("url"), auth_method=params.get("auth_method") or "token", token=token,
                role_id=params.get("role_id"), secret_id=params.get("secret_id"),
                namespace=params.get("namespace"), validate_certs=params.get("validate_certs", True),
                ca_cert=params.get("ca_cert"), timeout=params.get("timeout") or 30,
                retries=params.get("retries", 3), approle_mount=params.get("mount_point") or "approle")


def open_vault(params, mask):
    """An authenticated VaultClient from options of vault_connection_spec(); ``mask`` gets every secret
    (the token read from a file, the one an approle login returned) before anything can show it.
    VaultClientError when the options are incomplete or Vault refuses them."""
    kwargs = connection_kwargs(params)
    mask(kwargs["token"])
    client = connect(**kwargs)
    mask(client.token)
    return client


class VaultModule(ConnectedModule):
    """The connection options merged into the module's own argument_spec; ``connect()`` returns the
    VaultClient, built once."""

    HINTS = HINTS

    def __init__(self, argument_spec=None, **kwargs):
        super(VaultModule, self).__init__(vault_connection_spec(), argument_spec, **kwargs)
        if HVAC_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("hvac"), exception=HVAC_IMPORT_ERROR)

    def mask(self, *secrets):
        """Never show these values in this module's results, diffs, warnings or errors."""
        self.no_log_values.update(secret for secret in secrets if secret)

    def open_client(self):
        try:
            return open_vault(self.params, self.mask)
        except VaultClientError as exc:
            self.fail_vault(exc)

    def fail_vault(self, exc, **result):
        """Fail the task with the client's message, the options that fix it and the kind of error."""
        self.fail_json(msg=self.explain(exc), error_kind=exc.kind, **result)
