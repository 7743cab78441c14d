#!/usr/bin/env python3
"""Benchmark (not a test) of `sfn test` on the examples' tests (decision 140).

Runs `sfn test examples --format json` REPEAT times with the default parallelism and with
--jobs 1, and prints the wall time of the whole command (process start, checking and JIT
compiling the 5 examples, running every test), and per test: its wall time and the runs of the
embedded runtime it took (one per group of statements between expectations).

Usage: tests/bench/sfn_test/sfn_test_bench.py [SFN] [REPEAT]   (from the repository root)
"""
import json
import statistics
import subprocess
import sys
import time

sfn = sys.argv[1] if len(sys.argv) > 1 else "build/compiler/driver/sfn"
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def run(extra):
    t0 = time.perf_counter()
    p = subprocess.run([sfn, "test", "examples", "--format", "json", *extra], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"sfn test failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return wall, [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


for label, extra in (("parallel (one thread per core)", []), ("--jobs 1", ["--jobs", "1"])):
    walls, tests = [], []
    for _ in range(repeat):
        wall, outcomes = run(extra)
        walls.append(wall)
        tests.extend(outcomes)
    per_test = [t["ms"] for t in tests]
    per_run = [t["ms"] / t["runs"] for t in tests if t["runs"]]
    runs = sum(t["runs"] for t in tests) / repeat
    print(f"{label}: {len(tests) // repeat} tests, {runs:.0f} runtime runs; wall time of `sfn test examples` "
          f"min {min(walls) * 1000:.0f} ms, median {statistics.median(walls) * 1000:.0f} ms, max {max(walls) * 1000:.0f} ms")
    print(f"  per test: median {statistics.median(per_test):.1f} ms, max {max(per_test):.1f} ms; "
          f"per runtime run: median {statistics.median(per_run):.1f} ms")
