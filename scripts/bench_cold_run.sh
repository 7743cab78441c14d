#!/usr/bin/env bash
# Cold `sfn run` to the first egress line, LLVM JIT vs C++ backend on an empty module cache,
# alternating A/B/A/B in one run (docs/PERFORMANCE.md). Usage: scripts/bench_cold_run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
sfn="$PWD/build/compiler/driver/sfn"
rounds="${1:-2}"
first_line_ms() {  # backend example
  local dir="examples/$2" cache state start end
  cache=$(mktemp -d) state=$(mktemp -d)
  start=$(date +%s%N)
  (cd "$dir" && SFN_CACHE_DIR="$cache" "$sfn" run "$2.sfn" --backend "$1" --input input.jsonl --clock virtual \
     --workers 1 --state-dir "$state" | head -n 1 > /dev/null)
  end=$(date +%s%N)
  rm -rf "$cache" "$state"
  echo $(( (end - start) / 1000000 ))
}
for example in greeter bank ride-sharing; do
  for ((r = 1; r <= rounds; r++)); do
    for backend in llvm cpp; do
      printf '%-13s %-5s round %d: %6d ms\n' "$example" "$backend" "$r" "$(first_line_ms "$backend" "$example")"
    done
  done
done
