/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis policy check FILE
 *   Validates a policy file strictly and explains what it means; an invalid
 *   file is exit 2 with "FILE:LINE:COLUMN: what is wrong". */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "policy.h"
#include "verbs.h"

static const char usage_text[] = "portcullis policy check FILE";

static int policy_check(const char *path) {
        _cleanup_(policy_freep) struct policy *p = NULL;
        _cleanup_free_ char *text = NULL;
        struct error err = {};

        if (policy_load(path, &p, &err) < 0 || policy_describe(p, &text, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        cli_print(text);
        return EXIT_PASS;
}

int verb_policy(int argc, char **argv) {
        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("%s\n", usage_text);
                return EXIT_PASS;
        }
        if (argc != 3 || strcmp(argv[1], "check") != 0) {
                log_error("policy: usage: %s", usage_text);
                return EXIT_ERROR;
        }
        return policy_check(argv[2]);
}
