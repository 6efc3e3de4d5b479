#!/bin/bash
# Go binaries end to end, on a real binary and a real advisory: a rootfs
# with Debian's runc (built by Go 1.19.8) against GO-2024-2963 as the Go
# vulnerability database publishes it (stdlib, SEMVER: fixed in 1.21.12 and
# 1.22.5; from ../shared/data, osv-schema's test data).  `scan` must give
# exactly that finding, naming the binary, and a real `runc run` must be
# refused under enforce.  The Go database gives no severity: the policy says
# how an UNKNOWN one counts (unknown_as).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SHARED=${PC_SHARED_DATA:-}
REC=$SHARED/vulndb/osv-schema/osv-linter-testdata/GO-2024-2963.json
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in runc python3 go; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
[ -f "$REC" ] || { echo "skip: no $REC"; exit 77; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }
GOBIN_REAL=$(command -v runc)
V=$(go version "$GOBIN_REAL" 2>/dev/null | sed -n 's/.*: go\([0-9.]*\)$/\1/p')
[ -n "$V" ] || { echo "skip: $GOBIN_REAL has no Go build information"; exit 77; }
# The record covers every stdlib before 1.21.12 (and 1.22.0 to 1.22.5).
[ "$("$P" vercmp go "$V" 1.21.12 2>/dev/null)" = "<" ] ||
        { echo "skip: $GOBIN_REAL was built by Go $V, not one GO-2024-2963 affects"; exit 77; }

T=$(mktemp -d /tmp/pc-gobin-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcg-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

R=$T/rootfs
busybox_rootfs "$R"
mkdir -p "$R/usr/sbin"
cp "$GOBIN_REAL" "$R/usr/sbin/runc"
mkdir -p "$T/feed"
cp "$REC" "$T/feed/"
DB=$T/vulndb.sqlite
"$P" db import "$T/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err" || fail "scan: $(cat "$T/scan.err")"
python3 - "$T/scan.json" "$V" <<'PY' || fail "scan findings"
import json, sys
d, v = json.load(open(sys.argv[1])), sys.argv[2]
got = sorted((f["id"], f["package"], f["installed_version"], f["fixed_version"]) for f in d["findings"])
assert got == [("GO-2024-2963", "stdlib", v, "1.21.12")], "got %s" % got
f = d["findings"][0]
assert "/usr/sbin/runc" in json.dumps(f), f
PY

printf '{"mode": "enforce", "severity": "HIGH", "unknown_as": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
B=$T/bundle
runc_bundle "$B" "$R" "$T/config.json" example.com/go-tool:1
runc_start "$B" "pcg-$$"
[ "$RC" -ne 0 ] || fail "runc: the container started"
grep -q started <<<"$OUT" && fail "runc: the process ran"
grep -q "portcullis: blocked example.com/go-tool:1: .*GO-2024-2963 stdlib" <<<"$OUT" || fail "runc: no block line in: $OUT"

# Go left out by the policy: it starts.
printf '{"mode": "enforce", "severity": "HIGH", "unknown_as": "HIGH", "ignore_ecosystems": ["Go"]}\n' >"$T/policy.json"
runc_start "$B" "pcg-$$-2"
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "runc, ignore_ecosystems Go: did not start: $OUT"

[ "$fails" -eq 0 ] || exit 1
echo "ok: stdlib $V of a real Go binary matched GO-2024-2963; runc refused the start; ignore_ecosystems let it start"
