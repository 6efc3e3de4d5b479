#!/usr/bin/env python3
"""portcullis scan/inventory on image files: a real `docker save` tarball
(alpine 3.11, with its expected package list), and images built here as
docker-save tars, OCI layout folders and OCI layout tars, whose layers
exercise whiteouts, opaque folders, compressed layers and hostile paths."""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imagelib import DIR, EXEC, docker_save, layer, oci_layout, oci_tar, status  # noqa: E402
from pctest import check, finish, run  # noqa: E402

P = os.environ["PORTCULLIS"]
SRC = os.environ["PC_SOURCE_ROOT"]
DATA = os.environ.get("PC_SHARED_DATA", "")




OS = b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
L1 = layer([("usr/lib/os-release", OS), ("etc/os-release", None, "../usr/lib/os-release"),
            ("var/lib/dpkg/status", status(("libcurl4", "curl", "7.88.1-10+deb12u3"), ("apt", None, "2.6.1"))),
            ("var/lib/dpkg/status.d/old", status(("oldpkg", None, "1.0"))),
            ("usr/bin/big-binary", b"x" * 100000)])
# Layer 2: the status file replaced (whiteout, then the new file), status.d
# made opaque with one new entry, and hostile paths that must land nowhere.
L2 = layer([("var/lib/dpkg/.wh.status", b""),
            ("var/lib/dpkg/status", status(("libcurl4", "curl", "7.88.1-10+deb12u4"), ("apt", None, "2.6.1"))),
            ("var/lib/dpkg/status.d/.wh..wh..opq", b""),
            ("var/lib/dpkg/status.d/new", status(("newpkg", None, "2.0"))),
            ("../../../../tmp/portcullis-escape", b"escaped"),
            ("/etc/portcullis-escape-abs", b"escaped")], gz=True)


def check_dpkg_image(target, digest, name):
    inv = json.loads(run("inventory", target, "--format", "json").stdout)
    got = sorted((p["name"], p["version"]) for p in inv["packages"])
    check(got == [("apt", "2.6.1"), ("libcurl4", "7.88.1-10+deb12u4"), ("newpkg", "2.0")],
          f"{target}: layers not applied as they should be: {got}")
    check(inv["os"]["ecosystem"] == "Debian:12", f"{target}: os-release through its symlink: {inv['os']}")
    scan = json.loads(run("scan", target, "--db", DB, "--format", "json").stdout)
    check(scan.get("image_digest") == digest, f"{target}: digest {scan.get('image_digest')} != {digest}")
    check(scan["target"] == name, f"{target}: name {scan['target']}")
    ids = {f["id"] for f in scan["findings"]}
    check("PCEX-CVE-2023-38545" not in ids and "PCEX-CVE-2011-3374" in ids, f"{target}: findings {ids}")


t = tempfile.mkdtemp(prefix="pc-image-")
try:
    DB = f"{t}/db.sqlite"
    run("db", "import", f"{SRC}/feed", "--db", DB)
    for p in ("/tmp/portcullis-escape", "/etc/portcullis-escape-abs"):
        if os.path.exists(p):
            os.unlink(p)

    d = docker_save(f"{t}/save.tar", [L1, L2])
    check_dpkg_image(f"{t}/save.tar", d, "test/dpkg:1")
    with open(f"{t}/save.tar", "rb") as f:
        open(f"{t}/save.tar.gz", "wb").write(gzip.compress(f.read()))
    check_dpkg_image(f"{t}/save.tar.gz", d, "test/dpkg:1")

    d = oci_layout(f"{t}/oci", [gzip.compress(L1), L2], "test/oci:2")
    check_dpkg_image(f"{t}/oci", d, "test/oci:2")
    oci_tar(f"{t}/oci", f"{t}/oci.tar")
    check_dpkg_image(f"{t}/oci.tar", d, "test/oci:2")

    check(not os.path.exists("/tmp/portcullis-escape") and not os.path.exists("/etc/portcullis-escape-abs"),
          "a layer wrote outside the temporary folder")
    check(not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("portcullis-image-")],
          "temporary folders left behind")

    # A scan ended while it writes the image out (^C: SIGINT to its whole
    # process group; kill -9) leaves no folder behind either: every killed
    # scan left the image written out in $TMPDIR.
    big = docker_save(f"{t}/big.tar", [layer([("etc/os-release", OS)] +
                                             [(f"usr/share/f{i}", b"x" * 20000) for i in range(3000)])])
    for sig in (signal.SIGINT, signal.SIGKILL):
        tmp = tempfile.mkdtemp(prefix="pc-killed-", dir=t)
        proc = subprocess.Popen([P, "inventory", f"{t}/big.tar"], env=dict(os.environ, TMPDIR=tmp),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        seen = False
        for _ in range(20000):
            folders = [n for n in os.listdir(tmp) if n.startswith("portcullis-image-")]
            if folders and os.path.exists(f"{tmp}/{folders[0]}/usr/share"):
                seen = True
                break
            if proc.poll() is not None:
                break
            time.sleep(0.0005)
        if seen:
            os.killpg(proc.pid, sig)
        proc.wait()
        for _ in range(100):
            if not os.listdir(tmp):
                break
            time.sleep(0.05)
        check(seen, f"{sig.name}: the scan ended before it was seen writing the image out")
        check(not os.listdir(tmp), f"a scan ended by {sig.name} left {os.listdir(tmp)}")

    # Language packages and binaries: the whole image is written out, the
    # layers' whiteouts and opaque folders applied to them too; a file
    # larger than the most written out of one is kept out and said as not
    # checked, and what comes after it is read.
    pkg = lambda n, v: json.dumps({"name": n, "version": v}).encode()  # noqa: E731
    meta = lambda n, v: f"Metadata-Version: 2.1\nName: {n}\nVersion: {v}\n".encode()  # noqa: E731
    site = "app/venv/lib/python3.11/site-packages"
    gobin = f"{DATA}/langpkg/trivy/go/goexperiment.elf"
    L3 = layer([("app/node_modules/lodash/package.json", pkg("lodash", "4.17.20")),
                ("app/node_modules/minimist/package.json", pkg("minimist", "1.2.5")),
                (f"{site}/Django-4.2.1.dist-info/METADATA", meta("Django", "4.2.1")),
                (f"{site}/urllib3-1.26.5.dist-info/METADATA", meta("urllib3", "1.26.5"))]
               + ([("usr/local/bin/app", EXEC, open(gobin, "rb").read()),
                   ("usr/local/bin/not-exec", open(gobin, "rb").read())] if os.path.exists(gobin) else []), gz=True)
    L4 = layer([("app/node_modules/.wh.minimist", b""),
                (f"{site}", DIR), (f"{site}/.wh..wh..opq", b""),
                (f"{site}/Django-4.2.2.dist-info/METADATA", meta("Django", "4.2.2")),
                ("data/huge.bin", b"\0" * (512 * 1024 * 1024 + 1)),
                ("app/node_modules/after-huge/package.json", pkg("after-huge", "1.0.0"))], gz=True)
    d = docker_save(f"{t}/lang.tar", [L1, L2, L3, L4], "test/lang:1")
    inv = json.loads(run("inventory", f"{t}/lang.tar", "--format", "json").stdout)
    got = sorted((p["name"], p["version"]) for p in inv["packages"] if p["ecosystem"] in ("npm", "PyPI", "Go"))
    want = [("Django", "4.2.2"), ("after-huge", "1.0.0"), ("lodash", "4.17.20")]
    if os.path.exists(gobin):
        want.append(("stdlib", "1.22.1"))
    check(got == sorted(want), f"lang.tar: language packages {got}, want {sorted(want)}")
    check(len(inv.get("skipped", [])) == 1 and "/data/huge.bin is larger than" in inv["skipped"][0],
          f"lang.tar: skipped {inv.get('skipped')}")
    scan = json.loads(run("scan", f"{t}/lang.tar", "--db", DB, "--format", "json").stdout)
    u = [x for x in scan["unchecked"] if x["kind"] == "incomplete"]
    check(len(u) == 1 and "/data/huge.bin is larger than 536870912 bytes" in u[0]["reason"],
          f"lang.tar: unchecked {scan['unchecked']}")
    r = run("scan", f"{t}/lang.tar", "--db", DB, "--fail-on", "CRITICAL", expect=1)

    # Names and layouts as Docker and containerd write them: ".." cleaned
    # lexically (a later layer's var/lib/dpkg/info/../status replaces the
    # status file), a folder over a file of the same layer replaces it, a
    # hard link to a symlink is that symlink again; a file below a symlink
    # of the same layer is written where that points, inside the image (an
    # absolute one, a chain, ".." past the top; a hard link's target too),
    # one below a file of the same layer or a symlink loop is not written
    # out, and said as not checked.
    L5 = layer([("var/lib/dpkg/info/../status", status(("libcurl4", "curl", "7.88.1-10+deb12u5"))),
                ("usr/lib/node_modules/x/../lodash/package.json", pkg("lodash", "4.17.0")),
                ("opt/nm/dep/package.json", pkg("dep", "1.0.0")),
                ("usr/local/lib/node_modules/dep", None, "../../../../opt/nm/dep"),
                ("usr/local/lib/node_modules/dep2", "hardlink", "usr/local/lib/node_modules/dep"),
                ("app/node_modules/over", b"a file first"),
                ("app/node_modules/over", DIR),
                ("app/node_modules/over/package.json", pkg("over", "2.0.0")),
                ("app/linked", None, "../opt/nm"),
                ("app/linked/node_modules/hidden/package.json", pkg("hidden", "3.0.0")),
                ("srv/abs", None, "/../../srv/real"),
                ("srv/chain", None, "abs/../real2"),
                ("srv/real", DIR),
                ("srv/chain/node_modules/chained/package.json", pkg("chained", "4.0.0")),
                ("srv/abs/node_modules/absolute/package.json", pkg("absolute", "5.0.0")),
                ("srv/real/node_modules/absolute/index.js", b"x"),
                ("srv/abs/node_modules/hl/package.json", "hardlink", "srv/chain/node_modules/chained/package.json"),
                ("srv/file", b"a file"),
                ("srv/file/node_modules/underfile/package.json", pkg("underfile", "6.0.0")),
                ("srv/loop", None, "loop2"),
                ("srv/loop2", None, "loop"),
                ("srv/loop/node_modules/looped/package.json", pkg("looped", "7.0.0"))])
    docker_save(f"{t}/names.tar", [L1, L5], "test/names:1")
    inv = json.loads(run("inventory", f"{t}/names.tar", "--format", "json").stdout)
    got = sorted((p["name"], p["version"], p["origin_file"]) for p in inv["packages"]
                 if p["name"] in ("libcurl4", "lodash", "dep", "over", "hidden", "chained", "absolute", "underfile",
                                  "looped"))
    check(got == [("absolute", "5.0.0", "/srv/real/node_modules/absolute/package.json"),
                  ("chained", "4.0.0", "/srv/real/node_modules/hl/package.json"),
                  ("chained", "4.0.0", "/srv/real2/node_modules/chained/package.json"),
                  ("dep", "1.0.0", "/usr/local/lib/node_modules/dep/package.json"),
                  ("dep", "1.0.0", "/usr/local/lib/node_modules/dep2/package.json"),
                  ("hidden", "3.0.0", "/opt/nm/node_modules/hidden/package.json"),
                  ("libcurl4", "7.88.1-10+deb12u5", "/var/lib/dpkg/status"),
                  ("lodash", "4.17.0", "/usr/lib/node_modules/lodash/package.json"),
                  ("over", "2.0.0", "/app/node_modules/over/package.json")], f"names.tar: {got}")
    skipped = inv.get("skipped", [])
    check(len(skipped) == 2 and "/srv/file/node_modules/underfile/package.json: a folder on its path is a file" in
          skipped[0] and "/srv/loop/node_modules/looped/package.json" in skipped[1],
          f"names.tar: what is not written out: {skipped}")

    # Damaged archives: a clear error naming the file, exit 2.
    data = open(f"{t}/save.tar", "rb").read()
    open(f"{t}/cut.tar", "wb").write(data[:len(data) // 2])
    r = run("scan", f"{t}/cut.tar", "--db", DB, expect=2)
    check("cut.tar" in r.stderr, f"truncated archive message: {r.stderr}")
    open(f"{t}/notimage.tar", "wb").write(b"hello, this is not a tar archive at all" * 20)
    r = run("scan", f"{t}/notimage.tar", "--db", DB, expect=2)
    check("notimage.tar" in r.stderr, f"not an archive message: {r.stderr}")

    # The real docker save of alpine 3.11.
    real = f"{DATA}/rootfs/trivy/alpine-311.tar.gz"
    if DATA and os.path.exists(real):
        exp = json.load(open(f"{DATA}/rootfs/trivy/alpine-311.expected.json"))
        scan = json.loads(run("scan", real, "--db", DB, "--format", "json").stdout)
        check(scan.get("image_digest") == "sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72",
              f"alpine digest: {scan.get('image_digest')}")
        check(scan["target"] == "alpine:3.11" and scan["os"]["id"] == "alpine", f"alpine: {scan['os']}")
        inv = json.loads(run("inventory", real, "--format", "json").stdout)
        want = sorted((p["Name"], p["Version"]) for p in exp["expected_packages"])
        got = sorted((p["name"], p["version"]) for p in inv["packages"])
        check(got == want, f"alpine packages differ: missing {sorted(set(want) - set(got))[:5]}, "
                           f"extra {sorted(set(got) - set(want))[:5]}")
        print(f"alpine-311: {len(got)} packages (expected {len(want)})")
finally:
    shutil.rmtree(t)

finish()
