/* SPDX-License-Identifier: Apache-2.0 */
/* The formats for tools (SARIF, SPDX) on a scan built by hand: every
 * severity, a finding a VEX statement suppresses, KEV and EPSS, hostile
 * names, paths and titles (quotes, '<script>', unicode, bytes that are not
 * UTF-8), what could not be checked.  With PC_REPORT_OUT set, the documents
 * are also written there: tests/report-sarif-spdx.py validates them with
 * the SARIF multitool and the SPDX schema. */
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "inventory.h"
#include "portcullis-build.h"
#include "match.h"
#include "report-internal.h"
#include "report.h"
#include "test.h"

#define HOSTILE_NAME "ev\"il <script>alert(1)</script> \xc3\xa9\xe4\xb8\xad"
#define HOSTILE_PATH "/opt/we\"ird <script>\xc3\xa9 %?#:x/site-packages/x-1.0.dist-info/METADATA"

static void test_links(void) {
        static const struct {
                const char *id, *url;
        } urls[] = {
                { "CVE-2023-38545", "https://nvd.nist.gov/vuln/detail/CVE-2023-38545" },
                { "DSA-5523-1", "https://security-tracker.debian.org/tracker/DSA-5523-1" },
                { "DLA-3600-1", "https://security-tracker.debian.org/tracker/DLA-3600-1" },
                { "USN-6429-1", "https://ubuntu.com/security/notices/USN-6429-1" },
                { "GHSA-xvch-5gv4-984h", "https://github.com/advisories/GHSA-xvch-5gv4-984h" },
                { "ALSA-2023:5838", "https://osv.dev/vulnerability/ALSA-2023%3A5838" },
                { "cve-lowercase", "https://osv.dev/vulnerability/cve-lowercase" },
                { "a/../b?c#d", "https://osv.dev/vulnerability/a%2F..%2Fb%3Fc%23d" },
        };
        static const struct {
                const char *path, *uri;
        } files[] = {
                { "/var/lib/dpkg/status", "var/lib/dpkg/status" },
                { "//usr//lib/x", "usr/lib/x" },
                { "a:b/c", "a%3Ab/c" },
                { "/x/a b%c?d#e\"<f>", "x/a%20b%25c%3Fd%23e%22%3Cf%3E" },
                { "/\xc3\xa9\xff", "%C3%A9%FF" },
                { "/", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(urls); i++) {
                _cleanup_free_ char *s = NULL;

                CHECK(report_advisory_url(urls[i].id, &s) == 0);
                CHECK_STREQ(s, urls[i].url);
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *s = NULL;

                CHECK(report_file_uri(files[i].path, &s) == 0);
                CHECK_STREQ(s, files[i].uri);
        }
}

static void test_json_text(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "plain", "plain" },
                { "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80" },
                { "a\xff" "b", "a?b" },
                { "\xc3", "?" },                        /* cut short */
                { "\xc0\xaf", "??" },                   /* overlong '/' */
                { "\xed\xa0\x80", "???" },              /* a surrogate */
                { "\xf4\x90\x80\x80", "????" },         /* past U+10FFFF */
                { "\x01<\"", "\x01<\"" },               /* JSON escapes these */
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                json_t *v = json_str_or_null(rows[i].in);

                CHECK_MSG(v && json_is_string(v), "row %zu", i);
                if (v)
                        CHECK_STREQ(json_string_value(v), rows[i].out);
                json_decref(v);
        }
        CHECK(json_is_null(json_str_or_null(NULL)));
}

/* The writer's strings and reals against jansson's json_dumps(), the
 * oracle: strings of every length to 40 from bytes that each take another
 * path (the ones to escape, '/', DEL, UTF-8 whole, cut short and stray),
 * so that each falls at each place of an eight-byte step, and what
 * str_make_utf8() and utf8_valid() make of them against a byte at a
 * time; reals that are scores (d.d), and others. */
static char *jansson_dump(json_t *v) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));

        json_decref(v);
        return s;
}

static void test_json_primitives(void) {
        static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "\x7f", "\x01", "\n", "\x1f",
                                              "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xc3", "\xff",
                                              "\xe2\x80\xae" };
        static const double reals[] = { 0, 0.1, 5.0, 7.5, 9.8, 10, 99.9, 999.9, 1000, 1e21, 1e-7, -0.0, -7.5,
                                        0.05, 7.25, 3.14159265358979, 123456.7, 1.0 / 3 };
        uint64_t seed = 42;

        for (unsigned i = 0; i < 4000; i++) {
                _cleanup_(strbuf_done) struct strbuf ours = {};
                _cleanup_free_ char *made = NULL, *theirs = NULL;
                char s[200] = "";
                size_t len = 0, want = i % 41;
                bool valid = true;

                while (len < want) {
                        const char *p;

                        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                        p = pieces[(seed >> 33) % ELEMENTSOF(pieces)];
                        memcpy(s + len, p, strlen(p) + 1);
                        len += strlen(p);
                }
                made = strdup(s);
                CHECK(made != NULL);
                if (!made)
                        return;
                str_make_utf8(made, len);
                for (size_t k = 0; k < len; k++)        /* the pieces that are no UTF-8 are one byte each */
                        if ((unsigned char) s[k] == 0xff || ((unsigned char) s[k] == 0xc3 && (k + 1 == len ||
                            ((unsigned char) s[k + 1] & 0xc0) != 0x80)))
                                valid = false;
                CHECK_MSG(utf8_valid(s) == valid, "utf8_valid, string %u", i);
                CHECK_MSG(utf8_valid(made), "str_make_utf8, string %u", i);
                theirs = jansson_dump(json_string(made));
                CHECK_MSG(strbuf_append_json_string(&ours, s) == 0 && theirs && strcmp(ours.s, theirs) == 0,
                          "string %u: ours %s, jansson's %s", i, ours.s, theirs);
        }
        for (size_t i = 0; i < ELEMENTSOF(reals) + 2000; i++) {
                _cleanup_(strbuf_done) struct strbuf ours = {};
                _cleanup_free_ char *theirs = NULL;
                double v = i < ELEMENTSOF(reals) ? reals[i] : (double) (i - ELEMENTSOF(reals)) / 10;

                theirs = jansson_dump(json_real(v));
                CHECK_MSG(strbuf_append_json_real(&ours, v, 12) == 0 && theirs && strcmp(ours.s, theirs) == 0,
                          "real %.17g: ours %s, jansson's %s", v, ours.s, theirs);
        }
}

static void add_package(struct inventory *inv, const char *name, const char *version, const char *purl,
                        const char *origin, const char *guessed_from) {
        struct package p = {
                .name = strdup(name), .version = strdup(version), .source_name = strdup(name),
                .source_version = strdup(version), .ecosystem = strdup("PyPI"), .purl = strdup(purl),
                .origin_file = strdup(origin), .guessed_from = guessed_from ? strdup(guessed_from) : NULL,
        };

        CHECK(inventory_add(inv, &p) == 0);
}

static struct inventory *make_inventory(void) {
        struct inventory *inv = inventory_new();

        CHECK(inv != NULL);
        inv->os = (struct os_info) { .id = strdup("debian"), .version_id = strdup("12"),
                                     .pretty_name = strdup("Debian GNU/Linux 12 (bookworm)"),
                                     .ecosystem = strdup("Debian:12") };
        add_package(inv, HOSTILE_NAME, "1.0", "pkg:pypi/evil@1.0", HOSTILE_PATH, NULL);
        add_package(inv, "bad\xff" "bytes", "2.0", "pkg:pypi/bad@2.0", "/usr/lib/python3/dist-packages/b/METADATA",
                    "file name");
        CHECK(inventory_warn(inv, "/x/y: a warning with \"quotes\"") == 0);
        CHECK(strv_push(&inv->skipped, strdup("/deep: past the walk's depth")) == 0);
        return inv;
}

/* Every byte that needs care in a JSON string: each control character,
 * DEL, quote, backslash, slash, UTF-8 of 2, 3 and 4 bytes, and what is not
 * UTF-8 (a stray continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, a byte no sequence starts with, a sequence cut short at the
 * end). */
static char *hostile_bytes(void) {
        static const char rest[] = "\x7f\"\\/ \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \x80|\xc0\x80|\xed\xa0\x80|"
                                   "\xf4\x90\x80\x80|\xf5|\xff|\xe4\xb8";
        char *s = malloc(32 + sizeof(rest));

        CHECK(s != NULL);
        for (int c = 1; c < 0x20; c++)
                s[c - 1] = (char) c;
        memcpy(s + 0x1f, rest, sizeof(rest));
        return s;
}

/* What jansson writes for an inventory, the oracle of the renderer that
 * writes it without a tree (the cache's identities are digests of these
 * bytes): the same document built with json_pack() and json_dumps(). */
static char *inventory_as_jansson(const struct inventory *inv) {
        json_t *pkgs = json_array(), *root;
        char *out;

        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];
                json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name", json_str_or_null(p->name),
                                      "version", json_str_or_null(p->version), "source_name",
                                      json_str_or_null(p->source_name), "source_version",
                                      json_str_or_null(p->source_version), "arch", json_str_or_null(p->arch),
                                      "ecosystem", json_str_or_null(p->ecosystem), "purl", json_str_or_null(p->purl),
                                      "origin_file", json_str_or_null(p->origin_file));

                if (p->guessed_from)
                        json_object_set_new(o, "guessed_from", json_str_or_null(p->guessed_from));
                json_array_append_new(pkgs, o);
        }
        root = json_pack("{s:{s:o, s:o, s:o}, s:o}", "os", "id", json_str_or_null(inv->os.id), "version",
                         json_str_or_null(inv->os.version_id), "ecosystem", json_str_or_null(inv->os.ecosystem),
                         "packages", pkgs);
        if (inv->skipped)
                json_object_set_new(root, "skipped", json_strv(inv->skipped));
        out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return out;
}

static void check_inventory_json(const struct inventory *inv, const char *what) {
        _cleanup_free_ char *ours = NULL, *theirs = inventory_as_jansson(inv);
        struct error err = {};

        CHECK(report_inventory_json(inv, &ours, &err) == 0);
        CHECK_MSG(ours && theirs && strcmp(ours, theirs) == 0, "%s:\nours:\n%s\njansson:\n%s", what, ours, theirs);
}

static void test_inventory_json(struct inventory *hostile) {
        _cleanup_(inventory_freep) struct inventory *empty = inventory_new(), *bytes = inventory_new();
        _cleanup_free_ char *b = hostile_bytes();
        struct package p = {};

        CHECK(empty && bytes && b);
        check_inventory_json(empty, "an empty inventory");
        check_inventory_json(hostile, "the hostile inventory");
        /* every field hostile, or NULL */
        bytes->os = (struct os_info) { .id = strdup(b), .ecosystem = strdup(b) };
        p = (struct package) { .name = strdup(b), .version = strdup(b), .source_name = strdup(b),
                               .source_version = strdup(b), .ecosystem = strdup(b), .purl = strdup(b),
                               .origin_file = strdup(b), .guessed_from = strdup(b) };
        CHECK(inventory_add(bytes, &p) == 0);
        p = (struct package) { .name = strdup("n"), .version = strdup("") };
        CHECK(inventory_add(bytes, &p) == 0);
        CHECK(strv_push(&bytes->skipped, strdup(b)) == 0 && strv_push(&bytes->skipped, strdup("")) == 0);
        check_inventory_json(bytes, "an inventory of hostile bytes");
}

struct row {
        const char *id, *package, *path;
        enum severity severity;
        double score;
        const char *vex;
};

static void add_finding(struct scan_result *res, const struct row *row) {
        struct finding *f = &res->findings[res->n_findings++];

        *f = (struct finding) {
                .id = strdup(row->id), .summary = strdup("Title: \"<script>alert(1)</script>\" \xc3\xa9"),
                .package = strdup(row->package), .ecosystem = strdup("PyPI"),
                .path = row->path ? strdup(row->path) : NULL, .installed_version = strdup("1.0"),
                .fixed_version = row->severity >= SEVERITY_MEDIUM ? strdup("1.1") : NULL,
                .status = row->severity >= SEVERITY_MEDIUM ? FINDING_FIXED : FINDING_AFFECTED,
                .severity = row->severity, .cvss_score = row->score, .epss = -1, .epss_percentile = -1,
        };
        if (row->score >= 0)
                f->cvss_vector = strdup("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        if (row->vex) {
                f->vex_status = strdup(row->vex);
                f->vex_justification = strdup("vulnerable_code_not_in_execute_path");
                f->vex_source = strdup("vex/openvex.json");
        }
}

static const struct row rows[] = {
        { "CVE-2024-0001", HOSTILE_NAME, HOSTILE_PATH, SEVERITY_CRITICAL, 9.8, NULL },
        { "CVE-2024-0001", "other", "/usr/lib/python3/dist-packages/o/METADATA", SEVERITY_HIGH, 7.5, NULL },
        { "DSA-5523-1", "bad\xff" "bytes", NULL, SEVERITY_HIGH, -1, NULL },
        { "GHSA-aaaa-bbbb-cccc", "m", "/m", SEVERITY_MEDIUM, -1, NULL },
        { "USN-1234-1", "l", "/l", SEVERITY_LOW, -1, NULL },
        { "PCEX-NONE", "n", "/n", SEVERITY_NONE, 0.0, NULL },
        { "PCEX-UNKNOWN", "u", "/u", SEVERITY_UNKNOWN, -1, NULL },
        { "CVE-2024-0002", "v", "/v", SEVERITY_CRITICAL, 9.1, "not_affected" },
};

static struct scan_result *make_scan(void) {
        struct scan_result *res = calloc(1, sizeof(*res));

        CHECK(res != NULL);
        res->findings = calloc(ELEMENTSOF(rows), sizeof(*res->findings));
        res->cap_findings = ELEMENTSOF(rows);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                add_finding(res, &rows[i]);
        res->findings[0].kev = true;
        res->findings[0].epss = 0.25;
        res->findings[0].epss_percentile = 0.97;
        /* one CVE's findings of two packages, folded with different advisories */
        CHECK(strv_push(&res->findings[0].aliases, strdup("DSA-5500-1")) == 0);
        CHECK(strv_push(&res->findings[1].aliases, strdup("GHSA-2222-3333-4444")) == 0 &&
              strv_push(&res->findings[1].aliases, strdup("DSA-5500-1")) == 0);
        res->db_revision = strdup("sha256:0123456789abcdef");
        res->db_time = strdup("2026-12-01T00:00:00Z");
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "npm", 3, "the vulnerability database has no record "
                                        "for ecosystem npm; add it to update.ecosystems") == 0);
        CHECK(scan_result_add_unchecked(res, UNCHECKED_INVALID_VERSION, "x \"1.0<b>\"", 1, "an invalid version") == 0);
        res->unchecked_more = 7;
        CHECK(strv_push(&res->warnings, strdup("PCEX-BROKEN x: a range could not be evaluated")) == 0);
        scan_result_recount(res);
        return res;
}

/* What jansson writes for a scan, the oracle of the renderer that writes it
 * without a tree (the hook's cache keeps the compact form): the tree
 * report_scan_json() built before, with json_pack() and json_dumps().  One
 * change: an EPSS figure that is not finite is "epss": null, where the
 * tree's json_pack() failed and the finding was left out. */
static json_t *finding_as_jansson(const struct finding *f) {
        json_t *aliases = json_strv(f->aliases), *cvss = json_null(), *vex = json_null(), *epss = NULL, *o;

        if (f->cvss_vector)
                cvss = json_pack("{s:s, s:f, s:s}", "vector", f->cvss_vector, "score", f->cvss_score, "version",
                                 f->cvss_version == 2 ? "2.0" : f->cvss_version == 30 ? "3.0"
                                 : f->cvss_version == 31 ? "3.1" : "4.0");
        if (f->vex_status)
                vex = json_pack("{s:s, s:o, s:o}", "status", f->vex_status,
                                "justification", json_str_or_null(f->vex_justification),
                                "source", json_str_or_null(f->vex_source));
        o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o}",
                         "id", json_str_or_null(f->id),
                         "aliases", aliases,
                         "summary", json_str_or_null(f->summary),
                         "package", json_str_or_null(f->package),
                         "ecosystem", json_str_or_null(f->ecosystem),
                         "path", json_str_or_null(f->path),
                         "purl", json_str_or_null(f->purl),
                         "installed_version", json_str_or_null(f->installed_version),
                         "source_name", json_str_or_null(f->source_name),
                         "record_package", json_str_or_null(f->record_package),
                         "fixed_version", json_str_or_null(f->fixed_version),
                         "status", finding_status_to_string(f->status),
                         "severity", severity_to_string(f->severity),
                         "severity_source", json_str_or_null(f->severity_source),
                         "cvss", cvss ? cvss : json_null());
        if (!o) {
                json_decref(vex);
                return NULL;
        }
        if (f->epss >= 0)
                epss = json_pack("{s:f, s:f}", "score", f->epss, "percentile", f->epss_percentile);
        json_object_set_new(o, "kev", json_boolean(f->kev));
        json_object_set_new(o, "epss", epss ? epss : json_null());
        json_object_set_new(o, "vex", vex ? vex : json_null());
        return o;
}

static json_t *unchecked_as_jansson(const struct scan_result *res) {
        json_t *a = json_array();

        for (size_t i = 0; i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];

                json_array_append_new(a, json_pack("{s:s, s:o, s:I, s:o}", "kind", unchecked_kind_to_string(u->kind),
                                                   "subject", json_str_or_null(u->subject),
                                                   "packages", (json_int_t) u->packages,
                                                   "reason", json_str_or_null(u->reason)));
        }
        return a;
}

static char *scan_as_jansson(const struct report_target *t) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;
        json_t *summary = json_object(), *findings = json_array(), *root;
        size_t total = 0;
        char *out;

        for (int s = 0; s < _SEVERITY_MAX; s++) {
                json_object_set_new(summary, severity_to_string(s), json_integer((json_int_t) res->counts[s]));
                total += res->counts[s];
        }
        json_object_set_new(summary, "total", json_integer((json_int_t) total));
        json_object_set_new(summary, "fixable", json_integer((json_int_t) res->fixable));
        json_object_set_new(summary, "not_checked", json_integer((json_int_t) res->packages_unchecked));
        json_object_set_new(summary, "suppressed", json_integer((json_int_t) res->suppressed));
        for (size_t i = 0; i < res->n_findings; i++)
                json_array_append_new(findings, finding_as_jansson(&res->findings[i]));
        root = json_pack("{s:o, s:{s:o, s:o, s:o}, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
                         "target", json_str_or_null(t->name),
                         "os", "id", json_str_or_null(os->id), "version", json_str_or_null(os->version_id),
                         "ecosystem", json_str_or_null(os->ecosystem),
                         "packages", (json_int_t) t->inv->n_pkgs,
                         "revision", json_str_or_null(res->db_revision),
                         "db_time", json_str_or_null(res->db_time),
                         "summary", summary,
                         "findings", findings,
                         "warnings", json_array(),
                         "unchecked", unchecked_as_jansson(res),
                         "unchecked_more", (json_int_t) res->unchecked_more);
        if (!root)
                return NULL;
        if (t->digest)
                json_object_set_new(root, "image_digest", json_string(t->digest));
        for (char **w = t->inv->warnings; w && *w; w++)
                json_array_append_new(json_object_get(root, "warnings"), json_str_or_null(*w));
        for (char **w = res->warnings; w && *w; w++)
                json_array_append_new(json_object_get(root, "warnings"), json_str_or_null(*w));
        out = json_dumps(root, (t->compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER |
                         JSON_REAL_PRECISION(12));
        json_decref(root);
        return out;
}

/* Both forms, the compact one the cache keeps and the indented one. */
static void check_scan_json(const struct report_target *t, const char *what) {
        for (int compact = 0; compact <= 1; compact++) {
                struct report_target c = *t;
                _cleanup_free_ char *ours = NULL, *theirs = NULL;
                struct error err = {};

                c.compact = compact;
                theirs = scan_as_jansson(&c);
                CHECK_MSG(report_scan_json(&c, &ours, &err) == 0, "%s: %s", what, err.msg);
                CHECK_MSG(ours && theirs && strcmp(ours, theirs) == 0, "%s%s:\nours:\n%s\njansson:\n%s", what,
                          compact ? " (compact)" : "", ours, theirs);
        }
}

static struct finding *push_finding(struct scan_result *res) {
        struct finding *f = reallocarray(res->findings, res->n_findings + 1, sizeof(*f));

        CHECK(f != NULL);
        if (!f)
                abort();
        res->findings = f;
        res->cap_findings = res->n_findings + 1;
        f = &res->findings[res->n_findings++];
        *f = (struct finding) { .cvss_score = -1, .epss = -1, .epss_percentile = -1 };
        return f;
}

/* Every string of a finding b, an alias list with an empty one. */
static void hostile_finding(struct finding *f, const char *b) {
        char **aliases = NULL;

        CHECK(strv_push(&aliases, strdup(b)) == 0 && strv_push(&aliases, strdup("")) == 0 &&
              strv_push(&aliases, strdup("CVE-2024-0003")) == 0);
        *f = (struct finding) {
                .id = strdup(b), .aliases = aliases, .summary = strdup(b), .package = strdup(b),
                .ecosystem = strdup(b), .path = strdup(b), .purl = strdup(b), .installed_version = strdup(b),
                .source_name = strdup(b), .fixed_version = strdup(b), .severity_source = strdup(b),
                .vex_justification = strdup(b), .vex_source = strdup(b),
                .cvss_score = -1, .epss = -1, .epss_percentile = -1,
        };
}

/* The table, for a terminal: what an advisory id, a package, a version or
 * (on a wide terminal) the title holds of a terminal's escapes, bidi
 * controls and invisible characters (a DB of an older import, a hostile
 * feed) shows as '?', never as the character itself. */
static void test_table_printable(struct inventory *inv) {
        static const char evil[] = "CVE-1\x1b]0;x\x07\r\nFORGED allow\xc2\x9b" "31m ng\xe2\x80\xaexni\xe2\x81\xa9 z\xe2\x80\x8b";
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct report_target t = { .name = "example.com/app:1.0", .inv = inv };
        struct error err = {};
        struct finding *f;

        CHECK(res != NULL);
        f = push_finding(res);
        f->id = strdup(evil);
        f->package = strdup(evil);
        f->installed_version = strdup(evil);
        f->fixed_version = strdup(evil);
        f->summary = strdup(strchr(evil, '\n') + 1);   /* the title is the first line */
        f->severity = SEVERITY_HIGH;
        scan_result_recount(res);
        t.res = res;
        for (t.width = 0; t.width <= 300; t.width += 300) {    /* a pipe, a wide terminal (TITLE) */
                _cleanup_free_ char *out = NULL;
                size_t n;

                CHECK_MSG(report_render(report_format_find("table"), &t, &out, &err) == 0, "%s", err.msg);
                for (const unsigned char *p = (const unsigned char *) out; p && *p; p += n ? n : 1) {
                        n = utf8_char_len(p);
                        CHECK_MSG((*p >= 0x20 || *p == '\n') && *p != 0x7f && n > 0 && !utf8_hidden(p, n),
                                  "byte %#x at %zu in:\n%s", *p, (size_t) ((const char *) p - out), out);
                }
                CHECK_MSG(out && strstr(out, "CVE-1?]0;x???FORGED"), "%s", out);
                CHECK_MSG(out && !!strstr(out, "TITLE") == (t.width > 0), "%s", out);
        }
}

/* The inventory's table quotes names, versions, architectures and guesses
 * of the image's files: no control character or broken UTF-8 reaches the
 * terminal, each cell keeps its columns. */
static void test_inventory_table_printable(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct report_target t = { .name = "x", .inv = inv };
        struct package p = {
                .name = strdup("ev\x1b]0;x\x07il"), .version = strdup("1\x1b[31m"), .source_name = strdup("s\xff"),
                .source_version = strdup("1"), .arch = strdup("a\r\nFORGED"), .ecosystem = strdup("PyPI"),
                .purl = strdup("pkg:pypi/evil@1"), .origin_file = strdup("/x"), .guessed_from = strdup("g\xc2\x9b" "2J"),
        };
        _cleanup_free_ char *out = NULL;
        struct error err = {};

        CHECK(inv && inventory_add(inv, &p) == 0);
        CHECK_MSG(report_render(report_format_find("table"), &t, &out, &err) == 0, "%s", err.msg);
        for (const unsigned char *c = (const unsigned char *) out; c && *c; c++)
                CHECK_MSG((*c >= 0x20 || *c == '\n') && *c != 0x7f && *c != 0x9b && *c != 0xff, "byte %#x in:\n%s",
                          *c, out);
        CHECK_MSG(out && strstr(out, "ev?]0;x?il  1?[31m   s?      a??FORGED  (guessed from g??2J)\n"), "%s", out);
}

/* The scan table's header counts in English: one package, one hour. */
static void test_table_singular(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct package p = { .name = strdup("p"), .version = strdup("1"), .ecosystem = strdup("PyPI") };
        struct report_target t = { .name = "x", .inv = inv, .res = res };
        _cleanup_free_ char *out = NULL;
        struct error err = {};
        time_t hour_ago = time(NULL) - 3600 - 60;
        char when[32];

        CHECK(inv && res && inventory_add(inv, &p) == 0);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&hour_ago));
        if (res)
                res->db_time = strdup(when);
        CHECK_MSG(report_render(report_format_find("table"), &t, &out, &err) == 0, "%s", err.msg);
        CHECK_MSG(out && strstr(out, ", 1 package)\n"), "%s", out);
        CHECK_MSG(out && strstr(out, " (1 hour old)"), "%s", out);
}

/* Scores as jansson writes them (JSON_REAL_PRECISION(12)), and those it
 * cannot (json_real() refuses what is not finite). */
static void add_score_findings(struct scan_result *res) {
        static const double scores[] = {
                0.0, -0.0, 1.0, 7.0, 10.0, 9.8, 0.1, 0.97, 1.0 / 3, -1.0, -2.5, 1e-7, 1.5e-10, 1e11, 1e12,
                1e21, 1e100, 1e300, 123456789012345.0, 0.000123456789012345, 5e-324, DBL_MIN, DBL_MAX, -DBL_MAX,
                NAN, INFINITY, -INFINITY,
        };
        static const int versions[] = { 2, 30, 31, 40, 0 };

        for (size_t i = 0; i < ELEMENTSOF(scores); i++) {
                *push_finding(res) = (struct finding) {
                        .id = strdup("CVE-2024-0004"), .package = strdup("p"), .installed_version = strdup("1"),
                        .cvss_vector = strdup("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                        .cvss_score = scores[i], .cvss_version = versions[i % ELEMENTSOF(versions)],
                        .epss = scores[i], .epss_percentile = scores[i], .kev = i % 2,
                };
                *push_finding(res) = (struct finding) {
                        .id = strdup("CVE-2024-0005"), .cvss_score = -1, .epss = 0.5, .epss_percentile = scores[i],
                };
        }
}

/* Every string hostile bytes, or NULL; CVSS and EPSS figures of every
 * kind; what json_pack() failed on (a CVSS vector or VEX status that is
 * not UTF-8, a status, severity or unchecked kind we do not know). */
static void test_scan_json_hostile(const char *b) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct report_target t = { .name = b, .digest = b };
        struct finding *f;

        CHECK(inv && res);
        inv->os = (struct os_info) { .id = strdup(b), .ecosystem = strdup(b) };
        CHECK(strv_push(&inv->warnings, strdup(b)) == 0 && strv_push(&inv->warnings, strdup("")) == 0);
        res->db_revision = strdup(b);
        hostile_finding(push_finding(res), b);
        res->findings[0].cvss_vector = strdup(b);       /* not UTF-8: null */
        res->findings[0].cvss_score = 5.0;
        res->findings[0].vex_status = strdup(b);        /* not UTF-8: null */
        f = push_finding(res);
        hostile_finding(f, b);
        f->cvss_vector = strdup("\x01\"\\\xc3\xa9\t/");       /* UTF-8, escaped */
        f->cvss_score = 5.0;
        f->cvss_version = 2;
        f->vex_status = strdup("not_affected \"\xc3\xa9\n");
        f->kev = true;
        f->epss = 0.25;
        f->epss_percentile = 0.97;
        f->status = FINDING_AFFECTED;
        f->severity = SEVERITY_CRITICAL;
        push_finding(res);                              /* every field NULL */
        *push_finding(res) = (struct finding) {};      /* and every figure 0 */
        push_finding(res)->status = _FINDING_STATUS_MAX;        /* left out */
        add_score_findings(res);
        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, "s", 2, "r") == 0 &&
              scan_result_add_unchecked(res, UNCHECKED_UNKNOWN_PURL, "s", 1, "r") == 0 &&
              scan_result_add_unchecked(res, UNCHECKED_INCOMPLETE, "s", 0, "r") == 0);
        for (size_t i = 0; i < 2; i++) {        /* hostile bytes, then NULL */
                free(res->unchecked[i].subject);
                free(res->unchecked[i].reason);
                res->unchecked[i].subject = i == 0 ? strdup(b) : NULL;
                res->unchecked[i].reason = i == 0 ? strdup(b) : NULL;
        }
        res->unchecked[2].kind = _UNCHECKED_KIND_MAX;  /* left out */
        res->unchecked_more = SIZE_MAX;
        CHECK(strv_push(&res->warnings, strdup(b)) == 0);
        scan_result_recount(res);
        /* left out; after the count, which indexes by severity */
        push_finding(res)->severity = _SEVERITY_MAX;
        t.inv = inv;
        t.res = res;
        check_scan_json(&t, "a scan of hostile bytes, a digest that is not UTF-8");
        t.name = NULL;
        t.digest = "sha256:\"\xc3\xa9\x01";
        check_scan_json(&t, "a scan of hostile bytes, a digest of UTF-8");
        inv->n_pkgs = SIZE_MAX;                         /* counts are json_int_t, as they were */
        t.digest = NULL;
        check_scan_json(&t, "a scan of hostile bytes, no digest");
        inv->n_pkgs = 0;
}

/* An EPSS figure that is not finite: the finding is there, its "epss" null
 * (the tree left it out). */
static void test_scan_json_epss(struct inventory *inv) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct report_target t = { .name = "x", .inv = inv, .res = res, .compact = true };
        _cleanup_free_ char *json = NULL;
        struct error err = {};
        json_t *doc, *fs;

        CHECK(res != NULL);
        push_finding(res)->epss = INFINITY;
        push_finding(res)->epss_percentile = NAN;
        res->findings[1].epss = 0.5;
        CHECK(report_scan_json(&t, &json, &err) == 0);
        doc = json ? json_loads(json, JSON_REJECT_DUPLICATES, NULL) : NULL;
        fs = json_object_get(doc, "findings");
        CHECK(json_array_size(fs) == 2);
        CHECK(json_is_null(json_object_get(json_array_get(fs, 0), "epss")));
        CHECK(json_is_null(json_object_get(json_array_get(fs, 1), "epss")));
        json_decref(doc);
}

static void test_scan_json(struct inventory *hostile, struct scan_result *res, const char *digest) {
        _cleanup_(inventory_freep) struct inventory *empty_inv = inventory_new();
        struct scan_result empty = {};
        _cleanup_free_ char *b = hostile_bytes();

        CHECK(empty_inv && b);
        check_scan_json(&(struct report_target) { .inv = empty_inv, .res = &empty }, "an empty scan");
        check_scan_json(&(struct report_target) { .name = "/", .inv = empty_inv, .res = &empty, .digest = digest },
                        "an empty scan of an image");
        check_scan_json(&(struct report_target) { .name = HOSTILE_NAME, .inv = hostile, .res = res },
                        "the hostile scan");
        check_scan_json(&(struct report_target) { .name = HOSTILE_NAME, .inv = hostile, .res = res, .digest = digest },
                        "the hostile scan of an image");
        test_scan_json_hostile(b);
        test_scan_json_epss(empty_inv);
}

static json_t *render(const char *format, const struct report_target *t, const char *out_name) {
        const struct report_format *f = report_format_find(format);
        _cleanup_free_ char *text = NULL;
        struct error err = {};
        const char *out = getenv("PC_REPORT_OUT");
        json_error_t jerr;
        json_t *doc;

        CHECK(f != NULL);
        if (!f)
                return NULL;
        CHECK_MSG(report_render(f, t, &text, &err) == 0, "%s: %s", format, err.msg);
        if (!text)
                return NULL;
        doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        CHECK_MSG(doc != NULL, "%s: not JSON: %s", format, jerr.text);
        if (out && out_name)
                test_write_file(test_path(out, out_name), text);
        return doc;
}

static json_t *rule(json_t *rules, const char *id) {
        size_t i;
        json_t *r;

        json_array_foreach(rules, i, r)
                if (streq_ptr(json_string_value(json_object_get(r, "id")), id))
                        return r;
        return NULL;
}

static const char *str_at(json_t *o, const char *path) {
        char buf[256], *save = NULL;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, ".", &save); o && k; k = strtok_r(NULL, ".", &save))
                o = json_is_array(o) ? json_array_get(o, strtoul(k, NULL, 10)) : json_object_get(o, k);
        return json_string_value(o);
}

static void test_sarif(const struct report_target *t) {
        json_t *doc = render("sarif", t, "scan.sarif");
        json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
        json_t *rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
        json_t *results = json_object_get(run, "results"), *notes, *r;
        static const struct {
                const char *id, *score, *url;
        } want[] = {
                { "CVE-2024-0001", "9.8", "https://nvd.nist.gov/vuln/detail/CVE-2024-0001" },  /* the highest */
                { "DSA-5523-1", "8.0", "https://security-tracker.debian.org/tracker/DSA-5523-1" },
                { "GHSA-aaaa-bbbb-cccc", "5.5", "https://github.com/advisories/GHSA-aaaa-bbbb-cccc" },
                { "USN-1234-1", "2.0", "https://ubuntu.com/security/notices/USN-1234-1" },
                { "PCEX-NONE", "0.0", "https://osv.dev/vulnerability/PCEX-NONE" },
                { "PCEX-UNKNOWN", NULL, "https://osv.dev/vulnerability/PCEX-UNKNOWN" },
                { "CVE-2024-0002", "9.1", "https://nvd.nist.gov/vuln/detail/CVE-2024-0002" },
        };
        static const char *const levels[] = { "error", "error", "error", "warning", "note", "note", "note", "error" };
        size_t i;

        if (!doc)
                return;
        CHECK_STREQ(str_at(doc, "version"), "2.1.0");
        CHECK(json_array_size(rules) == ELEMENTSOF(want) + 1);        /* and not-checked's, last */
        CHECK_STREQ(str_at(rules, "7.id"), "not-checked");
        CHECK_STREQ(str_at(rules, "7.defaultConfiguration.level"), "error");
        /* a rule's aliases are all its findings', each once */
        CHECK_STREQ(str_at(rules, "0.id"), "CVE-2024-0001");
        CHECK(json_array_size(json_object_get(json_object_get(json_array_get(rules, 0), "properties"),
                                              "aliases")) == 2);
        CHECK_STREQ(str_at(rules, "0.properties.aliases.0"), "DSA-5500-1");
        CHECK_STREQ(str_at(rules, "0.properties.aliases.1"), "GHSA-2222-3333-4444");
        CHECK(strstr(str_at(rules, "0.help.text"), "Aliases: DSA-5500-1, GHSA-2222-3333-4444\n") != NULL);
        for (i = 0; i < ELEMENTSOF(want); i++) {
                json_t *ru = rule(rules, want[i].id);
                json_t *sev = json_object_get(json_object_get(ru, "properties"), "security-severity");

                CHECK_MSG(ru != NULL, "rule %s", want[i].id);
                CHECK_MSG(want[i].score ? streq_ptr(json_string_value(sev), want[i].score) : sev == NULL,
                          "%s: security-severity %s", want[i].id, json_string_value(sev));
                CHECK_STREQ(str_at(ru, "helpUri"), want[i].url);
                CHECK_STREQ(str_at(ru, "properties.tags.0"), "security");
                CHECK_STREQ(str_at(ru, "properties.tags.1"), "PyPI");
                CHECK_STREQ(str_at(ru, "shortDescription.text"), "Title: \"<script>alert(1)</script>\" \xc3\xa9");
        }
        CHECK(json_array_size(results) == ELEMENTSOF(rows) + 3);      /* 2 unchecked, 7 more */
        json_array_foreach(results, i, r) {
                json_t *sup = json_object_get(r, "suppressions");

                if (i >= ELEMENTSOF(rows)) {    /* what was not checked: a result too, at the image's root */
                        CHECK_STREQ(str_at(r, "ruleId"), "not-checked");
                        CHECK(json_integer_value(json_object_get(r, "ruleIndex")) == 7);
                        CHECK_STREQ(str_at(r, "locations.0.physicalLocation.artifactLocation.uri"), ".");
                        CHECK(json_object_size(json_object_get(r, "partialFingerprints")) == 1);
                        continue;
                }

                CHECK_STREQ(str_at(r, "ruleId"), rows[i].id);
                CHECK_STREQ(str_at(r, "level"), levels[i]);
                CHECK_MSG(!!sup == !!rows[i].vex, "%s: suppressions", rows[i].id);
                CHECK(json_object_size(json_object_get(r, "partialFingerprints")) == 1);
                CHECK(str_at(r, "locations.0.physicalLocation.artifactLocation.uri") != NULL);
        }
        r = json_array_get(results, 0);
        CHECK_STREQ(str_at(r, "locations.0.physicalLocation.artifactLocation.uri"),
                    "opt/we%22ird%20%3Cscript%3E%C3%A9%20%25%3F%23%3Ax/site-packages/x-1.0.dist-info/METADATA");
        CHECK_STREQ(str_at(r, "locations.0.logicalLocations.0.fullyQualifiedName"), HOSTILE_NAME);
        CHECK(json_is_true(json_object_get(json_object_get(r, "properties"), "kev")));
        CHECK(json_real_value(json_object_get(json_object_get(r, "properties"), "epss")) == 0.25);
        CHECK(json_real_value(json_object_get(json_object_get(r, "properties"), "epssPercentile")) == 0.97);
        CHECK(strstr(str_at(r, "message.text"), HOSTILE_NAME " 1.0") != NULL);
        CHECK(strstr(str_at(r, "message.text"), "fixed in 1.1") != NULL);
        CHECK(strstr(str_at(r, "message.text"), "CVSS 9.8") != NULL);
        r = json_array_get(results, 1);
        CHECK(json_object_get(json_object_get(r, "properties"), "epss") == NULL);
        r = json_array_get(results, 2);         /* no path; a package name that is not UTF-8 */
        CHECK_STREQ(str_at(r, "locations.0.physicalLocation.artifactLocation.uri"), ".");
        CHECK_STREQ(str_at(r, "properties.package"), "bad?bytes");
        r = json_array_get(results, 7);
        CHECK_STREQ(str_at(r, "suppressions.0.kind"), "external");
        CHECK_STREQ(str_at(r, "suppressions.0.status"), "accepted");
        CHECK_STREQ(str_at(r, "suppressions.0.justification"),
                    "VEX not_affected: vulnerable_code_not_in_execute_path (vex/openvex.json)");
        CHECK_STREQ(str_at(r, "properties.vex.status"), "not_affected");

        r = json_array_get(results, ELEMENTSOF(rows));
        CHECK_STREQ(str_at(r, "level"), "error");
        CHECK_STREQ(str_at(r, "properties.kind"), "no_data");
        CHECK_STREQ(str_at(r, "properties.subject"), "npm");
        CHECK(strstr(str_at(r, "message.text"), "no record for ecosystem npm") != NULL);
        CHECK_STREQ(str_at(results, "9.level"), "warning");
        CHECK_STREQ(str_at(results, "10.message.text"), "NOT CHECKED: 7 more items (see --format json)");

        notes = json_object_get(json_array_get(json_object_get(run, "invocations"), 0), "toolExecutionNotifications");
        CHECK(json_array_size(notes) == 5);     /* 2 unchecked, 7 more, an inventory and a match warning */
        CHECK_STREQ(str_at(notes, "0.level"), "error");
        CHECK_STREQ(str_at(notes, "0.properties.kind"), "no_data");
        CHECK_STREQ(str_at(notes, "0.properties.subject"), "npm");
        CHECK(strstr(str_at(notes, "0.message.text"), "no record for ecosystem npm") != NULL);
        CHECK_STREQ(str_at(notes, "1.level"), "warning");
        CHECK_STREQ(str_at(notes, "1.properties.subject"), "x \"1.0<b>\"");
        CHECK_STREQ(str_at(notes, "2.message.text"), "NOT CHECKED: 7 more items (see --format json)");
        CHECK_STREQ(str_at(notes, "3.descriptor.id"), "inventory-warning");
        CHECK_STREQ(str_at(notes, "4.descriptor.id"), "match-warning");
        CHECK_STREQ(str_at(run, "properties.dbRevision"), "sha256:0123456789abcdef");
        CHECK_STREQ(str_at(run, "properties.dbTime"), "2026-12-01T00:00:00Z");
        CHECK_STREQ(str_at(run, "properties.imageDigest"), t->digest);
        CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(run, "properties"), "summary"),
                                                 "suppressed")) == 1);
        json_decref(doc);
}

/* A scan of 20,000 findings of 10,000 advisories, each advisory's two
 * findings 10,000 apart (two packages), the ids in no sorted order: one
 * rule per advisory, in the order the findings first name them, with both
 * findings' aliases and the higher score; every result points at its own
 * rule.  (The rules were looked for one by one: 100,000 findings of as
 * many advisories took a minute.) */
#define SARIF_MANY_IDS 10000
static void test_sarif_many(struct inventory *inv) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct report_target t = { .name = "many", .inv = inv, .res = res };
        json_t *doc, *run, *rules, *results, *r;
        char id[32], alias[32];
        size_t i, bad = 0;

        CHECK(res != NULL);
        if (!res)
                return;
        res->findings = calloc(2 * SARIF_MANY_IDS, sizeof(*res->findings));
        res->cap_findings = 2 * SARIF_MANY_IDS;
        CHECK(res->findings != NULL);
        if (!res->findings)
                return;
        for (i = 0; i < 2 * SARIF_MANY_IDS; i++) {
                size_t k = (i % SARIF_MANY_IDS) * 7919 % SARIF_MANY_IDS;  /* every id once per half */
                struct row row = { id, i < SARIF_MANY_IDS ? "first" : "second", "/p", SEVERITY_HIGH,
                                   i < SARIF_MANY_IDS ? 7.0 : 8.5, NULL };

                snprintf(id, sizeof(id), "GHSA-%05zu", k);
                snprintf(alias, sizeof(alias), "CVE-2024-%05zu%c", k, i < SARIF_MANY_IDS ? 'a' : 'b');
                add_finding(res, &row);
                CHECK(strv_push(&res->findings[i].aliases, strdup(alias)) == 0);
        }
        scan_result_recount(res);
        doc = render("sarif", &t, NULL);
        run = json_array_get(json_object_get(doc, "runs"), 0);
        rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
        results = json_object_get(run, "results");
        CHECK_MSG(json_array_size(rules) == SARIF_MANY_IDS, "%zu rules", json_array_size(rules));
        CHECK_MSG(json_array_size(results) == 2 * SARIF_MANY_IDS, "%zu results", json_array_size(results));
        json_array_foreach(results, i, r) {
                size_t k = (i % SARIF_MANY_IDS) * 7919 % SARIF_MANY_IDS;
                json_int_t at = json_integer_value(json_object_get(r, "ruleIndex"));
                json_t *ru = json_array_get(rules, (size_t) at);

                snprintf(id, sizeof(id), "GHSA-%05zu", k);
                bad += at != (json_int_t) (i % SARIF_MANY_IDS) || !streq_ptr(str_at(r, "ruleId"), id) ||
                       !streq_ptr(json_string_value(json_object_get(ru, "id")), id) ||
                       json_array_size(json_object_get(json_object_get(ru, "properties"), "aliases")) != 2 ||
                       !streq_ptr(str_at(ru, "properties.security-severity"), "8.5");
        }
        CHECK_MSG(bad == 0, "%zu results of the wrong rule", bad);
        json_decref(doc);
}

static void test_spdx(const struct report_target *t, const char *out_name) {
        json_t *doc = render("spdx-json", t, out_name), *pkgs, *p, *again;
        size_t i;

        if (!doc)
                return;
        CHECK_STREQ(str_at(doc, "spdxVersion"), "SPDX-2.3");
        CHECK_STREQ(str_at(doc, "creationInfo.created"), "2025-12-04T00:00:00Z");
        CHECK_STREQ(str_at(doc, "creationInfo.creators.0"), "Tool: portcullis-" PORTCULLIS_VERSION);
        CHECK(startswith(str_at(doc, "documentNamespace"), "https://spdx.org/spdxdocs/portcullis/"));
        CHECK(strstr(str_at(doc, "comment"), "Not looked at: /deep") != NULL);
        CHECK(!!t->res == startswith(str_at(doc, "comment"), "Scanned with vulnerability database revision "
                                     "sha256:0123456789abcdef, data of 2026-12-01T00:00:00Z\n"));
        /* a scan's document says what was not checked: its packages are no clean ones */
        CHECK(!!t->res == !!strstr(str_at(doc, "comment"), "\nNot checked: npm: "));
        CHECK(!!t->res == !!strstr(str_at(doc, "comment"), "\nNot checked: 7 more items"));
        pkgs = json_object_get(doc, "packages");
        CHECK(json_array_size(pkgs) == 4);
        CHECK_STREQ(str_at(pkgs, "0.SPDXID"), "SPDXRef-Target");
        CHECK_STREQ(str_at(pkgs, "0.checksums.0.algorithm"), "SHA256");
        CHECK_STREQ(str_at(pkgs, "1.primaryPackagePurpose"), "OPERATING-SYSTEM");
        p = json_array_get(pkgs, 2);
        CHECK_STREQ(str_at(p, "SPDXID"), "SPDXRef-Package-1");
        CHECK_STREQ(str_at(p, "name"), HOSTILE_NAME);
        CHECK_STREQ(str_at(p, "sourceInfo"), "listed in " HOSTILE_PATH);
        CHECK_STREQ(str_at(p, "externalRefs.0.referenceLocator"), "pkg:pypi/evil@1.0");
        CHECK_STREQ(str_at(pkgs, "3.name"), "bad?bytes");
        CHECK_STREQ(str_at(pkgs, "3.comment"), "name and version guessed from file name");
        json_array_foreach(json_object_get(doc, "relationships"), i, p)
                CHECK(i == 0 ? streq_ptr(str_at(p, "relationshipType"), "DESCRIBES")
                             : streq_ptr(str_at(p, "relationshipType"), "CONTAINS"));
        CHECK(json_array_size(json_object_get(doc, "relationships")) == 4);
        again = render("spdx-json", t, NULL);
        CHECK(again && json_equal(doc, again));
        json_decref(again);
        json_decref(doc);
}

/* Every kind of unchecked item is a notification with a level, also a
 * kind added after this test. */
static void test_unchecked_kinds(struct inventory *inv) {
        for (int k = 0; k < _UNCHECKED_KIND_MAX; k++) {
                struct scan_result res = {};
                struct report_target t = { .name = "/", .inv = inv, .res = &res };
                json_t *doc, *n;

                CHECK(scan_result_add_unchecked(&res, k, "subject", 1, "reason") == 0);
                doc = render("sarif", &t, NULL);
                n = json_array_get(json_object_get(json_array_get(json_object_get(json_array_get(
                        json_object_get(doc, "runs"), 0), "invocations"), 0), "toolExecutionNotifications"), 0);
                CHECK_MSG(streq_ptr(str_at(n, "level"), k == UNCHECKED_INVALID_VERSION || k == UNCHECKED_RECORD_ERROR
                                    ? "warning" : "error"), "kind %s", unchecked_kind_to_string(k));
                CHECK_STREQ(str_at(n, "properties.kind"), unchecked_kind_to_string(k));
                json_decref(doc);
                free(res.unchecked[0].subject);
                free(res.unchecked[0].reason);
                free(res.unchecked);
        }
}

/* The JSON documents (json, CycloneDX, SARIF, SPDX) of a scan and of an
 * inventory whose names and texts hold what a terminal acts on or a reader
 * mistakes (C1 controls, bidi controls, invisible characters, U+2028): each
 * such code point is a \\uXXXX escape, never the raw character, and the
 * document still parses to the very same strings (RFC 8259 section 7). */
static void test_json_hidden(void) {
        static const char evil[] = "ng\xe2\x80\xaexni\xe2\x81\xa9 csi\xc2\x9b" "31m zw\xe2\x80\x8b ls\xe2\x80\xa8"
                                   "tag\xf3\xa0\x81\x81 \xc3\xa9";
        static const char *const formats[] = { "json", "cyclonedx", "sarif", "spdx-json" };
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct report_target t = { .name = evil, .inv = inv };
        struct package p = { .name = strdup(evil), .version = strdup("1.0"), .ecosystem = strdup("npm"),
                             .origin_file = strdup(evil) };
        _cleanup_free_ char *one = strdup("[\"tag\xf3\xa0\x81\x81\"]");
        struct finding *f;

        CHECK(inv && res && one);
        CHECK(json_escape_hidden(&one) == 0 && streq_ptr(one, "[\"tag\\uDB40\\uDC41\"]"));
        CHECK(inventory_add(inv, &p) == 0);
        f = push_finding(res);
        hostile_finding(f, evil);
        f->severity = SEVERITY_HIGH;
        scan_result_recount(res);
        for (int scan = 0; scan <= 1; scan++)
                for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                        _cleanup_free_ char *out = NULL;
                        struct error err = {};
                        json_t *doc;
                        size_t n;

                        t.res = scan ? res : NULL;
                        if (!scan && strcmp(formats[i], "sarif") == 0)
                                continue;       /* a scan's only */
                        CHECK_MSG(report_render(report_format_find(formats[i]), &t, &out, &err) == 0, "%s: %s",
                                  formats[i], err.msg);
                        for (const unsigned char *q = (const unsigned char *) out; q && *q; q += n ? n : 1) {
                                n = utf8_char_len(q);
                                CHECK_MSG(n > 0 && !utf8_hidden(q, n), "%s: byte %#x at %zu", formats[i], *q,
                                          (size_t) ((const char *) q - out));
                        }
                        doc = out ? json_loads(out, JSON_REJECT_DUPLICATES, NULL) : NULL;
                        CHECK_MSG(doc != NULL, "%s: not JSON:\n%s", formats[i], out);
                        if (strcmp(formats[i], "json") == 0)
                                CHECK_STREQ(str_at(doc, scan ? "findings.0.summary" : "packages.0.origin_file"),
                                            evil);
                        json_decref(doc);
                }
}

int main(void) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        struct report_target t = {
                .name = "example.com/app:1.0",
                .digest = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
        };
        _cleanup_free_ char *a = NULL, *b = NULL;
        struct error err = {};

        setenv("SOURCE_DATE_EPOCH", "1764806400", 1);
        test_links();
        test_json_text();
        test_json_primitives();
        inv = make_inventory();
        res = make_scan();
        t.inv = inv;
        test_inventory_json(inv);
        CHECK(res->suppressed == 1 && res->counts[SEVERITY_CRITICAL] == 1);
        t.res = res;
        test_scan_json(inv, res, t.digest);
        test_sarif(&t);
        test_sarif_many(inv);
        test_unchecked_kinds(inv);
        test_table_printable(inv);
        test_table_singular();
        test_inventory_table_printable();
        test_json_hidden();
        test_spdx(&t, "scan.spdx.json");
        t.res = NULL;
        test_spdx(&t, "inventory.spdx.json");
        CHECK(report_render(report_format_find("sarif"), &t, &a, &err) == -EOPNOTSUPP);
        CHECK(strstr(err.msg, "--format sarif: not a format for an inventory") != NULL);
        /* another target, another namespace */
        CHECK(report_render(report_format_find("spdx-json"), &t, &a, &err) == 0);
        t.name = "example.com/app:2.0";
        CHECK(report_render(report_format_find("spdx-json"), &t, &b, &err) == 0);
        CHECK(a && b && strstr(a, "documentNamespace") && strstr(b, "documentNamespace") &&
              strncmp(strstr(a, "documentNamespace"), strstr(b, "documentNamespace"), 120) != 0);
        return test_end();
}
