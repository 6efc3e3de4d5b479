#!/bin/bash
# NuGet end to end, on a real artifact and real advisories: the deps.json the
# .NET SDK wrote into Microsoft's SARIF multitool 5.7.0 (npm's
# @microsoft/sarif-multitool-linux, installed by scripts/install-deps.sh into
# tests/lang-dotnet), which lists System.Text.RegularExpressions 4.3.0 and
# Newtonsoft.Json 13.0.3, in a rootfs with Debian's installed gemspecs, against
# OSV records with the ids and ranges GitHub's advisory database publishes:
# GHSA-cmhx-cq75-c4mj (CVE-2019-0820, System.Text.RegularExpressions < 4.3.1)
# and GHSA-5crp-9r3c-p9vr (CVE-2024-21907, Newtonsoft.Json < 13.0.1, which
# 13.0.3 is not).  `scan` must give exactly the one finding, naming the
# deps.json, and a real `runc run` must be refused under enforce.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in runc python3; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }
BUNDLE=${PC_SOURCE_ROOT:?}/tests/lang-dotnet/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
[ -f "$BUNDLE" ] || { echo "skip: tests/lang-dotnet not installed (scripts/install-deps.sh)"; exit 77; }

T=$(mktemp -d /tmp/pc-nuget-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcn-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

R=$T/rootfs
busybox_rootfs "$R"
mkdir -p "$R/opt/sarif"
python3 "$(dirname "$0")/dotnet-bundle-deps.py" "$BUNDLE" "$R/opt/sarif/Sarif.Multitool.deps.json" ||
        { echo "FAIL: no deps.json in $BUNDLE"; exit 1; }
# Debian's installed gems beside it: packages of another ecosystem, no records
for d in /usr/share/rubygems-integration/all /usr/lib/ruby/gems/3.1.0; do
        [ -d "$d/specifications" ] || continue
        mkdir -p "$R$d" && cp -r "$d/specifications" "$R$d/"
done

F=$T/feed
mkdir -p "$F"
cat >"$F/GHSA-cmhx-cq75-c4mj.json" <<'JSON'
{"id": "GHSA-cmhx-cq75-c4mj", "modified": "2023-01-03T00:00:00Z", "aliases": ["CVE-2019-0820"],
 "summary": "Denial of service in System.Text.RegularExpressions",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
 "affected": [{"package": {"ecosystem": "NuGet", "name": "System.Text.RegularExpressions"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.3.1"}]}]}],
 "database_specific": {"severity": "HIGH"}}
JSON
cat >"$F/GHSA-5crp-9r3c-p9vr.json" <<'JSON'
{"id": "GHSA-5crp-9r3c-p9vr", "modified": "2024-01-03T00:00:00Z", "aliases": ["CVE-2024-21907"],
 "summary": "Improper Handling of Exceptional Conditions in Newtonsoft.Json",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
 "affected": [{"package": {"ecosystem": "NuGet", "name": "Newtonsoft.Json"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "13.0.1"}]}]}],
 "database_specific": {"severity": "HIGH"}}
JSON
DB=$T/vulndb.sqlite
"$P" db import "$F" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# scan: exactly the expected finding, naming the deps.json.
"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err" || fail "scan: $(cat "$T/scan.err")"
python3 - "$T/scan.json" <<'PY' || fail "scan findings"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["id"], f["package"], f["installed_version"], f["fixed_version"], f["severity"], f["ecosystem"], f["path"])
             for f in d["findings"])
want = [("GHSA-cmhx-cq75-c4mj", "System.Text.RegularExpressions", "4.3.0", "4.3.1", "HIGH", "NuGet",
         "/opt/sarif/Sarif.Multitool.deps.json")]
assert got == want, "got %s" % got
PY

# runc under enforce: refused, naming the advisory.
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
B=$T/bundle
runc_bundle "$B" "$R" "$T/config.json" example.com/sarif-multitool:5.7.0
runc_start "$B" "pcn-$$"
[ "$RC" -ne 0 ] || fail "runc: the container started"
grep -q started <<<"$OUT" && fail "runc: the process ran"
grep -qF "portcullis: blocked example.com/sarif-multitool:5.7.0: 1 HIGH at or above HIGH (GHSA-cmhx-cq75-c4mj System.Text.RegularExpressions)" <<<"$OUT" ||
        fail "runc: no block line in: $OUT"

# The policy may leave NuGet out: the same image then starts.
printf '{"mode": "enforce", "severity": "HIGH", "ignore_ecosystems": ["NuGet"]}\n' >"$T/policy.json"
runc_start "$B" "pcn-$$-2"
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "runc, ignore_ecosystems NuGet: did not start: $OUT"

[ "$fails" -eq 0 ] || exit 1
echo "ok: the NuGet finding from a real deps.json; runc refused the start; ignore_ecosystems let it start"
