#!/usr/bin/env bash
# What Galaxy and AWX users get, checked offline and without containers:
#   1. `ansible-galaxy collection build` of this checkout;
#   2. galaxy-importer on the tarball, as Galaxy imports it, and every plugin's docs must render;
#   3. `ansible-builder create` of the execution environment in docs/execution-environment/, and
#      `ansible-builder introspect` finds this collection's Python and system requirements;
#   4. the antsibull-docs site, with Sphinx failing on any warning.
# The tools live in a venv of their own under $DATASTACK_CACHE (requirements/galaxy.txt).
set -euo pipefail
source "$(dirname "$0")/env.sh"
here="$DATASTACK_ROOT/scripts/galaxy"
out="$DATASTACK_ROOT/tests/output/galaxy"

lock="$DATASTACK_ROOT/requirements/galaxy.txt"
tools="$DATASTACK_CACHE/venv-galaxy-$(sha256sum "$lock" | cut -c1-12)"
mkdir -p "$DATASTACK_CACHE"
(
  flock 9
  if [ ! -f "$tools/.complete" ]; then
    rm -rf "$tools"
    "$DATASTACK_VENV/bin/python" -m venv "$tools"
    "$tools/bin/pip" install -q --upgrade pip
    "$tools/bin/pip" install -q -r "$lock"
    touch "$tools/.complete"
  fi
) 9>"$DATASTACK_CACHE/venv-galaxy.lock"
export PATH="$tools/bin:$PATH"

# 1. The tarball, and the collection installed from it (galaxy-importer does the same extraction).
rm -rf "$out"; mkdir -p "$out/collections/ansible_collections" "$out/importer"
ansible-galaxy collection build --output-path "$out" "$DATASTACK_ROOT" >/dev/null
tarball=$(ls "$out"/*.tar.gz)
namespace_name=$(basename "$tarball" | sed -E 's/^([a-z0-9_]+)-([a-z0-9_]+)-.*/\1 \2/')
read -r namespace name <<<"$namespace_name"
collection="$out/collections/ansible_collections/$namespace/$name"
mkdir -p "$collection"; tar -xzf "$tarball" -C "$collection"
echo "galaxy: built $(basename "$tarball") ($(tar -tzf "$tarball" | grep -vc '/$') files)"

failed=()
# Every command of a check ends in `|| return 1`: `set -e` does not apply in a function called with ||.

# 2. galaxy-importer, as Galaxy runs it (it writes importer_result.json to its working directory).
import_docs() {
  (cd "$out/importer" && GALAXY_IMPORTER_CONFIG="$here/importer.cfg" python -m galaxy_importer.main "$tarball" \
    > importer.log) || { cat "$out/importer/importer.log"; return 1; }
  python "$here/check_import.py" "$out/importer/importer_result.json" "$out/importer/importer.log" \
    "$out/collections" || return 1
}
import_docs || failed+=("galaxy-importer")

# 3. The execution environment: its build context, and the requirements its builder stage would find.
execution_environment() {
  ansible-builder create -f "$DATASTACK_ROOT/docs/execution-environment/execution-environment.yml" \
    --context "$out/ee" --output-filename Containerfile >/dev/null || return 1
  grep -q '^RUN helm version --short && helm diff version$' "$out/ee/Containerfile" \
    || { echo "execution environment: the Containerfile does not check helm and helm-diff"; return 1; }
  ansible-builder introspect --sanitize "$out/collections" > "$out/ee/introspect.yml" || return 1
  python "$here/check_ee.py" "$out/ee/introspect.yml" "$collection" || return 1
  echo "execution environment: build context in $out/ee"
}
execution_environment || failed+=("execution environment")

# 4. The docsite of the built collection, offline. Other collections (doc fragments, link targets)
# come from the test venv's ansible package.
docsite() {
  local deps site="$out/docsite"
  deps=$("$DATASTACK_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') || return 1
  export ANSIBLE_COLLECTIONS_PATH="$out/collections:$deps"
  mkdir -m 0755 "$site" || return 1
  antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --no-add-antsibull-docs-version \
    --dest-dir "$site" "$namespace.$name" >/dev/null || return 1
  printf '%s\n' "" "# Offline: no intersphinx downloads; docsite_offline links to docs.ansible.com instead." \
    "intersphinx_mapping = {}" "import sys" "sys.path.insert(0, '$here')" "extensions.append('docsite_offline')" \
    "docsite_offline_own_prefix = 'ansible_collections.$namespace.$name.'" >> "$site/conf.py" || return 1
  "$site/build.sh" > "$out/docsite.log" 2>&1 || { cat "$out/docsite.log"; return 1; }
  echo "docsite: $(find "$site/build/html" -name '*.html' | wc -l) pages in $site/build/html"
}
docsite || failed+=("docsite")

if [ ${#failed[@]} -gt 0 ]; then echo "galaxy: FAILED: ${failed[*]}"; exit 1; fi
echo "galaxy: all checks passed"
