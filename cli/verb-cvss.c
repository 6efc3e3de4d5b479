/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis cvss VECTOR [--format text|json]
 * portcullis cvss --batch [--format text|json]   (one vector a line on stdin)
 *   text: "9.8 CRITICAL (CVSS v3.1)"
 *   json: {"vector", "version", "base_score", "severity", and the scores
 *          with the other metric groups: "temporal_score" and
 *          "environmental_score" (v2, v3) or "cvss_bt" and "cvss_bte" (v4)}
 *   A bad vector in a batch prints "error: MESSAGE" on its line. */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "severity.h"
#include "common.h"
#include "verbs.h"

/* A batch line longer than this is reported as an error, not scored
 * (cvss_score() has its own, smaller cap on the vector). */
#define CVSS_BATCH_LINE_MAX ((size_t) 64 * 1024)

static const char *version_string(int version) {
        switch (version) {
        case 2:
                return "2.0";
        case 30:
                return "3.0";
        case 31:
                return "3.1";
        case 40:
                return "4.0";
        default:
                return "unknown";
        }
}

/* The JSON names of cvss_score_extended()'s [1] and [2]. */
static void extended_names(int version, const char **ret_second, const char **ret_third) {
        *ret_second = version == 40 ? "cvss_bt" : "temporal_score";
        *ret_third = version == 40 ? "cvss_bte" : "environmental_score";
}

static char *format_json(const char *vector, const struct cvss_score *s, const double extended[3]) {
        const char *second, *third;
        json_t *o;
        char *out;

        extended_names(s->version, &second, &third);
        o = json_pack("{s:s, s:s, s:f, s:s, s:f, s:f}", "vector", vector, "version", version_string(s->version),
                      "base_score", s->base_score, "severity", severity_to_string(s->severity), second, extended[1],
                      third, extended[2]);
        if (!o)
                return NULL;
        /* Three significant digits print one-decimal scores as 9.8, not as
         * 9.8000000000000007. */
        out = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3));
        json_decref(o);
        return out;
}

/* Scores one vector and prints its line; returns 0, or -1 with the error
 * in err. */
static int print_one(const char *vector, bool json, struct error *err) {
        _cleanup_free_ char *out = NULL;
        struct cvss_score s;
        double extended[3];
        int version;

        if (cvss_score(vector, &s, err) < 0)
                return -1;
        if (!json) {
                printf("%.1f %s (CVSS v%s)\n", s.base_score, severity_to_string(s.severity),
                       version_string(s.version));
                return 0;
        }
        if (cvss_score_extended(vector, &version, extended, err) < 0)
                return -1;
        out = format_json(vector, &s, extended);
        if (!out) {
                error_set(err, ENOMEM, "cvss: cannot format JSON output");
                return -1;
        }
        puts(out);
        return 0;
}

static void batch_line(char *line, size_t len, bool json) {
        struct error err = {};

        if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
        if (len > CVSS_BATCH_LINE_MAX || strlen(line) != len) {
                puts("error: line too long or contains NUL");
                return;
        }
        if (print_one(line, json, &err) < 0)
                printf("error: %s\n", err.msg);
}

static int cvss_batch(bool json) {
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        while ((n = getline(&line, &cap, stdin)) >= 0)
                batch_line(line, (size_t) n, json);
        if (ferror(stdin)) {
                log_error("cvss: reading vectors from stdin failed");
                return EXIT_ERROR;
        }
        if (fflush(stdout) != 0) {
                log_error("cvss: writing results failed");
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}

int verb_cvss(int argc, char **argv) {
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'F' },
                { "batch", no_argument, NULL, 'b' },
                {}
        };
        struct error err = {};
        bool json = false, batch = false;
        int c;

        while ((c = cli_getopt(argc, argv, "cvss", opts)) >= 0)
                switch (c) {
                case 'F':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "text") != 0 && strcmp(optarg, "table") != 0) {
                                log_error("cvss: unknown format '%s' (table or json)", optarg);
                                return EXIT_ERROR;
                        }
                        break;
                case 'b':
                        batch = true;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (batch) {
                if (argc != optind) {
                        log_error("cvss: --batch reads the vectors from stdin and takes no VECTOR");
                        return EXIT_ERROR;
                }
                return cvss_batch(json);
        }
        if (argc - optind != 1) {
                log_error("cvss: expected one VECTOR, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
                return EXIT_ERROR;
        }
        if (print_one(argv[optind], json, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        return EXIT_PASS;
}
