"""The vault_legacy_user_policies filter: only the earlier design's own per-user policies are picked."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.datastack.jupyterhub.plugins.filter.vault_legacy_user_policies import FilterModule
from tests.helpers.earlier_vault_design import earlier_user_policy

PICK = FilterModule().filters()["vault_legacy_user_policies"]


def earlier(safe, token_paths=True, **indent):
    """The text the earlier design's pre-spawn hook wrote for ``safe`` (JSON, sorted keys, indented)."""
    return earlier_user_policy(safe, token_paths, sort_keys=True, **indent)


def pick(*policies):
    return PICK([{"name": name, "policy": text} for name, text in policies], "jupyter-user-", "secret", "jupyter/users")


def test_the_earlier_per_user_policies_are_picked_whatever_their_layout():
    assert pick(("jupyter-user-alice", earlier("alice", indent=2)),
                ("jupyter-user-bob-40-x-2e-org", earlier("bob-40-x-2e-org", token_paths=False))) == [
        "jupyter-user-alice", "jupyter-user-bob-40-x-2e-org"]


@pytest.mark.parametrize("name, text", [
    ("jupyter-user-readonly", 'path "secret/data/shared/*" { capabilities = ["read"] }'),  # an operator's HCL
    ("jupyter-user-dave", earlier("alice")),  # alice's paths under dave's name
    ("jupyter-user-carol", earlier("carol").replace('"read", "update"', '"read", "update", "delete"')),
    ("jupyter-user-erin", json.dumps({"path": dict(json.loads(earlier("erin"))["path"],
                                                   **{"secret/data/shared/*": {"capabilities": ["read"]}})})),
    ("jupyter-user-frank", json.dumps({"path": {"secret/data/jupyter/users/frank/*": {"capabilities": ["read"]}}})),
    ("jupyter-user-", earlier("")),
    ("other-alice", earlier("alice")),
    ("jupyter-user-gina", ""),
    ("jupyter-user-hank", "[]"),
])
def test_anything_else_is_kept(name, text):
    assert pick((name, text)) == []


def test_other_mount_and_prefix_are_followed():
    text = earlier("ann").replace("secret/", "kv/").replace("jupyter/users", "nb/users")
    policies = [{"name": "nb-user-ann", "policy": text}]
    assert PICK(policies, "nb-user-", "kv", "/nb/users/") == ["nb-user-ann"]
    assert PICK(policies, "", "kv", "nb/users") == []


def test_items_without_a_name_are_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="each item must be a dict with name and policy"):
        PICK([{"policy": "{}"}], "jupyter-user-", "secret", "jupyter/users")
