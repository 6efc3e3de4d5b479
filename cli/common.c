/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "image.h"
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

int cli_open_target(const char *arg, struct image **ret_img, const char **ret_rootfs, struct error *err) {
        struct image *img = NULL;
        int r;

        *ret_img = NULL;
        *ret_rootfs = arg;
        if (!image_path_is_image(arg))
                return 0;
        r = image_open(arg, &img, err);
        if (r < 0)
                return r;
        *ret_img = img;
        *ret_rootfs = image_rootfs(img);
        return 0;
}
