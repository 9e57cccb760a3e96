"""Listings against a real hub never stop silently at the hub's 200-item page."""

import uuid

import pytest
import requests

from ansible_collections.datastack.jupyterhub.plugins.module_utils.jupyterhub_client import JupyterHubClient

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def many_users(hub):
    names = ["page-%03d-%s" % (i, uuid.uuid4().hex[:4]) for i in range(230)]
    answer = hub.api("POST", "/users", json={"usernames": names})
    assert answer.status_code == 201
    return names


def test_bare_listing_is_cut_at_200(hub, many_users):
    # What a naive client sees: a bare list, cut, with no sign that more exist.
    bare = requests.get(hub.api_url + "/users", headers={"Authorization": "token " + hub.admin_token}, timeout=30)
    assert isinstance(bare.json(), list) and len(bare.json()) == 200


def test_client_follows_pagination_to_the_end(hub, many_users):
    client = JupyterHubClient(hub.api_url, hub.admin_token)
    names = {user["name"] for user in client.list_users()}
    assert set(many_users) <= names
    assert len(names) > 200
    assert client.request_count >= 2
