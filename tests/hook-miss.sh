#!/bin/bash
# A miss whose identity is known before the rootfs is read (here the
# runtime's digest) is analysed by one sandboxed child, inventory and match
# together (lib/analyze.c, analyze_rootfs()); the child opens the DB before
# its chroot into the image and never again, so a DB file the image plants
# at the DB's own path inside its root changes nothing.  A miss without a
# digest still inventories first (its identity is the inventory's digest,
# looked up before any match), and is then a hit.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-miss-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), index_shard()

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle" "$T/clean"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
state() {       # state DIGEST (or "" for none)
        local ann=
        [ -n "$1" ] && ann=", \"annotations\": {\"io.kubernetes.cri-o.ContainerType\": \"container\", \"io.kubernetes.cri-o.ImageRef\": \"$1\"}"
        printf '{"ociVersion": "1.0.2", "id": "miss", "status": "creating", "pid": 1, "bundle": "%s"%s}\n' \
                "$T/bundle" "$ann" >"$T/state.json"
}
# The real DB has the curl advisory; the one planted in the image has not.
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
cp -r "$SRC/feed/debian12" "$T/clean/" && rm "$T/clean/debian12/PCEX-CVE-2023-38545.json"
mkdir -p "$R$T"
"$P" db import "$T/clean" --db "$R$T/db.sqlite" >/dev/null || { echo "FAIL: import of the planted DB"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

last() { tail -1 "$T/audit.log"; }
# LeakSanitizer can't run under ptrace (a sanitizer build exits 134 there).
traced() {
        rm -f "$T"/trace.*
        OUT=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -ff -qq \
                -e trace=fork,vfork,clone,clone3,execve,chroot,open,openat -o "$T/trace" \
                "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1)
        RC=$?
}
# How many processes the hook made (strace -ff writes one file per process
# and per thread: a clone without CLONE_THREAD is a process).
children() { cat "$T"/trace.* | grep -E '^(fork|vfork|clone|clone3)\(' | grep -v CLONE_THREAD | grep -vc '= -1'; }
# How many of them were a fresh exec of the hook (lib/analyze.c, exec_child()), of kind $1.
execs() { cat "$T"/trace.* | grep -c "^execve(\"/proc/self/exe\", \[\"portcullis-hook\", \"--analysis-child\", \"$1\""; }
# How many threads the analysis made: the walk's two listers, per child.
threads() { cat "$T"/trace.* | grep -E '^(clone|clone3)\(' | grep CLONE_THREAD | grep -vc '= -1'; }

# 1. By digest: one child, the real DB's finding, the planted DB unopened.
state "sha256:$(printf '%064d' 1)"
traced
[ "$RC" -eq 1 ] || fail "digest miss: exit $RC, want 1 (blocked): $OUT"
last | grep -q '"cache":"miss"' || fail "digest miss: not a miss: $(last)"
last | grep -q '"identity_source":"digest"' || fail "digest miss: identity not from the digest: $(last)"
grep -q 'CVE-2023-38545' <<<"$OUT" || fail "digest miss: the real DB's finding is not named: $OUT"
[ "$(children)" -eq 1 ] || fail "digest miss: $(children) child processes, want 1"
[ "$(execs rootfs)" -eq 1 ] || fail "digest miss: the child is not a fresh exec of the hook"
[ "$(threads)" -eq 2 ] || fail "digest miss: $(threads) threads, want 2 (the walk's listers)"
child=$(grep -l 'chroot(' "$T"/trace.* | head -1)
[ -n "$child" ] || fail "digest miss: no child chrooted"
if [ -n "$child" ]; then
        grep -q "db.sqlite" <(sed -n '/chroot(/,$p' "$child") && fail "the child opened a DB after its chroot"
        grep -q "db.sqlite" <(sed -n '1,/chroot(/p' "$child") || fail "the child did not open the DB before its chroot"
fi

# 2. Again: a hit, no child.
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "digest again: not a blocked hit: $RC $(last)"
[ "$(children)" -eq 0 ] || fail "digest hit: $(children) child processes, want 0"

# 2b. Another image, now that the index's memo names the DB's revision:
# its analysis starts (under its lock) before the cache is opened.
# The parent is the trace with a fork and no chroot.
state "sha256:$(printf '%064d' 2)"
traced
last | grep -q '"cache":"miss"' || fail "second digest miss: not a miss: $(last)"
parent=$(grep -l -E '^(fork|vfork|clone|clone3)\(' "$T"/trace.* | xargs grep -L 'chroot(' | head -1)
at_fork=$(grep -n -m1 -E '^(fork|vfork|clone|clone3)\(' "$parent" | cut -d: -f1)
at_cache=$(grep -n -m1 'cache\.db"' "$parent" | cut -d: -f1)
[ -n "$at_fork" ] && [ -n "$at_cache" ] && [ "$at_fork" -lt "$at_cache" ] ||
        fail "second digest miss: the analysis did not start before the cache was opened (fork at line $at_fork, cache at line $at_cache of $parent)"

# 3. No digest: one staged child sends the inventory first (its digest is
# the identity, looked up in the cache), then matches when the hook asks;
# the next start is a hit on the inventory alone, the child killed unasked.
state ""
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"miss"' || fail "inventory miss: not a blocked miss: $RC $(last)"
last | grep -q '"identity_source":"inventory"' || fail "inventory miss: identity not from the inventory: $(last)"
grep -q 'CVE-2023-38545' <<<"$OUT" || fail "inventory miss: the real DB's finding is not named: $OUT"
[ "$(children)" -eq 1 ] || fail "inventory miss: $(children) child processes, want 1"
[ "$(execs staged)" -eq 1 ] || fail "inventory miss: the child is not a fresh exec of the hook, staged"
child=$(grep -l 'chroot(' "$T"/trace.* | head -1)
[ -n "$child" ] && grep -q "db.sqlite" <(sed -n '/chroot(/,$p' "$child") && fail "inventory miss: the child opened a DB after its chroot"
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "inventory hit: not a blocked hit: $RC $(last)"
[ "$(children)" -eq 1 ] || fail "inventory hit: $(children) child processes, want 1 (the inventory)"

# 4. Misses into a cache that exists mostly make no sync: the cache is an
# accelerator (sqlite's synchronous=NORMAL keeps it whole, the index and
# the -used file are checked by their readers), and the WAL is copied into
# the file and truncated only once it holds 512 KiB (lib/cache.c), not
# after every write.  Each hook is the cache's only process, so an open
# reads back every valid frame of the WAL: it must not grow past that, or
# every miss would read it whole and checkpoint it again (as it once did).
wal_max=0 quiet=0
for i in $(seq 10 49); do
        state "sha256:$(printf '%064d' "$i")"
        syncs=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq \
                -e trace=fsync,fdatasync,sync,syncfs -o /dev/stdout \
                "$HOOK" --config "$T/config.json" <"$T/state.json" 2>/dev/null | grep -c 'sync')
        [ "$syncs" -eq 0 ] && quiet=$((quiet + 1))
        wal=$(stat -c %s "$T/cache.db-wal")
        [ "$wal" -gt "$wal_max" ] && wal_max=$wal
done
[ "$(grep -c '"cache":"miss"' "$T/audit.log")" -ge 42 ] || fail "not every start was a miss"
[ "$quiet" -ge 30 ] || fail "$quiet of 40 misses made no sync, want most (a checkpoint every 512 KiB of WAL)"
[ "$wal_max" -le $((1024 * 1024)) ] || fail "the WAL reached $wal_max bytes, want <= 1 MiB (truncated at 512 KiB)"
n=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT count(*) FROM entries").fetchone()[0])' \
        "$T/cache.db")
[ "$n" -ge 42 ] || fail "$n entries in the cache after 42 misses"
# A miss rewrites the index shard of its identity (and its .used file),
# not the other images' findings.
inodes() { stat -c '%n %i' "$T"/cache.db-index.d/* | sort; }
before=$(inodes)
state "sha256:$(printf '%064d' 77)"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
changed=$(comm -13 <(echo "$before") <(inodes) | wc -l)
[ "$(ls "$T/cache.db-index.d" | wc -l)" -gt 20 ] || fail "43 images in fewer than 10 index shards"
[ "$changed" -eq 2 ] || fail "a miss replaced $changed index files, want 2 (its shard and its .used file)"

# 5. Index shards a power cut left torn (zeros: they are written unsynced)
# answer nothing: a hit goes to sqlite with the same verdict and writes its
# shard whole again, so the next hit opens no sqlite file; a miss writes a
# whole shard over its torn one.
for f in "$T"/cache.db-index.d/[0-9a-f][0-9a-f]; do
        head -c "$(stat -c %s "$f")" /dev/zero >"$f.zero" && mv "$f.zero" "$f"
done
state "sha256:$(printf '%064d' 10)"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
[ $? -eq 1 ] && last | grep -q '"cache":"hit"' || fail "a hit beside a torn index: not a blocked hit: $(last)"
id10=$(last | grep -o '"identity":"[^"]*"' | cut -d'"' -f4)
[ "$(head -c 8 "$(index_shard "$T/cache.db" "$id10")")" = PCvindex ] || fail "the hit did not write its torn shard whole again"
rm -f "$T"/trace.*
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=openat -o "$T/trace.hit" \
        "$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
last | grep -q '"cache":"hit"' || fail "hit after the shard was rewritten: $(last)"
grep -q 'cache.db"' "$T/trace.hit" && fail "a hit after its shard was rewritten opened sqlite"
state "sha256:$(printf '%064d' 99)"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
last | grep -q '"cache":"miss"' || fail "digest 99: not a miss: $(last)"
id99=$(last | grep -o '"identity":"[^"]*"' | cut -d'"' -f4)
[ "$(head -c 8 "$(index_shard "$T/cache.db" "$id99")")" = PCvindex ] || fail "the miss did not write its torn shard whole again"
# A miss into a torn shard fills it from the cache with the entries of
# that shard only (their identities read first, then those rows alone), and
# they are then hits without sqlite.  D: a new digest whose shard is that of
# a cached image E whose shard is still torn.
read -r D E < <(python3 -c 'import sqlite3, sys
def shard(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) % (1 << 64)
    return h % 256
ids = [r[0] for r in sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT identity FROM entries")]
done = {shard(sys.argv[2]), shard(sys.argv[3])}
by = {shard(i): i for i in ids if i.startswith("sha256:") and shard(i) not in done}
for n in range(1000, 100000):
    d = "sha256:%064d" % n
    if shard(d) in by and d not in ids:
        print(d, by[shard(d)]); break' "$T/cache.db" "$id10" "$id99")
state "$D"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
last | grep -q '"cache":"miss"' || fail "digest $D: not a miss: $(last)"
state "$E"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=openat -o "$T/trace.same" \
        "$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
last | grep -q '"cache":"hit"' || fail "$E after a miss into its shard: not a hit: $(last)"
grep -q 'cache.db"' "$T/trace.same" && fail "$E: the miss of $D did not put it into their shard (the hit opened sqlite)"

# 6. An image sqlite holds but its shard does not (an index write lost):
# the analysis started at once is killed when sqlite answers, and the
# start is a hit.  Y: a new digest whose shard exists.
for n in $(seq 500 900); do
        Y="sha256:$(printf '%064d' "$n")"
        [ -f "$(index_shard "$T/cache.db" "$Y")" ] && break
done
shard=$(index_shard "$T/cache.db" "$Y")
cp "$shard" "$T/shard.before"
state "$Y"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
last | grep -q '"cache":"miss"' || fail "$Y: not a miss: $(last)"
cp "$T/shard.before" "$shard"
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "$Y without its shard entry: not a blocked hit: $RC $(last)"
[ "$(children)" -eq 1 ] || fail "$Y without its shard entry: $(children) analyses started, want 1 (started early, then killed)"

# 7. The analysis child's command line is the hook's own: by hand it is
# refused, saying so; one whose parent is not the process it names (the
# hook died before the child took its parent-death signal) stops at once,
# writing nothing to its pipe.
OUT=$("$HOOK" --analysis-child rootfs 1 2 3 4 / "" 2>&1)
[ $? -eq 2 ] && grep -q "not run by hand" <<<"$OUT" || fail "--analysis-child with bad arguments: $OUT"
OUT=$("$HOOK" --analysis-child nosuch 5 4 - 1000 1 / "" 2>&1 5>/dev/null 4</)
[ $? -eq 2 ] || fail "--analysis-child of an unknown kind: $OUT"
OUT=$("$HOOK" --analysis-child staged 5 4 - 1000 1 / "" 2>&1 5>/dev/null 4</)
[ $? -eq 2 ] || fail "--analysis-child staged without its socket: $OUT"
true &
gone=$!         # a parent that is no more (not 1: the tests may run as a namespace's init's children)
wait "$gone"
"$HOOK" --analysis-child rootfs 5 4 - 1000 "$gone" "$R" "" 5>"$T/orphan.out" 4<"$R" 2>/dev/null
rc=$?
[ "$rc" -eq 3 ] && [ ! -s "$T/orphan.out" ] || fail "an analysis child whose parent is gone: exit $rc, wrote $(wc -c <"$T/orphan.out") bytes"

# 8. Without /proc (so no /proc/self/exe to run), the child is forked, and
# the miss is decided as with it: by digest, and staged (a rootfs the
# cache does not know yet, without digest).
if unshare --mount --propagation private true 2>/dev/null; then
        noproc() {
                unshare --mount --propagation private sh -c 'umount -l /proc && exec "$0" --config "$1" <"$2" >/dev/null 2>&1' \
                        "$HOOK" "$T/config.json" "$T/state.json"
        }
        state "sha256:$(printf '%064d' 3)"
        noproc
        rc=$?
        [ "$rc" -eq 1 ] && last | grep -q '"cache":"miss"' || fail "a miss without /proc: exit $rc, $(last)"
        printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1\n\n' \
                >>"$R/var/lib/dpkg/status"
        state ""
        noproc
        rc=$?
        [ "$rc" -eq 1 ] && last | grep -q '"cache":"miss"' && last | grep -q '"identity_source":"inventory"' ||
                fail "a staged miss without /proc: exit $rc, $(last)"
fi

# 9. The audit line's duration_ms of a miss is no longer than the hook
# took, timed from outside: the start /proc gives is rounded down to a
# clock tick (10 ms), which the deadline counts from, and the duration
# must not (it made a 10 ms miss look up to 20 ms long).
python3 - "$HOOK" "$T/config.json" "$T/state.json" "$T/audit.log" <<'PY' || fail "duration_ms longer than the hook ran"
import json, subprocess, sys, time
hook, config, state, audit = sys.argv[1:]
over = []
for i in range(12):
    doc = json.load(open(state))
    doc.setdefault("annotations", {})["io.kubernetes.cri-o.ImageRef"] = "sha256:%064x" % (0xd0 + i)
    doc["annotations"]["io.kubernetes.cri-o.ContainerType"] = "container"
    s = json.dumps(doc)
    t = time.monotonic()
    subprocess.run([hook, "--config", config], input=s.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = (time.monotonic() - t) * 1000
    line = json.loads(open(audit).read().splitlines()[-1])
    assert line["cache"] == "miss", line
    if line["duration_ms"] > took + 2:      # the clocks' millisecond rounding
        over.append((line["duration_ms"], round(took, 1)))
if over:
    sys.exit(f"duration_ms against the time from outside: {over}")
PY

[ "$fails" -eq 0 ] && echo "hook-miss: all checks passed"
exit $((fails > 0))
