"""render.yml output, as a GitOps repository would apply it, checked by a real API server.

Every file render.yml writes for the example inventory goes through `kubectl apply --dry-run=server
--validate=strict`: admission, defaulting, and strict field validation against the built-in types
and the ExternalSecret, HelmRelease and HelmRepository CRDs (from their Go modules; no operator runs).
"""

import pytest
import yaml

from tests.fixtures.cluster import example_inventory

pytestmark = pytest.mark.integration


def test_rendered_output_passes_strict_server_side_validation(ansible, cluster_crds, tmp_path):
    inventory = example_inventory(tmp_path / "inventory", {})
    out = tmp_path / "out"
    result = ansible.playbook("playbooks/render.yml", extra_vars={"render_dir": str(out)},
                              args=["-i", str(inventory)], env=cluster_crds.env)
    assert result.rc == 0, result
    docs = [yaml.safe_load(p.read_text()) for p in sorted(out.rglob("*.yaml")) if p.name != "values.yaml"]
    kinds = {doc["kind"] for doc in docs}
    assert {"Namespace", "ExternalSecret", "HelmRepository", "HelmRelease", "RuntimeClass",
            "PersistentVolume", "PersistentVolumeClaim"} <= kinds, kinds
    proc = cluster_crds.dry_run(docs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("(server dry run)") == len(docs), proc.stdout


def test_strict_validation_rejects_an_unknown_field(cluster_crds):
    """The check above can fail: a misspelt field in an ExternalSecret is refused."""
    doc = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": "x", "namespace": "jupyter"},
           "spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
                    "data": [{"secretKey": "token", "remoteRef": {"key": "k", "propertty": "token"}}]}}
    proc = cluster_crds.dry_run([doc])
    assert proc.returncode != 0 and "propertty" in proc.stderr, proc.stderr
