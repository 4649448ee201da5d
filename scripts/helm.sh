#!/usr/bin/env bash
# Runs a pinned helm, building it once from the Go module proxy when it is not cached yet.
#
#   scripts/helm.sh template ./charts/rollouts-traffic-webhook   # any helm arguments
#   scripts/helm.sh --ensure                                      # build if needed, print the path
#
# Why build: no npm package ships a helm binary without downloading it from outside the
# package registries at install time, and helm.sh/helm/v4 has no replace directives, so
# `go install` of its cmd/helm at a tag reproduces the release build. The binary lives in
# ~/.cache/webhook-e2e/bin next to the e2e suite's control-plane binaries; nothing is committed.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v4.3.1}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/webhook-e2e"
BIN="$CACHE/bin/helm-$HELM_VERSION"

build_helm() {
  command -v go >/dev/null || { echo "scripts/helm.sh: Go is needed to build helm $HELM_VERSION" >&2; exit 127; }
  local staging
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' RETURN
  echo "scripts/helm.sh: building helm $HELM_VERSION from the Go module proxy (a few minutes, once)" >&2
  # -p 1: the machine has 2 cores shared with other builds; the binary is built once.
  GOCACHE="$CACHE/go-build" GOMODCACHE="$CACHE/go-mod" GOFLAGS="-modcacherw -buildvcs=false" \
    GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOBIN="$staging" \
    go install -p "${HELM_BUILD_JOBS:-1}" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mkdir -p "$(dirname "$BIN")"
  mv "$staging/helm" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
}

if ! { [[ -x "$BIN" ]] && "$BIN" version --short >/dev/null 2>&1; }; then
  build_helm
fi

if [[ "${1:-}" == "--ensure" ]]; then
  echo "$BIN"
  exit 0
fi
exec "$BIN" "$@"
