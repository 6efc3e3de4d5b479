/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "report-internal.h"

#define COL_MAX 40

/* Harbor's severity colours: critical red, high orange, medium yellow, low
 * blue, none green, unknown grey (ANSI 256-colour where 16 colours have no
 * orange). */
const char *const report_sev_color[_SEVERITY_MAX] = {
        [SEVERITY_UNKNOWN] = "\033[90m",
        [SEVERITY_NONE] = "\033[32m",
        [SEVERITY_LOW] = "\033[34m",
        [SEVERITY_MEDIUM] = "\033[33m",
        [SEVERITY_HIGH] = "\033[38;5;208m",
        [SEVERITY_CRITICAL] = "\033[1;31m",
};

static size_t total(const struct scan_result *res) {
        size_t n = 0;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                n += res->counts[s];
        return n;
}

static int append_cell(struct strbuf *b, const char *s, size_t width, const char *color) {
        size_t n = strlen(s);
        int r = 0;

        if (color)
                r = strbuf_puts(b, color);
        if (r >= 0 && n > width && width > 1) {
                r = strbuf_append_printable(b, s, width - 1);
                if (r >= 0)
                        r = strbuf_puts(b, "…");
                n = width;
        } else if (r >= 0)
                r = strbuf_append_printable(b, s, n);
        if (r >= 0 && color)
                r = strbuf_puts(b, REPORT_COLOR_OFF);
        for (; r >= 0 && n < width + 2; n++)
                r = strbuf_append(b, " ", 1);
        return r;
}

static size_t width_of(const struct scan_result *res, size_t off, const char *header) {
        size_t w = strlen(header);

        for (size_t i = 0; i < res->n_findings; i++) {
                const char *s = *(const char **) ((const char *) &res->findings[i] + off);
                size_t n = s ? strlen(s) : 1;

                if (n > w)
                        w = n;
        }
        return w > COL_MAX ? COL_MAX : w;
}

/* The advisory's title in at most width columns (one a character), its
 * first line only, control characters, what utf8_hidden() finds and broken
 * UTF-8 as '?' (it is the feed's text; one a character, one a byte that
 * starts none), "…" where it is cut. */
static int append_title(struct strbuf *b, const char *s, size_t width) {
        const unsigned char *p = (const unsigned char *) s;
        size_t cols = 0;
        int r = 0;

        if (!s)
                return strbuf_puts(b, "-");
        while (r >= 0 && *p && *p != '\n') {
                size_t n = utf8_char_len(p), k = n ? n : 1;
                bool shown = n > 0 && *p >= 0x20 && *p != 0x7f && !utf8_hidden(p, n);

                if (cols + 1 == width && p[k] && p[k] != '\n')
                        return strbuf_puts(b, "…");
                r = shown ? strbuf_append(b, (const char *) p, n) : strbuf_puts(b, "?");
                p += k;
                cols++;
        }
        return r;
}

long long report_db_age_hours(const char *rfc3339) {
        struct tm tm = {};
        const char *end = rfc3339 ? strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        time_t t = end ? timegm(&tm) : (time_t) -1, now = time(NULL);

        return t == (time_t) -1 || now < t ? -1 : (long long) (now - t) / 3600;
}

static int summary_line(struct strbuf *b, const struct report_target *t, bool color) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;

        long long age = report_db_age_hours(res->db_time);
        int r;

        r = strbuf_printf(b, "%s%s%s (%s%s%s, %s, %zu package%s)\nDatabase revision %.19s", t->name,
                          t->digest ? " " : "", strempty(t->digest),
                          os->id ? os->id : "unknown OS", os->version_id ? " " : "", strempty(os->version_id),
                          os->ecosystem ? os->ecosystem : "no known ecosystem", t->inv->n_pkgs,
                          t->inv->n_pkgs == 1 ? "" : "s", strna(res->db_revision));
        if (r >= 0 && res->db_time)
                r = age >= 0 ? strbuf_printf(b, ", data of %s (%lld hour%s old)", res->db_time, age,
                                             age == 1 ? "" : "s")
                             : strbuf_printf(b, ", data of %s", res->db_time);
        if (r >= 0)
                r = strbuf_puts(b, "\n\n");
        if (r >= 0)
                r = strbuf_printf(b, "Total: %zu (", total(res));
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = strbuf_printf(b, "%s%s%s: %zu%s%s", color ? report_sev_color[s] : "", severity_to_string(s),
                                  "", res->counts[s], color ? REPORT_COLOR_OFF : "", s > 0 ? ", " : "");
        if (r >= 0)
                r = strbuf_printf(b, "), %zu fixable", res->fixable);
        if (r >= 0 && res->suppressed)
                r = strbuf_printf(b, ", %zu suppressed by VEX (listed, not counted)", res->suppressed);
        if (r >= 0)
                r = strbuf_puts(b, "\n");
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++)
                r = strbuf_printf(b, "%sNOT CHECKED%s %s: %s\n", color ? report_sev_color[SEVERITY_HIGH] : "",
                                  color ? REPORT_COLOR_OFF : "", res->unchecked[i].subject, res->unchecked[i].reason);
        if (r >= 0 && res->unchecked_more)
                r = strbuf_printf(b, "NOT CHECKED: %zu more items (see --format json)\n", res->unchecked_more);
        return r;
}

/* "HIGH (debian)"; "HIGH, suppressed (VEX not_affected: component_not_present)" (cut to
 * the buffer) */
static int severity_cell(const struct finding *f, char *buf, size_t size) {
        if (f->vex_status)
                return snprintf(buf, size, "%s, suppressed (VEX %s%s%s)", severity_to_string(f->severity),
                                f->vex_status, f->vex_justification ? ": " : "", strempty(f->vex_justification));
        return snprintf(buf, size, "%s%s%s%s", severity_to_string(f->severity), f->severity_source ? " (" : "",
                        strempty(f->severity_source), f->severity_source ? ")" : "");
}

/* KEV ("yes") and EPSS (the percentile: p99.9 is above 99.9% of the CVEs
 * FIRST scores) */
#define KEV_WIDTH 3
#define EPSS_WIDTH 6
#define EXPLOIT_COLUMNS_WIDTH (KEV_WIDTH + 2 + EPSS_WIDTH + 2)

bool report_has_exploit_data(const struct scan_result *res) {
        for (size_t i = 0; i < res->n_findings; i++)
                if (res->findings[i].kev || res->findings[i].epss_percentile >= 0)
                        return true;
        return false;
}

static int exploit_header(struct strbuf *b) {
        int r = append_cell(b, "KEV", KEV_WIDTH, NULL);

        return r < 0 ? r : append_cell(b, "EPSS", EPSS_WIDTH, NULL);
}

static int exploit_cells(struct strbuf *b, const struct finding *f, bool color) {
        char pct[16] = "-";
        int r;

        if (f->epss_percentile >= 0)
                snprintf(pct, sizeof(pct), "p%.1f", f->epss_percentile * 100 >= 99.95 && f->epss_percentile < 1
                                                     ? 99.9 : f->epss_percentile * 100);
        r = append_cell(b, f->kev ? "yes" : "-", KEV_WIDTH, f->kev && color ? report_sev_color[SEVERITY_CRITICAL] : NULL);
        return r < 0 ? r : append_cell(b, pct, EPSS_WIDTH, NULL);
}

/* A suppressed finding in grey: it does not count. */
static const char *row_color(const struct finding *f) {
        return report_sev_color[f->vex_status ? SEVERITY_UNKNOWN : f->severity];
}

int report_scan_table(const struct report_target *t, char **ret, struct error *err) {
        const struct scan_result *res = t->res;
        bool color = t->color;
        struct strbuf b = {};
        size_t wid = width_of(res, offsetof(struct finding, id), "ID");
        size_t wpkg = width_of(res, offsetof(struct finding, package), "PACKAGE");
        size_t winst = width_of(res, offsetof(struct finding, installed_version), "INSTALLED");
        size_t wfix = width_of(res, offsetof(struct finding, fixed_version), "FIXED");
        size_t wsev = strlen("SEVERITY"), used, wtitle = 0;
        bool score = false, exploit = false;
        char sev[96];
        int r;

        for (size_t i = 0; i < res->n_findings; i++) {
                size_t n = (size_t) severity_cell(&res->findings[i], sev, sizeof(sev));

                if (n > sizeof(sev) - 1)
                        n = sizeof(sev) - 1;
                if (n > wsev)
                        wsev = n;
        }
        /* Each column is its width and two blanks; the last has none. */
        used = wid + wpkg + winst + wfix + 8 + wsev;
        /* KEV and EPSS before SCORE and TITLE: where they are known they
         * say more about what to fix first; on a pipe (no width) too */
        if (report_has_exploit_data(res) && (t->width == 0 || t->width >= used + EXPLOIT_COLUMNS_WIDTH)) {
                exploit = true;
                used += EXPLOIT_COLUMNS_WIDTH;
        }
        if (t->width >= used + 2 + strlen("SCORE")) {
                score = true;
                used += 2 + strlen("SCORE");
        }
        if (t->width >= used + 2 + 20)
                wtitle = t->width - used - 2;

        r = summary_line(&b, t, color);
        if (r >= 0 && res->n_findings > 0) {
                r = strbuf_puts(&b, "\n");
                if (r >= 0 && (r = append_cell(&b, "ID", wid, NULL)) >= 0 &&
                    (r = append_cell(&b, "PACKAGE", wpkg, NULL)) >= 0 &&
                    (r = append_cell(&b, "INSTALLED", winst, NULL)) >= 0 &&
                    (r = append_cell(&b, "FIXED", wfix, NULL)) >= 0 &&
                    (!score || (r = append_cell(&b, "SCORE", strlen("SCORE"), NULL)) >= 0) &&
                    (!exploit || (r = exploit_header(&b)) >= 0))
                        r = wtitle ? append_cell(&b, "SEVERITY", wsev, NULL) : strbuf_puts(&b, "SEVERITY");
                if (r >= 0 && wtitle)
                        r = strbuf_puts(&b, "TITLE");
                if (r >= 0)
                        r = strbuf_puts(&b, "\n");
        }
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];
                char num[16] = "-";

                if (f->cvss_score >= 0)
                        snprintf(num, sizeof(num), "%.1f", f->cvss_score);
                severity_cell(f, sev, sizeof(sev));
                if ((r = append_cell(&b, f->id, wid, NULL)) < 0 ||
                    (r = append_cell(&b, f->package, wpkg, NULL)) < 0 ||
                    (r = append_cell(&b, f->installed_version, winst, NULL)) < 0 ||
                    (r = append_cell(&b, f->fixed_version ? f->fixed_version : "-", wfix, NULL)) < 0 ||
                    (score && (r = append_cell(&b, num, strlen("SCORE"), NULL)) < 0) ||
                    (exploit && (r = exploit_cells(&b, f, color)) < 0))
                        break;
                if (wtitle)
                        r = append_cell(&b, sev, wsev, color ? row_color(f) : NULL);
                else
                        r = strbuf_printf(&b, "%s%s%s", color ? row_color(f) : "", sev,
                                          color ? REPORT_COLOR_OFF : "");
                if (r >= 0 && wtitle)
                        r = append_title(&b, f->summary, wtitle);
                if (r >= 0)
                        r = strbuf_puts(&b, "\n");
        }
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "render table");
        }
        *ret = strbuf_steal(&b);
        return 0;
}

/* ---- the scan document ------------------------------------------------------
 * Byte for byte what json_dumps(JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12),
 * with JSON_COMPACT or JSON_INDENT(2)) wrote of the jansson tree this file
 * used to build (the cache keeps the compact form; test-report compares
 * both forms with jansson's), written without the tree: allocating its
 * nodes was most of the render's cost on the hook's miss (BENCHMARKS.md,
 * "The scan JSON without a tree").  What json_pack() failed on and so left
 * out stays out. */

struct json_writer {
        struct strbuf *b;
        bool compact;           /* "," and ":" only; else a new line and 2 spaces a level, ": " */
        bool empty;             /* the innermost open object or array has nothing in it yet */
        unsigned depth;
        int r;                  /* the first failure: every later call does nothing */
};

static void jw_put(struct json_writer *w, const char *s, size_t n) {
        if (w->r >= 0)
                w->r = strbuf_append(w->b, s, n);
}

/* JSON_INDENT(2); this document is 4 levels deep */
static void jw_newline(struct json_writer *w) {
        static const char indent[] = "\n                                ";

        if (!w->compact)
                jw_put(w, indent, 1 + 2 * (w->depth < 16 ? w->depth : 16));
}

/* What comes before a value: ',' after another, a new line, the key. */
static void jw_key(struct json_writer *w, const char *key) {
        if (!w->empty)
                jw_put(w, ",", 1);
        w->empty = false;
        jw_newline(w);
        if (!key)
                return;
        jw_put(w, "\"", 1);
        jw_put(w, key, strlen(key));
        jw_put(w, "\": ", w->compact ? 2 : 3);
}

/* key NULL: an element of an array (and the document itself) */
static void jw_open(struct json_writer *w, const char *key, char c) {
        if (w->depth > 0)
                jw_key(w, key);
        jw_put(w, &c, 1);
        w->depth++;
        w->empty = true;
}

/* An empty object or array stays on its line: {} and []. */
static void jw_close(struct json_writer *w, char c) {
        w->depth--;
        if (!w->empty)
                jw_newline(w);
        jw_put(w, &c, 1);
        w->empty = false;
}

/* NULL is null; bytes that are not UTF-8 are '?', as json_str_or_null() made them. */
static void jw_string(struct json_writer *w, const char *key, const char *s) {
        jw_key(w, key);
        if (w->r >= 0)
                w->r = strbuf_append_json_string(w->b, s);
}

static void jw_literal(struct json_writer *w, const char *key, const char *s) {
        jw_key(w, key);
        jw_put(w, s, strlen(s));
}

static void jw_integer(struct json_writer *w, const char *key, long long v) {
        jw_key(w, key);
        if (w->r >= 0)
                w->r = strbuf_printf(w->b, "%lld", v);
}

/* v must be finite (the callers write null otherwise). */
static void jw_real(struct json_writer *w, const char *key, double v) {
        jw_key(w, key);
        if (w->r >= 0)
                w->r = strbuf_append_json_real(w->b, v, 12);
}

/* null where json_pack() failed: a vector that is not UTF-8, a score that
 * is not finite */
static void cvss_doc(struct json_writer *w, const struct finding *f) {
        if (!f->cvss_vector || !utf8_valid(f->cvss_vector) || !isfinite(f->cvss_score)) {
                jw_literal(w, "cvss", "null");
                return;
        }
        jw_open(w, "cvss", '{');
        jw_string(w, "vector", f->cvss_vector);
        jw_real(w, "score", f->cvss_score);
        jw_string(w, "version", f->cvss_version == 2 ? "2.0" : f->cvss_version == 30 ? "3.0"
                                : f->cvss_version == 31 ? "3.1" : "4.0");
        jw_close(w, '}');
}

/* null without a score, and for a figure that is not finite (the finding
 * was left out while a tree was built: json_pack() failed) */
static void epss_doc(struct json_writer *w, const struct finding *f) {
        if (!(f->epss >= 0) || !isfinite(f->epss) || !isfinite(f->epss_percentile)) {
                jw_literal(w, "epss", "null");
                return;
        }
        jw_open(w, "epss", '{');
        jw_real(w, "score", f->epss);
        jw_real(w, "percentile", f->epss_percentile);
        jw_close(w, '}');
}

/* The statement that suppresses the finding, or null (also for a status
 * that is not UTF-8: json_pack() failed on it). */
static void vex_doc(struct json_writer *w, const struct finding *f) {
        if (!f->vex_status || !utf8_valid(f->vex_status)) {
                jw_literal(w, "vex", "null");
                return;
        }
        jw_open(w, "vex", '{');
        jw_string(w, "status", f->vex_status);
        jw_string(w, "justification", f->vex_justification);
        jw_string(w, "source", f->vex_source);
        jw_close(w, '}');
}

static void finding_doc(struct json_writer *w, const struct finding *f) {
        const char *status = finding_status_to_string(f->status), *severity = severity_to_string(f->severity);

        /* json_pack() failed on a NULL string: such a finding was left out */
        if (!status || !severity)
                return;
        jw_open(w, NULL, '{');
        jw_string(w, "id", f->id);
        jw_open(w, "aliases", '[');
        for (char **a = f->aliases; a && *a; a++)
                jw_string(w, NULL, *a);
        jw_close(w, ']');
        jw_string(w, "summary", f->summary);
        jw_string(w, "package", f->package);
        jw_string(w, "ecosystem", f->ecosystem);
        jw_string(w, "path", f->path);
        jw_string(w, "purl", f->purl);
        jw_string(w, "installed_version", f->installed_version);
        jw_string(w, "source_name", f->source_name);
        jw_string(w, "record_package", f->record_package);
        jw_string(w, "fixed_version", f->fixed_version);
        jw_string(w, "status", status);
        jw_string(w, "severity", severity);
        jw_string(w, "severity_source", f->severity_source);
        cvss_doc(w, f);
        jw_literal(w, "kev", f->kev ? "true" : "false");
        epss_doc(w, f);
        vex_doc(w, f);
        jw_close(w, '}');
}

static void summary_doc(struct json_writer *w, const struct scan_result *res) {
        jw_open(w, "summary", '{');
        for (int s = 0; s < _SEVERITY_MAX; s++)
                jw_integer(w, severity_to_string(s), (long long) res->counts[s]);
        jw_integer(w, "total", (long long) total(res));
        jw_integer(w, "fixable", (long long) res->fixable);
        jw_integer(w, "not_checked", (long long) res->packages_unchecked);
        jw_integer(w, "suppressed", (long long) res->suppressed);
        jw_close(w, '}');
}

static void unchecked_doc(struct json_writer *w, const struct scan_result *res) {
        jw_open(w, "unchecked", '[');
        for (size_t i = 0; i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];
                const char *kind = unchecked_kind_to_string(u->kind);

                if (!kind)              /* json_pack() failed on it: left out */
                        continue;
                jw_open(w, NULL, '{');
                jw_string(w, "kind", kind);
                jw_string(w, "subject", u->subject);
                jw_integer(w, "packages", (long long) u->packages);
                jw_string(w, "reason", u->reason);
                jw_close(w, '}');
        }
        jw_close(w, ']');
}

int report_scan_json(const struct report_target *t, char **ret, struct error *err) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;
        /* no cap of its own, as jansson had none: the scan it renders is
         * bounded (ANALYSIS_RESULT_MAX, SCAN_FINDINGS_MAX) */
        _cleanup_(strbuf_done) struct strbuf b = { .max = SIZE_MAX / 2 };
        struct json_writer w = { .b = &b, .compact = t->compact };

        /* about 530 bytes a finding compact, 730 indented: one allocation for most */
        w.r = strbuf_reserve(&b, 4096 + (res->n_findings < 100000 ? res->n_findings : 100000) *
                                     (t->compact ? 640 : 896));
        jw_open(&w, NULL, '{');
        jw_string(&w, "target", t->name);
        jw_open(&w, "os", '{');
        jw_string(&w, "id", os->id);
        jw_string(&w, "version", os->version_id);
        jw_string(&w, "ecosystem", os->ecosystem);
        jw_close(&w, '}');
        jw_integer(&w, "packages", (long long) t->inv->n_pkgs);
        jw_string(&w, "revision", res->db_revision);
        jw_string(&w, "db_time", res->db_time);
        summary_doc(&w, res);
        jw_open(&w, "findings", '[');
        for (size_t i = 0; i < res->n_findings; i++)
                finding_doc(&w, &res->findings[i]);
        jw_close(&w, ']');
        jw_open(&w, "warnings", '[');
        for (char **s = t->inv->warnings; s && *s; s++)
                jw_string(&w, NULL, *s);
        for (char **s = res->warnings; s && *s; s++)
                jw_string(&w, NULL, *s);
        jw_close(&w, ']');
        unchecked_doc(&w, res);
        jw_integer(&w, "unchecked_more", (long long) res->unchecked_more);
        /* json_string() refused a digest that is not UTF-8: no member */
        if (t->digest && utf8_valid(t->digest))
                jw_string(&w, "image_digest", t->digest);
        jw_close(&w, '}');
        if (w.r < 0)
                return error_set(err, w.r, "render JSON");
        *ret = strbuf_steal(&b);
        return 0;
}

/* The inventory document, written as json_dumps(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER) writes it (the cache's identities are digests of
 * these bytes), without building a jansson tree: an inventory has tens of
 * thousands of strings, and a tree of them cost more than reading the
 * package database (BENCHMARKS.md, "RPM inventory"). */
static int member(struct strbuf *b, const char *indent, const char *key, const char *value) {
        int r = strbuf_puts(b, indent);

        if (r >= 0)
                r = strbuf_append(b, "\"", 1);
        if (r >= 0)
                r = strbuf_puts(b, key);
        if (r >= 0)
                r = strbuf_append(b, "\": ", 3);
        return r < 0 ? r : strbuf_append_json_string(b, value);
}

static int string_array(struct strbuf *b, char *const *v) {
        int r = strbuf_append(b, "[", 1);

        for (size_t i = 0; r >= 0 && v[i]; i++) {
                r = strbuf_puts(b, i ? ",\n    " : "\n    ");
                if (r >= 0)
                        r = strbuf_append_json_string(b, v[i]);
        }
        return r < 0 ? r : strbuf_puts(b, v[0] ? "\n  ]" : "]");
}

/* A package's members, each with what comes before it. */
static int package_doc(struct strbuf *b, const struct package *p) {
        const struct {
                const char *before, *value;
        } fields[] = {
                { "{\n      \"name\": ", p->name },
                { ",\n      \"version\": ", p->version },
                { ",\n      \"source_name\": ", p->source_name },
                { ",\n      \"source_version\": ", p->source_version },
                { ",\n      \"arch\": ", p->arch },
                { ",\n      \"ecosystem\": ", p->ecosystem },
                { ",\n      \"purl\": ", p->purl },
                { ",\n      \"origin_file\": ", p->origin_file },
                /* only for a guess: the digest of every other inventory stays */
                { ",\n      \"guessed_from\": ", p->guessed_from },
        };
        size_t n = ELEMENTSOF(fields) - !p->guessed_from;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = strbuf_puts(b, fields[i].before);
                if (r >= 0)
                        r = strbuf_append_json_string(b, fields[i].value);
        }
        return r < 0 ? r : strbuf_puts(b, "\n    }");
}

int report_inventory_json(const struct inventory *inv, char **ret, struct error *err) {
        struct strbuf b = {};
        /* about 350 bytes a package: one allocation for most */
        int r = strbuf_reserve(&b, 256 + (inv->n_pkgs < 100000 ? inv->n_pkgs : 100000) * 384);

        if (r >= 0)
                r = member(&b, "{\n  \"os\": {\n    ", "id", inv->os.id);
        if (r >= 0)
                r = member(&b, ",\n    ", "version", inv->os.version_id);
        if (r >= 0)
                r = member(&b, ",\n    ", "ecosystem", inv->os.ecosystem);
        if (r >= 0)
                r = strbuf_puts(&b, inv->n_pkgs ? "\n  },\n  \"packages\": [\n    " : "\n  },\n  \"packages\": []");
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                if (i > 0)
                        r = strbuf_puts(&b, ",\n    ");
                if (r >= 0)
                        r = package_doc(&b, &inv->pkgs[i]);
        }
        if (r >= 0 && inv->n_pkgs)
                r = strbuf_puts(&b, "\n  ]");
        /* only when there is any: the inventory's digest of every image
         * whose walk was complete stays what it was */
        if (r >= 0 && inv->skipped) {
                r = strbuf_puts(&b, ",\n  \"skipped\": ");
                if (r >= 0)
                        r = string_array(&b, inv->skipped);
        }
        if (r >= 0)
                r = strbuf_puts(&b, "\n}");
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, -r, "render JSON");
        }
        *ret = strbuf_steal(&b);
        return 0;
}

static int width(int cur, const char *s) {
        size_t n = strlen(strempty(s));

        return n > (size_t) cur ? (int) (n > COL_MAX ? COL_MAX : n) : cur;
}

/* s made printable, then blanks to width and two more (printf's "%-*s  "). */
static int padded_cell(struct strbuf *b, const char *s, int width) {
        size_t n = strlen(s);
        int r = strbuf_append_printable(b, s, n);

        for (; r >= 0 && n < (size_t) width; n++)
                r = strbuf_append(b, " ", 1);
        return r < 0 ? r : strbuf_puts(b, "  ");
}

int report_inventory_table(const struct inventory *inv, char **ret, struct error *err) {
        int wn = 4, wv = 7, ws = 6;
        struct strbuf b = {};
        int r;

        for (size_t i = 0; i < inv->n_pkgs; i++) {
                wn = width(wn, inv->pkgs[i].name);
                wv = width(wv, inv->pkgs[i].version);
                ws = width(ws, inv->pkgs[i].source_name);
        }
        r = strbuf_printf(&b, "OS: %s (ecosystem %s)\nPackages: %zu\n\n", inv->os.pretty_name ? inv->os.pretty_name
                          : inv->os.id ? inv->os.id : "unknown", inv->os.ecosystem ? inv->os.ecosystem : "unknown",
                          inv->n_pkgs);
        if (r >= 0 && inv->n_pkgs > 0)
                r = strbuf_printf(&b, "%-*s  %-*s  %-*s  %s\n", wn, "NAME", wv, "VERSION", ws, "SOURCE", "ARCH");
        /* the cells quote the image's files: made printable, as the scan table's */
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if ((r = padded_cell(&b, p->name, wn)) >= 0 && (r = padded_cell(&b, p->version, wv)) >= 0 &&
                    (r = padded_cell(&b, strempty(p->source_name), ws)) >= 0)
                        r = strbuf_append_printable(&b, p->arch ? p->arch : "-", strlen(p->arch ? p->arch : "-"));
                if (r >= 0 && p->guessed_from && (r = strbuf_puts(&b, "  (guessed from ")) >= 0 &&
                    (r = strbuf_append_printable(&b, p->guessed_from, strlen(p->guessed_from))) >= 0)
                        r = strbuf_puts(&b, ")");
                if (r >= 0)
                        r = strbuf_puts(&b, "\n");
        }
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "render table");
        }
        *ret = strbuf_steal(&b);
        return 0;
}

/* The documents as --format json shows them; report_scan_json() and
 * report_inventory_json() stay jansson's bytes for the cache and the
 * inventory's digest. */
static int shown(int r, char **ret, struct error *err) {
        if (r >= 0 && (r = json_escape_hidden(ret)) < 0) {
                free(*ret);
                *ret = NULL;
                return error_set(err, r, "render JSON");
        }
        return r;
}

static int scan_json(const struct report_target *t, char **ret, struct error *err) {
        return shown(report_scan_json(t, ret, err), ret, err);
}

static int inventory_json(const struct report_target *t, char **ret, struct error *err) {
        return shown(report_inventory_json(t->inv, ret, err), ret, err);
}

static int inventory_table(const struct report_target *t, char **ret, struct error *err) {
        return report_inventory_table(t->inv, ret, err);
}

const struct report_format report_format_table = {
        .name = "table",
        .scan = report_scan_table,
        .inventory = inventory_table,
};

const struct report_format report_format_json = {
        .name = "json",
        .scan = scan_json,
        .inventory = inventory_json,
};
