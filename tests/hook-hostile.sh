#!/bin/bash
# Resource bounds through the real hook: rootfs contents an image author can
# choose to make the analysis slow, big or stuck.  Each one must end in a
# clear verdict (on_error / on_timeout: deny) well within the deadline, with
# no hang and no crash; the time each took is printed.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
# None of the cases below should take long; the deadline is only the bound
# that must hold, and it is wide because the 100,000-package case shares
# the 2 cores of CI with everything else (it took 20 s at a load of 50).
DEADLINE_MS=${PC_HOSTILE_DEADLINE_MS:-60000}
# status.d: 200,000 entries (twice the cap) by default, on tmpfs when there
# is one: 1,000,000 files take ~28 s to create on ext4 and ~1 GB of kernel
# memory on tmpfs.  PC_HOSTILE_STATUS_D=1000000 runs the full size.
STATUS_D_ENTRIES=${PC_HOSTILE_STATUS_D:-200000}
T=$(mktemp -d /tmp/pc-hostile-XXXXXX)
FAST=$T
[ -w /dev/shm ] && FAST=$(mktemp -d /dev/shm/pc-hostile-XXXXXX)
trap 'rm -rf "$T" "$FAST"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "on_error": "deny", "on_timeout": "deny", "deadline_ms": %d}\n' \
        "$DEADLINE_MS" >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

# rootfs NAME [DIR]: a Debian 12 rootfs without a dpkg database yet, in DIR
# (default $T); prints its path
rootfs() {
        local r=${2:-$T}/$1
        mkdir -p "$r/etc" "$r/var/lib/dpkg" "$T/bundle-$1"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$r/etc/os-release"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$r" >"$T/bundle-$1/config.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
                "$1" "$T/bundle-$1" >"$T/state-$1.json"
        echo "$r"
}

# hook NAME WANT-RC WANT-REGEX: runs the hook on rootfs NAME, checks the
# exit code, the message and the time (under the deadline, plus a second
# for the hook's own start and stop).
hook() {
        local s ms out rc
        s=$(date +%s%N)
        out=$(timeout $((DEADLINE_MS / 1000 + 10)) "$HOOK" --config "$T/config.json" <"$T/state-$1.json" 2>&1); rc=$?
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        printf '%-22s rc=%d %6d ms  %s\n' "$1" "$rc" "$ms" "$(head -c 200 <<<"$out")"
        [ "$rc" -eq "$2" ] || fail "$1: exit $rc, want $2: $out"
        grep -qE "$3" <<<"$out" || fail "$1: message does not match /$3/: $out"
        [ "$ms" -lt $((DEADLINE_MS + 1000)) ] || fail "$1: took $ms ms (deadline $DEADLINE_MS ms)"
}

# 1. A 1 GB (sparse) status: refused by its size cap before a byte is read.
r=$(rootfs huge)
truncate -s 1G "$r/var/lib/dpkg/status"
hook huge 1 "status is [0-9]+ bytes, more than the limit.*on_error is deny"

# 2. 100,000 packages in status: read, matched and decided (none is in the
# example feed: allowed), in bounded time.
r=$(rootfs many)
python3 - "$r/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write(f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-{i}\n\n")
PY
hook many 0 "^$"
grep -q '"cache":"miss"' <(tail -1 "$T/audit.log") || fail "many: no analysis in the audit line"

# 3. A status.d with STATUS_D_ENTRIES files: the listing stops at its cap.
r=$(rootfs statusd "$FAST")
s=$(date +%s%N)
python3 - "$r/var/lib/dpkg/status.d" "$STATUS_D_ENTRIES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.mkdir(d)
fd = os.open(d, os.O_PATH | os.O_DIRECTORY)
for i in range(n):
    os.close(os.open(f"p{i}", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
PY
echo "created $STATUS_D_ENTRIES status.d entries in $(( ($(date +%s%N) - s) / 1000000 )) ms"
hook statusd 1 "status.d has more than [0-9]+ entries.*on_error is deny"

# 4. A symlink loop at the status file.
r=$(rootfs loop)
ln -s status "$r/var/lib/dpkg/status"
hook loop 1 "Too many levels of symbolic links.*on_error is deny"

# 5. A FIFO at the status file: never opened for reading (that would block
# until a writer came), refused as not a regular file.
r=$(rootfs fifo)
mkfifo "$r/var/lib/dpkg/status"
hook fifo 1 "not a regular file.*on_error is deny"

# 6. A FIFO at etc/os-release, the first file read.
r=$(rootfs fifo-osrelease)
rm "$r/etc/os-release"
mkfifo "$r/etc/os-release"
hook fifo-osrelease 1 "not a regular file.*on_error is deny"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
