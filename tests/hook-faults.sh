#!/bin/bash
# Faults around the hook: killed in the middle of an analysis (no child
# left behind, the lock and the cache stay usable, the next start decides),
# the DB replaced while hooks run (every hook still decides, from one
# revision or the other), and the lock folder missing (made again).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
T=$(mktemp -d /tmp/pc-faults-XXXXXX)
trap 'pkill -KILL -f "$T/" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# A rootfs with a large package database, so that the analysis takes a while.
R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
python3 - "$R/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n")
    for i in range(40000):
        f.write(f"Package: p{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n"
                f"Description: package {i} of a big image\n\n")
PY
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "f", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "deadline_ms": 60000}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache/cache.db" "$T/run/portcullis/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

# 1. kill -9 in the middle: the analysis child dies with it, and the next
#    start is not stuck behind the dead one's lock.
for delay in 0.05 0.15 0.3; do
        "$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        sleep 0.2
        left=$(pgrep -f "$HOOK --config $T/config.json" | wc -l)
        [ "$left" -eq 0 ] || fail "killed after ${delay}s: $left processes left"
done
out=$(timeout 60 "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "portcullis: blocked .*PCEX-CVE-2023-38545" <<<"$out" || fail "after kills: $rc $out"
[ -d "$T/run/portcullis/locks" ] || fail "the missing lock folder was not made"

# 2. The DB replaced (renamed over) again and again while hooks run: every
#    hook decides (blocks, from either revision), none errors.  A small
#    image this time: the point is the swap, not the size.
S=$T/small
mkdir -p "$S/etc" "$S/var/lib/dpkg" "$T/bundle2"
cp "$R/etc/os-release" "$S/etc/"
head -6 "$R/var/lib/dpkg/status" >"$S/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$S" >"$T/bundle2/config.json"
printf '{"ociVersion": "1.0.2", "id": "g", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle2" >"$T/state2.json"
mkdir -p "$T/feed2"
cp "$SRC"/feed/debian12/*.json "$T/feed2/"
sed -i 's/2026-11-22T00:00:00Z/2026-11-23T00:00:00Z/' "$T/feed2/PCEX-CVE-2011-3374.json"
( for i in 1 2 3 4 5 6; do
        "$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null
        "$P" db import "$T/feed2" --db "$T/db.sqlite" >/dev/null
  done ) &
swapper=$!
pids=()
for i in $(seq 1 24); do
        ( "$HOOK" --config "$T/config.json" <"$T/state2.json" >"$T/out.$i" 2>&1; echo $? >"$T/rc.$i" ) &
        pids+=($!)
        sleep 0.02
done
wait "${pids[@]}"
wait "$swapper"
[ "$(cat "$T"/rc.* | sort -u)" = "1" ] || fail "DB swapped under the hooks: exit codes $(cat "$T"/rc.* | sort | uniq -c)"
grep -L "portcullis: blocked" "$T"/out.* | grep -q . && fail "a hook did not decide: $(cat "$(grep -L 'portcullis: blocked' "$T"/out.* | head -1)")"
revs=$(grep -o '"db_revision":"[^"]*"' "$T/audit.log" | sort -u | wc -l)
echo "revisions seen by the hooks: $revs"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
