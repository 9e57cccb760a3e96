"""hub_secrets: service tokens and the crypt key from the environment, imported or run as hub.extraConfig."""

from pathlib import Path

from traitlets.config import Config

from datastack_runtime import hub_secrets

SOURCE = (Path(__file__).resolve().parents[3] / "runtime" / "datastack_runtime" / "hub_secrets.py").read_text()


def config_with(services):
    c = Config()
    c.JupyterHub.services = [dict(service) for service in services]
    return c


def test_crypt_keys_and_service_tokens():
    c = config_with([{"name": "admin-service", "api_token": "chart-random"},
                     {"name": "gdp", "api_token": "chart-random"},
                     {"name": "no-env", "api_token": "chart-random"}])
    hub_secrets.apply_hub_secrets(c, {"JUPYTERHUB_CRYPT_KEY": "a" * 64 + ";" + "b" * 64,
                                      "DATASTACK_SERVICE_TOKEN_ADMIN_SERVICE": "admin-token-from-secret",
                                      "DATASTACK_SERVICE_TOKEN_GDP": "gdp-token-from-secret"})
    assert c.CryptKeeper["keys"] == ["a" * 64, "b" * 64]
    tokens = {service["name"]: service["api_token"] for service in c.JupyterHub.services}
    assert tokens == {"admin-service": "admin-token-from-secret", "gdp": "gdp-token-from-secret",
                      "no-env": "chart-random"}


def test_the_chart_crypt_key_stays_without_the_variable():
    c = config_with([])
    hub_secrets.apply_hub_secrets(c, {"JUPYTERHUB_CRYPT_KEY": ""})
    assert "keys" not in c.CryptKeeper


def test_run_as_extra_config_text_it_applies_itself(monkeypatch):
    monkeypatch.setenv("DATASTACK_SERVICE_TOKEN_X_Y", "from-env")
    c = config_with([{"name": "x.y", "api_token": "chart"}])
    exec(compile(SOURCE, "10-datastack-secrets", "exec"), {"c": c, "__name__": "10-datastack-secrets"})  # noqa: S102
    assert c.JupyterHub.services[0]["api_token"] == "from-env"
    assert hub_secrets.service_token_variable("x.y") == "DATASTACK_SERVICE_TOKEN_X_Y"
