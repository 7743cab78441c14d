#!/usr/bin/env bash
# The main job: installs the Debian packages, builds, then checks every example program and
# prints the greeter's routing graph. (Running the examples needs the C++ backend, a later issue.)
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
