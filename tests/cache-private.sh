#!/bin/bash
# Issue 11: the verdict cache is private and only the hook recovers it.
# - 5: the cache, its -wal and -shm, the lock files and the audit log the
#   hook creates are 0600, the folders it creates 0700, whatever the umask;
#   a non-root user (nobody, through setpriv) can neither list the entries
#   with `portcullis cache ls`, nor read the files, nor list the folders,
#   even when the cache's folder is left 0755 (an older install).
# - 4: a file at the configured cache path that isn't a cache (the
#   vulnerability DB, random bytes) is left byte for byte by the hook,
#   which decides the start without the cache and says so.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (to run the hook, then look as nobody)"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv is missing"; exit 77; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody "$P" --help >/dev/null 2>&1 || { echo "SKIP: nobody can't run $P (its folders are private)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Open to all, so that only what Portcullis creates keeps nobody out.
chmod 0755 "$T"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\n%s\n\n' \
        'Version: 7.88.1-10+deb12u3' >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "p", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" \
        >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH", "deadline_ms": 60000}\n' >"$T/policy.json"
# config FILE CACHE
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s",
                 "log": {"syslog": false, "file": "%s"}}\n' \
                "$T/db.sqlite" "$2" "$T/run/portcullis/locks" "$T/policy.json" "$T/audit.log" >"$1"
}
C=$T/lib/portcullis/cache.db
config "$T/config.json" "$C"

out=$(umask 022; "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "blocked" <<<"$out" || fail "hook: exit $rc: $out"
mode() { stat -c %a "$1" 2>/dev/null; }
for f in "$C" "$C-wal" "$C-shm" "$T/audit.log" "$T"/run/portcullis/locks/*.lock; do
        [ "$(mode "$f")" = 600 ] || fail "$f: mode $(mode "$f"), wanted 600"
done
for d in "$T/lib" "$T/lib/portcullis" "$T/run" "$T/run/portcullis" "$T/run/portcullis/locks"; do
        [ "$(mode "$d")" = 700 ] || fail "$d: mode $(mode "$d"), wanted 700"
done
"$P" cache ls --cache "$C" | grep -q '^[0-9a-f]\{12\} ' || fail "root can't list the entry"

# look: what nobody gets out of the cache, the audit log and the locks.
look() {
        local why=$1 out rc
        out=$(nobody "$P" cache ls --cache "$C" 2>&1); rc=$?
        [ "$rc" -eq 2 ] || fail "$why: nobody's cache ls: exit $rc: $out"
        grep -q '^[0-9a-f]\{12\} ' <<<"$out" && fail "$why: nobody listed entries: $out"
        nobody "$P" cache show 000000 --cache "$C" >/dev/null 2>&1 && fail "$why: nobody's cache show passed"
        for f in "$C" "$C-wal" "$C-shm" "$T/audit.log"; do
                nobody cat "$f" >/dev/null 2>&1 && fail "$why: nobody read $f"
        done
        if command -v sqlite3 >/dev/null; then
                nobody sqlite3 -readonly "$C" 'SELECT identity FROM entries' >/dev/null 2>&1 &&
                        fail "$why: nobody read the entries with sqlite3"
        fi
        nobody ls "$T/run/portcullis/locks" >/dev/null 2>&1 && fail "$why: nobody listed the locks"
}
look "as created"
nobody ls "$T/lib/portcullis" >/dev/null 2>&1 && fail "nobody listed the cache's folder"
chmod 0755 "$T/lib" "$T/lib/portcullis" "$T/run" "$T/run/portcullis"
look "the folders opened up (0755)"

# The recheck's state beside the cache (running.json: which running
# containers count which findings), written by 'cache rescan', is 0600 too,
# so that nobody reads it through the 0755 folder.
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "state_roots": ["%s"],
         "log": {"syslog": false, "file": "%s"}}\n' "$T/db.sqlite" "$C" "$T/run/portcullis/locks" "$T/policy.json" \
        "$T/no-runtime" "$T/audit.log" >"$T/config-rescan.json"
mkdir -p "$T/no-runtime"
(umask 022; "$P" cache rescan --config "$T/config-rescan.json" >/dev/null 2>&1) || fail "cache rescan"
S=$T/lib/portcullis/running.json
[ "$(mode "$S")" = 600 ] || fail "$S: mode $(mode "$S"), wanted 600"
nobody cat "$S" >/dev/null 2>&1 && fail "nobody read $S"

# An older install's 0644 cache is tightened by the hook's next open.
chmod 0644 "$C" "$C-wal" "$C-shm"
"$HOOK" --config "$T/config.json" <"$T/state.json" >/dev/null 2>&1
for f in "$C" "$C-wal" "$C-shm"; do
        [ "$(mode "$f")" = 600 ] || fail "$f: mode $(mode "$f") after the hook, wanted 600"
done

# 4: the hook with the vulnerability DB, or random bytes, at the cache
# path: blocked from its own analysis, a note, the file untouched.
cp "$T/db.sqlite" "$T/wrong.sqlite"
head -c 8192 /dev/urandom >"$T/random.db"
for f in wrong.sqlite random.db; do
        cp "$T/$f" "$T/$f.copy"
        config "$T/config-$f.json" "$T/$f"
        out=$("$HOOK" --config "$T/config-$f.json" <"$T/state.json" 2>&1); rc=$?
        [ "$rc" -eq 1 ] && grep -q "portcullis: blocked .*PCEX-CVE-2023-38545" <<<"$out" ||
                fail "hook with $f as its cache: exit $rc: $out"
        grep -q "verdict cache not used: cache $T/$f is not a Portcullis cache" <<<"$out" ||
                fail "hook with $f as its cache: no note: $out"
        cmp -s "$T/$f" "$T/$f.copy" || fail "the hook changed $T/$f"
        ls "$T/$f".corrupt-* "$T/$f-wal" "$T/$f-shm" >/dev/null 2>&1 &&
                fail "the hook moved $T/$f or made its -wal/-shm"
done
"$P" db status --db "$T/wrong.sqlite" | grep -q '^records: *16$' || fail "the DB at the cache path lost records"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "cache-private: all passed"
