#!/usr/bin/env bash
# Checks that every C++ file of the project is formatted as .clang-format says (clang-format-19).
#   scripts/check_format.sh         list the files that are not, exit 1 if any
#   scripts/check_format.sh --fix   rewrite them in place
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  -h|--help) sed -n '2,4s/^# \{0,1\}//p' "$0"; exit 0 ;;
  --fix|"") ;;
  *) echo "check_format.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
FORMAT=${CLANG_FORMAT:-clang-format-19}
command -v "$FORMAT" >/dev/null || { echo "check_format.sh: $FORMAT not found (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cc' '*.hpp')
if [ "${1:-}" = "--fix" ]; then
  "$FORMAT" -i "${files[@]}"
  exit 0
fi
bad=$("$FORMAT" --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
  echo "[format] not formatted as .clang-format says (fix: scripts/check_format.sh --fix):"
  echo "$bad" | sed 's/^/  /'
  exit 1
fi
echo "[format] ${#files[@]} C++ files formatted"
