"""The single-user servers' Jupyter settings: jupyter-mcp-server switched by DATASTACK_MCP_ENABLED."""

import importlib.util
import logging
import sys
from pathlib import Path

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG = Path(__file__).resolve().parents[3] / "runtime" / "datastack_runtime" / "jupyter" / "jupyter_server_config.py"


def module():
    spec = importlib.util.spec_from_file_location("datastack_jupyter_server_config", CONFIG)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.mark.parametrize("value, wanted", [
    ("1", True), ("true", True), ("Yes", True), (" on ", True),
    ("0", False), ("false", False), ("", False), ("no", False), ("2", False), (None, False),
])
def test_switch_values(value, wanted):
    environ = {} if value is None else {"DATASTACK_MCP_ENABLED": value}
    assert module().mcp_wanted(environ) is wanted


def test_installed_extension_is_set_on_or_off_explicitly():
    config = module()
    assert config.server_extensions({"DATASTACK_MCP_ENABLED": "1"}, True) == ({"jupyter_mcp_server": True}, None)
    # Off even though the package's own file in jupyter_server_config.d enables it.
    assert config.server_extensions({}, True) == ({"jupyter_mcp_server": False}, None)


def test_missing_package_is_left_out_and_said_only_when_asked_for():
    config = module()
    extensions, warning = config.server_extensions({"DATASTACK_MCP_ENABLED": "1"}, False)
    assert extensions == {} and "jupyter_mcp_server is not installed" in warning
    assert config.server_extensions({"DATASTACK_MCP_ENABLED": "0"}, False) == ({}, None)


def load_as_jupyter_does(monkeypatch, value, installed):
    """Load the file with traitlets' own loader, as jupyter_server does, over settings of another file."""
    if value is None:
        monkeypatch.delenv("DATASTACK_MCP_ENABLED", raising=False)
    else:
        monkeypatch.setenv("DATASTACK_MCP_ENABLED", value)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (object() if installed else None) if name == "jupyter_mcp_server"
                        else real_find_spec(name, *a))
    loader = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent))
    loaded = loader.load_config()
    before = Config()
    before.ServerApp.jpserver_extensions = {"other_extension": True}
    before.merge(loaded)
    return before.ServerApp.jpserver_extensions


def test_loaded_by_traitlets_keeps_other_extensions(monkeypatch):
    assert load_as_jupyter_does(monkeypatch, "1", True) == {"other_extension": True, "jupyter_mcp_server": True}
    assert load_as_jupyter_does(monkeypatch, "0", True) == {"other_extension": True, "jupyter_mcp_server": False}
    assert load_as_jupyter_does(monkeypatch, None, False) == {"other_extension": True}


def test_loaded_without_the_package_warns(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="datastack"):
        assert load_as_jupyter_does(monkeypatch, "1", False) == {"other_extension": True}
    assert "starting without it" in caplog.text
    assert "datastack_jupyter_server_config" not in sys.modules
