# Shared by the tests that run a private dockerd (docker-runtime.sh,
# docker-images.sh): what they need or skip (77) without, Debian's docker
# client, waiting for the daemon, and the cleanup of it and of what it left
# under $T (its containerd and shims, its mounts).
. "$(dirname "$0")/lib.sh"
skip() { echo "skip: $*"; exit 77; }

# docker_tmp NAME: this run's folder T (/tmp/NAME-XXXXXX), its daemon and
# everything under it cleaned up on exit.
docker_tmp() {
        T=$(mktemp -d "/tmp/$1-XXXXXX")
        DOCKERD_PID=
        trap docker_cleanup EXIT
}

# docker_needs TOOL...: root, dockerd, each TOOL, a static busybox (for the
# images), and the client: Debian's (docker.io), not another on the PATH
# that may speak a newer API than this dockerd.  Sets BUSYBOX and DOCKER.
docker_needs() {
        [ "$(id -u)" -eq 0 ] || skip "needs root"
        for t in dockerd "$@"; do command -v "$t" >/dev/null || skip "$t not installed"; done
        BUSYBOX=$(command -v busybox || true)
        [ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "no static busybox (busybox-static)"
        DOCKER=/usr/bin/docker
        [ -x "$DOCKER" ] || DOCKER=$(command -v docker) || skip "no docker client"
}

# The daemon $DOCKERD_PID stopped, whatever names $T killed, $T's mounts
# undone, $T removed.
docker_cleanup() {
        if [ -n "${DOCKERD_PID:-}" ]; then
                kill "$DOCKERD_PID" 2>/dev/null
                for _ in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$DOCKERD_PID" 2>/dev/null
        fi
        for d in /proc/[0-9]*; do
                tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF -- "$T/" && kill -9 "${d#/proc/}" 2>/dev/null
        done
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        rm -rf "$T"
}

# Waits for the daemon $D talks to; without it, its log's end and exit 1.
docker_wait() {
        for _ in $(seq 150); do $D version >/dev/null 2>&1 && break; sleep 0.2; done
        $D version >/dev/null 2>&1 || { echo "FAIL: dockerd did not start:"; tail -20 "$T/dockerd.log"; exit 1; }
}
