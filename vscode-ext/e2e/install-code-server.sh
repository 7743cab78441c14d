#!/usr/bin/env bash
# Installs code-server (which bundles VS Code) from the npm registry into a cache outside the
# repository, keyed by version, and prints its folder. Nothing else is downloaded: the package
# is installed with --ignore-scripts and its post-install steps are done here — VS Code's
# native modules are built against the system's Node.js headers, and ripgrep (whose own
# post-install would download a binary) is Debian's.
# Usage: install-code-server.sh [CACHE_DIR]   (default: $XDG_CACHE_HOME/sfn-editor-e2e or ~/.cache/...)
set -euo pipefail
VERSION=4.100.3  # the last code-server for Node.js 20; bundles VS Code 1.100.3
cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sfn-editor-e2e}"
dest="$cache/code-server-$VERSION"
root="$dest/node_modules/code-server"
if [ -f "$dest/.complete" ]; then
  echo "$root"
  exit 0
fi
command -v rg >/dev/null || { echo "install-code-server: ripgrep (rg) is missing; run scripts/setup.sh" >&2; exit 1; }
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp"
export npm_config_nodedir=/usr npm_config_yes=true npm_config_fund=false npm_config_audit=false
# node-pre-gyp would try to download prebuilt binaries first: build them from source.
export npm_config_build_from_source=true

# Rebuilds (runs the install scripts of) every package with a binding.gyp under DIR/node_modules,
# except Windows-only ones and ripgrep (whose install script downloads a binary).
rebuild_native() {
  local dir="$1" native=() gyp pkg scope
  for gyp in "$dir"/node_modules/{,@*/}*/binding.gyp; do
    [ -f "$gyp" ] || continue
    pkg="$(basename "$(dirname "$gyp")")"
    scope="$(basename "$(dirname "$(dirname "$gyp")")")"
    case "$scope" in @*) pkg="$scope/$pkg" ;; esac
    case "$pkg" in @vscode/windows-*|@vscode/ripgrep) continue ;; esac
    native+=("$pkg")
  done
  if [ ${#native[@]} -gt 0 ]; then (cd "$dir" && npm rebuild --foreground-scripts "${native[@]}"); fi
}
{
  echo "[code-server] npm install code-server@$VERSION --ignore-scripts"
  (cd "$dest.tmp" && npm install --ignore-scripts --no-save --prefix . "code-server@$VERSION")
  cs="$dest.tmp/node_modules/code-server"
  echo "[code-server] native modules of code-server (node-gyp, against /usr/include/node)"
  rebuild_native "$dest.tmp"
  echo "[code-server] VS Code's dependencies and their native modules"
  (cd "$cs/lib/vscode" && npm install --omit=dev --ignore-scripts)
  rebuild_native "$cs/lib/vscode"
  mkdir -p "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin"
  cp "$(command -v rg)" "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
  echo "[code-server] links and the built-in extensions' dependencies"
  (cd "$cs/lib/vscode" && rm -rf node_modules.asar && ln -s node_modules node_modules.asar)
  (cd "$cs/lib/vscode/bin/remote-cli" && rm -f code-server && ln -s code-linux.sh code-server)
  (cd "$cs/lib/vscode/bin/helpers" && rm -f browser.sh && ln -s browser-linux.sh browser.sh)
  (cd "$cs/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts)
} >&2
mv "$dest.tmp" "$dest"
touch "$dest/.complete"
echo "$root"
