/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis metrics [--config FILE] [--output FILE] [--log FILE] [--state FILE]
 *   Writes the gate's counters and gauges as a Prometheus text file for
 *   node_exporter's textfile collector, atomically (lib/metrics.h): the
 *   decisions of the audit log lines added since the last run, the DB's
 *   revision and age, the verdict cache's size.  A timer runs it every
 *   minute (systemd/portcullis-metrics.timer); no daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/macro.h"
#include "base/strutil.h"
#include "cache.h"
#include "common.h"
#include "config.h"
#include "metrics.h"
#include "policy.h"
#include "running.h"
#include "update.h"
#include "verbs.h"
#include "vulndb/vulndb.h"

/* Debian's prometheus-node-exporter reads this folder (its
 * /etc/default/prometheus-node-exporter: --collector.textfile.directory). */
#define METRICS_TEXTFILE_DIR "/var/lib/prometheus/node-exporter"
#define METRICS_OUTPUT_DEFAULT METRICS_TEXTFILE_DIR "/portcullis.prom"
#define METRICS_STATE_NAME "metrics.state"

/* The DB's revision, age and size (as `db status` reads them); without a
 * DB the gauges are left out, with a warning. */
static void db_gauges(const char *db, struct metrics_gauges *g, struct vulndb_status *s) {
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct error err = {};

        if (vulndb_open(db, &v, &err) < 0 || vulndb_get_status(v, s, &err) < 0) {
                log_warning("metrics: no database gauges: %s", err.msg);
                return;
        }
        g->db_revision = s->revision;
        g->db_age_seconds = cli_age_seconds(s->data_time ? s->data_time : s->import_time);
        g->db_records = s->records;
}

/* `db update`'s last run and last success (update.h); none recorded is a
 * last success of 0 ("never"), which an alert on its age catches, where
 * left out it would say nothing (update.sources is never empty). */
static void update_gauges(const struct config *cfg, struct metrics_gauges *g) {
        _cleanup_(update_run_info_done) struct update_run_info run = {};
        struct error err = {};
        int r = update_run_info_read(cfg->update.state_dir, &run, &err);

        if (r < 0 && r != -ENOENT) {
                log_warning("metrics: no update gauges: %s", err.msg);
                return;
        }
        g->update_known = true;
        if (r < 0)
                return;
        g->update_last_success = run.last_success;
        g->update_last_run = run.started;
        g->update_last_run_success = run.ended ? !run.error : run.killed ? 0 : -1;
        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX && g->n_update_feeds < METRICS_FEEDS_MAX; k++)
                if (run.feeds[k].known)
                        g->update_feeds[g->n_update_feeds++] = (struct metrics_feed) {
                                .feed = update_feed_key(k), .last_success = run.feeds[k].last_success,
                                .ok = !run.feeds[k].error };
}

static int count_entry(const struct cache_entry *e, void *userdata) {
        (void) e;
        (*(long long *) userdata)++;
        return 0;
}

/* Entries of the verdict cache, opened read-only (an absent cache has 0). */
static long long cache_entries(const char *path) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        struct error err = {};
        long long n = 0;
        int r = cache_open_flags(path, CACHE_OPEN_READONLY | CACHE_OPEN_NO_QUICK_CHECK, &c, NULL, &err);

        if (r == -ENOENT)
                return 0;
        if (r >= 0 && (r = cache_list_summary(c, count_entry, &n, &err)) >= 0)
                return n;
        log_warning("metrics: no cache gauge: %s", err.msg);
        return -1;
}

/* Running containers whose verdict now is not allow (lib/running.h), as
 * `portcullis ps` judges them but without reading any rootfs: a container
 * whose identity needs its inventory (a plain folder, no digest) counts as
 * not judged, which a once-a-minute timer should not pay for, and the
 * not-judged gauge says how many.  False (a warning said) leaves both
 * gauges out of the file. */
static bool running_gauges(const struct config *cfg, struct metrics_gauges *g) {
        _cleanup_(policy_freep) struct policy *p = NULL;
        struct running_list l = {};
        struct error err = {};

        if (policy_load_configured(cfg->policy, &p, &err) < 0 ||
            running_list(&(struct running_options) { .state_roots = cfg->state_roots, .cache = cfg->cache,
                                                     .db = cfg->db, .policy = p,
                                                     .trust_image_digest = cfg->trust_image_digest,
                                                     .no_inventory = true },
                         &l, &err) < 0) {
                log_warning("metrics: no gauge of the running containers: %s", err.msg);
                return false;
        }
        g->now_violating = (long long) running_now_violating(&l);
        g->not_judged = 0;
        for (size_t i = 0; i < l.n; i++)
                g->not_judged += !l.v[i].judged;
        running_list_done(&l);
        return true;
}

/* "<the cache's folder>/metrics.state" (/var/lib/portcullis/metrics.state). */
static char *default_state(const struct config *cfg) {
        const char *slash = strrchr(cfg->cache, '/');
        char *s = NULL;

        if (!slash)
                return strdup(METRICS_STATE_NAME);
        return asprintf(&s, "%.*s/%s", (int) (slash - cfg->cache), cfg->cache, METRICS_STATE_NAME) < 0 ? NULL : s;
}

/* One run at a time (the timer and a hand-started one): an flock on
 * "<state>.lock", waited for. */
static int lock_state(const char *state) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;

        const char *slash = strrchr(state, '/');

        if (asprintf(&path, "%s.lock", state) < 0)
                return -ENOMEM;
        /* the cache's folder before the hook's first start */
        if (slash && slash > state) {
                _cleanup_free_ char *dir = strndup(state, (size_t) (slash - state));

                if (dir && mkdir(dir, 0700) < 0 && errno != EEXIST)      /* as the hook makes it */
                        log_debug("metrics: create %s: %m", dir);
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0) {
                log_error("metrics: lock %s: %m; give a writable --state FILE", path);
                return -1;
        }
        return TAKE_FD(fd);
}

/* Every decision counts once under its cache outcome. */
static bool decisions_counted(const struct metrics_state *s) {
        for (int c = 0; c < _METRICS_CACHE_MAX; c++)
                if (s->cache[c] > 0)
                        return true;
        return false;
}

static int run(const struct config *cfg, const char *log, const char *state, const char *output) {
        _cleanup_(metrics_state_done) struct metrics_state s = {};
        struct vulndb_status st = {};
        struct metrics_gauges g = { .db_age_seconds = -1, .no_audit_log = !log };
        _cleanup_free_ char *text = NULL;
        struct error err = {};
        uint64_t bytes = 0;
        int r;

        /* what a run killed before its renames left (the lock keeps others out) */
        (void) write_file_atomic_leftovers(state);
        if (output && !streq_ptr(output, "-"))
                (void) write_file_atomic_leftovers(output);
        if (metrics_state_load(state, &s, &err) < 0) {
                log_error("metrics: %s", err.msg);
                return EXIT_ERROR;
        }
        if (log && metrics_follow_log(&s, log, &bytes, &err) < 0) {
                log_error("metrics: %s", err.msg);
                return EXIT_ERROR;
        }
        log_debug("metrics: read %llu bytes of %s", (unsigned long long) bytes, strna(log));
        if (log && !decisions_counted(&s) && s.skipped > 0)     /* report refuses such a file */
                log_warning("metrics: %s: none of its %llu lines read so far is a Portcullis audit record (a JSON "
                            "object with a \"decision\"), so every counter is 0; give the hook's audit log, "
                            "config.json's \"log\": {\"file\"}", log, (unsigned long long) s.skipped);
        db_gauges(cfg->db, &g, &st);
        update_gauges(cfg, &g);
        g.cache_entries = cache_entries(cfg->cache);
        if (!running_gauges(cfg, &g))
                g.now_violating = -1;
        r = metrics_render(&s, &g, &text, &err);
        vulndb_status_done(&st);
        if (r < 0) {
                log_error("metrics: %s", err.msg);
                return EXIT_ERROR;
        }
        if (cli_output(streq_ptr(output, "-") ? NULL : output, text) < 0)
                return EXIT_ERROR;
        /* after the file: a run that could not write it counts the same
         * lines again next time, never loses them */
        r = metrics_state_save(&s, state, &err);
        if (r < 0) {
                log_error("metrics: state %s: %s; %s", state, err.msg,
                          r == -ENOSPC || r == -EDQUOT ? "free disk space there (the next run counts the same lines "
                                                         "again, none is lost)"
                                                       : "give a writable --state FILE");
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}

int verb_metrics(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "output", required_argument, NULL, 'o' },
                { "log", required_argument, NULL, 'l' },
                { "state", required_argument, NULL, 's' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_free_ char *state_buf = NULL;
        _cleanup_close_ int lock = -EBADF;
        const char *config = NULL, *output = METRICS_OUTPUT_DEFAULT, *log = NULL, *state = NULL;
        struct error err = {};
        int c;

        while ((c = cli_getopt(argc, argv, "metrics", opts)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'l':
                        log = optarg;
                        break;
                case 's':
                        state = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind != argc) {
                log_error("metrics: unexpected argument '%s'; see 'portcullis metrics --help'", argv[optind]);
                return EXIT_ERROR;
        }
        if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        if (!log && !(log = cfg->log_file))
                log_warning("metrics: no audit log file, so no decision counters: set \"log\": {\"file\": ...} in "
                            "%s or pass --log FILE", cfg->path ? cfg->path : PORTCULLIS_CONFIG_DEFAULT);
        if (!state && !(state = state_buf = default_state(cfg))) {
                log_error("metrics: out of memory");
                return EXIT_ERROR;
        }
        if (streq_ptr(output, METRICS_OUTPUT_DEFAULT) && access(METRICS_TEXTFILE_DIR, W_OK) < 0) {
                log_error("metrics: %s: %m; install prometheus-node-exporter (its textfile collector reads that "
                          "folder) or pass --output FILE", METRICS_TEXTFILE_DIR);
                return EXIT_ERROR;
        }
        if ((lock = lock_state(state)) < 0)
                return EXIT_ERROR;
        return run(cfg, log, state, output);
}
