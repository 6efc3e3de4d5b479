#!/usr/bin/env python3
"""KEV and EPSS feeds on `db update` held to the guards of the OSV data.  A
mirror of our own (http on 127.0.0.1, a free port) serves an OSV folder
and two mirrors of each feed (kev1, kev2, epss1, epss2), whose files each
case writes.

  shrink     a catalogue (score file) of fewer than half the entries the
             database holds is that mirror failing: said with its URL and
             both counts, and the next mirror serves; --allow-shrink lets
             it through.  `db import` of such a file alone is refused as
             well (exit 2, the database as it was), unless --allow-shrink.
  ahead      a copy dated more than a day ahead of the node's clock (KEV
             dateReleased, EPSS score_date) is that mirror failing: said
             with the mirror, the field and its value; the next serves.
  all fail   no mirror of KEV serves: the run exits 0 and the database
             keeps its KEV data, and run.json, `db status` (text and
             JSON), doctor's update check (a warning naming the feed, its
             mirrors and update.kev_sources) and the metrics'
             portcullis_db_update_feed_* gauges say so; EPSS, served, is
             said refreshed.  The next run that gets it clears it.
"""
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish, http_server, osv_folder, send  # noqa: E402
from pctest import doctor_update as doctor, update_gauges as metrics  # noqa: E402

T = tempfile.mkdtemp(prefix="db-update-feeds-")
KEV = "known_exploited_vulnerabilities.json"
EPSS = "epss_scores-current.csv"


def when(seconds_ago):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def cves(n):
    return [f"CVE-2024-{1000 + i}" for i in range(n)]


def kev_file(mirror, released, n):
    os.makedirs(f"{T}/{mirror}", exist_ok=True)
    v = [{"cveID": c, "vendorProject": "v", "product": "p", "vulnerabilityName": "n", "dateAdded": "2021-12-10",
          "dueDate": "2021-12-24", "knownRansomwareCampaignUse": "Unknown"} for c in cves(n)]
    json.dump({"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": released[:10],
               "dateReleased": released, "count": n, "vulnerabilities": v}, open(f"{T}/{mirror}/{KEV}", "w"))
    return f"{T}/{mirror}/{KEV}"


def epss_file(mirror, score_date, n):
    os.makedirs(f"{T}/{mirror}", exist_ok=True)
    open(f"{T}/{mirror}/{EPSS}", "w").write(f"#model_version:v2025.03.14,score_date:{score_date}\n"
                                             "cve,epss,percentile\n" + "".join(f"{c},0.5,0.9\n" for c in cves(n)))
    return f"{T}/{mirror}/{EPSS}"


def handle(h):
    f = os.path.normpath(f"{T}/{unquote(h.path.split('?')[0])}")
    if not f.startswith(T + "/") or not os.path.isfile(f):
        return send(h, 404, b"not here")
    return send(h, 200, open(f, "rb").read())


def node(url, name):
    n = f"{T}/node-{name}"
    os.makedirs(n)
    open(f"{n}/audit.log", "w").close()
    u = {"sources": [f"{url}/osv"], "cve_sources": [], "ecosystems": ["Debian:12"], "state_dir": f"{n}/state",
         "timeout_s": 10, "kev_sources": [f"{url}/kev1/{KEV}", f"{url}/kev2/{KEV}"],
         "epss_sources": [f"{url}/epss1/{EPSS}", f"{url}/epss2/{EPSS}"]}
    json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache/cache.db", "lock_dir": f"{n}/lock",
               "log": {"file": f"{n}/audit.log"}, "update": u}, open(f"{n}/config.json", "w"))
    return f"{n}/config.json"


def update(cfg, *more):
    r = subprocess.run([P, "db", "update", "--config", cfg, *more], capture_output=True, text=True, timeout=180)
    return r.returncode, r.stdout + r.stderr


def status(cfg):
    r = subprocess.run([P, "db", "status", "--config", cfg, "--format", "json"], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {}


def status_text(cfg):
    r = subprocess.run([P, "db", "status", "--config", cfg], capture_output=True, text=True)
    return r.stdout, r.stderr


def counts(cfg):
    st = status(cfg)
    return st.get("kev", {}).get("count"), st.get("epss", {}).get("count")


def db_of(cfg):
    return json.load(open(cfg))["db"]


def first_run(cfg):
    """10 entries and 10 scores from the first mirrors."""
    kev_file("kev1", when(5 * 86400), 10)
    epss_file("epss1", when(5 * 86400), 10)
    rc, out = update(cfg)
    check(rc == 0 and counts(cfg) == (10, 10), f"first run: exit {rc}, {counts(cfg)}: {out[-2000:]}")


def record(cfg):
    return json.load(open(f"{os.path.dirname(cfg)}/state/run.json")).get("feeds", {})


OK = "portcullis_db_update_feed_last_run_success"
SUCCESS = "portcullis_db_update_feed_last_success_timestamp_seconds"


def test_shrink(url):
    cfg, k1, k2, e1 = node(url, "shrink"), f"{url}/kev1/{KEV}", f"{url}/kev2/{KEV}", f"{url}/epss1/{EPSS}"
    db = db_of(cfg)
    first_run(cfg)
    # the first mirrors serve a sliver (newer), the second the whole
    kev_file("kev1", when(4 * 86400), 1)
    kev_file("kev2", when(4 * 86400), 12)
    epss_file("epss1", when(4 * 86400), 3)
    epss_file("epss2", when(4 * 86400), 11)
    rc, out = update(cfg)
    check(rc == 0 and counts(cfg) == (12, 11), f"shrink: not the second mirrors: exit {rc}, {counts(cfg)}: "
          f"{out[-2000:]}")
    check(f"CISA KEV: {k1}: it holds 1 entry where the CISA KEV data {db} holds 10, fewer than half; "
          f"refused" in out and f"trying the next source, {k2}" in out and
          f"EPSS: {e1}: it holds 3 scores where the EPSS data {db} holds 10, fewer than half" in out and
          "--allow-shrink" in out, f"shrink: not said: {out[-2000:]}")
    # no mirror serves more than a sliver: the data stays; --allow-shrink takes it
    kev_file("kev1", when(3 * 86400), 1)
    kev_file("kev2", when(3 * 86400), 2)
    rc, out = update(cfg)
    check(rc == 0 and counts(cfg)[0] == 12, f"shrink, every mirror: exit {rc}, {counts(cfg)}: {out[-2000:]}")
    rc, out = update(cfg, "--allow-shrink")
    check(rc == 0 and counts(cfg)[0] == 1, f"shrink, --allow-shrink: exit {rc}, {counts(cfg)}: {out[-2000:]}")


def test_import(url):
    """db import of a KEV or EPSS file alone: the same guard."""
    cfg = node(url, "import")
    db = db_of(cfg)
    first_run(cfg)
    small = kev_file("imp-small", when(86400), 2)
    r = subprocess.run([P, "db", "import", "--db", db, small], capture_output=True, text=True)
    check(r.returncode == 2 and counts(cfg)[0] == 10 and
          f"refused: {small} yields 2 CISA KEV entries where {db} holds 10, fewer than half" in r.stderr and
          "--allow-shrink" in r.stderr, f"db import of a KEV sliver: exit {r.returncode}: {r.stderr[-1000:]}")
    r = subprocess.run([P, "db", "import", "--db", db, "--allow-shrink", small], capture_output=True, text=True)
    check(r.returncode == 0 and counts(cfg)[0] == 2,
          f"db import --allow-shrink of a KEV sliver: exit {r.returncode}: {r.stderr[-1000:]}")
    big = kev_file("imp-big", when(86400), 5)
    r = subprocess.run([P, "db", "import", "--db", db, big], capture_output=True, text=True)
    check(r.returncode == 0 and counts(cfg)[0] == 5, f"db import of a larger KEV: exit {r.returncode}: "
          f"{r.stderr[-1000:]}")
    small = epss_file("imp-small", when(86400), 2)
    r = subprocess.run([P, "db", "import", "--db", db, small], capture_output=True, text=True)
    check(r.returncode == 2 and counts(cfg)[1] == 10 and
          f"refused: {small} yields 2 EPSS scores where {db} holds 10" in r.stderr,
          f"db import of an EPSS sliver: exit {r.returncode}: {r.stderr[-1000:]}")


def test_ahead(url):
    cfg, k1, k2, e1 = node(url, "ahead"), f"{url}/kev1/{KEV}", f"{url}/kev2/{KEV}", f"{url}/epss1/{EPSS}"
    first_run(cfg)
    future = when(-3 * 86400)
    kev_file("kev1", future, 12)
    kev_file("kev2", when(4 * 86400), 13)
    epss_file("epss1", future, 11)
    epss_file("epss2", when(4 * 86400), 12)
    rc, out = update(cfg)
    st = status(cfg)
    check(rc == 0 and counts(cfg) == (13, 12) and st.get("kev", {}).get("date_released") != future and
          st.get("epss", {}).get("score_date") != future,
          f"ahead: imported: exit {rc}, {st.get('kev')}, {st.get('epss')}: {out[-2000:]}")
    check(f"CISA KEV: {k1}: its dateReleased is {future}, more than a day ahead of this node's clock" in out
          and f"EPSS: {e1}: its score_date is {future}, more than a day ahead" in out and
          f"trying the next source, {k2}" in out, f"ahead: not said: {out[-2000:]}")


def test_all_fail(url):
    cfg, k1, k2 = node(url, "fail"), f"{url}/kev1/{KEV}", f"{url}/kev2/{KEV}"
    first_run(cfg)
    rec = record(cfg)
    check(rec.get("kev", {}).get("error") is None and rec.get("kev", {}).get("last_success") and
          rec.get("epss", {}).get("last_success"), f"first run: run.json feeds {rec}")
    g = metrics(cfg)
    check(g.get(f'{OK}{{feed="kev"}}') == 1 and g.get(f'{OK}{{feed="epss"}}') == 1 and
          g.get(f'{SUCCESS}{{feed="kev"}}', 0) > 0, f"first run: metrics {g}")
    # both KEV mirrors fail (one a sliver, one not a catalogue); EPSS is served
    kev_file("kev1", when(2 * 86400), 1)
    open(f"{T}/kev2/{KEV}", "w").write("<html>Sign in to the guest network</html>")
    epss_file("epss1", when(2 * 86400), 12)
    rc, out = update(cfg)
    check(rc == 0 and counts(cfg) == (10, 12), f"all fail: exit {rc}, {counts(cfg)}: {out[-2000:]}")
    check("none of the mirrors of the CISA KEV data served it" in out and "keeps the CISA KEV data it had" in out,
          f"all fail: the run's end does not say it: {out[-1500:]}")
    rec = record(cfg)
    kev, epss = rec.get("kev", {}), rec.get("epss", {})
    kerr = kev.get("error") or ""
    check(f"none of its mirrors ({k1}, {k2}) served it; the last said: " in kerr and k2 in kerr and
          kev.get("last_success") and kev.get("checked") and epss.get("error") is None,
          f"all fail: run.json feeds {rec}")
    text, err = status_text(cfg)
    check(f"feed:        CISA KEV failed at {kev.get('checked')}: none of its mirrors ({k1}, {k2})" in text
          and f"last success: {kev.get('last_success')}" in text and
          f"feed:        EPSS refreshed at {epss.get('checked')}" in text and
          "the CISA KEV data was not refreshed" in err and "update.kev_sources" in err,
          f"all fail: db status: {text[-1500:]} {err[-800:]}")
    u = status(cfg).get("update", {}).get("feeds", {})
    check(u.get("kev", {}).get("error") == kerr and u.get("epss", {}).get("error") is None and
          u.get("epss", {}).get("last_success") == epss.get("last_success"), f"all fail: db status json feeds {u}")
    st, detail, fix = doctor(cfg)
    check(st == "warn" and "CISA KEV data was not refreshed" in detail and k1 in detail and k2 in detail and
          "update.kev_sources" in fix, f"all fail: doctor {st}: {detail} / {fix}")
    g = metrics(cfg)
    check(g.get(f'{OK}{{feed="kev"}}') == 0 and g.get(f'{OK}{{feed="epss"}}') == 1 and
          g.get(f'{SUCCESS}{{feed="kev"}}') == calendar.timegm(time.strptime(kev.get("last_success") or "1970-01-01T00:00:00Z",
                                                                         "%Y-%m-%dT%H:%M:%SZ")),
          f"all fail: metrics {g}")
    # a mirror serves again: said refreshed, doctor ok
    kev_file("kev1", when(86400), 11)
    rc, out = update(cfg)
    rec = record(cfg)
    check(rc == 0 and counts(cfg)[0] == 11 and rec.get("kev", {}).get("error") is None,
          f"served again: exit {rc}, {counts(cfg)}, run.json feeds {rec}")
    st, detail, fix = doctor(cfg)
    check(st == "ok", f"served again: doctor {st}: {detail}")
    check(metrics(cfg).get(f'{OK}{{feed="kev"}}') == 1, "served again: the kev gauge not 1")


def main():
    osv_folder(f"{T}/osv/Debian:12")
    srv, url = http_server(handle)
    try:
        for t in (test_shrink, test_import, test_ahead, test_all_fail):
            try:
                t(url)
            except Exception as e:      # the next case still runs
                check(False, f"{t.__name__}: {e!r}")
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(T, ignore_errors=True)
    finish()


main()
