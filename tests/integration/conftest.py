"""Integration tests import module_utils too (the client against a real hub)."""

# Importing it puts ansible_collections on sys.path.
import tests.unit.conftest  # noqa: F401  pylint: disable=unused-import
