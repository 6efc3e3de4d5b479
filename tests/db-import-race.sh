#!/bin/bash
# Two writers of one database at once: an import that merges records, held
# 2 s before its rename (strace -e inject=rename:delay_enter), and an
# import of a CISA KEV file meanwhile; then the same the other way round.
# Each import builds on the database it finds; when both read the same old
# file, the second rename dropped what the first had added, and its import
# had said "imported".  Both must be in the database at the end, and the
# one that waited said so.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }
T=$(mktemp -d /tmp/pc-dbrace-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), kev_catalog()

DB=$T/db.sqlite
mkdir -p "$T/more"
kev_catalog "$T/known_exploited_vulnerabilities.json"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
json.dump({"id": "PCT-RACE-1", "modified": "2026-12-01T00:00:00Z", "summary": "merged by the slow import",
           "affected": [{"package": {"ecosystem": "Debian:12", "name": "pc-race"},
                         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]},
          open(t + "/more/PCT-RACE-1.json", "w"))
PY
status() { "$P" db status --db "$DB" --format json; }
has_both() {
        status | python3 -c '
import json, sqlite3, sys
s = json.load(sys.stdin)
kev = (s.get("kev") or {}).get("count", 0)
n = sqlite3.connect(sys.argv[1]).execute("select count(*) from vuln where id = ?", ("PCT-RACE-1",)).fetchone()[0]
sys.exit(0 if kev == 1 and n == 1 else "KEV entries %s, PCT-RACE-1 %s" % (kev, n))' "$DB"
}
# slow SECONDS CMD...: CMD held SECONDS before its first rename
# (LeakSanitizer can't run under ptrace: a sanitizer build exits 134 there)
slow() {
        local s=$1
        shift
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -e trace=rename -e inject="rename:delay_enter=${s}000000:when=1" "$@" >"$T/slow.out" 2>&1
}
for order in records-first kev-first; do
        rm -f "$DB"
        "$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
        if [ $order = records-first ]; then
                slow 2 "$P" db import --merge "$T/more" --db "$DB" &
                quick=("$P" db import "$T/known_exploited_vulnerabilities.json" --db "$DB")
        else
                slow 2 "$P" db import "$T/known_exploited_vulnerabilities.json" --db "$DB" &
                quick=("$P" db import --merge "$T/more" --db "$DB")
        fi
        sleep 0.5
        OUT=$("${quick[@]}" 2>&1) || fail "$order: the quick import: $OUT"
        # its wait said, not a silent hang for as long as the other runs
        grep -q "db import: another import or update of $DB is running (it holds $DB.lock); waiting for it to finish" <<<"$OUT" ||
                fail "$order: the quick import did not say it waited: $OUT"
        wait $! || fail "$order: the slow import: $(cat "$T/slow.out")"
        grep -q "imported" "$T/slow.out" || fail "$order: the slow import said: $(cat "$T/slow.out")"
        msg=$(has_both 2>&1) || fail "$order: one import's data is gone after both said they imported: $msg"
done

# A writer that takes no lock: f3472aa and older imported and renamed
# without <db>.lock (the previous version's update timer during an
# upgrade).  Here it is the same import into a copy, renamed over the
# database, as that version did, while the slow merge waits after its
# fsync of the new file (its last step before the check and the rename).  The merge renamed over it and the old import's KEV data was gone
# although it had said "imported"; now the merge writes nothing and says why.
rm -f "$DB"
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o /dev/null -e trace=fsync \
        -e inject=fsync:delay_exit=2000000:when=1 "$P" db import --merge "$T/more" --db "$DB" >"$T/slow.out" 2>&1 &
sleep 0.5
cp "$DB" "$T/old-writer.sqlite"
"$P" db import "$T/known_exploited_vulnerabilities.json" --db "$T/old-writer.sqlite" >/dev/null ||
        fail "no-lock writer: the KEV import"
mv "$T/old-writer.sqlite" "$DB"
wait $! && fail "no-lock writer: the slow merge renamed over a database it did not read: $(cat "$T/slow.out")"
grep -q "import into $DB: the database was replaced while this import ran, by a writer that does not take $DB.lock.*run the import again" \
        "$T/slow.out" || fail "no-lock writer: the slow merge said: $(cat "$T/slow.out")"
status | python3 -c 'import json, sys; sys.exit(0 if (json.load(sys.stdin).get("kev") or {}).get("count") == 1 else 1)' ||
        fail "no-lock writer: its KEV data is gone"
ls "$DB".new-* 2>/dev/null && fail "no-lock writer: the merge left its temporary database"
"$P" db import --merge "$T/more" --db "$DB" >/dev/null || fail "no-lock writer: the merge again"
msg=$(has_both 2>&1) || fail "no-lock writer: after the merge again: $msg"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
