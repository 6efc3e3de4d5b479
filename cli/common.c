/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "portcullis-build.h"
#include "verbs.h"

const char *cli_db_path(const char *arg) {
        const char *env = getenv("PORTCULLIS_DB");

        if (arg)
                return arg;
        return env && *env ? env : PORTCULLIS_DB_DEFAULT;
}

bool cli_use_color(int fd) {
        const char *nc = getenv("NO_COLOR");

        return isatty(fd) && !(nc && *nc);
}

void cli_print(const char *s) {
        size_t n = strlen(s);

        fputs(s, stdout);
        if (n == 0 || s[n - 1] != '\n')
                fputc('\n', stdout);
}

int cli_parse_format(const char *arg, bool *json) {
        if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0) {
                log_error("--format: '%s' is not one of table, json", arg);
                return -1;
        }
        *json = strcmp(arg, "json") == 0;
        return 0;
}
