#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: jupyterhub_token
short_description: Issue, store, rotate and revoke JupyterHub API tokens for hub users
version_added: 0.1.0
description:
  - Ensures that one or many hub users hold one API token identified by a O(note), acting through a
    service token such as the C(admin-service) (scopes C(admin:users) and C(tokens)).
  - Creates missing users (one bulk call, which applies the hub's name normalisation), keeps a token that
    is valid long enough and has the wanted scopes, replaces one that does not, rotates without a gap,
    revokes, and leaves each user with exactly one managed token.
  - With a O(destination) (a Vault KV v2 path per user, a Kubernetes Secret per user, or a directory of
    0600 files) each new token is written there as soon as it exists, so no failure loses it. Then
    V(present) means that the stored token still authenticates as its user (C(GET /hub/api/user)) and is
    the managed token; a stored token that no longer works is replaced, and a managed token nobody stored
    is revoked. Two runs at once agree through a compare-and-set write, so one token per user wins.
  - Without a destination the hub shows a new token only once, in the module's result; a run that fails
    half-way returns the tokens it made, but a token created by a run that was killed is lost to everyone.
    Use a destination in jobs that may be stopped (AWX) or run twice at once.
  - Scopes are compared with the expansion the hub itself computes. The module learns it from a short-lived
    check token (note O(note) followed by C([scope check]), 5 minutes of life) that the hub creates with the
    requested scopes; a batch makes one for its first user, keeps it until the end of the run and checks every
    other user against it, making another only for a user whose token differs. Left-over check tokens are
    revoked by the next run.
  - Without a destination, two runs at once may each make a token for a user. The hub numbers tokens in order,
    so a run sees whether anyone else made tokens while it worked; then it lists its users again and all runs
    keep the same token (the oldest), and a run whose token was not kept fails for that user and says so.
  - B(Security) the C(tokens) scope lets its holder mint tokens for every user it covers, with any scope those
    users hold, so the service token is as powerful as the users it can act for. Prefer a filtered scope such
    as C(tokens!group=notebook-users) on the service's role where possible.
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
    details: The diff shows token metadata (id, note, scopes, expiry) by user, never a token.
options:
  user:
    description:
      - The hub user that owns the token. Mutually exclusive with O(users).
      - Names are normalised as the hub does (lower case); results name users as the hub stores them.
    type: str
  users:
    description:
      - A batch of hub users, handled on one keep-alive connection with one bulk call for missing users.
      - When a batch fails half-way (the hub stopped or too slow), the task fails, says which users are done and
        which are not (RV(done), RV(not_done)), and still returns every token it made.
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
      - Scopes of the token, in any form the hub accepts, for example V(access:servers!user=alice), V(self),
        V(read:users:name!user), V(access:servers!server=alice/) or V([]) (only the identity of the owner).
        Omit for the hub's default (every scope of the owner).
      - A scope the user does not hold (through a role) is refused by the hub.
    type: list
    elements: str
  expires_in:
    description:
      - Lifetime of a new token in whole seconds, from 1 to 3153600000 (100 years). Omit for a token that does
        not expire (or the hub's maximum when C(JupyterHub.token_expires_in_max_seconds) is set).
    type: raw
  renew_before:
    description:
      - With O(state=present), replace a token that expires within this many seconds. It must be less than
        O(expires_in).
      - Defaults to a tenth of O(expires_in) (0 when O(expires_in) is not set).
    type: raw
  token_id:
    description:
      - Identify the managed token by its id (for example V(a42)) instead of by O(note). Not with O(destination).
    type: str
  current_token:
    description:
      - A token the caller already holds for a single O(user). The module asks the hub which token id it
        is (C(GET /hub/api/user)) and manages that token, as O(token_id) does. Not with O(destination).
    type: str
  destination:
    description:
      - Where each new token is written, at once, one entry per user (exactly one of the sub-options).
      - Templates replace C({user}) by the user's name (as the hub stores it); with O(users) they must contain it.
      - A new token replaces the entry only if nobody changed it since it was read (compare-and-set).
    type: dict
    suboptions:
      file:
        description: A directory of files readable only by their owner (mode 0600; the directory is made 0700).
        type: dict
        suboptions:
          directory:
            description: The directory.
            type: path
            required: true
          file_name:
            description: The file name of a user's token.
            type: str
            default: "{user}.token"
      vault_kv:
        description:
          - A KV version 2 path per user. Other keys of the secret at that path are kept.
          - Takes the connection and authentication options of the collection's Vault modules (O(destination.vault_kv.url),
            O(destination.vault_kv.token), ..., with the same environment variables).
        type: dict
        suboptions:
          mount:
            description: Mount point of the KV version 2 engine.
            type: str
            default: secret
          path:
            description: Path of a user's secret under the mount.
            type: str
            default: "jupyterhub/user-tokens/{user}"
          key:
            description: Key of the token in that secret.
            type: str
            default: token
          url:
            description: Vault address; E(VAULT_ADDR) when not set.
            type: str
          auth_method:
            description: How to log in to Vault.
            type: str
            choices: [token, approle]
            default: token
          token:
            description: Vault token; E(VAULT_TOKEN) when not set.
            type: str
          token_file:
            description: File holding the Vault token (when O(destination.vault_kv.token) is not set).
            type: path
          role_id:
            description: AppRole role id; E(VAULT_ROLE_ID) when not set.
            type: str
          secret_id:
            description: AppRole secret id; E(VAULT_SECRET_ID) when not set.
            type: str
          mount_point:
            description: Mount point of the AppRole auth method.
            type: str
            default: approle
          namespace:
            description: Vault namespace; E(VAULT_NAMESPACE) when not set.
            type: str
          validate_certs:
            description: Verify Vault's TLS certificate.
            type: bool
            default: true
          ca_cert:
            description: CA bundle for Vault's certificate; E(VAULT_CACERT) when not set.
            type: path
          timeout:
            description: Seconds to wait for each answer from Vault.
            type: int
            default: 30
          retries:
            description: Retries of a failed request to Vault.
            type: int
            default: 3
      kubernetes_secret:
        description:
          - A Secret per user in one namespace, with the user's name in the annotation C(datastack.jupyterhub/user).
          - In the name, C({user}) becomes the user's name with every character but a-z and 0-9 written as C(-xx-)
            (its UTF-8 bytes in hex), so every user name gives a valid Secret name.
          - Needs the C(kubernetes) Python library.
        type: dict
        suboptions:
          namespace:
            description: The namespace of the Secrets.
            type: str
            required: true
          name:
            description: Name of a user's Secret.
            type: str
            default: "jupyterhub-token-{user}"
          key:
            description: Key of the token in the Secret's data.
            type: str
            default: token
          kubeconfig:
            description:
              - Kubeconfig file; E(K8S_AUTH_KUBECONFIG) or E(KUBECONFIG) when not set. Without it and without
                O(destination.kubernetes_secret.context), the pod's service account is used inside a cluster.
            type: path
          context:
            description: Context of the kubeconfig; E(K8S_AUTH_CONTEXT) when not set.
            type: str
  state:
    description:
      - V(present) keeps a fitting token or makes one (revoking the other managed tokens once the new one is
        stored).
      - V(rotated) always makes a new token, stores it, then revokes the old ones, so there is never a moment
        without a valid token.
      - V(absent) revokes every token with the note (or the one selected by O(token_id)) and removes the
        stored copy.
    type: str
    choices: [present, absent, rotated]
    default: present
notes:
  - The task that registers the result must have C(no_log) set to V(true) whenever the module may create a token,
    including with a destination (a failed batch returns what it made). Ansible cannot hide a returned value.
"""

EXAMPLES = r"""
- name: Tokens for a class of students, each in Vault at secret/jupyterhub/user-tokens/<name>
  datastack.jupyterhub.jupyterhub_token:
    api_url: https://hub.example.org/hub/api
    api_token: "{{ lookup('ansible.builtin.env', 'JUPYTERHUB_API_TOKEN') }}"
    users: "{{ students }}"
    note: course-2026
    scopes: [self]
    expires_in: 604800
    destination:
      vault_kv:
        url: https://vault.example.org:8200  # token from VAULT_TOKEN
  register: course_tokens
  no_log: true

- name: Say which students are not done, without showing any token
  ansible.builtin.debug:
    msg: "{{ course_tokens.not_done | default([]) }}"

- name: One user's token for her own server, in a 0600 file
  datastack.jupyterhub.jupyterhub_token:
    user: alice
    scopes:
      - access:servers!user=alice
      - self
    expires_in: 2592000
    note: mcp-client
    destination:
      file:
        directory: ~/.config/jupyterhub/tokens
  register: alice_token
  no_log: true

- name: A token per user in a Kubernetes Secret jupyterhub-token-<name>
  datastack.jupyterhub.jupyterhub_token:
    users: [alice, bob]
    note: pipeline
    scopes: ["access:servers!user"]
    destination:
      kubernetes_secret:
        namespace: jupyter
  no_log: true

- name: Rotate the token of a bot account without a gap
  datastack.jupyterhub.jupyterhub_token:
    user: ci-bot
    note: ci
    state: rotated
    destination:
      vault_kv:
        path: ci/jupyterhub-token
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
    - The new token of O(user), only when the module created one. The hub never shows it again.
  returned: when a token was created for a single user
  type: str
tokens:
  description:
    - Tokens made by this run, by user name, for a O(users) batch; also on failure, for every token the run made
      that is still valid.
  returned: when O(users) is used, or on failure
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
      description: Scopes as the hub reports them (expanded).
      type: list
      elements: str
    expires_at:
      description: Expiry time (UTC, ISO 8601), or null.
      type: str
    created:
      description: Creation time.
      type: str
results:
  description: What happened for each user (on failure, for the users that are done or failed).
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user name, as the hub stores it.
      type: str
    requested:
      description: The name as given, when the hub normalised it to another one.
      type: str
    user_created:
      description: Whether the module created the user.
      type: bool
    action:
      description: One of C(kept), C(created), C(replaced), C(rotated), C(revoked), C(none), C(failed).
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
    stored_at:
      description: Where the token is stored, with a O(destination) (never the token).
      type: str
    error:
      description: Why this user is not done.
      type: str
done:
  description: Users whose token is as asked after this run.
  returned: always
  type: list
  elements: str
not_done:
  description: Users that failed or were not reached because the run stopped.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.datastack.jupyterhub.plugins.module_utils import jupyterhub_token_plan as plan
from ansible_collections.datastack.jupyterhub.plugins.module_utils import token_destinations
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import JupyterHubError
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_module import JupyterHubModule
from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_token_run import NOT_STARTED, TokenRun


OWN_OPTIONS = dict(
    user=dict(type="str"),
    users=dict(type="list", elements="str"),
    create_user=dict(type="bool", default=True),
    note=dict(type="str", default="ansible-managed"),
    scopes=dict(type="list", elements="str"),
    expires_in=dict(type="raw"),
    renew_before=dict(type="raw"),
    token_id=dict(type="str"),
    current_token=dict(type="str", no_log=True),
    destination=token_destinations.argument_spec(),
    state=dict(type="str", default="present", choices=["present", "absent", "rotated"]),
)


def user_names(module):
    """(hub names in order, {hub name: name as given}) after checking every name."""
    params = module.params
    given = [params["user"]] if params["user"] is not None else params["users"]
    bad = ["invalid user name %r: it %s" % (name, plan.name_problem(name)) for name in given if plan.name_problem(name)]
    if bad:
        module.fail_json(msg="%s. The hub refuses names that are empty, contain '/', are only dots or start or end "
                             "with a space" % "; ".join(bad))
    names = {}
    for name in given:
        names.setdefault(plan.hub_name(name), name)
    return list(names), names


def main():
    module = JupyterHubModule(
        argument_spec=OWN_OPTIONS,
        required_one_of=[("user", "users")],
        mutually_exclusive=[("user", "users"), ("token_id", "current_token"), ("destination", "token_id"),
                            ("destination", "current_token")],
        required_by={"current_token": "user", "token_id": "user"},
        supports_check_mode=True,
    )
    params = module.params
    try:
        spec = plan.spec_from(params, stored=bool(params["destination"]))
    except ValueError as error:
        module.fail_json(msg=str(error))
    single = params["user"] is not None
    users, given = user_names(module)
    problems = plan.problems(spec)
    if problems:
        module.fail_json(msg="; ".join(problems))
    destination = None
    if params["destination"]:
        try:
            destination, secrets = token_destinations.build(params["destination"], not single)
        except token_destinations.DestinationError as error:
            module.fail_json(msg=str(error))
        module.no_log_values.update(s for s in secrets if s)
    hub = module.connect()
    if params["current_token"]:
        try:
            token_id = plan.token_id_of(hub.whoami(token=params["current_token"]), users[0])
        except JupyterHubError as error:
            module.fail_hub(error)
        if token_id is None:
            module.fail_json(msg="current_token is not a valid token of user %s (invalid, expired, revoked or another "
                                 "user's); omit it to manage the token by note" % users[0])
        spec = spec._replace(token_id=token_id)
    run = TokenRun(hub, spec, destination, check=module.check_mode, create_user=params["create_user"],
                   mask=module.no_log_values.add)
    outcome = run.run(users)
    hub.close()
    report(module, run, outcome, users, given, single)


def report(module, run, outcome, users, given, single):
    results, done, failed, unreached, before, after = [], [], [], [], {}, {}
    for user, result, error, was, now in outcome:
        if result is NOT_STARTED:
            unreached.append(user)
        elif error is not None:
            failed.append((user, error))
            results.append(dict(user=user, action="failed", error=module_message(module, error)))
        else:
            done.append(user)
            before[user], after[user] = was, now
            results.append(result)
    for result in results:
        if given[result["user"]] != result["user"]:
            result["requested"] = given[result["user"]]
    info = after.get(users[0]) if single else None
    output = dict(changed=any(r["action"] not in ("kept", "none", "failed") or r.get("user_created") or r.get("revoked")
                              for r in results),
                  results=results, done=done, not_done=[user for user, dummy in failed] + unreached)
    if info and module.params["state"] != "absent":
        output["token_info"] = info[0]
    if single and users[0] in run.created:
        output["token"] = run.created[users[0]]
    if not single or output["not_done"]:
        output["tokens"] = dict(run.created)
    if module._diff:
        if single:
            output["diff"] = dict(before={"user": users[0], "tokens": before.get(users[0], [])},
                                  after={"user": users[0], "tokens": after.get(users[0], [])})
        else:
            output["diff"] = dict(before=before, after=after)
    if output["not_done"]:
        cause = run.stopped or failed[0][1]
        parts = ["%d of %d users done" % (len(done), len(users)) if not single else "not done",
                 module_message(module, cause)]
        if len(failed) > 1:
            parts.append("failed: %s" % ", ".join(user for user, dummy in failed))
        if unreached:
            parts.append("not reached after that: %s" % ", ".join(unreached))
        if run.created:
            parts.append("the tokens this run made are in the result (tokens)")
        module.fail_json(msg="; ".join(parts), **output)
    module.exit_json(**output)


def module_message(module, error):
    if isinstance(error, JupyterHubError):
        return module.explain(error)
    return str(error)


if __name__ == "__main__":
    main()
