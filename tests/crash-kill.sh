#!/bin/bash
# kill -9 at chosen instructions: strace's fault injection
# (-e inject=SYSCALL:signal=KILL:when=N) kills the process as it enters
# the Nth call of SYSCALL, the same point every run, where a random kill
# would hit it once in hundreds.  After each kill, the next start must
# give the answer a quiet run gives, and what the killed process left must
# not stay for good.
#  1. a hook killed between writing a verdict index shard (or its .used
#     file) to a temporary file and renaming it: the next start is decided
#     as before, and 'cache gc' (the timer) removes the temporary files.
set -u
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-crash-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), curl_image()

curl_image "$T" 7.88.1-10+deb12u3     # $T/rootfs, $T/bundle: the example feed's CRITICAL
# state N: the OCI state of a container of image digest N (one cache entry each).
state() {
        printf '{"ociVersion": "1.0.2", "id": "c%s", "status": "creating", "pid": 1, "bundle": "%s", "annotations": {"io.kubernetes.cri-o.ImageRef": "sha256:%064x"}}\n' \
                "$1" "$T/bundle" "$1" >"$T/state-$1.json"
}
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
hook() { OUT=$("$HOOK" --config "$T/config.json" <"$T/state-$1.json" 2>&1); RC=$?; }
# killed_at SYSCALL N CMD...: CMD killed (SIGKILL) as it enters its Nth SYSCALL.
killed_at() {
        local sc=$1 n=$2
        shift 2
        strace -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" "$@" >/dev/null 2>&1
        KRC=$?
}

# ---- 1. the verdict index's temporary files ---------------------------------
for i in 1 2 3; do
        state $i
        hook $i
        [ "$RC" -eq 1 ] || fail "index: image $i: exit $RC, want 1 (blocked): $OUT"
done
IDX=$T/cache/cache.db-index.d
# A miss writes its shard's .used file, then the shard, each renamed into
# place: killed at the first rename, then at the second (the .used in place).
state 7
killed_at rename 1 "$HOOK" --config "$T/config.json" <"$T/state-7.json"
[ "$KRC" -eq 137 ] || fail "index: the hook was not killed at its first rename (exit $KRC)"
killed_at rename 2 "$HOOK" --config "$T/config.json" <"$T/state-7.json"
[ "$KRC" -eq 137 ] || fail "index: the hook was not killed at its second rename (exit $KRC)"
left=$(find "$IDX" -name '*.tmp-*' | wc -l)
[ "$left" -ge 2 ] || fail "index: the kills left $left temporary files, want 2 or more (did the kill points move?)"
hook 7
[ "$RC" -eq 1 ] && grep -q "PCEX-CVE-2023-38545" <<<"$OUT" || fail "index: after the kills: exit $RC: $OUT"
hook 7
[ "$RC" -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "index: after the kills, not a blocked hit: $RC $(tail -1 "$T/audit.log")"
OUT=$("$P" cache gc --config "$T/config.json" 2>&1) || fail "index: cache gc: $OUT"
left=$(find "$IDX" -name '*.tmp-*')
[ -z "$left" ] || fail "index: cache gc left the killed writers' temporary files: $left"
for i in 1 7; do
        hook $i
        [ "$RC" -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "index: after gc, image $i: $RC $(tail -1 "$T/audit.log")"
done

[ "$fails" -eq 0 ] || exit 1
echo "ok"
