#!/usr/bin/env python3
"""Hot-reload pause under load (issue 9, docs/PERFORMANCE.md "Hot reload").

Starts `sfn run` on a counter program with network endpoints on 127.0.0.1, keeps a stream of
records flowing into its ingress (`sfn send --file -`, paced), reloads it N times with
`sfn reload` (each version changes a string constant) and reads, after each switch, the
runtime's own measure of it from `sfn status --json`: `last_reload_pause_ms`, from the moment the
new version was offered to the moment its workers run (the switch takes a last snapshot, closes
the run and recovers from that snapshot; no invocation runs in between). Prints p50/p90/p99/max.
Not a test: the numbers depend on the machine.
"""
import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PROGRAM = """package reloadbench;

message Hit {
  key: string;
}

message Count {
  key: string;
  n: int;
  note: string;
}

ingress hits(h: Hit) -> Counter(h.key);
egress counts: Count;

function Counter(key: string) {
  state n: int = 0;

  on Hit(_h) {
    n += 1;
    emit Count { key: key, n: n, note: "VERSION" } to counts;
  }
}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sfn_json(sfn, *args):
    r = subprocess.run([sfn, *args], capture_output=True, text=True, timeout=30)
    return json.loads(r.stdout) if r.returncode == 0 else None


def feed(proc, rate, stop, sent):
    """Writes `rate` records per second (in 20 ms slices) to the sender's stdin until stopped."""
    i = 0
    per_slice = max(1, rate // 50)
    next_t = time.monotonic()
    while not stop.is_set():
        lines = "".join('{"key":"k%d"}\n' % ((i + j) % 1000) for j in range(per_slice))
        i += per_slice
        try:
            proc.stdin.write(lines)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            return
        sent[0] = i
        next_t += 0.02
        time.sleep(max(0.0, next_t - time.monotonic()))


def invoked(sfn, control):
    """Invocations the run has done so far (0 when it does not answer)."""
    st = sfn_json(sfn, "status", "--json", "--endpoint", control, "--timeout", "500ms")
    return sum(w["invocations"] for w in st["workers"]) if st else 0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sfn", default=os.path.join(os.path.dirname(__file__), "../../../build/compiler/driver/sfn"))
    ap.add_argument("--reloads", type=int, default=30)
    ap.add_argument("--rate", type=int, default=2000, help="records per second while reloading (default 2000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--checkpoint-interval", default="1s")
    a = ap.parse_args()
    sfn = os.path.abspath(a.sfn)
    work = tempfile.mkdtemp(prefix="sfn_reload_bench_")
    src = os.path.join(work, "counter.sfn")
    with open(src, "w") as f:
        f.write(PROGRAM.replace("VERSION", "v0"))
    ingress, control = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
    run = subprocess.Popen([sfn, "run", src, "--state-dir", os.path.join(work, "state"), "--workers", str(a.workers),
                            "--ingress", ingress, "--control", control, "--checkpoint-interval",
                            a.checkpoint_interval, "--output", os.devnull],
                           stderr=open(os.path.join(work, "run.err"), "w"))
    sender = None
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 30
        while sfn_json(sfn, "status", "--json", "--endpoint", control, "--timeout", "500ms") is None:
            if time.monotonic() > deadline or run.poll() is not None:
                sys.exit("sfn run did not start; see " + os.path.join(work, "run.err"))
            time.sleep(0.05)
        sender = subprocess.Popen([sfn, "send", "hits", "--file", "-", "--endpoint", ingress],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  text=True)
        sent = [0]
        threading.Thread(target=feed, args=(sender, a.rate, stop, sent), daemon=True).start()
        while invoked(sfn, control) == 0:  # the stream is flowing before the first reload
            if run.poll() is not None:
                sys.exit("sfn run stopped; see " + os.path.join(work, "run.err"))
            time.sleep(0.05)
        pauses = []
        for n in range(1, a.reloads + 1):
            with open(src + ".tmp", "w") as f:
                f.write(PROGRAM.replace("VERSION", "v%d" % n))
            os.replace(src + ".tmp", src)
            r = subprocess.run([sfn, "reload", src, "--control", control], capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                sys.exit("reload %d failed: %s%s" % (n, r.stdout, r.stderr))
            st = sfn_json(sfn, "status", "--json", "--endpoint", control)
            pauses.append(st["last_reload_pause_ms"])
            if sys.stderr.isatty():
                print("\rreload %d/%d: %.1f ms" % (n, a.reloads, pauses[-1]), end="", file=sys.stderr, flush=True)
            time.sleep(random.uniform(0.2, 0.4))  # records flow between reloads
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print("%d reloads of a %d-worker run under %d records/s (%d records sent):" %
              (a.reloads, a.workers, a.rate, sent[0]))
        print("pause (offer -> new version running) ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  mean %.1f" %
              (pct(pauses, 50), pct(pauses, 90), pct(pauses, 99), max(pauses), statistics.mean(pauses)))
    finally:
        stop.set()
        if sender:
            try:
                sender.stdin.close()
            except BrokenPipeError:
                pass
            sender.wait(timeout=30)
        run.terminate()
        run.wait(timeout=30)


if __name__ == "__main__":
    main()
