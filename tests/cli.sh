#!/bin/bash
# The CLI as a user drives it: exit codes (0 pass, 1 policy, 2 usage/error),
# messages that name the file and what to do, the JSON contract, colour only
# on a TTY and never with NO_COLOR.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
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

# A small Debian 12 rootfs: curl one update behind DSA-5523-1, apt, and a
# removed package that must not count.
R=$T/rootfs
mkdir -p "$R/etc" "$R/usr/lib" "$R/var/lib/dpkg"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$R/usr/lib/os-release"
ln -s ../usr/lib/os-release "$R/etc/os-release"
cat >"$R/var/lib/dpkg/status" <<'STATUS'
Package: libcurl4
Status: install ok installed
Architecture: amd64
Source: curl
Version: 7.88.1-10+deb12u3

Package: apt
Status: install ok installed
Architecture: amd64
Version: 2.6.1

Package: openssh-client
Status: deinstall ok config-files
Architecture: amd64
Source: openssh
Version: 1:9.2p1-2+deb12u2
STATUS

DB=$T/vulndb.sqlite
expect 2 "Usage" -- 
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 0 "  scan  +scan a root filesystem" -- --help
expect 2 "expected one TARGET" -- scan
expect 2 "db import" -- scan "$R" --db "$T/none.sqlite"
expect 2 "$T/nope" -- scan "$T/nope" --db "$DB"
# inventory says it as scan does: no advice to fix a file in an image that is not there
expect 2 "^portcullis: inventory $T/nope: no file or folder '$T/nope': give an unpacked root filesystem or an image file \(docker save tarball, OCI layout folder or tar\)$" -- \
        inventory "$T/nope"
expect 2 "at least one PATH" -- db import --db "$DB"
# ... and says no database is written: there is no previous one to be "unchanged"
expect 2 "import into $DB \(no database is written\): $T/missing-feed" -- db import "$T/missing-feed" --db "$DB"
printf '{"update": {"state_dir": "%s/update"}, "cache": "%s/update-cache.db"}\n' "$T" "$T" >"$T/update-config.json"
expect 2 "update $DB \(no database is written\): Debian:12: all.zip: no source could serve it" -- \
        db update --config "$T/update-config.json" --db "$DB" --source http://127.0.0.1:1/ --ecosystem Debian:12
# the folders it makes are 0700 whatever the umask, as README says and
# tmpfiles.d makes them (it may make /var/lib/portcullis before the hook)
[ "$(stat -c %a "$T/update")" = 700 ] || fail "db update made its state folder $(stat -c %a "$T/update")"
[ ! -e "$DB" ] || fail "a failed import left a database behind"
# A tar among other paths is no OSV record: refused whole, not skipped as
# "not valid JSON" while the rest imports (a signed DB silently not installed).
tar -cf "$T/db.tar" -C "$SRC" feed
expect 2 "^portcullis: db import: $T/db.tar is a tar file, which db import takes only alone" -- \
        db import "$SRC/feed" "$T/db.tar" --db "$DB"
[ ! -e "$DB" ] || fail "db import of records and a tar wrote $DB"
expect 0 "imported 16 records" -- db import "$SRC/feed" --db "$DB"
# What a killed import left beside the DB (a full-size copy each time) is
# removed by the next import, as by 'db update'; a running one's (held
# with flock) is not.
head -c 65536 /dev/zero >"$DB.new-Killed"
head -c 65536 /dev/zero >"$DB.new-Runnin"
if command -v flock >/dev/null; then
        flock "$DB.new-Runnin" sleep 30 &
        holder=$!
        for _ in $(seq 50); do flock -n "$DB.new-Runnin" true || break; sleep 0.1; done
        expect 0 "removed $T/vulndb.sqlite.new-Killed, left by an interrupted import" -- db import "$SRC/feed" --db "$DB"
        [ ! -e "$DB.new-Killed" ] && [ -e "$DB.new-Runnin" ] || fail "db import: $(ls "$T" | grep new-)"
        kill "$holder"
        wait "$holder" 2>/dev/null
fi
rm -f "$DB.new-Runnin" "$DB.new-Killed"
expect 0 "records: +16" -- db status --db "$DB"
# Output that can't be written (a full disk under '> report.json') is an
# error, not an empty file behind exit status 0.
if [ -w /dev/full ]; then
        for cmd in "scan $R --db $DB --format json" "inventory $R --format json" "db status --db $DB"; do
                # shellcheck disable=SC2086
                out=$("$P" $cmd 2>&1 >/dev/full); rc=$?
                [ "$rc" -eq 2 ] && grep -q "^portcullis: write the output to stdout: No space left on device; what was printed is incomplete" <<<"$out" ||
                        fail "portcullis $cmd >/dev/full: exit $rc: $out"
        done
fi
expect 0 "Debian:12=16" -- db status --db "$DB"
PORTCULLIS_DB=$DB "$P" db status --format json | json 'assert d["records"] == 16 and d["revision"].startswith("sha256:")' ||
        fail "db status json"
# Without --db or $PORTCULLIS_DB, scan and db import use config.json's
# "db" (the hook's database on a node), not a default path beside it: they
# scanned against, and imported into, a database the gate never read.
printf '{"db": "%s/configured.sqlite"}\n' "$T" >"$T/db-config.json"
expect 0 "imported 16 records .* into $T/configured.sqlite" -- db import "$SRC/feed" --config "$T/db-config.json"
rev=$("$P" db status --db "$T/configured.sqlite" --format json | json 'print(d["revision"])')
"$P" scan "$R" --config "$T/db-config.json" --format json 2>/dev/null | json "assert d['revision'] == '$rev', d['revision']" ||
        fail "scan --config: not the configured database's revision"
expect 2 "scan: .*nope.json" -- scan "$R" --config "$T/nope.json"
PORTCULLIS_DB=$T/none.sqlite "$P" scan "$R" --config "$T/db-config.json" >/dev/null 2>&1 &&
        fail "scan: \$PORTCULLIS_DB did not come before config.json's db"
# --db wins over the config's "db", but a --config named beside it is read
# all the same: one that is missing is an error, not passed over
expect 2 "scan: .*nope.json" -- scan "$R" --config "$T/nope.json" --db "$T/configured.sqlite"
expect 0 "" -- scan "$R" --config "$T/db-config.json" --db "$T/configured.sqlite"

# A FILE given without its option would be another file than the one
# described: "db status X" showed the configured database, "report X"
# config.json's log.  Refused, naming the option.
expect 2 "^portcullis: db status: unexpected argument '$T/other.sqlite'; give the database with --db FILE$" -- \
        db status "$T/other.sqlite" --db "$DB"
: >"$T/empty.log"
expect 2 "^portcullis: report: unexpected argument '$T/other.log'; give the audit log with --log FILE$" -- \
        report "$T/other.log" --log "$T/empty.log"

# The scan: JSON contract and content.
"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" || fail "scan exit"
json '
f = {(x["id"], x["package"]): x for x in d["findings"]}
assert set(d) >= {"os", "revision", "summary", "findings"}, d.keys()
assert d["os"] == {"id": "debian", "version": "12", "ecosystem": "Debian:12"}, d["os"]
c = f[("PCEX-CVE-2023-38545", "libcurl4")]
assert c["installed_version"] == "7.88.1-10+deb12u3" and c["source_name"] == "curl", c
assert c["fixed_version"] == "7.88.1-10+deb12u4" and c["status"] == "fixed", c
assert c["severity"] == "CRITICAL" and c["severity_source"] == "cvss_v3", c
assert c["cvss"]["score"] == 9.8 and c["cvss"]["version"] == "3.1", c
assert c["aliases"] == ["CVE-2023-38545"], c
a = f[("PCEX-CVE-2011-3374", "apt")]
assert a["severity"] == "LOW" and a["severity_source"] == "debian", a
assert a["fixed_version"] is None and a["status"] == "affected", a
assert not any(k[1].startswith("openssh") for k in f), "removed package matched"
assert d["summary"]["total"] == 2 and d["summary"]["fixable"] == 1 and d["summary"]["CRITICAL"] == 1, d["summary"]
' <"$T/scan.json" || fail "scan JSON content"

# Policy exit codes and filters.
expect 1 "" -- scan "$R" --db "$DB" --fail-on HIGH
# --severity narrows what is shown, not what --fail-on weighs: a CRITICAL
# finding it hides still fails the scan, and says so.
expect 1 "--fail-on CRITICAL: the scan fails on findings --severity does not show \(1 CRITICAL\)" -- \
        scan "$R" --db "$DB" --fail-on CRITICAL --severity LOW
expect 1 "\(1 CRITICAL\)" -- scan "$R" --db "$DB" --fail-on HIGH --severity HIGH
expect 0 "" -- scan "$R" --db "$DB" --fail-on CRITICAL --package apt
# A --package the target has no package of shows no finding, as a clean
# package does: said on stderr and in the JSON's warnings.
expect 0 "warning: --package opensll: $R has no package of that name \(binary or source\)" -- \
        scan "$R" --db "$DB" --package opensll
"$P" scan "$R" --db "$DB" --package opensll --format json 2>/dev/null |
        json 'assert d["findings"] == [] and any("--package opensll:" in w for w in d["warnings"]), d["warnings"]' ||
        fail "scan --package opensll --format json: no warning in the JSON"
out=$("$P" scan "$R" --db "$DB" --package curl 2>&1 >/dev/null)
[ -z "$out" ] || fail "scan --package curl (a source name): $out"
# A finding of UNKNOWN severity (its advisory rated nowhere) is not checked
# against --fail-on, whatever --severity shows.
mkdir "$T/unrated"
python3 - "$SRC/feed/debian12/PCEX-CVE-2011-3374.json" "$T/unrated/PCEX-UNRATED-1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["id"], r["aliases"] = "PCEX-UNRATED-1", []
r.pop("severity")
r["affected"][0].pop("ecosystem_specific")
json.dump(r, open(sys.argv[2], "w"))
PY
expect 0 "" -- db import "$T/unrated" --db "$T/unrated.sqlite"
expect 1 "not checked against --fail-on HIGH: 1 finding of UNKNOWN" -- \
        scan "$R" --db "$T/unrated.sqlite" --fail-on HIGH --severity CRITICAL,HIGH
expect 0 "" -- scan "$R" --db "$T/unrated.sqlite" --fail-on HIGH --severity CRITICAL,HIGH --allow-unchecked
expect 1 "Total: 0" -- scan "$R" --db "$DB" --ignore-unfixed --severity LOW --fail-on LOW
expect 0 "Total: 0" -- scan "$R" --db "$DB" --ignore-unfixed --severity LOW
expect 2 "unknown severity 'SEVERE'" -- scan "$R" --db "$DB" --fail-on SEVERE
# --unknown-as / --allow-unchecked without --fail-on change nothing: said
expect 0 "warning: scan: --unknown-as has no effect without --fail-on SEVERITY" -- scan "$R" --db "$DB" --unknown-as HIGH
expect 0 "warning: scan: --allow-unchecked has no effect without --fail-on SEVERITY" -- scan "$R" --db "$DB" --allow-unchecked
out=$("$P" scan "$R" --db "$DB" --fail-on CRITICAL --unknown-as HIGH 2>&1)
grep -q "has no effect" <<<"$out" && fail "scan --fail-on --unknown-as: warned: $out"
# an empty --severity exited 2 without a word
expect 2 "^portcullis: --severity: ',' names no severity" -- scan "$R" --db "$DB" --severity ,
expect 2 "^portcullis: --severity: '' names no severity" -- scan "$R" --db "$DB" --severity ""
expect 2 "unknown severity 'bad'" -- scan "$R" --db "$DB" --severity HIGH,bad
expect 2 "'yaml' is not one of table, json" -- scan "$R" --db "$DB" --format yaml

# --output FILE: the same report, written whole; an old file is replaced,
# a missing folder is an error naming the file and leaving nothing behind.
echo old >"$T/out.json"
"$P" scan "$R" --db "$DB" --format json --output "$T/out.json" >"$T/out.stdout" || fail "scan --output exit"
[ ! -s "$T/out.stdout" ] || fail "scan --output also printed: $(cat "$T/out.stdout")"
cmp -s "$T/out.json" "$T/scan.json" || fail "scan --output differs from stdout's JSON"
"$P" inventory "$R" --output "$T/inv.txt" && grep -q "^libcurl4 " "$T/inv.txt" || fail "inventory --output table"
expect 2 "--output $T/no/such/x.json: .*give a path in a folder that exists" -- scan "$R" --db "$DB" --format json --output "$T/no/such/x.json"
[ -z "$(ls "$T" | grep 'tmp-')" ] || fail "--output left a temporary file: $(ls "$T")"

# report --output (table, JSON, --html) writes what stdout would show; the
# page's DOM is tested in tests/report-html-browser.py.
printf '%s\n' '{"time": "2026-11-22T10:05:00.000Z", "container": "c1", "image": "app:1", "decision": "deny"}' \
        '{"time": "2026-11-22T11:05:00.000Z", "container": "c2", "image": "web:2", "decision": "allow"}' >"$T/audit.log"
for f in "" "--format json" "--html"; do
        # shellcheck disable=SC2086
        "$P" report --log "$T/audit.log" $f >"$T/report.stdout" &&
                "$P" report --log "$T/audit.log" $f --output "$T/report.out" >"$T/report.out.stdout" &&
                cmp -s "$T/report.stdout" "$T/report.out" && [ ! -s "$T/report.out.stdout" ] ||
                fail "report $f --output: not what stdout shows"
done
grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; " "$T/report.out" &&
        grep -q 'data-hour="2026-11-22T10" data-deny="1"' "$T/report.out" || fail "report --html: $(head -c 300 "$T/report.out")"
# the running containers' recheck writes now_violates lines (no decision)
# to the same log: counted as such, never as lines that are not records
cp "$T/audit.log" "$T/events.log"
printf '%s\n' '{"time": "2026-11-22T12:00:00.000Z", "event": "now_violates", "container": "c2", "image": "web:2", "verdict": "deny", "previous_verdict": "allow"}' >>"$T/events.log"
# ... and cache fill's cache_filled lines: no decision, not skipped either
printf '%s\n' '{"time": "2026-11-22T12:01:00.000Z", "event": "cache_filled", "container": "c3", "image": "slow:3", "identity": "sha256:ab", "duration_ms": 900}' >>"$T/events.log"
# ... and a start on_timeout allowed without a check is marked allow?
printf '%s\n' '{"time": "2026-11-22T12:05:00.000Z", "container": "c3", "image": "slow:3", "decision": "allow", "reason": "no decision within the deadline"}' >>"$T/events.log"
expect 0 "^3 decisions shown .*allow\? = started unchecked, its check failed.; 1 now_violates event of running containers judged again after a DB change .portcullis ps --changed-since.$" -- \
        report --log "$T/events.log"
expect 0 " allow\? slow:3 .*no decision within the deadline" -- report --log "$T/events.log"
expect 0 " allow  web:2 " -- report --log "$T/events.log"
"$P" report --log "$T/events.log" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["decisions"]) == 3 and d["events"] == 1 and d["skipped"] == 0, d' || fail "report --format json: the now_violates line"
"$P" report --log "$T/events.log" --html | grep -q "<b id=\"decisions\">3</b> decisions, 1 now_violates event of running" ||
        fail "report --html: the now_violates line"

# the policy's hashes are those of the page's one style and one script
python3 -c '
import base64, hashlib, re, sys
page = open(sys.argv[1]).read()
h = lambda m: "\x27sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "\x27"
csp = re.search(r"Content-Security-Policy\" content=\"([^\"]*)", page).group(1)
want = "default-src \x27none\x27; style-src %s; script-src %s; base-uri \x27none\x27; form-action \x27none\x27" % (
    h(re.search(r"<style>(.*?)</style>", page, re.S)), h(re.search(r"<script>(.*?)</script>", page, re.S)))
sys.exit(csp != want)' "$T/report.out" || fail "report --html: the Content-Security-Policy's hashes"
expect 2 "report: --html and --format json: give one of them" -- report --log "$T/audit.log" --html --format json
# A log past 256 MiB (never rotated; a sparse one here): its newest 256 MiB
# are read, from the first whole line, and that is said.
truncate -s 300M "$T/big.log"
printf 'cut\n' >>"$T/big.log"
cat "$T/audit.log" >>"$T/big.log"
n=$("$P" report --log "$T/big.log" --format json 2>"$T/big.err" | json 'print(len(d["decisions"]))') ||
        fail "report of a 300 MiB log: $(cat "$T/big.err")"
[ "$n" = 2 ] || fail "report of a 300 MiB log: $n decisions, wanted 2"
grep -q "big.log is 300 MiB: only the decisions in its newest 256 MiB were read; rotate it" "$T/big.err" ||
        fail "report of a 300 MiB log said: $(cat "$T/big.err")"
rm -f "$T/big.log"
"$P" scan "$R" --db "$DB" --format html | grep -q '^<!DOCTYPE html>' || fail "scan --format html"

# --package (binary or source name), --sort.
n=$("$P" scan "$R" --db "$DB" --package curl --format json | json 'print(",".join(f["package"] for f in d["findings"]), d["summary"]["total"])')
[ "$n" = "libcurl4 1" ] || fail "scan --package curl: $n"
n=$("$P" scan "$R" --db "$DB" --package apt --format json | json 'print(",".join(f["id"] for f in d["findings"]))')
[ "$n" = "PCEX-CVE-2011-3374" ] || fail "scan --package apt: $n"
order() { "$P" scan "$R" --db "$DB" "$@" --format json | json 'print(" ".join(f["package"] for f in d["findings"]))'; }
[ "$(order)" = "libcurl4 apt" ] || fail "default order (severity): $(order)"
[ "$(order --sort id)" = "apt libcurl4" ] || fail "--sort id: $(order --sort id)"
[ "$(order --sort package)" = "apt libcurl4" ] || fail "--sort package: $(order --sort package)"
[ "$(order --sort fixed)" = "libcurl4 apt" ] || fail "--sort fixed: $(order --sort fixed)"
expect 2 "--sort: 'age' is not one of severity, package, id, fixed" -- scan "$R" --db "$DB" --sort age

# Colour only on a TTY, and never with NO_COLOR.
if command -v script >/dev/null; then
        script -qec "$P scan $R --db $DB" /dev/null | grep -q $'\033\[1;31mCRITICAL' || fail "no colour on a TTY"
        NO_COLOR=1 script -qec "$P scan $R --db $DB" /dev/null | grep -q $'\033\[' && fail "colour despite NO_COLOR"
fi
"$P" scan "$R" --db "$DB" | grep -q $'\033\[' && fail "colour into a pipe"
# The CVSS score and the title on a wide terminal, not on a narrow one or a pipe.
if command -v script >/dev/null; then
        out=$(NO_COLOR=1 script -qec "stty cols 200; $P scan $R --db $DB" /dev/null)
        grep -qE "SEVERITY +TITLE" <<<"$out" && grep -qE "9\.8 +CRITICAL \(cvss_v3\) +" <<<"$out" ||
                fail "no SCORE/TITLE columns at 200 columns: $out"
        out=$(NO_COLOR=1 script -qec "stty cols 60; $P scan $R --db $DB" /dev/null)
        grep -q "SCORE\|TITLE" <<<"$out" && fail "SCORE/TITLE at 60 columns: $out"
fi
"$P" scan "$R" --db "$DB" | grep -q "SCORE\|TITLE" && fail "SCORE/TITLE into a pipe"

# A rootfs with no package database: nothing to match, said plainly.
E=$T/empty
mkdir -p "$E"
expect 0 "Total: 0" -- scan "$E" --db "$DB"
"$P" inventory "$E" --format json | json 'assert d["packages"] == [] and d["os"]["ecosystem"] is None, d' ||
        fail "empty inventory"

# Packages of a distribution we can't name are never passed quietly.
N=$T/noos
mkdir -p "$N/var/lib/dpkg"
cp "$R/var/lib/dpkg/status" "$N/var/lib/dpkg/status"
expect 0 "2 packages not checked: etc/os-release" -- scan "$N" --db "$DB"
"$P" scan "$N" --db "$DB" --format json 2>/dev/null | json 'assert "not checked" in d["warnings"][0], d' ||
        fail "unknown distribution warning in JSON"

# A folder the user can't open (a scan without root of a rootfs root
# unpacked) is said, and fails --fail-on as not checked: never a clean pass.
U=$T/unreadable
mkdir -p "$U/opt/app/node_modules/lodash"
cp -r "$R/etc" "$R/usr" "$R/var" "$U/"
echo '{"name": "lodash", "version": "4.17.0"}' >"$U/opt/app/node_modules/lodash/package.json"
chmod 755 "$T" && chmod 000 "$U/opt/app"
as_user=()
[ "$(id -u)" -ne 0 ] || as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [ "$(id -u)" -ne 0 ] || setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
        out=$("${as_user[@]}" "$P" scan "$U" --db "$DB" --fail-on CRITICAL --package apt 2>&1); rc=$?
        [ "$rc" -eq 1 ] || fail "scan with an unreadable folder: exit $rc, wanted 1: $out"
        grep -q "opt/app: Permission denied; what is below it was not looked at" <<<"$out" ||
                fail "scan with an unreadable folder: not said: $out"
        # A database the user can't read is not one to create with db import.
        cp "$DB" "$T/private.sqlite" && chmod 600 "$T/private.sqlite"
        for c in "scan $R" "db status"; do
                # shellcheck disable=SC2086
                out=$("${as_user[@]}" "$P" $c --db "$T/private.sqlite" 2>&1); rc=$?
                [ "$rc" -eq 2 ] && grep -q "vulnerability database $T/private.sqlite (check the permissions of the file and its folder): Permission denied" <<<"$out" ||
                        fail "$c of an unreadable database: exit $rc: $out"
        done
else
        echo "note: no setpriv: the unreadable-folder rows left out"
fi
chmod 755 "$U/opt/app"

# A status file that is a symlink out of the rootfs reads the rootfs's own
# /etc/passwd (absent), never the host's.
H=$T/hostile
mkdir -p "$H/var/lib/dpkg" "$H/etc"
cp "$R/usr/lib/os-release" "$H/etc/os-release"
ln -s /etc/passwd "$H/var/lib/dpkg/status"
out=$("$P" inventory "$H" --format json 2>&1)
grep -q '"root"' <<<"$out" && fail "read the host's /etc/passwd: $out"

# A file name that is not UTF-8 (an image's bytes) is shown with '?' for
# the bytes JSON can't carry; it never stops the inventory or the scan.
U=$T/utf8
mkdir -p "$U/etc" "$U/app/bad$(printf '\377')dir/node_modules/left-pad"
cp "$R/usr/lib/os-release" "$U/etc/os-release"
echo '{"name": "left-pad", "version": "1.0.0"}' >"$U/app/bad$(printf '\377')dir/node_modules/left-pad/package.json"
"$P" inventory "$U" --format json 2>/dev/null |
        json 'assert [p["origin_file"] for p in d["packages"]] == ["/app/bad?dir/node_modules/left-pad/package.json"], d' ||
        fail "inventory of a non-UTF-8 file name"
"$P" scan "$U" --db "$DB" --format json 2>/dev/null | json 'assert [u["subject"] for u in d["unchecked"]] == ["Debian:12", "npm"], d' ||
        fail "scan of a non-UTF-8 file name"

# Issue 10, 1: a bad import does not wipe the DB.  Over the 1,272 real
# Debian 12 advisories, importing config.json (no record) or fewer than half
# of them is refused (exit 2, the DB the same: status and a scan say so)
# unless --allow-shrink; skipped files are named with their reason, the
# first 20 of them.
FEED=${PC_SHARED_DATA:-$SRC/../shared/data}/vulndb/debian12-changelogs/feed.zip
if [ -f "$FEED" ]; then
        B=$T/big.sqlite
        expect 0 "imported 1272 records" -- db import "$FEED" --db "$B"
        findings() { "$P" scan "$R" --db "$B" --format json 2>/dev/null | json 'print(len(d["findings"]))'; }
        before=$(findings)
        [ "${before:-0}" -gt 0 ] || fail "no findings for the rootfs with the real feed"
        out=$("$P" db import "$SRC/config/config.json" --db "$B" 2>&1); rc=$?
        [ "$rc" -eq 2 ] || fail "import of config.json over the feed: exit $rc: $out"
        grep -q "^portcullis: skipped $SRC/config/config.json: field 'id'" <<<"$out" || fail "skip not named: $out"
        grep -qE "refused: the import yields no valid record.*$B \\(1272 records\\) is left as it was.*--allow-shrink" \
                <<<"$out" || fail "refusal not explained: $out"
        expect 0 "^records: +1272$" -- db status --db "$B"
        [ "$(findings)" = "$before" ] || fail "scan after a refused import: $(findings) findings, wanted $before"
        ls "$B".new-* >/dev/null 2>&1 && fail "a temporary DB left beside $B"
        mkdir -p "$T/half"
        (cd "$T/half" && unzip -q "$FEED" && ls | sort | tail -n +636 | xargs rm -f)
        expect 2 "yields 635 records where $B holds 1272 \(Debian:12: 635 of 1272\), fewer than half" -- \
                db import "$T/half" --db "$B"
        expect 0 "^records: +1272$" -- db status --db "$B"
        # 25 bad files: 20 named, then a count.
        mkdir -p "$T/bad"
        for i in $(seq -w 1 25); do echo '{"not": "osv"}' >"$T/bad/b$i.json"; done
        out=$("$P" db import "$T/bad" --db "$B" 2>&1)
        [ "$(grep -c '^portcullis: skipped .*/bad/b[0-9]*.json: ' <<<"$out")" -eq 20 ] || fail "skips not bounded: $out"
        grep -q "and 5 more skipped (25 in all" <<<"$out" || fail "no count of the skips not shown: $out"
        expect 0 "imported 0 records" -- db import "$SRC/config/config.json" --db "$B" --allow-shrink
        expect 0 "^records: +0$" -- db status --db "$B"
        expect 0 "imported 635 records" -- db import "$T/half" --db "$B" --allow-shrink
        # Without --merge an import replaces the database whole: a small one
        # replaced by records of other ids passes the shrink guard, and is
        # said (not refused), with what keeps them; the same ids again are not.
        out=$("$P" db import "$FEED" --db "$B" 2>&1) || fail "import of the feed over its half: $out"
        grep -q "are not in the new database" <<<"$out" && fail "the same ids said as gone: $out"
        mkdir -p "$T/small"
        for i in $(seq 1 16); do
                printf '{"id": "SMALL-%s", "modified": "2024-01-01T00:00:00Z"}\n' "$i" >"$T/small/s$i.json"
        done
        S=$T/small.sqlite
        expect 0 "imported 16 records" -- db import "$T/small" --db "$S"
        out=$("$P" db import "$FEED" --db "$S" 2>&1) || fail "import of the feed over 16 records: $out"
        grep -qF "note: db import: 16 of the 16 records $S held are not in the new database, which holds only the records given (without --merge an import replaces the database); give --merge to keep them" \
                <<<"$out" || fail "the replaced ids not said: $out"
        expect 0 "imported 16 records" -- db import "$T/small" --db "$S" --allow-shrink
        out=$("$P" db import "$FEED" --db "$S" --merge 2>&1) || fail "merge of the feed: $out"
        grep -q "are not in the new database" <<<"$out" && fail "a merge said as replacing: $out"
        expect 0 "^records: +1288$" -- db status --db "$S"
else
        echo "note: $FEED missing; the shrink guard with real data is not tested here"
fi

# Small verbs.
expect 0 "^<$" -- vercmp deb 1.0 1.0-1
expect 0 "^>$" -- vercmp Debian:12 1:0.1 2.0
expect 2 "" -- vercmp deb "1.0 x" 1.0
expect 0 "^<$" -- vercmp apk 1.2.3_rc1-r0 1.2.3-r0
# -q before ECOSYSTEM silences dpkg's warning, not the answer
expect 0 "warning: invalid Debian version 'a1'" -- vercmp deb a1 b2
out=$("$P" vercmp -q deb a1 b2 2>&1)
[ "$out" = "<" ] || fail "vercmp -q: $out"
# ... and after B, as every command takes -q/-v after its arguments
out=$("$P" vercmp deb a1 b2 --quiet 2>&1)
[ "$out" = "<" ] || fail "vercmp A B --quiet: $out"
expect 2 "takes ECOSYSTEM A B" -- vercmp deb a1 -q b2
# a version "-q" after "--" is a version, not the option
expect 2 "invalid Debian version '-q'" -- vercmp deb 1.0 -- -q
expect 0 "^>$" -- vercmp Alpine:v3.18 1.0_p1 1.0-r1
expect 2 "Alpine version" -- vercmp apk 1.0bc 1.0
# a letter followed by a number (sudo in Alpine 3.13), ordered as apk-tools 2.x does
expect 0 "^<$" -- vercmp apk 1.9.5p2-r0 1.9.5p3-r0
expect 0 "^<$" -- vercmp apk 1.9.5p3-r0 1.9.6-r0
expect 2 "invalid Alpine version '1.0ab'" -- vercmp apk 1.0ab 1.0
expect 0 "9.8 CRITICAL" -- cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
expect 2 "AV" -- cvss CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
# 0.0 is None on the v3/v4 scales (v3.1 spec 5, v4.0 spec 6), LOW on NVD's v2 scale
expect 0 "^0.0 NONE \(CVSS v3.1\)$" -- cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N
expect 0 "^0.0 NONE \(CVSS v4.0\)$" -- cvss CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N
expect 0 "^0.0 LOW \(CVSS v2.0\)$" -- cvss AV:N/AC:L/Au:N/C:N/I:N/A:N
"$P" cvss --format json CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N | json '
assert d["severity"] == "NONE" and d["base_score"] == 0.0 and d["version"] == "3.1", d' ||
        fail "cvss --format json of a 0.0 vector"
"$P" cvss --format json CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U | json '
assert d["base_score"] == 9.3 and d["cvss_bt"] == 8.1 and d["cvss_bte"] == 8.1 and d["severity"] == "CRITICAL", d' ||
        fail "cvss --format json with threat metrics"
out=$(printf '%s\n' CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H CVSS:3.1/AV:Q CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N |
        "$P" cvss --batch) || fail "cvss --batch: exit $?"
[ "$out" = "9.8 CRITICAL (CVSS v3.1)
error: CVSS vector 'CVSS:3.1/AV:Q': unknown value 'Q' for metric AV
0.0 NONE (CVSS v3.1)" ] || fail "cvss --batch: $out"
expect 2 "takes no VECTOR" -- cvss --batch CVSS:3.1/AV:N
# metrics without an audit log: the counters it would read from it are left
# out (as README says and the warning says), not 0 -- 0 failed starts, 0
# cache misses -- which Prometheus would take for a count.
printf '{"db": "%s", "cache": "%s/metrics/cache.db", "log": {"syslog": false}}\n' "$DB" "$T" >"$T/metrics-config.json"
out=$("$P" metrics --config "$T/metrics-config.json" --output - 2>"$T/metrics.err"); rc=$?
[ $rc -eq 0 ] && grep -q "no audit log file, so no decision counters" "$T/metrics.err" &&
        grep -q "^portcullis_db_records 16$" <<<"$out" || fail "metrics without a log: exit $rc: $(cat "$T/metrics.err") $out"
grep -E "^portcullis_(decisions|cache_hits|cache_misses|decision_duration|audit_)" <<<"$out" &&
        fail "metrics without a log: counters shown"
[ "$(stat -c %a "$T/metrics")" = 700 ] || fail "metrics made the cache's folder $(stat -c %a "$T/metrics")"

# an oci:// reference without a repository: said so, not "no registry host"
expect 2 "'oci://registry.example:5000': no repository after the registry host" -- \
        db publish oci://registry.example:5000 --key "$T/none.pem" --db "$DB" --config "$T/update-config.json"

# ... and with a file that is no audit log (report refuses one): said, not
# silently every counter 0.
out=$("$P" metrics --config "$T/metrics-config.json" --log /etc/os-release --state "$T/metrics-os.state" \
        --output - 2>&1 >/dev/null)
grep -q "warning: metrics: /etc/os-release: none of its [0-9]* lines read so far is a Portcullis audit record" <<<"$out" ||
        fail "metrics --log of a file that is no audit log: $out"

# vercmp --batch with other than one ECOSYSTEM: said as such, not "unknown
# ecosystem '--batch'" nor "vercmp takes ECOSYSTEM A B".
expect 2 "^portcullis: vercmp: --batch takes one ECOSYSTEM and reads the pairs from stdin" -- vercmp --batch deb 1
expect 2 "^portcullis: vercmp: --batch takes one ECOSYSTEM" -- vercmp --batch

# check --state: a folder is refused as a missing file is (exit 2), not read
# as a broken state that on_error then lets start (exit 0, "decision: start").
echo '{}' >"$T/check-policy.json"
printf '{"policy": "%s/check-policy.json", "db": "%s", "cache": "%s/check-cache.db", "log": {"syslog": false}}\n' \
        "$T" "$DB" "$T" >"$T/check-config.json"
expect 2 "^portcullis: check: --state $T/rootfs is a folder; give the OCI state file" -- \
        check --state "$T/rootfs" --config "$T/check-config.json"
expect 2 "^portcullis: check: open $T/none-state.json: No such file" -- \
        check --state "$T/none-state.json" --config "$T/check-config.json"
# ps --state-root naming no folder (a typo, a runtime not there) listed no
# container in silence, as a node running none.
expect 0 "warning: --state-root $T/run/runC: no such folder, so no container was read from it" -- \
        ps --state-root "$T/run/runC" --config "$T/check-config.json"
"$P" ps --state-root "$T/run/runC" --config "$T/check-config.json" --format json 2>/dev/null |
        json 'assert d["containers"] == [] and d["warnings"][0].startswith("--state-root "), d' ||
        fail "ps --state-root of no folder: no warning in the JSON"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
