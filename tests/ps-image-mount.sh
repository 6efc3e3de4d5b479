#!/bin/bash
# The recheck after a DB update judges the images mounted into a running
# container with it, as the hook did at its start (lib/running.c
# add_mounts()): a real runc container of a clean image with another image
# bound at /img (containers/storage's vfs/dir/ID, as CRI-O lays out a
# Kubernetes image volume) is allowed; an import that adds a record for a
# package of the mounted image gives one now_violates line naming it, and
# ps shows the container's verdict with the finding.  A VEX statement on
# the container's image does not suppress the mounted image's finding in
# ps; one on the mounted image (its digest in the store's images.json) does.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
need_runc_busybox

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-psmount-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

# the container's image: busybox and the fixed curl
busybox_rootfs "$T/app"
mkdir -p "$T/app/etc" "$T/app/var/lib/dpkg" "$T/app/img"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/app/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u4\n\n' \
        >"$T/app/var/lib/dpkg/status"
# the mounted image: zlib, which no record of the example feed names
MOUNTED=$T/store/vfs/dir/3333333333333333333333333333333333333333333333333333333333333333
mkdir -p "$MOUNTED/etc" "$MOUNTED/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$MOUNTED/etc/os-release"
printf 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n' \
        >"$MOUNTED/var/lib/dpkg/status"

DB=$T/vulndb.sqlite
LOG=$T/audit.log
CFG=$T/config.json
printf '{"mode": "audit", "severity": "LOW"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"], "trust_image_digest": true}\n' "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" "$ROOT" >"$CFG"
"$P" db import "$SRC/feed" --db "$DB" --config "$CFG" >/dev/null || { echo "FAIL: import"; exit 1; }

# named by a digest (trusted): the container's identity needs no inventory
runc_bundle "$T/bundle" "$T/app" "$CFG" docker.io/library/app@sha256:$(printf '%064x' 7)
python3 - "$T/bundle/config.json" "$MOUNTED" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/busybox", "sleep", "600"]
c["mounts"].append({"destination": "/img", "type": "bind", "source": sys.argv[2], "options": ["rbind", "ro"]})
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
timeout 60 runc --root "$ROOT" run -d -b "$T/bundle" c-app </dev/null >"$T/run.out" 2>&1 ||
        { echo "FAIL: runc run: $(cat "$T/run.out")"; exit 1; }
[ "$(grep -c '"decision":"allow"' "$LOG")" -eq 1 ] || fail "the start was not allowed: $(cat "$LOG")"

psj() { timeout 120 "$P" ps --config "$CFG" --format json "$@" >"$T/ps.json" 2>"$T/ps.err" || fail "ps $*: $(cat "$T/ps.err")"; }
psj
python3 -c 'import json,sys; (c,) = json.load(open(sys.argv[1]))["containers"]; assert c["verdict"] == "allow" and c["findings"] == [], c' \
        "$T/ps.json" || fail "ps before the update: $(cat "$T/ps.json")"

# a record for the mounted image's zlib
zlib_record "$T/extra"
out=$(timeout 300 "$P" db import --merge "$T/extra" --db "$DB" --config "$CFG" 2>&1) || fail "import of the new record: $out"
grep -q "running containers: 1, 1 not allowed now, 1 now violating since the last check" <<<"$out" ||
        fail "the recheck did not judge the mounted image: $out"
grep '"event":"now_violates"' "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["container"] == "c-app" and d["findings"] == ["PCEX-CVE-2023-45853 zlib1g"], d' ||
        fail "now_violates line: $(grep now_violates "$LOG")"
psj
python3 -c 'import json,sys; (c,) = json.load(open(sys.argv[1]))["containers"]; assert c["verdict"] == "audit" and c["findings"] == ["PCEX-CVE-2023-45853 zlib1g"], c' \
        "$T/ps.json" || fail "ps after the update: $(cat "$T/ps.json")"

# metrics judge without reading a rootfs: the mounted image's identity is
# its inventory's, so the container is not judged (never counted as
# violating by an image_mount it could not look at)
"$P" metrics --config "$CFG" --output "$T/m.prom" --state "$T/m.state" 2>"$T/m.err" || fail "metrics: $(cat "$T/m.err")"
grep -qx 'portcullis_containers_now_violating 0' "$T/m.prom" && grep -qx 'portcullis_containers_not_judged 1' "$T/m.prom" ||
        fail "metrics' running gauges: $(grep containers "$T/m.prom")"

# VEX: a statement judges the findings of the image it names, not the other's
mkdir -p "$T/store/vfs-images"
printf '[{"id": "%064x", "digest": "sha256:%064x", "layer": "%s"}]\n' 8 9 "${MOUNTED##*/}" >"$T/store/vfs-images/images.json"
# vex DIGEST: CVE-2023-45853 does not affect that image
vex() {
        printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-45853"}, "products": [{"@id": "pkg:oci/img@sha256%%3A%s"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_present"}]}\n' "$1" >"$T/vex.json"
}
printf '{"mode": "audit", "severity": "LOW", "vex": ["vex.json"]}\n' >"$T/policy.json"
vex "$(printf '%064x' 7)"
psj
python3 -c 'import json,sys; (c,) = json.load(open(sys.argv[1]))["containers"]; assert c["verdict"] == "audit" and c["findings"] == ["PCEX-CVE-2023-45853 zlib1g"], c' \
        "$T/ps.json" || fail "ps: a VEX statement on the container's image suppressed the mounted image's finding: $(cat "$T/ps.json")"
vex "$(printf '%064x' 9)"
psj
python3 -c 'import json,sys; (c,) = json.load(open(sys.argv[1]))["containers"]; assert c["verdict"] == "allow" and c["findings"] == [], c' \
        "$T/ps.json" || fail "ps: a VEX statement on the mounted image did not suppress its finding: $(cat "$T/ps.json")"

[ "$fails" -eq 0 ] || exit 1
echo "ok: the recheck judges an image mounted into a running container"
