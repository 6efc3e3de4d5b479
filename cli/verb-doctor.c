/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis doctor [--config FILE] [--root DIR] [--format json]: the
 * install checked end to end (lib/doctor.h), one row per check with what
 * to do; exit 1 when one failed. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/jsonutil.h"
#include "common.h"
#include "doctor.h"
#include "verbs.h"

static const char *const status_shown[_DOCTOR_STATUS_MAX] = { "ok", "skip", "warn", "FAIL" };
static const char *const status_color[_DOCTOR_STATUS_MAX] = { "\033[32m", "\033[2m", "\033[33m", "\033[1;31m" };

static void print_table(const struct doctor_report *r) {
        bool color = cli_use_color(STDOUT_FILENO);

        printf("%-18s  %-6s  %s\n", "CHECK", "STATUS", "DETAIL");
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct doctor_check *c = &r->checks[i];

                printf("%-18s  %s%-6s%s  %s\n", c->name, color ? status_color[c->status] : "",
                       status_shown[c->status], color ? "\033[0m" : "", c->detail);
                if (c->fix && c->status != DOCTOR_OK)
                        printf("%-18s  %-6s  what to do: %s\n", "", "", c->fix);
        }
        printf("\n%zu checks: %zu ok, %zu warnings, %zu failed, %zu skipped (not on this node)\n", r->n_checks,
               r->counts[DOCTOR_OK], r->counts[DOCTOR_WARN], r->counts[DOCTOR_FAIL], r->counts[DOCTOR_SKIP]);
}

/* The shape docs/doctor.md documents. */
static int print_json(const struct doctor_report *r, const struct doctor_options *o) {
        json_t *root, *checks = json_array(), *summary = json_object();
        char *out;

        for (size_t i = 0; i < _DOCTOR_STATUS_MAX; i++)
                json_object_set_new(summary, doctor_status_to_string((enum doctor_status) i),
                                    json_integer((json_int_t) r->counts[i]));
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct doctor_check *c = &r->checks[i];

                json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o, s:I}", "name", c->name, "status",
                                                        doctor_status_to_string(c->status), "detail", c->detail,
                                                        "fix", c->fix ? json_string(c->fix) : json_null(),
                                                        "duration_ms", (json_int_t) c->duration_ms));
        }
        root = json_pack("{s:i, s:s, s:o, s:b, s:o, s:o}", "version", 1, "root", o->root ? o->root : "/", "config",
                         o->config ? json_string(o->config) : json_null(), "ok", r->counts[DOCTOR_FAIL] == 0,
                         "summary", summary, "checks", checks);
        out = root ? json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (!out) {
                log_error("doctor: out of memory");
                return -1;
        }
        cli_print(out);
        free(out);
        return 0;
}

/* --root is a folder, as install requires: else every check fails on the
 * same path, each with advice about symbolic links. */
static int check_root(const char *root) {
        struct stat st;
        int r = stat(root, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;

        if (r < 0)
                log_error("doctor: --root %s: %s; give the folder where the host's / is mounted (such as /host)",
                          root, strerror(-r));
        return r;
}

int verb_doctor(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "root", required_argument, NULL, 'r' },
                { "format", required_argument, NULL, 'F' },
                {}
        };
        struct doctor_options o = { .hook = PORTCULLIS_HOOK_INSTALLED, .shim = PORTCULLIS_SHIM_INSTALLED,
                                    .runc_wrapper = PORTCULLIS_RUNC_WRAPPER_INSTALLED,
                                    .prefix = PORTCULLIS_PREFIX };
        struct doctor_report r = {};
        struct error err = {};
        bool json = false;
        int c, code;

        while ((c = cli_getopt(argc, argv, "doctor", opts)) >= 0)
                switch (c) {
                case 'c':
                        o.config = optarg;
                        break;
                case 'r':
                        o.root = optarg;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind != argc) {
                log_error("doctor: unexpected argument '%s'; see 'portcullis doctor --help'", argv[optind]);
                return EXIT_ERROR;
        }
        if (o.root && o.root[0] != '/') {
                log_error("doctor: --root %s: give an absolute path (the host's / as seen from here, such as /host)",
                          o.root);
                return EXIT_ERROR;
        }
        if (o.root && check_root(o.root) < 0)
                return EXIT_ERROR;
        if (doctor_run(&o, &r, &err) < 0) {
                log_error("%s", err.msg);
                return EXIT_ERROR;
        }
        if (json ? print_json(&r, &o) < 0 : (print_table(&r), false))
                code = EXIT_ERROR;
        else
                code = r.counts[DOCTOR_FAIL] ? EXIT_POLICY : EXIT_PASS;
        doctor_report_done(&r);
        return code;
}
