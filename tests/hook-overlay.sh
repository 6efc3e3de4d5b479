#!/bin/bash
# The image's identity from its overlay mount, with runc and the real hook:
# a rootfs mounted here as containerd's overlayfs snapshotter lays it out
# (snapshots/N/fs lowers, an empty upper snapshots/N/fs, its work folder),
# from a busybox + Debian 12 rootfs split in three layers.
#  - two starts: the same identity "overlay:sha256:...", identity_source
#    overlay, the second a cache hit that forks no inventory child and opens
#    nothing inside the rootfs and loads no libcrypto (strace);
#  - another lower list (the fixed curl layer): another identity;
#  - a package "installed" into the upper (a restarted container): the
#    identity falls back to the inventory, which sees the upper's files, and
#    the audit line says why;
#  - a lower reached through a folder a user owns (the symlink trick): no
#    overlay identity, and why;
#  - that restarted container naming the image's digest, trusted: its
#    inventory decides, not the image's cached verdict.
# Needs root, runc, strace and busybox-static; skips (77) without them.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in runc strace; do command -v "$t" >/dev/null || { echo "skip: $t not installed"; exit 77; }; done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }

T=$(mktemp -d /tmp/pc-overlay-XXXXXX)
cleanup() {
        for c in $(runc list -q 2>/dev/null | grep "^pc-ov-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
S=$T/snapshots
mkdir -p "$T/home"
chown 1000:1000 "$T/home"

# The layers: 1 busybox and the mountpoints, 2 Debian's os-release, 3 and 4
# a dpkg status with curl one update behind DSA-5523-1 (3) or fixed (4).
mkdir -p "$S/1/fs/bin" "$S/1/fs/proc" "$S/1/fs/dev" "$S/1/fs/sys" "$S/1/fs/tmp" "$S/1/fs/etc" "$S/2/fs/etc" \
        "$S/3/fs/var/lib/dpkg" "$S/4/fs/var/lib/dpkg"
cp "$BUSYBOX" "$S/1/fs/bin/busybox"
ln -s busybox "$S/1/fs/bin/sh"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$S/2/fs/etc/os-release"
status() {
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' "$1"
}
status 7.88.1-10+deb12u3 >"$S/3/fs/var/lib/dpkg/status"
status 7.88.1-10+deb12u4 >"$S/4/fs/var/lib/dpkg/status"

# mount_rootfs NAME LOWERS: an empty upper and work folder (snapshot
# NAME), mounted at $T/bundles/NAME/rootfs
mount_rootfs() {
        local r=$T/bundles/$1/rootfs
        mkdir -p "$r" "$S/$1/fs" "$S/$1/work"
        mount -t overlay overlay -o "lowerdir=$2,upperdir=$S/$1/fs,workdir=$S/$1/work" "$r" ||
                { echo "skip: the kernel can't mount overlay here"; exit 77; }
}

DB=$T/vulndb.sqlite
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
LOG=$T/audit.log
printf '{"mode": "warn", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "trust_image_digest": false, "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" >"$T/config.json"

# bundle NAME: config.json with the hook, its rootfs the mount
bundle() {
        python3 - "$T/bundles/$1" "$HOOK" "$T/config.json" <<'PY'
import json, subprocess, sys
b, hook, cfg = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": "rootfs", "readonly": True}
c["process"]["args"] = ["/bin/sh", "-c", "echo started"]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
}
run() {
        OUT=$(timeout 60 runc run -b "$T/bundles/$1" "pc-ov-$$-$2" 2>&1 </dev/null); RC=$?
        runc delete -f "pc-ov-$$-$2" >/dev/null 2>&1
}
# last KEY: the last audit line's KEY
last() { tail -1 "$LOG" | python3 -c 'import json, sys; v = json.loads(sys.stdin.read())[sys.argv[1]]; print("" if v is None else v)' "$1"; }

# 1. the vulnerable image, twice: the same overlay identity, a miss then a hit
mount_rootfs a "$S/3/fs:$S/2/fs:$S/1/fs"
bundle a
run a 1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "first start: $RC $OUT"
ID1=$(last identity)
[[ $ID1 == overlay:sha256:* ]] && [ "$(last identity_source)" = overlay ] && [ "$(last cache)" = miss ] &&
        [ "$(last decision)" = warn ] || fail "first start: $(tail -1 "$LOG")"
[ -z "$(ls -A "$S/a/fs")" ] || fail "runc left something in the upper: $(ls -A "$S/a/fs")"
run a 2
[ "$RC" -eq 0 ] || fail "second start: $RC $OUT"
[ "$(last identity)" = "$ID1" ] && [ "$(last cache)" = hit ] && [ "$(last identity_source)" = overlay ] &&
        [ "$(last decision)" = warn ] || fail "second start: $(tail -1 "$LOG")"

# 2. the hit, straight to the hook under strace: no child, nothing opened in the rootfs
printf '{"ociVersion": "1.0.2", "id": "pc-strace", "status": "creating", "pid": 1, "bundle": "%s"}' \
        "$T/bundles/a" >"$T/state.json"
# (LeakSanitizer can't run under ptrace, and its end-of-run check clones a
# thread: off here in a sanitizer build; the other tests look for leaks.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
strace -f -qq -o "$T/strace" -e trace=clone,clone3,fork,vfork,execve,open,openat,openat2 \
        "$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1 || fail "hook under strace: $?"
[ "$(last cache)" = hit ] && [ "$(last container)" = pc-strace ] || fail "strace run: $(tail -1 "$LOG")"
grep -Eq '(clone|clone3|fork|vfork)\(' "$T/strace" && fail "the hit forked: $(grep -E 'clone|fork' "$T/strace")"
grep -F "$T/bundles/a/rootfs/" "$T/strace" && fail "the hit opened files in the rootfs"
# the identity's digest is hashed in the hook itself: no libcrypto (a static
# hook's dlopen of it depends on the host's glibc)
grep -F "libcrypto" "$T/strace" && fail "the hit loaded libcrypto"
echo "hit: $(grep -c . "$T/strace") traced calls, $(grep -c 'open' "$T/strace") opens"

# 3. another lower list (the fixed curl): another identity, and it starts clean
mount_rootfs b "$S/4/fs:$S/2/fs:$S/1/fs"
bundle b
run b 3
ID2=$(last identity)
[ "$RC" -eq 0 ] && [[ $ID2 == overlay:sha256:* ]] && [ "$ID2" != "$ID1" ] && [ "$(last decision)" = allow ] ||
        fail "other lowers: $RC $(tail -1 "$LOG")"

# 4. the same layers, but the container "upgraded curl" into its upper: the
#    inventory decides (it sees the upper), and the line says why
umount "$T/bundles/a/rootfs"
mkdir -p "$S/a/fs/var/lib/dpkg"
status 7.88.1-10+deb12u4 >"$S/a/fs/var/lib/dpkg/status"
mount_rootfs a "$S/3/fs:$S/2/fs:$S/1/fs"
run a 4
[ "$RC" -eq 0 ] && [[ $(last identity) == inventory:sha256:* ]] && [ "$(last identity_source)" = inventory ] &&
        [ "$(last decision)" = allow ] || fail "upper with a file: $(tail -1 "$LOG")"
last identity_note | grep -q "the upper layer holds the file /var/lib/dpkg/status" ||
        fail "upper with a file: note $(last identity_note)"

# 5. the symlink trick: the top lower named through a folder uid 1000 owns
#    (who could point it at another image's layer after the mount)
ln -s "$S/4/fs" "$T/home/layer"
mount_rootfs c "$T/home/layer:$S/2/fs:$S/1/fs"
bundle c
run c 5
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = inventory ] || fail "symlinked lower: $(tail -1 "$LOG")"
last identity_note | grep -q "owned by uid 1000" || fail "symlinked lower: note $(last identity_note)"

# 6. a plain folder: the inventory, and the note says it is no overlay
mkdir -p "$T/bundles/d"
cp -a "$S/1/fs" "$T/bundles/d/rootfs"
bundle d
run d 6
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = inventory ] && last identity_note | grep -q "not an overlay mount" ||
        fail "plain folder: $(tail -1 "$LOG")"

# 7. a digest the runtime names, trusted: a plain folder of the fixed image
#    starts clean and its verdict is kept under the digest; then the
#    container of section 4 (its upper holding the vulnerable status, as a
#    container that downgraded curl and is started again) names the same
#    digest: the upper is its own, so its inventory decides, never the
#    image's verdict
sed 's/"trust_image_digest": false/"trust_image_digest": true/' "$T/config.json" >"$T/trusted.json"
D=sha256:$(printf 'fixed image' | sha256sum | cut -d' ' -f1)
annotate() {    # annotate NAME: the digest annotation and the trusting config
        python3 - "$T/bundles/$1/config.json" "$T/trusted.json" "$D" <<'PY'
import json, sys
p, cfg, d = sys.argv[1:]
c = json.load(open(p))
c.setdefault("annotations", {})["io.kubernetes.cri-o.ImageRef"] = d
c["hooks"]["createRuntime"][0]["args"] = ["portcullis-hook", "--config", cfg]
json.dump(c, open(p, "w"), indent=1)
PY
}
mkdir -p "$T/bundles/e"
cp -a "$S/1/fs" "$T/bundles/e/rootfs"
cp -a "$S/2/fs/etc/os-release" "$T/bundles/e/rootfs/etc/"
cp -a "$S/4/fs/var" "$T/bundles/e/rootfs/"
bundle e
annotate e
run e 7
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = digest ] && [ "$(last identity)" = "$D" ] &&
        [ "$(last decision)" = allow ] || fail "plain folder, trusted digest: $(tail -1 "$LOG")"
umount "$T/bundles/a/rootfs"
status 7.88.1-10+deb12u3 >"$S/a/fs/var/lib/dpkg/status"
mount_rootfs a "$S/4/fs:$S/2/fs:$S/1/fs"
annotate a
run a 8
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = inventory ] && [ "$(last decision)" = warn ] &&
        [ "$(last cache)" != hit ] || fail "changed upper, trusted digest: served the image's verdict: $(tail -1 "$LOG")"
last identity_note | grep -q "the upper layer holds the file /var/lib/dpkg/status" ||
        fail "changed upper, trusted digest: note $(last identity_note)"

# 8. A VEX statement about the image the runtime names (its digest) is not
#    about a container that changed itself: with its upper holding its own
#    packages the statement does not apply and the finding counts; a plain
#    folder naming the same digest gets it.
mkdir -p "$T/vex"
printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/img", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-38545"}, "products": [{"@id": "pkg:oci/img@sha256%%3A%s"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}\n' "${D#sha256:}" \
        >"$T/vex/img.json"
printf '{"mode": "warn", "severity": "HIGH", "vex": ["%s"]}\n' "$T/vex/img.json" >"$T/policy.json"
run a 9
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = inventory ] && [ "$(last decision)" = warn ] ||
        fail "changed upper, VEX about the image: applied: $(tail -1 "$LOG")"
mkdir -p "$T/bundles/f"
cp -a "$S/1/fs" "$T/bundles/f/rootfs"
cp -a "$S/2/fs/etc/os-release" "$T/bundles/f/rootfs/etc/"
cp -a "$S/a/fs/var" "$T/bundles/f/rootfs/"
bundle f
annotate f
run f 10
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = digest ] && [ "$(last decision)" = allow ] ||
        fail "plain folder, VEX about the image: not applied: $(tail -1 "$LOG")"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
