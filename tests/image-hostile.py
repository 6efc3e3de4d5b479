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
from imagelib import DIR, HARDLINK, docker_save, layer, oci_layout, oci_tar, sha, status  # noqa: E402

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
        # Below more folders than the sandbox's resolver goes (64; the
        # kernel takes 2,000): noted, the image read (the whole image was
        # refused, "File name too long", its reason cut by the path); one
        # through a symlink of the layer too; and names of more than 255
        # bytes, which no runtime unpacks either (refused as well).
        "deep": [layer(BASE + [("/".join(["d"] * 64) + "/kept", b"x"), ("/".join(["d"] * 65) + "/deeper", b"x"),
                               ("/".join(["e"] * 2000) + "/deepest", b"x"), ("l", None, "/".join(["f"] * 60)),
                               ("l/f/f/f/f/f/f/via-link", b"x"), ("opt/" + "n" * 256, b"x"),
                               ("opt/" + "m" * 256 + "/x", b"x")])],
    }


def lying_archives(t):
    """name → (image file, what the refusal must say): archives that show
    docker load or containerd one image and a reader that takes the first
    of two, or guesses, another (a clean one)."""
    import hashlib
    import io
    import platform
    import tarfile
    clean = layer(BASE)
    vuln = layer([BASE[0], ("var/lib/dpkg/status", status(("openssl", None, "1.0.0")))])
    cfg = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    cname = hashlib.sha256(cfg).hexdigest() + ".json"

    def manifest(*layer_lists):
        return json.dumps([{"Config": cname, "RepoTags": [f"x:{i}"], "Layers": ls}
                           for i, ls in enumerate(layer_lists)]).encode()

    def archive(name, entries):
        with tarfile.open(f"{t}/{name}", "w") as tf:
            for n, data in entries:
                info = tarfile.TarInfo(n)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
        return f"{t}/{name}"
    out = {
        # docker load unpacks the archive: the last of two names wins
        "dup-manifest": (archive("dup-manifest.tar", [
            ("a/layer.tar", clean), ("b/layer.tar", vuln), (cname, cfg),
            ("manifest.json", manifest(["a/layer.tar"])), ("./manifest.json", manifest(["b/layer.tar"]))]),
            "holds /manifest.json twice"),
        "dup-layer": (archive("dup-layer.tar", [
            ("a/layer.tar", clean), ("a/layer.tar", vuln), (cname, cfg), ("manifest.json", manifest(["a/layer.tar"]))]),
            "holds /a/layer.tar twice"),
        # docker save a b: two images in one file
        "two-images": (archive("two-images.tar", [
            ("a/layer.tar", clean), ("b/layer.tar", vuln), (cname, cfg),
            ("manifest.json", manifest(["a/layer.tar"], ["b/layer.tar"]))]), "names 2 images"),
    }
    # docker save 25+: index.json (containerd reads it) and manifest.json
    # (docker load reads it) naming other layers
    d = f"{t}/disagree"
    oci_layout(d, [clean], "x:1")
    open(f"{d}/blobs/sha256/{hashlib.sha256(vuln).hexdigest()}", "wb").write(vuln)
    json.dump([{"Config": "blobs/sha256/x", "RepoTags": ["x:1"],
                "Layers": [f"blobs/sha256/{hashlib.sha256(vuln).hexdigest()}"]}], open(f"{d}/manifest.json", "w"))
    oci_tar(d, f"{t}/disagree.tar")
    out["index-manifest-disagree"] = (f"{t}/disagree.tar", "manifest.json and index.json name different")
    out["index-manifest-disagree-folder"] = (d, "manifest.json and index.json name different")
    # An index.json that is there but can't be read as one: said why, never
    # passed over for manifest.json as if it were missing (containerd reads
    # index.json, and refuses such an archive).
    mf = ("manifest.json", manifest(["a/layer.tar"]))
    out["index-not-json"] = (archive("index-not-json.tar", [("a/layer.tar", clean), (cname, cfg), mf,
                                                            ("index.json", b'{"schemaVersion": 2,')]),
                             "index.json is not JSON (line 1: ")
    out["index-too-large"] = (archive("index-too-large.tar", [("a/layer.tar", clean), (cname, cfg), mf,
                                                              ("index.json", b" " * (4 * 1024 * 1024 + 1))]),
                              "index.json was not read: it is 4194305 bytes, more than the limit of 4194304")
    fifo = f"{t}/index-fifo"
    oci_layout(fifo, [clean], "x:1")
    os.unlink(f"{fifo}/index.json")
    os.mkfifo(f"{fifo}/index.json")
    out["index-fifo-folder"] = (fifo, "index.json is not a regular file")

    # An index of platforms: a runtime here runs linux/<its arch>, never
    # the first listed; with none for it, or several images, none is taken.
    here = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "ppc64le": "ppc64le",
            "s390x": "s390x", "riscv64": "riscv64"}.get(platform.machine(), "amd64")
    other = "arm64" if here != "arm64" else "amd64"

    def index(name, entries):
        """entries: (layer bytes, platform or None)"""
        d = f"{t}/{name}"
        os.makedirs(f"{d}/blobs/sha256")

        def blob(data):
            open(f"{d}/blobs/sha256/{hashlib.sha256(data).hexdigest()}", "wb").write(data)
            return {"digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}
        ms = []
        for lay, plat in entries:
            m = json.dumps({"schemaVersion": 2, "config": blob(cfg), "layers": [blob(lay)]}).encode()
            ms.append(dict(blob(m), mediaType="application/vnd.oci.image.manifest.v1+json",
                           **({"platform": plat} if plat else {})))
        json.dump({"schemaVersion": 2, "manifests": ms}, open(f"{d}/index.json", "w"))
        open(f"{d}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
        return d
    out["index-other-platforms"] = (index("other-platforms", [
        (clean, {"os": "linux", "architecture": other}), (vuln, {"os": "unknown", "architecture": "unknown"})]),
        f"no linux/{here} manifest")
    out["index-two-images"] = (index("two-images-oci", [(clean, None), (vuln, None)]), "names 2 images")
    return out, index("platforms", [(clean, {"os": "linux", "architecture": other}),
                                    (vuln, {"os": "linux", "architecture": here})])


def aligned_layer():
    """A clean layer whose tar ends, end-of-archive blocks and padding
    included, on a 64 KiB boundary: libarchive, reading 64 KiB at a time,
    stops there, so bytes after it are read only by the reader's drain."""
    for n in range(640000, 660000, 512):
        lay = layer(BASE + [("filler", b"f" * n)])
        if len(lay) % 65536 == 0:
            return lay
    raise RuntimeError("no aligned layer")


def forged_images(t):
    """(refused, accepted): name → (image file, what the refusal says):
    images whose blobs or layers do not hash to the digests that name
    them (a forged file could claim a trusted image's digest and get its
    VEX statements); and name → (image file, digest or None, what stderr
    must say) that are read."""
    import gzip
    import hashlib
    import io
    import tarfile
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    clean = layer(BASE)
    vuln = layer([BASE[0], ("var/lib/dpkg/status", status(("openssl", None, "1.0.0")))])
    aligned = aligned_layer()
    junk = b"junk" * 50000
    says = "the image is damaged or was altered; save it again"

    def cfg(*diffs):
        return json.dumps({"architecture": "amd64", "os": "linux",
                           "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diffs]}}).encode()

    def save(name, config, config_name, layers):
        with tarfile.open(f"{t}/{name}", "w") as tf:
            def add(n, data):
                info = tarfile.TarInfo(n)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            for i, lay in enumerate(layers):
                add(f"l{i}/layer.tar", lay)
            add(config_name, config)
            add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["x:1"],
                                              "Layers": [f"l{i}/layer.tar" for i in range(len(layers))]}]).encode())
        return f"{t}/{name}"

    def oci(name, layers, tamper):
        """An OCI layout folder and its tar; tamper(folder, manifest digest) alters it."""
        d = f"{t}/{name}"
        digest = oci_layout(d, layers, "x:1")
        tamper(d, digest)
        oci_tar(d, f"{d}.tar")
        return d, digest

    def blob(d, data):
        open(f"{d}/blobs/sha256/{sha(data)}", "wb").write(data)
        return {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + sha(data),
                "size": len(data)}

    def forge_manifest(d, digest):
        # the index names the clean manifest's digest; its blob holds another manifest
        m = json.loads(open(f"{d}/blobs/sha256/{digest[7:]}").read())
        m["layers"] = [blob(d, vuln)]
        open(f"{d}/blobs/sha256/{digest[7:]}", "w").write(json.dumps(m))

    def swap_layer(d, digest):
        open(f"{d}/blobs/sha256/{sha(clean)}", "wb").write(vuln)

    def append_junk(d, digest):
        open(f"{d}/blobs/sha256/{sha(aligned)}", "ab").write(junk)

    refused = {}
    for name, layers, tamper in (("forged-manifest", [clean], forge_manifest), ("swapped-layer", [clean], swap_layer),
                                 ("trailing-bytes", [aligned], append_junk)):
        d, _ = oci(name, layers, tamper)
        refused[f"{name} (OCI layout)"] = (d, says)
        refused[f"{name} (OCI tar)"] = (f"{d}.tar", says)
    trusted = cfg(sha(clean))
    refused["swapped-layer (docker save)"] = (save("swapped.tar", trusted, sha(trusted) + ".json", [vuln]), says)
    # the trusted image id as the config's name, another config (the vulnerable layer's) in it
    refused["renamed-config (docker save)"] = (save("renamed.tar", cfg(sha(vuln)), sha(trusted) + ".json", [vuln]),
                                               says)
    a = cfg(sha(aligned))
    refused["trailing-bytes (docker save)"] = (save("trailing.tar", a, sha(a) + ".json", [aligned + junk]), says)

    # Bytes after the end-of-archive blocks that the digest covers: read.
    d = f"{t}/covered"
    digest = oci_layout(d, [aligned + junk], "x:1")
    oci_tar(d, f"{d}.tar")
    c = cfg(sha(aligned + junk))
    accepted = {"covered-trailing-bytes (OCI layout)": (d, digest, ""),
                "covered-trailing-bytes (OCI tar)": (f"{d}.tar", digest, ""),
                "covered-trailing-bytes (docker save)": (save("covered-save.tar", c, sha(c) + ".json", [aligned + junk]),
                                                         "sha256:" + sha(c), "")}
    # docker load takes a compressed layer.tar (crane and ko write only
    # such), its diff_id the tar's inside: checked against it once
    # decompressed, and refused when another tar is inside.
    c = cfg(sha(clean))
    accepted["compressed-layer (docker save)"] = (save("gz.tar", c, sha(c) + ".json", [gzip.compress(clean)]),
                                                  "sha256:" + sha(c), "")
    refused["compressed-swapped-layer (docker save)"] = (save("gz-swapped.tar", trusted, sha(trusted) + ".json",
                                                              [gzip.compress(vuln)]), says)
    return refused, accepted


def sized_images(t):
    """name → (image, what the refusal says): OCI layouts (folder and tar)
    whose descriptors give a size that is not one (negative, not an
    integer, missing) or not the bytes of what they name (2^62, one byte
    short, the manifest's own in index.json); the digests are right (the
    manifest rewritten, the index naming it anew): containerd refuses such
    images, so does the reader, naming the file and the field."""
    lay = layer(BASE)
    out = {}

    def oci(name, manifest_change=None, index_size=None):
        d = f"{t}/{name}"
        digest = oci_layout(d, [lay], "x:1")
        mpath = f"{d}/blobs/sha256/{digest[7:]}"
        m = json.loads(open(mpath).read())
        if manifest_change:
            manifest_change(m)
        data = json.dumps(m).encode()
        open(f"{d}/blobs/sha256/{sha(data)}", "wb").write(data)
        idx = json.load(open(f"{d}/index.json"))
        idx["manifests"][0].update(digest="sha256:" + sha(data), size=len(data) if index_size is None else index_size)
        json.dump(idx, open(f"{d}/index.json", "w"))
        oci_tar(d, f"{d}.tar")
        return d, "sha256:" + sha(data)

    def layer_size(v):
        def change(m):
            if v is None:
                del m["layers"][0]["size"]
            else:
                m["layers"][0]["size"] = v
        return change

    for name, change, says in (
            ("size-negative", layer_size(-5), '"layers[0].size" is negative, not a size in bytes'),
            ("size-string", layer_size(str(len(lay))), '"layers[0].size" is not an integer, not a size in bytes'),
            ("size-float", layer_size(len(lay) + 0.5), '"layers[0].size" is not an integer'),
            ("size-missing", layer_size(None), '"layers[0].size" is missing'),
            ("size-huge", layer_size(2 ** 62), f"is {len(lay)} bytes, not {2 ** 62} as the \"layers[0].size\" of "
             "blobs/sha256/"),
            ("size-short", layer_size(len(lay) - 1), f"is more than {len(lay) - 1} bytes, not {len(lay) - 1} as the "
             '"layers[0].size" of blobs/sha256/'),
            ("config-size-negative", lambda m: m["config"].update(size=-1), '"config.size" is negative')):
        d, digest = oci(name, change)
        for kind, target in (("OCI layout", d), ("OCI tar", f"{d}.tar")):
            out[f"{name} ({kind})"] = (target, says if "blobs/sha256/" in says else f"blobs/sha256/{digest[7:]}: {says}")
    d, digest = oci("index-size-negative", index_size=-5)
    out["index-size-negative"] = (d, 'index.json: "manifests[0].size" is negative')
    d, digest = oci("index-size-off", index_size=7)
    out["index-size-off"] = (f"{d}.tar", f"blobs/sha256/{digest[7:]} is {os.path.getsize(d + '/blobs/sha256/' + digest[7:])}"
                             ' bytes, not 7 as the "manifests[0].size" of index.json says')
    return out


def undecompressible_images(t):
    """name → (docker save, what the refusal says): a layer.tar that docker
    load (its DecompressStream: gzip, bzip2, xz, zstd, once) refuses,
    each with the diff_id of the clean tar inside."""
    import gzip
    import lzma
    clean = layer(BASE)
    return {"gzip of a gzip": (docker_save_as(t, "gzip2", [gzip.compress(gzip.compress(clean))], clean),
                               "is compressed twice (gzip inside gzip)"),
            "gzip of an xz": (docker_save_as(t, "gzip-xz", [gzip.compress(lzma.compress(clean))], clean),
                              "is compressed twice (xz inside gzip)"),
            "lzma": (docker_save_as(t, "lzma", [lzma.compress(clean, format=lzma.FORMAT_ALONE)], clean),
                     ": layer 1 (l/layer.tar) is not a tar archive")}


def docker_save_as(t, name, layers, tar):
    """A docker save of one stored layer whose diff_id is that of tar."""
    import io
    import tarfile
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(tar)]}}).encode()
    with tarfile.open(f"{t}/{name}.tar", "w") as tf:
        def add(n, data):
            info = tarfile.TarInfo(n)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        add("l/layer.tar", layers[0])
        add(sha(config) + ".json", config)
        add("manifest.json", json.dumps([{"Config": sha(config) + ".json", "Layers": ["l/layer.tar"]}]).encode())
    return f"{t}/{name}.tar"


def sparse_layer(n):
    """A layer of n sparse files of 100 GiB each, one byte stored (a PAX
    GNU.sparse 0.1 map): a few hundred bytes an entry."""
    import io
    import tarfile
    buf = io.BytesIO()
    big = 100 << 30
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in BASE:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for i in range(n):
            info = tarfile.TarInfo(f"opt/big{i}")
            info.pax_headers = {"GNU.sparse.size": str(big), "GNU.sparse.map": f"{big - 1},1",
                                "GNU.sparse.name": f"opt/big{i}"}
            info.size = 1
            tf.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


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
                if name == "deep":
                    check(r.stderr.count("below more than 64 folders") == 5 + (verb[0] == "scan") * 5,
                          f"{what}: the entries too deep not noted: {r.stderr[:600]}")
                if name.startswith(("whiteout", "hardlink")):
                    check("ignored" in r.stderr or "not written out, not checked" in r.stderr,
                          f"{what}: no warning about what was ignored: {r.stderr}")
    # Archives that would show a runtime another image than the reader:
    # refused, never read as the clean one.
    lying, platforms = lying_archives(t)
    for name, (target, says) in lying.items():
        for verb in (["inventory", target, "--format", "json"], ["scan", target, "--db", db, "--format", "json"]):
            r = run(verb, env)
            check(r.returncode == 2 and says in r.stderr,
                  f"{name}: portcullis {verb[0]}: exit {r.returncode}, not refused ({says!r}): {r.stdout[:300]} "
                  f"{r.stderr.strip()}")
    # Blobs and layers that do not hash to their digests: refused, never
    # read with the digest they claim.
    forged, valid = forged_images(t)
    for name, (target, says) in forged.items():
        for verb in (["inventory", target, "--format", "json"], ["scan", target, "--db", db, "--format", "json"]):
            r = run(verb, env)
            # named by its digest, or (trailing bytes) by the size its descriptor gives
            check(r.returncode == 2 and says in r.stderr and ("sha256:" in r.stderr or '.size" of' in r.stderr),
                  f"{name}: portcullis {verb[0]}: exit {r.returncode}, not refused ({says!r}): {r.stdout[:300]} "
                  f"{r.stderr.strip()}")
    for name, (target, digest, says) in valid.items():
        r = run(["scan", target, "--db", db, "--format", "json"], env)
        out = json.loads(r.stdout) if r.returncode == 0 else {}
        check(r.returncode == 0 and out.get("image_digest") == digest and says in r.stderr
              and out["os"]["id"] == "debian",
              f"{name}: exit {r.returncode}, digest {out.get('image_digest')} (want {digest}): {r.stderr.strip()}")
    # Descriptor sizes that are none, or not the bytes they describe.
    for name, (target, says) in sized_images(t).items():
        r = run(["scan", target, "--db", db, "--format", "json"], env)
        check(r.returncode == 2 and says in r.stderr and "the image is damaged or was altered" in r.stderr,
              f"{name}: exit {r.returncode}, not refused ({says!r}): {r.stdout[:300]} {r.stderr.strip()}")
    # What docker load refuses to decompress is no image a runtime gets:
    # refused, not read with the digest its config claims.
    for name, (target, says) in undecompressible_images(t).items():
        r = run(["scan", target, "--db", db, "--format", "json"], env)
        check(r.returncode == 2 and says in r.stderr,
              f"{name}: exit {r.returncode}, not refused ({says!r}): {r.stdout[:300]} {r.stderr.strip()}")
    # Files whose headers say they pass the cap on one file (sparse: 100
    # GiB in a few hundred bytes) are not written at all: each cost 512 MiB
    # of writes (0.7 s here) before it was removed again.
    import time
    docker_save(f"{t}/sparse.tar", [sparse_layer(24)])
    start = time.monotonic()
    r = run(["inventory", f"{t}/sparse.tar", "--format", "json"], env)
    took = time.monotonic() - start
    check(r.returncode == 0 and r.stderr.count("the most written out of one file") == 24 and took < 6,
          f"sparse files: exit {r.returncode} in {took:.1f} s: {r.stderr[:300]}")
    # An OCI layer in a compression no runtime takes (lzma) is no tar: the
    # reader knows gzip, bzip2, xz and zstd, never libarchive's others
    # (some of which run an external program on the bytes).
    import lzma
    oci_layout(f"{t}/oci-lzma", [lzma.compress(layer(BASE), format=lzma.FORMAT_ALONE)], "x:1")
    r = run(["scan", f"{t}/oci-lzma", "--db", db, "--format", "json"], env)
    check(r.returncode == 2 and "is not a tar archive" in r.stderr,
          f"lzma OCI layer: exit {r.returncode}, not refused: {r.stdout[:300]} {r.stderr.strip()}")
    r = run(["inventory", platforms, "--format", "json"], env)
    got = [p["name"] for p in json.loads(r.stdout)["packages"]] if r.returncode == 0 else r.stderr
    check(got == ["openssl"], f"index of platforms: not this host's manifest read: {got}")

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
