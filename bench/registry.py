#!/usr/bin/env python3
"""The DB through an OCI registry (issue 17): prints its figures (see
BENCHMARKS.md, "The DB through an OCI registry").

The DB is bench/update.py's: its generator writes an all.zip of N OSV
records with 4 affected entries each (250,000 records: the 1,000,000-entry
database of the update benchmark; the zip is shared with it in bench/out/),
and `portcullis db import` makes the sqlite file.  Debian's docker-registry
serves on 127.0.0.1 at a free port with TLS from a CA made here (the CLI
speaks https:// only to registries), as tests/db-registry.sh starts it,
without auth.  Then:

1. publish: `portcullis db publish` of that DB (zstd, signed with an
   Ed25519 key made here);
2. pull: `portcullis db update` from the oci:// source into a fresh
   node (its own DB path and state folder);
3. unchanged: the same `db update` again (the manifest's HEAD only).

Each: wall time, CPU seconds (user + system) and peak RSS of the
portcullis process, from wait4's rusage as GNU time reports it (see run());
bytes moved: pulls from the registry's access log (the size of
every response), the push from the manifest (config, layers and the manifest
itself, each uploaded once) since the log does not carry request bodies.

Usage: bench/registry.py [--records N] [--portcullis PATH]"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__
import update  # noqa: E402  bench/update.py: its generator, free_port, OUT

SRC = os.path.dirname(HERE)
REPO = "security/portcullis-db"


def run(argv):
    """argv's wall time, CPU seconds and peak RSS (KiB): bench/update.py's
    timed(), whose GNU time takes them from wait4's rusage.  wait4 from
    this process would count this process's pages: a forked child's peak
    RSS starts at its parent's RSS, and Linux keeps it across exec."""
    wall, rss, out = update.timed(argv)
    return wall, update.timed.cpu, rss, out


def make_ca(d):
    """A CA and a server certificate for 127.0.0.1, as tests/db-registry.sh makes them."""
    def ssl_(*args):
        subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ssl_("req", "-x509", *ec, "-days", "2", "-subj", "/CN=portcullis bench CA",
         "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")
    ssl_("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", f"{d}/srv.key", "-out", f"{d}/srv.csr")
    with open(f"{d}/ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    ssl_("x509", "-req", "-in", f"{d}/srv.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key", "-CAcreateserial",
         "-days", "2", "-extfile", f"{d}/ext", "-out", f"{d}/srv.pem")
    ssl_("genpkey", "-algorithm", "ed25519", "-out", f"{d}/sign.key")
    ssl_("pkey", "-in", f"{d}/sign.key", "-pubout", "-out", f"{d}/sign.pub")


def start_registry(tmp):
    reg = shutil.which("docker-registry") or sys.exit("docker-registry is not installed (scripts/install-deps.sh)")
    addr = f"127.0.0.1:{update.free_port()}"
    with open(f"{tmp}/registry.yml", "w") as f:
        f.write(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {tmp}/storage
http:
  addr: {addr}
  tls:
    certificate: {tmp}/srv.pem
    key: {tmp}/srv.key
""")
    log = open(f"{tmp}/registry.log", "w")
    proc = subprocess.Popen([reg, "serve", f"{tmp}/registry.yml"], stdout=log, stderr=subprocess.STDOUT)
    ctx = ssl.create_default_context(cafile=f"{tmp}/ca.pem")
    for _ in range(300):
        try:
            urllib.request.urlopen(f"https://{addr}/v2/", timeout=1, context=ctx)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.terminate()
        sys.exit(f"the registry did not start: {open(log.name).read()[-1000:]}")
    return proc, addr, log.name, ctx


# The access log's combined format: "METHOD PATH HTTP/1.1" STATUS SIZE
LOG_RE = re.compile(r'"(GET|HEAD|PUT|PATCH|POST) (\S+) HTTP/[\d.]+" (\d{3}) (\d+|-)')


def log_mark(log):
    with open(log) as f:
        return sum(1 for _ in f)


def log_since(log, mark):
    """(requests, blob GETs, response bytes) logged after line mark."""
    reqs = blobs = size = 0
    with open(log) as f:
        for line in list(f)[mark:]:
            m = LOG_RE.search(line)
            if not m:
                continue
            reqs += 1
            blobs += m.group(1) == "GET" and "/blobs/" in m.group(2)
            # a HEAD's logged size is the Content-Length it announced, no body
            size += int(m.group(4)) if m.group(4) != "-" and m.group(1) != "HEAD" else 0
    return reqs, blobs, size


def mib(n):
    return n / (1 << 20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=250000,
                    help="OSV records of 4 affected entries each (default 250,000: 1,000,000 entries)")
    ap.add_argument("--portcullis", default=os.path.join(SRC, "build/cli/portcullis"))
    a = ap.parse_args()
    pc = a.portcullis
    os.makedirs(update.OUT, exist_ok=True)
    gen = os.path.join(update.OUT, f"update-{a.records}x{update.AFFECTED}.zip")
    csv = gen[:-4] + ".csv"
    if not (os.path.exists(gen) and os.path.exists(csv)):
        print(f"generating {a.records} records x {update.AFFECTED} affected (bench/update.py's generator) ...",
              flush=True)
        t0 = time.perf_counter()
        update.generate(gen, csv, a.records)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"machine: {os.cpu_count()} cores, {os.uname().release}, load average {os.getloadavg()[0]:.1f}",
          flush=True)

    with tempfile.TemporaryDirectory(prefix="pc-bench-registry-") as tmp:
        make_ca(tmp)
        db = f"{tmp}/build.sqlite"
        wall, cpu, _, _ = run([pc, "db", "import", gen, "--db", db])
        st = json.loads(run([pc, "db", "status", "--db", db, "--format", "json"])[3])
        print(f"DB: {st['records']} records, {st['affected']} affected entries, {mib(os.path.getsize(db)):.1f} MiB "
              f"(imported in {wall:.1f} s)", flush=True)
        proc, addr, log, ctx = start_registry(tmp)
        try:
            ref = f"oci://{addr}/{REPO}:latest"
            wall, cpu, rss, out = run([pc, "db", "publish", "--db", db, "--key", f"{tmp}/sign.key",
                                       "--ca-file", f"{tmp}/ca.pem", ref])
            req = urllib.request.Request(f"https://{addr}/v2/{REPO}/manifests/latest",
                                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
            man = urllib.request.urlopen(req, context=ctx).read()
            m = json.loads(man)
            pushed = m["config"]["size"] + sum(l["size"] for l in m["layers"]) + len(man)
            print(f"publish: {wall:.2f} s, {cpu:.2f} CPU-s, peak RSS {rss / 1024:.1f} MiB, {pushed:,} bytes pushed "
                  f"({mib(pushed):.1f} MiB; layer {m['layers'][0]['size']:,} bytes, "
                  f"{os.path.getsize(db) / m['layers'][0]['size']:.1f}x smaller than the DB): {out.strip()}",
                  flush=True)

            node = f"{tmp}/node"
            os.makedirs(node)
            cfg = f"{tmp}/config.json"
            with open(cfg, "w") as f:
                json.dump({"db": f"{node}/db.sqlite", "cache": f"{node}/cache.db",
                           "update": {"sources": [ref], "ca_file": f"{tmp}/ca.pem", "public_key": f"{tmp}/sign.pub",
                                      "state_dir": f"{node}/state"}}, f)
            for what in ("pull", "unchanged"):
                mark = log_mark(log)
                wall, cpu, rss, out = run([pc, "db", "update", "--config", cfg])
                time.sleep(0.5)  # the registry writes its log line after the response
                reqs, blobs, size = log_since(log, mark)
                print(f"{what}: {wall:.2f} s, {cpu:.2f} CPU-s, peak RSS {rss / 1024:.1f} MiB, {size:,} bytes pulled "
                      f"({mib(size):.1f} MiB) in {reqs} requests, {blobs} blob GETs: {out.strip().splitlines()[-1]}",
                      flush=True)
            got = json.loads(run([pc, "db", "status", "--db", f"{node}/db.sqlite", "--format", "json"])[3])
            if got["revision"] != st["revision"] or got["records"] != st["records"]:
                sys.exit(f"the node has revision {got['revision']} ({got['records']} records), "
                         f"not {st['revision']} ({st['records']})")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
