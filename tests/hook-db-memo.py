#!/usr/bin/env python3
"""The DB revision's memo (lib/gate.c, db_revision()) names the very file
whose revision it holds.  Two DB files take turns at the DB's path (renamed
over it, each keeping its inode and mtime, as a rollback by 'mv' or an A/B
pair does) while a hook reads the revision: the memo's key was taken from
the path before the open, so a swap between the two kept one file's stat
under the other's revision.  Once the DB with the curl advisory stayed,
the image was then allowed by the clean DB's cached findings (a cache hit
under the old revision) instead of blocked.  Each round gives both files a
new mtime (new memo keys), races one start against the swaps, then puts
the blocking DB in place and checks that the next start blocks."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

hook, cli, src = os.environ["PORTCULLIS_HOOK"], os.environ["PORTCULLIS"], os.environ["PC_SOURCE_ROOT"]
ROUNDS = 300
BUDGET_S = 60
t = tempfile.mkdtemp(prefix="pc-dbmemo-")
fails = []


def fail(msg):
    print("FAIL:", msg)
    fails.append(msg)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def run_hook():
    with open(f"{t}/state.json") as stdin:
        r = subprocess.run([hook, "--config", f"{t}/config.json"], stdin=stdin, capture_output=True, text=True,
                           timeout=60)
    return r.returncode, r.stderr


def put(n):
    """db<n>.sqlite at the DB's path by rename: the same inode and mtime."""
    os.link(f"{t}/db{n}.sqlite", f"{t}/db.s")
    os.rename(f"{t}/db.s", f"{t}/db.sqlite")
    if os.path.exists(f"{t}/db.s"):     # it was in place already: rename(2) of a file onto itself does nothing
        os.unlink(f"{t}/db.s")


def swapper(stop):
    while not stop.is_set():
        for n in (1, 2):
            put(n)
            time.sleep(0.0001)


try:
    root = f"{t}/rootfs"
    write(f"{root}/etc/os-release", 'ID=debian\nVERSION_ID="12"\n')
    write(f"{root}/var/lib/dpkg/status", "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\n"
          "Source: curl\nVersion: 7.88.1-10+deb12u3\n\n")
    write(f"{t}/bundle/config.json", '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' % root)
    write(f"{t}/state.json", '{"ociVersion": "1.0.2", "id": "m", "status": "creating", "pid": 1, "bundle": "%s", '
          '"annotations": {"io.kubernetes.cri-o.ImageRef": "sha256:%s"}}\n' % (f"{t}/bundle", "ab" * 32))
    # db1 without the curl advisory (the image is clean), db2 with it (blocked)
    shutil.copytree(f"{src}/feed/debian12", f"{t}/feed1/debian12")
    os.unlink(f"{t}/feed1/debian12/PCEX-CVE-2023-38545.json")
    for n, feed in ((1, f"{t}/feed1"), (2, f"{src}/feed")):
        subprocess.run([cli, "db", "import", feed, "--db", f"{t}/db{n}.sqlite"], check=True,
                       stdout=subprocess.DEVNULL)
    write(f"{t}/policy.json", '{"mode": "enforce", "severity": "HIGH"}\n')
    write(f"{t}/config.json", '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", '
          '"trust_image_digest": true, "log": {"syslog": false, "file": "%s"}}\n'
          % (f"{t}/db.sqlite", f"{t}/cache/cache.db", f"{t}/locks", f"{t}/policy.json", f"{t}/audit.log"))

    # Both revisions' findings cached: a wrong revision is a hit, not a miss.
    for n, want in ((1, 0), (2, 1)):
        put(n)
        rc, err = run_hook()
        if rc != want:
            fail(f"db{n} alone: exit {rc}, wanted {want}: {err}")

    start, rounds = time.monotonic(), 0
    while not fails and rounds < ROUNDS and time.monotonic() - start < BUDGET_S:
        rounds += 1
        ns = time.time_ns()
        for n in (1, 2):        # new mtimes: new memo keys, so the race reads the revision anew
            os.utime(f"{t}/db{n}.sqlite", ns=(ns + n, ns + n))
        stop = threading.Event()
        th = threading.Thread(target=swapper, args=(stop,))
        th.start()
        run_hook()              # either revision may decide this one
        stop.set()
        th.join()
        put(2)
        rc, err = run_hook()
        if rc != 1:
            with open(f"{t}/audit.log") as f:
                fail(f"round {rounds}: the DB with the curl advisory in place, exit {rc}, wanted 1 (blocked): "
                     f"{err.strip()} / {f.readlines()[-1].strip()}")
    print(f"{rounds} rounds of a start racing the swaps")

    # Rewritten in place with its mtime put back (cp --preserve, rsync -t of
    # a file of the same size): the same inode, size and mtime, another
    # revision.  The key has the ctime too, which no one can set.
    if not fails:
        shutil.copyfile(f"{t}/db1.sqlite", f"{t}/inplace.sqlite")
        os.rename(f"{t}/inplace.sqlite", f"{t}/db.sqlite")
        rc, err = run_hook()
        if rc != 0:
            fail(f"in place: the clean DB, exit {rc}, wanted 0: {err}")
        st = os.stat(f"{t}/db.sqlite")
        with open(f"{t}/db2.sqlite", "rb") as f:
            data = f.read()
        if len(data) != st.st_size:
            print(f"skip the in-place check: the two DBs differ in size ({len(data)}, {st.st_size})")
        else:
            time.sleep(0.01)
            with open(f"{t}/db.sqlite", "r+b") as f:
                f.write(data)
            os.utime(f"{t}/db.sqlite", ns=(st.st_atime_ns, st.st_mtime_ns))
            rc, err = run_hook()
            if rc != 1:
                fail(f"in place: the DB with the curl advisory written over the clean one (its mtime put back), "
                     f"exit {rc}, wanted 1 (blocked): {err.strip()}")
finally:
    shutil.rmtree(t, ignore_errors=True)

print("ok" if not fails else f"{len(fails)} failures")
raise SystemExit(1 if fails else 0)
