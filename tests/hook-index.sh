#!/bin/bash
# The verdict index (lib/verdict-index.h): a hit by digest is served from it
# without opening the sqlite cache (strace); an index that is missing,
# damaged, truncated, of another version, or a file that is not an index
# sends the hit to sqlite with the same verdict, and the first three are
# rebuilt while the last is never touched; a DB update (a new revision)
# never gets a verdict of the old one, also when it swaps the file during
# a miss.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-index-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), index_shard()

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle" "$T/feed1"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
digest=sha256:$(printf '%s' "$T" | sha256sum | cut -c1-64)
printf '{"ociVersion": "1.0.2", "id": "idx", "status": "creating", "pid": 1, "bundle": "%s",
  "annotations": {"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.ImageRef": "%s"}}\n' "$T/bundle" "$digest" >"$T/state.json"
# Two DBs: without the curl advisory (the image is clean), and with it.
cp -r "$SRC/feed/debian12" "$T/feed1/" && rm "$T/feed1/debian12/PCEX-CVE-2023-38545.json"
"$P" db import "$T/feed1" --db "$T/db1.sqlite" >/dev/null || { echo "FAIL: import 1"; exit 1; }
"$P" db import "$SRC/feed" --db "$T/db2.sqlite" >/dev/null || { echo "FAIL: import 2"; exit 1; }
cp "$T/db1.sqlite" "$T/db.sqlite"
C=$T/cache/cache.db
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$C" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

hook() { OUT=$("$@" "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?; }
last() { tail -1 "$T/audit.log"; }
# What decides, from the audit line: the decision, the counts, the summary.
verdict() { last | grep -o '"decision":"[a-z]*"\|"counts":{[^}]*}\|"summary":{[^}]*}\|"identity":"[^"]*"' | tr -d '\n'; }
# Whether the last run opened the sqlite cache (the file itself, not the index).
opened_sqlite() { grep -q "\"$C\"" "$T/trace"; }
# LeakSanitizer can't run under ptrace (a sanitizer build exits 134 there):
# leaks are the other tests' to find.
traced() { hook env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=open,openat -o "$T/trace"; }

hook env
[ "$RC" -eq 0 ] && last | grep -q '"cache":"miss"' || fail "first start: not a miss: $RC $OUT"
# The index's shard of the image's identity.
I=$(index_shard "$C" "$(last | grep -o '"identity":"[^"]*"' | cut -d'"' -f4)")
[ -f "$I" ] || fail "no index shard $I after the miss"
[ "$(ls "$C-index.d" | grep -vc '\.used$')" -eq 1 ] || fail "more than one shard after one miss: $(ls "$C-index.d")"
[ "$(stat -c %a "$I")" = 600 ] && [ "$(stat -c %a "$I.used")" = 600 ] && [ "$(stat -c %a "$C-index.d")" = 700 ] ||
        fail "index files not 0600 or their folder not 0700"
traced
[ "$RC" -eq 0 ] && last | grep -q '"cache":"hit"' || fail "second start: not a hit: $RC $OUT"
opened_sqlite && fail "the hit opened the sqlite cache"
grep -q "$I" "$T/trace" || fail "the hit did not read the index"
grep -qE '"/etc/localtime"|"/dev/urandom"' "$T/trace" && fail "the hit opened /etc/localtime or /dev/urandom"
REF=$(verdict)
[ -n "$REF" ] || fail "no verdict in the audit line"
# Issue 13's budget for a hit by digest: at most 40 syscalls, exec and
# exit included (glibc's static start makes 14 of them).  A sanitizer
# build maps its shadow memory first: not counted there.
if ! grep -q __asan_init "$HOOK"; then
        hook strace -f -c -o "$T/count"
        n=$(awk '$NF == "total" { print $4 }' "$T/count")
        last | grep -q '"cache":"hit"' && [ "${n:-999}" -le 40 ] ||
                fail "a hit by digest made ${n:-?} syscalls, want <= 40: $(grep -v '^-' "$T/count" | awk '{print $NF "=" $4}' | tr '\n' ' ')"
fi

# Each damage: the hit goes to sqlite, decides the same; the index is then
# sound again (the next hit does not open sqlite).
damage() {
        case $1 in
        missing) rm -f "$I" ;;
        corrupt) python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[-12]^=0x55; open(p,"wb").write(b)' "$I" ;;
        truncated) truncate -s $(( $(stat -c %s "$I") / 2 )) "$I" ;;
        version) printf '\x63' | dd of="$I" bs=1 seek=8 conv=notrunc status=none ;;
        esac
}
for d in missing corrupt truncated version; do
        damage $d
        traced
        [ "$RC" -eq 0 ] && last | grep -q '"cache":"hit"' || fail "$d: not a hit: $RC $OUT"
        opened_sqlite || fail "$d: the index was used anyway"
        [ "$(verdict)" = "$REF" ] || fail "$d: another verdict: $(verdict) (index: $REF)"
        traced
        opened_sqlite && fail "$d: the index was not rebuilt"
        [ "$(verdict)" = "$REF" ] || fail "$d: another verdict once rebuilt: $(verdict)"
done

# A file that is not an index at its path: the sqlite path, and the file
# stays as it is through hits and a miss.
printf 'somebody else\047s file\n' >"$I"
sum=$(sha256sum <"$I")
traced
[ "$RC" -eq 0 ] && [ "$(verdict)" = "$REF" ] || fail "foreign file: another verdict: $RC $(verdict)"
sed -i "s/$digest/sha256:$(printf '%064d' 7)/" "$T/state.json"
hook env
last | grep -q '"cache":"miss"' || fail "foreign file: the other image was not a miss"
sed -i "s/sha256:$(printf '%064d' 7)/$digest/" "$T/state.json"
[ "$(sha256sum <"$I")" = "$sum" ] || fail "foreign file: replaced or changed"
rm "$I"
hook env
[ -f "$I" ] || fail "no index once the foreign file was gone"

# A DB update: the new revision's verdict (the curl advisory blocks), never
# the old one from the index; and back.
cp "$T/db2.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
hook env
[ "$RC" -eq 1 ] && last | grep -q '"cache":"miss"' || fail "new DB: not analysed anew: $RC $(last)"
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "new DB, second start: $RC $(last)"
opened_sqlite && fail "new DB: the hit opened the sqlite cache"
cp "$T/db1.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
hook env
[ "$RC" -eq 0 ] && [ "$(verdict)" = "$REF" ] || fail "old DB again: $RC $(verdict)"

# Removing the cache takes the index's answers with it (built from another file).
rm -f "$C" "$C-wal" "$C-shm"
hook env
[ "$RC" -eq 0 ] && last | grep -q '"cache":"miss"' || fail "cache removed: the index still served: $(last)"

# gc and purge rebuild it: a purged entry is not served.
"$P" cache purge --cache "$C" >/dev/null || fail "purge"
traced
last | grep -q '"cache":"miss"' || fail "after purge: served from the index: $(last)"

# A DB update racing misses (the file swapped by rename every few ms, as
# 'db update' swaps it): the child may analyse against one file while the
# revision of the cache key was read from the other.  No start is ever
# allowed under the new revision (the old one's findings kept under it),
# and once the new DB stays, every image started during the race is
# blocked, hit or miss.
R2=$("$P" db status --db "$T/db2.sqlite" --format json | grep -o '"revision": "[^"]*"' | cut -d'"' -f4)
touch "$T/swapping"
python3 -c '
import os, sys, time
t = sys.argv[1]
while os.path.exists(t + "/swapping"):
    for n in ("1", "2"):
        os.link(t + "/db" + n + ".sqlite", t + "/db.s")
        os.rename(t + "/db.s", t + "/db.sqlite")
        time.sleep(0.0005)' "$T" &
SWAPPER=$!
: >"$T/race-digests"
for i in $(seq 1 150); do
        d=sha256:$(printf 'race %s %s' "$T" "$i" | sha256sum | cut -c1-64)
        echo "$d" >>"$T/race-digests"
        sed "s/sha256:[0-9a-f]\{64\}/$d/" "$T/state.json" >"$T/state-race.json"
        "$HOOK" --config "$T/config.json" <"$T/state-race.json" >/dev/null 2>>"$T/race.err"
done
rm -f "$T/swapping"
wait "$SWAPPER"
grep '"cache":"miss"' "$T/audit.log" | grep "\"db_revision\":\"$R2\"" | grep -q '"decision":"allow"' &&
        fail "a start allowed under the new revision during the race: $(grep '"decision":"allow"' "$T/audit.log" | grep "$R2" | head -1)"
echo "starts whose analysis saw another DB than the key's revision: $(grep -c 'changed during the analysis' "$T/race.err")"
cp "$T/db2.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
while read -r d; do
        sed "s/sha256:[0-9a-f]\{64\}/$d/" "$T/state.json" >"$T/state-race.json"
        "$HOOK" --config "$T/config.json" <"$T/state-race.json" >/dev/null 2>&1
        [ $? -eq 1 ] || { fail "after the race, $d: started: $(last)"; break; }
done <"$T/race-digests"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
