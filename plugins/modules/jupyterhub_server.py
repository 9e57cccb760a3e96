#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_server
short_description: Start, stop and inspect a hub user's single-user server
version_added: 0.1.0
description:
  - Starts or stops the default server of a hub user, or one of the user's named servers, through the hub's REST
    API (C(POST) and C(DELETE /hub/api/users/<name>/server[s/<server>])), and waits until the server is ready or
    stopped.
  - Without O(state) it only reports the server (RV(ready), RV(pending), RV(url)); a missing user or a stopped
    server is reported, not an error.
  - The calling token needs C(read:servers) (and C(start:servers) or C(servers) to start and stop) for the user;
    the C(admin:servers) scope of the C(admin-service) holds them all. Creating a missing user (O(create_user))
    needs C(admin:users).
  - A server that stops being pending without becoming ready failed to start; the module fails and says so (the
    reason is in the hub's log). A server still pending after O(wait_timeout) fails the task too; it is left
    pending.
author:
  - Datastack Platform Engineering (@datastack)
extends_documentation_fragment:
  - datastack.jupyterhub.jupyterhub
  - datastack.jupyterhub.jupyterhub.attributes
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows whether the server runs before and after.
options:
  user:
    description: The hub user that owns the server.
    type: str
    required: true
  server_name:
    description: A named server of the user (the hub needs C(JupyterHub.allow_named_servers)); empty for the default server.
    type: str
    default: ""
  state:
    description:
      - V(started) starts the server unless it runs or is starting; V(stopped) stops it unless it is stopped or
        stopping. Omit it to only report the server.
    type: str
    choices: [started, stopped]
  wait:
    description: Wait until the server is ready (V(started)) or gone (V(stopped)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: float
    default: 300
  create_user:
    description: With O(state=started), create the user when it does not exist (otherwise that is an error).
    type: bool
    default: false
  user_options:
    description: Options for the spawner (what a user picks on the spawn form, for example a profile), with O(state=started).
    type: dict
  hub_url:
    description:
      - The hub's public URL, used to make RV(url) absolute. Defaults to O(api_url) without C(/hub/api).
    type: str
"""

EXAMPLES = r"""
- name: Start alice's server and wait until it answers
  datastack.jupyterhub.jupyterhub_server:
    api_url: https://hub.example.org/hub/api
    api_token: "{{ lookup('ansible.builtin.env', 'JUPYTERHUB_API_TOKEN') }}"
    user: alice
    state: started
  register: alice_server

- name: Say where it is
  ansible.builtin.debug:
    msg: "{{ alice_server.url }}"

- name: Start a named server with a profile of the spawn form
  datastack.jupyterhub.jupyterhub_server:
    user: alice
    server_name: gpu
    state: started
    user_options:
      profile: gpu

- name: Is bob's server running?
  datastack.jupyterhub.jupyterhub_server:
    user: bob
  register: bob_server

- name: Stop it
  datastack.jupyterhub.jupyterhub_server:
    user: bob
    state: stopped
  when: bob_server.ready
"""

RETURN = r"""
user_exists:
  description: Whether the user exists on the hub (after the run).
  returned: always
  type: bool
ready:
  description: Whether the server is running and ready (after the run, or as it would be in check mode).
  returned: always
  type: bool
pending:
  description: What the server is busy with (V(spawn), V(stop)), or null.
  returned: always
  type: str
url:
  description: The server's absolute URL (for example C(https://hub.example.org/user/alice/)), or null when it does not run.
  returned: always
  type: str
  sample: https://hub.example.org/user/alice/
server:
  description: The server model as the hub shows it after the run (empty when the server does not run).
  returned: always
  type: dict
waited:
  description: Seconds the module waited for the server.
  returned: always
  type: float
"""

import time

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_server_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import (
    NOT_FOUND,
    REFUSED,
    JupyterHubError,
    server_label,
)
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_module import JupyterHubModule

POLL_FIRST = 0.25
POLL_MAX = 2.0


def spec_from(params):
    return plan.ServerSpec(**dict((field, params[field]) for field in plan.ServerSpec._fields))


class ServerRun(object):
    """Reads and changes one server on the hub; the decisions come from ``plan``."""

    def __init__(self, module, hub, spec):
        self.module = module
        self.hub = hub
        self.spec = spec
        self.label = server_label(spec.user, spec.server_name)
        self.model = None
        self.waited = 0.0

    def read(self):
        self.model = self.hub.get_user(self.spec.user)
        return plan.server_status(self.model, self.spec.server_name)

    def wait_until(self, wanted):
        """Poll until the server reaches ``wanted``; fail on a failed start or after the timeout."""
        started = time.time()
        delay = POLL_FIRST
        while True:
            status = self.read()
            outcome = plan.progress(wanted, status)
            self.waited += time.time() - started
            started = time.time()
            if outcome == plan.DONE:
                return status
            if outcome == plan.FAILED:
                self.fail("%s failed to start: it is no longer starting and not ready (the hub's log says why, "
                          "e.g. the spawner's error or the server's exit)" % self.label)
            if self.waited >= self.spec.wait_timeout:
                self.fail("%s is still %s after %s s (pending: %s). Raise wait_timeout if the server is only slow "
                          "(a large image to pull, a node to scale up)"
                          % (self.label, "starting" if wanted == "started" else "stopping",
                             "%g" % self.spec.wait_timeout, status.pending))
            time.sleep(min(delay, max(self.spec.wait_timeout - self.waited, 0.05)))
            delay = min(delay * 2, POLL_MAX)

    def start(self, decided):
        if decided.action == "create_user":
            self.hub.create_users([self.spec.user])
        if decided.after_stop:
            self.wait_until("stopped")
        try:
            self.hub.start_server(self.spec.user, self.spec.server_name, self.spec.user_options)
        except JupyterHubError as error:
            # Started by someone else between the read and the request: what was wanted.
            if error.kind == REFUSED and error.status == 400 and "already running" in (error.hub_message or ""):
                return
            # A spawn that fails within the hub's slow_spawn_timeout is the hub's 500, a later one is seen by waiting.
            if error.status == 500:
                self.fail("%s failed to start (the hub answered HTTP 500: %s); the hub's log says why"
                          % (self.label, error.hub_message or "no reason given"))
            raise

    def fail(self, msg):
        self.module.fail_json(msg=msg, **self.result(plan.server_status(self.model, self.spec.server_name)))

    def result(self, status, changed=False):
        server = dict((self.model or {}).get("servers", {}).get(self.spec.server_name) or {})
        hub_url = self.module.params["hub_url"] or plan.hub_url_from_api(self.module.params["api_url"])
        return dict(changed=changed, user_exists=status.user_exists, ready=status.ready, pending=status.pending,
                    url=plan.server_url(hub_url, status.url), server=server, waited=round(self.waited, 3))


def expected_status(before, decided, spec):
    """The status check mode reports: what the run would leave."""
    if decided.action == "none":
        return before
    if decided.action == "stop":
        return plan.ServerStatus(True, False, False, None, None)
    return plan.ServerStatus(True, True, bool(spec.wait), None if spec.wait else "spawn", None)


def main():
    module = JupyterHubModule(
        argument_spec=dict(
            user=dict(type="str", required=True),
            server_name=dict(type="str", default=""),
            state=dict(type="str", choices=list(plan.STATES)),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="float", default=300),
            create_user=dict(type="bool", default=False),
            user_options=dict(type="dict"),
            hub_url=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    spec = spec_from(module.params)
    problems = plan.problems(spec)
    if problems:
        module.fail_json(msg="; ".join(problems))
    hub = module.connect()
    run = ServerRun(module, hub, spec)
    try:
        before = run.read()
        decided = plan.decide(spec, before)
        if spec.state == "started" and not before.user_exists and not spec.create_user:
            raise JupyterHubError(NOT_FOUND, "user %s does not exist on the hub" % spec.user)
        changed = decided.action != "none"
        after = before
        if module.check_mode:
            after = expected_status(before, decided, spec)
        else:
            if decided.action in ("create_user", "start"):
                run.start(decided)
            elif decided.action == "stop":
                hub.stop_server(spec.user, spec.server_name)
            after = run.wait_until(decided.wait_for) if decided.wait_for else run.read()
        result = run.result(after, changed)
        result["diff"] = dict(before=dict(running=before.ready, pending=before.pending),
                              after=dict(running=after.ready, pending=after.pending))
    except JupyterHubError as error:
        if error.kind == NOT_FOUND and spec.state == "started":
            module.fail_json(msg="%s. Create it first, or set create_user=true" % error.message)
        module.fail_hub(error)
    hub.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
