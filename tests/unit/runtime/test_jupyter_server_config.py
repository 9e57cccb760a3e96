"""The single-user servers' Jupyter settings: jupyter-mcp-server switched by DATASTACK_MCP_ENABLED, and the
dual-mode services of DATASTACK_SERVER_PROXY checked against the real jupyter-server-proxy classes."""

import importlib.util
import json
import logging
import sys

import pytest

from tests.helpers.jupyter_server_config import CONFIG, HELLO, STARTED_ELSEWHERE, load_config


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
    environ = {} if value is None else {"DATASTACK_MCP_ENABLED": value}
    config = load_config(monkeypatch, environ, ("jupyter_mcp_server",) if installed else ())
    return config.ServerApp.jpserver_extensions


def test_loaded_by_traitlets_keeps_other_extensions(monkeypatch):
    assert load_as_jupyter_does(monkeypatch, "1", True) == {"other_extension": True, "jupyter_mcp_server": True}
    assert load_as_jupyter_does(monkeypatch, "0", True) == {"other_extension": True, "jupyter_mcp_server": False}
    assert load_as_jupyter_does(monkeypatch, None, False) == {"other_extension": True}


def test_loaded_without_the_package_warns(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="datastack"):
        assert load_as_jupyter_does(monkeypatch, "1", False) == {"other_extension": True}
    assert "starting without it" in caplog.text
    assert "datastack_jupyter_server_config" not in sys.modules


def settings(entry):
    return {key: value for key, value in entry.items() if key != "name"}


def test_declared_services_become_server_proxy_servers():
    assert module().declared_servers([HELLO, STARTED_ELSEWHERE]) == (
        {"hello": settings(HELLO), "viewer": settings(STARTED_ELSEWHERE)}, [])
    assert module().declared_servers([]) == ({}, [])


@pytest.mark.parametrize("entry, said", [
    ("hello", "service 0: must be a mapping with a name"),
    ({"command": ["x"]}, "name must be a URL path segment"),
    ({"name": "a/b", "command": ["x"]}, "name must be a URL path segment"),
    ({"name": "lab", "port": 8888}, "the name lab is a path the single-user server serves itself"),
    ({"name": "x", "comand": ["x"]}, "service 0 (x): unknown key 'comand' (known: absolute_url, command,"),
    ({"name": "x", "command": "python3 -m x"}, "command must be a list of strings"),
    ({"name": "x", "port": "8080"}, "port must be a port number"),
    ({"name": "x", "port": 70000}, "port must be a port number"),
    ({"name": "x", "port": True}, "port must be a port number"),
    ({"name": "x", "command": ["x"], "environment": {"PORT": 8080}},
     "environment must be a mapping of variable names to strings (quote numbers)"),
    ({"name": "x", "command": ["x"], "timeout": 0}, "timeout must be seconds"),
    ({"name": "x", "command": ["x"], "absolute_url": "yes"}, "absolute_url must be true or false"),
    ({"name": "x", "command": ["x"], "launcher_entry": {"titel": "X"}}, "launcher_entry: unknown key 'titel'"),
    ({"name": "x", "command": ["x"], "launcher_entry": {"enabled": "no"}}, "launcher_entry: enabled must be true"),
    ({"name": "x", "command": ["x"], "rewrite_response": "f"}, "unknown key 'rewrite_response'"),
    ({"name": "x"}, "give a command to start the service, or the port"),
    ({"name": "x", "command": []}, "give a command to start the service, or the port"),
])
def test_a_wrong_declaration_is_named_and_left_out(entry, said):
    servers, problems = module().declared_servers([entry, HELLO])
    assert servers == {"hello": settings(HELLO)}
    assert any(said in problem for problem in problems), problems


def test_a_name_declared_twice_keeps_the_first():
    servers, problems = module().declared_servers([HELLO, dict(HELLO, timeout=5)])
    assert servers == {"hello": settings(HELLO)}
    assert problems == ["service 1 (hello): the name hello is declared twice"]


def test_the_declaration_must_be_a_list():
    assert module().declared_servers({"hello": settings(HELLO)})[1] == [
        "the declared services must be a list of mappings, not {'hello': %r}" % settings(HELLO)]


def test_servers_from_the_environment():
    config = module()
    assert config.server_proxy_servers({}, True) == ({}, [])
    assert config.server_proxy_servers({"DATASTACK_SERVER_PROXY": " "}, True) == ({}, [])
    declared = json.dumps([HELLO, {"name": "api", "port": 1}])
    servers, messages = config.server_proxy_servers({"DATASTACK_SERVER_PROXY": declared}, True)
    assert servers == {"hello": settings(HELLO)}
    assert len(messages) == 1 and messages[0].startswith("DATASTACK_SERVER_PROXY: service 1 (api): the name api")
    assert messages[0].endswith(": left out")
    servers, messages = config.server_proxy_servers({"DATASTACK_SERVER_PROXY": "[{"}, True)
    assert servers == {} and messages[0].startswith("DATASTACK_SERVER_PROXY is not JSON (")


def test_servers_are_not_set_without_the_package():
    servers, messages = module().server_proxy_servers({"DATASTACK_SERVER_PROXY": json.dumps([HELLO])}, False)
    assert servers == {}
    assert messages == ["DATASTACK_SERVER_PROXY declares hello, but jupyter_server_proxy is not installed in this "
                        "server's environment: starting without them"]


def test_loaded_by_traitlets_adds_the_servers_to_those_of_other_files(monkeypatch):
    config = load_config(monkeypatch, {"DATASTACK_SERVER_PROXY": json.dumps([HELLO, STARTED_ELSEWHERE])})
    assert config.ServerProxy.servers == {"from-the-image": {"command": ["image-service", "{port}"]},
                                          "hello": settings(HELLO), "viewer": settings(STARTED_ELSEWHERE)}
    # The MCP switch is independent: off when not asked for.
    assert config.ServerApp.jpserver_extensions == {"other_extension": True, "jupyter_mcp_server": False}


def test_loaded_without_the_package_keeps_the_other_servers_and_warns(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="datastack"):
        config = load_config(monkeypatch, {"DATASTACK_SERVER_PROXY": json.dumps([HELLO])}, ())
    assert config.ServerProxy.servers == {"from-the-image": {"command": ["image-service", "{port}"]}}
    assert "jupyter_server_proxy is not installed" in caplog.text


def test_the_real_server_proxy_takes_the_loaded_settings(monkeypatch):
    """jupyter-server-proxy's own ServerProxy validates what the file set into ServerProcess objects."""
    from jupyter_server_proxy.config import ServerProxy

    config = load_config(monkeypatch, {"DATASTACK_SERVER_PROXY": json.dumps([HELLO, STARTED_ELSEWHERE])})
    servers = ServerProxy(config=config).servers
    hello, viewer = servers["hello"], servers["viewer"]
    assert (hello.command, hello.timeout, hello.absolute_url, hello.port) == (HELLO["command"], 30.0, False, 0)
    assert hello.environment == {"GREETING": "hi"} and hello.new_browser_tab is False
    entry = hello.launcher_entry
    assert (entry.title, entry.category, entry.path_info, entry.enabled) == ("Hello", "Other", "hello/", True)
    assert (viewer.command, viewer.port, viewer.absolute_url) == ([], 8501, True)
    for server in servers.values():
        handler, dummy = server.make_proxy_handler()
        assert handler is not None, server.name


def test_the_declarable_keys_are_every_data_setting_of_server_process():
    """A jupyter-server-proxy release that adds or renames a setting makes this fail."""
    from jupyter_server_proxy.config import LauncherEntry, ServerProcess
    from traitlets.config import Configurable

    config = module()
    own = set(ServerProcess.class_trait_names()) - set(Configurable.class_trait_names())
    assert own - set(config.SERVICE_KEYS) == {"name", "rewrite_response"}  # rewrite_response takes only callables
    assert set(config.SERVICE_KEYS) <= own
    assert set(config.LAUNCHER_KEYS) == set(LauncherEntry.class_trait_names())
