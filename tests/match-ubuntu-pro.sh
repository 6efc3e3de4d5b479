#!/bin/sh
# Canonical's real OSV records (vunnel's fixtures, ../shared/data) file
# what Ubuntu Pro (ESM) fixes under "Ubuntu:Pro:<release>": 16.04's glibc
# is affected by CVE-2016-20013 in every version, and 16.04's wayland by
# CVE-2021-3782 below 1.12.0-1~ubuntu16.04.3+esm1, each said there alone.
# An Ubuntu 16.04 image with those packages was reported clean; it must
# show both findings.  A release whose own ecosystem names the package
# (22.04's glibc) is matched by that entry, as before; a database without
# the release's Pro records says so.
set -u
P=${PORTCULLIS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

U=${PC_SHARED_DATA:-}/vulndb/vunnel/ubuntu/test-fixtures/osv/cve
[ -f "$U/2016/UBUNTU-CVE-2016-20013.json" ] && [ -f "$U/2021/UBUNTU-CVE-2021-3782.json" ] ||
        { echo "skip: no Ubuntu records in the shared data"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }

mkdir -p "$T/feed"
cp "$U/2016/UBUNTU-CVE-2016-20013.json" "$U/2021/UBUNTU-CVE-2021-3782.json" "$T/feed/"
DB=$T/vulndb.sqlite
"$P" db import "$T/feed" --db "$DB" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"

# ubuntu_root DIR VERSION_ID STANZAS
ubuntu_root() {
        mkdir -p "$1/etc" "$1/var/lib/dpkg"
        printf 'ID=ubuntu\nVERSION_ID="%s"\n' "$2" >"$1/etc/os-release"
        printf "$3" >"$1/var/lib/dpkg/status"
}
stanza() {
        printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: %s\n\n' "$1" "$2" "$3"
}
ubuntu_root "$T/xenial" 16.04 "$(stanza libc6 glibc 2.23-0ubuntu11.3; stanza libwayland-client0 wayland 1.12.0-1~ubuntu16.04.3)"
ubuntu_root "$T/jammy" 22.04 "$(stanza libc6 glibc 2.35-0ubuntu3.13)"

# findings TARGET: "ID PACKAGE FIXED" lines, and the unchecked items
findings() {
        "$P" scan "$1" --db "$DB" --format json 2>"$T/scan.err" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d["findings"]:
    print(f["id"], f["package"], f["fixed_version"] or "-", f["severity"])
for u in d["unchecked"]:
    print("unchecked", u["kind"], u["subject"])
' | sort
}
got=$(findings "$T/xenial")
want='UBUNTU-CVE-2016-20013 libc6 - LOW
UBUNTU-CVE-2021-3782 libwayland-client0 1.12.0-1~ubuntu16.04.3+esm1 MEDIUM'
[ "$got" = "$want" ] || fail "Ubuntu 16.04: got
$got
want
$want
$(cat "$T/scan.err")"

grep -q "Ubuntu:Pro" "$T/scan.err" && fail "Ubuntu 16.04: a warning about its Pro records: $(cat "$T/scan.err")"

# 22.04's Pro stream is not in this database: said, with what to do
got=$(findings "$T/jammy")
[ "$got" = "UBUNTU-CVE-2016-20013 libc6 - LOW" ] || fail "Ubuntu 22.04: got
$got
$(cat "$T/scan.err")"
grep -qF "warning: the vulnerability database has no record of Ubuntu:Pro:22.04:LTS, whose records hold for Ubuntu:22.04:LTS's packages too" "$T/scan.err" &&
        grep -qF "'portcullis db update' fetches it with Ubuntu:22.04:LTS's records once a source has it" "$T/scan.err" ||
        fail "Ubuntu 22.04: the missing Pro records not said: $(cat "$T/scan.err")"

[ "$fails" -eq 0 ] || exit 1
echo "ok: Ubuntu Pro's records of a release are matched to its packages"
