#!/usr/bin/env python3
"""What a cache miss adds to a real `runc run` (see BENCHMARKS.md, "The miss").

Paired rounds: each round runs the same container (a debootstrap'd Debian
minbase rootfs, read-only, `/bin/true`) once without the hook and once with
portcullis-hook as its createRuntime hook, in alternating order, and takes
the difference; the figure is the median difference over the rounds (wall
clock on a shared machine only means something as such pairs).  Every hook
run is a miss against a kept cache: before each round the cache is restored
(untimed) from a template holding one other image's entry (the sqlite file
with its -wal and -shm, the index shards: what the hook leaves), as
a node's cache looks when a new image arrives; with --identity digest the
runtime names a new digest each round (CRI-O's ImageRef), with inventory
(the default: a plain `runc run`, Podman, ctr) it names none and the
identity is the inventory's digest.  The policy is "warn", so that every
container starts whatever the findings.

For each DB and build it prints the median and p90 of the added time and
the hook's own duration from its audit line, and the added time as a ratio
to `find ROOTFS` timed in the same rounds (the reference: what listing the
image's files costs on this machine); then the runs' median without the
hook and the reference's.

With --build given twice (before and after a change), each round runs
both builds' hooks beside the same plain run, in rotating order.

Usage: bench/miss.py [--rounds N] [--rootfs DIR] [--db FILE ...] [--identity inventory|digest] [--build DIR ...]
  --db defaults to the 1,272 real Debian 12 advisories (imported here from
  ../shared/data/vulndb/debian12-changelogs/feed.zip) and, when it exists,
  bench/out/bench.sqlite (the 200,000-record DB bench/run.py builds)."""
import argparse
import json
import os
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def bundle(path, rootfs, hook_argv):
    os.makedirs(path)
    subprocess.run(["runc", "spec", "-b", path], check=True)
    c = json.load(open(os.path.join(path, "config.json")))
    c["root"] = {"path": rootfs, "readonly": True}
    c["process"]["args"] = ["/bin/true"]
    c["process"]["terminal"] = False
    if hook_argv:
        c["hooks"] = {"createRuntime": [{"path": hook_argv[0], "args": ["portcullis-hook", *hook_argv[1:]],
                                         "timeout": 30}]}
    json.dump(c, open(os.path.join(path, "config.json"), "w"))
    return c


def run_container(path, cid):
    t0 = time.perf_counter()
    p = subprocess.run(["runc", "run", "-b", path, cid], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    subprocess.run(["runc", "delete", "-f", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        sys.exit(f"runc run {cid} exited {p.returncode}: {p.stderr[-2000:]}")
    return wall


def run_find(rootfs):
    """The reference: `find` listing the same rootfs (every folder opened and
    read, as the miss's walk does, and nothing else), timed in the same
    rounds, so that the miss also reads as a ratio to what merely listing
    the image costs on this machine."""
    t0 = time.perf_counter()
    subprocess.run(["find", rootfs], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


CACHE_FILES = ("", "-wal", "-shm", "-index.d")


def template_cache(hook, cfg_path, cache, work, rootfs):
    """A cache with one other image's entry, as a node's cache looks when a
    new image arrives: the hook run once on a rootfs copy whose package list
    differs by one package, and every file it left (the sqlite file, its
    -wal and -shm, which persist between runs, and the index shards) kept
    as the template that each round starts from."""
    other = os.path.join(work, "other-rootfs")
    os.makedirs(os.path.join(other, "var/lib/dpkg"))
    os.makedirs(os.path.join(other, "etc"))
    shutil.copy(os.path.join(rootfs, "etc/os-release"), os.path.join(other, "etc/os-release"))
    status = open(os.path.join(rootfs, "var/lib/dpkg/status")).read()
    open(os.path.join(other, "var/lib/dpkg/status"), "w").write(status.split("\n\n", 1)[1])
    b = os.path.join(work, "tpl-bundle")
    os.makedirs(b)
    json.dump({"ociVersion": "1.0.2", "root": {"path": other}}, open(os.path.join(b, "config.json"), "w"))
    state = json.dumps({"ociVersion": "1.0.2", "id": "tpl", "status": "creating", "pid": 1, "bundle": b})
    p = subprocess.run([hook, "--config", cfg_path], input=state, text=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if not os.path.exists(cache):
        sys.exit(f"{hook} made no cache at {cache}: {p.stderr.strip()}")
    # read-only: a read-write close would checkpoint and delete the -wal
    db = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
    n = db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    db.close()
    if n != 1:
        sys.exit(f"the template cache has {n} entries, not 1")
    tpl = cache + ".template"
    for suffix in CACHE_FILES:
        copy(cache + suffix, tpl + suffix)
    return tpl


def copy(src, dst):
    """src (a file or a folder, or nothing) over dst."""
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    elif os.path.exists(dst):
        os.unlink(dst)
    if os.path.isdir(src):
        shutil.copytree(src, dst)
    elif os.path.exists(src):
        shutil.copy(src, dst)


def restore(tpl, cache):
    for suffix in CACHE_FILES:
        copy(tpl + suffix, cache + suffix)


def measure(a, hooks, db, work):
    """One plain run and one hooked run per build in each round, in rotating order."""
    name = os.path.basename(db)
    d = os.path.join(work, name.replace(".", "-"))
    os.makedirs(d)
    plain = os.path.join(d, "plain")
    bundle(plain, a.rootfs, None)
    per = []
    for k, hook in enumerate(hooks):
        hd = os.path.join(d, f"build{k}")
        os.makedirs(hd)
        cache = os.path.join(hd, "cache.db")
        audit = os.path.join(hd, "audit.log")
        open(os.path.join(hd, "policy.json"), "w").write('{"mode": "warn", "severity": "CRITICAL"}')
        cfg = {"db": db, "cache": cache, "lock_dir": os.path.join(hd, "locks"),
               "policy": os.path.join(hd, "policy.json"), "log": {"syslog": False, "file": audit}}
        cfg_path = os.path.join(hd, "config.json")
        json.dump(cfg, open(cfg_path, "w"))
        tpl = template_cache(hook, cfg_path, cache, hd, a.rootfs)
        hooked = os.path.join(hd, "hooked")
        hc = bundle(hooked, a.rootfs, [hook, "--config", cfg_path])
        open(audit, "w").close()
        per.append({"hook": hook, "cache": cache, "tpl": tpl, "audit": audit, "bundle": hooked, "config": hc,
                    "added": []})

    without, listing = [], []
    for i in range(a.rounds + 1):
        runs = [None] + per
        shift = i % len(runs)
        runs = runs[shift:] + runs[:shift]
        for p in per:
            restore(p["tpl"], p["cache"])
            if a.identity == "digest":
                p["config"]["annotations"] = {"io.kubernetes.cri-o.ImageRef": "sha256:" + secrets.token_hex(32)}
                json.dump(p["config"], open(os.path.join(p["bundle"], "config.json"), "w"))
        t = {}
        for k, p in enumerate(runs):
            t[id(p)] = run_container(plain if p is None else p["bundle"], f"pc-miss-{os.getpid()}-{i}-{k}")
        walk = run_find(a.rootfs)
        if i == 0:
            continue    # warm-up: page cache, runc's first start
        without.append(t[id(None)])
        listing.append(walk)
        for p in per:
            p["added"].append(t[id(p)] - t[id(None)])
    for p in per:
        lines = [json.loads(l) for l in open(p["audit"]) if l.strip()]
        misses = [l for l in lines if l.get("cache") == "miss"]
        if len(misses) != a.rounds + 1 or len(lines) != a.rounds + 1:
            sys.exit(f"{name}: {len(misses)} misses in {len(lines)} audit lines, expected {a.rounds + 1}")
        own = [l["duration_ms"] for l in misses[1:]]
        added = p["added"]
        print(f"{name}: {p['hook']}: miss adds median {statistics.median(added) * 1000:.1f} ms, "
              f"p90 {pct(added, 0.9) * 1000:.1f} ms to runc run ({a.rounds} paired rounds, identity {a.identity}, "
              f"{misses[-1]['summary']['total']} findings); hook's own duration median {statistics.median(own):.0f} ms; "
              f"{statistics.median(added) / statistics.median(listing):.2f}x the rootfs's listing")
    print(f"{name}: runc run without the hook: median {statistics.median(without) * 1000:.1f} ms; the rootfs listed "
          f"(find ROOTFS, the reference): median {statistics.median(listing) * 1000:.1f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    ap.add_argument("--db", action="append")
    ap.add_argument("--identity", choices=("inventory", "digest"), default="inventory")
    ap.add_argument("--build", action="append",
                    help="a build folder (default: build/); given twice or more, the builds' hooks run side by side "
                         "in the same rounds")
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("runc"):
        sys.exit("bench/miss.py needs root and runc")
    if not os.path.exists(os.path.join(a.rootfs, "var/lib/dpkg/status")):
        sys.exit(f"{a.rootfs}: no Debian rootfs (the tests build it: meson test -C build scan-debootstrap)")
    builds = [os.path.abspath(b) for b in a.build or [os.path.join(SRC, "build")]]
    hooks = [os.path.join(b, "hook", "portcullis-hook") for b in builds]
    cli = os.path.join(builds[-1], "cli", "portcullis")
    work = tempfile.mkdtemp(prefix="pc-bench-miss-")
    try:
        dbs = [os.path.abspath(d) for d in a.db or []]     # the hook takes the config's paths as they are
        if not dbs:
            data = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
            real = os.path.join(work, "debian12-real.sqlite")
            subprocess.run([cli, "db", "import", os.path.join(data, "vulndb/debian12-changelogs/feed.zip"),
                            "--db", real], check=True, stdout=subprocess.DEVNULL)
            dbs = [real]
            big = os.path.join(HERE, "out", "bench.sqlite")
            if os.path.exists(big):
                dbs.append(big)
            else:
                print(f"(no {big}: run bench/run.py once for the 200,000-record case)")
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; rootfs {a.rootfs}")
        for db in dbs:
            measure(a, hooks, db, work)
    finally:
        shutil.rmtree(work)


main()
