#!/bin/bash
# Files an OS package installed are that package's (lib/inventory/
# inventory-owned.c): a Debian rootfs whose dpkg info/<package>.list files
# list a Python dist-info folder and a Go binary (at /bin/gobin, which
# merged /usr puts at /usr/bin/gobin behind the bin -> usr/bin symlink)
# reports neither as PyPI or Go packages, while the same kinds of files that
# no installed package lists (pip's /usr/local, an app under /opt, which only
# the leftover list of a package no longer installed names) are read.  Without
# the lists, every one of them is read: ownership, not the place, decides.
# A .list that can't be read is said, and its files are read as anyone's.
# apk's installed database owns files the same way (F: and R: lines).
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail(), go_elf(), dist_info()
GO_ELF=$(go_elf)
[ -n "$GO_ELF" ] || { echo "skip: no Go binary (../shared/data or runc)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

R=$T/rootfs
mkdir -p "$R/etc" "$R/usr/bin" "$R/var/lib/dpkg/info" "$R/opt/app"
ln -s usr/bin "$R/bin"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
cat >"$R/var/lib/dpkg/status" <<'STATUS'
Package: python3-foo
Status: install ok installed
Architecture: all
Version: 1.0-1+deb12u1

Package: gobin
Status: install ok installed
Architecture: amd64
Version: 2.0-1

STATUS
dist_info "$R/usr/lib/python3/dist-packages" foo 1.0
dist_info "$R/usr/local/lib/python3.11/dist-packages" bar 2.0
cp "$GO_ELF" "$R/usr/bin/gobin" && cp "$GO_ELF" "$R/opt/app/gobin2" && chmod 755 "$R/usr/bin/gobin" "$R/opt/app/gobin2"
printf '/.\n/usr\n/usr/lib\n/usr/lib/python3\n/usr/lib/python3/dist-packages\n/usr/lib/python3/dist-packages/foo-1.0.dist-info\n/usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA\n' \
        >"$R/var/lib/dpkg/info/python3-foo.list"
printf '/.\n/bin\n/bin/gobin\n' >"$R/var/lib/dpkg/info/gobin:amd64.list"
# The list of a package the status file does not hold (removed, its list
# left behind) owns nothing.
printf '/.\n/opt\n/opt/app\n/opt/app/gobin2\n' >"$R/var/lib/dpkg/info/gone.list"

# The packages of the inventory, one "ECOSYSTEM NAME ORIGIN" a line.
pkgs() {
        "$P" inventory "$R" --format json 2>"$T/err" | python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    print(p["ecosystem"], p["name"], p["origin_file"])' | sort
}
out=$(pkgs)
grep -q "^Debian:12 python3-foo /var/lib/dpkg/status$" <<<"$out" || fail "the dpkg packages are missing: $out"
grep -q "^PyPI bar /usr/local/lib/python3.11/dist-packages/bar-2.0.dist-info/METADATA$" <<<"$out" ||
        fail "pip's package that no OS package lists was not read: $out"
grep -q " /opt/app/gobin2$" <<<"$out" || fail "the Go binary no installed OS package lists was not read: $out"
grep -q "^PyPI foo " <<<"$out" && fail "python3-foo's dist-info was read as a PyPI package: $out"
grep -q " /usr/bin/gobin$" <<<"$out" && fail "the Go binary dpkg lists (at /bin/gobin, merged /usr) was read: $out"
[ -s "$T/err" ] && fail "warnings for a sound rootfs: $(cat "$T/err")"

# Without the lists nothing is anyone's: all four are read.
mv "$R/var/lib/dpkg/info" "$T/info"
out=$(pkgs)
grep -q "^PyPI foo /usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA$" <<<"$out" ||
        fail "without the lists, the dist-info was not read: $out"
grep -q " /usr/bin/gobin$" <<<"$out" || fail "without the lists, /usr/bin/gobin was not read: $out"

# An info that is not a folder lists nothing: nothing is taken as owned.
printf 'not a folder\n' >"$R/var/lib/dpkg/info"
out=$(pkgs)
grep -q "^PyPI foo " <<<"$out" || fail "with info not a folder, the dist-info was not read: $out"
rm "$R/var/lib/dpkg/info"
mv "$T/info" "$R/var/lib/dpkg/info"

# Without merged /usr, /bin/gobin does not name /usr/bin/gobin.
rm "$R/bin" && mkdir "$R/bin"
out=$(pkgs)
grep -q " /usr/bin/gobin$" <<<"$out" || fail "with a real /bin, the listed /bin/gobin kept /usr/bin/gobin from being read: $out"
rmdir "$R/bin" && ln -s usr/bin "$R/bin"

# A .list that is not a file: said, and its files read as anyone's.
mv "$R/var/lib/dpkg/info/gobin:amd64.list" "$T/gobin.list"
mkdir "$R/var/lib/dpkg/info/gobin:amd64.list"
out=$(pkgs)
grep -q "gobin:amd64.list is not a regular file; its files are read as anyone's" "$T/err" ||
        fail "an unreadable .list was not said: $(cat "$T/err")"
grep -q " /usr/bin/gobin$" <<<"$out" || fail "the files of an unreadable .list were not read: $out"
grep -q "^PyPI foo " <<<"$out" && fail "an unreadable .list changed another list's files: $out"

# apk: a kept package's F: (folder) and R: (file) lines own them.
A=$T/alpine
mkdir -p "$A/etc" "$A/lib/apk/db" "$A/usr/bin"
printf 'ID=alpine\nVERSION_ID=3.19.1\n' >"$A/etc/os-release"
dist_info "$A/usr/lib/python3.11/site-packages" foo 1.0
dist_info "$A/usr/lib/python3.11/site-packages" bar 2.0
cp "$GO_ELF" "$A/usr/bin/gobin" && chmod 755 "$A/usr/bin/gobin"
cat >"$A/lib/apk/db/installed" <<'APK'
P:py3-foo
V:1.0-r0
A:x86_64
o:py3-foo
F:usr/lib/python3.11/site-packages/foo-1.0.dist-info
R:METADATA
F:usr/bin
R:gobin

P:broken name
V:1.0-r0
F:usr/lib/python3.11/site-packages/bar-2.0.dist-info
R:METADATA

APK
out=$("$P" inventory "$A" --format json 2>"$T/err" | python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    print(p["ecosystem"], p["name"], p["origin_file"])' | sort)
grep -q "^Alpine:v3.19 py3-foo /lib/apk/db/installed$" <<<"$out" || fail "apk: the package is missing: $out"
grep -q "^PyPI foo " <<<"$out" && fail "apk: py3-foo's dist-info was read as a PyPI package: $out"
grep -q " /usr/bin/gobin$" <<<"$out" && fail "apk: py3-foo's Go binary was read: $out"
grep -q "^PyPI bar " <<<"$out" || fail "apk: the files of a skipped (invalid) stanza were taken as owned: $out"

[ "$fails" -eq 0 ] && echo "inventory-os-owned: all checks passed"
exit $((fails > 0))
