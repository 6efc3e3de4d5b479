/* SPDX-License-Identifier: Apache-2.0 */
/* Our hook into a bundle's config.json, for the containerd shim and the
 * runc wrapper; the real program each hands over to; and the Go flag
 * syntax both read their command lines in. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "oci-bundle.h"
#include "oci-hooks.h"
#include "oci.h"

#define CONFIG_NAME "config.json"
#define CONFIG_TMP ".config.json.portcullis-XXXXXX"
/* runc kills a hook after its timeout and fails the start; it stays above
 * the policy's deadline_ms (default 10 s), where the hook decides itself. */
#define HOOK_TIMEOUT_S 30

static int make_hook(const char *hook_default, const char *ns, const char *id, char **args, size_t n_args,
                     struct oci_hook *ret, struct error *err) {
        const char *path = getenv("PORTCULLIS_HOOK_PATH"), *config = getenv("PORTCULLIS_CONFIG");
        size_t i = 0;

        path = path && *path ? path : hook_default;
        if (path[0] != '/')
                return error_set(err, EINVAL, "PORTCULLIS_HOOK_PATH=%s is not an absolute path; runtimes need one",
                                 path);
        if (access(path, X_OK) < 0)
                return error_set_errno(err, errno, "the hook %s can't be run; install portcullis there or set "
                                       "PORTCULLIS_HOOK_PATH in containerd's (or dockerd's) environment", path);
        if (config && *config && config[0] != '/')
                return error_set(err, EINVAL, "PORTCULLIS_CONFIG=%s is not an absolute path; the hook runs in "
                                 "another directory", config);
        args[i++] = (char *) "portcullis-hook";
        if (ns) {
                args[i++] = (char *) "--containerd-namespace";
                args[i++] = (char *) ns;
        }
        if (id) {
                args[i++] = (char *) "--containerd-id";
                args[i++] = (char *) id;
        }
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

/* config.json, capped; O_NOFOLLOW because containerd writes a plain file
 * and a symlink there is someone redirecting us; O_NONBLOCK because a FIFO
 * must not hang the start (read_full_fd refuses it). */
static int read_config(const char *path, char **ret_buf, size_t *ret_len, struct stat *ret_st, struct error *err) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s%s", path,
                                       errno == ELOOP ? " (a symbolic link; refusing to follow it)" : "");
        if (fstat(fd, ret_st) < 0)
                return error_set_errno(err, errno, "stat %s", path);
        return read_full_fd(fd, OCI_CONFIG_MAX, path, ret_buf, ret_len, err);
}

/* data into a temporary file beside config.json, with its mode and owner,
 * flushed, then renamed over it. */
static int write_config(const char *dir, const char *path, const char *data, const struct stat *st,
                        struct error *err) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int k = 0;

        if (asprintf(&tmp, "%s/" CONFIG_TMP, dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "create a temporary file beside %s", path);
        if (fchmod(fd, st->st_mode & 07777) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0 ||
            (k = write_all(fd, data, strlen(data))) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
                k = k < 0 ? k : -errno;
                (void) unlink(tmp);
                return error_set_errno(err, k, "write %s", path);
        }
        (void) fsync_dir(dir);
        return 0;
}

int oci_bundle_add_hook(const char *bundle, const char *hook_default, const char *ns, const char *id,
                        struct error *err) {
        _cleanup_free_ char *buf = NULL, *json = NULL, *dir = NULL, *path = NULL;
        char *args[10];
        struct oci_hook hook;
        struct stat st;
        size_t len = 0;
        bool changed;
        int k;

        /* the folder as messages name it: absolute, as the runtime knows it */
        dir = bundle ? strdup(bundle) : getcwd(NULL, 0);
        if (!dir || asprintf(&path, "%s/" CONFIG_NAME, dir) < 0)
                return error_set_errno(err, dir ? ENOMEM : errno, "the bundle folder");
        if ((k = make_hook(hook_default, ns, id, args, ELEMENTSOF(args), &hook, err)) < 0 ||
            (k = read_config(path, &buf, &len, &st, err)) < 0 ||
            (k = oci_config_add_hook(buf, len, path, &hook, &json, &changed, err)) < 0)
                return k;
        return changed ? write_config(dir, path, json, &st, err) : 0;
}

static bool same_file(const char *path, const struct stat *self) {
        struct stat st;

        return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

int find_delegate(const char *name, const char *what, const char *install, const char *env_name, char **ret,
                  struct error *err) {
        const char *path = getenv("PATH");
        struct stat self = {};

        if (stat("/proc/self/exe", &self) < 0)
                self = (struct stat) {};
        if (strchr(name, '/')) {
                if (access(name, X_OK) < 0)
                        return error_set_errno(err, errno, "%s %s (%s) can't be run", what, name, env_name);
                if (same_file(name, &self))
                        return error_set(err, ELOOP, "%s %s is this program itself; set %s to the real one", what,
                                         name, env_name);
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
        return error_set(err, ENOENT, "%s %s is not in PATH (%s); install %s or set %s in containerd's (or "
                         "dockerd's) environment", what, name, path ? path : PATH_DEFAULT, install, env_name);
}

int go_flag_take(int argc, char **argv, int *i, const struct go_flag *flags, size_t n_flags) {
        const char *arg = argv[*i], *eq;
        size_t len;

        if (arg[0] != '-' || strcmp(arg, "-") == 0)
                return 0;
        if (strcmp(arg, "--") == 0)
                return -EINVAL;         /* not guessed at: the caller says what it ends */
        arg += arg[1] == '-' ? 2 : 1;
        eq = strchr(arg, '=');
        len = eq ? (size_t) (eq - arg) : strlen(arg);
        for (size_t k = 0; k < n_flags; k++) {
                if (strlen(flags[k].name) != len || strncmp(arg, flags[k].name, len) != 0)
                        continue;
                if (!flags[k].value) {  /* a boolean, "=true" or "=false" included */
                        if (flags[k].dest)
                                *flags[k].dest = eq ? eq + 1 : "true";
                        return 1;
                }
                if (eq) {
                        if (flags[k].dest)
                                *flags[k].dest = eq + 1;
                        return 1;
                }
                if (*i + 1 >= argc)
                        return -EINVAL;
                ++*i;
                if (flags[k].dest)
                        *flags[k].dest = argv[*i];
                return 1;
        }
        return -EINVAL;
}
