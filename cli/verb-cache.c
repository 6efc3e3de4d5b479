/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis cache ls|show|purge|gc|rescan|fill: the hook's verdict cache,
 * for people and for the GC and fill timers. */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "cache.h"
#include "common.h"
#include "config.h"
#include "policy.h"
#include "running.h"
#include "verbs.h"
#include "vulndb.h"

/* Short prefixes of a 64-digit key collide by chance only past ~4,000
 * entries for 6 digits; fewer would invite purging the wrong entry. */
#define KEY_PREFIX_MIN 6

enum {
        OPT_CACHE = 'C',
        OPT_CONFIG = 'c',
        OPT_FORMAT = 'F',
        OPT_TTL = 'T',
        OPT_MAX = 'M',
};

/* --cache, else the cache of --config (which must load, also beside
 * --cache: a file named that is missing or wrong is an error), else of
 * the default config (whose absence means the defaults).  *ret is
 * malloc'ed. */
static int resolve_path(const char *arg, const char *config, char **ret) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        struct error err = {};

        if (!arg || config) {
                if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0) {
                        log_error("%s", err.msg);
                        return -1;
                }
                if (!arg)
                        arg = cfg->cache;
        }
        *ret = strdup(arg);
        if (!*ret)
                return -1;
        log_debug("cache: %s", *ret);
        return 0;
}

static int open_cache(const char *path, unsigned flags, struct cache **ret) {
        struct error err = {};
        bool recovered = false;
        struct stat st;
        int r;

        r = stat(path, &st) < 0 && errno == ENOENT ? -ENOENT : cache_open_flags(path, flags, ret, &recovered, &err);
        if (r == -ENOENT) {
                log_error("no cache at %s yet (the hook creates it at the first container start; "
                          "another file: --cache FILE)", path);
                return 1;
        }
        if (r < 0) {
                log_error("%s", err.msg);
                return -1;
        }
        if (recovered)
                log_warning("%s was not a sound cache; it was moved aside as %s.corrupt-<time> and an "
                          "empty cache put in its place", path, path);
        return 0;
}

static void format_age(time_t now, time_t then, char *buf, size_t size) {
        long long d = (long long) (now - then);

        if (d < 60)
                snprintf(buf, size, "%s", d < 0 ? "just now" : "<1m ago");
        else if (d < 3600)
                snprintf(buf, size, "%lldm ago", d / 60);
        else if (d < 86400)
                snprintf(buf, size, "%lldh ago", d / 3600);
        else
                snprintf(buf, size, "%lldd ago", d / 86400);
}

#define NAME_WIDTH 40

/* The image name, else the identity, cut to the column with "..." (the
 * JSON has them whole), its control characters '?'. */
static void format_name(const struct cache_entry *e, char *buf, size_t size) {
        const char *name = e->image ? e->image : e->identity;

        if (strlen(name) <= NAME_WIDTH)
                snprintf(buf, size, "%s", name);
        else
                snprintf(buf, size, "%.*s...", NAME_WIDTH - 3, name);
        str_make_printable(buf);        /* an annotation's: the tenant's bytes */
}

static int print_row(const struct cache_entry *e, void *userdata) {
        time_t now = *(const time_t *) userdata;
        char age[32], name[NAME_WIDTH + 1];

        format_age(now, e->last_used, age, sizeof(age));
        format_name(e, name, sizeof(name));
        printf("%-12.12s  %-*s  %-15.15s  %8zu  %8zu  %s\n", e->key, NAME_WIDTH, name, e->db_revision, e->packages,
               e->findings, age);
        return 0;
}

static int add_json(const struct cache_entry *e, void *userdata) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:I, s:I, s:I, s:I}", "key", e->key, "identity", e->identity,
                              "image", e->image, "db_revision", e->db_revision, "created", (json_int_t) e->created,
                              "last_used", (json_int_t) e->last_used, "packages", (json_int_t) e->packages,
                              "findings", (json_int_t) e->findings);

        return o && json_array_append_new(userdata, o) == 0 ? 0 : -ENOMEM;
}

static int print_json(const char *path, json_t *entries) {
        json_t *root = json_pack("{s:s, s:o}", "cache", path, "entries", entries);
        char *out = root ? json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

        json_decref(root);
        if (!out) {
                log_error("cache ls: out of memory");
                return EXIT_ERROR;
        }
        cli_print(out);
        free(out);
        return EXIT_PASS;
}

/* c is NULL when there is no cache file yet. */
static int list_json(const char *path, struct cache *c) {
        json_t *entries = json_array();
        struct error err = {};
        int r = entries ? 0 : -ENOMEM;

        if (r == 0 && c)
                r = cache_list_summary(c, add_json, entries, &err);
        if (r < 0) {
                json_decref(entries);
                log_error("cache ls: %s", r == -ENOMEM ? "out of memory" : err.msg);
                return EXIT_ERROR;
        }
        return print_json(path, entries);
}

static int list_table(const char *path, struct cache *c) {
        time_t now = time(NULL);
        struct error err = {};

        if (!c) {
                printf("no entries in %s\n", path);
                return EXIT_PASS;
        }
        printf("%-12s  %-*s  %-15s  %8s  %8s  %s\n", "KEY", NAME_WIDTH, "IMAGE", "DB REVISION", "PACKAGES",
               "FINDINGS", "LAST USED");
        if (cache_list_summary(c, print_row, &now, &err) < 0) {
                log_error("cache ls: %s", err.msg);
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}

static int cache_ls(int argc, char **argv) {
        static const struct option opts[] = {
                { "cache", required_argument, NULL, OPT_CACHE },
                { "config", required_argument, NULL, OPT_CONFIG },
                { "format", required_argument, NULL, OPT_FORMAT },
                {}
        };
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *path = NULL;
        const char *arg = NULL, *config = NULL;
        bool json = false;
        int opt, r;

        while ((opt = cli_getopt(argc, argv, "cache ls", opts)) >= 0)
                switch (opt) {
                case OPT_CACHE:
                        arg = optarg;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case OPT_FORMAT:
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind < argc) {
                log_error("cache ls: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        if (resolve_path(arg, config, &path) < 0 || (r = open_cache(path, CACHE_OPEN_READONLY, &c)) < 0)
                return EXIT_ERROR;
        return json ? list_json(path, c) : list_table(path, c);
}

struct by_identity {
        const char *identity;
        char *key;              /* the most recently used entry's, of this build's first */
        time_t last_used;
        bool current;
        size_t n;
};

/* An entry of another build (cache_key_age()) is not what the hook
 * decides by: after an upgrade (or during one, an older hook still using
 * its entries) this build's entry is shown, however recently the other
 * was used. */
static int match_identity(const struct cache_entry *e, void *userdata) {
        struct by_identity *m = userdata;
        bool current = cache_key_age(e->key) == CACHE_KEY_CURRENT;

        if (strcmp(e->identity, m->identity) != 0)
                return 0;
        if (m->n++ == 0 || current > m->current || (current == m->current && e->last_used > m->last_used)) {
                free(m->key);
                if (!(m->key = strdup(e->key)))
                        return -ENOMEM;
                m->last_used = e->last_used;
                m->current = current;
        }
        return 0;
}

/* KEY to the full key: a unique prefix of at least KEY_PREFIX_MIN hex
 * digits, or an identity as the audit line and `cache ls --format json`
 * show it ("sha256:...", "inventory:sha256:...": the entry of the most
 * recently used DB revision).  Logs and returns -1 when it names no entry
 * or several. */
static int find_key(struct cache *c, const char *verb, const char *prefix, char **ret) {
        struct by_identity m = { .identity = prefix };
        struct error err = {};

        if (strchr(prefix, ':')) {
                if (cache_list_summary(c, match_identity, &m, &err) < 0) {
                        free(m.key);
                        log_error("cache %s: %s", verb, err.msg);
                        return -1;
                }
                if (m.n == 0) {
                        log_error("cache %s: no entry for identity %s (see 'portcullis cache ls --format json')",
                                  verb, prefix);
                        return -1;
                }
                if (m.n > 1)
                        log_note("identity %s has %zu entries (one per DB revision and version of Portcullis); "
                                 "using the most recently used%s, %.12s", prefix, m.n,
                                 m.current ? " of this version" : "", m.key);
                *ret = m.key;
                return 0;
        }
        if (strlen(prefix) < KEY_PREFIX_MIN) {
                log_error("cache %s: '%s' is too short; give at least %d hex digits of the key (see 'portcullis "
                          "cache ls')", verb, prefix, KEY_PREFIX_MIN);
                return -1;
        }
        if (cache_resolve_key(c, prefix, ret, &err) < 0) {
                log_error("cache %s: %s", verb, err.msg);
                return -1;
        }
        return 0;
}

/* --cache and --config, and at most max_args arguments; the cache's path
 * in *ret_path. */
static int parse_cache_args(int argc, char **argv, const char *verb, int max_args, char **ret_path) {
        static const struct option opts[] = {
                { "cache", required_argument, NULL, OPT_CACHE },
                { "config", required_argument, NULL, OPT_CONFIG },
                {}
        };
        const char *arg = NULL, *config = NULL;
        char cmd[32];
        int opt;

        snprintf(cmd, sizeof(cmd), "cache %s", verb);
        while ((opt = cli_getopt(argc, argv, cmd, opts)) >= 0)
                if (opt == OPT_CACHE)
                        arg = optarg;
                else if (opt == OPT_CONFIG)
                        config = optarg;
                else
                        return -1;
        if (argc - optind > max_args) {
                log_error("cache %s: unexpected argument '%s'", verb, argv[optind + max_args]);
                return -1;
        }
        return resolve_path(arg, config, ret_path);
}

static int print_scan(const struct cache_entry *e) {
        json_error_t jerr;
        json_t *j;
        char *out;

        if (!e->scan_json) {
                log_error("cache show: entry %s holds no scan", e->key);
                return EXIT_ERROR;
        }
        j = json_loads(e->scan_json, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                log_error("cache show: the scan stored in entry %s is not JSON (%s); purge the entry", e->key,
                          jerr.text);
                return EXIT_ERROR;
        }
        out = json_dumps_escaped(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!out) {
                log_error("cache show: out of memory");
                return EXIT_ERROR;
        }
        cli_print(out);
        free(out);
        return EXIT_PASS;
}

static int cache_show(int argc, char **argv) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *path = NULL, *key = NULL;
        struct cache_entry e = {};
        struct error err = {};
        int r;

        if (parse_cache_args(argc, argv, "show", 1, &path) < 0)
                return EXIT_ERROR;
        if (optind >= argc) {
                log_error("cache show: give a KEY (see 'portcullis cache ls')");
                return EXIT_ERROR;
        }
        if ((r = open_cache(path, CACHE_OPEN_READONLY, &c)) != 0 || find_key(c, "show", argv[optind], &key) < 0)
                return EXIT_ERROR;
        /* Looking is not using: peek leaves last_used (and so LRU) alone. */
        if (cache_peek(c, key, &e, &err) < 0) {
                log_error("cache show: %s", err.msg);
                return EXIT_ERROR;
        }
        r = print_scan(&e);
        cache_entry_done(&e);
        return r;
}

static int cache_purge_verb(int argc, char **argv) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *path = NULL, *key = NULL;
        struct error err = {};
        int r;

        if (parse_cache_args(argc, argv, "purge", 1, &path) < 0)
                return EXIT_ERROR;
        r = open_cache(path, 0, &c);
        if (r < 0 || (r > 0 && optind < argc))
                return EXIT_ERROR;
        if (r > 0) {
                printf("purged 0 entries from %s\n", path);
                return EXIT_PASS;
        }
        if (optind < argc && find_key(c, "purge", argv[optind], &key) < 0)
                return EXIT_ERROR;
        r = cache_purge(c, key, &err);
        if (r < 0) {
                log_error("cache purge: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("purged %d %s from %s\n", r, r == 1 ? "entry" : "entries", path);
        return EXIT_PASS;
}

static int count_one(const struct cache_entry *e, void *userdata) {
        (*(size_t *) userdata)++;
        return 0;
}

/* The hook's lock files that nobody holds, in the lock_dir of the config
 * the cache came from: one per image analysed since the boot, which a
 * node that runs many images would otherwise keep until the next. */
static int prune_locks(const char *config) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        struct error err = {};
        int r;

        if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0 ||
            (r = cache_locks_prune(cfg->lock_dir, &err)) < 0) {
                log_error("cache gc: %s", err.msg);
                return -1;
        }
        printf("removed %d unused lock %s from %s\n", r, r == 1 ? "file" : "files", cfg->lock_dir);
        return 0;
}

static int cache_gc_verb(int argc, char **argv) {
        static const struct option opts[] = {
                { "cache", required_argument, NULL, OPT_CACHE },
                { "ttl", required_argument, NULL, OPT_TTL },
                { "max-entries", required_argument, NULL, OPT_MAX },
                { "config", required_argument, NULL, OPT_CONFIG },
                {}
        };
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *path = NULL;
        unsigned long ttl = CACHE_TTL_DEFAULT, max = CACHE_ENTRIES_DEFAULT;
        const char *arg = NULL, *config = NULL;
        struct error err = {};
        size_t left = 0;
        int opt, r;

        while ((opt = cli_getopt(argc, argv, "cache gc", opts)) >= 0)
                switch (opt) {
                case OPT_CACHE:
                        arg = optarg;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case OPT_TTL:
                        if (cli_parse_count("cache gc: --ttl", optarg, INT64_MAX, &ttl) < 0)
                                return EXIT_ERROR;
                        break;
                case OPT_MAX:
                        if (cli_parse_count("cache gc: --max-entries", optarg, INT64_MAX, &max) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind < argc) {
                log_error("cache gc: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        if (resolve_path(arg, config, &path) < 0 || (r = open_cache(path, CACHE_OPEN_RECOVER, &c)) < 0)
                return EXIT_ERROR;
        if (r > 0)
                return EXIT_PASS;       /* no cache yet: nothing to collect (the timer may run first) */
        r = cache_gc(c, (time_t) ttl, (size_t) max, time(NULL), &err);
        if (r < 0 || cache_list_summary(c, count_one, &left, &err) < 0) {
                log_error("cache gc: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("removed %d %s from %s (unused for over %lu s, or beyond the %lu most recently used); %zu left\n",
               r, r == 1 ? "entry" : "entries", path, ttl, max, left);
        if ((!arg || config) && prune_locks(config) < 0)
                return EXIT_ERROR;
        return EXIT_PASS;
}

/* After a DB update: the stored inventory of every entry not at its
 * current key re-matched against the DB the config names (or --db),
 * without touching a rootfs. */
static int cache_rescan_verb(int argc, char **argv) {
        static const struct option opts[] = {
                { "cache", required_argument, NULL, OPT_CACHE },
                { "db", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, OPT_CONFIG },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        _cleanup_free_ char *path = NULL;
        const char *arg = NULL, *db_path = NULL, *config = NULL, *db_path_arg;
        struct cache_rescan_result res = {};
        struct error err = {};
        int opt, r;

        while ((opt = cli_getopt(argc, argv, "cache rescan", opts)) >= 0)
                if (opt == OPT_CACHE)
                        arg = optarg;
                else if (opt == 'd')
                        db_path = optarg;
                else if (opt == OPT_CONFIG)
                        config = optarg;
                else
                        return EXIT_ERROR;
        if (optind < argc) {
                log_error("cache rescan: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        db_path_arg = db_path;
        if (!db_path) {
                if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0) {
                        log_error("%s", err.msg);
                        return EXIT_ERROR;
                }
                db_path = cfg->db;
        }
        if (resolve_path(arg, config, &path) < 0)
                return EXIT_ERROR;
        r = open_cache(path, 0, &c);
        if (r != 0)
                return r < 0 ? EXIT_ERROR : EXIT_PASS;
        /* Before the rescan, which drops the entries of other revisions:
         * a container the recheck has not seen yet is compared with its
         * entry of the revision it was admitted with. */
        ps_recheck("cache rescan", config, db_path_arg, path);
        if (vulndb_open(db_path, &db, &err) < 0 || cache_rescan(c, db, NULL, &res, &err) < 0) {
                log_error("cache rescan: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("re-matched %zu %s in %s against %s (revision %s); %zu already of it\n", res.rescanned,
               res.rescanned == 1 ? "entry" : "entries", path, db_path, strna(vulndb_revision(db)), res.current);
        if (res.superseded)
                printf("dropped %zu %s of another revision whose image has an entry of the current one\n",
                       res.superseded, res.superseded == 1 ? "entry" : "entries");
        if (res.dropped)
                printf("dropped %zu %s read by another version of Portcullis: %s read anew at %s next start\n",
                       res.dropped, res.dropped == 1 ? "entry" : "entries",
                       res.dropped == 1 ? "its image is" : "their images are", res.dropped == 1 ? "its" : "their");
        if (res.kept)
                printf("kept %zu %s of a newer version of Portcullis (this one neither serves nor re-matches %s; "
                       "'cache gc' ages %s out)\n", res.kept, res.kept == 1 ? "entry" : "entries",
                       res.kept == 1 ? "it" : "them", res.kept == 1 ? "it" : "them");
        return EXIT_PASS;
}

/* cache fill's defaults: a run every minute after the last ended
 * (systemd/portcullis-fill.timer) catches a start on_timeout decided
 * within minutes, and no run holds more than its time. */
#define FILL_REMATCH_DEFAULT 1000
#define FILL_MAX_DEFAULT 8
#define FILL_TIME_LIMIT_DEFAULT 240
#define FILL_DEADLINE_DEFAULT 120

static void print_fill(const struct running_fill_result *r, const struct running_fill_limits *lim) {
        for (char **n = r->notes; n && *n; n++)
                log_warning("cache fill: %s", *n);
        printf("cache fill: re-matched %zu cache %s of another DB revision, the running containers' images first "
               "(%zu already of the current one, %zu dropped), %zu left for the next run (at most %zu per run, "
               "none past %u s)\n", r->rematched, r->rematched == 1 ? "entry" : "entries", r->rematch_current,
               r->rematch_dropped, r->rematch_left, lim->max_rematched, lim->time_limit_ms / 4000);
        printf("cache fill: %zu running containers, %zu whose image the cache lacked: analysed and stored %zu, "
               "%zu stored by a start meanwhile, %zu being analysed by a start, %zu failed, %zu not kept, %zu whose "
               "rootfs may hold their own changes (not their image: nothing stored), %zu left for the next run (at most "
               "%zu analyses of at most %u s each, %u s per run)\n",
               r->containers, r->missing, r->stored, r->present, r->busy, r->failed, r->not_kept, r->own_files,
               r->left, lim->max_analysed, lim->deadline_ms / 1000, lim->time_limit_ms / 1000);
        if (r->rescan || r->no_identity)
                printf("cache fill: not analysed: %zu with an entry of another DB revision (the next run re-matches "
                       "it), %zu without an identity (see portcullis ps)\n", r->rescan, r->no_identity);
}

/* After a DB update: the running containers its recheck left (their
 * inventories unread: the update's unit can't run the analysis sandbox)
 * judged, then the entries of other DB revisions re-matched; the running
 * containers whose image the cache lacks (a start that on_timeout
 * decided) analysed within limits and stored as the hook stores a miss. */
static int cache_fill_verb(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, OPT_CONFIG },
                { "max-rematches", required_argument, NULL, 'R' },
                { "max-analyses", required_argument, NULL, OPT_MAX },
                { "time-limit", required_argument, NULL, OPT_TTL },
                { "deadline", required_argument, NULL, 'D' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_(policy_freep) struct policy *policy = NULL;
        unsigned long rematch = FILL_REMATCH_DEFAULT, max = FILL_MAX_DEFAULT, limit = FILL_TIME_LIMIT_DEFAULT, deadline = FILL_DEADLINE_DEFAULT;
        struct running_fill_result res = {};
        struct running_fill_limits lim;
        const char *config = NULL;
        struct error err = {};
        int opt;

        while ((opt = cli_getopt(argc, argv, "cache fill", opts)) >= 0)
                switch (opt) {
                case OPT_CONFIG:
                        config = optarg;
                        break;
                case 'R':
                        if (cli_parse_count("cache fill: --max-rematches", optarg, 1000000, &rematch) < 0)
                                return EXIT_ERROR;
                        break;
                case OPT_MAX:
                        if (cli_parse_count("cache fill: --max-analyses", optarg, 10000, &max) < 0)
                                return EXIT_ERROR;
                        break;
                case OPT_TTL:
                        if (cli_parse_count("cache fill: --time-limit", optarg, 86400, &limit) < 0)
                                return EXIT_ERROR;
                        break;
                case 'D':
                        if (cli_parse_count("cache fill: --deadline", optarg, CLI_ANALYSIS_DEADLINE_MS / 1000,
                                            &deadline) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind < argc) {
                log_error("cache fill: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        if (config_load(config ? config : PORTCULLIS_CONFIG_DEFAULT, config != NULL, &cfg, &err) < 0 ||
            policy_load_configured(cfg->policy, &policy, &err) < 0) {
                log_error("cache fill: %s", err.msg);
                return EXIT_ERROR;
        }
        /* Before the re-match, which drops the entries of other revisions:
         * a container the update's recheck left is compared with its
         * entry of the revision it was admitted with. */
        ps_recheck_pending("cache fill", config);
        lim = (struct running_fill_limits) { .max_rematched = rematch, .max_analysed = max, .time_limit_ms = (unsigned) limit * 1000,
                                             .deadline_ms = (unsigned) deadline * 1000, .lock_dir = cfg->lock_dir };
        if (running_fill(&(struct running_options) { .state_roots = cfg->state_roots, .cache = cfg->cache,
                                                     .db = cfg->db, .policy = policy,
                                                     .trust_image_digest = cfg->trust_image_digest },
                         &lim,
                         &(struct running_sink) { .log_file = cfg->log_file, .syslog = cfg->log_syslog,
                                                  .syslog_socket = cfg->log_syslog_socket },
                         &res, &err) < 0) {
                log_error("cache fill: %s", err.msg);
                return EXIT_ERROR;
        }
        if (analyze_sandbox_note())
                log_note("%s", analyze_sandbox_note());
        print_fill(&res, &lim);
        running_fill_result_done(&res);
        return EXIT_PASS;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} subcommands[] = {
        { "ls", cache_ls },
        { "show", cache_show },
        { "purge", cache_purge_verb },
        { "gc", cache_gc_verb },
        { "rescan", cache_rescan_verb },
        { "fill", cache_fill_verb },
};

int verb_cache(int argc, char **argv) {
        if (argc < 2) {
                log_error("cache: expected ls, show, purge, gc, rescan or fill; see 'portcullis cache --help'");
                return EXIT_ERROR;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                cli_help("cache", stdout);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
                if (strcmp(argv[1], subcommands[i].name) == 0)
                        return subcommands[i].fn(argc - 1, argv + 1);
        cli_unknown_subcommand("cache", argv[1], "ls, show, purge, gc, rescan, fill");
        return EXIT_ERROR;
}
