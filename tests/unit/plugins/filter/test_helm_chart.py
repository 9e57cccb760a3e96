"""The helm_chart filter: repository, local and OCI chart references (what the roles pass to Helm and Flux)."""

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.datastack.jupyterhub.plugins.filter.helm_chart import helm_chart

REPO_URL = "https://hub.jupyter.org/helm-chart/"


def test_a_name_in_a_repository():
    chart = helm_chart("jupyterhub", REPO_URL, "4.2.0")
    assert (chart["kind"], chart["chart_ref"], chart["chart_repo_url"], chart["chart_version"]) == (
        "repo", "jupyterhub", REPO_URL, "4.2.0")
    assert chart["flux"] == {"type": "default", "url": REPO_URL, "chart": "jupyterhub"}


@pytest.mark.parametrize("ref, name", [
    ("/srv/charts/jupyterhub", "jupyterhub"),
    ("./charts/jupyterhub/", "jupyterhub"),
    ("../jupyterhub-4.2.0.tgz", "jupyterhub-4.2.0"),
    ("jupyterhub-4.4.0.tar.gz", "jupyterhub-4.4.0"),
])
def test_a_local_directory_or_archive_has_no_version_and_no_flux_source(ref, name):
    chart = helm_chart(ref, REPO_URL, "4.2.0")
    assert (chart["kind"], chart["chart_ref"], chart["chart_repo_url"], chart["chart_version"], chart["flux"]) == (
        "local", ref, None, None, None)
    assert chart["name"] == name


def test_a_home_path_is_expanded():
    assert helm_chart("~/charts/jupyterhub")["chart_ref"] == os.path.expanduser("~/charts/jupyterhub")


def test_an_oci_reference_keeps_its_version_and_gives_an_oci_flux_source():
    chart = helm_chart("oci://registry.example.org/charts/jupyterhub", REPO_URL, "4.4.0")
    assert (chart["kind"], chart["chart_ref"], chart["chart_repo_url"], chart["chart_version"]) == (
        "oci", "oci://registry.example.org/charts/jupyterhub", None, "4.4.0")
    assert chart["flux"] == {"type": "oci", "url": "oci://registry.example.org/charts", "chart": "jupyterhub"}


def test_a_helm_repo_add_name_without_url():
    chart = helm_chart("jupyterhub/jupyterhub", "", "4.2.0")
    assert (chart["kind"], chart["chart_ref"], chart["chart_repo_url"], chart["flux"]) == (
        "repo", "jupyterhub/jupyterhub", None, None)


@pytest.mark.parametrize("ref, repo_url, message", [
    ("", REPO_URL, "non-empty"),
    (None, REPO_URL, "non-empty"),
    ("oci://jupyterhub", "", "oci://<registry>"),
    ("jupyterhub", "", "needs a repository"),
    ("jupyterhub/jupyterhub", REPO_URL, "chart name only"),
])
def test_bad_references_say_what_to_do(ref, repo_url, message):
    with pytest.raises(AnsibleFilterError, match=message):
        helm_chart(ref, repo_url, "4.2.0")
