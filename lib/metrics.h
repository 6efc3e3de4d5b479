/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"

/* portcullis metrics: the gate's work as Prometheus counters and gauges in
 * the text exposition format 0.0.4, for node_exporter's textfile collector
 * (no daemon: a timer writes the file).  The counters come from the audit
 * log: a small state file keeps them with the log's position (device,
 * inode, offset), so that each run reads only the lines added since the
 * last, and the counters survive the log's rotation (a renamed log's rest
 * is read from "<log>.1"; a truncated or new one from its start, a
 * truncated one told by its size or by its first bytes). */

#define METRICS_STATE_MAX ((size_t) 4 * 1024 * 1024)
/* Bytes of the log read per pass: a run reads passes until it has caught up. */
#define METRICS_CHUNK_MAX ((size_t) 16 * 1024 * 1024)
/* Distinct (verdict, mode, namespace) series kept; decisions of further
 * namespaces count under namespace "_other" (a namespace comes from
 * container annotations, which a user of Podman sets: no unbounded series). */
#define METRICS_SERIES_MAX 1000
/* A namespace longer than this (Kubernetes allows 63) counts as "_other". */
#define METRICS_LABEL_MAX 253
#define METRICS_OTHER "_other"
#define METRICS_HEAD 256

/* Upper bounds of the decision-duration histogram, in milliseconds (the
 * audit line's duration_ms); +Inf is implicit. */
#define METRICS_BUCKETS 12
/* A longer duration_ms is not the gate's (its deadline is at most 600 s):
 * the line counts as skipped, and the sums can't overflow. */
#define METRICS_DURATION_MAX_MS 86400000

enum metrics_cache {
        METRICS_CACHE_HIT,
        METRICS_CACHE_MISS,
        METRICS_CACHE_OFF,
        METRICS_CACHE_NONE,             /* the decision came before the cache (an error, a timeout) */
        _METRICS_CACHE_MAX,
        _METRICS_CACHE_INVALID = -EINVAL,
};

struct metrics_series {
        char *verdict;                  /* allow | warn | audit | deny */
        char *mode;                     /* enforce | warn | audit, or "" before a policy */
        char *namespace;                /* "" for none */
        uint64_t count;
};

struct metrics_histogram {
        uint64_t buckets[METRICS_BUCKETS];      /* not cumulative: decisions in (bound[i-1], bound[i]] */
        uint64_t count;                         /* all, including those above the last bound */
        uint64_t sum_ms;
};

#define METRICS_VERDICTS 4

struct metrics_state {
        /* where the log was read up to, and the sha256 of its first
         * METRICS_HEAD bytes (fewer when it was shorter): the same inode
         * with other first bytes was truncated and written again */
        uint64_t dev, ino, offset;
        char head[65];
        struct metrics_series *series;
        size_t n_series;
        uint64_t cache[_METRICS_CACHE_MAX];
        struct metrics_histogram duration[_METRICS_CACHE_MAX];
        /* per verdict (allow, warn, audit, deny): decisions made without a
         * scan's verdict (the analysis failed or ran out of time, the DB
         * too old: the line's counts are null), and decisions whose line
         * says something was not checked */
        uint64_t failed[METRICS_VERDICTS];
        uint64_t unchecked[METRICS_VERDICTS];
        uint64_t skipped;               /* lines that are not audit records */
        uint64_t rotations;             /* the log was found rotated or truncated */
        uint64_t filled;                /* "cache_filled" lines: images 'cache fill' stored */
};

void metrics_state_done(struct metrics_state *s);

/* Reads the state (a JSON file this module writes); absent is the empty
 * state.  A damaged one is -EBADMSG naming the file (remove it: the
 * counters start again from the log as it is). */
int metrics_state_load(const char *path, struct metrics_state *ret, struct error *err);
int metrics_state_parse(const char *buf, size_t len, const char *name, struct metrics_state *ret,
                        struct error *err);
/* The state as the file holds it (JSON), and written atomically. */
int metrics_state_format(const struct metrics_state *s, char **ret, struct error *err);
int metrics_state_save(const struct metrics_state *s, const char *path, struct error *err);

/* Counts the audit records of buf (whole lines) into s. */
int metrics_count_lines(struct metrics_state *s, const char *buf, size_t len, struct error *err);

/* Reads what log gained since s's position into s (an absent log is no
 * news).  *ret_read (may be NULL) gets the bytes read. */
int metrics_follow_log(struct metrics_state *s, const char *log, uint64_t *ret_read, struct error *err);

#define METRICS_FEEDS_MAX 2              /* KEV, EPSS */

/* What the counters do not say, read when the file is written. */
struct metrics_gauges {
        const char *db_revision;        /* NULL: no DB (the db gauges are left out) */
        long long db_age_seconds;       /* since its data time or import time, as max_db_age_hours counts */
        uint64_t db_records;
        long long cache_entries;        /* -1: the cache could not be read (left out) */
        long long now_violating;        /* running containers whose verdict now is not allow; -1: unknown
                                         * (left out) */
        long long not_judged;           /* running containers that could not be judged (with now_violating) */
        bool no_audit_log;              /* no log to count from: the counters are left out, not shown as 0 */
        /* `db update`'s record of runs (update.h): an alert says "updates
         * failing for N hours" from these */
        bool update_known;              /* false: the record of runs can't be read (the update gauges left out) */
        int64_t update_last_success;    /* the end of the last run that succeeded, UTC seconds; 0: never */
        int64_t update_last_run;        /* the start of the last run; 0: none (with the next, left out) */
        int update_last_run_success;    /* 1, 0 (failed or killed), -1: still running (left out) */
        /* its KEV and EPSS feeds (update.h's struct update_feed_run), one
         * series each by the label feed="kev" */
        struct metrics_feed {
                const char *feed;               /* update_feed_key() */
                int64_t last_success;           /* when a mirror last served it; 0: never */
                bool ok;                        /* the last run that tried it got it */
        } update_feeds[METRICS_FEEDS_MAX];
        size_t n_update_feeds;
};

/* The exposition: HELP and TYPE lines, then the samples. */
int metrics_render(const struct metrics_state *s, const struct metrics_gauges *g, char **ret, struct error *err);
