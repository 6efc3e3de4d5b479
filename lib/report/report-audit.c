/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "report-internal.h"

/* ---- the audit log ------------------------------------------------------- */

/* After the image's name when the findings were a container's own, as it
 * changed itself (the audit line's image_changed): not the image's. */
#define CHANGED_MARK " (changed)"
/* The row's name: the image (else the container), marked when the
 * findings were not the image's alone: a container that changed itself
 * (image_changed), images mounted into it (image_mounts). */
static int row_name(json_t *o, char **ret) {
        const char *image = json_string_value(json_object_get(o, "image"));
        json_int_t mounts = json_integer_value(json_object_get(o, "image_mounts"));
        char more[48] = "";

        if (mounts > 0)
                snprintf(more, sizeof(more), " (+%lld mounted)", (long long) mounts);
        return asprintf(ret, "%s%s%s", image ? image : strempty(json_string_value(json_object_get(o, "container"))),
                        image && json_is_true(json_object_get(o, "image_changed")) ? CHANGED_MARK : "", more) < 0
                       ? -ENOMEM : 0;
}

/* The recheck's lines, which are no decision (report_audit_each()). */
#define RECHECK_EVENT "now_violates event"
#define RECHECK_EVENTS "now_violates events"

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

/* The record's strings (and its arrays'), made printable in place: the
 * image and namespace come from annotations, the worst ids from the DB. */
static void make_printable(json_t *v) {
        const char *key;
        json_t *m;
        size_t i;

        if (json_is_string(v)) {
                _cleanup_free_ char *s = strdup(json_string_value(v));

                if (s) {
                        str_make_printable(s);
                        (void) json_string_set(v, s);
                }
        } else if (json_is_array(v))
                json_array_foreach(v, i, m)
                        make_printable(m);
        else if (json_is_object(v))
                json_object_foreach(v, key, m)
                        make_printable(m);
}

static int audit_row(struct strbuf *b, json_t *o, bool color) {
        const char *decision = json_string_value(json_object_get(o, "decision"));
        /* A warned container started with findings, and one started because
         * its check failed or timed out (on_error, on_timeout allow: a
         * reason, no verdict): marked, colour or not. */
        const char *shown = streq_ptr(decision, "warn") ? "warn!"
                            : streq_ptr(decision, "allow") && json_is_string(json_object_get(o, "reason")) ? "allow?"
                            : strempty(decision);
        const char *unchecked = json_string_value(json_object_get(o, "unchecked"));
        json_t *summary = json_object_get(o, "summary"), *w;
        int threshold = severity_from_string(json_string_value(json_object_get(o, "threshold")));
        _cleanup_free_ char *what = NULL;
        size_t i;
        int r;

        /* lines written before the summary was kept count only what counted */
        if (!json_is_object(summary))
                summary = json_object_get(o, "counts");
        if (row_name(o, &what) < 0)
                return -ENOMEM;
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

static bool is_record(json_t *o) {
        return json_is_object(o) && json_is_string(json_object_get(o, "decision"));
}

/* A line of the running containers' recheck ("event": "now_violates"). */
/* "now_violates" (the recheck's, 1) or "cache_filled" (cache fill's, 2);
 * 0 for anything else. */
static int event_of(json_t *o) {
        const char *e = json_is_object(o) && !json_object_get(o, "decision")
                                ? json_string_value(json_object_get(o, "event")) : NULL;

        return streq_ptr(e, "now_violates") ? 1 : streq_ptr(e, "cache_filled") ? 2 : 0;
}

/* How every record starts (audit_format(): "time" first, compact), and
 * how many of its starts a damaged line is searched for. */
#define RECORD_HEAD "{\"time\":\""
#define GLUED_TRIES_MAX 16

/* A line a writer left without its newline (out of space: a short write;
 * killed; a power cut) has the next writer's whole record glued after it,
 * which would be lost with it.  That record: the first suffix starting
 * like a record that parses as one (a '"' inside a JSON string is escaped,
 * so RECORD_HEAD only starts a record); NULL when there is none. */
static json_t *glued_record(const char *p, size_t l) {
        const char *end = p + l, *q = p;

        for (unsigned i = 0; i < GLUED_TRIES_MAX && q + 1 < end; i++) {
                json_t *o;

                q = memmem(q + 1, (size_t) (end - q - 1), RECORD_HEAD, STRLEN(RECORD_HEAD));
                if (!q)
                        return NULL;
                o = json_loadb(q, (size_t) (end - q), 0, NULL);
                if (is_record(o))
                        return o;
                json_decref(o);
        }
        return NULL;
}

int report_audit_each(const char *buf, size_t len, size_t last, int (*fn)(json_t *o, void *userdata),
                      int (*event_fn)(json_t *o, void *userdata), void *userdata, size_t *ret_events,
                      size_t *ret_skipped, struct error *err) {
        const char *p = buf, *end = buf + len;
        /* last 0 shows nothing, but the file is still checked, on its
         * last line (--html's chart reads it all) */
        size_t lines = 0, records = 0, examined = last ? last : 1;
        int r = 0;

        *ret_skipped = 0;
        if (ret_events)
                *ret_events = 0;
        for (const char *q = buf; q < end; q++)
                lines += *q == '\n';
        if (len > 0 && end[-1] != '\n')
                lines++;
        for (size_t n = 0; r >= 0 && p < end; n++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);

                if (lines <= examined || n >= lines - examined) {
                        json_t *o = json_loadb(p, l, 0, NULL);

                        int event = event_of(o);

                        if (event) {
                                if (ret_events && event == 1)
                                        (*ret_events)++;
                                if (event_fn && last)
                                        r = event_fn(o, userdata);
                        } else if (!is_record(o) && l > 0) {
                                (*ret_skipped)++;
                                json_decref(o);
                                o = glued_record(p, l);
                        }
                        if (is_record(o)) {
                                r = last ? fn(o, userdata) : 0;
                                records++;
                        }
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
        make_printable(o);
        return audit_row(t->b, o, t->color);
}

int report_audit_table(const char *buf, size_t len, size_t last, bool color, char **ret, struct error *err) {
        struct strbuf b = {};
        struct table_rows t = { .b = &b, .color = color };
        size_t events = 0, skipped = 0;
        int r;

        r = strbuf_printf(&b, "%-24s %-6s %-40s %-14s %-8s %s  %s\n", "TIME", "VERDICT", "IMAGE", "NAMESPACE", "MODE",
                          "    C     H     M     L     N     U TOTAL   FIX UNCHK", "WORST / REASON");
        if (r >= 0 && (r = report_audit_each(buf, len, last, table_row, NULL, &t, &events, &skipped, err)) < 0) {
                strbuf_done(&b);
                return r;
        }
        if (r >= 0)
                r = strbuf_printf(&b, "\n%zu decisions shown (* = at or above the policy's threshold, counted; "
                                  "allow? = started unchecked, its check failed)", t.shown);
        if (r >= 0 && events)
                r = strbuf_printf(&b, "; %zu %s of running containers judged again after a DB change "
                                  "(portcullis ps --changed-since)", events, events == 1 ? RECHECK_EVENT : RECHECK_EVENTS);
        if (r >= 0 && skipped)
                r = strbuf_printf(&b, "; %zu lines that are not audit records skipped", skipped);
        if (r >= 0)
                r = strbuf_puts(&b, "\n");
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
        size_t events = 0, skipped = 0;
        int r = report_audit_each(buf, len, last, json_row, NULL, decisions, &events, &skipped, err);

        if (r < 0) {
                json_decref(decisions);
                return r;
        }
        root = json_pack("{s:s, s:o, s:I, s:I}", "log", log, "decisions", decisions, "events", (json_int_t) events,
                         "skipped", (json_int_t) skipped);
        if (!root) {
                json_decref(root);
                return error_set(err, ENOMEM, "render the audit log");
        }
        *ret = json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render the audit log");
}

/* ---- the audit log as a page (report --html) ----------------------------- */

#define CHART_HOURS 168         /* a week of hours: older decisions are counted, not drawn */
#define CHART_BAR 10            /* SVG units an hour, at least */
#define CHART_MIN_WIDTH 600     /* units for the hours: a few hours get wider slots */
#define CHART_LABEL 70          /* units an hour label needs */
#define CHART_HEIGHT 120
#define CHART_LEFT 40
#define TOP_BLOCKED 10

/* The decisions the page tells apart, in the chart's stacking order
 * (bottom first); their CSS classes are d-DECISION. */
static const struct {
        const char *decision;
        const char *label;
} decisions[] = {
        { "deny", "blocked" },
        { "warn", "warned" },
        { "audit", "audited" },
        { "allow", "allowed" },
};
#define N_DECISIONS ELEMENTSOF(decisions)

static int decision_index(const char *d) {
        for (size_t i = 0; i < N_DECISIONS; i++)
                if (streq_ptr(d, decisions[i].decision))
                        return (int) i;
        return -1;
}

struct tick {
        long long hour;         /* hours since the epoch, UTC */
        int decision;
};

/* What the whole log says: every decision's hour, every blocked image. */
struct history {
        struct tick *ticks;
        size_t n_ticks, cap_ticks;
        char **blocked;
        size_t n_blocked, cap_blocked;
        size_t totals[N_DECISIONS];
        size_t other;           /* decisions of another name */
        size_t untimed;         /* records without a time we can read */
        char *db_revision;      /* of the last record that names one */
        char *db_time;          /* its data time, when the record gives it */
};

static void history_done(struct history *h) {
        free(h->ticks);
        for (size_t i = 0; i < h->n_blocked; i++)
                free(h->blocked[i]);
        free(h->blocked);
        free(h->db_revision);
        free(h->db_time);
}

/* "2026-11-22T18:40:00.123Z" → its hour since the epoch, or -1. */
static long long hour_of(const char *time) {
        struct tm tm = {};
        const char *end = time ? strptime(time, "%Y-%m-%dT%H", &tm) : NULL;
        time_t t = end && *end == ':' ? timegm(&tm) : (time_t) -1;

        return t < 0 ? -1 : (long long) t / 3600;
}

static int grow(void **v, size_t n, size_t *cap, size_t size) {
        void *nv;

        if (n < *cap)
                return 0;
        nv = reallocarray(*v, *cap ? *cap * 2 : 64, size);
        if (!nv)
                return -ENOMEM;
        *v = nv;
        *cap = *cap ? *cap * 2 : 64;
        return 0;
}

static int history_add(json_t *o, void *userdata) {
        struct history *h = userdata;
        const char *db = json_string_value(json_object_get(o, "db_revision"));
        int d = decision_index(json_string_value(json_object_get(o, "decision")));
        long long hour = hour_of(json_string_value(json_object_get(o, "time")));

        if (d < 0)
                h->other++;
        else
                h->totals[d]++;
        if (db) {
                const char *when = json_string_value(json_object_get(o, "db_time"));

                free(h->db_revision);
                free(h->db_time);
                h->db_time = NULL;
                if (!(h->db_revision = strdup(db)) || (when && !(h->db_time = strdup(when))))
                        return -ENOMEM;
        }
        if (hour < 0 || d < 0)
                h->untimed += hour < 0;
        else if (grow((void **) &h->ticks, h->n_ticks, &h->cap_ticks, sizeof(*h->ticks)) < 0)
                return -ENOMEM;
        else
                h->ticks[h->n_ticks++] = (struct tick) { hour, d };
        if (d != 0)
                return 0;
        if (grow((void **) &h->blocked, h->n_blocked, &h->cap_blocked, sizeof(*h->blocked)) < 0)
                return -ENOMEM;
        if (row_name(o, &h->blocked[h->n_blocked]) < 0)
                return -ENOMEM;
        h->n_blocked++;
        return 0;
}

/* The hour's names: for data, for people, for the axis, a midnight on it. */
enum hour_style { HOUR_ISO, HOUR_SHOWN, HOUR_AXIS, HOUR_DAY };

static void hour_name(long long hour, enum hour_style style, char buf[64]) {
        time_t t = (time_t) (hour * 3600);
        struct tm tm = {};
        int y, m, d, h;

        if (!gmtime_r(&t, &tm))
                tm = (struct tm) {};
        y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday, h = tm.tm_hour;

        if (style == HOUR_ISO)
                snprintf(buf, 64, "%04d-%02d-%02dT%02d", y, m, d, h);
        else if (style == HOUR_SHOWN)
                snprintf(buf, 64, "%04d-%02d-%02d %02d:00", y, m, d, h);
        else if (style == HOUR_AXIS)
                snprintf(buf, 64, "%02d-%02d %02dh", m, d, h);
        else
                snprintf(buf, 64, "%02d-%02d", m, d);
}

/* Where the hours go: slot units each (wide ones when there are few), a
 * bar of at most 40 in the middle of each. */
struct chart {
        long long first;
        size_t hours, slot, bar, top;
};

static size_t chart_x(const struct chart *c, size_t i) {
        return CHART_LEFT + i * c->slot;
}

/* One hour's stacked bar; its counts also as data-* for tools (and tests). */
static int chart_bar(struct strbuf *b, const struct chart *c, size_t i, const size_t n[N_DECISIONS]) {
        char name[64], shown[64];
        double y = 10 + CHART_HEIGHT;
        int r;

        hour_name(c->first + (long long) i, HOUR_ISO, name);
        hour_name(c->first + (long long) i, HOUR_SHOWN, shown);
        r = strbuf_printf(b, "<g class=\"hour\" data-hour=\"%s\"", name);
        for (size_t d = 0; r >= 0 && d < N_DECISIONS; d++)
                r = strbuf_printf(b, " data-%s=\"%zu\"", decisions[d].decision, n[d]);
        if (r >= 0)
                r = strbuf_printf(b, "><title>%s UTC:", shown);
        for (size_t d = 0; r >= 0 && d < N_DECISIONS; d++)
                r = strbuf_printf(b, "%s %zu %s", d ? "," : "", n[d], decisions[d].label);
        if (r >= 0)
                r = strbuf_puts(b, "</title>");
        for (size_t d = 0; r >= 0 && d < N_DECISIONS; d++) {
                double h = (double) CHART_HEIGHT * (double) n[d] / (double) c->top;

                if (n[d] == 0)
                        continue;
                y -= h;
                r = strbuf_printf(b, "<rect class=\"d-%s\" x=\"%zu\" y=\"%.2f\" width=\"%zu\" height=\"%.2f\"/>",
                                  decisions[d].decision, chart_x(c, i) + (c->slot - c->bar) / 2, y, c->bar, h);
        }
        return r < 0 ? r : strbuf_puts(b, "</g>\n");
}

/* Hour labels under the axis: every hour when there is room, else the
 * first and the last hour and each midnight far enough from both. */
static int chart_labels(struct strbuf *b, const struct chart *c) {
        bool all = c->slot >= CHART_LABEL;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < c->hours; i++) {
                bool edge = i == 0 || i == c->hours - 1;
                const char *anchor = all || c->hours == 1 ? "middle" : i == 0 ? "start" : i == c->hours - 1 ? "end"
                                     : "middle";
                size_t x = chart_x(c, i) + (all || !edge ? c->slot / 2 : i == 0 ? 0 : c->slot);
                char name[64];

                if (!all && !edge && ((c->first + (long long) i) % 24 != 0 || i * c->slot < CHART_LABEL ||
                                      (c->hours - 1 - i) * c->slot < CHART_LABEL))
                        continue;
                hour_name(c->first + (long long) i, all || edge ? HOUR_AXIS : HOUR_DAY, name);
                r = strbuf_printf(b, "<text x=\"%zu\" y=\"%d\" text-anchor=\"%s\">%s</text>", x,
                                  10 + CHART_HEIGHT + 16, anchor, name);
        }
        return r;
}

static int chart_svg(struct strbuf *b, struct chart *c, const size_t (*bins)[N_DECISIONS]) {
        size_t width;
        int r;

        c->top = 1;
        for (size_t i = 0; i < c->hours; i++) {
                size_t sum = 0;

                for (size_t d = 0; d < N_DECISIONS; d++)
                        sum += bins[i][d];
                if (sum > c->top)
                        c->top = sum;
        }
        c->slot = c->hours * CHART_BAR >= CHART_MIN_WIDTH ? CHART_BAR : CHART_MIN_WIDTH / c->hours;
        c->bar = c->slot - 2 > 40 ? 40 : c->slot - 2;
        width = chart_x(c, c->hours) + 10;
        r = strbuf_printf(b, "<svg class=\"chart\" id=\"chart\" width=\"%zu\" height=\"%d\" viewBox=\"0 0 %zu %d\" "
                          "role=\"img\" aria-label=\"decisions per hour\" data-hours=\"%zu\">\n"
                          "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%zu\" y2=\"%d\"/>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%zu</text>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
                          width, CHART_HEIGHT + 40, width, CHART_HEIGHT + 40, c->hours, CHART_LEFT, 10 + CHART_HEIGHT,
                          chart_x(c, c->hours), 10 + CHART_HEIGHT, CHART_LEFT - 6, 14, c->top, CHART_LEFT - 6,
                          10 + CHART_HEIGHT);
        for (size_t i = 0; r >= 0 && i < c->hours; i++) {
                bool any = false;

                for (size_t d = 0; d < N_DECISIONS; d++)
                        any = any || bins[i][d] > 0;
                if (any)
                        r = chart_bar(b, c, i, bins[i]);
        }
        if (r >= 0)
                r = chart_labels(b, c);
        return r < 0 ? r : strbuf_puts(b, "</svg>\n");
}

static int chart_legend(struct strbuf *b, const struct history *h, size_t older) {
        int r = strbuf_puts(b, "<div class=\"legend\">");

        for (size_t d = 0; r >= 0 && d < N_DECISIONS; d++)
                r = strbuf_printf(b, "<span id=\"total-%s\"><span class=\"chip d-%s\"></span>%s <b>%zu</b></span>",
                                  decisions[d].decision, decisions[d].decision, decisions[d].label, h->totals[d]);
        if (r >= 0)
                r = strbuf_puts(b, "</div>\n");
        if (r >= 0 && (older || h->untimed || h->other))
                r = strbuf_printf(b, "<p class=\"meta\">Not in the chart: %zu decisions older than its %d hours, "
                                  "%zu without a readable time, %zu of another kind.</p>\n", older, CHART_HOURS,
                                  h->untimed, h->other);
        return r;
}

/* Decisions per hour over the last CHART_HOURS hours that have any. */
static int chart_section(struct strbuf *b, const struct history *h) {
        _cleanup_free_ size_t (*bins)[N_DECISIONS] = NULL;
        long long first = LLONG_MAX, last = LLONG_MIN;
        struct chart c = {};
        size_t older = 0;
        int r;

        for (size_t i = 0; i < h->n_ticks; i++) {
                first = h->ticks[i].hour < first ? h->ticks[i].hour : first;
                last = h->ticks[i].hour > last ? h->ticks[i].hour : last;
        }
        r = strbuf_puts(b, "<h2>Decisions per hour (UTC)</h2>\n");
        if (r >= 0 && h->n_ticks == 0)
                r = strbuf_puts(b, "<p id=\"chart-empty\">No decision with a time to chart.</p>\n");
        if (r >= 0 && h->n_ticks > 0) {
                if (last - first >= CHART_HOURS)
                        first = last - CHART_HOURS + 1;
                c = (struct chart) { .first = first, .hours = (size_t) (last - first + 1) };
                if (!(bins = calloc(c.hours, sizeof(*bins))))
                        return -ENOMEM;
                for (size_t i = 0; i < h->n_ticks; i++)
                        if (h->ticks[i].hour < first)
                                older++;
                        else
                                bins[h->ticks[i].hour - first][h->ticks[i].decision]++;
                r = chart_svg(b, &c, (const size_t (*)[N_DECISIONS]) bins);
        }
        return r < 0 ? r : chart_legend(b, h, older);
}

struct image_count {
        const char *image;
        size_t n;
};

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int cmp_count(const void *a, const void *b) {
        const struct image_count *x = a, *y = b;

        return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->image, y->image);
}

static int blocked_section(struct strbuf *b, struct history *h) {
        _cleanup_free_ struct image_count *c = NULL;
        size_t n = 0;
        int r;

        r = strbuf_puts(b, "<h2>Most blocked images</h2>\n");
        if (r < 0 || h->n_blocked == 0)
                return r < 0 ? r : strbuf_puts(b, "<p id=\"no-blocks\">No start was blocked.</p>\n");
        if (!(c = calloc(h->n_blocked, sizeof(*c))))
                return -ENOMEM;
        qsort(h->blocked, h->n_blocked, sizeof(*h->blocked), cmp_str);
        for (size_t i = 0; i < h->n_blocked; i++)
                if (n > 0 && strcmp(c[n - 1].image, h->blocked[i]) == 0)
                        c[n - 1].n++;
                else
                        c[n++] = (struct image_count) { h->blocked[i], 1 };
        qsort(c, n, sizeof(*c), cmp_count);
        r = strbuf_puts(b, "<table id=\"blocked\">\n<thead><tr><th scope=\"col\">Image</th>"
                        "<th scope=\"col\">Blocked starts</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; r >= 0 && i < n && i < TOP_BLOCKED; i++) {
                r = strbuf_puts(b, "<tr><td class=\"wrap\">");
                if (r >= 0)
                        r = report_html_text(b, c[i].image);
                if (r >= 0)
                        r = strbuf_printf(b, "</td><td class=\"num\">%zu</td></tr>\n", c[i].n);
        }
        if (r >= 0 && n > TOP_BLOCKED)
                r = strbuf_printf(b, "<tr><td colspan=\"2\">and %zu more images</td></tr>\n", n - TOP_BLOCKED);
        return r < 0 ? r : strbuf_puts(b, "</tbody>\n</table>\n");
}

/* ---- the recent decisions' rows -------------------------------------------- */

static int text_td(struct strbuf *b, const char *cls, const char *s) {
        int r = strbuf_printf(b, "<td%s%s%s>", cls ? " class=\"" : "", strempty(cls), cls ? "\"" : "");

        if (r >= 0)
                r = report_html_text(b, s ? s : "-");
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int counts_td(struct strbuf *b, json_t *o) {
        json_t *summary = json_object_get(o, "summary");
        int threshold = severity_from_string(json_string_value(json_object_get(o, "threshold")));
        static const char *const totals[] = { "total", "fixable", "not_checked" };
        int r = 0;

        if (!json_is_object(summary))
                summary = json_object_get(o, "counts");
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--) {
                long long n = json_integer_value(json_object_get(summary, severity_to_string(s)));

                /* weighed: at or above the decision's threshold */
                r = strbuf_printf(b, "<td class=\"num%s\" data-k=\"%lld\">%lld</td>",
                                  threshold >= 0 && s >= threshold ? " weighed" : "", n, n);
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(totals); i++) {
                long long n = json_integer_value(json_object_get(summary, totals[i]));

                r = strbuf_printf(b, "<td class=\"num\" data-k=\"%lld\">%lld</td>", n, n);
        }
        return r;
}

/* The worst IDs, the reason, what was not checked: one cell. */
static int why_td(struct strbuf *b, json_t *o) {
        json_t *w;
        size_t i;
        int r = strbuf_puts(b, "<td class=\"wrap\">");

        json_array_foreach(json_object_get(o, "worst"), i, w)
                if (r >= 0 && json_is_string(w)) {
                        r = strbuf_puts(b, i ? ", " : "");
                        if (r >= 0)
                                r = report_html_text(b, json_string_value(w));
                }
        if (r >= 0 && json_is_string(json_object_get(o, "reason"))) {
                r = strbuf_puts(b, "<span class=\"vexnote\">");
                if (r >= 0)
                        r = report_html_text(b, json_string_value(json_object_get(o, "reason")));
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        if (r >= 0 && json_is_string(json_object_get(o, "unchecked"))) {
                r = strbuf_puts(b, "<span class=\"vexnote\">not checked: ");
                if (r >= 0)
                        r = report_html_text(b, json_string_value(json_object_get(o, "unchecked")));
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int html_row(struct strbuf *b, json_t *o) {
        const char *decision = json_string_value(json_object_get(o, "decision"));
        const char *image = json_string_value(json_object_get(o, "image"));
        const char *ns = json_string_value(json_object_get(o, "namespace"));
        const char *container = json_string_value(json_object_get(o, "container"));
        int d = decision_index(decision);
        int r;

        r = strbuf_puts(b, "<tr data-cat=\"");
        if (r >= 0)
                r = report_html_text(b, decision);
        if (r >= 0)
                r = strbuf_puts(b, "\" data-q=\"");
        if (r >= 0 && (r = report_html_text(b, image)) >= 0 && (r = strbuf_puts(b, " ")) >= 0 &&
            (r = report_html_text(b, ns)) >= 0 && (r = strbuf_puts(b, " ")) >= 0)
                r = report_html_text(b, container);
        if (r >= 0)
                r = strbuf_puts(b, "\">");
        if (r >= 0)
                r = text_td(b, "mono nowrap", json_string_value(json_object_get(o, "time")));
        if (r >= 0)
                r = strbuf_printf(b, "<td><span class=\"sev d-%s\">", d >= 0 ? decisions[d].decision : "other");
        if (r >= 0)
                r = report_html_text(b, d >= 0 ? decisions[d].label : decision);
        if (r >= 0 && (r = strbuf_puts(b, "</span></td>")) >= 0 &&
            (r = text_td(b, "wrap", image ? image : container)) >= 0 && (r = text_td(b, NULL, ns)) >= 0 &&
            (r = text_td(b, NULL, json_string_value(json_object_get(o, "mode")))) >= 0 &&
            (r = counts_td(b, o)) >= 0 && (r = why_td(b, o)) >= 0)
                r = text_td(b, "mono wrap", json_string_value(json_object_get(o, "db_revision")));
        return r < 0 ? r : strbuf_puts(b, "</tr>\n");
}

struct html_rows {
        char **rows;
        size_t n, cap;
};

static int html_row_add(json_t *o, void *userdata) {
        struct html_rows *h = userdata;
        struct strbuf b = {};
        int r = html_row(&b, o);

        if (r < 0 || grow((void **) &h->rows, h->n, &h->cap, sizeof(*h->rows)) < 0) {
                strbuf_done(&b);
                return r < 0 ? r : -ENOMEM;
        }
        h->rows[h->n++] = strbuf_steal(&b);
        return h->rows[h->n - 1] ? 0 : -ENOMEM;
}

static int recent_section(struct strbuf *b, const struct html_rows *rows) {
        static const char *const heads[] = { "Decision", "Image", "Namespace", "Mode" };
        int r;

        r = strbuf_printf(b, "<h2>The last %zu decisions</h2>\n<div class=\"filters\">\n"
                          "<fieldset><legend>Decision</legend>", rows->n);
        for (size_t d = 0; r >= 0 && d < N_DECISIONS; d++)
                r = strbuf_printf(b, "<label><input type=\"checkbox\" class=\"f-cat\" id=\"f-d-%s\" value=\"%s\" "
                                  "checked> %s</label>", decisions[d].decision, decisions[d].decision,
                                  decisions[d].label);
        if (r >= 0)
                r = strbuf_puts(b, "</fieldset>\n<label>Image or namespace <input type=\"search\" id=\"f-q\"></label>\n"
                                "<span id=\"shown\"></span>\n</div>\n<table id=\"rows\" class=\"sortable\">\n<thead><tr>");
        if (r >= 0)
                r = report_html_th(b, "Time", false, true);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(heads); i++)
                r = report_html_th(b, heads[i], false, false);
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = report_html_th(b, severity_to_string(s), true, false);
        if (r >= 0 && (r = report_html_th(b, "Total", true, false)) >= 0 &&
            (r = report_html_th(b, "Fixable", true, false)) >= 0 &&
            (r = report_html_th(b, "Not checked", true, false)) >= 0 &&
            (r = report_html_th(b, "Worst / reason", false, false)) >= 0)
                r = report_html_th(b, "DB revision", false, false);
        if (r >= 0)
                r = strbuf_puts(b, "</tr></thead>\n<tbody>\n");
        /* newest first */
        for (size_t i = rows->n; r >= 0 && i > 0; i--)
                r = strbuf_puts(b, rows->rows[i - 1]);
        return r < 0 ? r : strbuf_puts(b, "</tbody>\n</table>\n");
}

static int audit_header(struct strbuf *b, const char *log, const struct history *h, size_t events, size_t skipped) {
        size_t all = h->other;
        int r;

        for (size_t d = 0; d < N_DECISIONS; d++)
                all += h->totals[d];
        r = strbuf_puts(b, "<header>\n<h1>Portcullis: the hook's decisions</h1>\n<p class=\"meta\">Audit log <b>");
        if (r >= 0)
                r = report_html_text(b, log);
        if (r >= 0)
                r = strbuf_printf(b, "</b>: <b id=\"decisions\">%zu</b> decisions", all);
        if (r >= 0 && events)
                r = strbuf_printf(b, ", %zu %s of running containers judged again after a DB change", events,
                                  events == 1 ? RECHECK_EVENT : RECHECK_EVENTS);
        if (r >= 0 && skipped)
                r = strbuf_printf(b, ", %zu lines that are not audit records skipped", skipped);
        if (r >= 0)
                r = strbuf_puts(b, "</p>\n<p class=\"meta\">Database revision of the latest decision <b class=\"mono\">");
        if (r >= 0)
                r = report_html_text(b, h->db_revision ? h->db_revision : "none");
        if (r >= 0)
                r = strbuf_puts(b, "</b>");
        if (r >= 0 && h->db_time) {
                long long age = report_db_age_hours(h->db_time);

                r = strbuf_puts(b, ", data of <b>");
                if (r >= 0)
                        r = report_html_text(b, h->db_time);
                if (r >= 0)
                        r = age >= 0 ? strbuf_printf(b, "</b> (%lld hour%s old now)", age, age == 1 ? "" : "s")
                                     : strbuf_puts(b, "</b>");
        }
        return r < 0 ? r : strbuf_puts(b, "</p>\n</header>\n");
}

static void html_rows_done(struct html_rows *rows) {
        for (size_t i = 0; i < rows->n; i++)
                free(rows->rows[i]);
        free(rows->rows);
}

int report_audit_html(const char *buf, size_t len, size_t last, const char *log, char **ret, struct error *err) {
        _cleanup_free_ char *title = NULL;
        struct history h = {};
        struct html_rows rows = {};
        struct strbuf b = {};
        size_t events = 0, skipped = 0, skipped_last = 0;
        int r;

        /* the chart and the most blocked from the whole log, the table from its last lines */
        r = report_audit_each(buf, len, SIZE_MAX, history_add, NULL, &h, &events, &skipped, err);
        if (r >= 0)
                r = report_audit_each(buf, len, last, html_row_add, NULL, &rows, NULL, &skipped_last, err);
        if (r >= 0 && asprintf(&title, "Portcullis decisions: %s", log) < 0)
                r = error_set(err, ENOMEM, "render the audit log");
        if (r >= 0)
                r = report_html_open(&b, title, err);
        if (r >= 0 && ((r = audit_header(&b, log, &h, events, skipped)) < 0 || (r = chart_section(&b, &h)) < 0 ||
                       (r = blocked_section(&b, &h)) < 0 || (r = recent_section(&b, &rows)) < 0))
                r = error_set(err, r, "render the audit log");
        if (r >= 0)
                r = report_html_close(&b, err);
        history_done(&h);
        html_rows_done(&rows);
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return 0;
}
