/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis inventory ROOTFS [--format F] [--output FILE]: what is installed in a
 * root filesystem, as the scanner sees it.  The JSON shape is a contract
 * (docs/DESIGN.md "Shapes that users script against"). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "image.h"
#include "inventory.h"
#include "report.h"
#include "verbs.h"

struct inventory_args {
        const char *rootfs;
        const struct report_format *format;
        const char *output;
        unsigned pkg_types;     /* --pkg-types: INVENTORY_PKG_* */
};

static int parse_args(int argc, char **argv, struct inventory_args *a) {
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'F' },
                { "output", required_argument, NULL, 'o' },
                { "pkg-types", required_argument, NULL, 'T' },
                {}
        };
        int c;

        *a = (struct inventory_args) { .format = report_format_find("table"), .pkg_types = INVENTORY_PKG_ALL };
        while ((c = cli_getopt(argc, argv, "inventory", opts)) >= 0)
                switch (c) {
                case 'F':
                        if (!(a->format = cli_parse_report_format(optarg, false)))
                                return -1;
                        break;
                case 'o':
                        a->output = optarg;
                        break;
                case 'T':
                        if (cli_parse_pkg_types("inventory", optarg, &a->pkg_types) < 0)
                                return -1;
                        break;
                default:
                        return -1;
                }
        if (optind != argc - 1) {
                log_error("inventory: expected one TARGET (a root filesystem or an image file); see 'portcullis inventory --help'");
                return -1;
        }
        a->rootfs = argv[optind];
        return 0;
}

int verb_inventory(int argc, char **argv) {
        _cleanup_(image_freep) struct image *img = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_free_ char *out = NULL;
        struct inventory_args a;
        struct error err = {};
        struct report_target t;

        if (parse_args(argc, argv, &a) < 0)
                return EXIT_ERROR;
        /* as scan says it: the message names the target or the file in it */
        if (cli_collect(a.rootfs, a.pkg_types, &img, &inv, &err) < 0) {
                log_error("inventory %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        t = (struct report_target) {
                .name = img && image_name(img) ? image_name(img) : a.rootfs,
                .digest = img ? image_digest(img) : NULL,
                .inv = inv,
        };
        if (report_render(a.format, &t, &out, &err) < 0) {
                log_error("inventory %s: %s", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        return cli_output(a.output, out) < 0 ? EXIT_ERROR : EXIT_PASS;
}
