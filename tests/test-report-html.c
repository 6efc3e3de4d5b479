/* SPDX-License-Identifier: Apache-2.0 */
/* `--format html` and `report --html`: escaping, the links to advisories,
 * the page's policy and what it shows.  With a folder as argument it also
 * writes the sample pages there (sample-scan.html, sample-inventory.html)
 * for tests/report-html-browser.py to open in Chromium: a scan with KEV, EPSS
 * and a VEX-suppressed finding, which the CLI's DB can't give yet, and a
 * package named <script>alert(1)</script>. */
#include "base/strutil.h"
#include "inventory.h"
#include "match.h"
#include "report-internal.h"
#include "test.h"

static const char hostile[] = "<script>alert(1)</script>";

static void test_escape(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "plain 1.2.3-r0", "plain 1.2.3-r0" },
                { "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
                { "a&b \"c\" 'd'", "a&amp;b &quot;c&quot; &#39;d&#39;" },
                { "\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
                { "tab\tnew\nline", "tab\tnew\nline" },
                { "bell\aesc\033[31m del\177", "bell?esc?[31m del?" },
                { "caf\xc3\xa9 \xe2\x80\xa6", "caf\xc3\xa9 \xe2\x80\xa6" },      /* UTF-8 passes as it is */
                /* but not what hides or reorders text: "ng<RLO>xni<PDI>" reads as "nginx" */
                { "ng\xe2\x80\xaexni\xe2\x81\xa9 csi\xc2\x9b" "1m zw\xe2\x80\x8b<", "ng???xni??? csi??1m zw???&lt;" },
                { "bad\xff\xe2\x80 end", "bad??? end" },
                { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct strbuf b = {};
                _cleanup_free_ char *s = NULL;

                CHECK(report_html_text(&b, rows[i].in) >= 0);
                s = strbuf_steal(&b);
                CHECK_STREQ(s, rows[i].out);
        }
}

static void add_finding(struct scan_result *res, const struct finding *f, const char *alias) {
        struct finding *n;

        n = reallocarray(res->findings, res->n_findings + 1, sizeof(*n));
        if (!n)
                abort();
        res->findings = n;
        n = &res->findings[res->n_findings++];
        *n = *f;
        n->id = strdup(f->id);
        n->package = strdup(f->package);
        n->installed_version = strdup(f->installed_version);
        n->fixed_version = f->fixed_version ? strdup(f->fixed_version) : NULL;
        n->summary = f->summary ? strdup(f->summary) : NULL;
        n->ecosystem = strdup("Debian:12");
        n->path = strdup("/var/lib/dpkg/status");
        n->vex_status = f->vex_status ? strdup(f->vex_status) : NULL;
        n->vex_justification = f->vex_justification ? strdup(f->vex_justification) : NULL;
        n->vex_source = f->vex_source ? strdup(f->vex_source) : NULL;
        n->aliases = NULL;
        if (alias)
                CHECK(strv_push(&n->aliases, strdup(alias)) >= 0);
}

/* Worst first, then ID, as match_inventory() orders them. */
static struct scan_result *sample_scan(void) {
        static const struct finding rows[] = {
                { .severity = SEVERITY_CRITICAL, .id = "CVE-2024-0001", .package = "openssl", .installed_version = "3.0.1",
                  .fixed_version = "3.0.2", .cvss_score = 9.8, .kev = true, .epss = 0.97, .epss_percentile = 0.999,
                  .summary = "remote code execution" },
                { .severity = SEVERITY_HIGH, .id = "DSA-5001-1", .package = (char *) hostile, .installed_version = "1.0",
                  .cvss_score = 7.5, .epss = 0.02, .epss_percentile = 0.5,
                  .summary = "<img src=x onerror=alert(2)> in the title" },
                { .severity = SEVERITY_HIGH, .id = "GHSA-abcd-efgh-ijkl", .package = "zlib", .installed_version = "1.2.13",
                  .fixed_version = "1.3", .cvss_score = 8.1, .epss = -1, .epss_percentile = -1,
                  .summary = "zlib overflow" },
                { .severity = SEVERITY_MEDIUM, .id = "PCEX-\"><svg onload=alert(3)>", .package = "bash",
                  .installed_version = "5.2", .cvss_score = 5.0, .epss = -1, .epss_percentile = -1,
                  .summary = "a hostile advisory ID" },
                { .severity = SEVERITY_LOW, .id = "CVE-2024-0005", .package = "apt", .installed_version = "2.6.1",
                  .fixed_version = "2.7", .cvss_score = 3.1, .kev = true, .epss = 0.001, .epss_percentile = 0.1,
                  .summary = "apt issue" },
                { .severity = SEVERITY_LOW, .id = "CVE-2024-0006", .package = "tar", .installed_version = "1.34",
                  .fixed_version = "1.35", .cvss_score = 2.0, .epss = -1, .epss_percentile = -1,
                  .summary = "tar issue", .vex_status = "not_affected",
                  .vex_justification = "vulnerable_code_not_present", .vex_source = "vex<1>.json" },
                { .severity = SEVERITY_UNKNOWN, .id = "OSV-2024-7", .package = "libfoo", .installed_version = "0.1",
                  .cvss_score = -1, .epss = -1, .epss_percentile = -1 },
        };
        static const char *const aliases[ELEMENTSOF(rows)] = {
                [1] = "CVE-2024-0002", [3] = "\"><script>alert(4)</script>",
        };
        struct scan_result *res = calloc(1, sizeof(*res));

        if (!res)
                abort();
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                add_finding(res, &rows[i], aliases[i]);
        res->db_revision = strdup("sha256:0123456789abcdef");
        res->db_time = strdup("2026-12-01T00:00:00Z");
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "Go", 3,
                                        "the vulnerability database has no record for ecosystem Go <b>x</b>") >= 0);
        CHECK(strv_push(&res->warnings, strdup("record <PCEX-1>: bad range")) >= 0);
        scan_result_recount(res);
        return res;
}

static struct inventory *sample_inventory(void) {
        struct inventory *inv = inventory_new();
        struct package p = { .name = strdup(hostile), .version = strdup("1.0"), .ecosystem = strdup("Debian:12"),
                             .purl = strdup("pkg:deb/debian/%3Cscript%3E@1.0"),
                             .origin_file = strdup("/var/lib/dpkg/status") };

        if (!inv)
                abort();
        inv->os.id = strdup("debian");
        inv->os.version_id = strdup("12");
        inv->os.pretty_name = strdup("Debian GNU/Linux 12 (bookworm)");
        inv->os.ecosystem = strdup("Debian:12");
        CHECK(inventory_add(inv, &p) >= 0);
        CHECK(strv_push(&inv->warnings, strdup("/var/lib/dpkg/status: stanza (Package: <b>bad</b>) skipped")) >= 0);
        return inv;
}

static size_t count(const char *s, const char *what) {
        size_t n = 0;

        for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
                n++;
        return n;
}

static char *render(const char *format, const struct report_target *t) {
        const struct report_format *f = report_format_find(format);
        struct error err = {};
        char *out = NULL;

        CHECK(f != NULL);
        if (!f)
                return NULL;
        CHECK_MSG(report_render(f, t, &out, &err) >= 0, "%s", err.msg);
        return out;
}

static void check_page_is_closed(const char *page) {
        /* one script, one style, no other markup from the strings */
        CHECK_MSG(count(page, "<script") == 1, "%zu <script", count(page, "<script"));
        CHECK(count(page, "<style") == 1);
        CHECK(!strstr(page, "<img") && !strstr(page, "<svg onload") && !strstr(page, "<b>x") && !strstr(page, "<b>bad"));
        CHECK(strstr(page, "content=\"default-src 'none'; style-src 'sha256-") != NULL);
        CHECK(strstr(page, "'unsafe-inline'") == NULL);
        CHECK(strstr(page, "http://") == NULL);
}

static void test_scan_page(const char *dir) {
        _cleanup_(scan_result_freep) struct scan_result *res = sample_scan();
        _cleanup_(inventory_freep) struct inventory *inv = sample_inventory();
        struct report_target t = { .name = "registry.example/app:<1>", .digest = "sha256:feedface", .inv = inv,
                                   .res = res };
        _cleanup_free_ char *page = render("html", &t);

        if (!page)
                return;
        check_page_is_closed(page);
        CHECK(strstr(page, "<title>Portcullis scan: registry.example/app:&lt;1&gt;</title>") != NULL);
        CHECK(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;</span>") != NULL);
        CHECK(strstr(page, "data-q=\"&lt;script&gt;alert(1)&lt;/script&gt;\"") != NULL);
        /* each advisory's page, by prefix; the ID percent-encoded in the link */
        CHECK(strstr(page, "<a href=\"https://nvd.nist.gov/vuln/detail/CVE-2024-0001\"") != NULL);
        CHECK(strstr(page, "<a href=\"https://security-tracker.debian.org/tracker/DSA-5001-1\"") != NULL);
        CHECK(strstr(page, "<a href=\"https://nvd.nist.gov/vuln/detail/CVE-2024-0002\"") != NULL);
        CHECK(strstr(page, "<a href=\"https://github.com/advisories/GHSA-abcd-efgh-ijkl\"") != NULL);
        CHECK(strstr(page, "<a href=\"https://osv.dev/vulnerability/OSV-2024-7\"") != NULL);
        CHECK(strstr(page, "<a href=\"https://osv.dev/vulnerability/PCEX-%22%3E%3Csvg%20onload%3Dalert%283%29%3E\"") != NULL);
        /* the summary, what was not checked, the DB */
        CHECK(strstr(page, "<b id=\"total\">6</b> findings, <b id=\"fixable\">3</b> fixable, "
                           "<b id=\"suppressed\">1</b> suppressed by VEX") != NULL);
        CHECK(strstr(page, "<span id=\"count-HIGH\"><span class=\"chip s-HIGH\"></span>HIGH <b>2</b> (1 fixable)") != NULL);
        CHECK(strstr(page, "<h2>Not checked: 3 packages</h2>") != NULL);
        CHECK(strstr(page, "Go <b>") == NULL && strstr(page, "Go &lt;b&gt;x&lt;/b&gt;") != NULL);
        CHECK(strstr(page, "sha256:0123456789abcdef</b>, data of <b>2026-12-01T00:00:00Z</b> (<b id=\"db-age\">") != NULL);
        CHECK(strstr(page, "record &lt;PCEX-1&gt;: bad range") != NULL);
        /* KEV, EPSS, VEX */
        CHECK(count(page, "<span class=\"kev\">KEV</span>") == 2);
        CHECK(strstr(page, ">EPSS</th>") != NULL);
        CHECK(strstr(page, "97.00% <span class=\"path\">(p100)</span>") != NULL);
        CHECK(strstr(page, "suppressed by VEX: not_affected, vulnerable_code_not_present (vex&lt;1&gt;.json)") != NULL);
        CHECK(strstr(page, "<tr class=\"vex\" data-cat=\"LOW\" data-fix=\"1\" data-kev=\"0\" data-vex=\"1\"") != NULL);
        if (dir)
                test_write_file(test_path(dir, "sample-scan.html"), page);
}

static void test_inventory_page(const char *dir) {
        _cleanup_(inventory_freep) struct inventory *inv = sample_inventory();
        struct report_target t = { .name = "/srv/rootfs", .inv = inv };
        _cleanup_free_ char *page = render("html", &t);

        if (!page)
                return;
        check_page_is_closed(page);
        CHECK(strstr(page, "<td class=\"wrap pkg\">&lt;script&gt;alert(1)&lt;/script&gt;</td>") != NULL);
        CHECK(strstr(page, "pkg:deb/debian/%3Cscript%3E@1.0") != NULL);
        CHECK(strstr(page, "Package: &lt;b&gt;bad&lt;/b&gt;") != NULL);
        if (dir)
                test_write_file(test_path(dir, "sample-inventory.html"), page);
}

/* No findings: the bar is one grey rect, and no table to sort. */
static void test_empty_scan(void) {
        struct scan_result res = { .db_revision = "sha256:1" };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct report_target t = { .name = "/", .inv = inv, .res = &res };
        _cleanup_free_ char *page = render("html", &t);

        if (!page)
                return;
        CHECK(strstr(page, "<rect class=\"empty\"") != NULL);
        CHECK(strstr(page, "<p id=\"no-findings\">No findings.</p>") != NULL);
        CHECK(strstr(page, "<p class=\"ok\" id=\"all-checked\">") != NULL);
        CHECK(strstr(page, "data time unknown") != NULL);
}

static void test_audit_page(void) {
        static const char log[] =
                "{\"time\":\"2026-11-22T18:40:00.123Z\",\"container\":\"c1\",\"image\":\"<script>alert(5)</script>\","
                "\"decision\":\"deny\",\"threshold\":\"HIGH\",\"summary\":{\"CRITICAL\":1,\"HIGH\":0,\"total\":1},"
                "\"worst\":[\"CVE-1 <b>x</b>\"],\"db_revision\":\"sha256:aa\"}\n"
                "not json\n"
                "{\"time\":\"2026-11-22T18:50:00Z\",\"container\":\"c2\",\"image\":\"<script>alert(5)</script>\","
                "\"decision\":\"deny\"}\n"
                "{\"time\":\"2026-11-22T20:01:00Z\",\"container\":\"c3\",\"image\":\"ok:1\",\"decision\":\"allow\"}\n"
                "{\"time\":\"bad\",\"container\":\"c4\",\"decision\":\"warn\"}\n";
        struct error err = {};
        _cleanup_free_ char *page = NULL;

        CHECK_MSG(report_audit_html(log, sizeof(log) - 1, 2, "/var/log/<x>.log", &page, &err) >= 0, "%s", err.msg);
        if (!page)
                return;
        check_page_is_closed(page);
        CHECK(strstr(page, "<b id=\"decisions\">4</b> decisions, 1 lines that are not audit records skipped") != NULL);
        CHECK(strstr(page, "data-hours=\"3\"") != NULL);
        CHECK(strstr(page, "<g class=\"hour\" data-hour=\"2026-11-22T18\" data-deny=\"2\" data-warn=\"0\" "
                           "data-audit=\"0\" data-allow=\"0\">") != NULL);
        CHECK(strstr(page, "data-hour=\"2026-11-22T19\"") == NULL);
        CHECK(strstr(page, "data-hour=\"2026-11-22T20\" data-deny=\"0\" data-warn=\"0\" data-audit=\"0\" "
                           "data-allow=\"1\"") != NULL);
        CHECK(strstr(page, "1 without a readable time") != NULL);
        CHECK(strstr(page, "<tr><td class=\"wrap\">&lt;script&gt;alert(5)&lt;/script&gt;</td><td class=\"num\">2</td></tr>") != NULL);
        /* the last 2 lines: c3 and c4, newest first */
        CHECK(strstr(page, "<h2>The last 2 decisions</h2>") != NULL);
        CHECK(strstr(page, ">c4</td>") && strstr(page, ">ok:1</td>") && strstr(page, ">ok:1</td>") > strstr(page, ">c4</td>"));
        CHECK(strstr(page, "sha256:aa") != NULL);
}

int main(int argc, char **argv) {
        test_escape();
        test_scan_page(argc > 1 ? argv[1] : NULL);
        test_inventory_page(argc > 1 ? argv[1] : NULL);
        test_empty_scan();
        test_audit_page();
        return test_end();
}
