#!/usr/bin/env python3
"""Starts while another process writes the cache (lib/cache.c, busy_wait()
and touch()).  'cache rescan' after a DB update rewrites every entry, one
short transaction after another, and removes the verdict index until it
ends, so that every start's hit is served by sqlite.  sqlite's own busy
handler tried again only every 100 ms and found the write lock free by
luck: against a rescan of 5,000 entries a start waited 4.5 s.  Here a
writer takes the lock the same way (held 60 ms, free 1 ms, for a few
seconds): each miss must store its entry well before the writer stops.
And a hit whose last use is old must not wait for a writer that holds the
lock for seconds: its last use is only worth a moment."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import check, finish  # noqa: E402

hook, cli, src = os.environ["PORTCULLIS_HOOK"], os.environ["PORTCULLIS"], os.environ["PC_SOURCE_ROOT"]
MISSES = 5
WAIT_MAX_S = 1.5
t = tempfile.mkdtemp(prefix="pc-busywriter-")
cache = f"{t}/cache/cache.db"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def start(n):
    """The hook for image digest n: its audit line and the wall time."""
    state = {"ociVersion": "1.0.2", "id": f"c{n}", "status": "creating", "pid": 1, "bundle": f"{t}/bundle",
             "annotations": {"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.ImageRef": "sha256:%064x" % n}}
    t0 = time.monotonic()
    subprocess.run([hook, "--config", f"{t}/config.json"], input=json.dumps(state), capture_output=True,
                   text=True, timeout=60)
    took = time.monotonic() - t0
    with open(f"{t}/audit.log") as f:
        return json.loads(f.readlines()[-1]), took


def writer(hold_s, free_s, stop):
    """Holds the cache's write lock hold_s at a time, free_s between."""
    db = sqlite3.connect(cache, isolation_level=None, timeout=30)
    while not stop.is_set():
        db.execute("BEGIN IMMEDIATE")
        time.sleep(hold_s)
        db.execute("COMMIT")
        time.sleep(free_s)
    db.close()


def with_writer(hold_s, free_s, runs):
    stop = threading.Event()
    th = threading.Thread(target=writer, args=(hold_s, free_s, stop))
    th.start()
    time.sleep(0.2)
    try:
        return [start(n) for n in runs]
    finally:
        stop.set()
        th.join()


try:
    root = f"{t}/rootfs"
    write(f"{root}/etc/os-release", 'ID=debian\nVERSION_ID="12"\n')
    write(f"{root}/var/lib/dpkg/status", "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\n"
          "Source: curl\nVersion: 7.88.1-10+deb12u3\n\n")
    write(f"{t}/bundle/config.json", json.dumps({"ociVersion": "1.0.2", "root": {"path": root}}))
    write(f"{t}/policy.json", '{"mode": "enforce", "severity": "HIGH"}\n')
    write(f"{t}/config.json", json.dumps({"db": f"{t}/db.sqlite", "cache": cache, "lock_dir": f"{t}/locks",
                                          "policy": f"{t}/policy.json",
                                          "log": {"syslog": False, "file": f"{t}/audit.log"}}))
    subprocess.run([cli, "db", "import", f"{src}/feed", "--db", f"{t}/db.sqlite"], check=True,
                   capture_output=True)
    line, _ = start(1)
    check(line["cache"] == "miss" and line["decision"] == "deny", f"first start: {line}")

    # Misses against a writer that leaves the lock free 1 ms in 61.
    for n, (line, took) in enumerate(with_writer(0.06, 0.001, range(100, 100 + MISSES))):
        check(line["cache"] == "miss" and line["decision"] == "deny", f"miss {n} under a busy writer: {line}")
        check(took < WAIT_MAX_S, f"miss {n} under a busy writer took {took:.2f} s (at most {WAIT_MAX_S} s)")
    lines = subprocess.run([cli, "cache", "ls", "--cache", cache, "--format", "json"], capture_output=True,
                           text=True).stdout
    check(len(json.loads(lines)["entries"]) == 1 + MISSES, f"not every miss was stored: {lines}")

    # A hit served by sqlite (no index, as during a rescan) whose last use
    # is old, against a writer holding the lock for 4 s.
    db = sqlite3.connect(cache, isolation_level=None)
    db.execute("UPDATE entries SET last_used = 0")
    db.close()
    shutil.rmtree(f"{cache}-index.d")
    [(line, took)] = with_writer(4, 0.001, [1])
    check(line["cache"] == "hit" and line["decision"] == "deny", f"hit under a writer: {line}")
    check(took < WAIT_MAX_S, f"a hit waited {took:.2f} s for a writer to update its last use")
finally:
    shutil.rmtree(t, ignore_errors=True)
finish()
