# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection and auth options of every module of the action group datastack.jupyterhub.vault
    # (plugins/module_utils/vault_module.py).
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Address of Vault or OpenBao, for example C(https://vault.example.org:8200).
      - If not set, the value of the E(VAULT_ADDR) environment variable is used.
    type: str
  auth_method:
    description:
      - V(token) uses O(token) (or O(token_file)); V(approle) logs in with O(role_id) and O(secret_id).
    type: str
    choices: [token, approle]
    default: token
  token:
    description:
      - The Vault token the module acts with (O(auth_method=token)).
      - If not set, the value of the E(VAULT_TOKEN) environment variable is used, then O(token_file).
      - Masked in all output, whatever its source.
    type: str
  token_file:
    description:
      - Path of a file holding the token, used when O(token) and E(VAULT_TOKEN) are not set.
      - The token read from it is masked in all output.
    type: path
  role_id:
    description:
      - AppRole role id (O(auth_method=approle)).
      - If not set, E(VAULT_ROLE_ID) (or E(ANSIBLE_HASHI_VAULT_ROLE_ID)) is used.
    type: str
  secret_id:
    description:
      - AppRole secret id (O(auth_method=approle)); masked in all output.
      - If not set, E(VAULT_SECRET_ID) (or E(ANSIBLE_HASHI_VAULT_SECRET_ID)) is used.
    type: str
  mount_point:
    description:
      - Mount path of the AppRole auth method.
    type: str
    default: approle
  namespace:
    description:
      - Vault Enterprise or OpenBao namespace.
      - If not set, the value of the E(VAULT_NAMESPACE) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify Vault's TLS certificate. Turn off only for throwaway test servers; prefer O(ca_cert).
    type: bool
    default: true
  ca_cert:
    description:
      - Path of a PEM CA bundle that verifies Vault's certificate.
      - If not set, the value of the E(VAULT_CACERT) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each answer from Vault.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried, with exponential backoff, after a connection error or an
        HTTP 412, 500, 502 or 503 answer. A request whose answer timed out is not retried, so a token
        is never minted twice. V(0) disables retries.
    type: int
    default: 3
notes:
  - All modules of this group can get their connection options once per play through
    C(module_defaults) with the group name C(group/datastack.jupyterhub.vault).
requirements:
  - hvac (Python library) on the host that runs the module
"""

    # Attributes every module of the group shares (with ansible.builtin.action_common_attributes).
    ATTRIBUTES = r"""
attributes:
  platform:
    platforms: all
  action_group:
    description: Use C(group/datastack.jupyterhub.vault) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - datastack.jupyterhub.vault
"""
