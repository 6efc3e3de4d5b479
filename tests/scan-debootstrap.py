#!/usr/bin/env python3
"""The end-to-end check on real data: a Debian 12 minbase rootfs built by
debootstrap from the bookworm suite, scanned against the 1,272 real Debian 12
advisories in shared/data/vulndb/debian12-changelogs/feed.zip.

Oracles: dpkg-query reads the rootfs's package database (for the inventory),
and dpkg --compare-versions decides which findings are expected (installed
source version < fixed version), as that feed's README prescribes; nothing
is hard-coded, because the archive changes from day to day."""
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

SKIP = 77
PORTCULLIS = os.environ["PORTCULLIS"]
DATA = os.environ.get("PC_SHARED_DATA", "")
CACHE = os.environ.get("PC_ROOTFS_CACHE", "/var/tmp/portcullis-test")
MIRROR = os.environ.get("PC_DEBIAN_MIRROR", "http://deb.debian.org/debian")
failures = 0


def skip(why):
    print("skip:", why)
    sys.exit(SKIP)


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def debootstrap_rootfs():
    """Builds (once, cached) bookworm --variant=minbase; returns its path."""
    root = os.path.join(CACHE, "bookworm-minbase")
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(root, ".portcullis-complete")):
            return root
        tmp = root + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"debootstrap --variant=minbase bookworm {tmp} {MIRROR}", flush=True)
        r = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", tmp, MIRROR],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            skip("debootstrap failed (is the Debian archive reachable?): " + r.stderr[-500:])
        shutil.rmtree(root, ignore_errors=True)
        os.rename(tmp, root)
        open(os.path.join(root, ".portcullis-complete"), "w").close()
    return root


def dpkg_query(root):
    fmt = "${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n"
    out = subprocess.run(["dpkg-query", "--admindir", os.path.join(root, "var/lib/dpkg"), "-W", "-f", fmt],
                         check=True, capture_output=True, text=True).stdout
    pkgs = set()
    for line in out.splitlines():
        status, *fields = line.split("\t")
        if status == "installed":
            pkgs.add(tuple(fields))
    return pkgs


def dpkg_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def run(*args, expect=0):
    r = subprocess.run([PORTCULLIS, *args], capture_output=True, text=True)
    check(r.returncode == expect, f"portcullis {' '.join(args)}: exit {r.returncode}, wanted {expect}: {r.stderr}")
    return r


def main():
    if not DATA or not os.path.isdir(DATA):
        skip("shared data not found")
    if os.geteuid() != 0:
        skip("debootstrap needs root")
    for tool in ("debootstrap", "dpkg", "dpkg-query"):
        if not shutil.which(tool):
            skip(f"{tool} not installed")
    feed = os.path.join(DATA, "vulndb/debian12-changelogs/feed.zip")
    root = debootstrap_rootfs()
    tmp = tempfile.mkdtemp(prefix="pc-deboot-")
    db = os.path.join(tmp, "vulndb.sqlite")

    # The inventory agrees with dpkg-query, field by field.
    want = dpkg_query(root)
    inv = json.loads(run("inventory", root, "--format", "json").stdout)
    got = {(p["name"], p["version"], p["source_name"], p["source_version"], p["arch"]) for p in inv["packages"]}
    check(got == want, f"inventory differs from dpkg-query: missing {sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}")
    check(inv["os"]["ecosystem"] == "Debian:12", f"ecosystem {inv['os']}")
    check(all(p["purl"].startswith("pkg:deb/debian/") for p in inv["packages"]), "purls")
    print(f"inventory: {len(got)} packages, identical to dpkg-query")

    # Import the real feed.
    r = run("db", "import", feed, "--db", db)
    check("imported 1272 records" in r.stdout, r.stdout)

    # Expected findings: one per (record, installed binary whose source
    # package the record names, source version < fixed).
    by_source = {}
    for name, version, src, srcver, arch in want:
        by_source.setdefault(src, []).append((name, srcver))
    expected = {}
    with zipfile.ZipFile(feed) as z:
        for n in z.namelist():
            rec = json.loads(z.read(n))
            for aff in rec["affected"]:
                fixed = [e["fixed"] for rg in aff["ranges"] for e in rg["events"] if "fixed" in e]
                for binary, srcver in by_source.get(aff["package"]["name"], []):
                    if fixed and dpkg_lt(srcver, fixed[0]):
                        expected[(rec["id"], binary)] = fixed[0]

    scan = json.loads(run("scan", root, "--db", db, "--format", "json").stdout)
    got = {(f["id"], f["package"]): f["fixed_version"] for f in scan["findings"]}
    check(got == expected, f"findings differ: missing {sorted(set(expected) - set(got))[:10]}, "
                           f"extra {sorted(set(got) - set(expected))[:10]}")
    check(scan["summary"]["total"] == len(expected), "summary total")
    check(scan["summary"]["UNKNOWN"] == len(expected), "the feed has no severities: all UNKNOWN")
    check(all(f["status"] == "fixed" for f in scan["findings"]), "every finding has a fix")
    per_source = {}
    for f in scan["findings"]:
        per_source[f["source_name"]] = per_source.get(f["source_name"], 0) + 1
    print(f"findings: {len(got)} (expected {len(expected)}), by source package: {per_source}")

    # The policy exit code: any finding at or above UNKNOWN fails; above
    # it, findings of UNKNOWN severity are not known to be below: they fail
    # as not checked (said), unless --allow-unchecked, or count as
    # --unknown-as says.
    run("scan", root, "--db", db, "--fail-on", "UNKNOWN", expect=1 if expected else 0)
    r = run("scan", root, "--db", db, "--fail-on", "LOW", expect=1 if expected else 0)
    check(not expected or f"not checked against --fail-on LOW: {len(expected)} findings of UNKNOWN severity" in r.stderr,
          f"--fail-on LOW: no warning: {r.stderr}")
    run("scan", root, "--db", db, "--fail-on", "LOW", "--allow-unchecked", expect=0)
    run("scan", root, "--db", db, "--fail-on", "HIGH", "--unknown-as", "HIGH", expect=1 if expected else 0)
    run("scan", root, "--db", db, "--fail-on", "HIGH", "--unknown-as", "MEDIUM", expect=0)
    run("scan", root, "--db", db, "--fail-on", "HIGH", "--unknown-as", "UNKNOWN", expect=2)
    table = run("scan", root, "--db", db).stdout
    check(f"Total: {len(expected)} (" in table, "table summary line")
    check("\033[" not in table, "no colour when stdout is not a TTY")

    shutil.rmtree(tmp)
    print("ok" if failures == 0 else f"{failures} failures")
    sys.exit(1 if failures else 0)


main()
