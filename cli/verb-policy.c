/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis policy check FILE
 *   Validates a policy file strictly and explains what it means; an invalid
 *   file is exit 2 with "FILE:LINE:COLUMN: what is wrong". */
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "common.h"
#include "policy.h"
#include "verbs.h"

static int policy_check(int argc, char **argv) {
        _cleanup_(policy_freep) struct policy *p = NULL;
        _cleanup_strv_free_ char **errors = NULL;
        _cleanup_free_ char *text = NULL;
        struct error err = {};

        if (cli_getopt(argc, argv, "policy check", NULL) >= 0)     /* it has no options of its own */
                return EXIT_ERROR;
        if (argc - optind != 1) {
                log_error("policy check: expected one FILE; see 'portcullis policy check --help'");
                return EXIT_ERROR;
        }
        if (policy_load_all(argv[optind], &p, &errors, &err) < 0) {
                size_t n = strv_length(errors);

                for (char **e = errors; e && *e; e++)
                        log_error("%s", *e);
                if (n == 0)
                        log_error("%s", err.msg);
                else
                        log_error("%s: %zu %s", argv[optind], n, n == 1 ? "error" : "errors");
                return EXIT_ERROR;
        }
        if (policy_describe(p, &text, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        cli_print(text);
        return EXIT_PASS;
}

int verb_policy(int argc, char **argv) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                cli_help("policy", stdout);
                return EXIT_PASS;
        }
        if (argc < 2 || strcmp(argv[1], "check") != 0) {
                log_error("policy: expected 'check FILE'; see 'portcullis policy --help'");
                return EXIT_ERROR;
        }
        return policy_check(argc - 1, argv + 1);
}
