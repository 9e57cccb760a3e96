#!/usr/bin/env bash
# configurable-http-proxy from npm (JupyterHub's default proxy) into the cache.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
version="${CHP_VERSION:-5.3.0}"
dir="$DATASTACK_CACHE/node"
if [ -x "$dir/node_modules/.bin/configurable-http-proxy" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/configurable-http-proxy/package.json" 2>/dev/null; then exit 0; fi
command -v npm >/dev/null || { echo "bootstrap: npm is needed for configurable-http-proxy (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name": "datastack-lab-tools", "private": true}' > "$dir/package.json"
(cd "$dir" && npm install --silent --no-fund --no-audit "configurable-http-proxy@$version")
