/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "base/macro.h"
#include "common.h"
#include "config.h"
#include "registry.h"
#include "update.h"
#include "verb-db-oci.h"
#include "verbs.h"
#include "vulndb.h"

/* Skipped files go to stderr with their reason, the first SKIPS_SHOWN of
 * them: an archive of 200,000 bad records must not bury the summary. */
#define SKIPS_SHOWN 20

struct skips {
        unsigned long long n;
        unsigned long long kept;        /* parts left out of records that were kept */
};

/* kept: a part of a record that was stored without it (vulndb_skip_fn) */
static void skip_note(struct skips *s, const char *file, const char *reason, bool kept) {
        if (kept && s->kept++ < SKIPS_SHOWN)
                log_warning("%s: %s", file, reason);
        else if (!kept && s->n++ < SKIPS_SHOWN)
                log_error("skipped %s: %s", file, reason);
}

static void skips_end(const struct skips *s) {
        if (s->n > SKIPS_SHOWN)
                log_error("... and %llu more skipped (%llu in all; the first %d are shown)", s->n - SKIPS_SHOWN, s->n,
                          SKIPS_SHOWN);
        if (s->kept > SKIPS_SHOWN)
                log_warning("... and %llu more parts of records left out or kept as unreadable (%llu in all; the "
                            "first %d are shown)", s->kept - SKIPS_SHOWN, s->kept, SKIPS_SHOWN);
}

static void on_skip(const char *file, const char *reason, bool kept, void *userdata) {
        skip_note(userdata, file, reason, kept);
}

/* After the summary line, what to do about the records stored without a
 * part that failed validation. */
static void say_repaired(const char *cmd, const struct vulndb_import_stats *st) {
        if (st->repaired > 0)
                log_warning("%s: %llu records were kept without a part that failed validation (see the warnings "
                            "above; a range that could not be read makes its package 'not checked' at every scan): "
                            "report them to their source", cmd, (unsigned long long) st->repaired);
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Copies of a record with the same 'modified' but other bytes (the digest
 * is of the document's bytes, so a copy written with other spacing counts
 * too): which one the database holds depends on the order read. */
static void warn_conflicts(const char *cmd, const struct vulndb_import_stats *st) {
        if (st->conflicts > 0)
                log_warning("%s: %llu records came again with the same 'modified' but other bytes (first: %s); "
                            "the copy read first was kept.  If their content differs, a feed changed a record "
                            "without changing 'modified' (the OSV schema says it must): ask its publisher, or "
                            "import only one of the copies",
                            cmd, (unsigned long long) st->conflicts, st->first_conflict);
}

/* An import without --merge replaces the database whole: when most of the
 * ids it held are not among the new records (a folder of other records
 * imported over it), that is said, not refused (replacing is what import
 * does; the shrink guard counts records, not ids). */
static void say_gone(const char *db, const struct vulndb_import_stats *st) {
        if (st->replaced_gone > 0 && st->replaced_gone > st->replaced_records / 2)
                log_note("db import: %llu of the %llu records %s held are not in the new database, which holds "
                         "only the records given (without --merge an import replaces the database); give --merge "
                         "to keep them", (unsigned long long) st->replaced_gone,
                         (unsigned long long) st->replaced_records, db);
}

/* What a KEV catalogue or EPSS file brought, with the version the
 * database now records. */
static void print_feeds(const char *db, const struct vulndb_import_stats *st) {
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct vulndb_status s = {};
        struct error err = {};

        if (vulndb_open(db, &v, &err) < 0 || vulndb_get_status(v, &s, &err) < 0) {
                log_warning("%s", err.msg);
                return;
        }
        if (st->kev > 0 || st->kev_skipped > 0)
                printf("imported %llu CISA KEV entries (catalogVersion %s, released %s) into %s; %llu skipped\n",
                       (unsigned long long) st->kev, strna(s.kev_catalog_version), strna(s.kev_date_released), db,
                       (unsigned long long) st->kev_skipped);
        if (st->epss > 0)
                printf("imported %llu EPSS scores (score_date %s, model %s) into %s; %llu skipped\n",
                       (unsigned long long) st->epss, strna(s.epss_score_date), strna(s.epss_model_version), db,
                       (unsigned long long) st->epss_skipped);
        vulndb_status_done(&s);
}

static void noted_removed(const char *path, void *userdata) {
        log_note("db import: removed %s, left by an interrupted import", path);
}

static int db_import(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "merge", no_argument, NULL, 'm' },
                { "allow-shrink", no_argument, NULL, 'S' },
                { "config", required_argument, NULL, 'c' },
                {}
        };
        struct vulndb_import_stats st = {};
        struct skips skipped = {};
        _cleanup_free_ char *path = NULL;
        const char *db = NULL, *config = NULL;
        struct error err = {};
        unsigned flags = VULNDB_IMPORT_COUNT_GONE;
        double t0;
        int c, r;

        while ((c = cli_getopt(argc, argv, "db import", opts)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'm':
                        flags |= VULNDB_IMPORT_MERGE;
                        break;
                case 'S':
                        flags |= VULNDB_IMPORT_ALLOW_SHRINK;
                        break;
                case 'c':
                        config = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (cli_db_path("db import", db, config, &path) < 0)
                return EXIT_ERROR;
        db = path;
        /* What a killed import or pull left, a database's size each time:
         * only db update removed it, which a node fed by db import alone
         * never runs. */
        (void) vulndb_remove_abandoned(db, noted_removed, NULL);
        /* the import waits for it, silent for as long as it runs */
        if (vulndb_writers_busy(db))
                log_note("db import: another import or update of %s is running (it holds %s" VULNDB_LOCK_SUFFIX
                         "); waiting for it to finish", db, db);
        if (optind + 1 == argc && registry_is_archive(argv[optind])) {
                if (cli_db_writable_path("db import", db) < 0 || db_import_oci(argv[optind], db, config, flags & VULNDB_IMPORT_ALLOW_SHRINK) != EXIT_PASS)
                        return EXIT_ERROR;
                ps_recheck("db import", config, db, NULL);
                return EXIT_PASS;
        }
        /* among other paths it would be read as an OSV record, skipped as
         * "not valid JSON", and the rest imported: the signed DB not installed */
        for (int i = optind; optind + 1 < argc && i < argc; i++)
                if (registry_is_archive(argv[i])) {
                        log_error("db import: %s is a tar file, which db import takes only alone, as the OCI "
                                  "archive of a whole database ('portcullis db import %s'); import the other paths "
                                  "in another run", argv[i], argv[i]);
                        return EXIT_ERROR;
                }
        if (optind >= argc) {
                log_error("db import: give at least one PATH (a .json file, a folder of them, or a .zip)");
                return EXIT_ERROR;
        }
        if (cli_db_writable_path("db import", db) < 0)
                return EXIT_ERROR;
        t0 = now_s();
        r = vulndb_import(db, argv + optind, flags, on_skip, &skipped, &st, &err);
        skips_end(&skipped);
        if (r < 0) {
                log_error("db import: %s", err.msg);
                return EXIT_ERROR;
        }
        t0 = now_s() - t0;
        if (st.kev > 0 || st.kev_skipped > 0 || st.epss > 0)
                print_feeds(db, &st);
        if (st.files == 0 && (st.kev > 0 || st.epss > 0)) {
                ps_recheck("db import", config, db, NULL); /* block_kev and min_epss weigh them */
                return EXIT_PASS;       /* only KEV / EPSS files: the records stay as they were */
        }
        printf("imported %llu records (%llu affected packages) from %llu documents into %s in %.2f s "
               "(%.0f records/s); %llu skipped, %llu kept without a bad part, %llu superseded by newer copies, "
               "%llu seen again unchanged\n",
               (unsigned long long) st.records, (unsigned long long) st.affected, (unsigned long long) st.files, db,
               t0, t0 > 0 ? (double) st.records / t0 : 0.0, (unsigned long long) st.skipped,
               (unsigned long long) st.repaired, (unsigned long long) st.superseded,
               (unsigned long long) st.duplicates);
        say_repaired("db import", &st);
        say_gone(db, &st);
        warn_conflicts("db import", &st);
        if (st.cves > 0)
                printf("imported the CVSS of %llu CVEs from NVD / CVE records\n", (unsigned long long) st.cves);
        ps_recheck("db import", config, db, NULL);
        return EXIT_PASS;
}

/* The state of `db update`, if one ran: NULL when there is none or it can't
 * be read (said on stderr: the DB's own status still stands). */
static struct update_state_info *update_state(const char *config, struct update_state_info *ret) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        struct error err = {};
        int r;

        if (config_load(config, config != NULL, &cfg, &err) < 0) {
                log_warning("no update state shown: %s", err.msg);
                return NULL;
        }
        r = update_state_read(cfg->update.state_dir, ret, &err);
        if (r < 0 && r != -ENOENT)
                log_warning("no update state shown: %s", err.msg);
        return r < 0 ? NULL : ret;
}


static json_t *update_state_json(const struct update_state_info *u) {
        json_t *ecos = json_object();

        for (size_t i = 0; i < u->n_ecosystems; i++) {
                const struct update_state_ecosystem *e = &u->ecosystems[i];

                json_object_set_new(ecos, e->name,
                                    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "mode", json_str_or_null(e->mode),
                                              "changed", json_str_or_null(e->changed), "source",
                                              json_str_or_null(e->source), "zip_sha256",
                                              json_str_or_null(e->zip_sha256), "zip_etag",
                                              json_str_or_null(e->zip_etag), "zip_last_modified",
                                              json_str_or_null(e->zip_last_modified), "newest",
                                              json_str_or_null(e->newest)));
                json_object_set_new(json_object_get(ecos, e->name), "retry", json_integer((json_int_t) e->retry));
                if (e->manifest_serial >= 0)
                        json_object_set_new(json_object_get(ecos, e->name), "manifest",
                                            json_pack("{s:I, s:o, s:o}", "serial", (json_int_t) e->manifest_serial,
                                                      "created", json_str_or_null(e->manifest_created),
                                                      "expires", json_str_or_null(e->manifest_expires)));
        }
        return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "last_run", json_str_or_null(u->last_run),
                         "last_success", json_str_or_null(u->last_success), "last_error",
                         json_str_or_null(u->last_error), "running", json_str_or_null(u->running), "db_revision",
                         json_str_or_null(u->db_revision), "sources", json_strv(u->sources), "ecosystems", ecos,
                         "feeds", update_feeds_json(u->feeds));
}

/* A KEV or EPSS feed that no mirror served in the last run that tried it:
 * the run succeeded, so this is said here (and by doctor), not only in
 * that run's journal. */
static void update_feeds_print(const struct update_state_info *u) {
        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++) {
                const struct update_feed_run *f = &u->feeds[k];
                char checked[32], success[32];

                if (!f->known)
                        continue;
                update_format_time(f->checked, checked);
                update_format_time(f->last_success, success);
                if (!f->error) {
                        cli_printf("feed:        %s refreshed at %s\n", update_feed_title(k), checked);
                        continue;
                }
                cli_printf("feed:        %s failed at %s: %s; last success: %s\n", update_feed_title(k), checked,
                           f->error, f->last_success ? success : "never");
                log_warning("the %s data was not refreshed by the last update that tried it, at %s (last success: "
                            "%s): fix or replace the mirrors in 'update.%s_sources', then portcullis db update",
                            update_feed_title(k), checked, f->last_success ? success : "never", update_feed_key(k));
        }
}

/* (cli_printf(): an ETag and Last-Modified are a server's, the newest
 * 'modified' a feed's) */
static void update_state_print(const struct update_state_info *u) {
        cli_printf("last update: %s%s%s\nupdate ok:   %s\n", strna(u->last_run), u->last_error ? ", failed: " : "",
                   strempty(u->last_error), strna(u->last_success));
        if (u->running)
                cli_printf("updating:    %s\n", u->running);
        for (char **s = u->sources; s && *s; s++)
                cli_printf("source:      %s\n", *s);
        for (size_t i = 0; i < u->n_ecosystems; i++) {
                const struct update_state_ecosystem *e = &u->ecosystems[i];

                cli_printf("update:      %s %s at %s from %s\n", e->name, strna(e->mode), strna(e->changed),
                           strna(e->source));
                cli_printf("  all.zip:   sha256 %s, ETag %s, Last-Modified %s\n", strna(e->zip_sha256),
                           strna(e->zip_etag), strna(e->zip_last_modified));
                cli_printf("  newest:    %s\n", strna(e->newest));
                if (e->retry)
                        cli_printf("  retry:     %zu record%s the last run skipped or could not fetch, fetched again "
                                   "by the next\n", e->retry, e->retry == 1 ? "" : "s");
                if (e->manifest_serial >= 0)
                        cli_printf("  manifest:  serial %lld, created %s, expires %s\n", e->manifest_serial,
                                   strna(e->manifest_created), strna(e->manifest_expires));
        }
        update_feeds_print(u);
}

/* "3 h 12 min ago"; a time more than a minute ahead of the node's clock
 * is said as such, not as a negative age (cli_age_seconds()'s -1, no
 * time at all, stays "0 h 0 min"). */
static const char *age_text(long long age, const char *suffix, char ret[static 96]) {
        if (age < -60)
                snprintf(ret, 96, "%lld h %lld min ahead of this node's clock: check it (timedatectl)", -age / 3600,
                         -age % 3600 / 60);
        else
                snprintf(ret, 96, "%lld h %lld min %s", age > 0 ? age / 3600 : 0, age > 0 ? age % 3600 / 60 : 0,
                         suffix);
        return ret;
}

static int db_status(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "format", required_argument, NULL, 'F' },
                { "config", required_argument, NULL, 'c' },
                {}
        };
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        _cleanup_free_ char *path = NULL;
        struct update_state_info ui = {}, *u;
        struct vulndb_status s = {};
        const char *db = NULL, *config = NULL;
        struct error err = {};
        bool json = false;
        int c;

        while ((c = cli_getopt(argc, argv, "db status", opts)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                case 'c':
                        config = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }
        /* "db status FILE" would otherwise describe another database, in silence */
        if (optind < argc) {
                log_error("db status: unexpected argument '%s'; give the database with --db FILE", argv[optind]);
                return EXIT_ERROR;
        }
        /* the database 'db update' with the same config writes */
        if (cli_db_path("db status", db, config, &path) < 0)
                return EXIT_ERROR;
        db = path;
        if (vulndb_open(db, &v, &err) < 0 || vulndb_get_status(v, &s, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        u = update_state(config, &ui);
        if (json) {
                json_t *ecos = json_object(), *root;
                char *out;

                for (size_t i = 0; i < s.n_ecosystems; i++)
                        json_object_set_new(ecos, s.ecosystems[i].name, json_integer((json_int_t) s.ecosystems[i].records));
                root = json_pack("{s:s, s:i, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I, s:o}", "path", db,
                                 "schema_version", s.schema_version, "revision", s.revision, "import_time",
                                 s.import_time, "data_time", s.data_time, "age_seconds",
                                 (json_int_t) cli_age_seconds(s.data_time ? s.data_time : s.import_time),
                                 "records", (json_int_t) s.records, "affected", (json_int_t) s.affected,
                                 "cve_severities", (json_int_t) s.cve_severities, "ecosystems", ecos);
                if (root)
                        json_object_set_new(root, "unrated", json_integer((json_int_t) s.unrated));
                if (root)
                        json_object_set_new(root, "kev", json_pack("{s:I, s:o, s:o}", "count", (json_int_t) s.kev,
                                                                   "catalog_version", json_str_or_null(s.kev_catalog_version),
                                                                   "date_released", json_str_or_null(s.kev_date_released)));
                if (root)
                        json_object_set_new(root, "epss", json_pack("{s:I, s:o, s:o}", "count", (json_int_t) s.epss,
                                                                    "score_date", json_str_or_null(s.epss_score_date),
                                                                    "model_version",
                                                                    json_str_or_null(s.epss_model_version)));
                if (root && u)
                        json_object_set_new(root, "update", update_state_json(u));
                if (root)
                        db_status_oci(config, root);
                out = root ? json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
                json_decref(root);
                cli_print(out ? out : "null");
                free(out);
        } else {
                long long age = cli_age_seconds(s.import_time);
                char ago[96];

                printf("database:    %s\nschema:      %d\nrevision:    %s\nimported:    %s (%s)\n"
                       "records:     %llu\naffected:    %llu\nCVE scores:  %llu\n",
                       db, s.schema_version, strna(s.revision), strna(s.import_time), age_text(age, "ago", ago),
                       (unsigned long long) s.records, (unsigned long long) s.affected,
                       (unsigned long long) s.cve_severities);
                printf("unrated:     %llu (records no vendor rating, CVSS or CVE score rates)\n",
                       (unsigned long long) s.unrated);
                if (s.data_time) {
                        age = cli_age_seconds(s.data_time);
                        printf("signed data: %s (%s; max_db_age_hours counts from it)\n", s.data_time,
                               age_text(age, "old", ago));
                }
                if (s.kev > 0)
                        printf("CISA KEV:    %llu entries, catalogVersion %s (released %s)\n",
                               (unsigned long long) s.kev, strna(s.kev_catalog_version), strna(s.kev_date_released));
                else
                        printf("CISA KEV:    none (import known_exploited_vulnerabilities.json)\n");
                if (s.epss > 0)
                        printf("EPSS:        %llu scores, score_date %s (model %s)\n", (unsigned long long) s.epss,
                               strna(s.epss_score_date), strna(s.epss_model_version));
                else
                        printf("EPSS:        none (import epss_scores-YYYY-MM-DD.csv.gz)\n");
                for (size_t i = 0; i < s.n_ecosystems; i++)     /* a feed's string */
                        cli_printf("ecosystem:   %s=%llu\n", s.ecosystems[i].name,
                                   (unsigned long long) s.ecosystems[i].records);
                if (u)
                        update_state_print(u);
                db_status_oci(config, NULL);
        }
        if (!s.ecosystems)
                log_warning("%s holds no record: every image will be reported as not checked; import "
                          "or update it (portcullis db update)", db);
        /* Findings of unrated records are UNKNOWN, and the default policy
         * (unknown_as unchecked) warns on each such image. */
        if (s.records > 0 && s.unrated * 10 > s.records) {
                log_warning("%llu of %llu records (%llu%%) have no severity from any source, so their findings "
                          "are UNKNOWN; import CVE scores (NVD API 2.0 or CVE JSON 5 files with 'portcullis db import', "
                          "or a CVE source in update.sources) or decide in the policy how UNKNOWN counts (unknown_as)",
                          (unsigned long long) s.unrated, (unsigned long long) s.records,
                          (unsigned long long) (s.unrated * 100 / s.records));
        }
        update_state_info_done(u);
        vulndb_status_done(&s);
        return EXIT_PASS;
}

/* Progress: a bar on stderr when it is a terminal, else only the lines of
 * the steps (a timer's journal wants no carriage returns). */
struct progress {
        bool tty;
        bool bar;               /* a bar is drawn and the line not ended */
        double last;
        struct skips skips;
};

static void bar_end(struct progress *p) {
        if (p->bar)
                fputc('\n', stderr);
        p->bar = false;
}

static void bar_draw(struct progress *p, const struct update_event *ev) {
        bool bytes = streq_ptr(ev->unit, "B"), end = ev->total > 0 && ev->done >= ev->total;
        double t = now_s(), scale = bytes ? 1024.0 * 1024.0 : 1.0;
        char bar[31];
        int fill = ev->total > 0 ? (int) (30.0 * (double) ev->done / (double) ev->total) : 0;

        if (!end && t - p->last < 0.1)
                return;
        p->last = t;
        for (int i = 0; i < 30; i++)
                bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        if (ev->total > 0)
                fprintf(stderr, "\r%s %s [%s] %3d%% %.1f/%.1f %s", strempty(ev->ecosystem),
                        bytes ? "all.zip" : "records", bar, (int) (100.0 * (double) ev->done / (double) ev->total),
                        (double) ev->done / scale, (double) ev->total / scale, bytes ? "MiB" : "");
        else
                fprintf(stderr, "\r%s %s %.1f %s", strempty(ev->ecosystem), bytes ? "all.zip" : "records",
                        (double) ev->done / scale, bytes ? "MiB" : "");
        p->bar = true;
}

static void on_update_event(const struct update_event *ev, void *userdata) {
        struct progress *p = userdata;

        switch (ev->type) {
        case UPDATE_EVENT_PROGRESS:
                if (p->tty)
                        bar_draw(p, ev);
                return;
        case UPDATE_EVENT_STEP:
                bar_end(p);
                printf("%s%s%s\n", strempty(ev->ecosystem), ev->ecosystem ? ": " : "", ev->message);
                fflush(stdout);
                return;
        case UPDATE_EVENT_RETRY:
                bar_end(p);
                log_warning("%s%s%s", strempty(ev->ecosystem), ev->ecosystem ? ": " : "", ev->message);
                return;
        case UPDATE_EVENT_SKIP:
        case UPDATE_EVENT_PART_LEFT_OUT:
                bar_end(p);
                skip_note(&p->skips, strna(ev->name), ev->message, ev->type == UPDATE_EVENT_PART_LEFT_OUT);
                return;
        default:
                return;
        }
}

static int db_update(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "source", required_argument, NULL, 's' },
                { "ecosystem", required_argument, NULL, 'e' },
                { "allow-shrink", no_argument, NULL, 'S' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_strv_free_ char **sources = NULL, **ecosystems = NULL;
        struct progress prog = { .tty = isatty(STDERR_FILENO) };
        struct update_result res = {};
        const char *db = NULL, *config = NULL, *env = getenv("PORTCULLIS_DB");
        struct error err = {};
        bool allow_shrink = false;
        double t0;
        int c, r;

        while ((c = cli_getopt(argc, argv, "db update", opts)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'c':
                        config = optarg;
                        break;
                case 'S':
                        allow_shrink = true;
                        break;
                case 's':
                case 'e':
                        if (strv_push(c == 's' ? &sources : &ecosystems, strdup(optarg)) < 0) {
                                log_error("out of memory");
                                return EXIT_ERROR;
                        }
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind < argc) {
                log_error("db update: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        if (config_load(config, config != NULL, &cfg, &err) < 0) {
                log_error("db update: %s", err.msg);
                return EXIT_ERROR;
        }
        /* The database: --db, $PORTCULLIS_DB, then config.json's "db". */
        db = db ? db : env && *env ? env : cfg->db;
        if (cli_db_writable_path("db update", db) < 0)
                return EXIT_ERROR;
        t0 = now_s();
        r = update_run(&(struct update_settings) { .db_path = db,
                                                   .sources = sources ? sources : cfg->update.sources,
                                                   .ecosystems = ecosystems ? ecosystems : cfg->update.ecosystems,
                                                   .cache_path = cfg->cache,
                                                   .public_key = cfg->update.public_key,
                                                   .cve_sources = cfg->update.cve_sources,
                                                   .kev_sources = cfg->update.kev_sources,
                                                   .epss_sources = cfg->update.epss_sources,
                                                   .state_dir = cfg->update.state_dir,
                                                   .proxy = cfg->update.proxy,
                                                   .ca_file = cfg->update.ca_file,
                                                   .timeout_s = cfg->update.timeout_s,
                                                   .allow_shrink = allow_shrink,
                                                   .auth_file = cfg->update.auth_file,
                                                   .max_layer = (uint64_t) cfg->update.max_layer_mib << 20 },
                       on_update_event, &prog, &res, &err);
        bar_end(&prog);
        skips_end(&prog.skips);
        if (r < 0) {
                log_error("db update: %s", err.msg);
                if (res.changed)        /* replaced, its state not saved: the containers still judged again */
                        ps_recheck("db update", config, db, NULL);
                return EXIT_ERROR;
        }
        char absent[64] = "";

        if (res.absent)
                snprintf(absent, sizeof(absent), ", %u left out that no source has", res.absent);
        if (res.oci_source[0])
                db_update_oci_summary(&res, db, now_s() - t0);
        else if (!res.changed)
                printf("unchanged: %s is current (revision %s)%s, checked in %.2f s\n", db, res.revision, absent,
                       now_s() - t0);
        else {
                printf("updated %s in %.2f s: %u full, %u incremental, %u unchanged%s; %llu records fetched one "
                       "by one; %llu records stored, %llu skipped, %llu kept without a bad part; revision %s\n",
                       db, now_s() - t0, res.modes[UPDATE_FULL], res.modes[UPDATE_INCREMENTAL],
                       res.modes[UPDATE_UNCHANGED], absent, (unsigned long long) res.fetched,
                       (unsigned long long) res.stats.records, (unsigned long long) res.stats.skipped,
                       (unsigned long long) res.stats.repaired, res.revision);
        }
        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++)
                if (res.feeds_failed & (1u << k))
                        log_warning("db update: none of the mirrors of the %s data served it (above): %s keeps the "
                                    "%s data it had; db status, doctor and metrics say so until a mirror serves "
                                    "(the exit status stays 0: the rest is current)", update_feed_title(k), db,
                                    update_feed_title(k));
        say_repaired("db update", &res.stats);
        warn_conflicts("db update", &res.stats);
        if (res.changed || res.oci_source[0])
                ps_recheck("db update", config, db, NULL);
        return EXIT_PASS;
}

static int db_sign(int argc, char **argv) {
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' },
                { "serial", required_argument, NULL, 's' },
                { "expires", required_argument, NULL, 'e' },
                { "created", required_argument, NULL, 'C' },
                {}
        };
        struct update_sign_settings set = { .serial = -1 };
        struct error err = {};
        size_t files = 0;
        unsigned long serial;
        int c;

        while ((c = cli_getopt(argc, argv, "db sign", opts)) >= 0)
                switch (c) {
                case 'k':
                        set.key_path = optarg;
                        break;
                case 's':
                        if (cli_parse_count("db sign: --serial", optarg, LLONG_MAX, &serial) < 0)
                                return EXIT_ERROR;
                        set.serial = (long long) serial;
                        break;
                case 'e':
                        set.expires = optarg;
                        break;
                case 'C':
                        set.created = optarg;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (!set.key_path || set.serial < 0 || !set.expires || optind + 1 != argc) {
                log_error("db sign: usage: portcullis db sign --key KEY.pem --serial N --expires TIME [--created "
                          "TIME] DIR (one ecosystem's folder of the mirror)");
                return EXIT_ERROR;
        }
        set.dir = argv[optind];
        if (update_sign(&set, &files, &err) < 0) {
                log_error("db sign: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("signed %s/manifest.json: serial %lld, %zu files, expires %s\n", set.dir, (long long) set.serial,
               files, set.expires);
        return EXIT_PASS;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} subcommands[] = {
        { "import", db_import },
        { "update", db_update },
        { "status", db_status },
        { "sign", db_sign },
        { "publish", db_publish },
        { "export", db_export },
};

int verb_db(int argc, char **argv) {
        if (argc < 2) {
                log_error("db: expected import, update, status, sign, publish or export; see 'portcullis db --help'");
                return EXIT_ERROR;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                cli_help("db", stdout);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
                if (strcmp(argv[1], subcommands[i].name) == 0)
                        return subcommands[i].fn(argc - 1, argv + 1);
        cli_unknown_subcommand("db", argv[1], "import, update, status, sign, publish, export");
        return EXIT_ERROR;
}
