/* SPDX-License-Identifier: Apache-2.0 */
/* Path resolution inside a hostile container rootfs.
 *
 * The primary path is openat2(2) with RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS:
 * the kernel treats the rootfs fd as "/" for "..", absolute symlinks and
 * absolute paths, and refuses procfs magic links.  Where openat2 is missing
 * (ENOSYS: kernel < 5.6) or filtered (EPERM from a seccomp policy), or when a
 * test asks for it, we walk the path ourselves the way systemd's chase()
 * does: one component at a time with O_PATH|O_NOFOLLOW, symlinks expanded by
 * hand with a budget, ".." popped from our own stack of directory fds (never
 * looked up in the kernel, so a directory moved away under us can't take us
 * above the root), absolute targets restarting at the root fd. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "rootfs.h"

/* Same symlink budget as the kernel (MAXSYMLINKS, path_resolution(7)). */
#define ROOTFS_SYMLINK_MAX 40
/* openat2 returns -EAGAIN when a rename raced with RESOLVE_IN_ROOT. */
#define ROOTFS_OPENAT2_RETRIES 8

struct rootfs {
        int fd;              /* O_PATH|O_DIRECTORY of the root */
        char *path;
        bool walk;           /* openat2 unavailable or not wanted */
};

int rootfs_open(const char *path, unsigned flags, struct rootfs **ret, struct error *err) {
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return error_set_errno(err, errno, "open rootfs %s", path);
        if (rootfs_adopt(fd, path, ret) < 0)
                return error_set(err, ENOMEM, "open rootfs %s: out of memory", path);
        (*ret)->walk = flags & ROOTFS_FORCE_WALK;
        return 0;
}

int rootfs_adopt(int fd, const char *path, struct rootfs **ret) {
        _cleanup_close_ int owned = fd;
        _cleanup_free_ char *copy = strdup(path);
        struct rootfs *r = calloc(1, sizeof(*r));

        if (!copy || !r) {
                free(r);
                return -ENOMEM;
        }
        r->fd = TAKE_FD(owned);
        r->path = TAKE_PTR(copy);
        *ret = r;
        return 0;
}

void rootfs_free(struct rootfs *r) {
        if (!r)
                return;
        if (r->fd >= 0)
                (void) close(r->fd);
        free(r->path);
        free(r);
}

const char *rootfs_path(const struct rootfs *r) {
        return r->path;
}

int rootfs_fd(const struct rootfs *r) {
        return r->fd;
}

/* Opens that only look up or list can't have side effects; anything else
 * (O_RDONLY of a path) is first checked with O_PATH, because opening a FIFO
 * blocks and opening a device node (a symlink to /dev/watchdog in an image
 * run privileged) can act on the device. */
static bool open_is_inert(int flags) {
        return flags & (O_PATH | O_DIRECTORY);
}

static int check_openable_stat(const struct stat *st) {
        return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? 0 : -EBADFD;
}

static int check_openable(int pathfd, struct stat *ret_st) {
        if (fstat(pathfd, ret_st) < 0)
                return -errno;
        return check_openable_stat(ret_st);
}

/* After the real open: make sure it is the object the O_PATH check saw. */
static int check_same(int fd, const struct stat *want) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != want->st_dev || st.st_ino != want->st_ino)
                return -ESTALE;
        return 0;
}

static int openat2_resolve(int rootfd, const char *path, int flags, uint64_t resolve) {
        struct open_how how = {
                .flags = (unsigned) (flags | O_CLOEXEC | O_NOCTTY),
                .resolve = resolve,
        };
        long fd = -1;

        if (flags & O_PATH)
                how.flags = (unsigned) (flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW)) | O_CLOEXEC;
        for (int i = 0; i < ROOTFS_OPENAT2_RETRIES; i++) {
                fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        return fd < 0 ? -errno : (int) fd;
}

static int openat2_in_root(int rootfd, const char *path, int flags) {
        return openat2_resolve(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

static bool openat2_unusable(int r) {
        /* ENOSYS: no openat2; EPERM: a seccomp filter said no (openat2 never
         * returns EPERM for a plain read-only open); E2BIG: older struct. */
        return r == -ENOSYS || r == -EPERM || r == -E2BIG;
}

static int open_openat2(int rootfd, const char *path, int flags) {
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        struct stat st;
        int r;

        if (open_is_inert(flags))
                return openat2_in_root(rootfd, path, flags);
        pfd = openat2_in_root(rootfd, path, O_PATH);
        if (pfd < 0)
                return pfd;
        r = check_openable(pfd, &st);
        if (r < 0)
                return r;
        fd = openat2_in_root(rootfd, path, flags | O_NONBLOCK);
        if (fd < 0)
                return fd;
        r = check_same(fd, &st);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

/* --- the walk ------------------------------------------------------------ */

struct walk {
        int rootfd;                          /* not owned */
        int fds[ROOTFS_WALK_DEPTH_MAX];      /* owned directory fds */
        size_t depth;
        unsigned symlinks;
        bool no_symlinks;                    /* rootfs_open_beneath(): a symlink or ".." is an error */
        char *todo;                          /* what is left to resolve */
        int final_fd;                        /* the final object, O_PATH, as walk_step() saw it... */
        struct stat final_st;                /* ...and its stat, for walk_open_final() */
};

static int walk_cur(const struct walk *w) {
        return w->depth > 0 ? w->fds[w->depth - 1] : w->rootfd;
}

static void walk_pop(struct walk *w) {
        if (w->depth > 0)      /* ".." at the root stays at the root */
                (void) close(w->fds[--w->depth]);
}

static void walk_reset(struct walk *w) {
        while (w->depth > 0)
                walk_pop(w);
}

static void walk_done(struct walk *w) {
        walk_reset(w);
        closep(&w->final_fd);
        free(w->todo);
        w->todo = NULL;
}

static int walk_push(struct walk *w, int fd) {
        if (w->depth >= ROOTFS_WALK_DEPTH_MAX) {
                (void) close(fd);
                return -ENAMETOOLONG;
        }
        w->fds[w->depth++] = fd;
        return 0;
}

/* Reads the symlink behind linkfd (an O_PATH|O_NOFOLLOW fd).  A symlink that
 * lives on procfs is refused: magic links (/proc/<pid>/root, fd/N, exe) must
 * never be followed, and we don't need to tell them from the few plain
 * procfs links (/proc/self), so all of them are -ELOOP like
 * RESOLVE_NO_MAGICLINKS.  We never let the kernel follow a link anyway; the
 * target text is resolved inside the root, but a magic link's text ("/",
 * "pipe:[..]", a host path) means nothing there. */
static int read_link(int linkfd, char **ret) {
        char buf[PATH_MAX];
        struct statfs sfs;
        ssize_t n;

        if (fstatfs(linkfd, &sfs) < 0)
                return -errno;
        if (sfs.f_type == PROC_SUPER_MAGIC)
                return -ELOOP;
        n = readlinkat(linkfd, "", buf, sizeof(buf));
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(buf))
                return -ENAMETOOLONG;
        if (n == 0)
                return -ENOENT;
        *ret = strndup_or_null(buf, (size_t) n);
        return *ret ? 0 : -ENOMEM;
}

/* Replaces the remaining path with target + "/" + rest. */
static int walk_follow(struct walk *w, int linkfd, const char *rest) {
        _cleanup_free_ char *target = NULL;
        struct strbuf b = { .max = PATH_MAX };
        int r;

        if (++w->symlinks > ROOTFS_SYMLINK_MAX)
                return -ELOOP;
        r = read_link(linkfd, &target);
        if (r < 0)
                return r;
        if (target[0] == '/')
                walk_reset(w);     /* absolute targets restart at the root */
        r = strbuf_puts(&b, target);
        if (r >= 0 && *rest)
                r = strbuf_printf(&b, "/%s", rest);
        if (r < 0) {
                strbuf_done(&b);
                return r == -E2BIG ? -ENAMETOOLONG : r;
        }
        free(w->todo);
        w->todo = strbuf_steal(&b);
        return w->todo ? 0 : -ENOMEM;
}

/* Splits the next component off *p: returns its length, moves *p past it
 * and past any slashes after it. */
static size_t next_component(const char **p) {
        const char *s = *p;
        size_t n;

        while (*s == '/')
                s++;
        n = strcspn(s, "/");
        *p = s + n;
        while (**p == '/')
                (*p)++;
        return n;
}

/* One step of the walk: resolves the first component of w->todo.  Returns 1
 * when the walk is finished and *ret_name names the final object in
 * walk_cur(w) ("." for the current directory), 0 to go on. */
static int walk_step(struct walk *w, int flags, char *ret_name, size_t name_size) {
        _cleanup_close_ int fd = -EBADF;
        const char *p = w->todo, *comp;
        _cleanup_free_ char *rest = NULL;
        struct stat st;
        size_t n;

        while (*p == '/')
                p++;
        comp = p;
        n = next_component(&p);
        if (n == 0) {            /* nothing left: the directory we stand in */
                snprintf(ret_name, name_size, ".");
                return 1;
        }
        if (n >= name_size || n > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(ret_name, comp, n);
        ret_name[n] = '\0';
        rest = strdup(p);
        if (!rest)
                return -ENOMEM;
        free(w->todo);
        w->todo = TAKE_PTR(rest);

        if (strcmp(ret_name, ".") == 0)
                return 0;
        if (strcmp(ret_name, "..") == 0) {
                if (w->no_symlinks)
                        return -EXDEV;  /* as RESOLVE_BENEATH says of a ".." */
                walk_pop(w);
                return 0;
        }
        /* A folder on the way needs no stat: O_DIRECTORY opens nothing
         * else (with O_NOFOLLOW, a symlink is ENOTDIR), and anything else
         * is looked at below. */
        if (*w->todo) {
                fd = openat(walk_cur(w), ret_name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0)
                        return walk_push(w, TAKE_FD(fd));
                if (errno != ENOTDIR)
                        return -errno;
        }
        fd = openat(walk_cur(w), ret_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode)) {
                _cleanup_free_ char *left = NULL;

                if (w->no_symlinks)
                        return -ELOOP;  /* as RESOLVE_NO_SYMLINKS says */
                left = strdup(w->todo);

                if (!left)
                        return -ENOMEM;
                if (!*left && (flags & O_NOFOLLOW))
                        return -ELOOP;
                return walk_follow(w, fd, left);
        }
        if (!*w->todo) {         /* final object, opened for real by the caller */
                w->final_fd = TAKE_FD(fd);
                w->final_st = st;
                return 1;
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return walk_push(w, TAKE_FD(fd));
}

/* The final object of w, name in its current folder: opened for real,
 * after the O_PATH look walk_step() took at it (none for "."). */
static int walk_open_final(struct walk *w, const char *name, int flags) {
        _cleanup_close_ int pfd = TAKE_FD(w->final_fd), fd = -EBADF;
        int dirfd = walk_cur(w);
        struct stat st = w->final_st;
        int r;

        /* O_NOFOLLOW: name was just seen not to be a symlink; if it became
         * one since, fail rather than let the kernel follow it. */
        if (open_is_inert(flags)) {
                fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                return fd < 0 ? -errno : TAKE_FD(fd);
        }
        if (pfd < 0) {
                pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (pfd < 0)
                        return -errno;
                r = check_openable(pfd, &st);
        } else
                r = check_openable_stat(&st);
        if (r < 0)
                return r;
        fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        r = check_same(fd, &st);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

static int open_walk(int rootfd, const char *path, int flags, bool no_symlinks) {
        struct walk w = { .rootfd = rootfd, .no_symlinks = no_symlinks, .final_fd = -EBADF };
        char name[NAME_MAX + 1];
        int r;

        w.todo = strdup(path);
        if (!w.todo)
                return -ENOMEM;
        do
                r = walk_step(&w, flags, name, sizeof(name));
        while (r == 0);
        if (r > 0)
                r = walk_open_final(&w, name, flags);
        walk_done(&w);
        return r;
}

int rootfs_openat(struct rootfs *r, const char *path, int flags, struct error *err) {
        int fd = -ENOSYS;

        if (!*path)     /* openat2 has no AT_EMPTY_PATH: "" means the root */
                path = ".";
        if (!r->walk) {
                fd = open_openat2(r->fd, path, flags);
                if (openat2_unusable(fd))
                        r->walk = true;
        }
        if (r->walk)
                fd = open_walk(r->fd, path, flags, false);
        if (fd < 0) {
                if (fd == -EBADFD)
                        return error_set(err, fd, "%s/%s is not a regular file or directory", r->path,
                                         path[0] == '/' ? path + 1 : path);
                return error_set_errno(err, fd, "open %s/%s", r->path, path[0] == '/' ? path + 1 : path);
        }
        return fd;
}

/* Whether path has a ".." component (RESOLVE_BENEATH allows one that stays
 * below; we allow none, so that both resolvers agree). */
static bool has_dotdot(const char *path) {
        for (const char *p = path, *c = p; *p; c = p) {
                size_t n = next_component(&p);

                while (*c == '/')
                        c++;
                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return true;
        }
        return false;
}

int rootfs_open_beneath(int dirfd, const char *path, int flags, unsigned rflags) {
        int fd = -ENOSYS;

        if (!open_is_inert(flags))
                return -EINVAL;
        if (path[0] == '/' || has_dotdot(path))
                return -EXDEV;  /* as RESOLVE_BENEATH says of an absolute path; the walk would not */
        if (!*path)
                path = ".";
        /* No O_NOFOLLOW: with it, a trailing symlink would be opened
         * (O_PATH) and fail O_DIRECTORY as ENOTDIR; without, it is ELOOP,
         * as in the walk. */
        if (!(rflags & ROOTFS_FORCE_WALK))
                fd = openat2_resolve(dirfd, path, flags,
                                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if ((rflags & ROOTFS_FORCE_WALK) || openat2_unusable(fd))
                fd = open_walk(dirfd, path, flags | O_NOFOLLOW, true);
        return fd;
}

int rootfs_read_file(struct rootfs *r, const char *path, size_t max, char **ret_buf, size_t *ret_len,
                     struct error *err) {
        _cleanup_free_ char *what = NULL;
        _cleanup_close_ int fd = -EBADF;

        fd = rootfs_openat(r, path, O_RDONLY, err);
        if (fd < 0)
                return fd;
        if (asprintf(&what, "%s/%s", r->path, path[0] == '/' ? path + 1 : path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return read_full_fd(fd, max, what, ret_buf, ret_len, err);
}

int rootfs_map_file(struct rootfs *r, const char *path, size_t max, void **ret_map, size_t *ret_len,
                    struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        void *p;

        fd = rootfs_openat(r, path, O_RDONLY, err);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s/%s", r->path, path);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "%s/%s is not a regular file", r->path, path);
        if ((unsigned long long) st.st_size > max)
                return error_set(err, EFBIG, "%s/%s is %lld bytes, more than the limit of %zu", r->path, path,
                                 (long long) st.st_size, max);
        if (st.st_size == 0) {
                *ret_map = NULL;
                *ret_len = 0;
                return 0;
        }
        p = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p == MAP_FAILED)
                return error_set_errno(err, errno, "map %s/%s", r->path, path);
        *ret_map = p;
        *ret_len = (size_t) st.st_size;
        return 0;
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

static int collect_names(DIR *d, size_t max_entries, char ***ret, const char *what, struct error *err) {
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;

        /* Our own count and capacity: strv_push() is O(n) per call. */
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (n >= max_entries)
                        return error_set(err, E2BIG, "%s has more than %zu entries", what, max_entries);
                if (n + 2 > cap) {
                        char **nv = realloc(names, (cap = cap * 2 + 16) * sizeof(char *));

                        if (!nv)
                                return error_set(err, ENOMEM, "list %s: out of memory", what);
                        names = nv;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        return error_set(err, ENOMEM, "list %s: out of memory", what);
                names[++n] = NULL;
        }
        if (errno != 0)
                return error_set_errno(err, errno, "read directory %s", what);
        if (!names && !(names = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "list %s: out of memory", what);
        qsort(names, n, sizeof(char *), cmp_names);
        *ret = TAKE_PTR(names);
        return 0;
}

int rootfs_list_dir(struct rootfs *r, const char *path, size_t max_entries, char ***ret_names, struct error *err) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_free_ char *what = NULL;
        _cleanup_close_ int fd = -EBADF;

        fd = rootfs_openat(r, path, O_RDONLY | O_DIRECTORY, err);
        if (fd < 0)
                return fd;
        if (asprintf(&what, "%s/%s", r->path, path[0] == '/' ? path + 1 : path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        d = fdopendir(fd);
        if (!d)
                return error_set_errno(err, errno, "open directory %s", what);
        TAKE_FD(fd);
        return collect_names(d, max_entries, ret_names, what, err);
}
