#!/bin/bash
# A burst of starts of one uncached image: 64 hooks at once.  Exactly one
# analyses (one "miss" in the audit log), the others wait on the per-key lock
# and are served from the cache; all 64 get the same verdict; no SQLITE_BUSY
# and no hook goes without the cache.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
N=${PC_BURST:-64}
T=$(mktemp -d /tmp/pc-burst-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "burst", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "deadline_ms": 30000}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

for i in $(seq 1 "$N"); do
        ( s=$(date +%s%N)
          "$HOOK" --config "$T/config.json" <"$T/state.json" >"$T/out.$i" 2>&1
          echo "$? $(( ($(date +%s%N) - s) / 1000 ))" >"$T/rc.$i" ) &
done
wait

codes=$(cat "$T"/rc.* | cut -d' ' -f1 | sort | uniq -c)
[ "$(cat "$T"/rc.* | cut -d' ' -f1 | sort -u)" = "1" ] || fail "not every hook blocked: $codes"
lines=$(wc -l <"$T/audit.log")
[ "$lines" -eq "$N" ] || fail "$lines audit lines for $N hooks"
misses=$(grep -c '"cache":"miss"' "$T/audit.log")
hits=$(grep -c '"cache":"hit"' "$T/audit.log")
[ "$misses" -eq 1 ] || fail "$misses analyses for one image (want exactly 1)"
[ "$hits" -eq $((N - 1)) ] || fail "$hits cache hits (want $((N - 1)))"
grep -l "cache not used\|SQLITE_BUSY\|database is locked\|without the single-flight lock" "$T"/out.* >/dev/null &&
        fail "a hook went without the cache or the lock: $(cat "$T"/out.* | grep -v blocked | sort | uniq -c | head)"
[ "$(cat "$T"/out.* | sort -u | wc -l)" -eq 1 ] || fail "different messages: $(cat "$T"/out.* | sort | uniq -c)"
cut -d' ' -f2 "$T"/rc.* | sort -n | awk '{a[NR]=$1} END {printf "burst of %d: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000, a[NR]/1000}'
echo "misses=$misses hits=$hits"

# A burst of an image the runtime names by digest: the one start that
# takes the image's lock starts its analysis before it opens the cache
# (analyze_early() in lib/gate.c); the others wait for it on the lock.
sed 's#"bundle"#"annotations": {"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.ImageRef": "sha256:'"$(printf '%064d' 7)"'"}, "bundle"#' \
        "$T/state.json" >"$T/state-digest.json"
before=$(wc -l <"$T/audit.log")
for i in $(seq 1 16); do
        "$HOOK" --config "$T/config.json" <"$T/state-digest.json" >"$T/dout.$i" 2>&1 &
done
wait
dmiss=$(tail -n +$((before + 1)) "$T/audit.log" | grep -c '"cache":"miss"')
dhit=$(tail -n +$((before + 1)) "$T/audit.log" | grep -c '"cache":"hit"')
[ "$dmiss" -eq 1 ] && [ "$dhit" -eq 15 ] || fail "a burst by digest: $dmiss analyses and $dhit hits, want 1 and 15"
tail -n +$((before + 1)) "$T/audit.log" | grep -q '"identity_source":"digest"' || fail "a burst by digest: not by digest"
grep -l "without the single-flight lock\|cache not used" "$T"/dout.* >/dev/null && fail "a burst by digest: $(cat "$T"/dout.* | sort | uniq -c)"

# The second start of the image: a hit, decided without another analysis.
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
tail -1 "$T/audit.log" | grep -q '"cache":"hit"' || fail "second start was not a hit"

# After a DB update (here: a DB without the curl record), 'cache rescan'
# re-matches the stored inventory without a rootfs: the next start is a hit
# on the new revision, and allowed.
mkdir -p "$T/feed2"
cp "$SRC"/feed/debian12/*.json "$T/feed2/"
rm "$T/feed2/PCEX-CVE-2023-38545.json"
"$P" db import "$T/feed2" --db "$T/db2.sqlite" >/dev/null || fail "import of the second DB"
out=$("$P" cache rescan --cache "$T/cache/cache.db" --db "$T/db2.sqlite") || fail "cache rescan: $out"
grep -q "re-matched 2 entries" <<<"$out" || fail "cache rescan: $out"
sed "s#$T/db.sqlite#$T/db2.sqlite#" "$T/config.json" >"$T/config2.json"
out=$("$HOOK" --config "$T/config2.json" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 0 ] || fail "after rescan: $rc $out"
tail -1 "$T/audit.log" | grep -q '"cache":"hit".*' || fail "after rescan: not a hit: $(tail -1 "$T/audit.log")"
tail -1 "$T/audit.log" | grep -q '"decision":"allow"' || fail "after rescan: not allowed"

# A damaged cache never blocks by itself: ours (its header carries the
# mark, junk after it) is moved aside and rebuilt; a file that isn't ours
# is left alone, and the start is decided without the cache.
rm -f "$T/cache/cache.db-wal" "$T/cache/cache.db-shm"
python3 -c "import sys; f=open(sys.argv[1], 'r+b'); f.seek(100); f.write(b'j' * 3996)" "$T/cache/cache.db"
out=$("$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "portcullis: blocked" <<<"$out" || fail "damaged cache: $rc $out"
ls "$T/cache/" | grep -q "corrupt" || fail "damaged cache not moved aside: $(ls "$T/cache")"
rm -rf "$T/cache"
mkdir "$T/cache"
echo "garbage garbage garbage garbage garbage garbage garbage garbage garbage" >"$T/cache/cache.db"
out=$("$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "portcullis: blocked" <<<"$out" || fail "not a cache: $rc $out"
grep -q "verdict cache not used: .*is not a Portcullis cache" <<<"$out" || fail "not a cache: no note: $out"
[ "$(ls "$T/cache")" = cache.db ] && grep -q "^garbage garbage" "$T/cache/cache.db" ||
        fail "not a cache: touched: $(ls "$T/cache")"
tail -1 "$T/audit.log" | grep -q '"cache":"off"' || fail "not a cache: audit: $(tail -1 "$T/audit.log")"
tail -1 "$T/audit.log" | grep -q '"notes":\["verdict cache not used: cache [^"]* is not a Portcullis cache' ||
        fail "not a cache: the audit line's notes do not say why: $(tail -1 "$T/audit.log")"

# A lock folder that can't be made: the hook decides anyway (without the lock).
out=$("$HOOK" --config "$T/config.json" --lock-dir "$T/state.json/locks" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "unusable lock folder: $rc $out"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
