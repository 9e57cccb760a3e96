"""An external hub database (z2jh_hub_db_type=other) on the control plane: its URL reaches the hub only
through the Secret the chart reads as hub.existingSecret, never through Helm values or any output.

Only the z2jh role runs (dummy login, no Keycloak, Vault, NFS or GPUs), in a namespace of its own. The tests
run in order on one release.
"""

import base64
import json
import secrets

import pytest
import yaml

from tests.fixtures.charts import chart_version
from tests.helpers.playbook_results import changed_tasks, role_task

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NS = "jupyter-external-db"
RELEASE = "hub-external-db"
PASSWORD = "pg-" + secrets.token_hex(12)
URL = "postgresql+psycopg2://jupyterhub:%s@db.example.org:5432/jupyterhub" % PASSWORD


class Site:
    def __init__(self, ansible, cluster, charts, workdir):
        self.ansible, self.cluster, self.charts, self.workdir = ansible, cluster, charts, workdir
        self.secret_vars = workdir / "secret-vars.json"  # the URL is never on the command line
        self.secret_vars.write_text(json.dumps({"z2jh_hub_db_url": URL}))

    def run(self, playbook="site.yml", upgrade=False, url=True, verbosity=0, extra=None):
        chart = self.charts.z2jh(upgrade=upgrade)
        variables = dict(keycloak_enabled=False, vault_enabled=False, nfs_enabled=False, nvidia_enabled=False,
                         jupyterhub_mcp_enabled=False, z2jh_namespace=NS, z2jh_release_name=RELEASE,
                         z2jh_chart_ref=str(chart), z2jh_chart_version=str(chart_version(chart)),
                         z2jh_authenticator_class="dummy", z2jh_hub_db_type="other", z2jh_helm_timeout="5m",
                         **(extra or {}))
        return self.ansible.playbook("playbooks/" + playbook, extra_vars=variables, env=self.cluster.env,
                                     args=["-e", "@%s" % self.secret_vars] if url else [], verbosity=verbosity,
                                     json_output=not verbosity, timeout=1200)

    def chart(self):
        releases = json.loads(self.cluster.helm("list", "-n", NS, "-o", "json").stdout)
        return releases[0]["chart"] if releases else None


@pytest.fixture(scope="module")
def site(ansible, cluster, test_charts, tmp_path_factory):
    yield Site(ansible, cluster, test_charts, tmp_path_factory.mktemp("external-db"))
    cluster.helm("uninstall", RELEASE, "-n", NS, "--wait", check=False)
    cluster.kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true", check=False)


def test_without_the_url_or_its_secret_nothing_is_deployed(site):
    result = site.run(url=False)
    assert result.rc != 0
    message = role_task(result, "Check that the external database's Secret holds its URL")["msg"]
    assert "Secret jupyterhub-db in %s has no key values.yaml with hub.db.url" % NS in message, message
    assert site.chart() is None


def test_the_url_goes_to_the_hub_through_its_secret_only(site, cluster):
    result = site.run(verbosity=4)
    assert result.rc == 0, result.output[-4000:]
    assert PASSWORD not in result.output
    secret = cluster.get("secret", "jupyterhub-db", NS)
    assert yaml.safe_load(base64.b64decode(secret["data"]["values.yaml"])) == {"hub": {"db": {"url": URL}}}
    assert secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "datastack.jupyterhub"
    values = json.loads(cluster.helm("get", "values", RELEASE, "-n", NS, "-a", "-o", "json").stdout)
    assert values["hub"]["db"]["type"] == "other" and values["hub"]["db"]["upgrade"] is True
    assert values["hub"]["existingSecret"] == "jupyterhub-db"
    assert PASSWORD not in json.dumps(values)
    hub_secret = cluster.get("secret", "hub", NS)["data"]
    assert PASSWORD not in json.dumps({k: base64.b64decode(v).decode() for k, v in hub_secret.items()})
    hub = cluster.get("deployment", "hub", NS)["spec"]["template"]["spec"]
    assert {"name": "existing-secret", "secret": {"secretName": "jupyterhub-db", "defaultMode": 420}} in hub["volumes"]
    assert cluster.get("pvc", "hub-db-dir", NS) is None


def test_an_upgrade_says_how_the_external_database_is_backed_up_and_makes_no_job(site, cluster):
    result = site.run(upgrade=True)
    assert result.rc == 0, result
    assert changed_tasks(result) == ["Install or upgrade the chart"], result
    message = role_task(result, "Say how the external hub database is backed up")["msg"]
    assert "pg_dump" in message and "docs/upgrading.md" in message
    assert site.chart() == "jupyterhub-%s" % chart_version(site.charts.z2jh(upgrade=True))
    assert cluster.get("jobs", namespace=NS) == []


def test_a_second_run_changes_nothing(site):
    for url in (True, False):  # with the URL (the Secret is kept as it is) or with the site's own Secret
        result = site.run(upgrade=True, url=url)
        assert result.rc == 0, result
        assert changed_tasks(result) == [], result
