"""The server_proxy_problems filter: the checks of the runtime Jupyter settings file, before deploying."""

from ansible_collections.datastack.jupyterhub.plugins.filter.server_proxy_problems import FilterModule

problems = FilterModule().filters()["server_proxy_problems"]


def test_good_declarations_have_no_problem():
    assert problems([]) == []
    assert problems([{"name": "hello", "command": ["python3", "hello.py", "{port}"], "absolute_url": True,
                      "launcher_entry": {"title": "Hello"}},
                     {"name": "viewer", "port": 8501}]) == []


def test_each_problem_names_the_service_and_the_key():
    assert problems([{"name": "hello", "comand": ["x"], "port": 8080},
                     {"name": "tree", "port": 1}]) == [
        "service 0 (hello): unknown key 'comand' (known: absolute_url, command, environment, "
        "exclude_last_activity_patterns, launcher_entry, mappath, new_browser_tab, port, raw_socket_proxy, "
        "request_headers_override, timeout, unix_socket, update_last_activity)",
        "service 1 (tree): the name tree is a path the single-user server serves itself (reserved: api, custom, "
        "doc, edit, files, kernelspecs, lab, login, logout, mcp, nbconvert, notebooks, oauth_callback, proxy, "
        "server-proxy, static, terminals, tree, view)"]


def test_not_a_list():
    assert problems("hello") == ["the declared services must be a list of mappings, not 'hello'"]
