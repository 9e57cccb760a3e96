"""Jupyter server settings of the single-user servers: jupyter-mcp-server on or off.

jupyterhub-singleuser loads this file from a directory on ``JUPYTER_CONFIG_PATH`` (the lab sets it; the
Z2JH values mount the file and set it). ``DATASTACK_MCP_ENABLED`` switches the MCP endpoint
``<server URL>/mcp``: ``1``, ``true``, ``yes`` or ``on`` turn the extension on, anything else (or unset)
turns it off, even where the package's own enabling file is installed. When it is asked for but the
image does not carry ``jupyter_mcp_server``, the server starts without it and logs why.
"""

import importlib.util
import logging
import os

MCP_EXTENSION = "jupyter_mcp_server"
MCP_SWITCH = "DATASTACK_MCP_ENABLED"
TRUE_WORDS = ("1", "true", "yes", "on")


def mcp_wanted(environ):
    """Whether the environment asks for the MCP endpoint."""
    return environ.get(MCP_SWITCH, "").strip().lower() in TRUE_WORDS


def mcp_installed():
    return importlib.util.find_spec(MCP_EXTENSION) is not None


def server_extensions(environ, installed):
    """The ``ServerApp.jpserver_extensions`` entries to set, and a warning (or None).

    Nothing is set for an extension that is not installed: the server would log an import error for it.
    """
    wanted = mcp_wanted(environ)
    if not installed:
        warning = None
        if wanted:
            warning = ("%s=%s asks for the MCP endpoint, but %s is not installed in this server's environment: "
                       "starting without it" % (MCP_SWITCH, environ.get(MCP_SWITCH), MCP_EXTENSION))
        return {}, warning
    return {MCP_EXTENSION: wanted}, None


if "get_config" in globals():
    c = get_config()  # noqa: F821  pylint: disable=undefined-variable
    extensions, warning = server_extensions(os.environ, mcp_installed())
    if warning:
        logging.getLogger("datastack").warning(warning)
    # update, not assignment: other configuration files keep their extensions.
    c.ServerApp.jpserver_extensions.update(extensions)
