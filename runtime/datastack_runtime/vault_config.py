"""Hub configuration that installs the Vault pre-spawn hook.

The Z2JH chart's ``hub.extraConfig`` (and the local lab's hub configuration) executes this file's
text with the hub's config object as ``c``; it then calls ``load_vault_hook(c)``:

    DATASTACK_HUB_DIR         directory holding the datastack_runtime package
                              (default /usr/local/etc/jupyterhub/datastack, where the Z2JH values mount it)
    DATASTACK_VAULT_SETTINGS  the hook's JSON settings (default <DATASTACK_HUB_DIR>/vault_settings.json)
"""

import os
import sys

DATASTACK_HUB_DIR = "/usr/local/etc/jupyterhub/datastack"


def load_vault_hook(config, environ=None):
    """Import datastack_runtime.vault_hook from the hub directory and install it with its settings."""
    environ = os.environ if environ is None else environ
    hub_dir = environ.get("DATASTACK_HUB_DIR") or DATASTACK_HUB_DIR
    if hub_dir not in sys.path:
        sys.path.insert(0, hub_dir)
    from datastack_runtime import vault_hook  # pylint: disable=import-outside-toplevel
    settings = environ.get("DATASTACK_VAULT_SETTINGS") or os.path.join(hub_dir, "vault_settings.json")
    vault_hook.install_from_file(config, settings)


if "c" in globals():
    # Run as hub.extraConfig: c is the hub's config object.
    load_vault_hook(c)  # noqa: F821  # pylint: disable=undefined-variable
