/* SPDX-License-Identifier: Apache-2.0 */
/* The installer: a table of runtimes, each a function that plans its own
 * files, plus the files every runtime shares (config, policy, systemd
 * units, tmpfiles).  What was there before is kept under
 * INSTALL_STATE_DIR: <record>.json lists each file install wrote, whether
 * it existed, its mode, the folders it made for it and the sha256 of what
 * it wrote, and saved/<record>-<hash of the path> holds its old bytes.  A
 * runtime's own files are in its record (which also says it is installed);
 * files runtimes share are in a group's record (groups[]), put back when
 * the last of its members is uninstalled. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <fnmatch.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "config.h"
#include "doctor.h"
#include "install-files.h"
#include "install.h"
#include "portcullis-build.h"
#include "rootfs.h"
#include "toml-imports.h"

/* Config files are small; the binaries are not. */
#define INSTALL_FILE_MAX ((size_t) 1024 * 1024)
#define INSTALL_BINARY_MAX ((size_t) 256 * 1024 * 1024)
#define INSTALL_GLOB_MAX 64

#define DROPIN_MARKER "# Written by `portcullis install containerd`"

/* Where systemd units and tmpfiles snippets are found before /etc: a
 * package's (or `meson install`'s) copy there wins, and install writes none. */
static const char *const unit_dirs[] = { "/usr/lib/systemd/system", "/lib/systemd/system",
                                         "/usr/local/lib/systemd/system" };
static const char *const tmpfiles_dirs[] = { "/usr/lib/tmpfiles.d", "/lib/tmpfiles.d", "/usr/local/lib/tmpfiles.d" };
static const char *const units[] = { "portcullis-update.service", "portcullis-update.timer", "portcullis-gc.service",
                                     "portcullis-gc.timer", "portcullis-metrics.service", "portcullis-metrics.timer",
                                     "portcullis-fill.service", "portcullis-fill.timer" };

struct planner {
        const struct install_options *o;
        struct install_plan *plan;
        struct error *err;
        const char *hook_path, *bindir;
        char **kept;            /* uninstall: files left as they are (changed since install) */
};

static int plan_containerd(struct planner *p);
static int plan_hooks_d(struct planner *p);
static int plan_runc(struct planner *p);
static int plan_docker(struct planner *p);

static const struct runtime_info {
        const char *name;
        int (*plan)(struct planner *p);
        const char *restart;    /* the note after an install or uninstall */
} runtimes[_INSTALL_RUNTIME_MAX] = {
        [INSTALL_CONTAINERD] = { "containerd", plan_containerd,
                                 "restart containerd to load it: systemctl restart containerd" },
        [INSTALL_CRIO] = { "crio", plan_hooks_d,
                           "restart CRI-O to load it: systemctl restart crio" },
        [INSTALL_PODMAN] = { "podman", plan_hooks_d,
                             "nothing to restart: Podman reads hooks.d at every container start" },
        [INSTALL_RUNC] = { "runc", plan_runc, NULL },
        [INSTALL_DOCKER] = { "docker", plan_docker, "restart Docker to load it: systemctl restart docker" },
};

/* Files runtimes share: CRI-O and Podman read the same hooks.d file;
 * containerd, CRI-O, Podman and Docker the same config, policy and units
 * (runc's install writes nothing). */
#define MEMBER(rt) (1u << (rt))
static const struct group {
        const char *name;
        unsigned members;
} groups[] = {
        { "oci-hooks", MEMBER(INSTALL_CRIO) | MEMBER(INSTALL_PODMAN) },
        { "common",
          MEMBER(INSTALL_CONTAINERD) | MEMBER(INSTALL_CRIO) | MEMBER(INSTALL_PODMAN) | MEMBER(INSTALL_DOCKER) },
};
#define COMMON_GROUP 1

enum install_runtime install_runtime_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(runtimes); i++)
                if (streq_ptr(s, runtimes[i].name))
                        return (enum install_runtime) i;
        return _INSTALL_RUNTIME_INVALID;
}

const char *install_runtime_to_string(enum install_runtime rt) {
        return rt >= 0 && rt < _INSTALL_RUNTIME_MAX ? runtimes[rt].name : NULL;
}

static void change_done(struct install_change *c) {
        free(c->path);
        free(c->old);
        free(c->new);
}

void install_plan_free(struct install_plan *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n_changes; i++)
                change_done(&p->changes[i]);
        free(p->changes);
        strv_free(p->notes);
        free(p->fragment);
        free(p);
}

static const char *root_of(const struct install_options *o) {
        return o->root && strcmp(o->root, "/") != 0 ? o->root : "";
}

/* ---- host paths under --root ---------------------------------------------- */

/* The path an O_PATH fd stands for, as seen from here. */
static int fd_path(int fd, char **ret) {
        char link[64], buf[PATH_MAX];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, buf, sizeof(buf));
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(buf))
                return -ENAMETOOLONG;
        *ret = strndup_or_null(buf, (size_t) n);
        return *ret ? 0 : -ENOMEM;
}

/* Where the last component of path[0..end) starts ('/' at 0 for the root). */
static size_t last_slash(const char *path, size_t end) {
        while (end > 0 && path[end - 1] != '/')
                end--;
        return end > 0 ? end - 1 : 0;
}

/* root without the slashes it ends with. */
static size_t root_len(const char *root) {
        size_t n = strlen(root);

        while (n > 0 && root[n - 1] == '/')
                n--;
        return n;
}

static bool has_dotdot(const char *s) {
        for (const char *c = s; (c = strstr(c, "..")); c += 2)
                if ((c == s || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
                        return true;
        return false;
}

/* The first name of tail, not found under root from dirfd: absent, or a
 * file (the lookup here fails alike), or a symbolic link whose target is
 * not there (which this system could resolve elsewhere: an error). */
static int check_absent(int dirfd, const char *root, const char *head, const char *tail, struct error *err) {
        _cleanup_free_ char *name = strndup_or_null(tail, strcspn(tail, "/"));
        char target[PATH_MAX];
        struct stat st;
        ssize_t n;

        if (!name)
                return error_set(err, ENOMEM, "out of memory");
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "%s%s/%s", root, head, name);
        if (!S_ISLNK(st.st_mode))
                return 0;
        if ((n = readlinkat(dirfd, name, target, sizeof(target) - 1)) < 0)
                return error_set_errno(err, errno, "%s%s/%s", root, head, name);
        target[n] = '\0';
        return error_set(err, ENOENT, "%s%s/%s is a symbolic link to %s, which is no folder under %s (the host "
                         "resolves it from its own /): make its target a folder under %s, or replace the link by "
                         "one", root, head, name, target, root, root);
}

int install_host_path(const char *root, const char *path, bool follow, char **ret_path, struct error *err) {
        _cleanup_(rootfs_freep) struct rootfs *rfs = NULL;
        _cleanup_free_ char *head = NULL, *real = NULL, *real_root = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t end = strlen(path), cut, rlen;
        const char *shown;
        bool inside;
        struct error e = {};
        int r;

        if (!root || !*root || strcmp(root, "/") == 0)
                return (*ret_path = strdup(path)) ? 0 : error_set(err, ENOMEM, "out of memory");
        if (path[0] != '/')
                return error_set(err, EINVAL, "%s: not an absolute path", path);
        while (end > 1 && path[end - 1] == '/')
                end--;
        if ((r = rootfs_open(root, 0, &rfs, &e)) < 0)
                return error_set_errno(err, r, "%s, the host's / as seen from here", root);
        /* head: path[0..cut), resolved under root; the rest as it is */
        cut = follow ? end : last_slash(path, end);
        for (;;) {
                free(head);
                if (!(head = strndup_or_null(path, cut > 0 ? cut : 1)))
                        return error_set(err, ENOMEM, "out of memory");
                error_clear(&e);
                fd = rootfs_openat(rfs, head, O_PATH | (cut < end ? O_DIRECTORY : 0), &e);
                if ((fd != -ENOENT && fd != -ENOTDIR) || cut == 0)
                        break;
                cut = last_slash(path, cut);
        }
        if (fd < 0)
                return error_set(err, -fd, "%s; it was looked up under %s as the host resolves it (a symbolic link "
                                 "taken from %s): fix that path", e.msg, root, root);
        if (cut < last_slash(path, end) || (follow && cut < end)) {
                if (has_dotdot(path + cut))
                        return error_set(err, EINVAL, "%s%s: \"..\" after a folder that does not exist", root, path);
                if ((r = check_absent(fd, root, cut > 0 ? head : "", path + cut + 1, err)) < 0)
                        return r;
        }
        if ((r = fd_path(fd, &real)) < 0 || (r = fd_path(rootfs_fd(rfs), &real_root)) < 0)
                return error_set_errno(err, r, "%s%s: where it is", root, head);
        /* shown under root as given (it may be a symbolic link itself) */
        rlen = strcmp(real_root, "/") == 0 ? 0 : strlen(real_root);
        inside = strncmp(real, real_root, rlen) == 0 && (real[rlen] == '/' || real[rlen] == '\0');
        shown = inside ? real + rlen : real;
        if (strcmp(shown, "/") == 0)
                shown = "";
        if (asprintf(ret_path, "%.*s%s%.*s", inside ? (int) root_len(root) : 0, root, shown, (int) (end - cut),
                     path + cut) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!**ret_path) {
                free(*ret_path);
                return (*ret_path = strdup("/")) ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* The file at host path under the root, as the host resolves it; the last
 * component is not followed. */
static int under_root(const struct install_options *o, const char *path, char **ret, struct error *err) {
        return install_host_path(o->root, path, false, ret, err);
}

static const char *embedded(const char *name) {
        for (const struct install_file *f = install_files; f->name; f++)
                if (strcmp(f->name, name) == 0)
                        return f->text;
        abort(); /* the build embeds every name used here */
}

/* text with every @key@ replaced by value. */
static char *substitute(const char *text, const char *key, const char *value) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        size_t klen = strlen(key);

        for (const char *p = text, *q; *p; p = q + klen) {
                q = strstr(p, key);
                if (!q)
                        return strbuf_puts(&b, p) < 0 ? NULL : strbuf_steal(&b);
                if (strbuf_append(&b, p, (size_t) (q - p)) < 0 || strbuf_puts(&b, value) < 0)
                        return NULL;
        }
        return strbuf_steal(&b);
}

struct host_file {
        char *data;
        size_t len;
        bool exists;
        mode_t mode;
};

static void host_file_done(struct host_file *f) {
        free(f->data);
}

/* Reads a host file under the root: absent is not an error; a symbolic
 * link, a folder or a device in a managed file's place is. */
static int read_host(const struct planner *p, const char *path, size_t max, struct host_file *ret) {
        _cleanup_free_ char *full = NULL;
        struct stat st;
        int r;

        *ret = (struct host_file) {};
        if ((r = under_root(p->o, path, &full, p->err)) < 0)
                return r;
        if (lstat(full, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(p->err, errno, "%s", full);
        }
        if (S_ISLNK(st.st_mode))
                return error_set(p->err, ELOOP, "%s is a symbolic link; portcullis install replaces only regular "
                                 "files: make it one, or remove it", full);
        if (!S_ISREG(st.st_mode))
                return error_set(p->err, EBADFD, "%s is not a regular file: move it away first", full);
        if ((r = read_full_file(full, max, &ret->data, &ret->len, p->err)) < 0)
                return r;
        ret->exists = true;
        ret->mode = st.st_mode & 07777;
        return 0;
}

/* Whether path exists under the root (a symbolic link counts, whatever it
 * points to): 1, 0, or an error. */
static int host_exists(const struct planner *p, const char *path) {
        _cleanup_free_ char *full = NULL;
        struct stat st;
        int r;

        if ((r = under_root(p->o, path, &full, p->err)) < 0)
                return r;
        if (lstat(full, &st) == 0)
                return 1;
        return errno == ENOENT ? 0 : error_set_errno(p->err, errno, "%s", full);
}

/* Adds a change when new differs from old; takes new. */
static int add_change(struct planner *p, const char *path, struct host_file *old, char *new, size_t new_len,
                      mode_t mode, const char *record, bool binary) {
        _cleanup_free_ char *n = new;
        struct install_plan *pl = p->plan;
        struct install_change *c;

        if (old->exists && n && old->len == new_len && memcmp(old->data, n, new_len) == 0)
                return 0;
        if (!old->exists && !n)
                return 0;
        c = realloc(pl->changes, (pl->n_changes + 1) * sizeof(*c));
        if (!c)
                return error_set(p->err, ENOMEM, "out of memory");
        pl->changes = c;
        c = &pl->changes[pl->n_changes];
        *c = (struct install_change) { .path = strdup(path), .old = TAKE_PTR(old->data), .old_len = old->len,
                                       .new = TAKE_PTR(n), .new_len = new_len,
                                       .mode = mode, .record = record, .binary = binary };
        if (!old->exists)
                c->old = NULL;
        pl->n_changes++;
        return c->path ? 0 : error_set(p->err, ENOMEM, "out of memory");
}

static int add_note(struct planner *p, const char *fmt, ...) _printf_(2, 3);
static int add_note(struct planner *p, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = strv_pushfv(&p->plan->notes, fmt, ap);
        va_end(ap);
        return r < 0 ? error_set(p->err, ENOMEM, "out of memory") : 0;
}

/* Decides whether cur, at path, is ours to replace by text; when not, why
 * may say what differs (" (its ... )"). */
typedef bool (*is_ours_fn)(struct planner *p, const char *path, const struct host_file *cur, const char *text,
                           char *why, size_t why_size);

/* A file of ours that install writes whole: our name holding someone
 * else's file is left alone (is_ours decides). */
static int plan_own_file(struct planner *p, const char *path, char *text, is_ours_fn is_ours, const char *what,
                         const char *record) {
        _cleanup_(host_file_done) struct host_file cur = {};
        _cleanup_free_ char *t = text, *full = NULL;
        char why[512] = "";
        size_t len;
        int r;

        if (!t)
                return error_set(p->err, ENOMEM, "out of memory");
        if ((r = read_host(p, path, INSTALL_FILE_MAX, &cur)) < 0)
                return r;
        if (cur.exists && !(cur.len == strlen(t) && memcmp(cur.data, t, cur.len) == 0) &&
            !is_ours(p, path, &cur, t, why, sizeof(why))) {
                if ((r = under_root(p->o, path, &full, p->err)) < 0)
                        return r;
                return error_set(p->err, EEXIST, "%s exists and is not %s written by portcullis%s; it was left as "
                                 "it is: move it away (or merge it by hand) and run install again", full, what, why);
        }
        len = strlen(t);
        return add_change(p, path, &cur, TAKE_PTR(t), len, cur.exists ? cur.mode : 0644, record, false);
}

/* Adds to the message already set (error_wrap() adds before it). */
static int error_append(struct error *err, const char *s) {
        char msg[ERROR_MSG_MAX];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        return error_set(err, err->code ? err->code : EIO, "%s%s", msg, s);
}

/* ---- containerd ---------------------------------------------------------- */

static char *dropin_text(bool default_runtime) {
        char *s = NULL;

        /* containerd 1.6 merges an imported file by whole plugin sections
         * (containerd issue 5837): this file's CRI section replaces any in
         * config.toml, which is why install refuses when config.toml has one. */
        return asprintf(&s,
                        DROPIN_MARKER "; `portcullis uninstall containerd`\n"
                        "# removes it.  Imported by " INSTALL_CONTAINERD_CONFIG ".\n"
                        "version = 2\n"
                        "%s"
                        "\n"
                        "[plugins.\"" INSTALL_CRI_PLUGIN "\".containerd.runtimes.portcullis]\n"
                        "  runtime_type = \"" INSTALL_SHIM_RUNTIME_TYPE "\"\n"
                        "\n"
                        "# containerd's default runc is lost once a file defines another runtime,\n"
                        "# and CRI would not load without its default runtime.\n"
                        "[plugins.\"" INSTALL_CRI_PLUGIN "\".containerd.runtimes.runc]\n"
                        "  runtime_type = \"io.containerd.runc.v2\"\n",
                        default_runtime ? "\n[plugins.\"" INSTALL_CRI_PLUGIN "\".containerd]\n"
                                          "  default_runtime_name = \"portcullis\"\n" : "") < 0 ? NULL : s;
}

static bool written_by_install(struct planner *p, const char *name, const char *path, const struct host_file *cur);

/* Ours: what an install wrote there, unchanged since (its record's
 * sha256; another template, --default-runtime's, is ours then too).  Our
 * first line on a file an admin edited since, or one no install record
 * names, is not enough: replacing it would drop their edits in silence. */
static bool dropin_is_ours(struct planner *p, const char *path, const struct host_file *f, const char *text,
                           char *why, size_t why_size) {
        if (f->len < STRLEN(DROPIN_MARKER) || memcmp(f->data, DROPIN_MARKER, STRLEN(DROPIN_MARKER)) != 0)
                return false;
        if (written_by_install(p, "containerd", path, f))
                return true;
        snprintf(why, why_size, " (it begins as ours, but was changed since an install wrote it, or no install "
                 "record names it)");
        return false;
}

static int cri_refusal(struct planner *p, const char *file, unsigned line, bool in_place) {
        if (in_place)
                return error_set(p->err, EEXIST,
                                 "%s: line %u configures containerd's CRI plugin (plugins.\"" INSTALL_CRI_PLUGIN "\"); "
                                 "containerd 1.6 replaces config.toml's whole CRI section with an imported file's "
                                 "(containerd issue 5837), so the runtime install adds to config.toml would be lost. "
                                 "The files were left as they are: add the runtime to that file by hand, a table "
                                 "[plugins.\"" INSTALL_CRI_PLUGIN "\".containerd.runtimes.portcullis] with "
                                 "runtime_type = \"" INSTALL_SHIM_RUNTIME_TYPE "\"",
                                 file, line);
        return error_set(p->err, EEXIST,
                         "%s: line %u configures containerd's CRI plugin (plugins.\"" INSTALL_CRI_PLUGIN "\"); "
                         "containerd 1.6 replaces that whole section with an imported file's (containerd issue "
                         "5837), so the drop-in " INSTALL_CONTAINERD_DROPIN " would drop those settings.  The file "
                         "was left as it is: add the runtime to it by hand, a table "
                         "[plugins.\"" INSTALL_CRI_PLUGIN "\".containerd.runtimes.portcullis] with runtime_type = "
                         "\"" INSTALL_SHIM_RUNTIME_TYPE "\"",
                         file, line);
}

/* Whether a TOML file imported by config.toml configures the CRI plugin. */
static int check_cri(struct planner *p, const char *path, const struct host_file *f, bool in_place) {
        _cleanup_free_ char *full = NULL;
        unsigned line = 0;
        int r;

        if ((r = under_root(p->o, path, &full, p->err)) < 0)
                return r;
        r = toml_configures_plugin(f->data, f->len, full, INSTALL_CRI_PLUGIN, &line, p->err);
        if (r < 0)
                return error_append(p->err, "; it was left as it is: fix it, or add the runtime by hand");
        return r > 0 ? cri_refusal(p, full, line, in_place) : 0;
}

/* The host path (a pattern) an imports entry stands for: containerd
 * takes a relative one from config.toml's folder. */
static char *import_pattern(const char *entry) {
        char *s = NULL;

        return asprintf(&s, "%s%s", entry[0] == '/' ? "" : "/etc/containerd/", entry) < 0 ? NULL : s;
}

/* Whether an entry of imports names the host file: containerd hands each
 * entry to Go's filepath.Glob, whose '*', '?', '[...]' and '\\' match as
 * fnmatch(3) with FNM_PATHNAME does ('*' takes a leading dot too).
 * 1, 0, or -ENOMEM. */
static int imports_name(char **list, const char *file) {
        for (char **e = list; e && *e; e++) {
                _cleanup_free_ char *pattern = import_pattern(*e);

                if (!pattern)
                        return -ENOMEM;
                if (fnmatch(pattern, file, FNM_PATHNAME) == 0)
                        return 1;
        }
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in host folder dir that match pattern (sorted, as Go lists a
 * folder), the folder read as the host resolves it; none when it is not
 * there. */
static int list_matching(struct planner *p, const char *dir, const char *pattern, char ***ret) {
        _cleanup_free_ char *real = NULL;
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        DIR *d;
        int r = 0;

        if ((r = install_host_path(p->o->root, *dir ? dir : "/", true, &real, p->err)) < 0)
                return r == -ENOENT || r == -ENOTDIR ? 0 : r;
        if (!(d = opendir(real)))
                return errno == ENOENT || errno == ENOTDIR ? 0 : error_set_errno(p->err, errno, "list %s", real);
        while (r >= 0 && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                    fnmatch(pattern, de->d_name, FNM_PATHNAME) == 0)
                        r = strv_length(names) >= INSTALL_GLOB_MAX ? -E2BIG : strv_push(&names, strdup(de->d_name));
        closedir(d);
        if (r < 0)
                return r == -E2BIG ? error_set(p->err, E2BIG, "%s has more than %d files that %s matches", real,
                                               INSTALL_GLOB_MAX, pattern)
                                   : error_set(p->err, ENOMEM, "out of memory");
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(names);
        return 0;
}

/* The host files a pattern's rest names below host folder dir ("" for
 * /), as filepath.Glob finds them on the host: a folder with a wildcard
 * is listed, under the root as the host resolves it; a name without one
 * is taken as it is (read_host() then finds it absent or not). */
static int glob_host(struct planner *p, const char *dir, const char *rest, char ***files) {
        size_t n = strcspn(rest, "/");
        const char *next = rest + n + strspn(rest + n, "/");
        _cleanup_free_ char *comp = strndup_or_null(rest, n);
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (!comp)
                return error_set(p->err, ENOMEM, "out of memory");
        if (n == 0)
                return 0;
        if (!strpbrk(comp, "*?[\\")) {
                if (strv_push(&names, TAKE_PTR(comp)) < 0)
                        return error_set(p->err, ENOMEM, "out of memory");
        } else if ((r = list_matching(p, dir, comp, &names)) < 0)
                return r;
        for (char **c = names; c && *c; c++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, *c) < 0)
                        return error_set(p->err, ENOMEM, "out of memory");
                if (*next)
                        r = glob_host(p, path, next, files);
                else if (strv_length(*files) >= INSTALL_GLOB_MAX)
                        r = error_set(p->err, E2BIG, "%s: more than %d files match", path, INSTALL_GLOB_MAX);
                else
                        r = strv_push(files, TAKE_PTR(path)) < 0 ? error_set(p->err, ENOMEM, "out of memory") : 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

static int earlier_dropin_refusal(struct planner *p, const char *full) {
        return error_set(p->err, EEXIST, "%s imports " INSTALL_CONTAINERD_DROPIN " (an earlier install) and "
                         "configures containerd's CRI plugin itself, whose section containerd 1.6 replaces with the "
                         "drop-in's: run `portcullis uninstall containerd`, then install again", full);
}

/* The other files config.toml imports (containerd resolves a relative
 * path against config.toml's folder and expands globs, found here as the
 * host would: glob_host()) must not configure the CRI plugin either: the
 * last one imported would win.  Our drop-in,
 * named or matched by a glob, is planned by plan_own_file(); when the
 * runtime goes into config.toml itself, an earlier install's drop-in that
 * is still imported would replace its CRI section. */
static int check_imports(struct planner *p, const char *full, char **list, bool in_place) {
        for (char **e = list; e && *e; e++) {
                _cleanup_free_ char *pattern = import_pattern(*e);
                _cleanup_strv_free_ char **files = NULL;
                int r;

                if (!pattern)
                        return error_set(p->err, ENOMEM, "out of memory");
                if ((r = glob_host(p, "", pattern + 1, &files)) < 0)
                        return error_wrap(p->err, "%s: imports entry \"%s\"", full, *e);
                for (char **f = files; f && *f; f++) {
                        _cleanup_(host_file_done) struct host_file hf = {};

                        if ((r = read_host(p, *f, INSTALL_FILE_MAX, &hf)) < 0)
                                return r;
                        if (!hf.exists || (strcmp(*f, INSTALL_CONTAINERD_DROPIN) == 0 && !in_place))
                                continue;
                        if (strcmp(*f, INSTALL_CONTAINERD_DROPIN) == 0)
                                return earlier_dropin_refusal(p, full);
                        if ((r = check_cri(p, *f, &hf, in_place)) < 0)
                                return r;
                }
        }
        return 0;
}

static const struct toml_runtime cri_runtime = {
        .plugin = INSTALL_CRI_PLUGIN, .name = "portcullis", .type = INSTALL_SHIM_RUNTIME_TYPE,
};

/* config.toml configures the CRI plugin: the runtime goes into it (an
 * imported drop-in's CRI section would replace config.toml's). */
static int plan_containerd_in_place(struct planner *p, struct host_file *cur, const char *full, char **list) {
        struct toml_runtime rt = cri_runtime;
        char *new = NULL;
        int r;

        for (char **e = list; e && *e; e++)
                if (strcmp(*e, INSTALL_CONTAINERD_DROPIN) == 0)
                        return earlier_dropin_refusal(p, full);
        if ((r = check_imports(p, full, list, true)) < 0)
                return r;
        rt.make_default = p->o->default_runtime;
        if ((r = toml_runtime_edit(cur->data, cur->len, full, &rt, true, &new, p->err)) < 0)
                return error_append(p->err, "; it was left as it is");
        if (!new)
                return 0;
        return add_change(p, INSTALL_CONTAINERD_CONFIG, cur, new, strlen(new), cur->mode, "containerd", false);
}

/* *ret_in_place: the runtime is in config.toml itself, no drop-in. */
static int plan_containerd_config(struct planner *p, bool *ret_in_place) {
        _cleanup_(host_file_done) struct host_file cur = {};
        _cleanup_strv_free_ char **list = NULL;
        _cleanup_free_ char *full = NULL;
        char *new = NULL;
        unsigned line = 0;
        int r;

        *ret_in_place = false;
        if ((r = under_root(p->o, INSTALL_CONTAINERD_CONFIG, &full, p->err)) < 0)
                return r;
        if ((r = read_host(p, INSTALL_CONTAINERD_CONFIG, TOML_CONFIG_MAX, &cur)) < 0)
                return r;
        if (!cur.exists) {
                new = strdup("version = 2\nimports = [\"" INSTALL_CONTAINERD_DROPIN "\"]\n");
                return new ? add_change(p, INSTALL_CONTAINERD_CONFIG, &cur, new, strlen(new), 0644, "containerd", false)
                           : error_set(p->err, ENOMEM, "out of memory");
        }
        if ((r = toml_configures_plugin(cur.data, cur.len, full, INSTALL_CRI_PLUGIN, &line, p->err)) < 0)
                return error_append(p->err, "; it was left as it is: fix it, or add the runtime by hand");
        if ((r = toml_imports_list(cur.data, cur.len, full, &list, p->err)) < 0)
                return error_append(p->err, "; it was left as it is");
        if (line > 0) {
                *ret_in_place = true;
                return plan_containerd_in_place(p, &cur, full, list);
        }
        if ((r = check_imports(p, full, list, false)) < 0)
                return r;
        /* an entry that names the drop-in already, a glob of its folder say: none added */
        if ((r = imports_name(list, INSTALL_CONTAINERD_DROPIN)) != 0)
                return r < 0 ? error_set(p->err, ENOMEM, "out of memory") : 0;
        if ((r = toml_imports_edit(cur.data, cur.len, full, INSTALL_CONTAINERD_DROPIN, true, &new, p->err)) < 0)
                return error_append(p->err, "; it was left as it is");
        if (!new)
                return 0;
        return add_change(p, INSTALL_CONTAINERD_CONFIG, &cur, new, strlen(new), cur.mode, "containerd", false);
}

static int plan_containerd(struct planner *p) {
        bool in_place;
        int r;

        if ((r = plan_containerd_config(p, &in_place)) < 0)
                return r;
        if (!in_place &&
            (r = plan_own_file(p, INSTALL_CONTAINERD_DROPIN, dropin_text(p->o->default_runtime), dropin_is_ours,
                               "a containerd drop-in", "containerd")) < 0)
                return r;
        if (in_place && (r = add_note(p, "%s configures containerd's CRI plugin: the runtime was added to it, not "
                                      "to a drop-in (containerd 1.6 would drop its CRI settings)",
                                      INSTALL_CONTAINERD_CONFIG)) < 0)
                return r;
        return add_note(p, "%s; then `ctr run --runtime " INSTALL_SHIM_RUNTIME_TYPE " ...` or a Kubernetes "
                        "RuntimeClass with handler portcullis%s", runtimes[INSTALL_CONTAINERD].restart,
                        p->o->default_runtime ? " (now CRI's default runtime)" : "");
}

/* ---- CRI-O and Podman: oci-hooks(5) -------------------------------------- */

/* The first member (a dotted path, into buf; "" for the whole) where b
 * differs from a; false when they are equal. */
static bool json_first_difference(json_t *a, json_t *b, const char *prefix, char *buf, size_t size) {
        json_t *sides[2] = { a, b }, *v;
        const char *key;

        if (json_equal(a, b))
                return false;
        if (json_is_object(a) && json_is_object(b))
                for (size_t k = 0; k < 2; k++)
                        json_object_foreach(sides[k], key, v) {
                                char sub[256];

                                snprintf(sub, sizeof(sub), "%s%s%s", prefix, *prefix ? "." : "", key);
                                if (json_first_difference(json_object_get(a, key), json_object_get(b, key), sub, buf,
                                                          size))
                                        return true;
                        }
        snprintf(buf, size, "%s", prefix);
        return true;
}

/* A value for a message: its JSON, or "absent". */
static char *json_shown(json_t *v) {
        return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("absent");
}

/* The member at a dotted path (json_first_difference()'s), or NULL. */
static json_t *json_get_dotted(json_t *j, const char *path) {
        char key[256];

        for (const char *p = path; j && *p;) {
                size_t n = strcspn(p, ".");

                if (n >= sizeof(key))
                        return NULL;
                memcpy(key, p, n);
                key[n] = '\0';
                j = json_object_get(j, key);
                p += n + (p[n] == '.');
        }
        return j;
}

static int record_load(const struct install_options *o, const char *name, json_t **ret, bool *ret_exists,
                       struct error *err);
static json_t *record_find(json_t *rec, const char *path);
static int state_path(const struct install_options *o, const char *name, const char *suffix, char **ret,
                      struct error *err);
static int saved_path(const struct install_options *o, const char *name, const char *path, char **ret,
                      struct error *err);

/* Whether cur is what an install wrote at path, unchanged since: the
 * sha256 that record name keeps of it. */
static bool written_by_install(struct planner *p, const char *name, const char *path, const struct host_file *cur) {
        struct error e = {};
        json_t *rec = NULL;
        bool exists, same = false;
        char hex[65];

        if (record_load(p->o, name, &rec, &exists, &e) < 0)
                return false;
        sha256_hex(cur->data, cur->len, hex);
        same = streq_ptr(json_string_value(json_object_get(record_find(rec, path), "written")), hex);
        json_decref(rec);
        return same;
}

/* Ours: the file this install writes (the same JSON: its hook at this
 * install's path), or what an earlier install wrote, unchanged since (its
 * record says so: a hook path of before --binaries, an older template).
 * Anything else is an admin's, even with a hook named portcullis-hook
 * (their own build, --config in its args, a "when" of their own), and
 * replacing it would drop those settings without a word: why names the
 * first field that differs. */
static bool hooks_d_is_ours(struct planner *p, const char *path, const struct host_file *f, const char *text,
                            char *why, size_t why_size) {
        json_t *theirs = json_loadb(f->data, f->len, 0, NULL), *ours = json_loads(text, 0, NULL);
        _cleanup_free_ char *was = NULL, *want = NULL;
        bool is_ours = theirs && json_equal(theirs, ours);
        char field[256];

        if (!is_ours && !(is_ours = written_by_install(p, "oci-hooks", path, f))) {
                if (!json_is_object(theirs))
                        snprintf(why, why_size, " (it is not a JSON object)");
                else if (json_first_difference(ours, theirs, "", field, sizeof(field)) && *field &&
                         (was = json_shown(json_get_dotted(theirs, field))) &&
                         (want = json_shown(json_get_dotted(ours, field))))
                        snprintf(why, why_size, " (its %s is %s, where install writes %s)", field, was, want);
        }
        json_decref(theirs);
        json_decref(ours);
        return is_ours;
}

static const char *runtime_shown(enum install_runtime rt) {
        return rt == INSTALL_CRIO ? "CRI-O" : "Podman";
}

/* The hooks.d file where runtime rt reads it (oci_hooks_dirs()): in its
 * default folder (OCI_HOOKS_DIR_DEFAULT, where packages put theirs) when
 * no hooks_dir is set; in /etc/containers/oci/hooks.d when hooks_dir lists
 * it; else in the last folder listed, whose file of a name wins over an
 * earlier folder's (oci-hooks(5); Podman 4.3 in
 * tests/podman-install-hooks.sh).  *ret_from: the file that sets hooks_dir,
 * NULL for the default.  install edits neither containers.conf nor
 * crio.conf. */
static int hooks_d_target(const struct install_options *o, enum install_runtime rt, char **ret_path,
                          char **ret_from, struct error *err) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_free_ char *from = NULL;
        const char *dir;
        int r;

        if ((r = oci_hooks_dirs(o->root, rt == INSTALL_CRIO, &dirs, &from, err)) < 0)
                return error_wrap(err, "where %s reads hooks.d (nothing was changed: fix that file)",
                                  runtime_shown(rt));
        if (!dirs || !*dirs)
                return error_set(err, EINVAL, "hooks_dir in %s lists no folder, so %s runs no oci-hooks file: "
                                 "nothing was changed; list a folder there (\"" OCI_HOOKS_DIR_DEFAULT "\"), then "
                                 "run install again", strna(from), runtime_shown(rt));
        dir = !from ? OCI_HOOKS_DIR_DEFAULT
              : strv_contains(dirs, INSTALL_HOOKS_D_DIR) ? INSTALL_HOOKS_D_DIR : dirs[strv_length(dirs) - 1];
        if (asprintf(ret_path, "%s/portcullis.json", dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        *ret_from = TAKE_PTR(from);
        return 0;
}

/* Whether the other runtime that reads hooks.d files (CRI-O for Podman,
 * Podman for CRI-O) is installed and reads its file at path: then it
 * stays. */
static bool other_reads(struct planner *p, const char *path) {
        enum install_runtime other = p->plan->runtime == INSTALL_CRIO ? INSTALL_PODMAN : INSTALL_CRIO;
        _cleanup_free_ char *own = NULL, *target = NULL, *from = NULL;
        struct error e = {};

        if (state_path(p->o, runtimes[other].name, ".json", &own, &e) < 0 || access(own, F_OK) < 0)
                return false;
        if (hooks_d_target(p->o, other, &target, &from, &e) < 0)
                return true;    /* can't tell: left where it is */
        return streq_ptr(target, path);
}

/* The file an earlier install wrote in /etc/containers/oci/hooks.d, which
 * the runtime does not read now that the file goes elsewhere: put back as
 * uninstall would (removed, or what was there before), and forgotten by
 * the record; one changed since is left as it is, and said. */
static int plan_move_earlier(struct planner *p, const char *target) {
        _cleanup_(host_file_done) struct host_file cur = {};
        _cleanup_free_ char *full = NULL, *saved = NULL, *old = NULL;
        json_t *rec = NULL, *f;
        bool exists;
        char hex[65] = "";
        size_t old_len = 0;
        int r;

        if (streq_ptr(target, INSTALL_HOOKS_D_FILE) || other_reads(p, INSTALL_HOOKS_D_FILE))
                return 0;
        if ((r = record_load(p->o, "oci-hooks", &rec, &exists, p->err)) < 0)
                return r;
        f = record_find(rec, INSTALL_HOOKS_D_FILE);
        if (!f || (r = read_host(p, INSTALL_HOOKS_D_FILE, INSTALL_FILE_MAX, &cur)) < 0 || !cur.exists ||
            (r = under_root(p->o, INSTALL_HOOKS_D_FILE, &full, p->err)) < 0)
                goto done;
        sha256_hex(cur.data, cur.len, hex);
        if (!streq_ptr(json_string_value(json_object_get(f, "written")), hex)) {
                r = add_note(p, "%s, which an earlier install wrote, changed since and was left as it is; %s does "
                             "not read it: remove it", full, runtime_shown(p->plan->runtime));
                goto done;
        }
        if (json_is_true(json_object_get(f, "existed")) &&
            ((r = saved_path(p->o, "oci-hooks", INSTALL_HOOKS_D_FILE, &saved, p->err)) < 0 ||
             (r = read_full_file(saved, INSTALL_FILE_MAX, &old, &old_len, p->err)) < 0))
                goto done;
        r = add_change(p, INSTALL_HOOKS_D_FILE, &cur, TAKE_PTR(old), old_len,
                       (mode_t) json_integer_value(json_object_get(f, "mode")) & 07777, "oci-hooks", false);
        if (r >= 0) {
                p->plan->changes[p->plan->n_changes - 1].forget = true;
                r = add_note(p, "%s, which an earlier install wrote, is not read by %s: %s (the file is %s now)",
                             full, runtime_shown(p->plan->runtime), saved ? "what was there before is back"
                                                                        : "removed", target);
        }
done:
        json_decref(rec);
        return r;
}

static int plan_hooks_d(struct planner *p) {
        _cleanup_free_ char *target = NULL, *from = NULL, *full = NULL;
        enum install_runtime rt = p->plan->runtime;
        int r;

        if ((r = hooks_d_target(p->o, rt, &target, &from, p->err)) < 0)
                return r;
        r = plan_own_file(p, target, substitute(embedded("hooks.d/portcullis.json"), "@HOOK_PATH@", p->hook_path),
                          hooks_d_is_ours, "an oci-hooks file", "oci-hooks");
        if (r < 0 || (r = plan_move_earlier(p, target)) < 0 || (r = under_root(p->o, target, &full, p->err)) < 0)
                return r;
        if ((r = add_note(p, "%s reads hooks.d from %s (%s%s): the file is %s", runtime_shown(rt),
                          from ? "the folders of its hooks_dir" : OCI_HOOKS_DIR_DEFAULT,
                          from ? "hooks_dir in " : "its default: no hooks_dir is set", strempty(from), full)) < 0)
                return r;
        return add_note(p, "%s", runtimes[rt].restart);
}

/* ---- Docker: daemon.json ------------------------------------------------- */

/* The runc wrapper beside the hook: <libexec>/portcullis/runc/runc. */
static char *docker_wrapper(const struct planner *p) {
        const char *slash = strrchr(p->hook_path, '/');
        char *s = NULL;

        return slash && asprintf(&s, "%.*s/runc/runc", (int) (slash - p->hook_path), p->hook_path) >= 0 ? s : NULL;
}

/* daemon.json (buf; len 0: absent) with our runtime naming wrapper (and,
 * with make_default, as the default runtime), or with wrapper NULL without
 * them (a runtime portcullis naming a runc wrapper of any prefix, and
 * default-runtime portcullis).  *ret NULL when nothing changes.  All else
 * is kept, in its order.  Another program under our runtime's name, or
 * another default runtime when ours is asked to be it, is refused. */
static int docker_edit(const char *buf, size_t len, const char *full, const char *wrapper, bool make_default,
                       char **ret, struct error *err) {
        _cleanup_free_ char *s = NULL;
        json_auto_t *j = NULL;
        json_t *rts, *ours;
        json_error_t jerr;
        const char *path, *dflt;
        bool changed = false;

        *ret = NULL;
        j = len ? json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr) : json_object();
        if (!j)
                return error_set(err, EINVAL, "%s:%d:%d: %s (%s)", full, jerr.line, jerr.column, jerr.text,
                                 json_error_code(&jerr) == json_error_duplicate_key
                                         ? "dockerd takes the last one; keep only that one"
                                         : "dockerd reads it as JSON");
        rts = json_object_get(j, "runtimes");
        if (!json_is_object(j) || (rts && !json_is_object(rts)))
                return error_set(err, EINVAL, "%s: %s is not a JSON object, as dockerd wants it", full,
                                 json_is_object(j) ? "'runtimes'" : "the file");
        ours = rts ? json_object_get(rts, "portcullis") : NULL;
        path = json_string_value(json_object_get(ours, "path"));
        dflt = json_string_value(json_object_get(j, "default-runtime"));
        if (!wrapper) {
                if (path && endswith(path, "/portcullis/runc/runc")) {
                        json_object_del(rts, "portcullis");
                        if (json_object_size(rts) == 0)
                                json_object_del(j, "runtimes");
                        changed = true;
                }
                if (streq_ptr(dflt, "portcullis")) {
                        json_object_del(j, "default-runtime");
                        changed = true;
                }
        } else {
                if (ours && !streq_ptr(path, wrapper))
                        return error_set(err, EEXIST, "%s: runtimes.portcullis names %s, not the runc wrapper %s; it "
                                         "was left as it is: fix or remove that runtime and run install again", full,
                                         path ? path : "no program", wrapper);
                if (make_default && dflt && !streq_ptr(dflt, "portcullis"))
                        return error_set(err, EEXIST, "%s: default-runtime is %s; it was left as it is: run install "
                                         "without --default-runtime, or set default-runtime by hand", full, dflt);
                if (!ours) {
                        if (!rts && json_object_set_new(j, "runtimes", rts = json_object()) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        if (json_object_set_new(rts, "portcullis", json_pack("{s:s}", "path", wrapper)) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        changed = true;
                }
                if (make_default && !dflt) {
                        if (json_object_set_new(j, "default-runtime", json_string("portcullis")) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        changed = true;
                }
        }
        if (!changed)
                return 0;
        s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s || asprintf(ret, "%s\n", s) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int plan_docker(struct planner *p) {
        _cleanup_(host_file_done) struct host_file cur = {};
        _cleanup_free_ char *full = NULL, *wrapper = docker_wrapper(p);
        char *new = NULL;
        int r;

        if (!wrapper)
                return error_set(p->err, ENOMEM, "out of memory");
        if ((r = under_root(p->o, INSTALL_DOCKER_CONFIG, &full, p->err)) < 0 ||
            (r = read_host(p, INSTALL_DOCKER_CONFIG, INSTALL_FILE_MAX, &cur)) < 0)
                return r;
        if ((r = docker_edit(cur.exists ? cur.data : "", cur.exists ? cur.len : 0, full, wrapper,
                             p->o->default_runtime, &new, p->err)) < 0)
                return r;
        if (new && (r = add_change(p, INSTALL_DOCKER_CONFIG, &cur, new, strlen(new), cur.exists ? cur.mode : 0644,
                                   "docker", false)) < 0)
                return r;
        return add_note(p, "%s; then `docker run --runtime portcullis ...`%s", runtimes[INSTALL_DOCKER].restart,
                        p->o->default_runtime ? ", or any `docker run`: it is the default runtime now (containers created "
                                                "before keep theirs, runc: recreate them)"
                                              : " (--default-runtime makes it Docker's default)");
}

/* ---- runc: nothing written, a fragment printed --------------------------- */

static int plan_runc(struct planner *p) {
        json_t *j = json_pack("{s:{s:[{s:s, s:[s], s:i}]}}", "hooks", "createRuntime", "path", p->hook_path, "args",
                              "portcullis-hook", "timeout", 30);

        if (!j)
                return error_set(p->err, ENOMEM, "out of memory");
        p->plan->fragment = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!p->plan->fragment)
                return error_set(p->err, ENOMEM, "out of memory");
        return add_note(p, "runc and crun have no hooks folder: merge this \"hooks\" into each bundle's config.json "
                        "(or let the engine above them do it)");
}

/* ---- what every runtime shares -------------------------------------------- */

/* Whether the file at path is one an earlier install wrote, unchanged
 * since (record "common" says so): 1 with *ret read; 0 for anything else
 * (an admin's, one edited since, a link, a file too large to be ours). */
static int written_earlier(struct planner *p, const char *path, struct host_file *ret) {
        _cleanup_free_ char *full = NULL;
        struct stat st;
        int r;

        if ((r = under_root(p->o, path, &full, p->err)) < 0)
                return r;
        if (lstat(full, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size > INSTALL_FILE_MAX)
                return 0;
        if ((r = read_host(p, path, INSTALL_FILE_MAX, ret)) < 0)
                return r;
        return written_by_install(p, "common", path, ret);
}

/* A file written when absent (and no copy in dirs, when given).  With
 * update (the units and the tmpfiles.d file, which are ours, not the
 * admin's configuration), also one an earlier install wrote and nobody
 * changed since, brought to this version's text as dpkg does with a
 * conffile left unmodified: an upgraded node's install said "nothing to
 * change" and kept the older ones, so that their fixes (the audit log's
 * folder, 1a81cf1) reached only new nodes.  Anything else there is left
 * alone, and config.json and policy.json always are. */
static int plan_file(struct planner *p, const char *path, char *text, mode_t mode, const char *const *dirs,
                     size_t n_dirs, const char *name, bool update) {
        _cleanup_(host_file_done) struct host_file cur = {};
        _cleanup_free_ char *t = text;
        size_t len;
        int r;

        if (!t)
                return error_set(p->err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n_dirs; i++) {
                _cleanup_free_ char *d = NULL;

                if (asprintf(&d, "%s/%s", dirs[i], name) < 0)
                        return error_set(p->err, ENOMEM, "out of memory");
                if ((r = host_exists(p, d)) != 0)
                        return r < 0 ? r : 0;
        }
        if ((r = host_exists(p, path)) > 0 && (!update || (r = written_earlier(p, path, &cur)) == 0))
                return 0;
        if (r < 0)
                return r;
        len = strlen(t);
        return add_change(p, path, &cur, TAKE_PTR(t), len, cur.exists ? cur.mode : mode, "common", false);
}

static int plan_if_absent(struct planner *p, const char *path, char *text, mode_t mode) {
        return plan_file(p, path, text, mode, NULL, 0, NULL, false);
}

/* The units' first line, as meson writes them, and as install does. */
#define UNIT_MESON_LINE "Installed by meson; @bindir@ is the configured bindir."
#define UNIT_INSTALL_LINE "Written by `portcullis install`; `portcullis uninstall` removes it."

/* On a Podman host users set annotations themselves (podman run
 * --annotation, the YAML of podman kube play): a config written for it
 * does not trust them to name the image (README "Configuration"), and one
 * already there that does is said. */
static int plan_config(struct planner *p) {
        const char *text = embedded("config.json");
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_free_ char *full = NULL;
        int r;

        if (p->plan->runtime != INSTALL_PODMAN)
                return plan_if_absent(p, PORTCULLIS_CONFIG_DEFAULT, strdup(text), 0644);
        if ((r = host_exists(p, PORTCULLIS_CONFIG_DEFAULT)) == 0)
                return plan_if_absent(p, PORTCULLIS_CONFIG_DEFAULT, substitute(text, "\"trust_image_digest\": true",
                                                                               "\"trust_image_digest\": false"),
                                      0644);
        if (r < 0 || (r = under_root(p->o, PORTCULLIS_CONFIG_DEFAULT, &full, p->err)) < 0)
                return r;
        if (config_load(full, true, &cfg, &(struct error) {}) >= 0 && cfg->trust_image_digest)
                return add_note(p, "%s trusts the containers' annotations (trust_image_digest true): on a Podman "
                                "host, where whoever runs a container sets them (podman run --annotation, podman "
                                "kube play), a container can claim another image's digest or name; set it to false",
                                full);
        return 0;
}

static int plan_common(struct planner *p) {
        int r;

        if ((r = plan_config(p)) < 0)
                return r;
        /* warn, not enforce: a node's first day reports what it would block */
        r = plan_if_absent(p, PORTCULLIS_POLICY_DEFAULT, strdup("{\n  \"mode\": \"warn\",\n  \"severity\": \"HIGH\"\n}\n"),
                           0644);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "/etc/systemd/system/%s", units[i]) < 0)
                        return error_set(p->err, ENOMEM, "out of memory");
                _cleanup_free_ char *text = substitute(embedded(units[i]), UNIT_MESON_LINE, UNIT_INSTALL_LINE);

                r = plan_file(p, path, text ? substitute(text, "@bindir@", p->bindir) : NULL, 0644, unit_dirs,
                              ELEMENTSOF(unit_dirs), units[i], true);
                if (r < 0)
                        return r;
        }
        return plan_file(p, "/etc/tmpfiles.d/portcullis.conf", strdup(embedded("tmpfiles.d/portcullis.conf")), 0644,
                         tmpfiles_dirs, ELEMENTSOF(tmpfiles_dirs), "portcullis.conf", true);
}

/* --binaries: the running portcullis and, beside it, the hook, the shim
 * and its runc wrapper, as installed (bin/, libexec/portcullis/) or as built (cli/, hook/,
 * shim/ of a build folder). */
static const struct binary {
        const char *name, *dest_dir;
        const char *candidates[2];      /* relative to the folder of the running portcullis */
} binaries[] = {
        { "portcullis", INSTALL_BINARIES_BINDIR, { "portcullis", NULL } },
        { "containerd-shim-portcullis-v2", INSTALL_BINARIES_BINDIR,
          { "containerd-shim-portcullis-v2", "../shim/containerd-shim-portcullis-v2" } },
        { "portcullis-hook", INSTALL_BINARIES_LIBEXECDIR,
          { "../libexec/portcullis/portcullis-hook", "../hook/portcullis-hook" } },
        /* the runc wrapper the shim puts first in the real shim's PATH */
        { "runc", INSTALL_BINARIES_LIBEXECDIR "/runc",
          { "../libexec/portcullis/runc/runc", "../shim/runc/runc" } },
};

static int plan_binaries(struct planner *p) {
        _cleanup_free_ char *self = realpath(p->o->self ? p->o->self : "/proc/self/exe", NULL);
        char *slash = self ? strrchr(self, '/') : NULL;

        if (!slash)
                return error_set_errno(p->err, errno, "--binaries: where is the running portcullis");
        *slash = '\0';
        for (size_t i = 0; i < ELEMENTSOF(binaries); i++) {
                _cleanup_(host_file_done) struct host_file cur = {};
                _cleanup_free_ char *dest = NULL, *data = NULL;
                struct error e = {};
                size_t len = 0;
                int r = -ENOENT;

                for (size_t k = 0; k < ELEMENTSOF(binaries[i].candidates) && binaries[i].candidates[k] && r < 0; k++) {
                        _cleanup_free_ char *src = NULL;

                        if (asprintf(&src, "%s/%s", self, binaries[i].candidates[k]) < 0)
                                return error_set(p->err, ENOMEM, "out of memory");
                        error_clear(&e);
                        r = read_full_file(src, INSTALL_BINARY_MAX, &data, &len, &e);
                }
                if (r < 0)
                        return error_set(p->err, r, "--binaries: no %s beside %s/portcullis (%s)", binaries[i].name,
                                         self, e.msg);
                if (asprintf(&dest, "%s/%s", binaries[i].dest_dir, binaries[i].name) < 0)
                        return error_set(p->err, ENOMEM, "out of memory");
                if ((r = read_host(p, dest, INSTALL_BINARY_MAX, &cur)) < 0)
                        return r;
                if ((r = add_change(p, dest, &cur, TAKE_PTR(data), len, 0755, "common", true)) < 0)
                        return r;
        }
        return 0;
}

static int plan_alloc(enum install_runtime rt, bool uninstall, struct install_plan **ret, struct error *err) {
        if (rt < 0 || rt >= _INSTALL_RUNTIME_MAX)
                return error_set(err, EINVAL, "unknown runtime");
        *ret = calloc(1, sizeof(**ret));
        if (!*ret)
                return error_set(err, ENOMEM, "out of memory");
        (*ret)->runtime = rt;
        (*ret)->uninstall = uninstall;
        return 0;
}

int install_plan_new(enum install_runtime rt, const struct install_options *o, struct install_plan **ret_plan,
                     struct error *err) {
        _cleanup_(install_plan_freep) struct install_plan *plan = NULL;
        struct planner p = { .o = o, .err = err, .hook_path = PORTCULLIS_HOOK_PATH, .bindir = PORTCULLIS_BINDIR };
        int r;

        if ((r = plan_alloc(rt, false, &plan, err)) < 0)
                return r;
        p.plan = plan;
        if (o->binaries) {
                p.hook_path = INSTALL_BINARIES_LIBEXECDIR "/portcullis-hook";
                p.bindir = INSTALL_BINARIES_BINDIR;
        }
        if ((r = runtimes[rt].plan(&p)) < 0)
                return r;
        if (rt != INSTALL_RUNC && (r = plan_common(&p)) < 0)
                return r;
        if (o->binaries && (r = plan_binaries(&p)) < 0)
                return r;
        *ret_plan = TAKE_PTR(plan);
        return 0;
}

/* ---- the record of what was there ---------------------------------------- */

/* A file of the state folder under the root, as the host resolves it. */
static int state_path(const struct install_options *o, const char *name, const char *suffix, char **ret,
                      struct error *err) {
        _cleanup_free_ char *host = NULL;

        if (asprintf(&host, INSTALL_STATE_DIR "/%s%s", name, suffix) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return under_root(o, host, ret, err);
}

/* The saved copy of path's old bytes for record name. */
static int saved_path(const struct install_options *o, const char *name, const char *path, char **ret,
                      struct error *err) {
        char hex[65], sub[128];

        sha256_hex(path, strlen(path), hex);
        hex[16] = '\0';
        snprintf(sub, sizeof(sub), "saved/%.64s-", name);
        return state_path(o, sub, hex, ret, err);
}

/* The record of name: a JSON object {"files": [...]}; an empty one when
 * absent (*ret_exists false). */
static int record_load(const struct install_options *o, const char *name, json_t **ret, bool *ret_exists,
                       struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        json_error_t jerr;
        size_t len;
        json_t *j;
        int r;

        if ((r = state_path(o, name, ".json", &path, err)) < 0)
                return r;
        if (access(path, F_OK) < 0 && errno == ENOENT) {
                *ret = json_pack("{s:[]}", "files");
                *ret_exists = false;
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        if (read_full_file(path, INSTALL_FILE_MAX, &buf, &len, err) < 0)
                return error_wrap(err, "the install record");
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j || !json_is_array(json_object_get(j, "files"))) {
                json_decref(j);
                return error_set(err, EINVAL, "%s: line %d: not an install record (%s); it is written by portcullis "
                                 "install: restore it from a backup or remove it", path, jerr.line, jerr.text);
        }
        *ret = j;
        *ret_exists = true;
        return 0;
}

static json_t *record_find(json_t *rec, const char *path) {
        size_t i;
        json_t *f;

        json_array_foreach(json_object_get(rec, "files"), i, f)
                if (streq_ptr(json_string_value(json_object_get(f, "path")), path))
                        return f;
        return NULL;
}

static int record_write(const struct install_options *o, const char *name, json_t *rec, struct error *err) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if ((r = state_path(o, name, ".json", &path, err)) < 0)
                return r;
        if (!(text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
                return error_set(err, ENOMEM, "out of memory");
        return write_file_atomic_mode(path, text, strlen(text), 0600, err);
}

/* The folders above path (a host path) that do not exist under the root
 * yet, deepest first: what uninstall removes again. */
static json_t *missing_dirs(const struct install_options *o, const char *path) {
        _cleanup_free_ char *d = strdup(path);
        json_t *a = json_array();
        char *s;

        if (!d || !a) {
                json_decref(a);
                return NULL;
        }
        while ((s = strrchr(d, '/')) && s != d) {
                _cleanup_free_ char *full = NULL;
                struct error e = {};
                struct stat st;

                *s = '\0';
                if (under_root(o, d, &full, &e) < 0 || lstat(full, &st) == 0)
                        break;
                if (json_array_append_new(a, json_string(d)) < 0)
                        break;
        }
        return a;
}

/* rmdir of each folder in dirs (deepest first) that is empty. */
static void remove_dirs(const struct install_options *o, json_t *dirs) {
        size_t i;
        json_t *d;

        json_array_foreach(dirs, i, d) {
                _cleanup_free_ char *full = NULL;
                struct error e = {};

                if (under_root(o, strempty(json_string_value(d)), &full, &e) < 0 || rmdir(full) < 0)
                        return;
        }
}

/* Records what c->path held before the first install touched it. */
static int record_before(const struct install_options *o, const char *name, json_t *rec,
                         const struct install_change *c, struct error *err) {
        _cleanup_free_ char *saved = NULL;
        char hex[65];
        json_t *f = record_find(rec, c->path);
        int r;

        if (!f) {
                f = json_pack("{s:s, s:b, s:i, s:o*}", "path", c->path, "existed", c->old != NULL, "mode",
                              (int) c->mode, "dirs", missing_dirs(o, c->path));
                if (!f || json_array_append_new(json_object_get(rec, "files"), f) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (c->old) {
                        if ((r = saved_path(o, name, c->path, &saved, err)) < 0)
                                return r;
                        if ((r = write_file_atomic_mode(saved, c->old, c->old_len, 0600, err)) < 0)
                                return error_wrap(err, "keep the old %s", c->path);
                }
        }
        sha256_hex(c->new, c->new_len, hex);
        return json_object_set_new(f, "written", json_string(hex)) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* Forgets c->path in the record (a file an earlier install wrote, put
 * back): its saved copy goes, and its folders (into *dirs) once empty. */
static int record_forget(const struct install_options *o, const char *name, json_t *rec,
                         const struct install_change *c, json_t *dirs, struct error *err) {
        _cleanup_free_ char *saved = NULL;
        json_t *files = json_object_get(rec, "files"), *f;
        size_t i;

        json_array_foreach(files, i, f)
                if (streq_ptr(json_string_value(json_object_get(f, "path")), c->path)) {
                        if (json_array_extend(dirs, json_object_get(f, "dirs")) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        if (saved_path(o, name, c->path, &saved, err) >= 0)
                                (void) unlink(saved);
                        return json_array_remove(files, i) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
                }
        return 0;
}

static int write_change(const struct install_options *o, const struct install_change *c, struct error *err) {
        _cleanup_free_ char *full = NULL;
        char *slash;
        int r;

        if ((r = under_root(o, c->path, &full, err)) < 0)
                return r;
        if (!c->new) {
                if (unlink(full) < 0 && errno != ENOENT)
                        return error_set_errno(err, errno, "remove %s", full);
                return 0;
        }
        slash = strrchr(full, '/');
        *slash = '\0';
        r = mkdir_all(full, 0755);
        *slash = '/';
        if (r < 0)
                return error_set_errno(err, r, "create the folder of %s", full);
        return write_file_atomic_mode(full, c->new, c->new_len, c->mode, err);
}

/* The records an install of rt touches: its own, then groups[]. */
#define N_RECORDS (1 + ELEMENTSOF(groups))

static const char *record_name(enum install_runtime rt, size_t k) {
        return k == 0 ? runtimes[rt].name : groups[k - 1].name;
}

static int apply_install(const struct install_plan *p, const struct install_options *o, struct error *err) {
        _cleanup_free_ char *dir = NULL, *var_lib = NULL;
        json_t *recs[N_RECORDS] = {}, *state_dirs = NULL;
        json_auto_t *forgotten_dirs = json_array();     /* the folders of files put back (record_forget()) */
        bool dirty[N_RECORDS] = {}, exists;
        int r = 0;

        if (!forgotten_dirs)
                return error_set(err, ENOMEM, "out of memory");
        if ((r = state_path(o, "saved", "", &dir, err)) < 0 || (r = under_root(o, "/var/lib", &var_lib, err)) < 0)
                return r;
        state_dirs = missing_dirs(o, INSTALL_STATE_DIR "/saved/x");
        /* a root without /var (an image being built): /var and /var/lib as
         * every system has them, only our own folders private */
        if ((r = mkdir_all(var_lib, 0755)) < 0 || (r = mkdir_all(dir, 0700)) < 0) {
                json_decref(state_dirs);
                return error_set_errno(err, r, "create %s", dir);
        }
        for (size_t k = 0; k < N_RECORDS && r >= 0; k++) {
                r = record_load(o, record_name(p->runtime, k), &recs[k], &exists, err);
                dirty[k] = k == 0 && !exists;   /* the runtime's record says it is installed */
        }
        /* the state folders go with the last record (common's) */
        if (r >= 0 && json_array_size(state_dirs) > 0) {
                dirty[1 + COMMON_GROUP] = true;
                if (json_object_set(recs[1 + COMMON_GROUP], "state_dirs", state_dirs) < 0)
                        r = error_set(err, ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < p->n_changes && r >= 0; i++)
                for (size_t k = 0; k < N_RECORDS && r >= 0; k++)
                        if (streq_ptr(p->changes[i].record, record_name(p->runtime, k))) {
                                r = p->changes[i].forget
                                            ? record_forget(o, record_name(p->runtime, k), recs[k], &p->changes[i],
                                                            forgotten_dirs, err)
                                            : record_before(o, record_name(p->runtime, k), recs[k], &p->changes[i],
                                                            err);
                                dirty[k] = true;
                        }
        /* records first: a crash after them leaves what uninstall needs */
        for (size_t k = 0; k < N_RECORDS && r >= 0; k++)
                if (dirty[k])
                        r = record_write(o, record_name(p->runtime, k), recs[k], err);
        /* the programs before the files that name them: a hooks.d file
         * naming a hook not there yet (a failed or a running install) has
         * Podman start containers without it, in silence */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < p->n_changes && r >= 0; i++)
                        if (p->changes[i].binary == (pass == 0))
                                r = write_change(o, &p->changes[i], err);
        if (r >= 0)
                remove_dirs(o, forgotten_dirs);
        for (size_t k = 0; k < N_RECORDS; k++)
                json_decref(recs[k]);
        json_decref(state_dirs);
        return r;
}

/* ---- uninstall ------------------------------------------------------------ */

/* Plans one record's files back to what they were. */
static int plan_restore(struct planner *p, const char *name, json_t *rec) {
        size_t i;
        json_t *f;

        json_array_foreach(json_object_get(rec, "files"), i, f) {
                const char *path = json_string_value(json_object_get(f, "path"));
                const char *written = json_string_value(json_object_get(f, "written"));
                bool existed = json_is_true(json_object_get(f, "existed"));
                _cleanup_(host_file_done) struct host_file cur = {}, old = {};
                _cleanup_free_ char *full = NULL, *saved = NULL, *edited = NULL;
                char hex[65] = "";
                int r;

                if (!path || path[0] != '/' || strstr(path, "/../") || !written)
                        return error_set(p->err, EINVAL, "the install record of %s holds an entry that is not one "
                                         "portcullis install writes", name);
                if ((r = read_host(p, path, INSTALL_BINARY_MAX, &cur)) < 0)
                        return r;
                if (cur.exists)
                        sha256_hex(cur.data, cur.len, hex);
                if ((r = under_root(p->o, path, &full, p->err)) < 0)
                        return r;
                if (cur.exists && strcmp(hex, written) == 0) {
                        if (existed) {
                                if ((r = saved_path(p->o, name, path, &saved, p->err)) < 0)
                                        return r;
                                if ((r = read_full_file(saved, INSTALL_BINARY_MAX, &old.data, &old.len, p->err)) < 0)
                                        return error_wrap(p->err, "the copy of %s kept by install", full);
                                r = add_change(p, path, &cur, TAKE_PTR(old.data), old.len,
                                               (mode_t) json_integer_value(json_object_get(f, "mode")) & 07777,
                                               NULL, false);
                        } else
                                r = add_change(p, path, &cur, NULL, 0, 0, NULL, false);
                } else if (cur.exists && strcmp(path, INSTALL_CONTAINERD_CONFIG) == 0) {
                        /* changed since: take out only our entry, or our lines */
                        _cleanup_free_ char *edited2 = NULL;

                        r = toml_imports_edit(cur.data, cur.len, full, INSTALL_CONTAINERD_DROPIN, false, &edited, p->err);
                        if (r >= 0)
                                r = toml_runtime_edit(edited ? edited : cur.data, edited ? strlen(edited) : cur.len, full,
                                                      &cri_runtime, false, &edited2, p->err);
                        if (r < 0)
                                return error_append(p->err, "; it changed since install and was left as it is: "
                                                    "remove " INSTALL_CONTAINERD_DROPIN " from its imports, and the "
                                                    "lines marked `added by portcullis install`, by hand, then run "
                                                    "uninstall again");
                        if (edited2) {
                                free(edited);
                                edited = TAKE_PTR(edited2);
                                r = add_note(p, "%s changed since install: only the lines marked `added by "
                                             "portcullis install` were taken out", full);
                        } else if (edited)
                                r = add_note(p, "%s changed since install: only " INSTALL_CONTAINERD_DROPIN
                                             " was taken out of its imports", full);
                        else
                                r = add_note(p, "%s changed since install and holds nothing of portcullis': it was "
                                             "left as it is", full);
                        if (edited && r >= 0) {
                                size_t n = strlen(edited);
                                r = add_change(p, path, &cur, TAKE_PTR(edited), n, cur.mode, NULL, false);
                        }
                } else if (cur.exists && strcmp(path, INSTALL_DOCKER_CONFIG) == 0) {
                        /* changed since: take out only our runtime and default */
                        r = docker_edit(cur.data, cur.len, full, NULL, false, &edited, p->err);
                        if (r < 0)
                                return error_append(p->err, "; it changed since install and was left as it is: "
                                                    "remove runtimes.portcullis and default-runtime portcullis by "
                                                    "hand, then run uninstall again");
                        r = add_note(p, edited ? "%s changed since install: only runtimes.portcullis (and "
                                                 "default-runtime portcullis) were taken out"
                                               : "%s changed since install and holds nothing of portcullis': it was "
                                                 "left as it is", full);
                        if (edited && r >= 0) {
                                size_t n = strlen(edited);
                                r = add_change(p, path, &cur, TAKE_PTR(edited), n, cur.mode, NULL, false);
                        }
                } else {
                        r = add_note(p, "%s %s since install; it was left as it is", full,
                                     cur.exists ? "changed" : "was removed");
                        if (r >= 0 && cur.exists && strv_push(&p->kept, strdup(path)) < 0)
                                r = error_set(p->err, ENOMEM, "out of memory");
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether a member of the group other than rt still has its record (one
 * that can't be looked at counts: the shared files stay). */
static bool other_member_installed(const struct install_options *o, unsigned members, enum install_runtime rt) {
        for (size_t i = 0; i < ELEMENTSOF(runtimes); i++) {
                _cleanup_free_ char *path = NULL;
                struct error e = {};

                if ((enum install_runtime) i == rt || !(members & MEMBER(i)))
                        continue;
                if (state_path(o, runtimes[i].name, ".json", &path, &e) < 0 || access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* Plans a record's files back, when it exists. */
static int plan_restore_record(struct planner *p, const char *name) {
        json_t *rec = NULL;
        bool exists;
        int r;

        if ((r = record_load(p->o, name, &rec, &exists, p->err)) < 0)
                return r;
        r = plan_restore(p, name, rec);
        json_decref(rec);
        return r;
}

static void planner_done(struct planner *p) {
        strv_free(p->kept);
}

/* Whether a file left as it is names binary (a host path install
 * wrote): 1, 0, or an error. */
static int kept_names(struct planner *p, const char *file, const char *binary) {
        _cleanup_(host_file_done) struct host_file f = {};
        int r;

        if ((r = read_host(p, file, INSTALL_FILE_MAX, &f)) < 0)
                return r;
        return f.exists && memmem(f.data, f.len, binary, strlen(binary));
}

/* A binary uninstall removes must not stay named by a file it leaves as
 * it is (a hooks.d file edited since install): Podman (4.3) then starts
 * every container without the hook, and says nothing. */
static int check_kept(struct planner *p) {
        for (size_t i = 0; i < p->plan->n_changes; i++) {
                const struct install_change *c = &p->plan->changes[i];

                for (size_t k = 0; k < ELEMENTSOF(binaries) && !c->new; k++) {
                        _cleanup_free_ char *dest = NULL, *full = NULL;

                        if (asprintf(&dest, "%s/%s", binaries[k].dest_dir, binaries[k].name) < 0)
                                return error_set(p->err, ENOMEM, "out of memory");
                        if (strcmp(dest, c->path) != 0)
                                continue;
                        for (char **f = p->kept; f && *f; f++) {
                                int r = kept_names(p, *f, dest);

                                if (r == 0)
                                        continue;
                                if (r < 0 || (r = under_root(p->o, *f, &full, p->err)) < 0)
                                        return r;
                                return error_set(p->err, EBUSY, "%s changed since install and still names %s, "
                                                 "which uninstall would remove: the runtime would then start "
                                                 "containers without the gate, or not at all. Nothing was "
                                                 "changed: remove that file (or put back what install wrote "
                                                 "there), then run uninstall again", full, dest);
                        }
                }
        }
        return 0;
}

int uninstall_plan_new(enum install_runtime rt, const struct install_options *o, struct install_plan **ret_plan,
                       struct error *err) {
        _cleanup_(install_plan_freep) struct install_plan *plan = NULL;
        _cleanup_free_ char *own = NULL;
        _cleanup_(planner_done) struct planner p = { .o = o, .err = err };
        int r;

        if ((r = plan_alloc(rt, true, &plan, err)) < 0)
                return r;
        p.plan = plan;
        if ((r = state_path(o, runtimes[rt].name, ".json", &own, err)) < 0)
                return r;
        if (access(own, F_OK) < 0) {
                if ((r = add_note(&p, "portcullis install %s left no record in %s%s; nothing to restore",
                                  runtimes[rt].name, root_of(o), INSTALL_STATE_DIR)) < 0)
                        return r;
                *ret_plan = TAKE_PTR(plan);
                return 0;
        }
        if ((r = plan_restore_record(&p, runtimes[rt].name)) < 0)
                return r;
        for (size_t k = 0; k < ELEMENTSOF(groups); k++) {
                if (!(groups[k].members & MEMBER(rt)) || other_member_installed(o, groups[k].members, rt))
                        continue;
                if ((r = plan_restore_record(&p, groups[k].name)) < 0)
                        return r;
                plan->forget_groups |= 1u << k;
        }
        if ((r = check_kept(&p)) < 0)
                return r;
        if (runtimes[rt].restart && (r = add_note(&p, "%s", runtimes[rt].restart)) < 0)
                return r;
        *ret_plan = TAKE_PTR(plan);
        return 0;
}

/* Forgets a record and its saved copies, and removes the folders install
 * made for its files when they are empty; returns the state folders it
 * made (a new reference) or NULL. */
static json_t *record_remove(const struct install_options *o, const char *name) {
        _cleanup_free_ char *path = NULL;
        json_t *rec = NULL, *state_dirs, *f;
        struct error e = {};
        bool exists;
        size_t i;

        if (state_path(o, name, ".json", &path, &e) < 0 || record_load(o, name, &rec, &exists, &e) < 0 || !exists)
                return NULL;
        json_array_foreach(json_object_get(rec, "files"), i, f) {
                _cleanup_free_ char *saved = NULL;

                if (saved_path(o, name, strempty(json_string_value(json_object_get(f, "path"))), &saved, &e) >= 0)
                        (void) unlink(saved);
                remove_dirs(o, json_object_get(f, "dirs"));
        }
        state_dirs = json_incref(json_object_get(rec, "state_dirs"));
        json_decref(rec);
        (void) unlink(path);
        return state_dirs;
}

static int apply_uninstall(const struct install_plan *p, const struct install_options *o, struct error *err) {
        _cleanup_free_ char *own = NULL;
        int r;

        if ((r = state_path(o, runtimes[p->runtime].name, ".json", &own, err)) < 0)
                return r;
        if (access(own, F_OK) < 0)
                return 0;       /* nothing was installed */
        for (size_t i = 0; i < p->n_changes; i++)
                if ((r = write_change(o, &p->changes[i], err)) < 0)
                        return r;
        json_decref(record_remove(o, runtimes[p->runtime].name));
        for (size_t k = 0; k < ELEMENTSOF(groups); k++) {
                json_t *state_dirs;

                if (!(p->forget_groups & (1u << k)))
                        continue;
                state_dirs = record_remove(o, groups[k].name);
                remove_dirs(o, state_dirs);     /* only common's has them: the last record is gone */
                json_decref(state_dirs);
        }
        return 0;
}

int install_plan_apply(const struct install_plan *p, const struct install_options *o, struct error *err) {
        if (p->uninstall)
                return apply_uninstall(p, o, err);
        /* runc's install writes nothing, not even a record */
        return p->runtime == INSTALL_RUNC ? 0 : apply_install(p, o, err);
}

/* ---- the diff ------------------------------------------------------------- */

struct lines {
        const char **start;
        size_t *len;
        size_t n;
};

static void lines_done(struct lines *l) {
        free(l->start);
        free(l->len);
}

static int split_lines(const char *s, size_t len, struct lines *ret) {
        size_t n = 0;

        *ret = (struct lines) {};
        for (size_t i = 0; i < len; i++)
                n += s[i] == '\n' || i == len - 1;
        ret->start = calloc(n + 1, sizeof(char *));
        ret->len = calloc(n + 1, sizeof(size_t));
        if (!ret->start || !ret->len)
                return -ENOMEM;
        for (size_t i = 0, b = 0; i < len; i++)
                if (s[i] == '\n' || i == len - 1) {
                        ret->start[ret->n] = s + b;
                        ret->len[ret->n++] = i + 1 - b;
                        b = i + 1;
                }
        return 0;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j) {
        return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

static int diff_line(struct strbuf *out, char sign, const struct lines *l, size_t i) {
        bool nl = l->start[i][l->len[i] - 1] == '\n';

        if (strbuf_append(out, &sign, 1) < 0 || strbuf_append(out, l->start[i], l->len[i]) < 0)
                return -ENOMEM;
        return nl ? 0 : strbuf_puts(out, "\n\\ No newline at end of file\n");
}

/* One hunk: the common first and last lines trimmed, three lines of
 * context around the rest (install's edits are one place per file). */
static int diff_text(struct strbuf *out, const struct install_change *c) {
        _cleanup_(lines_done) struct lines a = {}, b = {};
        size_t pre = 0, suf = 0, ctx_a, end_a, end_b;
        int r = 0;

        if (split_lines(c->old ? c->old : "", c->old ? c->old_len : 0, &a) < 0 ||
            split_lines(c->new ? c->new : "", c->new ? c->new_len : 0, &b) < 0)
                return -ENOMEM;
        while (pre < a.n && pre < b.n && line_eq(&a, pre, &b, pre))
                pre++;
        while (suf < a.n - pre && suf < b.n - pre && line_eq(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
                suf++;
        ctx_a = pre > 3 ? pre - 3 : 0;
        end_a = a.n - suf + (suf > 3 ? 3 : suf);
        end_b = b.n - suf + (suf > 3 ? 3 : suf);
        r = strbuf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", end_a > ctx_a ? ctx_a + 1 : ctx_a, end_a - ctx_a,
                          end_b > ctx_a ? ctx_a + 1 : ctx_a, end_b - ctx_a);
        for (size_t i = ctx_a; i < pre && r >= 0; i++)
                r = diff_line(out, ' ', &a, i);
        for (size_t i = pre; i < a.n - suf && r >= 0; i++)
                r = diff_line(out, '-', &a, i);
        for (size_t i = pre; i < b.n - suf && r >= 0; i++)
                r = diff_line(out, '+', &b, i);
        for (size_t i = a.n - suf; i < end_a && r >= 0; i++)
                r = diff_line(out, ' ', &a, i);
        return r;
}

int install_plan_diff(const struct install_plan *p, char **ret_diff, struct error *err) {
        _cleanup_(strbuf_done) struct strbuf out = {};

        for (size_t i = 0; i < p->n_changes; i++) {
                const struct install_change *c = &p->changes[i];
                int r;

                if (c->binary)
                        r = strbuf_printf(&out, "Binary files %s%s and %s%s differ\n", c->old ? "a" : "",
                                          c->old ? c->path : "/dev/null", c->new ? "b" : "",
                                          c->new ? c->path : "/dev/null");
                else if ((r = strbuf_printf(&out, "--- %s%s\n+++ %s%s\n", c->old ? "a" : "",
                                            c->old ? c->path : "/dev/null", c->new ? "b" : "",
                                            c->new ? c->path : "/dev/null")) >= 0)
                        r = diff_text(&out, c);
                if (r < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret_diff = strbuf_steal(&out);
        return *ret_diff ? 0 : error_set(err, ENOMEM, "out of memory");
}
