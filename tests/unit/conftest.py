"""Unit tests import the collection's Python as ``ansible_collections.datastack.jupyterhub``."""

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_root = Path(tempfile.mkdtemp(prefix="datastack-collections-"))
_link = _root / "ansible_collections" / "datastack" / "jupyterhub"
_link.parent.mkdir(parents=True)
_link.symlink_to(REPO)
sys.path.insert(0, str(_root))
