#!/usr/bin/env python3
"""rpm inventory benchmark: `portcullis inventory` on a rootfs folder that
holds an rpmdb.sqlite, against `rpm -qa --dbpath` on the same database,
median wall time of N runs each, and the ratio.

Databases (all sqlite: Debian's rpm 4.18 reads Berkeley DB only read-only
and has no ndb backend, so it can't write either):
  generated   501 packages written by rpm itself: one spec with 500 empty
              noarch subpackages (rpmbuild), installed with
              `rpm -i --justdb --nodeps` into a fresh --dbpath; small
              headers (no file lists)
  mariner     go-rpmdb's real CBL-Mariner 2.0 database, 129 packages
              (the largest real rpmdb in the shared data)
  mariner-x4  the mariner file with each header stored four times in its
              Packages table (516 records of real size, synthesized by this
              script)

The package count of both tools is checked to agree before timing.

Usage: bench/rpm.py [--runs N] [--portcullis PATH]"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
MARINER = os.path.join(SHARED, "pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")


def wall(argv, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def generate(tmp, n=500):
    """A database written by rpm: n empty noarch packages."""
    if not shutil.which("rpmbuild"):
        return None
    lines = ["Name: benchbase", "Version: 1.0", "Release: 1", "Summary: bench", "License: MIT",
             "BuildArch: noarch", "%description", "bench", ""]
    for i in range(n):
        lines += [f"%package -n bench{i:03d}", f"Version: {i // 50}.{i % 50}.{i % 7}", f"Release: {i % 9 + 1}.el9",
                  *([f"Epoch: {i % 3}"] if i % 4 == 0 else []), "Summary: bench",
                  f"%description -n bench{i:03d}", "bench", f"%files -n bench{i:03d}", ""]
    lines += ["%files", ""]
    spec = os.path.join(tmp, "bench.spec")
    with open(spec, "w") as f:
        f.write("\n".join(lines))
    top = os.path.join(tmp, "top")
    subprocess.run(["rpmbuild", "-bb", "--define", f"_topdir {top}", "--define", "_build_id_links none", spec],
                   check=True, capture_output=True)
    db = os.path.join(tmp, "generated-db")
    os.makedirs(db)
    rpms = [os.path.join(top, "RPMS/noarch", r) for r in sorted(os.listdir(os.path.join(top, "RPMS/noarch")))]
    subprocess.run(["rpm", "--initdb", "--dbpath", db], check=True)
    subprocess.run(["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--dbpath", db, *rpms], check=True,
                   capture_output=True)
    return os.path.join(db, "rpmdb.sqlite")


def repeat(tmp, src, times):
    """A copy of src (rpm's schema kept: rpm refuses a file without its
    tables) whose Packages table holds every blob `times` times."""
    out = os.path.join(tmp, f"x{times}.sqlite")
    shutil.copy(src, out)
    os.chmod(out, 0o644)
    db = sqlite3.connect(out)
    blobs = [b for (b,) in db.execute("SELECT blob FROM Packages")]
    db.executemany("INSERT INTO Packages(blob) VALUES (?)", [(b,) for _ in range(times - 1) for b in blobs])
    db.commit()
    db.close()
    return out


def rootfs_with(tmp, name, db):
    root = os.path.join(tmp, "root-" + name)
    os.makedirs(os.path.join(root, "var/lib/rpm"))
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write('ID=mariner\nVERSION_ID="2.0"\n')
    shutil.copy(db, os.path.join(root, "var/lib/rpm/rpmdb.sqlite"))
    return root


def counts(portcullis, root):
    inv = json.loads(subprocess.run([portcullis, "inventory", "--format", "json", root], check=True,
                                    capture_output=True, text=True).stdout)
    qa = subprocess.run(["rpm", "-qa", "--dbpath", os.path.join(root, "var/lib/rpm")], check=True,
                        capture_output=True, text=True).stdout.split()
    return len(inv["packages"]), len([p for p in qa if not p.startswith("gpg-pubkey-")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--portcullis", default=os.environ.get("PORTCULLIS", os.path.join(SRC, "build/cli/portcullis")))
    a = ap.parse_args()
    if not shutil.which("rpm"):
        sys.exit("rpm not found (apt-get install rpm)")
    with tempfile.TemporaryDirectory(prefix="rpm-bench.") as tmp:
        cases = [("generated", generate(tmp)), ("mariner", MARINER), ("mariner-x4", repeat(tmp, MARINER, 4))]
        print(f"{'database':<12} {'packages':>8} {'size':>9} {'portcullis':>11} {'rpm -qa':>9} {'ratio':>6}")
        for name, db in cases:
            if not db:
                print(f"{name:<12} skipped: rpmbuild not found")
                continue
            root = rootfs_with(tmp, name, db)
            ours, theirs = counts(a.portcullis, root)
            if ours != theirs:
                sys.exit(f"{name}: portcullis reads {ours} packages, rpm -qa {theirs}")
            t_ours = wall([a.portcullis, "inventory", "--format", "json", root], a.runs)
            t_rpm = wall(["rpm", "-qa", "--dbpath", os.path.join(root, "var/lib/rpm")], a.runs)
            size = os.path.getsize(db) / 1024 / 1024
            print(f"{name:<12} {ours:>8} {size:>7.1f}MB {t_ours * 1000:>9.1f}ms {t_rpm * 1000:>7.1f}ms "
                  f"{t_ours / t_rpm:>6.2f}")
        empty = os.path.join(tmp, "root-empty")
        os.makedirs(empty)
        t_empty = wall([a.portcullis, "inventory", "--format", "json", empty], a.runs)
        print(f"{'(no rpmdb)':<12} {0:>8} {'':>9} {t_empty * 1000:>9.1f}ms   "
              "(portcullis start-up and os-release alone)")
        print(f"median of {a.runs} runs each; ratio = portcullis / rpm (below 1: portcullis is faster)")


if __name__ == "__main__":
    main()
