#!/bin/bash
# scan/inventory --pkg-types (Trivy's words): "os" reads the OS's package
# databases only (no walk: a pip package beside them is not looked for),
# "library" the language packages only (the dpkg database still says which
# files are the OS's, but its packages, its unreadable stanzas and a missing
# database are not the scan's business), both by default.  What was left out
# is one of the inventory's warnings (stderr, every scan report); a bad word,
# or the option beside --sbom, is refused.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail(), dist_info()
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
[ "$("$P" vercmp pypi 1.0 2.0 2>/dev/null)" = "<" ] || { echo "skip: no PEP 440 order in this build"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg/info"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
cat >"$R/var/lib/dpkg/status" <<'STATUS'
Package: foo
Status: install ok installed
Architecture: amd64
Version: 1.0-1

Package: python3-baz
Status: install ok installed
Architecture: all
Version: 1.0-1

STATUS
dist_info "$R/usr/local/lib/python3.11/dist-packages" bar 1.0
# python3-baz's dist-info is the OS package's, in every mode
dist_info "$R/usr/lib/python3/dist-packages" baz 1.0
printf '/.\n/usr/lib/python3/dist-packages/baz-1.0.dist-info\n/usr/lib/python3/dist-packages/baz-1.0.dist-info/METADATA\n' \
        >"$R/var/lib/dpkg/info/python3-baz.list"

F=$T/feed
mkdir -p "$F"
record() {      # ID ECOSYSTEM NAME FIXED
        printf '{"id": "%s", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "%s", "name": "%s"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}], "database_specific": {"severity": "HIGH"}}\n' \
                "$1" "$2" "$3" "$4" >"$F/$1.json"
}
record DEBIAN-CVE-2099-1 "Debian:12" foo 2.0-1
record PYSEC-2099-2 PyPI bar 2.0
record PYSEC-2099-3 PyPI baz 2.0
DB=$T/db.sqlite
"$P" db import "$F" --db "$DB" >/dev/null 2>&1 || { echo "FAIL: import"; exit 1; }

# scan [ARGS]: "ids" on stdout (one per line, sorted), the report in $T/out.json, stderr in $T/err
scan() {
        "$P" scan "$R" --db "$DB" --format json --fail-on HIGH "$@" >"$T/out.json" 2>"$T/err"
        echo $? >"$T/rc"
        python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]: print(f["id"])
for u in d["unchecked"]: print("unchecked", u["kind"])
for w in d["warnings"]: print("warning", w)
print("packages", d["packages"])' "$T/out.json" | sort
}

out=$(scan)
[ "$out" = "$(printf 'DEBIAN-CVE-2099-1\nPYSEC-2099-2\npackages 3')" ] ||
        fail "by default both kinds are found, nothing else said: $out"
grep -q PYSEC-2099-3 <<<"$out" && fail "the OS package's dist-info was read as PyPI's: $out"
out=$(scan --pkg-types os,library)
[ "$out" = "$(printf 'DEBIAN-CVE-2099-1\nPYSEC-2099-2\npackages 3')" ] || fail "os,library is the default: $out"

out=$(scan --pkg-types os)
grep -q '^DEBIAN-CVE-2099-1$' <<<"$out" || fail "--pkg-types os: the dpkg package's finding is missing: $out"
grep -q 'PYSEC' <<<"$out" && fail "--pkg-types os: a language package was looked for: $out"
grep -q '^packages 2$' <<<"$out" || fail "--pkg-types os: not the two dpkg packages: $out"
grep -q '^warning --pkg-types os: language packages and executables' <<<"$out" ||
        fail "--pkg-types os: the report does not say what was left out: $out"
grep -q 'warning: --pkg-types os: language packages' "$T/err" || fail "--pkg-types os: stderr does not say it: $(cat "$T/err")"
[ "$(cat "$T/rc")" = 1 ] || fail "--pkg-types os: the HIGH finding did not fail --fail-on HIGH (exit $(cat "$T/rc"))"

out=$(scan --pkg-types library)
[ "$(grep -v '^warning ' <<<"$out")" = "$(printf 'PYSEC-2099-2\npackages 1')" ] ||
        fail "--pkg-types library: only bar and its finding expected: $out"
grep -q "^warning --pkg-types library: the OS's packages were not checked" <<<"$out" ||
        fail "--pkg-types library: the report does not say what was left out: $out"

# library: an unreadable stanza or no database of the distribution is not the scan's to say
printf 'Package: broken\nStatus: install ok installed\n\n' >>"$R/var/lib/dpkg/status"
out=$(scan --pkg-types library)
grep -q '^unchecked' <<<"$out" && fail "--pkg-types library: the OS database's bad stanza made it unchecked: $out"
[ "$(cat "$T/rc")" = 1 ] || fail "--pkg-types library: bar's HIGH finding did not fail the scan"
out=$(scan --pkg-types os)
grep -q '^unchecked incomplete' <<<"$out" || fail "--pkg-types os: the bad stanza is not said as not checked: $out"
mv "$R/var/lib/dpkg" "$T/dpkg"
out=$(scan --pkg-types library)
grep -q '^unchecked' <<<"$out" && fail "--pkg-types library without a dpkg database: unchecked: $out"
grep -q '^PYSEC-2099-3$' <<<"$out" || fail "without the dpkg lists, baz's dist-info is anyone's: $out"
# os: an image without an OS database has nothing checked, as before
out=$(scan --pkg-types os)
grep -q '^unchecked no_packages$' <<<"$out" || fail "--pkg-types os without a package database: not said: $out"
[ "$(cat "$T/rc")" = 1 ] || fail "--pkg-types os without a package database passed --fail-on"
mv "$T/dpkg" "$R/var/lib/dpkg"

# inventory --pkg-types
"$P" inventory "$R" --pkg-types os --format json >"$T/inv.json" 2>"$T/err" || fail "inventory --pkg-types os failed"
python3 -c 'import json, sys; print(" ".join(sorted(p["name"] for p in json.load(open(sys.argv[1]))["packages"])))' \
        "$T/inv.json" >"$T/names"
[ "$(cat "$T/names")" = "foo python3-baz" ] || fail "inventory --pkg-types os: $(cat "$T/names")"
grep -q 'warning: --pkg-types os' "$T/err" || fail "inventory --pkg-types os: not said: $(cat "$T/err")"
# every report says it: the CycloneDX one in its metadata's properties
"$P" scan "$R" --db "$DB" --pkg-types library --format cyclonedx >"$T/cdx.json" 2>/dev/null
python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["metadata"]["properties"]
sys.exit(not any(x["name"] == "portcullis:warning" and x["value"].startswith("--pkg-types library") for x in p))' \
        "$T/cdx.json" || fail "scan --pkg-types library --format cyclonedx: not in metadata.properties"

# refused: a bad word, none, beside --sbom
for bad in lib "os,lang" "," ""; do
        "$P" scan "$R" --db "$DB" --pkg-types "$bad" >/dev/null 2>"$T/err"
        rc=$?
        [ $rc = 2 ] && grep -q -- "--pkg-types: '" "$T/err" || fail "--pkg-types '$bad': exit $rc, $(cat "$T/err")"
done
printf '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}\n' >"$T/sbom.json"
"$P" scan --sbom "$T/sbom.json" --db "$DB" --pkg-types os >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q -- "--pkg-types" "$T/err" || fail "--pkg-types beside --sbom was not refused: $(cat "$T/err")"

[ "$fails" -eq 0 ] || exit 1
