# -*- coding: utf-8 -*-
# Copyright: (c) 2026, datastack platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleFilterError

# The token paths the earlier design's per-user policy also held; the KV paths are per user.
TOKEN_SELF_PATHS = {"auth/token/lookup-self": ["read"], "auth/token/renew-self": ["update"]}


def user_kv_paths(kv_mount, user_path_prefix, safe):
    """The KV v2 paths of the earlier per-user policy of user ``safe``, with their capabilities."""
    base = "%s/%s" % (user_path_prefix.strip("/"), safe)
    mount = kv_mount.strip("/")
    return {"%s/data/%s/*" % (mount, base): ["create", "read", "update"],
            "%s/metadata/%s/*" % (mount, base): ["read", "list", "delete"]}


def written_by_earlier_design(name, text, name_prefix, kv_mount, user_path_prefix):
    """Whether policy ``name`` holds what the earlier design's pre-spawn hook wrote for the user it is named after:
    JSON with that user's two KV paths (and at most the lookup-self and renew-self paths), nothing else."""
    safe = name[len(name_prefix):] if name.startswith(name_prefix) else ""
    if not safe:
        return False
    try:
        document = json.loads(text)
    except (TypeError, ValueError):  # HCL, or no text: not written by that design
        return False
    paths = document.get("path") if isinstance(document, dict) and set(document) == {"path"} else None
    if not isinstance(paths, dict):
        return False
    required = user_kv_paths(kv_mount, user_path_prefix, safe)
    allowed = dict(required, **TOKEN_SELF_PATHS)
    for path, rule in paths.items():
        if path not in allowed or not isinstance(rule, dict) or set(rule) != {"capabilities"}:
            return False
        if not isinstance(rule["capabilities"], list) or sorted(rule["capabilities"]) != sorted(allowed[path]):
            return False
    return set(required) <= set(paths)


def vault_legacy_user_policies(policies, name_prefix, kv_mount, user_path_prefix):
    """Names of the ``policies`` (dicts with ``name`` and ``policy``, as Vault returns them) to delete."""
    if not name_prefix:
        return []
    try:
        return sorted(item["name"] for item in policies
                      if written_by_earlier_design(item["name"], item.get("policy"), name_prefix, kv_mount,
                                                   user_path_prefix))
    except (TypeError, KeyError) as exc:
        raise AnsibleFilterError("vault_legacy_user_policies: each item must be a dict with name and policy (%s)"
                                 % exc)


class FilterModule(object):
    def filters(self):
        return {"vault_legacy_user_policies": vault_legacy_user_policies}
