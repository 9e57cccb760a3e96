# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VaultModule: an AnsibleModule that owns the Vault connection and auth options (doc fragment
datastack.jupyterhub.vault), builds the client and turns client errors into messages that name the
option to fix.

Secrets are masked whatever their source: ``token`` and ``secret_id`` are ``no_log`` options whose
environment fallbacks Ansible resolves before it collects no_log values, and a token read from
``token_file`` or obtained by an approle login is added to the module's no_log values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import (
    HVAC_IMPORT_ERROR,
    VaultClientError,
    connect,
)

# What each kind of client error asks the user to check, in option names.
_OPTION_HINTS = {
    "config": "set url (or VAULT_ADDR) and either token (or VAULT_TOKEN, or token_file) or auth_method=approle "
              "with role_id and secret_id",
    "unreachable": "check url (or VAULT_ADDR), timeout and retries",
    "tls": "set ca_cert (or VAULT_CACERT) to the CA bundle that signed Vault's certificate",
    "unauthorized": "check token (or VAULT_TOKEN, token_file), or role_id, secret_id and mount_point for approle",
    "forbidden": "use a token whose policies allow the path (option token, VAULT_TOKEN or token_file)",
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


class VaultModule(AnsibleModule):
    """AnsibleModule with the connection options merged into the module's own argument_spec."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = vault_connection_spec()
        spec.update(argument_spec or {})
        super(VaultModule, self).__init__(argument_spec=spec, **kwargs)
        if HVAC_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("hvac"), exception=HVAC_IMPORT_ERROR)

    def mask(self, *secrets):
        """Never show these values in this module's results, diffs, warnings or errors."""
        self.no_log_values.update(secret for secret in secrets if secret)

    def vault(self, params=None):
        """Connect and authenticate with ``params`` (default: the top-level options); fail clearly."""
        params = self.params if params is None else params
        try:
            kwargs = connection_kwargs(params)
            self.mask(kwargs["token"])
            client = connect(**kwargs)
        except VaultClientError as exc:
            self.fail_vault(exc)
        self.mask(client.token)
        return client

    def fail_vault(self, exc, **result):
        """Fail the task with the client's message and the options that fix it."""
        hint = _OPTION_HINTS.get(exc.kind)
        message = exc.message if not hint else "%s. Fix: %s." % (exc.message.rstrip("."), hint)
        self.fail_json(msg=message, error_kind=exc.kind, **result)
