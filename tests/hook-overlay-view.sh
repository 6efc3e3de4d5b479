#!/bin/sh
# What the merged view shows, beyond the lower list the identity names, with
# real overlay mounts and the real hook (containerd's snapshots/N/fs
# layout): a clean image's cached allow must not be served to a rootfs
# that shows other files.
#  - the same layers under userxattr, which reads a layer's
#    user.overlay.opaque (the folder hides the vulnerable status beneath
#    it), then without it (the status shows): another identity, a miss
#    that blocks;
#  - a tmpfs mounted over a folder of the upper after the overlay mount
#    (the overlay still shows the upper's status under it): refused;
#  - an empty folder bind-mounted over the upper, the clean snapshot over
#    the upper's parent, the upper renamed away and an empty one in its
#    place: the folder read is not the overlay's, refused;
#  - a tmpfs mounted inside the rootfs (on the host: runc binds the rootfs
#    with its mounts), one way or the other: the inventory decides, and
#    nothing is kept under the layers' identity;
#  - an opaque xattr on the upper's own root, which overlayfs does not
#    read there: the image's layers show, and the hit stands.
# Needs root and the kernel's overlay with trusted and user xattrs; skips
# (77) without them.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
T=$(mktemp -d /tmp/pc-ovview-XXXXXX)
cleanup() {
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$SRC/tests/lib.sh"
S=$T/snapshots
LOG=$T/audit.log

status() {
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' "$1"
}
xattr() {       # xattr PATH NAME VALUE
        /usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@"
}
# Layers: 1 Debian's os-release; 2 curl one update behind DSA-5523-1; 3 a
# dpkg folder, opaque to userxattr mounts, with curl fixed in status.d; 4
# curl fixed.
mkdir -p "$S/1/fs/etc" "$S/2/fs/var/lib/dpkg" "$S/3/fs/var/lib/dpkg/status.d" "$S/4/fs/var/lib/dpkg" "$T/empty"
chmod 700 "$T"
printf 'ID=debian\nVERSION_ID="12"\n' >"$S/1/fs/etc/os-release"
status 7.88.1-10+deb12u3 >"$S/2/fs/var/lib/dpkg/status"
status 7.88.1-10+deb12u4 >"$S/3/fs/var/lib/dpkg/status.d/libcurl4"
status 7.88.1-10+deb12u4 >"$S/4/fs/var/lib/dpkg/status"
xattr "$S/3/fs/var/lib/dpkg" user.overlay.opaque y || { echo "skip: no user xattrs here"; exit 77; }
xattr "$T/empty" trusted.overlay.opaque y || { echo "skip: no trusted xattrs here"; exit 77; }

"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "trust_image_digest": false,
 "log": {"syslog": false, "file": "%s"}}\n' "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" \
        >"$T/config.json"

# mount_rootfs NAME LOWERS [OPTIONS]: snapshot NAME's upper and work folder,
# the overlay at $T/b/NAME/rootfs, its bundle
mount_rootfs() {
        mkdir -p "$T/b/$1/rootfs" "$S/$1/fs" "$S/$1/work"
        printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}}\n' >"$T/b/$1/config.json"
        mount -t overlay overlay -o "lowerdir=$2,upperdir=$S/$1/fs,workdir=$S/$1/work${3:+,$3}" "$T/b/$1/rootfs"
}
# hook NAME: the hook on its bundle; RC
hook() {
        printf '{"ociVersion": "1.0.2", "id": "ov-%s", "status": "creating", "pid": 1, "bundle": "%s"}' \
                "$1" "$T/b/$1" | "$HOOK" --config "$T/config.json" >/dev/null 2>"$T/err"
        RC=$?
}
last() { tail -1 "$LOG" | /usr/bin/python3 -c 'import json, sys; v = json.loads(sys.stdin.read())[sys.argv[1]]; print("" if v is None else v)' "$1"; }

# 1. userxattr: the opaque dpkg folder hides the vulnerable status
mount_rootfs ux "$S/3/fs:$S/2/fs:$S/1/fs" userxattr || { echo "skip: no userxattr overlay mounts"; exit 77; }
hook ux
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = overlay ] && [ "$(last cache)" = miss ] ||
        fail "userxattr: $RC $(tail -1 "$LOG")"
UX=$(last identity)
umount "$T/b/ux/rootfs"
mount_rootfs plain "$S/3/fs:$S/2/fs:$S/1/fs"
[ -f "$T/b/plain/rootfs/var/lib/dpkg/status" ] || fail "the plain mount hides the status: the test shows nothing"
hook plain
[ "$RC" -eq 1 ] && [ "$(last identity)" != "$UX" ] && [ "$(last cache)" = miss ] ||
        fail "same layers without userxattr: served the other view's verdict: $RC $(tail -1 "$LOG")"
umount "$T/b/plain/rootfs"

# the clean image, cached, for what follows
mount_rootfs clean "$S/4/fs:$S/1/fs"
hook clean
hook clean
[ "$RC" -eq 0 ] && [ "$(last cache)" = hit ] && [ "$(last identity_source)" = overlay ] ||
        fail "clean image: $RC $(tail -1 "$LOG")"
CLEAN=$(last identity)

# vulnerable NAME: the clean image's layers, the vulnerable status in the
# upper (a container that downgraded curl, started again), mounted
vulnerable() {
        mkdir -p "$S/$1/fs/var/lib/dpkg"
        status 7.88.1-10+deb12u3 >"$S/$1/fs/var/lib/dpkg/status"
        mount_rootfs "$1" "$S/4/fs:$S/1/fs"
}
# refused NAME WHY: a block by its inventory, and the note says why
refused() {
        [ "$RC" -eq 1 ] && [ "$(last identity_source)" = inventory ] ||
                fail "$1: served the clean image's verdict: $RC $(tail -1 "$LOG")"
        last identity_note | grep -q "$2" || fail "$1: note $(last identity_note)"
}

# 2. a tmpfs over the upper's /var
vulnerable tmpfs
mount -t tmpfs -o mode=755 tmpfs "$S/tmpfs/fs/var"
hook tmpfs
refused "a tmpfs in the upper" "the upper layer's /var is another file system mounted over its folder"

# 3. the upper's folder is not the overlay's any more
vulnerable bind
mount --bind "$T/empty" "$S/bind/fs"
hook bind
refused "a folder bound over the upper" "is not the folder the overlay was mounted with"
vulnerable parent
mount --bind "$S/clean" "$S/parent"
hook parent
refused "the clean snapshot bound over the upper's" "is not the folder the overlay was mounted with"
vulnerable renamed
mv "$S/renamed" "$S/renamed.old"
mkdir -p "$S/renamed/fs"
hook renamed
refused "the upper renamed away" "is not the folder the overlay was mounted with"

# 4. a tmpfs mounted inside the rootfs, on the host, holding the vulnerable
#    status (runc binds the rootfs with what is mounted in it): the
#    layers are not all the container sees; and a clean status mounted
#    over the vulnerable image's, whose allow must not be kept for the
#    vulnerable image's layers
mount_rootfs inside "$S/4/fs:$S/1/fs"
mount -t tmpfs -o mode=755 tmpfs "$T/b/inside/rootfs/var/lib/dpkg"
status 7.88.1-10+deb12u3 >"$T/b/inside/rootfs/var/lib/dpkg/status"
hook inside
refused "a tmpfs inside the rootfs" "$T/b/inside/rootfs/var/lib/dpkg is mounted inside the rootfs"
mkdir -p "$S/5/fs/var/lib/dpkg"
status 7.88.1-10+deb12u3 >"$S/5/fs/var/lib/dpkg/status"
mount_rootfs hidden "$S/5/fs:$S/1/fs"
mount -t tmpfs -o mode=755 tmpfs "$T/b/hidden/rootfs/var/lib/dpkg"
status 7.88.1-10+deb12u4 >"$T/b/hidden/rootfs/var/lib/dpkg/status"
hook hidden
[ "$RC" -eq 0 ] && [ "$(last identity_source)" = inventory ] || fail "a clean status mounted in: $RC $(tail -1 "$LOG")"
umount "$T/b/hidden/rootfs/var/lib/dpkg"
hook hidden
[ "$RC" -eq 1 ] && [ "$(last identity_source)" = overlay ] && [ "$(last cache)" = miss ] ||
        fail "the vulnerable image after a clean status was mounted in: $RC $(tail -1 "$LOG")"

# 5. an opaque upper root: overlayfs shows the lowers all the same
mkdir -p "$S/oproot/fs"
xattr "$S/oproot/fs" trusted.overlay.opaque y
mount_rootfs oproot "$S/4/fs:$S/1/fs"
[ -f "$T/b/oproot/rootfs/var/lib/dpkg/status" ] || fail "opaque upper root: the kernel hides the lowers now"
hook oproot
[ "$RC" -eq 0 ] && [ "$(last identity)" = "$CLEAN" ] && [ "$(last cache)" = hit ] ||
        fail "opaque upper root: $RC $(tail -1 "$LOG")"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ] || exit 1
