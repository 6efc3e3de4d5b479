#!/usr/bin/env python3
"""The matcher on RPM images, two builds in turns: `portcullis scan` of the
shared data's rpm databases (Syft's and osv-scalibr's Berkeley DB
`Packages`, go-rpmdb's CBL-Mariner 2.0 rpmdb.sqlite and SLE 15 ndb
Packages.db) and of a dpkg status, against one DB: the real Debian 12
advisories and, for every rpm package, records naming its source and its
binary (fixed at its version, last_affected at it).  Median CPU time (user +
system, the children included) of each target and build, the builds taking
turns within every round, and the findings each gives.

An RPM package is looked up under its binary name too (README "How OS
packages are looked up"): one more lookup per binary not named like its
source; a dpkg package keeps one lookup per source.

Usage: bench/match-rpm.py --base PORTCULLIS --new PORTCULLIS [--runs N]"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
GO_RPMDB = os.path.join(SHARED, "pkgdb/rpm/go-rpmdb")
OS = {"rocky": 'ID="rocky"\nVERSION_ID="9.2"\n', "mariner": 'ID=mariner\nVERSION_ID="2.0"\n',
      "opensuse": 'ID="opensuse-leap"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n',
      "debian": 'ID=debian\nVERSION_ID="12"\n'}


def rootfs(t, name, os_id, files):
    root = os.path.join(t, name)
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write(OS[os_id])
    for dst, src in files:
        os.makedirs(os.path.dirname(os.path.join(root, dst)), exist_ok=True)
        shutil.copyfile(src, os.path.join(root, dst))
    return root


def targets(t):
    mariner = [(f"var/lib/rpm/rpmdb.sqlite{x}", f"{GO_RPMDB}/cbl-mariner-2.0/rpmdb.sqlite{x}")
               for x in ("", "-wal", "-shm") if os.path.exists(f"{GO_RPMDB}/cbl-mariner-2.0/rpmdb.sqlite{x}")]
    dpkg = sorted(glob.glob(f"{SHARED}/pkgdb/syft/dpkg/*/var/lib/dpkg/status"))[0]
    return {
        "syft Packages (bdb)": rootfs(t, "syft", "rocky",
                                      [("var/lib/rpm/Packages", f"{SHARED}/pkgdb/syft/rpm/Packages")]),
        "scalibr Packages_epoch (bdb)": rootfs(t, "scalibr", "rocky", [
            ("var/lib/rpm/Packages", f"{SHARED}/pkgdb/osv-scalibr/rpm/Packages_epoch")]),
        "mariner 2.0 (sqlite)": rootfs(t, "mariner", "mariner", mariner),
        "sle15-bci (ndb)": rootfs(t, "sle", "opensuse",
                                  [("usr/lib/sysimage/rpm/Packages.db", f"{GO_RPMDB}/sle15-bci/Packages.db")]),
        "dpkg (syft)": rootfs(t, "dpkg", "debian", [("var/lib/dpkg/status", dpkg)]),
    }


def advisories(exe, roots, folder):
    os.makedirs(folder)
    n = 0
    for root in roots:
        inv = json.loads(subprocess.run([exe, "inventory", root, "--format", "json"], capture_output=True,
                                        text=True, check=True).stdout)
        for p in inv["packages"]:
            if not p["ecosystem"] or p["ecosystem"].startswith("Debian"):
                continue
            for name, version in ((p["source_name"], p["source_version"]), (p["name"], p["version"])):
                for event in ({"fixed": version}, {"last_affected": version}):
                    rec = {"id": f"BENCH-{n}", "modified": "2024-01-01T00:00:00Z",
                           "affected": [{"package": {"ecosystem": p["ecosystem"], "name": name},
                                         "ranges": [{"type": "ECOSYSTEM",
                                                     "events": [{"introduced": "0"}, event]}]}]}
                    with open(f"{folder}/BENCH-{n}.json", "w") as f:
                        json.dump(rec, f)
                    n += 1
    return n


def scan(exe, root, db):
    """CPU seconds (user + system, children included) and the findings of one scan."""
    p = subprocess.Popen([exe, "scan", root, "--db", db, "--format", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{exe} scan {root}: exit {os.waitstatus_to_exitcode(status)}")
    return ru.ru_utime + ru.ru_stime, len(json.loads(out)["findings"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--runs", type=int, default=41)
    a = ap.parse_args()
    builds = {"base": a.base, "new": a.new}
    t = tempfile.mkdtemp(prefix="pc-bench-match-rpm-")
    try:
        roots = targets(t)
        n = advisories(a.new, roots.values(), f"{t}/adv")
        db = f"{t}/db.sqlite"
        subprocess.run([a.new, "db", "import", f"{SHARED}/vulndb/debian12-changelogs", f"{t}/adv", "--db", db],
                       check=True, capture_output=True)
        cpu = {k: {b: [] for b in builds} for k in roots}
        found = {k: {} for k in roots}
        for i in range(a.runs):
            order = list(builds.items()) if i % 2 == 0 else list(reversed(builds.items()))
            for k, root in roots.items():
                for b, exe in order:
                    s, found[k][b] = scan(exe, root, db)
                    cpu[k][b].append(s)
        print(f"{n} generated records and Debian 12's; {a.runs} runs of each, in turns; median CPU (user + system)")
        for k in roots:
            base, new = (statistics.median(cpu[k][b]) * 1000 for b in ("base", "new"))
            print(f"{k:30s} base {base:6.1f} ms ({found[k]['base']:3d} findings)  "
                  f"new {new:6.1f} ms ({found[k]['new']:3d} findings)  {100 * (new - base) / base:+5.1f}%")
    finally:
        shutil.rmtree(t)


if __name__ == "__main__":
    main()
