/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis cvss VECTOR [--format text|json]
 *   text: "9.8 CRITICAL (CVSS v3.1)"
 *   json: {"vector", "version", "base_score", "severity"} */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "severity.h"
#include "verbs.h"

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

static int print_json(const char *vector, const struct cvss_score *s) {
        json_t *o = json_pack("{s:s, s:s, s:f, s:s}", "vector", vector, "version", version_string(s->version),
                              "base_score", s->base_score, "severity", severity_to_string(s->severity));
        char *out;

        if (!o) {
                log_error("cvss: cannot build JSON output");
                return EXIT_ERROR;
        }
        /* Three significant digits print one-decimal scores as 9.8, not as
         * 9.8000000000000007. */
        out = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3));
        json_decref(o);
        if (!out) {
                log_error("cvss: cannot format JSON output");
                return EXIT_ERROR;
        }
        puts(out);
        free(out);
        return EXIT_PASS;
}

int verb_cvss(int argc, char **argv) {
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'F' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cvss_score s;
        struct error err = {};
        bool json = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'F':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "text") != 0 && strcmp(optarg, "table") != 0) {
                                log_error("cvss: unknown format '%s' (text or json)", optarg);
                                return EXIT_ERROR;
                        }
                        break;
                case 'h':
                        printf("Usage: portcullis cvss VECTOR [--format text|json]\n");
                        return EXIT_PASS;
                default:
                        return EXIT_ERROR;
                }
        if (argc - optind != 1) {
                log_error("cvss: expected one VECTOR, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
                return EXIT_ERROR;
        }

        if (cvss_score(argv[optind], &s, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        if (json)
                return print_json(argv[optind], &s);
        printf("%.1f %s (CVSS v%s)\n", s.base_score, severity_to_string(s.severity), version_string(s.version));
        return EXIT_PASS;
}
