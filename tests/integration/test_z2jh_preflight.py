"""The z2jh role refuses settings that would deploy a broken hub, before touching anything."""

import pytest
import yaml

pytestmark = pytest.mark.integration

BASE = {"z2jh_host": "jupyter.example.org", "keycloak_url": "https://auth.example.org", "keycloak_realm": "r",
        "keycloak_hub_url": "https://jupyter.example.org"}
VAULT = {"vault_enabled": True, "vault_addr": "https://v:8200"}


def _render(ansible, tmp_path, **variables):
    return ansible.playbook("playbooks/render.yml", json_output=False,
                            extra_vars=dict(BASE, render_dir=str(tmp_path), **variables))


@pytest.mark.parametrize("variables, message", [
    (dict(VAULT, z2jh_cull_max_age=700000),
     "must not exceed the Vault user token max"),
    (dict(VAULT, vault_user_token_max_ttl="1h30m", z2jh_cull_max_age=5401), "(1h30m = 5400 s)"),
    ({"z2jh_load_roles": [{"name": "mcp", "scopes": ["tokens"], "services": ["runtime-mcp"]}]},
     "['runtime-mcp']"),
    ({"z2jh_profile_datascience_enabled": False}, "z2jh_default_profile (datascience)"),
    ({"z2jh_services": [{"name": "gdp", "url": "http://gdp:5000"}]}, "a url and a secret_name"),
    ({"z2jh_host": ""}, "z2jh_host is set"),
    ({"vault_enabled": True, "vault_addr": ""}, "vault_hub_addr (or vault_addr) to Vault"),
    ({"keycloak_hub_url": ""}, "Set keycloak_hub_url to the hub's URL"),
    ({"z2jh_crypt_key": "not-hex"}, "64 hex characters"),
    ({"z2jh_state": "gone"}, "z2jh_state"),
    ({"z2jh_extra_profiles": [{"slug": "dual", "display_name": "Dual",
                               "server_proxy_services": [{"name": "lab", "port": 1}]}]},
     "z2jh_extra_profiles, profile dual: server_proxy_services: service 0 (lab): the name lab is a path"),
    # KubeSpawner 6 (Z2JH 3.x) does not know the fields that pin where homes are.
    ({"z2jh_chart_version": "3.3.8"}, "the chart must be 4.0.0 or newer"),
    ({"z2jh_hub_db_url": "postgresql://h/db"}, "z2jh_hub_db_url is only used with z2jh_hub_db_type=other"),
    ({"z2jh_hub_db_type": "other", "z2jh_hub_db_secret_name": ""}, "which needs z2jh_hub_db_secret_name"),
    ({"z2jh_hub_db_backup_keep": 0}, "z2jh_hub_db_backup_keep is at least 1"),
    ({"z2jh_home_slug_scheme": "raw"}, "z2jh_home_slug_scheme"),
])
def test_bad_settings_fail_early(ansible, tmp_path, variables, message):
    result = _render(ansible, tmp_path, **variables)
    assert result.rc != 0
    assert message in result.output
    assert not (tmp_path / "z2jh").exists()


def test_the_ttl_check_passes_at_equal_durations(ansible, tmp_path):
    result = _render(ansible, tmp_path, vault_user_token_max_ttl="7d", z2jh_cull_max_age=604800, **VAULT)
    assert result.rc == 0, result


def test_a_role_for_a_configured_service_is_accepted(ansible, tmp_path):
    result = _render(ansible, tmp_path, z2jh_load_roles=[
        {"name": "auditors", "scopes": ["read:users"], "services": ["admin-service"]}])
    assert result.rc == 0, result
    values = yaml.safe_load((tmp_path / "z2jh" / "values.yaml").read_text())
    assert values["hub"]["loadRoles"]["auditors"] == {
        "name": "auditors", "scopes": ["read:users"], "services": ["admin-service"]}
    assert set(values["hub"]["loadRoles"]) == {"auditors", "admin-service-role"}
