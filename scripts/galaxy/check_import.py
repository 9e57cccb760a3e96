"""Fail unless galaxy-importer rendered the docs of every plugin and role of the collection.

galaxy-importer only logs an error when its batched ``ansible-doc`` call fails, and then shows no
documentation for any plugin of that type. This check makes that a failure.

Usage: check_import.py IMPORTER_RESULT_JSON IMPORTER_LOG COLLECTIONS_ROOT
(COLLECTIONS_ROOT holds ansible_collections/<namespace>/<name> extracted from the tarball.)
"""

import json
import os
import subprocess
import sys
from pathlib import Path


def doc_types(collection_dir):
    """{plugin type: its directory} for the types galaxy-importer asks ansible-doc about, present here."""
    from galaxy_importer.constants import ANSIBLE_DOC_SUPPORTED_TYPES

    dirs = {plugin_type: collection_dir / "plugins" / ("modules" if plugin_type == "module" else plugin_type)
            for plugin_type in ANSIBLE_DOC_SUPPORTED_TYPES}
    return {plugin_type: path for plugin_type, path in dirs.items() if path.is_dir()}


def listed_plugins(collections_root, fqcn, types):
    """{(type, fqcn)} that ansible-doc lists for the collection, documented or not."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root))
    found = set()
    for plugin_type in types:
        answer = subprocess.run(["ansible-doc", "--list", "--json", "--type", plugin_type, fqcn],
                                capture_output=True, text=True, env=env, check=False)
        if answer.returncode != 0:
            raise SystemExit("ansible-doc --list --type %s failed: %s" % (plugin_type, answer.stderr))
        found.update((plugin_type, name) for name in json.loads(answer.stdout or "{}"))
    return found


def plugin_files(fqcn, types):
    """{(type, fqcn)} for every plugin file, so a plugin ansible-doc cannot even list is not missed."""
    found = set()
    for plugin_type, directory in types.items():
        if plugin_type in ("filter", "test"):
            continue  # one file may hold several plugins; ansible-doc --list names them
        for path in directory.rglob("*.py"):
            if path.name != "__init__.py":
                found.add((plugin_type, "%s.%s" % (fqcn, path.stem)))
    return found


def problems(result, log, expected):
    """Everything that keeps the import from showing the collection's documentation."""
    fqcn = "%(namespace)s.%(name)s" % result["metadata"]
    rendered = {
        (item["content_type"], "%s.%s" % (fqcn, item["content_name"]))
        for item in result["docs_blob"]["contents"]
        if (item.get("doc_strings") or {}).get("doc")
    }
    found = ["%s %s: galaxy-importer rendered no documentation" % pair for pair in sorted(expected - rendered)]
    found += ["importer: %s" % line for line in log.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
    found += ["role %s: no description (meta/main.yml galaxy_info.description)" % item["name"]
              for item in result["contents"] if item["content_type"] == "role" and not item.get("description")]
    if not (result["docs_blob"].get("collection_readme") or {}).get("html"):
        found.append("README: not rendered")
    return found


def main(result_path, log_path, collections_root):
    result = json.loads(Path(result_path).read_text())
    namespace, name = result["metadata"]["namespace"], result["metadata"]["name"]
    fqcn = "%s.%s" % (namespace, name)
    collection_dir = Path(collections_root) / "ansible_collections" / namespace / name
    types = doc_types(collection_dir)
    expected = listed_plugins(collections_root, fqcn, types) | plugin_files(fqcn, types)
    found = problems(result, Path(log_path).read_text(), expected)
    for problem in found:
        print("galaxy-import check: " + problem)
    if found:
        return 1
    print("galaxy-import check: documentation rendered for %d plugins: %s"
          % (len(expected), ", ".join(sorted(plugin for dummy, plugin in expected))))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
