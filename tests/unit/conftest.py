"""Unit tests import the collection's Python as ``ansible_collections.datastack.jupyterhub`` and the
hub/notebook code as ``datastack_runtime`` (from runtime/, as the hub and notebooks do)."""

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "runtime"
_root = Path(tempfile.mkdtemp(prefix="datastack-collections-"))
atexit.register(shutil.rmtree, _root, ignore_errors=True)
_link = _root / "ansible_collections" / "datastack" / "jupyterhub"
_link.parent.mkdir(parents=True)
_link.symlink_to(REPO)
sys.path.insert(0, str(_root))
if str(RUNTIME) not in sys.path:
    sys.path.insert(0, str(RUNTIME))
