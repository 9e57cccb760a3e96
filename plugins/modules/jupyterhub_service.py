#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_service
short_description: Add and remove JupyterHub external services at runtime
version_added: 0.1.0
description:
  - Manages an external service (an API or web app that uses the hub's API and is reachable under
    C(/services/<name>/)) through the runtime service API of JupyterHub 5 and later
    (C(POST) and C(DELETE /hub/api/services/<name>)). The calling token needs the C(admin:services) scope.
  - Everything the module can check is checked before the live service is touched (the name, the URLs, the
    token's length and that the token is not already someone else's). The hub has no update call, so when the
    live service differs from the wanted one, the module removes it and adds it again, and says so
    (RV(replaced)). If the hub refuses the new model, the module adds the previous service back (with its
    token when O(service_token) is the service's current token), fails with the hub's reason and returns
    RV(restored).
  - B(Routing) after an add or a remove, the module asks the hub to update the proxy's routes at once
    (C(POST /hub/api/proxy)) when the calling token has the C(proxy) scope (RV(routes_synced)). Without it,
    the route for C(/services/<name>/) changes only at the hub's next route check (every 5 minutes by
    default), so a removed service still gets requests until then; the module says so in RV(routing) and
    in a warning.
  - When O(url) is set the hub waits (up to 30 s) for the URL to answer before it confirms. Keep O(timeout)
    above 30 s.
  - Services defined in the hub's configuration (C(JupyterHub.services), or C(hub.services) in the Zero to
    JupyterHub values) are read-only at runtime; the module reports that they are managed there.
  - B(Users' access) a service that checks its callers with C(HubAuth) accepts a user's token only with the
    scope C(access:services!service=<name>), and the hub puts that scope on a user's token only when a role
    gives it to the user. Grant it in the hub configuration, for every user by redefining the default role
    C(user) with the scopes C(self) and C(access:services!service=<name>) (in C(JupyterHub.load_roles),
    C(z2jh_load_roles) or through the lab's C(lab_user_services)), or for a group with a role that names it.
  - B(Permissions of the service) a runtime service gains permissions only through O(admin) or through
    C(load_roles) in the hub configuration; there is no REST call for roles. A C(load_roles) entry that names
    a service which does not exist stops the hub from starting, so give roles only to services defined in the
    configuration.
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
    details: The diff shows the service model, never its token.
options:
  name:
    description:
      - Name of the service; it is served under C(/services/<name>/) when O(url) is set, so it may hold only
        letters, digits and C(. _ ~ -), and not only dots.
    type: str
    required: true
  url:
    description:
      - URL the proxy forwards C(/services/<name>/) to, an C(http://) or C(https://) URL with a host, for example
        an in-cluster address such as C(http://gdp-service.gdp.svc.cluster.local:5000). Omit for an API-only
        service.
    type: str
  service_token:
    description:
      - The service's own API token (at least 8 characters; generate one with C(openssl rand -hex 32)).
        The same token must be given to the service (its E(JUPYTERHUB_API_TOKEN)). A token that already
        belongs to another user or service is refused.
      - Sent to the hub as the service's C(api_token). It is not called O(api_token) here because that
        option is the token the module authenticates with, shared by every module of the group.
      - The hub cannot show a service's token, so the module checks it by asking the hub who owns it;
        a token that does not belong to the service makes the module replace the service.
    type: str
  display:
    description: Show the service in the hub's Services menu.
    type: bool
    default: true
  info:
    description: Free-form information shown with the service (a dict of strings).
    type: dict
    default: {}
  oauth_client_allowed_scopes:
    description: Scopes the service may request when users log in to it with the hub's OAuth.
    type: list
    elements: str
  oauth_no_confirm:
    description: Skip the OAuth confirmation page for users of this service.
    type: bool
  oauth_redirect_uri:
    description: OAuth callback URL of the service.
    type: str
  oauth_client_id:
    description: OAuth client id of the service (defaults to C(service-<name>) on the hub).
    type: str
  admin:
    description: Give the service admin rights. Prefer a role in the hub configuration with the scopes it needs.
    type: bool
    default: false
  force:
    description:
      - Replace the service even when nothing visible changed. Use it after changing OAuth options, which the
        hub's service model does not show.
    type: bool
    default: false
  state:
    description: Whether the service should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Register the GDP service at runtime, with its own token shared with its Deployment
  datastack.jupyterhub.jupyterhub_service:
    api_url: https://hub.example.org/hub/api
    api_token: "{{ services_admin_token }}"  # scopes admin:services and proxy
    name: gdp
    url: http://gdp-service.gdp-test.svc.cluster.local:5000
    service_token: "{{ lookup('ansible.builtin.file', 'gdp.token') }}"
    info:
      description: Geo data platform
  register: gdp

- name: Check that the proxy routes to it, with a user's token that holds access:services!service=gdp
  ansible.builtin.uri:
    url: "https://hub.example.org{{ gdp.service.prefix }}tables"
    headers:
      Authorization: "token {{ user_token }}"
  no_log: true

- name: Remove it (routing follows at once with the proxy scope)
  datastack.jupyterhub.jupyterhub_service:
    name: gdp
    state: absent
"""

RETURN = r"""
service:
  description: The service model as the hub reports it after the run (no token).
  returned: when O(state=present)
  type: dict
  sample:
    name: gdp
    url: http://gdp-service.gdp-test.svc.cluster.local:5000
    prefix: /services/gdp/
    display: true
    info: {}
    admin: false
    kind: service
replaced:
  description: Whether an existing service was removed and added again to apply a change.
  returned: always
  type: bool
differences:
  description: Names of the fields that made the module add or replace the service.
  returned: always
  type: list
  elements: str
routes_synced:
  description: Whether the proxy's routes were updated at once after a change (the token has the C(proxy) scope).
  returned: when the service was added, replaced or removed
  type: bool
routing:
  description: When the proxy's route for C(/services/<name>/) follows the change, in words.
  returned: when the service was added, replaced or removed
  type: str
restored:
  description: The hub refused the new model and the previous service was added back (the task fails).
  returned: when that happened
  type: bool
"""

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_service_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import (
    REFUSED,
    SERVER,
    JupyterHubError,
)
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_module import JupyterHubModule

OWN_OPTIONS = dict(
    name=dict(type="str", required=True),
    url=dict(type="str"),
    service_token=dict(type="str", no_log=True),
    display=dict(type="bool", default=True),
    info=dict(type="dict", default={}),
    oauth_client_allowed_scopes=dict(type="list", elements="str"),
    oauth_no_confirm=dict(type="bool"),
    oauth_redirect_uri=dict(type="str"),
    oauth_client_id=dict(type="str"),
    admin=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def observe(hub, spec):
    """What the planner needs from the hub: the live service and, for a given token, whose it is."""
    live = hub.get_service(spec.name)
    token = plan.token_to_check(spec, live)
    return plan.Seen(live, token is not None, hub.whoami(token=token) if token is not None else None)


def apply(module, hub, spec, seen, decided, result):
    """Make the hub match ``decided``; return the service model after. An add the hub refuses brings the
    previous service back (the planner says with which body) and fails the task."""
    if decided.action in ("remove", "replace"):
        hub.delete_service(spec.name)
    if decided.action == "remove":
        return None
    try:
        return hub.create_service(spec.name, decided.body)
    except JupyterHubError as error:
        if seen.live is None or error.kind not in (REFUSED, SERVER):
            raise
        previous = plan.restore(spec, seen, decided)
        try:
            hub.create_service(spec.name, previous)
        except JupyterHubError as again:
            module.fail_json(msg="%s. Adding the previous service %s back failed too: %s" % (
                module.explain(error), spec.name, module.explain(again)), **result)
        hub.sync_proxy()
        result["restored"] = True
        module.fail_json(msg="%s. The previous service %s was added back%s." % (
            module.explain(error), spec.name, "" if "api_token" in previous
            else " without its token (the hub cannot show it; give service_token to keep it)"), **result)


def main():
    module = JupyterHubModule(argument_spec=OWN_OPTIONS, supports_check_mode=True)
    spec = plan.spec_from(module.params)
    problems = plan.problems(spec)
    if problems:
        module.fail_json(msg="; ".join(problems))
    hub = module.connect()
    result = dict(changed=False, replaced=False, differences=[])
    try:
        seen = observe(hub, spec)
        decided = plan.decide(spec, seen)
        if decided.action == "refuse":
            module.fail_json(msg=decided.reason, **result)
        result.update(changed=decided.action != "none", replaced=decided.action == "replace",
                      differences=decided.differences)
        after = decided.expected
        if decided.action != "none" and not module.check_mode:
            after = apply(module, hub, spec, seen, decided, result)
            synced = hub.sync_proxy()
            result.update(routes_synced=synced, routing=plan.routing(spec.name, synced))
            if not synced:
                module.warn(result["routing"])
        if spec.state == "present":
            result["service"] = plan.visible(after)
        result["diff"] = dict(before=plan.visible(seen.live), after=plan.visible(after))
    except JupyterHubError as error:
        module.fail_hub(error, **result)
    hub.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
