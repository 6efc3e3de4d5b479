#!/usr/bin/env python3
"""Load: 1,000 hook invocations in bursts of 64, against a mix of cached and
uncached images (16 images of different package sets, half of them named by
digest), with a fresh cache: prints p50/p99/max latency, failures and audit
lines (every invocation must have exactly one).  With --deadline-ms, the
policy's deadline_ms (else 60000), and how far past it the starts ended,
measured from each hook's spawn: how many ran over, the p99 and the worst
overshoot (negative: inside the deadline).

Usage: bench/load.py [--total N] [--burst N] [--images N] [--packages N] [--deadline-ms N]"""
import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

# CRI-O names the image and says it made the container (a fresh rootfs at every
# start), else a writable rootfs is not kept under the digest (README "The hook")
CRIO = {"io.kubernetes.cri-o.ContainerType": "container"}
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--burst", type=int, default=64)
    ap.add_argument("--images", type=int, default=16)
    ap.add_argument("--packages", type=int, default=50, help="packages per image (the analysis' weight)")
    ap.add_argument("--deadline-ms", type=int, default=None)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    a = ap.parse_args()
    hook = os.path.join(a.build, "hook", "portcullis-hook")
    cli = os.path.join(a.build, "cli", "portcullis")
    t = tempfile.mkdtemp(prefix="pc-load-")
    try:
        db = os.path.join(t, "db.sqlite")
        subprocess.run([cli, "db", "import", os.path.join(SRC, "feed"), "--db", db], check=True,
                       stdout=subprocess.DEVNULL)
        deadline = a.deadline_ms or 60000
        open(f"{t}/policy.json", "w").write('{"mode": "enforce", "severity": "HIGH", "on_timeout": "deny", '
                                            f'"deadline_ms": {deadline}}}')
        json.dump({"db": db, "cache": f"{t}/cache.db", "lock_dir": f"{t}/locks", "policy": f"{t}/policy.json",
                   "log": {"syslog": False, "file": f"{t}/audit.log"}}, open(f"{t}/config.json", "w"))
        states, expect = [], []
        for i in range(a.images):
            root, bundle = f"{t}/root{i}", f"{t}/bundle{i}"
            os.makedirs(f"{root}/etc")
            os.makedirs(f"{root}/var/lib/dpkg")
            os.makedirs(bundle)
            open(f"{root}/etc/os-release", "w").write('ID=debian\nVERSION_ID="12"\n')
            vuln = i % 2 == 0
            curl = "7.88.1-10+deb12u3" if vuln else "7.88.1-10+deb12u4"
            pkgs = [("libcurl4", "curl", curl)] + [(f"pkg{i}-{j}", None, f"1.{j}") for j in range(a.packages)]
            open(f"{root}/var/lib/dpkg/status", "w").write("".join(
                f"Package: {n}\nStatus: install ok installed\nArchitecture: amd64\n"
                + (f"Source: {s}\n" if s else "") + f"Version: {v}\n\n" for n, s, v in pkgs))
            json.dump({"ociVersion": "1.0.2", "root": {"path": root}}, open(f"{bundle}/config.json", "w"))
            ann = {**CRIO, "io.kubernetes.cri-o.ImageRef": f"sha256:{i:064x}"} if i % 4 < 2 else {}
            json.dump({"ociVersion": "1.0.2", "id": f"c{i}", "status": "creating", "pid": 1, "bundle": bundle,
                       "annotations": ann}, open(f"{t}/state{i}.json", "w"))
            states.append(f"{t}/state{i}.json")
            expect.append(1 if vuln else 0)

        def one(k):
            i = k % a.images
            t0 = time.perf_counter()
            with open(states[i], "rb") as f:
                p = subprocess.run([hook, "--config", f"{t}/config.json"], stdin=f, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            return time.perf_counter() - t0, p.returncode == expect[i], p.returncode

        results = []
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.burst) as ex:
            for start in range(0, a.total, a.burst):
                results += list(ex.map(one, range(start, min(start + a.burst, a.total))))
        wall = time.perf_counter() - t0
        lat = sorted(r[0] for r in results)
        bad = sum(1 for r in results if not r[1])
        over = [r[0] * 1000 - deadline for r in results]
        lines = open(f"{t}/audit.log").read().splitlines()
        misses = sum('"cache":"miss"' in l for l in lines)
        print(f"machine: {os.cpu_count()} cores; {a.total} hook runs in bursts of {a.burst}, {a.images} images of "
              f"{a.packages + 1} packages, deadline_ms {deadline}")
        print(f"latency: p50 {statistics.median(lat) * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms; {a.total / wall:.0f} starts/s overall")
        print(f"wrong or failed decisions: {bad}; audit lines: {len(lines)} of {a.total}; analyses: {misses} "
              f"(one per image: {a.images})")
        if a.deadline_ms:
            timeouts = sum('no decision' in l or 'deadline' in l for l in lines)
            own = sorted(json.loads(l)["duration_ms"] - deadline for l in lines)
            print(f"the hooks' own view (audit duration_ms, from each process' start to its decision): overshoot "
                  f"p99 {own[int(len(own) * 0.99)]:+d} ms, max {own[-1]:+d} ms")
            print(f"deadline {deadline} ms: {sum(o > 0 for o in over)} of {a.total} ended past it; overshoot "
                  f"p99 {sorted(over)[int(len(over) * 0.99)]:+.0f} ms, max {max(over):+.0f} ms; "
                  f"decided by on_timeout: {timeouts}")
    finally:
        shutil.rmtree(t)


main()
