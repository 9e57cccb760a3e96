"""Benchmark: a no-op site.yml run against the bare Helm and kubectl equivalent (not part of the test run).

    source scripts/env.sh && python -m tests.benchmarks.bench_cluster --rounds 3

On a fresh control plane (scripts/cluster.sh), with a real OpenBao and Keycloak (a running one
named by DATASTACK_KEYCLOAK_URL / DATASTACK_KEYCLOAK_ADMIN_PASSWORD, else one started here), the
example inventory's shape and the generated test charts, site.yml is run once to deploy, then
each round measures:

(a) site.yml again, with nothing to change (every part: Vault, Keycloak, NFS, NVIDIA, Z2JH);
(b) the bare equivalent of its Kubernetes work: `helm diff upgrade` of both releases with the
    values they were deployed with (through `helm upgrade --dry-run=server`, as the roles do) and
    `kubectl diff` of the manifests render.yml writes beside the charts;
(c) (a) with the development virtualenv's bytecode cache for module payloads
    (DATASTACK_ZIPIMPORT_CACHE), which (a) runs without, as on a user's controller.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.fixtures.ansible import AnsibleRunner
from tests.fixtures.charts import TestCharts
from tests.fixtures.cluster import Cluster, example_inventory
from tests.fixtures.keycloak import Keycloak, RunningKeycloak
from tests.fixtures.openbao import OpenBao
from tests.helpers.playbook_results import changed_tasks


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _assert_no_change(result):
    assert changed_tasks(result) == [], result


def bare(cluster, charts, state):
    env = dict(os.environ, **cluster.env, HELM_DIFF_USE_UPGRADE_DRY_RUN="true")
    for release, namespace, chart in (("jupyterhub", "jupyter", charts.z2jh()),
                                      ("nvidia-device-plugin", "nvidia-device-plugin", charts.nvidia_tgz)):
        out = subprocess.run(["helm", "diff", "upgrade", release, str(chart), "-n", namespace, "--reset-values",
                              "-f", str(state / ("%s.values.yaml" % release))],
                             capture_output=True, text=True, env=env, check=True)
        assert out.stdout.strip() == "", out.stdout
    out = subprocess.run(["kubectl", "diff", "-f", str(state / "manifests")], capture_output=True, text=True,
                         env=env, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def profile(runner, env, inventory):
    """One more no-op site.yml run with Ansible's timing callbacks, printed as they report it."""
    timing = dict(env, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks,ansible.posix.profile_roles",
                  PROFILE_TASKS_TASK_OUTPUT_LIMIT="40")
    result = runner.playbook("playbooks/site.yml", env=timing, args=["-i", str(inventory)], json_output=False,
                             timeout=1800)
    assert result.rc == 0, result
    print(result.stdout[result.stdout.index("PLAY RECAP"):])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the slowest tasks and roles of a no-op run")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    cluster, bao = Cluster(work / "cluster"), OpenBao(work)
    keycloak = (RunningKeycloak if os.environ.get("DATASTACK_KEYCLOAK_URL") else Keycloak)(work)
    charts = TestCharts(work / "charts")
    for server in (cluster, bao, keycloak):
        server.start()
    try:
        cluster.install_crds()
        runner = AnsibleRunner(work)
        inventory = example_inventory(work / "inventory", {
            "keycloak_url": keycloak.url, "keycloak_realm": "bench", "vault_addr": bao.addr,
            "z2jh_chart_ref": str(charts.z2jh()), "nvidia_device_plugin_chart_ref": str(charts.nvidia_tgz),
            "nfs_server": "127.0.0.1", "nfs_check_server": False})
        env = dict(cluster.env, KEYCLOAK_ADMIN_PASSWORD=keycloak.admin_password, VAULT_TOKEN=bao.root_token,
                   DATASTACK_ZIPIMPORT_CACHE="")
        cached_env = dict(env, DATASTACK_ZIPIMPORT_CACHE=os.environ.get("DATASTACK_ZIPIMPORT_CACHE") or str(
            work / "zipimport"))

        def site(run_env=None):
            result = runner.playbook("playbooks/site.yml", env=run_env or env, args=["-i", str(inventory)], timeout=1800)
            assert result.rc == 0, result
            return result

        site()
        state = work / "state"
        (state / "manifests").mkdir(parents=True)
        for release, namespace in (("jupyterhub", "jupyter"), ("nvidia-device-plugin", "nvidia-device-plugin")):
            values = cluster.helm("get", "values", release, "-n", namespace, "-o", "yaml").stdout
            (state / ("%s.values.yaml" % release)).write_text(values)
        rendered = work / "rendered"
        result = runner.playbook("playbooks/render.yml", env=env, args=["-i", str(inventory)],
                                 extra_vars={"render_dir": str(rendered)})
        assert result.rc == 0, result
        for path in rendered.rglob("*.yaml"):
            if path.name != "values.yaml" and not path.name.startswith(("helmrelease-", "helmrepository-")):
                (state / "manifests" / ("%s-%s" % (path.parent.name, path.name))).write_text(path.read_text())

        if options.profile:
            profile(runner, env, inventory)
        noop, plain, cached = [], [], []
        site(cached_env)  # fills the bytecode cache
        for dummy in range(options.rounds):
            noop.append(timed(lambda: _assert_no_change(site())))
            plain.append(timed(lambda: bare(cluster, charts, state)))
            cached.append(timed(lambda: _assert_no_change(site(cached_env))))
        report = {"rounds": options.rounds,
                  "site_noop_s": round(statistics.median(noop), 2),
                  "bare_helm_diff_kubectl_diff_s": round(statistics.median(plain), 2),
                  "ratio": round(statistics.median(noop) / statistics.median(plain), 1),
                  "site_noop_bytecode_cache_s": round(statistics.median(cached), 2),
                  "all_site_noop_s": [round(x, 2) for x in noop],
                  "all_bare_s": [round(x, 2) for x in plain],
                  "all_site_noop_bytecode_cache_s": [round(x, 2) for x in cached]}
        print(json.dumps(report, indent=2))
    finally:
        for server in (keycloak, bao):
            server.stop()
        cluster.stop()
        charts.close()


if __name__ == "__main__":
    main()
