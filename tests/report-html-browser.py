#!/usr/bin/env python3
"""The HTML pages as a browser shows them: `scan --format html`, `inventory
--format html`, `report --html` and the sample scan of tests/test-report-html.c
(KEV, EPSS, VEX) opened in headless Chromium through its DevTools protocol.
It clicks the severity filter and column headers and checks the rows shown
and their order, checks that hostile names (a package named
<script>alert(1)</script>, an advisory's title, the target's path, an image
name in the audit log) show as text and run nothing, and that no request
leaves the page; screenshots go to the build folder (the paths are printed).
Skips (77) without Chromium."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, CDPError, find_chromium  # noqa: E402
from pctest import check, finish, run  # noqa: E402

P = os.environ["PORTCULLIS"]
SRC = os.environ["PC_SOURCE_ROOT"]
BUILD = os.environ.get("PC_BUILD_ROOT", tempfile.gettempdir())
SAMPLE = sys.argv[1]




# The visible rows of #rows: [data-cat, text of column c, ...] per row.
def rows(page, *cols):
    return page.eval(f"""Array.from(document.querySelectorAll('#rows tbody tr'))
        .filter(r => !r.hidden && r.getClientRects().length > 0)
        .map(r => [r.dataset.cat].concat({json.dumps(list(cols))}.map(c =>
            (r.cells[c].querySelector('.pkg, a') || r.cells[c]).innerText.trim())))""")


def column(page, label):
    return page.eval(f"""Array.from(document.querySelectorAll('#rows thead th'))
        .findIndex(h => h.textContent.trim() === {json.dumps(label)})""")


def check_closed(page, name):
    """Nothing ran, nothing was injected, nothing left the page."""
    page.settle(0.3)
    check(page.dialogs == [], f"{name}: dialogs opened: {page.dialogs}")
    check(page.exceptions == [], f"{name}: exceptions: {page.exceptions}")
    others = [u for u in page.requests + page.refused if u != page.url]
    check(others == [], f"{name}: requests left the page: {others}")
    check(page.url in page.requests, f"{name}: the page's own load was not seen ({page.requests}): the "
          "request log is not working")
    csp = [t for (_, _, t) in page.logs if "Content Security Policy" in (t or "")]
    check(csp == [], f"{name}: the page broke its own policy: {csp}")
    check(page.eval("document.scripts.length") == 1, f"{name}: more than our one script")
    check(page.eval("document.querySelectorAll('img, iframe, object, embed, [onerror], [onload], "
                    "[onclick], [src]').length") == 0, f"{name}: an injected element")
    check(page.eval("window.__pwned === undefined"), f"{name}: something ran")


def check_policy_holds(page, name):
    """The policy itself: an injected script does not run and a request is
    refused before it is sent (a violation logged, nothing on the wire)."""
    page.eval("""(() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';
        document.body.appendChild(s); new Image().src = 'http://127.0.0.1:9/leak.png'; return 1; })()""")
    page.eval("fetch('http://127.0.0.1:9/leak').then(() => 'sent', () => 'refused')")
    page.settle(0.3)
    check(page.eval("window.__pwned === undefined"), f"{name}: an injected inline script ran")
    csp = [t for (_, _, t) in page.logs if "Content Security Policy" in (t or "")]
    check(len(csp) >= 2, f"{name}: no Content-Security-Policy violation logged for an injected script and "
          f"request: {page.logs}")
    leaked = [u for u in page.refused if "127.0.0.1:9" in u]
    check(leaked == [], f"{name}: a request reached the network stack despite the policy: {leaked}")
    tried = [u for u in page.requests if "127.0.0.1:9" in u]
    check(all(page.blocked.get(u) == "csp" for u in tried), f"{name}: not blocked by the policy: {tried} "
          f"{page.blocked}")


def control_page(browser, tmp):
    """The recorder itself: a page without our policy that asks for an image
    must show up as a refused request (else 'no request' proves nothing)."""
    path = os.path.join(tmp, "control.html")
    with open(path, "w") as f:
        f.write('<!DOCTYPE html><p>control</p><img src="http://127.0.0.1:9/probe.png">')
    page = browser.open("file://" + path)
    page.settle(0.5)
    check(any("127.0.0.1:9/probe.png" in u for u in page.refused),
          f"the control page's image request was not intercepted: {page.requests} {page.refused}")


def sample_scan(browser, shots):
    page = browser.open("file://" + os.path.join(tmp, "sample-scan.html"))
    check(page.eval("document.title") == "Portcullis scan: registry.example/app:<1>", "sample: title")
    adv, pkg, cvss = column(page, "Advisory"), column(page, "Package"), column(page, "CVSS")
    check(column(page, "EPSS") > 0 and column(page, "KEV") > 0, "sample: KEV and EPSS columns")
    got = rows(page, adv)
    check([r[0] for r in got] == ["CRITICAL", "HIGH", "HIGH", "MEDIUM", "LOW", "LOW", "UNKNOWN"],
          f"sample: initial rows {got}")
    check(page.eval("document.getElementById('shown').textContent") == "7 of 7 shown", "sample: shown count")
    # the hostile package, as text
    cell = page.eval("document.querySelectorAll('#rows tbody tr')[1].querySelector('.pkg').textContent")
    check(cell == "<script>alert(1)</script>", f"sample: hostile package shown as {cell!r}")
    check(page.eval("document.querySelectorAll('#rows tbody tr')[1].cells[%d].textContent" % column(page, "Title"))
          == "<img src=x onerror=alert(2)> in the title", "sample: hostile title not shown as text")
    check(page.eval("document.querySelector('a[href^=\"https://nvd.nist.gov/vuln/detail/CVE-2024-0001\"]') !== null"),
          "sample: CVE link to NVD")
    # severity filter: LOW off
    page.click("#f-sev-LOW")
    got = rows(page, adv)
    check([r[0] for r in got] == ["CRITICAL", "HIGH", "HIGH", "MEDIUM", "UNKNOWN"], f"sample: LOW filtered out: {got}")
    # sort by CVSS: ascending, then descending
    page.click(f"#rows thead th:nth-child({cvss + 1})")
    got = rows(page, cvss)
    check([r[1] for r in got] == ["-", "5.0", "7.5", "8.1", "9.8"], f"sample: CVSS ascending: {got}")
    page.click(f"#rows thead th:nth-child({cvss + 1})")
    got = rows(page, cvss)
    check([r[1] for r in got] == ["9.8", "8.1", "7.5", "5.0", "-"], f"sample: CVSS descending: {got}")
    # KEV only (the LOW KEV finding stays filtered out)
    page.click("#f-kev")
    got = rows(page, pkg)
    check([r[1] for r in got] == ["openssl"], f"sample: KEV only: {got}")
    page.click("#f-kev")
    page.click("#f-sev-LOW")
    # the package box, by name
    page.type("#f-q", "ZL")
    got = rows(page, pkg)
    check([r[1] for r in got] == ["zlib"], f"sample: package filter: {got}")
    page.eval("document.getElementById('f-q').value = ''; document.getElementById('f-q').dispatchEvent("
              "new Event('input')); 1")
    # no fix, then VEX-suppressed hidden
    page.eval("const s = document.getElementById('f-fix'); s.value = 'unfixed'; s.dispatchEvent(new Event('change')); 1")
    got = rows(page, pkg)
    check(sorted(r[1] for r in got) == sorted(["<script>alert(1)</script>", "bash", "libfoo"]),
          f"sample: unfixed only: {got}")
    page.eval("const t = document.getElementById('f-fix'); t.value = ''; t.dispatchEvent(new Event('change')); 1")
    page.click("#f-vex")
    got = rows(page, pkg)
    check("tar" not in [r[1] for r in got] and len(got) == 6, f"sample: VEX-suppressed hidden: {got}")
    page.click("#f-vex")
    page.screenshot(os.path.join(shots, "sample-scan.png"))
    check_closed(page, "sample scan")
    check_policy_holds(page, "sample scan")

    page = browser.open("file://" + os.path.join(tmp, "sample-inventory.html"))
    check(page.eval("document.querySelector('#rows .pkg').textContent") == "<script>alert(1)</script>",
          "sample inventory: hostile package name")
    check_closed(page, "sample inventory")


STATUS = """Package: libcurl4
Status: install ok installed
Architecture: amd64
Source: curl
Version: 7.88.1-10+deb12u3

Package: apt
Status: install ok installed
Architecture: amd64
Version: 2.6.1

Package: tar
Status: install ok installed
Architecture: amd64
Version: 1.34+dfsg-1.2

Package: <script>alert(1)</script>
Status: install ok installed
Architecture: amd64
Version: 1.0
"""

HOSTILE_RECORD = {
    "schema_version": "1.6.0", "id": "PCEX-HOSTILE-1", "modified": "2026-11-22T00:00:00Z",
    "aliases": ["\"><img src=x onerror=alert(3)>", "CVE-2099-0001"],
    "summary": "<script>alert(2)</script> in apt",
    "affected": [{"package": {"ecosystem": "Debian:12", "name": "apt"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.6.2"}]}]}],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
}


def cli_scan(browser, shots):
    feed = os.path.join(tmp, "feed")
    shutil.copytree(os.path.join(SRC, "feed", "debian12"), feed)
    with open(os.path.join(feed, "PCEX-HOSTILE-1.json"), "w") as f:
        json.dump(HOSTILE_RECORD, f)
    db = os.path.join(tmp, "vulndb.sqlite")
    run("db", "import", feed, "--db", db)
    # the target's own path is hostile too
    root = os.path.join(tmp, "<img src=x onerror=alert(1)>")
    for d in ("etc", "usr/lib", "var/lib/dpkg"):
        os.makedirs(os.path.join(root, d))
    with open(os.path.join(root, "usr/lib/os-release"), "w") as f:
        f.write('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    os.symlink("../usr/lib/os-release", os.path.join(root, "etc/os-release"))
    with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
        f.write(STATUS)
    out = os.path.join(tmp, "scan.html")
    r = run("scan", root, "--db", db, "--format", "html", "--output", out)
    check(r.stdout == "", f"scan --output also printed: {r.stdout[:200]}")
    expected = json.loads(run("scan", root, "--db", db, "--format", "json").stdout)

    page = browser.open("file://" + out)
    check(page.eval("document.querySelector('h1').textContent") == root, "scan: the target's path as text")
    check(page.eval("document.getElementById('total').textContent") == str(expected["summary"]["total"]),
          "scan: total")
    check(page.eval("document.getElementById('fixable').textContent") == str(expected["summary"]["fixable"]),
          "scan: fixable")
    for sev in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"):
        check(page.eval(f"document.querySelector('#count-{sev} b').textContent") == str(expected["summary"][sev]),
              f"scan: {sev} count")
    check(page.eval("document.body.textContent.includes(%s)" % json.dumps(expected["revision"])),
          "scan: the DB revision")
    if expected.get("db_time"):
        check(page.eval("/^[0-9]+$/.test(document.getElementById('db-age').textContent)"), "scan: the DB's age")
    # the hostile package's stanza, quoted in a warning
    check(page.eval("Array.from(document.querySelectorAll('.warnings li')).some(l => "
                    "l.textContent.includes('<script>alert(1)</script>'))"), "scan: the hostile stanza's warning as text")
    adv, pkg = column(page, "Advisory"), column(page, "Package")
    got = rows(page, adv, pkg)
    want = [(f["severity"], f["id"], f["package"]) for f in expected["findings"]]
    check([tuple(r) for r in got] == want,
          f"scan: rows {got} != {want}")
    hostile = page.eval("Array.from(document.querySelectorAll('#rows tbody tr')).find(r => r.cells[1]"
                        ".textContent.startsWith('PCEX-HOSTILE-1')).innerText")
    check(hostile and "<script>alert(2)</script> in apt" in hostile and "\"><img src=x onerror=alert(3)>" in hostile,
          f"scan: the hostile record's title and alias as text: {hostile!r}")
    # the severity filter: only the CRITICAL row stays with LOW, HIGH... off
    for sev in ("HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN"):
        page.click(f"#f-sev-{sev}")
    got = rows(page, adv)
    check([r[1] for r in got] == [f["id"] for f in expected["findings"] if f["severity"] == "CRITICAL"]
          and "PCEX-HOSTILE-1" in [r[1] for r in got], f"scan: CRITICAL only: {got}")
    for sev in ("LOW", "UNKNOWN"):
        page.click(f"#f-sev-{sev}")
    # by package, A to Z, ties in the page's order
    page.click(f"#rows thead th:nth-child({pkg + 1})")
    got = [r[1] for r in rows(page, pkg)]
    check(got == sorted(got, key=str.lower) and len(got) == sum(
        1 for f in expected["findings"] if f["severity"] in ("CRITICAL", "LOW", "UNKNOWN")),
        f"scan: sorted by package: {got}")
    page.screenshot(os.path.join(shots, "scan.png"))
    check_closed(page, "scan")
    check_policy_holds(page, "scan")

    out = os.path.join(tmp, "inventory.html")
    run("inventory", root, "--format", "html", "--output", out)
    page = browser.open("file://" + out)
    got = [r[1] for r in rows(page, 0)]
    check(got == ["libcurl4", "apt", "tar"] or sorted(got) == ["apt", "libcurl4", "tar"], f"inventory: rows {got}")
    page.type("#f-q", "curl")
    check([r[1] for r in rows(page, 0)] == ["libcurl4"], "inventory: filter by source name")
    check_closed(page, "inventory")


def audit_line(time_, decision, image, critical=0):
    return json.dumps({"time": time_, "container": "c-" + time_, "image": image, "namespace": "prod",
                       "mode": "enforce", "decision": decision, "reason": None, "threshold": "HIGH",
                       "summary": {"CRITICAL": critical, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "NONE": 0, "UNKNOWN": 0,
                                   "total": critical, "fixable": critical, "not_checked": 0},
                       "worst": ["PCEX-1 <b>x</b>"] if critical else [], "db_revision": "sha256:ab"})


def cli_report(browser, shots):
    bad = "<script>alert(1)</script>"
    lines = [
        audit_line("2026-11-22T10:05:00.000Z", "deny", "app:1", 2),
        audit_line("2026-11-22T10:20:00.000Z", "deny", "app:1", 2),
        audit_line("2026-11-22T10:40:00.000Z", "allow", "web:2"),
        "a line that is not a record",
        audit_line("2026-11-22T11:01:00.000Z", "warn", "web:2"),
        audit_line("2026-11-22T11:02:00.000Z", "deny", bad, 1),
        audit_line("2026-11-22T11:03:00.000Z", "audit", "batch:3"),
        audit_line("2026-11-22T13:00:00.000Z", "allow", "web:2"),
        audit_line("2026-11-22T13:10:00.000Z", "allow", "web:2"),
        audit_line("2026-11-22T13:20:00.000Z", "allow", "web:2"),
        audit_line("2026-11-22T13:30:00.000Z", "deny", "app:1", 1),
    ]
    log = os.path.join(tmp, "audit.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    out = os.path.join(tmp, "report.html")
    r = run("report", "--log", log, "--html", "--last", "6", "--output", out)
    check(r.stdout == "", f"report --output also printed: {r.stdout[:200]}")
    run("report", "--log", log, "--html", "--format", "json", expect=2)

    page = browser.open("file://" + out)
    bars = page.eval("""Array.from(document.querySelectorAll('#chart g.hour')).map(g =>
        [g.dataset.hour, +g.dataset.deny, +g.dataset.warn, +g.dataset.audit, +g.dataset.allow,
         g.querySelectorAll('rect').length])""")
    check(bars == [["2026-11-22T10", 2, 0, 0, 1, 2], ["2026-11-22T11", 1, 1, 1, 0, 3],
                   ["2026-11-22T13", 1, 0, 0, 3, 2]], f"report: chart bars {bars}")
    check(page.eval("document.getElementById('chart').dataset.hours") == "4", "report: 4 hours charted")
    check(page.eval("document.getElementById('chart').getBoundingClientRect().height") > 50, "report: chart drawn")
    totals = page.eval("['deny','warn','audit','allow'].map(d => +document.querySelector('#total-' + d + ' b')"
                       ".textContent)")
    check(totals == [4, 1, 1, 4], f"report: totals {totals}")
    blocked = page.eval("Array.from(document.querySelectorAll('#blocked tbody tr')).map(r => [r.cells[0]"
                        ".textContent, r.cells[1].textContent])")
    check(blocked == [["app:1", "3"], [bad, "1"]], f"report: most blocked {blocked}")
    img = column(page, "Image")
    got = rows(page, 0, img)
    check([r[1] for r in got] == ["2026-11-22T13:30:00.000Z", "2026-11-22T13:20:00.000Z", "2026-11-22T13:10:00.000Z",
                                  "2026-11-22T13:00:00.000Z", "2026-11-22T11:03:00.000Z", "2026-11-22T11:02:00.000Z"],
          f"report: the last 6, newest first: {got}")
    page.click("#f-d-allow")
    got = rows(page, img)
    check([(r[0], r[1]) for r in got] == [("deny", "app:1"), ("audit", "batch:3"), ("deny", bad)],
          f"report: allowed filtered out: {got}")
    page.click(f"#rows thead th:nth-child({img + 1})")
    got = [r[1] for r in rows(page, img)]
    check(got == [bad, "app:1", "batch:3"], f"report: sorted by image: {got}")
    page.screenshot(os.path.join(shots, "report.png"))
    check_closed(page, "report")
    check_policy_holds(page, "report")


if __name__ == "__main__":
    chromium = find_chromium()
    if not chromium:
        print("SKIP: no chromium (Debian's chromium package)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="pc-report-html-")
    shots = os.path.join(BUILD, "test-screenshots", "report-html")
    os.makedirs(shots, exist_ok=True)
    subprocess.run([SAMPLE, tmp], check=True)
    browser = Browser(chromium, os.path.join(tmp, "chromium-profile"), time.monotonic() + 200,
                      os.path.join(tmp, "chromium.log"))
    try:
        control_page(browser, tmp)
        sample_scan(browser, shots)
        cli_scan(browser, shots)
        cli_report(browser, shots)
    except CDPError as e:
        check(False, f"Chromium: {e}")
        with open(os.path.join(tmp, "chromium.log"), "rb") as f:
            print(f.read()[-3000:].decode(errors="replace"))
    finally:
        browser.close()
    print("screenshots:", *(os.path.join(shots, f) for f in sorted(os.listdir(shots))))
    shutil.rmtree(tmp, ignore_errors=True)
    finish()
