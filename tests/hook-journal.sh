#!/bin/bash
# Where a warning goes.  Runtimes drop a successful hook's stderr, so the
# hook sends its warnings (LOG_WARNING), blocks (LOG_ERR) and audit lines
# (LOG_INFO) to syslog, facility authpriv, with the container and the image.
# A Python listener on a unix datagram socket stands in for /dev/log
# (config.json "log": {"syslog_socket": ...}), so the real one is never
# touched.  Then:
#  - a warned start under runc: it starts, runc shows nothing, the listener
#    has the warning at priority warning with container and image;
#  - a block at LOG_ERR;
#  - no socket at all: said once, on stderr and in the audit line's notes;
#  - report marks warned starts;
#  - on_audit_failure: the audit log on a full tmpfs (or /dev/full) and no
#    socket: deny blocks with a message, allow starts and says so on stderr;
#    with a socket, the journal gets the line even with "syslog": false.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v python3 >/dev/null || { echo "skip: python3 is missing"; exit 77; }

T=$(mktemp -d /tmp/pc-journal-XXXXXX)
LISTENER=
cleanup() {
        [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
        for c in $(runc list -q 2>/dev/null | grep "^pc-j$$-"); do runc delete -f "$c" >/dev/null 2>&1; done
        mountpoint -q "$T/full" 2>/dev/null && umount "$T/full"
        rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The listener: one received datagram per line.
SOCK=$T/log.sock
python3 "$SRC/tests/syslog-listener.py" "$SOCK" "$T/received" &
LISTENER=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "FAIL: the listener did not start"; exit 1; }

# rootfs: busybox when there is a static one (for runc), Debian 12, curl one
# update behind DSA-5523-1.
R=$T/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/var/lib/dpkg" "$R/proc" "$R/dev" "$R/sys" "$R/tmp"
BUSYBOX=$(command -v busybox || true)
if [ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1; then
        cp "$BUSYBOX" "$R/bin/busybox"
        ln -s busybox "$R/bin/sh"
else
        BUSYBOX=
fi
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
IMG=docker.io/library/vuln:1

# policy NAME JSON; config NAME POLICY LOG SYSLOG SOCKET
policy() { printf '%s\n' "$2" >"$T/$1.policy.json"; }
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": %s, "syslog_socket": "%s", "file": "%s"}}\n' \
                "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/$2.policy.json" "$4" "$5" "$3" >"$T/$1.config.json"
}
# hook NAME CONFIG ID: the hook on a bundle of the rootfs; sets OUT (stderr) and RC
hook() {
        mkdir -p "$T/b-$1"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "annotations": {"io.kubernetes.cri.image-name": "%s"}}\n' \
                "$R" "$IMG" >"$T/b-$1/config.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
                "$3" "$T/b-$1" >"$T/b-$1/state.json"
        OUT=$("$HOOK" --config "$T/$2.config.json" <"$T/b-$1/state.json" 2>&1 >/dev/null); RC=$?
}
# received TEXT: the datagrams that contain TEXT
received() { sleep 0.2; grep -F -- "$1" "$T/received"; }

policy warn '{"mode": "warn", "severity": "HIGH"}'
policy enforce '{"mode": "enforce", "severity": "HIGH"}'

# 1. warn, straight from the hook: LOG_WARNING (authpriv 10 * 8 + 4 = 84)
#    with the container and the image; the audit line at LOG_INFO (86).
config warn warn "$T/audit.log" true "$SOCK"
hook w1 warn ctr-warn-1
[ "$RC" -eq 0 ] || fail "warn: exit $RC: $OUT"
line=$(received "container=ctr-warn-1 ")
case "$line" in
"<84>"*" portcullis["[0-9]*"]: portcullis: warning: $IMG: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4); starting anyway"*"[container=ctr-warn-1 image=$IMG]") ;;
*) fail "warn: the warning in syslog is not at LOG_WARNING with container and image: ${line:-nothing received}" ;;
esac
line=$(received '"container":"ctr-warn-1"')
case "$line" in
"<86>"*'"decision":"warn"'*) ;;
*) fail "warn: no audit line at LOG_INFO: ${line:-nothing received}" ;;
esac

# 2. a block: LOG_ERR (83).
config enforce enforce "$T/audit.log" true "$SOCK"
hook e1 enforce ctr-deny-1
[ "$RC" -eq 1 ] || fail "enforce: exit $RC: $OUT"
line=$(received "container=ctr-deny-1 ")
case "$line" in
"<83>"*"portcullis: blocked $IMG: 1 CRITICAL"*"[container=ctr-deny-1 image=$IMG]") ;;
*) fail "enforce: the block in syslog is not at LOG_ERR: ${line:-nothing received}" ;;
esac

# 3. under runc: the warned container starts; runc shows no hook output on
#    success, the listener has the warning.
if [ "$(id -u)" -eq 0 ] && command -v runc >/dev/null && [ -n "$BUSYBOX" ]; then
        B=$T/runc-bundle
        mkdir -p "$B"
        python3 - "$B" "$R" "$HOOK" "$T/warn.config.json" "$IMG" <<'PY'
import json, subprocess, sys
b, root, hook, cfg, img = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": root, "readonly": True}
c["process"]["args"] = ["/bin/sh", "-c", "echo started"]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = {"io.kubernetes.cri.image-name": img}
json.dump(c, open(b + "/config.json", "w"))
PY
        id=pc-j$$-1
        out=$(timeout 60 runc run -b "$B" "$id" 2>&1 </dev/null); rc=$?
        runc delete -f "$id" >/dev/null 2>&1
        [ "$rc" -eq 0 ] && [ "$out" = "started" ] || fail "runc warn: did not start cleanly: $out"
        grep -q "portcullis" <<<"$out" && echo "note: runc now shows a successful hook's stderr: $out"
        line=$(received "container=$id ")
        case "$line" in
        "<84>"*"portcullis: warning: $IMG:"*"[container=$id image=$IMG]") echo "ok: runc: the warning is in syslog only" ;;
        *) fail "runc warn: not in syslog: ${line:-nothing received}" ;;
        esac
else
        echo "note: runc part skipped (needs root, runc and busybox-static)"
fi

# 4. no socket: the start is decided as usual, and that there is no syslog is
#    said once on stderr and in the audit line's notes.
config nosock warn "$T/audit.log" true "$T/no-such.sock"
hook n1 nosock ctr-nosock-1
[ "$RC" -eq 0 ] || fail "no socket: exit $RC: $OUT"
[ "$(grep -c "no syslog socket at $T/no-such.sock" <<<"$OUT")" -eq 1 ] || fail "no socket: not said once on stderr: $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["container"] == "ctr-nosock-1" and d["decision"] == "warn", d
assert sum("no syslog socket at" in n for n in d["notes"]) == 1, d["notes"]' || fail "no socket: not in the audit line's notes"

# 5. on_audit_failure: the log on a full disk and no syslog socket.
FULL=/dev/full
mkdir -p "$T/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
        dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
        FULL=$T/full/audit.log
fi
policy deny-audit '{"mode": "warn", "severity": "HIGH", "on_audit_failure": "deny"}'
policy allow-audit '{"mode": "warn", "severity": "HIGH", "on_audit_failure": "allow"}'
config deny-audit deny-audit "$FULL" true "$T/no-such.sock"
hook f1 deny-audit ctr-full-1
[ "$RC" -eq 1 ] || fail "on_audit_failure deny: exit $RC: $OUT"
grep -q "portcullis: blocked $IMG: the decision could not be recorded (.*No space left on device.*no syslog socket.*); on_audit_failure is deny in $T/deny-audit.policy.json" <<<"$OUT" ||
        fail "on_audit_failure deny: no clear block line: $OUT"
config allow-audit allow-audit "$FULL" true "$T/no-such.sock"
hook f2 allow-audit ctr-full-2
[ "$RC" -eq 0 ] || fail "on_audit_failure allow: exit $RC: $OUT"
grep -q "portcullis: warning: $IMG: the decision was not recorded (.*No space left on device.*); starting anyway (on_audit_failure is allow in $T/allow-audit.policy.json)" <<<"$OUT" ||
        fail "on_audit_failure allow: no warning on stderr: $OUT"
# The file fails, but the journal is there: tried even with "syslog": false,
# so the decision is recorded and deny does not block.
config deny-journal deny-audit "$FULL" false "$SOCK"
hook f3 deny-journal ctr-full-3
[ "$RC" -eq 0 ] || fail "full disk, journal there: exit $RC: $OUT"
grep -q "audit log: .*No space left on device" <<<"$OUT" || fail "full disk, journal there: the file's failure not said: $OUT"
line=$(received '"container":"ctr-full-3"')
case "$line" in "<86>"*'"decision":"warn"'*) ;; *) fail "full disk: the audit line did not go to the journal: ${line:-nothing}" ;; esac
# No record configured at all ("syslog": false, no log.file): under deny
# the start is blocked, naming the settings, as for a lost line; under allow
# it starts as configured, with nothing said.
for a in deny allow; do
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false}}\n' \
                "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/$a-audit.policy.json" >"$T/nowhere-$a.config.json"
done
hook f4 nowhere-deny ctr-nowhere-1
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked $IMG: the decision could not be recorded ($T/nowhere-deny.config.json records decisions nowhere: log.syslog is false and there is no log.file); on_audit_failure is deny in $T/deny-audit.policy.json" <<<"$OUT" ||
        fail "on_audit_failure deny, no record configured: $RC $OUT"
hook f5 nowhere-allow ctr-nowhere-2
[ "$RC" -eq 0 ] && ! grep -q "not recorded" <<<"$OUT" || fail "on_audit_failure allow, no record configured: $RC $OUT"
# portcullis check (a dry run, which sends nothing) shows the hook's decision
OUT=$("$P" check --state "$T/b-f4/state.json" --config "$T/nowhere-deny.config.json" 2>&1); RC=$?
[ "$RC" -eq 1 ] && grep -q "^decision: block" <<<"$OUT" && grep -q "records decisions nowhere: log.syslog is false" <<<"$OUT" ||
        fail "check, on_audit_failure deny, no record configured: $RC $OUT"
OUT=$("$P" check --state "$T/b-f4/state.json" --config "$T/nowhere-allow.config.json" 2>&1); RC=$?
[ "$RC" -eq 0 ] || fail "check, on_audit_failure allow, no record configured: $RC $OUT"

# 6. report marks the warned starts ("warn!"), with colour or without.
"$P" report --log "$T/audit.log" >"$T/report.txt" || fail "report"
grep -q "warn!  $IMG" "$T/report.txt" || fail "report: warned start not marked: $(cat "$T/report.txt")"
grep -q "deny   $IMG" "$T/report.txt" || fail "report: the deny row: $(cat "$T/report.txt")"

# The built-in default is allow.
"$P" policy check "$T/warn.policy.json" | grep -q "nor to syslog: allow the container (on_audit_failure)" ||
        fail "policy check does not show on_audit_failure"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "warnings reach syslog; missing syslog and lost audit lines are said and decided"
