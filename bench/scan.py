#!/usr/bin/env python3
"""The language-package walk on a realistic image: prints its figures (see
BENCHMARKS.md, "The language-package walk on 20,000 files").

The rootfs (built once, cached in bench/out/scan-rootfs/) is the tests'
Debian 12 minbase plus real language packages: Debian's Python modules as
installed on this machine (/usr/lib/python3/dist-packages, copied whole,
code and metadata) and a real `npm install` from the npm registry of a few
common packages with their dependency trees (/app/node_modules), about
20,000 files in all.

With the page cache warm, `portcullis inventory ROOT --format json` (which
keeps no cache: every run is a cold inventory, dpkg database and walk) and
`find ROOT -type f` on the same tree run in paired rounds, their order
alternating, so that a shared machine's changing load weighs on both alike:
wall and CPU time (user + system, children included), median and p90, and
the ratio of each round's pair.  Peak RSS from GNU time.  Then, once each if
strace is installed, the syscalls of each command (strace -f -c).  (No
instruction counts: valgrind knows neither seccomp nor Landlock, so the
analysis sandbox refuses to start under callgrind, and this VM exposes no
hardware counters to perf.)

Usage: bench/scan.py [--rounds N] [--base DIR] [--portcullis PATH] [--no-counts]"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")

# Exact versions: the same top-level packages on every machine (their
# dependencies are whatever the registry resolves them to that day).
NPM_PACKAGES = ["express@4.18.2", "lodash@4.17.21", "webpack@5.89.0", "eslint@8.56.0", "rxjs@7.8.1",
                "moment@2.29.4", "@babel/core@7.23.6", "react-dom@18.2.0"]
SITE = "/usr/lib/python3/dist-packages"
STAMP = "v1 " + " ".join(NPM_PACKAGES)

TARGET_RATIO = 3.0
TARGET_RSS_MIB = 32


def build_rootfs(base, root):
    """The minbase's files hard-linked (read only here), dist-packages copied,
    node_modules installed by npm; the stamp is written last."""
    stamp = os.path.join(root, ".pc-bench-stamp")
    if os.path.exists(stamp) and open(stamp).read() == STAMP:
        return
    if os.path.exists(root):
        shutil.rmtree(root)
    print(f"building {root} ...", flush=True)
    tmp = root + ".tmp"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    subprocess.run(["cp", "-al", base, tmp], check=True)
    if os.path.isdir(SITE):
        os.makedirs(os.path.join(tmp, "usr/lib/python3"), exist_ok=True)
        subprocess.run(["cp", "-a", SITE, os.path.join(tmp, "usr/lib/python3/")], check=True)
    else:
        print(f"note: no {SITE} on this machine: the rootfs has no Python packages")
    app = os.path.join(tmp, "app")
    os.makedirs(app)
    with open(os.path.join(app, "package.json"), "w") as f:
        json.dump({"name": "pc-bench-app", "version": "1.0.0", "private": True}, f)
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error",
                        "--save-exact", *NPM_PACKAGES], cwd=app, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"npm install failed (the npm registry is needed once, then the rootfs is cached): "
                 f"{p.stderr[-1000:]}")
    open(os.path.join(tmp, ".pc-bench-stamp"), "w").write(STAMP)
    os.rename(tmp, root)


def spawn(argv):
    """One run, stdout and stderr to /dev/null: wall time measured here, CPU
    time (user + system of the process and its children) from wait4."""
    fa = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv} exited {os.waitstatus_to_exitcode(status)}")
    return wall, ru.ru_utime + ru.ru_stime


def peak_rss_kib(argv):
    """GNU time forks from a small process (a child of Python would count
    Python's pages) and waits for the command and its children."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, check=True)
    return int(p.stderr.strip().splitlines()[-1])


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def syscalls(argv, t):
    """Syscalls made (strace -f -c), children included: the total and the
    calls of each kind, most frequent first."""
    out = os.path.join(t, "strace.out")
    subprocess.run(["strace", "-f", "-c", "-o", out, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    total, kinds = 0, []
    for line in open(out):
        f = line.split()
        if len(f) >= 5 and f[-1] == "total":
            total = int(f[3])
        elif len(f) >= 5 and f[0][0].isdigit() and f[-1] != "syscall":
            kinds.append((int(f[3]), f[-1]))
    return total, sorted(kinds, reverse=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--base", default="/var/tmp/portcullis-test/bookworm-minbase")
    ap.add_argument("--root", default=os.path.join(OUT, "scan-rootfs"))
    ap.add_argument("--portcullis", default=os.path.join(SRC, "build/cli/portcullis"))
    ap.add_argument("--no-counts", action="store_true", help="skip strace")
    a = ap.parse_args()
    if not os.path.isdir(a.base):
        sys.exit(f"{a.base}: no rootfs; build it with "
                 f"'debootstrap --variant=minbase bookworm {a.base}' (or run the tests once)")
    os.makedirs(OUT, exist_ok=True)
    build_rootfs(a.base, a.root)
    root = a.root
    pc = [os.path.abspath(a.portcullis), "inventory", root, "--format", "json"]
    find = [shutil.which("find"), root, "-type", "f"]

    first = subprocess.run(pc, capture_output=True, check=True, text=True)
    inv = json.loads(first.stdout)
    warnings = sum("warning:" in line for line in first.stderr.splitlines())  # printed, not in the JSON
    files = sum(1 for _ in subprocess.run(find, capture_output=True, check=True).stdout.splitlines())
    dirs = len(subprocess.run([find[0], root, "-type", "d"], capture_output=True, check=True).stdout.splitlines())
    eco = {}
    for p in inv["packages"]:
        eco[p.get("ecosystem", "?")] = eco.get(p.get("ecosystem", "?"), 0) + 1
    print(f"machine: {os.cpu_count()} cores, {os.uname().release}, load {os.getloadavg()[0]:.1f} at the start")
    print(f"rootfs: {files} files, {dirs} folders; packages: " +
          ", ".join(f"{k} {v}" for k, v in sorted(eco.items())) +
          f"; warnings {warnings}, skipped (a cap reached) {len(inv.get('skipped') or [])}")

    for _ in range(3):          # the page cache warm, both ways
        spawn(find)
        spawn(pc)
    res = {"pc": ([], []), "find": ([], [])}
    ratio_wall, ratio_cpu = [], []
    for i in range(a.rounds):
        order = ("pc", "find") if i % 2 == 0 else ("find", "pc")
        got = {}
        for k in order:
            got[k] = spawn(pc if k == "pc" else find)
            res[k][0].append(got[k][0])
            res[k][1].append(got[k][1])
        ratio_wall.append(got["pc"][0] / got["find"][0])
        ratio_cpu.append(got["pc"][1] / max(got["find"][1], 1e-4))
    load_end = os.getloadavg()[0]
    rss_pc = max(peak_rss_kib(pc) for _ in range(5))
    rss_find = max(peak_rss_kib(find) for _ in range(5))

    def line(name, k, rss):
        w, c = res[k]
        return (f"{name}: wall median {statistics.median(w) * 1000:.1f} ms, p90 {pct(w, 0.9) * 1000:.1f} ms; "
                f"CPU median {statistics.median(c) * 1000:.1f} ms, p90 {pct(c, 0.9) * 1000:.1f} ms; "
                f"peak RSS {rss / 1024:.1f} MiB")

    print(f"{a.rounds} paired rounds, order alternating; load {load_end:.1f} at the end")
    print(line("portcullis inventory", "pc", rss_pc))
    print(line("find -type f        ", "find", rss_find))
    print(f"ratio inventory / find, per round: wall median {statistics.median(ratio_wall):.2f}x, "
          f"p90 {pct(ratio_wall, 0.9):.2f}x; CPU median {statistics.median(ratio_cpu):.2f}x, "
          f"p90 {pct(ratio_cpu, 0.9):.2f}x")
    if not a.no_counts and shutil.which("strace"):
        t = tempfile.mkdtemp(prefix="pc-bench-scan-")
        try:
            for name, argv in (("inventory", pc), ("find     ", find)):
                total, kinds = syscalls(argv, t)
                print(f"syscalls (strace -f -c), {name}: {total} (" +
                      ", ".join(f"{k} {n}" for n, k in kinds[:6]) + ")")
        finally:
            shutil.rmtree(t)
    ok = statistics.median(ratio_wall) <= TARGET_RATIO and rss_pc <= TARGET_RSS_MIB * 1024
    print(f"targets: inventory <= {TARGET_RATIO:.0f}x find -type f (wall, median of the rounds' ratios), "
          f"peak RSS <= {TARGET_RSS_MIB} MiB: {'met' if ok else 'MISSED'}")


main()
