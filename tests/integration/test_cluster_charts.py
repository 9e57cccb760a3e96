"""Charts from anywhere, on the real control plane: a chart repository URL (served here over HTTP)
for the NFS subdir provisioner, and an ``oci://`` reference into a real OCI registry for the NVIDIA
device plugin; each installed, left unchanged on a second run, then removed.

The local directory and .tgz forms are what the site tests install (jupyterhub, nvidia-device-plugin).
"""

import json

import pytest

from tests.fixtures.charts import NFS_VERSION, NVIDIA_VERSION, build_nvidia, package
from tests.helpers.playbook_results import changed_tasks

pytestmark = pytest.mark.integration

NS = "nfs-provisioner"


def _play(state, repo_url):
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "NFS provisioner", "ansible.builtin.include_role": {"name": "datastack.jupyterhub.nfs"},
        "vars": {"nfs_state": state, "nfs_mode": "provisioner", "nfs_server": "127.0.0.1", "nfs_path": "/export/homes",
                 "nfs_check_server": False, "nfs_provisioner_chart_repo_url": repo_url, "nfs_helm_timeout": "3m"}}]}]


def test_a_chart_from_a_repository_url_installs_once_and_uninstalls(ansible, cluster, test_charts):
    repo = test_charts.repo()
    first = ansible.playbook(_play("present", repo.url), env=cluster.env)
    assert first.rc == 0, first
    releases = {r["name"]: r for r in json.loads(cluster.helm("list", "-n", NS, "-o", "json").stdout)}
    assert releases["nfs-subdir-external-provisioner"]["chart"] == "nfs-subdir-external-provisioner-" + NFS_VERSION
    storage_class = cluster.get("storageclass", "nfs-client")
    assert storage_class["provisioner"] == "cluster.local/nfs-subdir-external-provisioner"
    second = ansible.playbook(_play("present", repo.url), env=cluster.env)
    assert second.rc == 0 and changed_tasks(second) == [], second

    gone = ansible.playbook(_play("absent", repo.url), env=cluster.env)
    assert gone.rc == 0, gone
    assert cluster.get("namespace", NS) is None
    assert cluster.get("storageclass", "nfs-client") is None
    again = ansible.playbook(_play("absent", repo.url), env=cluster.env)
    assert again.rc == 0 and changed_tasks(again) == [], again


# Names of their own, so that the site tests' device plugin (same chart) is never touched.
OCI_NS = "nvidia-oci"
OCI_RELEASE = "nvidia-device-plugin-oci"
OCI_RUNTIME_CLASS = "nvidia-oci"
NEWER_NVIDIA_VERSION = "0.18.0"


def _nvidia_play(state, chart_ref):
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "NVIDIA device plugin", "ansible.builtin.include_role": {"name": "datastack.jupyterhub.nvidia"},
        "vars": {"nvidia_state": state, "nvidia_device_plugin_chart_ref": chart_ref,
                 "nvidia_device_plugin_chart_version": NVIDIA_VERSION, "nvidia_device_plugin_namespace": OCI_NS,
                 "nvidia_device_plugin_release_name": OCI_RELEASE, "nvidia_runtime_class_name": OCI_RUNTIME_CLASS,
                 "nvidia_helm_timeout": "3m"}}]}]


def _pinned_manifest_pulls(registry):
    """Requests for the pinned version's manifest (a pull of another tag asks for that tag)."""
    path = "/v2/charts/nvidia-device-plugin/manifests/" + NVIDIA_VERSION
    return [r for r in registry.requests() if r[:2] == ("GET", path)]


def test_a_chart_from_an_oci_registry_installs_once_and_uninstalls(ansible, cluster, test_charts, oci_registry,
                                                                   tmp_path):
    # What an air-gapped site does: mirror the chart into its own registry, point the role at it. A newer
    # version beside it shows that the role installs the pinned one.
    ref = oci_registry.push(test_charts.nvidia_tgz)
    assert ref == "oci://%s/charts/nvidia-device-plugin" % oci_registry.host
    assert oci_registry.push(package(build_nvidia(tmp_path, NEWER_NVIDIA_VERSION), tmp_path)) == ref
    pulls_before = len(_pinned_manifest_pulls(oci_registry))

    first = ansible.playbook(_nvidia_play("present", ref), env=cluster.env)
    assert first.rc == 0, first
    assert "Install or upgrade the chart" in changed_tasks(first), first
    assert len(_pinned_manifest_pulls(oci_registry)) > pulls_before, oci_registry.requests()
    releases = {r["name"]: r for r in json.loads(cluster.helm("list", "-n", OCI_NS, "-o", "json").stdout)}
    assert releases[OCI_RELEASE]["chart"] == "nvidia-device-plugin-" + NVIDIA_VERSION
    assert releases[OCI_RELEASE]["status"] == "deployed"
    daemonset = cluster.get("daemonset", OCI_RELEASE, OCI_NS)
    assert daemonset["spec"]["template"]["spec"]["runtimeClassName"] == OCI_RUNTIME_CLASS
    assert cluster.get("runtimeclass", OCI_RUNTIME_CLASS)["handler"] == "nvidia"

    second = ansible.playbook(_nvidia_play("present", ref), env=cluster.env)
    assert second.rc == 0 and changed_tasks(second) == [], second
    check = ansible.playbook(_nvidia_play("present", ref), env=cluster.env, check=True)
    assert check.rc == 0 and changed_tasks(check) == [], check
    assert cluster.release_revision(OCI_RELEASE, OCI_NS) == 1

    gone = ansible.playbook(_nvidia_play("absent", ref), env=cluster.env)
    assert gone.rc == 0, gone
    assert cluster.release_revision(OCI_RELEASE, OCI_NS) is None
    assert cluster.get("namespace", OCI_NS) is None
    assert cluster.get("runtimeclass", OCI_RUNTIME_CLASS) is None
