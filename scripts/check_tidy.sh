#!/usr/bin/env bash
# Runs clang-tidy-19's bug-prone checks (.clang-tidy) over the project's own .cpp files (compiler/
# without compiler/driver/, codegen/, runtime/, stdlib/; their headers too), build/compile_commands.json.
#   scripts/check_tidy.sh [-j N] [FILE_REGEX]   every finding is an error; exit 1 if any
# Needs a configured and built build/ (scripts/build.sh: generated headers). -j defaults to
# SFN_JOBS or 2. The driver (40 % of the cost) by hand: scripts/check_tidy.sh 'compiler/driver/.*\.cpp$'.
# Measured cost and the chosen checks: docs/decisions/144-guardrails.md.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${SFN_JOBS:-2}"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -j) jobs="$2"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    -*) echo "check_tidy.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
TIDY=${CLANG_TIDY:-clang-tidy-19}
RUN=${RUN_CLANG_TIDY:-run-clang-tidy-19}
for tool in "$TIDY" "$RUN"; do
  command -v "$tool" >/dev/null || { echo "check_tidy.sh: $tool not found (scripts/setup.sh installs clang-tidy-19)" >&2; exit 2; }
done
[ -f build/compile_commands.json ] || { echo "check_tidy.sh: no build/compile_commands.json (run scripts/build.sh)" >&2; exit 2; }
root=$(pwd)
files="${1:-^${root}/(compiler/(?!driver/)|codegen/|runtime/|stdlib/).*\.cpp$}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
echo "[tidy] clang-tidy over the project's .cpp files (-j${jobs})"
# libstdc++ 12 calls the deprecated get_temporary_buffer inside std::stable_sort, which clang
# reports at every use; g++ (-Werror) already reports the project's own deprecated calls.
if ! "$RUN" -p build -j "$jobs" -quiet -clang-tidy-binary "$TIDY" -extra-arg=-Wno-deprecated-declarations "$files" > "$log" 2>&1; then
  grep -E "(error|warning): |^ *[0-9]+ \| " "$log" | grep -v "warnings generated" || cat "$log"
  echo "[tidy] findings above (fix them, or '// NOLINT(check): why' when justified)"
  exit 1
fi
echo "[tidy] $(grep -c '^\[ *[0-9]*/' "$log") files, no findings, $(( $(date +%s) - start )) s"
