#!/bin/bash
# The node runs out of something where the hook writes (root: a small
# tmpfs for its state, unmounted on exit):
#  - the audit log's disk fills in the middle of a line: the start is
#    decided and says its line was not recorded, and the torn bytes are
#    cut off again, so that the next start's line, once there is room,
#    is not glued to them and lost to report and metrics;
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
rm "$T/full/filler"
hook
[ "$RC" -eq 1 ] && ! grep -q "not recorded" <<<"$OUT" || fail "with room again: $RC $OUT"
"$P" report --log "$T/full/audit.log" >"$T/report" 2>&1 || fail "report: $(cat "$T/report")"
grep -q "^3 decisions shown" "$T/report" && ! grep -q "skipped" "$T/report" ||
        fail "a decision recorded after the torn line was lost: $(tail -2 "$T/report")"

# 2. stderr closed at its far end, mode warn: the warning is lost, the
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

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "a full disk under the audit log tears no line; a closed stderr does not refuse a start"
