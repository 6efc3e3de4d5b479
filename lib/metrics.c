/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "metrics.h"
#include "report.h"

/* The exposition format is Prometheus's text format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): "# HELP" and
 * "# TYPE" once per metric name, before its samples; a label value escapes
 * backslash, double quote and line feed; a histogram's buckets are
 * cumulative, with le="+Inf" equal to _count. */

#define STATE_VERSION 1

static const unsigned bounds_ms[METRICS_BUCKETS] = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 };

static const char *const cache_names[_METRICS_CACHE_MAX] = {
        [METRICS_CACHE_HIT] = "hit",
        [METRICS_CACHE_MISS] = "miss",
        [METRICS_CACHE_OFF] = "off",
        [METRICS_CACHE_NONE] = "none",
};

static const char *const verdicts[METRICS_VERDICTS] = { "allow", "warn", "audit", "deny" };
static const char *const modes[] = { "", "enforce", "warn", "audit" };

/* The table's own copy of s, or NULL when s is not one of names. */
static const char *word_in(const char *const *names, size_t n, const char *s) {
        for (size_t i = 0; s && i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return names[i];
        return NULL;
}

static void series_done(struct metrics_series *x) {
        free(x->verdict);
        free(x->mode);
        free(x->namespace);
}

void metrics_state_done(struct metrics_state *s) {
        for (size_t i = 0; i < s->n_series; i++)
                series_done(&s->series[i]);
        free(s->series);
        *s = (struct metrics_state) {};
}

/* ---- counting ------------------------------------------------------------- */

/* s as put_label() shows it: made printable, but for the newlines it
 * escapes. */
static void label_shown(char *s) {
        for (char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
                *nl = '\0';
                str_make_printable(s);
                *nl = '\n';
        }
        str_make_printable(s);
}

/* The series of (verdict, mode, namespace), added when new; past
 * METRICS_SERIES_MAX the namespace becomes METRICS_OTHER.  The namespace
 * as its label shows it (put_label()): two that show alike are one series,
 * since the text format takes a sample of one name and labels only once. */
static struct metrics_series *series_get(struct metrics_state *s, const char *verdict, const char *mode,
                                         const char *ns) {
        char shown[METRICS_LABEL_MAX + 1];
        struct metrics_series *n;

        if (strlen(ns) > METRICS_LABEL_MAX)
                ns = METRICS_OTHER;
        else {
                strcpy(shown, ns);
                label_shown(shown);
                ns = shown;
        }
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < s->n_series; i++)
                        if (strcmp(s->series[i].verdict, verdict) == 0 && strcmp(s->series[i].mode, mode) == 0 &&
                            strcmp(s->series[i].namespace, ns) == 0)
                                return &s->series[i];
                if (s->n_series < METRICS_SERIES_MAX)
                        break;
                ns = METRICS_OTHER;     /* full: the catch-all (which may itself be new) */
        }
        n = reallocarray(s->series, s->n_series + 1, sizeof(*s->series));
        if (!n)
                return NULL;
        s->series = n;
        n = &s->series[s->n_series];
        *n = (struct metrics_series) { .verdict = strdup(verdict), .mode = strdup(mode), .namespace = strdup(ns) };
        if (!n->verdict || !n->mode || !n->namespace) {
                series_done(n);
                return NULL;
        }
        s->n_series++;
        return n;
}

static void histogram_add(struct metrics_histogram *h, uint64_t ms) {
        for (size_t i = 0; i < METRICS_BUCKETS; i++)
                if (ms <= bounds_ms[i]) {
                        h->buckets[i]++;
                        break;
                }
        h->count++;
        h->sum_ms += ms;
}

static const char *str_member(json_t *o, const char *key) {
        json_t *v = json_object_get(o, key);

        return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One audit record.  Its values are the gate's words; a line with others
 * (not ours, or damaged) counts as skipped. */
static int count_record(json_t *o, void *userdata) {
        struct metrics_state *s = userdata;
        const char *verdict = word_in(verdicts, ELEMENTSOF(verdicts), str_member(o, "decision"));
        json_t *m = json_object_get(o, "mode"), *d = json_object_get(o, "duration_ms");
        const char *mode = json_is_null(m) ? "" : word_in(modes, ELEMENTSOF(modes), str_member(o, "mode"));
        const char *ns = str_member(o, "namespace"), *cache = str_member(o, "cache");
        struct metrics_series *x;
        int c = METRICS_CACHE_NONE;

        if (!verdict || !mode || !json_is_integer(d) || json_integer_value(d) < 0 ||
            json_integer_value(d) > METRICS_DURATION_MAX_MS) {
                s->skipped++;
                return 0;
        }
        for (int i = 0; cache && i < METRICS_CACHE_NONE; i++)
                if (strcmp(cache, cache_names[i]) == 0)
                        c = i;
        if (!(x = series_get(s, verdict, mode, ns ? ns : "")))
                return -ENOMEM;
        x->count++;
        for (size_t v = 0; v < METRICS_VERDICTS; v++)
                if (verdict == verdicts[v]) {
                        s->failed[v] += json_is_null(json_object_get(o, "counts"));
                        s->unchecked[v] += json_is_string(json_object_get(o, "unchecked"));
                }
        s->cache[c]++;
        histogram_add(&s->duration[c], (uint64_t) json_integer_value(d));
        return 0;
}

/* An event line: an image of a start on_timeout decided, analysed into
 * the cache later ("cache_filled", running_fill()), counts; the
 * recheck's lines do not (its gauges say it). */
static int count_event(json_t *o, void *userdata) {
        struct metrics_state *s = userdata;

        s->filled += streq_ptr(str_member(o, "event"), "cache_filled");
        return 0;
}

int metrics_count_lines(struct metrics_state *s, const char *buf, size_t len, struct error *err) {
        size_t skipped = 0;
        int r = report_audit_each(buf, len, SIZE_MAX, count_record, count_event, s, NULL, &skipped, err);

        /* A stretch of lines none of which is a record is not the end of
         * the log: counted as skipped, and the next lines are read. */
        if (r == -EBADMSG)
                error_clear(err);
        else if (r < 0)
                return r;
        s->skipped += skipped;
        return 0;
}

/* ---- following the log ---------------------------------------------------- */

/* Reads fd's whole lines from *offset on, in passes of at most
 * METRICS_CHUNK_MAX, advancing *offset past each line counted.  A line
 * longer than a pass is skipped whole; a last line without its newline
 * (being written) is left for the next run. */
static int read_lines(struct metrics_state *s, int fd, const char *name, uint64_t *offset, uint64_t *ret_read,
                      struct error *err) {
        _cleanup_free_ char *buf = malloc(METRICS_CHUNK_MAX);
        bool in_long_line = false;

        if (!buf)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        for (;;) {
                ssize_t n = pread(fd, buf, METRICS_CHUNK_MAX, (off_t) *offset);
                const char *nl;
                size_t used;
                int r;

                if (n < 0)
                        return error_set(err, errno, "%s: read: %m", name);
                if (n == 0)
                        return 0;
                nl = memrchr(buf, '\n', (size_t) n);
                if (!nl && (size_t) n < METRICS_CHUNK_MAX)
                        return 0;
                used = nl ? (size_t) (nl - buf) + 1 : (size_t) n;
                if (in_long_line || !nl) {
                        /* the rest of an overlong line: up to its newline */
                        const char *first = memchr(buf, '\n', (size_t) n);

                        used = first ? (size_t) (first - buf) + 1 : (size_t) n;
                        s->skipped += first != NULL;
                        in_long_line = !first;
                } else if ((r = metrics_count_lines(s, buf, used, err)) < 0)
                        return r;
                *offset += used;
                if (ret_read)
                        *ret_read += used;
        }
}

static int open_log(const char *path, int *ret_fd, struct stat *ret_st, struct error *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

        if (fd < 0)
                return errno == ENOENT ? -ENOENT : error_set(err, errno, "audit log %s: %m", path);
        if (fstat(fd, ret_st) < 0)
                return error_set(err, errno, "audit log %s: %m", path);
        if (!S_ISREG(ret_st->st_mode))
                return error_set(err, EBADFD, "audit log %s is not a regular file; give the hook's audit log, "
                                 "config.json's \"log\": {\"file\"}", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* sha256 hex of fd's first min(len, METRICS_HEAD) bytes, or "" when it has
 * fewer than that. */
static int head_digest(int fd, uint64_t len, const char *name, char ret[65], struct error *err) {
        char buf[METRICS_HEAD];
        size_t want = len < METRICS_HEAD ? (size_t) len : METRICS_HEAD;
        ssize_t n = pread(fd, buf, want, 0);

        if (n < 0)
                return error_set(err, errno, "%s: read: %m", name);
        if ((size_t) n < want)
                ret[0] = '\0';
        else
                sha256_hex(buf, want, ret);
        return 0;
}

static bool same_file(const struct metrics_state *s, const struct stat *st) {
        return (uint64_t) st->st_dev == s->dev && (uint64_t) st->st_ino == s->ino;
}

/* The log was renamed (logrotate's default): what was appended to it after
 * the last run is read from "<log>.1" when that is the same file. */
static int read_rotated(struct metrics_state *s, const char *log, uint64_t *ret_read, struct error *err) {
        _cleanup_free_ char *old = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (asprintf(&old, "%s.1", log) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = open_log(old, &fd, &st, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!same_file(s, &st))
                return 0;
        return read_lines(s, fd, old, &s->offset, ret_read, err);
}

int metrics_follow_log(struct metrics_state *s, const char *log, uint64_t *ret_read, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        bool known = s->ino != 0;
        char head[65];
        int r;

        if (ret_read)
                *ret_read = 0;
        r = open_log(log, &fd, &st, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (known && (r == -ENOENT || !same_file(s, &st))) {
                if ((r = read_rotated(s, log, ret_read, err)) < 0)
                        return r;
                s->rotations++;
                s->offset = 0;
                s->dev = s->ino = 0;
        } else if (known) {
                /* truncated in place (copytruncate): shorter than what was
                 * read, or other first bytes */
                if ((r = head_digest(fd, s->offset, log, head, err)) < 0)
                        return r;
                if ((uint64_t) st.st_size < s->offset || strcmp(head, s->head) != 0) {
                        s->rotations++;
                        s->offset = 0;
                }
        }
        if (fd < 0)
                return 0;               /* no log yet: no decisions yet */
        s->dev = (uint64_t) st.st_dev;
        s->ino = (uint64_t) st.st_ino;
        if ((r = read_lines(s, fd, log, &s->offset, ret_read, err)) < 0)
                return r;
        return head_digest(fd, s->offset, log, s->head, err);
}

/* ---- the state file ------------------------------------------------------- */

static json_t *histogram_json(const struct metrics_histogram *h) {
        json_t *b = json_array();

        for (size_t i = 0; b && i < METRICS_BUCKETS; i++)
                json_array_append_new(b, json_integer((json_int_t) h->buckets[i]));
        return json_pack("{s:o, s:I, s:I}", "buckets", b, "count", (json_int_t) h->count, "sum_ms",
                         (json_int_t) h->sum_ms);
}

static json_t *per_verdict_json(const uint64_t *counts) {
        json_t *o = json_object();

        for (size_t v = 0; o && v < METRICS_VERDICTS; v++)
                json_object_set_new(o, verdicts[v], json_integer((json_int_t) counts[v]));
        return o;
}

int metrics_state_format(const struct metrics_state *s, char **ret, struct error *err) {
        json_t *series = json_array(), *cache = json_object(), *durations = json_object(), *root;
        char *text;

        for (size_t i = 0; series && i < s->n_series; i++)
                json_array_append_new(series, json_pack("{s:s, s:s, s:s, s:I}", "verdict", s->series[i].verdict, "mode",
                                                        s->series[i].mode, "namespace", s->series[i].namespace,
                                                        "count", (json_int_t) s->series[i].count));
        for (int c = 0; cache && durations && c < _METRICS_CACHE_MAX; c++) {
                json_object_set_new(cache, cache_names[c], json_integer((json_int_t) s->cache[c]));
                json_object_set_new(durations, cache_names[c], histogram_json(&s->duration[c]));
        }
        root = json_pack("{s:i, s:{s:I, s:I, s:I, s:s}, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I}", "version", STATE_VERSION,
                         "log", "dev", (json_int_t) s->dev, "ino", (json_int_t) s->ino, "offset",
                         (json_int_t) s->offset, "head", s->head, "series", series, "cache", cache, "duration",
                         durations, "failed", per_verdict_json(s->failed), "unchecked", per_verdict_json(s->unchecked),
                         "skipped", (json_int_t) s->skipped, "rotations", (json_int_t) s->rotations, "filled",
                         (json_int_t) s->filled);
        text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (!text)
                return error_set(err, ENOMEM, "metrics state: out of memory");
        *ret = text;
        return 0;
}

int metrics_state_save(const struct metrics_state *s, const char *path, struct error *err) {
        _cleanup_free_ char *text = NULL;
        int r = metrics_state_format(s, &text, err);

        return r < 0 ? r : write_file_atomic(path, text, strlen(text), err);
}

/* A count: a JSON integer, 0 or more. */
static bool get_count(json_t *o, const char *key, uint64_t *ret) {
        json_t *v = json_object_get(o, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = (uint64_t) json_integer_value(v);
        return true;
}

/* "" or 64 lowercase hex digits. */
static bool get_head(json_t *o, char ret[65]) {
        const char *h = str_member(o, "head");

        if (!h || (*h && (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)))
                return false;
        memcpy(ret, h, strlen(h) + 1);
        return true;
}

static bool parse_histogram(json_t *o, struct metrics_histogram *h) {
        json_t *b = json_object_get(o, "buckets");

        if (!json_is_array(b) || json_array_size(b) != METRICS_BUCKETS || !get_count(o, "count", &h->count) ||
            !get_count(o, "sum_ms", &h->sum_ms))
                return false;
        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                json_t *v = json_array_get(b, i);

                if (!json_is_integer(v) || json_integer_value(v) < 0)
                        return false;
                h->buckets[i] = (uint64_t) json_integer_value(v);
        }
        return true;
}

static bool parse_series(json_t *arr, struct metrics_state *s) {
        size_t i;
        json_t *e;

        if (!json_is_array(arr) || json_array_size(arr) > METRICS_SERIES_MAX + 1)
                return false;
        json_array_foreach(arr, i, e) {
                const char *verdict = word_in(verdicts, ELEMENTSOF(verdicts), str_member(e, "verdict"));
                const char *mode = word_in(modes, ELEMENTSOF(modes), str_member(e, "mode"));
                const char *ns = str_member(e, "namespace");
                struct metrics_series *x;
                uint64_t n;

                if (!verdict || !mode || !ns || !get_count(e, "count", &n))
                        return false;
                if (!(x = series_get(s, verdict, mode, ns)))
                        return false;
                x->count += n;
        }
        return true;
}

/* Per verdict; absent (a state written before these counters) is 0s. */
static bool parse_per_verdict(json_t *o, uint64_t *ret) {
        for (size_t v = 0; o && v < METRICS_VERDICTS; v++)
                if (!get_count(o, verdicts[v], &ret[v]))
                        return false;
        return !o || json_is_object(o);
}

static bool parse_state(json_t *root, struct metrics_state *s) {
        json_t *log = json_object_get(root, "log"), *cache = json_object_get(root, "cache");
        json_t *dur = json_object_get(root, "duration"), *v = json_object_get(root, "version");

        if (!json_is_integer(v) || json_integer_value(v) != STATE_VERSION || !json_is_object(log) ||
            !get_count(log, "dev", &s->dev) || !get_count(log, "ino", &s->ino) ||
            !get_count(log, "offset", &s->offset) || !get_head(log, s->head) ||
            !get_count(root, "skipped", &s->skipped) ||
            !get_count(root, "rotations", &s->rotations) ||
            /* absent from the state of a version before 'cache fill' */
            (json_object_get(root, "filled") && !get_count(root, "filled", &s->filled)) ||
            !parse_series(json_object_get(root, "series"), s) ||
            !parse_per_verdict(json_object_get(root, "failed"), s->failed) ||
            !parse_per_verdict(json_object_get(root, "unchecked"), s->unchecked))
                return false;
        for (int c = 0; c < _METRICS_CACHE_MAX; c++)
                if (!get_count(cache, cache_names[c], &s->cache[c]) ||
                    !parse_histogram(json_object_get(dur, cache_names[c]), &s->duration[c]))
                        return false;
        return true;
}

int metrics_state_parse(const char *buf, size_t len, const char *name, struct metrics_state *ret,
                        struct error *err) {
        struct metrics_state s = {};
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        bool ok = json_is_object(root) && parse_state(root, &s);

        json_decref(root);
        if (!ok) {
                metrics_state_done(&s);
                return error_set(err, EBADMSG, "metrics state %s is damaged or of another version; remove it (the "
                                 "counters then start again from the audit log as it is now)", name);
        }
        *ret = s;
        return 0;
}

int metrics_state_load(const char *path, struct metrics_state *ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_full_file(path, METRICS_STATE_MAX, &buf, &len, err);

        if (r == -ENOENT) {
                error_clear(err);
                *ret = (struct metrics_state) {};
                return 0;
        }
        if (r < 0)
                return error_wrap(err, "metrics state");
        return metrics_state_parse(buf, len, path, ret, err);
}

/* ---- the exposition ------------------------------------------------------- */

/* A label value as the text format wants it: \\, \" and \n escaped.  It
 * has no escape for the rest, and node_exporter hands them on to every
 * scrape, so what str_make_printable() hides from a terminal (a carriage
 * return, ESC, C1 and bidi controls: a namespace annotation is the
 * tenant's) is '?' here too. */
static int put_label(struct strbuf *b, const char *name, const char *value) {
        int r = strbuf_printf(b, "%s=\"", name);

        for (const char *p = value; r >= 0 && *p;) {
                size_t n = strcspn(p, "\\\"\n");

                r = strbuf_append_printable(b, p, n);
                p += n;
                if (r >= 0 && *p)
                        r = strbuf_puts(b, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n");
                p += !!*p;
        }
        return r < 0 ? r : strbuf_puts(b, "\"");
}

static int put_head(struct strbuf *b, const char *name, const char *type, const char *help) {
        return strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int put_decisions(struct strbuf *b, const struct metrics_state *s) {
        int r = put_head(b, "portcullis_decisions_total", "counter",
                         "Container starts decided by the gate, by verdict, effective mode and Kubernetes namespace.");

        for (size_t i = 0; r >= 0 && i < s->n_series; i++) {
                const struct metrics_series *x = &s->series[i];

                r = strbuf_puts(b, "portcullis_decisions_total{");
                if (r >= 0)
                        r = put_label(b, "verdict", x->verdict);
                if (r >= 0 && (r = strbuf_puts(b, ",")) >= 0)
                        r = put_label(b, "mode", x->mode);
                if (r >= 0 && (r = strbuf_puts(b, ",")) >= 0)
                        r = put_label(b, "namespace", x->namespace);
                if (r >= 0)
                        r = strbuf_printf(b, "} %llu\n", (unsigned long long) x->count);
        }
        return r;
}

static int put_per_verdict(struct strbuf *b, const char *name, const char *help, const uint64_t *counts) {
        int r = put_head(b, name, "counter", help);

        for (size_t v = 0; r >= 0 && v < METRICS_VERDICTS; v++)
                r = strbuf_printf(b, "%s{verdict=\"%s\"} %llu\n", name, verdicts[v], (unsigned long long) counts[v]);
        return r;
}

static int put_cache(struct strbuf *b, const struct metrics_state *s) {
        static const struct {
                const char *name, *help;
                int c;
        } rows[] = {
                { "portcullis_cache_hits_total", "Decisions served from the verdict cache.", METRICS_CACHE_HIT },
                { "portcullis_cache_misses_total", "Decisions that analysed the image (not in the verdict cache).",
                  METRICS_CACHE_MISS },
                { "portcullis_cache_unusable_total", "Decisions made without the verdict cache (it could not be used).",
                  METRICS_CACHE_OFF },
        };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(rows); i++) {
                r = put_head(b, rows[i].name, "counter", rows[i].help);
                if (r >= 0)
                        r = strbuf_printf(b, "%s %llu\n", rows[i].name, (unsigned long long) s->cache[rows[i].c]);
        }
        return r;
}

static int put_histogram(struct strbuf *b, const char *cache, const struct metrics_histogram *h) {
        const char *n = "portcullis_decision_duration_seconds";
        uint64_t cum = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < METRICS_BUCKETS; i++) {
                cum += h->buckets[i];
                r = strbuf_printf(b, "%s_bucket{cache=\"%s\",le=\"%g\"} %llu\n", n, cache, bounds_ms[i] / 1000.0,
                                  (unsigned long long) cum);
        }
        if (r >= 0)
                r = strbuf_printf(b, "%s_bucket{cache=\"%s\",le=\"+Inf\"} %llu\n%s_sum{cache=\"%s\"} %.3f\n"
                                  "%s_count{cache=\"%s\"} %llu\n", n, cache, (unsigned long long) h->count, n, cache,
                                  (double) h->sum_ms / 1000.0, n, cache, (unsigned long long) h->count);
        return r;
}

static int put_durations(struct strbuf *b, const struct metrics_state *s) {
        int r = put_head(b, "portcullis_decision_duration_seconds", "histogram",
                         "Time from the hook's start to its decision; cache=\"miss\" is the analysis of an image.");

        for (int c = 0; r >= 0 && c < _METRICS_CACHE_MAX; c++)
                r = put_histogram(b, cache_names[c], &s->duration[c]);
        return r;
}

static int put_gauges(struct strbuf *b, const struct metrics_state *s, const struct metrics_gauges *g) {
        int r = 0;

        if (!g->no_audit_log) {
                r = put_head(b, "portcullis_audit_lines_skipped_total", "counter",
                             "Lines of the audit log that are not Portcullis audit records.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_audit_lines_skipped_total %llu\n",
                                          (unsigned long long) s->skipped);
                if (r >= 0)
                        r = put_head(b, "portcullis_audit_log_rotations_total", "counter",
                                     "Times the audit log was found rotated or truncated (the counters go on).");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_audit_log_rotations_total %llu\n",
                                          (unsigned long long) s->rotations);
                if (r >= 0)
                        r = put_head(b, "portcullis_cache_filled_total", "counter",
                                     "Images of running containers analysed into the verdict cache by 'portcullis "
                                     "cache fill' (starts that on_timeout decided, caught up).");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_cache_filled_total %llu\n", (unsigned long long) s->filled);
        }
        if (r >= 0 && g->db_revision) {
                r = put_head(b, "portcullis_db_info", "gauge", "The vulnerability database's revision (always 1).");
                if (r >= 0 && (r = strbuf_puts(b, "portcullis_db_info{")) >= 0 &&
                    (r = put_label(b, "revision", g->db_revision)) >= 0)
                        r = strbuf_puts(b, "} 1\n");
                if (r >= 0)
                        r = put_head(b, "portcullis_db_age_seconds", "gauge",
                                     "Age of the vulnerability database's data (as max_db_age_hours counts it).");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_db_age_seconds %lld\n", g->db_age_seconds);
                if (r >= 0)
                        r = put_head(b, "portcullis_db_records", "gauge", "Advisories in the vulnerability database.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_db_records %llu\n", (unsigned long long) g->db_records);
        }
        if (r >= 0 && g->cache_entries >= 0) {
                r = put_head(b, "portcullis_cache_entries", "gauge", "Entries in the verdict cache.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_cache_entries %lld\n", g->cache_entries);
        }
        if (r >= 0 && g->now_violating >= 0) {
                r = put_head(b, "portcullis_containers_now_violating", "gauge",
                             "Running containers that violate the policy now: their verdict with the current database and policy is not allow.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_containers_now_violating %lld\n", g->now_violating);
                if (r >= 0)
                        r = put_head(b, "portcullis_containers_not_judged", "gauge",
                                     "Running containers whose verdict now could not be found (not cached, or an identity "
                                     "that needs the rootfs read): not in portcullis_containers_now_violating.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_containers_not_judged %lld\n", g->not_judged);
        }
        return r;
}

static int put_update(struct strbuf *b, const struct metrics_gauges *g) {
        int r = put_head(b, "portcullis_db_update_last_success_timestamp_seconds", "gauge",
                         "When the last run of portcullis db update that succeeded ended (0: none did).");

        if (r >= 0)
                r = strbuf_printf(b, "portcullis_db_update_last_success_timestamp_seconds %lld\n",
                                  (long long) g->update_last_success);
        if (r >= 0 && g->update_last_run > 0) {
                r = put_head(b, "portcullis_db_update_last_run_timestamp_seconds", "gauge",
                             "When the last run of portcullis db update started (one that ended, was killed, or "
                             "is running).");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_db_update_last_run_timestamp_seconds %lld\n",
                                          (long long) g->update_last_run);
        }
        if (r >= 0 && g->update_last_run > 0 && g->update_last_run_success >= 0) {
                r = put_head(b, "portcullis_db_update_last_run_success", "gauge",
                             "Whether the last run of portcullis db update succeeded (1) or failed or was killed "
                             "(0); left out while it runs.");
                if (r >= 0)
                        r = strbuf_printf(b, "portcullis_db_update_last_run_success %d\n",
                                          g->update_last_run_success);
        }
        return r;
}

/* One series per KEV or EPSS feed that db update fetches: a run whose
 * mirrors of one all failed still succeeds (the gauges above say 1). */
static int put_update_feeds(struct strbuf *b, const struct metrics_gauges *g) {
        int r = 0;

        if (g->n_update_feeds == 0)
                return 0;
        r = put_head(b, "portcullis_db_update_feed_last_success_timestamp_seconds", "gauge",
                     "When a mirror last served this KEV or EPSS feed to portcullis db update (0: none did).");
        for (size_t i = 0; r >= 0 && i < g->n_update_feeds; i++)
                if ((r = strbuf_puts(b, "portcullis_db_update_feed_last_success_timestamp_seconds{")) >= 0 &&
                    (r = put_label(b, "feed", g->update_feeds[i].feed)) >= 0)
                        r = strbuf_printf(b, "} %lld\n", (long long) g->update_feeds[i].last_success);
        if (r >= 0)
                r = put_head(b, "portcullis_db_update_feed_last_run_success", "gauge",
                             "Whether the last run of portcullis db update that tried this feed got it from a "
                             "mirror (1) or none of its mirrors served it (0; the database keeps its data).");
        for (size_t i = 0; r >= 0 && i < g->n_update_feeds; i++)
                if ((r = strbuf_puts(b, "portcullis_db_update_feed_last_run_success{")) >= 0 &&
                    (r = put_label(b, "feed", g->update_feeds[i].feed)) >= 0)
                        r = strbuf_printf(b, "} %d\n", g->update_feeds[i].ok);
        return r;
}

/* The audit log's counters: zeros would say that no start failed. */
static int put_counters(struct strbuf *b, const struct metrics_state *s) {
        int r = put_decisions(b, s);

        if (r >= 0)
                r = put_per_verdict(b, "portcullis_decisions_failed_total",
                                    "Container starts decided without a scan's verdict (the analysis failed or ran "
                                    "out of time, or the DB was too old), by verdict: allow is a start nothing "
                                    "checked.", s->failed);
        if (r >= 0)
                r = put_per_verdict(b, "portcullis_decisions_unchecked_total",
                                    "Container starts whose decision says something was not checked, by verdict.",
                                    s->unchecked);
        if (r >= 0)
                r = put_cache(b, s);
        if (r >= 0)
                r = put_durations(b, s);
        return r;
}

int metrics_render(const struct metrics_state *s, const struct metrics_gauges *g, char **ret, struct error *err) {
        struct strbuf b = {};
        int r = g->no_audit_log ? 0 : put_counters(&b, s);

        if (r >= 0)
                r = put_gauges(&b, s, g);
        if (r >= 0 && g->update_known)
                r = put_update(&b, g);
        if (r >= 0 && g->update_known)
                r = put_update_feeds(&b, g);
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, ENOMEM, "metrics: out of memory");
        }
        *ret = strbuf_steal(&b);
        return 0;
}
