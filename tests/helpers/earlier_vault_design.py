"""What the earlier design of the vault role and pre-spawn hook left in Vault, for the tests of its migration."""

import json


def earlier_user_policy(safe, token_paths=True, **dumps):
    """The per-user policy the earlier pre-spawn hook wrote for ``safe``, as JSON text (``dumps``: the
    ``json.dumps`` options of the variant, for example ``indent=2, sort_keys=True``)."""
    base = "jupyter/users/%s" % safe
    paths = {"secret/data/%s/*" % base: {"capabilities": ["create", "read", "update"]},
             "secret/metadata/%s/*" % base: {"capabilities": ["read", "list", "delete"]}}
    if token_paths:
        paths.update({"auth/token/lookup-self": {"capabilities": ["read"]},
                      "auth/token/renew-self": {"capabilities": ["update"]}})
    return json.dumps({"path": paths}, **dumps)
