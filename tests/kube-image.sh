#!/bin/bash
# The Kubernetes installer image, built by deploy/kubernetes/build-image.sh
# (umoci, from this build's `meson install`), pushed with its --push to
# Debian's docker-registry on 127.0.0.1 and pulled from there with Podman
# (runc, vfs storage, a private --root/--runroot), then run as the DaemonSet
# runs it: the init container's command, privileged, with each hostPath
# volume of deploy/kubernetes/daemonset.yaml a folder of a temporary "host"
# mounted where the manifest mounts it.  The same files, with the same
# bytes and modes, must appear there as with `portcullis install containerd
# --root DIR --binaries` run here; a second run in the image changes
# nothing; the binaries it put on the "host" run; the pause container runs
# as nobody, read-only and without capabilities, and stops at once on
# SIGTERM; two builds give the same archive.  Without docker-registry or
# skopeo the image is loaded from its archive instead.
# Needs root, podman, runc, umoci, meson and python3-yaml, a build with the
# prefix /usr/local and `portcullis install`; skips (77) without them.
set -u
SRC=${PC_SOURCE_ROOT:?}
BUILD=${PC_BUILD_ROOT:?}
PC=${PORTCULLIS:?}
skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in podman runc umoci meson ninja python3; do command -v "$t" >/dev/null || skip "$t is not installed"; done
# Debian's python3-yaml is for Debian's python3, which may not be first in PATH
PY=python3
$PY -c 'import yaml' 2>/dev/null || PY=/usr/bin/python3
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
"$PC" help install >/dev/null 2>&1 ||
        skip "this build has no 'portcullis install' (the image's job); nothing to compare"

T=$(mktemp -d /var/tmp/pc-kube-XXXXXX)
P="podman --root $T/root --runroot $T/runroot --tmpdir $T/tmp --runtime runc --storage-driver vfs
   --cgroup-manager cgroupfs --events-backend file"
REG_PID=
cleanup() {
        [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
        $P rm -a -f >/dev/null 2>&1
        $P rmi -a -f >/dev/null 2>&1
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Podman raises RLIMIT_NOFILE and RLIMIT_NPROC past what a container host
# may allow (tests/podman-hook.sh): modest limits instead.
LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

# 1. The image, from this build.  With docker-registry and skopeo: pushed
# by `build-image.sh --push` (from a copy of deploy/kubernetes, whose
# kustomization.yaml it then edits) to a registry on 127.0.0.1 and pulled
# from there, as a node gets it; else loaded from the archive.
prefix=$(meson introspect "$BUILD" --buildoptions |
        python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
[ "$prefix" = /usr/local ] || skip "this build's prefix is $prefix; the image is built from a /usr/local build"
mkdir -p "$T/src/deploy"
cp -r "$SRC/deploy/kubernetes" "$T/src/deploy/"
KDIR=$T/src/deploy/kubernetes
# the copy is no git checkout: the image's time as build-image.sh takes it from the source
SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || stat -c %Y "$SRC/meson.build")
export SOURCE_DATE_EPOCH
PUSH=()
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
        REG=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
                "$T/registry" "$REG" >"$T/registry.yml"
        docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
        REG_PID=$!
        for _ in $(seq 1 300); do
                python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
                        "http://$REG/v2/" 2>/dev/null && break
                sleep 0.1
        done
        # plain HTTP on loopback
        PUSH=(--push "$REG/portcullis:kube-test" --insecure-registry)
else
        echo "note: no docker-registry or skopeo: the image is loaded from its archive, --push is not tried"
fi
"$KDIR/build-image.sh" --builddir "$BUILD" --no-rebuild --output "$T/image.tar" "${PUSH[@]}" >"$T/build.log" 2>&1 ||
        { echo "FAIL: build-image.sh: $(tail -20 "$T/build.log")"; exit 1; }
cat "$T/build.log"
# The same build gives the same archive, byte for byte.
"$KDIR/build-image.sh" --builddir "$BUILD" --no-rebuild --output "$T/image2.tar" >"$T/build2.log" 2>&1 ||
        fail "build-image.sh, second time: $(tail -20 "$T/build2.log")"
cmp -s "$T/image.tar" "$T/image2.tar" || fail "two builds of the same tree gave different archives"
if [ -n "$REG_PID" ]; then
        { grep -q "^    newName: $REG/portcullis\$" "$KDIR/kustomization.yaml" &&
                grep -q '^    newTag: "kube-test"$' "$KDIR/kustomization.yaml"; } ||
                fail "build-image.sh --push did not set the image in kustomization.yaml: $(grep -A3 '^images' "$KDIR/kustomization.yaml")"
        IMAGE=$REG/portcullis:kube-test
        if command -v kubectl >/dev/null; then
                n=$(kubectl kustomize "$KDIR" | grep -c "image: $IMAGE\$")
                [ "$n" = 2 ] || fail "kubectl kustomize names $IMAGE $n times, wanted 2 (installer, pause)"
        fi
        # shellcheck disable=SC2086
        $P pull -q --tls-verify=false "$IMAGE" >"$T/pull.log" 2>&1 || { echo "FAIL: podman pull $IMAGE: $(cat "$T/pull.log")"; exit 1; }
        echo "ok: pushed to $REG by build-image.sh --push, pulled with podman"
else
        # shellcheck disable=SC2086
        $P load -q -i "$T/image.tar" >"$T/load.log" 2>&1 || { echo "FAIL: podman load: $(cat "$T/load.log")"; exit 1; }
        # shellcheck disable=SC2086
        IMAGE=$($P images -q | head -1)
        [ -n "$IMAGE" ] || { echo "FAIL: podman load left no image"; exit 1; }
fi

# 2. The DaemonSet's containers, as shell words: the installer's command and
# mounts (host path, mount path, ro/rw, hostPath type), the pause command and user.
$PY - "$KDIR/daemonset.yaml" >"$T/ds.sh" <<'PY' || { echo "FAIL: reading daemonset.yaml"; exit 1; }
import shlex, sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]
vols = {v["name"]: v["hostPath"] for v in spec["volumes"]}
init, pause = spec["initContainers"][0], spec["containers"][0]
print("INSTALL=(%s)" % shlex.join(init["command"] + init.get("args", [])))
print("MOUNTS=(%s)" % shlex.join("%s:%s:%s:%s" % (vols[m["name"]]["path"], m["mountPath"],
                                                  "ro" if m.get("readOnly") else "rw", vols[m["name"]].get("type", ""))
                                  for m in init["volumeMounts"]))
print("PAUSE=(%s)" % shlex.join(pause["command"] + pause.get("args", [])))
print("PAUSE_USER=%s:%s" % (pause["securityContext"]["runAsUser"], pause["securityContext"]["runAsGroup"]))
PY
# shellcheck disable=SC1091
. "$T/ds.sh"

# 3. Two identical empty "hosts": the folders the node has or the kubelet
# makes (Directory / DirectoryOrCreate).  One gets the image's install, the
# other the local one.
VOLS=()
for m in "${MOUNTS[@]}"; do
        IFS=: read -r host mnt mode _ <<<"$m"
        mkdir -p "$T/host$host" "$T/local$host"
        VOLS+=(-v "$T/host$host:$mnt:$mode")
done
run_install() {
        # shellcheck disable=SC2086
        $P run --rm --network none $LIMITS --privileged "${VOLS[@]}" --entrypoint "${INSTALL[0]}" "$IMAGE" \
                "${INSTALL[@]:1}"
}
run_install >"$T/image-install.log" 2>&1 || fail "the installer in the image: $(tail -20 "$T/image-install.log")"
"$PC" install containerd --root "$T/local" --binaries >"$T/local-install.log" 2>&1 ||
        fail "the local install: $(tail -20 "$T/local-install.log")"
echo "--- the image's installer said:"
cat "$T/image-install.log"

# 4. The same files: names, types, modes, link targets and bytes.
tree() {  # tree DIR: one line per entry; each file's sha256
        (cd "$1" && find . -mindepth 1 -printf '%p %y %m %l\n' | sort &&
                find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
tree "$T/host" >"$T/host.tree"
tree "$T/local" >"$T/local.tree"
if diff -u "$T/local.tree" "$T/host.tree" >"$T/tree.diff"; then
        echo "ok: the image wrote the same $(grep -c ' f ' "$T/host.tree") files as the local install:"
        grep ' f ' "$T/host.tree" | cut -d' ' -f1,3 | sed 's/^/    /'
else
        fail "the image's install differs from the local one (- local, + image):"
        cat "$T/tree.diff"
fi
grep -q '^\./usr/local/bin/containerd-shim-portcullis-v2 f 755' "$T/host.tree" ||
        fail "no executable shim in the host's /usr/local/bin"
grep -q '^\./usr/local/libexec/portcullis/runc/runc f 755' "$T/host.tree" ||
        fail "no executable runc wrapper in the host's /usr/local/libexec/portcullis/runc"
grep -q '^\./etc/containerd/conf.d/portcullis.toml f' "$T/host.tree" || fail "no containerd drop-in on the host"

# 5. Installing again (a pod restart, a new node image) changes nothing.
run_install >"$T/image-install2.log" 2>&1 || fail "the second install in the image: $(tail -20 "$T/image-install2.log")"
tree "$T/host" >"$T/host2.tree"
diff -u "$T/host.tree" "$T/host2.tree" >"$T/tree2.diff" ||
        { fail "a second install changed the host:"; cat "$T/tree2.diff"; }

# 6. The binaries the image put on the "host" run here (this machine has
# their libraries, as a node must: build-image.sh lists them).
v=$("$T/host/usr/local/bin/portcullis" --version 2>&1) || fail "the host's portcullis does not run: $v"
[ "$v" = "$("$PC" --version)" ] || fail "the host's portcullis says '$v', this build '$("$PC" --version)'"
[ -x "$T/host/usr/local/libexec/portcullis/portcullis-hook" ] || fail "no executable hook on the host"

# 7. The pause container, as the DaemonSet runs it.
# shellcheck disable=SC2086
$P run -d --name pc-pause --network none $LIMITS --user "$PAUSE_USER" --read-only --cap-drop ALL \
        --security-opt no-new-privileges --entrypoint "${PAUSE[0]}" "$IMAGE" "${PAUSE[@]:1}" >/dev/null ||
        fail "the pause container did not start"
sleep 1
# shellcheck disable=SC2086
[ "$($P inspect -f '{{.State.Running}}' pc-pause 2>&1)" = true ] || fail "the pause container is not running"
start=$(date +%s%N)
# shellcheck disable=SC2086
$P stop -t 20 pc-pause >/dev/null || fail "podman stop pc-pause"
ms=$((($(date +%s%N) - start) / 1000000))
# shellcheck disable=SC2086
code=$($P inspect -f '{{.State.ExitCode}}' pc-pause)
[ "$code" = 0 ] || fail "the pause container exited $code on SIGTERM"
[ "$ms" -lt 5000 ] || fail "the pause container took $ms ms to stop (it must exit on SIGTERM)"
echo "ok: the pause container ran as $PAUSE_USER and stopped on SIGTERM in $ms ms"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "the image installs the same files as the local install"
