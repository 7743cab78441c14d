#!/usr/bin/env bash
# Installs every Debian 12 package the SFN project needs (build, tests, benchmarks, runtime).
# Safe to re-run. Needs root or sudo.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates
  antlr4 libantlr4-runtime-dev
  llvm-19-dev
  libprotobuf-dev protobuf-compiler
  librocksdb-dev
  libzmq3-dev cppzmq-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "[setup] all packages present"
fi
