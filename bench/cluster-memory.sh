#!/usr/bin/env bash
# Measures the watch cache's memory at 10,000 Rollouts, 10,000 Ingresses and 20,000 Services.
# Usage: bench/cluster-memory.sh [extra node flags...]   (IDLE_MS=5000 to wait before measuring)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx tsc -p tsconfig.json --noEmit false --outDir "$out" --sourceMap false
ln -s "$(cd node_modules && pwd -P)" "$out/node_modules"
echo '{"type":"module"}' >"$out/package.json"
node --expose-gc "$@" "$out/bench/cluster-memory.js"
