#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_mcp_info
short_description: Check the MCP endpoint of a hub user's server
version_added: 0.1.0
description:
  - Asks the MCP endpoint of jupyter-mcp-server in a user's single-user server (C(<hub>/user/<name>/mcp), through
    the hub's proxy) to C(initialize) and to list its tools, as an MCP client does (JSON-RPC over streamable
    HTTP), and reports what it found.
  - It reports and does not fail when the endpoint does not answer (the server is not running, the extension is
    not installed or disabled, the token is refused); then RV(answering) is false and RV(reason) says why. It fails
    only for wrong options or a O(api_url) that is not a hub.
author:
  - Datastack Platform Engineering (@datastack)
extends_documentation_fragment:
  - datastack.jupyterhub.jupyterhub
  - datastack.jupyterhub.jupyterhub.user_server
  - datastack.jupyterhub.jupyterhub.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
options:
  path:
    description: Path of the MCP endpoint under the server's URL.
    type: str
    default: mcp
"""

EXAMPLES = r"""
- name: Is alice's MCP endpoint answering her token?
  datastack.jupyterhub.jupyterhub_mcp_info:
    api_url: https://hub.example.org/hub/api
    user: alice
    user_token: "{{ lookup('ansible.builtin.file', '/run/secrets/alice.token') }}"
  register: mcp

- name: Say so
  ansible.builtin.debug:
    msg: "{{ mcp.endpoint }}: {{ 'answering, ' ~ (mcp.tools | length) ~ ' tools' if mcp.answering else mcp.reason }}"
"""

RETURN = r"""
endpoint:
  description: The MCP endpoint's URL.
  returned: always
  type: str
  sample: https://hub.example.org/user/alice/mcp
answering:
  description: Whether the endpoint answered C(initialize) and C(tools/list).
  returned: always
  type: bool
status:
  description: The HTTP status of the failed request, or null.
  returned: always
  type: int
problem:
  description: >-
    What went wrong, as a word: V(refused) (the token), V(not_running) (the server), V(missing) (no endpoint:
    jupyter-mcp-server is not installed or is disabled), V(connection), V(timeout), V(protocol); null when answering.
  returned: always
  type: str
reason:
  description: Why the endpoint is not answering, in words (never a token); null when answering.
  returned: always
  type: str
protocol_version:
  description: The MCP protocol version the server chose.
  returned: when answering
  type: str
server_info:
  description: The server's C(serverInfo) (name, version).
  returned: when answering
  type: dict
tools:
  description: Names of the tools the server offers.
  returned: when answering
  type: list
  elements: str
"""

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyter_server_client as server
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_module import (
    JupyterHubModule,
    explain_user_server,
    user_server_argument_spec,
    user_server_url,
)


def main():
    spec = user_server_argument_spec()
    spec.update(path=dict(type="str", default="mcp"))
    module = JupyterHubModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    hub = module.connect()
    hub.close()
    path = params["path"].strip("/")
    base = user_server_url(params)
    verify = (params["ca_path"] or True) if params["validate_certs"] else False
    client = server.UserServerClient(base, params["user_token"] or params["api_token"], verify=verify,
                                     timeout=params["timeout"])
    result = dict(changed=False, endpoint=base + path, answering=False, status=None, problem=None, reason=None)
    try:
        initialized, tools = client.mcp_describe(path=path)
        result.update(answering=True, protocol_version=initialized.get("protocolVersion"),
                      server_info=initialized.get("serverInfo") or {}, tools=tools)
    except server.UserServerError as error:
        result.update(status=error.status, problem=error.kind, reason=explain_user_server(error))
        if error.kind == server.MISSING:
            result["reason"] = "%s. Is jupyter-mcp-server installed in the server's environment and enabled " \
                               "(DATASTACK_MCP_ENABLED=1)?" % error.message
    client.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
