#!/usr/bin/env bash
# Regenerates expected.json: what Go's encoding/json (the decoder the AWS Load Balancer
# Controller uses) says for each input of cases.json. Needs a Go toolchain; the test suite
# itself only reads the committed expected.json.
set -euo pipefail
cd "$(dirname "$0")"
bin="$(mktemp -d)/oracle"
go build -o "$bin" .
go version > expected.go-version
node -e '
const cases = JSON.parse(require("fs").readFileSync("cases.json", "utf8"));
process.stdout.write(cases.map((c) => JSON.stringify(c)).join("\n") + "\n");
' | "$bin" | node -e '
const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
require("fs").writeFileSync("expected.json", JSON.stringify(lines, null, 1) + "\n");
'
# Keep the committed files in the repository's formatting.
npx prettier --write cases.json expected.json > /dev/null
