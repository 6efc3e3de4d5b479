#!/usr/bin/env python3
"""`db update` reads an all.zip's entries as `db import` does: an entry
whose name ends in ".JSON" (any case) is a record.  The update's own check
of the download counted ".json" in lower case alone, so an archive of
upper-case names was refused as "no .json records" although `db import`
of the same file imports every record.  A mirror of our own (http on
127.0.0.1, a free port)."""
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import zipfile
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import check, finish, http_server, run, send  # noqa: E402

T = tempfile.mkdtemp(prefix="db-update-zip-names-")
M = f"{T}/mirror/Debian:12"
os.makedirs(M)
recs = [{"id": f"PCT-CASE-{i}", "modified": "2026-11-20T00:00:00Z",
         "affected": [{"package": {"ecosystem": "Debian:12", "name": f"p{i}"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]}
        for i in range(3)]
with zipfile.ZipFile(f"{M}/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for r, name in zip(recs, ("PCT-CASE-0.JSON", "PCT-CASE-1.Json", "PCT-CASE-2.JSON")):
        z.writestr(name, json.dumps(r))


def handle(h):
    f = os.path.normpath(f"{T}/mirror" + unquote(h.path.split("?")[0]))
    if not f.startswith(f"{T}/mirror/") or not os.path.isfile(f):
        return send(h, 404, b"not here")
    send(h, 200, open(f, "rb").read())


srv, URL = http_server(handle)
cfg = f"{T}/c.json"
json.dump({"db": f"{T}/db.sqlite", "cache": f"{T}/no-cache.db",
           "update": {"cve_sources": [], "kev_sources": [], "epss_sources": [], "sources": [URL],
                      "ecosystems": ["Debian:12"], "state_dir": f"{T}/state", "timeout_s": 5}}, open(cfg, "w"))
r = run("db", "update", "--config", cfg, expect=0, timeout=120)
with sqlite3.connect(f"{T}/db.sqlite") as db:
    ids = sorted(x[0] for x in db.execute("select id from vuln"))
check(ids == ["PCT-CASE-0", "PCT-CASE-1", "PCT-CASE-2"], f"records: {ids} {r.stdout} {r.stderr}")
# the same file through db import: the same records
run("db", "import", f"{M}/all.zip", "--db", f"{T}/imported.sqlite", expect=0)
with sqlite3.connect(f"{T}/imported.sqlite") as db:
    check(sorted(x[0] for x in db.execute("select id from vuln")) == ids, "db import reads them otherwise")

srv.shutdown()
srv.server_close()
shutil.rmtree(T, ignore_errors=True)
finish()
