#!/bin/bash
# OSV records that feeds write oddly, end to end: `db import` of the
# records, then `scan --format json` of a small rootfs (a Debian 12 dpkg
# status, a Python dist-info, an npm package).  Whatever a record says
# about an installed package must either be a finding or be named as not
# checked; never a clean pass in silence.
set -u
P=${PORTCULLIS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$R/usr/lib/python3/dist-packages" "$R/app/node_modules/lodash"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$R/etc/os-release"
printf 'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n\n' \
        >"$R/var/lib/dpkg/status"
dist_info "$R/usr/lib/python3/dist-packages" requests 2.28.1
printf '{"name": "lodash", "version": "4.17.20"}\n' >"$R/app/node_modules/lodash/package.json"
mkdir -p "$R/srv/web/vendor/composer"
printf '{"packages": [{"name": "drupal/token", "version": "1.11.0", "version_normalized": "1.11.0.0", "type": "drupal-module"}]}\n' \
        >"$R/srv/web/vendor/composer/installed.json"

# record ID ECOSYSTEM NAME AFFECTED-REST: one record in the feed folder.
F=$T/feed
mkdir -p "$F"
record() {
        printf '{"id": "%s", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "%s", "name": "%s"}%s}]}\n' \
                "$1" "$2" "$3" "$4" >"$F/$1.json"
}
# A plain one per ecosystem, so that each is covered.
record PLAIN-DEB Debian:12 openssl ', "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}]}]'
record PLAIN-PYPI PyPI requests ', "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]'
record PLAIN-NPM npm lodash ', "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]'
# Entries that name the installed package but no version of it: GIT ranges
# alone (commits), no ranges and no versions, a range without introduced
# (the schema requires one), a range type OSV does not define.
record GIT-ONLY PyPI requests ', "ranges": [{"type": "GIT", "repo": "https://github.com/psf/requests", "events": [{"introduced": "0"}, {"fixed": "0123456789abcdef0123456789abcdef01234567"}]}]'
record NO-RANGES npm lodash ''
record NO-INTRODUCED Debian:12 openssl ', "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "3.0.14-1~deb12u1"}]}]'
record LOWER-TYPE PyPI requests ', "ranges": [{"type": "ecosystem", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]'
# GIT ranges with the versions they stand for: placed by the list.
record GIT-VERSIONS PyPI requests ', "ranges": [{"type": "GIT", "repo": "https://github.com/psf/requests", "events": [{"introduced": "0"}]}], "versions": ["2.28.0", "2.28.1"]'
# The ecosystem spelled in another case: the same ecosystem (its comparator
# and name rules applied), so it must match the packages too.
record LOWER-ECO-PYPI pypi Requests ', "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.30.0"}]}]'
record LOWER-ECO-DEB debian:12 openssl ', "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.12-1~deb12u1"}]}]'
sed -i '1s/^/[/; $s/$/]/' "$F/LOWER-ECO-DEB.json"      # in an array: the import's other path
# A language ecosystem with the registry it is published in (OSV's Drupal
# modules): the package in an image is the same, and says no registry.
record DRUPAL Packagist:https://packages.drupal.org/8 drupal/token ', "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.12.0"}]}]'
# Two copies of one id, the newer withdrawn within the same second as the
# older was modified (the schema allows a fraction of a second): the newer
# wins, whichever comes first (the folders 1/ and 2/ are read in order).
copy() {
        mkdir -p "$F/$1"
        printf '{"id": "%s", "modified": "%s",%s "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}\n' \
                "$2" "$3" "$4" >"$F/$1/$2.json"
}
copy 1 FRACTION-LATER 2024-03-01T10:00:00Z ''
copy 2 FRACTION-LATER 2024-03-01T10:00:00.25Z ' "withdrawn": "2024-03-01T10:00:00.25Z",'
copy 1 FRACTION-FIRST 2024-03-01T10:00:00.51Z ' "withdrawn": "2024-03-01T10:00:00.51Z",'
copy 2 FRACTION-FIRST 2024-03-01T10:00:00.5Z ''
# The same copy twice is no newer copy; the same 'modified' with other
# content is a feed's mistake, said with the first such id.
copy 1 SAME-TWICE 2024-03-01T10:00:00Z ''
copy 2 SAME-TWICE 2024-03-01T10:00:00Z ''
copy 1 SAME-MODIFIED 2024-03-01T10:00:00Z ''
copy 2 SAME-MODIFIED 2024-03-01T10:00:00Z ' "summary": "other content",'
# "withdrawn": "" (a generator's empty field) is no time: the record is
# skipped and said, not imported as withdrawn and matched with nothing.
printf '{"id": "WITHDRAWN-EMPTY", "modified": "2024-01-01T00:00:00Z", "withdrawn": "", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.33.0"}]}]}]}\n' \
        >"$F/WITHDRAWN-EMPTY.json"

DB=$T/vulndb.sqlite
"$P" db import "$F" --db "$DB" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
grep -q "skipped $F/WITHDRAWN-EMPTY.json: field 'withdrawn' is not an RFC 3339 time" "$T/import.out" ||
        fail "import: withdrawn \"\" not named: $(cat "$T/import.out")"
grep -q "; 1 skipped, 0 kept without a bad part, 2 superseded by newer copies, 1 seen again unchanged$" "$T/import.out" ||
        fail "import: the copies not counted as they are: $(cat "$T/import.out")"
grep -q "warning: db import: 1 records came again with the same 'modified' but other bytes (first: SAME-MODIFIED)" \
        "$T/import.out" || fail "import: the conflicting copies not said: $(cat "$T/import.out")"
# A feed's file name is quoted as one printable line (a zip entry's name is
# the feed's to choose as much as this one).
mkdir "$T/evil-feed"
echo '{not json' >"$T/evil-feed/"$'a\e[31mRED\r\xc2\x9bX.json'
"$P" db import "$T/evil-feed" --db "$T/evil.sqlite" >"$T/evil.out" 2>&1
LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$T/evil.out" && fail "import: a control character: $(cat -v "$T/evil.out")"
grep -qF "skipped $T/evil-feed/a?[31mRED???X.json: not valid JSON" "$T/evil.out" ||
        fail "import: the file not named: $(cat -v "$T/evil.out")"
# An ecosystem is the feed's string too: db status shows it printable.
printf '{"id": "EVIL-ECO", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Deb\\u001b]0;T\\u0007ian:12\\r\\u202eX", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}\n' \
        >"$T/evil-feed/eco.json"
"$P" db import "$T/evil-feed" --db "$T/evil.sqlite" >/dev/null 2>&1
"$P" db status --db "$T/evil.sqlite" >"$T/status.out" 2>&1 || fail "db status: $(cat -v "$T/status.out")"
LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]|\xe2\x80\xae' "$T/status.out" && fail "db status: a control character: $(cat -v "$T/status.out")"
grep -qxF "ecosystem:   Deb?]0;T?ian:12????X=1" "$T/status.out" || fail "db status: the ecosystem: $(cat -v "$T/status.out")"
"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err"
[ $? -le 1 ] || fail "scan: $(cat "$T/scan.err")"
python3 - "$T/scan.json" <<'PY' || fail "scan: $(cat "$T/scan.json")"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["id"], f["package"]) for f in d["findings"])
want = sorted([("PLAIN-DEB", "libssl3"), ("PLAIN-PYPI", "requests"), ("PLAIN-NPM", "lodash"),
               ("GIT-VERSIONS", "requests"), ("LOWER-ECO-PYPI", "requests"), ("LOWER-ECO-DEB", "libssl3"),
               ("DRUPAL", "drupal/token"), ("SAME-TWICE", "requests"), ("SAME-MODIFIED", "requests")])
assert got == want, "findings %s" % got
unchecked = {}
for u in d["unchecked"]:
    assert u["kind"] == "record_error", u
    rec = u["reason"].split()[1]
    unchecked[rec] = (u["subject"], u["reason"])
want = {
    "GIT-ONLY": ("requests 2.28.1", "only GIT ranges (commits) and no 'versions' list"),
    "NO-RANGES": ("lodash 4.17.20", "no ranges and no 'versions' list"),
    "NO-INTRODUCED": ("libssl3 3.0.11-1~deb12u1", "no 'introduced' event"),
    "LOWER-TYPE": ("requests 2.28.1", "ranges[].type 'ecosystem' is none of OSV's"),
}
assert sorted(unchecked) == sorted(want), "unchecked %s" % unchecked
for rec, (subject, why) in want.items():
    assert unchecked[rec][0] == subject and why in unchecked[rec][1], (rec, unchecked[rec])
PY
# ... and the database counts it under the ecosystem's own name.
"$P" db status --db "$DB" >"$T/status.out" 2>&1 || fail "db status: $(cat "$T/status.out")"
grep -qE '(pypi|debian:12)=' "$T/status.out" && fail "db status: an ecosystem kept in the record's case: $(cat "$T/status.out")"

# Nothing valid into a database that is not there: refused, and said so
# (not "left as it was": there is none).
mkdir -p "$T/none"
printf '{"not": "osv"}\n' >"$T/none/x.json"
out=$("$P" db import "$T/none" --db "$T/new.sqlite" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "import of nothing into a new database: exit $rc: $out"
grep -q "no valid record (see the skipped files), so no database is written to $T/new.sqlite" <<<"$out" ||
        fail "import of nothing into a new database: $out"
grep -q "left as it was" <<<"$out" && fail "import of nothing into a new database: says it was left: $out"
[ -e "$T/new.sqlite" ] && fail "import of nothing: $T/new.sqlite written"
# A folder with no .json at all (OSV's files renamed, a wrong folder): no
# "see the skipped files" when none was skipped.
mkdir -p "$T/no-json"
: >"$T/no-json/README.txt"
out=$("$P" db import "$T/no-json" --db "$T/new.sqlite" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "no valid record (no .json document was found in the paths), so no database" <<<"$out" ||
        fail "import of a folder without .json: exit $rc: $out"

# A merge whose newer copy withdraws an ecosystem's only record: the total
# holds (a withdrawn record is still one), the ecosystem's count does not,
# and the refusal says so instead of "1 records where it holds 1, fewer
# than half".
mkdir -p "$T/w1" "$T/w2"
printf '{"id": "W-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Hex", "name": "plug"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}]}]}\n' \
        >"$T/w1/W-1.json"
sed 's/"2024-01-01T00:00:00Z",/"2024-02-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z",/' "$T/w1/W-1.json" >"$T/w2/W-1.json"
"$P" db import "$T/w1" --db "$T/w.sqlite" >/dev/null 2>&1 || fail "import of W-1"
out=$("$P" db import "$T/w2" --db "$T/w.sqlite" --merge 2>&1); rc=$?
[ $rc -eq 2 ] || fail "merge of a withdrawal: exit $rc: $out"
grep -q "fewer than half of the records that name packages of an ecosystem $T/w.sqlite has (Hex: 0 of 1; a withdrawn record names none)" <<<"$out" ||
        fail "merge of a withdrawal: $out"
grep -q "yields 1 records where" <<<"$out" && fail "merge of a withdrawal: counts that hold called fewer than half: $out"
"$P" db import "$T/w2" --db "$T/w.sqlite" --merge --allow-shrink >/dev/null 2>&1 || fail "merge of a withdrawal, --allow-shrink"

# A database an older import wrote counts an ecosystem under its old
# spelling ("Packagist:https://packages.drupal.org/8", "pypi"): the next
# import counts the same records under the new one, which is no loss (else
# the first db update after an upgrade would be refused).
mkdir -p "$T/o"
cp "$F/DRUPAL.json" "$F/LOWER-ECO-PYPI.json" "$T/o/"
"$P" db import "$T/o" --db "$T/o.sqlite" >/dev/null 2>&1 || fail "import of the old-spelling feed"
python3 - "$T/o.sqlite" <<'PY' || fail "set the old spellings"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value = ? WHERE key = 'ecosystems'",
           (json.dumps({"Packagist:https://packages.drupal.org/8": 1, "pypi": 1}),))
db.commit()
PY
out=$("$P" db import "$T/o" --db "$T/o.sqlite" 2>&1) || fail "import over a database with the old spellings: $out"

[ "$fails" -eq 0 ] || exit 1
echo "ok: odd OSV records are findings or named as not checked"
