#!/usr/bin/env bash
# The test command: installs the Debian packages, checks the C++ format (scripts/check_format.sh),
# builds everything, runs every test (ctest),
# then the runtime's tests under AddressSanitizer+UBSan and ThreadSanitizer (scripts/sanitize.sh)
# and every fuzzer for 60 s (scripts/fuzz.sh; skipped without clang-19).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/check_format.sh
./scripts/build.sh
echo "[test] running all tests"
ctest --test-dir build -j2 --output-on-failure --timeout 600
./scripts/sanitize.sh asan
./scripts/sanitize.sh tsan
./scripts/fuzz.sh 60
