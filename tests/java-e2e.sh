#!/bin/bash
# Java end to end, on real jars and real advisories: a rootfs with Debian
# 12's liblog4j2-java (log4j-core 2.19.0) at /usr/share/java and a
# Spring-Boot-style app.jar built with the JDK's `jar` tool from Debian's
# real log4j-core and guava (31.1-jre) jars, against OSV records written
# with the ids and ranges GitHub's advisory database publishes:
#  - GHSA-jfh8-c2jp-5v3q (log4shell, CVE-2021-44228): Debian's 2.19.0 is
#    past every fixed version, so it is NOT flagged, neither at
#    /usr/share/java nor inside app.jar;
#  - GHSA-7g45-4rm6-3mm3 and GHSA-5mg8-w23w-74h3 (guava < 32.0.0): the real
#    guava 31.1-jre inside app.jar is, each finding naming the jar inside
#    the jar; a real `runc run` is refused under enforce.
# Then, LABELLED AS NOT A REAL ARTIFACT: a copy of Debian's log4j-core.jar
# whose pom.properties version was rewritten to 2.14.1, to show the
# log4shell record's ranges do flag a vulnerable version (scan only).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in runc jar zip unzip python3; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
LOG4J=/usr/share/java/log4j-core.jar
GUAVA=/usr/share/java/guava.jar
[ -f "$LOG4J" ] && [ -f "$GUAVA" ] || { echo "skip: Debian's liblog4j2-java and libguava-java are not installed"; exit 77; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }
[ "$("$P" vercmp maven 31.1-jre 32.0.0 2>/dev/null)" = "<" ] || { echo "skip: no Maven order in this build"; exit 77; }

T=$(mktemp -d /tmp/pc-java-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcj-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

R=$T/rootfs
busybox_rootfs "$R"
mkdir -p "$R/etc" "$R/app" "$R/usr/share/java" "$T/boot/BOOT-INF/lib"
cp "$LOG4J" "$R/usr/share/java/log4j-core.jar"
cp "$LOG4J" "$T/boot/BOOT-INF/lib/log4j-core-2.19.0.jar"
cp "$GUAVA" "$T/boot/BOOT-INF/lib/guava-31.1-jre.jar"
printf 'Main-Class: org.springframework.boot.loader.JarLauncher\n' >"$T/manifest.txt"
jar --create --no-compress --file "$R/app/app.jar" --manifest "$T/manifest.txt" -C "$T/boot" . ||
        { echo "FAIL: jar"; exit 1; }
LOG4J_V=$(unzip -p "$LOG4J" META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties | sed -n 's/^version=//p' | tr -d '\r')
GUAVA_V=$(unzip -p "$GUAVA" META-INF/maven/com.google.guava/guava/pom.properties | sed -n 's/^version=//p' | tr -d '\r')

# The advisories as GitHub's advisory database publishes them (OSV form).
F=$T/feed
mkdir -p "$F"
cat >"$F/GHSA-jfh8-c2jp-5v3q.json" <<'EOF'
{"id": "GHSA-jfh8-c2jp-5v3q", "modified": "2025-02-13T19:19:04Z", "published": "2021-12-10T00:40:56Z",
 "aliases": ["CVE-2021-44228"], "summary": "Remote code injection in Log4j",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
 "affected": [
  {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]}]},
  {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.3.1"}]}]},
  {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.4"}, {"fixed": "2.12.2"}]}]}],
 "database_specific": {"severity": "CRITICAL"}}
EOF
cat >"$F/GHSA-7g45-4rm6-3mm3.json" <<'EOF'
{"id": "GHSA-7g45-4rm6-3mm3", "modified": "2024-02-16T08:10:30Z", "published": "2023-06-14T18:30:38Z",
 "aliases": ["CVE-2023-2976"], "summary": "Guava vulnerable to insecure use of temporary directory",
 "affected": [{"package": {"ecosystem": "Maven", "name": "com.google.guava:guava"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "32.0.0"}]}]}],
 "database_specific": {"severity": "MODERATE"}}
EOF
cat >"$F/GHSA-5mg8-w23w-74h3.json" <<'EOF'
{"id": "GHSA-5mg8-w23w-74h3", "modified": "2024-02-16T08:08:52Z", "published": "2020-12-10T18:44:27Z",
 "aliases": ["CVE-2020-8908"], "summary": "Information Disclosure in Guava",
 "affected": [{"package": {"ecosystem": "Maven", "name": "com.google.guava:guava"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "32.0.0"}]}]}],
 "database_specific": {"severity": "LOW"}}
EOF
DB=$T/vulndb.sqlite
"$P" db import "$F" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# scan: exactly the guava findings, from the jar inside the jar; log4j-core
# (both copies, found) not flagged.
"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err" || fail "scan: $(cat "$T/scan.err")"
"$P" inventory "$R" --format json >"$T/inv.json" 2>/dev/null || fail "inventory"
python3 - "$T/scan.json" "$T/inv.json" "$LOG4J_V" "$GUAVA_V" <<'PY' || fail "scan findings"
import json, sys
d, inv, log4j_v, guava_v = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
got = sorted((f["id"], f["package"], f["installed_version"], f["fixed_version"], f["severity"], f["path"])
             for f in d["findings"])
path = "/app/app.jar!BOOT-INF/lib/guava-31.1-jre.jar"
want = sorted([("GHSA-7g45-4rm6-3mm3", "com.google.guava:guava", guava_v, "32.0.0", "MEDIUM", path),
               ("GHSA-5mg8-w23w-74h3", "com.google.guava:guava", guava_v, "32.0.0", "LOW", path)])
assert got == want, "got %s" % got
log4j = sorted(p["origin_file"] for p in inv["packages"] if p["name"] == "org.apache.logging.log4j:log4j-core")
assert log4j == ["/app/app.jar!BOOT-INF/lib/log4j-core-2.19.0.jar", "/usr/share/java/log4j-core.jar"], log4j
assert all(p["version"] == log4j_v for p in inv["packages"] if p["name"].endswith(":log4j-core"))
assert not [u for u in d["unchecked"] if u["kind"] not in ("no_packages",)], d["unchecked"]
print("log4j-core %s found twice, not flagged for log4shell; guava %s flagged twice" % (log4j_v, guava_v))
PY

# runc under enforce: refused, naming the advisory.
printf '{"mode": "enforce", "severity": "MEDIUM"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
B=$T/bundle
runc_bundle "$B" "$R" "$T/config.json" example.com/spring-app:1
runc_start "$B" "pcj-$$"
[ "$RC" -ne 0 ] || fail "runc: the container started"
grep -q started <<<"$OUT" && fail "runc: the process ran"
grep -q "portcullis: blocked example.com/spring-app:1: .*GHSA-7g45-4rm6-3mm3 com.google.guava:guava" <<<"$OUT" ||
        fail "runc: no block line in: $OUT"

# NOT A REAL ARTIFACT (a unit check of the ranges, labelled as such): a copy
# of Debian's log4j-core.jar whose pom.properties says 2.14.1.
W=$T/rewritten
mkdir -p "$W/rootfs/opt" "$W/x/META-INF/maven/org.apache.logging.log4j/log4j-core"
cp "$LOG4J" "$W/rootfs/opt/log4j-core-REWRITTEN.jar"
printf 'artifactId=log4j-core\ngroupId=org.apache.logging.log4j\nversion=2.14.1\n' \
        >"$W/x/META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties"
(cd "$W/x" && zip -q "$W/rootfs/opt/log4j-core-REWRITTEN.jar" META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties) ||
        fail "zip: rewrite the copy"
"$P" scan "$W/rootfs" --db "$DB" --format json >"$W/scan.json" 2>/dev/null
python3 - "$W/scan.json" <<'PY' || fail "rewritten copy: log4shell not flagged"
import json, sys
d = json.load(open(sys.argv[1]))
got = [(f["id"], f["installed_version"], f["fixed_version"], f["severity"]) for f in d["findings"]]
assert got == [("GHSA-jfh8-c2jp-5v3q", "2.14.1", "2.15.0", "CRITICAL")], got
PY

# A jar known only by its file name (no pom.properties, no manifest): no
# groupId, so no Maven record can name it; not checked ("unidentified"),
# so --fail-on does not pass it.
U=$T/unidentified
mkdir -p "$U/rootfs/etc" "$U/rootfs/opt" "$U/x"
printf 'ID=debian\nVERSION_ID="12"\n' >"$U/rootfs/etc/os-release"
echo data >"$U/x/data.txt"
(cd "$U/x" && zip -q "$U/rootfs/opt/mylib-1.2.3.jar" data.txt) || fail "zip: file-name-only jar"
"$P" scan "$U/rootfs" --db "$DB" --format json --fail-on CRITICAL >"$U/scan.json" 2>/dev/null
[ $? -eq 1 ] || fail "file-name-only jar: scan --fail-on CRITICAL passed"
python3 - "$U/scan.json" <<'PY' || fail "file-name-only jar: not reported as unidentified"
import json, sys
d = json.load(open(sys.argv[1]))
u = [u for u in d["unchecked"] if u["kind"] == "unidentified"]
assert len(u) == 1 and u[0]["subject"] == "mylib 1.2.3" and u[0]["packages"] == 1, d["unchecked"]
assert "/opt/mylib-1.2.3.jar: named 'mylib' from its file name, without the groupId" in u[0]["reason"], u[0]
PY

[ "$fails" -eq 0 ] || exit 1
echo "ok: Debian's log4j-core $LOG4J_V not flagged for log4shell; guava $GUAVA_V in a nested jar flagged; runc refused; a rewritten 2.14.1 copy flagged; a file-name-only jar not checked (unidentified)"
