#!/usr/bin/env python3
"""portcullis scan --vex on a real image file (trivy's alpine 3.11 `docker
save`): OpenVEX and CycloneDX VEX documents written here from their
specifications suppress findings of the image by its digest and of a
package by purl; the findings stay listed, marked, and are not counted
(table, JSON, --fail-on); a statement for another image or package, and
under_investigation, change nothing; a malformed document is exit 2 naming
the file and the field."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pctest import check, finish, run  # noqa: E402

P = os.environ["PORTCULLIS"]
DATA = os.environ.get("PC_SHARED_DATA", "")
IMAGE = f"{DATA}/rootfs/trivy/alpine-311.tar.gz"
DIGEST = "a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72"
if not DATA or not os.path.exists(IMAGE):
    print("skip: the alpine 3.11 image of the shared data is not there")
    sys.exit(77)




# Two advisories in OSV's Alpine form: openssl (libcrypto1.1, libssl1.1)
# and musl (musl, musl-utils).
RECORDS = {
    "ALPINE-CVE-2020-1967": ("openssl", "1.1.1g-r0", "CVE-2020-1967", "C:H/I:H/A:H"),
    "ALPINE-CVE-2020-9999": ("musl", "1.2.4", "CVE-2020-9999", "C:N/I:N/A:H"),
}


def openvex(statements):
    return {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/alpine",
            "author": "Portcullis tests", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
            "statements": statements}


def cyclonedx(vulnerabilities, component=None, components=()):
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
           "components": list(components), "vulnerabilities": vulnerabilities}
    if component:
        bom["metadata"] = {"component": component}
    return bom


def scan(t, doc, name="vex.json", expect=0, fmt="json", extra=()):
    path = f"{t}/{name}"
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    r = run("scan", IMAGE, "--db", f"{t}/db.sqlite", "--vex", path, "--format", fmt, *extra, expect=expect)
    return r, path


def suppressed(t, doc):
    r, path = scan(t, doc)
    if r.returncode != 0:
        return None, None
    d = json.loads(r.stdout)
    got = {(f["id"], f["package"]): f["vex"] for f in d["findings"]}
    check(len(d["findings"]) == 4, f"findings stay listed: {len(d['findings'])}")
    n = sum(1 for v in got.values() if v)
    check(d["summary"]["suppressed"] == n and d["summary"]["total"] == 4 - n,
          f"summary {d['summary']} with {n} suppressed")
    for v in got.values():
        check(v is None or v["source"] == path, f"vex source {v}")
    return {k for k, v in got.items() if v}, got


t = tempfile.mkdtemp(prefix="pc-scan-vex-")
try:
    os.mkdir(f"{t}/feed")
    for rid, (pkg, fixed, cve, impact) in RECORDS.items():
        json.dump({"id": rid, "modified": "2020-02-01T01:01:00Z", "aliases": [cve],
                   "severity": [{"type": "CVSS_V3", "score": f"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/{impact}"}],
                   "affected": [{"package": {"ecosystem": "Alpine:v3.11", "name": pkg},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]},
                  open(f"{t}/feed/{rid}.json", "w"))
    run("db", "import", f"{t}/feed", "--db", f"{t}/db.sqlite")
    base = json.loads(run("scan", IMAGE, "--db", f"{t}/db.sqlite", "--format", "json").stdout)
    check(base.get("image_digest") == f"sha256:{DIGEST}" and len(base["findings"]) == 4,
          f"the image without VEX: {base.get('image_digest')} {[f['package'] for f in base['findings']]}")
    check(all(f["vex"] is None and f["purl"].startswith("pkg:apk/alpine/") for f in base["findings"]),
          "findings carry their purl and no vex")
    check(base["summary"]["suppressed"] == 0, f"summary {base['summary']}")

    oci = f"pkg:oci/alpine@sha256%3A{DIGEST}?repository_url=docker.io/library/alpine"
    SSL = ("ALPINE-CVE-2020-1967", "libssl1.1")
    CRYPTO = ("ALPINE-CVE-2020-1967", "libcrypto1.1")
    MUSL = ("ALPINE-CVE-2020-9999", "musl")

    # OpenVEX, the image by digest: both packages of the CVE.
    s, got = suppressed(t, openvex([{"vulnerability": {"name": "CVE-2020-1967"}, "products": [{"@id": oci}],
                                     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]))
    check(s == {SSL, CRYPTO}, f"OpenVEX by digest: {s}")
    check(got and got[SSL] == {"status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                                "source": f"{t}/vex.json"}, f"OpenVEX by digest: {got and got[SSL]}")
    # ... narrowed to a subcomponent; and another image's statement
    s, _ = suppressed(t, openvex([{"vulnerability": {"name": "ALPINE-CVE-2020-1967"},
                                   "products": [{"@id": oci, "subcomponents": [{"@id": "pkg:apk/alpine/libssl1.1"}]}],
                                   "status": "fixed"}]))
    check(s == {SSL}, f"OpenVEX, the image's subcomponent: {s}")
    s, _ = suppressed(t, openvex([{"vulnerability": {"name": "CVE-2020-1967"},
                                   "products": [{"@id": "pkg:oci/alpine@sha256%3A" + "0" * 64}],
                                   "status": "not_affected", "justification": "component_not_present"}]))
    check(s == set(), f"OpenVEX for another image: {s}")
    # a package by purl, with and without version; another package
    s, _ = suppressed(t, openvex([{"vulnerability": {"name": "CVE-2020-9999"},
                                   "products": [{"@id": "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64"}],
                                   "status": "not_affected", "impact_statement": "no DNS lookups"}]))
    check(s == {MUSL}, f"OpenVEX by purl: {s}")
    s, _ = suppressed(t, openvex([{"vulnerability": {"name": "CVE-2020-9999"},
                                   "products": [{"@id": "pkg:apk/alpine/musl@1.1.24-r3"},
                                                {"@id": "pkg:apk/alpine/glibc"}, {"@id": "pkg:deb/debian/musl"}],
                                   "status": "fixed"}]))
    check(s == set(), f"OpenVEX for other packages: {s}")
    s, _ = suppressed(t, openvex([{"vulnerability": {"name": "CVE-2020-9999"}, "products": [{"@id": oci}],
                                   "status": "under_investigation"}]))
    check(s == set(), f"under_investigation: {s}")

    # CycloneDX: the image as metadata.component, a component by bom-ref
    # (its purl) and the image as a whole.
    image = {"type": "container", "bom-ref": "alpine", "name": "alpine", "purl": oci}
    comps = [{"type": "library", "bom-ref": "musl-utils", "name": "musl-utils",
              "purl": "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=3.11.5"}]
    s, got = suppressed(t, cyclonedx([{"id": "CVE-2020-9999", "analysis": {"state": "not_affected",
                                                                         "justification": "requires_environment"},
                                       "affects": [{"ref": "musl-utils"}]},
                                      {"id": "ALPINE-CVE-2020-1967", "analysis": {"state": "resolved"},
                                       "affects": [{"ref": "alpine"}]}], image, comps))
    check(s == {("ALPINE-CVE-2020-9999", "musl-utils"), SSL, CRYPTO}, f"CycloneDX with the image: {s}")
    # a package product's VEX in another image's BOM does not apply
    other = dict(image, purl="pkg:oci/alpine@sha256%3A" + "1" * 64)
    s, _ = suppressed(t, cyclonedx([{"id": "CVE-2020-9999", "analysis": {"state": "false_positive"},
                                     "affects": [{"ref": "musl-utils"}]}], other, comps))
    check(s == set(), f"CycloneDX of another image: {s}")
    s, _ = suppressed(t, cyclonedx([{"id": "CVE-2020-9999", "analysis": {"state": "in_triage"},
                                     "affects": [{"ref": "pkg:apk/alpine/musl"}]}]))
    check(s == set(), f"CycloneDX in_triage: {s}")

    # The table marks them and counts them apart; --fail-on ignores them.
    doc = openvex([{"vulnerability": {"name": "CVE-2020-1967"}, "products": [{"@id": oci}],
                    "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}])
    r, _ = scan(t, doc, fmt="table")
    check("Total: 2 (CRITICAL: 0, HIGH: 2," in r.stdout and "2 suppressed by VEX" in r.stdout,
          f"table summary: {r.stdout}")
    check(sum("suppressed (VEX not_affected: vulnerable_code_not_in_execute_path)" in line
              for line in r.stdout.splitlines()) == 2, f"table rows: {r.stdout}")
    scan(t, doc, fmt="table", extra=("--fail-on", "CRITICAL"))
    scan(t, doc, fmt="table", extra=("--fail-on", "HIGH"), expect=1)
    # repeatable: two documents
    with open(f"{t}/musl.json", "w") as f:
        json.dump(openvex([{"vulnerability": {"name": "CVE-2020-9999"},
                            "products": [{"@id": "pkg:apk/alpine/musl@1.1.24-r2"},
                                         {"@id": "pkg:apk/alpine/musl-utils@1.1.24-r2"}],
                            "status": "fixed"}]), f)
    r, _ = scan(t, doc, extra=("--vex", f"{t}/musl.json", "--fail-on", "LOW"))
    check(json.loads(r.stdout)["summary"]["suppressed"] == 4 if r.returncode == 0 else False, "two --vex documents")
    # fixed for a package without version: it would suppress every version,
    # the vulnerable one installed too; left out, and said (stderr, JSON)
    r, path = scan(t, openvex([{"vulnerability": {"name": "CVE-2020-9999"}, "products": [{"@id": "pkg:apk/alpine/musl"}],
                                "status": "fixed"}]), extra=("--fail-on", "HIGH"), expect=1)
    d = json.loads(r.stdout)
    want = (f"VEX: {path}: statements[0]: 'fixed' for pkg:apk/alpine/musl, which names no version, is left out: a "
            "fixed statement names the versions that have the fix, and this one would suppress the finding in every "
            "version, the vulnerable ones too; name the fixed version (pkg:apk/alpine/musl@VERSION) or the image by "
            "digest")
    check(d["summary"]["suppressed"] == 0 and want in d["warnings"] and want in r.stderr,
          f"fixed without version: {d['summary']} {d['warnings']} {r.stderr}")

    # CycloneDX versions[].status: resolved with the installed version
    # affected and the fixed one unaffected suppresses nothing.
    s, _ = suppressed(t, cyclonedx([{"id": "CVE-2020-9999", "analysis": {"state": "resolved"},
                                     "affects": [{"ref": "pkg:apk/alpine/musl", "versions": [
                                         {"version": "1.1.24-r2", "status": "affected"},
                                         {"version": "1.2.4-r0", "status": "unaffected"}]}]}]))
    check(s == set(), f"CycloneDX, the installed version affected: {s}")

    # An advisory that covers two CVEs: a statement on one of them leaves
    # its findings counted, and the JSON warnings say which CVE is not
    # suppressed; one on the advisory itself suppresses them.
    os.mkdir(f"{t}/feed2")
    json.dump({"id": "PCX-2020-1", "modified": "2020-02-01T01:01:00Z", "aliases": ["CVE-2020-1967", "CVE-2020-1968"],
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "affected": [{"package": {"ecosystem": "Alpine:v3.11", "name": "openssl"},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1g-r0"}]}]}]},
              open(f"{t}/feed2/PCX-2020-1.json", "w"))
    run("db", "import", f"{t}/feed2", "--db", f"{t}/db2.sqlite")
    for name, want in (("CVE-2020-1967", 0), ("PCX-2020-1", 2)):
        with open(f"{t}/adv.json", "w") as f:
            json.dump(openvex([{"vulnerability": {"name": name}, "products": [{"@id": oci}],
                                "status": "not_affected", "justification": "component_not_present"}]), f)
        r = run("scan", IMAGE, "--db", f"{t}/db2.sqlite", "--vex", f"{t}/adv.json", "--format", "json")
        d = json.loads(r.stdout) if r.returncode == 0 else {"summary": {}, "warnings": []}
        partly = [w for w in d["warnings"] if w.startswith("VEX: PCX-2020-1 (")]
        check(d["summary"].get("suppressed") == want and len(partly) == 2 - want, f"{name}: {d['summary']} {partly}")
        check(all("suppress CVE-2020-1967 of it, not CVE-2020-1968 (no statement applies)" in w for w in partly),
              f"{name}: {partly}")
        check((want == 0) == ("warning: VEX: PCX-2020-1 (" in r.stderr), f"{name}: not said on stderr: {r.stderr}")

    # The image's SBOM (--format cyclonedx: the digest as metadata.component's
    # SHA-256 hash): a statement on the image by digest applies to it as to
    # the image file; not to an SBOM of another digest or of none.
    run("scan", IMAGE, "--db", f"{t}/db.sqlite", "--format", "cyclonedx", "--output", f"{t}/sbom.json")
    with open(f"{t}/sbom.json") as f:
        bom = json.load(f)
    check(bom["metadata"]["component"]["hashes"] == [{"alg": "SHA-256", "content": DIGEST}],
          f"the SBOM's subject hash: {bom['metadata']['component'].get('hashes')}")
    with open(f"{t}/vex.json", "w") as f:
        json.dump(openvex([{"vulnerability": {"name": "CVE-2020-1967"}, "products": [{"@id": oci}],
                            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]), f)
    for name, hashes, want in (("sbom.json", None, 2), ("other.json", [{"alg": "SHA-256", "content": "2" * 64}], 0),
                               ("nohash.json", [], 0)):
        if hashes is not None:
            bom["metadata"]["component"]["hashes"] = hashes
            with open(f"{t}/{name}", "w") as f:
                json.dump(bom, f)
        r = run("scan", "--sbom", f"{t}/{name}", "--db", f"{t}/db.sqlite", "--vex", f"{t}/vex.json",
                "--format", "json")
        d = json.loads(r.stdout) if r.returncode == 0 else {"summary": {}, "findings": []}
        check(d["summary"].get("suppressed") == want and len(d["findings"]) == 4,
              f"--sbom {name}: {d['summary']} {[f['vex'] for f in d['findings']]}")

    # Malformed: exit 2, the file and the field named, nothing suppressed.
    bad = openvex([{"vulnerability": {"name": "CVE-2020-1967"}, "products": [{"@id": oci}], "status": "fixd"}])
    r, path = scan(t, bad, name="bad.json", expect=2)
    check(f"{path}: statements[0].status: 'fixd' is not one of not_affected, affected, fixed or under_investigation"
          in r.stderr and not r.stdout, f"malformed: {r.stderr}")
    r, path = scan(t, cyclonedx([{"id": "CVE-2020-1967", "analysis": {"state": "not_affected",
                                                                   "justification": "code_not_present"},
                                  "affects": [{"ref": "nowhere"}]}]), name="bad-cdx.json", expect=2)
    check(f"{path}: vulnerabilities[0].affects[0]: ref 'nowhere' is neither a purl nor the bom-ref" in r.stderr,
          f"malformed CycloneDX: {r.stderr}")
    # a misspelt key of an OpenVEX product ("subcomponent") would widen the
    # statement to the whole image: refused
    r, path = scan(t, openvex([{"vulnerability": {"name": "CVE-2020-1967"},
                                "products": [{"@id": oci, "subcomponent": [{"@id": "pkg:apk/alpine/libssl1.1"}]}],
                                "status": "fixed"}]), name="typo.json", expect=2)
    check(f"{path}: statements[0].products[0]: 'subcomponent' is not a field of an OpenVEX product" in r.stderr,
          f"misspelt key: {r.stderr}")
    r, path = scan(t, '{"statements": [', name="cut.json", expect=2)
    check(f"{path}:1:" in r.stderr, f"not JSON: {r.stderr}")
    r = run("scan", IMAGE, "--db", f"{t}/db.sqlite", "--vex", f"{t}/none.json", expect=2)
    check(f"{t}/none.json" in r.stderr, f"missing file: {r.stderr}")
finally:
    shutil.rmtree(t)

finish()
