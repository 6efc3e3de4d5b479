#!/bin/bash
# A vulnerability database a newer Portcullis wrote, met by this version (a
# rollback, or this version's timer or CLI still running during an
# upgrade).  Its format is this build's with meta's schema_version above
# VULNDB_SCHEMA_VERSION (lib/vulndb/vulndb.h), which is how a newer build
# says its rows follow other rules.  A merge (--merge, or a KEV file
# alone) kept its rows and relabelled the file as this schema, so that
# this version, and the newer one, read them by the wrong rules; it must
# write nothing and say what to do.  Reading it names the newer version.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), zlib_record(), kev_catalog()

DB=$T/db.sqlite
zlib_record "$T/more"
kev_catalog "$T/known_exploited_vulnerabilities.json"
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE meta SET value = ? WHERE key = ?", ("4", "schema_version")); c.commit()' "$DB"
before=$(sha256sum <"$DB")
schema() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT value FROM meta WHERE key = ?", ("schema_version",)).fetchone()[0])' "$DB"; }

for what in "--merge $T/more" "$T/known_exploited_vulnerabilities.json"; do
        # shellcheck disable=SC2086 # two words for --merge
        out=$("$P" db import $what --db "$DB" 2>&1) && fail "db import $what into a newer database: exit 0: $out"
        grep -q "import into $DB (the previous database is unchanged): $DB is of schema 4, written by a newer Portcullis, and this version reads 2 to 3: a merge .* nothing is written.  Upgrade Portcullis again, or rebuild it with this version: 'portcullis db update', or 'portcullis db import' of all its sources without --merge" <<<"$out" ||
                fail "db import $what into a newer database said: $out"
        [ "$(sha256sum <"$DB")" = "$before" ] || fail "db import $what changed the newer database (schema $(schema))"
        ls "$DB".new-* >/dev/null 2>&1 && fail "db import $what left its temporary database"
done

out=$("$P" db status --db "$DB" 2>&1) && fail "db status of a newer database: exit 0"
grep -q "$DB: schema version 4, written by a newer Portcullis (this build reads 2 to 3): upgrade Portcullis again, or rebuild the database with this version ('portcullis db update', or 'portcullis db import' of its sources without --merge)" <<<"$out" ||
        fail "db status of a newer database said: $out"

# What the message says to do works: a rebuild without --merge.
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || fail "the rebuild"
[ "$(schema)" = 3 ] || fail "the rebuild: schema $(schema)"
"$P" db import --merge "$T/more" --db "$DB" >/dev/null || fail "the merge after the rebuild"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
