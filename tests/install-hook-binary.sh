#!/bin/bash
# A hooks.d file must never name a hook program that is not there: Podman
# (4.3, Debian 12's) then starts every container without it and says
# nothing.  Under --root (a temporary "host"):
#  1. uninstall of an install --binaries whose hooks.d file was edited since
#     (so it is left as it is) refuses, naming the file, and changes
#     nothing; it used to remove the hook the file still named;
#  2. install --binaries that can't write the hook (its folder read-only to
#     a root without CAP_DAC_OVERRIDE) fails without a hooks.d file; it used
#     to write the hooks.d file first.
set -u
. "$(dirname "$0")/lib.sh"
P=${PORTCULLIS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

H=$T/host
HOOKS_D=/usr/share/containers/oci/hooks.d/portcullis.json
HOOK=/usr/local/libexec/portcullis/portcullis-hook
run() {
        OUT=$("$@" 2>"$T/err"); RC=$?
        ERR=$(cat "$T/err")
}

# 1. an edited hooks.d file keeps its hook
mkdir -p "$H/var/lib"
run "$P" install podman --root "$H" --binaries
[ "$RC" -eq 0 ] && [ -x "$H$HOOK" ] || fail "install: rc $RC $ERR"
sed -i 's/"timeout": 30/"timeout": 20/' "$H$HOOKS_D"
cp -a "$H" "$T/before"
run "$P" uninstall podman --root "$H"
[ "$RC" -eq 2 ] || fail "uninstall with an edited hooks.d file: rc $RC, not 2: $OUT $ERR"
grep -qF "$H$HOOKS_D changed since install and still names $HOOK, which uninstall would remove" <<<"$ERR" ||
        fail "uninstall: no message naming the file: $ERR"
diff -r "$T/before" "$H" >"$T/diff" 2>&1 || fail "uninstall refused but changed the tree: $(cat "$T/diff")"
[ -x "$H$HOOK" ] || fail "uninstall removed the hook the kept hooks.d file names"
# once the file is gone, uninstall goes on
rm "$H$HOOKS_D"
run "$P" uninstall podman --root "$H"
[ "$RC" -eq 0 ] && [ ! -e "$H$HOOK" ] || fail "uninstall after the file was removed: rc $RC $ERR"

# 2. the program first: a failed copy leaves no hooks.d file behind
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
        rm -rf "$H"
        mkdir -p "$H/var/lib" "$H/usr/local/libexec/portcullis"
        chmod 0555 "$H/usr/local/libexec/portcullis"
        run setpriv --bounding-set=-dac_override,-dac_read_search "$P" install podman --root "$H" --binaries
        [ "$RC" -eq 2 ] || fail "install with an unwritable hook folder: rc $RC, not 2: $OUT $ERR"
        [ -e "$H$HOOKS_D" ] && fail "install failed to write the hook, but left $HOOKS_D naming it"
else
        echo "note: part 2 needs root and setpriv"
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "no hooks.d file names a missing hook"
