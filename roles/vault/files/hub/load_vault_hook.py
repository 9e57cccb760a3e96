# Hub configuration snippet (run with `c` in scope): installs the datastack Vault pre-spawn hook.
# The local lab executes this file from its jupyterhub_config.py; the z2jh role puts its text
# into hub.extraConfig and mounts vault_spawn_hook.py + vault_settings.json with hub.extraFiles.
import importlib.util as _ds_importlib_util
import json as _ds_json
import os as _ds_os
import sys as _ds_sys

_ds_dir = _ds_os.environ.get("DATASTACK_HUB_DIR", "/usr/local/etc/jupyterhub/datastack")
for _ds_name in ("vault_spawn_hook.py", "vault_settings.json"):
    if not _ds_os.path.isfile(_ds_os.path.join(_ds_dir, _ds_name)):
        raise RuntimeError("datastack Vault hook: %s is missing in %s; mount it there or point "
                           "DATASTACK_HUB_DIR at the directory holding it" % (_ds_name, _ds_dir))
_ds_spec = _ds_importlib_util.spec_from_file_location(
    "vault_spawn_hook", _ds_os.path.join(_ds_dir, "vault_spawn_hook.py"))
_ds_hook = _ds_importlib_util.module_from_spec(_ds_spec)
_ds_sys.modules["vault_spawn_hook"] = _ds_hook
_ds_spec.loader.exec_module(_ds_hook)
with open(_ds_os.path.join(_ds_dir, "vault_settings.json"), encoding="utf-8") as _ds_file:
    # c is the hub's config object, in scope where this file is executed.
    _ds_hook.install(c, _ds_json.load(_ds_file))  # noqa: F821  # pylint: disable=undefined-variable
