#!/usr/bin/env bash
# The main job: installs the Debian packages, builds, checks every example program, prints the
# greeter's routing graph, then runs the greeter end to end in embedded mode (compiled by the
# LLVM JIT, `sfn run`'s default) and compares its egress with examples/greeter/expected.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
sfn=build/compiler/driver/sfn
for dir in examples/*/; do
  name=$(basename "$dir")
  echo "[demo] sfn check --deny-warnings ${dir}${name}.sfn"
  "$sfn" check --deny-warnings "${dir}${name}.sfn"
done
echo "[demo] sfn emit graph examples/greeter/greeter.sfn --format mermaid"
"$sfn" emit graph examples/greeter/greeter.sfn --format mermaid
state_dir=$(mktemp -d)
trap 'rm -rf "$state_dir"' EXIT
echo "[demo] sfn run examples/greeter/greeter.sfn --input examples/greeter/input.jsonl --clock virtual --workers 1"
"$sfn" run examples/greeter/greeter.sfn --input examples/greeter/input.jsonl --clock virtual --workers 1 \
  --state-dir "$state_dir" | tee "$state_dir/out.jsonl"
if diff -u examples/greeter/expected.jsonl "$state_dir/out.jsonl"; then
  echo "[demo] the greeter's egress matches examples/greeter/expected.jsonl"
else
  echo "[demo] the greeter's egress differs from examples/greeter/expected.jsonl" >&2
  exit 1
fi
