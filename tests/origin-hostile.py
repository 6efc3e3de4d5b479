#!/usr/bin/env python3
"""One hostile origin path through every report: a folder named with a
terminal title sequence (ESC ] 0 ; ... BEL), a colour sequence, bytes that
are no UTF-8 and a C1 CSI (U+009B), holding a Python dist-info, a Maven jar
with its pom.properties and one without (a guess, reported not checked,
its origin in the reason).  Every reader keeps the origin exact (the Java
reader made it printable, Python's did not): the JSON documents give it
with JSON's escapes (bytes that are no UTF-8 as '?', which JSON can't
carry), SARIF percent-encodes it in its URI; and no output a terminal
shows (the tables, stderr, HTML, the hook's block message) holds a control
character but the line ends."""
import json
import os
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pctest import P, check, finish  # noqa: E402

HOOK = os.environ["PORTCULLIS_HOOK"]
T = tempfile.mkdtemp(prefix="origin-hostile-")
BAD = b"evil\x1b]0;pwn\x07\x1b[31mred\xff\xfe\xc2\x9b2J"
SHOWN = "evil\x1b]0;pwn\x07\x1b[31mred??\u009b2J"      # as JSON can carry it
R = f"{T}/rootfs".encode()

os.makedirs(R + b"/etc")
open(R + b"/etc/os-release", "wb").write(b'ID=debian\nVERSION_ID="12"\n')
os.makedirs(R + b"/var/lib/dpkg")
open(R + b"/var/lib/dpkg/status", "wb").write(b"")
d = R + b"/usr/lib/python3/dist-packages/" + BAD + b"/evilpkg-1.0.dist-info"
os.makedirs(d)
open(d + b"/METADATA", "wb").write(b"Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n\n")
os.makedirs(R + b"/opt/" + BAD)
with open(R + b"/opt/" + BAD + b"/app.jar", "wb") as f, zipfile.ZipFile(f, "w") as z:
    z.writestr("META-INF/maven/org.evil/eviljar/pom.properties", "groupId=org.evil\nartifactId=eviljar\nversion=1.0\n")
with open(R + b"/opt/" + BAD + b"/thing-1.2.jar", "wb") as f, zipfile.ZipFile(f, "w") as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
os.makedirs(f"{T}/feed")
for eco, name in (("PyPI", "evilpkg"), ("Maven", "org.evil:eviljar")):
    json.dump({"id": f"PCT-{eco}-1", "modified": "2026-01-01T00:00:00Z", "summary": "test",
               "affected": [{"package": {"ecosystem": eco, "name": name},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]},
              open(f"{T}/feed/{eco}.json", "w"))
subprocess.run([P, "db", "import", f"{T}/feed", "--db", f"{T}/db.sqlite"], check=True, capture_output=True)

JAVA = f"/opt/{SHOWN}/app.jar"
PY = f"/usr/lib/python3/dist-packages/{SHOWN}/evilpkg-1.0.dist-info/METADATA"
GUESS = f"/opt/{SHOWN}/thing-1.2.jar"


def run(*args, stdin=None):
    r = subprocess.run(list(args), capture_output=True, stdin=stdin)
    return r.returncode, r.stdout, r.stderr


def no_controls(what, data):
    bad = sorted({c for c in data if c < 0x20 and c not in (0x0a, 0x09)} | ({0x7f} & set(data)))
    check(not bad and b"\xc2\x9b" not in data and b"\x9b" not in data.replace(b"\xc2\x9b", b""),
          f"{what}: control characters {bad} reach the terminal: {data[:400]!r}")


for fmt in ("table", "json", "sarif", "cyclonedx", "spdx-json", "html"):
    rc, out, err = run(P, "scan", f"{T}/rootfs", "--db", f"{T}/db.sqlite", "--format", fmt)
    check(rc == 0, f"scan --format {fmt}: exit {rc}: {err[-500:]!r}")
    no_controls(f"scan --format {fmt}: stderr", err)
    if fmt in ("table", "html"):
        no_controls(f"scan --format {fmt}", out)
        check(b"/opt/evil?]0;pwn??[31mred" in out, f"scan --format {fmt}: the origin not shown: {out[:2000]!r}")
        continue
    doc = json.loads(out)
    if fmt == "json":
        paths = sorted(f.get("path") for f in doc["findings"])
        check(paths == sorted([JAVA, PY]), f"json: paths {paths!r}")
        reasons = " ".join(u["reason"] for u in doc.get("not_checked", doc.get("unchecked", [])))
        check(GUESS.replace("\x1b", "?").replace("\x07", "?").replace("\u009b", "??") in reasons,
              f"json: the guess's origin not in the reasons (messages stay printable): {reasons!r}")
    elif fmt == "sarif":
        uris = sorted(loc["physicalLocation"]["artifactLocation"]["uri"]
                      for res in doc["runs"][0]["results"] for loc in res.get("locations", []))
        check(any(u.startswith("opt/evil%1B%5D0%3Bpwn%07%1B%5B31mred") and u.endswith("/app.jar") for u in uris),
              f"sarif: the jar's URI: {uris!r}")
    elif fmt == "cyclonedx":
        props = [p["value"] for c in doc["components"] for p in c.get("properties", [])
                 if p["name"] == "portcullis:file"]
        check(sorted(set(props) & {JAVA, PY}) == sorted([JAVA, PY]), f"cyclonedx: portcullis:file {props!r}")
    elif fmt == "spdx-json":
        info = [p.get("sourceInfo", "") for p in doc["packages"]]
        check(f"listed in {JAVA}" in info and f"listed in {PY}" in info, f"spdx-json: sourceInfo {info!r}")

for fmt in ("table", "json"):
    rc, out, err = run(P, "inventory", f"{T}/rootfs", "--format", fmt)
    check(rc == 0, f"inventory --format {fmt}: exit {rc}: {err[-500:]!r}")
    no_controls(f"inventory --format {fmt}: stderr", err)
    if fmt == "table":
        no_controls("inventory --format table", out)
    else:
        origins = sorted(p.get("origin_file") for p in json.loads(out)["packages"])
        check(origins == sorted([JAVA, PY, GUESS]), f"inventory json: origins {origins!r}")

# The hook's block message: on_unchecked deny, the guess's origin in it.
os.makedirs(f"{T}/bundle")
json.dump({"ociVersion": "1.0.2", "root": {"path": f"{T}/rootfs"}}, open(f"{T}/bundle/config.json", "w"))
json.dump({"ociVersion": "1.0.2", "id": "hostile", "status": "creating", "pid": 1, "bundle": f"{T}/bundle"},
          open(f"{T}/state.json", "w"))
json.dump({"mode": "enforce", "severity": "CRITICAL", "on_unchecked": "deny"}, open(f"{T}/policy.json", "w"))
json.dump({"db": f"{T}/db.sqlite", "cache": f"{T}/cache.db", "lock_dir": f"{T}/locks", "policy": f"{T}/policy.json",
           "log": {"syslog": False, "file": f"{T}/audit.log"}}, open(f"{T}/config.json", "w"))
with open(f"{T}/state.json", "rb") as st:
    rc, out, err = run(HOOK, "--config", f"{T}/config.json", stdin=st)
check(rc != 0 and b"portcullis: blocked" in err and b"/opt/evil?]0;pwn??[31mred" in err,
      f"hook: not blocked naming the jar: exit {rc}: {err[-1500:]!r}")
no_controls("hook: stderr", err)
no_controls("hook: stdout", out)
finish()
