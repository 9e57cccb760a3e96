"""Where scripts/bootstrap.sh put downloads and builds: ``$DATASTACK_CACHE`` (scripts/env.sh's default too)."""

import os
from pathlib import Path


def datastack_cache():
    return Path(os.environ.get("DATASTACK_CACHE") or Path.home() / ".cache" / "datastack")
