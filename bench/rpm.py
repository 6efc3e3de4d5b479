#!/usr/bin/env python3
"""rpm inventory benchmark: `portcullis inventory` on a rootfs folder that
holds an rpm database, against `rpm -qa --dbpath` on the same database,
in each of rpm's three formats: median wall and CPU time (user + system,
children included) of N runs each, taken in turns, and the ratios.

Databases:
  sqlite generated   501 packages written by rpm itself: one spec with 500
                     empty noarch subpackages (rpmbuild), installed with
                     `rpm -i --justdb --nodeps` into a fresh --dbpath; small
                     headers (no file lists)
  sqlite mariner     go-rpmdb's real CBL-Mariner 2.0 database, 129 packages
                     (the largest real rpmdb in the shared data)
  sqlite mariner-x4  the mariner file with each header stored four times in
                     its Packages table (516 records of real size,
                     synthesized by this script)
  bdb    libuuid     go-rpmdb's real Berkeley DB Packages (one package);
                     rpm reads it with its read-only bdb_ro backend
  bdb    mariner     the mariner headers in a Berkeley DB hash Packages
                     written by Berkeley DB's own db_load (db5.3-util)
  ndb    sle15-bci   go-rpmdb's real SLE 15 Packages.db (35 packages).
                     Debian's rpm 4.18 has no ndb backend, so rpm is timed
                     on an rpmdb.sqlite this script fills with the same
                     header blobs (read out of the ndb file)

The package count of both tools is checked to agree before timing.

Usage: bench/rpm.py [--runs N] [--portcullis PATH]"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
MARINER = os.path.join(SHARED, "pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")
UUID_BDB = os.path.join(SHARED, "pkgdb/rpm/go-rpmdb/libuuid/Packages")
SLE_NDB = os.path.join(SHARED, "pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db")


def run_once(argv):
    """Wall and CPU (user + system, the children included) seconds of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)}: exit {p.returncode}")
    return wall, ru.ru_utime + ru.ru_stime


def race(a, b, runs):
    """Median wall and CPU seconds of a and b, run in turns (a, b, b, a, ...)
    so that a change in the machine's load weighs on both alike."""
    ta, tb = [], []
    for i in range(runs):
        for argv, out in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            out.append(run_once(argv))
    med = lambda xs, k: statistics.median(x[k] for x in xs)
    return med(ta, 0), med(tb, 0), med(ta, 1), med(tb, 1)


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


def ndb_blobs(path):
    """The header blobs of an ndb Packages.db (rpm's lib/backend/ndb format:
    32-bit little-endian; slot pages after the file header, 16-byte slots
    "Slot", package index, block offset, block count; a blob at block
    offset * 16: "BlbS", package index, generation, length, the header)."""
    b = open(path, "rb").read()
    le = lambda o: struct.unpack_from("<I", b, o)[0]
    assert b[:4] == b"RpmP"
    blobs = []
    for off in range(32, le(12) * 4096, 16):
        if b[off:off + 4] != b"Slot" or le(off + 4) == 0:
            continue
        at = le(off + 8) * 16
        assert b[at:at + 4] == b"BlbS"
        blobs.append(b[at + 16:at + 16 + le(at + 12)])
    return blobs


def sqlite_of(tmp, name, blobs):
    """An rpmdb.sqlite (rpm's schema, from the mariner file) holding blobs."""
    out = os.path.join(tmp, name + ".sqlite")
    shutil.copy(MARINER, out)
    os.chmod(out, 0o644)
    db = sqlite3.connect(out)
    db.execute("DELETE FROM Packages")
    db.executemany("INSERT INTO Packages(blob) VALUES (?)", [(x,) for x in blobs])
    db.commit()
    db.execute("VACUUM")
    db.close()
    return out


def bdb_of(tmp, name, blobs):
    """A Berkeley DB hash Packages holding blobs under keys 1, 2, ... (rpm's
    bdb layout: the key is the package index, 32-bit native order),
    written by Berkeley DB's own db_load (Debian's db5.3-util); None
    without it."""
    load = shutil.which("db5.3_load") or shutil.which("db_load")
    if not load:
        return None
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"]
    for i, blob in enumerate(blobs, 1):
        lines += [" " + struct.pack("<I", i).hex(), " " + blob.hex()]
    out = os.path.join(tmp, name + ".bdb")
    subprocess.run([load, out], input=("\n".join(lines + ["DATA=END"]) + "\n").encode(), check=True)
    return out


def setup(tmp, name, db, file_name, rpm_db=None, rpm_file="rpmdb.sqlite"):
    """A rootfs holding db as var/lib/rpm/file_name for portcullis, and a
    --dbpath folder holding rpm_db (default: db) as rpm_file for rpm."""
    root = os.path.join(tmp, "root-" + name)
    os.makedirs(os.path.join(root, "var/lib/rpm"))
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write('ID=mariner\nVERSION_ID="2.0"\n')
    shutil.copy(db, os.path.join(root, "var/lib/rpm", file_name))
    dbpath = os.path.join(tmp, "dbpath-" + name)
    os.makedirs(dbpath)
    shutil.copy(rpm_db or db, os.path.join(dbpath, rpm_file))
    return root, dbpath


def counts(portcullis, root, rpm_argv):
    inv = json.loads(subprocess.run([portcullis, "inventory", "--format", "json", root], check=True,
                                    capture_output=True, text=True).stdout)
    qa = subprocess.run(rpm_argv, check=True, capture_output=True, text=True).stdout.split()
    return len(inv["packages"]), len([p for p in qa if not p.startswith("gpg-pubkey-")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--portcullis", default=os.environ.get("PORTCULLIS", os.path.join(SRC, "build/cli/portcullis")))
    a = ap.parse_args()
    if not shutil.which("rpm"):
        sys.exit("rpm not found (apt-get install rpm)")
    bdb_ro = ["--define", "_db_backend bdb_ro"]
    with tempfile.TemporaryDirectory(prefix="rpm-bench.") as tmp:
        gen = generate(tmp)
        sle = ndb_blobs(SLE_NDB)
        # from a copy: sqlite deletes a WAL database's -wal and -shm files
        # when its last connection closes, and the shared data is read-only
        copy = os.path.join(tmp, "mariner-copy.sqlite")
        shutil.copy(MARINER, copy)
        mariner_blobs = [b for (b,) in sqlite3.connect(copy).execute("SELECT blob FROM Packages ORDER BY hnum")]
        mariner_bdb = bdb_of(tmp, "mariner", mariner_blobs)
        cases = [
            ("sqlite", "generated", gen and setup(tmp, "generated", gen, "rpmdb.sqlite"), []),
            ("sqlite", "mariner", setup(tmp, "mariner", MARINER, "rpmdb.sqlite"), []),
            ("sqlite", "mariner-x4", setup(tmp, "mariner-x4", repeat(tmp, MARINER, 4), "rpmdb.sqlite"), []),
            ("bdb", "libuuid", setup(tmp, "libuuid", UUID_BDB, "Packages", rpm_file="Packages"), bdb_ro),
            ("bdb", "mariner", mariner_bdb and setup(tmp, "mariner-bdb", mariner_bdb, "Packages", rpm_file="Packages"),
             bdb_ro),
            ("ndb", "sle15-bci", setup(tmp, "sle15-bci", SLE_NDB, "Packages.db", sqlite_of(tmp, "sle", sle)), []),
        ]
        print(f"{'format':<7} {'database':<11} {'pkgs':>4} {'size':>7}  {'wall: ours':>10} {'rpm':>7} {'ratio':>5}"
              f"  {'CPU: ours':>9} {'rpm':>7} {'ratio':>5}")
        for fmt, name, paths, extra in cases:
            if not paths:
                print(f"{fmt:<7} {name:<11} skipped: " + ("rpmbuild" if fmt == "sqlite" else "db_load (db5.3-util)") +
                      " not found")
                continue
            root, dbpath = paths
            rpm_argv = ["rpm", "-qa", "--dbpath", dbpath, *extra]
            ours, theirs = counts(a.portcullis, root, rpm_argv)
            if ours != theirs:
                sys.exit(f"{name}: portcullis reads {ours} packages, rpm -qa {theirs}")
            w_ours, w_rpm, c_ours, c_rpm = race([a.portcullis, "inventory", "--format", "json", root], rpm_argv,
                                                a.runs)
            size = os.path.getsize(os.path.join(root, "var/lib/rpm", os.listdir(os.path.join(root, "var/lib/rpm"))[0]))
            print(f"{fmt:<7} {name:<11} {ours:>4} {size / 1024 / 1024:>5.1f}MB  {w_ours * 1000:>8.1f}ms "
                  f"{w_rpm * 1000:>5.1f}ms {w_ours / w_rpm:>5.2f}  {c_ours * 1000:>7.1f}ms {c_rpm * 1000:>5.1f}ms "
                  f"{c_ours / c_rpm:>5.2f}")
        empty = os.path.join(tmp, "root-empty")
        os.makedirs(empty)
        w_empty, w_true, c_empty, _ = race([a.portcullis, "inventory", "--format", "json", empty], ["/bin/true"],
                                           a.runs)
        print(f"(no rpmdb: portcullis start-up and os-release alone {w_empty * 1000:.1f}ms wall, "
              f"{c_empty * 1000:.1f}ms CPU; /bin/true {w_true * 1000:.1f}ms)")
        print(f"median of {a.runs} runs each, taken in turns; ratio = portcullis / rpm (below 1: portcullis is "
              "faster); the ndb case times rpm on a sqlite rpmdb holding the same headers (Debian's rpm has no "
              "ndb backend)")


if __name__ == "__main__":
    main()
