/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis install RUNTIME [--root DIR] [--dry-run] [--default-runtime] [--binaries]
 * portcullis uninstall RUNTIME [--root DIR] [--dry-run]
 *   The plan is lib/install.c's; this prints it (a diff with --dry-run),
 *   applies it, and says what to restart. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "install.h"
#include "verbs.h"

enum {
        OPT_ROOT = 256,
        OPT_DRY_RUN,
        OPT_DEFAULT_RUNTIME,
        OPT_BINARIES,
};

static const struct option install_options[] = {
        { "root", required_argument, NULL, OPT_ROOT },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "default-runtime", no_argument, NULL, OPT_DEFAULT_RUNTIME },
        { "binaries", no_argument, NULL, OPT_BINARIES },
        {},
};

/* uninstall takes only the first two. */
static const struct option uninstall_options[] = {
        { "root", required_argument, NULL, OPT_ROOT },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        {},
};

static const char *verb_of(const struct install_change *c, bool uninstall) {
        if (!c->new)
                return "removed";
        if (!c->old)
                return "created";
        return uninstall ? "restored" : "changed";
}

static void print_notes(const struct install_plan *p, bool to_stderr) {
        for (char **n = p->notes; n && *n; n++) {
                if (to_stderr)
                        log_note("%s", *n);
                else if (!cli_quiet)
                        printf("%s\n", *n);
        }
}

static int run(const char *cmd, enum install_runtime rt, const struct install_options *o, bool uninstall,
               bool dry_run) {
        _cleanup_(install_plan_freep) struct install_plan *p = NULL;
        _cleanup_free_ char *diff = NULL;
        struct error err = {};
        const char *name = install_runtime_to_string(rt);

        if ((uninstall ? uninstall_plan_new : install_plan_new)(rt, o, &p, &err) < 0) {
                log_error("%s %s: %s", cmd, name, err.msg);
                return EXIT_ERROR;
        }
        if (p->fragment)
                printf("%s\n", p->fragment);
        if (dry_run) {
                if (install_plan_diff(p, &diff, &err) < 0) {
                        log_error("%s %s: %s", cmd, name, err.msg);
                        return EXIT_ERROR;
                }
                fputs(diff, stdout);
                if (p->n_changes == 0 && !p->fragment)
                        log_note("%s %s --dry-run: nothing would change", cmd, name);
                print_notes(p, true);
                return EXIT_PASS;
        }
        if (install_plan_apply(p, o, &err) < 0) {
                log_error("%s %s: %s", cmd, name, err.msg);
                return EXIT_ERROR;
        }
        if (p->fragment) {
                print_notes(p, true);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < p->n_changes; i++)
                printf("%s %s%s\n", verb_of(&p->changes[i], uninstall),
                       o->root && strcmp(o->root, "/") != 0 ? o->root : "", p->changes[i].path);
        if (p->n_changes == 0)
                printf("nothing to change: %s\n",
                       uninstall ? "nothing of portcullis is left to remove" : "portcullis is already installed");
        if (p->n_changes > 0 || uninstall)
                print_notes(p, false);
        return EXIT_PASS;
}

static int verb(int argc, char **argv, bool uninstall) {
        const char *cmd = uninstall ? "uninstall" : "install";
        struct install_options o = { .root = "/", .self = "/proc/self/exe" };
        enum install_runtime rt;
        bool dry_run = false;
        int c;

        while ((c = cli_getopt(argc, argv, cmd, uninstall ? uninstall_options : install_options)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        o.root = optarg;
                        break;
                case OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case OPT_DEFAULT_RUNTIME:
                        o.default_runtime = true;
                        break;
                case OPT_BINARIES:
                        o.binaries = true;
                        break;
                default:
                        return EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                log_error("%s: give one runtime: containerd, crio, podman, docker or runc; see 'portcullis %s --help'", cmd,
                          cmd);
                return EXIT_ERROR;
        }
        rt = install_runtime_from_string(argv[optind]);
        if (rt < 0) {
                log_error("%s: unknown runtime '%s': containerd, crio, podman, docker or runc", cmd, argv[optind]);
                return EXIT_ERROR;
        }
        if (o.default_runtime && rt != INSTALL_CONTAINERD && rt != INSTALL_DOCKER) {
                log_error("%s: --default-runtime is for containerd (CRI's default_runtime_name) and docker "
                          "(daemon.json's default-runtime)", cmd);
                return EXIT_ERROR;
        }
        /* runc's install writes nothing: --dry-run showed the copies, the
         * run made none, and the printed hook named a binary not there */
        if (o.binaries && rt == INSTALL_RUNC) {
                log_error("%s: runc's install writes no file, so it takes no --binaries; copy the binaries with "
                          "'ninja install', or with --binaries of containerd, crio, podman or docker", cmd);
                return EXIT_ERROR;
        }
        if (o.root[0] != '/') {
                log_error("%s: --root %s: give an absolute path (the host's / as mounted here)", cmd, o.root);
                return EXIT_ERROR;
        }
        return run(cmd, rt, &o, uninstall, dry_run);
}

int verb_install(int argc, char **argv) {
        return verb(argc, argv, false);
}

int verb_uninstall(int argc, char **argv) {
        return verb(argc, argv, true);
}
