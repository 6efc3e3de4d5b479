#!/bin/sh
# Executables that are archives, which no file name gives away:
#  - Debian's real jars (/usr/share/java) made executable without a Java
#    archive's extension: as they are (a zip's head), and behind a launch
#    script (Spring Boot's "fully executable" jar); `java -jar` runs either
#    whatever its name.  Their packages must be the pom.properties that
#    Python's zipfile finds in them (it reads a zip behind a script too),
#    each at the executable's path;
#  - a Python zipapp (`python3 -m zipapp -p`), an executable zip with no
#    Java package: said as not checked, never passed in silence;
#  - a shell script: nothing;
#  - a Go binary packed by UPX (when upx is installed): not checked.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail()
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Two Debian jars with pom.properties (versioned names: the real files).
jars=$("$PY" - <<'PY'
import glob, zipfile
found = []
for j in sorted(glob.glob("/usr/share/java/*-[0-9]*.jar")):
    try:
        if any(n.endswith("/pom.properties") for n in zipfile.ZipFile(j).namelist()):
            found.append(j)
    except Exception:
        pass
print(" ".join(found[:2]))
PY
)
set -- $jars
[ $# -eq 2 ] || { echo "skip: fewer than two jars with pom.properties in /usr/share/java"; exit 77; }

R=$T/rootfs
mkdir -p "$R/usr/local/bin" "$R/opt/svc" "$T/zipapp"
{ printf '#!/bin/bash\n# a launch script, as Spring Boot writes one\nexec java -jar "$0" "$@"\n'; cat "$1"; } \
        >"$R/usr/local/bin/app"
cp "$2" "$R/opt/svc/svc"
printf 'print("hello")\n' >"$T/zipapp/__main__.py"
"$PY" -m zipapp "$T/zipapp" -p '/usr/bin/env python3' -o "$R/opt/svc/tool"
printf '#!/bin/sh\necho hello\n' >"$R/opt/svc/run"
chmod 755 "$R/usr/local/bin/app" "$R/opt/svc/svc" "$R/opt/svc/tool" "$R/opt/svc/run"

"$P" inventory "$R" --format json >"$T/inv.json" 2>"$T/err" || fail "inventory: $(cat "$T/err")"
"$PY" - "$R" "$T/inv.json" <<'PY' || fail "the executable jars differ from their pom.properties"
import json, sys, zipfile
root, ours = sys.argv[1], json.load(open(sys.argv[2]))
theirs = set()
for rel in ("/usr/local/bin/app", "/opt/svc/svc"):
    z = zipfile.ZipFile(root + rel)
    for n in z.namelist():
        if n.startswith("META-INF/") and n.endswith("/pom.properties"):
            props = dict(l.split("=", 1) for l in z.read(n).decode().splitlines() if "=" in l and not l.startswith("#"))
            theirs.add(("%s:%s" % (props["groupId"], props["artifactId"]), props["version"].strip(), rel))
got = {(p["name"], p["version"], p["origin_file"]) for p in ours["packages"] if p["ecosystem"] == "Maven"}
if got != theirs or not theirs:
    print("only ours:", sorted(got - theirs)); print("only pom.properties:", sorted(theirs - got)); sys.exit(1)
print("%d packages in two executable jars, as their pom.properties say" % len(got))
PY
grep -q "/opt/svc/tool: an executable zip archive in which no package was found; not checked" "$T/err" ||
        fail "the zipapp was not said as not checked: $(cat "$T/err")"
grep -q "/opt/svc/run" "$T/err" && fail "a shell script was said: $(cat "$T/err")"

# ---- UPX ----------------------------------------------------------------------
GO_ELF=$(go_elf)
if command -v upx >/dev/null && [ -n "$GO_ELF" ]; then
        U=$T/upx
        mkdir -p "$U/usr/local/bin"
        cp "$GO_ELF" "$U/usr/local/bin/packed" && chmod 755 "$U/usr/local/bin/packed"
        if upx -q "$U/usr/local/bin/packed" >/dev/null 2>&1; then
                "$P" inventory "$U" --format json >/dev/null 2>"$T/upx.err"
                grep -q "/usr/local/bin/packed: an executable compressed with UPX" "$T/upx.err" ||
                        fail "a UPX-packed Go binary was not said as not checked: $(cat "$T/upx.err")"
        else
                echo "upx: could not pack $GO_ELF; part skipped"
        fi
else
        echo "upx: not installed (or no Go binary); part skipped (test-inventory-binary checks the marker)"
fi

[ "$fails" -eq 0 ] || exit 1
