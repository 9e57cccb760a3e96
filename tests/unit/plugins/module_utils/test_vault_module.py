"""VaultModule and vault_connection_spec: secrets from any source end up in the module's no_log values,
at top level and as the options of a dict suboption (how other modules embed a Vault connection); the
client is built once; hints name the options, with the dict option's prefix."""

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.datastack.jupyterhub.plugins.module_utils.connected_module import explain
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_client import VaultClientError
from ansible_collections.datastack.jupyterhub.plugins.module_utils.vault_module import (
    HINTS,
    VaultModule,
    connection_kwargs,
    vault_connection_spec,
)

TOKEN = "s.env-token-must-be-masked"
SECRET_ID = "secret-id-must-be-masked"


@pytest.fixture
def environment(monkeypatch):
    for name in ("VAULT_ADDR", "VAULT_TOKEN", "VAULT_SECRET_ID", "VAULT_ROLE_ID", "VAULT_NAMESPACE", "VAULT_CACERT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example.org:8200")
    monkeypatch.setenv("VAULT_TOKEN", TOKEN)
    monkeypatch.setenv("VAULT_SECRET_ID", SECRET_ID)


def test_environment_secrets_are_no_log_values_at_top_level(environment):
    with patch_module_args({}):
        module = VaultModule(argument_spec={})
    assert module.params["token"] == TOKEN and module.params["url"] == "https://vault.example.org:8200"
    assert {TOKEN, SECRET_ID} <= module.no_log_values


def test_environment_secrets_are_no_log_values_in_a_dict_suboption(environment):
    spec = {"vault": {"type": "dict", "options": vault_connection_spec()}}
    with patch_module_args({"vault": {}}):
        module = AnsibleModule(argument_spec=spec)
    assert module.params["vault"]["token"] == TOKEN
    assert {TOKEN, SECRET_ID} <= module.no_log_values


def test_token_file_is_read_and_explained(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(" s.from-file \n")
    assert connection_kwargs({"token_file": str(token_file)})["token"] == "s.from-file"
    assert connection_kwargs({"token": "s.option", "token_file": str(token_file)})["token"] == "s.option"
    with pytest.raises(VaultClientError, match="cannot read the token file"):
        connection_kwargs({"token_file": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(VaultClientError, match="is empty"):
        connection_kwargs({"token_file": str(tmp_path / "empty")})


def test_connect_builds_the_client_once_and_masks_the_token_read_from_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    token_file = tmp_path / "token"
    token_file.write_text("s.from-file\n")
    with patch_module_args({"url": "https://vault.example.org:8200", "token_file": str(token_file)}):
        module = VaultModule(argument_spec={"extra": {"type": "str"}})
    client = module.connect()
    assert module.connect() is client and client.token == "s.from-file"
    assert "s.from-file" in module.no_log_values
    assert module.params["extra"] is None and module.params["timeout"] == 30


def test_hints_name_the_options_at_top_level_and_in_a_dict_option():
    error = VaultClientError("Vault refused the credentials on 'auth/approle/login' (invalid role id).",
                             "unauthorized")
    assert explain(error, HINTS) == (
        "Vault refused the credentials on 'auth/approle/login' (invalid role id). Check token (or VAULT_TOKEN, "
        "token_file), or role_id, secret_id and mount_point for approle.")
    nested = explain(error, HINTS, "destination.vault_kv.")
    assert "Check destination.vault_kv.token (or VAULT_TOKEN, destination.vault_kv.token_file)" in nested
    assert "{prefix}" not in nested
    assert explain(VaultClientError("nothing at 'x'.", "not_found"), HINTS) == "nothing at 'x'."
