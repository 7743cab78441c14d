#!/usr/bin/env bash
# Cluster mode on one machine (docs/runtime.md "Run a cluster"): a coordinator and two worker
# processes on loopback run the greeter; its input is sent with `sfn send --file`, one worker is
# killed with SIGKILL and started again, more records are sent, and the committed egress is
# checked: every greeting once, the counts continuing. Everything it started is stopped.
#   scripts/cluster-demo.sh [--help]      (needs a build: ./scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
sfn=build/compiler/driver/sfn
[ -x "$sfn" ] || { echo "error: $sfn is missing: run ./scripts/build.sh first" >&2; exit 2; }
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
base=$((27000 + RANDOM % 2000))
listen=tcp://127.0.0.1:$base ingress=tcp://127.0.0.1:$((base + 1))
egress=tcp://127.0.0.1:$((base + 2)) control=tcp://127.0.0.1:$((base + 3))
worker() {  # worker N: its own state directory and channel endpoint
  "$sfn" worker --coordinator "$listen" --listen "tcp://127.0.0.1:$((base + 10 + $1))" --state-dir "$dir/worker-$1" \
    --heartbeat-timeout 1s 2>>"$dir/worker-$1.log" &
  pids[$1]=$!
}
echo "[cluster] coordinator at $listen, 2 workers, state in $dir"
worker 0
worker 1
"$sfn" coordinator examples/greeter/greeter.sfn --listen "$listen" --workers 2 --state-dir "$dir/coordinator" \
  --ingress "$ingress" --egress "$egress" --control "$control" --checkpoint-interval 100ms \
  --heartbeat-timeout 1s >"$dir/coordinator.out" 2>>"$dir/coordinator.log" &
pids[2]=$!
until "$sfn" status --endpoint "$control" --timeout 500ms >/dev/null 2>&1; do :; done
echo "[cluster] sfn send greets --file examples/greeter/input.jsonl"
jq -c '.value' examples/greeter/input.jsonl 2>/dev/null >"$dir/greets.jsonl" ||
  sed -E 's/.*"value":(\{[^}]*\}).*/\1/' examples/greeter/input.jsonl >"$dir/greets.jsonl"
"$sfn" send greets --file "$dir/greets.jsonl" --key-prefix first --endpoint "$ingress"
echo "[cluster] kill -9 worker 1, then start it again"
kill -9 "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
worker 1
echo "[cluster] sending the same file again (new keys): every count goes on from where it was"
until "$sfn" send greets --file "$dir/greets.jsonl" --key-prefix second --endpoint "$ingress" --timeout 2s; do :; done
want=$(( 2 * $(wc -l <"$dir/greets.jsonl") ))
for _ in $(seq 1 300); do
  # While the cluster recovers (a new generation) its endpoints are closed: ask again.
  got=$({ "$sfn" tail greetings --no-follow --control "$control" --endpoint "$egress" --timeout 2s 2>/dev/null || true; } |
    tee "$dir/out.jsonl" | wc -l)
  [ "$got" -ge "$want" ] && break
done
until "$sfn" status --endpoint "$control" 2>/dev/null; do :; done
dups=$(sort "$dir/out.jsonl" | uniq -d | wc -l)
if [ "$got" -eq "$want" ] && [ "$dups" -eq 0 ]; then
  echo "[cluster] $got greetings committed, each once: ok"
else
  echo "[cluster] expected $want distinct greetings, got $got ($dups repeated)" >&2
  cat "$dir/coordinator.log" >&2
  exit 1
fi
