#!/usr/bin/env python3
"""The CLI's start-up (issue 13's "portcullis --version" row): the CPU time
(perf stat's task-clock: exact, where rusage counts in scheduler ticks) of
`portcullis --version` against `dpkg-query -W` on the Debian 12 minbase
rootfs the tests build (what issue 13 compares with; the host's own dpkg
database when that rootfs is absent) and against `/bin/true`, in blocks of
--block runs taken in turns, --rounds blocks; the medians of the blocks'
means and the ratios.  Also the shared objects the CLI maps (ldd).

Usage: bench/startup.py [--rounds N] [--block N] [--build DIR] [--rootfs DIR]"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def task_clock_ms(argv, runs):
    """Mean task-clock (ms) of runs runs of argv, from perf stat."""
    p = subprocess.run(["perf", "stat", "-x", ",", "-e", "task-clock", "-r", str(runs), *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("task-clock"):
            return float(f[0])
    sys.exit(f"perf stat gave no task-clock for {argv[0]}: {p.stderr.strip()[-300:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--rootfs", default="/var/tmp/portcullis-test/bookworm-minbase")
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("bench/startup.py needs perf (linux-perf)")
    cli = os.path.join(a.build, "cli", "portcullis")
    admindir = os.path.join(a.rootfs, "var/lib/dpkg")
    if not os.path.exists(os.path.join(admindir, "status")):
        admindir = "/var/lib/dpkg"
    cmds = {
        "portcullis --version": [cli, "--version"],
        f"dpkg-query -W ({admindir})": ["dpkg-query", f"--admindir={admindir}", "-W"],
        "/bin/true": ["/bin/true"],
    }
    got = {k: [] for k in cmds}
    keys = list(cmds)
    for r in range(a.rounds):
        for k in keys[r % len(keys):] + keys[:r % len(keys)]:
            got[k].append(task_clock_ms(cmds[k], a.block))
    med = {k: statistics.median(v) for k, v in got.items()}
    ref = med[keys[1]]
    for k in keys:
        print(f"{k:60s} {med[k]:6.2f} ms CPU  {med[k] / ref:5.2f}x dpkg-query  {med[k] / med['/bin/true']:5.2f}x /bin/true")
    libs = subprocess.run(["ldd", cli], stdout=subprocess.PIPE, text=True).stdout.split("\n")
    print(f"shared objects mapped by the CLI: {len([l for l in libs if l.strip()])} "
          f"({', '.join(l.split()[0] for l in libs if l.strip())})")


if __name__ == "__main__":
    main()
