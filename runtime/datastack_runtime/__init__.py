"""Code of datastack.jupyterhub that runs inside the hub, beside it and in notebooks.

One copy, loaded by the local lab, the Z2JH values and the tests:

- ``names``: the safe, collision-free mapping of user names to Vault aliases and paths
- ``vault_hook``: the hub's pre-spawn hook that gives each server its own Vault token
- ``vault_renewer``: the sidecar that keeps the hub's admin token alive (standard library only)
- ``hub_secrets``: hub configuration that reads service tokens and the crypt key from the environment
- ``secretstore``: ``SecretStore`` for notebooks (``from datastack_vault import SecretStore``)

Nothing is imported here, so each part can be mounted and run on its own.
"""
