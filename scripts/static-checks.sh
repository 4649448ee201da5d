#!/usr/bin/env bash
# Typecheck, lint, format check and the reasons of the mutation directives, run side by side (each is single-threaded), with each
# tool's output printed in one piece and a non-zero exit if any of them failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

declare -A checks=(
  [typecheck]="tsc -p tsconfig.json --noEmit"
  [eslint]="eslint ."
  [prettier]="prettier --check ."
  [equivalents]="node scripts/mutation-equivalents.mjs --check"
)
declare -A pids=()
for name in "${!checks[@]}"; do
  npx --no-install ${checks[$name]} >"$out/$name.log" 2>&1 &
  pids[$name]=$!
done

failed=0
for name in typecheck eslint prettier equivalents; do
  if wait "${pids[$name]}"; then
    echo "✓ $name"
  else
    echo "✗ $name: ${checks[$name]}"
    cat "$out/$name.log"
    failed=1
  fi
done
exit "$failed"
