"""What `ansible-galaxy collection build` puts in the tarball users install: the collection, not the lab.

The build runs on a copy of the tracked files plus the development debris a working checkout has
(virtualenvs, test output, lab state, caches), so the test does not depend on what happens to lie
around in this checkout.
"""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# Top-level entries a user of the collection needs (runtime/: code that runs in the hub).
SHIPPED_TOP = {"README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt", "bindep.txt", "MANIFEST.json",
               "FILES.json", "changelogs", "docs", "inventories", "meta", "playbooks", "plugins", "roles",
               "runtime", "tests"}
DEBRIS = [".venv/bin/python", ".venv-old/bin/python", ".cache/x", ".pytest_cache/x", ".ansible/x",
          "tests/output/galaxy/x.json", "tests/artifacts/shot.png", "lab-state/hub/jupyterhub.sqlite",
          "plugins/modules/__pycache__/x.cpython-312.pyc", "docs/_build/html/index.html",
          "datastack-jupyterhub-0.0.1.tar.gz", "changelogs/.plugin-cache.yaml"]


def tracked_files():
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return sorted(name for name in listed if name and (REPO / name).is_file())


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    source = tmp_path_factory.mktemp("checkout")
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    for name in DEBRIS:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("debris\n")
    out = tmp_path_factory.mktemp("build")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(source)],
                   capture_output=True, text=True, check=True)
    built = list(out.glob("*.tar.gz"))
    assert len(built) == 1, built
    with tarfile.open(built[0]) as archive:
        return {member.name for member in archive.getmembers() if member.isfile()}


def test_the_collection_and_its_documents_are_shipped(tarball):
    wanted = {"README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt", "bindep.txt", "meta/runtime.yml",
              "meta/execution-environment.yml", "docs/execution-environment/execution-environment.yml",
              "changelogs/changelog.yaml"}
    for role in (REPO / "roles").iterdir():
        wanted |= {"roles/%s/tasks/main.yml" % role.name, "roles/%s/meta/main.yml" % role.name,
                   "roles/%s/meta/argument_specs.yml" % role.name}
    # Everything tracked under the shipped directories (role files, hub code, plugins, docs) is there.
    wanted |= {name for name in tracked_files()
               if name.split("/")[0] in {"plugins", "roles", "playbooks", "docs", "meta", "runtime"}}
    assert not wanted - tarball, sorted(wanted - tarball)


def test_development_files_stay_out(tarball):
    top = {name.split("/")[0] for name in tarball}
    assert top <= SHIPPED_TOP, sorted(top - SHIPPED_TOP)
    # Of tests/, only ansible-test's sanity ignore files may ship.
    assert not [name for name in tarball if name.startswith("tests/") and not name.startswith("tests/sanity/")]
    leaked = [name for name in tarball
              if name.split("/")[0] in {"scripts", "molecule", "requirements", "lab-state", "Makefile", "pytest.ini"}
              or name.startswith(".") or "/." in name or "__pycache__" in name or name.endswith((".pyc", ".tar.gz"))
              or name.startswith("docs/_build")]
    assert not leaked, leaked
