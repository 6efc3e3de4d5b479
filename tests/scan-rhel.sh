#!/bin/bash
# Red Hat Enterprise Linux and UBI images (lib/osrelease.c eco_rhel(),
# lib/ecosystem.c "Red Hat"): os-release ID=rhel VERSION_ID=9.x names the
# image "Red Hat:enterprise_linux:9::baseos", and each RPM is looked up
# there and in its AppStream and CodeReady Builder siblings (the database
# does not say which repository a package came from).  Packages built by
# rpmbuild and installed by rpm (--justdb) into a UBI 9-like rootfs:
#   - openssl and openssl-libs (epoch 1) below a BaseOS fix: both found,
#     one record; at the fixed EVR, neither (the epoch counts);
#   - git-lfs below an AppStream fix, ninja-build below a CRB one: found;
#   - records of other streams (rhel_eus:9.0, enterprise_linux:8, the real
#     RHSA-2024:6220 of rhel_aus/e4s/tus 8.6) never apply;
#   - a DB without the CRB stream: the scan warns, naming it; one with
#     AppStream's records alone: found, and BaseOS's absence said;
#   - a DB without any of the release's records: not checked (no_data);
#   - purls name the vendor Red Hat's own documents name (pkg:rpm/redhat/):
#     an OpenVEX statement of that purl suppresses its finding, and our
#     CycloneDX SBOM scanned again gives the same findings;
#   - RHEL 10 (UBI 10): VERSION_ID 10.1 names "Red Hat:enterprise_linux:10.1"
#     (a CPE per minor release, no repository), and the records of every
#     RHEL 10 minor the DB holds apply: 10.0's, 10.1's and 10.3's found
#     below their fixes, none at or above them; RHEL 9's and EUS's never;
#     a DB with 10.0's alone for a 10.2 image: found, and the later minors'
#     absence said; none: not checked (no_data); purls and SBOM round trip;
#   - RHEL 10 without its minor, RHEL 11 and RHEL 6: an unknown OS, said.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail()
for tool in rpm rpmbuild python3; do
        command -v $tool >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
RHSA=${PC_SHARED_DATA:-}/vulndb/osv-schema/redhat-osv/RHSA-2024_6220.json
[ -f "$RHSA" ] || { echo "skip: shared data not found"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
B=$T/rpmbuild
mkdir -p "$B/SPECS"

# spec NAME EPOCH VERSION RELEASE [SUBPACKAGE]: a package with no files
spec() {
        {
                echo "Name: $1"
                [ "$2" = 0 ] || echo "Epoch: $2"
                printf 'Version: %s\nRelease: %s\nSummary: t\nLicense: MIT\n%%description\nt\n%%files\n' "$3" "$4"
                [ -z "${5:-}" ] || printf '%%package %s\nSummary: t\n%%description %s\nt\n%%files %s\n' "$5" "$5" "$5"
        } >"$B/SPECS/$1-$4.spec"
        rpmbuild --define "_topdir $B" --define "debug_package %{nil}" -bb "$B/SPECS/$1-$4.spec" \
                >>"$T/rpmbuild.log" 2>&1 || { cat "$T/rpmbuild.log"; echo "FAIL: rpmbuild $1"; exit 1; }
}
# rootfs DIR VERSION_ID RPM...: os-release as UBI's, the RPMs in its rpmdb
rootfs() {
        local d=$1 v=$2
        shift 2
        mkdir -p "$d/etc" "$d/var/lib/rpm"
        printf 'NAME="Red Hat Enterprise Linux"\nVERSION="%s (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="%s"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux %s (Plow)"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:%s::baseos"\n' \
                "$v" "$v" "$v" "$v" >"$d/etc/os-release"
        rpm --dbpath "$d/var/lib/rpm" --initdb &&
                rpm --dbpath "$d/var/lib/rpm" -i --justdb --nodeps --noscripts --ignorearch --ignoreos "$@" ||
                { echo "FAIL: rpm -i --justdb"; exit 1; }
}
spec openssl 1 3.0.7 6.el9_2 libs
spec openssl 1 3.0.7 16.el9_2 libs
spec git-lfs 0 3.2.0 1.el9
spec ninja-build 0 1.10.2 6.el9
R=$B/RPMS/*
rootfs "$T/ubi" 9.2 $R/openssl-3.0.7-6.el9_2.*.rpm $R/openssl-libs-3.0.7-6.el9_2.*.rpm \
        $R/git-lfs-3.2.0-1.el9.*.rpm $R/ninja-build-1.10.2-6.el9.*.rpm
[ -f "$T/ubi/var/lib/rpm/rpmdb.sqlite" ] || { echo "skip: this rpm writes no rpmdb.sqlite"; exit 77; }
rootfs "$T/fixed" 9.4 $R/openssl-3.0.7-16.el9_2.*.rpm $R/openssl-libs-3.0.7-16.el9_2.*.rpm

EL9="Red Hat:enterprise_linux:9::"
# rec ID ECOSYSTEM FIXED NAME...: one record, the names in one ecosystem
rec() {
        local id=$1 eco=$2 fixed=$3 aff="" n
        shift 3
        for n in "$@"; do
                aff="$aff${aff:+,}{\"package\": {\"ecosystem\": \"$eco\", \"name\": \"$n\", \"purl\": \"pkg:rpm/redhat/$n\"},
  \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"$fixed\"}]}]}"
        done
        printf '{"id": "%s", "modified": "2024-01-01T00:00:00Z", "affected": [%s]}\n' "$id" "$aff"
}
mkdir -p "$T/feed" "$T/nocrb" "$T/other" "$T/appstream"
rec TEST-RHSA-BASEOS "${EL9}baseos" 1:3.0.7-16.el9_2 openssl openssl-libs >"$T/feed/baseos.json"
rec TEST-RHSA-APPSTREAM "${EL9}appstream" 0:3.2.0-2.el9_2 git-lfs >"$T/feed/appstream.json"
rec TEST-RHSA-CRB "${EL9}crb" 0:1.10.2-7.el9 ninja-build >"$T/feed/crb.json"
rec TEST-RHSA-EUS "Red Hat:rhel_eus:9.0::baseos" 1:3.0.7-99.el9_0 openssl-libs git-lfs >"$T/other/eus.json"
rec TEST-RHSA-EL8 "Red Hat:enterprise_linux:8::baseos" 2:0-1.el8 openssl-libs >"$T/other/el8.json"
cp "$RHSA" "$T/other/"
cp "$T/feed/baseos.json" "$T/feed/appstream.json" "$T/nocrb/"
cp "$T/other/"*.json "$T/feed/"
cp "$T/other/"*.json "$T/nocrb/"
cp "$T/feed/appstream.json" "$T/appstream/"
for f in feed nocrb other appstream; do
        "$P" db import "$T/$f" --db "$T/$f.sqlite" >/dev/null 2>"$T/import.err" || fail "import $f: $(cat "$T/import.err")"
done

# scan ROOTFS DB: "ID PACKAGE" a line, then "unchecked KIND SUBJECT" lines; stderr in $T/err
scan() {
        "$P" scan "$1" --db "$T/$2.sqlite" --format json 2>"$T/err" | python3 -c 'import json, sys
d = json.load(sys.stdin)
for f in sorted((f["id"], f["package"]) for f in d["findings"]):
    print(*f)
for u in d.get("unchecked", []):
    print("unchecked", u["kind"], u.get("subject", u.get("name", "")))'
}
out=$(scan "$T/ubi" feed)
want="TEST-RHSA-APPSTREAM git-lfs
TEST-RHSA-BASEOS openssl
TEST-RHSA-BASEOS openssl-libs
TEST-RHSA-CRB ninja-build"
[ "$out" = "$want" ] || fail "UBI 9.2: $out (stderr: $(cat "$T/err"))"
grep -q "warning" "$T/err" && fail "UBI 9.2: a warning with every stream in the DB: $(cat "$T/err")"
os=$("$P" inventory "$T/ubi" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["os"]["ecosystem"])')
[ "$os" = "${EL9}baseos" ] || fail "UBI 9.2's ecosystem: $os"

purls=$("$P" inventory "$T/ubi" --format json | python3 -c 'import json, sys
print(" ".join(sorted(p["purl"] for p in json.load(sys.stdin)["packages"] if p["name"] == "openssl-libs")))')
case "$purls" in
pkg:rpm/redhat/openssl-libs@3.0.7-6.el9_2\?arch=*\&distro=rhel-9.2\&epoch=1) ;;
*) fail "openssl-libs's purl: $purls" ;;
esac
cat >"$T/vex.json" <<VEX
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "t",
 "timestamp": "2024-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "TEST-RHSA-BASEOS"},
                 "products": [{"@id": "pkg:rpm/redhat/openssl-libs"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
VEX
out=$("$P" scan "$T/ubi" --db "$T/feed.sqlite" --vex "$T/vex.json" --format json 2>"$T/err" | python3 -c 'import json, sys
print(" ".join(sorted(f["package"] for f in json.load(sys.stdin)["findings"] if not f.get("vex"))))')
[ "$out" = "git-lfs ninja-build openssl" ] || fail "a VEX statement of pkg:rpm/redhat/openssl-libs: $out $(cat "$T/err")"
"$P" scan "$T/ubi" --db "$T/feed.sqlite" --format cyclonedx >"$T/bom.json" 2>"$T/err"
# the name each record named, in the SARIF and CycloneDX reports too
"$P" scan "$T/ubi" --db "$T/feed.sqlite" --format sarif >"$T/sarif.json" 2>"$T/err"
out=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(sorted((r["properties"]["package"], r["properties"]["recordPackage"]) for r in s["runs"][0]["results"]
             if r["ruleId"] != "not-checked"))
b = json.load(open(sys.argv[2]))
print(sorted(tuple(p["value"] for p in v["properties"] if p["name"] in ("portcullis:package", "portcullis:record_package"))
             for v in b["vulnerabilities"]))' "$T/sarif.json" "$T/bom.json")
want_rec="[('git-lfs', 'git-lfs'), ('ninja-build', 'ninja-build'), ('openssl', 'openssl'), ('openssl-libs', 'openssl-libs')]"
[ "$out" = "$want_rec
$want_rec" ] || fail "record_package in SARIF and CycloneDX: $out"
out=$("$P" scan --sbom "$T/bom.json" --db "$T/feed.sqlite" --format json 2>"$T/err" | python3 -c 'import json, sys
for f in sorted((f["id"], f["package"]) for f in json.load(sys.stdin)["findings"]):
    print(*f)')
[ "$out" = "$want" ] || fail "our SBOM scanned again: $out $(cat "$T/err")"

out=$(scan "$T/fixed" feed)
[ -z "$out" ] || fail "UBI 9.4 at the fixed 1:3.0.7-16.el9_2: $out $(cat "$T/err")"

out=$(scan "$T/ubi" nocrb)
[ "$out" = "$(grep -v CRB <<<"$want")" ] || fail "without CRB: $out"
grep -qF "warning: the vulnerability database has no record of ${EL9}crb, whose records hold for ${EL9}baseos's packages too (a Red Hat image's packages come from its release's BaseOS, AppStream and CodeReady Builder repositories, each its own ecosystem)" "$T/err" ||
        fail "without CRB, not said: $(cat "$T/err")"

out=$(scan "$T/ubi" appstream)
[ "$out" = "TEST-RHSA-APPSTREAM git-lfs" ] || fail "AppStream's records alone: $out"
grep -qF "warning: the vulnerability database has no record of ${EL9}baseos itself, only of the streams whose records hold for its packages too" "$T/err" ||
        fail "AppStream's records alone, BaseOS's absence not said: $(cat "$T/err")"

out=$(scan "$T/ubi" other)
[ "$out" = "unchecked no_data ${EL9}baseos" ] || fail "no record of the release: $out $(cat "$T/err")"

# RHEL 10.1: each RHEL 10 minor's records, none of RHEL 9's or EUS's
EL10="Red Hat:enterprise_linux:10."
spec expat 0 2.6.3 1.el10
spec curl 0 8.9.1 5.el10
spec sudo 0 1.9.15 8.el10
spec zlib-ng 0 2.2.3 1.el10
rootfs "$T/ubi10" 10.1 $R/expat-2.6.3-1.el10.*.rpm $R/curl-8.9.1-5.el10.*.rpm $R/sudo-1.9.15-8.el10.*.rpm \
        $R/zlib-ng-2.2.3-1.el10.*.rpm
mkdir -p "$T/ten" "$T/ten0"
rec TEST-EL10-0 "${EL10}0" 0:2.6.3-2.el10_0 expat >"$T/ten/0.json"
rec TEST-EL10-1 "${EL10}1" 0:8.9.1-6.el10_1 curl >"$T/ten/1.json"
rec TEST-EL10-3 "${EL10}3" 0:1.9.15-9.el10_3 sudo >"$T/ten/3.json"
rec TEST-EL10-AT "${EL10}1" 0:2.2.3-1.el10 zlib-ng >"$T/ten/at.json"
rec TEST-EL10-BELOW "${EL10}3" 0:2.2.2-1.el10 zlib-ng >"$T/ten/below.json"
rec TEST-EL10-2 "${EL10}2" 0:2.2.1-1.el10 zlib-ng >"$T/ten/2.json"
rec TEST-EL9-ONLY "${EL9}baseos" 0:99-1.el9 expat curl sudo zlib-ng >"$T/ten/el9.json"
rec TEST-EUS-10 "Red Hat:rhel_eus:10.0" 0:99-1.el10 expat curl >"$T/ten/eus.json"
cp "$T/ten/0.json" "$T/ten/el9.json" "$T/ten0/"
mkdir -p "$T/tengap"
cp "$T/ten/"*.json "$T/tengap/"
rm "$T/tengap/2.json"
for f in ten ten0 tengap; do
        "$P" db import "$T/$f" --db "$T/$f.sqlite" >/dev/null 2>"$T/import.err" || fail "import $f: $(cat "$T/import.err")"
done
want10="TEST-EL10-0 expat
TEST-EL10-1 curl
TEST-EL10-3 sudo"
out=$(scan "$T/ubi10" ten)
[ "$out" = "$want10" ] || fail "UBI 10.1: $out (stderr: $(cat "$T/err"))"
grep -q "warning" "$T/err" && fail "UBI 10.1: a warning with every minor from its own on in the DB: $(cat "$T/err")"
# without 10.2's records, what was fixed while 10.2 was the newest is unknown: said
out=$(scan "$T/ubi10" tengap)
[ "$out" = "$want10" ] || fail "UBI 10.1 without 10.2's records: $out (stderr: $(cat "$T/err"))"
grep -qF "warning: the vulnerability database has no record of ${EL10}2 (of the minor releases from ${EL10}1 to the newest one it has), so what was fixed while it was the newest was not compared" "$T/err" ||
        fail "UBI 10.1 without 10.2's records, not said: $(cat "$T/err")"
inv=$("$P" inventory "$T/ubi10" --format json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["os"]["ecosystem"], *sorted(p["purl"] for p in d["packages"] if p["name"] == "expat"))')
case "$inv" in
"${EL10}1 pkg:rpm/redhat/expat@2.6.3-1.el10?arch="*"&distro=rhel-10.1") ;;
*) fail "UBI 10.1's ecosystem and purl: $inv" ;;
esac
"$P" scan "$T/ubi10" --db "$T/ten.sqlite" --format cyclonedx >"$T/bom10.json" 2>"$T/err"
out=$("$P" scan --sbom "$T/bom10.json" --db "$T/ten.sqlite" --format json 2>"$T/err" | python3 -c 'import json, sys
for f in sorted((f["id"], f["package"]) for f in json.load(sys.stdin)["findings"]):
    print(*f)')
[ "$out" = "$want10" ] || fail "UBI 10.1's SBOM scanned again: $out $(cat "$T/err")"

# a 10.2 image: its own and 10.3's records there, nothing is said; without
# its own, what was fixed in its time is unknown: said; with 10.0's alone,
# what 10.1 and 10.2 fixed is unknown: said
sed -i 's/^VERSION_ID=.*/VERSION_ID="10.2"/' "$T/ubi10/etc/os-release"
out=$(scan "$T/ubi10" ten)
[ "$out" = "$want10" ] || fail "UBI 10.2: $out (stderr: $(cat "$T/err"))"
grep -q "warning" "$T/err" && fail "UBI 10.2: a warning with its own and a later minor in the DB: $(cat "$T/err")"
out=$(scan "$T/ubi10" tengap)
[ "$out" = "$want10" ] || fail "UBI 10.2 without its own records: $out (stderr: $(cat "$T/err"))"
grep -qF "warning: the vulnerability database has no record of ${EL10}2 (of the minor releases from ${EL10}2 to the newest one it has)" "$T/err" ||
        fail "UBI 10.2 without its own records, not said: $(cat "$T/err")"
out=$(scan "$T/ubi10" ten0)
[ "$out" = "TEST-EL10-0 expat" ] || fail "UBI 10.2, 10.0's records alone: $out (stderr: $(cat "$T/err"))"
grep -qF "warning: the vulnerability database has no record of ${EL10}2 or of a later minor release, only of earlier ones (the newest: ${EL10}0), so what was fixed since was not compared" "$T/err" ||
        fail "UBI 10.2, 10.0's records alone, not said: $(cat "$T/err")"
out=$(scan "$T/ubi10" feed)
[ "$out" = "unchecked no_data ${EL10}2" ] || fail "UBI 10.2, no RHEL 10 record: $out $(cat "$T/err")"

for v in 10 11.0 6.10; do
        sed -i "s/^VERSION_ID=.*/VERSION_ID=\"$v\"/" "$T/fixed/etc/os-release"
        out=$(scan "$T/fixed" feed)
        grep -q "^unchecked unknown_os " <<<"$out" || fail "RHEL $v: $out"
done
"$P" scan "$T/fixed" --db "$T/feed.sqlite" --format json 2>/dev/null | grep -qF '(ID=rhel, VERSION_ID=6.10) names no distribution release Portcullis knows (expected: RHEL 7, 8 or 9 (any minor release), or 10.N' ||
        fail "RHEL 6.10: what was expected not said"

[ "$fails" -eq 0 ] && echo "scan-rhel: all checks passed"
exit $((fails > 0))
