"""Jupyter server settings of the single-user servers: jupyter-mcp-server on or off, and dual-mode services.

jupyterhub-singleuser loads this file from a directory of Jupyter's configuration path: the lab points
``JUPYTER_CONFIG_PATH`` at its directory, the Z2JH values mount it as
``/usr/local/etc/jupyter/jupyter_server_config.py``. Two environment variables drive it.

``DATASTACK_MCP_ENABLED`` switches the MCP endpoint ``<server URL>/mcp``: ``1``, ``true``, ``yes`` or ``on`` turn
the extension on, anything else (or unset) turns it off, even where the package's own enabling file is installed.
When it is asked for but the image does not carry ``jupyter_mcp_server``, the server starts without it and logs why.

``DATASTACK_SERVER_PROXY`` declares services that the user's server starts and proxies with jupyter-server-proxy,
at ``<server URL><name>/`` (``/user/<user>/<name>/``, or ``/user/<user>/<server name>/<name>/`` on a named server):
a JSON list of objects, each with a ``name`` and settings of ``SERVICE_KEYS``, for example
``[{"name": "hello", "command": ["python3", "/opt/hello.py", "--port", "{port}"], "timeout": 30}]``.
They become ``ServerProxy.servers``. A declaration with a problem is left out and logged, the others are set;
in an image without ``jupyter_server_proxy`` the server starts without them and logs why. The collection's
``server_proxy_problems`` filter applies the same checks before anything is deployed.
"""

import importlib.util
import json
import logging
import os
import re

MCP_EXTENSION = "jupyter_mcp_server"
MCP_SWITCH = "DATASTACK_MCP_ENABLED"
TRUE_WORDS = ("1", "true", "yes", "on")

SERVER_PROXY_PACKAGE = "jupyter_server_proxy"
SERVER_PROXY_VARIABLE = "DATASTACK_SERVER_PROXY"
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Paths the single-user server, JupyterLab, jupyter-server-proxy and jupyter-mcp-server serve themselves.
RESERVED_NAMES = frozenset((
    "api", "custom", "doc", "edit", "files", "kernelspecs", "lab", "login", "logout", "mcp", "nbconvert",
    "notebooks", "oauth_callback", "proxy", "server-proxy", "static", "terminals", "tree", "view"))


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


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _string_map(value):
    return isinstance(value, dict) and all(isinstance(key, str) and isinstance(item, str)
                                           for key, item in value.items())


LAUNCHER_KEYS = {
    "enabled": (lambda value: isinstance(value, bool), "true or false"),
    "title": (lambda value: isinstance(value, str), "a string"),
    "icon_path": (lambda value: isinstance(value, str), "a string (the path of an SVG file in the image)"),
    "path_info": (lambda value: isinstance(value, str), "a string"),
    "category": (lambda value: isinstance(value, str), "a string"),
}

# jupyter-server-proxy's ServerProcess settings that can be written as data (not rewrite_response, not the
# callable forms), each with its check and what it must be.
SERVICE_KEYS = {
    "command": (_strings, "a list of strings ({port}, {unix_socket} and {base_url} are filled in)"),
    "port": (lambda value: _is_int(value) and 0 <= value <= 65535,
             "a port number (0: a free port, given to the command as {port})"),
    "unix_socket": (lambda value: isinstance(value, bool) or (isinstance(value, str) and value.startswith("/")),
                    "true or an absolute socket path"),
    "timeout": (lambda value: (_is_int(value) or isinstance(value, float)) and value > 0,
                "seconds (a positive number) for the command to answer HTTP"),
    "absolute_url": (lambda value: isinstance(value, bool), "true or false"),
    "environment": (_string_map, "a mapping of variable names to strings (quote numbers)"),
    "launcher_entry": (lambda value: isinstance(value, dict), "a mapping"),
    "new_browser_tab": (lambda value: isinstance(value, bool), "true or false"),
    "request_headers_override": (_string_map, "a mapping of header names to strings"),
    "mappath": (_string_map, "a mapping of request paths to proxied paths"),
    "update_last_activity": (lambda value: isinstance(value, bool), "true or false"),
    "exclude_last_activity_patterns": (_strings, "a list of regular expressions"),
    "raw_socket_proxy": (lambda value: isinstance(value, bool), "true or false"),
}


def _settings_problems(settings, known, where):
    problems = []
    for key in sorted(settings):
        if key not in known:
            problems.append("%s: unknown key %r (known: %s)" % (where, key, ", ".join(sorted(known))))
            continue
        check, wanted = known[key]
        if not check(settings[key]):
            problems.append("%s: %s must be %s, not %r" % (where, key, wanted, settings[key]))
    return problems


def service_problems(index, entry, taken=()):
    """What is wrong with one declared service (entry ``index`` of the list); empty when nothing is."""
    if not isinstance(entry, dict):
        return ["service %d: must be a mapping with a name, not %r" % (index, entry)]
    name = entry.get("name")
    where = "service %d (%s)" % (index, name) if isinstance(name, str) else "service %d" % index
    if not isinstance(name, str) or not SERVICE_NAME.match(name):
        return ["%s: name must be a URL path segment (letters, digits, '.', '_' and '-'), not %r" % (where, name)]
    if name in RESERVED_NAMES:
        return ["%s: the name %s is a path the single-user server serves itself (reserved: %s)"
                % (where, name, ", ".join(sorted(RESERVED_NAMES)))]
    if name in taken:
        return ["%s: the name %s is declared twice" % (where, name)]
    settings = dict((key, value) for key, value in entry.items() if key != "name")
    problems = _settings_problems(settings, SERVICE_KEYS, where)
    if isinstance(settings.get("launcher_entry"), dict):
        problems += _settings_problems(settings["launcher_entry"], LAUNCHER_KEYS, where + ": launcher_entry")
    if not (settings.get("command") or settings.get("port") or isinstance(settings.get("unix_socket"), str)):
        problems.append("%s: give a command to start the service, or the port (or unix_socket path) of a "
                        "service started otherwise" % where)
    return problems


def declared_servers(declared):
    """``ServerProxy.servers`` from a list of declared services, and the problems of those left out."""
    if not isinstance(declared, list):
        return {}, ["the declared services must be a list of mappings, not %r" % (declared,)]
    servers, problems = {}, []
    for index, entry in enumerate(declared):
        found = service_problems(index, entry, servers)
        if found:
            problems += found
            continue
        servers[entry["name"]] = dict((key, value) for key, value in entry.items() if key != "name")
    return servers, problems


def server_proxy_installed():
    return importlib.util.find_spec(SERVER_PROXY_PACKAGE) is not None


def server_proxy_servers(environ, installed):
    """The ``ServerProxy.servers`` entries to set from ``DATASTACK_SERVER_PROXY``, and the messages to log."""
    text = environ.get(SERVER_PROXY_VARIABLE, "").strip()
    if not text:
        return {}, []
    try:
        declared = json.loads(text)
    except ValueError as error:
        return {}, ["%s is not JSON (%s): starting without its services" % (SERVER_PROXY_VARIABLE, error)]
    servers, problems = declared_servers(declared)
    messages = ["%s: %s: left out" % (SERVER_PROXY_VARIABLE, problem) for problem in problems]
    if servers and not installed:
        messages.append("%s declares %s, but %s is not installed in this server's environment: starting without "
                        "them" % (SERVER_PROXY_VARIABLE, ", ".join(sorted(servers)), SERVER_PROXY_PACKAGE))
        return {}, messages
    return servers, messages


if "get_config" in globals():
    c = get_config()  # noqa: F821  pylint: disable=undefined-variable
    log = logging.getLogger("datastack")
    extensions, warning = server_extensions(os.environ, mcp_installed())
    if warning:
        log.warning(warning)
    # update, not assignment: other configuration files keep their extensions and their proxied servers.
    c.ServerApp.jpserver_extensions.update(extensions)
    proxied, messages = server_proxy_servers(os.environ, server_proxy_installed())
    for message in messages:
        log.warning(message)
    if proxied:
        c.ServerProxy.servers.update(proxied)
