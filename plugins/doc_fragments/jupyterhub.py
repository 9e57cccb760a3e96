# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module of the action group datastack.jupyterhub.jupyterhub.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - The hub's REST API base, as in JupyterHub's own C(JUPYTERHUB_API_URL), for example
        C(https://hub.example.org/hub/api). A trailing slash is accepted.
      - If not set, the value of the E(JUPYTERHUB_API_URL) environment variable is used.
      - Credentials in the URL (C(user:password@)) are refused, and never shown.
      - The module first asks the hub for its version, so a URL that is not a JupyterHub API (a login page, a
        server that answers anything) fails with a clear message instead of half-way.
    type: str
    required: true
  api_token:
    description:
      - The API token the module acts with, usually the token of a service such as C(admin-service).
      - If not set, the value of the E(JUPYTERHUB_API_TOKEN) environment variable is used.
      - It is never shown in output, logs or error messages.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the hub's TLS certificate. Turn off only for throwaway test hubs; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM CA bundle used to verify the hub's certificate (for a private CA).
    type: path
  timeout:
    description:
      - Seconds to wait for each answer from the hub (more than 0).
    type: float
    default: 60
  retries:
    description:
      - How many times a request is retried (0 to 10), with exponential backoff, after a connection error, HTTP
        429, 502, 503 or 504, and for requests that are safe to repeat also after a timeout or any 5xx. A request
        that creates something is never repeated once it may have reached the hub.
    type: int
    default: 3
notes:
  - All modules of this group can get their connection options once per play through
    C(module_defaults) with the group name C(group/datastack.jupyterhub.jupyterhub).
  - Requires the C(requests) Python library on the host that runs the module.
requirements:
  - requests
"""

    # Options of the modules that reach a user's server through the hub's proxy.
    USER_SERVER = r"""
options:
  user:
    description: The hub user whose server is reached, at C(<hub>/user/<name>/).
    type: str
    required: true
  server_name:
    description: A named server of the user; empty for the default server.
    type: str
    default: ""
  user_token:
    description:
      - The token presented to the user's server. It needs the scope C(access:servers!user=<name>) (or
        C(access:servers!server=<name>/<server>)), which a service token such as C(admin-service) usually
        lacks; M(datastack.jupyterhub.jupyterhub_token) makes one for the user.
      - Defaults to O(api_token). It is never shown in output, logs or error messages.
    type: str
  hub_url:
    description:
      - The hub's public URL (the proxy), for example C(https://hub.example.org). Defaults to O(api_url) without
        C(/hub/api).
    type: str
"""

    # Attributes every module of the group shares (with ansible.builtin.action_common_attributes).
    ATTRIBUTES = r"""
attributes:
  platform:
    platforms: all
  action_group:
    description: Use C(group/datastack.jupyterhub.jupyterhub) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - datastack.jupyterhub.jupyterhub
"""
