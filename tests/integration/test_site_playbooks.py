"""site.yml, uninstall.yml and render.yml as users call them, with the example inventory."""

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.unit.test_z2jh_checks import all_problems

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
    assert [tags for dummy, tags in names] == ["vault", "keycloak", "nfs", "nvidia", "z2jh"]
    proc = _run(ansible, "--list-tasks", "--tags", "z2jh", "playbooks/site.yml")
    assert re.findall(r"TAGS: \[(.+)\]", proc.stdout) == ["z2jh"]


def test_the_example_inventory_renders_valid_values(ansible, tmp_path):
    proc = _run(ansible, "playbooks/render.yml", "-e", "render_dir=" + str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    values = yaml.safe_load((tmp_path / "z2jh" / "values.yaml").read_text())
    schema = json.loads((REPO.parent / "shared" / "z2jh" / "values.schema-4.2.0.json").read_text())
    for error in jsonschema.validators.validator_for(schema)(schema).iter_errors(values):
        assert error.validator == "required", error.message  # the chart's defaults fill those
    assert all_problems(values) == []
    profiles = {p["slug"]: p for p in values["singleuser"]["profileList"]}
    assert set(profiles) == {"datascience", "buun-stack", "buun-stack-cuda", "large"}
    assert profiles["buun-stack-cuda"]["kubespawner_override"]["image"] == (
        "registry.example.com/datastack/buun-stack-cuda-notebook:python-3.12-28")
    assert values["singleuser"]["storage"]["static"]["pvcName"] == "jupyter-nfs-pvc"
    assert (tmp_path / "nvidia" / "runtimeclass-nvidia.yaml").exists()


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
