# shellcheck shell=bash
# Source this file to get the tool paths the Makefile, the lab and the tests use.
# Everything downloaded lives under DATASTACK_CACHE so a second run on the same machine is fast.
DATASTACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DATASTACK_ROOT
export DATASTACK_CACHE="${DATASTACK_CACHE:-$HOME/.cache/datastack}"
export DATASTACK_VENV="${DATASTACK_VENV:-$DATASTACK_ROOT/.venv}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/npm}"
export GOPATH="${GOPATH:-$DATASTACK_CACHE/go}"
export GOMODCACHE="${GOMODCACHE:-$DATASTACK_CACHE/go/pkg/mod}"
export HELM_PLUGINS="${HELM_PLUGINS:-$DATASTACK_CACHE/helm/plugins}"
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$DATASTACK_CACHE/helm/cache}"
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$DATASTACK_CACHE/helm/config}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$DATASTACK_CACHE/helm/data}"
export DATASTACK_HELM_BIN="${DATASTACK_HELM_BIN:-$DATASTACK_CACHE/helm/bin}"
# Ansible's module payloads are zips Python compiles on every run: the virtualenv keeps the bytecode here
# (scripts/python/datastack_zipimport_cache.py). An empty value turns it off.
export DATASTACK_ZIPIMPORT_CACHE="${DATASTACK_ZIPIMPORT_CACHE-$DATASTACK_CACHE/zipimport}"
export PATH="$DATASTACK_VENV/bin:$DATASTACK_CACHE/node/node_modules/.bin:$DATASTACK_CACHE/bin:$GOPATH/bin:$PATH"
# The collection is used from a collections path that points at this checkout (one path per checkout,
# so two clones on one machine never resolve datastack.jupyterhub to each other).
_datastack_collections="$DATASTACK_CACHE/collections/$(printf '%s' "$DATASTACK_ROOT" | sha256sum | cut -c1-12)"
mkdir -p "$_datastack_collections/ansible_collections/datastack"
ln -sfn "$DATASTACK_ROOT" "$_datastack_collections/ansible_collections/datastack/jupyterhub"
export ANSIBLE_COLLECTIONS_PATH="$_datastack_collections:${ANSIBLE_COLLECTIONS_PATH:-}"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH%:}"
# JDK 21+ for Keycloak: the newest Temurin or OpenJDK under /usr/lib/jvm that is at least 21.
if [ -z "${DATASTACK_JAVA_HOME:-}" ]; then
  for jdk in $(printf '%s\n' /usr/lib/jvm/*/ | sort -V -r); do
    if [ -x "$jdk/bin/java" ]; then
      major=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
      if [ "${major%%.*}" -ge 21 ] 2>/dev/null; then DATASTACK_JAVA_HOME="${jdk%/}"; break; fi
    fi
  done
fi
export DATASTACK_JAVA_HOME="${DATASTACK_JAVA_HOME:-}"
# The control plane of scripts/cluster.sh (built by scripts/install/kubernetes.sh) and Go's build cache.
export KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
export ETCD_VERSION="${ETCD_VERSION:-v3.6.4}"
export KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
export DATASTACK_KUBE_BIN="${DATASTACK_KUBE_BIN:-$DATASTACK_CACHE/kubernetes/$KUBERNETES_VERSION-etcd$ETCD_VERSION-kwok$KWOK_VERSION/bin}"
export GOCACHE="${GOCACHE:-$DATASTACK_CACHE/go/build}"
# The OCI registry (CNCF Distribution) the chart tests push to, built by scripts/install/registry.sh and
# not on PATH. Not REGISTRY_*: the registry reads those variables as its configuration.
export DISTRIBUTION_VERSION="${DISTRIBUTION_VERSION:-v3.1.2}"
export DATASTACK_REGISTRY_BIN="${DATASTACK_REGISTRY_BIN:-$DATASTACK_CACHE/registry/$DISTRIBUTION_VERSION/bin}"
export PATH="$DATASTACK_HELM_BIN:$DATASTACK_KUBE_BIN:$PATH"
