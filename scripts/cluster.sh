#!/usr/bin/env bash
# A Kubernetes control plane on 127.0.0.1 without containers: etcd, kube-apiserver (TLS, Node,RBAC),
# kube-controller-manager, kube-scheduler and kwok, which plays the kubelet for two fake nodes (one
# with `nvidia.com/gpu: 1`) and provisions volumes for its default StorageClass. Pods are scheduled
# and marked Running, but no container ever runs.
#
# Usage: scripts/cluster.sh start|stop|status|env|delete
#   start   build what is missing (scripts/install/kubernetes.sh), then start; a stopped cluster
#           starts again with its data
#   stop    stop the processes, keep the data     delete  stop and remove everything
#   env     print `export KUBECONFIG=...`          status  say whether it answers
# DATASTACK_CLUSTER_DIR: where the certificates, data, logs and kubeconfig go (default .cluster).
# CLUSTER_API_PORT, CLUSTER_ETCD_PORT, CLUSTER_ETCD_PEER_PORT, CLUSTER_KWOK_PORT: fixed ports
# (default: free ports, chosen once and kept for restarts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
dir="${DATASTACK_CLUSTER_DIR:-$DATASTACK_ROOT/.cluster}"
bin="$DATASTACK_KUBE_BIN"
share="$(dirname "$bin")/kwok"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
api_port="" etcd_port="" etcd_peer_port="" kwok_port=""  # set by ports()

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
say() { echo "cluster: $*" >&2; }
kubectl() { "$bin/kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }

running() { # component
  local pid
  pid="$(cat "$dir/run/$1.pid" 2>/dev/null)" || return 1
  kill -0 "$pid" 2>/dev/null
}

ports() {
  if [ ! -f "$dir/ports.env" ]; then
    {
      echo "api_port=${CLUSTER_API_PORT:-$(free_port)}"
      echo "etcd_port=${CLUSTER_ETCD_PORT:-$(free_port)}"
      echo "etcd_peer_port=${CLUSTER_ETCD_PEER_PORT:-$(free_port)}"
      echo "kwok_port=${CLUSTER_KWOK_PORT:-$(free_port)}"
    } > "$dir/ports.env"
  fi
  # shellcheck disable=SC1091
  source "$dir/ports.env"
}

cert() { # name subject [extensions]: a key and a certificate signed by the cluster CA
  local name=$1 subject=$2 ext=${3:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" \
    -keyout "$dir/pki/$name.key" -out "$dir/pki/$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' "$ext" > "$dir/pki/$name.ext"
  openssl x509 -req -in "$dir/pki/$name.csr" -CA "$dir/pki/ca.crt" -CAkey "$dir/pki/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$dir/pki/$name.ext" -out "$dir/pki/$name.crt" 2>/dev/null
  rm -f "$dir/pki/$name.csr" "$dir/pki/$name.ext"
}

kubeconfig() { # file user: a kubeconfig for one client certificate
  local file=$1 user=$2
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: datastack
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority-data: $(base64 -w0 < "$dir/pki/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $(base64 -w0 < "$dir/pki/$user.crt")
      client-key-data: $(base64 -w0 < "$dir/pki/$user.key")
contexts:
  - name: datastack
    context: {cluster: datastack, user: $user}
current-context: datastack
EOF
  chmod 600 "$file"
}

pki() {
  [ -f "$dir/pki/admin.crt" ] && return 0
  mkdir -p "$dir/pki"
  chmod 700 "$dir/pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=datastack-cluster-ca" \
    -keyout "$dir/pki/ca.key" -out "$dir/pki/ca.crt" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=datastack-admin" "extendedKeyUsage=clientAuth"
  cert controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  cert scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
  cert kwok "/CN=kwok-controller" "extendedKeyUsage=clientAuth"
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkey -out "$dir/pki/sa.key"
  openssl pkey -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub"
}

launch() { # component args...: start in its own process group, log to logs/<component>.log
  local name=$1; shift
  running "$name" && return 0
  setsid "$bin/$name" "$@" > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/run/$name.pid"
}

wait_for() { # what seconds command...
  local what=$1 seconds=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "$what did not come up in ${seconds}s; logs in $dir/logs"
      tail -n 20 "$dir"/logs/*.log >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

api_ready() { curl -sf --cacert "$dir/pki/ca.crt" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" "https://127.0.0.1:$api_port/readyz"; }
untainted() { [ -z "$(kubectl get nodes -o jsonpath='{.items[*].spec.taints}')" ]; }
etcd_ready() { curl -sf "http://127.0.0.1:$etcd_port/health"; }

# The objects kwok and the tests rely on: kwok's permissions, the default StorageClass, two nodes.
bootstrap_objects() {
  kubectl create clusterrolebinding kwok-controller --clusterrole=cluster-admin --user=kwok-controller \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl apply -f "$share/storage-class.yaml" >/dev/null
  local node gpu label
  for node in kwok-cpu kwok-gpu; do
    gpu="" label=""
    if [ "$node" = kwok-gpu ]; then gpu='"nvidia.com/gpu": "1",' label='"nvidia.com/gpu.present": "true",'; fi
    kubectl apply -f - >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$node",
              "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
              "labels": {"kubernetes.io/hostname": "$node", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                         $label "type": "kwok"}},
 "status": {"allocatable": {$gpu "cpu": "16", "memory": "64Gi", "pods": "110"},
            "capacity": {$gpu "cpu": "16", "memory": "64Gi", "pods": "110"}}}
EOF
  done
}

start() {
  "$here/install/kubernetes.sh"
  mkdir -p "$dir/run" "$dir/logs" "$dir/etcd"
  ports
  pki
  kubeconfig "$dir/kubeconfig" admin
  kubeconfig "$dir/controller-manager.kubeconfig" controller-manager
  kubeconfig "$dir/scheduler.kubeconfig" scheduler
  kubeconfig "$dir/kwok.kubeconfig" kwok
  local started; started=$(date +%s)
  launch etcd --name datastack --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "datastack=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls "" \
    --quota-backend-bytes 1073741824 --unsafe-no-fsync
  wait_for etcd 30 etcd_ready
  launch kube-apiserver --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --allow-privileged --enable-priority-and-fairness=false --profiling=false
  wait_for kube-apiserver 60 api_ready
  launch kube-controller-manager --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --use-service-account-credentials \
    --root-ca-file "$dir/pki/ca.crt" --service-account-private-key-file "$dir/pki/sa.key" \
    --cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key" \
    --service-cluster-ip-range 10.96.0.0/16 --profiling=false
  launch kube-scheduler --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --profiling=false
  bootstrap_objects
  local configs=() stage
  for stage in "$share"/stages/*.yaml; do configs+=(--config "$stage"); done
  launch kwok --kubeconfig "$dir/kwok.kubeconfig" "${configs[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.1/24 --node-ip 10.244.0.1 --node-lease-duration-seconds 40 \
    --server-address "127.0.0.1:$kwok_port"
  wait_for "Ready nodes" 60 kubectl wait --for=condition=Ready node --all --timeout=5s
  wait_for "nodes without the not-ready taint" 60 untainted
  wait_for "the default service account" 60 kubectl get serviceaccount default -n default
  say "ready in $(( $(date +%s) - started ))s: $(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') at https://127.0.0.1:$api_port"
  echo "export KUBECONFIG=$dir/kubeconfig"
}

stop() {
  local name pid i
  for (( i=${#components[@]}-1; i>=0; i-- )); do
    name=${components[$i]}
    pid="$(cat "$dir/run/$name.pid" 2>/dev/null)" || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$dir/run/$name.pid"
  done
}

status() {
  [ -f "$dir/ports.env" ] || { say "not created ($dir)"; return 1; }
  ports
  local name rc=0
  for name in "${components[@]}"; do
    if running "$name"; then echo "$name: running"; else echo "$name: stopped"; rc=1; fi
  done
  if api_ready >/dev/null; then echo "api: https://127.0.0.1:$api_port ready"; else echo "api: not answering"; rc=1; fi
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  delete) stop; rm -rf "$dir" ;;
  status) status ;;
  env) [ -f "$dir/kubeconfig" ] || { say "no cluster in $dir: run scripts/cluster.sh start"; exit 1; }; echo "export KUBECONFIG=$dir/kubeconfig" ;;
  *) echo "usage: $0 start|stop|status|env|delete" >&2; exit 2 ;;
esac
