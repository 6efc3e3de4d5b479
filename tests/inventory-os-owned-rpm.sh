#!/bin/bash
# rpm's file lists own files as dpkg's info/*.list do (lib/inventory/
# inventory-owned.c): a package built by rpmbuild and installed by rpm
# itself (--justdb) into a rootfs's rpmdb.sqlite lists a Go binary and a
# Python dist-info folder; the inventory reports the rpm package and
# neither of its files as a Go or PyPI package, while the same files where
# no package lists them (/opt, /usr/local) are read.  A path the package
# lists under /bin (merged /usr: bin -> usr/bin) owns the /usr/bin file.
# Without the database, every one of them is read.
set -u
P=${PORTCULLIS:?}
. "$(dirname "$0")/lib.sh"          # fail(), go_elf(), dist_info()
GO_ELF=$(go_elf)
[ -n "$GO_ELF" ] || { echo "skip: no Go binary (../shared/data or runc)"; exit 77; }
for tool in rpm rpmbuild python3; do
        command -v $tool >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

R=$T/rootfs
mkdir -p "$R/etc" "$R/usr/bin" "$R/opt/app" "$R/var/lib/rpm"
ln -s usr/bin "$R/bin"
printf 'ID="rhel"\nVERSION_ID="9.4"\n' >"$R/etc/os-release"
SITE=usr/lib/python3.9/site-packages
dist_info "$R/$SITE" foo 1.0
dist_info "$R/usr/local/lib/python3.9/site-packages" bar 2.0
for f in usr/bin/gobin usr/bin/shgo opt/app/gobin2; do
        cp "$GO_ELF" "$R/$f" && chmod 755 "$R/$f"
done

# The package, as rpmbuild makes it (no stripping, no build-id links: the
# files stay what they are) and rpm installs it.
B=$T/rpmbuild
mkdir -p "$B/SPECS"
cat >"$B/SPECS/owned.spec" <<SPEC
Name: python3-foo
Version: 1.0
Release: 1.el9
Summary: owned files
License: MIT
%description
owned files
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/bin %{buildroot}/$SITE/foo-1.0.dist-info
cp $R/usr/bin/gobin %{buildroot}/usr/bin/gobin
cp $R/usr/bin/shgo %{buildroot}/bin/shgo
cp $R/$SITE/foo-1.0.dist-info/METADATA %{buildroot}/$SITE/foo-1.0.dist-info/METADATA
%files
/usr/bin/gobin
/bin/shgo
/$SITE/foo-1.0.dist-info
SPEC
rpmbuild --define "_topdir $B" --define "__os_install_post %{nil}" --define "debug_package %{nil}" \
        --define "_build_id_links none" -bb "$B/SPECS/owned.spec" \
        >"$T/rpmbuild.log" 2>&1 || { cat "$T/rpmbuild.log"; echo "FAIL: rpmbuild"; exit 1; }
rpm --dbpath "$R/var/lib/rpm" --initdb &&
        rpm --dbpath "$R/var/lib/rpm" -i --justdb --nodeps --noscripts --ignorearch --ignoreos \
                "$B"/RPMS/*/python3-foo-1.0-1.el9.*.rpm ||
        { echo "FAIL: rpm -i --justdb"; exit 1; }
[ -f "$R/var/lib/rpm/rpmdb.sqlite" ] || { echo "skip: this rpm writes no rpmdb.sqlite"; exit 77; }

pkgs() {        # the packages of the inventory, one "ECOSYSTEM NAME ORIGIN" a line
        "$P" inventory "$R" --format json 2>"$T/err" | python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    print(p["ecosystem"], p["name"], p["origin_file"])' | sort
}
out=$(pkgs)
grep -q "^Red Hat:enterprise_linux:9::baseos python3-foo /var/lib/rpm/rpmdb.sqlite$" <<<"$out" ||
        fail "the rpm package is missing: $out"
grep -q "^PyPI foo " <<<"$out" && fail "the package's dist-info was read as a PyPI package: $out"
grep -q " /usr/bin/gobin$" <<<"$out" && fail "the package's Go binary was read: $out"
grep -q " /usr/bin/shgo$" <<<"$out" && fail "the Go binary the package lists at /bin/shgo (merged /usr) was read: $out"
grep -q "^PyPI bar " <<<"$out" || fail "a dist-info no package lists was not read: $out"
grep -q " /opt/app/gobin2$" <<<"$out" || fail "a Go binary no package lists was not read: $out"

# Without the database, all of them are read.
mv "$R/var/lib/rpm" "$T/rpmdb"
out=$(pkgs)
grep -q "^PyPI foo " <<<"$out" && grep -q " /usr/bin/gobin$" <<<"$out" && grep -q " /usr/bin/shgo$" <<<"$out" ||
        fail "without the rpm database, its files were not read: $out"

[ "$fails" -eq 0 ] && echo "inventory-os-owned-rpm: all checks passed"
exit $((fails > 0))
