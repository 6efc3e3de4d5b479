/* SPDX-License-Identifier: Apache-2.0 */
/* containerd-shim-portcullis-v2: the shim containerd runs for the runtime
 * io.containerd.portcullis.v2.  containerd has no hooks directory, so at
 * `start` this adds portcullis-hook to the bundle's config.json as a
 * createRuntime hook and then becomes the real shim (containerd-shim-runc-v2)
 * with the same arguments; every other invocation (delete, -v, the shim
 * daemon itself) goes to the real shim untouched.
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
#include "oci-hooks.h"
#include "oci.h"

#define SHIM_NAME "containerd-shim-portcullis-v2"
#define DELEGATE_DEFAULT "containerd-shim-runc-v2"
#define PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CONFIG_NAME "config.json"
#define CONFIG_TMP ".config.json.portcullis-XXXXXX"
/* runc kills a hook after its timeout and fails the start; it stays above
 * the policy's deadline_ms (default 10 s), where the hook decides itself. */
#define HOOK_TIMEOUT_S 30

/* What we need from the command line.  containerd's shims parse it with Go's
 * flag package: "-name value", "-name=value", "--name" alike, booleans take
 * no separate value, and flags end at the first non-flag argument, which is
 * the action. */
struct shim_args {
        const char *namespace;
        const char *id;
        const char *action;             /* "start", "delete", or NULL (the shim daemon) */
};

static bool flag_is(const char *arg, const char *name, const char **ret_value) {
        size_t n = strlen(name);

        if (strncmp(arg, name, n) != 0)
                return false;
        if (arg[n] == '=') {
                *ret_value = arg + n + 1;
                return true;
        }
        if (arg[n])
                return false;
        *ret_value = NULL;
        return true;
}

/* The flags containerd-shim-runc-v2 knows (containerd 1.6, 1.7).  Returns
 * false for anything else: then we don't edit, the real shim decides. */
static bool parse_args(int argc, char **argv, struct shim_args *a) {
        static const char *const with_value[] = { "namespace", "id", "address", "publish-binary", "bundle", "socket" };
        static const char *const booleans[] = { "debug", "v", "info" };

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i], *value = NULL;
                bool known = false;

                if (arg[0] != '-' || strcmp(arg, "-") == 0) {
                        a->action = arg;
                        return true;
                }
                if (strcmp(arg, "--") == 0) {
                        a->action = i + 1 < argc ? argv[i + 1] : NULL;
                        return true;
                }
                arg += arg[1] == '-' ? 2 : 1;
                for (size_t k = 0; k < ELEMENTSOF(booleans) && !known; k++)
                        known = flag_is(arg, booleans[k], &value);
                for (size_t k = 0; k < ELEMENTSOF(with_value) && !known; k++)
                        if (flag_is(arg, with_value[k], &value)) {
                                known = true;
                                if (!value && i + 1 < argc)
                                        value = argv[++i];
                                if (!value)
                                        return false;
                                if (strcmp(with_value[k], "namespace") == 0)
                                        a->namespace = value;
                                else if (strcmp(with_value[k], "id") == 0)
                                        a->id = value;
                        }
                if (!known)
                        return false;
        }
        return true;
}

static bool mentions_start(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "start") == 0)
                        return true;
        return false;
}

static bool same_file(const char *path, const struct stat *self) {
        struct stat st;

        return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

/* name in PATH (or name itself when it holds a '/'), never this binary: a
 * delegate that resolves to ourselves would exec us forever. */
static int find_delegate(const char *name, char **ret, struct error *err) {
        const char *path = getenv("PATH");
        struct stat self = {};

        if (stat("/proc/self/exe", &self) < 0)
                self = (struct stat) {};
        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return error_set_errno(err, errno, "the delegate shim %s (PORTCULLIS_SHIM_DELEGATE) can't be run",
                                               name);
                if (same_file(name, &self))
                        return error_set(err, ELOOP, "the delegate shim %s is this shim itself; set "
                                         "PORTCULLIS_SHIM_DELEGATE to the real one", name);
                return (*ret = strdup(name)) ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        for (const char *p = path && *path ? path : PATH_DEFAULT; p; p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL) {
                size_t n = strcspn(p, ":");
                char cand[PATH_MAX];
                struct stat st;

                if (n == 0 || snprintf(cand, sizeof(cand), "%.*s/%s", (int) n, p, name) >= (int) sizeof(cand))
                        continue;
                if (stat(cand, &st) < 0 || !S_ISREG(st.st_mode) || access(cand, X_OK) < 0 || same_file(cand, &self))
                        continue;
                return (*ret = strdup(cand)) ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        return error_set(err, ENOENT, "the delegate shim %s is not in PATH (%s); install containerd's runc shim "
                         "(Debian: containerd) or set PORTCULLIS_SHIM_DELEGATE in containerd's environment",
                         name, path ? path : PATH_DEFAULT);
}

/* The hook entry: the binary, the container's containerd namespace and id
 * (for the audit line), and the config file when one is set. */
static int make_hook(const struct shim_args *a, char **args, size_t n_args, struct oci_hook *ret, struct error *err) {
        const char *path = getenv("PORTCULLIS_HOOK_PATH"), *config = getenv("PORTCULLIS_CONFIG");
        size_t i = 0;

        path = path && *path ? path : PORTCULLIS_HOOK_DEFAULT;
        if (path[0] != '/')
                return error_set(err, EINVAL, "PORTCULLIS_HOOK_PATH=%s is not an absolute path; runtimes need one", path);
        if (access(path, X_OK) < 0)
                return error_set_errno(err, errno, "the hook %s can't be run; install portcullis there or set "
                                       "PORTCULLIS_HOOK_PATH in containerd's environment", path);
        if (config && *config && config[0] != '/')
                return error_set(err, EINVAL, "PORTCULLIS_CONFIG=%s is not an absolute path; the hook runs in "
                                 "another directory", config);
        if (!a->namespace || !a->id)
                return error_set(err, EINVAL, "start without -namespace and -id; this shim is run by containerd");
        args[i++] = (char *) "portcullis-hook";
        args[i++] = (char *) "--containerd-namespace";
        args[i++] = (char *) a->namespace;
        args[i++] = (char *) "--containerd-id";
        args[i++] = (char *) a->id;
        if (config && *config) {
                args[i++] = (char *) "--config";
                args[i++] = (char *) config;
        }
        args[i] = NULL;
        if (i >= n_args)
                abort();
        *ret = (struct oci_hook) { .path = path, .args = args, .timeout = HOOK_TIMEOUT_S };
        return 0;
}

/* ./config.json, capped; O_NOFOLLOW because containerd writes a plain file
 * and a symlink there is someone redirecting us; O_NONBLOCK because a FIFO
 * must not hang the start (read_full_fd refuses it). */
static int read_config(const char *what, char **ret_buf, size_t *ret_len, struct stat *ret_st, struct error *err) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(CONFIG_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s%s", what,
                                       errno == ELOOP ? " (a symbolic link; refusing to follow it)" : "");
        if (fstat(fd, ret_st) < 0)
                return error_set_errno(err, errno, "stat %s", what);
        return read_full_fd(fd, OCI_CONFIG_MAX, what, ret_buf, ret_len, err);
}

/* data into a temporary file beside config.json, with its mode and owner,
 * flushed, then renamed over it: the runtime reads either the old file or
 * the new one, never half of one. */
static int write_config(const char *what, const char *data, const struct stat *st, struct error *err) {
        char tmp[] = CONFIG_TMP;
        _cleanup_close_ int fd = -EBADF, dir = -EBADF;
        int k = 0;

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "create a temporary file beside %s", what);
        if (fchmod(fd, st->st_mode & 07777) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0 ||
            (k = write_all(fd, data, strlen(data))) < 0 || fsync(fd) < 0 || rename(tmp, CONFIG_NAME) < 0) {
                k = k < 0 ? k : -errno;
                (void) unlink(tmp);
                return error_set_errno(err, k, "write %s", what);
        }
        dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0)
                (void) fsync(dir);
        return 0;
}

static int add_hook(const struct shim_args *a, struct error *err) {
        _cleanup_free_ char *buf = NULL, *json = NULL;
        char what[PATH_MAX + 32], *args[8];
        struct oci_hook hook;
        struct stat st;
        size_t len = 0;
        bool changed;
        int k;

        if (!getcwd(what, PATH_MAX))
                strcpy(what, ".");
        strcat(what, "/" CONFIG_NAME);
        if ((k = make_hook(a, args, ELEMENTSOF(args), &hook, err)) < 0 ||
            (k = read_config(what, &buf, &len, &st, err)) < 0 ||
            (k = oci_config_add_hook(buf, len, what, &hook, &json, &changed, err)) < 0)
                return k;
        return changed ? write_config(what, json, &st, err) : 0;
}

int main(int argc, char **argv) {
        const char *name = getenv("PORTCULLIS_SHIM_DELEGATE");
        _cleanup_free_ char *delegate = NULL;
        struct shim_args a = {};
        struct error err = {};

        name = name && *name ? name : DELEGATE_DEFAULT;
        if (find_delegate(name, &delegate, &err) < 0) {
                fprintf(stderr, SHIM_NAME ": %s\n", err.msg);
                return 1;
        }
        if (!parse_args(argc, argv, &a) && mentions_start(argc, argv)) {
                /* A start we can't read must not start unchecked. */
                fprintf(stderr, SHIM_NAME ": not starting the container: unknown command line for start; "
                        "this shim knows containerd-shim-runc-v2's flags (containerd 1.6, 1.7)\n");
                return 1;
        }
        if (streq_ptr(a.action, "start") && add_hook(&a, &err) < 0) {
                fprintf(stderr, SHIM_NAME ": not starting the container: %s\n", err.msg);
                return 1;
        }
        argv[0] = strrchr(delegate, '/') + 1;
        execv(delegate, argv);
        fprintf(stderr, SHIM_NAME ": exec %s: %s\n", delegate, strerror(errno));
        return 1;
}
