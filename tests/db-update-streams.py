#!/usr/bin/env python3
"""`db update` fetches an Ubuntu release's Pro stream with the release.

Canonical files what only Ubuntu Pro fixes under "Ubuntu:Pro:<release>",
and the matcher reads those records for the release's packages too; a
node that updates "Ubuntu:22.04:LTS" alone passed such a finding in
silence (the scan warned of it).  A mirror of our own (http on 127.0.0.1,
a free port):
  - Ubuntu:22.04:LTS and its Pro stream: both fetched, the Pro record
    found by a scan of a 22.04 rootfs, no warning;
  - Ubuntu:23.10, an interim release with no Pro stream (404): the run
    succeeds and says the stream was left out, which stays out of the
    state;
  - a Pro stream fetched before that the mirror no longer has: kept (its
    records stay), said, the run succeeds, also when the list comes from
    the earlier runs' state (no update.ecosystems);
  - a Pro stream named in update.ecosystems is required: its 404 fails the
    run, as any ecosystem's does;
  - with a signing key, a stream with no signed manifest (404) is left out
    the same way;
  - Red Hat: "Red Hat:enterprise_linux:9::baseos" (what a UBI 9 image is
    named by) brings its AppStream and CodeReady Builder siblings; the
    mirror has no CRB: left out, said; the AppStream record found by a scan.
  - RHEL 10: "Red Hat:enterprise_linux:10.1" (a UBI 10.1 image's) brings
    every RHEL 10 minor from 10.0 to six past the newest (10.7), no
    further; the mirror's 10.0, 10.1 and 10.3 fetched, the others (404)
    left out, said; a minor the mirror loses is kept; from the state
    alone the newest fetched (10.3) moves the bound (10.9).
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish, http_server, osv_folder, run, send  # noqa: E402

if not shutil.which("openssl"):
    print("SKIP: openssl is not installed")
    sys.exit(77)

T = tempfile.mkdtemp(prefix="db-update-streams-")
M = f"{T}/mirror"
JAMMY, PRO, MANTIC, PRO_MANTIC = "Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "Ubuntu:23.10", "Ubuntu:Pro:23.10"


def record(rid, eco, name, fixed):
    return {"id": rid, "modified": "2026-11-20T00:00:00Z",
            "affected": [{"package": {"ecosystem": eco, "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]}


osv_folder(f"{M}/{JAMMY}", [record("PCT-JAMMY-1", JAMMY, "zlib", "1:1.2.11.dfsg-2ubuntu9.3")], debian=False)
# fixed only by Pro (ESM): below the +esm1 build, the standard archive's is affected
osv_folder(f"{M}/{PRO}", [record("PCT-PRO-1", PRO, "expat", "2.4.7-1ubuntu0.3+esm1")], debian=False)
osv_folder(f"{M}/{MANTIC}", [record("PCT-MANTIC-1", MANTIC, "zlib", "1:1.2.13.dfsg-1ubuntu5.1")], debian=False)

requests = []


def handle(h):
    path = unquote(h.path.split("?")[0])
    requests.append(path)
    f = os.path.normpath(M + path)
    if not f.startswith(M + "/") or not os.path.isfile(f):
        return send(h, 404, b"not here")
    send(h, 200, open(f, "rb").read())


srv, URL = http_server(handle)


def config(name, ecosystems=None, key=None):
    c = {"db": f"{T}/{name}.sqlite", "cache": f"{T}/no-cache.db",
         "update": {"cve_sources": [], "kev_sources": [], "epss_sources": [], "sources": [URL],
                    "state_dir": f"{T}/{name}-state", "timeout_s": 5}}
    if ecosystems:
        c["update"]["ecosystems"] = ecosystems
    if key:
        c["update"]["public_key"] = key
    path = f"{T}/{name}.json"
    json.dump(c, open(path, "w"))
    return path


def update(cfg, expect=0):
    return run("db", "update", "--config", cfg, expect=expect, timeout=120)


def ids(name):
    with sqlite3.connect(f"{T}/{name}.sqlite") as db:
        return sorted(r[0] for r in db.execute("select id from vuln"))


def state_ecosystems(name):
    return sorted(json.load(open(f"{T}/{name}-state/state.json"))["ecosystems"])


# a 22.04 rootfs with the standard archive's expat
root = f"{T}/jammy"
os.makedirs(f"{root}/etc")
os.makedirs(f"{root}/var/lib/dpkg")
open(f"{root}/etc/os-release", "w").write('ID=ubuntu\nVERSION_ID="22.04"\n')
open(f"{root}/var/lib/dpkg/status", "w").write(
    "Package: libexpat1\nStatus: install ok installed\nArchitecture: amd64\nSource: expat\n"
    "Version: 2.4.7-1ubuntu0.3\n\n")

# 1. the release's stream with it; 23.10 has none: left out, said
cfg = config("a", [JAMMY, MANTIC])
r = update(cfg)
out = r.stdout + r.stderr
check(f"also updating {PRO}, whose records hold for {JAMMY}'s packages too" in out, f"the stream not said: {out}")
check(f"{PRO_MANTIC}: no source has it (each answered 404): left out" in out, f"23.10's absent stream: {out}")
check(", 1 left out that no source has;" in r.stdout, f"the summary: {r.stdout}")
check("the next run downloads all.zip again" not in out, f"the absent stream's list said as a failure: {out}")
check(ids("a") == ["PCT-JAMMY-1", "PCT-MANTIC-1", "PCT-PRO-1"], f"records: {ids('a')}")
check(state_ecosystems("a") == [JAMMY, MANTIC, PRO], f"state: {state_ecosystems('a')}")
check(not os.path.exists(f"{T}/a-state/{PRO_MANTIC}"), "a folder kept for the absent stream")
s = subprocess.run([P, "scan", root, "--db", f"{T}/a.sqlite", "--format", "json"], capture_output=True, text=True)
found = [(f["id"], f["package"]) for f in json.loads(s.stdout)["findings"]]
check(found == [("PCT-PRO-1", "libexpat1")], f"scan: {found} {s.stderr}")
check(PRO not in s.stderr, f"a warning about the Pro stream: {s.stderr}")

# 2. again: nothing changed, the absent stream left out again, exit 0
r = update(cfg)
check(f"{PRO_MANTIC}: no source has it" in r.stdout + r.stderr, f"second run: {r.stdout} {r.stderr}")

# 3. the mirror loses the Pro stream: its records are kept, said
shutil.move(f"{M}/{PRO}", f"{T}/pro-away")
r = update(cfg)
out = r.stdout + r.stderr
check(f"{PRO}: no source has it now (each answered 404): the database keeps the records of it downloaded" in out,
      f"the lost stream: {out}")
check("PCT-PRO-1" in ids("a"), f"the Pro record dropped: {ids('a')}")
check(PRO in state_ecosystems("a"), f"the Pro stream left the state: {state_ecosystems('a')}")

# ... also when the list is the earlier runs' (no update.ecosystems, no cache)
r = update(config("a"))
out = r.stdout + r.stderr
check("no ecosystems configured: updating those of the images in the verdict cache" in out, f"defaults: {out}")
check(f"{PRO}: no source has it now" in out, f"defaults, the lost stream: {out}")
check("PCT-PRO-1" in ids("a"), f"defaults: the Pro record dropped: {ids('a')}")

# 4. named, it is required: a 404 fails the run, the database unchanged
before = ids("a")
r = update(config("a", [JAMMY, PRO]), expect=2)
check("no source could serve it" in r.stderr, f"a named stream's 404: {r.stderr}")
check(ids("a") == before, f"database changed by a failed run: {ids('a')}")
shutil.move(f"{T}/pro-away", f"{M}/{PRO}")

# 5. signed: the folders with a manifest, 23.10's stream with none
requests.clear()
subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", f"{T}/k.key"], check=True)
subprocess.run(["openssl", "pkey", "-in", f"{T}/k.key", "-pubout", "-out", f"{T}/k.pub"], check=True)
for eco in (JAMMY, PRO, MANTIC):
    run("db", "sign", "--key", f"{T}/k.key", "--serial", "1", "--expires", "2099-01-01T00:00:00Z", f"{M}/{eco}")
r = update(config("signed", [JAMMY, MANTIC], key=f"{T}/k.pub"))
out = r.stdout + r.stderr
check(f"{PRO_MANTIC}: no source has it (each answered 404): left out" in out, f"signed, absent stream: {out}")
check(ids("signed") == ["PCT-JAMMY-1", "PCT-MANTIC-1", "PCT-PRO-1"], f"signed: records {ids('signed')}")
check(f"/{PRO_MANTIC}/all.zip" not in requests, "signed: all.zip asked for without a manifest")

# 6. Red Hat: a release's BaseOS brings its AppStream and CRB siblings
RH = "Red Hat:enterprise_linux:9::"
osv_folder(f"{M}/{RH}baseos", [record("PCT-RH-BASEOS", RH + "baseos", "openssl-libs", "1:3.0.7-16.el9_2")],
           debian=False)
osv_folder(f"{M}/{RH}appstream", [record("PCT-RH-APPSTREAM", RH + "appstream", "git-lfs", "0:3.2.0-2.el9_2")],
           debian=False)
r = update(config("rh", [RH + "baseos"]))
out = r.stdout + r.stderr
for sib in ("appstream", "crb"):
    check(f"also updating {RH}{sib}, whose records hold for {RH}baseos's packages too" in out, f"{sib}: {out}")
check(f"{RH}crb: no source has it (each answered 404): left out" in out, f"Red Hat, absent CRB: {out}")
check(ids("rh") == ["PCT-RH-APPSTREAM", "PCT-RH-BASEOS"], f"Red Hat records: {ids('rh')}")
check(state_ecosystems("rh") == [RH + "appstream", RH + "baseos"], f"Red Hat state: {state_ecosystems('rh')}")
ubi = f"{T}/ubi9"
os.makedirs(f"{ubi}/etc")
open(f"{ubi}/etc/os-release", "w").write('ID="rhel"\nVERSION_ID="9.2"\n')
s = subprocess.run([P, "inventory", ubi, "--format", "json"], capture_output=True, text=True)
check(json.loads(s.stdout)["os"]["ecosystem"] == RH + "baseos", f"UBI 9's ecosystem: {s.stdout} {s.stderr}")

# 7. RHEL 10: a minor release brings every RHEL 10 minor, up to six past the newest
EL10 = "Red Hat:enterprise_linux:10."
for minor, name, fixed in ((0, "expat", "0:2.6.3-2.el10_0"), (1, "curl", "0:8.9.1-6.el10_1"),
                           (3, "sudo", "0:1.9.15-9.el10_3")):
    osv_folder(f"{M}/{EL10}{minor}", [record(f"PCT-EL10-{minor}", f"{EL10}{minor}", name, fixed)], debian=False)
ALL10 = ["PCT-EL10-0", "PCT-EL10-1", "PCT-EL10-3"]
requests.clear()
r = update(config("rh10", [EL10 + "1"]))
out = r.stdout + r.stderr
check(f"also updating {EL10}0 to {EL10}7 where a source has them" in out, f"RHEL 10's minors not said: {out}")
for m in (2, 4, 5, 6, 7):
    check(f"{EL10}{m}: no source has it (each answered 404): left out" in out, f"RHEL 10.{m}'s 404: {out}")
check(", 5 left out that no source has;" in r.stdout, f"RHEL 10, the summary: {r.stdout}")
check(ids("rh10") == ALL10, f"RHEL 10 records: {ids('rh10')}")
check(state_ecosystems("rh10") == [EL10 + "0", EL10 + "1", EL10 + "3"], f"RHEL 10 state: {state_ecosystems('rh10')}")
asked = sorted({q.split("/")[1] for q in requests})
check(asked == [f"{EL10}{m}" for m in range(8)], f"RHEL 10: the folders asked for: {asked}")
ubi10 = f"{T}/ubi10"
os.makedirs(f"{ubi10}/etc")
open(f"{ubi10}/etc/os-release", "w").write('ID="rhel"\nVERSION_ID="10.1"\n')
s = subprocess.run([P, "inventory", ubi10, "--format", "json"], capture_output=True, text=True)
check(json.loads(s.stdout)["os"]["ecosystem"] == EL10 + "1", f"UBI 10.1's ecosystem: {s.stdout} {s.stderr}")

# the mirror loses 10.0: kept; the list from the state alone, 10.3 the newest
shutil.move(f"{M}/{EL10}0", f"{T}/el10-0-away")
r = update(config("rh10"))
out = r.stdout + r.stderr
check(f"also updating {EL10}0 to {EL10}9 where a source has them" in out, f"RHEL 10 from the state: {out}")
check(f"{EL10}0: no source has it now (each answered 404): the database keeps the records" in out,
      f"RHEL 10.0 lost: {out}")
check(ids("rh10") == ALL10, f"RHEL 10 records, 10.0 lost: {ids('rh10')}")
# named again: every minor fetched before stays
r = update(config("rh10", [EL10 + "1"]))
out = r.stdout + r.stderr
check("no longer asked for" not in out and ids("rh10") == ALL10, f"RHEL 10 named again: {ids('rh10')} {out}")
shutil.move(f"{T}/el10-0-away", f"{M}/{EL10}0")

srv.shutdown()
srv.server_close()
shutil.rmtree(T, ignore_errors=True)
finish()
