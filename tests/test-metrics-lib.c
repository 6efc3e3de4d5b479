/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/strutil.h"
#include "metrics.h"
#include "test.h"

static const struct metrics_gauges no_gauges = { .cache_entries = -1, .now_violating = -1 };

static char *render(const struct metrics_state *s, const struct metrics_gauges *g) {
        char *out = NULL;

        CHECK(metrics_render(s, g, &out, NULL) == 0);
        return out;
}

#define LINE(verdict, mode, ns, ms)                                                                            \
        "{\"decision\":\"" verdict "\",\"mode\":" mode ",\"namespace\":" ns ",\"cache\":\"miss\",\"duration_ms\":" \
        #ms "}\n"

/* Label values escaped as the text format says, and what it has no escape
 * for and a terminal acts on (a carriage return, ESC, C1 and bidi
 * controls: node_exporter passes them to every scrape) as '?'; what is not
 * a record counts as skipped; a mode of null is "". */
static void test_count_render(void) {
        static const char log[] = LINE("deny", "\"enforce\"", "\"a\\\"b\\\\c\\nd\"", 7)
                LINE("deny", "\"enforce\"", "\"a\\\"b\\\\c\\nd\"", 30)
                LINE("deny", "\"enforce\"", "\"p\\r\\u001b[2Kq\\u009br\\u202es\\u00e9\"", 30)
                LINE("allow", "null", "null", 30001)
                LINE("deny", "\"block\"", "\"x\"", 1)           /* not our mode */
                LINE("deny", "\"enforce\"", "\"x\"", 86400001)  /* not our duration */
                "{\"event\":\"cache_filled\",\"container\":\"c\",\"duration_ms\":900}\n"
                "garbage\n";
        _cleanup_(metrics_state_done) struct metrics_state s = {};
        _cleanup_free_ char *out = NULL;
        static const char *const want[] = {
                "# TYPE portcullis_decisions_total counter\n",
                "portcullis_decisions_total{verdict=\"deny\",mode=\"enforce\",namespace=\"a\\\"b\\\\c\\nd\"} 2\n",
                "portcullis_decisions_total{verdict=\"allow\",mode=\"\",namespace=\"\"} 1\n",
                "portcullis_decisions_total{verdict=\"deny\",mode=\"enforce\",namespace=\"p??[2Kq??r???s\xc3\xa9\"} 1\n",
                "portcullis_cache_misses_total 4\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"0.005\"} 0\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"0.01\"} 1\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"0.025\"} 1\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"0.05\"} 3\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"30\"} 3\n",
                "portcullis_decision_duration_seconds_bucket{cache=\"miss\",le=\"+Inf\"} 4\n",
                "portcullis_decision_duration_seconds_sum{cache=\"miss\"} 30.068\n",
                "portcullis_decision_duration_seconds_count{cache=\"miss\"} 4\n",
                "portcullis_audit_lines_skipped_total 3\n",
                "portcullis_cache_filled_total 1\n",
        };

        CHECK(metrics_count_lines(&s, log, strlen(log), NULL) == 0);
        out = render(&s, &no_gauges);
        for (size_t i = 0; out && i < ELEMENTSOF(want); i++)
                CHECK_MSG(strstr(out, want[i]), "missing %s in:\n%s", want[i], out);
        CHECK(out && !strstr(out, "portcullis_db_") && !strstr(out, "portcullis_cache_entries") &&
              !strstr(out, "now_violating"));
}

/* Namespaces that differ only in what their label shows as '?' (a CR and
 * an ESC; U+202E and U+200B) are one series: written as two, the
 * exposition held one sample twice, which Prometheus keeps once (or
 * node_exporter refuses), and the state file kept them apart. */
static void test_series_shown_alike(void) {
        _cleanup_(metrics_state_done) struct metrics_state s = {};
        static const char log[] = LINE("deny", "\"enforce\"", "\"a\\rb\"", 1)
                LINE("deny", "\"enforce\"", "\"a\\u001bb\"", 1)
                LINE("deny", "\"enforce\"", "\"c\\u202ed\"", 1)
                LINE("deny", "\"enforce\"", "\"c\\u200bd\"", 1);
        _cleanup_free_ char *out = NULL;
        const char *one = "portcullis_decisions_total{verdict=\"deny\",mode=\"enforce\",namespace=\"a?b\"} 2\n",
                   *two = "portcullis_decisions_total{verdict=\"deny\",mode=\"enforce\",namespace=\"c???d\"} 2\n";

        CHECK(metrics_count_lines(&s, log, strlen(log), NULL) == 0);
        CHECK_MSG(s.n_series == 2, "%zu series", s.n_series);
        out = render(&s, &no_gauges);
        CHECK_MSG(out && strstr(out, one) && strstr(out, two), "one series each expected in:\n%s", strna(out));
}

/* Past METRICS_SERIES_MAX series, and for an overlong namespace, the
 * namespace is "_other". */
static void test_series_cap(void) {
        _cleanup_(metrics_state_done) struct metrics_state s = {};
        struct strbuf b = {};
        char longns[METRICS_LABEL_MAX + 2];

        memset(longns, 'n', sizeof(longns) - 1);
        longns[sizeof(longns) - 1] = '\0';
        for (int i = 0; i < METRICS_SERIES_MAX + 5; i++)
                CHECK(strbuf_printf(&b, "{\"decision\":\"deny\",\"mode\":\"enforce\",\"namespace\":\"ns%d\","
                                    "\"cache\":\"hit\",\"duration_ms\":1}\n", i) >= 0);
        CHECK(strbuf_printf(&b, "{\"decision\":\"deny\",\"mode\":\"enforce\",\"namespace\":\"%s\",\"cache\":\"hit\","
                            "\"duration_ms\":1}\n", longns) >= 0);
        CHECK(metrics_count_lines(&s, b.s, strlen(b.s), NULL) == 0);
        CHECK_MSG(s.n_series == METRICS_SERIES_MAX + 1, "%zu series", s.n_series);
        CHECK(s.n_series > 0 && streq_ptr(s.series[s.n_series - 1].namespace, METRICS_OTHER) &&
              s.series[s.n_series - 1].count == 6);
        strbuf_done(&b);
}

/* The log followed: only whole lines, only new ones; renamed away (the
 * rest read from .1); truncated in place; the state round trip. */
static void test_follow(void) {
        const char *log = test_path(test_tmpdir(), "audit.log"), *state = test_path(test_tmpdir(), "m.state");
        char rotated[4096];
        _cleanup_(metrics_state_done) struct metrics_state s = {}, t = {};
        uint64_t n = 0;
        struct error err = {};
        FILE *f;

        snprintf(rotated, sizeof(rotated), "%s.1", log);
        CHECK(metrics_follow_log(&s, log, &n, &err) == 0 && n == 0 && s.n_series == 0);     /* no log yet */
        test_write_file(log, LINE("deny", "\"enforce\"", "\"p\"", 1) "{\"decision\":\"deny\"");
        CHECK(metrics_follow_log(&s, log, &n, &err) == 0 && s.n_series == 1 && s.series[0].count == 1);
        f = fopen(log, "a");
        CHECK(f && fputs(",\"mode\":\"enforce\",\"namespace\":\"p\",\"cache\":\"hit\",\"duration_ms\":2}\n", f) >= 0);
        if (f)
                fclose(f);
        CHECK(metrics_follow_log(&s, log, &n, &err) == 0 && s.series[0].count == 2 && s.cache[METRICS_CACHE_HIT] == 1);
        CHECK(metrics_follow_log(&s, log, &n, &err) == 0 && n == 0 && s.series[0].count == 2);
        /* appended, then renamed away, then a new log */
        f = fopen(log, "a");
        CHECK(f && fputs(LINE("deny", "\"enforce\"", "\"p\"", 3), f) >= 0);
        if (f)
                fclose(f);
        CHECK(rename(log, rotated) == 0);
        test_write_file(log, LINE("warn", "\"warn\"", "\"p\"", 4));
        CHECK_MSG(metrics_follow_log(&s, log, &n, &err) == 0, "%s", err.msg);
        CHECK(s.series[0].count == 3 && s.n_series == 2 && s.series[1].count == 1 && s.rotations == 1);
        /* truncated and written again to a greater length than was read */
        test_write_file(log, LINE("allow", "\"enforce\"", "\"q\"", 5) LINE("allow", "\"enforce\"", "\"q\"", 5));
        CHECK(metrics_follow_log(&s, log, &n, &err) == 0 && s.rotations == 2 && s.n_series == 3 &&
              s.series[2].count == 2);
        CHECK_MSG(metrics_state_save(&s, state, &err) == 0, "%s", err.msg);
        CHECK_MSG(metrics_state_load(state, &t, &err) == 0, "%s", err.msg);
        CHECK(t.n_series == 3 && t.offset == s.offset && t.ino == s.ino && strcmp(t.head, s.head) == 0 &&
              t.rotations == 2 && t.duration[METRICS_CACHE_MISS].count == s.duration[METRICS_CACHE_MISS].count);
        test_write_file(state, "{\"version\": 1}");
        metrics_state_done(&t);
        CHECK(metrics_state_load(state, &t, &err) == -EBADMSG && strstr(err.msg, "remove it"));
        unlink(rotated);
}

/* Decisions without a scan's verdict (counts null: on_error, on_timeout,
 * on_stale_db) and with something not checked are counted per verdict; a
 * state written before these counters (no "failed", no "unchecked") reads
 * as zeros. */
static void test_failed_unchecked(void) {
        static const char log[] =
                "{\"decision\":\"allow\",\"mode\":\"enforce\",\"namespace\":null,\"counts\":null,"
                "\"unchecked\":null,\"cache\":null,\"duration_ms\":3}\n"
                "{\"decision\":\"deny\",\"mode\":null,\"namespace\":null,\"counts\":null,\"duration_ms\":3}\n"
                "{\"decision\":\"warn\",\"mode\":\"enforce\",\"namespace\":null,\"counts\":{},"
                "\"unchecked\":\"the image: no package database found\",\"cache\":\"miss\",\"duration_ms\":3}\n"
                "{\"decision\":\"allow\",\"mode\":\"enforce\",\"namespace\":null,\"counts\":{},"
                "\"unchecked\":null,\"cache\":\"hit\",\"duration_ms\":1}\n";
        static const char old_state[] =
                "{\"version\":1,\"log\":{\"dev\":1,\"ino\":2,\"offset\":3,\"head\":\"\"},\"series\":[],"
                "\"cache\":{\"hit\":0,\"miss\":0,\"off\":0,\"none\":0},\"duration\":{%s},\"skipped\":0,"
                "\"rotations\":0}";
        _cleanup_(metrics_state_done) struct metrics_state s = {}, t = {}, o = {};
        _cleanup_free_ char *out = NULL, *text = NULL, *old = NULL;
        struct strbuf h = {};
        static const char *const want[] = {
                "portcullis_decisions_failed_total{verdict=\"allow\"} 1\n",
                "portcullis_decisions_failed_total{verdict=\"deny\"} 1\n",
                "portcullis_decisions_failed_total{verdict=\"warn\"} 0\n",
                "portcullis_decisions_unchecked_total{verdict=\"warn\"} 1\n",
                "portcullis_decisions_unchecked_total{verdict=\"allow\"} 0\n",
        };

        CHECK(metrics_count_lines(&s, log, strlen(log), NULL) == 0);
        out = render(&s, &no_gauges);
        for (size_t i = 0; out && i < ELEMENTSOF(want); i++)
                CHECK_MSG(strstr(out, want[i]), "missing %s in:\n%s", want[i], out);
        CHECK(metrics_state_format(&s, &text, NULL) == 0 && metrics_state_parse(text, strlen(text), "t", &t, NULL) == 0);
        CHECK(t.failed[0] == 1 && t.failed[3] == 1 && t.unchecked[1] == 1 && t.unchecked[0] == 0);
        for (const char *const *c = (const char *const[]) { "hit", "miss", "off", "none", NULL }; *c; c++)
                CHECK(strbuf_printf(&h, "%s\"%s\":{\"buckets\":[0,0,0,0,0,0,0,0,0,0,0,0],\"count\":0,\"sum_ms\":0}",
                                    h.len ? "," : "", *c) == 0);
        CHECK(asprintf(&old, old_state, h.s) > 0);
        CHECK_MSG(metrics_state_parse(old, strlen(old), "old", &o, NULL) == 0, "%s", old);
        CHECK(o.failed[0] == 0 && o.unchecked[1] == 0 && o.offset == 3);
        strbuf_done(&h);
}

int main(void) {
        test_count_render();
        test_failed_unchecked();
        test_series_cap();
        test_series_shown_alike();
        test_follow();
        return test_end();
}
