# Sourced by the Podman tests: skip()/fail() that end the test, bad() that
# counts in $fails, the checks for root, podman, runc and a static busybox,
# $LIMITS, and podman_init DRIVER NAME, which makes $tmp and sets $P, a
# podman command line with a private --root/--runroot/--tmpdir, runc, the
# storage DRIVER, cgroupfs and $tmp/hooks.d, and $PD, the same without
# --hooks-dir (Podman then reads the folders of its configuration),
# removing its containers, images and mounts on exit.
skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Podman raises RLIMIT_NOFILE and RLIMIT_NPROC to 1048576 by default; where
# the host's hard limits are lower and we lack CAP_SYS_RESOURCE (containers,
# some VMs) runc then fails with "error setting rlimit type 7".  Ask for
# modest limits instead: they are not what these tests are about.
LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in podman runc; do command -v "$t" >/dev/null || skip "$t not installed"; done
busybox=/bin/busybox
[ -x "$busybox" ] || skip "busybox-static not installed"
# ldd fails on a static executable; the image has no libc for a dynamic one.
! ldd "$busybox" >/dev/null 2>&1 || skip "$busybox is not static (install busybox-static)"

podman_cleanup() {
        # shellcheck disable=SC2086
        $P rm -a -f >/dev/null 2>&1 || true
        # shellcheck disable=SC2086
        $P rmi -a -f >/dev/null 2>&1 || true
        grep -o " $tmp/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
        rm -rf "$tmp"
}

podman_init() {
        tmp=$(mktemp -d "/var/tmp/$2-XXXXXX")
        P="podman --root $tmp/root --runroot $tmp/runroot --tmpdir $tmp/tmp --runtime runc --storage-driver $1
           --cgroup-manager cgroupfs --events-backend file --hooks-dir $tmp/hooks.d"
        PD=$(echo "$P" | sed 's/--hooks-dir [^ ]*//')
        trap podman_cleanup EXIT
        mkdir -p "$tmp/tmp" "$tmp/hooks.d"
}

# $tmp/rootfs with the static busybox as /bin/busybox and /bin/sh.
podman_busybox_rootfs() {
        mkdir -p "$tmp/rootfs/bin"
        cp "$busybox" "$tmp/rootfs/bin/busybox"
        ln -s busybox "$tmp/rootfs/bin/sh"
}

# That rootfs as the image localhost/pc-busybox:test (from a tarball: no
# registry).
podman_busybox_image() {
        podman_busybox_rootfs
        tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
        # shellcheck disable=SC2086
        $P import "$tmp/rootfs.tar" localhost/pc-busybox:test >/dev/null || fail "podman import"
}
