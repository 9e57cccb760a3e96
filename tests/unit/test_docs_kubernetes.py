"""docs/kubernetes.md names the roles' real defaults ("`variable` (default `value`)")."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "kubernetes.md"


def _defaults():
    values = {}
    for path in REPO.glob("roles/*/defaults/main.yml"):
        values.update(yaml.safe_load(path.read_text()) or {})
    return values


def _effective(value):
    """A default that follows another role's variable: its own fallback literal."""
    if isinstance(value, str):
        fallback = re.search(r"default\('([^']*)'\)", value)
        if fallback:
            return fallback.group(1)
    return str(value)


def test_the_defaults_the_doc_names_are_the_roles_defaults():
    defaults = _defaults()
    stated = re.findall(r"`([a-z0-9_]+)`\s+\(default\s+`([^`]+)`", DOC.read_text())
    assert stated, "the doc names no default"
    wrong = [(name, value, _effective(defaults[name])) for name, value in stated
             if name in defaults and _effective(defaults[name]) != value]
    assert wrong == []
    assert ("z2jh_vault_secret_store_name", "vault-secret-store") in stated
