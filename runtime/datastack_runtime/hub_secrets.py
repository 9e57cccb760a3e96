"""Service tokens and the crypt key from environment variables filled from Kubernetes Secrets.

The Z2JH chart can only take service tokens and the crypt key as plain values or from its own
Secret; ``apply_hub_secrets`` reads them from the environment instead, so no secret sits in the Helm values:

    JUPYTERHUB_CRYPT_KEY               -> CryptKeeper.keys (";"-separated for rotation)
    DATASTACK_SERVICE_TOKEN_<NAME>     -> api_token of service <name> (upper case, non-alphanumerics -> "_")

The chart's ``hub.extraConfig`` executes this file's text with the hub's config object as ``c``,
which calls ``apply_hub_secrets(c)`` at the end; imported as a module it does nothing by itself.
"""

import os
import re


def service_token_variable(name):
    """The environment variable that holds the API token of service ``name``."""
    return "DATASTACK_SERVICE_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def apply_hub_secrets(config, environ=None):
    """Set the crypt keys and the services' API tokens of ``config`` from ``environ``."""
    environ = os.environ if environ is None else environ
    crypt_key = environ.get("JUPYTERHUB_CRYPT_KEY", "")
    if crypt_key:
        config.CryptKeeper.keys = [key for key in crypt_key.split(";") if key]
    for service in config.JupyterHub.services:
        token = environ.get(service_token_variable(service["name"]))
        if token:
            service["api_token"] = token


if "c" in globals():
    # Run as hub.extraConfig: c is the hub's config object.
    apply_hub_secrets(c)  # noqa: F821  # pylint: disable=undefined-variable
