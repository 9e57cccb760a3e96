#!/usr/bin/env bash
# Keycloak's server distribution (org.keycloak:keycloak-quarkus-dist) from Maven Central into the cache.
# Result: $DATASTACK_CACHE/keycloak/<version>/bin/kc.sh, and $DATASTACK_CACHE/keycloak/current -> <version>.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
version="${KEYCLOAK_VERSION:-26.7.3}"
base="$DATASTACK_CACHE/keycloak"
dir="$base/$version"
if [ -x "$dir/bin/kc.sh" ] && [ "$(readlink "$base/current" 2>/dev/null)" = "$version" ]; then exit 0; fi
command -v mvn >/dev/null || { echo "bootstrap: Maven is needed to fetch Keycloak (apt-get install maven)" >&2; exit 1; }
[ -n "$DATASTACK_JAVA_HOME" ] || { echo "bootstrap: Keycloak needs a JDK 21 or newer under /usr/lib/jvm (apt-get install openjdk-21-jdk-headless)" >&2; exit 1; }
if [ ! -x "$dir/bin/kc.sh" ]; then
  mkdir -p "$base"
  work="$(mktemp -d "$base/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # Maven prints colour codes even with -q: keep its output for the failure case only.
  if ! log="$(mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$DATASTACK_CACHE/m2" dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:tar.gz" -DoutputDirectory="$work" 2>&1)"; then
    echo "$log" >&2
    echo "bootstrap: could not fetch org.keycloak:keycloak-quarkus-dist:$version from Maven Central (set KEYCLOAK_VERSION to another 26.x?)" >&2
    exit 1
  fi
  tar -xzf "$work/keycloak-quarkus-dist-$version.tar.gz" -C "$work"
  rm -rf "$dir"
  # The tarball holds one directory, keycloak-<version>; move it in place in one step.
  mv "$work/keycloak-$version" "$dir"
fi
ln -sfn "$version" "$base/current"
