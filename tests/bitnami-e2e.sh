#!/bin/bash
# Bitnami images end to end: a rootfs with the SPDX document Bitnami ships
# beside each component (opt/bitnami/postgresql/.spdx-postgresql.spdx,
# written here in the shape Bitnami's have: the component, a bundled geos
# and gdal, a bundled jar's pkg:maven entry) and records in the shape of
# Bitnami's vulndb (ecosystem "Bitnami", SEMVER ranges against the upstream
# release, a CVSS vector per affected entry, database_specific.severity),
# imported with `db import`.  `scan` must find PostgreSQL 15.3.0, pass
# Bitnami's 8th build of 17.2.0 (17.2.0-8) against a record fixed in 17.2.0,
# count a revision when both sides have one (geos 3.8.3-4 < 3.8.3-5 <
# 3.8.3-6), and say that gdal "3.7" was not checked; the jar is one package,
# the Java reader's; inventory JSON and CycloneDX carry the pkg:bitnami
# purls and `scan --sbom` of that SBOM finds the same; the hook blocks the
# old rootfs under enforce and lets the new one start.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-bitnami-XXXXXX")
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcb-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

# spdx ROOTFS PURL...: opt/bitnami/postgresql/.spdx-postgresql.spdx listing
# the purls, each a package with its CPE, as Bitnami writes them.
spdx() {
        local d=$1/opt/bitnami/postgresql
        shift
        mkdir -p "$d"
        python3 - "$d/.spdx-postgresql.spdx" "$@" <<'PY'
import json, sys
pkgs = []
for i, purl in enumerate(sys.argv[2:]):
    name, version = purl.split("/")[-1].split("?")[0].split("@")
    pkgs.append({"name": name, "versionInfo": version, "SPDXID": "SPDXRef-%d-%s" % (i, name),
                 "downloadLocation": "NOASSERTION", "licenseConcluded": "NOASSERTION",
                 "externalRefs": [
                     {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                      "referenceLocator": "cpe:2.3:*:%s:%s:%s:*:*:*:*:*:*:*" % (name, name, version)},
                     {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]})
doc = {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "postgresql",
       "documentNamespace": "https://bitnami.com/spdx/postgresql", "creationInfo": {"created": "2024-01-01T00:00:00Z",
       "creators": ["Tool: bitnami"]}, "packages": pkgs,
       "relationships": [{"spdxElementId": pkgs[0]["SPDXID"], "relationshipType": "CONTAINS",
                          "relatedSpdxElement": p["SPDXID"]} for p in pkgs[1:]]}
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
}

# The old image: PostgreSQL 15.3.0 (a purl without qualifiers, as older
# images write), geos at Bitnami's 4th build, a gdal whose version is not
# Bitnami's form, and the PL/Java jar that the document lists too.
OLD=$T/old
spdx "$OLD" pkg:bitnami/postgresql@15.3.0 pkg:bitnami/geos@3.8.3-4 pkg:bitnami/gdal@3.7 \
        pkg:maven/org.postgresql/pljava@1.6.10
python3 - "$OLD/opt/bitnami/postgresql/share/pljava/pljava-1.6.10.jar" <<'PY'
import os, sys, zipfile
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    z.writestr("META-INF/maven/org.postgresql/pljava/pom.properties",
               "groupId=org.postgresql\nartifactId=pljava\nversion=1.6.10\n")
PY
# The new image: Bitnami's 8th build of 17.2.0, geos at its 6th build.
NEW=$T/new
spdx "$NEW" "pkg:bitnami/postgresql@17.2.0-8?arch=amd64&distro=debian-12" pkg:bitnami/geos@3.8.3-6

F=$T/feed
mkdir -p "$F/postgresql" "$F/geos" "$F/gdal"
cat >"$F/postgresql/BIT-postgresql-2024-10979.json" <<'JSON'
{"schema_version": "1.5.0", "id": "BIT-postgresql-2024-10979", "modified": "2024-11-20T10:00:00.000Z",
 "published": "2024-11-15T10:00:00.000Z", "aliases": ["CVE-2024-10979"],
 "summary": "PostgreSQL PL/Perl environment variable changes execute arbitrary code",
 "affected": [{"package": {"ecosystem": "Bitnami", "name": "postgresql", "purl": "pkg:bitnami/postgresql"},
   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "12.21.0"}, {"introduced": "13.0.0"},
     {"fixed": "13.17.0"}, {"introduced": "14.0.0"}, {"fixed": "14.14.0"}, {"introduced": "15.0.0"},
     {"fixed": "15.9.0"}, {"introduced": "16.0.0"}, {"fixed": "16.5.0"}, {"introduced": "17.0.0"},
     {"fixed": "17.2.0"}]}]}],
 "database_specific": {"severity": "Critical"}}
JSON
cat >"$F/geos/BIT-geos-2024-0001.json" <<'JSON'
{"schema_version": "1.5.0", "id": "BIT-geos-2024-0001", "modified": "2024-11-20T10:00:00.000Z",
 "aliases": ["CVE-2024-0001"], "summary": "a flaw fixed in Bitnami's 5th build of geos 3.8.3",
 "affected": [{"package": {"ecosystem": "Bitnami", "name": "geos", "purl": "pkg:bitnami/geos"},
   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "3.8.3-5"}]}]}],
 "database_specific": {"severity": "High"}}
JSON
cat >"$F/gdal/BIT-gdal-2024-0002.json" <<'JSON'
{"schema_version": "1.5.0", "id": "BIT-gdal-2024-0002", "modified": "2024-11-20T10:00:00.000Z",
 "aliases": ["CVE-2024-0002"], "summary": "a gdal flaw",
 "affected": [{"package": {"ecosystem": "Bitnami", "name": "gdal", "purl": "pkg:bitnami/gdal"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "3.8.0"}]}]}],
 "database_specific": {"severity": "High"}}
JSON
# PL/Java's own record (GitHub's, of the jar): fixed before 1.6.10, so the
# jar is checked, once, and clean.
cat >"$F/GHSA-pljava-test.json" <<'JSON'
{"id": "GHSA-test-pljava", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-0003"],
 "affected": [{"package": {"ecosystem": "Maven", "name": "org.postgresql:pljava"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.6.9"}]}]}],
 "database_specific": {"severity": "HIGH"}}
JSON
DB=$T/vulndb.sqlite
"$P" db import "$F" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# The version order itself, as vercmp says it.
for c in "17.2.0-8 17.2.0 =" "17.2.0-8 17.2.0-9 <" "17.2.0-10 17.2.0-9 >" "15.3.0 17.2.0 <" "17.2.0-99 17.2.1 <"; do
        set -- $c
        got=$("$P" vercmp bitnami "$1" "$2" 2>&1)
        [ "$got" = "$3" ] || fail "vercmp bitnami $1 $2: $got, want $3"
done
"$P" vercmp Bitnami 3.7 3.7.0 >/dev/null 2>"$T/vercmp.err" && fail "vercmp bitnami 3.7: compared"
grep -q "invalid Bitnami version '3.7'" "$T/vercmp.err" || fail "vercmp bitnami 3.7: $(cat "$T/vercmp.err")"

# inventory: the pkg:bitnami purls, the jar once (the Java reader's), in
# JSON and in CycloneDX.
"$P" inventory "$OLD" --format json >"$T/inv.json" 2>"$T/inv.err" || fail "inventory: $(cat "$T/inv.err")"
"$P" inventory "$OLD" --format cyclonedx >"$T/old.cdx.json" 2>/dev/null || fail "inventory --format cyclonedx"
"$P" inventory "$NEW" --format json >"$T/inv-new.json" 2>/dev/null || fail "inventory (new)"
python3 - "$T/inv.json" "$T/old.cdx.json" "$T/inv-new.json" <<'PY' || fail "inventory"
import json, sys
spdx = "/opt/bitnami/postgresql/.spdx-postgresql.spdx"
pkgs = json.load(open(sys.argv[1]))["packages"]
got = sorted((p["name"], p["version"], p["ecosystem"], p["purl"], p["origin_file"]) for p in pkgs)
want = sorted([("postgresql", "15.3.0", "Bitnami", "pkg:bitnami/postgresql@15.3.0", spdx),
               ("geos", "3.8.3-4", "Bitnami", "pkg:bitnami/geos@3.8.3-4", spdx),
               ("gdal", "3.7", "Bitnami", "pkg:bitnami/gdal@3.7", spdx),
               ("org.postgresql:pljava", "1.6.10", "Maven", "pkg:maven/org.postgresql/pljava@1.6.10",
                "/opt/bitnami/postgresql/share/pljava/pljava-1.6.10.jar")])
assert got == want, "inventory: %s" % got
purls = {c.get("purl") for c in json.load(open(sys.argv[2])).get("components", [])}
assert {"pkg:bitnami/postgresql@15.3.0", "pkg:bitnami/geos@3.8.3-4", "pkg:bitnami/gdal@3.7"} <= purls, purls
new = [(p["name"], p["version"], p["arch"], p["purl"]) for p in json.load(open(sys.argv[3]))["packages"]]
assert ("postgresql", "17.2.0-8", "amd64", "pkg:bitnami/postgresql@17.2.0-8?arch=amd64&distro=debian-12") in new, new
PY
grep -q "1 package of another purl type (pkg:maven/org.postgresql/pljava@1.6.10) is left to the readers of their own files" \
        "$T/inv.err" || fail "inventory: no warning about the pkg:maven entry: $(cat "$T/inv.err")"

# scan: the findings, and gdal 3.7 not checked.
# check_scan FILE WANT_FINDINGS WANT_UNCHECKED_GDAL
check_scan() {
        python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["id"], f["package"], f["installed_version"], f["fixed_version"], f["severity"], f["severity_source"],
              f["ecosystem"]) for f in d["findings"])
want = sorted(tuple(w.split()) for w in sys.argv[2].split(",") if w)
assert got == want, "findings: got %s, want %s" % (got, want)
gdal = [u for u in d["unchecked"] if "gdal" in u["subject"]]
if sys.argv[3] == "yes":
    assert len(d["unchecked"]) == 1 and gdal and gdal[0]["kind"] == "invalid_version" and \
        "invalid Bitnami version '3.7'" in gdal[0]["reason"], d["unchecked"]
else:
    assert d["unchecked"] == [], d["unchecked"]
PY
}
"$P" scan "$OLD" --db "$DB" --format json >"$T/scan-old.json" 2>"$T/scan.err"
[ $? -le 1 ] || fail "scan old: $(cat "$T/scan.err")"
check_scan "$T/scan-old.json" "BIT-postgresql-2024-10979 postgresql 15.3.0 15.9.0 CRITICAL bitnami Bitnami,BIT-geos-2024-0001 geos 3.8.3-4 3.8.3-5 HIGH bitnami Bitnami" yes ||
        fail "scan of the old rootfs"
"$P" scan "$NEW" --db "$DB" --format json >"$T/scan-new.json" 2>"$T/scan.err"
[ $? -le 1 ] || fail "scan new: $(cat "$T/scan.err")"
check_scan "$T/scan-new.json" "" no || fail "scan of the new rootfs (17.2.0-8 against fixed 17.2.0, geos 3.8.3-6)"
"$P" scan "$OLD" --db "$DB" 2>&1 | grep -q "NOT CHECKED gdal 3.7" || fail "scan old (table): gdal 3.7 not said"

# scan --sbom: our own CycloneDX of the old rootfs, and another tool's
# document naming a pkg:bitnami purl with qualifiers.
"$P" scan --sbom "$T/old.cdx.json" --db "$DB" --format json >"$T/scan-sbom.json" 2>"$T/scan.err"
[ $? -le 1 ] || fail "scan --sbom: $(cat "$T/scan.err")"
check_scan "$T/scan-sbom.json" "BIT-postgresql-2024-10979 postgresql 15.3.0 15.9.0 CRITICAL bitnami Bitnami,BIT-geos-2024-0001 geos 3.8.3-4 3.8.3-5 HIGH bitnami Bitnami" yes ||
        fail "scan --sbom of the old rootfs's CycloneDX"
cat >"$T/other.cdx.json" <<'JSON'
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "components": [{"type": "application", "name": "postgresql", "version": "17.1.0-2",
                 "purl": "pkg:bitnami/postgresql@17.1.0-2?arch=arm64&distro=photon-5"},
                {"type": "application", "name": "postgresql", "version": "17.2.0-1",
                 "purl": "pkg:bitnami/postgresql@17.2.0-1?arch=arm64&distro=photon-5"}]}
JSON
"$P" scan --sbom "$T/other.cdx.json" --db "$DB" --format json >"$T/scan-other.json" 2>"$T/scan.err"
[ $? -le 1 ] || fail "scan --sbom other: $(cat "$T/scan.err")"
check_scan "$T/scan-other.json" "BIT-postgresql-2024-10979 postgresql 17.1.0-2 17.2.0 CRITICAL bitnami Bitnami" no ||
        fail "scan --sbom of another tool's document"

# The hook, on a runc bundle of each rootfs, under enforce.
printf '{"mode": "enforce", "severity": "HIGH", "on_error": "deny"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s/cache.db", "lock_dir": "%s/locks", "policy": "%s", "log": {"syslog": false, "file": "%s/audit.log"}}\n' \
        "$DB" "$T" "$T" "$T/policy.json" "$T" >"$T/config.json"
for b in old new; do
        mkdir -p "$T/bundle-$b"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "annotations": {"io.kubernetes.cri.image-name": "docker.io/bitnami/postgresql:%s"}}\n' \
                "$T/$b" "$b" >"$T/bundle-$b/config.json"
        printf '{"ociVersion": "1.0.2", "id": "pg-%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
                "$b" "$T/bundle-$b" >"$T/state-$b.json"
done
out=$("$HOOK" --config "$T/config.json" <"$T/state-old.json" 2>&1); rc=$?
BLOCKED="portcullis: blocked docker.io/bitnami/postgresql:old: 1 CRITICAL, 1 HIGH at or above HIGH (BIT-postgresql-2024-10979 postgresql, BIT-geos-2024-0001 geos)"
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -qF "$BLOCKED" || fail "hook, old rootfs: $rc $out"
out=$("$HOOK" --config "$T/config.json" <"$T/state-new.json" 2>&1); rc=$?
[ "$rc" -eq 0 ] || fail "hook, new rootfs: $rc $out"

# And a real runc run of each, where root, runc and a static busybox are
# there (lib.sh's bundle: the hook as createRuntime hook).
if [ "$(id -u)" -eq 0 ] && command -v runc >/dev/null && BUSYBOX=$(command -v busybox) && ! ldd "$BUSYBOX" >/dev/null 2>&1; then
        for b in old new; do
                busybox_rootfs "$T/$b"
                runc_bundle "$T/runc-$b" "$T/$b" "$T/config.json" "docker.io/bitnami/postgresql:$b"
        done
        runc_start "$T/runc-old" "pcb-$$-old"
        [ "$RC" -ne 0 ] && ! printf '%s\n' "$OUT" | grep -q started && printf '%s\n' "$OUT" | grep -qF "$BLOCKED" ||
                fail "runc, old rootfs: $RC $OUT"
        runc_start "$T/runc-new" "pcb-$$-new"
        [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q started || fail "runc, new rootfs: $RC $OUT"
else
        echo "note: no real runc run (needs root, runc and a static busybox)"
fi

[ "$fails" -eq 0 ] || exit 1
echo "ok: Bitnami's SPDX read, its vulndb's ranges in its order, the old rootfs blocked, the new one let start"
