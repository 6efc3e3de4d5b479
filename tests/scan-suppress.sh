#!/bin/bash
# What can make a finding leave the verdict, the report or the exit code
# without anyone being told (session 44's red team), end to end:
# - records of one CVE that name different fixes (a CRITICAL PYSEC without
#   one, a LOW GHSA fixed in 2.1.0) stay two findings; --ignore-unfixed and
#   the policy's ignore_unfixed keep the CRITICAL one, saying why (it was
#   dropped, and the CVE counted as LOW);
# - scan --format spdx-json holds the packages, not the findings: said.
set -u
P=${PORTCULLIS:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-suppress-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/etc" "$R/usr/lib/python3/dist-packages/requests-2.0.0.dist-info" "$T/feed" "$T/bundle"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.0.0\n' \
        >"$R/usr/lib/python3/dist-packages/requests-2.0.0.dist-info/METADATA"
# record ID FIXED VECTOR: a PyPI record of requests for CVE-2099-2001
record() {
        local fixed=
        [ -n "$2" ] && fixed=", {\"fixed\": \"$2\"}"
        printf '{"id": "%s", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-2001"],
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/%s"}],
 "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}%s]}]}]}\n' "$1" "$3" "$fixed" >"$T/feed/$1.json"
}
record PYSEC-2099-1 "" "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
record GHSA-aaaa-bbbb-cccc 2.1.0 "AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"
"$P" db import "$T/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }

# scan --ignore-unfixed --fail-on HIGH: the CRITICAL stays, said
out=$("$P" scan "$R" --db "$T/db.sqlite" --ignore-unfixed --fail-on HIGH --allow-unchecked --format json 2>"$T/err"); rc=$?
[ "$rc" -eq 1 ] || fail "--ignore-unfixed --fail-on HIGH: exit $rc, wanted 1: $(cat "$T/err")"
want="--ignore-unfixed: PYSEC-2099-1 (requests 2.0.0) has no fixed version, but GHSA-aaaa-bbbb-cccc, of the same CVE-2099-2001, is fixed in 2.1.0: kept"
grep -qF -- "warning: $want" "$T/err" || fail "--ignore-unfixed: not said on stderr: $(cat "$T/err")"
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert sorted(f["id"] for f in d["findings"]) == ["GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"], d["findings"]
assert d["summary"]["CRITICAL"] == 1, d["summary"]
assert sys.argv[2] in d["warnings"], d["warnings"]' "$out" "$want" || fail "--ignore-unfixed: JSON"

# the policy's ignore_unfixed, through the gate (portcullis check)
printf '{"mode": "enforce", "severity": "HIGH", "ignore_unfixed": true, "on_unchecked": "allow"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "trust_image_digest": false, "log": {"syslog": false}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" >"$T/config.json"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "sup", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
out=$("$P" check --state "$T/state.json" --config "$T/config.json" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "^decision: block" <<<"$out" && grep -q "PYSEC-2099-1 requests" <<<"$out" &&
        grep -qF "PYSEC-2099-1 (requests 2.0.0) has no fixed version, but GHSA-aaaa-bbbb-cccc, of the same CVE-2099-2001, is fixed in 2.1.0: it counts under ignore_unfixed" <<<"$out" ||
        fail "check, ignore_unfixed: $rc $out"

# spdx-json: the packages only, and the findings it leaves out said
"$P" scan "$R" --db "$T/db.sqlite" --format spdx-json --output "$T/sbom.spdx.json" 2>"$T/err"; rc=$?
[ "$rc" -eq 0 ] && grep -qF "warning: --format spdx-json lists the packages, not the findings: the scan's 2 findings (1 CRITICAL, 0 HIGH) are not in it; use json, sarif or cyclonedx for them" "$T/err" ||
        fail "spdx-json: $rc $(cat "$T/err")"

[ "$fails" -eq 0 ] || exit 1
