"""The Z2JH chart's values schemas the tests validate rendered values against.

They are the chart package's ``values.schema.json`` of each chart version, kept beside the repository as
``../shared/z2jh/values.schema-<chart version>.json`` (docs/CONTRIBUTING.md says how to get them);
``DATASTACK_Z2JH_SCHEMAS`` names another directory that holds them.
"""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = Path(os.environ.get("DATASTACK_Z2JH_SCHEMAS") or REPO.parent / "shared" / "z2jh")


def values_schema(version):
    """The chart's schema of ``version``, as the chart ships it (a test fails, naming the file, when it is missing)."""
    path = SCHEMAS / ("values.schema-%s.json" % version)
    if not path.exists():
        pytest.fail("The Z2JH values schema %s is missing: see \"Z2JH values schemas\" in docs/CONTRIBUTING.md "
                    "(or set DATASTACK_Z2JH_SCHEMAS)" % path)
    return json.loads(path.read_text())


def without_required(schema, keep=False):
    """Helm validates our values merged over the chart's defaults, which fill every required key.

    ``required`` inside oneOf/anyOf alternatives (e.g. extraFiles: data | stringData) is kept.
    """
    if isinstance(schema, dict):
        return {k: without_required(v, keep=k in ("oneOf", "anyOf", "allOf"))
                for k, v in schema.items() if keep or k != "required"}
    if isinstance(schema, list):
        return [without_required(v, keep) for v in schema]
    return schema
