/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "report-internal.h"

/* ---- the audit log ------------------------------------------------------- */

static const char *decision_color(const char *d) {
        if (streq_ptr(d, "deny"))
                return report_sev_color[SEVERITY_CRITICAL];
        if (streq_ptr(d, "warn"))
                return report_sev_color[SEVERITY_HIGH];
        return "\033[32m";
}

/* One count cell: the severity's colour, and '*' after a count at or
 * above the decision's threshold (the ones the policy weighed). */
static int count_cell(struct strbuf *b, json_t *n, int s, int threshold, bool color) {
        return strbuf_printf(b, " %s%4lld%s%s", color ? report_sev_color[s] : "", (long long) json_integer_value(n),
                             color ? REPORT_COLOR_OFF : "", threshold >= 0 && s >= threshold ? "*" : " ");
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
                          color ? decision_color(decision) : "", shown, color ? REPORT_COLOR_OFF : "", what,
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
