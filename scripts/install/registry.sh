#!/usr/bin/env bash
# An OCI registry (CNCF Distribution) for the tests that install charts from oci:// references, built
# from the Go module proxy into the cache. cmd/registry links the Azure, GCS and S3 storage drivers
# (four times the downloads and twice the CPU of the build); a wrapper main with the filesystem and
# in-memory drivers only is all the tests need.
# Result: $DATASTACK_REGISTRY_BIN/registry (`registry serve <config.yml>`). A warm run does nothing.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
# shellcheck disable=SC2153 # the version comes from env.sh
version="$DISTRIBUTION_VERSION"
bin="$DATASTACK_REGISTRY_BIN"
have() { [ -x "$bin/registry" ] && [ "$(cat "$bin/.version" 2>/dev/null)" = "$version" ]; }
have && exit 0
"$(dirname "$0")/debian-package.sh" go golang-go "Go 1.26 or newer builds the OCI registry"

# Two checkouts bootstrapping at once share the cache: one builds, the other waits.
mkdir -p "$bin"
exec 9>"$bin/.lock"
flock 9
have && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
{
  echo "module datastack.local/registry"
  echo "go 1.26"
  echo "require github.com/distribution/distribution/v3 $version"
} > "$work/go.mod"
cat > "$work/main.go" <<'GO'
package main

import (
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

func main() { _ = registry.RootCmd.Execute() }
GO
(cd "$work" && GOFLAGS="-mod=mod -trimpath" CGO_ENABLED=0 go build -ldflags "-s -w" -o "$work/registry" .)
mv -f "$work/registry" "$bin/registry"
echo "$version" > "$bin/.version"
