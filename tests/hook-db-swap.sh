#!/bin/bash
# A DB swapped during a miss's analysis (lib/gate.c, store()): the child
# matched the file it opened, the revision and the DB's age were read
# after the swap, from the new one.  The start is decided by the findings
# of the DB analysed against, and so by that DB's age (on_stale_db) and
# its KEV and EPSS data, not by the fresh DB's (a stale DB swapped for a
# fresh one during the analysis was not refused by on_stale_db deny).  The
# swap is made to fall between the two reads by holding the cache folder's
# lock, which the hook waits for after it started the analysis.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v flock >/dev/null || { echo "skip: flock not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-dbswap-XXXXXX")
trap 'touch "$T/release"; wait; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail()

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle" "$T/feed1" "$T/cache"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
# Two DBs: clean for the image (without the curl advisory), and with it
# (its CRITICAL finding blocks).
cp -r "$SRC/feed/debian12" "$T/feed1/" && rm "$T/feed1/debian12/PCEX-CVE-2023-38545.json"
"$P" db import "$T/feed1" --db "$T/clean.sqlite" >/dev/null || { echo "FAIL: import 1"; exit 1; }
"$P" db import "$SRC/feed" --db "$T/vuln.sqlite" >/dev/null || { echo "FAIL: import 2"; exit 1; }
# The clean one imported ten days ago: stale under max_db_age_hours 24.
cp "$T/clean.sqlite" "$T/stale.sqlite"
python3 - "$T/stale.sqlite" <<'PY' || { echo "FAIL: age the DB"; exit 1; }
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE meta SET value = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-10 days') WHERE key = 'import_time'")
c.commit()
PY
digest=sha256:$(printf '%s' "$T" | sha256sum | cut -c1-64)
printf '{"ociVersion": "1.0.2", "id": "swap", "status": "creating", "pid": 1, "bundle": "%s",
  "annotations": {"io.kubernetes.cri-o.ImageRef": "%s"}}\n' "$T/bundle" "$digest" >"$T/state.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

# swap_start FROM TO: a start that analyses FROM while the revision and
# age are read from TO (renamed over it once the analysis runs); sets RC, OUT.
swap_start() {
        rm -f "$T/locked" "$T/release" "$T/cache/"cache.db*
        rm -rf "$T/cache/cache.db-index.d"
        cp "$T/$1" "$T/db.sqlite"
        (
                exec 9<"$T/cache"
                flock -x 9
                touch "$T/locked"
                for _ in $(seq 300); do [ -f "$T/release" ] && break; sleep 0.05; done
        ) &
        for _ in $(seq 100); do [ -f "$T/locked" ] && break; sleep 0.05; done
        "$HOOK" --config "$T/config.json" <"$T/state.json" >"$T/out" 2>&1 &
        hook=$!
        # the analysis is started (the DB file opened) before the cache's
        # folder is locked: once the hook holds the folder open to lock it,
        # its child has had half a second to open the DB, however slow the
        # start was
        for _ in $(seq 200); do
                for f in /proc/$hook/fd/*; do
                        [ "$(readlink "$f" 2>/dev/null)" = "$T/cache" ] && break 2
                done
                sleep 0.05
        done
        sleep 0.5
        cp "$T/$2" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
        touch "$T/release"
        wait "$hook"
        RC=$?
        wait
        OUT=$(cat "$T/out")
}

# on_stale_db deny: the stale DB's findings (clean) decide, so its age does.
printf '{"mode": "enforce", "severity": "HIGH", "max_db_age_hours": 24, "on_stale_db": "deny", "deadline_ms": 20000}\n' \
        >"$T/policy.json"
swap_start stale.sqlite vuln.sqlite
grep -q "changed during the analysis" <<<"$OUT" || fail "stale: the swap did not fall within the analysis: $OUT"
[ "$RC" -eq 1 ] && grep -q "imported 2[34][0-9] hours ago, more than max_db_age_hours (24).*on_stale_db is deny" <<<"$OUT" ||
        fail "stale DB analysed, fresh one read: not refused as stale: $RC $OUT"
# once the fresh DB stays, its verdict: the stale DB's findings were not kept
"$HOOK" --config "$T/config.json" <"$T/state.json" >"$T/out" 2>&1
RC=$?
[ "$RC" -eq 1 ] && grep -q '"cache":"miss"' "$T/audit.log" && tail -1 "$T/audit.log" | grep -q '"cache":"miss"' ||
        fail "the next start: $RC $(cat "$T/out") $(tail -1 "$T/audit.log")"

# DBs without a revision (meta "revision" empty or missing: not one 'db
# import' made): no cache key, so never one DB's findings for another's.
# An empty one was a key like any other, shared by every such DB: the
# clean DB's findings were served for the vulnerable one that replaced it.
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
for how in "UPDATE meta SET value = '' WHERE key = 'revision'" "DELETE FROM meta WHERE key = 'revision'"; do
        for db in clean vuln; do
                cp "$T/$db.sqlite" "$T/$db-norev.sqlite"
                python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' \
                        "$T/$db-norev.sqlite" "$how" || fail "$how"
        done
        rm -rf "$T/cache/"cache.db*
        cp "$T/clean-norev.sqlite" "$T/db.sqlite"
        for i in 1 2; do
                OUT=$("$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?
                [ "$RC" -eq 0 ] && grep -q "database $T/db.sqlite has no revision; decided by it, not cached" <<<"$OUT" ||
                        fail "$how: clean, start $i: $RC $OUT"
        done
        cp "$T/vuln-norev.sqlite" "$T/db.new" && mv "$T/db.new" "$T/db.sqlite"
        OUT=$("$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); RC=$?
        [ "$RC" -eq 1 ] && grep -q "blocked .*1 CRITICAL" <<<"$OUT" || fail "$how: the vulnerable DB: $RC $OUT"
done
# 'cache rescan' against such a DB: refused, naming it (it crashed on the
# missing revision)
cp "$T/vuln.sqlite" "$T/db.sqlite"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
OUT=$("$P" cache rescan --cache "$T/cache/cache.db" --db "$T/vuln-norev.sqlite" 2>&1); RC=$?
[ "$RC" -eq 2 ] && grep -q "^portcullis: cache rescan: $T/vuln-norev.sqlite has no revision; re-import it" <<<"$OUT" ||
        fail "rescan against a DB without a revision: $RC $OUT"

[ "$fails" -eq 0 ] || exit 1
