#!/bin/bash
# Resource bounds through the real hook: rootfs contents an image author can
# choose to make the analysis slow, big or stuck.  Each one must end in a
# clear verdict (on_error / on_timeout: deny) well within the deadline, with
# no hang and no crash; the time each took is printed.  And names a tenant
# sets to forge lines in a terminal, the journal or the audit log (7).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
# None of the cases below should take long; the deadline is only the bound
# that must hold, and it is wide because the 100,000-package case shares
# the 2 cores of CI with everything else (it took 20 s at a load of 50).
DEADLINE_MS=${PC_HOSTILE_DEADLINE_MS:-60000}
# status.d: 200,000 entries (twice the cap) by default, on tmpfs when there
# is one: 1,000,000 files take ~28 s to create on ext4 and ~1 GB of kernel
# memory on tmpfs.  PC_HOSTILE_STATUS_D=1000000 runs the full size.
STATUS_D_ENTRIES=${PC_HOSTILE_STATUS_D:-200000}
T=$(mktemp -d /tmp/pc-hostile-XXXXXX)
FAST=$T
[ -w /dev/shm ] && FAST=$(mktemp -d /dev/shm/pc-hostile-XXXXXX)
trap 'rm -rf "$T" "$FAST"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "on_error": "deny", "on_timeout": "deny", "deadline_ms": %d}\n' \
        "$DEADLINE_MS" >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

# rootfs NAME [DIR]: a Debian 12 rootfs without a dpkg database yet, in DIR
# (default $T); prints its path
rootfs() {
        local r=${2:-$T}/$1
        mkdir -p "$r/etc" "$r/var/lib/dpkg" "$T/bundle-$1"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$r/etc/os-release"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$r" >"$T/bundle-$1/config.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' \
                "$1" "$T/bundle-$1" >"$T/state-$1.json"
        echo "$r"
}

# hook NAME WANT-RC WANT-REGEX: runs the hook on rootfs NAME, checks the
# exit code, the message and the time (under the deadline, plus a second
# for the hook's own start and stop).
hook() {
        local s ms out rc
        s=$(date +%s%N)
        out=$(timeout $((DEADLINE_MS / 1000 + 10)) "$HOOK" --config "$T/config.json" <"$T/state-$1.json" 2>&1); rc=$?
        ms=$(( ($(date +%s%N) - s) / 1000000 ))
        printf '%-22s rc=%d %6d ms  %s\n' "$1" "$rc" "$ms" "$(head -c 200 <<<"$out")"
        [ "$rc" -eq "$2" ] || fail "$1: exit $rc, want $2: $out"
        grep -qE "$3" <<<"$out" || fail "$1: message does not match /$3/: $out"
        [ "$ms" -lt $((DEADLINE_MS + 1000)) ] || fail "$1: took $ms ms (deadline $DEADLINE_MS ms)"
}

# 1. A 1 GB (sparse) status: refused by its size cap before a byte is read.
r=$(rootfs huge)
truncate -s 1G "$r/var/lib/dpkg/status"
hook huge 1 "status is [0-9]+ bytes, more than the limit.*on_error is deny"

# 2. 100,000 packages in status: read, matched and decided (none is in the
# example feed: allowed), in bounded time.
r=$(rootfs many)
python3 - "$r/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write(f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-{i}\n\n")
PY
hook many 0 "^$"
grep -q '"cache":"miss"' <(tail -1 "$T/audit.log") || fail "many: no analysis in the audit line"

# 3. A status.d with STATUS_D_ENTRIES files: the listing stops at its cap.
r=$(rootfs statusd "$FAST")
s=$(date +%s%N)
python3 - "$r/var/lib/dpkg/status.d" "$STATUS_D_ENTRIES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
os.mkdir(d)
fd = os.open(d, os.O_PATH | os.O_DIRECTORY)
for i in range(n):
    os.close(os.open(f"p{i}", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
PY
echo "created $STATUS_D_ENTRIES status.d entries in $(( ($(date +%s%N) - s) / 1000000 )) ms"
hook statusd 1 "status.d has more than [0-9]+ entries.*on_error is deny"

# 4. A symlink loop at the status file.
r=$(rootfs loop)
ln -s status "$r/var/lib/dpkg/status"
hook loop 1 "Too many levels of symbolic links.*on_error is deny"

# 5. A FIFO at the status file: never opened for reading (that would block
# until a writer came), refused as not a regular file.
r=$(rootfs fifo)
mkfifo "$r/var/lib/dpkg/status"
hook fifo 1 "not a regular file.*on_error is deny"

# 6. A FIFO at etc/os-release, the first file read.
r=$(rootfs fifo-osrelease)
rm "$r/etc/os-release"
mkfifo "$r/etc/os-release"
hook fifo-osrelease 1 "not a regular file.*on_error is deny"

# 7. Names the tenant sets (annotations) with a terminal's escapes and a
# line break, and one of 70,000 bytes: every message stays one printable
# line (runc prints them, the journal gets them), the audit line keeps the
# name escaped (and cut), report and cache ls print no escape.
evil=$'evil:1\e]0;pwned\a\e[1G\e[25Callow \e[8m\nJan  1 00:00:00 node x: allowed\xc2\x9b31m ng\xe2\x80\xaexni\xe2\x81\xa9'
long="docker.io/evil:$(head -c 70000 /dev/zero | tr '\0' a)"
# name_state NAME IMAGE: the state of rootfs NAME, its image annotation IMAGE
name_state() {
        python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["annotations"] = {"io.kubernetes.cri.image-name": sys.argv[2]}
json.dump(s, open(sys.argv[1], "w"))' "$T/state-$1.json" "$2"
}
r=$(rootfs evil-fifo)
mkfifo "$r/var/lib/dpkg/status"
name_state evil-fifo "$evil"
# a name of 70,000 bytes: the block line cuts it as the audit line does
r=$(rootfs long-fifo)
mkfifo "$r/var/lib/dpkg/status"
name_state long-fifo "$long"
out=$("$HOOK" --config "$T/config.json" <"$T/state-long-fifo.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "${#out}" -lt 5000 ] && grep -q "^portcullis: blocked docker.io/evil:aaaa*\.\.\.: " <<<"$out" ||
        fail "a name of 70,000 bytes: the block message: $rc ${#out} bytes: ${out:0:100}...${out: -200}"
for c in evil-clean long-clean; do
        r=$(rootfs "$c")
        printf "Package: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n" >"$r/var/lib/dpkg/status"
done
name_state evil-clean "$evil"
name_state long-clean "$long"
out=$("$HOOK" --config "$T/config.json" <"$T/state-evil-fifo.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] &&
        grep -qF "portcullis: blocked evil:1?]0;pwned??[1G?[25Callow ?[8m?Jan  1 00:00:00 node x: allowed??31m ng???xni???: " <<<"$out" ||
        fail "evil name: the block message: $rc $(cat -v <<<"$out")"
for c in evil-clean long-clean; do
        "$HOOK" --config "$T/config.json" <"$T/state-$c.json" >"$T/$c.out" 2>&1 || fail "$c: $(cat -v "$T/$c.out")"
done
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
evil = [l for l in lines if l["image"] and l["image"].startswith("evil:1")]
assert len(evil) == 2 and evil[0]["image"] == sys.argv[2], evil
long = lines[-1]["image"]
assert long.startswith("docker.io/evil:aaa") and long.endswith("...(65919 bytes cut)") and len(long) < 5000, long[-40:]
' "$T/audit.log" "$evil" || fail "evil names: the audit lines"
"$P" report --log "$T/audit.log" >"$T/report.txt" 2>&1 || fail "report: $(cat "$T/report.txt")"
"$P" cache ls --cache "$T/cache.db" >"$T/cache-ls.txt" 2>&1 || fail "cache ls: $(cat "$T/cache-ls.txt")"
for f in report.txt cache-ls.txt; do
        LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae|\xe2\x81\xa9' "$T/$f" &&
                fail "$f: a control character: $(cat -v "$T/$f")"
        grep -q "^Jan  1" "$T/$f" && fail "$f: a forged line: $(cat -v "$T/$f")"
done
grep -qF "evil:1?]0;pwned" "$T/report.txt" && grep -qF "evil:1?]0;pwned" "$T/cache-ls.txt" ||
        fail "the evil name not shown: $(cat -v "$T/report.txt" "$T/cache-ls.txt")"
# The JSON lines and documents keep the name whole (the audit check above
# decodes it) with its C1 and bidi controls as \uXXXX escapes, never raw.
"$P" report --log "$T/audit.log" --format json >"$T/report.json" 2>&1 || fail "report json: $(cat "$T/report.json")"
"$P" cache ls --cache "$T/cache.db" --format json >"$T/cache-ls.json" 2>&1 || fail "cache ls json: $(cat "$T/cache-ls.json")"
for f in audit.log report.json cache-ls.json; do
        LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\xe2\x80\xae|\xe2\x81\xa9' "$T/$f" && fail "$f: a raw C1 or bidi control: $(cat -v "$T/$f")"
        grep -qF 'allowed\u009B31m ng\u202Exni\u2069' "$T/$f" || fail "$f: the evil name not escaped: $(cat -v "$T/$f")"
done

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
