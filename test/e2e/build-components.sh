#!/usr/bin/env bash
# Builds the real control-plane components the e2e suite runs against, from the Go
# module proxy with the machine's Go toolchain. Binaries are cached under
# ~/.cache/webhook-e2e/bin and rebuilt only when missing. Nothing built here is
# committed: this script only drives the ordinary `go` command.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
ROLLOUTS_VERSION="${ROLLOUTS_VERSION:-v1.10.2}"
# The Argo Rollouts Gateway API traffic-router plugin, and the Gateway API release its go.mod
# pins (the CRDs the e2e control plane installs come from that module's config/crd/standard).
GATEWAY_API_PLUGIN_VERSION="${GATEWAY_API_PLUGIN_VERSION:-v0.15.0}"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.4.0}"
GATEWAY_API_PLUGIN_MODULE=github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
# A plugin binary the user built (for instance from a checkout of the tag, while the module proxy
# refuses the module): used instead of `go install`, after checking its build info (docs/e2e.md).
E2E_GATEWAY_API_PLUGIN="${E2E_GATEWAY_API_PLUGIN:-}"
# argo-rollouts v1.10.2 declares `go 1.26.10`, newer than the machine's Go 1.26.8. The go
# command fetches this approved toolchain from the module proxy (as the module
# golang.org/toolchain) for the Rollouts scratch module only; everything else stays local.
ROLLOUTS_GOTOOLCHAIN="${ROLLOUTS_GOTOOLCHAIN:-go1.27.3}"
# The GitOps harness is our own module (test/e2e/gitops-harness, versions pinned in its go.mod
# and go.sum); gitops-engine v3.6.1 and fluxcd/pkg/ssa v0.83.0 declare go 1.27.0.
GITOPS_HARNESS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/gitops-harness"
GITOPS_HARNESS_GOTOOLCHAIN="${GITOPS_HARNESS_GOTOOLCHAIN:-go1.27.3}"
# The policy report CRDs the background audit writes to. wgpolicyk8s.io/v1alpha2 PolicyReport
# ships in the Kyverno module (config/crds/policyreport); its successor openreports.io/v1alpha1
# Report in openreports/reports-api (config/crd). Downloaded from the module proxy, not built.
KYVERNO_VERSION="${KYVERNO_VERSION:-v1.19.1}"
OPENREPORTS_VERSION="${OPENREPORTS_VERSION:-v0.2.1}"

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/webhook-e2e"
BIN="$CACHE/bin"
SRC="$CACHE/src"
export GOCACHE="$CACHE/go-build" GOMODCACHE="$CACHE/go-mod"
export GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
mkdir -p "$BIN" "$SRC"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Runs "$@" and logs how long it took, so cold and warm timings are visible in CI output.
timed() {
  local start=$SECONDS
  "$@"
  log "$1 took $((SECONDS - start))s"
}

# True when binary $1 exists and `$1 $2` prints $3, so a binary stamped with another
# version (or none) is rebuilt rather than trusted.
is_cached() {
  local printed
  [[ -x "$1" ]] && printed="$("$1" "$2" 2>/dev/null)" && [[ "$printed" == *"$3"* ]]
}

# Replaces every `k8s.io/NAME => ./staging/...` directive of a cached go.mod with the
# published tag, because v0.0.0 staging requirements cannot be resolved from the proxy.
replace_staging_modules() {
  local gomod="$1" tag="$2"
  grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" | awk '{print $1}' | sort -u |
    while read -r mod; do go mod edit -replace="$mod=$mod@$tag"; done
}

# Copies every replace directive of an upstream module's go.mod into the scratch module.
copy_replaces() {
  local gomod="$1"
  go mod edit -json "$gomod" |
    node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));for(const r of m.Replace||[]){if(r.New.Path.startsWith("."))continue;console.log(`${r.Old.Path}${r.Old.Version?"@"+r.Old.Version:""}=${r.New.Path}${r.New.Version?"@"+r.New.Version:""}`)}' |
    while read -r spec; do go mod edit -replace="$spec"; done
}

build_kube_apiserver() {
  local out="$BIN/kube-apiserver-$K8S_VERSION"
  if is_cached "$out" --version "Kubernetes $K8S_VERSION"; then log "kube-apiserver $K8S_VERSION cached"; return; fi
  local dir="$SRC/k8s-$K8S_VERSION" minor patch
  minor="$(cut -d. -f2 <<<"$K8S_VERSION")"; patch="$(cut -d. -f3 <<<"$K8S_VERSION")"
  mkdir -p "$dir" && cd "$dir"
  if [[ ! -f go.sum ]]; then
    [[ -f go.mod ]] || go mod init e2e.local/k8sbin
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).GoMod)')"
    replace_staging_modules "$gomod" "v0.$minor.$patch"
    go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION"
  fi
  go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor \
    -X k8s.io/component-base/version.gitTreeState=clean" -o "$out.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$out.tmp" "$out"
}

build_etcd() {
  local out="$BIN/etcd-$ETCD_VERSION"
  if is_cached "$out" --version "etcd Version: ${ETCD_VERSION#v}"; then log "etcd $ETCD_VERSION cached"; return; fi
  local dir="$SRC/etcd-$ETCD_VERSION"
  mkdir -p "$dir" && cd "$dir"
  if [[ ! -f go.sum ]]; then
    [[ -f go.mod ]] || go mod init e2e.local/etcdbin
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  fi
  go build -trimpath -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3
  mv "$out.tmp" "$out"
}

build_rollouts_controller() {
  local out="$BIN/rollouts-controller-$ROLLOUTS_VERSION"
  local -x GOTOOLCHAIN="$ROLLOUTS_GOTOOLCHAIN"
  # The controller has a --version flag, no version subcommand (an argument would start it).
  if is_cached "$out" --version "$ROLLOUTS_VERSION"; then log "rollouts-controller $ROLLOUTS_VERSION cached"; return; fi
  local dir="$SRC/rollouts-$ROLLOUTS_VERSION"
  mkdir -p "$dir" && cd "$dir"
  if [[ ! -f go.sum ]]; then
    [[ -f go.mod ]] || go mod init e2e.local/rolloutsbin
    local gomod
    gomod="$(go mod download -json "github.com/argoproj/argo-rollouts@$ROLLOUTS_VERSION" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).GoMod)')"
    copy_replaces "$gomod"
    go get -tool "github.com/argoproj/argo-rollouts/cmd/rollouts-controller@$ROLLOUTS_VERSION"
  fi
  # Without this stamp it reports v99.99.99+unknown; the commit is not known from the module zip.
  go build -trimpath -ldflags "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${ROLLOUTS_VERSION#v}" \
    -o "$out.tmp" github.com/argoproj/argo-rollouts/cmd/rollouts-controller
  mv "$out.tmp" "$out"
}

# The harness binary is named after a digest of its sources (go.mod, go.sum, *.go), so any
# change to them, a version pin included, builds a new one.
gitops_harness_binary() {
  local digest
  digest="$(cd "$GITOPS_HARNESS_DIR" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)"
  printf '%s/gitops-harness-%s' "$BIN" "$digest"
}

build_gitops_harness() {
  local out
  out="$(gitops_harness_binary)"
  local -x GOTOOLCHAIN="$GITOPS_HARNESS_GOTOOLCHAIN"
  if [[ -x "$out" ]] && "$out" versions >/dev/null 2>&1; then log "gitops-harness cached"; return; fi
  # -mod=readonly (the default): the committed go.sum must already cover every module.
  (cd "$GITOPS_HARNESS_DIR" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
}

# The plugin has no version flag (run without the controller's handshake it only prints a
# warning), so the module version recorded in the binary's build info is what is checked.
plugin_is_cached() {
  [[ -x "$1" ]] && go version -m "$1" 2>/dev/null |
    grep -qE "^[[:space:]]+mod[[:space:]]+$GATEWAY_API_PLUGIN_MODULE[[:space:]]+$GATEWAY_API_PLUGIN_VERSION([[:space:]]|\$)"
}

# The plugin binary the suite runs: the user's (E2E_GATEWAY_API_PLUGIN) or the cached build.
gatewayapi_plugin_binary() {
  if [[ -n "$E2E_GATEWAY_API_PLUGIN" ]]; then printf '%s\n' "$E2E_GATEWAY_API_PLUGIN"
  else printf '%s\n' "$BIN/gatewayapi-plugin-$GATEWAY_API_PLUGIN_VERSION"; fi
}

# A user-built binary is never rebuilt, only checked: it must be the plugin module at the pinned
# version. `go build` in a clean checkout of the tag stamps that version (Go 1.24+ reads it from
# the VCS tag); a build from inside a modified tree says `+dirty` and is refused here.
check_user_gatewayapi_plugin() {
  local bin="$E2E_GATEWAY_API_PLUGIN"
  if [[ ! -x "$bin" ]]; then log "E2E_GATEWAY_API_PLUGIN=$bin is not an executable file"; return 1; fi
  if ! plugin_is_cached "$bin"; then
    log "E2E_GATEWAY_API_PLUGIN=$bin is not $GATEWAY_API_PLUGIN_MODULE $GATEWAY_API_PLUGIN_VERSION;" \
      "its build info says: $(go version -m "$bin" 2>/dev/null | awk '$1 == "mod" {print $2, $3}' | grep . || echo 'no module line')." \
      "Build it from a clean checkout of the tag (docs/e2e.md), or set GATEWAY_API_PLUGIN_VERSION to the version it reports."
    return 1
  fi
  log "gatewayapi-plugin $GATEWAY_API_PLUGIN_VERSION from E2E_GATEWAY_API_PLUGIN=$bin"
}

# `go install module@version` builds the plugin with exactly the dependency versions of its
# own go.mod and go.sum (it has no replace directives), as its release builds do.
build_gatewayapi_plugin() {
  if [[ -n "$E2E_GATEWAY_API_PLUGIN" ]]; then check_user_gatewayapi_plugin; return; fi
  local out="$BIN/gatewayapi-plugin-$GATEWAY_API_PLUGIN_VERSION"
  if plugin_is_cached "$out"; then log "gatewayapi-plugin $GATEWAY_API_PLUGIN_VERSION cached"; return; fi
  local gobin="$SRC/gatewayapi-plugin-$GATEWAY_API_PLUGIN_VERSION-bin"
  rm -rf "$gobin" && mkdir -p "$gobin"
  (cd "$SRC" && GOBIN="$gobin" go install -trimpath -ldflags "-s -w" "$GATEWAY_API_PLUGIN_MODULE@$GATEWAY_API_PLUGIN_VERSION")
  mv "$gobin/$(basename "$GATEWAY_API_PLUGIN_MODULE")" "$out"
  rm -rf "$gobin"
}


# Prints "<component> <binary path>" per line, so the TypeScript harness never repeats the versions.
binary_paths() {
  printf 'etcd %s\n' "$BIN/etcd-$ETCD_VERSION"
  printf 'kube-apiserver %s\n' "$BIN/kube-apiserver-$K8S_VERSION"
  printf 'rollouts-controller %s\n' "$BIN/rollouts-controller-$ROLLOUTS_VERSION"
  printf 'gitops-harness %s\n' "$(gitops_harness_binary)"
  printf 'gatewayapi-plugin %s\n' "$(gatewayapi_plugin_binary)"
}

# Prints the directory of the Argo Rollouts module, where the CRD manifests live.
rollouts_module_dir() {
  (export GOTOOLCHAIN="$ROLLOUTS_GOTOOLCHAIN"; cd "$SRC/rollouts-$ROLLOUTS_VERSION" && go list -m -f '{{.Dir}}' github.com/argoproj/argo-rollouts)
}

# Prints the directory of module $1 at version $2 in the module cache, downloading it if missing.
module_dir() {
  (cd "$SRC" && go mod download -json "$1@$2") | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).Dir)'
}

# Prints the Gateway API module's standard-channel CRD directory (one CRD a file).
gateway_api_crd_dir() {
  printf '%s/config/crd/standard\n' "$(module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")"
}

# Prints the policy report CRD files, one a line.
report_crd_files() {
  local kyverno openreports
  kyverno="$(module_dir github.com/kyverno/kyverno "$KYVERNO_VERSION")"
  openreports="$(module_dir github.com/openreports/reports-api "$OPENREPORTS_VERSION")"
  printf '%s\n' "$kyverno/config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml" \
    "$openreports/config/crd/openreports.io_reports.yaml"
}

main() {
  if ! command -v go >/dev/null; then log "no Go toolchain"; exit 3; fi
  local what="${1:-all}"
  case "$what" in
    all)
      timed build_etcd; timed build_kube_apiserver; timed build_rollouts_controller
      # E2E_GITOPS=0 skips the GitOps harness (and its scenario); its cold build is the
      # longest step after kube-apiserver's (docs/e2e.md).
      if [[ "${E2E_GITOPS:-}" != 0 ]]; then timed build_gitops_harness; fi
      # Opt-in while the Go module proxy refuses the plugin module (docs/e2e.md); the CRDs are
      # always installed and are read from the module cache, so that module is downloaded here.
      if [[ "${E2E_GATEWAY_API:-}" == 1 ]]; then timed build_gatewayapi_plugin; fi
      gateway_api_crd_dir >/dev/null
      ;;
    etcd) timed build_etcd ;;
    kube-apiserver) timed build_kube_apiserver ;;
    rollouts-controller) timed build_rollouts_controller ;;
    gitops-harness) timed build_gitops_harness ;;
    gatewayapi-plugin) timed build_gatewayapi_plugin ;;
    rollouts-dir) rollouts_module_dir ;;
    gateway-api-crds) gateway_api_crd_dir ;;
    report-crds) report_crd_files ;;
    paths) binary_paths ;;
    *) log "unknown component $what"; exit 2 ;;
  esac
}
main "$@"
