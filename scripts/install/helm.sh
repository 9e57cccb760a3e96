#!/usr/bin/env bash
# helm (v3) and the helm-diff plugin, built with `go install` through the Go module proxy.
# helm-diff lets kubernetes.core.helm see "no change", so a second site.yml run reports none.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
helm_version="${HELM_VERSION:-v3.22.0}"
diff_version="${HELM_DIFF_VERSION:-v3.9.11}"
plugin_dir="$HELM_PLUGINS/helm-diff"
have_helm() { [ -x "$GOPATH/bin/helm" ] && "$GOPATH/bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$helm_version"; }
have_diff() { [ -x "$plugin_dir/bin/diff" ] && grep -qx "version: \"${diff_version#v}\"" "$plugin_dir/plugin.yaml" 2>/dev/null; }
if have_helm && have_diff; then exit 0; fi
command -v go >/dev/null || { echo "bootstrap: go is needed to build helm (apt-get install golang-go)" >&2; exit 1; }
if ! have_helm; then
  # helm prints its version from ldflags; without them `helm version` says v3.x-dev.
  go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$helm_version" "helm.sh/helm/v3/cmd/helm@$helm_version"
fi
if ! have_diff; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  module="github.com/databus23/helm-diff/v3"
  if ! GOBIN="$tmp" go install "$module@$diff_version" 2>"$tmp/err"; then
    # Some module proxies refuse the version list `go install` reads for deprecation notices;
    # build the same version from its downloaded module instead.
    grep -q "@v/list" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    src="$(go mod download -json "$module@$diff_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    (cd "$src" && go build -modcacherw -o "$tmp/helm-diff" .)
  fi
  mkdir -p "$plugin_dir/bin"
  mv "$tmp/helm-diff" "$plugin_dir/bin/diff"
  cat > "$plugin_dir/plugin.yaml" <<PLUGIN
name: "diff"
version: "${diff_version#v}"
usage: "Preview helm upgrade changes as a diff"
description: "Preview helm upgrade changes as a diff (built by scripts/install/helm.sh)"
command: "\$HELM_PLUGIN_DIR/bin/diff"
PLUGIN
fi
