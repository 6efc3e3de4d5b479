#!/bin/bash
# Java archives as the jars themselves say, on real artifacts, through the
# real CLI (the reader runs in the sandboxed analysis child):
#  - every jar Debian installed in /usr/share/java (liblog4j2-java's among
#    them), against what their own pom.properties say (unzip -p): exactly
#    the same groupId:artifactId and version per jar; the jars without one
#    are listed as guesses (guessed_from), never passed over;
#  - ../shared/data/langpkg/trivy/java (trivy's test jars: shaded, nested
#    three deep, MANIFEST.MF only, file name only) against its expected.json;
#  - a Spring-Boot-style jar, a war and an ear built here with the JDK's
#    `jar` tool from Debian's real jars: each nested package named with the
#    jar inside the jar it came from;
#  - NiFi's .nar, JBoss's .sar, Karaf's .kar, Liferay's .lpkg and resource
#    adapters (.rar), built here with Python's zipfile: their jars read;
#  - hostile archives: a zip bomb, nesting deeper than the cap, an entry
#    declaring 4 GB, a .jar that is not a zip, a symlinked jar pointing out
#    of the root: the inventory still succeeds, every cap is a warning and a
#    note in "skipped", and `scan` reports the image as incomplete.
set -u
P=${PORTCULLIS:?}
for t in python3 unzip; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
SHARED=${PC_SHARED_DATA:-$(dirname "$0")/../../shared/data}

# ---- Debian's jars against their own pom.properties ---------------------------
R=$T/debian
mkdir -p "$R/usr/share/java"
find /usr/share/java -maxdepth 1 -type f -name '*.jar' -exec cp {} "$R/usr/share/java/" \;
n_jars=$(ls "$R/usr/share/java" | wc -l)
[ "$n_jars" -gt 0 ] || { echo "skip: no jars in /usr/share/java (install liblog4j2-java)"; exit 77; }
"$P" inventory "$R" --format json >"$T/debian.json" 2>"$T/debian.err" || fail "debian: inventory: $(cat "$T/debian.err")"
# theirs: every pom.properties in each jar, read with unzip -p
for j in "$R"/usr/share/java/*.jar; do
        for e in $(unzip -Z1 "$j" 2>/dev/null | grep -E '^META-INF/.*/pom\.properties$'); do
                printf '%s\t' "/usr/share/java/$(basename "$j")"
                unzip -p "$j" "$e" | tr -d '\r' | awk -F= '/^groupId=/{g=$2} /^artifactId=/{a=$2} /^version=/{v=$2}
                        END {printf "%s:%s\t%s\n", g, a, v}'
        done
done | sort >"$T/theirs.tsv"
python3 - "$T/debian.json" "$T/theirs.tsv" "$n_jars" <<'PY' || fail "debian: differs from the jars' pom.properties"
import json, sys
d = json.load(open(sys.argv[1]))
theirs = set(tuple(l.rstrip("\n").split("\t")) for l in open(sys.argv[2]) if l.strip())
ours = set((p["origin_file"], p["name"], p["version"]) for p in d["packages"] if "guessed_from" not in p)
assert all(p["ecosystem"] == "Maven" and p["purl"].startswith("pkg:maven/") for p in d["packages"])
assert ours == theirs, "only ours: %s; only theirs: %s" % (sorted(ours - theirs)[:5], sorted(theirs - ours)[:5])
with_pom = set(o for o, _, _ in theirs)
guessed = [p for p in d["packages"] if "guessed_from" in p]
assert all(p["origin_file"] not in with_pom for p in guessed), "a guess for a jar with pom.properties"
assert "skipped" not in d, d.get("skipped")
print("debian: %d jars, %d packages from pom.properties, %d guessed" % (int(sys.argv[3]), len(ours), len(guessed)))
PY
# liblog4j2-java: log4j-core at Debian's upstream version, from its pom.properties
if v=$(dpkg-query -W -f='${Version}' liblog4j2-java 2>/dev/null) && [ -f "$R/usr/share/java/log4j-core.jar" ]; then
        python3 - "$T/debian.json" "${v%%-*}" <<'PY' || fail "debian: log4j-core"
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["packages"] if p["name"] == "org.apache.logging.log4j:log4j-core"]
assert len(p) == 1 and p[0]["version"] == sys.argv[2] and p[0]["origin_file"] == "/usr/share/java/log4j-core.jar", p
assert p[0]["purl"] == "pkg:maven/org.apache.logging.log4j/log4j-core@" + sys.argv[2], p
PY
        # Jenkins plugins are jars by another name: read as one
        mkdir -p "$T/jenkins/var/jenkins_home/plugins"
        cp "$R/usr/share/java/log4j-core.jar" "$T/jenkins/var/jenkins_home/plugins/log4j.hpi"
        cp "$R/usr/share/java/log4j-core.jar" "$T/jenkins/var/jenkins_home/plugins/log4j-too.JPI"
        "$P" inventory "$T/jenkins" --format json >"$T/jenkins.json" 2>/dev/null || fail "jenkins: inventory"
        python3 - "$T/jenkins.json" "${v%%-*}" <<'PY' || fail "jenkins: .hpi / .jpi not read as jars"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted(p["origin_file"] for p in d["packages"] if p["name"] == "org.apache.logging.log4j:log4j-core"
             and p["version"] == sys.argv[2])
assert got == ["/var/jenkins_home/plugins/log4j-too.JPI", "/var/jenkins_home/plugins/log4j.hpi"], got
PY
else
        echo "note: liblog4j2-java is not installed; its check was not run"
fi

# ---- trivy's test jars against its expected.json ------------------------------
TJ=$SHARED/langpkg/trivy/java
if [ -f "$TJ/expected.json" ]; then
        R=$T/trivy
        mkdir -p "$R/testdata"
        cp "$TJ"/*.jar "$R/testdata/"
        "$P" inventory "$R" --format json >"$T/trivy.json" 2>"$T/trivy.err" || fail "trivy: inventory"
        python3 - "$T/trivy.json" "$TJ/expected.json" <<'PY' || fail "trivy: differs from expected.json"
import json, sys
d = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))["expected"]
ours = {(p["origin_file"].lstrip("/").replace("!", "/"), p["name"], p["version"]): p for p in d["packages"]}
for case in ("wantOffline", "wantFatjar", "wantNestedJar"):
    for w in want[case]:
        k = (w["FilePath"], w["Name"], w["Version"])
        assert k in ours, "%s: %s missing; ours %s" % (case, k, sorted(ours))
# wantOffline's MANIFEST.MF name is a guess, and marked so
assert ours[("testdata/test.jar", "org.springframework:Spring Framework", "2.5.6.SEC03")]["guessed_from"] == "MANIFEST.MF"
# wantHeuristic takes its groupId from a Maven Central search (mocked
# upstream); offline only the file name's artifactId and version are known
for w in want["wantHeuristic"]:
    k = (w["FilePath"], w["Name"].split(":")[1], w["Version"])
    assert k in ours and ours[k]["guessed_from"] == "file name", k
n = sum(len(want[c]) for c in ("wantOffline", "wantFatjar", "wantNestedJar", "wantHeuristic"))
print("trivy: %d expected packages found" % n)
PY
else
        echo "note: $TJ is not there; trivy's jars were not checked"
fi

# ---- nested archives built from real jars ---------------------------------------
LOG4J=/usr/share/java/log4j-core.jar
GUAVA=/usr/share/java/guava.jar
if command -v jar >/dev/null && [ -f "$LOG4J" ] && [ -f "$GUAVA" ]; then
        R=$T/nested
        B=$T/build
        mkdir -p "$R/app" "$B/boot/BOOT-INF/lib" "$B/boot/BOOT-INF/classes" "$B/war/WEB-INF/lib" "$B/ear"
        cp "$LOG4J" "$B/boot/BOOT-INF/lib/log4j-core-2.19.0.jar"
        cp "$GUAVA" "$B/boot/BOOT-INF/lib/guava-31.1-jre.jar"
        printf 'Main-Class: org.springframework.boot.loader.JarLauncher\n' >"$T/manifest.txt"
        # Spring Boot stores the nested jars uncompressed (-0)
        jar --create --no-compress --file "$R/app/app.jar" --manifest "$T/manifest.txt" -C "$B/boot" . ||
                fail "jar: app.jar"
        cp "$LOG4J" "$B/war/WEB-INF/lib/"
        jar --create --file "$B/ear/web.war" -C "$B/war" . || fail "jar: web.war"
        jar --create --file "$R/app/site.ear" -C "$B/ear" . || fail "jar: site.ear"
        "$P" inventory "$R" --format json >"$T/nested.json" 2>"$T/nested.err" || fail "nested: inventory"
        python3 - "$T/nested.json" <<'PY' || fail "nested: packages and origins"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((p["origin_file"], p["name"]) for p in d["packages"] if "guessed_from" not in p)
want = sorted([
    ("/app/app.jar!BOOT-INF/lib/log4j-core-2.19.0.jar", "org.apache.logging.log4j:log4j-core"),
    ("/app/app.jar!BOOT-INF/lib/guava-31.1-jre.jar", "com.google.guava:guava"),
    ("/app/site.ear!web.war!WEB-INF/lib/log4j-core.jar", "org.apache.logging.log4j:log4j-core"),
])
assert got == want, got
assert "skipped" not in d, d["skipped"]
PY
else
        echo "note: no jar tool or no Debian log4j/guava jars; the nested archives were not built"
fi

# ---- the other names Java archives go by -----------------------------------------
# NiFi's .nar (its jars in META-INF/bundled-dependencies), JBoss's .sar,
# Karaf's .kar, Liferay's .lpkg, a resource adapter (.rar) deployed and in
# an ear, in any case: each one's jars are read.  A RAR archive named .rar
# is no Java archive: passed over without a word.
R=$T/kinds
mkdir -p "$R"
python3 - "$R" <<'PY' || fail "kinds: build"
import io, os, sys, zipfile
root = sys.argv[1]
def jar(g, a, v):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("META-INF/maven/%s/%s/pom.properties" % (g, a), "groupId=%s\nartifactId=%s\nversion=%s\n" % (g, a, v))
    return b.getvalue()
def archive(path, entries):
    path = os.path.join(root, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for name, data in entries:
            z.writestr(name, data)
    open(path, "wb").write(b.getvalue())
    return b.getvalue()
archive("opt/nifi/lib/nifi-standard-nar-1.0.nar",
        [("META-INF/bundled-dependencies/jackson-databind-2.9.0.jar", jar("com.fasterxml.jackson.core", "jackson-databind", "2.9.0"))])
archive("opt/jboss/deploy/app.sar", [("lib/cc.jar", jar("commons-collections", "commons-collections", "3.2.1"))])
archive("opt/karaf/deploy/feature.kar", [("repository/l/log4j-core-2.14.1.jar", jar("org.apache.logging.log4j", "log4j-core", "2.14.1"))])
archive("opt/liferay/deploy/app.LPKG", [("text.jar", jar("org.apache.commons", "commons-text", "1.9"))])
rar = archive("opt/wildfly/deployments/adapter.rar", [("lib/snakeyaml.jar", jar("org.yaml", "snakeyaml", "1.26"))])
archive("opt/app/site.ear", [("connector.rar", rar)])
open(os.path.join(root, "opt/app/photos.rar"), "wb").write(b"Rar!\x1a\x07\x01\x00" + bytes(64))
PY
"$P" inventory "$R" --format json >"$T/kinds.json" 2>"$T/kinds.err" || fail "kinds: inventory: $(cat "$T/kinds.err")"
python3 - "$T/kinds.json" "$T/kinds.err" <<'PY' || fail "kinds: the jars in .nar/.sar/.kar/.lpkg/.rar"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((p["origin_file"], p["name"]) for p in d["packages"] if "guessed_from" not in p)
want = sorted([
    ("/opt/nifi/lib/nifi-standard-nar-1.0.nar!META-INF/bundled-dependencies/jackson-databind-2.9.0.jar",
     "com.fasterxml.jackson.core:jackson-databind"),
    ("/opt/jboss/deploy/app.sar!lib/cc.jar", "commons-collections:commons-collections"),
    ("/opt/karaf/deploy/feature.kar!repository/l/log4j-core-2.14.1.jar", "org.apache.logging.log4j:log4j-core"),
    ("/opt/liferay/deploy/app.LPKG!text.jar", "org.apache.commons:commons-text"),
    ("/opt/wildfly/deployments/adapter.rar!lib/snakeyaml.jar", "org.yaml:snakeyaml"),
    ("/opt/app/site.ear!connector.rar!lib/snakeyaml.jar", "org.yaml:snakeyaml"),
])
assert got == want, got
assert "photos" not in open(sys.argv[2]).read() and "skipped" not in d, d.get("skipped")
PY

# ---- hostile archives -------------------------------------------------------------
R=$T/hostile
mkdir -p "$R/app" "$R/outside"
REAL=$GUAVA
[ -f "$REAL" ] || REAL=$TJ/multi-license-1.0.0.jar
python3 - "$R/app" "$REAL" <<'PY' || fail "hostile: build the archives"
import io, os, struct, sys, zipfile
d = sys.argv[1]
POM = b"groupId=org.example\nartifactId=%s\nversion=1.0.0\n"
def jar(entries, path=None, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for n, data in entries:
            z.writestr(n, data)
    if path:
        open(path, "wb").write(b.getvalue())
    return b.getvalue()
# a zip bomb: a nested "jar" of 60 MB of zeros (under the 64 MiB cap) deflates to ~60 KB
jar([("META-INF/maven/org.example/bomb/pom.properties", POM % b"bomb"),
     ("BOOT-INF/lib/zeros.jar", bytes(60 << 20))], os.path.join(d, "bomb.jar"))
# six archives, each inside the one before
inner = jar([("META-INF/maven/org.example/level5/pom.properties", POM % b"level5")])
for i in range(4, -1, -1):
    inner = jar([("META-INF/maven/org.example/level%d/pom.properties" % i, POM % (b"level%d" % i)),
                 ("lib/level%d.jar" % (i + 1), inner)], os.path.join(d, "deep.jar") if i == 0 else None)
# an entry declaring 4 GB (local header and central directory; the data is 60 bytes)
raw = bytearray(jar([("META-INF/maven/org.example/huge/pom.properties", POM % b"huge")]))
cd = raw.rfind(b"PK\x01\x02")
struct.pack_into("<I", raw, cd + 24, 0xFFFFFFF0)
struct.pack_into("<I", raw, 22, 0xFFFFFFF0)
open(os.path.join(d, "huge.jar"), "wb").write(raw)
# not a zip
open(os.path.join(d, "notazip.jar"), "wb").write(b"#!/bin/sh\necho this is not a jar\n" * 100)
# a real jar inside one under a UTF-8 name (which libarchive can't spell in the C locale)
jar([("BOOT-INF/lib/g\u00fcava.jar", open(sys.argv[2], "rb").read())], os.path.join(d, "utf8.jar"))
PY
cp "$GUAVA" "$R/outside/guava.jar" 2>/dev/null || cp "$TJ/multi-license-1.0.0.jar" "$R/outside/guava.jar"
ln -s ../../../../../../../../../usr/share/java/log4j-core.jar "$R/app/escape.jar"
ln -s /outside/guava.jar "$R/app/inside-link.jar"
"$P" inventory "$R" --format json >"$T/hostile.json" 2>"$T/hostile.err" || fail "hostile: inventory: $(cat "$T/hostile.err")"
python3 - "$T/hostile.json" "$T/hostile.err" <<'PY' || fail "hostile: caps"
import json, sys
d = json.load(open(sys.argv[1]))
# the jar under a non-ASCII name is read all the same
assert [p for p in d["packages"] if p["origin_file"] == "/app/utf8.jar!(entry 1, a name not in ASCII)"], d["packages"]
err = open(sys.argv[2]).read()
names = set(p["name"] for p in d["packages"])
origins = set(p["origin_file"] for p in d["packages"])
skipped = "\n".join(d.get("skipped", []))
# the bomb: its own package is there, the zeros were cut short
assert "org.example:bomb" in names, names
assert "/app/bomb.jar!BOOT-INF/lib/zeros.jar" in skipped and "zip bomb" in skipped, skipped
# nesting: levels 0-3 read, level 4 (the fourth archive inside) not
assert {"org.example:level%d" % i for i in range(4)} <= names and "org.example:level4" not in names, names
assert "nested more than 3 deep" in skipped, skipped
# a declared 4 GB entry is not inflated
assert "org.example:huge" not in names and "/app/huge.jar!META-INF/maven/org.example/huge/pom.properties: declares" in skipped, skipped
# not a zip: a warning, nothing skipped for it
assert "/app/notazip.jar: not a zip archive" in err and "notazip" not in skipped, err
# symlinks are never followed: only the real file under /outside is read
assert not [o for o in origins if "escape" in o or "inside-link" in o], origins
assert "/outside/guava.jar" in origins, origins
# every note is also a warning
for s in d["skipped"]:
    assert s[:40] in err, s
PY
# scan: the image is reported as not completely checked
mkdir -p "$T/feed"
cat >"$T/feed/GHSA-7g45-4rm6-3mm3.json" <<'EOF'
{"id": "GHSA-7g45-4rm6-3mm3", "modified": "2024-02-16T08:10:30Z", "aliases": ["CVE-2023-2976"],
 "summary": "Guava vulnerable to insecure use of temporary directory",
 "affected": [{"package": {"ecosystem": "Maven", "name": "com.google.guava:guava"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "32.0.0"}]}]}],
 "database_specific": {"severity": "MODERATE"}}
EOF
"$P" db import "$T/feed" --db "$T/db.sqlite" >/dev/null || fail "db import"
"$P" scan "$R" --db "$T/db.sqlite" --format json >"$T/scan.json" 2>/dev/null
python3 - "$T/scan.json" <<'PY' || fail "hostile: scan does not report the image as incomplete"
import json, sys
d = json.load(open(sys.argv[1]))
kinds = [u["kind"] for u in d["unchecked"]]
assert kinds.count("incomplete") >= 3, d["unchecked"]
PY

[ "$fails" -eq 0 ] || exit 1
echo "ok: Debian's jars as their pom.properties say, trivy's jars, nested archives from real jars, hostile archives capped"
