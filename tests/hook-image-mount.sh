#!/bin/bash
# An image mounted into a container (config.json's mounts in
# containers/storage's shapes: a bind of vfs/dir/ID, as CRI-O lays out a
# Kubernetes image volume; Podman's overlay mount is in podman-overlay.sh and
# podman-hook.sh) is judged with the container, the hook run on a bundle
# directly:
#  1. a clean image with a vulnerable one bound at /img: blocked, naming
#     the finding and where the mounted image's findings are (`cache show`
#     of its identity, not only of the container's); the audit line's
#     worst is it, its notes name the mount, image_mounts counts it and
#     report marks the row; a second start the same (a cache hit for both);
#  1b. a folder inside the vulnerable image bound (a subPath): the same;
#  2. a mounted image whose folder is gone: not checked (image_mount, said
#     why), on_unchecked decides: warn starts it, deny blocks it;
#  3. the container's own image mounted into itself, on a miss (the start
#     holds that image's lock): decided at once, not at the deadline;
#  4. VEX: a statement on the container's image (by the digest the runtime
#     names) does not suppress the mounted image's finding; one on the
#     mounted image (by the digest containers/storage's images.json gives
#     the image whose layer is mounted) does, with trust_image_digest
#     only, and not when two images have that layer;
#  5. a hundred images mounted in: five noted, the rest counted (the audit
#     line within its cap);
#  6. five images mounted at destinations of 4,000 bytes of control
#     characters (the pod's author chooses them): each cut where it names
#     the mount, so the audit line is recorded and the block line short;
#  7. a mounted image whose analysis outlives the deadline (served by a
#     FUSE file system whose listing of /srv stalls): under on_timeout
#     deny the start is blocked naming the mount, as the image started
#     alone would be, though on_unchecked allows; under on_timeout allow,
#     on_unchecked decides (image_mount).
set -u
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-imgmount-XXXXXX")
cleanup() {
        mountpoint -q "$T/store/vfs/dir/$ID3" 2>/dev/null && umount -l "$T/store/vfs/dir/$ID3"
        [ -n "${FS_PID:-}" ] && kill "$FS_PID" 2>/dev/null
        rm -rf "$T"
}
ID3=3333333333333333333333333333333333333333333333333333333333333333
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"          # fail(), curl_image()

curl_image "$T" 7.88.1-10+deb12u4     # $T/rootfs: the fixed curl
ID1=1111111111111111111111111111111111111111111111111111111111111111
ID2=2222222222222222222222222222222222222222222222222222222222222222
VULN=$T/store/vfs/dir/$ID1
mkdir -p "$VULN/etc" "$VULN/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$VULN/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$VULN/var/lib/dpkg/status"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || fail "import"
mkdir -p "$T/run"
config() {
        printf '%s\n' "$1" >"$T/policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}, "state_roots": ["%s"], "trust_image_digest": %s}\n' \
                "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" "$T/run" "${2:-false}" >"$T/config.json"
}
# bundle ROOTFS SOURCE: config.json with ROOTFS as root and SOURCE bound at /img
bundle() {
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}, {"destination": "/img", "type": "bind", "source": "%s", "options": ["rbind", "ro"]}]}\n' \
                "$1" "$2" >"$T/bundle/config.json"
}
hook() { OUT=$("$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?; }
last() { tail -1 "$T/audit.log" | python3 -c 'import json, sys; v = json.loads(sys.stdin.read())[sys.argv[1]]; print("" if v is None else v)' "$1"; }

# 1. the vulnerable image bound at /img
config '{"mode": "enforce", "severity": "HIGH"}'
bundle "$T/rootfs" "$VULN"
for n in 1 2; do
        hook
        [ "$RC" -eq 1 ] || fail "start $n with a vulnerable image mounted: exit $RC: $OUT"
        case "$OUT" in
        *"portcullis: note: container c: image mounted at /img ($VULN): 1 finding, identity inventory:sha256:"*"portcullis: blocked container c: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
        *) fail "start $n: no block line for the image mounted at /img: $OUT" ;;
        esac
        [ "$(last worst)" = "['PCEX-CVE-2023-38545 libcurl4']" ] && [ -z "$(last unchecked)" ] ||
                fail "start $n: audit line: $(tail -1 "$T/audit.log")"
        case "$(last notes)" in
        *"image mounted at /img ($VULN): 1 finding, identity inventory:sha256:"*) ;;
        *) fail "start $n: the audit line does not name the mounted image: $(tail -1 "$T/audit.log")" ;;
        esac
        [ "$(last image_mounts)" = 1 ] || fail "start $n: image_mounts: $(tail -1 "$T/audit.log")"
        # the block line says where the finding is: the mounted image's entry
        mid=$(sed -n 's/.*; the findings of the image mounted at \/img: portcullis cache show \(inventory:sha256:[0-9a-f]*\).*/\1/p' <<<"$OUT")
        [ -n "$mid" ] && "$P" cache show "$mid" --config "$T/config.json" 2>&1 | grep -q PCEX-CVE-2023-38545 ||
                fail "start $n: the block line does not say where the mounted image's finding is: $OUT"
done
[ "$(last cache)" = hit ] || fail "second start not a hit: $(tail -1 "$T/audit.log")"
# report marks the row: its findings are not the container's image's alone
"$P" report --log "$T/audit.log" --last 1 | grep -q "^[^ ]* deny   c (+1 mounted) " ||
        fail "report does not mark the row of the mounted image's finding: $("$P" report --log "$T/audit.log" --last 1)"
echo "ok: a vulnerable image bound into the container blocks it" >&2

# 1b. a folder inside it bound (a Kubernetes image volume's subPath): the
#     image's files all the same, the image judged whole
mkdir -p "$VULN/usr/lib"
bundle "$T/rootfs" "$VULN/usr/lib"
hook
case "$RC $OUT" in
"1 "*"portcullis: note: container c: image mounted at /img ($VULN): 1 finding"*"portcullis: blocked container c: 1 CRITICAL"*) ;;
*) fail "a folder of the vulnerable image bound at /img (a subPath): exit $RC: $OUT" ;;
esac
echo "ok: a folder of a vulnerable image bound into the container (a subPath) blocks it" >&2

# 2. an image folder that is gone: not checked, for on_unchecked
bundle "$T/rootfs" "$T/store/vfs/dir/$ID2"
hook
[ "$RC" -eq 0 ] || fail "a mounted image that is gone, on_unchecked warn: exit $RC: $OUT"
case "$OUT" in
*"portcullis: warning: container c: not checked: image mounted at /img: another image's files ($T/store/vfs/dir/$ID2) are mounted there and could not be checked: "*"; starting anyway (on_unchecked warn"*) ;;
*) fail "no not-checked line for the image that is gone: $OUT" ;;
esac
config '{"mode": "enforce", "severity": "HIGH", "on_unchecked": "deny"}'
hook
[ "$RC" -eq 1 ] && case "$OUT" in *"portcullis: blocked container c: not checked: image mounted at /img: "*) true ;; *) false ;; esac ||
        fail "a mounted image that is gone, on_unchecked deny: exit $RC: $OUT"
echo "ok: a mounted image that can't be read is not checked, and on_unchecked decides" >&2

# 3. the image mounted into a container of itself, on a miss: the start
#    holds the image's lock while the mount is judged
config '{"mode": "enforce", "severity": "HIGH", "deadline_ms": 4000}'
bundle "$VULN" "$VULN"
rm -rf "$T/cache.db"*          # a miss: the database, its WAL and its verdict index
t0=$(date +%s%N)
hook
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$RC" -eq 1 ] && [ "$(last decision)" = deny ] && [ "$(last cache)" = miss ] && [ "$ms" -lt 3000 ] ||
        fail "an image mounted into itself: exit $RC after $ms ms: $OUT"
case "$OUT" in *deadline*) fail "an image mounted into itself waited for its own lock: $OUT" ;; esac
echo "ok: an image mounted into a container of itself is decided at once ($ms ms)" >&2

# 4. VEX statements about one image never judge the other's findings
DC=$(printf 'c%.0s' $(seq 64))         # the container's image, named by the runtime
DM=$(printf 'd%.0s' $(seq 64))         # the mounted image, in the store's images.json
mkdir -p "$T/store/vfs-images"
# images [LAYER]: images.json with the vulnerable image, of layer ID1, and
# with LAYER a second image of that layer
images() {
        local second=
        [ -n "${1:-}" ] && second=$(printf ', {"id": "%s", "digest": "sha256:%s", "layer": "%s"}' "$ID2" "$ID2" "$1")
        printf '[{"id": "%s", "digest": "sha256:%s", "names": ["localhost/vuln:1"], "layer": "%s"}%s]\n' \
                "$(printf 'e%.0s' $(seq 64))" "$DM" "$ID1" "$second" >"$T/store/vfs-images/images.json"
}
images
# vex DIGEST: a statement that CVE-2023-38545 does not affect that image
vex() {
        printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-38545"}, "products": [{"@id": "pkg:oci/img@sha256%%3A%s"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}\n' "$1" >"$T/vex.json"
}
config '{"mode": "enforce", "severity": "HIGH", "vex": ["vex.json"]}' true
bundle "$T/rootfs" "$VULN"
sed -i 's#"mounts"#"annotations": {"io.kubernetes.cri-o.ImageRef": "sha256:'"$DC"'"}, "mounts"#' "$T/bundle/config.json"
vex "$DC"
hook
case "$RC $OUT" in
"1 "*"portcullis: blocked "*"1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "a VEX statement on the container's image suppressed the mounted image's finding: exit $RC: $OUT" ;;
esac
vex "$DM"
hook
[ "$RC" -eq 0 ] && [ "$(last decision)" = allow ] &&
        case "$(last vex)" in *"PCEX-CVE-2023-38545 libcurl4 (not_affected"*) true ;; *) false ;; esac ||
        fail "a VEX statement on the mounted image did not suppress its finding: exit $RC: $OUT $(tail -1 "$T/audit.log")"
case "$OUT" in
*"image mounted at /img ($VULN): 1 finding, identity inventory:sha256:"*", digest sha256:$DM (containers/storage)"*) ;;
*) fail "the mount's note does not name the digest VEX statements are matched with: $OUT" ;;
esac
config '{"mode": "enforce", "severity": "HIGH", "vex": ["vex.json"]}' false
hook
[ "$RC" -eq 1 ] || fail "without trust_image_digest a statement on the mounted image's digest applied: exit $RC: $OUT"
config '{"mode": "enforce", "severity": "HIGH", "vex": ["vex.json"]}' true
images "$ID1"
hook
[ "$RC" -eq 1 ] || fail "a layer two images have named one of them for VEX: exit $RC: $OUT"
echo "ok: VEX statements judge the findings of the image they name, the container's or the mounted one's" >&2

# 5. a hundred images mounted in: each judged, five noted one by one and
#    the rest counted, so that the audit line stays within its cap (a line
#    over it is recorded nowhere) and the block line readable
config '{"mode": "enforce", "severity": "HIGH"}'
python3 - "$T" "$VULN" <<'PY'
import json, os, shutil, sys
t, vuln = sys.argv[1:]
mounts = []
for i in range(100):
    d = "%s/store/vfs/dir/%064x" % (t, 0x100 + i)
    if not os.path.isdir(d):
        shutil.copytree(vuln, d)
    mounts.append({"destination": "/m%d" % i, "type": "bind", "source": d, "options": ["rbind", "ro"]})
json.dump({"ociVersion": "1.0.2", "root": {"path": t + "/rootfs"}, "mounts": mounts}, open(t + "/bundle/config.json", "w"))
PY
hook
[ "$RC" -eq 1 ] && [ "$(last decision)" = deny ] || fail "a hundred images mounted in: exit $RC: $(tail -3 <<<"$OUT")"
[ "$(grep -c '^portcullis: note: container c: image mounted at' <<<"$OUT")" -eq 5 ] &&
        grep -q '^portcullis: note: container c: 95 more images mounted in were checked$' <<<"$OUT" &&
        grep -q '; and of 95 more images mounted in$' <<<"$OUT" ||
        fail "a hundred images mounted in: not five noted and the rest counted: $(cut -c1-200 <<<"$OUT")"
case "$(last notes)" in *"95 more images mounted in were checked"*) ;; *) fail "audit notes: $(last notes)" ;; esac
grep -q "longer than" <<<"$OUT" && fail "a hundred images mounted in: the audit line was not recorded: $(tail -2 <<<"$OUT")"
echo "ok: a hundred images mounted in are each judged, and said within the audit line's cap" >&2

# 6. destinations of 4,000 bytes of control characters, each escaped to
#    six bytes in the audit line: uncut, five notes made it 120 KB, over
#    its cap, and a clean container started unrecorded (on_audit_failure
#    allow); five vulnerable ones made a block line of 21 KB
for image in "$T/rootfs" "$VULN"; do
        python3 - "$T" "$image" <<'PY'
import json, os, shutil, sys
t, image = sys.argv[1:]
mounts = []
for i in range(5):
    d = "%s/store/vfs/dir/%064x" % (t, 0x200 + i)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(image, d)
    mounts.append({"destination": "/m%d" % i + ("/" + "\x01" * 250) * 16, "type": "bind", "source": d,
                   "options": ["rbind", "ro"]})
json.dump({"ociVersion": "1.0.2", "root": {"path": t + "/rootfs"}, "mounts": mounts}, open(t + "/bundle/config.json", "w"))
PY
        want=$([ "$image" = "$VULN" ] && echo 1 || echo 0)
        rm -f "$T/audit.log"
        hook
        [ "$RC" -eq "$want" ] && [ "$(last decision)" = "$([ "$want" = 1 ] && echo deny || echo allow)" ] &&
                [ "$(last image_mounts)" = 5 ] || fail "five mounts at long destinations ($image): exit $RC: $(cut -c1-300 <<<"$OUT")"
        grep -q "not recorded" <<<"$OUT" && fail "five mounts at long destinations ($image): not recorded: $(grep 'not recorded' <<<"$OUT")"
        case "$(last notes)" in *"image mounted at /m0/"*"... ($T/store/vfs/dir/"*) ;; *) fail "the note's destination is not cut: $(last notes | cut -c1-300)" ;; esac
        [ "$(awk '{ if (length($0) > n) n = length($0) } END { print n }' <<<"$OUT")" -lt 4096 ] ||
                fail "five mounts at long destinations ($image): a line of stderr is over 4 KB"
done
echo "ok: mounts at long destinations are named cut, and the start is recorded" >&2

# 7. a mounted image that outlives the deadline
if [ "$(id -u)" -eq 0 ] && [ -c /dev/fuse ] && /usr/bin/python3 -c 'import fusepy' 2>/dev/null; then
        SLOW=$T/store/vfs/dir/$ID3
        mkdir -p "$SLOW" "$T/slow-src/srv"
        cp -a "$T/rootfs/." "$T/slow-src/"
        /usr/bin/python3 "$SRC/tests/fuse-rootfs.py" "$T/slow-src" "$SLOW" "$T/stall" slow:5 2>"$T/fs.log" &
        FS_PID=$!
        for i in $(seq 1 50); do [ -f "$SLOW/etc/os-release" ] && break; sleep 0.1; done
        [ -f "$SLOW/etc/os-release" ] || fail "the FUSE file system did not come up: $(cat "$T/fs.log")"
        bundle "$T/rootfs" "$SLOW"
        config '{"mode": "enforce", "severity": "HIGH", "on_unchecked": "allow", "on_timeout": "deny", "deadline_ms": 1500}'
        echo /srv >"$T/stall"
        hook
        [ "$RC" -eq 1 ] && grep -q "^portcullis: blocked .*image mounted at /img ($SLOW): .*on_timeout is deny in" <<<"$OUT" ||
                fail "a mounted image past the deadline, on_timeout deny: exit $RC: $OUT"
        config '{"mode": "enforce", "severity": "HIGH", "on_unchecked": "allow", "on_timeout": "allow", "deadline_ms": 1500}'
        hook
        [ "$RC" -eq 0 ] && [ "$(last decision)" = allow ] ||
                fail "a mounted image past the deadline, on_timeout allow: exit $RC: $OUT"
        rm -f "$T/stall"
        echo "ok: a mounted image past the deadline is decided by on_timeout too" >&2
else
        echo "skip: section 7 needs root, /dev/fuse and python3-fusepy" >&2
fi

[ "$fails" -eq 0 ] || exit 1
