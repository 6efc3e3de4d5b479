#!/bin/bash
# The hook on an RPM image: the rpmdb.sqlite reader runs inside the
# analysis sandbox (chroot, seccomp allow-list, no writes) and its packages
# are matched like any others: a record for the curl source package blocks
# both binaries built from it (curl and libcurl).
set -u
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
DATA=${PC_SHARED_DATA:-}
DB_SRC=$DATA/pkgdb/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite
[ -f "$DB_SRC" ] || { echo "skip: shared data not found"; exit 77; }
T=$(mktemp -d /tmp/pc-rpm-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$T/r/var/lib/rpm" "$T/r/etc" "$T/b" "$T/feed"
cp "$DB_SRC" "$T/r/var/lib/rpm/"
printf 'ID=mariner\nVERSION_ID="2.0"\n' >"$T/r/etc/os-release"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$T/r" >"$T/b/config.json"
printf '{"ociVersion": "1.0.2", "id": "m", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/b" >"$T/s.json"
# One installed package, its source name and version from the inventory.
read -r src ver < <("$P" inventory "$T/r" --format json | python3 -c '
import json, sys
p = [p for p in json.load(sys.stdin)["packages"] if p["name"] == "curl"][0]
print(p["source_name"], p["source_version"])')
[ -n "${src:-}" ] || { echo "FAIL: no curl in the inventory"; exit 1; }
cat >"$T/feed/rec.json" <<EOF2
{"id": "TEST-RPM-1", "modified": "2024-01-01T00:00:00Z",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Azure Linux:2", "name": "$src"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99:$ver"}]}]}]}
EOF2
"$P" db import "$T/feed" --db "$T/db.sqlite" >/dev/null || fail "import"
printf '{"mode": "enforce", "severity": "HIGH", "on_error": "deny"}\n' >"$T/p.json"
printf '{"db": "%s", "cache": "%s/c.db", "lock_dir": "%s/l", "policy": "%s/p.json", "log": {"syslog": false, "file": "%s/a.log"}}\n' \
        "$T/db.sqlite" "$T" "$T" "$T" "$T" >"$T/c.json"
out=$("$HOOK" --config "$T/c.json" <"$T/s.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "portcullis: blocked container m: 2 CRITICAL at or above HIGH (TEST-RPM-1 curl (+1))" <<<"$out" ||
        fail "rpm image: $rc $out"
[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
