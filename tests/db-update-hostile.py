#!/usr/bin/env python3
"""`db update` from http(s) mirrors that misbehave: a mirror of our own
(http on 127.0.0.1, a free port) serving folders laid out like OSV's
bucket, signed with `portcullis db sign`, switched per case by a dict of
misbehaviours.  tests/db-update.sh drives nginx with the honest cases.

  rollback     a node whose database holds newer signed data than the
               mirror serves, where the serial can't tell (the state
               folder lost; the database installed from an OCI artifact
               over a state of an older serial): the older snapshot is
               refused, the database keeps serving; a newer one, and an
               ecosystem the database does not hold, still come in.
  gzip         records sent gzip-encoded, 15 MiB each from 15 KB: a file
               the update keeps on disk is asked for without
               Accept-Encoding and stored as sent, so the state folder
               never holds more than came over the wire.
  fallback     an oci:// source that fails before the http(s) mirror
               that serves: the run succeeds, and `db status` says the
               pull failed, when and why.
  stale feeds  a KEV catalogue and an EPSS file, first from the second
               mirror of their lists, then the first mirror serves older
               copies: passed over as older, the data kept; a newer one
               from it comes in.  A copy dated years ahead of the clock
               is refused; one that came in (by db import) does not hold
               back the real ones after it.
"""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish, http_server, osv_folder, send  # noqa: E402

SRC = os.environ["PC_SOURCE_ROOT"]

if not shutil.which("openssl"):
    print("SKIP: openssl is not installed")
    sys.exit(77)

T = tempfile.mkdtemp(prefix="db-update-hostile-")


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True)


def when(seconds_ago):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


# ---- mirrors ---------------------------------------------------------------------------
def record(rid, eco="Debian:12", package="pc-hostile"):
    return {"id": rid, "modified": "2026-11-30T00:00:00Z", "summary": f"generated {rid}",
            "affected": [{"package": {"ecosystem": eco, "name": package},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]}


def folder(mirror, eco, extra=(), serial=None, created=None):
    """<T>/<mirror>/<eco>: the shipped Debian records (for Debian:12) and
    extra generated ones, all.zip and modified_id.csv; signed with serial
    and created when serial is given."""
    d = osv_folder(f"{T}/{mirror}/{eco}", [record(rid, eco) for rid in extra], debian=eco == "Debian:12")
    if serial is not None:
        sh(P, "db", "sign", "--key", f"{T}/k.key", "--serial", str(serial), "--created", created, "--expires",
           "2099-01-01T00:00:00Z", d)
    return d


class Mirror:
    """http on 127.0.0.1:port over T; self.mode switches misbehaviours,
    self.log records (path, Accept-Encoding) of every request."""

    def __init__(self):
        self.mode, self.log = {}, []
        self.srv, self.url = http_server(self.handle)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

    def handle(self, h):
        path = unquote(h.path.split("?")[0])
        self.log.append((path, h.headers.get("Accept-Encoding")))
        bomb = self.mode.get("gzip_bomb")
        if bomb and os.path.basename(path).startswith(bomb[0]):
            return send(h, 200, bomb[1], {"Content-Encoding": "gzip"})
        f = os.path.normpath(f"{T}/{path}")
        if not f.startswith(T + "/") or not os.path.isfile(f):
            return send(h, 404, b"not here")
        return send(h, 200, open(f, "rb").read())


# ---- nodes -------------------------------------------------------------------------------
def node(name, signed=True, **more):
    """A node folder and its config (every run names its --source; more:
    other keys of "update"); returns the config's path."""
    n = f"{T}/node-{name}"
    os.makedirs(n)
    u = {"sources": ["http://127.0.0.1:9/unused"], "cve_sources": [], "ecosystems": ["Debian:12"],
         "state_dir": f"{n}/state", "timeout_s": 5, **more}
    if signed:
        u["public_key"] = f"{T}/k.pub"
    json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache.db", "update": u}, open(f"{n}/config.json", "w"))
    return f"{n}/config.json"


def db_of(config):
    return json.load(open(config))["db"]


def update(config, *sources, args=()):
    """`db update` from sources: (exit code, output)."""
    src = [a for s in sources for a in ("--source", s)]
    r = subprocess.run([P, "db", "update", "--config", config, *src, *args], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout + r.stderr


def status(config):
    r = subprocess.run([P, "db", "status", "--db", db_of(config), "--format", "json"], capture_output=True,
                       text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {}


# ---- rollback ------------------------------------------------------------------------------
def test_rollback(m):
    old, new = f"{m.url}/old", f"{m.url}/new"

    # The state folder lost (or another state_dir): no serial to compare;
    # the database's signed data is newer than the mirror's snapshot.
    a = node("lost")
    rc, out = update(a, new)
    check(rc == 0, f"lost state, first run: exit {rc}: {out[-2000:]}")
    before = status(a)
    check(before.get("records") == 17, f"lost state: {before.get('records')} records, wanted 17")
    shutil.rmtree(f"{T}/node-lost/state")
    rc, out = update(a, old)
    check(rc == 2 and f"{old}/Debian%3A12/manifest.json: created {OLD} (\"created\"), before the signed data of "
          f"{db_of(a)} ({NEW}), which holds Debian:12 records; refusing to roll the database back" in out
          and "the previous database is unchanged" in out,
          f"lost state, an older snapshot: exit {rc}: {out[-2000:]}")
    after = status(a)
    check(after.get("revision") == before.get("revision") and after.get("data_time") == NEW,
          f"lost state, an older snapshot: the database changed: {after}")

    # The database installed from an OCI artifact of newer data over a
    # state of serial 1; the mirror still serves serial 1 (not expired).
    b = node("oci")
    rc, out = update(b, old)
    check(rc == 0, f"after an artifact, first run: exit {rc}: {out[-2000:]}")
    sh(P, "db", "export", "--db", db_of(a), "--key", f"{T}/k.key", f"{T}/new.tar")
    sh(P, "db", "import", "--config", b, "--db", db_of(b), f"{T}/new.tar")
    rc, out = update(b, old)
    check(rc == 2 and "refusing to roll the database back" in out and "the previous database is unchanged" in out,
          f"after an artifact, the same serial again: exit {rc}: {out[-2000:]}")
    check(status(b).get("revision") == before.get("revision"), "after an artifact: the database was rolled back")
    # a newer snapshot comes in
    rc, out = update(b, new)
    check(rc == 0 and status(b).get("data_time") == NEW, f"after an artifact, a newer snapshot: exit {rc}: "
          f"{out[-2000:]}")

    # An ecosystem the database does not hold may be signed before its
    # data time: nothing of it is rolled back.
    c = node("more")
    sh(P, "db", "import", "--config", c, "--db", db_of(c), f"{T}/new.tar")
    rc, out = update(c, f"{m.url}/mixed", args=("--ecosystem", "Debian:12", "--ecosystem", "Alpine:v3.18"))
    st = status(c)
    check(rc == 0 and st.get("data_time") == OLD and st.get("records") == 18,
          f"a new ecosystem signed earlier: exit {rc}, {st}: {out[-2000:]}")


# ---- gzip ----------------------------------------------------------------------------------
def tree_size(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(f"{d}/{f}").st_size
            except OSError:
                pass
    return total


def test_gzip(m):
    d = node("gzip", signed=False)
    rc, out = update(d, f"{m.url}/plain")
    check(rc == 0, f"gzip, first run: exit {rc}: {out[-2000:]}")
    csv = f"{T}/plain/Debian:12/modified_id.csv"
    rows = open(csv).read()
    open(csv, "w").write("".join(f"2026-12-01T00:00:{i:02d}Z,PCB-{i}\n" for i in range(19, -1, -1)) + rows)
    m.mode = {"gzip_bomb": ("PCB-", gzip.compress(b" " * (15 << 20), 9))}
    m.log.clear()
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_size(f"{T}/node-gzip/state"))
            time.sleep(0.005)
    t = threading.Thread(target=sample)
    t.start()
    try:
        rc, out = update(d, f"{m.url}/plain")
    finally:
        done.set()
        t.join()
    m.mode = {}
    check(rc == 0 and "skipped" in out, f"gzip bombs as records: exit {rc}: {out[-2000:]}")
    check(peak[0] < 4 << 20, f"gzip bombs as records: the state folder grew to {peak[0]} bytes from "
          f"{20 * len(gzip.compress(b' ' * (15 << 20), 9))} sent")
    asked = [e for e in m.log if e[0].endswith((".json", ".zip")) and not e[0].endswith("manifest.json") and e[1]]
    check(not asked, f"gzip: files kept on disk were asked for with Accept-Encoding: {asked[:3]}")


# ---- fallback -----------------------------------------------------------------------------
def test_oci_fallback(m):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    ref = f"oci://127.0.0.1:{closed.getsockname()[1]}/x/db:latest"     # bound, not listening: refused
    n = node("fallback")
    cfg = json.load(open(n))
    cfg["update"]["sources"] = [ref, f"{m.url}/new"]
    json.dump(cfg, open(n, "w"))
    rc, out = update(n)
    closed.close()
    check(rc == 0 and "falling back to the http(s) sources" in out and status(n).get("records") == 17,
          f"an oci:// source failing before a mirror: exit {rc}: {out[-2000:]}")
    r = subprocess.run([P, "db", "status", "--config", n], capture_output=True, text=True)
    check(r.returncode == 0 and f"failed: HEAD https://127.0.0.1:{ref.split(':')[2].split('/')[0]}/v2/x/db/manifests/"
          f"latest" in r.stdout and "warning: the last OCI pull, at 20" in r.stderr,
          f"db status after a pull that failed before the fallback served: {r.stdout[-1500:]} {r.stderr[-500:]}")


# ---- stale feeds -----------------------------------------------------------------------------
def kev_file(path, released, cves, bad=()):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    v = [{"cveID": c, "vendorProject": "v", "product": "p", "vulnerabilityName": "n", "dateAdded": "2021-12-10",
          "shortDescription": "d", "requiredAction": "a", "dueDate": "2021-12-24",
          "knownRansomwareCampaignUse": "Unknown", "notes": ""} for c in [*cves, *bad]]
    json.dump({"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": released[:10],
               "dateReleased": released, "count": len(v), "vulnerabilities": v}, open(path, "w"))


def epss_file(path, score_date, cves):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(f"#model_version:v2025.03.14,score_date:{score_date}\ncve,epss,percentile\n" +
                          "".join(f"{c},0.5,0.9\n" for c in cves))


def test_stale_feeds(m):
    kev = [f"{m.url}/kev{i}/known_exploited_vulnerabilities.json" for i in (1, 2)]
    epss = [f"{m.url}/epss{i}/epss_scores-current.csv" for i in (1, 2)]
    n = node("feeds", signed=False, kev_sources=kev, epss_sources=epss)
    cves = ["CVE-2021-44228", "CVE-2014-0160", "CVE-2023-38545"]
    kev_file(f"{T}/kev2/known_exploited_vulnerabilities.json", "2026-12-05T15:01:22.4356Z", cves, ["CVE-21-1"])
    epss_file(f"{T}/epss2/epss_scores-current.csv", "2026-12-05T12:55:00Z", cves)
    rc, out = update(n, f"{m.url}/plain")
    st = status(n)
    check(rc == 0 and st.get("kev", {}).get("count") == 3 and st.get("epss", {}).get("count") == 3,
          f"feeds from the second mirrors: exit {rc}, {st.get('kev')}, {st.get('epss')}: {out[-2000:]}")
    # an entry skipped is named by the URL it came from, not a temporary file
    check(f"{kev[1]}: vulnerabilities[3].cveID 'CVE-21-1' is not a CVE id" in out and "tmp-" not in out,
          f"a KEV entry skipped: not named by its URL: {[ln for ln in out.splitlines() if 'CVE-21-1' in ln or 'tmp-' in ln]}")
    # the first mirrors come back with copies a month old
    kev_file(f"{T}/kev1/known_exploited_vulnerabilities.json", "2026-11-01T15:01:22.4356Z", cves[:1])
    epss_file(f"{T}/epss1/epss_scores-current.csv", "2026-11-01T12:55:00Z", cves[:1])
    rc, out = update(n, f"{m.url}/plain")
    st = status(n)
    check(rc == 0 and st.get("kev", {}).get("count") == 3 and st.get("kev", {}).get("date_released")
          == "2026-12-05T15:01:22.4356Z" and st.get("epss", {}).get("count") == 3,
          f"stale first mirrors: the feeds went back: exit {rc}, {st.get('kev')}, {st.get('epss')}: {out[-2000:]}")
    check(f"CISA KEV: {kev[0]}: its dateReleased is 2026-11-01T15:01:22.4356Z, before the 2026-12-05T15:01:22.4356Z"
          f" of the CISA KEV data {db_of(n)} holds; passed over as older" in out and
          f"EPSS: {epss[0]}: its score_date is 2026-11-01T12:55:00Z, before the 2026-12-05T12:55:00Z" in out,
          f"stale first mirrors: not said: {out[-2000:]}")
    # a newer copy there comes in
    kev_file(f"{T}/kev1/known_exploited_vulnerabilities.json", "2026-12-06T15:01:22.4356Z", cves[:2])
    rc, out = update(n, f"{m.url}/plain")
    st = status(n)
    check(rc == 0 and st.get("kev", {}).get("count") == 2, f"a newer catalogue: exit {rc}, {st.get('kev')}: "
          f"{out[-2000:]}")
    # a copy dated years ahead of the clock is that mirror failing: said
    # with the field and its value, the data kept
    kev_file(f"{T}/kev1/known_exploited_vulnerabilities.json", "2099-01-01T00:00:00.0000Z", cves)
    rc, out = update(n, f"{m.url}/plain")
    check(rc == 0 and status(n).get("kev", {}).get("date_released") == "2026-12-06T15:01:22.4356Z" and
          f"CISA KEV: {kev[0]}: its dateReleased is 2099-01-01T00:00:00.0000Z, more than a day ahead of this "
          f"node's clock" in out, f"a catalogue dated ahead: taken: exit {rc}, {status(n).get('kev')}: {out[-2000:]}")
    # one came in all the same (db import takes what it is given); the
    # mirror fixed, its real catalogue is not passed over as older than
    # that date forever
    r = subprocess.run([P, "db", "import", "--db", db_of(n), f"{T}/kev1/known_exploited_vulnerabilities.json"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and status(n).get("kev", {}).get("date_released") == "2099-01-01T00:00:00.0000Z",
          f"a catalogue dated ahead, imported: exit {r.returncode}, {status(n).get('kev')}: {r.stderr[-2000:]}")
    kev_file(f"{T}/kev1/known_exploited_vulnerabilities.json", "2026-12-06T16:01:22.4356Z", cves)
    rc, out = update(n, f"{m.url}/plain")
    st = status(n)
    check(rc == 0 and st.get("kev", {}).get("count") == 3 and st.get("kev", {}).get("date_released")
          == "2026-12-06T16:01:22.4356Z", f"after a catalogue dated ahead: the real one passed over: exit {rc}, "
          f"{st.get('kev')}: {out[-2000:]}")


try:
    sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", f"{T}/k.key")
    sh("openssl", "pkey", "-in", f"{T}/k.key", "-pubout", "-out", f"{T}/k.pub")
    OLD, NEW = when(2 * 86400), when(3600)
    folder("old", "Debian:12", serial=1, created=OLD)
    folder("new", "Debian:12", ["PCT-NEW-1"], serial=2, created=NEW)
    shutil.copytree(f"{T}/new/Debian:12", f"{T}/mixed/Debian:12")
    folder("mixed", "Alpine:v3.18", ["PCT-ALPINE-1"], serial=1, created=OLD)
    folder("plain", "Debian:12")
    mirror = Mirror()
    try:
        test_rollback(mirror)
        test_gzip(mirror)
        test_stale_feeds(mirror)
        test_oci_fallback(mirror)
    finally:
        mirror.close()
finally:
    shutil.rmtree(T, ignore_errors=True)
finish()
