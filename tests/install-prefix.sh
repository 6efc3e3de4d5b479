#!/bin/bash
# The deployment files follow the prefix: a build set up with
# --prefix=/opt/pc-test, installed with --destdir, puts a hooks.d file whose
# hook path is the installed hook's (and that path exists under destdir), a
# runc-hook.json naming the same path, and systemd units whose ExecStart is
# <prefix>/bin/portcullis.  Then Podman (when there, as root) loads the
# installed hooks.d file: in a private mount namespace where destdir's /opt
# is /opt, its debug log says the hook matched; with the hook path missing,
# as after an install with another prefix, it does not (and says nothing
# else: hence the check the README gives).
set -u
SRC=${PC_SOURCE_ROOT:?}
for t in meson ninja python3; do command -v "$t" >/dev/null || { echo "skip: $t is missing"; exit 77; }; done

T=$(mktemp -d /var/tmp/pc-prefix-XXXXXX)
P=
cleanup() {
        if [ -n "$P" ]; then
                $P rm -a -f >/dev/null 2>&1
                $P rmi -a -f >/dev/null 2>&1
        fi
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

PREFIX=/opt/pc-test
HOOK_PATH=$PREFIX/libexec/portcullis/portcullis-hook
meson setup --prefix=$PREFIX -Dshared_data="${PC_SHARED_DATA:-}" "$T/build" "$SRC" >"$T/setup.log" 2>&1 ||
        { echo "FAIL: meson setup: $(tail -20 "$T/setup.log")"; exit 1; }
# Only what the oci-hook install tag needs: the hook and its files.
ninja -C "$T/build" -j2 hook/portcullis-hook >"$T/build.log" 2>&1 ||
        { echo "FAIL: building the hook: $(tail -20 "$T/build.log")"; exit 1; }
meson install -C "$T/build" --no-rebuild --tags oci-hook --destdir "$T/dest" >"$T/install.log" 2>&1 ||
        { echo "FAIL: meson install: $(tail -20 "$T/install.log")"; exit 1; }

D=$T/dest
HOOKS_D=$D$PREFIX/share/containers/oci/hooks.d
python3 - "$HOOKS_D/portcullis.json" "$D$PREFIX/share/doc/portcullis/runc-hook.json" "$HOOK_PATH" "$D" <<'PY' ||
import json, os, sys
hooks_d, runc, want, dest = sys.argv[1:]
h = json.load(open(hooks_d))
assert h["version"] == "1.0.0" and h["stages"] == ["createRuntime"] and h["when"] == {"always": True}, h
assert h["hook"]["path"] == want, ("hooks.d names", h["hook"]["path"], "not", want)
assert os.access(dest + want, os.X_OK), ("not installed:", dest + want)
r = json.load(open(runc))
assert [x["path"] for x in r["hooks"]["createRuntime"]] == [want], r
PY
        fail "installed deployment files"
for u in portcullis-update portcullis-gc; do
        grep -q "^ExecStart=$PREFIX/bin/portcullis " "$T/build/systemd/$u.service" ||
                fail "$u.service: ExecStart is not under $PREFIX: $(grep ExecStart "$T/build/systemd/$u.service")"
done
grep -rn '/usr/local' "$HOOKS_D" "$D$PREFIX/share/doc/portcullis" && fail "an installed file still names /usr/local"

# Podman, when it is there.
if [ "$(id -u)" -ne 0 ] || ! command -v podman >/dev/null || ! command -v runc >/dev/null ||
        ! command -v unshare >/dev/null || [ ! -d /opt ]; then
        echo "note: Podman part skipped (needs root, podman, runc, unshare and /opt)"
else
        BUSYBOX=$(command -v busybox || true)
        if [ -z "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
                echo "note: Podman part skipped (no static busybox)"
        else
                mkdir -p "$T/tmp" "$T/rootfs/bin"
                cp "$BUSYBOX" "$T/rootfs/bin/busybox"
                ln -s busybox "$T/rootfs/bin/sh"
                tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
                P="podman --root $T/root --runroot $T/runroot --tmpdir $T/tmp --runtime runc --storage-driver vfs
                   --cgroup-manager cgroupfs --events-backend file --hooks-dir $HOOKS_D"
                $P import "$T/rootfs.tar" localhost/pc-prefix:test >/dev/null || fail "podman import"
                RUN="$P --log-level=debug run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
                     localhost/pc-prefix:test /bin/sh -c true"
                # The hook path as installed: destdir's /opt over /opt, for podman only.
                # shellcheck disable=SC2086
                before=$fails
                out=$(unshare -m --propagation private sh -c 'mount --bind "$1" /opt && shift && exec "$@"' sh "$D/opt" \
                        $RUN 2>&1) ||
                        fail "podman run with the installed hook: $(tail -5 <<<"$out")"
                grep -q 'hook portcullis.json matched; adding to stages \[createRuntime\]' <<<"$out" ||
                        fail "podman did not load the installed hooks.d file: $(grep -i hook <<<"$out")"
                # The same file where its hook path does not exist: skipped, said only by the missing line.
                # shellcheck disable=SC2086
                out=$($RUN 2>&1) || fail "podman run without the hook: $(tail -5 <<<"$out")"
                grep -q 'hook portcullis.json matched' <<<"$out" && fail "podman loaded a hook whose path is missing"
                [ "$fails" -eq "$before" ] &&
                        echo "ok: podman loads the installed hooks.d file, and skips it when the hook path is missing"
        fi
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "deployment files follow the prefix $PREFIX"
