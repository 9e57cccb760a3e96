# Hub configuration snippet (hub.extraConfig, run after the chart's own configuration with `c`
# in scope). The chart can only take service tokens and the crypt key as plain values or from
# its own Secret; this reads them from environment variables filled from our Secrets instead,
# so no secret ever sits in the Helm values.
#   JUPYTERHUB_CRYPT_KEY                -> CryptKeeper.keys (";"-separated for rotation)
#   DATASTACK_SERVICE_TOKEN_<NAME>      -> api_token of service <name> (upper case, "-" -> "_")
# pylint: disable=undefined-variable
import os as _ds_os
import re as _ds_re

_ds_crypt_key = _ds_os.environ.get("JUPYTERHUB_CRYPT_KEY", "")
if _ds_crypt_key:
    c.CryptKeeper.keys = [_ds_key for _ds_key in _ds_crypt_key.split(";") if _ds_key]  # noqa: F821

for _ds_service in c.JupyterHub.services:  # noqa: F821 (c is the hub's config object)
    _ds_var = "DATASTACK_SERVICE_TOKEN_" + _ds_re.sub(r"[^A-Z0-9]", "_", _ds_service["name"].upper())
    if _ds_os.environ.get(_ds_var):
        _ds_service["api_token"] = _ds_os.environ[_ds_var]
