#!/bin/bash
# A real Alpine 3.11 image (trivy's test image, a `docker save` archive):
# its layers unpacked in order into a rootfs with tar, then
# `portcullis inventory ROOTFS --format json` must list exactly the
# packages trivy's own test expects (name, version, source, arch), with
# the Alpine:v3.11 ecosystem.  Then trivy's "happy path" scan of the same
# image: its one advisory (musl fixed in 1.2.4, HIGH) as an OSV record must
# give trivy's two findings, musl and musl-utils, found by origin.  Reading
# image archives in the library is another task; here tar stands in for it.
set -u
P=${PORTCULLIS:?}
DATA=${PC_SHARED_DATA:-}
IMAGE=$DATA/rootfs/trivy/alpine-311.tar.gz
EXPECTED=$DATA/rootfs/trivy/alpine-311.expected.json
[ -f "$IMAGE" ] && [ -f "$EXPECTED" ] || { echo "skip: $IMAGE not found"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
# Layers may hold read-only directories; make them removable first.
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

mkdir "$T/image" "$T/rootfs"
tar -xzf "$IMAGE" -C "$T/image" || { echo "FAIL: unpack $IMAGE"; exit 1; }
# manifest.json names the layers, bottom first.  Whiteouts (.wh.*) would
# need handling for images of several layers; this one has a single layer.
layers=$(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' \
        "$T/image/manifest.json") || { echo "FAIL: read manifest.json"; exit 1; }
[ -n "$layers" ] || { echo "FAIL: no layers in manifest.json"; exit 1; }
while read -r layer; do
        tar -xf "$T/image/$layer" -C "$T/rootfs" --no-same-owner --no-same-permissions --exclude 'dev/*' ||
                { echo "FAIL: unpack layer $layer"; exit 1; }
done <<<"$layers"

"$P" inventory "$T/rootfs" --format json >"$T/inventory.json" 2>"$T/stderr" ||
        { echo "FAIL: portcullis inventory: $(cat "$T/stderr")"; exit 1; }

python3 - "$EXPECTED" "$T/inventory.json" <<'EOF' || exit 1
import json, sys

expected = json.load(open(sys.argv[1]))["expected_packages"]
got = json.load(open(sys.argv[2]))
fails = []
if got["os"].get("ecosystem") != "Alpine:v3.11":
    fails.append("ecosystem %r, want Alpine:v3.11" % got["os"].get("ecosystem"))
pkgs = {p["name"]: p for p in got["packages"]}
for e in expected:
    p = pkgs.get(e["Name"])
    if not p:
        fails.append("missing %s" % e["Name"])
        continue
    for ours, theirs in (("version", "Version"), ("source_name", "SrcName"),
                         ("source_version", "SrcVersion"), ("arch", "Arch")):
        if p.get(ours) != e[theirs]:
            fails.append("%s: %s %r, want %r" % (e["Name"], ours, p.get(ours), e[theirs]))
    if p.get("ecosystem") != "Alpine:v3.11" or not p.get("purl", "").startswith("pkg:apk/alpine/%s@" % e["Name"]):
        fails.append("%s: ecosystem %r purl %r" % (e["Name"], p.get("ecosystem"), p.get("purl")))
extra = sorted(set(pkgs) - {e["Name"] for e in expected})
if extra:
    fails.append("not expected: %s" % ", ".join(extra))
for f in fails:
    print("FAIL:", f)
print("checked %d expected packages against %d listed" % (len(expected), len(pkgs)))
sys.exit(1 if fails else 0)
EOF

# scan-fixture-happy.yaml's Alpine advisory, as OSV publishes Alpine's:
# the record names the origin; a CVSS vector stands for trivy's HIGH.
mkdir "$T/feed"
cat >"$T/feed/ALPINE-CVE-2020-9999.json" <<'EOF'
{"id": "ALPINE-CVE-2020-9999", "modified": "2020-02-01T01:01:00Z", "aliases": ["CVE-2020-9999"],
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
 "affected": [{"package": {"ecosystem": "Alpine:v3.11", "name": "musl"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.4"}]}]}]}
EOF
"$P" db import "$T/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: db import"; exit 1; }
rc=0
"$P" scan "$T/rootfs" --db "$T/db.sqlite" --format json >"$T/scan.json" 2>"$T/stderr" || rc=$?
[ "$rc" -le 1 ] || { echo "FAIL: portcullis scan exit $rc: $(cat "$T/stderr")"; exit 1; }

python3 - "$EXPECTED" "$T/scan.json" <<'EOF'
import json, sys

expected = json.load(open(sys.argv[1]))["expected_scan_with_scan-fixture-happy.yaml (os pkgs only)"]
got = json.load(open(sys.argv[2]))["findings"]
want = sorted((e["VulnerabilityID"], e["PkgName"], e["InstalledVersion"], e["FixedVersion"], e["Status"], e["Severity"])
              for e in expected)
have = sorted(((f["aliases"] or [f["id"]])[0], f["package"], f["installed_version"], f["fixed_version"], f["status"],
               f["severity"]) for f in got)
if want != have:
    print("FAIL: scan findings\n  got  %s\n  want %s" % (have, want))
    sys.exit(1)
print("scan: %d findings as trivy expects" % len(have))
EOF
