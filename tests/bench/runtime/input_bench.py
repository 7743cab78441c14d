#!/usr/bin/env python3
"""`sfn run --input` on the greeter: records/s on the real and the virtual clock, 1 and 2 workers.

Generates RECORDS greeter lines over NAMES names (no `at`: every record is due at once), runs
`sfn run examples/greeter/greeter.sfn --input FILE --output /dev/null --state-dir DIR` for each
binary, worker count and clock (a fresh state directory each time), and prints the wall time,
records/s, the CPU time (user + system) and the virtual/real ratio of the wall times. On a
machine whose cores are shared the CPU time is the steadier measure. With several binaries (A/B in one run) the runs alternate
in ABBA order within each repetition so that machine load affects them alike; each cell is the
median of the repetitions.

  tests/bench/runtime/input_bench.py --sfn build/compiler/driver/sfn [--sfn OTHER] \
      [--records 200000] [--names 50000] [--workers 1,2] [--reps 3]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def write_input(path, records, names):
    with open(path, "w") as f:
        for i in range(records):
            f.write('{"ingress":"greets","value":{"name":"n%d"}}\n' % (i % names))


def run_once(sfn, program, input_path, workers, clock, scratch):
    state = tempfile.mkdtemp(dir=scratch)
    cmd = [sfn, "run", program, "--input", input_path, "--output", os.devnull, "--workers", str(workers),
           "--clock", clock, "--state-dir", state]
    u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - t0
    u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
    shutil.rmtree(state, ignore_errors=True)
    if r.returncode != 0:
        sys.exit("input_bench: %s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))
    return elapsed, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sfn", action="append", help="an sfn binary (repeat for A/B)")
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--names", type=int, default=50000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--clocks", default="real,virtual")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--program", default=os.path.join(ROOT, "examples", "greeter", "greeter.sfn"))
    args = ap.parse_args()
    binaries = args.sfn or [os.path.join(ROOT, "build", "compiler", "driver", "sfn")]
    workers = [int(w) for w in args.workers.split(",")]
    clocks = args.clocks.split(",")
    scratch = tempfile.mkdtemp(prefix="sfn_input_bench_")
    try:
        input_path = os.path.join(scratch, "greets.jsonl")
        write_input(input_path, args.records, args.names)
        for b in binaries:  # compile once per binary (the compiled module is cached), not timed
            run_once(b, args.program, input_path, 1, "real", scratch)
        times = {}
        for rep in range(args.reps):
            order = binaries if rep % 2 == 0 else list(reversed(binaries))
            for w in workers:
                for clock in clocks:
                    for b in order:
                        times.setdefault((b, w, clock), []).append(
                            run_once(b, args.program, input_path, w, clock, scratch))
        print("records=%d names=%d reps=%d (median wall time of `sfn run --input`)" %
              (args.records, args.names, args.reps))
        print("%-40s %7s %8s %9s %12s %8s" % ("binary", "workers", "clock", "seconds", "records/s", "cpu s"))
        for b in binaries:
            for w in workers:
                med = {}
                for clock in clocks:
                    med[clock] = statistics.median(t for t, _ in times[(b, w, clock)])
                    cpu = statistics.median(c for _, c in times[(b, w, clock)])
                    print("%-40s %7d %8s %9.3f %12.0f %8.2f" %
                          (b[-40:], w, clock, med[clock], args.records / med[clock], cpu))
                if "real" in med and "virtual" in med:
                    print("%-40s %7d %8s %9.2fx" % (b[-40:], w, "v/r", med["virtual"] / med["real"]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
