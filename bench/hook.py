#!/usr/bin/env python3
"""The hook's latency: prints its figures (see BENCHMARKS.md).

1. cache hit, whole hook process from exec to exit, side by side with
   exec'ing /bin/true in the same run: median, p99, ratio; peak RSS.
   Two shapes: the runtime names the image digest (no rootfs read at all),
   and it doesn't (the inventory is read in the child to find the key).
2. cache miss, exec to exit, the cache file removed before each run (not
   timed): the inventory and match children, sandbox included, and the
   cache write.
3. a burst of 64 hooks for one uncached image: p50/p99 and how many
   analysed (exactly one should).

Usage: bench/hook.py [--runs N] [--rootfs DIR] [--db FILE]"""
import argparse
import concurrent.futures
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
DIGEST = "sha256:" + "ab" * 32


CPU = []  # CPU seconds (user + system) of each timed run, its reaped children included


def timed(argv, stdin_path):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(stdin_path, "rb") as f:
        p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return wall, p.returncode


def cpu_ms(n):
    """Median CPU time of the last n timed runs, in ms: steadier than wall time on a shared machine."""
    return statistics.median(CPU[-n:]) * 1000


def rss_kib(argv, stdin_path):
    with open(stdin_path, "rb") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdin=f, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    return int(p.stderr.strip().splitlines()[-1])


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def series(argv, stdin_path, runs):
    return [timed(argv, stdin_path)[0] for _ in range(runs)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    ap.add_argument("--db", default=os.path.join(HERE, "out", "bench.sqlite"))
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    a = ap.parse_args()
    hook = os.path.join(a.build, "hook", "portcullis-hook")
    cli = os.path.join(a.build, "cli", "portcullis")
    t = tempfile.mkdtemp(prefix="pc-bench-hook-")
    try:
        db = a.db
        if not os.path.exists(db):
            db = os.path.join(t, "db.sqlite")
            subprocess.run([cli, "db", "import", os.path.join(SRC, "feed"), "--db", db], check=True,
                           stdout=subprocess.DEVNULL)
        os.makedirs(os.path.join(t, "bundle"))
        json.dump({"ociVersion": "1.0.2", "root": {"path": a.rootfs}}, open(os.path.join(t, "bundle/config.json"), "w"))
        open(os.path.join(t, "policy.json"), "w").write('{"mode": "enforce", "severity": "CRITICAL"}')

        def setup(name, annotations):
            st = {"ociVersion": "1.0.2", "id": name, "status": "creating", "pid": 1,
                  "bundle": os.path.join(t, "bundle"), "annotations": annotations}
            json.dump(st, open(os.path.join(t, name + ".state"), "w"))
            cfg = {"db": db, "cache": os.path.join(t, name, "cache.db"), "lock_dir": os.path.join(t, name, "locks"),
                   "policy": os.path.join(t, "policy.json"), "log": {"syslog": False, "file": os.path.join(t, name, "audit.log")}}
            os.makedirs(os.path.join(t, name))
            json.dump(cfg, open(os.path.join(t, name + ".json"), "w"))
            return [hook, "--config", os.path.join(t, name + ".json")], os.path.join(t, name + ".state")

        print(f"machine: {os.cpu_count()} cores; rootfs {a.rootfs}; db {db}")
        true = series(["/bin/true"], os.devnull, a.runs)
        for name, ann in (("digest", {"io.kubernetes.cri-o.ImageRef": DIGEST}), ("inventory", {})):
            argv, state = setup(name, ann)
            timed(argv, state)  # fills the cache
            hit = series(argv, state, a.runs)
            hit_cpu = cpu_ms(a.runs)
            log = open(os.path.join(t, name, "audit.log")).read()
            assert log.count('"cache":"hit"') == a.runs, "not every run was a cache hit"
            rss = max(rss_kib(argv, state) for _ in range(5))
            print(f"cache hit ({name:9}): median {statistics.median(hit) * 1000:.2f} ms, p99 {pct(hit, 0.99) * 1000:.2f} ms, "
                  f"peak RSS {rss / 1024:.1f} MiB; /bin/true median {statistics.median(true) * 1000:.2f} ms; "
                  f"ratio {statistics.median(hit) / statistics.median(true):.2f}x; CPU median {hit_cpu:.2f} ms")

        argv, state = setup("miss", {})
        miss = []
        for _ in range(max(a.runs // 4, 10)):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(os.path.join(t, "miss", "cache.db" + suffix)):
                    os.unlink(os.path.join(t, "miss", "cache.db" + suffix))
            miss.append(timed(argv, state)[0])
        log = open(os.path.join(t, "miss", "audit.log")).read()
        assert log.count('"cache":"miss"') == len(miss), "not every run was a cache miss"
        print(f"cache miss: median {statistics.median(miss) * 1000:.2f} ms, p90 {pct(miss, 0.9) * 1000:.2f} ms "
              f"over {len(miss)} runs; CPU median {cpu_ms(len(miss)):.2f} ms (hook and children)")

        argv, state = setup("burst", {})
        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as ex:
            res = list(ex.map(lambda _: timed(argv, state), range(64)))
        lat = [r[0] for r in res]
        log = open(os.path.join(t, "burst", "audit.log")).read()
        misses, hits = log.count('"cache":"miss"'), log.count('"cache":"hit"')
        print(f"burst of 64 uncached starts: p50 {pct(lat, 0.5) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms; "
              f"analyses: {misses}, cache hits: {hits}")
        print("targets: cache hit median < 2 ms and < 3x /bin/true; peak RSS < 8 MiB")
    finally:
        shutil.rmtree(t)


main()
