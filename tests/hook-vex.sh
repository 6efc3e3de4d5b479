#!/bin/bash
# The policy's "vex" in the gate (portcullis-hook, as the runtime runs it):
# an OpenVEX statement for the image (by the digest the runtime names) or a
# CycloneDX VEX for the package (by purl) suppresses the findings, on the
# miss and on the cache hit; the audit line counts and names them; a change
# of the VEX file counts at the next start without a rescan; a statement
# for another image, or under_investigation, changes nothing; a malformed
# VEX fails the policy load (config.json's on_error decides) and `policy
# check` names the file and the field.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d /tmp/pc-vex-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

D=5d0dd8a2b5e7e2a1e0b5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807
OTHER=1111111111111111111111111111111111111111111111111111111111111111
R=$T/rootfs
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$T/bundle" "$T/vex"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
printf 'Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u3\n\n' \
        >>"$R/var/lib/dpkg/status"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}, "annotations": {"io.kubernetes.cri.image-name": "example.com/app@sha256:%s"}}\n' \
        "$R" "$D" >"$T/bundle/config.json"
printf '{"ociVersion": "1.0.2", "id": "vex", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/bundle" >"$T/state.json"
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }

# The policy names its VEX documents relative to its own folder.
printf '{"mode": "enforce", "severity": "CRITICAL", "vex": ["vex/app.json"]}\n' >"$T/policy.json"
printf '{"mode": "enforce", "severity": "CRITICAL"}\n' >"$T/plain.policy.json"
# config NAME POLICY [ON_ERROR]
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "on_error": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$T/db.sqlite" "$T/cache.db" "$T/locks" "$2" "${3:-deny}" "$T/audit.log" >"$T/$1.json"
}
config vex "$T/policy.json"
config plain "$T/plain.policy.json"
config lenient "$T/policy.json" allow
run() { OUT=$("$HOOK" --config "$T/$1.json" <"$T/state.json" 2>&1); RC=$?; }

# audit WANT-DECISION WANT-CACHE WANT-SUPPRESSED [SUBSTRING OF THE VEX LIST]
audit() {
        tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want, cache, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
assert d["decision"] == want, "decision %r, want %r" % (d["decision"], want)
assert d["cache"] == cache, "cache %r, want %r" % (d["cache"], cache)
assert d["summary"]["suppressed"] == n, "suppressed %r, want %d" % (d["summary"]["suppressed"], n)
assert len([v for v in d["vex"] if not v.startswith("and ")]) == n, d["vex"]
assert d["summary"]["total"] + n == 2, d["summary"]
if len(sys.argv) > 4:
    assert any(sys.argv[4] in v for v in d["vex"]), "vex %r lacks %r" % (d["vex"], sys.argv[4])
' "$@" || fail "audit line ($*): $(tail -1 "$T/audit.log")"
}

# openvex STATUS PRODUCT [JUSTIFICATION]
openvex() {
        printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/app", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-38545"}, "products": [{"@id": "%s"}],
                 "status": "%s"%s}]}\n' "$2" "$1" "${3:+, \"justification\": \"$3\"}" >"$T/vex/app.json.new"
        mv "$T/vex/app.json.new" "$T/vex/app.json"
}

# Without VEX: the two CRITICAL findings block.
run plain
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked example.com/app@sha256:$D: 2 CRITICAL" <<<"$OUT" || fail "no VEX: $RC $OUT"

# The image by digest, not_affected: the miss starts it, then the hit.
openvex not_affected "pkg:oci/app@sha256%3A$D" vulnerable_code_not_in_execute_path
run vex
[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "VEX for the image (first start): $RC $OUT"
audit allow hit 2 "PCEX-CVE-2023-38545 curl (not_affected: vulnerable_code_not_in_execute_path)"
rm -f "$T/cache.db" "$T/cache.db"*
run vex
[ "$RC" -eq 0 ] || fail "VEX for the image (miss): $RC $OUT"
audit allow miss 2 "PCEX-CVE-2023-38545 libcurl4"
run vex
[ "$RC" -eq 0 ] || fail "VEX for the image (hit): $RC $OUT"
audit allow hit 2

# The VEX file changes: the next start (a hit) decides by the new one.
openvex under_investigation "pkg:oci/app@sha256%3A$D"
run vex
[ "$RC" -eq 1 ] && grep -q "2 CRITICAL" <<<"$OUT" || fail "under_investigation: $RC $OUT"
audit deny hit 0
openvex fixed "pkg:oci/app@sha256%3A$OTHER"
run vex
[ "$RC" -eq 1 ] || fail "VEX for another image: $RC $OUT"
audit deny hit 0

# CycloneDX VEX by purl: the source package at the binaries' version
# (arch=source, purl-spec's deb type) covers both; without a version, a resolved analysis is left out (it
# would suppress every version: policy check says so); one binary package
# by its exact purl leaves the other counting.
cdx() {
        printf '{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "components": [{"type": "library", "bom-ref": "c1", "name": "x", "purl": "%s"}],
 "vulnerabilities": [{"id": "CVE-2023-38545", "analysis": {"state": "resolved"}, "affects": [{"ref": "c1"}]}]}\n' \
                "$1" >"$T/vex/app.json"
}
cdx "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u3?arch=source"
run vex
[ "$RC" -eq 0 ] || fail "CycloneDX, source package: $RC $OUT"
audit allow hit 2 "(fixed)"
cdx "pkg:deb/debian/curl"
run vex
[ "$RC" -eq 1 ] || fail "CycloneDX, source package without version: $RC $OUT"
audit deny hit 0
out=$("$P" policy check "$T/policy.json" 2>&1)
grep -q "^Warning: VEX: .*app.json: vulnerabilities\[0\]: 'resolved' for pkg:deb/debian/curl, which names no version, is left out" <<<"$out" ||
        fail "policy check, resolved without version: $out"
# ... and the start's decision says it too: on stderr and in the audit
# line's notes, once.
left="app.json: vulnerabilities\[0\]: 'resolved' for pkg:deb/debian/curl, which names no version, is left out"
[ "$(grep -c "^portcullis: note: example.com/app@sha256:$D: VEX: .*$left" <<<"$OUT")" -eq 1 ] ||
        fail "the hook's decision, resolved without version: $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, re, sys
d = json.loads(sys.stdin.read())
assert len([n for n in d["notes"] if re.match("VEX: .*" + sys.argv[1], n)]) == 1, d["notes"]' "$left" ||
        fail "the audit line's notes, resolved without version: $(tail -1 "$T/audit.log")"
# Many such statements, one with a purl of 4,000 bytes: the first five said
# (that one cut), the others counted, the audit line within its cap.
python3 -c '
import json, sys
names = ["curl", "x" * 4000] + ["pkg%d" % i for i in range(6)]
json.dump({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/app", "author": "test",
           "timestamp": "2026-01-01T00:00:00Z", "version": 1,
           "statements": [{"vulnerability": {"name": "CVE-2023-38545"}, "products": [{"@id": "pkg:deb/debian/" + n}],
                           "status": "fixed"} for n in names]}, open(sys.argv[1], "w"))' "$T/vex/app.json"
run vex
cut=$(grep "statements\[1\]: 'fixed' for pkg:deb/debian/xxxx.*\.\.\.$" <<<"$OUT")
[ "$RC" -eq 1 ] && [ "$(grep -c "^portcullis: note: .*: VEX: .*app.json: statements\[[0-9]\]: 'fixed' for " <<<"$OUT")" -eq 5 ] &&
        grep -q "^portcullis: note: .*: VEX: 3 more statements left out as these are ('portcullis policy check $T/policy.json' lists them)$" <<<"$OUT" &&
        [ -n "$cut" ] && [ "${#cut}" -lt 4400 ] ||
        fail "many statements left out: $RC $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, sys
line = sys.stdin.read()
d = json.loads(line)
vex = [n for n in d["notes"] if n.startswith("VEX: ")]
assert len(vex) == 6 and vex[5].startswith("VEX: 3 more statements") and len(line) < 32768, (len(line), vex)' ||
        fail "many statements left out, audit line: $(tail -1 "$T/audit.log")"
cdx "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u3?arch=amd64"
run vex
[ "$RC" -eq 1 ] && grep -q "1 CRITICAL at or above CRITICAL (PCEX-CVE-2023-38545 curl)" <<<"$OUT" ||
        fail "CycloneDX, one package: $RC $OUT"
audit deny hit 1 "libcurl4 (fixed)"
cdx "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u4"
run vex
[ "$RC" -eq 1 ] || fail "CycloneDX, another version: $RC $OUT"
audit deny hit 0

# Malformed: the policy does not load; on_error decides, naming the file
# and the field; never a silent suppression.
printf '{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2026-01-01T00:00:00Z", "statements": [{"vulnerability": {"name": "CVE-2023-38545"},
 "products": [{"@id": "pkg:oci/app@sha256%%3A%s"}], "status": "fixd"}]}\n' "$D" >"$T/vex/app.json"
run vex
[ "$RC" -eq 1 ] && grep -q "portcullis: blocked .*$T/policy.json: vex\[0\]: $T/vex/app.json: statements\[0\].status: 'fixd' is not one of" <<<"$OUT" ||
        fail "malformed VEX, on_error deny: $RC $OUT"
tail -1 "$T/audit.log" | grep -q '"decision":"deny".*statements\[0\].status' || fail "malformed: audit $(tail -1 "$T/audit.log")"
run lenient
[ "$RC" -eq 0 ] && grep -q "portcullis: warning: not checked .*statements\[0\].status" <<<"$OUT" ||
        fail "malformed VEX, on_error allow: $RC $OUT"
out=$("$P" policy check "$T/policy.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "vex\[0\]: $T/vex/app.json: statements\[0\].status: 'fixd'" <<<"$out" || fail "policy check: $rc $out"
rm "$T/vex/app.json"
run vex
[ "$RC" -eq 1 ] && grep -q "vex\[0\]: .*app.json" <<<"$OUT" || fail "missing VEX: $RC $OUT"

# policy check of a good one says what it reads.
openvex fixed "pkg:oci/app@sha256%3A$D"
out=$("$P" policy check "$T/policy.json" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "^VEX documents .*: vex/app.json; 1 statements in all" <<<"$out" || fail "policy check: $rc $out"

# portcullis check runs the same gate.
out=$("$P" check --state "$T/state.json" --config "$T/vex.json" --format json 2>/dev/null); rc=$?
[ "$rc" -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["summary"]["suppressed"] == 2, d' <<<"$out" ||
        fail "check --format json: $rc $out"

[ "$fails" -eq 0 ] && echo ok
exit $((fails > 0))
