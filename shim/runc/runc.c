/* SPDX-License-Identifier: Apache-2.0 */
/* runc, as containerd-shim-portcullis-v2 puts it first in the PATH of the
 * real shim (installed as <libexecdir>/portcullis/runc/runc): for `create`,
 * `run` and `restore` (a checkpoint's container from a bundle: containerd's
 * runc shim for a create with a checkpoint, `docker start --checkpoint`) it
 * adds portcullis-hook to the bundle's config.json, as the shim does at its
 * own start, then becomes the real runc with the same arguments; every
 * other command goes to the real runc untouched.
 *
 * Why: containerd 2.x creates a container that joins a pod's sandbox
 * through the shim process already running for the pod, without running
 * the shim binary's `start` (core/runtime/v2 ShimManager.Start, "This
 * container belongs to sandbox"), and its CRI plugin puts every container
 * of a pod in its sandbox.  The shim's own edit sees only the sandbox's
 * pause container; this sees every container runc creates.  It also works
 * alone, as a runtime's runc binary (containerd's runc options
 * BinaryName, `ctr run --runc-binary`).
 *
 * runc's command line (runc 1.1 and 1.2, urfave/cli on Go's flag
 * package, go_flag_take()): global flags, the command, then its flags and
 * the container id in any order (urfave/cli moves the flags first).  A
 * create, run or restore we can't read fails: it must not start unchecked.
 * The failure goes to stderr and, when the caller asked for a JSON log (as
 * containerd's shim does, which reports the last error there), to that log
 * as runc writes its own.  Docker runs it the same way, as a runtime of
 * daemon.json ("runtimes"). */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "oci-bundle.h"

#define NAME "portcullis runc wrapper"
/* Set for the program this wrapper becomes, its path: a copy of the
 * wrapper found as the real runc (not this file, so not skipped) would run
 * us back, and so on forever.  Hooks inherit it from runc; a runc one of
 * them runs is not that program, and goes on. */
#define WRAPPED_ENV "PORTCULLIS_RUNC_WRAPPED"

static bool run_as_real_runc(void) {
        const char *wrapped = getenv(WRAPPED_ENV);
        struct stat a, b;

        return wrapped && *wrapped && stat(wrapped, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

struct runc_args {
        const char *root, *log, *log_format;
        const char *command;            /* NULL: none (runc --version, --help) */
        const char *bundle, *id;
};

/* A boolean flag's value as Go's strconv.ParseBool reads true: runc shows
 * a command's help for "--help=1" and creates the container for
 * "--help=0" or "--help=F" alike. */
static bool go_true(const char *s) {
        const char *yes[] = { "1", "t", "T", "TRUE", "true", "True" };

        for (size_t k = 0; s && k < ELEMENTSOF(yes); k++)
                if (streq_ptr(s, yes[k]))
                        return true;
        return false;
}

static bool creates(const char *command) {
        return streq_ptr(command, "create") || streq_ptr(command, "run") || streq_ptr(command, "restore");
}

/* What a create, run or restore will do; false when the line holds a flag
 * we don't know (then it must not go on). */
static bool parse_args(int argc, char **argv, struct runc_args *a) {
        const char *help = NULL;
        const struct go_flag global[] = {
                { "debug", false, NULL }, { "systemd-cgroup", false, NULL }, { "help", false, NULL },
                { "h", false, NULL }, { "version", false, NULL }, { "v", false, NULL },
                { "log", true, &a->log }, { "log-format", true, &a->log_format }, { "root", true, &a->root },
                { "criu", true, NULL }, { "rootless", true, NULL },
        };
        const struct go_flag create[] = {
                { "bundle", true, &a->bundle }, { "b", true, &a->bundle }, { "console-socket", true, NULL },
                { "pidfd-socket", true, NULL },         /* runc 1.2; go-runc passes it when asked */
                { "pid-file", true, NULL }, { "preserve-fds", true, NULL }, { "no-pivot", false, NULL },
                { "no-new-keyring", false, NULL },
                /* run's own */
                { "detach", false, NULL }, { "d", false, NULL }, { "keep", false, NULL },
                { "no-subreaper", false, NULL },
                { "help", false, &help }, { "h", false, &help },
                /* restore's own (it creates the container from the bundle too) */
                { "image-path", true, NULL }, { "work-path", true, NULL }, { "tcp-established", false, NULL },
                { "ext-unix-sk", false, NULL }, { "shell-job", false, NULL }, { "file-locks", false, NULL },
                { "manage-cgroups-mode", true, NULL }, { "empty-ns", true, NULL }, { "auto-dedup", false, NULL },
                { "lazy-pages", false, NULL }, { "lsm-profile", true, NULL }, { "lsm-mount-context", true, NULL },
        };
        int i = 1, r;

        for (; i < argc; i++)
                if ((r = go_flag_take(argc, argv, &i, global, ELEMENTSOF(global))) <= 0)
                        break;
        if (i >= argc)
                return true;
        if (r < 0)
                return false;
        a->command = argv[i++];
        if (!creates(a->command))
                return true;
        /* urfave/cli moves a command's flags before its arguments: runc
         * takes `create ID --bundle B` as `create --bundle B ID` */
        for (; i < argc; i++) {
                if ((r = go_flag_take(argc, argv, &i, create, ELEMENTSOF(create))) < 0 || (r == 0 && a->id))
                        return false;   /* an unknown flag, or a second argument */
                if (r == 0)
                        a->id = argv[i];
        }
        if (go_true(help)) {
                a->command = NULL;      /* runc shows the command's help */
                return true;
        }
        return a->id != NULL;
}

static bool mentions_create(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                if (creates(argv[i]))
                        return true;
        return false;
}

/* The containerd namespace, for the hook's audit line: the shim's word,
 * else the last folder of --root (containerd's runc shim runs runc with
 * --root <runc root>/<namespace>). */
static const char *namespace_of(const struct runc_args *a) {
        const char *ns = getenv("PORTCULLIS_CONTAINERD_NAMESPACE"), *slash;

        if (ns && *ns)
                return ns;
        slash = a->root ? strrchr(a->root, '/') : NULL;
        return slash && slash[1] ? slash + 1 : NULL;
}

/* The failure where the caller looks: stderr, and runc's JSON log when
 * asked for one (one line, as runc's logrus writes: level, msg, time). */
_printf_(2, 3) static void say(const struct runc_args *a, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL, *json = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        fprintf(stderr, NAME ": %s\n", msg);
        if (a->log && streq_ptr(a->log_format, "json")) {
                _cleanup_close_ int fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                _cleanup_free_ char *line = NULL, *text = NULL;
                json_auto_t *j = NULL;
                char when[32];
                time_t now = time(NULL);
                struct tm tm;

                if (fd < 0 || !gmtime_r(&now, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) ||
                    asprintf(&text, NAME ": %s", msg) < 0)
                        return;
                j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", text, "time", when);
                line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                if (line && write_all(fd, line, strlen(line)) == 0)
                        (void) write_all(fd, "\n", 1);
        }
}

int main(int argc, char **argv) {
        const char *name = getenv("PORTCULLIS_RUNC_DELEGATE");
        _cleanup_free_ char *delegate = NULL;
        struct runc_args a = {};
        struct error err = {};
        bool known = parse_args(argc, argv, &a);

        name = name && *name ? name : "runc";
        if (run_as_real_runc()) {
                say(&a, "%s, which a runc wrapper ran as the real runc, is a runc wrapper too (they would run each "
                    "other forever): remove that copy from PATH, or set PORTCULLIS_RUNC_DELEGATE to the real runc",
                    getenv(WRAPPED_ENV));
                return 1;
        }
        if (find_delegate(name, "the real runc", "runc", "PORTCULLIS_RUNC_DELEGATE", &delegate, &err) < 0) {
                say(&a, "%s", err.msg);
                return 1;
        }
        if (!known && mentions_create(argc, argv)) {
                say(&a, "not creating the container: unknown command line for create, run or restore; this wrapper "
                    "knows runc 1.1's and 1.2's flags");
                return 1;
        }
        if (creates(a.command) &&
            oci_bundle_add_hook(a.bundle && *a.bundle ? a.bundle : NULL, PORTCULLIS_HOOK_DEFAULT, namespace_of(&a),
                                a.id, &err) < 0) {
                say(&a, "not creating the container: %s", err.msg);
                return 1;
        }
        if (setenv(WRAPPED_ENV, delegate, 1) < 0) {
                say(&a, "set %s: %s", WRAPPED_ENV, strerror(errno));
                return 1;
        }
        argv[0] = strrchr(delegate, '/') + 1;
        execv(delegate, argv);
        say(&a, "exec %s: %s", delegate, strerror(errno));
        return 1;
}
