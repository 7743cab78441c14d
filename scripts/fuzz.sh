#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-19 into build-fuzz/ and runs each for
# SECONDS (default 60; CI uses 60, run longer by hand) on its corpus: build-fuzz/corpus/<target>
# (what fuzzing found interesting so far, kept between runs) plus the committed seeds and
# regressions in tests/fuzz/corpus/<target> (and the repository's programs for check_fuzzer).
#   scripts/fuzz.sh [SECONDS [TARGET...]]     e.g. scripts/fuzz.sh 3600 check_fuzzer
# A finding is written to build-fuzz/findings/<target>/ and fails the run: fix it, then copy
# the input into tests/fuzz/corpus/<target>/ so every build replays it (decision 110).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(check_fuzzer proto_codec_fuzzer json_codec_fuzzer protocol_fuzzer record_log_fuzzer fmt_fuzzer)
fi
if ! command -v clang++-19 >/dev/null 2>&1; then
  echo "[fuzz] clang++-19 is not installed (scripts/setup.sh installs it): fuzzers skipped"
  exit 0
fi
jobs="${SFN_JOBS:-2}"
echo "[fuzz] configuring build-fuzz/ (clang-19, SFN_FUZZ)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-19 \
  -DCMAKE_CXX_COMPILER=clang++-19 -DSFN_FUZZ=ON -DSFN_BUILD_BENCH=OFF > build-fuzz-configure.log 2>&1 ||
  { cat build-fuzz-configure.log; exit 1; }
rm -f build-fuzz-configure.log
echo "[fuzz] building the fuzz targets with -j${jobs}"
ninja -C build-fuzz -j"$jobs" sfn_fuzzers
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Runs one target; its verdict goes to build-fuzz/<target>.verdict.
fuzz_one() {
  local t="$1" work="build-fuzz/corpus/$1" findings="build-fuzz/findings/$1"
  mkdir -p "$work" "$findings"
  local seeds=("tests/fuzz/corpus/$t")
  [ "$t" = check_fuzzer ] && seeds+=(examples tests/compiler)
  if build-fuzz/tests/fuzz/"$t" "$work" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -dict=tests/fuzz/sfn.dict -artifact_prefix="$findings/" -print_final_stats=1 \
       > "build-fuzz/$t.log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$t.log")
    echo "[fuzz] $t: ${runs:-?} runs, $(( ${runs:-0} / seconds )) execs/s, no findings" > "build-fuzz/$t.verdict"
  else
    { tail -n 40 "build-fuzz/$t.log"; echo "[fuzz] $t: FINDING in $findings/ (log: build-fuzz/$t.log)"; } \
      > "build-fuzz/$t.verdict"
  fi
}
# Two at a time (SFN_JOBS), each for SECONDS.
echo "[fuzz] ${targets[*]}: ${seconds}s each, ${jobs} at a time"
running=0
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
failed=()
for t in "${targets[@]}"; do
  cat "build-fuzz/$t.verdict"
  grep -q FINDING "build-fuzz/$t.verdict" && failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "[fuzz] findings: ${failed[*]}"
  exit 1
fi
