#!/usr/bin/env bash
# Builds the test environment's binaries from Go modules (no Docker, no downloaded binaries):
# kube-apiserver and kubectl from k8s.io/kubernetes, etcd, vcsim and helm.
# Each binary is cached per version under $FAILBACK_CACHE/bin and built only when missing.
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
GOVMOMI_VERSION="${GOVMOMI_VERSION:-v0.46.3}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"

CACHE="${FAILBACK_CACHE:-$HOME/.cache/failback-operator}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"
export CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local

log() { printf '[build-tools] %s\n' "$*" >&2; }
have() { [ -x "$BIN/$1-$2" ]; }

build_kubernetes() {
  local v="$KUBERNETES_VERSION"
  if have kube-apiserver "$v" && have kubectl "$v"; then return; fi
  log "building kube-apiserver and kubectl $v (a cold build takes a while)"
  local dir="$WORK/kubernetes-$v"
  mkdir -p "$dir"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  # Staging modules are replaced by relative paths in k8s.io/kubernetes; a consumer must
  # replace each with its published v0.x twin.
  local staging_version="v0.${v#v1.}"
  {
    echo "module failback.io/testenv/kubernetes"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" \
      | awk -v sv="$staging_version" '{print "replace " $1 " => " $1 " " sv}'
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  local minor="${v#v1.}"; minor="${minor%%.*}"
  local ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (
    cd "$dir"
    go mod download k8s.io/kubernetes
    go build -trimpath -ldflags "$ldflags" -o "$dir/out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  )
  mv "$dir/out/kube-apiserver" "$BIN/kube-apiserver-$v"
  mv "$dir/out/kubectl" "$BIN/kubectl-$v"
}

build_etcd() {
  local v="$ETCD_VERSION"
  if have etcd "$v"; then return; fi
  log "building etcd $v"
  local dir="$WORK/etcd-$v"
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<MOD
module failback.io/testenv/etcd

go 1.24.0

require go.etcd.io/etcd/server/v3 $v
MOD
  cat >"$dir/main.go" <<'GO'
// Command etcd runs etcd's own entry point from the server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$BIN/etcd-$v.tmp" .)
  mv "$BIN/etcd-$v.tmp" "$BIN/etcd-$v"
}

build_go_install() {  # name module version
  local name="$1" module="$2" v="$3"
  if have "$name" "$v"; then return; fi
  log "building $name $v"
  local gobin="$WORK/gobin-$name-$v"
  GOFLAGS="-buildvcs=false" GOBIN="$gobin" go install -trimpath -ldflags "-s -w" "$module@$v"
  mv "$gobin/$name" "$BIN/$name-$v"
}

targets=("${@:-kubernetes etcd vcsim helm}")
for t in ${targets[*]}; do
  case "$t" in
    kubernetes) build_kubernetes ;;
    etcd) build_etcd ;;
    vcsim) build_go_install vcsim github.com/vmware/govmomi/vcsim "$GOVMOMI_VERSION" ;;
    helm) build_go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" ;;
    *) log "unknown target $t"; exit 2 ;;
  esac
done
# Stable names for the current versions, for people and scripts.
for pair in "kube-apiserver $KUBERNETES_VERSION" "kubectl $KUBERNETES_VERSION" "etcd $ETCD_VERSION" \
            "vcsim $GOVMOMI_VERSION" "helm $HELM_VERSION"; do
  set -- $pair
  [ -x "$BIN/$1-$2" ] && ln -sf "$1-$2" "$BIN/$1"
done
log "tools ready in $BIN"
