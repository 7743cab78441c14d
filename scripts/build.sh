#!/usr/bin/env bash
# Configures and builds everything into build/ with CMake + Ninja (-j2 by default; SFN_JOBS overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${SFN_JOBS:-2}"
echo "[build] configuring build/ (CMake + Ninja)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > build-configure.log 2>&1 || { cat build-configure.log; exit 1; }
rm -f build-configure.log
echo "[build] building with -j${jobs}"
ninja -C build -j"${jobs}"
