/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/strutil.h"
#include "common.h"
#include "verbs.h"
#include "vulndb.h"

static void on_skip(const char *file, const char *reason, void *userdata) {
        (void) userdata;
        log_error("skipped %s: %s", file, reason);
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int db_import(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "merge", no_argument, NULL, 'm' },
                {}
        };
        struct vulndb_import_stats st = {};
        const char *db = NULL;
        struct error err = {};
        bool merge = false;
        double t0;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'm':
                        merge = true;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind >= argc) {
                log_error("db import: give at least one PATH (a .json file, a folder of them, or a .zip)");
                return EXIT_ERROR;
        }
        db = cli_db_path(db);
        t0 = now_s();
        if (vulndb_import(db, argv + optind, merge, on_skip, NULL, &st, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        t0 = now_s() - t0;
        printf("imported %llu records (%llu affected packages) from %llu documents into %s in %.2f s "
               "(%.0f records/s); %llu skipped, %llu superseded by newer copies\n",
               (unsigned long long) st.records, (unsigned long long) st.affected, (unsigned long long) st.files, db,
               t0, t0 > 0 ? (double) st.records / t0 : 0.0, (unsigned long long) st.skipped,
               (unsigned long long) st.superseded);
        if (st.cves > 0)
                printf("imported the CVSS of %llu CVEs from NVD / CVE records\n", (unsigned long long) st.cves);
        return EXIT_PASS;
}

static int db_status(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "format", required_argument, NULL, 'F' },
                {}
        };
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct vulndb_status s = {};
        const char *db = NULL;
        struct error err = {};
        bool json = false;
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        db = optarg;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        db = cli_db_path(db);
        if (vulndb_open(db, &v, &err) < 0 || vulndb_get_status(v, &s, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        if (json) {
                json_t *ecos = json_object(), *root;
                char *out;

                for (char **e = s.ecosystems; e && *e; e++) {
                        char *eq = strrchr(*e, '=');

                        *eq = '\0';
                        json_object_set_new(ecos, *e, json_integer(atoll(eq + 1)));
                }
                root = json_pack("{s:s, s:i, s:s?, s:s?, s:I, s:I, s:I, s:o}", "path", db, "schema_version",
                                 s.schema_version, "revision", s.revision, "import_time", s.import_time,
                                 "records", (json_int_t) s.records, "affected", (json_int_t) s.affected,
                                 "cve_severities", (json_int_t) s.cve_severities, "ecosystems", ecos);
                out = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
                json_decref(root);
                cli_print(out ? out : "null");
                free(out);
        } else {
                printf("database:    %s\nschema:      %d\nrevision:    %s\nimported:    %s\nrecords:     %llu\n"
                       "affected:    %llu\nCVE scores:  %llu\n",
                       db, s.schema_version, strna(s.revision), strna(s.import_time),
                       (unsigned long long) s.records, (unsigned long long) s.affected,
                       (unsigned long long) s.cve_severities);
                for (char **e = s.ecosystems; e && *e; e++)
                        printf("ecosystem:   %s\n", *e);
        }
        vulndb_status_done(&s);
        return EXIT_PASS;
}

int verb_db(int argc, char **argv) {
        if (argc < 2) {
                log_error("db: expected 'import' or 'status'; see 'portcullis --help'");
                return EXIT_ERROR;
        }
        if (strcmp(argv[1], "import") == 0)
                return db_import(argc - 1, argv + 1);
        if (strcmp(argv[1], "status") == 0)
                return db_status(argc - 1, argv + 1);
        log_error("db: unknown subcommand '%s' (import, status)", argv[1]);
        return EXIT_ERROR;
}
