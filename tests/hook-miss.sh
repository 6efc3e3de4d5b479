#!/bin/bash
# A miss whose identity is known before the rootfs is read (here the
# runtime's digest) is analysed by one sandboxed child, inventory and match
# together (lib/analyze.c, analyze_rootfs()); the child opens the DB before
# its chroot into the image and never again, so a DB file the image plants
# at the DB's own path inside its root changes nothing.  A miss without a
# digest still inventories first (its identity is the inventory's digest,
# looked up before any match), and is then a hit.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v strace >/dev/null || { echo "skip: strace not installed"; exit 77; }
T=$(mktemp -d /tmp/pc-miss-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle" "$T/clean"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
state() {       # state DIGEST (or "" for none)
        local ann=
        [ -n "$1" ] && ann=", \"annotations\": {\"io.kubernetes.cri-o.ImageRef\": \"$1\"}"
        printf '{"ociVersion": "1.0.2", "id": "miss", "status": "creating", "pid": 1, "bundle": "%s"%s}\n' \
                "$T/bundle" "$ann" >"$T/state.json"
}
# The real DB has the curl advisory; the one planted in the image has not.
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
cp -r "$SRC/feed/debian12" "$T/clean/" && rm "$T/clean/debian12/PCEX-CVE-2023-38545.json"
mkdir -p "$R$T"
"$P" db import "$T/clean" --db "$R$T/db.sqlite" >/dev/null || { echo "FAIL: import of the planted DB"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"

last() { tail -1 "$T/audit.log"; }
# LeakSanitizer can't run under ptrace (a sanitizer build exits 134 there).
traced() {
        rm -f "$T"/trace.*
        OUT=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -ff -qq \
                -e trace=fork,vfork,clone,clone3,chroot,open,openat -o "$T/trace" \
                "$HOOK" --config "$T/config.json" <"$T/state.json" 2>&1)
        RC=$?
}
# How many processes the hook made (strace -ff writes one file per process).
children() { echo $(( $(ls "$T"/trace.* | wc -l) - 1 )); }

# 1. By digest: one child, the real DB's finding, the planted DB unopened.
state "sha256:$(printf '%064d' 1)"
traced
[ "$RC" -eq 1 ] || fail "digest miss: exit $RC, want 1 (blocked): $OUT"
last | grep -q '"cache":"miss"' || fail "digest miss: not a miss: $(last)"
last | grep -q '"identity_source":"digest"' || fail "digest miss: identity not from the digest: $(last)"
grep -q 'CVE-2023-38545' <<<"$OUT" || fail "digest miss: the real DB's finding is not named: $OUT"
[ "$(children)" -eq 1 ] || fail "digest miss: $(children) child processes, want 1"
child=$(grep -l 'chroot(' "$T"/trace.* | head -1)
[ -n "$child" ] || fail "digest miss: no child chrooted"
if [ -n "$child" ]; then
        grep -q "db.sqlite" <(sed -n '/chroot(/,$p' "$child") && fail "the child opened a DB after its chroot"
        grep -q "db.sqlite" <(sed -n '1,/chroot(/p' "$child") || fail "the child did not open the DB before its chroot"
fi

# 2. Again: a hit, no child.
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "digest again: not a blocked hit: $RC $(last)"
[ "$(children)" -eq 0 ] || fail "digest hit: $(children) child processes, want 0"

# 3. No digest: the inventory child first (its digest is the identity),
# then the match child; the next start is a hit after the inventory alone.
state ""
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"miss"' || fail "inventory miss: not a blocked miss: $RC $(last)"
last | grep -q '"identity_source":"inventory"' || fail "inventory miss: identity not from the inventory: $(last)"
[ "$(children)" -eq 2 ] || fail "inventory miss: $(children) child processes, want 2"
traced
[ "$RC" -eq 1 ] && last | grep -q '"cache":"hit"' || fail "inventory hit: not a blocked hit: $RC $(last)"
[ "$(children)" -eq 1 ] || fail "inventory hit: $(children) child processes, want 1 (the inventory)"

[ "$fails" -eq 0 ] && echo "hook-miss: all checks passed"
exit $((fails > 0))
