#!/bin/bash
# Dated enforcement (policy "enforce_from"), around the boundary with a
# clock libfaketime sets, as hook-clock.sh does: one second before the date
# the hook warns, starts the container and names the date; at the date and
# after it blocks; on a cache miss as on a hit.  The audit line says the
# effective mode and the date; `policy check` shows the schedule.
set -u
P=${PORTCULLIS:?}
# libfaketime is preloaded: the hook as linked dynamically (same code).
HOOK=${PORTCULLIS_HOOK_DYNAMIC:-${PORTCULLIS_HOOK:?}}
SRC=${PC_SOURCE_ROOT:?}
command -v faketime >/dev/null || { echo "skip: faketime not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-enforce-from-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "annotations": {"io.kubernetes.cri.image-name": "reg/app:1", "io.kubernetes.pod.namespace": "pay"}}\n' \
        "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "ef", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "enforce_from": "2027-01-15", "deadline_ms": 20000}\n' >"$T/policy.json"
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$T/db.sqlite" "$T/$1" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
}
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
# at TIME: the hook with the clock started at TIME (UTC), running.
at() { OUT=$(TZ=UTC timeout 60 faketime -f "@$1" "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?; }
last() { tail -1 "$T/audit.log"; }

# One second before: a miss, then a hit; both warn, start, name the date.
config cache1.db
for want in miss hit; do
        at "2027-01-14 23:59:59"
        [ "$RC" -eq 0 ] || fail "before the date ($want): not started: $RC $OUT"
        grep -q "portcullis: warning: reg/app:1: .*(mode warn until enforced from 2027-01-15, policy" <<<"$OUT" ||
                fail "before the date ($want): no dated warning: $OUT"
        last | grep -q "\"mode\":\"warn\",\"enforce_from\":\"2027-01-15\"" || fail "before ($want): audit: $(last)"
        last | grep -q "\"decision\":\"warn\"" || fail "before ($want): decision: $(last)"
        last | grep -q "\"cache\":\"$want\"" || fail "before: expected a cache $want: $(last)"
done

# At the date (midnight UTC), from the cache: blocked.
at "2027-01-15 00:00:00"
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked reg/app:1" <<<"$OUT" || fail "at the date (hit): not blocked: $RC $OUT"
last | grep -q "\"mode\":\"enforce\",\"enforce_from\":\"2027-01-15\"" || fail "at (hit): audit: $(last)"
last | grep -q "\"decision\":\"deny\".*\"cache\":\"hit\"" || fail "at (hit): $(last)"

# At the date and a day later with a fresh cache (a miss): blocked.
config cache2.db
at "2027-01-15 00:00:00"
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked" <<<"$OUT" || fail "at the date (miss): not blocked: $RC $OUT"
last | grep -q "\"decision\":\"deny\".*\"cache\":\"miss\"" || fail "at (miss): $(last)"
at "2027-01-16 12:00:00"
[ "$RC" -eq 1 ] || fail "after the date: not blocked: $RC $OUT"
grep -q "enforced from" <<<"$OUT" && fail "after the date: still names the schedule: $OUT"

# A full RFC 3339 time in another zone: 2027-01-15T09:00:00+09:00 is midnight UTC.
printf '{"mode": "enforce", "severity": "HIGH", "enforce_from": "2027-01-15T09:00:00+09:00", "deadline_ms": 20000}\n' \
        >"$T/policy.json"
at "2027-01-14 23:59:59"
[ "$RC" -eq 0 ] && grep -q "until enforced from 2027-01-15," <<<"$OUT" || fail "RFC 3339, before: $RC $OUT"
at "2027-01-15 00:00:00"
[ "$RC" -eq 1 ] || fail "RFC 3339, at: not blocked: $RC $OUT"

# policy check: the schedule, told relative to its own clock; a date beside
# mode warn is refused with the field and what to do.
OUT=$(TZ=UTC faketime -f "@2027-01-05 00:00:00" "$P" policy check "$T/policy.json" 2>&1) || fail "policy check: $OUT"
grep -q "schedule: warn until 2027-01-15 (10 days from now), enforced from 2027-01-15 on (enforce_from); now: warn" \
        <<<"$OUT" || fail "policy check: no schedule: $OUT"
printf '{"mode": "warn",\n "enforce_from": "2027-01-15"}\n' >"$T/bad.json"
OUT=$("$P" policy check "$T/bad.json" 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -q "bad.json:2:2: 'enforce_from' in the policy needs mode enforce, but the mode is warn" <<<"$OUT" ||
        fail "policy check of enforce_from with mode warn: $RC $OUT"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
