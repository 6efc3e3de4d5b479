#!/usr/bin/env python3
"""Portcullis benchmarks: prints its figures (see BENCHMARKS.md).

1. import: a generated OSV zip (200,000 records, one affected entry each, as
   osv.dev's Debian data is shaped) plus the 1,272 real Debian 12 records;
   records per second and peak RSS of `portcullis db import`.
2. scan: a debootstrap'd Debian 12 minbase rootfs against that database;
   wall time (median, p90 of N runs) and peak RSS of `portcullis scan`, side
   by side with `dpkg-query -W` reading the same rootfs's database, with
   `find ROOTFS` listing its folders (what the scan's look for language
   packages has to do at the least) and with exec'ing /bin/true, measured
   in the same run, the four taking turns; and `portcullis scan --pkg-types
   os` (the OS's packages only, no walk: what the scan was when issue 13
   was filed) among them, with its own ratio.

Usage: bench/run.py [--records N] [--runs N] [--rootfs DIR]"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")


def timed(argv):
    """Wall time measured here; peak RSS from GNU time, which forks from a
    small process (a child forked from Python would count Python's pages)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        sys.exit(f"{argv} exited {p.returncode}: {p.stderr[-1000:]}")
    return wall, int(p.stderr.strip().splitlines()[-1])


def sources_of(rootfs):
    out = subprocess.run(["dpkg-query", "--admindir", os.path.join(rootfs, "var/lib/dpkg"), "-W",
                          "-f", "${source:Package}\n"], check=True, capture_output=True, text=True).stdout
    return sorted(set(out.split()))


def generate(path, n, sources):
    """n records: 10% name a source package of the rootfs, nearly all with a
    fix older than anything installed (evaluated, no finding) and 1 in 100
    of those with a fix newer than anything (a finding); 90% other names."""
    rnd = random.Random(42)
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            hit = rnd.random() < 0.10
            name = rnd.choice(sources) if hit else f"pkg{rnd.randrange(30000)}"
            rec = {
                "id": f"BENCH-{i:07d}", "modified": "2026-01-01T00:00:00Z",
                "aliases": [f"CVE-2099-{i:07d}"], "summary": "generated for the benchmark",
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                              "ranges": [{"type": "ECOSYSTEM", "events": [
                                  {"introduced": "0"},
                                  {"fixed": f"99:{i}" if hit and rnd.random() < 0.01 else f"0~{rnd.randrange(1000)}-1"}]}]}],
            }
            z.writestr(f"BENCH-{i:07d}.json", json.dumps(rec))
    os.rename(path + ".tmp", path)


def ms(s):
    return f"{s * 1000:.1f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    ap.add_argument("--portcullis", default=os.path.join(SRC, "build/cli/portcullis"))
    a = ap.parse_args()
    data = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
    feed = os.path.join(data, "vulndb/debian12-changelogs/feed.zip")
    if not os.path.isdir(a.rootfs):
        sys.exit(f"{a.rootfs}: no rootfs; build it with "
                 f"'debootstrap --variant=minbase bookworm {a.rootfs}' (or run the tests once)")
    os.makedirs(OUT, exist_ok=True)

    gen = os.path.join(OUT, f"generated-v2-{a.records}.zip")
    if not os.path.exists(gen):
        print(f"generating {a.records} records ...", flush=True)
        generate(gen, a.records, sources_of(a.rootfs))
    db = os.path.join(OUT, "bench.sqlite")

    print(f"machine: {os.cpu_count()} cores, {os.uname().release}")
    wall, rss = timed([a.portcullis, "db", "import", gen, feed, "--db", db])
    total = a.records + 1272
    print(f"import: {total} records in {wall:.2f} s = {total / wall:,.0f} records/s, peak RSS {rss / 1024:.1f} MiB "
          f"(target, issue 13: >= 100,000 records/s)")
    st = json.loads(subprocess.run([a.portcullis, "db", "status", "--db", db, "--format", "json"],
                                   capture_output=True, check=True).stdout)
    npk = len(subprocess.run(["dpkg-query", "--admindir", os.path.join(a.rootfs, "var/lib/dpkg"), "-W"],
                             capture_output=True, check=True).stdout.splitlines())
    print(f"database: {st['records']} records, {st['affected']} affected entries; rootfs: {npk} packages")

    # The commands take turns, in rotating order, so that a change of the
    # machine's pace during the run (this VM has slow and calm phases) falls
    # on all of them alike; the ratio is also given per round.
    cmds = [[a.portcullis, "scan", a.rootfs, "--db", db, "--format", "json"],
            ["/usr/bin/dpkg-query", "--admindir", os.path.join(a.rootfs, "var/lib/dpkg"), "-W"],
            ["/bin/true"],
            ["/usr/bin/find", a.rootfs],
            [a.portcullis, "scan", a.rootfs, "--db", db, "--format", "json", "--pkg-types", "os"]]
    runs = [[] for _ in cmds]
    for i in range(a.runs):
        for k in range(len(cmds)):
            j = (i + k) % len(cmds)
            runs[j].append(timed(cmds[j]))

    def series(rs):
        walls = sorted(w for w, _ in rs)
        return statistics.median(walls), walls[int(len(walls) * 0.9)], max(r for _, r in rs)

    scan, dpkgq, true, find, scan_os = (series(rs) for rs in runs)
    per_round = statistics.median(s[0] / d[0] for s, d in zip(runs[0], runs[1]))
    per_round_os = statistics.median(s[0] / d[0] for s, d in zip(runs[4], runs[1]))
    print(f"scan:       median {ms(scan[0])}, p90 {ms(scan[1])}, peak RSS {scan[2] / 1024:.1f} MiB "
          f"(targets: < 50 ms, < 32 MiB)")
    print(f"dpkg-query: median {ms(dpkgq[0])}, p90 {ms(dpkgq[1])}, peak RSS {dpkgq[2] / 1024:.1f} MiB "
          f"(reference: only lists the same packages)")
    print(f"/bin/true:  median {ms(true[0])}")
    print(f"find:       median {ms(find[0])}, p90 {ms(find[1])} (reference: lists the same rootfs's folders)")
    print(f"ratio scan / dpkg-query -W: {scan[0] / dpkgq[0]:.2f}x over {a.runs} runs each, taking turns "
          f"(median of the rounds' ratios: {per_round:.2f}x; net of what exec'ing /bin/true costs here, "
          f"{(scan[0] - true[0]) / (dpkgq[0] - true[0]):.2f}x)")
    print(f"ratio scan / find ROOTFS: {scan[0] / find[0]:.2f}x")
    print(f"scan --pkg-types os: median {ms(scan_os[0])}, p90 {ms(scan_os[1])}, peak RSS {scan_os[2] / 1024:.1f} MiB; "
          f"ratio to dpkg-query -W: {scan_os[0] / dpkgq[0]:.2f}x (median of the rounds' ratios: {per_round_os:.2f}x)")


main()
