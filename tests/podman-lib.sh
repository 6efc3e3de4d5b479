# Sourced by the Podman tests: skip()/fail() that end the test, the checks
# for root, podman, runc and a static busybox, and podman_init DRIVER NAME,
# which makes $tmp and sets $P, a podman command line with a private
# --root/--runroot/--tmpdir, runc, the storage DRIVER, cgroupfs and
# $tmp/hooks.d, removing its containers, images and mounts on exit.
skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

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
        trap podman_cleanup EXIT
        mkdir -p "$tmp/tmp" "$tmp/hooks.d"
}
