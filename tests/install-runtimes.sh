#!/bin/bash
# portcullis install with the real runtimes, against a temporary "host"
# folder H (--root H --binaries), each runtime started in a private mount
# namespace that shows H's files where the host's would be (/usr/local
# bound from H, /etc an overlay of the real one with H's containerd and
# portcullis folders bound in), so that the host paths install wrote into
# the files are the ones that run:
#  - containerd 1.6 started on H's config.toml (its own root, state and
#    socket): `config dump` shows the CRI runtime portcullis of type
#    io.containerd.portcullis.v2, and `ctr run --runtime
#    io.containerd.portcullis.v2` of a vulnerable image (busybox + Debian
#    12's libcurl4 7.88.1-10+deb12u3) is blocked by the copied hook, the
#    fixed one runs; uninstall gives config.toml back byte for byte; then
#    the same with Debian 12's config.toml, whose CRI section (CNI folders)
#    install edits in place: `config dump` keeps its CNI bin_dir and runc
#    and adds portcullis, `ctr plugins ls` shows the CRI plugin loaded;
#  - podman with --hooks-dir H/etc/containers/oci/hooks.d: the same images
#    blocked / run through the hooks.d file install wrote; uninstall
#    gives the tree back.
# Needs root, unshare, overlayfs, containerd, ctr, runc, podman, umoci and
# busybox-static; each part skips (77 when both do) without them.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
T=$(mktemp -d /var/tmp/pc-install-XXXXXX)
H=$T/host
SOCK=$T/ctd.sock
CTD_PID=
skipped=0
. "$(dirname "$0")/lib.sh"

CTD_SUB=
stop_containerd() {
        kill "$CTD_PID" 2>/dev/null
        wait "$CTD_SUB" 2>/dev/null
        for _ in $(seq 100); do [ -e "/proc/$CTD_PID" ] || break; sleep 0.1; done
        CTD_PID=
}

cleanup() {
        if [ -n "$CTD_PID" ]; then
                for c in $(ctr -a "$SOCK" -n test tasks ls -q 2>/dev/null); do
                        ctr -a "$SOCK" -n test tasks kill -s KILL "$c" >/dev/null 2>&1
                        ctr -a "$SOCK" -n test tasks delete -f "$c" >/dev/null 2>&1
                done
                stop_containerd
        fi
        for d in /proc/[0-9]*; do
                tr "\\0" " " 2>/dev/null <"$d/cmdline" | grep -qF -- "-address $SOCK " && kill -9 "${d#/proc/}" 2>/dev/null
        done
        [ -n "${PODMAN:-}" ] && $PODMAN rm -a -f >/dev/null 2>&1 && $PODMAN rmi -a -f >/dev/null 2>&1
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in unshare umoci runc; do command -v "$t" >/dev/null || { echo "skip: $t not installed"; exit 77; }; done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }

# in_host CMD...: CMD in a private mount namespace where H is the host.
in_host() {
        unshare -m --propagation private /bin/sh -c '
                set -e
                mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/etc-up,workdir=$0/etc-work" /etc
                for d in containerd portcullis; do
                        mkdir -p "/etc/$d" "$0/host/etc/$d"
                        mount --bind "$0/host/etc/$d" "/etc/$d"
                done
                mount --bind "$0/host/usr/local" /usr/local
                # a /dev/null that some other program replaced by a regular
                # file feeds its bytes to containerd'"'"'s shims (their stdin)
                [ -c /dev/null ] || mount --bind "$0/null" /dev/null
                exec "$@"' "$T" "$@"
}
mkdir -p "$T/etc-up" "$T/etc-work" "$H/usr/local" "$H/var/lib"
[ -c /dev/null ] || { mknod -m 666 "$T/null" c 1 3 && echo "note: /dev/null is not a device here; the runtimes get one"; }
in_host true 2>"$T/err" || { echo "skip: no private overlay of /etc here: $(cat "$T/err")"; exit 77; }

# The images (lib.sh): one OCI layout, two tags.
curl_oci_images &&
        tar -C "$T/oci" -cf "$T/images.tar" . || { echo "FAIL: building the images"; exit 1; }

# The hook's settings, in H's /etc/portcullis/config.json before install
# (which leaves an existing one alone): the example feed, enforce at HIGH.
"$P" db import "$SRC/feed" --db "$T/vulndb.sqlite" >/dev/null || { echo "FAIL: db import"; exit 1; }
mkdir -p "$H/etc/portcullis"
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/vulndb.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$H/etc/portcullis/config.json"
cp "$H/etc/portcullis/config.json" "$T/config.json.orig"
BLOCKED="1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"

# ---- containerd ----------------------------------------------------------------
containerd_part() {
        local c variant=$1
        for c in containerd ctr containerd-shim-runc-v2; do
                command -v "$c" >/dev/null || { echo "skip containerd: $c not installed"; skipped=$((skipped + 1)); return; }
        done
        # The node's config.toml: its own root, state and socket; the CRI plugin
        # on (config dump shows its runtimes), and nothing configured in it.
        cat >"$H/etc/containerd/config.toml" <<TOML
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$T/debug.sock"
[plugins."io.containerd.monitor.v1.cgroups"]
  no_prometheus = true
TOML
        # Debian 12's /etc/containerd/config.toml (containerd 1.6.20~ds1-1+deb12u3)
        # after its first line: the CRI plugin configured in config.toml
        [ "$variant" = debian12 ] &&
                { echo; cat "$SRC/tests/debian12-containerd-plugins.toml"; } >>"$H/etc/containerd/config.toml"
        cp "$H/etc/containerd/config.toml" "$T/config.toml.orig"

        local out rc
        out=$("$P" install containerd --root "$H" --binaries 2>&1) || { fail "install containerd: $out"; return; }
        grep -q "systemctl restart containerd" <<<"$out" || fail "install containerd: no restart note: $out"
        for f in usr/local/bin/containerd-shim-portcullis-v2 usr/local/libexec/portcullis/portcullis-hook usr/local/bin/portcullis \
                usr/local/libexec/portcullis/runc/runc; do
                [ -x "$H/$f" ] || fail "--binaries: no executable $f"
        done
        cmp -s "$H/etc/portcullis/config.json" "$T/config.json.orig" || fail "install changed an existing config.json"
        out=$("$P" install containerd --root "$H" --binaries 2>&1)
        grep -q "^nothing to change" <<<"$out" || fail "second install containerd: $out"
        [ "$variant" = debian12 ] && [ -e "$H/etc/containerd/conf.d/portcullis.toml" ] && fail "debian12: a drop-in was written"

        # What containerd makes of it: the runtime, from the drop-in (or from
        # config.toml itself, its CNI folders kept); runc, CRI's default, kept.
        in_host containerd --config /etc/containerd/config.toml config dump >"$T/dump" 2>"$T/dump.err" ||
                { fail "config dump: $(tail -3 "$T/dump.err")"; return; }
        python3 - "$T/dump" "$variant" <<'PY' || fail "$variant: config dump: $(grep -n -A3 'runtimes\.\|cni\]' "$T/dump" | head -30)"
import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
cri = d["plugins"]["io.containerd.grpc.v1.cri"]
rt = cri["containerd"]["runtimes"]["portcullis"]
assert rt["runtime_type"] == "io.containerd.portcullis.v2", rt
assert cri["containerd"]["runtimes"]["runc"]["runtime_type"] == "io.containerd.runc.v2", cri["containerd"]["runtimes"]
assert cri["containerd"]["default_runtime_name"] == "runc", cri["containerd"]
if sys.argv[2] == "debian12":
    assert "/etc/containerd/conf.d/portcullis.toml" not in d.get("imports", []), d["imports"]
    assert cri["cni"]["bin_dir"] == "/usr/lib/cni" and cri["cni"]["conf_dir"] == "/etc/cni/net.d", cri["cni"]
else:
    assert "/etc/containerd/conf.d/portcullis.toml" in d["imports"], d["imports"]
PY
        # containerd with it; the shim and the hook are H's copies (PATH has
        # /usr/local/bin, the hook's path is --binaries').
        PORTCULLIS_HOOK_PATH=/usr/local/libexec/portcullis/portcullis-hook PATH=/usr/local/bin:$PATH \
                in_host containerd --config /etc/containerd/config.toml </dev/null >"$T/containerd.log" 2>&1 &
        # in_host is a function: $! is the subshell running it, containerd its child
        CTD_SUB=$! CTD_PID=
        for _ in $(seq 50); do CTD_PID=$(pgrep -P "$CTD_SUB" | head -1); [ -n "$CTD_PID" ] && break; sleep 0.1; done
        CTD_PID=${CTD_PID:-$CTD_SUB}
        local CTR="ctr -a $SOCK -n test" snap=native
        for _ in $(seq 100); do $CTR version >/dev/null 2>&1 && break; sleep 0.1; done
        $CTR version >/dev/null 2>&1 || { fail "containerd did not start: $(tail -5 "$T/containerd.log")"; return; }
        $CTR plugins ls 2>/dev/null | grep -Eq '^io\.containerd\.snapshotter\.v1 +overlayfs .* ok *$' && snap=overlayfs
        $CTR plugins ls 2>/dev/null | grep -Eq '^io\.containerd\.grpc\.v1 +cri .* ok *$' ||
                fail "$variant: containerd's CRI plugin did not load: $($CTR plugins ls -d id==cri 2>&1 | tail -5)"
        $CTR images import --snapshotter "$snap" --base-name localhost/pc "$T/images.tar" >/dev/null ||
                { fail "ctr images import"; return; }
        out=$(timeout 60 $CTR run --rm --snapshotter "$snap" --runtime io.containerd.portcullis.v2 localhost/pc:vuln pc-vuln \
                /bin/sh -c 'echo started' 2>&1 </dev/null); rc=$?
        [ "$rc" -ne 0 ] && ! grep -q started <<<"$out" && grep -qF "portcullis: blocked container pc-vuln: $BLOCKED" <<<"$out" ||
                fail "containerd: the vulnerable image was not blocked: rc $rc: $out"
        out=$(timeout 60 $CTR run --rm --snapshotter "$snap" --runtime io.containerd.portcullis.v2 localhost/pc:fixed pc-fixed \
                /bin/sh -c 'echo started' 2>&1 </dev/null); rc=$?
        [ "$rc" -eq 0 ] && [ "$out" = started ] || fail "containerd: the fixed image did not start: rc $rc: $out"
        grep -q '"container":"pc-vuln"' "$T/audit.log" 2>/dev/null || grep -q '"container": "pc-vuln"' "$T/audit.log" 2>/dev/null ||
                fail "containerd: no audit line from the installed hook: $(cat "$T/audit.log" 2>/dev/null)"
        stop_containerd

        out=$("$P" uninstall containerd --root "$H" 2>&1) || fail "uninstall containerd: $out"
        cmp -s "$T/config.toml.orig" "$H/etc/containerd/config.toml" || fail "uninstall: config.toml not as it was"
        [ -e "$H/etc/containerd/conf.d" ] && fail "uninstall left $H/etc/containerd/conf.d"
        [ -e "$H/usr/local/bin/containerd-shim-portcullis-v2" ] && fail "uninstall left the copied shim"
        [ -e "$H/usr/local/libexec/portcullis/runc/runc" ] && fail "uninstall left the copied runc wrapper"
        cmp -s "$H/etc/portcullis/config.json" "$T/config.json.orig" || fail "uninstall touched config.json"
        echo "containerd part ($variant) done (snapshotter $snap)"
}

# ---- podman -----------------------------------------------------------------
podman_part() {
        command -v podman >/dev/null || { echo "skip podman: not installed"; skipped=$((skipped + 1)); return; }
        local out rc HD=$H/usr/share/containers/oci/hooks.d
        cp -a "$H" "$T/host.before-podman"
        out=$("$P" install podman --root "$H" --binaries 2>&1) || { fail "install podman: $out"; return; }
        [ -f "$HD/portcullis.json" ] || { fail "install podman: no hooks.d file"; return; }
        PODMAN="podman --root $T/podman/root --runroot $T/podman/runroot --tmpdir $T/podman/tmp --runtime runc
                --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --hooks-dir $HD"
        mkdir -p "$T/podman/tmp"
        local LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024" v
        for v in vuln fixed; do
                tar -C "$T/rootfs-$v" -cf "$T/rootfs-$v.tar" .
                $PODMAN import "$T/rootfs-$v.tar" "localhost/pc-curl:$v" >/dev/null || { fail "podman import"; return; }
        done
        # shellcheck disable=SC2086
        out=$(in_host $PODMAN run --name pc-vuln --network none $LIMITS localhost/pc-curl:vuln /bin/sh -c 'echo started' 2>&1); rc=$?
        [ "$rc" -ne 0 ] && ! grep -q '^started' <<<"$out" && grep -qF "portcullis: blocked localhost/pc-curl:vuln" <<<"$out" &&
                grep -qF "$BLOCKED" <<<"$out" || fail "podman: the vulnerable image was not blocked: rc $rc: $out"
        # shellcheck disable=SC2086
        out=$(in_host $PODMAN run --name pc-fixed --network none $LIMITS localhost/pc-curl:fixed /bin/sh -c 'echo started' 2>&1); rc=$?
        [ "$rc" -eq 0 ] && [ "$out" = started ] || fail "podman: the fixed image did not start: rc $rc: $out"
        out=$("$P" uninstall podman --root "$H" 2>&1) || fail "uninstall podman: $out"
        diff -r "$T/host.before-podman" "$H" >"$T/podman.diff" || fail "uninstall podman: the tree differs: $(head "$T/podman.diff")"
        echo "podman part done"
}

containerd_part plain
containerd_part debian12
podman_part
[ "$skipped" -eq 3 ] && exit 77
[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
