"""The rendered values through a chart's templates (`helm template`), checked by a real API server.

The chart is the generated test chart (tests/fixtures/charts.py), or the real Z2JH chart when
Z2JH_CHART names a local copy of it (a directory or .tgz). Every manifest it renders from the
example inventory's values must pass a server-side dry run with strict field validation.
"""

import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_the_chart_renders_the_example_inventory(ansible, test_charts, cluster, tmp_path):
    result = ansible.playbook("playbooks/render.yml", args=["-i", str(REPO / "inventories/example/hosts.yml")],
                              extra_vars={"render_dir": str(tmp_path)}, json_output=False)
    assert result.rc == 0, result
    # The version of the cluster: helm's own default is its client-go version (here newer than the cluster).
    proc = subprocess.run(["helm", "template", "jh", str(test_charts.z2jh()), "-n", "jupyter", "--kube-version", "1.34.0",
                           "-f", str(tmp_path / "z2jh" / "values.yaml")],
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
