"""site.yml and uninstall.yml on a real control plane, with the example inventory's shape.

Keycloak and Vault (OpenBao) are the real test servers; the cluster is the session's control plane
(scripts/cluster.sh), where pods are scheduled and reported Running by kwok but never run. Charts
are the generated test charts, or the real Z2JH chart named by Z2JH_CHART (and Z2JH_CHART_UPGRADE).

The tests run in order on one deployment: each starts from the state the previous one left.
"""

import base64
import json
import re
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.fixtures.charts import chart_version
from tests.fixtures.cluster import example_inventory
from tests.helpers.playbook_results import changed_tasks, role_task

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NS = "jupyter"
RELEASE = "jupyterhub"
NVIDIA_NS = "nvidia-device-plugin"
EXTRA_PROFILE = {"slug": "small", "display_name": "Small (1 CPU)", "description": "For quick checks",
                 "kubespawner_override": {"image": "quay.io/jupyter/minimal-notebook:python-3.12", "cpu_limit": 1}}


class Deployment:
    """The inventory, the servers and the variables of this module's runs."""

    def __init__(self, ansible, cluster, keycloak, bao, charts, workdir):
        self.ansible, self.cluster, self.keycloak, self.bao, self.charts = ansible, cluster, keycloak, bao, charts
        self.workdir = Path(workdir)
        self.chart = charts.z2jh()
        self.overrides = {
            "keycloak_url": keycloak.url,
            "keycloak_realm": "datastack-" + secrets.token_hex(3),
            "vault_addr": bao.addr,
            "z2jh_chart_ref": str(self.chart),
            "z2jh_chart_version": str(chart_version(self.chart)),
            "nvidia_device_plugin_chart_ref": str(charts.nvidia_tgz),
            "nfs_server": "127.0.0.1",
            "nfs_check_server": False,
            "z2jh_helm_timeout": "5m",
            "nvidia_helm_timeout": "5m",
        }
        self.extra = {}
        self.write_inventory()
        self.env = dict(cluster.env, KEYCLOAK_ADMIN_PASSWORD=keycloak.admin_password, VAULT_TOKEN=bao.root_token)

    def write_inventory(self):
        self.inventory = example_inventory(self.workdir / "inventory", self.overrides)

    def run(self, playbook, check=False, diff=False, extra=None, args=()):
        return self.ansible.playbook("playbooks/" + playbook, extra_vars=dict(self.extra, **(extra or {})),
                                     check=check, diff=diff, env=self.env, args=["-i", str(self.inventory), *args],
                                     timeout=1200)

    def revision(self):
        return self.cluster.release_revision(RELEASE, NS)


def assert_no_change(result):
    assert result.rc == 0, result
    assert changed_tasks(result) == [], result
    assert result.stats["localhost"]["changed"] == 0


def db_jobs(cluster, action="backup"):
    """The hub database Jobs the z2jh role made (backup before an upgrade, or restore)."""
    return [job for job in cluster.get("jobs", namespace=NS) or []
            if job["metadata"]["labels"].get("app.kubernetes.io/component") == "hub-db-" + action]


def hub_pod(cluster):
    (pod,) = [p for p in cluster.get("pods", namespace=NS) if p["metadata"]["labels"].get("component") == "hub"]
    return pod


@pytest.fixture(scope="module")
def deployment(ansible, cluster, cluster_crds, keycloak, module_openbao, test_charts, tmp_path_factory):
    return Deployment(ansible, cluster, keycloak, module_openbao, test_charts, tmp_path_factory.mktemp("site"))


def test_first_run_on_a_fresh_cluster_deploys_everything(deployment, cluster):
    assert cluster.get("namespace", NS) is None
    result = deployment.run("site.yml")
    assert result.rc == 0, result
    # Installed, then upgraded once in the same run so the chart's generated-secret checksums settle.
    assert deployment.revision() == 2
    gpu = role_task(result, "Tell whether any node advertises GPUs")
    assert gpu["ansible_facts"]["nvidia_gpu_detected"] is True
    hub = cluster.get("deployment", "hub", NS)
    assert hub["status"]["readyReplicas"] == 1
    claim = cluster.get("pvc", "hub-db-dir", NS)
    assert claim["status"]["phase"] == "Bound"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert cluster.get("runtimeclass", "nvidia")["handler"] == "nvidia"
    assert cluster.release_revision("nvidia-device-plugin", NVIDIA_NS) == 1


def _oauth_secret(cluster):
    data = cluster.get("secret", "jupyterhub-oauth", NS)["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def test_the_hub_oauth_secret_holds_keycloaks_client_secret_and_a_crypt_key(deployment, cluster):
    realm = deployment.overrides["keycloak_realm"]
    (client,) = deployment.keycloak.admin("GET", "/%s/clients" % realm, params={"clientId": "jupyterhub"}).json()
    secret = deployment.keycloak.admin("GET", "/%s/clients/%s/client-secret" % (realm, client["id"])).json()["value"]
    oauth = _oauth_secret(cluster)
    assert oauth["OAUTH_CLIENT_SECRET"] == secret
    assert re.fullmatch(r"[0-9a-f]{64}", oauth["JUPYTERHUB_CRYPT_KEY"])


def test_second_run_changes_nothing(deployment, cluster):
    before, crypt_key = deployment.revision(), _oauth_secret(cluster)["JUPYTERHUB_CRYPT_KEY"]
    assert_no_change(deployment.run("site.yml"))
    assert deployment.revision() == before
    assert _oauth_secret(cluster)["JUPYTERHUB_CRYPT_KEY"] == crypt_key
    assert db_jobs(cluster) == []


def test_check_diff_run_changes_nothing(deployment, cluster):
    revision, secret = deployment.revision(), cluster.get("secret", "hub", NS)["metadata"]["resourceVersion"]
    result = deployment.run("site.yml", check=True, diff=True)
    assert_no_change(result)
    assert deployment.revision() == revision
    assert cluster.get("secret", "hub", NS)["metadata"]["resourceVersion"] == secret


def _references(pod):
    """(kind, name, key or None) of every Secret and ConfigMap a pod spec reads."""
    spec = pod["spec"]
    refs = set()
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            refs.update(("secret", volume["secret"]["secretName"], i["key"]) for i in volume["secret"].get("items", []))
            refs.add(("secret", volume["secret"]["secretName"], None))
        if "configMap" in volume:
            refs.add(("configmap", volume["configMap"]["name"], None))
        for source in volume.get("projected", {}).get("sources", []):
            if "configMap" in source:
                refs.add(("configmap", source["configMap"]["name"], None))
            if "secret" in source:
                refs.add(("secret", source["secret"]["name"], None))
    for container in spec.get("initContainers", []) + spec["containers"]:
        for env in container.get("env", []):
            ref = env.get("valueFrom", {})
            if "secretKeyRef" in ref:
                refs.add(("secret", ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"]))
            if "configMapKeyRef" in ref:
                refs.add(("configmap", ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]))
        for source in container.get("envFrom", []):
            for kind in ("secretRef", "configMapRef"):
                if kind in source:
                    refs.add((kind[:-3].lower(), source[kind]["name"], None))
    return refs


def _from_vault(deployment, external_secret, key):
    """An ExternalSecret's target can be made: each remote key/property it reads exists in Vault."""
    client = deployment.bao.client()
    for item in external_secret["spec"]["data"]:
        if key not in (None, item["secretKey"]):
            continue
        data = client.secrets.kv.v2.read_secret_version(path=item["remoteRef"]["key"], mount_point="secret",
                                                        raise_on_deleted_version=True)["data"]["data"]
        if item["remoteRef"]["property"] not in data:
            return False
    return True


def test_every_secret_and_configmap_the_hub_reads_exists(deployment, cluster):
    """kwok starts a pod whatever it references; a real kubelet would not."""
    pods = cluster.get("pods", namespace=NS)
    hub = [p for p in pods if p["metadata"]["labels"].get("component") == "hub"]
    assert len(hub) == 1
    refs = _references(hub[0])
    external = {es["spec"]["target"]["name"]: es for es in cluster.get("externalsecrets", namespace=NS)}
    missing = []
    for kind, name, key in sorted(refs, key=str):
        obj = cluster.get(kind, name, NS)
        if obj is None and name in external:
            # No operator runs here: the ExternalSecret must be able to make it from Vault.
            if not _from_vault(deployment, external[name], key):
                missing.append((kind, name, key, "not in Vault"))
            continue
        if obj is None:
            missing.append((kind, name, key, "missing"))
        elif key is not None and key not in obj.get("data", {}):
            missing.append((kind, name, key, "no such key"))
    assert missing == [], missing
    names = {name for dummy, name, dummy2 in refs}
    assert {"hub", "jupyterhub-oauth", "gdp-service-secret", "jupyterhub-vault-token",
            "jupyterhub-admin-service-token"} <= names


def test_a_gpu_pod_lands_on_the_gpu_node(deployment, cluster):
    values = json.loads(cluster.helm("get", "values", RELEASE, "-n", NS, "-o", "json").stdout)
    profile = next(p for p in values["singleuser"]["profileList"] if p["slug"] == "buun-stack-cuda")
    override = profile["kubespawner_override"]
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "jupyter-gpu-check", "namespace": NS,
                        "labels": {"component": "singleuser-server", "app": "jupyterhub"}},
           "spec": {"runtimeClassName": override["extra_pod_config"]["runtimeClassName"],
                    "containers": [{"name": "notebook", "image": override["image"],
                                    "resources": {"limits": override["extra_resource_limits"]}}]}}
    cluster.apply([pod])
    cluster.kubectl("wait", "--for=condition=Ready", "pod/jupyter-gpu-check", "-n", NS, "--timeout=60s")
    placed = cluster.get("pod", "jupyter-gpu-check", NS)
    assert placed["spec"]["nodeName"] == "kwok-gpu"
    assert placed["spec"]["runtimeClassName"] == "nvidia"


def _gpu_detected(deployment):
    result = deployment.run("site.yml", args=["--tags", "nvidia"])
    assert result.rc == 0, result
    return role_task(result, "Tell whether any node advertises GPUs")["ansible_facts"]["nvidia_gpu_detected"]


def test_gpu_detection_follows_the_node(deployment, cluster):
    patch = '[{"op": "remove", "path": "/status/allocatable/nvidia.com~1gpu"},' \
            ' {"op": "remove", "path": "/status/capacity/nvidia.com~1gpu"}]'
    cluster.kubectl("patch", "node", "kwok-gpu", "--subresource=status", "--type=json", "-p", patch)
    try:
        assert _gpu_detected(deployment) is False
    finally:
        cluster.kubectl("patch", "node", "kwok-gpu", "--subresource=status", "--type=merge", "-p",
                        '{"status": {"allocatable": {"nvidia.com/gpu": "1"}, "capacity": {"nvidia.com/gpu": "1"}}}')
    assert _gpu_detected(deployment) is True


def test_a_new_profile_makes_exactly_one_upgrade(deployment, cluster):
    before = deployment.revision()
    deployment.extra["z2jh_extra_profiles"] = _example_value("z2jh_extra_profiles") + [EXTRA_PROFILE]
    result = deployment.run("site.yml")
    assert result.rc == 0, result
    assert changed_tasks(result) == ["Install or upgrade the chart"], result
    assert deployment.revision() == before + 1
    slugs = [p["slug"] for p in json.loads(cluster.helm("get", "values", RELEASE, "-n", NS, "-o", "json").stdout)
             ["singleuser"]["profileList"]]
    assert "small" in slugs
    assert db_jobs(cluster) == []  # the same chart and hub image: the database schema cannot change
    # That it settled is shown by the next test: one upgrade for the chart, then none.


def _upgrade_target(deployment):
    target = deployment.charts.z2jh(upgrade=True)
    deployment.overrides.update(z2jh_chart_ref=str(target), z2jh_chart_version=str(chart_version(target)))
    deployment.write_inventory()
    return target


def test_a_failed_backup_stops_the_upgrade(deployment, cluster):
    """No node takes the backup Job's pod: the role waits, says why, and leaves the release as it was."""
    before, chart = deployment.revision(), deployment.overrides["z2jh_chart_ref"]
    nodes = ("kwok-cpu", "kwok-gpu")
    cluster.kubectl("cordon", *nodes)
    try:
        _upgrade_target(deployment)
        result = deployment.run("site.yml", extra={"z2jh_hub_db_backup_timeout": 10})
    finally:
        cluster.kubectl("uncordon", *nodes)
        deployment.overrides.update(z2jh_chart_ref=chart, z2jh_chart_version=str(chart_version(chart)))
        deployment.write_inventory()
    assert result.rc != 0
    message = role_task(result, "Stop when the database Job did not succeed")["msg"]
    assert "so the chart was not upgraded" in message and "kubectl -n jupyter describe job" in message, message
    assert result.task_results()[-1]["_task"].endswith("Stop when the database Job did not succeed")
    assert deployment.revision() == before
    release = json.loads(cluster.helm("list", "-n", NS, "-o", "json").stdout)[0]
    assert release["chart"] == "jupyterhub-%s" % chart_version(chart)
    (job,) = db_jobs(cluster)
    cluster.kubectl("delete", "job", job["metadata"]["name"], "-n", NS, "--wait=true")


def test_chart_upgrade_backs_up_the_database_first_and_settles_to_no_change(deployment, cluster):
    before, source = deployment.revision(), chart_version(deployment.overrides["z2jh_chart_ref"])
    old_values = json.loads(cluster.helm("get", "values", RELEASE, "-n", NS, "-o", "json").stdout)
    hub = hub_pod(cluster)
    target = _upgrade_target(deployment)
    result = deployment.run("site.yml")
    assert result.rc == 0, result
    assert changed_tasks(result) == ["Run the database Job beside the hub", "Install or upgrade the chart"], result
    assert deployment.revision() == before + 1
    release = json.loads(cluster.helm("list", "-n", NS, "-o", "json").stdout)[0]
    assert release["chart"] == "jupyterhub-%s" % chart_version(target)
    new_values = json.loads(cluster.helm("get", "values", RELEASE, "-n", NS, "-o", "json").stdout)
    assert new_values["singleuser"]["storage"] == old_values["singleuser"]["storage"]  # homes stay put

    # The backup ran before the upgrade: in the old hub's image, on its claim, on its node, and finished.
    (job,) = db_jobs(cluster)
    # jupyterhub-<UTC time>-<from>-to-<to>.sqlite
    assert re.fullmatch(r"jupyterhub-[0-9]{8}T[0-9]{6}Z-%s-to-%s[.]sqlite" % (
        re.escape(source), re.escape(chart_version(target))), job["metadata"]["annotations"]["datastack.jupyterhub/file"])
    assert [c["type"] for c in job["status"]["conditions"] if c["status"] == "True"][-1] == "Complete"
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"] == next(c["image"] for c in hub["spec"]["containers"] if c["name"] == "hub")
    assert container["image"].endswith(":" + source)
    assert container["command"][:2] == ["python3", "-c"]
    assert container["command"][3:] == ["backup", "--database", "/srv/jupyterhub/jupyterhub.sqlite",
                                        "--directory", "/srv/jupyterhub/backups", "--name",
                                        job["metadata"]["annotations"]["datastack.jupyterhub/file"], "--keep", "5"]
    assert container["command"][2] == (REPO / "runtime/datastack_runtime/hub_db_backup.py").read_text().rstrip("\n")
    assert container["volumeMounts"] == [{"name": "pvc", "mountPath": "/srv/jupyterhub"}]
    assert spec["volumes"] == [{"name": "pvc", "persistentVolumeClaim": {"claimName": "hub-db-dir"}}]
    (pod,) = [p for p in cluster.get("pods", namespace=NS) if p["metadata"]["labels"].get("job-name") == job["metadata"]["name"]]
    assert pod["spec"]["nodeName"] == hub["spec"]["nodeName"]
    assert role_task(result, "Tell where the backup is")["ansible_facts"]["z2jh_hub_db_backup_file"] == (
        "/srv/jupyterhub/backups/" + job["metadata"]["annotations"]["datastack.jupyterhub/file"])

    assert_no_change(deployment.run("site.yml"))
    assert deployment.revision() == before + 1
    assert len(db_jobs(cluster)) == 1


def test_a_backup_is_restored_with_the_hub_stopped_and_started_again(deployment, cluster):
    (backup,) = db_jobs(cluster)
    name = backup["metadata"]["annotations"]["datastack.jupyterhub/file"]
    revision = deployment.revision()
    result = deployment.run("hub_db_restore.yml", extra={"backup": name})
    assert result.rc == 0, result
    (job,) = db_jobs(cluster, "restore")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][3:] == ["restore", "--database", "/srv/jupyterhub/jupyterhub.sqlite",
                                        "--directory", "/srv/jupyterhub/backups", "--name", name]
    assert [c["type"] for c in job["status"]["conditions"] if c["status"] == "True"][-1] == "Complete"
    # The hub was stopped first (no pod to share the claim with: no affinity), then started again.
    assert "affinity" not in job["spec"]["template"]["spec"]
    assert role_task(result, "Stop the hub (nothing may write the database meanwhile)")["changed"]
    cluster.kubectl("wait", "--for=condition=Available", "deployment/hub", "-n", NS, "--timeout=120s")
    assert cluster.get("deployment", "hub", NS)["spec"]["replicas"] == 1
    assert deployment.revision() == revision
    assert_no_change(deployment.run("site.yml"))


def test_a_rollback_restores_the_database_then_the_chart(deployment, cluster):
    """docs/upgrading.md's rollback: restore with the hub stopped, helm rollback, the old version in the inventory."""
    (backup,) = db_jobs(cluster)
    revision = deployment.revision()
    result = deployment.run("hub_db_restore.yml", extra={"backup": backup["metadata"]["annotations"][
        "datastack.jupyterhub/file"], "start": False})
    assert result.rc == 0, result
    assert cluster.get("deployment", "hub", NS)["spec"]["replicas"] == 0
    assert len(db_jobs(cluster, "restore")) == 2
    cluster.helm("rollback", RELEASE, str(revision - 1), "-n", NS, "--wait", "--timeout", "5m")
    assert cluster.get("deployment", "hub", NS)["spec"]["replicas"] == 1
    cluster.kubectl("wait", "--for=condition=Available", "deployment/hub", "-n", NS, "--timeout=120s")
    old = deployment.charts.z2jh()
    assert json.loads(cluster.helm("list", "-n", NS, "-o", "json").stdout)[0]["chart"] == (
        "jupyterhub-%s" % chart_version(old))
    deployment.overrides.update(z2jh_chart_ref=str(old), z2jh_chart_version=str(chart_version(old)))
    deployment.write_inventory()
    assert_no_change(deployment.run("site.yml"))
    assert len(db_jobs(cluster)) == 1


def test_restore_refuses_a_name_that_is_not_a_backup(deployment, cluster):
    result = deployment.run("hub_db_restore.yml", extra={"backup": "../jupyterhub.sqlite"})
    assert result.rc != 0
    assert "Give the file name of a backup" in role_task(result, "Check what to restore")["msg"]
    assert cluster.get("deployment", "hub", NS)["spec"]["replicas"] == 1


def test_uninstall_without_confirmation_keeps_the_user_data_and_says_so(deployment, cluster):
    # A user's home claim, as KubeSpawner makes it.
    cluster.apply([{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "claim-alice", "namespace": NS,
                                 "labels": {"app": "jupyterhub", "component": "singleuser-storage"}},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
    cluster.kubectl("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/claim-alice", "-n", NS, "--timeout=60s")
    db_volume = cluster.get("pvc", "hub-db-dir", NS)["spec"]["volumeName"]
    crypt_key = _oauth_secret(cluster)["JUPYTERHUB_CRYPT_KEY"]
    result = deployment.run("uninstall.yml")
    assert result.rc == 0, result
    assert deployment.revision() is None
    assert cluster.release_revision("nvidia-device-plugin", NVIDIA_NS) is None
    assert cluster.get("runtimeclass", "nvidia") is None
    assert cluster.get("namespace", NVIDIA_NS) is None
    for claim in ("hub-db-dir", "claim-alice", "jupyter-nfs-pvc"):
        kept = cluster.get("pvc", claim, NS)
        assert kept is not None and kept["status"]["phase"] == "Bound", claim
    assert cluster.get("pv", db_volume)["status"]["phase"] == "Bound"
    assert cluster.get("secret", "jupyterhub-oauth", NS) is not None
    message = result.task("Say what was kept")["msg"]
    assert "hub-db-dir" in message and "claim-alice" in message and "jupyter-nfs-pvc" in message, message
    assert cluster.get("pod", "jupyter-gpu-check", NS) is None  # user pods go

    # Installing again finds the kept database, and the crypt key of its users' auth state.
    result = deployment.run("site.yml")
    assert result.rc == 0, result
    assert cluster.get("pvc", "hub-db-dir", NS)["spec"]["volumeName"] == db_volume
    assert _oauth_secret(cluster)["JUPYTERHUB_CRYPT_KEY"] == crypt_key


def test_uninstall_with_confirmation_removes_everything_and_then_nothing(deployment, cluster):
    pvs_before = {pv["metadata"]["name"] for pv in cluster.get("pv")}
    result = deployment.run("uninstall.yml", extra={"confirm": True})
    assert result.rc == 0, result
    assert json.loads(cluster.helm("list", "-A", "-a", "-o", "json").stdout) == []
    for namespace in (NS, NVIDIA_NS):
        assert cluster.get("namespace", namespace) is None, namespace
    assert cluster.get("runtimeclass", "nvidia") is None
    left = [pv["metadata"]["name"] for pv in cluster.get("pv")]
    assert left == [], (left, pvs_before)
    assert_no_change(deployment.run("uninstall.yml", extra={"confirm": True}))


def _example_value(name):
    for path in sorted((REPO / "inventories" / "example" / "group_vars" / "all").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        if name in data:
            return data[name]
    raise KeyError(name)


def test_helm_knows_the_kubernetes_version(test_charts, tmp_path):
    """`helm template` without a cluster must accept the chart's kubeVersion (>=1.28)."""
    chart = test_charts.z2jh()
    proc = subprocess.run(["helm", "template", "jh", str(chart), "-n", NS], capture_output=True, text=True,
                          check=False, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "kind: Deployment" in proc.stdout
