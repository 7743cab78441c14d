#!/usr/bin/env bash
# Installs the extension's npm packages (npm ci, skipped when package-lock.json is unchanged
# since the last install), runs its tests (type check, TextMate grammar fixtures, bundling,
# the graph layout) and packages it into OUT_DIR/sfn-<version>.vsix.
# Usage: vscode-ext/scripts/build.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$out"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
stamp=node_modules/.sfn-package-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[vscode-ext] npm ci"
  npm ci
  echo "$want" > "$stamp"
fi
echo "[vscode-ext] npm test"
npm test
version="$(node -p 'require("./package.json").version')"
echo "[vscode-ext] packaging sfn-$version.vsix"
npm run package -- --out "$out/sfn-$version.vsix"
