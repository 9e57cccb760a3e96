#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_token
short_description: Issue, rotate and revoke JupyterHub API tokens for hub users
version_added: 0.1.0
description:
  - Ensures that one or many hub users hold an API token identified by a O(note), acting through a
    service token such as the C(admin-service) (scopes C(admin:users), C(tokens), C(admin:servers)).
  - Creates missing users (one bulk call for a batch), keeps a token that is still valid long enough
    and has the wanted scopes, replaces one that does not, rotates without a gap, and revokes.
  - The secret of a token is returned only when the module creates it. The hub never shows it again,
    so set C(no_log) to V(true) on the task that registers the result, and store the token at once (file, Vault, Secret).
  - B(Security) the C(tokens) scope lets its holder mint tokens for every user it covers, with any
    scope those users hold, so the service token is as powerful as the users it can act for. Prefer a
    filtered scope such as C(tokens!group=notebook-users) on the service's role where possible.
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
    details: The diff shows token metadata (id, note, scopes, expiry), never a token.
options:
  user:
    description:
      - The hub user that owns the token. Mutually exclusive with O(users).
    type: str
  users:
    description:
      - A batch of hub users, handled on one keep-alive connection with one bulk call for missing users.
    type: list
    elements: str
  create_user:
    description:
      - Create users that do not exist yet. With V(false), a missing user is an error.
    type: bool
    default: true
  note:
    description:
      - The note that identifies the managed token among the user's tokens.
    type: str
    default: ansible-managed
  scopes:
    description:
      - Scopes of the token, for example V(access:servers!user=alice) and V(self). Omit for the hub's
        default (every scope of the owner).
      - The hub stores scopes expanded (V(self) becomes about 15 filtered scopes); the comparison with an
        existing token accounts for that, so an unchanged request reports no change.
    type: list
    elements: str
  expires_in:
    description:
      - Lifetime of a new token in seconds. Omit for a token that does not expire (or the hub's maximum when
        C(JupyterHub.token_expires_in_max_seconds) is set).
    type: int
  renew_before:
    description:
      - With O(state=present), replace a token that expires within this many seconds.
      - Defaults to a tenth of O(expires_in) (0 when O(expires_in) is not set).
    type: int
  token_id:
    description:
      - Identify the managed token by its id (for example V(a42)) instead of by O(note).
    type: str
  current_token:
    description:
      - A token the caller already holds for a single O(user). The module asks the hub which token id it
        is (C(GET /hub/api/user)) and manages that token, as O(token_id) does.
    type: str
  state:
    description:
      - V(present) keeps a fitting token or creates one (revoking stale tokens with the same note after
        the new one exists).
      - V(rotated) always creates a new token, then revokes the old ones, so there is never a moment
        without a valid token.
      - V(absent) revokes every token with the note (or the one selected by O(token_id)).
    type: str
    choices: [present, absent, rotated]
    default: present
"""

EXAMPLES = r"""
- name: Give alice a token for her own server (as the token playbook does)
  datastack.jupyterhub.jupyterhub_token:
    api_url: https://hub.example.org/hub/api
    api_token: "{{ lookup('ansible.builtin.env', 'JUPYTERHUB_API_TOKEN') }}"
    user: alice
    scopes:
      - access:servers!user=alice
      - self
    expires_in: 2592000
    note: mcp-client
  register: alice_token
  no_log: true  # the result holds the token when it was created

- name: Store it where it belongs, only when it was created
  ansible.builtin.copy:
    content: "{{ alice_token.token }}"
    dest: ~/.config/jupyterhub/alice.token
    mode: "0600"
  when: alice_token.token is defined
  no_log: true

- name: Tokens for a class of 200 students in one task
  datastack.jupyterhub.jupyterhub_token:
    users: "{{ students }}"
    note: course-2026
    scopes: [self]
    expires_in: 604800
  register: course_tokens
  no_log: true

- name: Rotate the token of a bot account without a gap
  datastack.jupyterhub.jupyterhub_token:
    user: ci-bot
    note: ci
    state: rotated
  register: rotated
  no_log: true

- name: Set the connection once for every module of the collection's group
  module_defaults:
    group/datastack.jupyterhub.jupyterhub:
      api_url: https://hub.example.org/hub/api
      api_token: "{{ vault_admin_service_token }}"
  block:
    - name: Revoke the tokens of a departed user
      datastack.jupyterhub.jupyterhub_token:
        user: bob
        note: mcp-client
        state: absent
"""

RETURN = r"""
token:
  description:
    - The new token of O(user), only when the module created one. It cannot be read back later.
  returned: when a token was created for a single user
  type: str
tokens:
  description:
    - New tokens of a O(users) batch, by user name, only for users who got a new token.
  returned: when O(users) is used
  type: dict
token_info:
  description: Metadata of the token the single O(user) holds after the run (never the secret).
  returned: when O(user) is used and O(state) is not V(absent)
  type: dict
  contains:
    id:
      description: Token id, as used in C(/users/<name>/tokens/<id>).
      type: str
    note:
      description: The note.
      type: str
    scopes:
      description: Scopes as the hub stores them (expanded).
      type: list
      elements: str
    expires_at:
      description: Expiry time (UTC, ISO 8601), or null.
      type: str
    created:
      description: Creation time.
      type: str
results:
  description: What happened for each user.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user name.
      type: str
    user_created:
      description: Whether the module created the user.
      type: bool
    action:
      description: One of C(kept), C(created), C(replaced), C(rotated), C(revoked), C(none).
      type: str
    token_id:
      description: Id of the user's managed token after the run (null after V(absent)).
      type: str
    expires_at:
      description: Its expiry time, or null.
      type: str
    revoked:
      description: Ids of the tokens revoked by this run.
      type: list
      elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_api import (
    JupyterHubError,
    JupyterHubModule,
)
from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_tokens as plans

# Requests in flight at once for a batch: enough to overlap client and hub work, few enough for any hub.
PARALLEL_REQUESTS = 4
INVALID_NAME_HINT = "user names must be non-empty, without '/', without leading or trailing spaces, and not only dots"


def valid_name(name):
    return bool(name) and "/" not in name and name == name.strip() and set(name) != {"."}


class TokenRun(object):
    def __init__(self, module):
        self.module = module
        self.hub = module.hub
        params = module.params
        self.users = [params["user"]] if params["user"] is not None else list(dict.fromkeys(params["users"]))
        self.state = params["state"]
        self.note = params["note"]
        self.scopes = params["scopes"]
        self.expires_in = params["expires_in"]
        self.renew_before = plans.default_renew_before(self.expires_in, params["renew_before"])
        self.token_id = params["token_id"]
        self.check = module.check_mode

    def run(self):
        if self.module.params["current_token"]:
            self.token_id = self.hub.whoami(token=self.module.params["current_token"]).get("token_id")
        live = dict(zip(self.users, self.each(self.hub.list_tokens, self.users)))
        missing = [user for user in self.users if live[user] is None]
        created_users = self.ensure_users(missing)
        steps = [plans.plan(live[user], self.state, self.note, self.scopes, self.expires_in, self.renew_before,
                            user, token_id=self.token_id) for user in self.users]
        new_tokens, before, after = {}, {}, {}
        results = self.each(lambda pair: self.apply(pair[0], pair[1], new_tokens), list(zip(self.users, steps)))
        for user, step, result in zip(self.users, steps, results):
            result["user_created"] = user in created_users
            before[user] = [plans.metadata(t) for t in step["revoke"] + ([step["keep"]] if step["keep"] else [])]
            after[user] = [plans.metadata(t) for t in result.pop("_after")]
        return results, new_tokens, before, after

    def each(self, call, items):
        """``call`` for every item, in order; a batch keeps a few requests in flight on the shared session."""
        if len(items) < 2:
            return [call(item) for item in items]
        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            return list(pool.map(call, items))

    def ensure_users(self, missing):
        if not missing:
            return []
        if self.state == "absent":
            return []
        if not self.module.params["create_user"]:
            raise JupyterHubError("user%s %s do%s not exist; create %s first or set create_user=true"
                                  % ("s" if len(missing) > 1 else "", ", ".join(missing),
                                     "" if len(missing) > 1 else "es", "them" if len(missing) > 1 else "it"))
        if self.check:
            return list(missing)
        if len(missing) == 1:
            self.hub.create_user(missing[0])
            return list(missing)
        return self.hub.create_users(missing)

    def apply(self, user, step, new_tokens):
        action = step["action"]
        result = dict(user=user, action=action, revoked=[t["id"] for t in step["revoke"]])
        keep = step["keep"]
        if action in ("created", "replaced", "rotated"):
            if self.check:
                keep = {"id": None, "note": self.note, "scopes": self.scopes,
                        "expires_at": plans.expires_at_for(self.expires_in)}
            else:
                keep = self.hub.create_token(user, self.note, self.scopes, self.expires_in)
                new_tokens[user] = keep.pop("token")
        if not self.check:
            for token in step["revoke"]:
                self.hub.delete_token(user, token["id"])
        result["token_id"] = keep.get("id") if keep else None
        result["expires_at"] = keep.get("expires_at") if keep else None
        result["_after"] = [keep] if keep else []
        if keep:
            result["_info"] = plans.metadata(keep)
        return result


def main():
    module = JupyterHubModule(
        argument_spec=dict(
            user=dict(type="str"),
            users=dict(type="list", elements="str"),
            create_user=dict(type="bool", default=True),
            note=dict(type="str", default="ansible-managed"),
            scopes=dict(type="list", elements="str"),
            expires_in=dict(type="int"),
            renew_before=dict(type="int"),
            token_id=dict(type="str"),
            current_token=dict(type="str", no_log=True),
            state=dict(type="str", default="present", choices=["present", "absent", "rotated"]),
        ),
        required_one_of=[("user", "users")],
        mutually_exclusive=[("user", "users"), ("token_id", "current_token")],
        required_by={"current_token": "user", "token_id": "user"},
        supports_check_mode=True,
    )
    params = module.params
    names = [params["user"]] if params["user"] is not None else params["users"]
    bad = [name for name in names if not valid_name(name)]
    if bad:
        module.fail_json(msg="invalid user name %s: %s" % (", ".join(repr(n) for n in bad), INVALID_NAME_HINT))
    if params["expires_in"] is not None and params["expires_in"] <= 0:
        module.fail_json(msg="expires_in must be a positive number of seconds (omit it for no expiry)")
    run = TokenRun(module)
    try:
        results, new_tokens, before, after = run.run()
    except JupyterHubError as error:
        module.fail_hub(error)
    finally:
        module.hub.close()
    changed = any(r["action"] not in ("kept", "none") or r["user_created"] for r in results)
    output = dict(changed=changed, results=[])
    for result in results:
        info = result.pop("_info", None)
        output["results"].append(result)
        if params["user"] is not None and info is not None and params["state"] != "absent":
            output["token_info"] = info
    if params["user"] is not None:
        if params["user"] in new_tokens:
            output["token"] = new_tokens[params["user"]]
    else:
        output["tokens"] = new_tokens
    if module._diff:
        single = params["user"]
        output["diff"] = dict(before=before[single] if single else before, after=after[single] if single else after)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
