"""scripts/galaxy/check_import.py turns what galaxy-importer only logs into failures."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "galaxy" / "check_import.py"
_spec = importlib.util.spec_from_file_location("check_import", SCRIPT)
check_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_import)

EXPECTED = {("module", "ns.col.alpha"), ("module", "ns.col.beta"), ("filter", "ns.col.gamma")}


def importer_result(undocumented=(), role_description="A role"):
    contents = [{"content_type": kind, "content_name": name.rsplit(".", 1)[1],
                 "doc_strings": {} if name in undocumented else {"doc": {"short_description": "x"}}}
                for kind, name in sorted(EXPECTED)]
    return {
        "metadata": {"namespace": "ns", "name": "col"},
        "docs_blob": {"contents": contents, "collection_readme": {"html": "<h1>col</h1>"}},
        "contents": [{"content_type": "role", "name": "web", "description": role_description}],
    }


def test_a_clean_import_has_no_problems():
    assert check_import.problems(importer_result(), "Importing\nImporter processing completed successfully\n",
                                 EXPECTED) == []


def test_every_plugin_without_rendered_docs_is_named():
    found = check_import.problems(importer_result(undocumented=("ns.col.alpha", "ns.col.gamma")), "", EXPECTED)
    assert found == ["filter ns.col.gamma: galaxy-importer rendered no documentation",
                     "module ns.col.alpha: galaxy-importer rendered no documentation"]


def test_a_plugin_the_importer_did_not_see_at_all_is_named():
    found = check_import.problems(importer_result(), "", EXPECTED | {("lookup", "ns.col.delta")})
    assert found == ["lookup ns.col.delta: galaxy-importer rendered no documentation"]


def test_importer_errors_and_roles_without_description_fail():
    log = "Getting doc strings via ansible-doc\nERROR: Error running ansible-doc: unknown doc_fragment(s)\n"
    found = check_import.problems(importer_result(role_description=None), log, EXPECTED)
    assert found == ["importer: ERROR: Error running ansible-doc: unknown doc_fragment(s)",
                     "role web: no description (meta/main.yml galaxy_info.description)"]
