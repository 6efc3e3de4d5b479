"""What the Python tests share (import it from a test in tests/): check()
counts failures instead of stopping at the first, run() runs portcullis
($PORTCULLIS) and checks its exit code, finish() prints the tally and
exits 1 when anything failed; http_server() and send() serve a mirror on
127.0.0.1, osv_folder() lays one out; doctor_update() and update_gauges()
read what doctor and metrics say of `db update`."""
import glob
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import threading
import zipfile

P = os.environ.get("PORTCULLIS", "portcullis")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)
    return cond


def run(*args, expect=0, timeout=None):
    r = subprocess.run([P, *args], capture_output=True, text=True, timeout=timeout)
    check(r.returncode == expect, f"portcullis {' '.join(args)}: exit {r.returncode}, wanted {expect}: "
          f"{r.stderr[-2000:]}")
    return r


def finish():
    print("ok" if failures == 0 else f"{failures} of {checks} checks failed")
    sys.exit(1 if failures else 0)


def http_server(handle):
    """HTTP/1.1 on 127.0.0.1, a free port, in a thread: handle(h) answers
    every GET.  Returns (server, base URL); stop it with
    server.shutdown() and server.server_close()."""
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            handle(self)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def send(h, code, body=b"", hdrs=None):
    h.send_response(code)
    for k, v in (hdrs or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def osv_folder(d, records=(), debian=True):
    """d (made) as an OSV mirror's folder of one ecosystem: the repo's Debian
    12 records (feed/debian12, unless not debian) and records (dicts), one
    <id>.json each, their all.zip and modified_id.csv (newest first)."""
    os.makedirs(d)
    if debian:
        for f in glob.glob(f"{os.environ['PC_SOURCE_ROOT']}/feed/debian12/*.json"):
            shutil.copy(f, d)
    for r in records:
        json.dump(r, open(f"{d}/{r['id']}.json", "w"))
    rows = []
    with zipfile.ZipFile(f"{d}/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(glob.glob(f"{d}/*.json")):
            z.write(f, os.path.basename(f))
            r = json.load(open(f))
            rows.append((r["modified"], r["id"]))
    rows.sort(reverse=True)
    open(f"{d}/modified_id.csv", "w").write("".join(f"{m},{i}\n" for m, i in rows))
    return d


def doctor_update(config):
    """doctor's "update" check: (status, detail, fix)."""
    r = subprocess.run([P, "doctor", "--config", config, "--format", "json"], capture_output=True, text=True,
                       timeout=180)
    try:
        c = [c for c in json.loads(r.stdout)["checks"] if c["name"] == "update"][0]
    except (ValueError, KeyError, IndexError):
        check(False, f"doctor: no update check: {r.stdout[-1000:]} {r.stderr[-1000:]}")
        return "", "", ""
    return c["status"], c["detail"], c["fix"] or ""


def update_gauges(config):
    """The portcullis_db_update_* samples of metrics: {name with labels: value}."""
    r = subprocess.run([P, "metrics", "--config", config, "--output", "-"], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, f"metrics: exit {r.returncode}: {r.stderr[-1000:]}")
    return {ln.split()[0]: float(ln.split()[1]) for ln in r.stdout.splitlines()
            if ln.startswith("portcullis_db_update_")}
