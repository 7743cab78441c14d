#!/usr/bin/env bash
# The extension's end-to-end test: installs code-server into its cache when missing, then runs
# run.mjs against OUT_DIR/sfn-<version>.vsix (built by scripts/build.sh) with the given sfn.
# Usage: vscode-ext/e2e/e2e.sh SFN_BINARY OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sfn="${1:?usage: e2e.sh SFN_BINARY OUT_DIR}"
out="${2:?usage: e2e.sh SFN_BINARY OUT_DIR}"
[ -x /usr/bin/chromium ] || { echo "e2e: /usr/bin/chromium is missing; run scripts/setup.sh" >&2; exit 1; }
version="$(node -p 'require(process.argv[1]).version' "$here/../package.json")"
code_server="$("$here/install-code-server.sh")"
node "$here/run.mjs" --code-server "$code_server" --vsix "$out/sfn-$version.vsix" --sfn "$sfn" --out "$out"
