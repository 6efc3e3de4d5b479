/* SPDX-License-Identifier: Apache-2.0 */
/* containerd-shim-portcullis-v2: the shim containerd runs for the runtime
 * io.containerd.portcullis.v2.  containerd has no hooks directory, so at
 * `start` this adds portcullis-hook to the bundle's config.json as a
 * createRuntime hook, puts the runc wrapper (shim/runc/) first in PATH, and
 * then becomes the real shim (containerd-shim-runc-v2) with the same
 * arguments: the shim process it starts runs every container's runc create
 * through the wrapper, also those containerd 2.x creates through it without
 * running our start.  Every other invocation (delete, -v, the shim daemon
 * itself) goes to the real shim untouched.
 *
 * containerd's runtime v2 README ("Commands"): the shim runs with the bundle
 * as its working directory and is called as
 *   containerd-shim-NAME-v2 -namespace NS -address ADDR -publish-binary BIN -id ID [-debug] start
 * and `start` prints the socket address on stdout.  We print nothing there:
 * the real shim does.  What we print on stderr, containerd puts in the error
 * it returns ("failed to start shim: ..."), so every failure says there which
 * file is at fault and what to do. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "oci-bundle.h"

#define SHIM_NAME "containerd-shim-portcullis-v2"
#define DELEGATE_DEFAULT "containerd-shim-runc-v2"

/* What we need from the command line.  containerd's shims parse it with Go's
 * flag package: "-name value", "-name=value", "--name" alike, booleans take
 * no separate value, and flags end at the first non-flag argument, which is
 * the action. */
struct shim_args {
        const char *namespace;
        const char *id;
        const char *action;             /* "start", "delete", or NULL (the shim daemon) */
};

/* The flags containerd-shim-runc-v2 knows (containerd 1.6, 1.7).  Returns
 * false for anything else: then we don't edit, the real shim decides. */
static bool parse_args(int argc, char **argv, struct shim_args *a) {
        const struct go_flag flags[] = {
                { "namespace", true, &a->namespace }, { "id", true, &a->id }, { "address", true, NULL },
                { "publish-binary", true, NULL }, { "bundle", true, NULL }, { "socket", true, NULL },
                { "debug", false, NULL }, { "v", false, NULL }, { "info", false, NULL },
        };

        for (int i = 1; i < argc; i++) {
                int r;

                if (strcmp(argv[i], "--") == 0) {
                        a->action = i + 1 < argc ? argv[i + 1] : NULL;
                        return true;
                }
                if ((r = go_flag_take(argc, argv, &i, flags, ELEMENTSOF(flags))) < 0)
                        return false;
                if (r == 0) {
                        a->action = argv[i];
                        return true;
                }
        }
        return true;
}

static bool mentions_start(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "start") == 0)
                        return true;
        return false;
}

/* Where the runc wrapper is: a folder holding `runc`, put first in the PATH
 * of the real shim, so that every runc it runs is ours first. */
static const char *wrapper_dir(void) {
        const char *d = getenv("PORTCULLIS_RUNC_WRAPPER_DIR");

        return d && *d ? d : PORTCULLIS_RUNC_WRAPPER_DIR_DEFAULT;
}

/* The real shim runs `runc create` for every container it holds; containerd
 * runs our `start` only for the first container of a shim process on 2.x
 * (one joining a pod's sandbox is created through the running shim).  With
 * the wrapper first in the PATH the real shim inherits, each of those runc
 * create calls adds the hook, whoever asked for the container.  The
 * wrapper must be there: without it, containers joining this shim would
 * start unchecked.  The shim process the real shim's start leaves running
 * has this environment; its delete, run apart, needs none of it. */
static int put_wrapper_first(const char *ns, struct error *err) {
        const char *dir = wrapper_dir(), *path = getenv("PATH");
        _cleanup_free_ char *runc = NULL, *new_path = NULL;
        size_t n = strlen(dir);

        if (dir[0] != '/')
                return error_set(err, EINVAL, "PORTCULLIS_RUNC_WRAPPER_DIR=%s is not an absolute path", dir);
        if (strchr(dir, ':'))   /* PATH would split it: the real runc would be found, not the wrapper */
                return error_set(err, EINVAL, "PORTCULLIS_RUNC_WRAPPER_DIR=%s holds a ':', which PATH can't hold; "
                                 "install the wrapper in a folder without one", dir);
        if (asprintf(&runc, "%s/runc", dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (access(runc, X_OK) < 0)
                return error_set_errno(err, errno, "the runc wrapper %s can't be run (containers joining this shim "
                                       "would start unchecked); reinstall portcullis or set "
                                       "PORTCULLIS_RUNC_WRAPPER_DIR in containerd's environment", runc);
        path = path && *path ? path : PATH_DEFAULT;
        if (!(strncmp(path, dir, n) == 0 && (path[n] == ':' || path[n] == '\0'))) {
                if (asprintf(&new_path, "%s:%s", dir, path) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (setenv("PATH", new_path, 1) < 0)
                        return error_set_errno(err, errno, "set PATH");
        }
        if (ns && setenv("PORTCULLIS_CONTAINERD_NAMESPACE", ns, 1) < 0)
                return error_set_errno(err, errno, "set PORTCULLIS_CONTAINERD_NAMESPACE");
        return 0;
}

static int add_hook(const struct shim_args *a, struct error *err) {
        if (!a->namespace || !a->id)
                return error_set(err, EINVAL, "start without -namespace and -id; this shim is run by containerd");
        return oci_bundle_add_hook(NULL, PORTCULLIS_HOOK_DEFAULT, a->namespace, a->id, err);
}

int main(int argc, char **argv) {
        const char *name = getenv("PORTCULLIS_SHIM_DELEGATE");
        _cleanup_free_ char *delegate = NULL;
        struct shim_args a = {};
        struct error err = {};

        name = name && *name ? name : DELEGATE_DEFAULT;
        if (find_delegate(name, "the delegate shim", "containerd's runc shim (Debian: containerd)",
                          "PORTCULLIS_SHIM_DELEGATE", &delegate, &err) < 0) {
                fprintf(stderr, SHIM_NAME ": %s\n", err.msg);
                return 1;
        }
        if (!parse_args(argc, argv, &a) && mentions_start(argc, argv)) {
                /* A start we can't read must not start unchecked. */
                fprintf(stderr, SHIM_NAME ": not starting the container: unknown command line for start; "
                        "this shim knows containerd-shim-runc-v2's flags (containerd 1.6, 1.7)\n");
                return 1;
        }
        if (streq_ptr(a.action, "start") && (put_wrapper_first(a.namespace, &err) < 0 || add_hook(&a, &err) < 0)) {
                fprintf(stderr, SHIM_NAME ": not starting the container: %s\n", err.msg);
                return 1;
        }
        argv[0] = strrchr(delegate, '/') + 1;
        execv(delegate, argv);
        fprintf(stderr, SHIM_NAME ": exec %s: %s\n", delegate, strerror(errno));
        return 1;
}
