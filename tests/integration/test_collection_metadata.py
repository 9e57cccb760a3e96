"""Metadata that Galaxy, AWX and ansible-builder read: action groups, role metadata, license, requirements."""

import ast
import json
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
RUNTIME = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())


def installed_collection(name):
    answer = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", name, "--format", "json"],
                            capture_output=True, text=True, check=True)
    paths = json.loads(answer.stdout)
    assert paths, "%s is not installed" % name
    return Path(next(iter(paths))) / name.replace(".", "/")


def test_vault_group_covers_this_collections_and_community_hashi_vaults_modules():
    group = set(RUNTIME["action_groups"]["vault"])
    hashi_vault = installed_collection("community.hashi_vault") / "plugins" / "modules"
    theirs = {"community.hashi_vault." + path.stem for path in hashi_vault.glob("*.py") if path.stem != "__init__"}
    assert len(theirs) > 20
    assert not theirs - group, "add to the vault group in meta/runtime.yml: %s" % sorted(theirs - group)
    ours = {path.stem for path in (REPO / "plugins" / "modules").glob("vault_*.py")}
    assert ours and ours <= group, sorted(ours - group)


def test_jupyterhub_group_has_every_jupyterhub_module():
    ours = {path.stem for path in (REPO / "plugins" / "modules").glob("jupyterhub_*.py")}
    assert ours and ours <= set(RUNTIME["action_groups"]["jupyterhub"])


def test_every_role_has_complete_galaxy_metadata():
    oldest = re.search(r"[0-9][0-9.]*", RUNTIME["requires_ansible"]).group(0)
    for role in sorted((REPO / "roles").iterdir()):
        meta = yaml.safe_load((role / "meta" / "main.yml").read_text())
        info = meta["galaxy_info"]
        assert meta["dependencies"] == [], role.name
        assert info["author"] and info["description"], role.name
        assert [info["license"]] == GALAXY["license"], role.name
        assert oldest.startswith(str(info["min_ansible_version"])), (role.name, info["min_ansible_version"])
        assert info["platforms"] and all(p["name"] and p["versions"] for p in info["platforms"]), role.name


def test_license_file_is_the_license_galaxy_yml_declares():
    assert GALAXY["license"] == ["GPL-3.0-or-later"]
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007")
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 30000  # the full text, not a notice


def test_execution_environment_metadata_points_at_the_requirement_files():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 3
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    for name in meta["dependencies"].values():
        assert (REPO / name).read_text().strip()


def third_party_imports(path):
    """Top-level names of the non-stdlib, non-Ansible modules a plugin imports (Python 2 fallbacks in
    ``except ImportError:`` blocks left out)."""
    tree = ast.parse(path.read_text())
    fallbacks = {id(node) for handler in ast.walk(tree) if isinstance(handler, ast.ExceptHandler)
                 for node in ast.walk(handler)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in fallbacks:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {name for name in names
            if name not in sys.stdlib_module_names and name not in ("ansible", "ansible_collections", "__future__")}


def requirement_names(path):
    lines = (REPO / path).read_text().splitlines()
    return {re.split(r"[\s<>=!~;\[]", line.strip(), 1)[0].lower() for line in lines if line.split("#")[0].strip()}


def test_requirements_txt_lists_every_library_the_plugins_import():
    distributions = packages_distributions()
    needed = set()
    for path in (REPO / "plugins").rglob("*.py"):
        for name in third_party_imports(path):
            assert name in distributions, "%s imports %s, which no installed distribution provides" % (path, name)
            needed.update(dist.lower() for dist in distributions[name])
    assert "requests" in needed
    assert not needed - requirement_names("requirements.txt"), sorted(needed - requirement_names("requirements.txt"))


def test_requirements_txt_lists_the_libraries_of_the_modules_the_roles_use():
    # The Python library each module family the roles call imports on the execution node.
    libraries = {"kubernetes.core.k8s": "kubernetes", "community.hashi_vault.": "hvac"}
    used = set()
    for path in list((REPO / "roles").rglob("*.yml")) + list((REPO / "playbooks").glob("*.yml")):
        text = path.read_text()
        used.update(library for prefix, library in libraries.items() if prefix in text)
    assert used == set(libraries.values())
    assert used <= requirement_names("requirements.txt")
