#!/bin/bash
# portcullis cache fill, a container that wrote into its overlay: its
# rootfs is not its image, but its lower layers are.  An image too big for
# the start's deadline (on_timeout allows it, nothing cached) on an overlay
# laid out as containerd's snapshotter lays it out; its container writes a
# pid file and deletes the vulnerable package's stanza from the package
# database (both copied up into its upper).  The fill, under
# portcullis-fill.service's capabilities and system call filter, mounts
# the lowers alone where only it sees them and stores THEIR verdict (the
# vulnerable package found) under the identity the hook looks up: the next
# start of the image is a hit with the finding.  Nothing is mounted on the
# host during or after the run, nor after the fill is SIGKILLed in the
# middle of the analysis.  Without CAP_SYS_ADMIN it says so once per run
# and stores nothing (counted as before); lowers that fail the hook's
# validation: nothing stored.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
: "${PC_UNIT_SYSCALLS:?}"
. "$SRC/tests/lib.sh"
need_runc_busybox
for t in setpriv systemd-analyze findmnt; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-lowers-XXXXXX")
ROOT=$T/runc-root
S=$T/snapshots
trap runc_mounts_cleanup EXIT
unit_allowed portcullis-fill >"$T/portcullis-fill.allowed" && [ -s "$T/portcullis-fill.allowed" ] ||
        { echo "FAIL: the fill unit's system calls"; exit 1; }

# the image: the vulnerable libcurl4 (the example feed's CRITICAL
# PCEX-CVE-2023-38545) first, then 60,000 packages (far past deadline_ms)
mkdir -p "$S/1"
deb12_rootfs "$S/1/fs" libcurl4 curl 7.88.1-10+deb12u3
python3 - "$S/1/fs/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    for i in range(60000):
        f.write(f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}\n\n")
PY

fill_config

last_line() { grep "\"container\":\"$1\"" "$LOG" | grep '"decision"' | tail -1; }
entries() {
        "$P" cache ls --config "$CFG" --format json 2>/dev/null | python3 -c 'import json, sys
print("\n".join(sorted("%s %s" % (e["identity"], e["findings"]) for e in json.load(sys.stdin)["entries"])))'
}
# lowers_mounted: the host's overlay mounts of the image's layer without
# an upper (the fill's, were it to leak one)
lowers_mounted() { findmnt -rn -t overlay -o OPTIONS | grep "lowerdir=$S/1/fs" | grep -v upperdir; }
# writer NAME: a container of the image that writes a pid file and drops
# libcurl4's stanza from its package database, once both are in its upper
writer() {
        overlay_start "$1" 'echo 1 >/tmp/app.pid; busybox sed -i 1,/^$/d /var/lib/dpkg/status; echo done >/tmp/ready; sleep 600'
        for _ in $(seq 1 100); do [ -s "$S/$1/fs/tmp/ready" ] && break; sleep 0.1; done
        [ -s "$S/$1/fs/tmp/ready" ] && [ -s "$S/$1/fs/var/lib/dpkg/status" ] || fail "$1 did not write into its upper"
        grep -q libcurl4 "$S/$1/fs/var/lib/dpkg/status" && fail "$1's package database still has libcurl4"
        last_line "$1" | grep -q '"decision":"allow".*"identity_source":"overlay"' || fail "$1's start: $(last_line "$1")"
}
fill() { as_unit portcullis-fill timeout 300 "$P" cache fill --config "$CFG"; }

writer w1
id=$(last_line w1 | grep -o '"identity":"overlay:sha256:[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$id" ] || fail "w1's start has no overlay identity: $(last_line w1)"
entries | grep -q . && fail "the start past deadline_ms cached its image: $(entries)"
# what the container sees lacks the vulnerable package
"$P" inventory "$T/bundles/w1/rootfs" --format json 2>/dev/null | grep -q '"libcurl4"' &&
        fail "the merged view still holds libcurl4"

# layers that fail the hook's validation (a lower others may write):
# nothing stored, as before
chmod g+w "$S/1"
out=$(fill 2>&1) || fail "cache fill with untrusted lowers: $out"
echo "$out"
grep -q "1 running containers, 0 whose image the cache lacked: analysed and stored 0," <<<"$out" ||
        fail "untrusted lowers: $out"
[ -z "$(entries)" ] || fail "stored for untrusted lowers: $(entries)"
chmod g-w "$S/1"

# the fill stores the lowers' verdict; never a mount on the host
fill >"$T/fill1.out" 2>&1 &
fill_pid=$!
while kill -0 "$fill_pid" 2>/dev/null; do
        [ -n "$(lowers_mounted)" ] && { fail "the lowers mounted on the host: $(lowers_mounted)"; break; }
        sleep 0.02
done
wait "$fill_pid" || fail "cache fill: $(cat "$T/fill1.out")"
cat "$T/fill1.out"
grep -q "1 running containers, 1 whose image the cache lacked: analysed and stored 1, .* 0 failed, 0 not kept, 0 whose rootfs may hold their own changes" \
        "$T/fill1.out" || fail "the fill did not store the lowers' verdict: $(cat "$T/fill1.out")"
grep '"event":"cache_filled"' "$LOG" | tail -1 |
        grep -q "\"container\":\"w1\".*\"identity\":\"$id\",\"identity_source\":\"overlay\".*\"findings\":1" ||
        fail "the fill's audit line: $(grep '"event":"cache_filled"' "$LOG" | tail -1)"
[ "$(entries)" = "$id 1" ] || fail "the entry stored: $(entries) (want $id 1)"
[ -z "$(lowers_mounted)" ] || fail "the lowers left mounted: $(lowers_mounted)"
# the next start of the image: a hit, with the finding the container hid
overlay_start next 'sleep 600'
last_line next | grep -q "\"identity\":\"$id\".*\"cache\":\"hit\"" || fail "the next start is not a hit: $(last_line next)"
last_line next | grep -q 'PCEX-CVE-2023-38545' || fail "the hit lacks the finding: $(last_line next)"
runc --root "$ROOT" delete -f next >/dev/null 2>&1

# the fill SIGKILLed while it holds the lowers' mount (an fd on a mount
# that is in no namespace: its id not in mountinfo) and its analysis
# child reads them (polled with shell builtins alone: the analysis is short)
"$P" cache purge --config "$CFG" >/dev/null
ids=" $(cut -d' ' -f1 /proc/self/mountinfo | tr '\n' ' ')"
as_unit portcullis-fill "$P" cache fill --config "$CFG" >"$T/fill2.out" 2>&1 &
sub=$!
fill_pid=
while [ -z "$fill_pid" ] && kill -0 "$sub" 2>/dev/null; do     # the function's subshell runs it
        fill_pid=$(pgrep -x -P "$sub" portcullis)
done
analysing=
while [ -z "$analysing" ] && kill -0 "$fill_pid" 2>/dev/null; do
        for fd in /proc/"$fill_pid"/fd/*; do
                [ -d "$fd" ] || continue        # (a pipe's, a socket's mount is in no mountinfo either)
                while read -r k v; do
                        [ "$k" = mnt_id: ] && case $ids in *" $v "*) ;; *) analysing=$fd ;; esac
                done <"/proc/$fill_pid/fdinfo/${fd##*/}" 2>/dev/null
        done
        kids=
        [ -n "$analysing" ] && read -r kids <"/proc/$fill_pid/task/$fill_pid/children" # (no newline: read says 1)
        [ -n "$kids" ] || analysing=
done
[ -n "$analysing" ] || fail "the fill was never seen holding the lowers' mount with a child: $(cat "$T/fill2.out")"
[ -z "$(lowers_mounted)" ] || fail "the lowers mounted on the host during the analysis: $(lowers_mounted)"
kill -KILL "$fill_pid"
wait "$sub" 2>/dev/null
for c in $kids; do
        for _ in $(seq 1 100); do kill -0 "$c" 2>/dev/null || break; sleep 0.05; done
        kill -0 "$c" 2>/dev/null && fail "the fill's child $c outlived it"
done
[ -z "$(lowers_mounted)" ] || fail "the lowers left mounted after a SIGKILL: $(lowers_mounted)"
grep "lowerdir=$S/1/fs" /proc/self/mountinfo | grep -v upperdir && fail "the lowers left in mountinfo"
[ -z "$(entries)" ] || fail "a killed fill stored: $(entries)"

# without CAP_SYS_ADMIN (the unit's set before, or a user): said once per
# run, each container counted as before, nothing stored
"$P" cache purge --config "$CFG" >/dev/null
writer w2
setpriv --bounding-set=-all,+dac_read_search,+sys_chroot,+setuid,+setgid --inh-caps=-all --no-new-privs \
        timeout 300 "$P" cache fill --config "$CFG" >"$T/fill3.out" 2>&1 || fail "cache fill 3: $(cat "$T/fill3.out")"
cat "$T/fill3.out"
grep -q "2 running containers, 2 whose image the cache lacked: analysed and stored 0, .* 2 whose rootfs may hold their own changes" \
        "$T/fill3.out" || fail "without CAP_SYS_ADMIN: $(cat "$T/fill3.out")"
[ "$(grep -c "can't be mounted alone here" "$T/fill3.out")" -eq 1 ] || fail "not said once: $(cat "$T/fill3.out")"
grep -q "container w2: its overlay's upper holds its own files, .*nothing stored" "$T/fill3.out" ||
        fail "w2 not named: $(cat "$T/fill3.out")"
[ -z "$(entries)" ] || fail "stored without the mount: $(entries)"

[ "$fails" -eq 0 ] || exit 1
echo "cache fill lowers: ok"
