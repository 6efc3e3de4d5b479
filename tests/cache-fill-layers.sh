#!/bin/bash
# portcullis cache fill, containers that wrote into their overlay (a pid
# file), of images whose lower layers mount(2) could not mount alone:
#  - A, 64 layers of a store under a long folder name: their real paths
#    make options longer than the page mount(2) copies (the containers'
#    own mounts name them by short links, as containers/storage's l/ does);
#  - B, a store in a folder whose name holds ':', ',' and a backslash
#    (escaped in lowerdir= and upperdir=, and again in mountinfo).
# The hook's probe vouches for both at their starts.  Under
# portcullis-fill.service's capabilities and system call filter the fill
# mounts A's lowers through the mount API, a layer at a time, and stores
# both images' verdicts (the vulnerable package found); the next start of
# A is a hit.  Under a filter without the mount API (as on a kernel before
# it) A's lowers can't be mounted: said once, naming A's two containers,
# not mounted again for the second; B's are mounted by mount(2) and stored.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
: "${PC_UNIT_SYSCALLS:?}"
. "$SRC/tests/lib.sh"
need_runc_busybox
command -v setpriv >/dev/null || { echo "skip: setpriv not installed"; exit 77; }
command -v systemd-analyze >/dev/null || { echo "skip: systemd-analyze not installed"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-layers-XXXXXX")
ROOT=$T/runc-root
trap runc_mounts_cleanup EXIT
unit_allowed portcullis-fill >"$T/portcullis-fill.allowed" && [ -s "$T/portcullis-fill.allowed" ] ||
        { echo "FAIL: the fill unit's system calls"; exit 1; }
for c in fsopen fsconfig fsmount move_mount; do
        grep -qx $c "$T/portcullis-fill.allowed" || fail "the fill unit does not allow $c"
done
# the unit's filter without the mount API
grep -vx -e fsopen -e fsconfig -e fsmount -e move_mount "$T/portcullis-fill.allowed" >"$T/no-mount-api.allowed"
fill_config

# A: the vulnerable libcurl4 (the example feed's PCEX-CVE-2023-38545) in
# the bottom layer of 64; the containers name the layers by short links
A=$T/a-store-root-whose-name-is-as-long-as-the-one-a-node-may-well-have-chosen-for-it/snapshots
deb12_rootfs "$A/1/fs" libcurl4 curl 7.88.1-10+deb12u3
mkdir "$T/l"
lower_a=
for i in $(seq 1 64); do
        mkdir -p "$A/$i/fs/layers"
        echo "$i" >"$A/$i/fs/layers/$i"
        ln -s "$A/$i/fs" "$T/l/$i"
        lower_a=$T/l/$i${lower_a:+:$lower_a}
done
real_a=$(for i in $(seq 1 64); do printf '%s:' "$A/$i/fs"; done)
[ ${#real_a} -gt 4096 ] || { echo "FAIL: A's real paths are only ${#real_a} bytes"; exit 1; }
# B: one layer, the containers' uppers in the same odd folder
B="$T/st:o,re\\x/snapshots"
deb12_rootfs "$B/1/fs" libcurl4 curl 7.88.1-10+deb12u3

last_line() { grep "\"container\":\"$1\"" "$LOG" | grep '"decision"' | tail -1; }
entries() {
        "$P" cache ls --config "$CFG" --format json 2>/dev/null | python3 -c 'import json, sys
print("\n".join(sorted("%s %s" % (e["identity"], e["findings"]) for e in json.load(sys.stdin)["entries"])))'
}
# writer NAME [LOWERDIR]: a container of the image that writes a pid file
# into its upper ($S/NAME/fs); the hook vouched for its image at the start
writer() {
        overlay_start "$1" 'echo 1 >/tmp/app.pid; sleep 600' "${2:-}"
        for _ in $(seq 1 100); do [ -s "$S/$1/fs/tmp/app.pid" ] && break; sleep 0.1; done
        [ -s "$S/$1/fs/tmp/app.pid" ] || fail "$1 did not write into its upper"
        last_line "$1" | grep -q '"identity":"overlay:sha256:.*"identity_source":"overlay"' ||
                fail "$1's start: the hook did not vouch for its layers: $(last_line "$1")"
}
identity() { last_line "$1" | grep -o '"identity":"overlay:sha256:[0-9a-f]*"' | cut -d'"' -f4; }
# fill FILTER: cache fill under the unit's bounding set and the filter
fill() { UNIT_ALLOWED=$T/$1.allowed as_unit portcullis-fill timeout 300 "$P" cache fill --config "$CFG"; }

S=$T/s
writer a1 "$lower_a"
writer a2 "$lower_a"
S=$B
writer b1 "$(overlay_escape "$B/1/fs")"
id_a=$(identity a1)
id_b=$(identity b1)
[ -n "$id_a" ] && [ "$id_a" = "$(identity a2)" ] || fail "a1 and a2 not one image: $id_a, $(identity a2)"
[ -n "$id_b" ] && [ "$id_b" != "$id_a" ] || fail "b1's identity: $id_b"
"$P" cache purge --config "$CFG" >/dev/null     # the starts' analyses, if they ended in time

# without the mount API: A's two containers said in one line, B stored
fill no-mount-api >"$T/fill1.out" 2>&1 || fail "cache fill without the mount API: $(cat "$T/fill1.out")"
cat "$T/fill1.out"
grep -q "3 running containers, 3 whose image the cache lacked: analysed and stored 1, .* 0 failed, 0 not kept, 2 whose rootfs may hold their own changes" \
        "$T/fill1.out" || fail "without the mount API: the counts"
[ "$(grep -c "longer than mount(2)'s options may be" "$T/fill1.out")" -eq 1 ] ||
        fail "without the mount API: A's lowers not said once"
grep -q "container a[12]: its overlay's upper holds its own files, and its image's lower layers ($id_a) could not be read without it: .*fsopen overlay: Operation not permitted.*; nothing stored; nor for the same image's containers, not mounted again: a[12]\$" \
        "$T/fill1.out" || fail "without the mount API: A's line"
[ "$(entries)" = "$id_b 1" ] || fail "without the mount API: stored $(entries) (want $id_b 1)"

# with it: both stored, the next start of A a hit with the finding
"$P" cache purge --config "$CFG" >/dev/null
fill portcullis-fill >"$T/fill2.out" 2>&1 || fail "cache fill: $(cat "$T/fill2.out")"
cat "$T/fill2.out"
grep -q "3 running containers, 2 whose image the cache lacked: analysed and stored 2, .* 0 failed, 0 not kept, 0 whose rootfs may hold their own changes" \
        "$T/fill2.out" || fail "the fill did not store both images"
[ "$(entries)" = "$(printf '%s 1\n%s 1' "$id_a" "$id_b" | sort)" ] ||
        fail "stored $(entries) (want $id_a 1 and $id_b 1)"
S=$T/s
overlay_start next 'sleep 600' "$lower_a"
last_line next | grep -q "\"identity\":\"$id_a\".*\"cache\":\"hit\"" || fail "the next start of A is not a hit: $(last_line next)"
last_line next | grep -q 'PCEX-CVE-2023-38545' || fail "the hit lacks the finding: $(last_line next)"

[ "$fails" -eq 0 ] || exit 1
echo "cache fill layers: ok"
