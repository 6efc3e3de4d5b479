#!/bin/bash
# The systemd units in systemd/: `systemd-analyze verify` accepts them (with
# ExecStart pointing at the built binary, since verify checks that it
# exists), their hardening scores as "OK" or better in `systemd-analyze
# security --offline`, and systemd-tmpfiles creates the folders with the
# modes the hook expects (0700: issue 11, 5).
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

U=$T/units
mkdir -p "$U"
for f in "$SRC"/systemd/*.service.in; do
        sed -e "s|@bindir@|$(dirname "$P")|g" "$f" >"$U/$(basename "$f" .in)"
        grep -q '@[a-z]*@' "$U/$(basename "$f" .in)" && fail "$f: a placeholder left"
done
cp "$SRC"/systemd/*.timer "$U/"
# The binary the units run is called portcullis; the test's may be elsewhere.
grep -q "ExecStart=$(dirname "$P")/portcullis db update" "$U/portcullis-update.service" ||
        fail "update service: ExecStart is not 'portcullis db update'"
grep -q "ExecStart=$(dirname "$P")/portcullis cache gc" "$U/portcullis-gc.service" ||
        fail "gc service: ExecStart is not 'portcullis cache gc'"
grep -qx "ExecStart=$(dirname "$P")/portcullis metrics" "$U/portcullis-metrics.service" ||
        fail "metrics service: ExecStart is not 'portcullis metrics'"
# It writes Debian's node_exporter textfile folder (lib/metrics.h's default).
grep -qx 'ReadWritePaths=/var/lib/portcullis -/var/lib/prometheus/node-exporter' "$U/portcullis-metrics.service" ||
        fail "metrics service: may not write its state and the textfile folder"
grep -qx 'OnCalendar=minutely' "$U/portcullis-metrics.timer" || fail "metrics timer: not every minute"
grep -qx "ExecStart=$(dirname "$P")/portcullis cache fill" "$U/portcullis-fill.service" ||
        fail "fill service: ExecStart is not 'portcullis cache fill'"
grep -qx 'OnUnitInactiveSec=1min' "$U/portcullis-fill.timer" || fail "fill timer: not a minute after each run"
# Its analysis runs in the hook's sandbox (lib/sandbox.h): the unit must
# leave it the capabilities and system calls it uses (chroot, becoming
# nobody, capset, rlimits, Landlock, seccomp) and the mount of a container's
# lower layers alone (lib/overlay-mount.c: a mount namespace, an overlay
# with an empty upper, through the mount API or mount(2)), and no more
# capabilities or namespaces.
grep -qx 'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_CHROOT CAP_SETUID CAP_SETGID CAP_SYS_ADMIN CAP_DAC_OVERRIDE' \
        "$U/portcullis-fill.service" || fail "fill service: not the sandbox's and the mount's capabilities"
grep -qx 'SystemCallFilter=@system-service chroot mount fsopen fsconfig fsmount move_mount seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self' \
        "$U/portcullis-fill.service" || fail "fill service: the sandbox's system calls not allowed"
grep -qx 'RestrictNamespaces=mnt' "$U/portcullis-fill.service" || fail "fill service: not a mount namespace alone"
grep -q '^SystemCallFilter=~.*@privileged\|^SystemCallFilter=~.*@resources' "$U/portcullis-fill.service" &&
        fail "fill service: denies the system calls the sandbox makes"
# The build node's: the update, then the publish with the key as a credential.
[ "$(grep '^ExecStart=' "$U/portcullis-publish.service" | sed 's|.*/portcullis ||')" = "db update
db publish --key %d/publish.key \${PORTCULLIS_PUBLISH_REF}" ] || fail "publish service: ExecStart is not the update and the publish"

(cd "$U" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no ./*.service ./*.timer) >"$T/verify" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$T/verify")"
# verify also prints warnings without failing; ours must have none.
grep -v '^$' "$T/verify" | grep -q . && fail "systemd-analyze verify says: $(cat "$T/verify")"

for s in portcullis-update portcullis-gc portcullis-publish portcullis-metrics portcullis-fill; do
        out=$(cd "$U" && systemd-analyze security --offline=true --no-pager "$s.service" 2>&1)
        score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$out")
        echo "$s.service: exposure $score"
        [ -n "$score" ] || { fail "$s: no security score: $out"; continue; }
        python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 2.5 else 1)" "$score" ||
                fail "$s: exposure $score is above 2.5: $out"
done
# Issue 11, 5: what the services create stays private (the state folder
# too: StateDirectory= makes it 0755 unless told).
for s in portcullis-update portcullis-gc portcullis-publish portcullis-metrics portcullis-fill; do
        grep -q '^UMask=0077$' "$U/$s.service" || fail "$s.service: UMask is not 0077"
done
grep -q '^StateDirectoryMode=0700$' "$U/portcullis-update.service" ||
        fail "update service: StateDirectoryMode is not 0700"
for t in portcullis-update portcullis-gc portcullis-publish; do
        grep -q '^RandomizedDelaySec=' "$U/$t.timer" || fail "$t.timer: no RandomizedDelaySec"
        grep -q '^Persistent=true' "$U/$t.timer" || fail "$t.timer: not Persistent"
done
grep -q '^OnCalendar=.*00/6:00' "$U/portcullis-update.timer" || fail "update timer: not every 6 hours"

if command -v systemd-tmpfiles >/dev/null; then
        R=$T/root
        mkdir -p "$R"
        systemd-tmpfiles --create --root="$R" "$SRC/systemd/tmpfiles.d/portcullis.conf" >"$T/tmpfiles" 2>&1 ||
                fail "systemd-tmpfiles: $(cat "$T/tmpfiles")"
        for d in var/lib/portcullis:700 var/lib/portcullis/update:700 run/portcullis:700 run/portcullis/locks:700 \
                 var/log/portcullis:700; do
                [ "$(stat -c %a "$R/${d%%:*}" 2>/dev/null)" = "${d##*:}" ] || fail "tmpfiles: /${d%%:*} is not ${d##*:}"
        done
        # every folder the shipped config.json names is one tmpfiles makes
        # (the hook does not make the audit log's: its lines went to syslog only)
        for d in $(python3 -c 'import json, os, sys; c = json.load(open(sys.argv[1]))
print(" ".join([os.path.dirname(c["db"]), os.path.dirname(c["cache"]), c["lock_dir"], os.path.dirname(c["log"]["file"])]))' \
                "$SRC/config/config.json"); do
                [ -d "$R$d" ] || fail "tmpfiles: $d, named by config/config.json, is not created"
        done
fi

# The logrotate rule (config/portcullis.logrotate) is for the log the
# shipped config.json names, and renames it: the old log keeps its lines,
# the newest old one stays uncompressed for 'portcullis metrics', the new
# one is 0600.
log=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["log"]["file"])' "$SRC/config/config.json")
grep -qx "$log {" "$SRC/config/portcullis.logrotate" || fail "logrotate rule: not for $log"
if command -v logrotate >/dev/null; then
        L=$T/log
        mkdir -p "$L"
        sed "s|^$log {|$L/audit.log {|" "$SRC/config/portcullis.logrotate" >"$T/logrotate.conf"
        for i in 1 2; do
                echo "{\"decision\": \"allow\", \"n\": $i}" >>"$L/audit.log"
                logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 ||
                        fail "logrotate: $(cat "$T/logrotate.out")"
        done
        grep -q '"n": 2' "$L/audit.log.1" 2>/dev/null || fail "logrotate: audit.log.1 is not the newest old log, uncompressed"
        [ "$(zcat "$L/audit.log.2.gz" 2>/dev/null)" = '{"decision": "allow", "n": 1}' ] ||
                fail "logrotate: audit.log.2.gz is not the older log, compressed: $(ls -l "$L")"
        [ "$(stat -c %a "$L/audit.log" 2>/dev/null)" = 600 ] || fail "logrotate: the new audit.log is not 0600"
else
        echo "logrotate is missing: the rotation itself not checked"
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "systemd units verified"
