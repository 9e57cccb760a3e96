#!/usr/bin/env bash
# Keycloak's server distribution (org.keycloak:keycloak-quarkus-dist) from Maven Central into the cache.
# Result: $DATASTACK_CACHE/keycloak/<version>/bin/kc.sh, built for `start-dev`, and
# $DATASTACK_CACHE/keycloak/current -> <version>.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
version="${KEYCLOAK_VERSION:-26.7.3}"
base="$DATASTACK_CACHE/keycloak"
dir="$base/$version"
built_marker=.built-for-start-dev
if [ -f "$dir/$built_marker" ] && [ "$(readlink "$base/current" 2>/dev/null)" = "$version" ]; then exit 0; fi
command -v mvn >/dev/null || { echo "bootstrap: Maven is needed to fetch Keycloak (apt-get install maven)" >&2; exit 1; }
[ -n "$DATASTACK_JAVA_HOME" ] || { echo "bootstrap: Keycloak needs a JDK 21 or newer under /usr/lib/jvm (apt-get install openjdk-21-jdk-headless)" >&2; exit 1; }
mkdir -p "$base"
work="$(mktemp -d "$base/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# `start-dev` builds the server (Quarkus augmentation, 20-35 s of CPU) on its first start in a directory.
# Build once here, so every test server, started from a copy, skips it (measured on 2 cores: 40 s to ready
# from the bare distribution, 19 s from a built one). kc.sh relaunches Java with -Dkc.config.built=true
# after a build: the wrapper stops there instead of starting the server.
build_for_start_dev() {
  local dist=$1
  # shellcheck disable=SC2016  # $1 and $@ belong to the wrapper
  printf '#!/bin/sh\ncase "$1" in -Dkc.config.built=true) exit 0 ;; esac\nexec "%s/bin/java" "$@"\n' \
    "$DATASTACK_JAVA_HOME" > "$work/java"
  chmod +x "$work/java"
  if ! JAVA="$work/java" JAVA_HOME="$DATASTACK_JAVA_HOME" "$dist/bin/kc.sh" start-dev > "$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "bootstrap: building Keycloak for start-dev failed (log above)" >&2
    exit 1
  fi
  rm -rf "$dist/data"
  touch "$dist/$built_marker"
}

if [ ! -x "$dir/bin/kc.sh" ]; then
  # Maven prints colour codes even with -q: keep its output for the failure case only.
  if ! log="$(mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$DATASTACK_CACHE/m2" dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:tar.gz" -DoutputDirectory="$work" 2>&1)"; then
    echo "$log" >&2
    echo "bootstrap: could not fetch org.keycloak:keycloak-quarkus-dist:$version from Maven Central (set KEYCLOAK_VERSION to another 26.x?)" >&2
    exit 1
  fi
  tar -xzf "$work/keycloak-quarkus-dist-$version.tar.gz" -C "$work"
  build_for_start_dev "$work/keycloak-$version"
  rm -rf "$dir"
  # The tarball holds one directory, keycloak-<version>; move it in place in one step.
  mv "$work/keycloak-$version" "$dir"
elif [ ! -f "$dir/$built_marker" ]; then
  # A cache from before the build step: build a copy, then swap it in.
  cp -a "$dir" "$work/built"
  build_for_start_dev "$work/built"
  mv "$dir" "$work/old"
  mv "$work/built" "$dir"
fi
ln -sfn "$version" "$base/current"
