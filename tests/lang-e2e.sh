#!/bin/bash
# Language packages end to end, on real artifacts and real advisories:
# a rootfs with Debian's python3-requests 2.28.1 (the .deb from Debian's
# archive, unpacked) and minimist 1.2.0 and lodash 4.17.20 installed by a real
# `npm install` from the npm registry, against OSV records written with the
# ids, ranges and CVSS vectors GitHub's advisory database publishes for
# them.  `scan` must give exactly the expected findings, and a real
# `runc run` must be refused under enforce, naming the advisory.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for t in runc npm apt-get dpkg-deb python3; do
        command -v $t >/dev/null || { echo "skip: $t not installed"; exit 77; }
done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }
# PEP 440 and SemVer orders are needed for these ecosystems.
[ "$("$P" vercmp pypi 2.28.1 2.31.0 2>/dev/null)" = "<" ] && [ "$("$P" vercmp npm 1.2.0 1.2.6 2>/dev/null)" = "<" ] ||
        { echo "skip: no PEP 440 / SemVer order in this build"; exit 77; }

T=$(mktemp -d /tmp/pc-lang-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcl-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

R=$T/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/dev" "$R/sys" "$R/app"
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"

# Debian's python3-requests, as its .deb installs it.
(cd "$T" && timeout 120 apt-get download -q python3-requests=2.28.1+dfsg-1 >"$T/apt.log" 2>&1) ||
        { echo "skip: Debian's archive is not reachable: $(tail -1 "$T/apt.log")"; exit 77; }
dpkg-deb -x "$T"/python3-requests_*.deb "$R" || { echo "FAIL: unpack the .deb"; exit 1; }

# minimist and lodash from the npm registry.
printf '{"name": "app", "version": "1.0.0", "private": true}\n' >"$R/app/package.json"
(cd "$R/app" && timeout 180 npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
        minimist@1.2.0 lodash@4.17.20 >"$T/npm.log" 2>&1) ||
        { echo "skip: the npm registry is not reachable: $(tail -1 "$T/npm.log")"; exit 77; }

# The advisories, as GitHub's advisory database publishes them (OSV form).
F=$T/feed
mkdir -p "$F"
cat >"$F/GHSA-xvch-5gv4-984h.json" <<'EOF'
{"id": "GHSA-xvch-5gv4-984h", "modified": "2024-02-16T08:14:52Z", "aliases": ["CVE-2021-44906"],
 "summary": "Prototype Pollution in minimist",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.2.4"}]}]},
  {"package": {"ecosystem": "npm", "name": "minimist"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.6"}]}]}],
 "database_specific": {"severity": "CRITICAL"}}
EOF
cat >"$F/GHSA-35jh-r3h4-6jhm.json" <<'EOF'
{"id": "GHSA-35jh-r3h4-6jhm", "modified": "2024-02-16T08:12:10Z", "aliases": ["CVE-2021-23337"],
 "summary": "Command Injection in lodash",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
 "database_specific": {"severity": "HIGH"}}
EOF
cat >"$F/GHSA-j8r2-6x86-q33q.json" <<'EOF'
{"id": "GHSA-j8r2-6x86-q33q", "modified": "2024-02-16T08:03:11Z", "aliases": ["CVE-2023-32681", "PYSEC-2023-74"],
 "summary": "Unintended leak of Proxy-Authorization header in requests",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}],
 "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}]}],
 "database_specific": {"severity": "MODERATE"}}
EOF
cat >"$F/GHSA-x84v-xcm2-53pg.json" <<'EOF'
{"id": "GHSA-x84v-xcm2-53pg", "modified": "2024-02-16T08:03:11Z", "aliases": ["CVE-2018-18074"],
 "summary": "Insufficiently Protected Credentials in Requests",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
 "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}],
 "database_specific": {"severity": "HIGH"}}
EOF
DB=$T/vulndb.sqlite
"$P" db import "$F" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# scan: exactly the expected findings, each naming the file it came from.
"$P" scan "$R" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err" || fail "scan: $(cat "$T/scan.err")"
python3 - "$T/scan.json" <<'PY' || fail "scan findings"
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["id"], f["package"], f["installed_version"], f["fixed_version"], f["severity"]) for f in d["findings"])
want = sorted([
    ("GHSA-xvch-5gv4-984h", "minimist", "1.2.0", "1.2.6", "CRITICAL"),
    ("GHSA-35jh-r3h4-6jhm", "lodash", "4.17.20", "4.17.21", "HIGH"),
    ("GHSA-j8r2-6x86-q33q", "requests", "2.28.1", "2.31.0", "MEDIUM"),
])
assert got == want, "got %s" % got
assert not [u for u in d["unchecked"] if u["kind"] != "no_packages"], d["unchecked"]
PY

# runc under enforce: refused, naming the advisory.
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/config.json"
B=$T/bundle
mkdir -p "$B"
python3 - "$B" "$R" "$HOOK" "$T/config.json" <<'PY'
import json, subprocess, sys
b, root, hook, cfg = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": root, "readonly": True}
c["process"]["args"] = ["/bin/sh", "-c", "echo started"]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = {"io.kubernetes.cri.image-name": "example.com/node-and-python:1"}
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
OUT=$(timeout 60 runc run -b "$B" "pcl-$$" 2>&1 </dev/null); RC=$?
runc delete -f "pcl-$$" >/dev/null 2>&1
[ "$RC" -ne 0 ] || fail "runc: the container started"
grep -q started <<<"$OUT" && fail "runc: the process ran"
grep -qF "portcullis: blocked example.com/node-and-python:1: 1 CRITICAL, 1 HIGH at or above HIGH (GHSA-xvch-5gv4-984h minimist, GHSA-35jh-r3h4-6jhm lodash)" <<<"$OUT" ||
        fail "runc: no block line in: $OUT"

# The same image, with a policy that does not weigh what is under /app (the
# application team's own scope): it starts, and the audit line still counts
# every finding.
printf '{"mode": "enforce", "severity": "HIGH", "ignore_paths": ["/app/*"]}\n' >"$T/policy.json"
OUT=$(timeout 60 runc run -b "$B" "pcl-$$-2" 2>&1 </dev/null); RC=$?
runc delete -f "pcl-$$-2" >/dev/null 2>&1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "runc, ignore_paths /app/*: did not start: $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == "allow" and d["cache"] == "hit" and d["summary"]["total"] == 3, d' ||
        fail "runc, ignore_paths: audit line $(tail -1 "$T/audit.log")"

[ "$fails" -eq 0 ] || exit 1
echo "ok: PyPI and npm findings from real artifacts; runc refused the start; ignore_paths let it start"
