"""render.yml through the real roles, for a matrix of variable sets, validated like CI would.

render.yml contacts no server. The values are checked against the Z2JH chart's JSON schema of the
targeted chart version, the option names against the real JupyterHub/OAuthenticator/KubeSpawner
classes, and the Kubernetes manifests by the session's real API server (server-side dry run, strict
field validation, with the external-secrets and Flux CRDs installed).
"""

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers.jupyter_server_config import HELLO, STARTED_ELSEWHERE, load_config
from tests.helpers.z2jh_schemas import values_schema, without_required
from tests.helpers.z2jh_values import all_problems, run_extra_config, server_environment

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "runtime"
ESO_VERSION = "v1.3.2"
SENTINEL = "s3cr3t-that-must-never-be-rendered"
CRYPT_KEY = "5e" * 32

BASE = {"z2jh_host": "jupyter.example.com", "keycloak_url": "https://auth.example.com", "keycloak_realm": "datastack",
        "keycloak_hub_url": "https://jupyter.example.com"}
ALL_PROFILES = {"z2jh_profile_%s_enabled" % slug: True for slug in (
    "minimal", "base", "datascience", "pyspark", "pytorch", "tensorflow", "buun_stack", "buun_stack_cuda")}
# The README's example: every user may call the gdp service (its HubAuth wants this scope).
README_LOAD_ROLES = yaml.safe_load(
    (REPO / "README.md").read_text().split("```yaml\nz2jh_load_roles:", 1)[1].split("```", 1)[0].join(
        ["z2jh_load_roles:", ""]))["z2jh_load_roles"]
GDP = {"name": "gdp", "url": "http://gdp-service.gdp-test.svc.cluster.local:5000",
       "secret_name": "gdp-service-secret", "secret_key": "gdp_api_token", "scopes": ["read:users"],
       "display": False}
EOEPCA = {"slug": "eoepca", "display_name": "EOEPCA profile", "description": "EO processing",
          "kubespawner_override": {"image": "eoepca/pde-container:1.0.3", "cpu_limit": 4, "mem_limit": "8G"}}
VAULT = {"vault_enabled": True, "vault_addr": "https://vault.example.com:8200"}
# An image written dual-mode, with jupyter-mcp-server: its servers start and proxy two services.
DUAL = {"slug": "dual-mode", "display_name": "Dual-mode services", "description": "A service in every server",
        "mcp": True, "server_proxy_services": [HELLO, STARTED_ELSEWHERE],
        "kubespawner_override": {"image": "example.org/dual-mode:1.0", "environment": {"APP_MODE": "jupyterhub"}}}
JUPYTER_CONFIG = RUNTIME / "datastack_runtime" / "jupyter" / "jupyter_server_config.py"
OCI_NVIDIA = "oci://registry.example.org/mirror/charts/nvidia-device-plugin"

VARIANTS = {
    "default": dict(BASE),
    "all-profiles-gpu-services": dict(BASE, **ALL_PROFILES, z2jh_gpu_enabled=True, z2jh_gpu_limit=2,
                                      z2jh_extra_profiles=[EOEPCA, DUAL], z2jh_services=[GDP],
                                      jupyterhub_mcp_enabled=True),
    "vault-nfs-static": dict(BASE, **VAULT, nfs_enabled=True, nfs_server="10.0.0.5", nfs_path="/export/jupyter",
                             keycloak_client_secret=SENTINEL, z2jh_oauth_client_secret=SENTINEL),
    # An air-gapped site: the device plugin chart from the site's own OCI registry.
    "no-keycloak-provisioner-nvidia": dict(VAULT, keycloak_enabled=False, nfs_enabled=True,
                                           nfs_mode="provisioner", nfs_server="nfs.example.com",
                                           nfs_path="/export", nvidia_enabled=True, z2jh_hub_db_type="other",
                                           z2jh_hub_db_url="postgresql+psycopg2://hub:%s@db:5432/hub" % SENTINEL,
                                           nvidia_device_plugin_chart_ref=OCI_NVIDIA),
    "chart-4.2.0-role-settings": dict(
        BASE, **ALL_PROFILES, **VAULT, z2jh_chart_version="4.2.0", nvidia_enabled=True,
        nfs_enabled=True, nfs_server="10.0.0.5", nfs_path="/export/jupyter", z2jh_services=[GDP],
        z2jh_load_roles=README_LOAD_ROLES,
        # Keycloak reached here at one URL, by browsers at another; the hub's settings follow the public one.
        keycloak_url="http://keycloak.keycloak.svc:8080", keycloak_public_url="https://sso.example.org",
        keycloak_realm="r", keycloak_client_id="hub", keycloak_username_claim="email", keycloak_login_service="SSO",
        keycloak_scopes=["openid", "profile"], keycloak_users_group="jupyter", keycloak_admins_group="jupyter-admins",
        vault_hub_addr="https://openbao.internal:8200", vault_kv_mount="kv", vault_token_role="nb-user",
        vault_user_policy="nb-user", vault_user_path_prefix="nb/users", vault_admin_token_path="hub/admin",
        vault_admin_service_path="hub/service", vault_user_token_ttl="12h", vault_user_token_max_ttl="7d1h",
        vault_hub_ca_bundle="/etc/ssl/vault-ca.pem",
        keycloak_client_secret=SENTINEL, z2jh_crypt_key=CRYPT_KEY, jupyterhub_mcp_enabled=True),
}


class Rendered:
    def __init__(self, name, variables, root, output):
        self.name, self.vars, self.root, self.output = name, variables, root, output
        self.files = {str(p.relative_to(root)): p for p in sorted(root.rglob("*.yaml"))}
        self.docs = {name: yaml.safe_load(path.read_text()) for name, path in self.files.items()}
        self.values = self.docs["z2jh/values.yaml"]

    def manifests(self):
        return {name: doc for name, doc in self.docs.items() if not name.endswith("values.yaml")}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def rendered(request, ansible, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    variables = VARIANTS[request.param]
    result = ansible.playbook("playbooks/render.yml", extra_vars=dict(variables, render_dir=str(root)),
                              verbosity=3, json_output=False)
    assert result.rc == 0, result
    return Rendered(request.param, variables, root, result.output)


@pytest.fixture(scope="session")
def external_secret_schema(tmp_path_factory):
    """The ExternalSecret v1 schema from the external-secrets module (Go module proxy, cached)."""
    try:
        out = subprocess.run(["go", "mod", "download", "-json",
                              "github.com/external-secrets/external-secrets@" + ESO_VERSION],
                             capture_output=True, text=True, timeout=600, check=True,
                             cwd=tmp_path_factory.mktemp("gomod"))
        crd = Path(json.loads(out.stdout)["Dir"]) / "config/crds/bases/external-secrets.io_externalsecrets.yaml"
        doc = yaml.safe_load(crd.read_text())
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:  # pragma: no cover
        pytest.skip("external-secrets CRD not available from the Go module proxy: %s" % exc)
    version = next(v for v in doc["spec"]["versions"] if v["name"] == "v1")
    return _strict(version["schema"]["openAPIV3Schema"])


def _strict(schema):
    """Reject unknown fields like the API server's strict field validation does."""
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
    elif isinstance(schema, list):
        schema = [_strict(v) for v in schema]
    return schema


def test_the_schema_still_rejects_unknown_keys():
    schema = without_required(values_schema("4.2.0"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate({"hub": {"db": {"typo": 1}}})
    with pytest.raises(jsonschema.ValidationError):  # neither data nor stringData
        jsonschema.validators.validator_for(schema)(schema).validate(
            {"hub": {"extraFiles": {"f": {"mountPath": "/x"}}}})


def _profiles(values):
    return {p["slug"]: p for p in values["singleuser"]["profileList"]}


def _vault_on(r):
    return r.vars.get("vault_enabled", False)


def test_every_document_is_written(rendered):
    names = set(rendered.files)
    expected = {"z2jh/values.yaml", "z2jh/namespace-jupyter.yaml", "z2jh/helmrepository-jupyterhub.yaml",
                "z2jh/helmrelease-jupyterhub.yaml"}
    if _vault_on(rendered):
        expected |= {"z2jh/externalsecret-jupyterhub-vault-token.yaml",
                     "z2jh/externalsecret-jupyterhub-admin-service-token.yaml"}
    if rendered.vars.get("nvidia_enabled"):
        expected |= {"nvidia/runtimeclass-nvidia.yaml", "nvidia/values.yaml", "nvidia/namespace-nvidia-device-plugin.yaml",
                     "nvidia/helmrepository-nvidia-device-plugin.yaml", "nvidia/helmrelease-nvidia-device-plugin.yaml"}
    if rendered.vars.get("nfs_mode") == "provisioner":
        expected |= {"nfs/values.yaml", "nfs/namespace-nfs-provisioner.yaml",
                     "nfs/helmrepository-nfs-subdir-external-provisioner.yaml",
                     "nfs/helmrelease-nfs-subdir-external-provisioner.yaml"}
    elif rendered.vars.get("nfs_enabled"):
        expected |= {"nfs/persistentvolume-jupyter-nfs-pv.yaml", "nfs/persistentvolumeclaim-jupyter-nfs-pvc.yaml"}
    assert names == expected


def test_values_validate_against_the_chart_schema(rendered):
    version = rendered.vars.get("z2jh_chart_version", "4.4.0")
    schema = without_required(values_schema(version))
    jsonschema.validators.validator_for(schema)(schema).validate(rendered.values)
    release = rendered.docs["z2jh/helmrelease-jupyterhub.yaml"]
    assert release["spec"]["chart"]["spec"]["version"] == version
    assert release["spec"]["values"] == rendered.values


def test_options_are_real_traits_and_service_fields(rendered):
    assert all_problems(rendered.values) == []


def test_manifests_validate_against_kubernetes_and_crds(rendered, external_secret_schema, cluster_crds):
    manifests = rendered.manifests()
    for name, doc in manifests.items():
        if doc["kind"] == "ExternalSecret":
            assert doc["apiVersion"] == "external-secrets.io/v1"
            jsonschema.Draft7Validator(external_secret_schema).validate(doc)
        elif doc["apiVersion"].split("/")[0].endswith("fluxcd.io"):
            assert doc["kind"] in {"HelmRepository", "HelmRelease"}, name
            assert doc["apiVersion"] in {"source.toolkit.fluxcd.io/v1", "helm.toolkit.fluxcd.io/v2"}, name
    proc = cluster_crds.dry_run(list(manifests.values()))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("(server dry run)") == len(manifests), proc.stdout
    assert len(manifests) == len(rendered.files) - sum(1 for n in rendered.files if n.endswith("values.yaml"))


def test_each_chart_source_becomes_its_flux_source(rendered):
    """A chart repository URL gives a default HelmRepository, an oci:// reference one of type oci
    (the registry path without the chart name, which the HelmRelease names); both pin the version."""
    expected = {"z2jh": ("https://hub.jupyter.org/helm-chart/", None, "jupyterhub",
                         rendered.vars.get("z2jh_chart_version", "4.4.0"))}
    if rendered.vars.get("nvidia_device_plugin_chart_ref") == OCI_NVIDIA:
        expected["nvidia"] = ("oci://registry.example.org/mirror/charts", "oci", "nvidia-device-plugin", "0.17.1")
    elif rendered.vars.get("nvidia_enabled"):
        expected["nvidia"] = ("https://nvidia.github.io/k8s-device-plugin", None, "nvidia-device-plugin", "0.17.1")
    for part, (url, kind, chart, version) in expected.items():
        repository = rendered.docs["%s/helmrepository-%s.yaml" % (part, chart)]
        release = next(doc for name, doc in rendered.docs.items() if name.startswith(part + "/helmrelease-"))
        assert repository["spec"]["url"] == url, part
        assert repository["spec"].get("type") == kind, part
        assert release["spec"]["chart"]["spec"] == {
            "chart": chart, "version": version,
            "sourceRef": {"kind": "HelmRepository", "name": chart, "namespace": repository["metadata"]["namespace"]}}


def test_a_broken_external_secret_is_rejected(external_secret_schema):
    doc = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "x"},
           "spec": {"secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
                    "data": [{"secretKey": "token", "remoteRef": {"key": "k", "propertty": "token"}}]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(external_secret_schema).validate(doc)


def test_profiles_follow_the_switches(rendered):
    profiles = _profiles(rendered.values)
    if "z2jh_profile_minimal_enabled" in rendered.vars:
        expected = {"minimal", "base", "datascience", "pyspark", "pytorch", "tensorflow", "buun-stack", "buun-stack-cuda"}
    else:
        expected = {"datascience"}
    expected |= {p["slug"] for p in rendered.vars.get("z2jh_extra_profiles", [])}
    assert set(profiles) == expected
    assert [slug for slug, p in profiles.items() if p["default"]] == ["datascience"]
    assert profiles["datascience"]["kubespawner_override"]["image"] == "quay.io/jupyter/datascience-notebook:python-3.12"
    if "eoepca" in profiles:
        assert profiles["eoepca"]["kubespawner_override"] == dict(
            EOEPCA["kubespawner_override"], extra_pod_config={"runtimeClassName": "nvidia"})


def test_gpu_settings(rendered):
    gpu = rendered.vars.get("z2jh_gpu_enabled") or rendered.vars.get("nvidia_enabled", False)
    for slug, profile in _profiles(rendered.values).items():
        override = profile["kubespawner_override"]
        assert override.get("extra_pod_config", {}).get("runtimeClassName") == ("nvidia" if gpu else None), slug
        limit = override.get("extra_resource_limits", {}).get("nvidia.com/gpu")
        wanted = str(rendered.vars.get("z2jh_gpu_limit", 1)) if gpu and slug in {"pytorch", "tensorflow", "buun-stack-cuda"} else None
        assert limit == wanted, slug


def test_storage_and_database(rendered):
    singleuser, hub = rendered.values["singleuser"], rendered.values["hub"]
    assert singleuser["fsGid"] == 100 and singleuser["uid"] == 1000
    external = rendered.vars.get("z2jh_hub_db_type") == "other"
    if external:
        assert hub["db"] == {"type": "other", "upgrade": True}
        assert hub["existingSecret"] == "jupyterhub-db"
    else:
        assert hub["db"]["type"] == "sqlite-pvc" and hub["db"]["pvc"]["storage"] == "1Gi"
        assert "existingSecret" not in hub
    storage = singleuser["storage"]
    # Where homes are is pinned (what KubeSpawner 7 and the real chart make of it: test_z2jh_homes.py).
    if rendered.vars.get("nfs_enabled") and rendered.vars.get("nfs_mode", "static") == "static":
        assert storage["type"] == "static"
        assert storage["static"] == {"pvcName": "jupyter-nfs-pvc", "subPath": "{safe_username}"}
        (init,) = singleuser["initContainers"]
        assert init["name"] == "home-owner" and init["volumeMounts"][0]["subPath"] == "{safe_username}"
        claim = rendered.docs["nfs/persistentvolumeclaim-jupyter-nfs-pvc.yaml"]
        volume = rendered.docs["nfs/persistentvolume-jupyter-nfs-pv.yaml"]
        assert claim["spec"]["volumeName"] == volume["metadata"]["name"]
        assert volume["spec"]["nfs"] == {"server": rendered.vars["nfs_server"], "path": rendered.vars["nfs_path"]}
        assert volume["spec"]["accessModes"] == ["ReadWriteMany"]
    else:
        assert storage["type"] == "dynamic"
        wanted = "nfs-client" if rendered.vars.get("nfs_mode") == "provisioner" else None
        assert storage["dynamic"] == {"storageClass": wanted, "pvcNameTemplate": "claim-{safe_user_server}"}
        assert "initContainers" not in singleuser


def test_culling(rendered):
    assert rendered.values["cull"] == {"enabled": True, "timeout": 7200, "every": 600, "maxAge": 604800}


def test_authentication(rendered):
    hub = rendered.values["hub"]
    if rendered.vars.get("keycloak_enabled") is False:
        assert hub["config"]["JupyterHub"]["authenticator_class"] == "null"
        assert "GenericOAuthenticator" not in hub["config"]
        assert "OAUTH_CLIENT_SECRET" not in hub["extraEnv"]
        return
    oauth = hub["config"]["GenericOAuthenticator"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert "allow_all" not in oauth  # an allow-list from Keycloak is never widened
    if rendered.vars.get("keycloak_public_url"):
        assert oauth["authorize_url"] == "https://sso.example.org/realms/r/protocol/openid-connect/auth"
        assert oauth["client_id"] == "hub" and oauth["login_service"] == "SSO"
        assert oauth["allowed_groups"] == ["jupyter", "jupyter-admins"] and oauth["username_claim"] == "email"
        assert oauth["logout_redirect_url"].startswith(
            "https://sso.example.org/realms/r/protocol/openid-connect/logout?")
    else:
        assert oauth["token_url"] == "https://auth.example.com/realms/datastack/protocol/openid-connect/token"
        assert oauth["allowed_groups"] == ["jupyterhub-users", "jupyterhub-admins"]
    assert oauth["oauth_callback_url"] == "https://jupyter.example.com/hub/oauth_callback"
    assert "client_secret" not in oauth
    for var in ("OAUTH_CLIENT_SECRET", "JUPYTERHUB_CRYPT_KEY"):
        assert hub["extraEnv"][var] == {"valueFrom": {"secretKeyRef": {"name": "jupyterhub-oauth", "key": var}}}


def test_services_and_roles(rendered):
    hub = rendered.values["hub"]
    assert hub["services"]["admin-service"] == {"name": "admin-service"}
    assert hub["loadRoles"]["admin-service-role"] == {
        "scopes": ["admin:users", "tokens", "admin:servers"], "services": ["admin-service"]}
    assert hub["extraEnv"]["DATASTACK_SERVICE_TOKEN_ADMIN_SERVICE"]["valueFrom"]["secretKeyRef"] == {
        "name": "jupyterhub-admin-service-token", "key": "token"}
    if rendered.vars.get("z2jh_services"):
        assert hub["services"]["gdp"] == {"name": "gdp", "url": GDP["url"], "display": False}
        assert hub["loadRoles"]["gdp-role"] == {"scopes": ["read:users"], "services": ["gdp"]}
    if rendered.vars.get("z2jh_load_roles"):  # all_problems (another test) checks that the hub knows the scopes
        assert hub["loadRoles"]["user"] == {"name": "user", "scopes": ["self", "access:services!service=gdp"]}
        assert hub["extraEnv"]["DATASTACK_SERVICE_TOKEN_GDP"]["valueFrom"]["secretKeyRef"] == {
            "name": "gdp-service-secret", "key": "gdp_api_token"}
    for key in hub["services"].values():
        assert "apiToken" not in key and "api_token" not in key


def test_mcp_switch(rendered):
    env = rendered.values["singleuser"].get("extraEnv", {})
    assert ("JUPYTERHUB_ALLOW_TOKEN_IN_URL" in env) == bool(rendered.vars.get("jupyterhub_mcp_enabled"))
    if rendered.vars.get("jupyterhub_mcp_enabled"):
        assert env["JUPYTERHUB_ALLOW_TOKEN_IN_URL"] == "1"


def test_single_user_servers_load_the_runtime_jupyter_settings(rendered):
    singleuser = rendered.values["singleuser"]
    assert singleuser["extraFiles"]["datastack-jupyter-server-config"] == {
        "mountPath": "/usr/local/etc/jupyter/jupyter_server_config.py", "mode": 0o444,
        "stringData": JUPYTER_CONFIG.read_text().rstrip("\n")}
    assert singleuser["extraEnv"]["DATASTACK_MCP_ENABLED"] == "0"


def _mcp_profiles(r):
    """The profiles whose servers serve jupyter-mcp-server: buun-stack's with the play's MCP switch, and DUAL."""
    on = {"buun-stack", "buun-stack-cuda"} if r.vars.get("jupyterhub_mcp_enabled") else set()
    return on | {p["slug"] for p in r.vars.get("z2jh_extra_profiles", []) if p.get("mcp")}


def test_profiles_add_only_their_own_jupyter_environment(rendered):
    for slug, profile in _profiles(rendered.values).items():
        environment = profile["kubespawner_override"].get("environment")
        if slug == "dual-mode":
            assert set(environment) == {"DATASTACK_MCP_ENABLED", "DATASTACK_SERVER_PROXY", "APP_MODE"}
            assert environment["DATASTACK_MCP_ENABLED"] == "1" and environment["APP_MODE"] == "jupyterhub"
        elif slug in _mcp_profiles(rendered):
            assert environment == {"DATASTACK_MCP_ENABLED": "1"}, slug
        else:
            assert environment is None, slug


def test_each_profile_server_gets_its_mcp_switch_and_services(rendered, tmp_path, monkeypatch):
    """The environment the real KubeSpawner gives each profile's server, read by the mounted settings file."""
    from jupyter_server_proxy.config import ServerProxy

    mounted = tmp_path / "jupyter_server_config.py"
    mounted.write_text(rendered.values["singleuser"]["extraFiles"]["datastack-jupyter-server-config"]["stringData"])
    for slug in _profiles(rendered.values):
        environment = server_environment(rendered.values, slug)
        mcp = slug in _mcp_profiles(rendered)
        assert environment["DATASTACK_MCP_ENABLED"] == ("1" if mcp else "0"), slug
        if _vault_on(rendered):  # merged into singleuser.extraEnv, not replacing it
            assert environment["PYTHONPATH"] == "/opt/datastack/python", slug
        config = load_config(monkeypatch, {k: v for k, v in environment.items() if isinstance(v, str)}, path=mounted)
        assert config.ServerApp.jpserver_extensions == {"other_extension": True, "jupyter_mcp_server": mcp}, slug
        servers = dict(config.ServerProxy.servers)
        assert servers.pop("from-the-image")
        if slug == "dual-mode":
            assert json.loads(environment["DATASTACK_SERVER_PROXY"]) == [HELLO, STARTED_ELSEWHERE]
            assert servers == {service["name"]: {key: value for key, value in service.items() if key != "name"}
                               for service in (HELLO, STARTED_ELSEWHERE)}
            hello = ServerProxy(config=config).servers["hello"]
            assert (hello.command, hello.launcher_entry.title) == (HELLO["command"], "Hello")
        else:
            assert servers == {} and "DATASTACK_SERVER_PROXY" not in environment, slug


def test_ingress(rendered):
    ingress = rendered.values["ingress"]
    if "z2jh_host" not in rendered.vars:
        assert ingress == {"enabled": False}
        return
    assert ingress["hosts"] == ["jupyter.example.com"]
    assert ingress["tls"] == [{"hosts": ["jupyter.example.com"], "secretName": "jupyterhub-tls"}]


def test_no_secret_is_rendered_or_logged(rendered):
    for name, path in rendered.files.items():
        assert SENTINEL not in path.read_text() and CRYPT_KEY not in path.read_text(), name
    # The playbook ran at -vvv; the command line (which holds the extra vars) is not looked at.
    printed = rendered.output.split("PLAYBOOK:", 1)[-1]
    assert SENTINEL not in printed and CRYPT_KEY not in printed


def test_vault_values(rendered):
    hub, singleuser = rendered.values["hub"], rendered.values["singleuser"]
    if not _vault_on(rendered):
        assert "20-datastack-vault" not in hub["extraConfig"] and "extraContainers" not in hub
        return
    files = hub["extraFiles"]
    hub_dir = "/usr/local/etc/jupyterhub/datastack/"
    for name in ("__init__.py", "names.py", "vault_hook.py", "vault_renewer.py"):
        (spec,) = [spec for spec in files.values() if spec["mountPath"] == hub_dir + "datastack_runtime/" + name]
        assert spec["stringData"] == (RUNTIME / "datastack_runtime" / name).read_text().rstrip("\n")
    assert hub["extraConfig"]["20-datastack-vault"] == (
        RUNTIME / "datastack_runtime" / "vault_config.py").read_text().rstrip("\n")
    settings = json.loads(files["datastack-vault-settings"]["stringData"])
    custom = "vault_hub_addr" in rendered.vars
    assert settings == {
        "vault_addr": "https://openbao.internal:8200" if custom else "https://vault.example.com:8200",
        "kv_mount": "kv" if custom else "secret", "user_path_prefix": "nb/users" if custom else "jupyter/users",
        "user_policy": "nb-user" if custom else "jupyter-user", "token_role": "nb-user" if custom else "jupyter-user",
        "token_ttl": "12h" if custom else "24h", "token_max_ttl": "7d1h" if custom else "168h",
        "ca_bundle": "/etc/ssl/vault-ca.pem" if custom else "", "spawn_without_token": False, "timeout": 10,
        "admin_token_file": "/vault/admin-token/token"}
    (renewer,) = hub["extraContainers"]
    assert renewer["name"] == "vault-token-renewer"
    assert renewer["command"][:3] == ["python", "-m", "datastack_runtime.vault_renewer"]
    assert {m["name"] for m in renewer["volumeMounts"]} == {"files", "vault-admin-token"}
    assert {m["subPath"] for m in renewer["volumeMounts"] if m["name"] == "files"} <= set(files)
    assert hub["extraVolumes"] == [{"name": "vault-admin-token", "secret": {"secretName": "jupyterhub-vault-token"}}]
    notebook = {spec["mountPath"]: spec["stringData"] for spec in singleuser["extraFiles"].values()}
    for mount, source_file in (("datastack_runtime/__init__.py", "datastack_runtime/__init__.py"),
                               ("datastack_runtime/secretstore.py", "datastack_runtime/secretstore.py"),
                               ("datastack_vault.py", "compat/datastack_vault.py"), ("buunstack.py", "compat/buunstack.py")):
        assert notebook["/opt/datastack/python/" + mount] == (RUNTIME / source_file).read_text().rstrip("\n")
    assert singleuser["extraEnv"]["PYTHONPATH"] == "/opt/datastack/python"
    assert singleuser["networkPolicy"]["egress"] == [
        {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "vault"}}}]}]
    secret = rendered.docs["z2jh/externalsecret-jupyterhub-vault-token.yaml"]
    assert secret["spec"]["data"][0]["remoteRef"] == {"key": "hub/admin" if custom else "jupyterhub/vault-token",
                                                      "property": "token"}


def test_hub_extra_config_runs_with_a_real_config(rendered, tmp_path):
    """Executes every hub.extraConfig snippet as the chart does, with the files it mounts."""
    hub = rendered.values["hub"]
    for spec in hub.get("extraFiles", {}).values():
        mounted = tmp_path / Path(spec["mountPath"]).relative_to("/usr/local/etc/jupyterhub/datastack")
        mounted.parent.mkdir(parents=True, exist_ok=True)
        mounted.write_text(spec["stringData"])
    services = [{"name": name, "api_token": "chart"} for name in hub["services"]]
    env = {"DATASTACK_HUB_DIR": str(tmp_path), "JUPYTERHUB_CRYPT_KEY": "c" * 64,
           "DATASTACK_SERVICE_TOKEN_ADMIN_SERVICE": "from-secret"}
    c = run_extra_config(rendered.values, env, services)
    assert c.CryptKeeper["keys"] == ["c" * 64]
    assert {s["name"]: s["api_token"] for s in c.JupyterHub.services}["admin-service"] == "from-secret"
    assert callable(c.Spawner.get("pre_spawn_hook")) == _vault_on(rendered)
