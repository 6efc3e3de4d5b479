/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "common.h"
#include "image.h"
#include "inventory.h"
#include "match.h"
#include "report.h"
#include "verbs.h"

struct scan_args {
        const char *rootfs;
        const char *db;
        unsigned severity_mask;
        bool ignore_unfixed;
        int fail_on;            /* a severity, or -1 for "never" */
        bool allow_unchecked;   /* --fail-on passes what could not be checked */
        bool json;
};

/* "CRITICAL,HIGH" → bit mask; 0 with a message on a bad word. */
static unsigned parse_severity_list(const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        unsigned mask = 0;
        char *save = NULL;

        if (!copy)
                return 0;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                int s = severity_from_string(w);

                if (s < 0) {
                        log_error("--severity: unknown severity '%s' (use CRITICAL, HIGH, MEDIUM, LOW, NONE, UNKNOWN)", w);
                        return 0;
                }
                mask |= 1u << s;
        }
        return mask;
}

static int parse_args(int argc, char **argv, struct scan_args *a) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "severity", required_argument, NULL, 's' },
                { "ignore-unfixed", no_argument, NULL, 'u' },
                { "fail-on", required_argument, NULL, 'f' },
                { "allow-unchecked", no_argument, NULL, 'A' },
                { "format", required_argument, NULL, 'F' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *a = (struct scan_args) { .severity_mask = (1u << _SEVERITY_MAX) - 1, .fail_on = -1 };
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        a->db = optarg;
                        break;
                case 's':
                        if (!(a->severity_mask = parse_severity_list(optarg)))
                                return -1;
                        break;
                case 'u':
                        a->ignore_unfixed = true;
                        break;
                case 'f':
                        a->fail_on = severity_from_string(optarg);
                        if (a->fail_on < 0) {
                                log_error("--fail-on: unknown severity '%s' (use CRITICAL, HIGH, MEDIUM, LOW, "
                                          "NONE, UNKNOWN)", optarg);
                                return -1;
                        }
                        break;
                case 'A':
                        a->allow_unchecked = true;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &a->json) < 0)
                                return -1;
                        break;
                case 'h':
                        printf("portcullis scan ROOTFS [--db FILE] [--severity LIST] [--ignore-unfixed] "
                               "[--fail-on SEVERITY [--allow-unchecked]] [--format table|json]\n");
                        exit(EXIT_PASS);
                default:
                        return -1;
                }
        if (optind != argc - 1) {
                log_error("scan: expected one ROOTFS argument; see 'portcullis scan --help'");
                return -1;
        }
        a->rootfs = argv[optind];
        return 0;
}

/* --fail-on: a finding at or above it, or (unless --allow-unchecked)
 * anything that could not be checked: a scan that could not look must not
 * pass a pipeline. */
static bool violates(const struct scan_result *res, const struct scan_args *a) {
        if (a->fail_on < 0)
                return false;
        for (int s = a->fail_on; s < _SEVERITY_MAX; s++)
                if (res->counts[s] > 0)
                        return true;
        return !a->allow_unchecked && res->n_unchecked + res->unchecked_more > 0;
}

int verb_scan(int argc, char **argv) {
        _cleanup_(image_freep) struct image *img = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        _cleanup_free_ char *out = NULL, *scan_json = NULL;
        struct error err = {};
        struct scan_args a;
        struct report_target t;
        int r;

        if (parse_args(argc, argv, &a) < 0)
                return EXIT_ERROR;
        if ((r = cli_collect(a.rootfs, &img, &inv, &err)) < 0 ||
            (r = analyze_match(inv, cli_db_path(a.db), CLI_ANALYSIS_DEADLINE_MS, &res, &scan_json, &err)) < 0) {
                log_error("scan %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        for (size_t i = 0; i < res->n_unchecked; i++)
                log_error("warning: not checked: %s: %s", res->unchecked[i].subject, res->unchecked[i].reason);
        scan_result_filter(res, a.severity_mask, a.ignore_unfixed);

        t = (struct report_target) {
                .name = img && image_name(img) ? image_name(img) : a.rootfs,
                .digest = img ? image_digest(img) : NULL,
                .inv = inv,
                .res = res,
        };
        r = a.json ? report_scan_json(&t, &out, &err) : report_scan_table(&t, cli_use_color(STDOUT_FILENO), &out, &err);
        if (r < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        cli_print(out);
        return violates(res, &a) ? EXIT_POLICY : EXIT_PASS;
}
