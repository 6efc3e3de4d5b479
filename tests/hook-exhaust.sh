#!/bin/bash
# The node runs out of something where the hook writes (root: a small
# tmpfs for its state, unmounted on exit):
#  - the audit log's disk fills in the middle of a line: the start is
#    decided and says its line was not recorded, and the torn bytes are
#    cut off again, so that the next start's line, once there is room,
#    is not glued to them and lost to report and metrics;
#  - scan --output and the metrics state on that full disk say to free
#    space (not to give another path), and the previous report stays;
#  - the state folder out of inodes: a miss is still decided, and the
#    lock's note says what ran out (not "check the folder's permissions");
#    full, 'cache gc' fails and the message does not tell to run it;
#    remounted read-only: a miss that can't be cached is decided all the
#    same (blocked when vulnerable), the cache's note names the file;
#  - the analysis child killed from outside (SIGKILL: the OOM killer of a
#    memory cgroup): the line says so, and what to do;
#  - the audit log a FIFO whose reader (a log shipper) is gone, has
#    stopped reading, or leaves between the open and the write: the start
#    is decided at once, the line "not recorded" (saying why), not hung,
#    not killed by SIGPIPE;
#  - a stderr whose reader is gone: a warned start exits 0 as its audit
#    line says, not killed by SIGPIPE (which the runtime takes for a no).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (tmpfs mounts)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-exhaust-XXXXXX")
cleanup() {
        mountpoint -q "$T/full" 2>/dev/null && umount "$T/full"
        mountpoint -q "$T/state" 2>/dev/null && umount "$T/state"
        rm -rf "$T"
}
trap cleanup EXIT
. "$SRC/tests/lib.sh"

curl_image "$T/vuln" 7.88.1-10+deb12u3
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "on_audit_failure": "allow"}\n' >"$T/policy.json"
mkdir -p "$T/full"
mount -t tmpfs -o size=256k tmpfs "$T/full" || { echo "skip: mount -t tmpfs failed"; exit 77; }
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/full/audit.log" >"$T/config.json"
hook() { OUT=$(timeout 60 "$HOOK" --config "$T/config.json" <"$T/vuln/state.json" 2>&1); RC=$?; }

# 1. A line torn by a full disk.  The first line, copied with a longer
#    container id, fills the log's page to 64 bytes short of its end; the
#    filler then takes every free page, so the next line's write stops
#    64 bytes in.
hook
[ "$RC" -eq 1 ] || fail "first start: $RC $OUT"
python3 - "$T/full/audit.log" <<'PY'
import json, sys
path = sys.argv[1]
line = open(path).read()
pad = json.loads(line)
pad["container"] = ""
base = len(json.dumps(pad, separators=(",", ":"))) + 1
pad["container"] = "p" * (4096 - 64 - len(line) - base)
open(path, "a").write(json.dumps(pad, separators=(",", ":")) + "\n")
PY
[ "$(stat -c %s "$T/full/audit.log")" -eq $((4096 - 64)) ] || fail "the padded log is not 64 bytes short of a page"
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
hook
[ "$RC" -eq 1 ] && grep -q "this block was not recorded: write audit log $T/full/audit.log: short write (disk full?)" <<<"$OUT" ||
        fail "disk full in the middle of a line: $RC $OUT"
[ "$(stat -c %s "$T/full/audit.log")" -eq $((4096 - 64)) ] ||
        fail "the torn line was left in the log: $(tail -c 100 "$T/full/audit.log")"
# scan --output on that full disk: an error that says so, the previous
# report as it was.
echo previous >"$T/full/report.json" 2>/dev/null || : >"$T/full/report.json"
before=$(cat "$T/full/report.json")
OUT=$("$P" scan "$T/vuln/rootfs" --db "$T/db.sqlite" --format json --output "$T/full/report.json" 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -q "^portcullis: --output $T/full/report.json: .*No space left on device; free disk space there (the previous file is unchanged)" <<<"$OUT" &&
        [ "$(cat "$T/full/report.json")" = "$before" ] || fail "scan --output on a full disk: $RC $OUT"
OUT=$("$P" metrics --config "$T/config.json" --output - --state "$T/full/metrics.state" 2>&1 >/dev/null); RC=$?
[ "$RC" -eq 2 ] && grep -q "^portcullis: metrics: state $T/full/metrics.state: .*No space left on device; free disk space there" <<<"$OUT" ||
        fail "metrics --state on a full disk: $RC $OUT"
rm "$T/full/filler"
hook
[ "$RC" -eq 1 ] && ! grep -q "not recorded" <<<"$OUT" || fail "with room again: $RC $OUT"
"$P" report --log "$T/full/audit.log" >"$T/report" 2>&1 || fail "report: $(cat "$T/report")"
grep -q "^3 decisions shown" "$T/report" && ! grep -q "skipped" "$T/report" ||
        fail "a decision recorded after the torn line was lost: $(tail -2 "$T/report")"

# 2. The analysis child killed by SIGKILL while it reads a big image, as
#    the OOM killer of the hook's memory cgroup would.
mkdir -p "$T/big/rootfs/etc" "$T/big/rootfs/var/lib/dpkg" "$T/big/bundle"
cp "$T/vuln/rootfs/etc/os-release" "$T/big/rootfs/etc/"
python3 - "$T/big/rootfs/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write(f"Package: p{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n"
                f"Description: package {i} of a big image, {'x' * 100}\n\n")
PY
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$T/big/rootfs" >"$T/big/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "big", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/big/bundle" \
        >"$T/big/state.json"
"$HOOK" --config "$T/config.json" <"$T/big/state.json" >"$T/big.out" 2>&1 &
hook_pid=$!
child=
for _ in $(seq 1000); do
        child=$(pgrep -P "$hook_pid" | head -1)
        [ -n "$child" ] && break
        sleep 0.005
done
sleep 0.05
[ -n "$child" ] && kill -KILL "$child"
wait "$hook_pid"
RC=$?
OUT=$(cat "$T/big.out")
[ "$RC" -eq 0 ] && grep -q "portcullis: warning: not checked container big: the analysis process died of signal 9 (Killed); killed from outside, most likely by the kernel's OOM killer: give the hook's cgroup .* more memory" <<<"$OUT" ||
        fail "analysis child killed: ${child:-no child seen} $RC $OUT"

# 3. log.file a FIFO: read, it gets the line; with no reader, every start
#    hung in open(2) until the runtime's own timeout (or for ever).
mkfifo "$T/audit.fifo"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.fifo" >"$T/fifo-config.json"
# the reader: this shell, its end open before the hook starts (a background
# cat may not have opened it yet when the hook does: a flake under load)
exec 3<>"$T/audit.fifo"
OUT=$(timeout 20 "$HOOK" --config "$T/fifo-config.json" <"$T/vuln/state.json" 2>&1); RC=$?
line=
read -r -t 5 line <&3
exec 3<&-
[ "$RC" -eq 1 ] && grep -q '"decision":"deny"' <<<"$line" || fail "audit FIFO with a reader: $RC $OUT"
OUT=$(timeout 20 "$HOOK" --config "$T/fifo-config.json" <"$T/vuln/state.json" 2>&1); RC=$?
[ "$RC" -eq 1 ] && grep -q "this block was not recorded: open audit log $T/audit.fifo: a FIFO no one reads; start its reader" <<<"$OUT" ||
        fail "audit FIFO without a reader: $RC $OUT"
# ... and with a reader that stopped reading (a shipper stuck on its
#    network): its pipe full, the line is not recorded either, and the
#    message says why and what to do, not only "Resource temporarily
#    unavailable".
python3 - "$T/audit.fifo" <<'PY' &
import os, sys, time
r = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
w = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
for size in (4096, 1):
    try:
        while True:
            os.write(w, b"x" * size)
    except BlockingIOError:
        pass
os.close(w)
open(sys.argv[1] + ".full", "w").close()
time.sleep(30)
PY
stalled=$!
for _ in $(seq 100); do [ -e "$T/audit.fifo.full" ] && break; sleep 0.1; done
OUT=$(timeout 20 "$HOOK" --config "$T/fifo-config.json" <"$T/vuln/state.json" 2>&1); RC=$?
kill "$stalled" 2>/dev/null; wait "$stalled" 2>/dev/null
[ "$RC" -eq 1 ] && grep -q "this block was not recorded: write audit log $T/audit.fifo: a FIFO whose reader is not reading (its pipe is full); .* set \"log\": {\"file\"} in config.json to a file" <<<"$OUT" ||
        fail "audit FIFO whose reader stalled: $RC $OUT"
# ... and a reader that leaves between the hook's open and its write (a
#    shipper restarting; the write held 1 s by strace, the reader gone as
#    soon as the hook holds the FIFO open): the write's SIGPIPE killed the
#    hook, which the runtime takes for a refusal, of a start the policy only
#    warns about and on_audit_failure allows unrecorded.  (LeakSanitizer
#    can't run under ptrace.)
if command -v strace >/dev/null; then
        printf '{"mode": "warn", "severity": "HIGH"}\n' >"$T/fifo-warn.json"
        python3 - "$T/audit.fifo" <<'PY' &
import os, sys, time
path = os.path.realpath(sys.argv[1])
r = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
open(path + ".ready", "w").close()
me = str(os.getpid())

def held():
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != me:
            try:
                if any(os.readlink("/proc/%s/fd/%s" % (pid, fd)) == path for fd in os.listdir("/proc/%s/fd" % pid)):
                    return True
            except OSError:
                pass
    return False

deadline = time.time() + 15
while not held() and time.time() < deadline:
    time.sleep(0.01)
os.close(r)
PY
        leaver=$!
        for _ in $(seq 100); do [ -e "$T/audit.fifo.ready" ] && break; sleep 0.1; done
        OUT=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 20 strace -f -qq -o /dev/null \
                -P "$T/audit.fifo" -e trace=write -e inject=write:delay_enter=1000000 \
                "$HOOK" --config "$T/fifo-config.json" --policy "$T/fifo-warn.json" <"$T/vuln/state.json" 2>&1); RC=$?
        wait "$leaver"
        [ "$RC" -eq 0 ] && grep -q "not recorded (write audit log $T/audit.fifo: Broken pipe" <<<"$OUT" ||
                fail "audit FIFO whose reader left before the write: $RC $OUT"
fi

# 4. stderr closed at its far end, mode warn: the warning is lost, the
#    start is not.
printf '{"mode": "warn", "severity": "HIGH"}\n' >"$T/warn.json"
rc=$(python3 - "$HOOK" "$T/config.json" "$T/warn.json" "$T/vuln/state.json" <<'PY'
import os, subprocess, sys
hook, config, policy, state = sys.argv[1:]
r, w = os.pipe()
os.close(r)
print(subprocess.run([hook, "--config", config, "--policy", policy], stdin=open(state), stderr=w).returncode)
PY
)
[ "$rc" = 0 ] || fail "warned start, stderr closed: exit $rc"
tail -1 "$T/full/audit.log" | grep -q '"decision":"warn"' || fail "warned start, stderr closed: $(tail -1 "$T/full/audit.log")"

# 5. The state folder (cache, locks, log) out of inodes, then read-only.
curl_image "$T/other" 7.88.1-10+deb12u2
curl_image "$T/fixed" 7.88.1-10+deb12u4
mkdir -p "$T/state"
mount -t tmpfs -o size=4m,nr_inodes=32 tmpfs "$T/state" || { echo "skip: mount -t tmpfs failed"; exit 77; }
mkdir "$T/state/log"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/state/cache/cache.db" "$T/state/locks" "$T/policy.json" "$T/state/log/audit.log" \
        >"$T/state-config.json"
state_hook() { OUT=$(timeout 60 "$HOOK" --config "$T/state-config.json" <"$T/$1/state.json" 2>&1); RC=$?; }
state_hook vuln
[ "$RC" -eq 1 ] || fail "state folder, first start: $RC $OUT"
i=0
while touch "$T/state/i$i" 2>/dev/null; do i=$((i + 1)); done
state_hook other
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked .*PCEX-CVE-2023-38545" <<<"$OUT" || fail "no inodes, a miss: $RC $OUT"
grep -q "cache lock $T/state/locks/.*; free disk space or inodes there (df -i): No space left on device" <<<"$OUT" &&
        ! grep -q "permissions" <<<"$OUT" || fail "no inodes: the lock's note: $OUT"
# Out of blocks too: the cache's own gc can't shrink it, and its message
# does not send the user to run it.
dd if=/dev/zero of="$T/state/i0" bs=4k 2>/dev/null
OUT=$("$P" cache gc --cache "$T/state/cache/cache.db" --max-entries 0 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -q "database or disk is full; free disk space on its file system (df -h): .*even 'portcullis cache gc' needs room" <<<"$OUT" ||
        fail "cache gc on a full disk: $RC $OUT"
mount -o remount,ro "$T/state" || fail "remount read-only"
state_hook fixed
[ "$RC" -eq 0 ] && grep -q "verdict cache not used: cache $T/state/cache/cache.db: .*readonly" <<<"$OUT" &&
        grep -q "not recorded" <<<"$OUT" || fail "read-only, a clean miss: $RC $OUT"
grep -q "cache lock .*read-only file system: point \"lock_dir\" in config.json" <<<"$OUT" || fail "read-only: the lock's note: $OUT"
sed -i 's/deb12u2/deb12u1/' "$T/other/rootfs/var/lib/dpkg/status"
state_hook other
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked .*PCEX-CVE-2023-38545" <<<"$OUT" || fail "read-only, a vulnerable miss: $RC $OUT"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "full disks, inodes and read-only state are decided and said; a closed stderr does not refuse a start"
