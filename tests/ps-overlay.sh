#!/bin/bash
# portcullis ps and the recheck after a DB update, for containers on an
# overlay rootfs laid out as a snapshotter lays it out (one root-owned
# lower, an upper of their own), started by real runc with the hook: both
# are admitted under the overlay identity; one then writes a file into its
# upper (a pid file: almost every container does), so its rootfs is no
# longer the image.  After an import that makes their package vulnerable,
# both are judged and both get a now_violates line: the writer by its
# inventory matched against the new database, compared with the verdict it
# was started under (its lowers' identity); and a VEX statement about the
# image's digest is not applied to the one that changed.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
need_runc_busybox

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-ps-overlay-XXXXXX")     # 0700, root's: the layers' parents must be
ROOT=$T/runc-root
trap runc_mounts_cleanup EXIT

S=$T/snapshots
busybox_rootfs "$S/1/fs"
mkdir -p "$S/1/fs/etc" "$S/1/fs/var/lib/dpkg" "$S/1/fs/tmp"
printf 'ID=debian\nVERSION_ID="12"\n' >"$S/1/fs/etc/os-release"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n' \
        >"$S/1/fs/var/lib/dpkg/status"
DB=$T/vulndb.sqlite
LOG=$T/audit.log
CFG=$T/config.json
printf '{"mode": "audit", "severity": "LOW"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}, "state_roots": ["%s"]}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" "$ROOT" >"$CFG"
"$P" db import "$SRC/feed" --db "$DB" --config "$CFG" >/dev/null || { echo "FAIL: import"; exit 1; }

# start NAME COMMAND: its overlay mounted, run detached under the hook
start() { overlay_start "$1" "$2"; }
start quiet 'sleep 600'
start writer 'echo pid >/tmp/app.pid; sleep 600'
for _ in $(seq 1 50); do [ -s "$S/writer/fs/tmp/app.pid" ] && break; sleep 0.1; done
[ -s "$S/writer/fs/tmp/app.pid" ] || fail "the writer wrote nothing into its upper"
python3 - "$LOG" <<'PY' || fail "admission: $(cat "$LOG")"
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
assert [x["decision"] for x in d] == ["allow", "allow"], d
assert {x["identity_source"] for x in d} == {"overlay"} and d[0]["identity"] == d[1]["identity"], d
PY

# A record for zlib: both now violate.
zlib_record "$T/extra"
"$P" db import --merge "$T/extra" --db "$DB" --config "$CFG" >"$T/import.out" 2>&1 || fail "import: $(cat "$T/import.out")"
grep -q "running containers: 2, 2 not allowed now, 2 now violating since the last check" "$T/import.out" ||
        fail "recheck: $(cat "$T/import.out")"
[ "$(grep -c '"event":"now_violates"' "$LOG")" -eq 2 ] || fail "now_violates lines: $(grep now_violates "$LOG")"
"$P" ps --config "$CFG" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
python3 - "$T/ps.json" <<'PY' || fail "ps: $(cat "$T/ps.json")"
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["containers"]}
assert c["quiet"]["identity_source"] == "overlay" and c["quiet"]["verdict"] == "audit", c["quiet"]
w = c["writer"]
assert w["identity_source"] == "inventory" and w["verdict"] == "audit" and not w["cached"], w
PY

# VEX about the image's digest: the quiet one (the image) gets it, the
# writer (not the image any more) does not.
D=$(printf 'ab%.0s' $(seq 1 32))
printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/z", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-45853"}, "products": [{"@id": "pkg:oci/z@sha256%%3A%s"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}\n' "$D" >"$T/vex.json"
printf '{"mode": "audit", "severity": "LOW", "vex": ["%s"]}\n' "$T/vex.json" >"$T/policy.json"
"$P" ps --config "$CFG" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps with VEX: $(cat "$T/ps.err")"
python3 - "$T/ps.json" <<'PY' || fail "ps with VEX: $(cat "$T/ps.json")"
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["containers"]}
assert c["quiet"]["verdict"] == "allow", c["quiet"]
assert c["writer"]["verdict"] == "audit", c["writer"]
PY

[ "$fails" -eq 0 ] || exit 1
echo "ok: an overlay container that wrote into its upper is judged by its inventory and compared with the verdict it started under"
