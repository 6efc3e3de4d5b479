/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis inventory ROOTFS [--format table|json]: what is installed in a
 * root filesystem, as the scanner sees it.  The JSON shape is a contract
 * (docs/DESIGN.md "Shapes that users script against"). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "common.h"
#include "inventory.h"
#include "rootfs.h"
#include "verbs.h"

struct inventory_args {
        const char *rootfs;
        bool json;
};

static int parse_args(int argc, char **argv, struct inventory_args *a) {
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'F' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *a = (struct inventory_args) {};
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'F':
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0) {
                                log_error("--format: '%s' is not one of table, json", optarg);
                                return -1;
                        }
                        a->json = strcmp(optarg, "json") == 0;
                        break;
                case 'h':
                        printf("portcullis inventory ROOTFS [--format table|json]\n");
                        exit(EXIT_PASS);
                default:
                        return -1;
                }
        if (optind != argc - 1) {
                log_error("inventory: expected one ROOTFS argument; see 'portcullis inventory --help'");
                return -1;
        }
        a->rootfs = argv[optind];
        return 0;
}

static json_t *str_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

static json_t *package_json(const struct package *p) {
        return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                         "name", p->name,
                         "version", p->version,
                         "source_name", str_or_null(p->source_name),
                         "source_version", str_or_null(p->source_version),
                         "arch", str_or_null(p->arch),
                         "ecosystem", str_or_null(p->ecosystem),
                         "purl", str_or_null(p->purl),
                         "origin_file", str_or_null(p->origin_file));
}

static char *render_json(const struct inventory *inv) {
        json_t *pkgs = json_array(), *root;
        char *out;

        if (!pkgs)
                return NULL;
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (json_array_append_new(pkgs, package_json(&inv->pkgs[i])) < 0) {
                        json_decref(pkgs);
                        return NULL;
                }
        root = json_pack("{s:{s:o, s:o, s:o}, s:o}",
                         "os", "id", str_or_null(inv->os.id), "version", str_or_null(inv->os.version_id),
                         "ecosystem", str_or_null(inv->os.ecosystem),
                         "packages", pkgs);
        if (!root)
                return NULL;
        out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return out;
}

#define COLUMN_MAX 40

static int width(size_t cur, const char *s) {
        size_t n = strlen(strempty(s));

        return (int) (n > cur ? (n > COLUMN_MAX ? COLUMN_MAX : n) : cur);
}

static char *render_table(const struct inventory *inv) {
        int wn = 4, wv = 7, ws = 6;
        struct strbuf b = {};
        int r;

        for (size_t i = 0; i < inv->n_pkgs; i++) {
                wn = width((size_t) wn, inv->pkgs[i].name);
                wv = width((size_t) wv, inv->pkgs[i].version);
                ws = width((size_t) ws, inv->pkgs[i].source_name);
        }
        r = strbuf_printf(&b, "OS: %s (ecosystem %s)\nPackages: %zu\n\n", inv->os.pretty_name ? inv->os.pretty_name
                          : inv->os.id ? inv->os.id : "unknown", inv->os.ecosystem ? inv->os.ecosystem : "unknown",
                          inv->n_pkgs);
        if (r >= 0 && inv->n_pkgs > 0)
                r = strbuf_printf(&b, "%-*s  %-*s  %-*s  %s\n", wn, "NAME", wv, "VERSION", ws, "SOURCE", "ARCH");
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                r = strbuf_printf(&b, "%-*s  %-*s  %-*s  %s\n", wn, p->name, wv, p->version, ws,
                                  strempty(p->source_name), p->arch ? p->arch : "-");
        }
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

int verb_inventory(int argc, char **argv) {
        _cleanup_(rootfs_freep) struct rootfs *root = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_free_ char *out = NULL;
        struct inventory_args a;
        struct error err = {};

        if (parse_args(argc, argv, &a) < 0)
                return EXIT_ERROR;
        if (rootfs_open(a.rootfs, 0, &root, &err) < 0) {
                log_error("inventory: %s; ROOTFS must be the directory of an unpacked root filesystem", err.msg);
                return EXIT_ERROR;
        }
        if (inventory_collect(root, &inv, &err) < 0) {
                log_error("inventory %s: %s; fix or remove that file in the image, or report it if the image is "
                          "fine", a.rootfs, err.msg);
                return EXIT_ERROR;
        }
        for (char **w = inv->warnings; w && *w; w++)
                log_error("warning: %s", *w);
        out = a.json ? render_json(inv) : render_table(inv);
        if (!out) {
                log_error("inventory %s: out of memory while rendering the output", a.rootfs);
                return EXIT_ERROR;
        }
        cli_print(out);
        return EXIT_PASS;
}
