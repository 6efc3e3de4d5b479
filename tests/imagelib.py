"""Builders of image files for the tests: layer tars, `docker save`
tarballs and OCI image layouts, written with python's tarfile."""
import gzip
import hashlib
import io
import json
import os
import tarfile

HARDLINK = "hardlink"   # (path, HARDLINK, target): a hard link entry
DIR = "dir"             # (path, DIR): a folder entry
EXEC = "exec"           # (path, EXEC, bytes): a file of mode 0755


def sha(b):
    return hashlib.sha256(b).hexdigest()


def status(*pkgs):
    """A dpkg status file of (name, source or None, version) packages."""
    return "".join(f"Package: {n}\nStatus: install ok installed\nArchitecture: amd64\n"
                   + (f"Source: {s}\n" if s else "") + f"Version: {v}\n\n" for n, s, v in pkgs).encode()


def layer(entries, gz=False):
    """entries: (path, bytes) files, (path, EXEC, bytes) executables,
    (path, None, target) symlinks, (path, HARDLINK, target) hard links,
    (path, DIR) folders."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for e in entries:
            info = tarfile.TarInfo(e[0])
            if len(e) == 3 and e[1] == EXEC:
                info.size, info.mode = len(e[2]), 0o755
                t.addfile(info, io.BytesIO(e[2]))
            elif len(e) == 3:
                info.type = tarfile.LNKTYPE if e[1] == HARDLINK else tarfile.SYMTYPE
                info.linkname = e[2]
                t.addfile(info)
            elif e[1] == DIR:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                t.addfile(info)
            else:
                info.size = len(e[1])
                t.addfile(info, io.BytesIO(e[1]))
    data = buf.getvalue()
    return gzip.compress(data) if gz else data


def docker_save(path, layers, tag="test/dpkg:1"):
    """A `docker save` tarball; returns the image id.  The config lists
    each layer's digest (rootfs.diff_ids), as Docker's does: of the tar,
    inside a compressed layer."""
    tars = [gzip.decompress(l) if l[:2] == b"\x1f\x8b" else l for l in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(l) for l in tars]}}).encode()
    with tarfile.open(path, "w") as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        names = []
        for i, l in enumerate(layers):
            names.append(f"layer{i}/layer.tar")
            add(names[-1], l)
        add(sha(config) + ".json", config)
        add("manifest.json", json.dumps([{"Config": sha(config) + ".json", "RepoTags": [tag],
                                          "Layers": names}]).encode())
    return "sha256:" + sha(config)


def oci_layout(folder, layers, name):
    """An OCI image layout folder; returns the manifest digest."""
    os.makedirs(f"{folder}/blobs/sha256", exist_ok=True)

    def blob(data):
        open(f"{folder}/blobs/sha256/{sha(data)}", "wb").write(data)
        return {"digest": "sha256:" + sha(data), "size": len(data)}
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": dict(blob(config), mediaType="application/vnd.oci.image.config.v1+json"),
                           "layers": [dict(blob(l), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
                                      for l in layers]}).encode()
    m = blob(manifest)
    json.dump({"schemaVersion": 2, "manifests": [dict(m, mediaType="application/vnd.oci.image.manifest.v1+json",
                                                      annotations={"org.opencontainers.image.ref.name": name})]},
              open(f"{folder}/index.json", "w"))
    open(f"{folder}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
    return m["digest"]


def oci_tar(folder, path):
    """The OCI layout folder as a tar."""
    with tarfile.open(path, "w") as tf:
        tf.add(folder, arcname=".")
