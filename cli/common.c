/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "common.h"
#include "image.h"
#include "inventory.h"
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

/* Prints what the library collected for the user, once, at the top. */
static void print_warnings(char *const *w) {
        for (; w && *w; w++)
                log_error("warning: %s", *w);
}

int cli_collect(const char *arg, struct image **ret_img, struct inventory **ret_inv, struct error *err) {
        _cleanup_(image_freep) struct image *img = NULL;
        _cleanup_free_ char *json = NULL;
        struct inventory *inv = NULL;
        const char *rootfs = arg;
        int r;

        if (image_path_is_image(arg)) {
                if ((r = image_prepare(arg, &img, err)) < 0)
                        return r;
                r = analyze_image(img, CLI_ANALYSIS_DEADLINE_MS, err);
                if (r < 0)
                        return r;
                print_warnings(image_warnings(img));
                rootfs = image_rootfs(img);
        }
        r = analyze_inventory(rootfs, CLI_ANALYSIS_DEADLINE_MS, &inv, &json, err);
        if (analyze_sandbox_note())
                log_error("note: %s", analyze_sandbox_note());
        if (r < 0)
                return r;
        print_warnings(inv->warnings);
        *ret_img = TAKE_PTR(img);
        *ret_inv = inv;
        return 0;
}
