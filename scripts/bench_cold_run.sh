#!/usr/bin/env bash
# Cold `sfn run` to the first egress line, LLVM JIT vs C++ backend on an empty module cache,
# alternating A/B/A/B in one run (docs/PERFORMANCE.md). The time is taken when the first line
# arrives on the pipe (the run may still be closing). Usage: scripts/bench_cold_run.sh [ROUNDS]
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
cd "$(dirname "$0")/.."
sfn="$PWD/build/compiler/driver/sfn"
rounds="${1:-2}"
first_line_ms() {  # backend example
  local dir="examples/$2" cache state start stamp
  cache=$(mktemp -d) state=$(mktemp -d) stamp=$(mktemp)
  start=$(date +%s%N)
  (cd "$dir" && SFN_CACHE_DIR="$cache" "$sfn" run "$2.sfn" --backend "$1" --input input.jsonl --clock virtual \
     --workers 1 --state-dir "$state" | { IFS= read -r _; date +%s%N > "$stamp"; cat > /dev/null; })
  echo $(( ($(cat "$stamp") - start) / 1000000 ))
  rm -rf "$cache" "$state" "$stamp"
}
for example in greeter bank ride-sharing; do
  for ((r = 1; r <= rounds; r++)); do
    for backend in llvm cpp; do
      printf '%-13s %-5s round %d: %6d ms\n' "$example" "$backend" "$r" "$(first_line_ms "$backend" "$example")"
    done
  done
done
