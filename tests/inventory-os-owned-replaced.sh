#!/bin/sh
# A file an OS package installed is the package's (inventory-owned.c), but
# a Java archive there may have been replaced in the image, and then it is
# not: `cp log4j-core-2.14.1.jar /usr/share/java/log4j-core-2.19.0.jar`
# writes through Debian's symlink over the package's jar, `mv` puts a jar
# where the package installed a symlink.  On a rootfs made of this
# machine's real Debian Java package (its status stanza, its files as
# dpkg -L lists them, its real .list and .md5sums):
#  - as installed: its jars are its own (each checked against md5sums, so
#    our MD5 must agree with dpkg's), no Maven package, no warning;
#  - another real jar written through the package's symlink (over its real
#    file) and one put in place of a symlink: each read as the image's own,
#    its packages the pom.properties Python's zipfile finds in it, each at
#    the path where it is, and a warning naming the path.
# The same with a package rpmbuild made and rpm installed (--justdb): its
# header's FILEDIGESTS (SHA-256) instead of md5sums.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail()
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
command -v dpkg-query >/dev/null || { echo "skip: no dpkg-query"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# A Debian package whose md5sums lists a jar in /usr/share/java and whose
# list holds a symlink to it there; and two jars of other packages, each
# with pom.properties.
pick=$("$PY" - <<'PY'
import glob, os, zipfile
def poms(j):
    try:
        return any(n.endswith("/pom.properties") for n in zipfile.ZipFile(j).namelist())
    except Exception:
        return False
pkg = None
for sums in sorted(glob.glob("/var/lib/dpkg/info/*.md5sums")):
    base = sums[:-len(".md5sums")]
    jars = [l.split(None, 1)[1].strip() for l in open(sums, errors="replace")
            if l.rstrip().endswith(".jar") and " usr/share/java/" in l]
    if not jars or not os.path.exists(base + ".list"):
        continue
    real = "/" + jars[0]
    links = [p.strip() for p in open(base + ".list") if p.strip().startswith("/usr/share/java/") and
             os.path.islink(p.strip()) and os.path.realpath(p.strip()) == real]
    if links and poms(real):
        pkg = (os.path.basename(base).split(":")[0], real, links[0])
        break
others = [j for j in sorted(glob.glob("/usr/share/java/*-[0-9]*.jar"))
          if not os.path.islink(j) and pkg and j != pkg[1] and poms(j)]
if pkg and len(others) >= 2:
    print(pkg[0], pkg[1], pkg[2], others[0], others[1])
PY
)
set -- $pick
[ $# -eq 5 ] || { echo "skip: no Debian Java package with a jar, a symlink to it and md5sums here"; exit 77; }
PKG=$1 REAL=$2 LINK=$3 OTHER1=$4 OTHER2=$5
echo "package $PKG: $REAL, $LINK -> it; replaced by $OTHER1, $OTHER2"

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg/info"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
dpkg-query -s "$PKG" >"$R/var/lib/dpkg/status"
list=$(ls /var/lib/dpkg/info/"$PKG".list /var/lib/dpkg/info/"$PKG":*.list 2>/dev/null | head -1)
cp "$list" "${list%.list}.md5sums" "$R/var/lib/dpkg/info/"
# the package's files as dpkg installed them, symlinks as symlinks
grep -v '^/\.$' "$list" | while read -r f; do [ -e "$f" ] || [ -L "$f" ] && [ ! -d "$f" ] && echo "${f#/}"; done \
        >"$T/files"
tar -C / -cf - --no-recursion -T "$T/files" | tar -C "$R" -xf -
[ -L "$R$LINK" ] && [ -f "$R$REAL" ] || fail "the package's files were not copied: $(ls -l "$R$LINK" "$R$REAL")"

# Maven packages of the inventory, "NAME VERSION ORIGIN" a line, sorted.
maven() {
        "$P" inventory "$R" --format json 2>"$T/err" | "$PY" -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["ecosystem"] == "Maven":
        print(p["name"], p["version"], p["origin_file"])' | sort
}
# What pom.properties say of jar $1 found at path $2, as maven() prints.
poms() {
        "$PY" - "$1" "$2" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in sorted(z.namelist()):
    if n.startswith("META-INF/") and n.endswith("/pom.properties"):
        p = dict(l.split("=", 1) for l in z.read(n).decode().splitlines() if "=" in l and not l.startswith("#"))
        print("%s:%s %s %s" % (p["groupId"], p["artifactId"], p["version"].strip(), sys.argv[2]))
PY
}

out=$(maven)
[ -z "$out" ] || fail "the package's own jars were read as Maven packages: $out"
[ -s "$T/err" ] && fail "warnings for the package as installed: $(cat "$T/err")"

# cp writes through the symlink, over the package's real jar
cp "$OTHER1" "$R$LINK"
[ -L "$R$LINK" ] || fail "cp replaced the symlink"
want=$(poms "$OTHER1" "$REAL" | sort)
out=$(maven)
[ "$out" = "$want" ] || fail "a jar written over the package's: got '$out', want '$want'"
grep -q "$REAL: not the file its OS package installed (its MD5 is not the one the package database lists)" "$T/err" ||
        fail "no warning for the replaced jar: $(cat "$T/err")"

# a regular file where the package installed a symlink
rm "$R$LINK" && cp "$OTHER2" "$R$LINK"
want=$( (poms "$OTHER1" "$REAL"; poms "$OTHER2" "$LINK") | sort)
out=$(maven)
[ "$out" = "$want" ] || fail "a jar in place of the package's symlink: got '$out', want '$want'"
grep -q "$LINK: not the file its OS package installed (the package installed no regular file there)" "$T/err" ||
        fail "no warning for the jar in place of a symlink: $(cat "$T/err")"

# ---- rpm: the same, by the FILEDIGESTS of a package rpmbuild made --------------
if ! command -v rpm >/dev/null || ! command -v rpmbuild >/dev/null; then
        echo "rpm: rpm or rpmbuild not installed; part skipped"
        [ "$fails" -eq 0 ] || exit 1
        exit 0
fi
R=$T/rpmroot
B=$T/rpmbuild
mkdir -p "$R/etc" "$R/var/lib/rpm" "$R/usr/share/java" "$B/SPECS"
printf 'ID="rocky"\nVERSION_ID="9.3"\n' >"$R/etc/os-release"
cat >"$B/SPECS/pcjava.spec" <<SPEC
Name: pcjava
Version: 1.0
Release: 1.el9
Summary: a jar and its versioned symlink
License: MIT
%description
a jar
%install
mkdir -p %{buildroot}/usr/share/java
cp $REAL %{buildroot}/usr/share/java/pc.jar
ln -s pc.jar %{buildroot}/usr/share/java/pc-1.0.jar
%files
/usr/share/java/pc.jar
/usr/share/java/pc-1.0.jar
SPEC
if ! rpmbuild --define "_topdir $B" --define "__os_install_post %{nil}" --define "debug_package %{nil}" \
                --define "_build_id_links none" -bb "$B/SPECS/pcjava.spec" >"$T/rpmbuild.log" 2>&1 ||
        ! rpm --dbpath "$R/var/lib/rpm" --initdb ||
        ! rpm --dbpath "$R/var/lib/rpm" -i --justdb --nodeps --noscripts --ignorearch --ignoreos \
                "$B"/RPMS/*/pcjava-1.0-1.el9.*.rpm >>"$T/rpmbuild.log" 2>&1; then
        fail "rpmbuild or rpm -i --justdb: $(tail -5 "$T/rpmbuild.log")"
        exit 1
fi
cp "$REAL" "$R/usr/share/java/pc.jar"
ln -s pc.jar "$R/usr/share/java/pc-1.0.jar"
out=$(maven)
[ -z "$out" ] || fail "rpm: the package's own jar was read as Maven packages: $out"
[ -s "$T/err" ] && fail "rpm: warnings for the package as installed: $(cat "$T/err")"
cp "$OTHER1" "$R/usr/share/java/pc-1.0.jar"
want=$(poms "$OTHER1" /usr/share/java/pc.jar | sort)
out=$(maven)
[ "$out" = "$want" ] || fail "rpm: a jar written over the package's: got '$out', want '$want'"
grep -q "/usr/share/java/pc.jar: not the file its OS package installed (its [A-Z0-9-]* is not the one the package database lists)" \
        "$T/err" || fail "rpm: no warning for the replaced jar: $(cat "$T/err")"
rm "$R/usr/share/java/pc-1.0.jar" && cp "$OTHER2" "$R/usr/share/java/pc-1.0.jar"
want=$( (poms "$OTHER1" /usr/share/java/pc.jar; poms "$OTHER2" /usr/share/java/pc-1.0.jar) | sort)
out=$(maven)
[ "$out" = "$want" ] || fail "rpm: a jar in place of the package's symlink: got '$out', want '$want'"
grep -q "/usr/share/java/pc-1.0.jar: not the file its OS package installed (the package installed no regular file there)" \
        "$T/err" || fail "rpm: no warning for the jar in place of a symlink: $(cat "$T/err")"

[ "$fails" -eq 0 ] || exit 1
