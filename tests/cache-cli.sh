#!/bin/bash
# portcullis cache ls/show/purge/gc as a user and the GC timer drive them:
# output, key prefixes, exit codes (0 done, 2 usage or error), a missing,
# unreadable or damaged cache file.  test-cache --fill/--twins fills it.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
FILL=${PC_BUILD_ROOT:?}/tests/test-cache
[ -x "$FILL" ] || { echo "skip: $FILL not built"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN -- ARGS...: exit code and a pattern in stdout+stderr
expect() {
        local code=$1 pat=$2 out rc
        shift 3
        out=$("$P" "$@" 2>&1); rc=$?
        [ "$rc" -eq "$code" ] || fail "portcullis $*: exit $rc, wanted $code: $out"
        [ -z "$pat" ] || grep -qE -- "$pat" <<<"$out" || fail "portcullis $*: no /$pat/ in: $out"
}

json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

C=$T/state/cache.db
mkdir -p "$T/state"
"$FILL" --fill "$C" 5 || fail "test-cache --fill"
filled=$(date +%s)

# ls: a header and one row per entry, newest use first; the identity stands
# in for a missing image name, cut to the column.
out=$("$P" cache ls --cache "$C"); rc=$?
[ "$rc" -eq 0 ] || fail "cache ls: exit $rc"
[ "$(wc -l <<<"$out")" -eq 6 ] || fail "cache ls: wanted 6 lines: $out"
grep -qE '^KEY +IMAGE +DB REVISION +PACKAGES +FINDINGS +LAST USED$' <<<"$out" || fail "cache ls header: $out"
grep -qE '^[0-9a-f]{12}  example.com/app:1 +sha256:11111111 +92 +0  <1m ago$' <<<"$out" || fail "cache ls row: $out"
grep -qE '  sha256:250{28}0*\.\.\.  ' <<<"$out" || fail "cache ls: identity not cut: $out"
grep -q '4m ago' <<<"$out" || fail "cache ls: age: $out"

# ls --format json: whole keys, numbers, newest first.
J=$("$P" cache ls --cache "$C" --format json) || fail "cache ls --format json"
json "e=d['entries']; assert d['cache'] == '$C' and len(e) == 5, d
assert all(len(x['key']) == 101 for x in e)
assert [x['findings'] for x in e] == [0, 1, 2, 3, 4], e
assert e[1]['image'] is None and e[0]['image'] == 'example.com/app:1' and e[0]['packages'] == 92
assert e[0]['last_used'] >= e[1]['last_used'] + 59" <<<"$J" || fail "cache ls json: $J"
K0=$(json "print(d['entries'][0]['key'])" <<<"$J")
K4=$(json "print(d['entries'][4]['key'])" <<<"$J")
expect 2 "table, json" -- cache ls --cache "$C" --format yaml
expect 2 "unexpected argument 'x'" -- cache ls x --cache "$C"

# show: the scan, pretty; a unique prefix of 6 or more digits, any case.
out=$("$P" cache show "${K0:0:8}" --cache "$C"); rc=$?
[ "$rc" -eq 0 ] || fail "cache show: exit $rc: $out"
json "assert d['target'] == 'sha256:' + '0' * 64 and d['findings'][0]['severity'] == 'HIGH'" <<<"$out" ||
        fail "cache show: $out"
[ "$(wc -l <<<"$out")" -gt 3 ] || fail "cache show: not pretty: $out"
expect 0 '"target"' -- cache show "$(tr a-f A-F <<<"${K0:0:10}")" --cache "$C"
expect 0 '"target"' -- cache show "$K4" --cache "$C"
expect 2 "at least 6 hex digits" -- cache show "${K0:0:5}" --cache "$C"
expect 2 "not a cache key" -- cache show zzzzzz --cache "$C"
expect 2 "not a cache key" -- cache show ../../etc --cache "$C"
expect 2 "give a KEY" -- cache show --cache "$C"
nokey=000000
grep -q "\"key\": \"$nokey" <<<"$J" && nokey=ffffff
expect 2 "no entry with key $nokey" -- cache show $nokey --cache "$C"

# An ambiguous prefix names the problem; one more digit settles it.
"$FILL" --twins "$C" || fail "test-cache --twins"
expect 2 "several entries have keys starting with c0ffee; give more characters" -- cache show c0ffee --cache "$C"
T1=$("$P" cache ls --cache "$C" --format json | json "print([x['key'] for x in d['entries'] if x['key'].startswith('c0ffee')][0])")
expect 0 '"target": "twin-' -- cache show "${T1:0:12}" --cache "$C"
expect 2 "several entries" -- cache purge c0ffee --cache "$C"
expect 0 "purged 1 entry from $C" -- cache purge "${T1:0:12}" --cache "$C"
expect 2 "no entry with key ${T1:0:12}" -- cache show "${T1:0:12}" --cache "$C"

# gc: TTL first (entries were last used 0, 1, 2, 3, 4 minutes before the
# fill, plus the remaining twin just now), then the count.  The TTL is 150 s
# plus the time since the fill, so that a slow machine removes the same two.
ttl=$((150 + $(date +%s) - filled))
expect 0 "removed 2 entries from $C \(unused for over $ttl s, or beyond the 10000 most recently used\); 4 left" -- \
        cache gc --ttl $ttl --cache "$C"
expect 0 "removed 0 entries .*; 4 left" -- cache gc --ttl $ttl --cache "$C"
expect 0 "removed 2 entries .*beyond the 2 most recently used\); 2 left" -- cache gc --max-entries 2 --cache "$C"
expect 2 "--ttl: 'soon' is not a count" -- cache gc --ttl soon --cache "$C"
expect 2 "--max-entries: '-1' is not a count" -- cache gc --max-entries -1 --cache "$C"
expect 2 "--ttl: '' is not" -- cache gc --ttl "" --cache "$C"

# purge: one by key, then all.
expect 0 "purged 1 entry from" -- cache purge "${K0:0:6}" --cache "$C"
expect 2 "no entry with key ${K0:0:6}" -- cache purge "${K0:0:6}" --cache "$C"
expect 0 "purged 1 entry from $C" -- cache purge --cache "$C"
out=$("$P" cache ls --cache "$C")
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "cache ls after purge: $out"
expect 2 "unexpected argument" -- cache purge a1b2c3 d4e5f6 --cache "$C"

# A cache that isn't there yet: nothing to list or collect, and not created.
expect 0 "no cache at $T/none.db yet" -- cache ls --cache "$T/none.db"
expect 0 '"entries": \[\]' -- cache ls --cache "$T/none.db" --format json
expect 0 "no cache at" -- cache gc --cache "$T/none.db"
expect 2 "no cache at" -- cache show abcdef --cache "$T/none.db"
[ ! -e "$T/none.db" ] || fail "cache ls created $T/none.db"

# Paths that can't be a cache: exit 2 naming them.
expect 2 "cache $T/state is not a Portcullis cache \(a folder\)" -- cache ls --cache "$T/state"
echo x >"$T/afile"
expect 2 "$T/afile" -- cache ls --cache "$T/afile/cache.db"
expect 2 "$T/afile" -- cache gc --cache "$T/afile/cache.db"

# Issue 11, 4: a file that isn't a cache (a wrong --cache) is never
# written or moved by any verb: exit 2 naming it and what to do.  The
# vulnerability DB first (the reported case), then random bytes.
"$P" db import "$SRC/feed" --db "$T/vulndb.sqlite" >/dev/null || fail "db import"
cp "$T/vulndb.sqlite" "$T/vulndb.copy"
head -c 5000 /dev/urandom >"$T/bad.db"
cp "$T/bad.db" "$T/bad.copy"
for f in vulndb.sqlite bad.db; do
        for verb in ls "show abcdef" purge gc "rescan --db $T/vulndb.copy"; do
                # shellcheck disable=SC2086 # the verb's words
                expect 2 "cache $T/$f is not a Portcullis cache \\(.*\\); it was left as it is.  Point \"cache\"" -- \
                        cache $verb --cache "$T/$f"
        done
        cmp -s "$T/$f" "$T/${f%.*}.copy" || fail "$T/$f was changed"
        ls "$T/$f".corrupt-* "$T/$f"-wal "$T/$f"-shm >/dev/null 2>&1 && fail "$T/$f: moved aside or -wal/-shm made"
done
expect 0 "^records: +16$" -- db status --db "$T/vulndb.sqlite"

# Ours, damaged (marked header, junk after it): the verbs that look or
# purge say so and leave it; gc (the timer's full check) moves it aside.
D=$T/damaged/cache.db
mkdir -p "$T/damaged"
"$FILL" --fill "$D" 3 || fail "test-cache --fill damaged"
rm -f "$D-wal" "$D-shm"
python3 -c "import sys; f=open(sys.argv[1], 'r+b'); f.seek(100); f.write(b'j' * 3996)" "$D"
cp "$D" "$T/damaged.copy"
expect 2 "damaged: .*'portcullis cache gc' moves it aside" -- cache ls --cache "$D"
expect 2 "damaged" -- cache purge --cache "$D"
cmp -s "$D" "$T/damaged.copy" || fail "$D was changed by ls/purge"
expect 0 "warning: $D was not a sound cache; it was moved aside" -- cache gc --cache "$D"
ls "$D".corrupt-* >/dev/null 2>&1 || fail "no $D.corrupt-*"
expect 0 "" -- cache ls --cache "$D"

# ls and show only read: the cache file and its WAL are the same after.
"$FILL" --fill "$T/ro/cache.db" 3 || fail "test-cache --fill ro"
sum() { cat "$T/ro/cache.db" "$T/ro/cache.db-wal" 2>/dev/null | sha256sum; }
before=$(sum)
K=$("$P" cache ls --cache "$T/ro/cache.db" --format json | json "print(d['entries'][0]['key'])")
expect 0 '"target"' -- cache show "$K" --cache "$T/ro/cache.db"
[ "$(sum)" = "$before" ] || fail "cache ls/show wrote to the cache"

# gc with a config also removes the hook's lock files nobody holds (one per
# image analysed since the boot), in its lock_dir; other names stay.
mkdir -p "$T/locks"
for k in 0a1b 2c3d 4e5f; do : >"$T/locks/$k.lock"; done
: >"$T/locks/notes.txt"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s"}\n' "$T/db.sqlite" "$T/ro/cache.db" "$T/locks" >"$T/config.json"
expect 0 "^removed 3 unused lock files from $T/locks$" -- cache gc --config "$T/config.json"
[ "$(ls "$T/locks")" = notes.txt ] || fail "cache gc: lock folder after: $(ls "$T/locks")"
expect 0 "^removed 0 unused lock files" -- cache gc --config "$T/config.json"
rm "$T/locks/notes.txt" && rmdir "$T/locks"
expect 0 "^removed 0 unused lock files from $T/locks$" -- cache gc --config "$T/config.json"
out=$("$P" cache gc --cache "$T/ro/cache.db" 2>&1)
grep -q "lock" <<<"$out" && fail "cache gc --cache without a config: pruned locks: $out"

expect 2 "expected ls, show, purge, gc, rescan or fill" -- cache
expect 2 "unknown subcommand 'frob'" -- cache frob
expect 0 "  cache  +list, show, purge" -- --help
expect 0 "Usage: portcullis cache ls" -- cache ls --help
expect 0 '"target"' -- cache show "$("$P" cache ls --cache "$T/ro/cache.db" --format json | json "print(d['entries'][0]['identity'])")" --cache "$T/ro/cache.db"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "cache-cli: all passed"
