#!/bin/bash
# portcullis ps and the recheck after a DB update (issue 16, 3), with three
# real runc containers running under a temporary runc root: all allowed
# (the hook in audit mode), then an import that adds a record for the
# package of exactly one: one now_violates audit line, ps shows it, ps
# --changed-since lists it alone, a second recheck logs nothing, a dead or
# stopped container is gone, an identity the cache lacks is judged by its
# inventory matched now.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
need_runc_busybox

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-ps-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

deb12_rootfs "$T/curl" libcurl4 curl 7.88.1-10+deb12u4     # the fixed curl: nothing
deb12_rootfs "$T/zlib" zlib1g zlib 1:1.2.13.dfsg-1         # the one the new record names
deb12_rootfs "$T/xml" libxml2 libxml2 2.9.14+dfsg-1.3~deb12u1

DB=$T/vulndb.sqlite
LOG=$T/audit.log
CFG=$T/config.json
printf '{"mode": "audit", "severity": "LOW"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"]}\n' "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" "$ROOT" >"$CFG"
"$P" db import "$SRC/feed" --db "$DB" --config "$CFG" >/dev/null || { echo "FAIL: import"; exit 1; }

# run NAME ROOTFS IMAGE: a detached container that sleeps, the hook at create
run() {
        runc_bundle "$T/bundles/$1" "$T/$2" "$CFG" "$3"
        runc_run_sleeping "$ROOT" "$T/bundles/$1" "$1"
}
run c-curl curl docker.io/library/curl:1
run c-zlib zlib docker.io/library/zlib:1
run c-xml xml docker.io/library/xml:1
[ "$(grep -c '"decision":"allow"' "$LOG")" -eq 3 ] || fail "the hook did not allow the three starts: $(cat "$LOG")"

# psj ARGS...: ps --format json into $T/ps.json
psj() { timeout 120 "$P" ps --config "$CFG" --format json "$@" >"$T/ps.json" 2>"$T/ps.err" || fail "ps $*: $(cat "$T/ps.err")"; }
# verdicts: "id=verdict ..." sorted
verdicts() { python3 -c 'import json,sys; print(" ".join(sorted(c["id"]+"="+c["verdict"] for c in json.load(open(sys.argv[1]))["containers"])))' "$T/ps.json"; }

psj --state-root "$ROOT"
[ "$(verdicts)" = "c-curl=allow c-xml=allow c-zlib=allow" ] || fail "ps before the update: $(verdicts)"
python3 - "$T/ps.json" "$ROOT" <<'PY' || fail "ps JSON before the update: $(cat "$T/ps.json")"
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["containers"]:
    assert c["runtime"] == "runc" and c["state_root"] == sys.argv[2], c
    assert c["identity_source"] == "inventory" and c["identity"].startswith("inventory:sha256:"), c
    assert c["image"] == "docker.io/library/" + c["id"][2:] + ":1" and c["mode"] == "audit" and c["cached"], c
    assert c["findings"] == [] and c["entry_revision"] == d["db_revision"], c
assert d["now_violating"] == 0
PY
OLDREV=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["db_revision"])' "$T/ps.json")
# the table too, from config.json's state_roots
out=$("$P" ps --config "$CFG")
[ "$(grep -c ' allow ' <<<"$out")" -eq 3 ] && grep -q '^CONTAINER' <<<"$out" || fail "ps table: $out"

# A record for zlib (the one container's source package), added by import.
zlib_record "$T/extra"
before=$(wc -l <"$LOG")
out=$(timeout 300 "$P" db import --merge "$T/extra" --db "$DB" --config "$CFG" 2>&1) || fail "import of the new record: $out"
grep -q "running containers: 3, 1 not allowed now, 1 now violating since the last check (one now_violates audit line each), 0 not judged" <<<"$out" || fail "import: no recheck summary: $out"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 1 ] || fail "expected one now_violates line: $(tail -n +$((before + 1)) "$LOG")"
[ "$(wc -l <"$LOG")" -eq $((before + 1)) ] || fail "the recheck wrote other lines too: $(tail -n +$((before + 1)) "$LOG")"
grep '"event":"now_violates"' "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["container"] == "c-zlib" and d["image"] == "docker.io/library/zlib:1", d
assert d["verdict"] == "audit" and d["previous_verdict"] == "allow" and d["mode"] == "audit", d
assert d["findings"] == ["PCEX-CVE-2023-45853 zlib1g"] and d["counts"]["CRITICAL"] == 1, d
assert d["previous_db_revision"] == sys.argv[1] and d["db_revision"] != sys.argv[1], d
assert "decision" not in d and d["namespace"] is None and d["identity"].startswith("inventory:"), d
' "$OLDREV" || fail "now_violates line: $(grep now_violates "$LOG")"
# report still reads the log (the event is no decision)
"$P" report --log "$LOG" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["decisions"]) == 3, d' ||
        fail "report counts the now_violates line as a decision"

psj
[ "$(verdicts)" = "c-curl=allow c-xml=allow c-zlib=audit" ] || fail "ps after the update: $(verdicts)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["now_violating"] == 1, d' "$T/ps.json" || fail "now_violating"
out=$("$P" ps --config "$CFG")
grep -E '^c-zlib .* audit +audit +1 CRITICAL' <<<"$out" >/dev/null || fail "ps table after the update: $out"
# metrics' gauges judge without reading a rootfs: these three have only
# the inventory for an identity, so they are counted as not judged (and the
# violating gauge says 0 of the judged), never silently left out.
"$P" metrics --config "$CFG" --output "$T/m.prom" --state "$T/m.state" 2>"$T/m.err" || fail "metrics: $(cat "$T/m.err")"
grep -qx 'portcullis_containers_now_violating 0' "$T/m.prom" && grep -qx 'portcullis_containers_not_judged 3' "$T/m.prom" ||
        fail "metrics' running gauges: $(grep containers "$T/m.prom")"

psj --changed-since "$OLDREV"
[ "$(verdicts)" = "c-zlib=audit" ] || fail "--changed-since OLDREV: $(verdicts)"
psj --changed-since "${OLDREV#sha256:}"
[ "$(verdicts)" = "c-zlib=audit" ] || fail "--changed-since a hex prefix: $(verdicts)"
NEWREV=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["db_revision"])' "$T/ps.json")
psj --changed-since "$NEWREV"
[ -z "$(verdicts)" ] || fail "--changed-since the current revision: $(verdicts)"
"$P" ps --config "$CFG" --changed-since 0123456789ab >/dev/null 2>"$T/err" && fail "--changed-since an unknown revision passed"
grep -q "not among those" "$T/err" || fail "--changed-since unknown: $(cat "$T/err")"
# a prefix shorter than 6 is said to be too short, not "not among those"
"$P" ps --config "$CFG" --changed-since "${OLDREV:7:3}" >/dev/null 2>"$T/err" && fail "--changed-since a 3-digit prefix passed"
grep -q "is too short: give a prefix of 6 or more characters" "$T/err" || fail "--changed-since short: $(cat "$T/err")"

# A second recheck at the same revision (cache rescan runs it) logs nothing.
out=$(timeout 300 "$P" cache rescan --config "$CFG" 2>&1) || fail "cache rescan: $out"
grep -q "running containers: 3, 1 not allowed now, 0 now violating since the last check (none new), 0 not judged" <<<"$out" || fail "rescan: recheck summary: $out"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 1 ] || fail "the second recheck logged again"
# ... and after the rescan the verdict comes from the new revision's entry.
psj
[ "$(verdicts)" = "c-curl=allow c-xml=allow c-zlib=audit" ] || fail "ps after the rescan: $(verdicts)"
# An entry another build made is not today's answer: c-zlib's entry given
# c-xml's findings (allowed) under a key of another match epoch is matched
# again from its inventory; under one of another inventory epoch, its
# inventory is not used either (read from the rootfs: not cached).
rekey_zlib() {
        python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(k,) = db.execute("SELECT key FROM entries WHERE image LIKE \"%zlib%\" AND length(key) = 101").fetchone()
(clean,) = db.execute("SELECT findings_compact FROM entries WHERE image LIKE \"%xml%\"").fetchone()
new = k[:99] + "%02x" % ((int(k[99:], 16) + 1) % 256) if sys.argv[2] == "match" else \
      k[:97] + "%02x" % ((int(k[97:99], 16) + 1) % 256) + k[99:]
db.execute("UPDATE entries SET key = ?, findings = 0, findings_compact = ? WHERE key = ?", (new, clean, k))
db.commit()' "$T/cache.db" "$1"
}
# (copies by sqlite's backup: the cache is in WAL mode)
backup() { python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' "$1" "$2"; }
backup "$T/cache.db" "$T/saved.db"
for how in match inventory; do
        backup "$T/saved.db" "$T/cache.db" && rm -rf "$T/cache.db-index.d"
        rekey_zlib "$how" || fail "rekey $how"
        psj
        [ "$(verdicts)" = "c-curl=allow c-xml=allow c-zlib=audit" ] || fail "ps, an entry of another $how epoch: $(verdicts)"
        python3 -c 'import json,sys; c = [c for c in json.load(open(sys.argv[1]))["containers"] if c["id"] == "c-zlib"][0]
assert c["cached"] is (sys.argv[2] == "match"), c' "$T/ps.json" "$how" || fail "ps, another $how epoch: $(cat "$T/ps.json")"
done
backup "$T/saved.db" "$T/cache.db" && rm -rf "$T/cache.db-index.d" "$T/saved.db"

# An import into another DB file re-judges nothing.
out=$("$P" db import "$T/extra" "$SRC/feed" --db "$T/other.sqlite" --config "$CFG" 2>&1)
grep -q "running containers" <<<"$out" && fail "an import into another DB ran the recheck: $out"

# Stopped containers disappear; one whose init process died without runc
# knowing (its state.json stays) too.
timeout 30 runc --root "$ROOT" delete -f c-curl >/dev/null 2>&1
kill -9 "$(runc --root "$ROOT" state c-xml | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
for _ in $(seq 50); do [ -e "/proc/$(runc --root "$ROOT" state c-xml 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)/stat" ] || break; sleep 0.1; done
[ -e "$ROOT/c-xml/state.json" ] || fail "runc removed c-xml's state (the dead-process case is not tested)"
psj
[ "$(verdicts)" = "c-zlib=audit" ] || fail "ps after the stops: $(verdicts)"

# An identity the cache lacks: judged by its inventory matched now (not
# cached, said in the JSON), never left without a verdict.
"$P" cache purge --config "$CFG" >/dev/null || fail "cache purge"
psj
[ "$(verdicts)" = "c-zlib=audit" ] || fail "ps with an empty cache: $(verdicts)"
python3 -c 'import json,sys; c = json.load(open(sys.argv[1]))["containers"][0]; assert c["cached"] is False, c' "$T/ps.json" ||
        fail "ps with an empty cache: $(cat "$T/ps.json")"

# An image name its owner chose to act on a terminal (an OSC title, a
# colour, a carriage return, a C1 CSI, an RLO that makes it read as
# "nginx"): the table shows it with '?', the JSON escapes it.
run c-evil curl $'ng\xe2\x80\xaexni\xe2\x81\xa9:1\e]0;t\a\e[31mRED\r\xc2\x9b2J'
"$P" ps --config "$CFG" >"$T/ps.txt" 2>&1 || fail "ps: $(cat "$T/ps.txt")"
LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae' "$T/ps.txt" && fail "ps: a control character: $(cat -v "$T/ps.txt")"
grep -qF 'ng???xni???:1?]0;t??[31mRED???2J' "$T/ps.txt" || fail "ps: the evil name not shown: $(cat -v "$T/ps.txt")"
psj
grep -qF '"image": "ng\u202Exni\u2069:1\u001B]0;t\u0007\u001B[31mRED\r\u009B2J"' "$T/ps.json" ||
        fail "ps json: the evil name not escaped: $(cat -v "$T/ps.json")"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
