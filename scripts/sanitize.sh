#!/usr/bin/env bash
# Builds the unit tests with sanitizers and runs them; any report fails the run: the runtime's
# under both, the compiler's phases under AddressSanitizer + UBSan (tests/CMakeLists.txt).
#   scripts/sanitize.sh asan [ctest args]   AddressSanitizer + UndefinedBehaviorSanitizer, build-asan/
#   scripts/sanitize.sh tsan [ctest args]   ThreadSanitizer, build-tsan/
# e.g. `scripts/sanitize.sh tsan -R Channel` runs only the matching tests. Decision 110.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-}"
case "$kind" in
  asan) sanitize=address,undefined ;;
  tsan) sanitize=thread ;;
  *) echo "usage: $0 asan|tsan [ctest arguments]" >&2; exit 2 ;;
esac
shift
dir="build-$kind"
jobs="${SFN_JOBS:-2}"
supp="$PWD/tests/sanitizers"
echo "[sanitize] configuring $dir/ (SFN_SANITIZE=$sanitize)"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSFN_SANITIZE="$sanitize" \
  -DSFN_BUILD_BENCH=OFF > "$dir-configure.log" 2>&1 || { cat "$dir-configure.log"; exit 1; }
rm -f "$dir-configure.log"
targets=sfn_runtime_tests
[ "$kind" = asan ] && targets="sfn_runtime_tests sfn_compiler_tests"  # tests/CMakeLists.txt
echo "[sanitize] building $targets with -j${jobs}"
ninja -C "$dir" -j"$jobs" $targets
# Every report ends the process with a non-zero status; suppressions name third-party code only.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$supp/tsan.supp:print_suppressions=0"
echo "[sanitize] running the tests under $kind"
ctest --test-dir "$dir" -j2 --output-on-failure --timeout 600 "$@"
