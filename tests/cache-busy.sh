#!/bin/sh
# The cache's writers beside one that holds the verdict index for longer
# than the busy timeout (5 s): a 'cache rescan' of many entries, a fill
# re-matching 1,000 real images, here flock(1) on the index lock.  'cache
# fill' still analyses and stores the running container whose image the
# cache lacks and leaves the re-match to its next run, said (the whole run
# failed, exit 2, and every run beside a long rescan with it); 'cache gc'
# fails naming the lock, who holds such a lock and what to do.  The
# running containers are runc state folders of one live process (no runc
# needed), their images named by digest on a read-only rootfs.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
command -v flock >/dev/null || { echo "skip: flock (util-linux) not installed"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-busy-XXXXXX")
sleep 600 &
SLEEPER=$!
trap 'kill "$SLEEPER" 2>/dev/null; rm -rf "$T"' EXIT

R=$T/rootfs
C=$T/cache/cache.db
curl_dbs "$R" "$T/db1.sqlite" "$T/db2.sqlite" || exit 1
cp "$T/db1.sqlite" "$T/db.sqlite"
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"], "trust_image_digest": true}\n' "$T/db.sqlite" "$C" "$T/locks" "$T/policy.json" \
        "$T/audit.log" "$T/state" >"$T/config.json"

# container NAME N: a running container of image N (its bundle's root
# read-only, the image named by digest), and the state a start of it reads
start=$(cut -d' ' -f22 "/proc/$SLEEPER/stat")
container() {
        d=sha256:$(printf 'image %s %s' "$2" "$T" | sha256sum | cut -c1-64)
        mkdir -p "$T/bundles/$1" "$T/state/$1"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s", "readonly": true},
 "annotations": {"io.kubernetes.cri.image-name": "docker.io/x@%s"}}\n' "$R" "$d" >"$T/bundles/$1/config.json"
        printf '{"id": "%s", "init_process_pid": %s, "init_process_start": %s, "config": {"rootfs": "%s",
 "labels": ["bundle=%s"]}}\n' "$1" "$SLEEPER" "$start" "$R" "$T/bundles/$1" >"$T/state/$1/state.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s",
 "annotations": {"io.kubernetes.cri-o.ImageRef": "%s"}}\n' "$1" "$T/bundles/$1" "$d" >"$T/$1.state"
}
container cached 1
container missing 2
# The first image cached under the first DB; the second DB in place: its
# entry is one to re-match, the second image one to analyse.
"$HOOK" --config "$T/config.json" <"$T/cached.state" >/dev/null 2>&1 || fail "start of the cached image: $?"
ln "$T/db2.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"

touch "$C-index.lock"
flock "$C-index.lock" sleep 8 &
HOLDER=$!
sleep 0.3
"$P" cache gc --config "$T/config.json" >"$T/gc.out" 2>&1 &
GC=$!
"$P" cache fill --config "$T/config.json" >"$T/fill.out" 2>&1 || fail "fill beside a writer: $? $(cat "$T/fill.out")"
grep -q "analysed and stored 1," "$T/fill.out" || fail "fill beside a writer stored nothing: $(cat "$T/fill.out")"
grep -q "not re-matched: verdict index lock $C-index.lock: held for over [0-9]* ms" "$T/fill.out" ||
        fail "fill beside a writer: the re-match left unsaid: $(cat "$T/fill.out")"
wait "$GC" && fail "gc beside a writer: done"
grep -q "verdict index lock $C-index.lock: held for over [0-9]* ms by another writer of the cache.*run again once it ends" \
        "$T/gc.out" || fail "gc beside a writer: $(cat "$T/gc.out")"
wait "$HOLDER"

# The writer gone, the next run re-matches: the cached image blocked under
# the second DB, from the cache.
"$P" cache fill --config "$T/config.json" >"$T/fill.out" 2>&1 || fail "fill: $? $(cat "$T/fill.out")"
grep -q "re-matched 1 cache entry" "$T/fill.out" || fail "the next fill: $(cat "$T/fill.out")"
for n in cached missing; do
        "$HOOK" --config "$T/config.json" <"$T/$n.state" >/dev/null 2>&1
        [ $? -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "start of $n: $(tail -1 "$T/audit.log")"
done

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ] || exit 1
