#!/usr/bin/env python3
"""The hook's latency: prints its figures (see BENCHMARKS.md).

1. cache hit, whole hook process from exec to exit, interleaved round by
   round with exec'ing /bin/true (the ratio is to /bin/true's median in the
   same rounds, which keeps it meaningful on a loaded machine): median,
   p99, ratio, CPU; syscalls (strace -c -f, one run); peak RSS.  Three
   shapes: the runtime names the image digest; it doesn't and the rootfs
   is a plain folder; it doesn't and the rootfs is an overlay mount of the
   same folder (as containerd's snapshotter and Podman lay it out; needs
   root, else skipped).
2. the digest hit again after 1,000 cached images (999 copies of the entry
   under other keys, the index rebuilt by 'cache gc', then a dozen real
   misses so that the WAL of a build that never checkpoints grows as it
   would, their times printed too: a miss beside 1,000 images): it should
   stay flat.
3. cache miss, exec to exit, the cache files removed before each run (not
   timed): the inventory and match children, sandbox included, and the
   cache write.
4. a burst of 64 hooks for one uncached image: p50/p99 and how many
   analysed (exactly one should).

--shape NAME (digest, folder or overlay; repeatable) measures only those
shapes' hits (part 1) and nothing else.

Usage: bench/hook.py [--runs N] [--rootfs DIR] [--db FILE] [--build DIR] [--shape NAME]..."""
import argparse
import concurrent.futures
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
# CRI-O names the image and says it made the container (a fresh rootfs at every
# start), else a writable rootfs is not kept under the digest (README "The hook")
CRIO = {"io.kubernetes.cri-o.ContainerType": "container"}
DIGEST = "sha256:" + "ab" * 32
CACHE_FILES = ("", "-wal", "-shm", "-index.d")


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


def rss_kib(argv, stdin_path):
    with open(stdin_path, "rb") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdin=f, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    return int(p.stderr.strip().splitlines()[-1])


def syscalls(argv, stdin_path, tmp):
    """Total syscalls of one run (strace -c -f), or None without strace."""
    if not shutil.which("strace"):
        return None
    out = os.path.join(tmp, "strace.out")
    with open(stdin_path, "rb") as f:
        subprocess.run(["strace", "-f", "-c", "-o", out, *argv], stdin=f, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    for line in open(out):
        if line.rstrip().endswith(" total"):
            f = line.split()    # % time, seconds, usecs/call, calls, [errors,] total
            return int(f[3])
    return None


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def interleaved(cases, runs):
    """cases: name -> (argv, stdin); one run of each per round. Returns name -> ([wall], [cpu])."""
    res = {n: ([], []) for n in cases}
    for _ in range(runs):
        for n, (argv, stdin) in cases.items():
            w, _ = timed(argv, stdin)
            res[n][0].append(w)
            res[n][1].append(CPU[-1])
    return res


def overlay_mount(lower, where):
    """An overlay of lower at where/merged (upper and work beside it), or None when it can't be made.
    The lower is bind-mounted to where/snapshots/1/fs first: where is inside the bench's 0700 folder,
    as a snapshotter's layers are inside its 0700 root, and in a layer store's shape (the hook takes
    a layer others can reach, such as the rootfs under /var/tmp, or a folder of no store's shape for
    one whose files could change, and falls back to the inventory)."""
    lower_dir = f"{where}/snapshots/1/fs"
    for d in ("snapshots/1/fs", "upper", "work", "merged"):
        os.makedirs(os.path.join(where, d), exist_ok=True)
    if subprocess.run(["mount", "--bind", "-o", "ro", lower, lower_dir], capture_output=True).returncode:
        return None
    p = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={lower_dir},upperdir={where}/upper,workdir={where}/work", f"{where}/merged"],
                       capture_output=True, text=True)
    if p.returncode:
        subprocess.run(["umount", lower_dir])
        return None
    return os.path.join(where, "merged")


def clone_entries(cache, n):
    """n copies of the cache's one entry under other keys and identities (1,000 images' worth of rows)."""
    db = sqlite3.connect(cache)
    row = db.execute("SELECT * FROM entries LIMIT 1").fetchone()
    cols = [d[0] for d in db.execute("SELECT * FROM entries LIMIT 1").description]
    ki, ii = cols.index("key"), cols.index("identity")
    for i in range(n):
        r = list(row)
        r[ki] = f"0{i:064x}{row[ki][65:]}"
        r[ii] = f"sha256:{i:064x}"
        db.execute(f"INSERT OR REPLACE INTO entries VALUES ({','.join('?' * len(r))})", r)
    db.commit()
    db.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    ap.add_argument("--db", default=os.path.join(HERE, "out", "bench.sqlite"))
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--shape", action="append", choices=["digest", "folder", "overlay"],
                    help="only this shape's hits (repeatable); the other parts are skipped")
    a = ap.parse_args()
    hook = os.path.join(a.build, "hook", "portcullis-hook")
    cli = os.path.join(a.build, "cli", "portcullis")
    t = tempfile.mkdtemp(prefix="pc-bench-hook-")
    mounted = None
    try:
        db = a.db
        if not os.path.exists(db):
            db = os.path.join(t, "db.sqlite")
            subprocess.run([cli, "db", "import", os.path.join(SRC, "feed"), "--db", db], check=True,
                           stdout=subprocess.DEVNULL)
        open(os.path.join(t, "policy.json"), "w").write('{"mode": "enforce", "severity": "CRITICAL"}')

        def setup(name, annotations, rootfs=a.rootfs):
            os.makedirs(os.path.join(t, name, "bundle"))
            json.dump({"ociVersion": "1.0.2", "root": {"path": rootfs}},
                      open(os.path.join(t, name, "bundle/config.json"), "w"))
            st = {"ociVersion": "1.0.2", "id": name, "status": "creating", "pid": 1,
                  "bundle": os.path.join(t, name, "bundle"), "annotations": annotations}
            json.dump(st, open(os.path.join(t, name + ".state"), "w"))
            cfg = {"db": db, "cache": os.path.join(t, name, "cache.db"), "lock_dir": os.path.join(t, name, "locks"),
                   "policy": os.path.join(t, "policy.json"), "log": {"syslog": False, "file": os.path.join(t, name, "audit.log")}}
            json.dump(cfg, open(os.path.join(t, name + ".json"), "w"))
            return [hook, "--config", os.path.join(t, name + ".json")], os.path.join(t, name + ".state")

        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
              f"rootfs {a.rootfs}; db {db}; hook {hook}")
        want = set(a.shape or ["digest", "folder", "overlay"])
        shapes = {}
        if "digest" in want:
            shapes["digest"] = setup("digest", {**CRIO, "io.kubernetes.cri-o.ImageRef": DIGEST})
        if "folder" in want:
            shapes["folder"] = setup("folder", {})
        mounted = overlay_mount(a.rootfs, os.path.join(t, "ovl")) if "overlay" in want else None
        if mounted:
            shapes["overlay"] = setup("overlay", {}, mounted)
        elif "overlay" in want:
            print("overlay: skipped (no overlay mount: needs root and overlayfs)")
        for argv, state in shapes.values():
            timed(argv, state)  # fills the cache
        cases = {"true": (["/bin/true"], os.devnull), **shapes}
        res = interleaved(cases, a.runs)
        true_med = statistics.median(res["true"][0])
        print(f"/bin/true: median {true_med * 1000:.2f} ms (interleaved with the hits, {a.runs} rounds)")
        for name, (argv, state) in shapes.items():
            hit, cpu = res[name]
            log = open(os.path.join(t, name, "audit.log")).read()
            assert log.count('"cache":"hit"') >= a.runs, f"{name}: not every run was a cache hit"
            rss = max(rss_kib(argv, state) for _ in range(5))
            sc = syscalls(argv, state, t)
            print(f"cache hit ({name:7}): median {statistics.median(hit) * 1000:.2f} ms, p99 {pct(hit, 0.99) * 1000:.2f} ms, "
                  f"ratio {statistics.median(hit) / true_med:.2f}x /bin/true; CPU median "
                  f"{statistics.median(cpu) * 1000:.2f} ms; syscalls {sc}; peak RSS {rss / 1024:.1f} MiB")
        if a.shape:
            return

        # 1,000 images: 999 more rows, the index rebuilt, a dozen real misses.
        argv, state = shapes["digest"]
        cache = os.path.join(t, "digest", "cache.db")
        clone_entries(cache, 999)
        subprocess.run([cli, "cache", "gc", "--cache", cache, "--ttl", "100000000", "--max-entries", "100000"],
                       check=True, stdout=subprocess.DEVNULL)
        big_miss = []
        for i in range(12):
            st = json.load(open(state))
            st["annotations"] = {**CRIO, "io.kubernetes.cri-o.ImageRef": "sha256:" + f"{i:02x}" * 32}
            json.dump(st, open(state + ".other", "w"))
            big_miss.append(timed(argv, state + ".other")[0])
        print(f"cache miss beside 1,000 images: median {statistics.median(big_miss) * 1000:.2f} ms over "
              f"{len(big_miss)} runs; CPU median {statistics.median(CPU[-len(big_miss):]) * 1000:.2f} ms")
        wal = os.path.getsize(cache + "-wal") if os.path.exists(cache + "-wal") else 0
        idx = sum(e.stat().st_size for e in os.scandir(cache + "-index.d")) if os.path.isdir(cache + "-index.d") else 0
        res = interleaved({"true": (["/bin/true"], os.devnull), "digest": (argv, state)}, a.runs)
        true_med = statistics.median(res["true"][0])
        hit = res["digest"][0]
        print(f"cache hit (digest ) after 1,000 images: median {statistics.median(hit) * 1000:.2f} ms, p99 "
              f"{pct(hit, 0.99) * 1000:.2f} ms, ratio {statistics.median(hit) / true_med:.2f}x /bin/true "
              f"(/bin/true {true_med * 1000:.2f} ms); syscalls {syscalls(argv, state, t)}; peak RSS "
              f"{max(rss_kib(argv, state) for _ in range(5)) / 1024:.1f} MiB; WAL {wal / 1e6:.1f} MB, index {idx / 1e6:.1f} MB")

        argv, state = setup("miss", {})
        miss = []
        for _ in range(max(a.runs // 4, 10)):
            for suffix in CACHE_FILES:
                f = os.path.join(t, "miss", "cache.db" + suffix)
                if os.path.isdir(f):
                    shutil.rmtree(f)
                elif os.path.exists(f):
                    os.unlink(f)
            miss.append(timed(argv, state)[0])
        log = open(os.path.join(t, "miss", "audit.log")).read()
        assert log.count('"cache":"miss"') == len(miss), "not every run was a cache miss"
        print(f"cache miss: median {statistics.median(miss) * 1000:.2f} ms, p90 {pct(miss, 0.9) * 1000:.2f} ms "
              f"over {len(miss)} runs; CPU median {statistics.median(CPU[-len(miss):]) * 1000:.2f} ms (hook and children)")

        argv, state = setup("burst", {})
        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as ex:
            res = list(ex.map(lambda _: timed(argv, state), range(64)))
        lat = [r[0] for r in res]
        log = open(os.path.join(t, "burst", "audit.log")).read()
        misses, hits = log.count('"cache":"miss"'), log.count('"cache":"hit"')
        print(f"burst of 64 uncached starts: p50 {pct(lat, 0.5) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms; "
              f"analyses: {misses}, cache hits: {hits}")
        print("targets (issue 13): digest hit <= 2x /bin/true, <= 40 syscalls, peak RSS <= 4 MiB; flat after 1,000 images")
    finally:
        if mounted:
            subprocess.run(["umount", mounted])
            # the bind mount of the rootfs: never removed through it
            if subprocess.run(["umount", os.path.join(t, "ovl", "snapshots", "1", "fs")]).returncode:
                sys.exit(f"{t}/ovl/snapshots/1/fs is still mounted: unmount it before removing {t}")
        shutil.rmtree(t)


main()
