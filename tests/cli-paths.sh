#!/bin/bash
# Paths a user gives the command line that are not plain files: an output
# (--output, db export FILE, --db) that is a FIFO, a device, a folder or
# empty is never replaced by a file renamed over it (as root, over
# /dev/null, that would take the device's place); --output /dev/stdout, a
# device or a FIFO someone reads gets the text in place, and a FIFO no one
# reads fails at once instead of hanging.  An input to db import that is a
# FIFO or a device is an error, never a wait, and a symlink or FIFO in a
# feed folder is named as skipped.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TMPDIR=$T
. "$(dirname "$0")/lib.sh"

# expect CODE PATTERN -- ARGS...: exit code and a pattern in stdout+stderr
expect() {
        local code=$1 pat=$2 out rc
        shift 3
        out=$(timeout 60 "$P" "$@" 2>&1); rc=$?
        [ "$rc" -eq "$code" ] || fail "portcullis $*: exit $rc, wanted $code: $out"
        [ -z "$pat" ] || grep -qE -- "$pat" <<<"$out" || fail "portcullis $*: no /$pat/ in: $out"
}
still_fifo() { [ -p "$1" ] || fail "$2: $1 is no longer a FIFO: $(ls -la "$1")"; }

R=$T/rootfs
mkdir -p "$R/usr/lib" "$R/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/usr/lib/os-release"
printf 'Package: apt\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.6.1\n' >"$R/var/lib/dpkg/status"
DB=$T/db.sqlite
expect 0 "" -- db import "$SRC/feed" --db "$DB"

# A FIFO no one reads: an error at once, the FIFO left as it is.
mkfifo "$T/fifo"
expect 2 "--output $T/fifo: .*no one reads" -- inventory "$R" --output "$T/fifo"
still_fifo "$T/fifo" "inventory --output FIFO"
expect 2 "--output $T/fifo: .*no one reads" -- scan "$R" --db "$DB" --output "$T/fifo"
still_fifo "$T/fifo" "scan --output FIFO"

# A FIFO with a reader gets the report.
timeout 60 cat "$T/fifo" >"$T/read" &
reader=$!
# once the reader is inside its open (the kernel's wait_for_partner) the
# FIFO has a reader; before, the non-blocking open for writing fails
for _ in $(seq 200); do
        [ "$(cat /proc/$(pgrep -P "$reader" -x cat || echo "$reader")/wchan 2>/dev/null)" = wait_for_partner ] && break
        sleep 0.05
done
expect 0 "" -- inventory "$R" --output "$T/fifo"
wait "$reader"
grep -q "^apt " "$T/read" || fail "the FIFO's reader got no report: $(cat "$T/read")"
still_fifo "$T/fifo" "inventory --output FIFO (read)"

# A database is never written over a FIFO.
expect 2 "--db $T/fifo is not a regular file" -- db import "$SRC/feed" --db "$T/fifo"
still_fifo "$T/fifo" "db import --db FIFO"
expect 2 "--db is empty" -- db import "$SRC/feed" --db ""

# db import PATH: a FIFO or a device is an error at once (the FIFO never
# waited on); in a folder, a .json that is a symlink or a FIFO is skipped
# and named, never dropped in silence.
expect 2 "$T/fifo is not a file or a folder" -- db import "$T/fifo" --db "$T/new.sqlite"
expect 2 "/dev/zero is not a file or a folder" -- db import /dev/zero --db "$T/new.sqlite"
mkdir "$T/feed"
cp "$SRC/feed/debian12/PCEX-CVE-2011-3374.json" "$T/feed/"
ln -s "$SRC/feed/debian12/PCEX-CVE-2023-38545.json" "$T/feed/link.json"
mkfifo "$T/feed/pipe.json"
expect 0 "link.json: a symlink, which is not followed" -- db import "$T/feed" --db "$T/new.sqlite"
expect 0 "pipe.json: not a regular file" -- db import "$T/feed" --db "$T/new.sqlite"

# Folders and empty paths: named, with what to do.
mkdir "$T/dir"
expect 2 "--output $T/dir: $T/dir is a folder" -- inventory "$R" --output "$T/dir"
expect 2 "--output : an empty path" -- inventory "$R" --output ""

# db export FILE: the same rules.
if command -v openssl >/dev/null && openssl genpkey -algorithm ed25519 -out "$T/k.key" 2>/dev/null; then
        expect 2 "$T/fifo is not a regular file" -- db export --db "$DB" --key "$T/k.key" "$T/fifo"
        still_fifo "$T/fifo" "db export FIFO"
        expect 2 "an empty path" -- db export --db "$DB" --key "$T/k.key" ""
else
        echo "note: no openssl with ed25519: db export rows left out"
fi

# As root, in a mount namespace of our own with a private /dev: /dev/null
# and /dev/stdout stay what they are.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
        out=$(timeout 60 unshare -m bash -c '
                set -u
                mount -t tmpfs tmpfs /dev || exit 77
                mknod -m 666 /dev/null c 1 3 && ln -s /proc/self/fd/1 /dev/stdout || exit 77
                "$0" inventory "$1" --output /dev/null || echo "FAIL: --output /dev/null: exit $?"
                [ -c /dev/null ] || echo "FAIL: --output /dev/null replaced /dev/null: $(ls -la /dev/null)"
                "$0" inventory "$1" --output /dev/stdout | grep -q "^apt " || echo "FAIL: --output /dev/stdout: no report"
                [ -L /dev/stdout ] || echo "FAIL: --output /dev/stdout replaced /dev/stdout: $(ls -la /dev/stdout)"
                "$0" db import "$2" --db /dev/null 2>/dev/null && echo "FAIL: db import --db /dev/null: exit 0"
                [ -c /dev/null ] || echo "FAIL: db import --db /dev/null replaced /dev/null: $(ls -la /dev/null)"
                exit 0' "$P" "$R" "$SRC/feed" 2>&1); rc=$?
        [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || fail "the /dev rows: exit $rc: $out"
        while read -r line; do
                [ -z "$line" ] || fail "${line#FAIL: }"
        done < <(grep '^FAIL' <<<"$out")
else
        echo "note: not root or no unshare: the /dev/null rows left out"
fi

[ "$fails" -eq 0 ] || exit 1
echo "ok"
