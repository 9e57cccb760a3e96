"""site.yml, uninstall.yml and render.yml as users call them, with the example inventory (render.yml's
output checked by the session's control plane; site.yml and uninstall.yml on it: test_cluster_site.py)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers.z2jh_schemas import values_schema
from tests.helpers.z2jh_values import all_problems

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
INVENTORY = REPO / "inventories" / "example" / "hosts.yml"


def _run(ansible, *args):
    return subprocess.run([str(PLAYBOOK), "-i", str(INVENTORY), *args], capture_output=True, text=True,
                          env=ansible.env, cwd=str(REPO), timeout=600, check=False)


@pytest.mark.parametrize("playbook", ["site.yml", "render.yml", "uninstall.yml"])
def test_syntax(ansible, playbook):
    proc = _run(ansible, "--syntax-check", "playbooks/" + playbook)
    assert proc.returncode == 0, proc.stderr


def test_site_composes_the_roles_in_order_with_tags(ansible):
    proc = _run(ansible, "--list-tasks", "playbooks/site.yml")
    assert proc.returncode == 0, proc.stderr
    names = [(n, t) for n, t in re.findall(r"^\s+(.+?)\s+TAGS: \[(.*)\]$", proc.stdout, re.M)
             if not n.startswith("play #")]
    assert [tags for dummy, tags in names] == ["keycloak", "vault", "nfs", "nvidia", "z2jh"]
    proc = _run(ansible, "--list-tasks", "--tags", "z2jh", "playbooks/site.yml")
    assert re.findall(r"TAGS: \[(.+)\]", proc.stdout) == ["z2jh"]


def test_site_with_only_the_z2jh_tag_stops_before_deploying_without_keycloak_and_vault(ansible, tmp_path):
    """z2jh needs the facts of the keycloak and vault roles: alone it says how to run it, and touches nothing."""
    proc = _run(ansible, "playbooks/site.yml", "--tags", "z2jh",
                "-e", "K8S_AUTH_KUBECONFIG=" + str(tmp_path / "no-kubeconfig"))
    assert proc.returncode != 0
    assert "--tags keycloak,vault,z2jh" in proc.stdout, proc.stdout[-3000:]
    assert "Install or upgrade the chart" not in proc.stdout


@pytest.mark.parametrize("tag, written", [("z2jh", {"z2jh"}), ("nfs", {"nfs"}), ("nvidia", {"nvidia"}),
                                          ("nfs,nvidia", {"nfs", "nvidia"})])
def test_render_tags_write_only_their_part(ansible, tmp_path, tag, written):
    proc = _run(ansible, "playbooks/render.yml", "--tags", tag, "-e", "render_dir=" + str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == written
    if "z2jh" in written:  # the keycloak and vault facts were published for it
        values = yaml.safe_load((tmp_path / "z2jh" / "values.yaml").read_text())
        assert values["hub"]["config"]["GenericOAuthenticator"]["token_url"].startswith("https://auth.example.org/")
        assert json.loads(values["hub"]["extraFiles"]["datastack-vault-settings"]["stringData"])["vault_addr"] == (
            "https://vault.example.org")


@pytest.fixture(scope="module")
def example_render(ansible, tmp_path_factory):
    """render.yml's output for the example inventory (a directory)."""
    out = tmp_path_factory.mktemp("render-example")
    proc = _run(ansible, "playbooks/render.yml", "-e", "render_dir=" + str(out))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return out


def test_the_example_inventory_renders_valid_values(example_render):
    values = yaml.safe_load((example_render / "z2jh" / "values.yaml").read_text())
    schema = values_schema("4.4.0")
    for error in jsonschema.validators.validator_for(schema)(schema).iter_errors(values):
        assert error.validator == "required", error.message  # the chart's defaults fill those
    assert all_problems(values) == []
    profiles = {p["slug"]: p for p in values["singleuser"]["profileList"]}
    assert set(profiles) == {"datascience", "buun-stack", "buun-stack-cuda", "large"}
    assert profiles["buun-stack-cuda"]["kubespawner_override"]["image"] == (
        "registry.example.com/datastack/buun-stack-cuda-notebook:python-3.12-28")
    assert values["singleuser"]["storage"]["static"]["pvcName"] == "jupyter-nfs-pvc"
    assert (example_render / "nvidia" / "runtimeclass-nvidia.yaml").exists()


def test_the_rendered_manifests_pass_a_strict_server_side_dry_run(example_render, cluster_crds):
    """What a GitOps repository would apply, checked by a real API server: admission, defaulting and
    strict field validation of the built-in types and the ExternalSecret/Flux CRDs (no operator runs)."""
    docs = [yaml.safe_load(p.read_text()) for p in sorted(example_render.rglob("*.yaml")) if p.name != "values.yaml"]
    kinds = {doc["kind"] for doc in docs}
    assert {"Namespace", "ExternalSecret", "HelmRepository", "HelmRelease", "RuntimeClass",
            "PersistentVolume", "PersistentVolumeClaim"} <= kinds, kinds
    proc = cluster_crds.dry_run(docs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("(server dry run)") == len(docs), proc.stdout


def test_strict_validation_rejects_an_unknown_field(cluster_crds):
    """The dry run above can fail: a misspelt field in an ExternalSecret is refused."""
    doc = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": "x", "namespace": "jupyter"},
           "spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
                    "data": [{"secretKey": "token", "remoteRef": {"key": "k", "propertty": "token"}}]}}
    proc = cluster_crds.dry_run([doc])
    assert proc.returncode != 0 and "propertty" in proc.stderr, proc.stderr


def test_the_chart_renders_the_example_values_into_valid_objects(example_render, test_charts, cluster):
    """The values through the chart's templates (the generated test chart, or the real one named by
    Z2JH_CHART), and every object it renders through the same dry run."""
    # The cluster's version: helm's own default is that of its client libraries (newer than the cluster).
    proc = subprocess.run(["helm", "template", "jh", str(test_charts.z2jh()), "-n", "jupyter", "--kube-version",
                           "1.34.0", "-f", str(example_render / "z2jh" / "values.yaml")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    dry_run = cluster.dry_run(docs)
    assert dry_run.returncode == 0, dry_run.stderr
    hub = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "hub")
    spec = hub["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["containers"]] == ["hub", "vault-token-renewer"]
    env = {e["name"] for e in spec["containers"][0]["env"]}
    assert {"OAUTH_CLIENT_SECRET", "JUPYTERHUB_CRYPT_KEY", "DATASTACK_SERVICE_TOKEN_ADMIN_SERVICE"} <= env


@pytest.mark.parametrize("extra, delete", [({}, False), ({"confirm": True}, True), ({"confirm": "no"}, False)])
def test_uninstall_deletes_user_data_only_when_confirmed(ansible, extra, delete, tmp_path):
    """Without a terminal the prompt gets no answer, so the data is kept unless confirm=true.

    There is no cluster here: the run fails at the first Helm call, after the decision (what each
    decision removes on a real cluster: tests/integration/test_cluster_site.py).
    """
    result = ansible.playbook("playbooks/uninstall.yml", extra_vars=extra,
                              env={"K8S_AUTH_KUBECONFIG": str(tmp_path / "no-kubeconfig")})
    decision = result.task("Decide whether user data goes")
    assert decision["ansible_facts"]["_uninstall_delete_data"] is delete
    assert result.rc != 0
