#!/usr/bin/env python3
"""`db import` of OCI archives of the DB crafted here and signed with the
node's key (the signature passes; what is inside is the case), and `db
update` over a database this build can't read:

  schema     a layer whose DB has schema_version 99 (a newer portcullis
             published it), 1 (older than any this build reads), or no
             meta table (damaged): refused saying which and what to do,
             never "revision n/a".
  installed  a database at the node's path that this build can't read:
             the import replaces it and says why it could not hold the
             artifact to it; `db update` rebuilds it saying why.
  sizes      index.json naming the manifest with a size that is negative,
             not an integer, or not the manifest's bytes: refused naming
             index.json and the field.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imagelib import sha  # noqa: E402
from pctest import P, check, finish, http_server, osv_folder, run, send  # noqa: E402

SRC = os.environ["PC_SOURCE_ROOT"]
for tool in ("openssl", "zstd"):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is not installed")
        sys.exit(77)

T = tempfile.mkdtemp(prefix="db-artifact-crafted-")


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True).stdout


sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", f"{T}/k.key")
sh("openssl", "pkey", "-in", f"{T}/k.key", "-pubout", "-out", f"{T}/k.pub")
sh(P, "db", "import", f"{SRC}/feed/debian12", "--db", f"{T}/good.sqlite")
sh(P, "db", "export", "--db", f"{T}/good.sqlite", "--key", f"{T}/k.key", f"{T}/good.tar")
with tarfile.open(f"{T}/good.tar") as tf:
    tf.extractall(f"{T}/good")
GOOD = f"{T}/good"
INDEX = json.load(open(f"{GOOD}/index.json"))
MANIFEST = json.loads(open(f"{GOOD}/blobs/sha256/{INDEX['manifests'][0]['digest'][7:]}").read())
CONFIG = json.loads(open(f"{GOOD}/blobs/sha256/{MANIFEST['config']['digest'][7:]}").read())


def db_with(name, sql):
    """A copy of the good DB with sql run on it."""
    p = f"{T}/{name}.sqlite"
    shutil.copy(f"{T}/good.sqlite", p)
    c = sqlite3.connect(p)
    c.executescript(sql)
    c.commit()
    c.close()
    return p


def artifact(name, db=None, index_size=lambda n: n):
    """An OCI archive of db (the good one), signed with the node's key: its
    config names db's digest and size; index.json gives index_size(the
    manifest's bytes) as the manifest's size."""
    d = f"{T}/lay-{name}"
    os.makedirs(f"{d}/blobs/sha256")

    def blob(data):
        open(f"{d}/blobs/sha256/{sha(data)}", "wb").write(data)
        return {"digest": "sha256:" + sha(data), "size": len(data)}
    raw = open(db or f"{T}/good.sqlite", "rb").read()
    layer = sh("zstd", "-q", "-c", db or f"{T}/good.sqlite")
    config = dict(CONFIG, database={"digest": "sha256:" + sha(raw), "size": len(raw)},
                  layer=dict(CONFIG["layer"], **blob(layer)))
    cbytes = json.dumps(config).encode()
    open(f"{T}/config-{name}", "wb").write(cbytes)
    sig = sh("openssl", "pkeyutl", "-sign", "-inkey", f"{T}/k.key", "-rawin", "-in", f"{T}/config-{name}")
    manifest = dict(MANIFEST, config=dict(MANIFEST["config"], **blob(cbytes)),
                    layers=[dict(MANIFEST["layers"][0], **blob(layer)), dict(MANIFEST["layers"][1], **blob(sig))])
    m = blob(json.dumps(manifest).encode())
    json.dump(dict(INDEX, manifests=[dict(INDEX["manifests"][0], digest=m["digest"], size=index_size(m["size"]))]),
              open(f"{d}/index.json", "w"))
    shutil.copy(f"{GOOD}/oci-layout", d)
    with tarfile.open(f"{T}/{name}.tar", "w") as tf:
        tf.add(d, arcname=".")
    return f"{T}/{name}.tar"


def node(name):
    n = f"{T}/node-{name}"
    os.makedirs(n)
    json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache.db",
               "update": {"sources": ["http://127.0.0.1:9/unused"], "cve_sources": [], "ecosystems": ["Debian:12"], "state_dir": f"{n}/state",
                          "public_key": f"{T}/k.pub"}}, open(f"{n}/config.json", "w"))
    return n


def db_import(name, tar, expect):
    n = node(name)
    r = run("db", "import", "--config", f"{n}/config.json", tar, expect=expect)
    return n, r.stdout + r.stderr


# ---- the crafting works: the good DB, crafted the same way, is imported ----
n, out = db_import("good", artifact("good"), 0)
check("imported" in out, f"good: {out}")

# ---- schema --------------------------------------------------------------------
NEWER = db_with("newer", "UPDATE meta SET value = '99' WHERE key = 'schema_version';")
for name, db, says in (
        ("newer", NEWER, ["the DB in the layer has schema version 99, newer than this build of portcullis reads",
                          "upgrade portcullis on this node, or pull a tag published for this version"]),
        ("older", db_with("older", "UPDATE meta SET value = '1' WHERE key = 'schema_version';"),
         ["the DB in the layer has schema version 1, older than this build of portcullis reads",
          "pull another tag"]),
        ("damaged", db_with("damaged", "DROP TABLE meta;"),
         ["the DB in the layer can't be read, it is damaged or not a portcullis database",
          "pull another tag, or have it published again"])):
    n, out = db_import(name, artifact(name, db), 2)
    for s in says:
        check(s in out, f"{name}: not said ({s!r}): {out}")
    check("n/a" not in out and f"oci-archive:{T}/{name}.tar" in out, f"{name}: the source not named: {out}")
    check(not os.path.exists(f"{n}/db.sqlite"), f"{name}: a DB was installed")

# ---- installed -----------------------------------------------------------------
n = node("installed")
shutil.copy(NEWER, f"{n}/db.sqlite")
r = run("db", "import", "--config", f"{n}/config.json", artifact("replaces"))
check("the installed database can't be read (" in r.stdout + r.stderr and "schema version 99" in r.stdout + r.stderr
      and "the artifact replaces it" in r.stdout + r.stderr, f"installed: not said: {r.stdout} {r.stderr}")
st = run("db", "status", "--db", f"{n}/db.sqlite", "--format", "json")
check(st.returncode == 0 and json.loads(st.stdout or "{}").get("revision") == CONFIG["revision"],
      f"installed: not replaced: {st.stdout} {st.stderr}")

mirror = osv_folder(f"{T}/mirror/Debian:12")


def serve(h):
    f = os.path.normpath(f"{T}/mirror/{unquote(h.path.split('?')[0])}")
    if f.startswith(f"{T}/mirror/") and os.path.isfile(f):
        return send(h, 200, open(f, "rb").read())
    send(h, 404, b"not here")


srv, base = http_server(serve)
n = f"{T}/node-update"
os.makedirs(n)
shutil.copy(NEWER, f"{n}/db.sqlite")
json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache.db",
           "update": {"sources": [base], "cve_sources": [], "ecosystems": ["Debian:12"], "state_dir": f"{n}/state"}},
          open(f"{n}/config.json", "w"))
r = run("db", "update", "--config", f"{n}/config.json", timeout=120)
out = r.stdout + r.stderr
check(f"{n}/db.sqlite can't be read as a database ({n}/db.sqlite: schema version 99, written by a newer" in out
      and "; rebuilding it" in out, f"update: why not said: {out}")
srv.shutdown()
srv.server_close()

# ---- sizes ---------------------------------------------------------------------
for name, size, says in (("negative", lambda n: -5, '"manifests[0].size" is missing or not a size in bytes'),
                         ("string", lambda n: str(n), '"manifests[0].size" is missing or not a size in bytes'),
                         ("short", lambda n: n - 1, "more than {} bytes, not {} as index.json's \"manifests[0].size\""),
                         ("long", lambda n: n + 1, "is {} bytes, not {} as index.json's \"manifests[0].size\""),
                         ("huge", lambda n: 2 ** 62, "index.json: \"manifests[0].size\" is over the limit of")):
    tar = artifact(f"size-{name}", index_size=size)
    real = json.load(open(f"{T}/lay-size-{name}/index.json"))
    n_ = os.path.getsize(f"{T}/lay-size-{name}/blobs/sha256/{real['manifests'][0]['digest'][7:]}")
    want = says.format(n_ - 1 if name == "short" else n_, n_ - 1 if name == "short" else n_ + 1)
    _, out = db_import(f"size-{name}", tar, 2)
    check(want in out and (f"{tar}: index.json" in out or f"{tar}: the manifest" in out),
          f"size {name}: not said ({want!r}): {out}")

shutil.rmtree(T, ignore_errors=True)
finish()
