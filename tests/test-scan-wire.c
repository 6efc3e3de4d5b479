/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's scan on its way to the parent (scan-wire.h): what
 * is read is what was written, as the JSON it replaced gave it; anything
 * malformed (and every prefix of a good one) is an error with a message,
 * never a shorter result. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "scan-wire.h"
#include "test.h"

static char *copy(const char *s) {
        char *d = s ? strdup(s) : NULL;

        CHECK(!s || d);
        return d;
}

/* A finding with what must be there and nothing else. */
static struct finding *add_finding(struct scan_result *res, const char *id, const char *package,
                                   const char *installed) {
        struct finding *f;

        res->findings = realloc(res->findings, (res->n_findings + 1) * sizeof(*f));
        CHECK(res->findings != NULL);
        res->cap_findings = ++res->n_findings;
        f = &res->findings[res->n_findings - 1];
        *f = (struct finding) { .id = copy(id), .package = copy(package), .installed_version = copy(installed),
                                .status = FINDING_AFFECTED, .cvss_score = -1, .epss = -1, .epss_percentile = -1 };
        return f;
}

static struct scan_result *make_minimal(void) {
        struct scan_result *res = calloc(1, sizeof(*res));

        CHECK(res != NULL);
        add_finding(res, "I", "P", "V");
        scan_result_recount(res);
        return res;
}

/* A finding with every field set (in UTF-8, not all of it printable), one
 * with the CVSS and EPSS figures at their least, and one with every
 * optional field NULL. */
static struct scan_result *make_full(void) {
        struct scan_result *res = calloc(1, sizeof(*res));
        struct finding *f;

        CHECK(res != NULL);
        res->db_revision = copy("sha256:abc");
        res->db_time = copy("2026-12-01T00:00:00Z");
        res->db_time_signed = res->db_kev = true;
        CHECK(strv_push(&res->warnings, copy("record #3: package bash 5.2: bad range")) == 0);
        CHECK(strv_push(&res->warnings, copy("... and 2 more records that could not be evaluated")) == 0);
        res->n_warnings = 2;
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "Alpine:v3.11", 14, "no record") == 0);
        CHECK(scan_result_add_unchecked(res, UNCHECKED_INCOMPLETE, "the image", 0, "a cap") == 0);
        f = add_finding(res, "CVE-2024-0001", "libc\xc3\xa9", "2.36-9");
        CHECK(strv_push(&f->aliases, copy("DSA-5000-1")) == 0);
        CHECK(strv_push(&f->aliases, copy("GHSA-xxxx")) == 0);
        f->summary = copy("a \"title\"\n\x01 \xe2\x82\xac");
        f->ecosystem = copy("Debian:12");
        f->path = copy("/var/lib/dpkg/status");
        f->purl = copy("pkg:deb/debian/libc6@2.36-9");
        f->source_name = copy("glibc");
        f->fixed_version = copy("2.36-9+deb12u4");
        f->status = FINDING_FIXED;
        f->severity = SEVERITY_HIGH;
        f->severity_source = copy("cvss_v3");
        f->cvss_vector = copy("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        f->cvss_score = 9.8;
        f->cvss_version = 31;
        f->kev = true;
        f->epss = 0.97531;
        f->epss_percentile = 1.0 / 3;
        f->vex_status = copy("not_affected");
        f->vex_justification = copy("component_not_present");
        f->vex_source = copy("vex.json");
        f = add_finding(res, "CVE-2024-0002", "zlib", "1:1.2.13");
        f->epss = 0;
        f->epss_percentile = 0;
        f->cvss_vector = copy("AV:N/AC:L/Au:N/C:P/I:P/A:P");
        f->cvss_score = 0;
        f->cvss_version = 2;
        add_finding(res, "CVE-2024-0003", "bash", "5.2.15-2");
        scan_result_recount(res);
        return res;
}

static char *json_of(const struct scan_result *res) {
        struct inventory inv = { .os = { .id = "debian", .version_id = "12", .ecosystem = "Debian:12" } };
        struct error err = {};
        char *json = NULL;

        CHECK_MSG(report_scan_json(&(struct report_target) { .name = "rootfs", .inv = &inv, .res = res,
                                                             .compact = true },
                                   &json, &err) == 0,
                  "%s", err.msg);
        return json;
}

/* Read back: the same JSON; written again: the same bytes. */
static struct scan_result *round_trip(const struct scan_result *res) {
        _cleanup_free_ char *want = json_of(res), *got_json = NULL;
        struct strbuf b = {}, again = {};
        struct scan_result *got = NULL;
        struct error err = {};
        size_t used = 0;

        CHECK(scan_wire_write(res, &b) == 0);
        /* trailing bytes are the caller's */
        CHECK(strbuf_puts(&b, "tail") == 0);
        CHECK_MSG(scan_wire_read(b.s, b.len, &got, &used, &err) == 0, "%s", err.msg);
        CHECK(used == b.len - 4);
        if (!got)
                return NULL;
        got_json = json_of(got);
        CHECK_STREQ(got_json, want);
        CHECK(scan_wire_write(got, &again) == 0);
        CHECK(again.len == used && memcmp(again.s, b.s, used) == 0);
        strbuf_done(&b);
        strbuf_done(&again);
        return got;
}

static void test_round_trip(void) {
        _cleanup_(scan_result_freep) struct scan_result *full = make_full(), *min = make_minimal(),
                                                        *empty = calloc(1, sizeof(*empty));
        _cleanup_(scan_result_freep) struct scan_result *got = round_trip(full), *got_min = round_trip(min),
                                                        *got_empty = round_trip(empty);

        CHECK(got && got->n_findings == 3 && got->n_unchecked == 2 && got->n_warnings == 2);
        CHECK(got && got->db_time_signed && got->db_kev && !got->db_epss);
        CHECK(got_empty && !got_empty->db_time_signed && !got_empty->db_kev && !got_empty->db_epss);
        if (got) {
                /* the status the fixed version's, the counts counted again */
                CHECK_STREQ(got->findings[0].summary, full->findings[0].summary);
                CHECK(got->findings[0].status == FINDING_FIXED && got->findings[2].status == FINDING_AFFECTED);
                CHECK(got->findings[0].cvss_score == 9.8 && got->findings[0].epss_percentile == 1.0 / 3);
                CHECK(got->findings[2].cvss_score == -1 && got->findings[2].epss == -1 &&
                      got->findings[2].epss_percentile == -1 && !got->findings[2].aliases);
                CHECK(got->suppressed == 1 && got->counts[SEVERITY_UNKNOWN] == 2 && got->fixable == 0);
                CHECK(got->packages_unchecked == 14 && got->unchecked_more == 0);
        }
        CHECK(got_min && got_min->n_findings == 1 && !got_min->db_revision && !got_min->warnings);
        CHECK(got_empty && got_empty->n_findings == 0 && got_empty->n_unchecked == 0);
}

/* As the JSON it replaces gave it: bad UTF-8 '?' (the JSON the same),
 * some strings made printable. */
static void test_as_json_gave_it(void) {
        _cleanup_(scan_result_freep) struct scan_result *res = make_minimal(), *got = NULL;
        struct strbuf b = {};
        struct error err = {};
        size_t used = 0;

        _cleanup_free_ char *json = NULL;

        CHECK(strv_push(&res->warnings, copy("w\x1b[31m\xff")) == 0);
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s\xff", 3, "r") == 0);
        free(res->findings[0].package);
        res->findings[0].package = copy("libc\xc3\xa9\xff");
        CHECK(strv_push(&res->findings[0].aliases, copy("GHSA-xxxx\xfe")) == 0);
        res->findings[0].summary = copy("s\n\xe2\x82");
        res->findings[0].vex_status = copy("fixed");
        res->findings[0].vex_justification = copy("j\n\xff");
        CHECK(scan_wire_write(res, &b) == 0);
        CHECK(scan_wire_read(b.s, b.len, &got, &used, &err) == 0);
        if (got) {
                CHECK_STREQ(got->warnings[0], "w?[31m?");
                CHECK_STREQ(got->unchecked[0].subject, "s?");
                CHECK_STREQ(got->findings[0].package, "libc\xc3\xa9?");
                CHECK_STREQ(got->findings[0].aliases[0], "GHSA-xxxx?");
                CHECK_STREQ(got->findings[0].summary, "s\n??");
                CHECK_STREQ(got->findings[0].vex_justification, "j??");
                CHECK(got->suppressed == 1);
                json = json_of(got);
                /* the same but for what is made printable */
                CHECK(json && strstr(json, "\"summary\":\"s\\n??\"") && strstr(json, "\"libc\xc3\xa9?\""));
        }
        strbuf_done(&b);
}

/* Every prefix of a good scan is an error with a message. */
static void test_prefixes(void) {
        _cleanup_(scan_result_freep) struct scan_result *res = make_full();
        struct strbuf b = {};
        size_t failed = 0;

        CHECK(scan_wire_write(res, &b) == 0);
        for (size_t n = 0; n < b.len; n++) {
                struct scan_result *got = NULL;
                struct error err = {};
                size_t used = 0;

                if (scan_wire_read(b.s, n, &got, &used, &err) == -EBADMSG && !got &&
                    strstr(err.msg, "findings from the analysis: "))
                        failed++;
                scan_result_free(got);
        }
        CHECK_MSG(failed == b.len, "%zu of %zu prefixes failed as they should", failed, b.len);
        strbuf_done(&b);
}

/* ---- malformed: a good minimal scan spoilt, or one of its bytes --------- */

static void no_id(struct scan_result *res) {
        free(res->findings[0].id);
        res->findings[0].id = NULL;
}
static void no_installed(struct scan_result *res) {
        free(res->findings[0].installed_version);
        res->findings[0].installed_version = NULL;
}
static void bad_severity(struct scan_result *res) {
        res->findings[0].severity = 9;
}
static void cvss(struct scan_result *res, double score, int version) {
        res->findings[0].cvss_vector = copy("CVSS:3.1/AV:N");
        res->findings[0].cvss_score = score;
        res->findings[0].cvss_version = version;
}
static void bad_cvss_version(struct scan_result *res) {
        cvss(res, 5, 3);
}
static void nan_cvss_score(struct scan_result *res) {
        cvss(res, NAN, 31);
}
static void big_cvss_score(struct scan_result *res) {
        cvss(res, 10.5, 31);
}
static void bad_epss(struct scan_result *res) {
        res->findings[0].epss = 2;
        res->findings[0].epss_percentile = 0.5;
}
static void bad_percentile(struct scan_result *res) {
        res->findings[0].epss = 0.5;
        res->findings[0].epss_percentile = -1;
}
static void bad_vex(struct scan_result *res) {
        res->findings[0].vex_status = copy("under_investigation");
}
static void bad_kind(struct scan_result *res) {
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", 3, "r") == 0);
        res->unchecked[0].kind = 99;
}
static void no_subject(struct scan_result *res) {
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", 3, "r") == 0);
        free(res->unchecked[0].subject);
        res->unchecked[0].subject = NULL;
}
static void more_packages(struct scan_result *res) {
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", 3, "r") == 0);
        res->packages_unchecked = 5;
}
static void more_items(struct scan_result *res) {
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", 3, "r") == 0);
        res->unchecked_more = 2;
}
/* what the reader takes, the writer writes (WIRE_NULL is only a string's) */
static void max_packages(struct scan_result *res) {
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", UINT32_MAX, "r") == 0);
}
static void many_warnings(struct scan_result *res) {
        for (int i = 0; i <= SCAN_WIRE_WARNINGS_MAX; i++)
                CHECK(strv_push(&res->warnings, copy("w")) == 0);
}

/* The minimal finding's bytes, counted back from its message's end: the
 * findings' count (79..76), id (75..71: its length, "I"), ..., severity
 * (24), CVSS vector (20), kev (16), EPSS (12..5), VEX status (4). */
static void test_malformed(void) {
        static const struct {
                void (*spoil)(struct scan_result *res);
                size_t from_end;        /* 0: none; else the byte set to byte */
                char byte;
                const char *message;
        } rows[] = {
                { NULL, 0, 0, NULL },
                { max_packages, 0, 0, NULL },
                { no_id, 0, 0, "finding 0 has no 'id'" },
                { no_installed, 0, 0, "finding 0 has no 'installed_version'" },
                { bad_severity, 0, 0, "finding 0 'severity': 9, not below 6" },
                { bad_cvss_version, 0, 0, "finding 0 'cvss_version': 3, not 2, 30, 31 or 40" },
                { nan_cvss_score, 0, 0, "finding 0 'cvss_score': nan, not within 0..10" },
                { big_cvss_score, 0, 0, "finding 0 'cvss_score': 10.5, not within 0..10" },
                { bad_epss, 0, 0, "finding 0 'epss': 2, neither -1 nor within 0..1" },
                { bad_percentile, 0, 0, "finding 0 'epss_percentile': -1, not within 0..1" },
                { bad_vex, 0, 0, "finding 0 'vex_status': neither not_affected nor fixed" },
                { bad_kind, 0, 0, "unchecked 0 'kind': 99, not below 10" },
                { no_subject, 0, 0, "unchecked 0 has no 'subject'" },
                { more_packages, 0, 0, "packages_unchecked: 5, where the unchecked items leave 3" },
                { more_items, 0, 0, "unchecked_more: 2 past a list of 1, not 50" },
                { many_warnings, 0, 0, "201 warnings, more than 200" },
                { NULL, 16, 2, "finding 0 'kev': 2, not below 2" },
                { NULL, 71, 0, "finding 0 'id': a NUL byte inside the string at byte" },
                { NULL, 79, 2, "2 findings in 75 bytes: cut short" },
                { NULL, 76, 0x7f, "2130706433 findings, more than 1000000" },
                { NULL, 5, 0x7f, "finding 0 'epss': inf, neither -1 nor within 0..1" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(scan_result_freep) struct scan_result *res = make_minimal();
                struct scan_result *got = NULL;
                struct strbuf b = {};
                struct error err = {};
                size_t used = 0;
                int r;

                if (rows[i].spoil)
                        rows[i].spoil(res);
                CHECK(scan_wire_write(res, &b) == 0);
                if (rows[i].from_end)
                        b.s[b.len - rows[i].from_end] = rows[i].byte;
                r = scan_wire_read(b.s, b.len, &got, &used, &err);
                if (!rows[i].message)
                        CHECK(r == 0 && got && got->n_findings == 1 && used == b.len);
                else
                        CHECK_MSG(r == -EBADMSG && !got && strstr(err.msg, rows[i].message) &&
                                  startswith(err.msg, "findings from the analysis: "),
                                  "row %zu: %s", i, err.msg);
                scan_result_free(got);
                strbuf_done(&b);
        }
}

/* The DB's flags (after the magic and two NULL strings): three bits. */
static void test_bad_flags(void) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct scan_result *got = NULL;
        struct strbuf b = {};
        struct error err = {};
        size_t used = 0;

        CHECK(res && scan_wire_write(res, &b) == 0);
        CHECK(b.len > 12 && b.s[12] == 0);
        b.s[12] = 8;
        CHECK(scan_wire_read(b.s, b.len, &got, &used, &err) == -EBADMSG && !got);
        CHECK_STREQ(err.msg, "findings from the analysis: db_flags: 8, not below 8");
        strbuf_done(&b);
}

static void test_bad_magic(void) {
        struct scan_result *got = NULL;
        struct error err = {};
        size_t used = 0;

        CHECK(scan_wire_read("{\"findings\": []}", 16, &got, &used, &err) == -EBADMSG && !got);
        CHECK_STREQ(err.msg, "findings from the analysis: does not start with 'PCS2'");
}

int main(void) {
        test_round_trip();
        test_as_json_gave_it();
        test_prefixes();
        test_malformed();
        test_bad_flags();
        test_bad_magic();
        return test_end();
}
