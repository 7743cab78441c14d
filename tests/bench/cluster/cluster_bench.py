#!/usr/bin/env python3
"""Cluster mode against embedded mode, measured in one run (issue 18, docs/PERFORMANCE.md).

  throughput: counter.sfn (one state increment and one send per invocation, the next key
      (id + 7919) % 100000, so about half of the hops cross between the two workers) fed with
      `sfn send --file`: RECORDS records of HOPS hops each. Timed from the first send until
      `sfn status` counts every invocation. Variants, interleaved A B C A B C ...:
      embedded (`sfn run --workers 2`), cluster (coordinator + 2 worker processes on loopback),
      cluster with CurveZMQ keys on every socket. Also the snapshot bytes the workers shipped per
      committed epoch against the size of the snapshots.
  failover: a cluster holding INSTANCES instances (one record each); worker 1 is killed with
      SIGKILL and started again; timed from the kill to the first epoch committed after it.

Usage: cluster_bench.py [--sfn build/compiler/driver/sfn] [--rounds 3] [--records 10000]
                        [--hops 99] [--instances 1000000] [--interval 1s] [--skip-failover]
                        [--skip-throughput]
Everything listens on 127.0.0.1; every process started is stopped.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COUNTER = os.path.join(HERE, "..", "runtime", "counter.sfn")


def log(line):
    print(line, file=sys.stderr, flush=True)


class Ports:
    next = 27100

    @classmethod
    def take(cls, n):
        first = cls.next
        cls.next += n
        return first


class Setup:
    """One server (sfn run, or a coordinator and two workers) and its clients."""

    def __init__(self, sfn, kind, root, heartbeat="3s", interval="1s"):
        self.sfn, self.kind, self.dir = sfn, kind, tempfile.mkdtemp(prefix=f"sfn_bench_{kind}_", dir=root)
        p = Ports.take(6)
        self.ingress, self.egress, self.control = (f"tcp://127.0.0.1:{p + i}" for i in range(3))
        self.listen = f"tcp://127.0.0.1:{p + 3}"
        self.worker_listen = [f"tcp://127.0.0.1:{p + 4}", f"tcp://127.0.0.1:{p + 5}"]
        self.env = dict(os.environ)
        self.procs, self.workers = [], [None, None]
        self.heartbeat, self.interval = heartbeat, interval
        self.keys = {}
        if kind == "curve":
            self.make_keys()
        self.start()

    def make_keys(self):
        peers = os.path.join(self.dir, "peers")
        os.makedirs(peers)
        for name in ("coordinator", "w0", "w1", "client"):
            base = os.path.join(self.dir, name)
            subprocess.run([self.sfn, "keygen", base], check=True, capture_output=True)
            shutil.copy(base + ".pub", peers)
            self.keys[name] = base
        self.env["SFN_CURVE_KEY"] = self.keys["client"] + ".key"
        self.env["SFN_SERVER_KEY"] = self.keys["coordinator"] + ".pub"

    def spawn(self, argv, name):
        err = open(os.path.join(self.dir, name + ".err"), "ab")
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=self.env)
        self.procs.append(proc)
        return proc

    def start_worker(self, w):
        argv = [self.sfn, "worker", "--coordinator", self.listen, "--listen", self.worker_listen[w], "--state-dir",
                os.path.join(self.dir, f"w{w}"), "--heartbeat-timeout", self.heartbeat]
        if self.keys:
            argv += ["--curve-key", self.keys[f"w{w}"] + ".key", "--curve-peers", os.path.join(self.dir, "peers"),
                     "--server-key", self.keys["coordinator"] + ".pub"]
        self.workers[w] = self.spawn(argv, f"w{w}")

    def start(self):
        common = ["--workers", "2", "--state-dir", os.path.join(self.dir, "state"), "--ingress", self.ingress,
                  "--egress", self.egress, "--control", self.control, "--checkpoint-interval", self.interval]
        if self.kind == "embedded":
            self.spawn([self.sfn, "run", COUNTER] + common, "run")
        else:
            argv = [self.sfn, "coordinator", COUNTER, "--listen", self.listen, "--heartbeat-timeout",
                    self.heartbeat] + common
            if self.keys:
                argv += ["--curve-key", self.keys["coordinator"] + ".key", "--curve-peers",
                         os.path.join(self.dir, "peers")]
            self.spawn(argv, "coordinator")
            self.start_worker(0)
            self.start_worker(1)
        deadline = time.time() + 120
        while self.status() is None:
            if time.time() > deadline:
                raise RuntimeError(f"{self.kind} did not start; see {self.dir}")
            time.sleep(0.1)

    def status(self):
        r = subprocess.run([self.sfn, "status", "--json", "--endpoint", self.control, "--timeout", "2s"],
                           capture_output=True, text=True, env=self.env)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def invocations(self):
        s = self.status()
        return sum(w["invocations"] for w in s["workers"]) if s else -1

    def send_file(self, path):
        r = subprocess.run([self.sfn, "send", "incs", "--file", path, "--endpoint", self.ingress], capture_output=True,
                           text=True, env=self.env)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def write_records(path, records, hops, first=0):
    with open(path, "w") as f:
        for i in range(records):
            f.write(json.dumps({"id": (first + i) % 100000 if hops else first + i, "hops": hops}) + "\n")


def wait_for(setup, total, limit=600):
    deadline = time.time() + limit
    while (n := setup.invocations()) < total:
        if time.time() > deadline:
            raise RuntimeError(f"{setup.kind}: {n} of {total} invocations after {limit} s")
        time.sleep(0.02)


def throughput(args, root):
    path = os.path.join(root, "records.jsonl")
    write_records(path, args.records, args.hops)
    total = args.records * (args.hops + 1)
    rates = {k: [] for k in ("embedded", "cluster", "curve")}
    shipped = []
    for r in range(args.rounds):
        for kind in rates:
            s = Setup(args.sfn, kind, root)
            try:
                before = s.status()
                t0 = time.perf_counter()
                s.send_file(path)
                wait_for(s, total)
                dt = time.perf_counter() - t0
                rates[kind].append(total / dt)
                if kind != "embedded":
                    time.sleep(2.5)  # two more snapshots at the 1 s interval: their parts shipped
                    after = s.status()
                    epochs = after["last_committed_epoch"] - before["last_committed_epoch"]
                    bytes_ = sum(w["snapshot_shipped_bytes"] - b["snapshot_shipped_bytes"]
                                 for w, b in zip(after["workers"], before["workers"]))
                    shipped.append((epochs, bytes_, after["last_snapshot_bytes"]))
                log(f"round {r + 1} {kind:8s}: {total} invocations in {dt:.2f} s = {total / dt:,.0f}/s")
            finally:
                s.stop()
    med = {k: sorted(v)[len(v) // 2] for k, v in rates.items()}
    print(f"throughput ({args.records} records x {args.hops + 1} invocations, {args.rounds} rounds, medians):")
    for k in rates:
        print(f"  {k:8s} {med[k]:>12,.0f}/s  ratio to embedded {med[k] / med['embedded']:.2f}x  "
              f"(all: {', '.join(f'{x:,.0f}' for x in rates[k])})")
    for epochs, b, size in shipped:
        if epochs > 0:
            print(f"  shipped {b:,} bytes over {epochs} epochs = {b / epochs:,.0f} bytes/epoch; "
                  f"last snapshot {size:,} bytes")


def wait_epochs(s, n):
    """Waits until n more epochs are committed; the status then."""
    base = s.status()["last_committed_epoch"]
    while (st := s.status())["last_committed_epoch"] < base + n:
        time.sleep(0.05)
    return st


def shipped_per_epoch(s, root, instances):
    """Snapshot bytes the workers ship per epoch while a trickle of records changes a few of the
    instances: incremental snapshots ship what changed, not the state."""
    path = os.path.join(root, "trickle.jsonl")
    write_records(path, 1000, 0, first=instances // 2)
    before = wait_epochs(s, 1)
    s.send_file(path)
    after = wait_epochs(s, 3)
    epochs = after["last_committed_epoch"] - before["last_committed_epoch"]
    shipped = sum(w["snapshot_shipped_bytes"] - b["snapshot_shipped_bytes"]
                  for w, b in zip(after["workers"], before["workers"]))
    print(f"  1,000 of {instances:,} instances changed: shipped {shipped:,} bytes over {epochs} epochs = "
          f"{shipped / epochs:,.0f} bytes/epoch; the snapshot is {after['last_snapshot_bytes']:,} bytes")


def failover(args, root):
    s = Setup(args.sfn, "cluster", root, heartbeat="1s", interval=args.interval)
    try:
        path = os.path.join(root, "instances.jsonl")
        write_records(path, args.instances, 0)
        t0 = time.perf_counter()
        s.send_file(path)
        wait_for(s, args.instances, limit=1800)
        log(f"{args.instances:,} instances in {time.perf_counter() - t0:.1f} s")
        st = wait_epochs(s, 2)
        log(f"snapshot of {st['last_snapshot_bytes']:,} bytes committed (epoch {st['last_committed_epoch']})")
        shipped_per_epoch(s, root, args.instances)
        killed_at = s.status()["last_committed_epoch"]
        s.workers[1].kill()
        t_kill = time.perf_counter()
        s.workers[1].wait()
        s.start_worker(1)
        t_serving = None
        while True:
            st = s.status()
            if st and st["recovery"] and t_serving is None:
                t_serving = time.perf_counter()  # the next generation runs: its endpoints answer
            if st and st["last_committed_epoch"] > killed_at and st["recovery"]:
                break
            time.sleep(0.02)
        dt = time.perf_counter() - t_kill
        print(f"failover with {args.instances:,} instances (heartbeat timeout 1 s, checkpoint interval "
              f"{args.interval}): kill -9 of worker 1 -> the next generation serving after "
              f"{t_serving - t_kill:.2f} s, epoch {st['last_committed_epoch']} committed after {dt:.2f} s "
              f"({st['recovery']})")
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sfn", default=os.path.join(HERE, "..", "..", "..", "build", "compiler", "driver", "sfn"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--hops", type=int, default=99)
    ap.add_argument("--instances", type=int, default=1000000)
    ap.add_argument("--interval", default="1s", help="checkpoint interval of the failover run")
    ap.add_argument("--skip-failover", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()
    args.sfn = os.path.abspath(args.sfn)
    root = tempfile.mkdtemp(prefix="sfn_cluster_bench_")
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        if not args.skip_throughput:
            throughput(args, root)
        if not args.skip_failover:
            failover(args, root)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
