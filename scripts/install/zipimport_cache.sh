#!/usr/bin/env bash
# Installs scripts/python/datastack_zipimport_cache.py (a bytecode cache for Ansible's module payloads,
# active when DATASTACK_ZIPIMPORT_CACHE is set) into the virtualenv of the Python interpreter given.
# Usage: scripts/install/zipimport_cache.sh <virtualenv python>
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
site=$("$1" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
source_file="$here/python/datastack_zipimport_cache.py"
if ! cmp -s "$source_file" "$site/datastack_zipimport_cache.py"; then
  cp "$source_file" "$site/datastack_zipimport_cache.py.new"
  mv "$site/datastack_zipimport_cache.py.new" "$site/datastack_zipimport_cache.py"
fi
line="import datastack_zipimport_cache"
[ "$(cat "$site/datastack_zipimport_cache.pth" 2>/dev/null)" = "$line" ] || echo "$line" > "$site/datastack_zipimport_cache.pth"
