#!/usr/bin/env python3
"""`scan --format sarif` and `inventory`/`scan --format spdx-json` on a small
Debian 12 rootfs (dpkg status, a Python package in a folder whose name has
quotes, `<script>`, unicode, '%', '?', '#' and ':', an npm package the DB has
no data for) against the repo's example feed, osv.dev's PYSEC-2021-63 (from
the shared data) and a record with a hostile title:

- the SARIF log is validated by Microsoft's SARIF multitool (`validate`: the
  SARIF 2.1.0 schema, its SARIF rules and GitHub's ingestion rules) and must
  have no error; a deliberately broken copy must be rejected;
- the SPDX documents are validated with the official SPDX 2.3 JSON schema
  (tests/spdx/, python3-jsonschema) and a broken copy must be rejected;
- the content: one rule per advisory id, security-severity and levels,
  locations as relative percent-encoded URIs, what could not be checked as
  tool execution notifications and as results of the rule not-checked, the
  DB revision and time;
- the renderers' own cases (a VEX-suppressed finding, KEV/EPSS, the
  security-severity fallbacks, bytes that are not UTF-8) come from
  tests/test-report.c (its executable is the argument), whose documents are
  validated here too.

Skips (77) when the multitool or jsonschema is not installed
(scripts/install-deps.sh installs both), after the content checks."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

P = os.environ["PORTCULLIS"]
SRC = os.environ["PC_SOURCE_ROOT"]
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(SRC, "..", "shared", "data"))
UNIT = sys.argv[1] if len(sys.argv) > 1 else None   # tests/test-report
MULTITOOL = os.path.join(SRC, "tests", "sarif-validate", "node_modules", "@microsoft",
                         "sarif-multitool-linux", "Sarif.Multitool")
SPDX_SCHEMA = os.path.join(SRC, "tests", "spdx", "spdx-schema-2.3.json")
HOSTILE_DIR = 'opt/we"ird <script>\u00e9 %?#:x/site-packages'
HOSTILE_TITLE = 'Title with "quotes", <script>alert(1)</script>, \u00e9\u4e2d and a \u0001 control'

failures = []
skips = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def run(args, **kw):
    return subprocess.run([P] + args, capture_output=True, text=True, **kw)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def make_rootfs(root):
    write(f"{root}/usr/lib/os-release",
          'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
    os.makedirs(f"{root}/etc")
    os.symlink("../usr/lib/os-release", f"{root}/etc/os-release")
    write(f"{root}/var/lib/dpkg/status",
          "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\n"
          "Version: 7.88.1-10+deb12u3\n\n"
          "Package: apt\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.6.1\n")
    write(f"{root}/{HOSTILE_DIR}/cryptography-3.2.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: cryptography\nVersion: 3.2\n")
    write(f"{root}/app/node_modules/left-pad/package.json", '{"name": "left-pad", "version": "1.3.0"}\n')


def make_db(tmp):
    feed = f"{tmp}/feed"
    os.makedirs(feed)
    shutil.copy(os.path.join(SHARED, "vulndb", "osv.dev", "pypi-test_vuln.json"), feed)
    # written from the OSV schema: a MEDIUM CVSS v3.1 vector, a hostile title
    record = {"schema_version": "1.6.0", "id": "PCTEST-2026-0001", "modified": "2026-12-01T00:00:00Z",
              "summary": HOSTILE_TITLE,
              "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"}],
              "affected": [{"package": {"ecosystem": "PyPI", "name": "cryptography"},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "41.0.0"}]}]}]}
    write(f"{feed}/PCTEST-2026-0001.json", json.dumps(record))
    db = f"{tmp}/vulndb.sqlite"
    r = run(["db", "import", os.path.join(SRC, "feed"), feed, "--db", db])
    if r.returncode != 0:
        print(f"FAIL: db import: {r.stdout}{r.stderr}")
        sys.exit(1)
    return db


def multitool(path, out):
    """The validator's results (its own SARIF log) for path, or None."""
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
    r = subprocess.run([MULTITOOL, "validate", path, "-o", out, "--log", "ForceOverwrite",
                        "--rule-kind", "Sarif;Gh;Ghas"], capture_output=True, text=True, env=env, timeout=300)
    if r.returncode != 0 or not os.path.exists(out):
        fail(f"sarif-multitool validate {path}: exit {r.returncode}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
        return None
    with open(out, encoding="utf-8-sig") as f:
        log = json.load(f)
    run0 = log["runs"][0]
    for inv in run0.get("invocations", []):
        check(inv.get("executionSuccessful") is True, f"the validator's run on {path} did not succeed: {inv}")
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level", "warning") == "error":
                fail(f"the validator failed on {path}: {n}")
    return run0.get("results", [])


def text_of(result):
    m = result.get("message", {})
    return m.get("text") or " ".join(map(str, m.get("arguments", [])))


def validate_sarif(path, tmp):
    """No error from the validator; returns its results (None when absent)."""
    if not os.access(MULTITOOL, os.X_OK):
        return None
    results = multitool(path, f"{tmp}/validation.sarif")
    if results is None:
        return None
    errors = [r for r in results if r.get("level", "warning") == "error"]
    check(not errors, f"{path}: the validator reports errors: " +
          "; ".join(f"{r['ruleId']}: {text_of(r)}" for r in errors[:10]))
    return results


def validate_spdx(doc, what):
    validator = spdx_validator()
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    check(not errors, f"{what}: not valid SPDX 2.3: " +
          "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:10]))
    return errors


_validator = []


def spdx_validator():
    if not _validator:
        try:
            import jsonschema
        except ImportError:
            _validator.append(None)
            return None
        with open(SPDX_SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft201909Validator.check_schema(schema)
        _validator.append(jsonschema.Draft201909Validator(schema))
    return _validator[0]


def sarif_content(log, scan):
    check(log["version"] == "2.1.0", "version 2.1.0")
    run0 = log["runs"][0]
    driver = run0["tool"]["driver"]
    check(driver["name"] == "Portcullis" and driver.get("version"), f"driver: {driver.get('name')}")
    rules = {r["id"]: r for r in driver["rules"]}
    ids = [f["id"] for f in scan["findings"]] + (["not-checked"] if scan["unchecked"] else [])
    check(set(rules) == set(ids) and len(driver["rules"]) == len(rules),
          f"one rule per advisory id, and not-checked's: {sorted(rules)} vs {sorted(set(ids))}")
    results = run0["results"]
    nc = [r for r in results if r["ruleId"] == "not-checked"]
    check(len(results) == len(scan["findings"]) + len(scan["unchecked"]) and len(nc) == len(scan["unchecked"]),
          f"{len(results)} results for {len(scan['findings'])} findings and {len(scan['unchecked'])} not checked")
    for res in results:
        check(driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"], f"ruleIndex of {res['ruleId']}")
    for u in scan["unchecked"]:
        r = [r for r in nc if r["properties"]["subject"] == u["subject"]]
        check(r and u["reason"] in r[0]["message"]["text"] and r[0]["level"] == "error", f"not-checked {u}: {r}")
    results = [r for r in results if r["ruleId"] != "not-checked"]

    curl = rules.get("PCEX-CVE-2023-38545", {})
    check(curl.get("properties", {}).get("security-severity") == "9.8", f"CVSS 9.8: {curl.get('properties')}")
    check(curl.get("helpUri") == "https://osv.dev/vulnerability/PCEX-CVE-2023-38545", f"helpUri {curl.get('helpUri')}")
    check(curl.get("properties", {}).get("tags") == ["security", "Debian:12"], f"tags {curl.get('properties')}")
    apt = rules.get("PCEX-CVE-2011-3374", {})
    check(apt.get("properties", {}).get("security-severity") == "3.7", f"apt's CVSS: {apt.get('properties')}")
    hostile = rules.get("PCTEST-2026-0001", {})
    check(hostile.get("shortDescription", {}).get("text") == HOSTILE_TITLE.replace("\u0001", "?")
          or hostile.get("shortDescription", {}).get("text") == HOSTILE_TITLE,
          f"the hostile title comes back as it was: {hostile.get('shortDescription')}")
    check(hostile.get("properties", {}).get("security-severity") == "4.2", f"MEDIUM 4.2: {hostile.get('properties')}")
    pysec = rules.get("PYSEC-2021-63", {})
    check(pysec and "security-severity" not in pysec.get("properties", {}),
          f"no CVSS and UNKNOWN severity: no security-severity: {pysec.get('properties')}")

    by_rule = {}
    for res in results:
        by_rule.setdefault(res["ruleId"], []).append(res)
    levels = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "NONE": "note",
              "UNKNOWN": "note"}
    for f in scan["findings"]:
        rs = [r for r in by_rule.get(f["id"], []) if r["properties"]["package"] == f["package"]]
        if not check(len(rs) == 1, f"one result for {f['id']} {f['package']}"):
            continue
        r = rs[0]
        check(r["level"] == levels[f["severity"]], f"{f['id']}: level {r['level']} for {f['severity']}")
        msg = r["message"]["text"]
        check(f["package"] in msg and f["installed_version"] in msg and (f["fixed_version"] or "no fixed") in msg,
              f"{f['id']}: the message names package, installed and fixed version: {msg}")
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        want = urllib.parse.quote(f["path"].lstrip("/"), safe="/")
        check(uri == want, f"{f['id']}: uri {uri!r}, wanted {want!r}")
        check(not uri.startswith("/") and all(c not in uri for c in ' "<>#?'), f"{uri!r} is a relative reference")
        check(urllib.parse.unquote(uri) == f["path"].lstrip("/"), f"{uri!r} decodes to the path")
    crypto = [r for r in results if r["properties"]["package"] == "cryptography"]
    check(len(crypto) == 2 and all(HOSTILE_DIR.replace(" ", "%20").split("/")[0] in
                                   r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in crypto),
          "the Python package's findings are located in the hostile folder")
    fps = [json.dumps(r["partialFingerprints"], sort_keys=True) for r in results]
    check(len(set(fps)) == len(fps), "a partialFingerprint per result")

    notes = run0["invocations"][0]["toolExecutionNotifications"]
    unchecked = [n for n in notes if n["descriptor"]["id"] == "not-checked"]
    check(len(unchecked) == len(scan["unchecked"]) and len(unchecked) > 0,
          f"every unchecked item is a notification: {len(unchecked)} vs {scan['unchecked']}")
    for u in scan["unchecked"]:
        n = [n for n in unchecked if n["properties"]["subject"] == u["subject"]]
        check(n and u["reason"] in n[0]["message"]["text"] and n[0]["level"] == "error"
              and n[0]["properties"]["kind"] == u["kind"], f"unchecked {u['subject']}: {n}")
    check(any(n["properties"]["subject"] == "npm" for n in unchecked), "npm (no data) is not checked")

    props = run0["properties"]
    check(props["dbRevision"] == scan["revision"] and props["dbTime"] == scan.get("db_time"),
          f"the run names the DB revision and time: {props}")
    check(isinstance(props["dbAgeHours"], int) and props["target"] == scan["target"], f"run properties {props}")
    check(scan["revision"] in run0["automationDetails"]["description"]["text"], "the description names the revision")


def spdx_content(doc, inv, target):
    check(doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0", "SPDX 2.3, CC0-1.0")
    check(doc["creationInfo"]["creators"][0].startswith("Tool: portcullis-"), f"creators {doc['creationInfo']}")
    check(doc["documentNamespace"].startswith("https://") and "#" not in doc["documentNamespace"],
          f"namespace {doc['documentNamespace']}")
    pkgs = {p["SPDXID"]: p for p in doc["packages"]}
    check(len(pkgs) == len(doc["packages"]), "unique SPDXIDs")
    check(pkgs["SPDXRef-Target"]["name"] == target, "the target package")
    osp = pkgs.get("SPDXRef-OperatingSystem", {})
    check(osp.get("primaryPackagePurpose") == "OPERATING-SYSTEM" and osp.get("name") == "debian"
          and osp.get("versionInfo") == "12", f"the OS package {osp}")
    rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]}
    check(("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Target") in rels, "DESCRIBES")
    check(("SPDXRef-Target", "CONTAINS", "SPDXRef-OperatingSystem") in rels, "CONTAINS the OS")
    mine = [p for p in doc["packages"] if p["SPDXID"].startswith("SPDXRef-Package-")]
    check(len(mine) == len(inv["packages"]), f"{len(mine)} packages for {len(inv['packages'])}")
    for want in inv["packages"]:
        got = [p for p in mine if p["name"] == want["name"] and p.get("versionInfo") == want["version"]]
        if not check(len(got) == 1, f"package {want['name']} {want['version']}"):
            continue
        p = got[0]
        check(("SPDXRef-Target", "CONTAINS", p["SPDXID"]) in rels, f"CONTAINS {p['SPDXID']}")
        check(p["supplier"] == "NOASSERTION" and p["downloadLocation"] == "NOASSERTION", f"NOASSERTION {p}")
        check(p["externalRefs"] == [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                     "referenceLocator": want["purl"]}], f"purl of {want['name']}: {p}")
        check(want["origin_file"] in p.get("sourceInfo", ""), f"the file {want['name']} came from: {p}")
    curl = [p for p in mine if p["name"] == "libcurl4"]
    check(curl and "source package curl 7.88.1-10+deb12u3" in curl[0]["sourceInfo"], "the source package")


def broken_sarif_rejected(path, tmp):
    """The validator is not vacuous: a result without a message breaks the
    schema; an absolute path given as a relative reference breaks SARIF1004."""
    breakers = [("schema", lambda res: res[0].pop("message"), lambda rules: any(r.startswith("JSON") for r in rules)),
                ("SARIF1004", lambda res: res[1]["locations"][0]["physicalLocation"]["artifactLocation"].update(
                    uri="/var/lib/dpkg/status"), lambda rules: "SARIF1004" in rules)]
    for what, breaker, rejected in breakers:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
        breaker(log["runs"][0]["results"])
        broken = f"{tmp}/broken.sarif"
        write(broken, json.dumps(log))
        results = multitool(broken, f"{tmp}/validation-broken.sarif")
        if results is None:
            continue
        rules = {r["ruleId"] for r in results if r.get("level", "warning") == "error"}
        check(rejected(rules), f"a broken log ({what}) is rejected: {sorted(rules)}")


def main():
    tmp = tempfile.mkdtemp()
    try:
        root = f"{tmp}/rootfs"
        make_rootfs(root)
        db = make_db(tmp)

        r = run(["scan", root, "--db", db, "--format", "json"])
        check(r.returncode == 0, f"scan json: {r.stderr}")
        scan = json.loads(r.stdout)
        ids = {f["id"] for f in scan["findings"]}
        check({"PCEX-CVE-2023-38545", "PCEX-CVE-2011-3374", "PYSEC-2021-63", "PCTEST-2026-0001"} <= ids,
              f"the findings the test is about: {sorted(ids)}")

        r = run(["scan", root, "--db", db, "--format", "sarif", "--output", f"{tmp}/scan.sarif"])
        check(r.returncode == 0, f"scan --format sarif: exit {r.returncode}: {r.stderr}")
        with open(f"{tmp}/scan.sarif", encoding="utf-8") as f:
            sarif = json.load(f)
        sarif_content(sarif, scan)

        r = run(["inventory", root, "--format", "json"])
        inv = json.loads(r.stdout)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1764806400")
        r = run(["inventory", root, "--format", "spdx-json"], env=env)
        check(r.returncode == 0, f"inventory --format spdx-json: {r.stderr}")
        spdx = json.loads(r.stdout)
        spdx_content(spdx, inv, root)
        check(spdx["creationInfo"]["created"] == "2025-12-04T00:00:00Z", f"SOURCE_DATE_EPOCH: {spdx['creationInfo']}")
        again = json.loads(run(["inventory", root, "--format", "spdx-json"], env=env).stdout)
        check(again == spdx, "the same inventory gives the same document (namespace included)")
        r = run(["scan", root, "--db", db, "--format", "spdx-json"], env=env)
        check(r.returncode == 0, f"scan --format spdx-json: {r.stderr}")
        scan_spdx = json.loads(r.stdout)
        check(scan_spdx["packages"] == spdx["packages"], "scan renders the inventory as inventory does")
        check(scan["revision"] in scan_spdx.get("comment", ""), "the scan's document names the DB revision")

        unit = {}
        if UNIT:
            out = f"{tmp}/unit"
            os.makedirs(out)
            u = subprocess.run([UNIT], capture_output=True, text=True, env=dict(os.environ, PC_REPORT_OUT=out))
            check(u.returncode == 0, f"test-report: {u.stdout}{u.stderr}")
            for name in sorted(os.listdir(out)):
                with open(f"{out}/{name}", encoding="utf-8") as f:
                    unit[name] = f.read()
            check({"scan.sarif", "scan.spdx.json"} <= set(unit), f"test-report wrote {sorted(unit)}")

        if validate_sarif(f"{tmp}/scan.sarif", tmp) is None:
            skips.append("Microsoft's SARIF multitool is not installed (scripts/install-deps.sh: "
                         "tests/sarif-validate, and its Sarif.Multitool executable)")
        else:
            print(f"sarif-multitool: {tmp}/scan.sarif has no error")
            broken_sarif_rejected(f"{tmp}/scan.sarif", tmp)
            for name, text in unit.items():
                if name.endswith(".sarif"):
                    write(f"{tmp}/unit-{name}", text)
                    validate_sarif(f"{tmp}/unit-{name}", tmp)
                    print(f"sarif-multitool: test-report's {name} has no error")

        if spdx_validator() is None:
            skips.append("python3-jsonschema is not installed")
        else:
            validate_spdx(spdx, "inventory --format spdx-json")
            validate_spdx(scan_spdx, "scan --format spdx-json")
            for name, text in unit.items():
                if name.endswith(".spdx.json"):
                    validate_spdx(json.loads(text), f"test-report's {name}")
            broken = json.loads(json.dumps(spdx))
            del broken["documentNamespace"]
            broken["packages"][0]["SPDXID"] = "SPDXRef-not valid"
            errs = list(spdx_validator().iter_errors(broken))
            check(len(errs) >= 2, f"a broken document is rejected: {[e.message for e in errs]}")
            print("SPDX 2.3 schema: the documents are valid")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if failures:
        print(f"{len(failures)} failed")
        return 1
    if skips:
        print("skip: " + "; ".join(skips) + " (the content checks passed)")
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
