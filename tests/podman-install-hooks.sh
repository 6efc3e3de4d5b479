#!/bin/sh
# `portcullis install podman` puts its hooks.d file where the real Podman
# (4.3: runc, vfs, a private --root/--runroot, no --hooks-dir) reads it:
#  - no hooks_dir (CONTAINERS_CONF names an empty file): the file install
#    wrote under a --root is in /usr/share/containers/oci/hooks.d; the same
#    text, narrowed by "when" to this test's containers and named for this
#    run, laid in the host's folder, is run by a real start (removed on
#    exit: every podman on the machine reads that folder);
#  - hooks_dir listing two folders without /etc/containers/oci/hooks.d:
#    install writes into the last one, and Podman runs the last folder's
#    file of a name, not the first's (oci-hooks(5): later folders win);
#  - doctor after install --binaries (a podman on the root): ok, naming
#    the file install wrote.
# Needs root, podman, runc and busybox-static; skips (77) without them.
set -u

. "$(dirname "$0")/podman-lib.sh"
PC=${PORTCULLIS:?}
podman_init vfs pc-install-hooks
TAG=pc-install-hooks-$$
podman_busybox_image

# marker NAME: a hook that records NAME
marker() {
        printf '#!/bin/sh\necho %s >>%s/marker\n' "$1" "$tmp" >"$tmp/hook-$1"
        chmod 0755 "$tmp/hook-$1"
}
# laid FILE HOOK: install's FILE, its hook replaced by HOOK and narrowed
# to this run's containers (annotation $TAG=yes)
laid() {
        python3 - "$1" "$2" "$TAG" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
assert h["when"] == {"always": True}, h
h["hook"]["path"] = sys.argv[2]
h["when"] = {"annotations": {"^" + sys.argv[3].replace(".", "\\.") + "$": "^yes$"}}
print(json.dumps(h))
PY
}
run() {
        rm -f "$tmp/marker"
        # shellcheck disable=SC2086
        OUT=$(env CONTAINERS_CONF="$1" $PD run --rm --network none $LIMITS --annotation "$TAG=yes" \
                localhost/pc-busybox:test /bin/sh -c 'echo started' 2>&1)
        RC=$?
        RAN=$(cat "$tmp/marker" 2>/dev/null | tr '\n' ' ')
}

# 1. The default: no hooks_dir.
R=$tmp/host
mkdir -p "$R/var/lib"
out=$("$PC" install podman --root "$R" 2>&1) || bad "install podman: $out"
F=$R/usr/share/containers/oci/hooks.d/portcullis.json
[ -f "$F" ] || bad "install podman: no $F: $out"
: >"$tmp/empty.conf"
# made when missing and left: other tests may be using it at the same time
d=/usr/share/containers/oci/hooks.d
mkdir -p "$d"
trap 'rm -f $d/zz-$TAG.json $d/.zz-$TAG; podman_cleanup' EXIT
marker default
# written under a name Podman skips (no .json), then renamed: another
# test's podman reads the folder meanwhile, and a half-written file fails
# its start
laid "$F" "$tmp/hook-default" >"$d/.zz-$TAG" && mv "$d/.zz-$TAG" "$d/zz-$TAG.json"
run "$tmp/empty.conf"
rm -f "$d/zz-$TAG.json"
[ "$RC" -eq 0 ] && [ "$RAN" = "default " ] || bad "no hooks_dir: the file install wrote was not run: rc $RC ran '$RAN' $OUT"

# 2. hooks_dir without /etc/containers/oci/hooks.d: the last folder.
mkdir -p "$tmp/first" "$tmp/last" "$R/etc/containers"
printf '[engine]\nhooks_dir = ["%s", "%s"]\n' "$tmp/first" "$tmp/last" | tee "$tmp/containers.conf" \
        >"$R/etc/containers/containers.conf"
rm -rf "$R/var/lib/portcullis" "$R/usr"
out=$("$PC" install podman --root "$R" 2>&1) || bad "install podman with hooks_dir: $out"
[ -f "$R$tmp/last/portcullis.json" ] && [ ! -e "$R$tmp/first/portcullis.json" ] ||
        bad "hooks_dir: not in the last folder: $(find "$R" -name portcullis.json)"
marker first
marker last
laid "$R$tmp/last/portcullis.json" "$tmp/hook-first" >"$tmp/first/portcullis.json"
laid "$R$tmp/last/portcullis.json" "$tmp/hook-last" >"$tmp/last/portcullis.json"
run "$tmp/containers.conf"
[ "$RC" -eq 0 ] && [ "$RAN" = "last " ] || bad "hooks_dir: the last folder's file did not win: rc $RC ran '$RAN' $OUT"

# 3. doctor after install --binaries, with a podman on the root: ok.
rm -rf "$R"
mkdir -p "$R/usr/bin" "$R/var/lib"
printf '#!/bin/sh\n' >"$R/usr/bin/podman"
chmod 0755 "$R/usr/bin/podman"
out=$("$PC" install podman --root "$R" --binaries 2>&1) || bad "install --binaries: $out"
r=$("$PC" doctor --root "$R" 2>/dev/null | grep -A1 '^runtime.oci-hooks ')
echo "$r" | grep -q "^runtime.oci-hooks  *ok  *$R/usr/share/containers/oci/hooks.d/portcullis.json names /usr/local/libexec/portcullis/portcullis-hook; read by podman" ||
        bad "doctor after install: $r"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
