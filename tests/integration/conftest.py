"""Integration tests import module_utils too (the client against a real hub)."""

import tests.unit.conftest  # noqa: F401  pylint: disable=unused-import  (puts ansible_collections on sys.path)
