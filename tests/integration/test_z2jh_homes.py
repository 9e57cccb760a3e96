"""Where a user's home is, and who may write it, as the real KubeSpawner of each chart builds it.

render.yml writes the values; ``tests/fixtures/hub_images.py`` runs the KubeSpawner that each chart's hub
image ships (4.2.0 and 4.4.0: KubeSpawner 7.0.0; 3.3.8: 6.2.0, installed from PyPI into virtualenvs under
the cache) on them, configured as the chart configures it, and returns the claim and the pod it would make
for users whose names escape differently.
"""

import copy
import os
import stat
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.fixtures.hub_images import spawn_plans
from tests.helpers.z2jh_schemas import values_schema, without_required
from tests.helpers.z2jh_values import all_problems

pytestmark = pytest.mark.integration

CHARTS = ["4.2.0", "4.4.0"]
SERVERS = [("alice", ""), ("Alice.Smith@example.org", ""), ("a-b", ""), ("a-b", "gpu")]
NFS = {"nfs_enabled": True, "nfs_server": "10.0.0.5", "nfs_path": "/export/homes"}
# (claim, subPath) of each server's home.
SAFE = {
    "static": [("jupyter-nfs-pvc", "alice"), ("jupyter-nfs-pvc", "alice-smith-example-org---323a0b32"),
               ("jupyter-nfs-pvc", "a-b"), ("jupyter-nfs-pvc", "a-b")],
    "dynamic": [("claim-alice", None), ("claim-alice-smith-example-org---323a0b32", None), ("claim-a-b", None),
                ("claim-a-b--gpu", None)],
}
ESCAPE = {
    "static": [("jupyter-nfs-pvc", "alice"), ("jupyter-nfs-pvc", "-41lice-2e-53mith-40example-2eorg"),
               ("jupyter-nfs-pvc", "a-2db"), ("jupyter-nfs-pvc", "a-2db")],
    "dynamic": [("claim-alice", None), ("claim--41lice-2e-53mith-40example-2eorg", None), ("claim-a-2db", None),
                ("claim-a-2dbgpu", None)],
}


@pytest.fixture(scope="module")
def render(ansible, tmp_path_factory):
    """render.yml's values for (storage, home slug scheme, chart), each rendered once."""
    done = {}

    def values(storage, scheme, chart):
        key = (storage, scheme, chart)
        if key not in done:
            out = tmp_path_factory.mktemp("homes")
            variables = dict(NFS if storage == "static" else {}, keycloak_enabled=False, render_dir=str(out),
                             z2jh_chart_version=chart, z2jh_home_slug_scheme=scheme)
            result = ansible.playbook("playbooks/render.yml", extra_vars=variables)
            assert result.rc == 0, result
            done[key] = yaml.safe_load((out / "z2jh" / "values.yaml").read_text())
            schema = without_required(values_schema(chart))
            jsonschema.validators.validator_for(schema)(schema).validate(done[key])
            assert all_problems(done[key]) == []
        return copy.deepcopy(done[key])

    return values


def home(plan):
    """(claim, subPath) of the volume mounted at the notebook container's home."""
    spec = plan["pod"]["spec"]
    notebook = next(c for c in spec["containers"] if c["name"] == "notebook")
    mount = next(m for m in notebook["volumeMounts"] if m["mountPath"] == "/home/jovyan")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    return volume["persistentVolumeClaim"]["claimName"], mount.get("subPath")


def homes(chart, values):
    plans = spawn_plans(chart, values, SERVERS)
    for plan in plans:  # a dynamic home is the claim KubeSpawner creates
        assert not plan["storage_pvc_ensure"] or home(plan)[0] == plan["pvc_name"]
    return [home(plan) for plan in plans]


def before_the_pin(values):
    """The storage values this role wrote before it pinned the home (the chart's defaults took over)."""
    storage = values["singleuser"]["storage"]
    if storage["type"] == "static":
        storage["static"]["subPath"] = "{username}"
    else:
        del storage["dynamic"]["pvcNameTemplate"]
    return values


@pytest.mark.parametrize("storage", ["static", "dynamic"])
def test_a_home_stays_where_it_was_across_chart_versions(render, storage):
    before = homes("4.2.0", before_the_pin(render(storage, "safe", "4.2.0")))
    assert before == SAFE[storage]
    for chart in CHARTS:
        assert homes(chart, render(storage, "safe", chart)) == SAFE[storage], chart


@pytest.mark.parametrize("storage", ["static", "dynamic"])
def test_a_home_does_not_follow_kubespawners_slug_scheme(render, storage):
    """KubeSpawner's {username} follows slug_scheme (and its default changed once): the pinned home does not."""
    values = render(storage, "safe", "4.4.0")
    values["hub"]["config"]["KubeSpawner"] = {"slug_scheme": "escape"}  # as z2jh_extra_values would set it
    assert all_problems(values) == []
    plans = spawn_plans("4.4.0", values, SERVERS)
    assert [plan["pod_name"] for plan in plans][2] == "jupyter-a-2db"  # the setting took effect
    assert [home(plan) for plan in plans] == SAFE[storage]


@pytest.mark.parametrize("storage", ["static", "dynamic"])
def test_the_escape_scheme_keeps_the_homes_a_z2jh_3_hub_made(render, storage):
    """Z2JH 3.3.8 (KubeSpawner 6.2.0) with its default storage settings, then this role on 4.x."""
    z2jh_3 = {"singleuser": {"storage": {"type": "static", "static": {"pvcName": "jupyter-nfs-pvc"}}}
              if storage == "static" else {}}
    assert homes("3.3.8", z2jh_3) == ESCAPE[storage]
    for chart in CHARTS:
        assert homes(chart, render(storage, "escape", chart)) == ESCAPE[storage], chart


def _init_container(plan):
    return next(c for c in plan["pod"]["spec"].get("initContainers", []) if c["name"] == "home-owner")


@pytest.mark.parametrize("chart", CHARTS)
def test_an_nfs_home_is_given_to_the_notebook_user_at_the_same_place(render, chart):
    for plan in spawn_plans(chart, render("static", "safe", chart), SERVERS):
        spec = plan["pod"]["spec"]
        notebook = next(c for c in spec["containers"] if c["name"] == "notebook")
        assert notebook["securityContext"]["runAsUser"] == 1000
        assert spec["securityContext"]["fsGroup"] == 100
        init = _init_container(plan)
        assert spec["initContainers"][0] is not None and spec["initContainers"][0]["name"] == "home-owner"
        assert init["volumeMounts"] == [{"name": "home", "mountPath": "/home/jovyan", "subPath": home(plan)[1]}]
        assert init["securityContext"]["runAsUser"] == 0
        assert init["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN"]}
        assert init["command"][-2:] == ["/home/jovyan", "1000:100"]


@pytest.mark.parametrize("storage", ["dynamic"])
def test_a_dynamic_home_has_no_owner_init_container(render, storage):
    for plan in spawn_plans("4.4.0", render(storage, "safe", "4.4.0"), SERVERS):
        assert "home-owner" not in [c["name"] for c in plan["pod"]["spec"].get("initContainers", [])]
        assert plan["pod"]["spec"]["securityContext"]["fsGroup"] == 100


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory away needs root, as in the init container")
def test_the_init_containers_command_gives_a_new_home_away_once(render):
    """The command KubeSpawner put in the pod, run on a directory as the kubelet makes it (root's)."""
    (plan,) = spawn_plans("4.4.0", render("static", "safe", "4.4.0"), SERVERS[:1])
    command = _init_container(plan)["command"]
    with tempfile.TemporaryDirectory(dir="/tmp") as share:  # reachable by the squashed user below
        os.chmod(share, 0o755)
        _give_away(command, Path(share) / "alice")


def _give_away(command, directory):
    directory.mkdir(mode=0o750)
    os.chown(directory, 0, 0)
    run = command[:-2] + [str(directory), command[-1]]
    first = subprocess.run(run, capture_output=True, text=True, timeout=30, check=False)
    assert first.returncode == 0, first.stderr
    assert (os.stat(directory).st_uid, os.stat(directory).st_gid) == (1000, 100)
    assert "given to 1000:100 (was 0:0)" in first.stdout
    again = subprocess.run(run, capture_output=True, text=True, timeout=30, check=False)
    assert (again.returncode, again.stdout) == (0, "")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o750

    # Where root cannot give it away (an NFS server that squashes root), it fails and says what to do.
    os.chown(directory, 0, 0)
    squashed = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *run],
                              capture_output=True, text=True, timeout=30, check=False)
    assert squashed.returncode == 1
    assert "no_root_squash" in squashed.stderr and "(owned by 0:0)" in squashed.stderr
