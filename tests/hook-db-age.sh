#!/bin/bash
# max_db_age_hours: a DB imported longer ago than the policy allows blocks
# (on_stale_db deny), warns (warn) or is only recorded (allow); a fresh one
# changes nothing.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-dbage-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u4\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "age", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }

# run NAME ON_STALE [POLICY]: sets OUT and RC; POLICY replaces the policy
# (max_db_age_hours 24, on_stale_db ON_STALE)
run() {
        printf '%s\n' "${3:-{\"mode\": \"enforce\", \"severity\": \"HIGH\", \"max_db_age_hours\": 24, \"on_stale_db\": \"$2\"\}}" \
                >"$T/$1.policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/$1.policy.json" "$T/audit.log" >"$T/$1.json"
        OUT=$("$HOOK" --config "$T/$1.json" <"$T/state.json" 2>&1); RC=$?
}

run fresh deny
[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "fresh DB: $RC $OUT"

# db_time SQLITE_MODIFIER: the DB's recorded import time, now moved by it.
db_time() {
        python3 - "$T/db.sqlite" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE meta SET value = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) WHERE key = 'import_time'", (sys.argv[2],))
c.commit()
PY
}

# Make the DB three days old (its recorded import time).
db_time '-3 days'

run deny deny
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked .*imported 72 hours ago, more than max_db_age_hours (24).*on_stale_db is deny" <<<"$OUT" ||
        fail "stale, deny: $RC $OUT"
run warn warn
[ "$RC" -eq 0 ] && grep -q "portcullis: warning: .*imported 72 hours ago" <<<"$OUT" || fail "stale, warn: $RC $OUT"
run allow allow
[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "stale, allow: $RC $OUT"
tail -1 "$T/audit.log" | grep -q '"reason":"the vulnerability database was imported 72 hours ago' ||
        fail "stale, allow: not in the audit line: $(tail -1 "$T/audit.log")"
"$P" policy check "$T/deny.policy.json" | grep -q "imported more than 24 hours ago: deny" || fail "policy check"
# the audit line names the DB's time, and report --html shows its age
want=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT value FROM meta WHERE key = \"import_time\"").fetchone()[0])' "$T/db.sqlite")
tail -1 "$T/audit.log" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["db_time"] == sys.argv[1], d' "$want" ||
        fail "audit line: no db_time $want: $(tail -1 "$T/audit.log")"
"$P" report --log "$T/audit.log" --html | grep -q "data of <b>$want</b> (7[23] hours old now)" ||
        fail "report --html: no DB age"

# portcullis check: the same gate as a dry run: the decision and its audit
# line on stdout, nothing written to the audit log.
before=$(wc -l <"$T/audit.log")
out=$("$P" check --state "$T/state.json" --config "$T/deny.json"); rc=$?
[ "$rc" -eq 1 ] && grep -q "^decision: block" <<<"$out" && grep -q "max_db_age_hours" <<<"$out" ||
        fail "check (stale, deny): $rc $out"
out=$("$P" check --state "$T/state.json" --config "$T/allow.json" --format json); rc=$?
[ "$rc" -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["decision"] == "allow", d' <<<"$out" ||
        fail "check --format json: $rc $out"
[ "$(wc -l <"$T/audit.log")" -eq "$before" ] || fail "check wrote to the audit log"
"$P" check --config "$T/deny.json" >/dev/null 2>&1 && fail "check without --state passed"

# Deadline messages tell the truth (issue 15): the budget that passed, the
# time taken, and the state's own file for `check --state FILE`.
for ms in 1 5 30; do
        printf '{"mode": "enforce", "severity": "HIGH", "on_timeout": "deny", "deadline_ms": %d}\n' "$ms" >"$T/d$ms.policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false}}\n' \
                "$T/db.sqlite" "$T/dcache-$ms.db" "$T/locks" "$T/d$ms.policy.json" >"$T/d$ms.json"
        out=$("$P" check --state "$T/state.json" --config "$T/d$ms.json" 2>&1); rc=$?
        # a fast machine may decide within 30 ms: then there is no timeout to word
        if grep -q "on_timeout is deny" <<<"$out"; then
                [ "$rc" -eq 1 ] && grep -qE "\(deadline_ms $ms; [0-9]+ ms since the start\)" <<<"$out" ||
                        fail "deadline $ms ms: $rc $out"
                grep -q "within 0 ms\|on stdin" <<<"$out" && fail "deadline $ms ms: untrue message: $out"
                grep -q "OCI state on" <<<"$out" && ! grep -q "OCI state on $T/state.json" <<<"$out" &&
                        fail "deadline $ms ms: the state's file not named: $out"
        elif [ "$ms" -lt 30 ]; then
                fail "deadline $ms ms: decided in time? $rc $out"
        fi
done

# A DB whose time is ahead of the node's clock (a clock set back, a
# mirror's clock ahead): its age can't be held to max_db_age_hours, and the
# line says so with both times, not that the DB has no import time.
db_time '+3 days'
run deny deny
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked .*the vulnerability database's time, .*, is 7[12] hours ahead of this node's clock, so its age can't be held to max_db_age_hours (24); check the node's clock (timedatectl), then re-import it.*on_stale_db is deny" <<<"$OUT" ||
        fail "DB time ahead of the clock: $RC $OUT"
grep -q "has no import time" <<<"$OUT" && fail "DB time ahead of the clock: said to have none: $OUT"

# A policy that doesn't say: 120 hours (5 days), on_stale_db warn; 0 is
# any age.  A node whose updates stopped is said at its starts, not
# allowed in silence for ever.
db_time '-4 days'
run dflt - '{"mode": "enforce", "severity": "HIGH"}'
[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "default limit, 4 days: $RC $OUT"
db_time '-6 days'
run dflt - '{"mode": "enforce", "severity": "HIGH"}'
[ "$RC" -eq 0 ] && grep -q "portcullis: warning: .*imported 144 hours ago, more than max_db_age_hours (120)" <<<"$OUT" ||
        fail "default limit, 6 days: $RC $OUT"
"$P" policy check "$T/dflt.policy.json" | grep -q "imported more than 120 hours ago: warn" || fail "policy check: default"
run any - '{"mode": "enforce", "severity": "HIGH", "max_db_age_hours": 0}'
[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "max_db_age_hours 0, 6 days: $RC $OUT"
"$P" policy check "$T/any.policy.json" | grep -q "may be of any age (max_db_age_hours 0)" || fail "policy check: 0"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
