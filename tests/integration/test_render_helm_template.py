"""Optional: the rendered values through the real chart's templates (`helm template`).

The chart repository is not reachable from CI, so this runs only when a local copy of the
chart is named in DATASTACK_Z2JH_CHART_DIR (a directory with Chart.yaml and
values.schema.json, e.g. from `helm pull jupyterhub/jupyterhub --version 4.2.0 --untar`) and
helm is on PATH. Every manifest the chart renders must pass kubernetes-validate (strict).
"""

import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

CHART = os.environ.get("DATASTACK_Z2JH_CHART_DIR", "")
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not (CHART and shutil.which("helm")),
                                reason="set DATASTACK_Z2JH_CHART_DIR to a local Z2JH chart and put helm on PATH")


def test_the_chart_renders_the_example_inventory(ansible, tmp_path):
    result = ansible.playbook("playbooks/render.yml", args=["-i", str(REPO / "inventories/example/hosts.yml")],
                              extra_vars={"render_dir": str(tmp_path)}, json_output=False)
    assert result.rc == 0, result
    proc = subprocess.run(["helm", "template", "jh", CHART, "-n", "jupyter", "--kube-version", "1.31.0",
                           "-f", str(tmp_path / "z2jh" / "values.yaml")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    for doc in docs:
        kubernetes_validate.validate(doc, "1.31.0", strict=True)
    hub = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "hub")
    spec = hub["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["containers"]] == ["hub", "vault-token-renewer"]
    env = {e["name"] for e in spec["containers"][0]["env"]}
    assert {"OAUTH_CLIENT_SECRET", "JUPYTERHUB_CRYPT_KEY", "DATASTACK_SERVICE_TOKEN_ADMIN_SERVICE"} <= env
