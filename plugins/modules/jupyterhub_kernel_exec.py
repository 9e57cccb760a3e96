#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_kernel_exec
short_description: Run code in a new kernel on a hub user's server
version_added: 0.1.0
description:
  - Starts a kernel on a running single-user server, through the hub's proxy (C(POST <hub>/user/<name>/api/kernels)),
    runs O(code) in it over the kernel's websocket (the Jupyter messaging protocol), returns what it printed,
    its results and its error, and shuts the kernel down again, also when the code failed.
  - The code runs as the user, with the user's environment (for example the Vault token the hub's pre-spawn
    hook gave the server), exactly as a notebook cell would.
  - Fails when the code raises (RV(error) holds the exception), when the kernel does not start or dies, and
    when the code does not finish within O(exec_timeout).
  - Like M(ansible.builtin.command) it reports C(changed) whenever it ran code; in check mode it runs nothing.
author:
  - Datastack Platform Engineering (@datastack)
extends_documentation_fragment:
  - datastack.jupyterhub.jupyterhub
  - datastack.jupyterhub.jupyterhub.user_server
  - datastack.jupyterhub.jupyterhub.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: partial
    details: In check mode the code is not run and the task is skipped.
  diff_mode:
    support: none
options:
  code:
    description: The code to run, as in a notebook cell.
    type: str
    required: true
  kernel_name:
    description: The kernel spec to start (for example V(python3)); the server's default when not set.
    type: str
  exec_timeout:
    description: Seconds the code may run.
    type: float
    default: 60
requirements:
  - websocket-client
notes:
  - Whatever the code prints is returned. Register the result with C(no_log) when the code may print a secret.
"""

EXAMPLES = r"""
- name: A token for the check user, for its own server only
  datastack.jupyterhub.jupyterhub_token:
    user: healthcheck
    note: healthcheck
    scopes: ["access:servers!user=healthcheck"]
    expires_in: 3600
  register: check_token
  no_log: true

- name: Run code in a kernel of that user's server
  datastack.jupyterhub.jupyterhub_kernel_exec:
    user: healthcheck
    user_token: "{{ check_token.token }}"
    code: |
      import sys
      print(sys.version_info[:2])
  register: ran

- name: Show what it printed
  ansible.builtin.debug:
    msg: "{{ ran.stdout }}"
"""

RETURN = r"""
stdout:
  description: What the code printed to standard output.
  returned: when the code ran
  type: str
stderr:
  description: What the code printed to standard error.
  returned: when the code ran
  type: str
results:
  description: The plain-text form of the values the code displayed (C(execute_result), C(display_data)).
  returned: when the code ran
  type: list
  elements: str
error:
  description: The exception the code raised (C(ename), C(evalue), C(traceback)), or null.
  returned: when the code ran
  type: dict
kernel_id:
  description: Id of the kernel the module started (and shut down).
  returned: when a kernel was started
  type: str
elapsed:
  description: Seconds spent starting the kernel (C(start)), running the code (C(run)) and shutting the kernel down (C(shutdown)).
  returned: when a kernel was started
  type: dict
"""

import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyter_server_client as server
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_module import (
    JupyterHubModule,
    explain_user_server,
    user_server_argument_spec,
    user_server_url,
)


def main():
    spec = user_server_argument_spec()
    spec.update(
        code=dict(type="str", required=True),
        kernel_name=dict(type="str"),
        exec_timeout=dict(type="float", default=60),
    )
    module = JupyterHubModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    if server.websocket is None:
        module.fail_json(msg=missing_required_lib("websocket-client"), exception=server.WEBSOCKET_IMPORT_ERROR)
    if not params["exec_timeout"] > 0:
        module.fail_json(msg="exec_timeout must be a positive number of seconds (got %s)" % params["exec_timeout"])
    if module.check_mode:
        module.exit_json(changed=False, skipped=True, msg="the code is not run in check mode")
    hub = module.connect()
    hub.close()
    verify = (params["ca_path"] or True) if params["validate_certs"] else False
    client = server.UserServerClient(user_server_url(params), params["user_token"] or params["api_token"],
                                     verify=verify, timeout=params["timeout"])
    result = dict(changed=False)
    elapsed = {}
    kernel_id = None
    try:
        begin = time.time()
        kernel_id = client.start_kernel(params["kernel_name"])
        elapsed["start"] = round(time.time() - begin, 3)
        result.update(kernel_id=kernel_id, elapsed=elapsed, changed=True)
        begin = time.time()
        execution = client.execute(kernel_id, params["code"], params["exec_timeout"])
        elapsed["run"] = round(time.time() - begin, 3)
        result.update(execution.as_dict())
    except server.UserServerError as error:
        stop_kernel(client, kernel_id, elapsed)
        module.fail_json(msg=explain_user_server(error), **result)
    stop_kernel(client, kernel_id, elapsed)
    client.close()
    result.pop("status", None)
    if result.get("error"):
        module.fail_json(msg="the code raised %s: %s" % (result["error"]["ename"], result["error"]["evalue"]), **result)
    module.exit_json(**result)


def stop_kernel(client, kernel_id, elapsed):
    """Shut the kernel down; a failure here does not hide the result."""
    if kernel_id is None:
        return
    begin = time.time()
    try:
        client.delete_kernel(kernel_id)
    except server.UserServerError:
        pass
    elapsed["shutdown"] = round(time.time() - begin, 3)


if __name__ == "__main__":
    main()
