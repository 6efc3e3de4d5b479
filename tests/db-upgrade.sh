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
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE meta SET value = ? WHERE key = ?", ("5", "schema_version")); c.commit()' "$DB"
before=$(sha256sum <"$DB")
schema() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT value FROM meta WHERE key = ?", ("schema_version",)).fetchone()[0])' "$DB"; }

for what in "--merge $T/more" "$T/known_exploited_vulnerabilities.json"; do
        # shellcheck disable=SC2086 # two words for --merge
        out=$("$P" db import $what --db "$DB" 2>&1) && fail "db import $what into a newer database: exit 0: $out"
        grep -q "import into $DB (the previous database is unchanged): $DB is of schema 5, written by a newer Portcullis, and this version reads 2 to 4: a merge .* nothing is written.  Upgrade Portcullis again, or rebuild it with this version: 'portcullis db update', or 'portcullis db import' of all its sources without --merge" <<<"$out" ||
                fail "db import $what into a newer database said: $out"
        [ "$(sha256sum <"$DB")" = "$before" ] || fail "db import $what changed the newer database (schema $(schema))"
        ls "$DB".new-* >/dev/null 2>&1 && fail "db import $what left its temporary database"
done

out=$("$P" db status --db "$DB" 2>&1) && fail "db status of a newer database: exit 0"
grep -q "$DB: schema version 5, written by a newer Portcullis (this build reads 2 to 4): upgrade Portcullis again, or rebuild the database with this version ('portcullis db update', or 'portcullis db import' of its sources without --merge)" <<<"$out" ||
        fail "db status of a newer database said: $out"

# What the message says to do works: a rebuild without --merge.
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || fail "the rebuild"
[ "$(schema)" = 3 ] || fail "the rebuild: schema $(schema)"
"$P" db import --merge "$T/more" --db "$DB" >/dev/null || fail "the merge after the rebuild"

# The other way round: this version's database read by an older one after
# a rollback.  A range the import could not read is kept as an unreadable
# one (osv-range.h, OSV_UNREADABLE, since c0588f1), which builds of schema
# 3 before that read as no range at all: every version of the package
# passed, in silence.  Such a file says schema 4, which every build of
# schema 3 refuses by name (its vulndb_open() and merge check, as above);
# one without stays 3, which they all read right.  This build reads both.
B=$T/rollback
DB=$B/db.sqlite
mkdir -p "$B/ok" "$B/bad"
zlib_record "$B/ok"
cat >"$B/bad/PCUR-2099-0002.json" <<'JSON'
{"id": "PCUR-2099-0002", "modified": "2026-12-01T00:00:00Z", "aliases": ["CVE-2099-0002"],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": 5}]}]}]}
JSON
unreadable() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM affected WHERE instr(ranges, char(1)) > 0").fetchone()[0])' "$DB"; }
"$P" db import "$B/ok" --db "$DB" >/dev/null 2>&1 || fail "import of a sound record"
[ "$(schema)" = 3 ] || fail "a database without unreadable ranges: schema $(schema), not 3 (what builds of schema 3 read)"
"$P" db import --merge "$B/bad" --db "$DB" >/dev/null 2>&1 || fail "merge of a damaged record"
[ "$(unreadable)" = 1 ] || fail "the damaged range was not kept as unreadable ($(unreadable) rows)"
[ "$(schema)" = 4 ] || fail "a merge that added an unreadable range: schema $(schema), not 4"
"$P" db import "$B/ok" "$B/bad" --db "$DB" >/dev/null 2>&1 || fail "import of a sound and a damaged record"
[ "$(schema)" = 4 ] || fail "an import holding an unreadable range: schema $(schema), not 4"
"$P" db import "$T/known_exploited_vulnerabilities.json" --db "$DB" >/dev/null 2>&1 || fail "KEV into schema 4"
[ "$(schema)" = 4 ] || fail "a KEV import relabelled the unreadable range's database: schema $(schema)"
out=$("$P" db status --db "$DB" 2>&1) || fail "db status of schema 4: $out"
grep -q '^schema: *4$' <<<"$out" || fail "db status of schema 4 said: $out"
R=$B/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n' \
        >"$R/var/lib/dpkg/status"
out=$("$P" scan "$R" --db "$DB" --format json 2>&1)
grep -q 'PCUR-2099-0002' <<<"$out" || fail "this build, schema 4: the unreadable range is not reported: $out"
"$P" db import --allow-shrink "$B/ok" --db "$DB" >/dev/null 2>&1 || fail "rebuild without the damaged record"
[ "$(schema)" = 3 ] || fail "a rebuild without unreadable ranges: schema $(schema), not 3"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
