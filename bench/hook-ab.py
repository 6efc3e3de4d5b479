#!/usr/bin/env python3
"""Two builds of the hook side by side, runs interleaved (A, B, B, A...),
so that a machine whose load drifts (a shared CI VM) weighs on both alike:
cache hit by digest, cache hit by inventory (the inventory child), and cache
miss (both children; the cache removed before each run, not timed).
Prints min, p25 and median per build and the difference of the p25s.

Usage: bench/hook-ab.py --a BUILD_DIR --b BUILD_DIR [--runs N] [--rootfs DIR]"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
# CRI-O names the image and says it made the container (a fresh rootfs at every
# start), else a writable rootfs is not kept under the digest (README "The hook")
CRIO = {"io.kubernetes.cri-o.ContainerType": "container"}
DIGEST = "sha256:" + "ab" * 32


def run(argv, state):
    t0 = time.perf_counter()
    with open(state, "rb") as f:
        subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    a = ap.parse_args()
    t = tempfile.mkdtemp(prefix="pc-bench-ab-")
    try:
        db = f"{t}/db.sqlite"
        subprocess.run([os.path.join(a.b, "cli", "portcullis"), "db", "import", f"{SRC}/feed", "--db", db],
                       check=True, stdout=subprocess.DEVNULL)
        os.makedirs(f"{t}/bundle")
        json.dump({"ociVersion": "1.0.2", "root": {"path": a.rootfs}}, open(f"{t}/bundle/config.json", "w"))
        open(f"{t}/policy.json", "w").write('{"mode": "enforce", "severity": "CRITICAL"}')
        cases = {}
        for build in ("a", "b"):
            for shape, ann in (("digest", {**CRIO, "io.kubernetes.cri-o.ImageRef": DIGEST}), ("inventory", {}), ("miss", {})):
                d = f"{t}/{build}-{shape}"
                os.makedirs(d)
                json.dump({"ociVersion": "1.0.2", "id": shape, "status": "creating", "pid": 1,
                           "bundle": f"{t}/bundle", "annotations": ann}, open(f"{d}/state.json", "w"))
                json.dump({"db": db, "cache": f"{d}/cache.db", "lock_dir": f"{d}/locks", "policy": f"{t}/policy.json",
                           "log": {"syslog": False, "file": f"{d}/audit.log"}}, open(f"{d}/config.json", "w"))
                # a fresh copy of each: the same binary run from the folder
                # the linker wrote it in and from a copy differed by 0.4-0.6
                # ms a miss (BENCHMARKS.md, "Session 37")
                hook = f"{t}/{build}-bin/portcullis-hook"
                if not os.path.exists(hook):
                    os.makedirs(os.path.dirname(hook))
                    shutil.copy2(os.path.join(getattr(a, build), "hook", "portcullis-hook"), hook)
                argv = [hook, "--config", f"{d}/config.json"]
                run(argv, f"{d}/state.json")    # fills the cache
                cases[build, shape] = (argv, d, [])
        for i in range(a.runs):
            for shape in ("digest", "inventory", "miss"):
                # a first in even rounds, b first in odd ones: the one run
                # second always would carry what the first leaves (its
                # cache writes' writeback, a CPU just warmed)
                for build in (("a", "b") if i % 2 == 0 else ("b", "a")):
                    argv, d, times = cases[build, shape]
                    if shape == "miss":
                        for f in ("cache.db", "cache.db-wal", "cache.db-shm"):
                            if os.path.exists(f"{d}/{f}"):
                                os.unlink(f"{d}/{f}")
                    times.append(run(argv, f"{d}/state.json"))
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {a.runs} interleaved runs each; "
              f"a = {a.a}, b = {a.b}")
        for shape in ("digest", "inventory", "miss"):
            row = []
            for build in ("a", "b"):
                xs = sorted(cases[build, shape][2])
                row.append(xs[len(xs) // 4])
                print(f"{shape:9} {build}: min {xs[0]:.2f} ms, p25 {xs[len(xs) // 4]:.2f} ms, "
                      f"median {statistics.median(xs):.2f} ms")
            print(f"{shape:9} b - a at p25: {row[1] - row[0]:+.2f} ms")
    finally:
        shutil.rmtree(t)


main()
