#!/usr/bin/env bash
# A Kubernetes control plane without containers, built from the Go module proxy into the cache:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (k8s.io/kubernetes), etcd 3.6
# and kwok (fake nodes that run pods on paper). scripts/cluster.sh starts them.
# Result: $DATASTACK_KUBE_BIN/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,etcd,kwok}
# and $DATASTACK_KUBE_BIN/../kwok/ (kwok's stage configurations and its StorageClass).
# A warm run (binaries of these versions present) does nothing.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
# shellcheck disable=SC2153 # the versions come from env.sh
k8s="$KUBERNETES_VERSION" etcd_version="$ETCD_VERSION" kwok_version="$KWOK_VERSION"
bin="$DATASTACK_KUBE_BIN"
share="$(dirname "$bin")/kwok"

have() {
  [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kube-scheduler" ] &&
    [ -x "$bin/kubectl" ] && [ -x "$bin/etcd" ] && [ -x "$bin/kwok" ] && [ -f "$share/storage-class.yaml" ] &&
    [ "$(cat "$bin/.versions" 2>/dev/null)" = "$k8s $etcd_version $kwok_version" ]
}
have && exit 0
"$(dirname "$0")/debian-package.sh" go golang-go "Go 1.24 or newer builds the control plane and helm"

# Two checkouts bootstrapping at once share the cache: one builds, the other waits.
mkdir -p "$bin" "$share"
exec 9>"$bin/.lock"
flock 9
have && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod -trimpath" CGO_ENABLED=0

# k8s.io/kubernetes points its staging modules (k8s.io/api, k8s.io/client-go ...) at ./staging with
# replace directives, which `go install pkg@version` refuses. A wrapper module requires it and
# replaces each of them with the published module of the matching v0.x version.
build_kubernetes() {
  local mod="$work/kubernetes" minor="${k8s#v1.}"; minor="${minor%%.*}"
  local staging="v0.${k8s#v1.}" gomod
  mkdir -p "$mod"
  gomod="$(go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
  {
    echo "module datastack.local/kubernetes"
    echo "go $(sed -n 's/^go //p' "$gomod")"
    echo "require k8s.io/kubernetes $k8s"
    sed -n 's|^\t\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*|replace \1 => \1 '"$staging"'|p' "$gomod" |
      grep -v -e sample-cli-plugin -e sample-controller
  } > "$mod/go.mod"
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$mod" && go build -ldflags "$ldflags" -o "$work/out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}

# etcd's server module has the same replace directives for its api/client/pkg modules.
build_etcd() {
  local mod="$work/etcd" m
  mkdir -p "$mod"
  {
    echo "module datastack.local/etcd"
    echo "go 1.24"
    echo "require go.etcd.io/etcd/server/v3 $etcd_version"
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do echo "replace go.etcd.io/etcd/$m => go.etcd.io/etcd/$m $etcd_version"; done
  } > "$mod/go.mod"
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > "$mod/main.go"
  (cd "$mod" && go build -ldflags "-s -w" -o "$work/out/etcd" .)
}

build_kwok() {
  local src
  GOBIN="$work/out" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
  # kwok starts only with stages (node ready, pod running, PV binding ...): take the module's own.
  src="$(go mod download -json "sigs.k8s.io/kwok@$kwok_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  rm -rf "$share"
  mkdir -p "$share/stages"
  local stage
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
      pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete \
      volume/fast/pvc-provision volume/fast/pv-bind volume/fast/pvc-delete volume/fast/pv-delete; do
    cp "$src/kustomize/stage/$stage.yaml" "$share/stages/"
  done
  # Its default StorageClass, provisioned by the volume stages above.
  cp "$src/kustomize/stage/volume/fast/storage-class.yaml" "$share/storage-class.yaml"
  chmod -R u+w "$share"
}

mkdir -p "$work/out"
start=$(date +%s)
build_kubernetes
echo "bootstrap: kubernetes $k8s built ($(( $(date +%s) - start ))s)"
build_etcd
echo "bootstrap: etcd $etcd_version built ($(( $(date +%s) - start ))s)"
build_kwok
echo "bootstrap: kwok $kwok_version built ($(( $(date +%s) - start ))s)"
mv -f "$work"/out/* "$bin/"
echo "$k8s $etcd_version $kwok_version" > "$bin/.versions"
