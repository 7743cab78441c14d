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
  libcpp-httplib-dev  # the metrics endpoint (`sfn run --metrics`)
  prometheus        # the metrics test scrapes `sfn run` with the real server (tests/e2e/metrics)
  libutf8proc-dev   # Unicode white space and case mapping of the string methods
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  chromium ripgrep  # the editor extension's end-to-end test (tests/e2e/vscode)
  libxml2-utils     # xmllint validates `sfn test --junit` output against its schema (tests/e2e/sfn_test)
  universal-ctags   # scripts/long_functions.py measures function lengths (decision 141)
  python3           # the build checks the include rules (scripts/check_includes.py, decision 143)
  ccache            # rebuilds (other checkouts, branch switches) reuse compiled objects
  heaptrack         # heap profiles of runs (docs/PERFORMANCE.md "Memory that does not grow")
  clang-19 libclang-rt-19-dev libfuzzer-19-dev  # the fuzzers (scripts/fuzz.sh, tests/fuzz)
  clang-format-19   # the code's format is checked (scripts/check_format.sh, .clang-format)
  clang-tidy-19     # the bug-prone checks (scripts/check_tidy.sh, .clang-tidy; decision 144)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js 20 and npm build the VS Code extension (vscode-ext/); the machine usually has them
# (a nodejs package that includes npm). Only when they are absent do Debian's come in.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "[setup] all packages present"
fi
