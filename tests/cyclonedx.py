#!/usr/bin/env python3
"""CycloneDX out and back in (issue 14).

- `inventory` and `scan --format cyclonedx` validated against the official
  CycloneDX 1.6 schema by the CycloneDX project's own validator
  (@cyclonedx/cyclonedx-library's JsonStrictValidator, tests/cyclonedx/),
  and a broken document rejected by it (so the check is not vacuous);
- the round trip: our SBOM of a rootfs fed to `scan --sbom` gives the same
  findings (id x package x installed version x file) as the rootfs scan, on
  a Debian rootfs (this machine's own dpkg database), on a rootfs of language
  packages (../shared/data's real metadata files, jars, Go binaries and npm
  trees) and on a real `docker save` image (../shared/data's alpine 3.11).
  The database holds, besides the example feed's Debian records, one OSV
  record per package of the rootfs, affecting exactly its installed version
  (the source package's, for a distribution), and one affecting another
  version only: a package read back with another name, version, ecosystem or
  source package loses or gains findings;
- a suppressed finding (VEX) rendered with its analysis;
- malformed SBOMs: exit 2 with the file and the field named; a purl of an
  unknown type listed as not checked (unknown_purl), never dropped.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from pctest import check, finish, run  # noqa: E402

P = os.environ["PORTCULLIS"]
SRC = os.environ["PC_SOURCE_ROOT"]
DATA = os.environ.get("PC_SHARED_DATA", "")
VALIDATOR = os.path.join(SRC, "tests", "cyclonedx", "validate.js")
have_validator = (shutil.which("node") and
                  os.path.isdir(os.path.join(SRC, "tests", "cyclonedx", "node_modules", "@cyclonedx")))


def validate(path, valid=True):
    if not have_validator:
        return
    r = subprocess.run(["node", VALIDATOR, "1.6", path], capture_output=True, text=True)
    check((r.returncode == 0) == valid, f"{path}: the CycloneDX validator says exit {r.returncode} "
          f"(wanted {'valid' if valid else 'invalid'}): {r.stderr[-1500:]}")


def osv_records(inventory, tag):
    """One record per (ecosystem, lookup name, lookup version) of the
    inventory affecting exactly that version, and one for another version."""
    out, seen = [], set()
    for p in inventory["packages"]:
        if not p["ecosystem"]:
            continue
        key = (p["ecosystem"], p["source_name"] or p["name"], p["source_version"] or p["version"])
        if key in seen:
            continue
        seen.add(key)
        n = len(out)
        out.append({"id": f"PCRT-{tag}-{n}", "modified": "2024-01-01T00:00:00Z", "summary": f"test record {n}",
                    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                    "affected": [{"package": {"ecosystem": key[0], "name": key[1]}, "versions": [key[2]]}]})
        out.append({"id": f"PCRT-{tag}-{n}-other", "modified": "2024-01-01T00:00:00Z",
                    "affected": [{"package": {"ecosystem": key[0], "name": key[1]},
                                  "versions": [key[2] + ".999"]}]})
    return out


def findings(scan):
    return sorted((f["id"], f["package"], f["installed_version"], f["ecosystem"] or "", f["path"] or "",
                   f["fixed_version"] or "", f["severity"]) for f in scan["findings"])


def round_trip(name, target, t):
    """target's inventory → a DB of its own records; scan target; SBOM of
    the target (from inventory and from scan) → scan --sbom; same findings."""
    inv = json.loads(run("inventory", target, "--format", "json").stdout)
    check(len(inv["packages"]) > 0, f"{name}: no packages in the inventory")
    d = f"{t}/{name}-feed"
    os.makedirs(d)
    for rec in osv_records(inv, name):
        with open(f"{d}/{rec['id']}.json", "w") as f:
            json.dump(rec, f)
    db = f"{t}/{name}.sqlite"
    run("db", "import", d, f"{SRC}/feed", "--db", db)

    direct = json.loads(run("scan", target, "--db", db, "--format", "json").stdout)
    # every package checked has its record (those not checked are listed)
    checked = len([p for p in inv["packages"] if p["ecosystem"]]) - direct["summary"]["not_checked"]
    check(len(direct["findings"]) >= checked > 0,
          f"{name}: {len(direct['findings'])} findings for {checked} packages checked")
    for kind in ("inventory", "scan"):
        sbom = f"{t}/{name}-{kind}.cdx.json"
        args = [kind, target, "--format", "cyclonedx", "--output", sbom] + (["--db", db] if kind == "scan" else [])
        run(*args)
        validate(sbom)
        back = json.loads(run("scan", "--sbom", sbom, "--db", db, "--format", "json").stdout)
        a, b = findings(direct), findings(back)
        check(a == b, f"{name}: scan --sbom of the {kind} SBOM differs from the rootfs scan: "
              f"{len(a)} against {len(b)}; only rootfs {sorted(set(a) - set(b))[:5]}, "
              f"only SBOM {sorted(set(b) - set(a))[:5]}")
        check(back["os"] == direct["os"], f"{name}: OS {back['os']} against {direct['os']}")
        check(back["packages"] == direct["packages"], f"{name}: {back['packages']} packages, not {direct['packages']}")
        # the same notes, each naming where the OS came from
        origin = [dict(u, reason=u["reason"].replace("the SBOM's operating-system component", "etc/os-release"))
                  for u in back["unchecked"]]
        check(origin == direct["unchecked"],
              f"{name}: unchecked {back['unchecked'][:3]} against {direct['unchecked'][:3]}")
    doc = json.load(open(f"{t}/{name}-scan.cdx.json"))
    check(len(doc["vulnerabilities"]) == len(direct["findings"]),
          f"{name}: {len(doc['vulnerabilities'])} vulnerabilities for {len(direct['findings'])} findings")
    refs = {c["bom-ref"] for c in doc["components"]}
    check(len(refs) == len(doc["components"]), f"{name}: bom-refs are not unique")
    check(all(v["affects"][0]["ref"] in refs for v in doc["vulnerabilities"]), f"{name}: affects a missing ref")
    props = {p["name"]: p["value"] for p in doc["metadata"].get("properties", [])}
    check(props.get("portcullis:db_revision") == direct["revision"] and "portcullis:db_time" in props,
          f"{name}: the DB revision and time are not in metadata.properties: {props}")
    print(f"{name}: {len(direct['findings'])} findings of {len(inv['packages'])} packages, the same through the SBOM")
    return db, doc


def debian_rootfs(r):
    os.makedirs(f"{r}/etc")
    os.makedirs(f"{r}/var/lib/dpkg")
    shutil.copy("/etc/os-release", f"{r}/etc/os-release")
    shutil.copy("/var/lib/dpkg/status", f"{r}/var/lib/dpkg/status")


def lang_rootfs(r):
    lang = f"{DATA}/langpkg/trivy"
    os.makedirs(f"{r}/etc")
    with open(f"{r}/etc/os-release", "w") as f:
        f.write('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
    site = f"{r}/usr/lib/python3/dist-packages"
    os.makedirs(site)
    for m in sorted(os.listdir(f"{lang}/python")):
        if m.endswith(".METADATA"):
            os.makedirs(f"{site}/{m[:-len('.METADATA')]}.dist-info")
            shutil.copy(f"{lang}/python/{m}", f"{site}/{m[:-len('.METADATA')]}.dist-info/METADATA")
    shutil.copytree(f"{lang}/npm/npm-analyzer-happy", f"{r}/srv/app")
    os.makedirs(f"{r}/opt/lib")
    for j in sorted(os.listdir(f"{lang}/java")):
        if j.endswith(".jar"):
            shutil.copy(f"{lang}/java/{j}", f"{r}/opt/lib/{j}")
    os.makedirs(f"{r}/usr/local/bin")
    for g in sorted(os.listdir(f"{lang}/go")):
        shutil.copy(f"{lang}/go/{g}", f"{r}/usr/local/bin/{g}")
        os.chmod(f"{r}/usr/local/bin/{g}", 0o755)


def malformed(t, db):
    cases = [
        ("not-json", "{", "not valid JSON"),
        ("not-cdx", '{"bomFormat": "SPDX", "specVersion": "1.6"}', "bomFormat"),
        ("spec", '{"bomFormat": "CycloneDX", "specVersion": "9.9"}', "specVersion"),
        ("components", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}}', "'components' must be an array"),
        ("purl-type", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", '
                      '"name": "x", "purl": 7}]}', "components[0]: 'purl' must be a string"),
        ("purl", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", '
                 '"name": "x"}, {"type": "library", "name": "y", "purl": "npm/y@1"}]}',
         "components[1]: 'purl' 'npm/y@1' is not a package URL"),
        ("escape", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", '
                   '"name": "x", "purl": "pkg:npm/x@1%zz"}]}', "percent-encoding"),
        ("props", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", '
                  '"name": "x", "purl": "pkg:npm/x@1", "properties": [{"name": 1}]}]}',
         "components[0].properties[0]: 'name' must be a string"),
        ("nested", '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", '
                   '"name": "x", "components": [{"type": "library", "name": "y", "purl": "pkg:npm/y@1%01"}]}]}',
         "components[0].components[0]"),
        ("dup", '{"bomFormat": "CycloneDX", "bomFormat": "CycloneDX", "specVersion": "1.6"}', "duplicate"),
    ]
    for name, text, want in cases:
        path = f"{t}/bad-{name}.json"
        with open(path, "w") as f:
            f.write(text)
        r = run("scan", "--sbom", path, "--db", db, expect=2)
        check(path in r.stderr and want in r.stderr, f"malformed {name}: the error names neither file nor field: "
              f"{r.stderr.strip()}")
    run("scan", "--sbom", f"{t}/missing.json", "--db", db, expect=2)
    run("scan", "--sbom", f"{t}/bad-not-json.json", "/", "--db", db, expect=2)

    # what can't be mapped is listed, never dropped; a good component still counts
    path = f"{t}/unknown.json"
    with open(path, "w") as f:
        json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "zlib", "version": "1.2.11", "purl": "pkg:conan/zlib@1.2.11"},
            {"type": "library", "name": "noversion", "purl": "pkg:npm/noversion"},
            {"type": "application", "name": "nopurl", "version": "1"},
            {"type": "file", "name": "README"},
            {"type": "library", "name": "minimist", "version": "1.2.0", "purl": "pkg:npm/minimist@1.2.0"}]}, f)
    r = run("scan", "--sbom", path, "--db", db, "--format", "json", "--fail-on", "CRITICAL", expect=1)
    scan = json.loads(r.stdout)
    kinds = sorted((u["kind"], u["subject"]) for u in scan["unchecked"])
    check(("unknown_purl", "pkg:conan/zlib@1.2.11") in kinds and ("unknown_purl", "pkg:npm/noversion") in kinds
          and any(s.startswith("nopurl 1") for k, s in kinds) and len([k for k in kinds if k[0] == "unknown_purl"]) == 3,
          f"unmapped components not listed as unknown_purl: {kinds}")
    check(scan["packages"] == 1, f"the one mappable component is not a package: {scan['packages']}")
    check("not checked: pkg:conan/zlib@1.2.11" in r.stderr, f"stderr does not say what was not checked: {r.stderr}")


def foreign(t, db):
    """Another tool's SBOM shape: Syft's upstream qualifier and distro
    qualifier, Trivy's properties, no OS component, a Maven component whose
    name is the artifact only."""
    path = f"{t}/foreign.json"
    with open(path, "w") as f:
        json.dump({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [
            {"type": "library", "name": "libcurl4", "version": "7.88.1-10+deb12u3",
             "purl": "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u3?arch=amd64&upstream=curl&distro=debian-12"},
            {"type": "library", "name": "libcurl3-gnutls", "version": "7.88.1-10+deb12u3",
             "purl": "pkg:deb/debian/libcurl3-gnutls@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12",
             "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "curl"}]},
            {"type": "library", "group": "org.example", "name": "lib", "version": "1.0",
             "purl": "pkg:maven/org.example/lib@1.0"}]}, f)
    scan = json.loads(run("scan", "--sbom", path, "--db", db, "--format", "json").stdout)
    got = {(f["id"], f["package"]) for f in scan["findings"]}
    check(("PCEX-CVE-2023-38545", "libcurl4") in got and ("PCEX-CVE-2023-38545", "libcurl3-gnutls") in got,
          f"a foreign SBOM's Debian packages are not matched by their source package: {sorted(got)[:8]}")
    check(scan["os"]["ecosystem"] == "Debian:12", f"the OS from the distro qualifier: {scan['os']}")
    inv_pkgs = {(u["kind"]) for u in scan["unchecked"]}
    check("unknown_os" not in inv_pkgs, f"foreign: {scan['unchecked']}")


def vex_analysis(t, db, rootfs):
    """A suppressed finding: the VEX fields the match result carries are
    rendered as CycloneDX's analysis (the VEX reader fills them; here the
    scan JSON is not the input, so this checks the renderer through
    --format json and cyclonedx of the same scan only where VEX exists)."""
    r = subprocess.run([P, "scan", "--help"], capture_output=True, text=True)
    if "--vex" not in r.stdout + r.stderr:
        print("vex: no --vex in this build yet; the analysis part is skipped")
        return
    vex = f"{t}/vex.json"
    scan = json.loads(run("scan", rootfs, "--db", db, "--format", "json").stdout)
    f0 = scan["findings"][0]
    with open(vex, "w") as f:
        json.dump({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
                   "author": "test", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
                   "statements": [{"vulnerability": {"name": f0["id"]},
                                   "products": [{"@id": "pkg:deb/debian/" + f0["package"]}],
                                   "status": "not_affected",
                                   "justification": "vulnerable_code_not_in_execute_path"}]}, f)
    out = f"{t}/vex.cdx.json"
    run("scan", rootfs, "--db", db, "--vex", vex, "--format", "cyclonedx", "--output", out)
    validate(out)
    doc = json.load(open(out))
    an = [v["analysis"] for v in doc["vulnerabilities"] if "analysis" in v]
    check(an and an[0]["state"] == "not_affected" and an[0].get("justification") == "code_not_reachable",
          f"vex: the analysis is {an[:1]}")


t = tempfile.mkdtemp(prefix="pc-cdx-")
try:
    if not have_validator:
        print("note: the CycloneDX validator is not installed (scripts/install-deps.sh); schema checks skipped")
    else:
        bad = f"{t}/broken.json"
        with open(bad, "w") as f:
            json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                       "components": [{"type": "libary", "name": "x"}],
                       "vulnerabilities": [{"id": "X", "ratings": [{"severity": "HIGH"}]}]}, f)
        validate(bad, valid=False)

    rootfs = f"{t}/debian"
    if os.path.exists("/var/lib/dpkg/status") and os.path.exists("/etc/os-release"):
        debian_rootfs(rootfs)
        db, doc = round_trip("debian", rootfs, t)
        osc = [c for c in doc["components"] if c["type"] == "operating-system"]
        check(len(osc) == 1 and osc[0]["name"] == "debian", f"the OS component: {osc}")
        c0 = next(c for c in doc["components"] if c["type"] == "library")
        cprops = {p["name"]: p["value"] for p in c0["properties"]}
        check(cprops.get("portcullis:file") == "/var/lib/dpkg/status" and c0["purl"].startswith("pkg:deb/"),
              f"a dpkg component: {c0}")
        v0 = doc["vulnerabilities"][0]
        check(v0["ratings"][0].get("method") == "CVSSv31" and v0["ratings"][0]["severity"] == "critical" and
              v0["source"]["name"] == "OSV", f"a vulnerability's rating and source: {v0}")
        malformed(t, db)
        foreign(t, db)
        vex_analysis(t, db, rootfs)
    else:
        print("debian: this machine has no dpkg database; part skipped")

    if DATA and os.path.isdir(f"{DATA}/langpkg/trivy"):
        lang_rootfs(f"{t}/lang")
        _, doc = round_trip("lang", f"{t}/lang", t)
        ecos = {p["value"] for c in doc["components"] for p in c.get("properties", [])
                if p["name"] == "portcullis:ecosystem"}
        check({"PyPI", "npm", "Maven", "Go"} <= ecos, f"lang: ecosystems {ecos}")
    else:
        print("lang: no ../shared/data/langpkg; part skipped")

    image = f"{DATA}/rootfs/trivy/alpine-311.tar.gz"
    if DATA and os.path.exists(image):
        _, doc = round_trip("alpine-image", image, t)
        comp = doc["metadata"]["component"]
        check(comp["type"] == "container" and comp["hashes"][0]["alg"] == "SHA-256" and
              comp.get("purl", "").startswith("pkg:oci/alpine@sha256%3A"), f"the image component: {comp}")
    else:
        print("alpine-image: no ../shared/data image; part skipped")
finally:
    shutil.rmtree(t, ignore_errors=True)

finish()
