#!/bin/bash
# portcullis cache fill: a real runc container whose image's analysis
# outlasts deadline_ms was started by on_timeout (allow) and nothing was
# cached; the fill analyses it with its own deadline and stores it under
# the identity the hook looks up (the trusted digest), so that the next
# start of that image is a hit with its findings (and metrics counts it).
# Its per-run bound leaves the second such image counted for the next run;
# an entry the hook stored stays as it was; an image a start is analysing
# (its lock held) is left to it; a fill with nothing missing analyses
# nothing; an image named by no digest is stored under its inventory's
# identity.  On an overlay rootfs laid out as a snapshotter lays it out, a
# container that wrote into its upper is not its image, its lowers are
# (stored through them); one that did not is stored under the layers'
# identity, which the next start of the image looks up.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
need_runc_busybox

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-fill-XXXXXX")
ROOT=$T/runc-root
trap runc_mounts_cleanup EXIT

# rootfs NAME EXTRA: busybox, Debian 12, the vulnerable libcurl4 (the
# example feed's CRITICAL PCEX-CVE-2023-38545) and EXTRA more packages
# (60,000 take the analysis far past deadline_ms's 50 ms)
rootfs() {
        local r=$T/$1
        busybox_rootfs "$r"
        mkdir -p "$r/etc" "$r/var/lib/dpkg" "$r/tmp"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$r/etc/os-release"
        python3 - "$r/var/lib/dpkg/status" "$2" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\n"
            "Version: 7.88.1-10+deb12u3\n\n")
    for i in range(int(sys.argv[2])):
        f.write(f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}\n\n")
PY
}
rootfs slow 60000
rootfs fast 0

fill_config
# the fast image's start has time to analyse it whatever the machine's load
sed 's/"deadline_ms": 50/"deadline_ms": 10000/' "$T/policy.json" >"$T/policy-fast.json"
sed "s|$T/policy.json|$T/policy-fast.json|" "$CFG" >"$T/config-fast.json"

digest() { printf 'sha256:%064d' "$1"; }
# run NAME ROOTFS DIGEST [CONFIG]: a detached container that sleeps, its
# image named by digest as CRI names it, the hook at create
run() {
        runc_bundle "$T/bundles/$1" "$T/$2" "${4:-$CFG}" "docker.io/library/$2@$(digest "$3")"
        runc_run_sleeping "$ROOT" "$T/bundles/$1" "$1"
}
# last_line CONTAINER: the last audit line of a start of it
last_line() { grep "\"container\":\"$1\"" "$LOG" | grep '"decision"' | tail -1; }
# entries: the cache's entries, "identity key created last_used" sorted
entries() {
        "$P" cache ls --config "$CFG" --format json 2>/dev/null | python3 -c 'import json, sys
print("\n".join(sorted("%s %s %s %s" % (e["identity"], e["key"], e["created"], e["last_used"]) for e in json.load(sys.stdin)["entries"])))'
}

run c-fast fast 3 "$T/config-fast.json"
run c-slow1 slow 1
run c-slow2 slow 2
for c in c-slow1 c-slow2; do
        line=$(last_line "$c")
        echo "$line" | grep -q '"decision":"allow"' && echo "$line" | grep -qi 'timeout\|deadline' ||
                fail "$c: not started by on_timeout: $line"
done
entries >"$T/entries.before"
grep -q "^$(digest 3) " "$T/entries.before" || fail "the fast image was not cached by its start: $(cat "$T/entries.before")"
grep -q "^$(digest 1) \|^$(digest 2) " "$T/entries.before" &&
        fail "a start past deadline_ms cached its image: $(cat "$T/entries.before")"
sleep 1.1       # an entry rewritten now would show another time

# the first run: one analysis allowed, the other image left and counted
timeout 300 "$P" cache fill --config "$CFG" --max-analyses 1 >"$T/fill1.out" 2>"$T/fill1.err" ||
        fail "cache fill: $(cat "$T/fill1.out" "$T/fill1.err")"
cat "$T/fill1.out"
grep -q "3 running containers, 2 whose image the cache lacked: analysed and stored 1, .* 0 failed, 0 not kept, 0 whose rootfs .*, 1 left for the next run (at most 1 analyses of at most 120 s each, 240 s per run)" \
        "$T/fill1.out" || fail "first fill's line: $(cat "$T/fill1.out" "$T/fill1.err")"
[ "$(grep -c '"event":"cache_filled"' "$LOG")" -eq 1 ] || fail "first fill: not one cache_filled line: $(grep event "$LOG")"
grep '"event":"cache_filled"' "$LOG" | grep -q "\"identity\":\"$(digest 1)\",\"identity_source\":\"digest\"" ||
        fail "first fill's audit line: $(grep event "$LOG")"
entries >"$T/entries.after"
grep "^$(digest 3) " "$T/entries.before" >"$T/fast.before"
grep "^$(digest 3) " "$T/entries.after" >"$T/fast.after"
cmp -s "$T/fast.before" "$T/fast.after" || fail "the hook's entry changed: $(cat "$T/fast.before" "$T/fast.after")"
grep -q "^$(digest 1) " "$T/entries.after" || fail "the slow image was not stored: $(cat "$T/entries.after")"

# the next start of the image is a hit, with its findings
run c-slow1b slow 1
line=$(last_line c-slow1b)
echo "$line" | grep -q '"cache":"hit"' || fail "the next start is not a hit: $line"
echo "$line" | grep -q 'PCEX-CVE-2023-38545' || fail "the hit lacks the image's finding: $line"
echo "$line" | grep -q '"CRITICAL":1' || fail "the hit's counts: $line"

# the second run stores the image left; a third has nothing to do
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill2.out" 2>"$T/fill2.err" || fail "cache fill 2: $(cat "$T/fill2.err")"
grep -q "4 running containers, 1 whose image the cache lacked: analysed and stored 1, .* 0 left for the next run" \
        "$T/fill2.out" || fail "second fill's line: $(cat "$T/fill2.out" "$T/fill2.err")"
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill3.out" 2>"$T/fill3.err" || fail "cache fill 3: $(cat "$T/fill3.err")"
grep -q "4 running containers, 0 whose image the cache lacked: analysed and stored 0," "$T/fill3.out" ||
        fail "third fill's line: $(cat "$T/fill3.out" "$T/fill3.err")"
[ "$(grep -c '"event":"cache_filled"' "$LOG")" -eq 2 ] || fail "not two cache_filled lines: $(grep event "$LOG")"
run c-slow2b slow 2
last_line c-slow2b | grep -q '"cache":"hit"' || fail "the second image's next start is not a hit: $(last_line c-slow2b)"
# the metrics: the images stored counted, no running container left unjudged
"$P" metrics --config "$CFG" --output - --state "$T/metrics.state" >"$T/metrics.out" 2>"$T/metrics.err" ||
        fail "metrics: $(cat "$T/metrics.err")"
grep -qx 'portcullis_cache_filled_total 2' "$T/metrics.out" && grep -qx 'portcullis_containers_not_judged 0' "$T/metrics.out" &&
        grep -qx 'portcullis_audit_lines_skipped_total 0' "$T/metrics.out" ||
        fail "metrics: $(grep -v '^#' "$T/metrics.out")"

# a start analysing an image holds its lock: the fill leaves it to that
# start (and the second container of that image to the next run)
"$P" cache purge --config "$CFG" >/dev/null
lock=$T/locks/$(printf '%s' "$(digest 1)" | sha256sum | cut -c1-64).lock
exec 9>"$lock"
flock -x 9 || fail "flock $lock"
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill10.out" 2>"$T/fill10.err" 9>&- || fail "cache fill 10: $(cat "$T/fill10.err")"
exec 9>&-
grep -q "5 running containers, 4 whose image the cache lacked: analysed and stored 2, 0 stored by a start meanwhile, 1 being analysed by a start, .* 1 left for the next run" \
        "$T/fill10.out" || fail "an image whose lock a start holds: $(cat "$T/fill10.out" "$T/fill10.err")"
entries | grep -q "^$(digest 1) " && fail "stored the image whose lock a start held: $(entries)"

# no time for an analysis: each container whose image is missing is left, counted
"$P" cache purge --config "$CFG" >/dev/null
timeout 300 "$P" cache fill --config "$CFG" --deadline 0 >"$T/fill4.out" 2>"$T/fill4.err"
grep -q "5 running containers, 5 whose image the cache lacked: analysed and stored 0, .* 5 left for the next run" \
        "$T/fill4.out" ||
        fail "a fill without time: $(cat "$T/fill4.out" "$T/fill4.err")"

# an image named by no digest: its identity is its inventory's, which the
# fill reads to look it up (its next start reads it too: README, big images)
runc_delete_all "$ROOT"
"$P" cache purge --config "$CFG" >/dev/null
runc_bundle "$T/bundles/c-inv" "$T/slow" "$CFG" docker.io/library/slow:1
runc_run_sleeping "$ROOT" "$T/bundles/c-inv" c-inv
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill8.out" 2>"$T/fill8.err" || fail "cache fill 8: $(cat "$T/fill8.err")"
grep -q "1 running containers, 1 whose image the cache lacked: analysed and stored 1," "$T/fill8.out" &&
        grep '"event":"cache_filled"' "$LOG" | tail -1 | grep -q '"container":"c-inv".*"identity":"inventory:sha256:[0-9a-f]*","identity_source":"inventory"' ||
        fail "an inventory identity: $(cat "$T/fill8.out" "$T/fill8.err"; grep '"event":"cache_filled"' "$LOG" | tail -1)"
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill9.out" 2>"$T/fill9.err" || fail "cache fill 9: $(cat "$T/fill9.err")"
grep -q "1 running containers, 0 whose image the cache lacked: analysed and stored 0," "$T/fill9.out" ||
        fail "an inventory identity stored, looked up again: $(cat "$T/fill9.out" "$T/fill9.err")"

# overlay rootfs: one writes into its upper, the next does not
runc_delete_all "$ROOT"
"$P" cache purge --config "$CFG" >/dev/null
S=$T/snapshots
mkdir -p "$S/1"
cp -a "$T/slow" "$S/1/fs"
overlay_start writer 'echo pid >/tmp/app.pid; sleep 600'
for _ in $(seq 1 50); do [ -s "$S/writer/fs/tmp/app.pid" ] && break; sleep 0.1; done
[ -s "$S/writer/fs/tmp/app.pid" ] || fail "the writer wrote nothing into its upper"
last_line writer | grep -q '"decision":"allow".*"identity_source":"overlay"' ||
        fail "the writer's start: $(last_line writer)"
# (its image is read through its lower layers alone: cache-fill-lowers.sh)
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill5.out" 2>"$T/fill5.err" || fail "cache fill 5: $(cat "$T/fill5.err")"
grep -q "1 running containers, 1 whose image the cache lacked: analysed and stored 1, .* 0 whose rootfs may hold their own changes (not their image: nothing stored), 0 left" "$T/fill5.out" ||
        fail "a container with its own files: $(cat "$T/fill5.out" "$T/fill5.err")"
grep '"event":"cache_filled"' "$LOG" | tail -1 | grep -q '"container":"writer".*"identity_source":"overlay"' ||
        fail "the writer's lowers' audit line: $(grep '"event":"cache_filled"' "$LOG" | tail -1)"
"$P" cache purge --config "$CFG" >/dev/null
overlay_start quiet 'sleep 600'
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill6.out" 2>"$T/fill6.err" || fail "cache fill 6: $(cat "$T/fill6.err")"
# (quiet comes first: once its image is stored, the writer's is not missing)
grep -q "2 running containers, 1 whose image the cache lacked: analysed and stored 1, .* 0 whose rootfs may hold their own changes" "$T/fill6.out" ||
        fail "the overlay image not stored: $(cat "$T/fill6.out" "$T/fill6.err")"
grep '"event":"cache_filled"' "$LOG" | tail -1 | grep -q '"container":"quiet".*"identity":"overlay:sha256:[0-9a-f]*","identity_source":"overlay"' ||
        fail "the overlay image's audit line: $(grep '"event":"cache_filled"' "$LOG" | tail -1)"
overlay_start again 'sleep 600'
last_line again | grep -q '"cache":"hit".*' || fail "the overlay image's next start is not a hit: $(last_line again)"
last_line again | grep -q 'PCEX-CVE-2023-38545' || fail "the overlay hit lacks the finding: $(last_line again)"

# a container that writes into its upper while the fill reads its rootfs
# (here the test, as soon as the fill has a child: its analysis): what was
# read is not the image, nothing stored
runc_delete_all "$ROOT"
"$P" cache purge --config "$CFG" >/dev/null
overlay_start racer 'sleep 600'
"$P" cache fill --config "$CFG" >"$T/fill11.out" 2>"$T/fill11.err" &
fill_pid=$!
for _ in $(seq 1 3000); do pgrep -P "$fill_pid" >/dev/null && break; sleep 0.01; done
echo pid >"$S/racer/fs/app.pid" || fail "could not write into the racer's upper"
wait "$fill_pid" || fail "cache fill 11: $(cat "$T/fill11.err")"
grep -q "1 whose rootfs may hold their own changes" "$T/fill11.out" &&
        grep -q "container racer: its overlay's upper changed while its rootfs was read" "$T/fill11.err" ||
        fail "a container that wrote during the analysis: $(cat "$T/fill11.out" "$T/fill11.err")"
[ -z "$(entries)" ] || fail "stored what a container changed during the analysis: $(entries)"

# a rootfs that is no overlay and that the container may write, its image
# named by digest: not its image either
runc_delete_all "$ROOT"
"$P" cache purge --config "$CFG" >/dev/null
runc_bundle "$T/bundles/c-rw" "$T/slow" "$CFG" "docker.io/library/slow@$(digest 7)"
python3 -c 'import json, sys
p = sys.argv[1] + "/config.json"; c = json.load(open(p)); c["root"]["readonly"] = False; json.dump(c, open(p, "w"))' \
        "$T/bundles/c-rw"
runc_run_sleeping "$ROOT" "$T/bundles/c-rw" c-rw
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill12.out" 2>"$T/fill12.err" || fail "cache fill 12: $(cat "$T/fill12.err")"
grep -q "1 whose rootfs may hold their own changes" "$T/fill12.out" &&
        grep -q "container c-rw: its image is known by its digest .*no overlay .*not read-only (root.readonly)" "$T/fill12.err" ||
        fail "a writable rootfs named by digest: $(cat "$T/fill12.out" "$T/fill12.err")"
[ -z "$(entries)" ] || fail "stored a writable rootfs under its digest: $(entries)"

[ "$fails" -eq 0 ] || exit 1
echo "cache fill: ok"
