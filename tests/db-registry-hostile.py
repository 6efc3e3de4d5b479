#!/usr/bin/env python3
"""`db update` from oci:// sources that misbehave, and `db export` into a
folder someone else can write: a registry of our own (https on 127.0.0.1,
free ports, a CA made here with openssl) serving the OCI layout that `db
export` wrote, switched per case by a dict of misbehaviours.  Needs no
docker-registry (tests/db-registry.sh drives the real one).

  credentials  the registry's own Bearer challenge gets the auth file's
               credentials at its realm, whatever the realm's host; a host
               the registry redirects a blob to (another name of the same
               server: localhost) and that challenges itself gets none: an
               anonymous token from its realm (as containerd does), and a
               Basic challenge there fails saying so.
  time limits  with update.timeout_s 2 and two sources: a manifest dripped
               at 2.5 bytes/s fails after 2 s and the second source serves;
               a layer dripped at 200 bytes/s fails (below the blob floor of
               16 KiB/s for 2 s) and the second serves; a layer sent at 64
               KiB/s, longer than timeout_s in all, completes.
  mirror       an https source (not oci://) dripping every answer at 2.5
               bytes/s: below 16 KiB/s for timeout_s, the update fails in
               seconds, not hours.
  export       `db export FILE` with a symlink planted where its temporary
               file was (FILE.tmp-<pid>) and at FILE itself: the files they
               point to are unchanged, FILE is a new regular file (0644).
"""
import base64
import hashlib
import http.server
import json
import os
import shutil
import socketserver
import ssl
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish  # noqa: E402

SRC = os.environ["PC_SOURCE_ROOT"]
USER, PASSWORD = "alice", "s3cret"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

for tool in ("openssl",):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is not installed")
        sys.exit(77)

T = tempfile.mkdtemp(prefix="db-registry-hostile-")


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


# ---- certificates, keys, the artifact ------------------------------------------------
def make_ca():
    ca = f"{T}/ca"
    os.makedirs(ca)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-days", "2", "-subj", "/CN=portcullis test CA", "-keyout", f"{ca}/ca.key",
       "-out", f"{ca}/ca.pem")
    sh("openssl", "req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", f"{ca}/srv.key", "-out", f"{ca}/srv.csr")
    # two names of one server: the registry (127.0.0.1) and "another host" (localhost)
    open(f"{ca}/ext", "w").write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    sh("openssl", "x509", "-req", "-in", f"{ca}/srv.csr", "-CA", f"{ca}/ca.pem", "-CAkey", f"{ca}/ca.key",
       "-CAcreateserial", "-days", "2", "-extfile", f"{ca}/ext", "-out", f"{ca}/srv.pem")
    return ca


def make_layout(name, records):
    """A DB of the shipped feed and `records` generated ones (random summaries: a
    layer that does not compress away), exported and unpacked: T/lay-NAME."""
    feed = f"{T}/feed-{name}"
    os.makedirs(feed)
    for f in os.listdir(f"{SRC}/feed/debian12"):
        shutil.copy(f"{SRC}/feed/debian12/{f}", feed)
    for i in range(records):
        json.dump({"id": f"PCT-{name}-{i}", "modified": "2030-01-01T00:00:00Z", "summary": os.urandom(300).hex(),
                   "affected": [{"package": {"ecosystem": "Debian:12", "name": f"pc-{name}-{i}"},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                                             {"fixed": "1.0-1"}]}]}]},
                  open(f"{feed}/PCT-{name}-{i}.json", "w"))
    sh(P, "db", "import", feed, "--db", f"{T}/{name}.sqlite")
    sh(P, "db", "export", "--db", f"{T}/{name}.sqlite", "--key", f"{T}/k.key", f"{T}/{name}.tar")
    with tarfile.open(f"{T}/{name}.tar") as t:
        t.extractall(f"{T}/lay-{name}")
    lay = f"{T}/lay-{name}"
    idx = json.load(open(f"{lay}/index.json"))
    mdig = idx["manifests"][0]["digest"]
    manifest = open(f"{lay}/blobs/sha256/{mdig[7:]}", "rb").read()
    layer = json.loads(manifest)["layers"][0]["digest"]
    return {"dir": lay, "manifest": manifest, "layer": layer}


# ---- the registry ------------------------------------------------------------------------
class Registry:
    """https on 127.0.0.1:port; self.mode switches misbehaviours, self.log
    records (host, method, path, authorization) of every request."""

    def __init__(self, ca, layout):
        self.layout, self.mode, self.log = layout, {}, []
        reg = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                reg.handle(self, True)

            def do_GET(self):
                reg.handle(self, False)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.srv = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(f"{ca}/srv.pem", f"{ca}/srv.key")
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.port = self.srv.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

    @staticmethod
    def send(h, code, body=b"", hdrs=None, head=False):
        h.send_response(code)
        for k, v in (hdrs or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head:
            h.wfile.write(body)

    def handle(self, h, head):
        m, p, auth = self.mode, h.path, h.headers.get("Authorization")
        host = h.headers.get("Host", "")
        self.log.append((host, h.command, p, auth))
        if p.startswith("/token"):
            tok = m.get("tokens", {}).get(p.split("?")[0], "tok")
            return self.send(h, 200, json.dumps({"token": tok}).encode(), {"Content-Type": "application/json"}, head)
        if p.startswith("/store/"):                   # blob storage, "another host"
            want = m.get("store_auth")
            if want and auth != want:
                return self.send(h, 401, b"{}", {"WWW-Authenticate": m["store_challenge"]}, head)
            return self.blob(h, p[len("/store/"):], head)
        if p.startswith("/mirror/"):                  # an http(s) source, not a registry
            if m.get("mirror_rate") and not head:
                return self.drip(h, b"x" * 4096, {"Content-Type": "application/octet-stream"}, *m["mirror_rate"])
            return self.send(h, 404, b"", {}, head)
        if m.get("challenge") and auth != m.get("registry_auth"):
            return self.send(h, 401, b"{}", {"WWW-Authenticate": m["challenge"]}, head)
        if "/manifests/" in p:
            body = self.layout["manifest"]
            hdrs = {"Content-Type": "application/vnd.oci.image.manifest.v1+json",
                    "Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()}
            if m.get("manifest_rate") and not head:
                return self.drip(h, body, hdrs, *m["manifest_rate"])
            return self.send(h, 200, body, hdrs, head)
        if "/blobs/" in p:
            dig = p.split("/blobs/")[1]
            if m.get("blob_redirect"):
                return self.send(h, 307, b"", {"Location": m["blob_redirect"].format(port=self.port) + dig}, head)
            return self.blob(h, dig, head)
        return self.send(h, 404, b"", {}, head)

    def blob(self, h, dig, head):
        f = f"{self.layout['dir']}/blobs/sha256/{dig[7:]}"
        if not dig.startswith("sha256:") or "/" in dig or not os.path.exists(f):
            return self.send(h, 404, b'{"errors": [{"code": "BLOB_UNKNOWN", "message": "no"}]}', {}, head)
        body, hdrs = open(f, "rb").read(), {"Content-Type": "application/octet-stream"}
        if self.mode.get("layer_rate") and dig == self.layout["layer"] and not head:
            return self.drip(h, body, hdrs, *self.mode["layer_rate"])
        return self.send(h, 200, body, hdrs, head)

    @staticmethod
    def drip(h, body, hdrs, chunk, interval):
        """body in pieces of chunk bytes, one every interval seconds."""
        h.send_response(200)
        for k, v in hdrs.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            for i in range(0, len(body), chunk):
                h.wfile.write(body[i:i + chunk])
                h.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass
        h.close_connection = True


# ---- nodes -------------------------------------------------------------------------------
def node(name, sources, timeout_s=5, auth=None):
    """A node folder and its config; returns the config's path."""
    n = f"{T}/node-{name}"
    os.makedirs(n)
    u = {"sources": sources, "ca_file": f"{CA}/ca.pem", "public_key": f"{T}/k.pub", "state_dir": f"{n}/state",
         "timeout_s": timeout_s, "max_layer_mib": 16}
    if auth:
        open(f"{n}/auth.json", "w").write(json.dumps({"auths": {auth: {"auth": BASIC[6:]}}}))
        u["auth_file"] = f"{n}/auth.json"
    json.dump({"db": f"{n}/db.sqlite", "cache": f"{n}/cache.db", "lock_dir": f"{n}/locks",
               "policy": f"{n}/policy.json", "log": {"syslog": False, "file": f"{n}/audit.log"}, "update": u},
              open(f"{n}/config.json", "w"))
    return f"{n}/config.json"


def update(config, limit=90):
    """`db update`: (exit code, output, seconds); exit None when it ran past limit."""
    t0 = time.monotonic()
    try:
        r = subprocess.run([P, "db", "update", "--config", config], capture_output=True, text=True, timeout=limit)
        return r.returncode, r.stdout + r.stderr, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace")
        return None, out, time.monotonic() - t0


def ref(reg):
    return f"oci://{reg.host}/x/db:latest"


# ---- credentials -------------------------------------------------------------------------
def test_credentials(reg):
    # The registry's own challenge names a realm on another host: that realm
    # gets the credentials (it is the registry's token service).  The blob is
    # redirected to "another host" (localhost), which challenges for itself:
    # its realm gets an anonymous request, and its token goes only to it.
    reg.mode = {"challenge": f'Bearer realm="https://localhost:{reg.port}/token",service="reg",'
                             'scope="repository:x/db:pull"',
                "registry_auth": "Bearer regtok",
                "tokens": {"/token": "regtok", "/token-evil": "storetok"},
                "blob_redirect": "https://localhost:{port}/store/",
                "store_auth": "Bearer storetok",
                "store_challenge": f'Bearer realm="https://localhost:{reg.port}/token-evil",service="s"'}
    reg.log.clear()
    rc, out, _ = update(node("cred-bearer", [ref(reg)], auth=reg.host))
    check(rc == 0, f"credentials, a redirect's Bearer challenge: exit {rc}: {out[-2000:]}")
    evil = [e for e in reg.log if e[2].startswith("/token-evil")]
    check(evil and all(e[3] is None for e in evil),
          f"credentials: the token endpoint of a host the registry redirected to got {evil}")
    check(any(e[2].startswith("/token?") and e[3] == BASIC for e in reg.log),
          f"credentials: the registry's own realm did not get the credentials: {reg.log}")
    leaked = [e for e in reg.log if e[3] and e[3] != "Bearer regtok" and not e[2].startswith("/token?")
              and not (e[2].startswith("/store/") and e[3] == "Bearer storetok")]
    check(not leaked, f"credentials: sent where they do not belong: {leaked}")
    stored = [e for e in reg.log if e[2].startswith("/store/") and e[3] == "Bearer storetok"]
    check(stored, f"credentials: the redirect's token was never used at its host: {reg.log}")

    # A Basic challenge from the host a blob is redirected to: refused, said.
    reg.mode = {"blob_redirect": "https://localhost:{port}/store/", "store_auth": BASIC,
                "store_challenge": 'Basic realm="store"'}
    reg.log.clear()
    rc, out, _ = update(node("cred-basic", [ref(reg)], auth=reg.host))
    check(rc == 2 and f"localhost:{reg.port}" in out and f"go only to {reg.host}" in out,
          f"credentials, a redirect's Basic challenge: exit {rc}: {out[-2000:]}")
    check(not [e for e in reg.log if e[3]], f"credentials: sent with a Basic challenge of a redirect: {reg.log}")


# ---- time limits -------------------------------------------------------------------------
def test_time_limits(reg, reg2):
    reg.layout = reg2.layout = B
    reg.mode, reg2.mode = {"manifest_rate": (1, 0.4)}, {}
    rc, out, took = update(node("drip-manifest", [ref(reg), ref(reg2)], timeout_s=2), limit=60)
    check(rc == 0 and took < 30, f"a dripped manifest: exit {rc} after {took:.0f} s: {out[-2000:]}")
    check(f"GET https://{reg.host}/v2/x/db/manifests/latest: " in out and "no answer within 2 s ('update.timeout_s'"
          in out and f"trying the next source, {ref(reg2)}" in out, f"a dripped manifest: not said: {out[-2000:]}")

    reg.mode = {"layer_rate": (100, 0.5)}
    rc, out, took = update(node("drip-layer", [ref(reg), ref(reg2)], timeout_s=2), limit=60)
    check(rc == 0 and took < 30, f"a dripped layer: exit {rc} after {took:.0f} s: {out[-2000:]}")
    check(f"GET https://{reg.host}/v2/x/db/blobs/{B['layer']}: " in out and "slower than 16 KiB/s for 2 s" in out
          and f"trying the next source, {ref(reg2)}" in out, f"a dripped layer: not said: {out[-2000:]}")

    # slow but honest: 64 KiB/s, longer than timeout_s in all
    reg.mode = {"layer_rate": (8 << 10, 0.125)}
    size = os.path.getsize(f"{B['dir']}/blobs/sha256/{B['layer'][7:]}")
    rc, out, took = update(node("slow-layer", [ref(reg)], timeout_s=1), limit=120)
    check(rc == 0 and took > 2, f"a layer of {size} bytes at 64 KiB/s: exit {rc} after {took:.1f} s: {out[-2000:]}")


# ---- export ------------------------------------------------------------------------------
def test_mirror_drip(reg):
    """An http(s) source (not oci://) that drips every answer: the update
    fails after a few timeout_s, saying which source, instead of hours."""
    reg.mode = {"mirror_rate": (1, 0.4)}
    src = f"https://{reg.host}/mirror/"
    rc, out, took = update(node("drip-mirror", [src], timeout_s=2), limit=90)
    check(rc == 2 and took < 45, f"a dripping http(s) mirror: exit {rc} after {took:.0f} s: {out[-2000:]}")
    # a fresh node: there is no previous database to be "unchanged"
    check(src in out and "(no database is written)" in out, f"a dripping http(s) mirror: not said: {out[-2000:]}")
    reg.mode = {}


def test_export():
    d = f"{T}/export"
    os.makedirs(d)
    for n in ("victim", "victim2"):
        open(f"{d}/{n}.txt", "w").write(f"{n}\n")
    os.symlink(f"{d}/victim2.txt", f"{d}/out.tar")
    # the shell's pid is the export's: exec
    r = subprocess.run(["sh", "-c", 'ln -s "$1/victim.txt" "$1/out.tar.tmp-$$" && exec "$2" db export --db "$3" '
                        '--key "$4" "$1/out.tar"', "sh", d, P, f"{T}/a.sqlite", f"{T}/k.key"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"export beside planted symlinks: exit {r.returncode}: {r.stderr[-2000:]}")
    for n in ("victim", "victim2"):
        check(open(f"{d}/{n}.txt", "rb").read() == f"{n}\n".encode(),
              f"export: {n}.txt, a symlink's target, was written")
    st = os.lstat(f"{d}/out.tar")
    check(stat_ok(st), f"export: out.tar is not a new regular file of mode 0644: {oct(st.st_mode)}")
    with tarfile.open(f"{d}/out.tar") as t:
        check("index.json" in t.getnames(), f"export: out.tar holds {t.getnames()}")
    left = [n for n in os.listdir(d) if n.startswith("out.tar.tmp-") and not os.path.islink(f"{d}/{n}")]
    check(not left, f"export: temporary files left: {left}")
    r = subprocess.run([P, "db", "export", "--db", f"{T}/a.sqlite", "--key", f"{T}/k.key", f"{d}/no/such/out.tar"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and f"{d}/no/such/out.tar" in r.stderr,
          f"export into a missing folder: exit {r.returncode}: {r.stderr[-2000:]}")


def stat_ok(st):
    return stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o644


try:
    CA = make_ca()
    sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", f"{T}/k.key")
    sh("openssl", "pkey", "-in", f"{T}/k.key", "-pubout", "-out", f"{T}/k.pub")
    A = make_layout("a", 4)
    B = make_layout("b", 800)
    reg, reg2 = Registry(CA, A), Registry(CA, A)
    try:
        test_credentials(reg)
        test_time_limits(reg, reg2)
        test_mirror_drip(reg)
        test_export()
    finally:
        reg.close()
        reg2.close()
finally:
    shutil.rmtree(T, ignore_errors=True)
finish()
