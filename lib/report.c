/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "report.h"

#define COL_MAX 40

/* Harbor's severity colours: critical red, high orange, medium yellow, low
 * blue, none green, unknown grey (ANSI 256-colour where 16 colours have no
 * orange). */
static const char *const sev_color[_SEVERITY_MAX] = {
        [SEVERITY_UNKNOWN] = "\033[90m",
        [SEVERITY_NONE] = "\033[32m",
        [SEVERITY_LOW] = "\033[34m",
        [SEVERITY_MEDIUM] = "\033[33m",
        [SEVERITY_HIGH] = "\033[38;5;208m",
        [SEVERITY_CRITICAL] = "\033[1;31m",
};
#define COLOR_OFF "\033[0m"

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
                r = strbuf_append(b, s, width - 1);
                if (r >= 0)
                        r = strbuf_puts(b, "…");
                n = width;
        } else if (r >= 0)
                r = strbuf_append(b, s, n);
        if (r >= 0 && color)
                r = strbuf_puts(b, COLOR_OFF);
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
 * first line only, control bytes and broken UTF-8 as '?' (it is the feed's
 * text), "…" where it is cut. */
static int append_title(struct strbuf *b, const char *s, size_t width) {
        const unsigned char *p = (const unsigned char *) s;
        size_t cols = 0;
        int r = 0;

        if (!s)
                return strbuf_puts(b, "-");
        while (r >= 0 && *p && *p != '\n') {
                size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
                size_t k = 1;

                while (n > 1 && k < n && (p[k] & 0xc0) == 0x80)
                        k++;
                if (n == 0 || k < n || *p < 0x20 || *p == 0x7f)
                        k = 0;  /* one '?' for the lead byte */
                if (cols + 1 == width && p[k ? k : 1] && p[k ? k : 1] != '\n')
                        return strbuf_puts(b, "…");
                r = k ? strbuf_append(b, (const char *) p, k) : strbuf_puts(b, "?");
                p += k ? k : 1;
                cols++;
        }
        return r;
}

static int summary_line(struct strbuf *b, const struct report_target *t, bool color) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;
        int r;

        r = strbuf_printf(b, "%s%s%s (%s%s%s, %s, %zu packages)\nDatabase revision %.19s\n\n", t->name,
                          t->digest ? " " : "", strempty(t->digest),
                          os->id ? os->id : "unknown OS", os->version_id ? " " : "", strempty(os->version_id),
                          os->ecosystem ? os->ecosystem : "no known ecosystem", t->inv->n_pkgs,
                          strna(res->db_revision));
        if (r >= 0)
                r = strbuf_printf(b, "Total: %zu (", total(res));
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = strbuf_printf(b, "%s%s%s: %zu%s%s", color ? sev_color[s] : "", severity_to_string(s),
                                  "", res->counts[s], color ? COLOR_OFF : "", s > 0 ? ", " : "");
        if (r >= 0)
                r = strbuf_printf(b, "), %zu fixable\n", res->fixable);
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++)
                r = strbuf_printf(b, "%sNOT CHECKED%s %s: %s\n", color ? sev_color[SEVERITY_HIGH] : "",
                                  color ? COLOR_OFF : "", res->unchecked[i].subject, res->unchecked[i].reason);
        if (r >= 0 && res->unchecked_more)
                r = strbuf_printf(b, "NOT CHECKED: %zu more items (see --format json)\n", res->unchecked_more);
        return r;
}

/* "HIGH (debian)" */
static int severity_cell(const struct finding *f, char *buf, size_t size) {
        return snprintf(buf, size, "%s%s%s%s", severity_to_string(f->severity), f->severity_source ? " (" : "",
                        strempty(f->severity_source), f->severity_source ? ")" : "");
}

int report_scan_table(const struct report_target *t, bool color, char **ret, struct error *err) {
        const struct scan_result *res = t->res;
        struct strbuf b = {};
        size_t wid = width_of(res, offsetof(struct finding, id), "ID");
        size_t wpkg = width_of(res, offsetof(struct finding, package), "PACKAGE");
        size_t winst = width_of(res, offsetof(struct finding, installed_version), "INSTALLED");
        size_t wfix = width_of(res, offsetof(struct finding, fixed_version), "FIXED");
        size_t wsev = strlen("SEVERITY"), used, wtitle = 0;
        bool score = false;
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
                    (!score || (r = append_cell(&b, "SCORE", strlen("SCORE"), NULL)) >= 0))
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
                    (score && (r = append_cell(&b, num, strlen("SCORE"), NULL)) < 0))
                        break;
                if (wtitle)
                        r = append_cell(&b, sev, wsev, color ? sev_color[f->severity] : NULL);
                else
                        r = strbuf_printf(&b, "%s%s%s", color ? sev_color[f->severity] : "", sev,
                                          color ? COLOR_OFF : "");
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

static json_t *finding_json(const struct finding *f) {
        json_t *aliases = json_strv(f->aliases), *cvss = json_null();

        if (f->cvss_vector)
                cvss = json_pack("{s:s, s:f, s:s}", "vector", f->cvss_vector, "score", f->cvss_score, "version",
                                 f->cvss_version == 2 ? "2.0" : f->cvss_version == 30 ? "3.0"
                                 : f->cvss_version == 31 ? "3.1" : "4.0");
        return json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:s, s:s, s:o, s:o}",
                         "id", f->id,
                         "aliases", aliases,
                         "summary", json_str_or_null(f->summary),
                         "package", f->package,
                         "ecosystem", json_str_or_null(f->ecosystem),
                         "path", json_str_or_null(f->path),
                         "installed_version", f->installed_version,
                         "source_name", json_str_or_null(f->source_name),
                         "fixed_version", json_str_or_null(f->fixed_version),
                         "status", finding_status_to_string(f->status),
                         "severity", severity_to_string(f->severity),
                         "severity_source", json_str_or_null(f->severity_source),
                         "cvss", cvss ? cvss : json_null());
}

static json_t *unchecked_json(const struct scan_result *res) {
        json_t *a = json_array();

        for (size_t i = 0; i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];

                json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:s}", "kind", unchecked_kind_to_string(u->kind),
                                                   "subject", u->subject, "packages", (json_int_t) u->packages,
                                                   "reason", u->reason));
        }
        return a;
}

int report_scan_json(const struct report_target *t, char **ret, struct error *err) {
        const struct scan_result *res = t->res;
        const struct os_info *os = &t->inv->os;
        json_t *summary = json_object(), *findings = json_array(), *root;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                json_object_set_new(summary, severity_to_string(s), json_integer((json_int_t) res->counts[s]));
        json_object_set_new(summary, "total", json_integer((json_int_t) total(res)));
        json_object_set_new(summary, "fixable", json_integer((json_int_t) res->fixable));
        json_object_set_new(summary, "not_checked", json_integer((json_int_t) res->packages_unchecked));
        for (size_t i = 0; i < res->n_findings; i++)
                json_array_append_new(findings, finding_json(&res->findings[i]));
        root = json_pack("{s:s, s:{s:o, s:o, s:o}, s:I, s:o, s:o, s:o, s:o, s:o, s:I}",
                         "target", t->name,
                         "os", "id", json_str_or_null(os->id), "version", json_str_or_null(os->version_id),
                         "ecosystem", json_str_or_null(os->ecosystem),
                         "packages", (json_int_t) t->inv->n_pkgs,
                         "revision", json_str_or_null(res->db_revision),
                         "summary", summary,
                         "findings", findings,
                         "warnings", json_array(),
                         "unchecked", unchecked_json(res),
                         "unchecked_more", (json_int_t) res->unchecked_more);
        if (!root)
                return error_set(err, ENOMEM, "render JSON");
        if (t->digest)
                json_object_set_new(root, "image_digest", json_string(t->digest));
        for (char **w = t->inv->warnings; w && *w; w++)
                json_array_append_new(json_object_get(root, "warnings"), json_string(*w));
        for (char **w = res->warnings; w && *w; w++)
                json_array_append_new(json_object_get(root, "warnings"), json_string(*w));
        *ret = json_dumps(root, (t->compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render JSON");
}

static json_t *package_json(const struct package *p) {
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                              "name", p->name,
                              "version", p->version,
                              "source_name", json_str_or_null(p->source_name),
                              "source_version", json_str_or_null(p->source_version),
                              "arch", json_str_or_null(p->arch),
                              "ecosystem", json_str_or_null(p->ecosystem),
                              "purl", json_str_or_null(p->purl),
                              "origin_file", json_str_or_null(p->origin_file));

        /* only for a guess: the digest of every other inventory stays */
        if (o && p->guessed_from && json_object_set_new(o, "guessed_from", json_string(p->guessed_from)) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *warnings_json(char *const *warnings) {
        json_t *a = json_array();

        for (char *const *w = warnings; a && w && *w; w++)
                json_array_append_new(a, json_string(*w));
        return a;
}

static int inventory_doc(const struct inventory *inv, bool full, char **ret, struct error *err) {
        json_t *pkgs = json_array(), *root;

        for (size_t i = 0; pkgs && i < inv->n_pkgs; i++)
                if (json_array_append_new(pkgs, package_json(&inv->pkgs[i])) < 0) {
                        json_decref(pkgs);
                        pkgs = NULL;
                }
        root = json_pack("{s:{s:o, s:o, s:o}, s:o}",
                         "os", "id", json_str_or_null(inv->os.id), "version", json_str_or_null(inv->os.version_id),
                         "ecosystem", json_str_or_null(inv->os.ecosystem),
                         "packages", pkgs);
        if (!root)
                return error_set(err, ENOMEM, "render JSON");
        /* only when there is any: the inventory's digest of every image
         * whose walk was complete stays what it was */
        if (inv->skipped)
                json_object_set_new(root, "skipped", json_strv(inv->skipped));
        if (full && inv->os.pretty_name)
                json_object_set_new(json_object_get(root, "os"), "pretty_name", json_string(inv->os.pretty_name));
        if (full && inv->warnings)
                json_object_set_new(root, "warnings", warnings_json(inv->warnings));
        *ret = json_dumps(root, (full ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render JSON");
}

int report_inventory_json(const struct inventory *inv, char **ret, struct error *err) {
        return inventory_doc(inv, false, ret, err);
}

int report_inventory_json_full(const struct inventory *inv, char **ret, struct error *err) {
        return inventory_doc(inv, true, ret, err);
}

static int width(int cur, const char *s) {
        size_t n = strlen(strempty(s));

        return n > (size_t) cur ? (int) (n > COL_MAX ? COL_MAX : n) : cur;
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
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                r = strbuf_printf(&b, "%-*s  %-*s  %-*s  %s%s%s%s\n", wn, p->name, wv, p->version, ws,
                                  strempty(p->source_name), p->arch ? p->arch : "-",
                                  p->guessed_from ? "  (guessed from " : "", strempty(p->guessed_from),
                                  p->guessed_from ? ")" : "");
        }
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "render table");
        }
        *ret = strbuf_steal(&b);
        return 0;
}

/* ---- the audit log ------------------------------------------------------- */

static const char *decision_color(const char *d) {
        if (streq_ptr(d, "deny"))
                return sev_color[SEVERITY_CRITICAL];
        if (streq_ptr(d, "warn"))
                return sev_color[SEVERITY_HIGH];
        return "\033[32m";
}

/* One count cell: the severity's colour, and '*' after a count at or
 * above the decision's threshold (the ones the policy weighed). */
static int count_cell(struct strbuf *b, json_t *n, int s, int threshold, bool color) {
        return strbuf_printf(b, " %s%4lld%s%s", color ? sev_color[s] : "", (long long) json_integer_value(n),
                             color ? COLOR_OFF : "", threshold >= 0 && s >= threshold ? "*" : " ");
}

static int audit_row(struct strbuf *b, json_t *o, bool color) {
        const char *decision = json_string_value(json_object_get(o, "decision"));
        /* A warned container started with findings: marked, colour or not. */
        const char *shown = streq_ptr(decision, "warn") ? "warn!" : strempty(decision);
        const char *image = json_string_value(json_object_get(o, "image"));
        const char *unchecked = json_string_value(json_object_get(o, "unchecked"));
        json_t *summary = json_object_get(o, "summary"), *w;
        int threshold = severity_from_string(json_string_value(json_object_get(o, "threshold")));
        char what[300];
        size_t i;
        int r;

        /* lines written before the summary was kept count only what counted */
        if (!json_is_object(summary))
                summary = json_object_get(o, "counts");
        snprintf(what, sizeof(what), "%s", image ? image : strempty(json_string_value(json_object_get(o, "container"))));
        r = strbuf_printf(b, "%-24.24s %s%-6s%s %-40.40s %-14.14s %-8s", strempty(json_string_value(json_object_get(o, "time"))),
                          color ? decision_color(decision) : "", shown, color ? COLOR_OFF : "", what,
                          json_string_value(json_object_get(o, "namespace")) ?: "-",
                          json_string_value(json_object_get(o, "mode")) ?: "-");
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = count_cell(b, json_object_get(summary, severity_to_string(s)), s, threshold, color);
        if (r >= 0)
                r = strbuf_printf(b, " %5lld %5lld %5lld", (long long) json_integer_value(json_object_get(summary, "total")),
                                  (long long) json_integer_value(json_object_get(summary, "fixable")),
                                  (long long) json_integer_value(json_object_get(summary, "not_checked")));
        json_array_foreach(json_object_get(o, "worst"), i, w)
                if (r >= 0)
                        r = strbuf_printf(b, "%s%s", i == 0 ? "  " : ", ", strempty(json_string_value(w)));
        if (r >= 0 && json_is_string(json_object_get(o, "reason")))
                r = strbuf_printf(b, "  %s", json_string_value(json_object_get(o, "reason")));
        if (r >= 0 && unchecked)
                r = strbuf_printf(b, "  not checked: %s", unchecked);
        return r < 0 ? r : strbuf_puts(b, "\n");
}

/* Calls fn for each of the last `last` lines of an audit log that are audit
 * records; *ret_skipped counts those among them that are not.  A log of
 * which none is (another file given as --log) is -EBADMSG. */
static int audit_lines(const char *buf, size_t len, size_t last, int (*fn)(json_t *o, void *userdata),
                       void *userdata, size_t *ret_skipped, struct error *err) {
        const char *p = buf, *end = buf + len;
        size_t lines = 0, records = 0;
        int r = 0;

        *ret_skipped = 0;
        for (const char *q = buf; q < end; q++)
                lines += *q == '\n';
        if (len > 0 && end[-1] != '\n')
                lines++;
        for (size_t n = 0; r >= 0 && p < end; n++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);

                if (lines <= last || n >= lines - last) {
                        json_t *o = json_loadb(p, l, 0, NULL);

                        if (json_is_object(o) && json_is_string(json_object_get(o, "decision"))) {
                                r = fn(o, userdata);
                                records++;
                        } else if (l > 0)
                                (*ret_skipped)++;
                        json_decref(o);
                }
                p += l + 1;
        }
        if (r < 0)
                return error_set(err, r, "render the audit log");
        if (records == 0 && *ret_skipped > 0)
                return error_set(err, EBADMSG, "none of its last %zu lines is a Portcullis audit record (a JSON "
                                 "object with a \"decision\"); give the hook's audit log, config.json's "
                                 "\"log\": {\"file\"}", *ret_skipped);
        return 0;
}

struct table_rows {
        struct strbuf *b;
        bool color;
        size_t shown;
};

static int table_row(json_t *o, void *userdata) {
        struct table_rows *t = userdata;

        t->shown++;
        return audit_row(t->b, o, t->color);
}

int report_audit_table(const char *buf, size_t len, size_t last, bool color, char **ret, struct error *err) {
        struct strbuf b = {};
        struct table_rows t = { .b = &b, .color = color };
        size_t skipped = 0;
        int r;

        r = strbuf_printf(&b, "%-24s %-6s %-40s %-14s %-8s %s  %s\n", "TIME", "VERDICT", "IMAGE", "NAMESPACE", "MODE",
                          "    C     H     M     L     N     U TOTAL   FIX UNCHK", "WORST / REASON");
        if (r >= 0 && (r = audit_lines(buf, len, last, table_row, &t, &skipped, err)) < 0) {
                strbuf_done(&b);
                return r;
        }
        if (r >= 0)
                r = strbuf_printf(&b, "\n%zu decisions shown (* = at or above the policy's threshold, counted)%s",
                                  t.shown, skipped ? "" : "\n");
        if (r >= 0 && skipped)
                r = strbuf_printf(&b, "; %zu lines that are not audit records skipped\n", skipped);
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "render the audit log");
        }
        *ret = strbuf_steal(&b);
        return 0;
}

static int json_row(json_t *o, void *userdata) {
        return json_array_append(userdata, o);
}

int report_audit_json(const char *buf, size_t len, size_t last, const char *log, char **ret, struct error *err) {
        json_t *decisions = json_array(), *root;
        size_t skipped = 0;
        int r = audit_lines(buf, len, last, json_row, decisions, &skipped, err);

        if (r < 0) {
                json_decref(decisions);
                return r;
        }
        root = json_pack("{s:s, s:o, s:I}", "log", log, "decisions", decisions, "skipped", (json_int_t) skipped);
        if (!root) {
                json_decref(root);
                return error_set(err, ENOMEM, "render the audit log");
        }
        *ret = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render the audit log");
}

/* ---- reading back what the renderers wrote ------------------------------- */
/* The analysis child and the cache hand these documents to the hook, which
 * trusts neither: every field is type-checked and every list capped. */

#define PARSE_FINDINGS_MAX 1000000
/* A scan's warnings: the match's (MATCH_WARNINGS_MAX + a count) and the
 * inventory's (INVENTORY_WARNINGS_MAX + a count). */
#define PARSE_SCAN_WARNINGS_MAX 200

static int opt_string(json_t *o, const char *key, char **ret, const char *what, struct error *err) {
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return error_set(err, EBADMSG, "%s: '%s' must be a string or null", what, key);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int req_string(json_t *o, const char *key, char **ret, const char *what, struct error *err) {
        int r = opt_string(o, key, ret, what, err);

        if (r >= 0 && !*ret)
                return error_set(err, EBADMSG, "%s: '%s' is missing", what, key);
        return r;
}

/* "warnings": [strings], at most max (each kept printable by warn()). */
static int parse_warnings(json_t *a, size_t max, char ***ret, size_t *ret_n, struct error *err) {
        json_t *w;
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > max)
                return error_set(err, EBADMSG, "'warnings' must be an array of at most %zu strings", max);
        json_array_foreach(a, i, w) {
                char *s;

                if (!json_is_string(w))
                        return error_set(err, EBADMSG, "warnings[%zu] must be a string", i);
                if (!(s = strdup(json_string_value(w))))
                        return -ENOMEM;
                str_make_printable(s);
                if (strv_push(ret, s) < 0)
                        return -ENOMEM;
                (*ret_n)++;
        }
        return 0;
}

static int parse_os(json_t *os, struct os_info *ret, struct error *err) {
        int r;

        if (!json_is_object(os))
                return error_set(err, EBADMSG, "inventory: 'os' must be an object");
        if ((r = opt_string(os, "id", &ret->id, "inventory os", err)) < 0 ||
            (r = opt_string(os, "version", &ret->version_id, "inventory os", err)) < 0 ||
            (r = opt_string(os, "ecosystem", &ret->ecosystem, "inventory os", err)) < 0 ||
            (r = opt_string(os, "pretty_name", &ret->pretty_name, "inventory os", err)) < 0)
                return r;
        if (ret->pretty_name)
                str_make_printable(ret->pretty_name);
        return 0;
}

static int parse_package(json_t *o, struct package *p, struct error *err) {
        int r;

        if (!json_is_object(o))
                return error_set(err, EBADMSG, "inventory: a package must be an object");
        if ((r = req_string(o, "name", &p->name, "inventory package", err)) < 0 ||
            (r = req_string(o, "version", &p->version, "inventory package", err)) < 0 ||
            (r = opt_string(o, "source_name", &p->source_name, "inventory package", err)) < 0 ||
            (r = opt_string(o, "source_version", &p->source_version, "inventory package", err)) < 0 ||
            (r = opt_string(o, "arch", &p->arch, "inventory package", err)) < 0 ||
            (r = opt_string(o, "ecosystem", &p->ecosystem, "inventory package", err)) < 0 ||
            (r = opt_string(o, "purl", &p->purl, "inventory package", err)) < 0 ||
            (r = opt_string(o, "origin_file", &p->origin_file, "inventory package", err)) < 0 ||
            (r = opt_string(o, "guessed_from", &p->guessed_from, "inventory package", err)) < 0)
                return r;
        return 0;
}

#define PARSE_SKIPPED_MAX 16

static int parse_skipped(json_t *a, char ***ret, struct error *err) {
        json_t *s;
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > PARSE_SKIPPED_MAX)
                return error_set(err, EBADMSG, "inventory: 'skipped' must be an array of at most %d strings",
                                 PARSE_SKIPPED_MAX);
        json_array_foreach(a, i, s) {
                if (!json_is_string(s))
                        return error_set(err, EBADMSG, "inventory: skipped[%zu] must be a string", i);
                if (strv_push(ret, strdup(json_string_value(s))) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int report_parse_inventory(const char *buf, size_t len, struct inventory **ret, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        json_t *root, *pkgs, *p;
        size_t i;
        int r = 0;

        if (!inv)
                return -ENOMEM;
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        pkgs = json_object_get(root, "packages");
        if (!json_is_object(root) || !json_is_array(pkgs) || json_array_size(pkgs) > INVENTORY_PACKAGES_MAX) {
                json_decref(root);
                return error_set(err, EBADMSG, "inventory: not an inventory document");
        }
        r = parse_os(json_object_get(root, "os"), &inv->os, err);
        if (r >= 0)
                r = parse_skipped(json_object_get(root, "skipped"), &inv->skipped, err);
        if (r >= 0)
                r = parse_warnings(json_object_get(root, "warnings"), INVENTORY_WARNINGS_MAX + 1, &inv->warnings,
                                   &inv->n_warnings, err);
        json_array_foreach(pkgs, i, p) {
                struct package pkg = {};

                if (r < 0)
                        break;
                r = parse_package(p, &pkg, err);
                if (r < 0)
                        package_done(&pkg);
                else
                        r = inventory_add(inv, &pkg);
        }
        json_decref(root);
        if (r < 0)
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
        *ret = TAKE_PTR(inv);
        return 0;
}

static int parse_aliases(json_t *a, char ***ret, struct error *err) {
        json_t *s;
        size_t i;

        if (!json_is_array(a))
                return error_set(err, EBADMSG, "scan: 'aliases' must be an array");
        json_array_foreach(a, i, s) {
                if (!json_is_string(s))
                        return error_set(err, EBADMSG, "scan: aliases[%zu] must be a string", i);
                if (strv_push(ret, strdup(json_string_value(s))) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_cvss(json_t *c, struct finding *f, struct error *err) {
        const char *v;

        f->cvss_score = -1;
        if (!c || json_is_null(c))
                return 0;
        v = json_string_value(json_object_get(c, "version"));
        if (!json_is_object(c) || !json_is_number(json_object_get(c, "score")) || !v)
                return error_set(err, EBADMSG, "scan: 'cvss' must be {vector, score, version}");
        f->cvss_score = json_number_value(json_object_get(c, "score"));
        f->cvss_version = strcmp(v, "2.0") == 0 ? 2 : strcmp(v, "3.0") == 0 ? 30 : strcmp(v, "3.1") == 0 ? 31 : 40;
        return opt_string(c, "vector", &f->cvss_vector, "scan cvss", err);
}

static int parse_finding(json_t *o, struct finding *f, struct error *err) {
        const char *status = json_string_value(json_object_get(o, "status"));
        const char *sev = json_string_value(json_object_get(o, "severity"));
        int r;

        if (!json_is_object(o))
                return error_set(err, EBADMSG, "scan: a finding must be an object");
        if ((r = req_string(o, "id", &f->id, "scan finding", err)) < 0 ||
            (r = req_string(o, "package", &f->package, "scan finding", err)) < 0 ||
            (r = req_string(o, "installed_version", &f->installed_version, "scan finding", err)) < 0 ||
            (r = opt_string(o, "summary", &f->summary, "scan finding", err)) < 0 ||
            (r = opt_string(o, "ecosystem", &f->ecosystem, "scan finding", err)) < 0 ||
            (r = opt_string(o, "path", &f->path, "scan finding", err)) < 0 ||
            (r = opt_string(o, "source_name", &f->source_name, "scan finding", err)) < 0 ||
            (r = opt_string(o, "fixed_version", &f->fixed_version, "scan finding", err)) < 0 ||
            (r = opt_string(o, "severity_source", &f->severity_source, "scan finding", err)) < 0 ||
            (r = parse_aliases(json_object_get(o, "aliases"), &f->aliases, err)) < 0 ||
            (r = parse_cvss(json_object_get(o, "cvss"), f, err)) < 0)
                return r;
        if (!sev || severity_from_string(sev) < 0)
                return error_set(err, EBADMSG, "scan: finding %s has no valid 'severity'", f->id);
        f->severity = severity_from_string(sev);
        if (!streq_ptr(status, "fixed") && !streq_ptr(status, "affected"))
                return error_set(err, EBADMSG, "scan: finding %s has no valid 'status'", f->id);
        f->status = f->fixed_version ? FINDING_FIXED : FINDING_AFFECTED;
        return 0;
}

static int parse_unchecked(json_t *root, struct scan_result *res, struct error *err) {
        json_t *a = json_object_get(root, "unchecked"), *o, *more = json_object_get(root, "unchecked_more");
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > MATCH_UNCHECKED_MAX || (more && !json_is_integer(more)))
                return error_set(err, EBADMSG, "scan: 'unchecked' must be an array of at most %d items",
                                 MATCH_UNCHECKED_MAX);
        json_array_foreach(a, i, o) {
                const char *subject = json_string_value(json_object_get(o, "subject"));
                const char *reason = json_string_value(json_object_get(o, "reason"));
                json_t *n = json_object_get(o, "packages");
                int kind = unchecked_kind_from_string(json_string_value(json_object_get(o, "kind")));

                if (kind < 0 || !subject || !reason || !json_is_integer(n) || json_integer_value(n) < 0)
                        return error_set(err, EBADMSG, "scan: unchecked[%zu] must be {kind, subject, packages, "
                                         "reason}", i);
                if (scan_result_add_unchecked(res, kind, subject, (size_t) json_integer_value(n), reason) < 0)
                        return -ENOMEM;
        }
        if (more && json_integer_value(more) > 0) {
                /* what the items past the cap left unchecked is in the summary */
                json_t *nc = json_object_get(json_object_get(root, "summary"), "not_checked");

                res->unchecked_more = (size_t) json_integer_value(more);
                if (json_is_integer(nc) && (size_t) json_integer_value(nc) > res->packages_unchecked)
                        res->packages_unchecked = (size_t) json_integer_value(nc);
        }
        return 0;
}

int report_parse_scan(const char *buf, size_t len, struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        json_t *root, *findings, *f;
        size_t i, n;
        int r = 0;

        if (!res)
                return -ENOMEM;
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        findings = json_object_get(root, "findings");
        n = json_array_size(findings);
        if (!json_is_object(root) || !json_is_array(findings) || n > PARSE_FINDINGS_MAX) {
                json_decref(root);
                return error_set(err, EBADMSG, "scan: not a scan document");
        }
        res->findings = calloc(n + 1, sizeof(*res->findings));
        res->cap_findings = n + 1;
        if (!res->findings)
                r = -ENOMEM;
        if (r >= 0)
                r = opt_string(root, "revision", &res->db_revision, "scan", err);
        if (r >= 0)
                r = parse_warnings(json_object_get(root, "warnings"), PARSE_SCAN_WARNINGS_MAX, &res->warnings,
                                   &res->n_warnings, err);
        json_array_foreach(findings, i, f) {
                if (r < 0)
                        break;
                /* counted first so that a half-filled finding is freed too */
                res->n_findings++;
                r = parse_finding(f, &res->findings[i], err);
        }
        if (r >= 0)
                r = parse_unchecked(root, res, err);
        json_decref(root);
        if (r < 0)
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
        scan_result_filter(res, ~0u, false); /* recounts */
        *ret = TAKE_PTR(res);
        return 0;
}

/* ---- the compact form of findings the hook's cache-hit path reads --------- */
/* A header line "#3 <unchecked past the cap> <packages not checked>", one
 * line per unchecked item ("!" kind, packages, subject, reason), then one
 * line per finding: severity, id, package, fixed version, ecosystem, path
 * (empty: none) and aliases (space-separated), tab-separated; bytes that
 * would break the format are %XX-escaped.  Parsing it takes microseconds where the scan
 * JSON of an image with hundreds of findings takes milliseconds.  An entry
 * without the header was written before unchecked items were kept; its
 * reader treats it as stale (-ESTALE), so that the image is analysed anew. */

#define COMPACT_HEADER "#3 "
#define COMPACT_FIELDS 6            /* before the aliases */

static int put_field(struct strbuf *b, const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        int r = 0;

        for (; s && *s && r >= 0; s++) {
                unsigned char c = (unsigned char) *s;

                if (c <= ' ' || c == '%') {
                        char enc[3] = { '%', hex[c >> 4], hex[c & 15] };

                        r = strbuf_append(b, enc, 3);
                } else
                        r = strbuf_append(b, s, 1);
        }
        return r;
}

static int put_unchecked(struct strbuf *b, const struct unchecked *u) {
        int r;

        if ((r = strbuf_printf(b, "!%s\t%zu\t", unchecked_kind_to_string(u->kind), u->packages)) < 0 ||
            (r = put_field(b, u->subject)) < 0 || (r = strbuf_puts(b, "\t")) < 0 ||
            (r = put_field(b, u->reason)) < 0)
                return r;
        return strbuf_puts(b, "\n");
}

static int put_finding(struct strbuf *b, const struct finding *f) {
        int r;

        if ((r = strbuf_printf(b, "%s\t", severity_to_string(f->severity))) < 0 || (r = put_field(b, f->id)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->package)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->fixed_version)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->ecosystem)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->path)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0)
                return r;
        for (char **a = f->aliases; r >= 0 && a && *a; a++) {
                if (a != f->aliases)
                        r = strbuf_puts(b, " ");
                if (r >= 0)
                        r = put_field(b, *a);
        }
        return r < 0 ? r : strbuf_puts(b, "\n");
}

int report_findings_compact(const struct scan_result *res, char **ret, struct error *err) {
        struct strbuf b = {};
        int r;

        r = strbuf_printf(&b, COMPACT_HEADER "%zu %zu\n", res->unchecked_more, res->packages_unchecked);
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++)
                r = put_unchecked(&b, &res->unchecked[i]);
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++)
                r = put_finding(&b, &res->findings[i]);
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "encode findings");
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

static int hexval(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes [s, end) into a new string; NULL for an empty field when
 * empty_is_null. */
static int get_field(const char *s, const char *end, bool empty_is_null, char **ret) {
        char *out, *o;

        *ret = NULL;
        if (s == end && empty_is_null)
                return 0;
        out = o = malloc((size_t) (end - s) + 1);
        if (!out)
                return -ENOMEM;
        while (s < end) {
                if (*s == '%') {
                        int hi = end - s > 2 ? hexval(s[1]) : -1, lo = end - s > 2 ? hexval(s[2]) : -1;

                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                free(out);
                                return -EBADMSG;
                        }
                        *o++ = (char) (hi << 4 | lo);
                        s += 3;
                } else
                        *o++ = *s++;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

static int parse_compact_line(const char *s, const char *end, struct finding *f) {
        const char *tab[COMPACT_FIELDS];
        const char *p = s;
        int r, sev;

        for (int i = 0; i < COMPACT_FIELDS; i++) {
                tab[i] = memchr(p, '\t', (size_t) (end - p));
                if (!tab[i])
                        return -EBADMSG;
                p = tab[i] + 1;
        }
        {
                char word[16];
                size_t n = (size_t) (tab[0] - s);

                if (n == 0 || n >= sizeof(word))
                        return -EBADMSG;
                memcpy(word, s, n);
                word[n] = '\0';
                sev = severity_from_string(word);
                if (sev < 0)
                        return -EBADMSG;
                f->severity = sev;
        }
        f->cvss_score = -1;
        if ((r = get_field(tab[0] + 1, tab[1], false, &f->id)) < 0 ||
            (r = get_field(tab[1] + 1, tab[2], false, &f->package)) < 0 ||
            (r = get_field(tab[2] + 1, tab[3], true, &f->fixed_version)) < 0 ||
            (r = get_field(tab[3] + 1, tab[4], true, &f->ecosystem)) < 0 ||
            (r = get_field(tab[4] + 1, tab[5], true, &f->path)) < 0)
                return r;
        if (!*f->id || !*f->package)
                return -EBADMSG;
        f->status = f->fixed_version ? FINDING_FIXED : FINDING_AFFECTED;
        f->installed_version = strdup("");
        if (!f->installed_version)
                return -ENOMEM;
        for (p = tab[COMPACT_FIELDS - 1] + 1; p < end;) {
                const char *sp = memchr(p, ' ', (size_t) (end - p));
                const char *stop = sp ? sp : end;
                char *a = NULL;

                if ((r = get_field(p, stop, false, &a)) < 0 || (r = strv_push(&f->aliases, a)) < 0)
                        return r;
                p = stop + (sp ? 1 : 0);
        }
        return 0;
}

/* "!kind\tpackages\tsubject\treason" */
static int parse_unchecked_line(const char *s, const char *end, struct scan_result *res) {
        _cleanup_free_ char *kind = NULL, *subject = NULL, *reason = NULL;
        const char *tab[3], *p = s + 1;
        char *num_end = NULL;
        unsigned long long n;
        int r, k;

        for (int i = 0; i < 3; i++) {
                tab[i] = memchr(p, '\t', (size_t) (end - p));
                if (!tab[i])
                        return -EBADMSG;
                p = tab[i] + 1;
        }
        if ((r = get_field(s + 1, tab[0], false, &kind)) < 0 || (r = get_field(tab[1] + 1, tab[2], false, &subject)) < 0 ||
            (r = get_field(tab[2] + 1, end, false, &reason)) < 0)
                return r;
        k = unchecked_kind_from_string(kind);
        if (tab[1] == tab[0] + 1 || tab[0][1] < '0' || tab[0][1] > '9')
                return -EBADMSG;
        n = strtoull(tab[0] + 1, &num_end, 10);
        if (k < 0 || num_end != tab[1] || n > INVENTORY_PACKAGES_MAX || !*subject || !*reason)
                return -EBADMSG;
        return scan_result_add_unchecked(res, k, subject, (size_t) n, reason);
}

/* "#2 <more> <packages not checked>" */
static int parse_header(const char *s, const char *end, struct scan_result *res) {
        unsigned long long more, packages;
        char line[64];
        int used = 0;

        if ((size_t) (end - s) >= sizeof(line))
                return -EBADMSG;
        memcpy(line, s, (size_t) (end - s));
        line[end - s] = '\0';
        if (sscanf(line, COMPACT_HEADER "%20llu %20llu%n", &more, &packages, &used) != 2 || line[used] != '\0' ||
            more > PARSE_FINDINGS_MAX || packages > INVENTORY_PACKAGES_MAX || strchr(line, '-'))
                return -EBADMSG;
        res->unchecked_more = (size_t) more;
        res->packages_unchecked = (size_t) packages;
        return 0;
}

int report_parse_findings_compact(const char *buf, size_t len, struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        const char *p = buf, *end = buf + len, *nl;
        size_t n = 0, packages;
        int r = 0;

        if (!res)
                return -ENOMEM;
        if (len < STRLEN(COMPACT_HEADER) || memcmp(buf, COMPACT_HEADER, STRLEN(COMPACT_HEADER)) != 0)
                return error_set(err, ESTALE, "cached findings were written by an earlier version");
        for (const char *q = buf; q < end; q++)
                n += *q == '\n';
        if (n > PARSE_FINDINGS_MAX || end[-1] != '\n')
                return error_set(err, EBADMSG, "cached findings are damaged");
        res->findings = calloc(n + 1, sizeof(*res->findings));
        if (!res->findings)
                return -ENOMEM;
        res->cap_findings = n + 1;
        nl = memchr(p, '\n', len);
        r = parse_header(p, nl, res);
        /* the items add their packages again as they are parsed */
        packages = res->packages_unchecked;
        res->packages_unchecked = 0;
        for (p = nl + 1; p < end && r >= 0; p = nl + 1) {
                nl = memchr(p, '\n', (size_t) (end - p));
                if (*p == '!')
                        r = parse_unchecked_line(p, nl, res);
                else {
                        res->n_findings++;
                        r = parse_compact_line(p, nl, &res->findings[res->n_findings - 1]);
                }
        }
        if (r < 0)
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory")
                                    : error_set(err, EBADMSG, "cached findings are damaged");
        res->packages_unchecked = packages;     /* the items past the cap count too */
        scan_result_filter(res, ~0u, false); /* recounts */
        *ret = TAKE_PTR(res);
        return 0;
}
