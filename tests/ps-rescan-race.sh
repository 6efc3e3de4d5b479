#!/bin/sh
# 'portcullis ps' (and the recheck after a DB update, which judges the same
# way: lib/running.c) beside 'cache rescan' (or the fill timer's re-match):
# the judging lists the cache's entries once, then reads the entry of each
# running container, while the rescan stores each entry re-matched under
# the new revision's key and drops the old key.  Every container is judged
# by the DB of the moment: none left "not judged" with "no entry with key"
# (the recheck then logged no now_violates line for it until the next DB
# update).  The running containers are runc state folders of one live
# process (no runc needed), their images named by digest on a read-only
# rootfs, as ps trusts them; ps runs again and again while each rescan
# runs (about 0.3 s for 100 entries).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
N=${N:-100}
ROUNDS=${ROUNDS:-4}

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-psrace-XXXXXX")
sleep 600 &
SLEEPER=$!
trap 'kill "$SLEEPER" 2>/dev/null; rm -rf "$T"' EXIT

R=$T/rootfs
mkdir -p "$T/bundle" "$T/state"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s", "readonly": true}}\n' "$R" >"$T/bundle/config.json"
# Two DBs: without the curl advisory (allow), and with it (audit: HIGH).
curl_dbs "$R" "$T/db1.sqlite" "$T/db2.sqlite" || exit 1
cp "$T/db1.sqlite" "$T/db.sqlite"
printf '{"mode": "audit", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"], "trust_image_digest": true}\n' "$T/db.sqlite" "$T/cache/cache.db" "$T/locks" \
        "$T/policy.json" "$T/audit.log" "$T/state" >"$T/config.json"

# N images cached (one start each), N containers of them running.
start=$(cut -d' ' -f22 "/proc/$SLEEPER/stat")
for i in $(seq 1 $N); do
        d=sha256:$(printf 'image %s' "$i" | sha256sum | cut -c1-64)
        printf '{"ociVersion": "1.0.2", "id": "c%s", "status": "creating", "pid": 1, "bundle": "%s",
 "annotations": {"io.kubernetes.cri-o.ImageRef": "%s"}}\n' "$i" "$T/bundle" "$d" |
                "$HOOK" --config "$T/config.json" >/dev/null 2>&1 || fail "start of image $i"
        mkdir -p "$T/state/c$i"
        printf '{"id": "c%s", "init_process_pid": %s, "init_process_start": %s, "config": {"rootfs": "%s",
 "readonlyfs": true, "labels": ["io.kubernetes.cri.image-name=docker.io/x@%s"]}}\n' \
                "$i" "$SLEEPER" "$start" "$R" "$d" >"$T/state/c$i/state.json"
done

# verdicts FILE: "verdict count" per verdict, and the errors
verdicts() {
        python3 -c 'import collections, json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % kv for kv in sorted(collections.Counter(c["verdict"] for c in d["containers"]).items())))
for c in d["containers"]:
    if c.get("error"):
        print(c["id"], c["error"])' "$1"
}

"$P" ps --config "$T/config.json" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
[ "$(verdicts "$T/ps.json")" = "allow=$N" ] || fail "ps before the race: $(verdicts "$T/ps.json")"

# Each round: the other DB in place, a rescan re-keying every entry, ps
# run again and again while it runs.
for round in $(seq 1 $ROUNDS); do
        n=$((round % 2 + 1))
        ln "$T/db$n.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
        want=allow
        [ $n -eq 2 ] && want=audit
        # (by the DB's other name, so that it re-keys at once, without
        # re-judging the containers first)
        ( "$P" cache rescan --config "$T/config.json" --db "$T/db$n.sqlite" >"$T/rescan.out" 2>&1 ||
                  echo "rescan: $?" >>"$T/rescan.out"
          touch "$T/rescanned" ) &
        RESCAN=$!
        k=0
        while :; do
                [ -e "$T/rescanned" ] && last=1 || last=0
                k=$((k + 1))
                "$P" ps --config "$T/config.json" --format json >"$T/ps.$k.json" 2>"$T/ps.err" ||
                        fail "ps: $(cat "$T/ps.err")"
                [ $last -eq 1 ] && break
        done
        wait "$RESCAN"
        rm -f "$T/rescanned"
        grep -q '^rescan: ' "$T/rescan.out" && fail "rescan: $(cat "$T/rescan.out")"
        for f in "$T"/ps.*.json; do
                got=$(verdicts "$f")
                [ "$got" = "$want=$N" ] || { fail "round $round, ps beside the rescan: $(echo "$got" | head -4)"; break; }
        done
        echo "round $round: $k ps runs beside the rescan"
        rm -f "$T"/ps.*.json
done

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ] || exit 1
