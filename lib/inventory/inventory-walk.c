/* SPDX-License-Identifier: Apache-2.0 */
/* One bounded walk of the rootfs serves every reader that finds packages
 * by name anywhere in the tree (language packages: a *.dist-info folder, a
 * node_modules/x/package.json).  The walk descends through directory fds
 * opened with O_NOFOLLOW from the rootfs fd, so a symlink is never followed
 * (a node_modules symlink loop is just a symlink), and never leaves the
 * root.  What it finds is sorted by path at the end, so that the inventory
 * (and the image identity made from it) doesn't depend on readdir order.
 * Folders are read with getdents64 into one buffer per depth, not through
 * DIR: fdopendir() costs a fstat and two fcntl per folder, a third of the
 * walk's syscalls.
 * Caps on depth, entries visited and bytes read end the walk with a note of
 * what was skipped, which the match reports as not checked.
 * An entry an OS package installed (inventory_own()) is offered to no
 * reader: it is that package's (a folder is still walked, for what others
 * put in it). */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

/* Top-level folders that hold no installed packages, only kernel views. */
static const char *const skip_top[] = { "proc", "sys", "dev", NULL };

/* Bytes asked of getdents64 per call: what glibc's readdir asks. */
#define WALK_DIRENTS_BUF ((size_t) 32 * 1024)

struct frame {
        int fd;
        size_t pos, len;        /* the entries of bufs[depth] not yet visited */
        size_t path_len;        /* of walk->path when this frame was pushed */
};

struct inventory_walk {
        struct inventory *inv;
        const struct inventory_reader *const *readers;
        struct frame stack[INVENTORY_WALK_DEPTH_MAX];
        char *bufs[INVENTORY_WALK_DEPTH_MAX];   /* getdents64's, one per depth, kept for the next folder */
        size_t depth;
        size_t entries;
        size_t bytes;
        uint64_t inflated;      /* by the readers of archives, in all */
        char path[INVENTORY_WALK_PATH_MAX];
        size_t path_len;
        char full[INVENTORY_WALK_PATH_MAX + 2]; /* "/" path "/" name, for owned() */
        bool stopped;           /* a cap ended the walk */
};

/* Packages the walk found, in path order: the inventory (and the identity
 * made from it) must not depend on readdir order. */
static int package_cmp(const void *a, const void *b) {
        const struct package *x = a, *y = b;
        int c = strcmp(strempty(x->origin_file), strempty(y->origin_file));

        return c ? c : strcmp(strempty(x->name), strempty(y->name));
}

static void frame_done(struct frame *f) {
        if (f->fd >= 0)
                close(f->fd);
        *f = (struct frame) { .fd = -EBADF };
}

/* A cap ended the walk: say once what was not looked at. */
_printf_(2, 3) static int stop(struct inventory_walk *w, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        int n;

        if (w->stopped)
                return 0;
        w->stopped = true;
        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0 || strv_push(&w->inv->skipped, s) < 0)
                return -ENOMEM;
        str_make_printable(w->inv->skipped[strv_length(w->inv->skipped) - 1]);
        return 0;
}

static int push(struct inventory_walk *w, int fd, const char *name) {
        struct frame *f = &w->stack[w->depth];
        size_t n = strlen(name);

        if (w->path_len + 1 + n >= sizeof(w->path)) {
                close(fd);
                return stop(w, "%s: a path longer than the walk follows; language packages below it were not "
                            "looked for", w->path);
        }
        if (!w->bufs[w->depth] && !(w->bufs[w->depth] = malloc(WALK_DIRENTS_BUF))) {
                close(fd);
                return -ENOMEM;
        }
        *f = (struct frame) { .fd = fd, .path_len = w->path_len };
        if (w->depth > 0) {
                if (w->path_len > 0)
                        w->path[w->path_len++] = '/';
                memcpy(w->path + w->path_len, name, n + 1);
                w->path_len += n;
        }
        w->depth++;
        return 0;
}

static void pop(struct inventory_walk *w) {
        struct frame *f = &w->stack[--w->depth];

        w->path_len = f->path_len;
        w->path[w->path_len] = '\0';
        frame_done(f);
}

static bool skipped_at_top(const struct inventory_walk *w, const char *name) {
        if (w->depth != 1)
                return false;
        for (const char *const *s = skip_top; *s; s++)
                if (strcmp(*s, name) == 0)
                        return true;
        return false;
}

/* The next entry of the folder on top of the stack, NULL at its end (or
 * when it can't be read: vanished, nothing to find there). */
static const struct dirent64 *next_entry(struct inventory_walk *w) {
        struct frame *f = &w->stack[w->depth - 1];
        char *buf = w->bufs[w->depth - 1];
        const struct dirent64 *de;
        ssize_t n;

        if (f->pos >= f->len) {
                do
                        n = getdents64(f->fd, buf, WALK_DIRENTS_BUF);
                while (n < 0 && errno == EINTR);
                if (n <= 0)
                        return NULL;
                *f = (struct frame) { .fd = f->fd, .pos = 0, .len = (size_t) n, .path_len = f->path_len };
        }
        de = (const struct dirent64 *) (buf + f->pos);
        f->pos += de->d_reclen;
        return de;
}

/* Whether an OS package installed name in the folder on top of the stack. */
static bool owned(struct inventory_walk *w, const char *name) {
        size_t n = strlen(name);

        if (!w->inv->owned || w->path_len + n + 2 >= sizeof(w->full))
                return false;
        w->full[0] = '/';
        memcpy(w->full + 1, w->path, w->path_len);
        w->full[w->path_len + 1] = '/';
        memcpy(w->full + w->path_len + 2, name, n + 1);
        /* the root's own entries: "/etc", not "//etc" */
        return inventory_owned(w->inv, w->path_len ? w->full : w->full + 1);
}

/* One entry of the directory on top of the stack: offered to every reader,
 * then descended into when it is a directory.  The type comes from
 * getdents; only a file system that gives none costs a stat. */
static int visit(struct inventory_walk *w, const struct dirent64 *de, struct error *err) {
        struct frame *f = &w->stack[w->depth - 1];
        const char *name = de->d_name;
        struct inventory_walk_entry e = { .walk = w, .dirfd = f->fd, .name = name, .dir = w->path,
                                          .type = de->d_type };
        struct stat st;
        int r, fd;

        if (++w->entries > INVENTORY_WALK_ENTRIES_TOTAL_MAX)
                return stop(w, "%s: the walk reached its cap on entries visited; language packages after this "
                            "point were not looked for", w->path);
        if (e.type == DT_UNKNOWN) {
                if (fstatat(e.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return 0;
                e.type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (e.type != DT_DIR && e.type != DT_REG)       /* symlinks, devices, FIFOs, sockets: never followed */
                return 0;
        if (owned(w, name))
                w->inv->owned_left++;   /* its OS package's (inventory_own()); a folder is still walked */
        else
                for (const struct inventory_reader *const *rd = w->readers; *rd; rd++)
                        if ((*rd)->visit && (r = (*rd)->visit(w->inv, &e, err)) < 0)
                                return r;
        if (e.type != DT_DIR || skipped_at_top(w, name))
                return 0;
        if (w->depth >= INVENTORY_WALK_DEPTH_MAX)
                return stop(w, "%s: deeper than the walk descends; language packages below it were not looked "
                            "for", w->path);
        fd = openat(e.dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return 0;
        return push(w, fd, name);
}

int inventory_walk(struct rootfs *root, struct inventory *inv, const struct inventory_reader *const *readers,
                   struct error *err) {
        struct inventory_walk *w = calloc(1, sizeof(*w));
        size_t first = inv->n_pkgs;
        int fd, r = 0;

        if (!w)
                return error_set(err, ENOMEM, "out of memory");
        *w = (struct inventory_walk) { .inv = inv, .readers = readers };
        fd = rootfs_openat(root, "/", O_RDONLY | O_DIRECTORY, err);
        if (fd < 0) {
                free(w);
                return fd;
        }
        w->path[0] = '\0';
        r = push(w, fd, "");
        while (r >= 0 && w->depth > 0 && !w->stopped) {
                const struct dirent64 *de = next_entry(w);

                if (!de) {
                        pop(w);
                        continue;
                }
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        r = visit(w, de, err);
        }
        while (w->depth > 0)
                pop(w);
        for (size_t i = 0; i < ELEMENTSOF(w->bufs); i++)
                free(w->bufs[i]);
        free(w);
        if (inv->n_pkgs - first > 1)
                qsort(inv->pkgs + first, inv->n_pkgs - first, sizeof(*inv->pkgs), package_cmp);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "walk the rootfs: out of memory");
        return r < 0 ? r : 0;
}

/* Opens name in dir (a child of the walked folder) without following a
 * symlink: a regular file, else -ENOENT/-EBADFD. */
static int open_file(int dirfd, const char *dir, const char *name) {
        int dfd = dirfd, fd;

        if (dir) {
                dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (dfd < 0)
                        return -errno;
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                fd = -errno;
        if (dfd != dirfd)
                close(dfd);
        return fd;
}

int inventory_walk_read(const struct inventory_walk_entry *e, const char *subdir, const char *name, size_t max,
                        bool prefix, char **ret, size_t *ret_len, struct error *err) {
        struct inventory_walk *w = e->walk;
        _cleanup_free_ char *buf = NULL, *what = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t len = 0;
        ssize_t n;

        if (asprintf(&what, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", subdir ? subdir : "", subdir ? "/" : "",
                     name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open_file(e->dirfd, subdir, name);
        if (fd < 0)
                return fd == -ENOENT ? -ENOENT : error_set_errno(err, -fd, "open %s", what);
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", what);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "%s is not a regular file", what);
        if (w->bytes >= INVENTORY_WALK_BYTES_MAX) {
                (void) stop(w, "%s: the walk reached its cap on bytes read; language packages after this point "
                            "were not looked for", what);
                return -ENOENT;
        }
        if (!prefix) {
                int r = read_full_fd(fd, max, what, ret, ret_len, err);

                if (r < 0)
                        return r;
                w->bytes += *ret_len;
                return 0;
        }
        /* Only the head is wanted (METADATA's headers): read up to max. */
        buf = malloc(max + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", what);
                len += (size_t) n;
        }
        buf[len] = '\0';
        w->bytes += len;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

uint64_t *inventory_walk_inflated(const struct inventory_walk_entry *e) {
        return &e->walk->inflated;
}

int inventory_walk_read_or_warn(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                                const char *name, size_t max, bool prefix, char **ret, size_t *ret_len,
                                struct error *err) {
        int r = inventory_walk_read(e, subdir, name, max, prefix, ret, ret_len, err);

        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = inventory_warn(inv, "%s; skipped", err->msg);
                error_clear(err);
                return r;
        }
        return 1;
}

int inventory_walk_parse(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                         const char *name, size_t max, bool prefix,
                         int (*parse)(const char *buf, size_t len, const char *origin, struct inventory *inv),
                         struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL;
        size_t len = 0;
        int r;

        if (asprintf(&origin, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", subdir ? subdir : "", subdir ? "/" : "",
                     name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = inventory_walk_read_or_warn(inv, e, subdir, name, max, prefix, &buf, &len, err);
        if (r <= 0)
                return r;
        r = parse(buf, len, origin, inv);
        if (r == -ENOMEM || r == -E2BIG)
                return error_set(err, -r, "%s: %s", origin, r == -E2BIG ? "too many packages" : "out of memory");
        return r < 0 ? r : 0;
}

int inventory_walk_open(const struct inventory_walk_entry *e, struct inventory_walk_file *ret, struct error *err) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (asprintf(&path, "/%s%s%s", e->dir, *e->dir ? "/" : "", e->name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open_file(e->dirfd, NULL, e->name);
        if (fd < 0)
                return fd == -ENOENT || fd == -ELOOP ? -ENOENT : error_set_errno(err, -fd, "open %s", path);
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return -ENOENT;         /* replaced since the walk saw it */
        *ret = (struct inventory_walk_file) { .walk = e->walk, .fd = TAKE_FD(fd), .size = (uint64_t) st.st_size,
                                              .path = TAKE_PTR(path) };
        return 0;
}

int inventory_walk_pread(struct inventory_walk_file *f, uint64_t offset, void *buf, size_t n, struct error *err) {
        struct inventory_walk *w = f->walk;
        size_t got = 0;
        ssize_t k;

        if (offset > f->size || n > f->size - offset)
                return error_set(err, EFBIG, "%s: %zu bytes at offset %llu are past its end (%llu bytes)", f->path,
                                 n, (unsigned long long) offset, (unsigned long long) f->size);
        /* w->bytes can pass the cap by the last whole file read */
        if (w->bytes >= INVENTORY_WALK_BYTES_MAX || n > INVENTORY_WALK_BYTES_MAX - w->bytes) {
                (void) stop(w, "%s: the walk reached its cap on bytes read; language packages after this point "
                            "were not looked for", f->path);
                return -ECANCELED;
        }
        while (got < n) {
                k = pread(f->fd, (char *) buf + got, n - got, (off_t) (offset + got));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "read %s", f->path);
                if (k == 0)
                        return error_set(err, EIO, "read %s: the file shrank while it was read", f->path);
                got += (size_t) k;
        }
        w->bytes += n;
        return 0;
}

void inventory_walk_file_done(struct inventory_walk_file *f) {
        if (f->fd >= 0)
                close(f->fd);
        free(f->path);
        *f = (struct inventory_walk_file) { .fd = -EBADF };
}
