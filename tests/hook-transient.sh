#!/bin/bash
# The node, not the image, fails while a miss reads the rootfs (a disk
# that returns EIO: the rootfs served through a FUSE file system whose
# listing of /srv fails while a flag file exists; ENFILE or EMFILE go the
# same way): what could not be read is "not checked" for this start, as
# on_unchecked says (here deny: blocked, naming the folder), but the
# result is not cached as the image's, so the next start reads the image
# again and decides by all of it (allowed: nothing there is vulnerable),
# then hits.  Before, the "not checked" note stayed in the cache and
# blocked every start of the image until the DB changed, and an EIO from
# getdents64 ended the folder's listing in silence, as if it held no more.
# A folder the image keeps from the walk by its content (deeper than the
# walk descends) is still cached as not checked.  A resource adapter
# (.rar) whose first bytes can't be read is not checked either, not passed
# over as a RAR archive that holds no Java packages, nor a jar passed
# over with a warning as "not a zip archive"; a Yarn cache zip that fails
# so is not checked and not cached, as a damaged one would be.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (a FUSE mount)"; exit 77; }
[ -c /dev/fuse ] || { echo "skip: no /dev/fuse"; exit 77; }
/usr/bin/python3 -c 'import fusepy' 2>/dev/null || { echo "skip: python3-fusepy is missing"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-transient-XXXXXX")
cleanup() {
        mountpoint -q "$T/mnt" 2>/dev/null && umount -l "$T/mnt"
        [ -n "${FS_PID:-}" ] && kill "$FS_PID" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
. "$SRC/tests/lib.sh"

curl_image "$T/img" 7.88.1-10+deb12u4
mkdir -p "$T/img/rootfs/usr/lib/python3/dist-packages" "$T/img/rootfs/srv/app/lib" "$T/mnt"
# a resource adapter: a zip named .rar, with no Java package in it
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("META-INF/ra.xml", "<connector/>")' \
        "$T/img/rootfs/srv/app/lib/adapter.rar"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("README.md", "app")' \
        "$T/img/rootfs/srv/app/lib/app.jar"
# a zip of Yarn's cache (no package.json in it: the feed has no npm records)
mkdir -p "$T/img/rootfs/srv/app/.yarn/cache"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("README.md", "left-pad")' \
        "$T/img/rootfs/srv/app/.yarn/cache/left-pad.zip"
/usr/bin/python3 "$SRC/tests/fuse-rootfs.py" "$T/img/rootfs" "$T/mnt" "$T/broken" eio 2>"$T/fs.log" &
FS_PID=$!
for i in $(seq 1 50); do [ -f "$T/mnt/etc/os-release" ] && break; sleep 0.1; done
[ -f "$T/mnt/etc/os-release" ] || { echo "skip: the FUSE file system did not come up: $(cat "$T/fs.log")"; exit 77; }
sed -i "s#\"$T/img/rootfs\"#\"$T/mnt\"#" "$T/img/bundle/config.json"
grep -q "\"$T/mnt\"" "$T/img/bundle/config.json" || { echo "FAIL: the bundle's root"; exit 1; }
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "on_unchecked": "deny"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
hook() { OUT=$("$HOOK" --config "$T/config.json" <"$1/state.json" 2>&1); RC=$?; }
last_cache() { tail -n 1 "$T/audit.log" | python3 -c 'import json, sys; print(json.load(sys.stdin)["cache"])'; }

# 1. The disk fails while the image is read.
echo /srv >"$T/broken"
hook "$T/img"
[ "$RC" -eq 1 ] && grep -q "srv: Input/output error; what else it holds was not looked at" <<<"$OUT" &&
        grep -q "the node ran short or failed while reading the image .*not cached: the next start reads it again" \
        <<<"$OUT" || fail "EIO while listing a folder: $RC $OUT"
[ "$(last_cache)" = miss ] || fail "the first start's cache status: $(last_cache)"

# 2. The disk recovered: read again, all of it, and allowed; then a hit.
rm "$T/broken"
hook "$T/img"
[ "$RC" -eq 0 ] && [ "$(last_cache)" = miss ] || fail "the start after the EIO: $RC $(last_cache) $OUT"
hook "$T/img"
[ "$RC" -eq 0 ] && [ "$(last_cache)" = hit ] || fail "the third start: $RC $(last_cache) $OUT"

# 2b. The disk fails on the resource adapter's first bytes: not checked,
#     named, not cached; before, taken for a RAR archive and passed over.
echo /srv/app/lib/adapter.rar >"$T/broken"
hook "$T/img"
[ "$RC" -eq 1 ] && grep -q "adapter.rar: Input/output error; skipped" <<<"$OUT" && grep -q "not cached" <<<"$OUT" ||
        fail "EIO reading a .rar: $RC $OUT"
echo /srv/app/lib/app.jar >"$T/broken"
hook "$T/img"
[ "$RC" -eq 1 ] && grep -q "app.jar: not read (.*: Input/output error); skipped" <<<"$OUT" && grep -q "not cached" <<<"$OUT" ||
        fail "EIO reading a jar: $RC $OUT"
echo /srv/app/.yarn/cache/left-pad.zip >"$T/broken"
hook "$T/img"
[ "$RC" -eq 1 ] && grep -q "left-pad.zip: not read (.*: Input/output error)" <<<"$OUT" && grep -q "not cached" <<<"$OUT" ||
        fail "EIO reading a Yarn cache zip: $RC $OUT"

# 2c. A block by a finding while the disk fails: the line names no cache
#     entry to show, since none was kept (before, "all findings: portcullis
#     cache show ID", which then said there is no such entry).
sed -i 's/^Version: .*/Version: 7.88.1-10+deb12u3/' "$T/img/rootfs/var/lib/dpkg/status"
echo /srv >"$T/broken"
hook "$T/img"
[ "$RC" -eq 1 ] && grep -q "blocked container c: 1 CRITICAL" <<<"$OUT" && grep -q "not cached" <<<"$OUT" &&
        ! grep -q "cache show" <<<"$OUT" || fail "a block by a finding, not cached: $RC $OUT"
sed -i 's/^Version: .*/Version: 7.88.1-10+deb12u4/' "$T/img/rootfs/var/lib/dpkg/status"
rm "$T/broken"

# 3. A folder the image's content keeps from the walk (deeper than it
#    descends) is the image's: not checked, blocked, and cached so.
curl_image "$T/deep" 7.88.1-10+deb12u4
d="$T/deep/rootfs/srv"
for i in $(seq 1 60); do d="$d/d"; done
mkdir -p "$d"
hook "$T/deep"
[ "$RC" -eq 1 ] && grep -q "deeper than the walk descends" <<<"$OUT" && ! grep -q "not cached" <<<"$OUT" ||
        fail "a folder too deep: $RC $OUT"
hook "$T/deep"
[ "$RC" -eq 1 ] && [ "$(last_cache)" = hit ] || fail "a folder too deep, again: $RC $(last_cache) $OUT"

[ "$fails" -eq 0 ] || exit 1
echo "hook-transient: ok"
