#!/usr/bin/env bash
# helm (v3) and the helm-diff plugin, built with `go install` through the Go module proxy.
# helm-diff lets kubernetes.core.helm see "no change", so a second site.yml run reports none.
# helm is built with the Kubernetes version of its own client-go (as its Makefile does): without
# it `helm template` assumes Kubernetes v1.20 and refuses charts that need a newer one.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
helm_version="${HELM_VERSION:-v3.22.0}"
diff_version="${HELM_DIFF_VERSION:-v3.9.11}"
plugin_dir="$HELM_PLUGINS/helm-diff"
stamp="$DATASTACK_HELM_BIN/.build"
have_helm() { [ -x "$DATASTACK_HELM_BIN/helm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$helm_version kube-version-ldflags" ]; }
have_diff() { [ -x "$plugin_dir/bin/diff" ] && grep -qx "version: \"${diff_version#v}\"" "$plugin_dir/plugin.yaml" 2>/dev/null; }
if have_helm && have_diff; then exit 0; fi
"$(dirname "$0")/debian-package.sh" go golang-go "Go 1.24 or newer builds helm and helm-diff"
if ! have_helm; then
  gomod="$(go mod download -json "helm.sh/helm/v3@$helm_version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
  client_go="$(sed -n 's/^\tk8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod")"
  [ -n "$client_go" ] || { echo "bootstrap: cannot read the client-go version of helm $helm_version" >&2; exit 1; }
  # helm prints its version from ldflags; without them `helm version` says v3.x-dev.
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$client_go"
  done
  GOBIN="$DATASTACK_HELM_BIN" go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$helm_version"
  echo "$helm_version kube-version-ldflags" > "$stamp"
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
