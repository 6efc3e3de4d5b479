#!/bin/bash
# Image files as real Docker and Podman write them, against the image's
# merged rootfs: a busybox Debian 12 image (libcurl4 7.88.1-10+deb12u3:
# the example feed's CRITICAL; npm and Python packages; a hard link; a
# folder named in UTF-8, as Debian's ca-certificates has, which docker
# save writes in a pax header) imported into a private dockerd, then
# built on with the classic builder (whiteouts,
# opaque folders, a symlink replacing a folder and a folder a symlink, a
# hard link to a lower layer's file that is then removed, the dpkg status
# made a symlink).  `portcullis inventory` and `scan` of
#   docker save (one tag, two tags, by id; gzipped; its config renamed),
#   podman save (oci-archive, docker-archive) and skopeo copy (oci:,
#   oci-archive:, zstd layers; from docker-daemon: and containers-storage:)
# must list the packages and findings of `docker export` of a container
# of it, and the digest must be the one the runtime names (docker inspect
# .Id for a docker save, the index's manifest for an OCI layout).
# `docker save` of two images must be refused, saying so.  A file name
# that is not UTF-8 is reported as not checked, the rest scanned.
# Needs root, dockerd (Debian: docker.io), podman, skopeo and
# busybox-static; skips (77) without them.  No network.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}

. "$(dirname "$0")/docker-lib.sh"
docker_needs podman skopeo runc

docker_tmp pc-di

SNAP=overlay2
grep -qw overlay /proc/filesystems || SNAP=vfs
dockerd --data-root "$T/data" --exec-root "$T/exec" --pidfile "$T/docker.pid" -H "unix://$T/docker.sock" \
        --bridge none --iptables=false --ip6tables=false --ip-masq=false --storage-driver "$SNAP" \
        </dev/null >"$T/dockerd.log" 2>&1 &
DOCKERD_PID=$!
D="$DOCKER -H unix://$T/docker.sock"
docker_wait
PM="podman --root $T/podman/root --runroot $T/podman/run --storage-driver vfs --runtime runc --events-backend none"
CS="containers-storage:[vfs@$T/podman/root+$T/podman/run]"
echo "dockerd $($D version --format '{{.Server.Version}}' 2>/dev/null) ($SNAP), $(podman --version)"

# The base image: one layer, imported.
R=$T/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/var/lib/dpkg" "$R/usr/lib" "$R/tmp" "$R/opt/app" "$R/srv/node_modules/minimist" \
        "$R/app/node_modules/left-pad" "$R/app/node_modules/lodash" "$R/usr/lib/python3/dist-packages"
cp "$BUSYBOX" "$R/bin/busybox"
for c in sh rm mkdir ln mv; do ln -s busybox "$R/bin/$c"; done
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$R/usr/lib/os-release"
ln -s ../usr/lib/os-release "$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
npm() { mkdir -p "$1"; printf '{"name": "%s", "version": "%s"}\n' "$2" "$3" >"$1/package.json"; }
npm "$R/app/node_modules/left-pad" left-pad 1.0.0
npm "$R/app/node_modules/lodash" lodash 4.17.0
npm "$R/srv/node_modules/minimist" minimist 1.2.0
mkdir -p "$R/usr/lib/python3/dist-packages/requests-2.0.0.dist-info"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.0.0\n' \
        >"$R/usr/lib/python3/dist-packages/requests-2.0.0.dist-info/METADATA"
echo a >"$R/opt/app/a"
ln "$R/opt/app/a" "$R/opt/app/hard"
tar -C "$R" -cf "$T/base.tar" . && $D import "$T/base.tar" localhost/pc:base >/dev/null ||
        { echo "FAIL: docker import"; exit 1; }

# The image: a layer per change, as the classic builder commits them.
mkdir -p "$T/ctx"
cat >"$T/ctx/Dockerfile" <<'EOF'
FROM localhost/pc:base
RUN rm -rf /app/node_modules/lodash /srv/node_modules && mkdir -p /srv/node_modules/ms && echo '{"name": "ms", "version": "2.0.0"}' >/srv/node_modules/ms/package.json
RUN mkdir -p /opt/pkgs/debug && echo '{"name": "debug", "version": "2.6.0"}' >/opt/pkgs/debug/package.json && ln -s ../../opt/pkgs/debug /app/node_modules/debug
RUN rm /app/node_modules/debug && mkdir /app/node_modules/debug && echo '{"name": "debug", "version": "9.9.9"}' >/app/node_modules/debug/package.json
RUN mkdir -p /opt/py/six-1.0.0.dist-info && echo 'Name: six' >/opt/py/six-1.0.0.dist-info/METADATA && echo 'Version: 1.0.0' >>/opt/py/six-1.0.0.dist-info/METADATA && rm -rf /usr/lib/python3/dist-packages && ln -s /opt/py /usr/lib/python3/dist-packages
RUN mkdir -p /app/node_modules/hl && ln /srv/node_modules/ms/package.json /app/node_modules/hl/package.json
RUN rm -rf /srv/node_modules
RUN mkdir -p /usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány/node_modules/utf8 && echo '{"name": "utf8", "version": "1.0.0"}' >/usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány/node_modules/utf8/package.json
RUN mv /var/lib/dpkg/status /var/lib/dpkg/status.real && ln -s status.real /var/lib/dpkg/status
EOF
DOCKER_BUILDKIT=0 $D build -q --network none -t localhost/pc:img -t localhost/pc:img2 "$T/ctx" >"$T/build.log" 2>&1 ||
        { echo "FAIL: docker build:"; tail -20 "$T/build.log"; exit 1; }
ID=$($D inspect --format '{{.Id}}' localhost/pc:img)

# (d) the merged rootfs, as the runtime would run it
mkdir -p "$T/merged"
cid=$($D create localhost/pc:img /bin/sh) && $D export "$cid" | tar -C "$T/merged" -xf - ||
        { echo "FAIL: docker export"; exit 1; }

"$P" db import "$SRC/feed" --db "$T/vulndb.sqlite" >/dev/null || { echo "FAIL: db import"; exit 1; }

# what NAME TARGET: the inventory and the scan's findings and digest of
# TARGET, in T/NAME.inv and T/NAME.scan
what() {
        "$P" inventory "$2" --format json >"$T/$1.inv.json" 2>"$T/$1.err" &&
                "$P" scan "$2" --db "$T/vulndb.sqlite" --format json >"$T/$1.scan.json" 2>>"$T/$1.err" ||
                { fail "$1: $(cat "$T/$1.err")"; return 1; }
        python3 - "$T/$1" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1] + ".inv.json"))
scan = json.load(open(sys.argv[1] + ".scan.json"))
with open(sys.argv[1] + ".inv", "w") as f:
    for p in sorted((p["name"], p["version"], p["ecosystem"], p.get("origin_file", "")) for p in inv["packages"]):
        print(*p, file=f)
    for x in sorted((x["id"], x["package"], x["installed_version"]) for x in scan["findings"]):
        print("finding", *x, file=f)
    for u in sorted(u["kind"] + " " + u["subject"] for u in scan["unchecked"]):
        print("unchecked", u, file=f)
with open(sys.argv[1] + ".digest", "w") as f:
    print(scan.get("image_digest", "-"), scan["target"], file=f)
PY
}

# same NAME TARGET DIGEST: TARGET lists what the merged rootfs does, and
# its digest is DIGEST
same() {
        what "$1" "$2" || return
        diff "$T/merged.inv" "$T/$1.inv" >"$T/$1.diff" || fail "$1: not what the merged rootfs has: $(cat "$T/$1.diff")"
        read -r got _ <"$T/$1.digest"
        [ "$got" = "$3" ] || fail "$1: image digest $got, the runtime's is $3"
}

# The digest of an OCI layout's (or oci-archive's) one manifest.
oci_digest() {
        if [ -d "$1" ]; then cat "$1/index.json"; else tar -xOf "$1" index.json; fi |
                python3 -c 'import json, sys; print(json.load(sys.stdin)["manifests"][0]["digest"])'
}

what merged "$T/merged" || exit 1
for p in "libcurl4 7.88.1-10+deb12u3" "left-pad 1.0.0" "debug 9.9.9" "ms 2.0.0" "six 1.0.0" "utf8 1.0.0" \
        "finding PCEX-CVE-2023-38545 libcurl4"; do
        grep -q "^$p " "$T/merged.inv" || fail "the merged rootfs: no $p in: $(cat "$T/merged.inv")"
done
for p in lodash minimist requests; do
        grep -q "^$p " "$T/merged.inv" && fail "the merged rootfs still has $p: $(cat "$T/merged.inv")"
done

# (a) docker save
$D save -o "$T/tag.tar" localhost/pc:img && same docker-save-tag "$T/tag.tar" "$ID"
$D save -o "$T/tags.tar" localhost/pc:img localhost/pc:img2 && same docker-save-tags "$T/tags.tar" "$ID"
$D save -o "$T/id.tar" "$ID" && same docker-save-id "$T/id.tar" "$ID"
gzip -c "$T/tag.tar" >"$T/tag.tar.gz" && same docker-save-gz "$T/tag.tar.gz" "$ID"
$D save -o "$T/two.tar" localhost/pc:img localhost/pc:base
OUT=$("$P" scan "$T/two.tar" --db "$T/vulndb.sqlite" 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -qF "$T/two.tar: manifest.json names 2 images; scan one image per file" <<<"$OUT" ||
        fail "docker save of two images: $RC $OUT"

# A docker save whose config is not named <id>.json (go-containerregistry
# names it sha256:<id>): docker load takes it, with the same id; the
# image id is the digest of the config's bytes.
for name in config.json "sha256:${ID#sha256:}"; do
        rm -rf "$T/ren" && mkdir "$T/ren" && tar -C "$T/ren" -xf "$T/tag.tar" &&
                python3 - "$T/ren" "$name" <<'PY' && tar -C "$T/ren" -cf "$T/ren.tar" . || { fail "renaming the config"; continue; }
import json, os, sys
d, name = sys.argv[1:]
m = json.load(open(d + "/manifest.json"))
os.rename(d + "/" + m[0]["Config"], d + "/" + name)
m[0]["Config"] = name
m[0]["RepoTags"] = ["localhost/pc:renamed"]
json.dump(m, open(d + "/manifest.json", "w"))
PY
        $D rmi -f localhost/pc:renamed >/dev/null 2>&1
        $D load -q -i "$T/ren.tar" >/dev/null &&
                got=$($D inspect --format '{{.Id}}' localhost/pc:renamed) && [ "$got" = "$ID" ] ||
                { fail "config $name: docker load: ${got:-}"; continue; }
        same "docker-save-config-$name" "$T/ren.tar" "$ID"
done

# Each layer gzipped in the archive (crane and ko write only such):
# docker load takes it, checking the tar inside against its diff_id; so do
# we, and the image keeps its id (a tar swapped inside is refused).
rm -rf "$T/gz" && mkdir "$T/gz" && tar -C "$T/gz" -xf "$T/tag.tar" &&
        python3 - "$T/gz" <<'PY' && tar -C "$T/gz" -cf "$T/gz.tar" . || fail "gzipping the layers"
import gzip, json, os, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
for i, name in enumerate(m[0]["Layers"]):
    data = open(os.path.join(d, name), "rb").read()
    os.unlink(os.path.join(d, name))
    open(os.path.join(d, name + ".gz"), "wb").write(gzip.compress(data))
    m[0]["Layers"][i] = name + ".gz"
m[0]["RepoTags"] = ["localhost/pc:gz"]
json.dump(m, open(d + "/manifest.json", "w"))
PY
$D rmi -f localhost/pc:gz >/dev/null 2>&1
$D load -q -i "$T/gz.tar" >/dev/null && got=$($D inspect --format '{{.Id}}' localhost/pc:gz) && [ "$got" = "$ID" ] ||
        fail "gzipped layers: docker load: ${got:-}"
same docker-save-gz-layers "$T/gz.tar" "$ID"

# manifest.json naming its files "./<id>/layer.tar" (docker load cleans
# the names, as the archive's are cleaned): the same image
rm -rf "$T/dot" && mkdir "$T/dot" && tar -C "$T/dot" -xf "$T/tag.tar" && python3 - "$T/dot/manifest.json" <<'PY' &&
import json, sys
m = json.load(open(sys.argv[1]))
m[0]["Config"] = "./" + m[0]["Config"]
m[0]["Layers"] = ["./" + l for l in m[0]["Layers"]]
m[0]["RepoTags"] = ["localhost/pc:dot"]
json.dump(m, open(sys.argv[1], "w"))
PY
        tar -C "$T/dot" -cf "$T/dot.tar" . && $D load -q -i "$T/dot.tar" >/dev/null &&
        [ "$($D inspect --format '{{.Id}}' localhost/pc:dot)" = "$ID" ] && same docker-save-dot-names "$T/dot.tar" "$ID" ||
        fail "manifest.json with ./ names: docker load or the scan"

# (b) podman save, of the image loaded from docker save
$PM load -q -i "$T/tag.tar" >/dev/null 2>"$T/podman.log" || { fail "podman load: $(cat "$T/podman.log")"; }
PID=sha256:$($PM inspect --format '{{.Id}}' localhost/pc:img 2>/dev/null)
[ "$PID" = "$ID" ] || fail "podman's image id $PID, docker's $ID"
$PM save -q --format docker-archive -o "$T/pm-docker.tar" localhost/pc:img 2>>"$T/podman.log" &&
        same podman-docker-archive "$T/pm-docker.tar" "$ID"
$PM save -q --format oci-archive -o "$T/pm-oci.tar" localhost/pc:img 2>>"$T/podman.log" &&
        same podman-oci-archive "$T/pm-oci.tar" "$(oci_digest "$T/pm-oci.tar")"

# (c) skopeo copy, from the daemon and from containers-storage
SK="skopeo copy -q --src-daemon-host unix://$T/docker.sock"
$SK "docker-daemon:localhost/pc:img" "oci:$T/sk-oci:img" && same skopeo-oci "$T/sk-oci" "$(oci_digest "$T/sk-oci")"
$SK "docker-daemon:localhost/pc:img" "oci-archive:$T/sk-oci.tar:img" &&
        same skopeo-oci-archive "$T/sk-oci.tar" "$(oci_digest "$T/sk-oci.tar")"
$SK --dest-compress --dest-compress-format zstd "docker-daemon:localhost/pc:img" "oci:$T/sk-zstd:img" &&
        same skopeo-oci-zstd "$T/sk-zstd" "$(oci_digest "$T/sk-zstd")"
$SK --dest-compress --dest-compress-format zstd "docker-daemon:localhost/pc:img" "oci-archive:$T/sk-zstd.tar:img" &&
        same skopeo-oci-archive-zstd "$T/sk-zstd.tar" "$(oci_digest "$T/sk-zstd.tar")"
$SK "docker-daemon:localhost/pc:img" "docker-archive:$T/sk-docker.tar:localhost/pc:img" &&
        same skopeo-docker-archive "$T/sk-docker.tar" "$ID"
skopeo copy -q "${CS}localhost/pc:img" "oci:$T/cs-oci:img" && same containers-storage-oci "$T/cs-oci" "$(oci_digest "$T/cs-oci")"

# skopeo's dir: format (one image's registry manifest as manifest.json) is
# not an image file the reader takes: refused, saying what to use instead
$SK "docker-daemon:localhost/pc:img" "dir:$T/sk-dir" && {
        OUT=$("$P" scan "$T/sk-dir" --db "$T/vulndb.sqlite" 2>&1); RC=$?
        [ "$RC" -eq 2 ] && grep -qF "$T/sk-dir: manifest.json is not a docker save manifest (a list of images) but one image's registry manifest" <<<"$OUT" ||
                fail "skopeo dir: $RC $OUT"
}

# A file name that is not UTF-8 (Linux takes any bytes; Go's tar writes
# them as they are in a pax header): the merged rootfs has the package;
# the image file's scan can't name the file, so it says so (not checked)
# and scans the rest, never failing the image as damaged.
mkdir -p "$T/ctx-latin1"
cat >"$T/ctx-latin1/Dockerfile" <<'EOF'
FROM localhost/pc:img
RUN n=$(printf 'caf\351') && mkdir -p "/app/node_modules/$n" && echo '{"name": "latin1", "version": "1.0.0"}' >"/app/node_modules/$n/package.json"
EOF
DOCKER_BUILDKIT=0 $D build -q --network none -t localhost/pc:latin1 "$T/ctx-latin1" >"$T/build.log" 2>&1 &&
        $D save -o "$T/latin1.tar" localhost/pc:latin1 || fail "docker build, save of the latin1 image: $(tail -5 "$T/build.log")"
mkdir -p "$T/latin1-merged"
cid=$($D create localhost/pc:latin1 /bin/sh) && $D export "$cid" | tar -C "$T/latin1-merged" -xf - &&
        what latin1-merged "$T/latin1-merged" && grep -q "^latin1 1.0.0 npm " "$T/latin1-merged.inv" ||
        fail "the latin1 image's merged rootfs: no latin1 package: $(cat "$T/latin1-merged.inv" 2>/dev/null)"
if what latin1 "$T/latin1.tar"; then
        grep -q "^finding PCEX-CVE-2023-38545 libcurl4 " "$T/latin1.inv" || fail "latin1: no finding: $(cat "$T/latin1.inv")"
        grep -q "^unchecked incomplete the image" "$T/latin1.inv" || fail "latin1: not said to be incomplete: $(cat "$T/latin1.inv")"
        grep -qF "layer 10: /app/node_modules/caf?/package.json: its name or link target can't be read" "$T/latin1.err" ||
                fail "latin1: no warning naming the file: $(cat "$T/latin1.err")"
        "$P" scan "$T/latin1.tar" --db "$T/vulndb.sqlite" --fail-on CRITICAL --allow-unchecked >/dev/null 2>&1
        [ $? -eq 1 ] || fail "latin1: --fail-on CRITICAL did not fail on the finding"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
