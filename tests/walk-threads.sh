#!/bin/bash
# The walk's lister threads are a speed-up, never a condition: where the
# sandboxed child can't start a thread (its user's RLIMIT_NPROC or a full
# pids cgroup), it lists as it walks, with the seccomp filter already in
# place, and must find exactly what the threads find.  (A lister without
# thread once asked the kernel for its CPUs after the filter, which killed
# the analysis: "died of signal 31".)
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (the child runs as another user, whose RLIMIT_NPROC stops its threads)"; exit 77; }
command -v prlimit >/dev/null || { echo "skip: no prlimit"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-walk-threads-XXXXXX")
trap 'rm -rf "$T"' EXIT
R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg/info" "$R/usr/share/doc/bash" "$R/usr/lib/python3/dist-packages" \
        "$R/usr/share/app/node_modules/left-pad" "$R/opt/app/lib"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n' \
        >"$R/var/lib/dpkg/status"
printf '/usr/share/doc/bash\n' >"$R/var/lib/dpkg/info/bash.list"
dist_info "$R/usr/lib/python3/dist-packages" requests 2.19.0
dist_info "$R/opt/app/lib" urllib3 1.24.1
printf '{"name": "left-pad", "version": "1.1.0"}\n' >"$R/usr/share/app/node_modules/left-pad/package.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || fail "db import"

"$P" scan "$R" --db "$T/db.sqlite" --format json >"$T/threads.json" 2>"$T/threads.err"; rc=$?
prlimit --nproc=1 "$P" scan "$R" --db "$T/db.sqlite" --format json >"$T/none.json" 2>"$T/none.err"; rc_none=$?
[ "$rc_none" -eq "$rc" ] || fail "without threads: exit $rc_none, with: $rc ($(cat "$T/none.err"))"
grep -q "signal" "$T/none.err" && fail "without threads the analysis died: $(cat "$T/none.err")"
python3 - "$T/threads.json" "$T/none.json" <<'PY' || fail "without threads the scan found something else"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b):
    d.pop("db_time", None)
assert a == b, (a, b)
assert a["packages"] == 4, a["packages"]      # bash, requests, urllib3, left-pad
PY
[ "$fails" -eq 0 ] && echo "all passed"
exit $((fails > 0))
