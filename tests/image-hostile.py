#!/usr/bin/env python3
"""Issue 11, attacks 1 and 2, reproduced for real: image files whose layers
plant a symlink to a host folder (here a folder of canary files beside
portcullis's temporary folders), then
  - whiteouts (.wh.NAME, .wh..wh..opq, and ".wh..") under that symlink,
    which would make the reader delete host files;
  - hard links whose target runs through that symlink, which would make the
    reader link a host file into the image (its content in the report);
  - a regular file below a symlinked folder, which would be written on the
    host.
`portcullis inventory` and `scan` run on each, as docker save tarballs, OCI
layout folders and OCI layout tars; the canaries must be unchanged and
their content must never appear in the output."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imagelib import DIR, HARDLINK, docker_save, layer, oci_layout, oci_tar, status  # noqa: E402

P = os.environ["PORTCULLIS"]
SRC = os.environ["PC_SOURCE_ROOT"]
failures = 0
SECRET = "hostsecret-6f1c"


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def snapshot(root):
    """Every path below root with its type and content (or link target)."""
    snap = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir", oct(os.stat(p).st_mode))
            else:
                snap[rel] = ("file", open(p, "rb").read(), oct(os.stat(p).st_mode))
    return snap


def make_canaries(host):
    shutil.rmtree(host, ignore_errors=True)
    os.makedirs(f"{host}/sub/deeper")
    os.makedirs(f"{host}/opq")
    for rel in ("canary", "sub/canary", "sub/deeper/canary", "opq/canary", "opq/other"):
        open(f"{host}/{rel}", "w").write(f"canary {rel}\n")
    open(f"{host}/os-release", "w").write(f'ID={SECRET}\nVERSION_ID="1"\nPRETTY_NAME="{SECRET}"\n')
    open(f"{host}/status", "wb").write(status((SECRET, None, "6.6.6")))


OS = b'ID=debian\nVERSION_ID="12"\n'
BASE = [("usr/lib/os-release", OS), ("var/lib/dpkg/status", status(("apt", None, "2.6.1")))]


def hostile_images(host, sib):
    """name → layers; host is the canary folder (absolute), sib its path
    relative to portcullis's temporary folder (both live in one TMPDIR)."""
    rel = "../../../../../../../../.." + host       # relative escape from any depth
    plant = BASE + [("etc/os-release", None, host),                     # absolute symlink
                    ("var/lib/dpkg/status.d/a", None, rel),             # relative, climbing out
                    ("var/lib/dpkg/status.d/b", None, f"../{sib}")]     # relative, the temp folder's sibling
    return {
        # 1: whiteouts below a symlink an earlier layer kept.
        "whiteout": [layer(plant), layer([
            ("etc/os-release/.wh.canary", b""),
            ("etc/os-release/.wh.sub", b""),
            ("etc/os-release/opq/.wh..wh..opq", b""),
            ("var/lib/dpkg/status.d/a/.wh.canary", b""),
            ("var/lib/dpkg/status.d/a/sub/.wh.deeper", b""),
            ("var/lib/dpkg/status.d/a/opq/.wh..wh..opq", b""),
            ("var/lib/dpkg/status.d/b/.wh.os-release", b""),
            ("var/lib/dpkg/status.d/b/.wh..wh..opq", b""),
            ("etc/os-release/" + "/".join(["d" * 200] * 50) + "/.wh.canary", b""),   # a 10 kB path: nothing of ours is there
        ])],
        # 1b: the same symlink and whiteouts in one layer, and whiteouts of
        # "." and ".." (the temporary folder's parent: TMPDIR).
        "whiteout-same-layer": [layer(plant + [
            ("etc/os-release/.wh.canary", b""),
            ("var/lib/dpkg/status.d/a/.wh..wh..opq", b""),
            (".wh...", b""), (".wh..", b""), ("etc/.wh...", b""),
            ("/".join(["d" * 200] * 50) + "/.wh..", b""),     # its 10 kB warning is cut, the scan goes on
        ])],
        # 2: hard links through the symlink to host files.
        "hardlink": [layer(plant), layer([
            ("etc/.wh.os-release", b""),
            ("usr/lib/os-release", HARDLINK, "var/lib/dpkg/status.d/a/os-release"),
            ("var/lib/dpkg/status", HARDLINK, "var/lib/dpkg/status.d/b/status"),
            ("lib/apk/db/installed", HARDLINK, "var/lib/dpkg/status.d/a/status"),
        ])],
        "hardlink-same-layer": [layer(BASE + [
            ("etc/os-release", None, host),
            ("usr/lib/os-release", HARDLINK, "etc/os-release/os-release"),
            ("var/lib/dpkg/status.d/x", HARDLINK, f"/{host}/status"),
            ("var/lib/rpm/Packages", HARDLINK, "var/lib/dpkg/status.d/../../../../" + host + "/status"),
        ])],
        # Files below a symlinked folder: in a later layer (the link is
        # replaced by a folder, as overlayfs would hide it) and in the same
        # layer (the entry is ignored).
        "parent-symlink": [layer(plant + [("var/lib/dpkg/status.d/a/planted", b"written")]), layer([
            ("etc/os-release/planted", b"written"),
            ("var/lib/dpkg/status.d/b/status", b"written"),
            ("var/lib/dpkg/status.d/b", DIR),
            ("var/lib/dpkg/status.d/b/planted", b"written"),
        ])],
        "parent-symlink-folders": [layer(BASE + [("var/lib/dpkg", None, host)]), layer([
            ("var/lib/dpkg/status", status(("newer", None, "1.0"))),
            ("var/lib/dpkg/status.d/planted", b"written"),
        ])],
    }


def run(args, env):
    r = subprocess.run([P, *args], capture_output=True, text=True, env=env)
    return r


t = tempfile.mkdtemp(prefix="pc-image-hostile-")
try:
    tmpdir = f"{t}/tmp"           # portcullis's TMPDIR: its temporary folders are created here
    os.makedirs(tmpdir)
    host = f"{tmpdir}/host-canaries"
    env = dict(os.environ, TMPDIR=tmpdir)
    db = f"{t}/db.sqlite"
    subprocess.run([P, "db", "import", f"{SRC}/feed", "--db", db], check=True, capture_output=True)
    # A canary file beside the canary folder: ".wh..." at the top would reach it.
    open(f"{tmpdir}/sibling-canary", "w").write("sibling\n")

    for name, layers in hostile_images(host, "host-canaries").items():
        targets = {}
        make_canaries(host)
        docker_save(f"{t}/{name}.tar", layers)
        targets["docker save"] = f"{t}/{name}.tar"
        oci_layout(f"{t}/{name}-oci", layers, f"test/{name}:1")
        targets["OCI layout"] = f"{t}/{name}-oci"
        oci_tar(f"{t}/{name}-oci", f"{t}/{name}-oci.tar")
        targets["OCI tar"] = f"{t}/{name}-oci.tar"
        for kind, target in targets.items():
            for verb in (["inventory", target, "--format", "json"], ["scan", target, "--db", db, "--format", "json"],
                         ["inventory", target]):
                make_canaries(host)
                before = snapshot(tmpdir)
                r = run(verb, env)
                after = snapshot(tmpdir)
                what = f"{name} ({kind}): portcullis {verb[0]}"
                check(r.returncode == 0, f"{what}: exit {r.returncode}: {r.stderr.strip()}")
                check(before == after, f"{what}: the host folder changed: "
                      f"{sorted(set(before.items()) ^ set(after.items()))[:6]}")
                check(SECRET not in r.stdout + r.stderr,
                      f"{what}: a host file's content is in the output")
                if verb[-1] == "json" and r.returncode == 0:
                    out = json.loads(r.stdout)
                    check(out["os"]["id"] == "debian", f"{what}: os {out['os']}")
                if name.startswith(("whiteout", "hardlink")):
                    check("ignored" in r.stderr or "not written out, not checked" in r.stderr,
                          f"{what}: no warning about what was ignored: {r.stderr}")
    # A file below a folder that a lower layer made a symlink: written
    # inside (the link hidden by the folder, as in overlayfs), not on the host.
    make_canaries(host)
    r = run(["inventory", f"{t}/parent-symlink-folders.tar", "--format", "json"], env)
    got = [p["name"] for p in json.loads(r.stdout)["packages"]] if r.returncode == 0 else r.stderr
    check(got == ["newer"], f"parent-symlink-folders: the later layer's status not read inside: {got}")
    check(not os.path.exists(f"{host}/status.d") and "planted" not in os.listdir(host),
          "parent-symlink: planted on the host")
    check(not [n for n in os.listdir(tmpdir) if n.startswith("portcullis-image-")],
          "temporary folders left behind")
finally:
    shutil.rmtree(t)

print("ok" if failures == 0 else f"{failures} failures")
sys.exit(1 if failures else 0)
