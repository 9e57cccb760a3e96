"""Charts from anywhere, on the real control plane: a chart repository URL (served here over HTTP)
for the NFS subdir provisioner, installed, left unchanged on a second run, then removed.

The local directory and .tgz forms are what the site tests install (jupyterhub, nvidia-device-plugin).
"""

import json

import pytest

from tests.fixtures.charts import NFS_VERSION
from tests.fixtures.cluster import changed_tasks

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
