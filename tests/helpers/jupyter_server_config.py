"""runtime/datastack_runtime/jupyter/jupyter_server_config.py loaded as a single-user server loads it, and two
dual-mode services (one the server starts, one started elsewhere) used by its unit tests and the render tests."""

import importlib.util
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG = Path(__file__).resolve().parents[2] / "runtime" / "datastack_runtime" / "jupyter" / "jupyter_server_config.py"

HELLO = {"name": "hello", "command": ["python3", "/opt/hello.py", "--port", "{port}"], "timeout": 30,
         "absolute_url": False, "environment": {"GREETING": "hi"},
         "launcher_entry": {"title": "Hello", "category": "Other"}, "new_browser_tab": False}
STARTED_ELSEWHERE = {"name": "viewer", "port": 8501, "absolute_url": True}


def load_config(monkeypatch, environ, installed=("jupyter_mcp_server", "jupyter_server_proxy"), path=CONFIG):
    """The file (or a copy at ``path``) loaded with traitlets' own loader, as jupyter_server does, over settings of
    another file, with ``environ`` as the server's environment.

    ``installed`` names the packages the server's environment is made to hold.
    """
    for name in ("DATASTACK_MCP_ENABLED", "DATASTACK_SERVER_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (object() if name in installed else None)
                        if name in ("jupyter_mcp_server", "jupyter_server_proxy") else real_find_spec(name, *a))
    loader = PyFileConfigLoader(path.name, path=str(path.parent))
    loaded = loader.load_config()
    before = Config()
    before.ServerApp.jpserver_extensions = {"other_extension": True}
    before.ServerProxy.servers = {"from-the-image": {"command": ["image-service", "{port}"]}}
    before.merge(loaded)
    return before
