#!/bin/bash
# After a DB update the node is warm and judged again, under the shipped
# units' restrictions (systemd is not PID 1 here: setpriv gives a unit's
# bounding set and NoNewPrivileges, tests/unit-syscalls its
# SystemCallFilter=, both read from systemd/*.service.in).  A real runc
# container of an image named by no digest (its identity is its
# inventory's) and two images cached by starts whose containers are gone;
# an import adds a record for the running one's package, under
# portcullis-update.service: its recheck can't run the analysis sandbox,
# so it judges nothing and says it left the container to 'cache fill'.
# Then, under portcullis-fill.service, one fill run judges it (one
# now_violates line, once across the update and the fills) and re-matches
# the stale entries from their inventories, the running container's image
# first, within its bound (the rest counted, left); the next start of the
# image is a hit with the new finding.  The next run re-matches the rest; a
# run with nothing stale re-matches nothing, as does 'cache rescan'.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
UNIT_SYSCALLS=${PC_UNIT_SYSCALLS:?}
. "$SRC/tests/lib.sh"
need_runc_busybox
for t in setpriv systemd-analyze; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-warm-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

for u in portcullis-update portcullis-fill; do
        unit_allowed $u >"$T/$u.allowed" && [ -s "$T/$u.allowed" ] || { echo "FAIL: $u's system calls"; exit 1; }
        grep -q '^NoNewPrivileges=yes' "$SRC/systemd/$u.service.in" || { echo "FAIL: $u: no NoNewPrivileges"; exit 1; }
done
grep -qx chroot "$T/portcullis-update.allowed" && { echo "FAIL: the update unit allows chroot: emulated wrong"; exit 1; }
deb12_rootfs "$T/zlib" zlib1g zlib 1:1.2.13.dfsg-1         # the one the new record names
deb12_rootfs "$T/curl" libcurl4 curl 7.88.1-10+deb12u4
deb12_rootfs "$T/xml" libxml2 libxml2 2.9.14+dfsg-1.3~deb12u1

# trusted annotations: the image's name, not a digest (its identity is
# its inventory's); the fill takes the running containers' images first
fill_config '{"mode": "audit", "severity": "LOW"}'
OLDREV=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')

# run NAME ROOTFS: a detached container that sleeps, the hook at create
run() {
        runc_bundle "$T/bundles/$1" "$T/$2" "$CFG" "docker.io/library/$2:1"
        runc_run_sleeping "$ROOT" "$T/bundles/$1" "$1"
}
last_line() { grep "\"container\":\"$1\"" "$LOG" | grep '"decision"' | tail -1; }
# the running one cached first: the least recently used of the three
run c-zlib zlib
for n in curl xml; do
        run "c-$n" "$n"
        runc --root "$ROOT" delete -f "c-$n" >/dev/null 2>&1
done
[ "$(grep -c '"decision":"allow"' "$LOG")" -eq 3 ] || fail "the hook did not allow the three starts: $(cat "$LOG")"
# entries: "image revision findings", sorted
entries() {
        "$P" cache ls --config "$CFG" --format json 2>/dev/null | python3 -c 'import json, sys
print("\n".join(sorted("%s %s %s" % (e["image"], e["db_revision"], e["findings"]) for e in json.load(sys.stdin)["entries"])))'
}
[ "$(entries | grep -c " $OLDREV 0$")" -eq 3 ] || fail "the three starts' entries: $(entries)"

# The update, under its unit: the recheck can't read the inventory
zlib_record "$T/extra"
out=$(as_unit portcullis-update timeout 300 "$P" db import --merge "$T/extra" --db "$DB" --config "$CFG" 2>&1) ||
        fail "import under the update unit: $out"
echo "$out"
NEWREV=$("$P" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
[ "$NEWREV" != "$OLDREV" ] || fail "the import did not change the revision"
grep -q "running containers: 1, 0 not allowed now, 0 now violating since the last check (none new), 1 not judged" <<<"$out" &&
        grep -q "^1 of them left to 'portcullis cache fill' (portcullis-fill.timer), which reads their inventories in the analysis sandbox this process could not run (inventory of $T/zlib: sandbox: .*): c-zlib$" <<<"$out" ||
        fail "the update's recheck does not say whom it left: $out"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 0 ] || fail "a now_violates line before the fill: $(grep now_violates "$LOG")"

# One fill run, under its unit, one entry re-matched at most
out=$(as_unit portcullis-fill timeout 300 "$P" cache fill --config "$CFG" --max-rematches 1 2>&1) ||
        fail "cache fill under its unit: $out"
echo "$out"
grep -q "^cache fill: judged 1 running container the recheck after the DB update left to it: 1 now violating since the last check (one now_violates audit line each), 0 still not judged$" <<<"$out" ||
        fail "the fill did not judge the container left to it: $out"
grep -q "^cache fill: re-matched 1 cache entry of another DB revision, the running containers' images first (0 already of the current one, 0 dropped), 2 left for the next run (at most 1 per run, none past 60 s)$" <<<"$out" ||
        fail "the fill's re-match within its bound: $out"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 1 ] || fail "not one now_violates line: $(grep now_violates "$LOG")"
grep '"event":"now_violates"' "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["container"] == "c-zlib" and d["verdict"] == "audit" and d["previous_verdict"] == "allow", d
assert d["findings"] == ["PCEX-CVE-2023-45853 zlib1g"] and d["identity_source"] == "inventory", d
assert d["db_revision"] == sys.argv[2] and d["previous_db_revision"] == sys.argv[1], d
' "$OLDREV" "$NEWREV" || fail "the now_violates line: $(grep now_violates "$LOG")"
# the running container's image first (the least recently used), its
# identity kept, at the new revision with the new finding
entries >"$T/entries1"
grep -qx "docker.io/library/zlib:1 $NEWREV 1" "$T/entries1" && [ "$(grep -c " $OLDREV 0$" "$T/entries1")" -eq 2 ] ||
        fail "after the first fill: $(cat "$T/entries1")"

# the next start of the image: a hit, with the new finding
run c-zlib2 zlib
line=$(last_line c-zlib2)
echo "$line" | grep -q '"cache":"hit"' || fail "the next start is not a hit: $line"
echo "$line" | grep -q 'PCEX-CVE-2023-45853' || fail "the hit lacks the new finding: $line"
id1=$(grep '"container":"c-zlib"' "$LOG" | grep '"decision"' | head -1 | grep -o '"identity":"[^"]*"')
echo "$line" | grep -q "$id1" || fail "the hit's identity is not the first start's ($id1): $line"

# the next run: the rest; then nothing stale, nothing re-matched
out=$(as_unit portcullis-fill timeout 300 "$P" cache fill --config "$CFG" 2>&1) || fail "cache fill 2: $out"
grep -q "^cache fill: re-matched 2 cache entries of another DB revision, .*(1 already of the current one, 0 dropped), 0 left" <<<"$out" ||
        fail "the second fill's re-match: $out"
grep -q "judged .* left to it" <<<"$out" && fail "the second fill judged again: $out"
[ "$(entries | grep -c " $NEWREV ")" -eq 3 ] || fail "after the second fill: $(entries)"
out=$(as_unit portcullis-fill timeout 300 "$P" cache fill --config "$CFG" 2>&1) || fail "cache fill 3: $out"
grep -q "^cache fill: re-matched 0 cache entries of another DB revision, .*(3 already of the current one, 0 dropped), 0 left" <<<"$out" ||
        fail "a fill with nothing stale: $out"
out=$("$P" cache rescan --config "$CFG" 2>&1) || fail "cache rescan: $out"
grep -q "^re-matched 0 entries in $T/cache.db against $DB (revision $NEWREV); 3 already of it$" <<<"$out" ||
        fail "a rescan with nothing stale: $out"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 1 ] || fail "not one now_violates line in the end: $(grep now_violates "$LOG")"

[ "$fails" -eq 0 ] || exit 1
echo "cache warm: ok"
