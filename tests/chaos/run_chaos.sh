#!/usr/bin/env bash
# Runs the chaos test (tests/e2e/chaos) by hand for many kill/restart cycles:
#   tests/chaos/run_chaos.sh [CYCLES] [SEED]     (defaults: 100 cycles, seed from the clock)
# Needs a build (./scripts/build.sh). Prints the seed; a failure names it for a rerun.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
cycles="${1:-100}"
seed="${2:-$(date +%s)}"
bin=build/tests/e2e/chaos/chaos_test
[ -x "$bin" ] || { echo "error: $bin is missing: run ./scripts/build.sh first" >&2; exit 2; }
echo "[chaos] ${cycles} SIGKILL/restart cycles, seed ${seed}"
SFN_CHAOS_CYCLES="$cycles" SFN_CHAOS_SEED="$seed" SFN_CACHE_DIR="${SFN_CACHE_DIR:-build/tests/e2e/chaos/module_cache}" \
  "$bin" --gtest_color=no
