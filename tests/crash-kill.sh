#!/bin/bash
# kill -9 at chosen instructions: strace's fault injection
# (-e inject=SYSCALL:signal=KILL:when=N) kills the process as it enters
# the Nth call of SYSCALL, the same point every run, where a random kill
# would hit it once in hundreds.  After each kill, the next start must
# give the answer a quiet run gives, and what the killed process left must
# not stay for good.
#  1. a hook killed between writing a verdict index shard (or its .used
#     file) to a temporary file and renaming it: the next start is decided
#     as before, and 'cache gc' (the timer) removes the temporary files.
#  2. an audit line cut short (here by a full disk: a short write; also a
#     kill or a power cut in the middle of the write): the next start's
#     line, glued to it, is read by report and metrics, not skipped with it.
#  3. db import killed before its rename: the old database serves, whole;
#     the next db import removes the temporary database the killed one left
#     (a node fed by db import alone never runs db update, which did).
#  4. portcullis metrics killed at the rename of its output, then of its
#     state; a recheck of the running containers (cache rescan's first
#     step) at the rename of running.json: the next run removes the
#     temporary files, and the counts are a quiet run's.
set -u
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }
T=$(mktemp -d /tmp/pc-crash-XXXXXX)
cleanup() {
        mountpoint -q "$T/full" 2>/dev/null && umount "$T/full"
        rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"          # fail(), curl_image()

curl_image "$T" 7.88.1-10+deb12u3     # $T/rootfs, $T/bundle: the example feed's CRITICAL
# state N: the OCI state of a container of image digest N (one cache entry each).
state() {
        printf '{"ociVersion": "1.0.2", "id": "c%s", "status": "creating", "pid": 1, "bundle": "%s", "annotations": {"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.ImageRef": "sha256:%064x"}}\n' \
                "$1" "$T/bundle" "$1" >"$T/state-$1.json"
}
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
# state_roots: no runtime's folder, so that a recheck (rescan, metrics)
# judges none of the node's own containers
mkdir -p "$T/run"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}, "state_roots": ["%s"]}\n' \
        "$T/db.sqlite" "$T/cache/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" "$T/run" >"$T/config.json"
hook() { OUT=$("$HOOK" --config "$T/config.json" <"$T/state-$1.json" 2>&1); RC=$?; }
# killed_at SYSCALL N CMD...: CMD killed (SIGKILL) as it enters its Nth SYSCALL.
killed_at() {
        local sc=$1 n=$2
        shift 2
        strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" "$@" >/dev/null 2>&1
        KRC=$?
}

# ---- 1. the verdict index's temporary files ---------------------------------
for i in 1 2 3; do
        state $i
        hook $i
        [ "$RC" -eq 1 ] || fail "index: image $i: exit $RC, want 1 (blocked): $OUT"
done
IDX=$T/cache/cache.db-index.d
# A miss writes its shard's .used file, then the shard, each renamed into
# place: killed at the first rename, then at the second (the .used in place).
state 7
killed_at rename 1 "$HOOK" --config "$T/config.json" <"$T/state-7.json"
[ "$KRC" -eq 137 ] || fail "index: the hook was not killed at its first rename (exit $KRC)"
killed_at rename 2 "$HOOK" --config "$T/config.json" <"$T/state-7.json"
[ "$KRC" -eq 137 ] || fail "index: the hook was not killed at its second rename (exit $KRC)"
left=$(find "$IDX" -name '*.tmp-*' | wc -l)
[ "$left" -ge 2 ] || fail "index: the kills left $left temporary files, want 2 or more (did the kill points move?)"
hook 7
[ "$RC" -eq 1 ] && grep -q "PCEX-CVE-2023-38545" <<<"$OUT" || fail "index: after the kills: exit $RC: $OUT"
hook 7
[ "$RC" -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "index: after the kills, not a blocked hit: $RC $(tail -1 "$T/audit.log")"
OUT=$("$P" cache gc --config "$T/config.json" 2>&1) || fail "index: cache gc: $OUT"
left=$(find "$IDX" -name '*.tmp-*')
[ -z "$left" ] || fail "index: cache gc left the killed writers' temporary files: $left"
for i in 1 7; do
        hook $i
        [ "$RC" -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "index: after gc, image $i: $RC $(tail -1 "$T/audit.log")"
done

# ---- 2. a torn audit line ----------------------------------------------------
# The log on a 64 KiB tmpfs: 4,000 bytes of it (one line and padding), the
# rest of the tmpfs filled, so that a start's line fits in part: a short
# write, said on stderr, whose bytes the hook cuts off again (hook-exhaust.sh).
# A writer killed, or a node that lost power, mid-write can't: those torn
# bytes are written by hand, and the next start's line is glued to them.
mkdir -p "$T/full"
LOG=$T/full/audit.log
sed "s|$T/audit.log|$LOG|" "$T/config.json" >"$T/config-full.json"
{ head -1 "$T/audit.log"; printf '%*s\n' 3000 ''; } >"$LOG"
if [ "$(id -u)" -eq 0 ] && mv "$LOG" "$T/log.0" && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
        cp "$T/log.0" "$LOG"
        dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
        hook_full() { OUT=$("$HOOK" --config "$T/config-full.json" <"$T/state-$1.json" 2>&1); RC=$?; }
        hook_full 2
        grep -q "short write" <<<"$OUT" || fail "audit: no short write on the full disk: $OUT"
        [ "$(tail -c 1 "$LOG" | od -An -c | tr -d ' ')" = '\n' ] || fail "audit: the short write's bytes left at the end"
        rm "$T/full/filler"
else
        [ -f "$LOG" ] || mv "$T/log.0" "$LOG"
fi
head -1 "$T/audit.log" | head -c 500 >>"$LOG"
[ "$(tail -c 1 "$LOG" | od -An -c | tr -d ' ')" != '\n' ] || fail "audit: the log does not end in a torn line"
state 3
OUT=$("$HOOK" --config "$T/config-full.json" <"$T/state-3.json" 2>&1)
[ $? -eq 1 ] && ! grep -q "not recorded\|short write" <<<"$OUT" || fail "audit: the start after the torn line: $OUT"
OUT=$("$P" report --log "$LOG" --format json 2>&1)
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert [x["container"] for x in d["decisions"]] == ["c1", "c3"], d["decisions"]
assert d["skipped"] >= 1, d' "$OUT" || fail "audit: report does not show the start after the torn line: $OUT"
"$P" metrics --config "$T/config-full.json" --log "$LOG" --state "$T/metrics.state" --output "$T/metrics.prom" ||
        fail "audit: metrics failed"
grep -q '^portcullis_decisions_total{verdict="deny",mode="enforce",namespace=""} 2$' "$T/metrics.prom" ||
        fail "audit: metrics do not count the start after the torn line: $(grep decisions_total "$T/metrics.prom")"

# ---- 3. db import killed -------------------------------------------------------
revision() { "$P" db status --db "$T/db.sqlite" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["revision"])'; }
OLD=$(revision)
mkdir -p "$T/clean"
cp -r "$SRC/feed/debian12" "$T/clean/" && rm "$T/clean/debian12/PCEX-CVE-2023-38545.json"
for n in 1 2; do
        killed_at rename 1 "$P" db import "$T/clean" --db "$T/db.sqlite"
        [ "$KRC" -eq 137 ] || fail "db import: not killed at its rename (exit $KRC)"
        [ -n "$(ls "$T" | grep '^db.sqlite.new-')" ] || fail "db import: no temporary database (did the kill point move?)"
done
[ "$(revision)" = "$OLD" ] || fail "db import: the killed imports changed the database"
"$P" scan "$T/rootfs" --db "$T/db.sqlite" | grep -q "PCEX-CVE-2023-38545" || fail "db import: the old database does not serve its finding"
# the second removed the first's
left=$(ls "$T" | grep -c '^db.sqlite.new-')
[ "$left" -eq 1 ] || fail "db import: the kills left $left temporary databases, want 1"
OUT=$("$P" db import "$T/clean" --db "$T/db.sqlite" 2>&1) || fail "db import after the kills: $OUT"
[ "$(grep -c "note: db import: removed $T/db.sqlite.new-......, left by an interrupted import" <<<"$OUT")" -eq 1 ] ||
        fail "db import: the removals not said: $OUT"
ls "$T" | grep -q '^db.sqlite.new-' && fail "db import: temporary databases left: $(ls "$T")"
[ "$(revision)" != "$OLD" ] || fail "db import: the import after the kills did not replace the database"
"$P" scan "$T/rootfs" --db "$T/db.sqlite" | grep -q "PCEX-CVE-2023-38545" && fail "db import: the new database serves the removed finding"
# ... but one a live writer holds is never taken, however long it waited
# (an OCI pull waits for <db>.lock after writing its temporary database,
# behind an import that may take long): held and 20 minutes old, it stays
printf 'x' >"$T/db.sqlite.new-HELD01"
touch -d '20 minutes ago' "$T/db.sqlite.new-HELD01"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(30)' "$T/db.sqlite.new-HELD01" &
holder=$!
for _ in $(seq 100); do [ -e "$T/db.sqlite.new-HELD01.held" ] && break; sleep 0.1; done
OUT=$("$P" db import "$T/clean" --db "$T/db.sqlite" 2>&1) || fail "db import beside a held temporary database: $OUT"
[ -e "$T/db.sqlite.new-HELD01" ] || fail "db import removed a temporary database a live writer holds: $OUT"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
rm -f "$T/db.sqlite.new-HELD01" "$T/db.sqlite.new-HELD01.held"

# ---- 4. metrics and the running containers' state -----------------------------------
M=$T/metrics
mkdir -p "$M"
METRICS=("$P" metrics --config "$T/config.json" --log "$T/audit.log" --state "$M/state" --output "$M/portcullis.prom")
# the output's rename, then the state's (the second run removes the first's file)
for n in 1 2; do
        killed_at rename $n "${METRICS[@]}"
        [ "$KRC" -eq 137 ] || fail "metrics: not killed at its rename $n (exit $KRC)"
        want=$([ $n = 1 ] && echo portcullis.prom || echo state)
        [ "$(ls "$M" | grep '\.tmp-')" = "$(ls "$M" | grep "^$want\.tmp-......\$")" ] && ls "$M" | grep -q "^$want\.tmp-" ||
                fail "metrics: after the kill at rename $n, want one $want.tmp-*: $(ls "$M" | tr '\n' ' ')"
done
"${METRICS[@]}" || fail "metrics after the kills"
left=$(ls "$M" | grep '\.tmp-')
[ -z "$left" ] || fail "metrics: the killed runs' temporary files are still there: $left"
want=$(grep -c '"decision":"deny"' "$T/audit.log")
grep -q "^portcullis_decisions_total{verdict=\"deny\",mode=\"enforce\",namespace=\"\"} $want\$" "$M/portcullis.prom" ||
        fail "metrics: not $want blocks counted: $(grep '^portcullis_decisions_total' "$M/portcullis.prom")"
"$P" cache rescan --config "$T/config.json" >/dev/null 2>&1 || fail "cache rescan"
[ -f "$T/cache/running.json" ] || fail "cache rescan wrote no running.json (did the recheck move?)"
killed_at rename 1 "$P" cache rescan --config "$T/config.json"
[ "$KRC" -eq 137 ] && ls "$T/cache" | grep -q '^running.json.tmp-' ||
        fail "cache rescan: not killed at the rename of running.json (exit $KRC): $(ls "$T/cache")"
OUT=$("$P" cache rescan --config "$T/config.json" 2>&1) || fail "cache rescan after the kill: $OUT"
ls "$T/cache" | grep -q '^running.json.tmp-' && fail "cache rescan: the killed recheck's temporary file is still there"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
