#!/bin/bash
# A clock that jumps (libfaketime): the hook still decides, from the cache
# or not, with time-dependent rules judged by the clock it is given:
# allowlist expiry, the DB's age (doctor and db status say the same); a
# running clock 1000x fast only makes the deadline come sooner (on_timeout
# decides), it never hangs the start.
set -u
P=${PORTCULLIS:?}
# libfaketime is preloaded: the hook as linked dynamically (the installed
# one is static; same code).
HOOK=${PORTCULLIS_HOOK_DYNAMIC:-${PORTCULLIS_HOOK:?}}
SRC=${PC_SOURCE_ROOT:?}
command -v faketime >/dev/null || { echo "skip: faketime not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-clock-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "clk", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
expires=$(date -u -d '+30 days' +%Y-%m-%d)
printf '{"mode": "enforce", "severity": "HIGH", "max_db_age_hours": 720, "on_stale_db": "warn", "deadline_ms": 5000,
  "on_timeout": "deny",
  "allowlist": [{"id": "CVE-2023-38545", "expires": "%s", "reason": "proxy not used here"}]}\n' "$expires" >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
# Under ASan the preloaded libfaketime comes before the ASan runtime, which
# ASan tolerates when told so.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
hook() { OUT=$(timeout 30 "$@" "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?; }

hook env
[ "$RC" -eq 0 ] || fail "now, allowlisted: $RC $OUT"

# Two years back: the entry is cached (a hit); the allowlist entry is far
# from expiry; the DB looks imported in the future: its age can't be held
# to max_db_age_hours, which on_stale_db warn says (not "no import time").
hook faketime -f -2y
[ "$RC" -eq 0 ] || fail "clock 2 years back: $RC $OUT"
grep -q "portcullis: warning: .*hours ahead of this node's clock" <<<"$OUT" || fail "clock 2 years back: $OUT"
tail -1 "$T/audit.log" | grep -q "\"time\":\"$(( $(date -u +%Y) - 2 ))-" || fail "audit time not the jumped clock"
tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "clock back: not a cache hit"
# doctor and db status say the same: the DB's time is ahead of the clock,
# check the clock (not "no import time, run db update"; not "-17520 h ago").
OUT=$(faketime -f -2y "$P" doctor --config "$T/config.json" 2>&1)
grep -q "^db  *FAIL  *$T/db.sqlite: its import time, .*, is 17[0-9][0-9][0-9] hours ahead of this node's clock" <<<"$OUT" &&
        grep -q "what to do: check the node's clock (timedatectl)" <<<"$OUT" || fail "doctor, clock 2 years back: $OUT"
OUT=$(faketime -f -2y "$P" db status --db "$T/db.sqlite" 2>&1)
grep -q "^imported: .* (17[0-9][0-9][0-9] h [0-9]* min ahead of this node's clock: check it (timedatectl))" <<<"$OUT" ||
        fail "db status, clock 2 years back: $OUT"

# A year ahead: the allowlist entry has expired (blocked, with a note) and
# the DB is older than max_db_age_hours (a warning).
hook faketime -f +1y
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked" <<<"$OUT" || fail "clock 1 year ahead: not blocked: $RC $OUT"
grep -q "expired" <<<"$OUT" || fail "clock ahead: no expiry note: $OUT"
grep -q "more than max_db_age_hours" <<<"$OUT" || fail "clock ahead: no stale-DB warning: $OUT"

# Back to now after the jump: the cache entry's last use lies in the
# future; it is still served, and a GC by age keeps it.
hook env
[ "$RC" -eq 0 ] || fail "back to now: $RC $OUT"
"$P" cache gc --cache "$T/cache.db" --ttl 60 >/dev/null || fail "gc after the jump"
"$P" cache ls --cache "$T/cache.db" | grep -q "^[0-9a-f]" || fail "gc removed an entry used in the future"

# A clock running 1000x fast (monotonic too): the 5 s deadline passes in
# about 5 ms of real time; on_timeout decides, promptly.  A fresh cache, so
# that there is an analysis to run out of time.
sed -i "s#$T/cache.db#$T/cache2.db#" "$T/config.json"
start=$(date +%s%N)
hook faketime -f "+0 x1000"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$RC" -eq 1 ] && grep -q "on_timeout is deny" <<<"$OUT" || echo "note: fast clock: $RC $OUT (the analysis beat the clock)"
[ "$ms" -lt 10000 ] || fail "fast clock: took $ms ms"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
