#!/usr/bin/env bash
# The test command: installs the Debian packages, checks the C++ format (scripts/check_format.sh)
# and that no function is over 80 lines (scripts/long_functions.py), builds everything, runs
# clang-tidy's bug-prone checks (scripts/check_tidy.sh), runs every test (ctest),
# then the runtime's tests under AddressSanitizer+UBSan and ThreadSanitizer (scripts/sanitize.sh)
# and every fuzzer for 60 s (scripts/fuzz.sh; skipped without clang-19).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/check_format.sh
python3 scripts/long_functions.py  # no function over 80 lines (decision 144)
./scripts/build.sh
./scripts/check_tidy.sh
echo "[test] running all tests"
ctest --test-dir build -j2 --output-on-failure --timeout 600
./scripts/sanitize.sh asan
./scripts/sanitize.sh tsan
./scripts/fuzz.sh 60
