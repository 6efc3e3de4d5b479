/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "image.h"
#include "rootfs.h"

/* -Dfuzzing=true (meson.build): a digest that does not match is reported
 * (the image gets none), not refused, so that the fuzzer's mutations reach
 * the reading behind it. */
#ifndef PORTCULLIS_FUZZING
#define PORTCULLIS_FUZZING 0
#endif

/* What the inventory needs whatever the caps: the package databases.  The
 * rest of the image is written out too (its language packages, binaries),
 * as far as the caps allow (IMAGE_FILE_MAX, IMAGE_TOTAL_MAX); a file they
 * keep out is a note in skipped. */
static const char *const wanted_files[] = {
        "etc/os-release", "usr/lib/os-release",
        "var/lib/dpkg/status", "lib/apk/db/installed",
        "var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db", "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "var/lib/chisel/manifest.wall",
};
static const char *const wanted_dirs[] = { "var/lib/dpkg/status.d/" };  /* their direct children */

struct blob {
        char *name;
        char *data;
        size_t len;
};

/* A set of strings, open addressing: the paths a layer wrote, asked once
 * per entry and per removal, which a strv made quadratic in the entries. */
struct pathset {
        char **slots;
        size_t n, cap;          /* cap a power of two, or 0 */
};

static size_t path_hash(const char *s) {      /* FNV-1a */
        uint64_t h = 0xcbf29ce484222325ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        return (size_t) (h ^ (h >> 32));
}

static bool pathset_has(const struct pathset *set, const char *p) {
        if (set->cap == 0)
                return false;
        for (size_t i = path_hash(p) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
                if (strcmp(set->slots[i], p) == 0)
                        return true;
        return false;
}

static int pathset_add(struct pathset *set, const char *p) {
        size_t i;

        if (pathset_has(set, p))
                return 0;
        if ((set->n + 1) * 2 > set->cap) {
                struct pathset bigger = { .cap = set->cap ? set->cap * 2 : 256 };

                if (!(bigger.slots = calloc(bigger.cap, sizeof(char *))))
                        return -ENOMEM;
                for (size_t k = 0; k < set->cap; k++) {
                        if (!set->slots[k])
                                continue;
                        for (i = path_hash(set->slots[k]) & (bigger.cap - 1); bigger.slots[i];
                             i = (i + 1) & (bigger.cap - 1))
                                ;
                        bigger.slots[i] = set->slots[k];
                }
                free(set->slots);
                set->slots = bigger.slots;
                set->cap = bigger.cap;
        }
        for (i = path_hash(p) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
                ;
        if (!(set->slots[i] = strdup(p)))
                return -ENOMEM;
        set->n++;
        return 0;
}

static void pathset_clear(struct pathset *set) {
        for (size_t i = 0; i < set->cap; i++)
                free(set->slots[i]);
        free(set->slots);
        *set = (struct pathset) {};
}

struct image {
        char *path;
        bool is_dir;
        int srcfd;              /* an archive: the file, read from the start for each pass */
        struct rootfs *layout;  /* an OCI layout folder: its paths resolved inside it */
        char *tmp;
        int tmpfd;              /* the temporary root every path we write is resolved from */
        char *name;
        char *digest;
        char **layers;
        char **layer_digests;   /* "sha256:<hex>" of each layer's bytes, as the manifest or config names it */
        uint64_t *layer_sizes;  /* an OCI manifest's: the bytes of each layer ("size"); none in a legacy one */
        char *manifest_name;    /* an OCI layout's manifest: blobs/sha256/<hex> */
        bool legacy;            /* a docker save without index.json: layers checked against the diff_ids */
        struct blob *blobs;
        size_t n_blobs;
        size_t blobs_total;
        char **docs_passed_over;        /* "index.json: why", for an index.json or manifest.json not read */
        size_t total;
        struct pathset fresh;   /* paths written by the layer being applied */
        locale_t utf8;          /* C.UTF-8 for libarchive's names, or (locale_t) 0 */
        char **warnings;
        size_t n_warnings;
        char **skipped;         /* files the caps kept out: not checked */
        bool full;              /* IMAGE_TOTAL_MAX reached: only wanted files from now on */
        pid_t reaper;           /* removes tmp when this process ends without image_free() (start_reaper()) */
        int reaper_fd;          /* the pipe's end it waits on */
};

bool image_path_is_image(const char *path) {
        char p[4096];
        struct stat st;

        if (stat(path, &st) < 0)
                return false;
        if (S_ISREG(st.st_mode))
                return true;
        if (!S_ISDIR(st.st_mode))
                return false;
        snprintf(p, sizeof(p), "%s/oci-layout", path);
        if (access(p, F_OK) == 0)
                return true;
        snprintf(p, sizeof(p), "%s/manifest.json", path);
        return access(p, F_OK) == 0;
}

const char *image_rootfs(const struct image *img) {
        return img->tmp;
}

const char *image_name(const struct image *img) {
        return img->name;
}

const char *image_digest(const struct image *img) {
        return img->digest;
}

char *const *image_warnings(const struct image *img) {
        return img->warnings;
}

char *const *image_skipped(const struct image *img) {
        return img->skipped;
}

int image_root_fd(const struct image *img) {
        return img->tmpfd;
}

int image_source_fd(const struct image *img) {
        return img->layout ? rootfs_fd(img->layout) : img->srcfd;
}

/* What the reader ignored and why, for the front end to print; capped like
 * the inventory's, and kept printable: the paths are the image author's. */
static int image_warn(struct image *img, const char *fmt, ...) _printf_(2, 3);
static int image_warn(struct image *img, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;
        int n;

        if (img->n_warnings++ > IMAGE_WARNINGS_MAX)
                return 0;
        if (img->n_warnings > IMAGE_WARNINGS_MAX)
                return strv_push(&img->warnings, strdup("more warnings about the image were suppressed"));
        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        if ((size_t) n > IMAGE_WARNING_LEN_MAX)        /* a PAX path can be long; the parent takes this much */
                msg[IMAGE_WARNING_LEN_MAX] = '\0';
        str_make_printable(msg);
        return strv_push(&img->warnings, msg);
}

/* A file of the image a cap kept out: a warning, and a note that what it
 * holds was not checked (at most IMAGE_SKIPPED_MAX, then one more). */
static int image_not_read(struct image *img, const char *fmt, ...) _printf_(2, 3);
static int image_not_read(struct image *img, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if ((size_t) r > IMAGE_WARNING_LEN_MAX)
                msg[IMAGE_WARNING_LEN_MAX] = '\0';
        str_make_printable(msg);
        if (image_warn(img, "%s", msg) < 0) {
                free(msg);
                return -ENOMEM;
        }
        return strv_push_capped(&img->skipped, msg, IMAGE_SKIPPED_MAX,
                                "more of the image's files were kept out by the caps; see the warnings");
}

/* ---- paths inside layers ---------------------------------------------------- */

/* "./a//b/../c/" → "a/c", lexically, as Docker and containerd clean a
 * layer's names: ".." drops the component before it and stays at the top
 * ("../../etc/x" is "etc/x"); NULL when nothing is left (the top itself). */
static char *clean_path(const char *in) {
        struct strbuf b = {};
        const char *p = in;

        while (*p) {
                const char *end;
                size_t n;

                while (*p == '/')
                        p++;
                end = strchrnul(p, '/');
                n = (size_t) (end - p);
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        char *slash = b.s && b.len > 0 ? memrchr(b.s, '/', b.len) : NULL;

                        b.len = slash ? (size_t) (slash - b.s) : 0;
                        if (b.s)
                                b.s[b.len] = '\0';
                        p = end;
                        continue;
                }
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if ((b.len > 0 && strbuf_append(&b, "/", 1) < 0) || strbuf_append(&b, p, n) < 0) {
                                strbuf_done(&b);
                                return NULL;
                        }
                }
                p = end;
        }
        if (b.s && b.len == 0)
                strbuf_done(&b);
        return b.s; /* NULL when nothing was left */
}

static bool wanted(const char *p) {
        for (size_t i = 0; i < ELEMENTSOF(wanted_files); i++)
                if (strcmp(p, wanted_files[i]) == 0)
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(wanted_dirs); i++)
                if (startswith(p, wanted_dirs[i]) && p[strlen(wanted_dirs[i])] &&
                    !strchr(p + strlen(wanted_dirs[i]), '/'))
                        return true;
        return false;
}

static bool is_fresh(const struct image *img, const char *p) {
        return pathset_has(&img->fresh, p);
}

/* The last component of a clean path. */
static const char *base_of(const char *p) {
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

/* Whether open_dir_of() refused because of what is on the path (a symlink,
 * a file where a folder should be, ".."), not because it is absent. */
static bool refused(int r) {
        return r == -ELOOP || r == -ENOTDIR || r == -EXDEV;
}

/* The folder part of clean path p, opened O_PATH below the temporary root
 * without following any symlink (lib/rootfs.c: openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or its walk where openat2 is filtered, as in the
 * sandbox).  Every create, link and remove below acts on this fd and one
 * plain name: the kernel never resolves a path of the image's. */
static int open_dir_of(struct image *img, const char *p, size_t len) {
        char dir[PATH_MAX];

        if (len >= sizeof(dir))
                return -ENAMETOOLONG;
        snprintf(dir, sizeof(dir), "%.*s", (int) len, p);
        return rootfs_open_beneath(img->tmpfd, len ? dir : ".", O_PATH | O_DIRECTORY, 0);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

enum {
        REMOVE_KEEP_TOP = 1 << 0,       /* only what is below (an opaque folder) */
        REMOVE_SPARE_FRESH = 1 << 1,    /* a whiteout hides only the layers beneath its own */
};

/* Removes name in dirfd (path is its clean path, for the fresh check) and
 * what is below it.  Folders are opened O_NOFOLLOW from their parent's fd
 * and entries removed by name: a symlink is removed, never entered. */
static void remove_at(struct image *img, int parentfd, const char *name, const char *path, unsigned flags) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        int fd;

        if (((flags & REMOVE_SPARE_FRESH) && is_fresh(img, path)) ||
            fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;
        if (!S_ISDIR(st.st_mode)) {
                if (!(flags & REMOVE_KEEP_TOP))
                        (void) unlinkat(parentfd, name, 0);
                return;
        }
        fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && !(d = fdopendir(fd)))
                (void) close(fd);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *child = NULL;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (asprintf(&child, "%s%s%s", strcmp(path, ".") ? path : "", strcmp(path, ".") ? "/" : "",
                             de->d_name) < 0)
                        return;
                remove_at(img, dirfd(d), de->d_name, child, flags & REMOVE_SPARE_FRESH);
        }
        if (!(flags & REMOVE_KEEP_TOP))
                (void) unlinkat(parentfd, name, AT_REMOVEDIR);
}

/* Every folder, symlink and link made costs a block (and an inode) of the
 * temporary folder, charged to IMAGE_TOTAL_MAX like file content: true
 * when that cap is reached and the entry (not one the inventory needs) is
 * to be kept out; the first one kept out is noted, for it and the rest. */
#define IMAGE_ENTRY_COST 4096

static bool over_cap(struct image *img, const char *p, size_t bytes, const char *what) {
        if (wanted(p))
                return false;
        if (!img->full && img->total + bytes <= IMAGE_TOTAL_MAX) {
                img->total += bytes;
                return false;
        }
        if (!img->full)
                (void) image_not_read(img, "%s: /%s and the entries after it: the image's files are more than %zu "
                                      "bytes, the most written out; not checked", what, p, IMAGE_TOTAL_MAX);
        img->full = true;
        return true;
}

/* The folder of p for a new entry, created as needed (mode 0700), one
 * component at a time with rootfs_open_beneath().  A non-folder a lower
 * layer left on the way is replaced, as a layer's folder hides it in
 * overlayfs; one this layer wrote (a symlink, say) is not, and -ELOOP says
 * the entry is to be ignored.  -ENAMETOOLONG for p below more than
 * IMAGE_DEPTH_MAX folders (whichever resolver runs: openat2 goes deeper
 * than the walk the sandbox uses), or too long a name.  Returns an O_PATH
 * fd. */
static int make_parents(struct image *img, const char *p, const char *what) {
        size_t dirlen = (size_t) (base_of(p) - p), folders = 0;
        _cleanup_close_ int fd = -EBADF;

        for (const char *s = p; (s = strchr(s, '/')); s++)
                if (++folders > IMAGE_DEPTH_MAX)
                        return -ENAMETOOLONG;
        if (strlen(base_of(p)) > NAME_MAX)
                return -ENAMETOOLONG;
        fd = open_dir_of(img, p, dirlen ? dirlen - 1 : 0);
        if (fd >= 0 || !(fd == -ENOENT || refused(fd)))
                return TAKE_FD(fd);
        fd = open_dir_of(img, p, 0);
        for (const char *s = p; fd >= 0 && *s && s < base_of(p);) {
                const char *end = strchr(s, '/');
                char name[NAME_MAX + 1];
                int next;

                if ((size_t) (end - s) > NAME_MAX)
                        return -ENAMETOOLONG;
                snprintf(name, sizeof(name), "%.*s", (int) (end - s), s);
                next = open_dir_of(img, p, (size_t) (end - p));
                if (refused(next)) {
                        if (is_fresh(img, strndupa(p, (size_t) (end - p))))
                                return -ELOOP;
                        remove_at(img, fd, name, name, 0);
                }
                if (next < 0 && over_cap(img, p, IMAGE_ENTRY_COST, what))
                        return -EFBIG;
                if (next < 0 && mkdirat(fd, name, 0700) < 0 && errno != EEXIST)
                        return -errno;
                if (next < 0)
                        next = open_dir_of(img, p, (size_t) (end - p));
                close(fd);
                fd = next;
                s = end + 1;
        }
        return fd < 0 ? fd : TAKE_FD(fd);
}

#define IMAGE_LINKS_MAX 40      /* symlinks followed for one name, as the kernel follows */

/* The symlink at clean path p, which this layer made, read into target
 * (PATH_MAX); false when p is none of those. */
static bool layer_link(struct image *img, const char *p, char *target) {
        _cleanup_close_ int dirfd = -EBADF;
        size_t dirlen = (size_t) (base_of(p) - p);
        struct stat st;
        ssize_t n;

        if (!is_fresh(img, p))
                return false;
        dirfd = open_dir_of(img, p, dirlen ? dirlen - 1 : 0);
        if (dirfd < 0 || fstatat(dirfd, base_of(p), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                return false;
        n = readlinkat(dirfd, base_of(p), target, PATH_MAX - 1);
        if (n <= 0)
                return false;
        target[n] = '\0';
        return true;
}

/* p with the symlinks this layer made on its folder part followed inside
 * the image's root, in *ret: Docker extracts a layer chrooted in its own
 * folder and containerd resolves each name inside the root, so an entry
 * below a symlink of its own layer is written where that points ("..",
 * there too, stays at the top).  A lower layer's symlink is not followed:
 * make_parents() replaces it, as this layer's folder hides it in
 * overlayfs.  0 with *ret NULL when there was none to follow; -ELOOP past
 * IMAGE_LINKS_MAX of them. */
static int follow_layer_links(struct image *img, const char *p, char **ret) {
        _cleanup_free_ char *rest = strdup(p);
        char target[PATH_MAX];
        struct strbuf done = {};
        unsigned links = 0;
        char *s = rest, *end;
        int r = 0;

        *ret = NULL;
        if (!rest)
                return -ENOMEM;
        while ((end = strchr(s, '/'))) {
                size_t before = done.len;
                char *more = NULL;

                *end = '\0';
                if (strcmp(s, "..") == 0) {
                        char *slash = done.s && done.len > 0 ? memrchr(done.s, '/', done.len) : NULL;

                        done.len = slash ? (size_t) (slash - done.s) : 0;
                        if (done.s)
                                done.s[done.len] = '\0';
                        s = end + 1;
                        continue;
                }
                if (*s && strcmp(s, ".") != 0 &&
                    ((done.len > 0 && strbuf_append(&done, "/", 1) < 0) || strbuf_append(&done, s, strlen(s)) < 0)) {
                        r = -ENOMEM;
                        break;
                }
                if (!*s || strcmp(s, ".") == 0 || !layer_link(img, done.s, target)) {
                        s = end + 1;
                        continue;
                }
                if (++links > IMAGE_LINKS_MAX) {
                        r = -ELOOP;
                        break;
                }
                if (asprintf(&more, "%s/%s", target, end + 1) < 0) {
                        r = -ENOMEM;
                        break;
                }
                done.len = target[0] == '/' ? 0 : before;
                done.s[done.len] = '\0';
                free(rest);
                s = rest = more;
        }
        if (r == 0 && links > 0) {
                if ((done.len > 0 && strbuf_append(&done, "/", 1) < 0) || strbuf_append(&done, s, strlen(s)) < 0)
                        r = -ENOMEM;
                else if (!(*ret = clean_path(done.s)))
                        r = -ENOENT;    /* the top itself (a name of ".." alone): nothing to write */
        }
        strbuf_done(&done);
        return r;
}

/* The cap a file of file bytes passes, all of them written out with it
 * (IMAGE_FILE_MAX, IMAGE_TOTAL_MAX), or 0. */
static size_t cap_passed(uint64_t file, uint64_t all) {
        return file > IMAGE_FILE_MAX ? IMAGE_FILE_MAX : all > IMAGE_TOTAL_MAX ? IMAGE_TOTAL_MAX : 0;
}

/* A regular file, with its permission bits (an executable stays one: the
 * inventory reads binaries by them) but never set-id or sticky, and always
 * its owner's to read, write and remove.  Past a cap a package database is
 * an error; any other file is not written (or removed again) and noted: 1.
 * A file whose header says it passes a cap (a sparse one of 100 GiB stores
 * a few bytes) is not written at all: it was, up to the cap, 512 MiB of
 * disk for each such entry of a few hundred bytes. */
static int write_entry(struct image *img, struct archive *a, struct archive_entry *e, int dirfd, const char *p,
                       const char *what, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        bool need = wanted(p);
        la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        char buf[65536];
        size_t total = 0, cap;
        la_ssize_t n = 0;

        if (over_cap(img, p, IMAGE_ENTRY_COST, what))
                return 1;
        cap = size > 0 ? cap_passed((uint64_t) size, img->total + (uint64_t) size) : 0;
        if (cap && need)
                return error_set(err, EFBIG, "%s: %s is larger than the limit of %zu bytes", what, p, cap);
        if (!cap) {
                /* O_EXCL: never through a symlink at the last component either. */
                fd = openat(dirfd, base_of(p), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            (archive_entry_perm(e) & 0777) | 0600);
                if (fd < 0)
                        return error_set_errno(err, errno, "%s: materialise %s", what, p);
        }
        while (!cap && (n = archive_read_data(a, buf, sizeof(buf))) > 0) {
                total += (size_t) n;
                img->total += (size_t) n;
                cap = cap_passed(total, img->total);
                if (cap && need)
                        return error_set(err, EFBIG, "%s: %s is larger than the limit of %zu bytes", what, p, cap);
                if (!cap && write(fd, buf, (size_t) n) != n)
                        return error_set_errno(err, errno ? errno : ENOSPC, "%s: write %s", what, p);
        }
        if (n < 0)
                return error_set(err, EIO, "%s: %s is damaged: %s", what, p, archive_error_string(a));
        if (!cap)
                return 0;
        img->total -= total;
        if (fd >= 0)
                (void) unlinkat(dirfd, base_of(p), 0);
        if (cap == IMAGE_TOTAL_MAX) {
                (void) over_cap(img, p, SIZE_MAX / 2, what);    /* noted; the rest kept out */
                return 1;
        }
        return image_not_read(img, "%s: /%s is larger than %zu bytes, the most written out of one file; not "
                              "checked", what, p, cap) < 0 ? error_set(err, ENOMEM, "out of memory") : 1;
}

/* A hard link entry: only to a regular file this reader already wrote,
 * found without following a symlink (linkat(2) would follow one on the
 * way, not at the end); what was at p goes only once the target is known
 * good.  1 when linked, 0 when ignored. */
static int link_entry(struct image *img, int dirfd, const char *p, const char *link, const char *what) {
        _cleanup_free_ char *t = clean_path(link);
        _cleanup_close_ int tdir = -EBADF;
        struct stat st;

        if (!t)
                return 0;
        tdir = open_dir_of(img, t, (size_t) (base_of(t) - t ? base_of(t) - t - 1 : 0));
        if (refused(tdir)) {    /* a symlink of this layer on the way: followed */
                _cleanup_free_ char *u = NULL;

                if (follow_layer_links(img, t, &u) == -ENOMEM)
                        return -ENOMEM;
                if (u) {
                        free(t);
                        t = TAKE_PTR(u);
                        tdir = open_dir_of(img, t, (size_t) (base_of(t) - t ? base_of(t) - t - 1 : 0));
                }
        }
        if (refused(tdir))
                return image_not_read(img, "%s: /%s: the hard link's target %s runs through a file or a symlink of "
                                      "a lower layer; not written out, not checked", what, p, t);
        if (tdir < 0 || fstatat(tdir, base_of(t), &st, AT_SYMLINK_NOFOLLOW) < 0)
                return image_not_read(img, "%s: /%s: the hard link's target %s is not in the image (or is a device "
                                      "or FIFO, which are not made); not written out, not checked", what, p, t);
        if (S_ISLNK(st.st_mode)) {
                /* link(2) of a symlink is that symlink again: made anew */
                char target[PATH_MAX];
                ssize_t n = readlinkat(tdir, base_of(t), target, sizeof(target) - 1);

                if (n < 0)
                        return 0;
                target[n] = '\0';
                remove_at(img, dirfd, base_of(p), p, 0);
                return symlinkat(target, dirfd, base_of(p)) < 0 ? 0 : 1;
        }
        if (!S_ISREG(st.st_mode))
                return image_not_read(img, "%s: /%s: the hard link's target %s is not a regular file; not written "
                                      "out, not checked", what, p, t);
        remove_at(img, dirfd, base_of(p), p, 0);
        return linkat(tdir, base_of(t), dirfd, base_of(p), 0) < 0 ? 0 : 1;
}

/* ".wh.NAME" hides NAME of the layers beneath, ".wh..wh..opq" everything
 * in its folder (OCI image-spec, layer.md).  Only ever inside: a folder on
 * the way that is a symlink means the whiteout is ignored, never followed;
 * NAME is a plain name ("", "." and ".." are not). */
static int apply_whiteout(struct image *img, const char *p, const char *what) {
        const char *base = base_of(p), *name = base + STRLEN(".wh.");
        size_t dirlen = base > p ? (size_t) (base - p - 1) : 0;
        _cleanup_close_ int dirfd = -EBADF;
        _cleanup_free_ char *target = NULL;
        bool opaque = strcmp(base, ".wh..wh..opq") == 0;

        if (!opaque && (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || startswith(name, ".wh.")))
                return image_warn(img, "%s: %s is not a whiteout of a name; ignored", what, p);
        dirfd = open_dir_of(img, p, dirlen);
        if (refused(dirfd))
                return image_warn(img, "%s: the whiteout %s is below a symlink or a file; ignored, not followed",
                                  what, p);
        if (dirfd < 0)
                return 0; /* nothing there to hide */
        if (opaque) {
                remove_at(img, dirfd, ".", dirlen ? strndupa(p, dirlen) : ".", REMOVE_KEEP_TOP | REMOVE_SPARE_FRESH);
                return 0;
        }
        if (asprintf(&target, "%.*s%s%s", (int) dirlen, p, dirlen ? "/" : "", name) < 0)
                return -ENOMEM;
        remove_at(img, dirfd, name, target, REMOVE_SPARE_FRESH);
        return 0;
}

/* One entry of a layer: a whiteout, a folder, a file, a symlink or a hard
 * link; a device, FIFO or socket hides what lower layers had there and is
 * not made. */
static int apply_entry(struct image *img, struct archive *a, struct archive_entry *e, const char *what,
                       struct error *err) {
        _cleanup_free_ char *p = clean_path(strempty(archive_entry_pathname(e)));
        _cleanup_close_ int dirfd = -EBADF;
        const char *link = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        struct stat st;
        int r;

        if (!p)
                return 0; /* the top folder itself */
        if (startswith(base_of(p), ".wh."))
                return apply_whiteout(img, p, what) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        dirfd = make_parents(img, p, what);
        if (dirfd == -ELOOP) {  /* a symlink of this layer on the way: followed */
                _cleanup_free_ char *q = NULL;

                if ((r = follow_layer_links(img, p, &q)) == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                if (q) {
                        free(p);
                        p = TAKE_PTR(q);
                        dirfd = make_parents(img, p, what);
                }
        }
        if (dirfd == -EFBIG)
                return 0; /* kept out by the cap, noted */
        if (dirfd == -ENAMETOOLONG)     /* the path first cut, so that the reason is not */
                return image_not_read(img, "%s: /%.512s%s: below more than %d folders, or a name longer than the "
                                      "kernel takes; not written out, not checked", what, p,
                                      strlen(p) > 512 ? "..." : "", IMAGE_DEPTH_MAX) < 0
                       ? error_set(err, ENOMEM, "out of memory") : 0;
        if (refused(dirfd))
                return image_not_read(img, "%s: /%s: a folder on its path is a file of the same layer, or more "
                                      "than %d symlinks; not written out, not checked", what, p, IMAGE_LINKS_MAX) < 0
                       ? error_set(err, ENOMEM, "out of memory") : 0;
        if (dirfd < 0)
                return error_set_errno(err, dirfd, "%s: materialise %s", what, p);
        if (type == AE_IFDIR && !link) {
                /* a folder of a lower layer stays, with what is in it (an
                 * opaque marker of this layer empties it); not fresh: the
                 * marker would spare it */
                if (fstatat(dirfd, base_of(p), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                        return 0;
                /* anything else there goes, this layer's too, as Docker
                 * and containerd replace it */
                if (over_cap(img, p, IMAGE_ENTRY_COST, what))
                        return 0;
                remove_at(img, dirfd, base_of(p), p, 0);
                if (mkdirat(dirfd, base_of(p), 0700) < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "%s: materialise %s", what, p);
                return 0;
        }
        if (!link)
                remove_at(img, dirfd, base_of(p), p, 0);
        if (!link && type != AE_IFREG && type != AE_IFLNK)
                return 0;
        if (link) {
                if (over_cap(img, p, IMAGE_ENTRY_COST, what))
                        return 0;
                if ((r = link_entry(img, dirfd, p, link, what)) <= 0)
                        return r < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        } else if (type == AE_IFLNK) {
                /* Kept as it is: the inventory resolves it inside the folder. */
                if (over_cap(img, p, IMAGE_ENTRY_COST + strlen(strempty(archive_entry_symlink(e))), what))
                        return 0;
                if (symlinkat(strempty(archive_entry_symlink(e)), dirfd, base_of(p)) < 0)
                        return error_set_errno(err, errno, "%s: materialise %s", what, p);
        } else if ((r = write_entry(img, a, e, dirfd, p, what, err)) != 0)
                return r < 0 ? r : 0;
        return pathset_add(&img->fresh, p) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

static int apply_layer(struct image *img, struct archive *layer, const char *what, struct error *err) {
        struct archive_entry *e;
        uint64_t n = 0;
        int rc, r = 0;

        pathset_clear(&img->fresh);
        while ((rc = archive_read_next_header(layer, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
                if (++n > IMAGE_ENTRIES_MAX)
                        return error_set(err, E2BIG, "%s: more than %d entries", what, IMAGE_ENTRIES_MAX);
                /* A name or link target libarchive could not convert
                 * (a pax header's path that is not UTF-8: Linux allows
                 * any bytes, Go's tar writes them as they are) is NULL
                 * or partial: the entry is not written out, and what it
                 * holds is not checked.  A damaged layer still fails its
                 * digest. */
                if (rc == ARCHIVE_WARN) {
                        if (image_not_read(img, "%s: /%s: its name or link target can't be read (%s); not written "
                                           "out, not checked: scan the unpacked rootfs (docker export) to check it",
                                           what, strna(archive_entry_pathname(e)),
                                           strna(archive_error_string(layer))) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        continue;
                }
                if ((r = apply_entry(img, layer, e, what, err)) < 0)
                        return r;
        }
        if (rc != ARCHIVE_EOF)
                return error_set(err, EIO, "%s: the layer is damaged: %s", what, archive_error_string(layer));
        return 0;
}

/* ---- archives --------------------------------------------------------------- */

/* The compressions an image file or its layers come in (OCI's tar+gzip and
 * tar+zstd, what docker load decompresses, a saved image gzipped, xz'd or
 * bzip2'd), in libarchive itself: never one of its filters that runs an
 * external program (lrzip, grzip) on the image's bytes. */
static void support_filters(struct archive *a) {
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_zstd(a);
}

static struct archive *new_reader(void) {
        struct archive *a = archive_read_new();

        if (a) {
                archive_read_support_format_tar(a);
                support_filters(a);
        }
        return a;
}

/* The image archive from its start: each pass reads the fd the front end
 * opened (in the sandbox, the image's path may not be reachable). */
static int open_archive(struct image *img, struct archive **ret, struct error *err) {
        struct archive *a = new_reader();

        if (!a)
                return -ENOMEM;
        if (lseek(img->srcfd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, img->srcfd, 65536) != ARCHIVE_OK) {
                int r = error_set(err, EINVAL, "%s: not a readable image archive (docker save or OCI layout tar): %s",
                                  img->path, archive_error_string(a));

                archive_read_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

/* A name the archive holds twice, but for a folder given again: docker
 * load unpacks the archive into a folder, where the last one wins, and
 * this reader would take the first (a clean manifest.json or layer before
 * the one Docker runs).  Refused: the two would disagree in silence.  The
 * names are held in memory, charged to IMAGE_JSON_TOTAL_MAX. */
static int check_unique(struct image *img, struct pathset *names, struct pathset *dirs, const char *p,
                        struct archive_entry *e, struct error *err) {
        bool dir = archive_entry_filetype(e) == AE_IFDIR;

        if (pathset_has(names, p) && !(dir && pathset_has(dirs, p)))
                return error_set(err, EINVAL, "%s: the archive holds /%s twice; docker load would take the last one, "
                                 "this reader the first: refused, save the image again", img->path, p);
        if (names->n >= IMAGE_ENTRIES_MAX)
                return error_set(err, E2BIG, "%s: more than %d entries", img->path, IMAGE_ENTRIES_MAX);
        img->blobs_total += strlen(p) + 1;
        if (img->blobs_total > IMAGE_JSON_TOTAL_MAX)
                return error_set(err, E2BIG, "%s: more than %zu bytes of manifests, configs and names", img->path,
                                 IMAGE_JSON_TOTAL_MAX);
        if (pathset_add(names, p) < 0 || (dir && pathset_add(dirs, p) < 0))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* The small documents of an archive (manifests, index, configs), kept in
 * memory: the tar can have them in any order, after the layers. */
static int collect_blobs(struct image *img, struct error *err) {
        _cleanup_(pathset_clear) struct pathset names = {}, dirs = {};
        struct archive *a = NULL;
        struct archive_entry *e;
        int rc, r;

        if ((r = open_archive(img, &a, err)) < 0)
                return r;
        while (r >= 0 && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = clean_path(strempty(archive_entry_pathname(e)));
                struct blob *nb;
                la_int64_t size = archive_entry_size(e);
                size_t len = 0;
                char *data;
                la_ssize_t n;

                if (p && (r = check_unique(img, &names, &dirs, p, e, err)) < 0)
                        break;
                if (!p || archive_entry_filetype(e) != AE_IFREG || size < 0 || (size_t) size > IMAGE_JSON_MAX) {
                        /* said if it is the one looked for: "missing" would hide why */
                        if (p && (strcmp(p, "index.json") == 0 || strcmp(p, "manifest.json") == 0) &&
                            strv_pushf(&img->docs_passed_over, archive_entry_filetype(e) != AE_IFREG
                                       ? "%s: it is not a regular file" : "%s: it is %lld bytes, more than the "
                                       "limit of %zu", p, (long long) size, (size_t) IMAGE_JSON_MAX) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }
                if (img->blobs_total + (size_t) size > IMAGE_JSON_TOTAL_MAX) {
                        r = error_set(err, E2BIG, "%s: more than %zu bytes of manifests and configs", img->path,
                                      IMAGE_JSON_TOTAL_MAX);
                        break;
                }
                img->blobs_total += (size_t) size;
                /* a config is "<id>.json" (docker save), "blobs/sha256/<id>"
                 * (docker save since 25) or "sha256:<id>" (tarballs of
                 * go-containerregistry: crane, ko, kaniko) */
                if (!(strcmp(p, "manifest.json") == 0 || strcmp(p, "index.json") == 0 ||
                      startswith(p, "blobs/sha256/") || startswith(p, "sha256:") ||
                      (strlen(p) > 5 && strcmp(p + strlen(p) - 5, ".json") == 0)))
                        continue;
                data = malloc((size_t) size + 1);
                nb = realloc(img->blobs, (img->n_blobs + 1) * sizeof(*nb));
                if (!data || !nb) {
                        free(data);
                        r = -ENOMEM;
                        break;
                }
                img->blobs = nb;
                while ((n = archive_read_data(a, data + len, (size_t) size - len)) > 0)
                        len += (size_t) n;
                data[len] = '\0';
                img->blobs[img->n_blobs++] = (struct blob) { .name = TAKE_PTR(p), .data = data, .len = len };
        }
        if (r >= 0 && rc != ARCHIVE_EOF)
                r = error_set(err, EIO, "%s: the archive is damaged: %s", img->path, archive_error_string(a));
        archive_read_free(a);
        return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
}

/* The hex of a blob named by its digest (blobs/sha256/<hex>, OCI
 * image-layout), else NULL. */
/* Not inlined: gcc's -Warray-bounds would see name + 13 of a shorter
 * constant name ("index.json") on the branch never taken. */
static __attribute__((noinline)) const char *blob_hex(const char *name) {
        const char *hex = startswith(name, "blobs/sha256/") ? name + STRLEN("blobs/sha256/") : NULL;

        return hex && strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64 ? hex : NULL;
}

/* A document named by its digest must hash to it, as a runtime checks
 * what it reads (OCI image-spec, descriptor.md, "Digests"): else an index
 * could name a trusted manifest's digest and the blob hold another. */
static int check_doc(struct image *img, const char *name, const char *data, size_t len, const char *hex,
                     struct error *err) {
        char got[65];

        sha256_hex(data, len, got);
        if (strcmp(got, hex) == 0 || PORTCULLIS_FUZZING)
                return 0;
        return error_set(err, EINVAL, "%s: %s holds sha256:%s, not sha256:%s as its name says: the image is damaged "
                         "or was altered; save it again", img->path, name, got, hex);
}

/* A document of the image by its name in the layout, parsed; checked
 * against hex (64 digits) when it is not NULL; the digest of its bytes in
 * ret_hex when that is not NULL. */
static json_t *load_doc(struct image *img, const char *name, const char *hex, char ret_hex[65], size_t *ret_len,
                        struct error *err) {
        _cleanup_free_ char *buf = NULL;
        const char *data = NULL;
        json_error_t jerr;
        size_t len = 0;
        json_t *j = NULL;

        if (img->is_dir) {
                /* Resolved inside the layout folder, like a rootfs. */
                struct error rerr = {};
                int q = rootfs_read_file(img->layout, name, IMAGE_JSON_MAX, &buf, &len, &rerr);

                if (q == -ENOENT) {
                        error_set(err, ENOENT, "%s: %s is missing", img->path, name);
                        return NULL;
                }
                if (q < 0) {            /* a FIFO, too large, unreadable: the message says which */
                        if (err)
                                *err = rerr;
                        return NULL;
                }
                data = buf;
        } else
                for (size_t i = 0; i < img->n_blobs && !data; i++)
                        if (strcmp(img->blobs[i].name, name) == 0) {
                                data = img->blobs[i].data;
                                len = img->blobs[i].len;
                        }
        if (!data) {
                size_t n = strlen(name);

                for (char **w = img->docs_passed_over; w && *w; w++)
                        if (strncmp(*w, name, n) == 0 && (*w)[n] == ':') {
                                error_set(err, EINVAL, "%s: %s was not read:%s", img->path, name, *w + n + 1);
                                return NULL;
                        }
                error_set(err, ENOENT, "%s: %s is missing", img->path, name);
                return NULL;
        }
        if (hex && check_doc(img, name, data, len, hex, err) < 0)
                return NULL;
        if (ret_hex)
                sha256_hex(data, len, ret_hex);
        if (ret_len)
                *ret_len = len;
        j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                error_set(err, EINVAL, "%s: %s is not JSON (line %d: %s)", img->path, name, jerr.line, jerr.text);
        return j;
}

/* A document of the image by its name, parsed; a blob checked against
 * its name's digest. */
static json_t *get_json(struct image *img, const char *name, struct error *err) {
        return load_doc(img, name, blob_hex(name), NULL, NULL, err);
}

/* ---- which layers, which digest --------------------------------------------- */

static bool valid_digest(const char *d) {
        return d && startswith(d, "sha256:") && strlen(d) == 71 && strspn(d + 7, "0123456789abcdef") == 64;
}

/* A descriptor's "size", the bytes of what it names (OCI image-spec,
 * descriptor.md: an int64, REQUIRED): an integer of at least 0, as
 * containerd takes it.  doc and field name it in the refusal. */
static int descriptor_size(struct image *img, json_t *desc, const char *doc, const char *field, uint64_t *ret,
                           struct error *err) {
        json_t *v = json_object_get(desc, "size");

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return error_set(err, EINVAL, "%s: %s: \"%s.size\" is %s, not a size in bytes: the image is damaged "
                                 "or was altered; save it again", img->path, doc, field,
                                 !v ? "missing" : json_is_integer(v) ? "negative" : "not an integer");
        *ret = (uint64_t) json_integer_value(v);
        return 0;
}

/* A layer by its name in the archive or folder, and the digest its bytes
 * must have ("sha256:<hex>"); size, their number, from an OCI manifest
 * (none from a docker save's: UINT64_MAX). */
static int add_layer(struct image *img, const char *name, const char *digest, uint64_t size, struct error *err) {
        size_t n = strv_length(img->layers);
        uint64_t *sizes;

        if (n >= IMAGE_LAYERS_MAX)
                return error_set(err, E2BIG, "%s: more than %d layers", img->path, IMAGE_LAYERS_MAX);
        if (!(sizes = reallocarray(img->layer_sizes, n + 1, sizeof(*sizes))))
                return error_set(err, ENOMEM, "out of memory");
        img->layer_sizes = sizes;
        sizes[n] = size;
        if (strv_push(&img->layers, strdup(name)) < 0 || strv_push(&img->layer_digests, strdup(digest)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static char *blob_path(const char *digest) {
        char *s = NULL;

        return asprintf(&s, "blobs/sha256/%s", digest + 7) < 0 ? NULL : s;
}

/* The architecture a runtime on this host pulls from an index, in the
 * index's (Go's) names: the CLI's own. */
static const char *host_arch(void) {
#if defined(__x86_64__)
        return "amd64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__arm__)
        return "arm";
#elif defined(__i386__)
        return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64le";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#else
        return "unknown";
#endif
}

static bool same_digests(json_t *manifests) {
        const char *first = json_string_value(json_object_get(json_array_get(manifests, 0), "digest"));
        json_t *m;
        size_t i;

        json_array_foreach(manifests, i, m)
                if (!streq_ptr(json_string_value(json_object_get(m, "digest")), first))
                        return false;
        return true;
}

/* An index without the host's platform: several images (docker save a b),
 * or only other platforms (listed); a runtime here would run none of them
 * as this reader would pick one, so none is. */
static json_t *no_manifest(struct image *img, json_t *manifests, struct error *err) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        json_t *m;
        size_t i;

        json_array_foreach(manifests, i, m) {
                json_t *plat = json_object_get(m, "platform");

                if (i < 8 && json_is_object(plat))
                        (void) strbuf_printf(&b, "%s%s/%s", b.len ? ", " : "",
                                             strna(json_string_value(json_object_get(plat, "os"))),
                                             strna(json_string_value(json_object_get(plat, "architecture"))));
        }
        if (json_array_size(manifests) == 0)
                error_set(err, EINVAL, "%s: the index names no manifest", img->path);
        else if (!b.len)
                error_set(err, EINVAL, "%s: the index names %zu images; scan one image per file (docker save "
                          "IMAGE -o FILE, skopeo copy ... oci-archive:FILE)", img->path, json_array_size(manifests));
        else
                error_set(err, EINVAL, "%s: the index has no linux/%s manifest, the one a runtime here would run "
                          "(it has %s%s); save the image for this platform", img->path, host_arch(), b.s,
                          json_array_size(manifests) > 8 ? ", ..." : "");
        return NULL;
}

/* In an index, the manifest for this host's platform (linux/host_arch(),
 * as containerd and Docker choose), else its only one (or one named
 * several times); descends into nested indexes once. */
static json_t *pick_manifest(struct image *img, json_t *index, int depth, char **ret_digest, struct error *err) {
        json_t *manifests = json_object_get(index, "manifests"), *m, *pick = NULL, *doc;
        _cleanup_free_ char *bp = NULL;
        const char *digest, *type;
        uint64_t size;
        size_t i, at = 0, len = 0;
        char field[48];

        json_array_foreach(manifests, i, m) {
                json_t *plat = json_object_get(m, "platform");

                if (streq_ptr(json_string_value(json_object_get(plat, "os")), "linux") &&
                    streq_ptr(json_string_value(json_object_get(plat, "architecture")), host_arch())) {
                        pick = m;
                        at = i;
                        break;
                }
        }
        if (!pick && json_array_size(manifests) > 0 && same_digests(manifests))
                pick = json_array_get(manifests, 0);
        if (!pick)
                return no_manifest(img, manifests, err);
        digest = json_string_value(json_object_get(pick, "digest"));
        if (!valid_digest(digest)) {
                error_set(err, EINVAL, "%s: the index names no manifest with a sha256 digest", img->path);
                return NULL;
        }
        if (!img->name) {
                json_t *ann = json_object_get(pick, "annotations");
                const char *n = json_string_value(json_object_get(ann, "io.containerd.image.name"));

                if (!n)
                        n = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
                img->name = n ? strdup(n) : NULL;
        }
        snprintf(field, sizeof(field), "manifests[%zu]", at);
        if (descriptor_size(img, pick, depth ? img->manifest_name : "index.json", field, &size, err) < 0 ||
            !(bp = blob_path(digest)) || !(doc = load_doc(img, bp, blob_hex(bp), NULL, &len, err)))
                return NULL;
        if (len != size) {
                error_set(err, EINVAL, "%s: %s is %zu bytes, not %" PRIu64 " as the \"%s.size\" of %s says: the image "
                          "is damaged or was altered; save it again", img->path, bp, len, size, field,
                          depth ? img->manifest_name : "index.json");
                json_decref(doc);
                return NULL;
        }
        free(img->manifest_name);
        img->manifest_name = TAKE_PTR(bp);
        type = json_string_value(json_object_get(doc, "mediaType"));
        if (json_is_array(json_object_get(doc, "manifests")) || (type && strstr(type, "index")) ||
            (type && strstr(type, "manifest.list"))) {
                json_t *inner = depth < 2 ? pick_manifest(img, doc, depth + 1, ret_digest, err) : NULL;

                if (depth >= 2)
                        error_set(err, ELOOP, "%s: indexes nested too deep", img->path);
                json_decref(doc);
                return inner;
        }
        *ret_digest = strdup(digest);
        return doc;
}

static int resolve_oci(struct image *img, json_t *index, struct error *err) {
        _cleanup_free_ char *digest = NULL;
        json_t *manifest = pick_manifest(img, index, 0, &digest, err), *l;
        uint64_t size;
        size_t i;
        int r = 0;

        if (!manifest)
                return -EINVAL;
        r = descriptor_size(img, json_object_get(manifest, "config"), img->manifest_name, "config", &size, err);
        json_array_foreach(json_object_get(manifest, "layers"), i, l) {
                const char *d = json_string_value(json_object_get(l, "digest"));
                _cleanup_free_ char *bp = NULL;
                char field[32];

                if (r < 0)
                        break;
                if (!valid_digest(d)) {
                        r = error_set(err, EINVAL, "%s: layer %zu has no sha256 digest", img->path, i);
                        break;
                }
                snprintf(field, sizeof(field), "layers[%zu]", i);
                if ((r = descriptor_size(img, l, img->manifest_name, field, &size, err)) < 0)
                        break;
                if (!(bp = blob_path(d)) || (r = add_layer(img, bp, d, size, err)) < 0) {
                        r = r < 0 ? r : -ENOMEM;
                        break;
                }
        }
        json_decref(manifest);
        if (r >= 0)
                img->digest = TAKE_PTR(digest);
        return r;
}

/* The image id a docker save names its config by: the config's digest,
 * the hex of its file name ("<hex>.json", "sha256:<hex>"); "" when the
 * name holds none. */
static void docker_config_hex(const char *config, char ret[65]) {
        const char *base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;

        base = startswith(base, "sha256:") ? base + STRLEN("sha256:") : base;

        ret[0] = '\0';
        if (strspn(base, "0123456789abcdef") == 64)
                snprintf(ret, 65, "%.64s", base);
}

/* docker save's layers in manifest.json's order, each with the digest of
 * its bytes from the config's rootfs.diff_ids (layer.tar is not
 * compressed: its bytes are the diff); docker load refuses a config
 * whose diff_ids are not one per layer. */
static int docker_layers(struct image *img, json_t *m, json_t *config, struct error *err) {
        json_t *layers = json_object_get(m, "Layers"), *diffs = json_object_get(json_object_get(config, "rootfs"),
                                                                                 "diff_ids"), *l;
        size_t i;
        int r;

        if (!json_is_array(diffs) || json_array_size(diffs) != json_array_size(layers))
                return error_set(err, EINVAL, "%s: the config lists %zu layer digests (rootfs.diff_ids) for the %zu "
                                 "layers of manifest.json; docker load would refuse it: save the image again",
                                 img->path, json_array_size(diffs), json_array_size(layers));
        json_array_foreach(layers, i, l) {
                const char *d = json_string_value(json_array_get(diffs, i));
                /* cleaned as the archive's names are ("./<id>/layer.tar",
                 * which docker load takes, is "<id>/layer.tar") */
                _cleanup_free_ char *p = clean_path(strempty(json_string_value(l)));

                if (!p)
                        return error_set(err, EINVAL, "%s: manifest.json Layers[%zu] is not a path", img->path, i);
                if (!valid_digest(d))
                        return error_set(err, EINVAL, "%s: the config's rootfs.diff_ids[%zu] is not a sha256 digest",
                                         img->path, i);
                if ((r = add_layer(img, p, d, UINT64_MAX, err)) < 0)
                        return r;
        }
        return 0;
}

/* docker save: manifest.json names the config (its file name is the image
 * id, the config's digest, which it must hash to) and the layer tarballs
 * in order. */
static int resolve_docker(struct image *img, json_t *manifest, struct error *err) {
        json_t *m = json_array_get(manifest, 0), *c;
        _cleanup_free_ char *config = clean_path(strempty(json_string_value(json_object_get(m, "Config"))));
        const char *tag = json_string_value(json_array_get(json_object_get(m, "RepoTags"), 0));
        char hex[65];
        int r;

        /* one image's registry manifest (skopeo copy dir:, podman save
         * --format docker-dir), not docker save's list of images */
        if (!json_is_array(manifest))
                return error_set(err, EINVAL, "%s: manifest.json is not a docker save manifest (a list of images) "
                                 "but %s; save the image with docker save IMAGE -o FILE, or skopeo copy ... "
                                 "oci:DIR or oci-archive:FILE", img->path,
                                 json_object_get(manifest, "schemaVersion") ?
                                 "one image's registry manifest, as skopeo copy dir: writes it" : "something else");
        /* docker save a b: one file, two images; the report is of one */
        if (json_array_size(manifest) > 1)
                return error_set(err, EINVAL, "%s: manifest.json names %zu images; scan one image per file (docker "
                                 "save IMAGE -o FILE)", img->path, json_array_size(manifest));
        if (!config)
                return error_set(err, EINVAL, "%s: manifest.json names no Config", img->path);
        docker_config_hex(config, hex);
        /* A config not named by its digest ("config.json"): the image
         * id is still the digest of its bytes, as docker load computes
         * it, never of the JSON as parsed and written again. */
        if (!(c = load_doc(img, config, hex[0] ? hex : NULL, hex, NULL, err)))
                return -EINVAL;
        img->legacy = true;
        r = docker_layers(img, m, c, err);
        json_decref(c);
        if (r < 0)
                return r;
        if (asprintf(&img->digest, "sha256:%s", hex) < 0)
                return -ENOMEM;
        img->name = tag ? strdup(tag) : NULL;
        return 0;
}

/* docker save (25 and later) writes index.json and manifest.json, naming
 * the same layer blobs; docker load reads manifest.json, containerd's
 * import index.json.  An archive whose two disagree would show each of
 * them another image: refused. */
static int check_docker_agrees(struct image *img, struct error *err) {
        json_t *j = get_json(img, "manifest.json", NULL), *l;
        size_t i, n = 0;
        int r = 0;

        if (!j)
                return 0;
        if (json_array_size(j) != 1)
                r = -EINVAL;
        json_array_foreach(json_object_get(json_array_get(j, 0), "Layers"), i, l) {
                _cleanup_free_ char *p = clean_path(strempty(json_string_value(l)));

                if (r < 0 || !p || !img->layers || !img->layers[n] || strcmp(p, img->layers[n++]) != 0)
                        r = -EINVAL;
        }
        if (r >= 0 && img->layers && img->layers[n])
                r = -EINVAL;
        json_decref(j);
        return r < 0 ? error_set(err, EINVAL, "%s: manifest.json and index.json name different images or layers "
                                 "(docker load reads the first, containerd the second): refused, save the image "
                                 "again", img->path) : 0;
}

static int resolve(struct image *img, struct error *err) {
        struct error ierr = {};
        json_t *j;
        int r;

        if ((j = get_json(img, "index.json", &ierr))) {
                r = resolve_oci(img, j, err);
                json_decref(j);
                return r < 0 ? r : check_docker_agrees(img, err);
        }
        if (ierr.code != -ENOENT) {     /* there, but not readable as one: say why */
                *err = ierr;
                return -EINVAL;
        }
        j = get_json(img, "manifest.json", err);
        if (!j && err->code != -ENOENT)
                return -EINVAL;
        if (!j)
                return error_set(err, EINVAL, "%s: neither an OCI layout (index.json) nor a docker save archive "
                                 "(manifest.json)", img->path);
        r = resolve_docker(img, j, err);
        json_decref(j);
        return r;
}

/* ---- applying the layers ------------------------------------------------------ */

/* A layer's bytes as stored, read once: libarchive pulls them through
 * hashed_read(), which hashes each piece on its way (OCI image-spec,
 * descriptor.md: content is verified against its digest; docker load
 * checks a layer against its diff_id the same way).  No skip callback:
 * what libarchive skips (an entry past a cap) it reads through, hashed. */
struct hashed {
        struct archive *outer;  /* the layer is an entry of this archive, */
        int fd;                 /* or a file of the layout folder */
        struct sha256 sha;
        bool unhashed;          /* a docker save's: the tar inside is hashed, not the stored bytes */
        bool eof;
        uint64_t len, size;     /* bytes read; the descriptor's "size" (UINT64_MAX: none) */
        char buf[65536];
};

/* Reads no more than one byte past the descriptor's size: a layer longer
 * than that is refused (check_layer()) without reading the rest of it. */
static la_ssize_t hashed_pull(struct hashed *h) {
        size_t want = sizeof(h->buf);
        la_ssize_t n;

        if (h->size != UINT64_MAX) {
                uint64_t left = h->len > h->size ? 0 : h->size - h->len + 1;

                if (left < want)
                        want = (size_t) left;
        }
        if (h->eof || want == 0)
                return 0;
        if (h->outer)
                n = archive_read_data(h->outer, h->buf, want);
        else
                do
                        n = read(h->fd, h->buf, want);
                while (n < 0 && errno == EINTR);
        if (n > 0 && !h->unhashed)
                sha256_update(&h->sha, h->buf, (size_t) n);
        if (n > 0)
                h->len += (uint64_t) n;
        h->eof = n == 0;
        return n;
}

static la_ssize_t hashed_read(struct archive *a, void *userdata, const void **ret) {
        struct hashed *h = userdata;
        la_ssize_t n = hashed_pull(h);

        if (n < 0)
                archive_set_error(a, h->outer ? EIO : errno, "%s", h->outer ? strna(archive_error_string(h->outer))
                                                                            : strerror(errno));
        *ret = h->buf;
        return n < 0 ? ARCHIVE_FATAL : n;
}

/* A layer that could not be checked against its digest: its files were
 * read but are not tied to the image's digest, which then names nothing
 * verified; dropped (image_digest() NULL), so no VEX statement about the
 * image by its digest applies, and noted as not checked, like a file a
 * cap kept out. */
static int layer_not_verified(struct image *img, const char *what, const char *why, struct error *err) {
        free(img->digest);
        img->digest = NULL;
        if (image_not_read(img, "%s: %s, so the image's digest is not verified: VEX statements about the image by "
                           "its digest are not applied; not checked", what, why) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* A layer of another length than its descriptor's "size" (containerd
 * refuses it as well): the digest would tell it too, but not why. */
static int check_layer_size(struct image *img, const struct hashed *h, size_t i, const char *what,
                            struct error *err) {
        if (h->size == UINT64_MAX || h->len == h->size)
                return 0;
        if (PORTCULLIS_FUZZING)
                return layer_not_verified(img, what, "a fuzzing build", err);
        return error_set(err, EINVAL, "%s (%s) is %s%" PRIu64 " bytes, not %" PRIu64 " as the \"layers[%zu].size\" "
                         "of %s says: the image is damaged or was altered; save it again", what, img->layers[i],
                         h->len > h->size ? "more than " : "", h->len > h->size ? h->size : h->len, h->size, i,
                         strna(img->manifest_name));
}

/* The rest of the layer past what libarchive read (it stops at the tar's
 * end-of-archive blocks), through the hash too: the digest covers every
 * byte a runtime verifies.  Then the digest is compared: the stored bytes'
 * with the manifest's, or (u, a docker save's layer: docker load takes a
 * compressed layer.tar too) the tar's inside with the diff_id. */
static int check_layer(struct image *img, struct hashed *h, struct hashed *u, size_t i, const char *what,
                       struct error *err) {
        const char *want = img->layer_digests[i];
        char got[65];
        la_ssize_t n;
        int r;

        while (u && (n = hashed_pull(u)) > 0)
                ;
        if (u && n < 0)
                return error_set(err, EIO, "%s (%s) can't be decompressed to its end: %s", what, img->layers[i],
                                 strna(archive_error_string(u->outer)));
        while ((n = hashed_pull(h)) > 0)
                ;
        if (n < 0)
                return error_set(err, EIO, "%s (%s) can't be read to its end: %s", what, img->layers[i],
                                 h->outer ? strna(archive_error_string(h->outer)) : strerror(errno));
        if ((r = check_layer_size(img, h, i, what, err)) < 0)
                return r;
        if (sha256_final_hex(u ? &u->sha : &h->sha, got) < 0)
                return layer_not_verified(img, what, "its bytes could not be hashed", err);
        if (strcmp(got, want + STRLEN("sha256:")) == 0)
                return 0;
        if (PORTCULLIS_FUZZING)
                return layer_not_verified(img, what, "a fuzzing build", err);
        return error_set(err, EINVAL, "%s (%s) holds sha256:%s, not %s as %s says: the image is damaged or was "
                         "altered; save it again", what, img->layers[i], got, want,
                         img->legacy ? "the config's rootfs.diff_ids" : "the manifest");
}

/* The decompression of a docker save's layer reading h: the tar inside
 * comes out of *ret (its outer, an archive of no format and the four
 * filters, applied once). */
static int open_unpacked(struct image *img, struct hashed *h, size_t i, struct hashed **ret, const char *what,
                         struct error *err) {
        struct archive *raw = archive_read_new();
        struct archive_entry *e;

        if (!raw)
                return -ENOMEM;
        /* What docker load's DecompressStream() takes, no more: a layer.tar
         * it refuses (lz4, lzma, compressed twice) is no image it runs. */
        archive_read_support_format_raw(raw);
        support_filters(raw);
        if (archive_read_open(raw, h, NULL, hashed_read, NULL) != ARCHIVE_OK ||
            archive_read_next_header(raw, &e) != ARCHIVE_OK) {
                int r = error_set(err, EINVAL, "%s (%s) is not a tar archive: %s", what, img->layers[i],
                                  archive_error_string(raw));

                archive_read_free(raw);
                return r;
        }
        /* the filters and the raw bytes beneath them */
        if (archive_filter_count(raw) > 2) {
                int r = error_set(err, EINVAL, "%s (%s) is compressed twice (%s inside %s), which docker load "
                                  "does not take: save the image again", what, img->layers[i],
                                  archive_filter_name(raw, 0), archive_filter_name(raw, 1));

                archive_read_free(raw);
                return r;
        }
        if (!(*ret = malloc(sizeof(**ret)))) {
                archive_read_free(raw);
                return -ENOMEM;
        }
        **ret = (struct hashed) { .outer = raw, .fd = -EBADF, .size = UINT64_MAX };
        sha256_init(&(*ret)->sha);
        return 0;
}

/* The layer read as an archive of its own (tar, compressed or not) from
 * h, then checked against its digest: in a docker save, the tar that
 * comes out of the decompression is read (the tar alone, never
 * decompressed twice) and hashed for its diff_id. */
static int apply_hashed_layer(struct image *img, struct hashed *h, size_t i, const char *what, struct error *err) {
        _cleanup_free_ struct hashed *u = NULL;
        struct archive *a = img->legacy ? archive_read_new() : new_reader();
        int r = 0;

        if (!a)
                return -ENOMEM;
        sha256_init(&h->sha);
        h->size = img->layer_sizes[i];
        if (img->legacy) {
                h->unhashed = true;
                archive_read_support_format_tar(a);
                r = open_unpacked(img, h, i, &u, what, err);
        }
        if (r >= 0 && archive_read_open(a, u ? u : h, NULL, hashed_read, NULL) != ARCHIVE_OK)
                r = error_set(err, EINVAL, "%s (%s) is not a tar archive: %s", what, img->layers[i],
                              archive_error_string(a));
        else if (r >= 0)
                r = apply_layer(img, a, what, err);
        if (r >= 0)
                r = check_layer(img, h, u, i, what, err);
        else if (h->size != UINT64_MAX && h->len > h->size && !PORTCULLIS_FUZZING)
                r = check_layer_size(img, h, i, what, err);     /* not libarchive's, of the layer cut there */
        archive_read_free(a);
        if (u) {
                archive_read_free(u->outer);
                sha256_done(&u->sha);
        }
        sha256_done(&h->sha);
        return r;
}

/* A layer inside the image archive: found by a pass over the archive, then
 * read through as an archive of its own. */
static int apply_archived_layer(struct image *img, size_t i, const char *what, struct error *err) {
        _cleanup_free_ struct hashed *h = NULL;
        struct archive *outer = NULL;
        struct archive_entry *e;
        int rc, r;

        if ((r = open_archive(img, &outer, err)) < 0)
                return r;
        while ((rc = archive_read_next_header(outer, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *p = clean_path(strempty(archive_entry_pathname(e)));

                if (p && strcmp(p, img->layers[i]) == 0)
                        break;
        }
        if (rc != ARCHIVE_OK)
                r = error_set(err, ENOENT, "%s: the archive has no %s", img->path, what);
        else if (!(h = malloc(sizeof(*h))))
                r = -ENOMEM;
        else {
                *h = (struct hashed) { .outer = outer, .fd = -EBADF };
                r = apply_hashed_layer(img, h, i, what, err);
        }
        archive_read_free(outer);
        return r;
}

static int apply_file_layer(struct image *img, size_t i, const char *what, struct error *err) {
        _cleanup_free_ struct hashed *h = NULL;
        _cleanup_close_ int fd = -EBADF;

        fd = rootfs_openat(img->layout, img->layers[i], O_RDONLY, err);
        if (fd < 0)
                return error_wrap(err, "%s", what);
        if (!(h = malloc(sizeof(*h))))
                return -ENOMEM;
        *h = (struct hashed) { .fd = fd };
        return apply_hashed_layer(img, h, i, what, err);
}

static int make_tmp(struct image *img, struct error *err) {
        const char *base = getenv("TMPDIR");

        if (asprintf(&img->tmp, "%s/portcullis-image-XXXXXX", base && *base ? base : "/tmp") < 0)
                return -ENOMEM;
        if (!mkdtemp(img->tmp)) {
                int r = error_set_errno(err, errno, "create a temporary folder in %s", base ? base : "/tmp");

                free(img->tmp);
                img->tmp = NULL;
                return r;
        }
        img->tmpfd = open(img->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return img->tmpfd < 0 ? error_set_errno(err, errno, "open %s", img->tmp) : 0;
}

/* Closes every fd but 0-2 and keep_a, keep_b (both above 2). */
static void close_all_but(int keep_a, int keep_b) {
        int lo = keep_a < keep_b ? keep_a : keep_b, hi = keep_a < keep_b ? keep_b : keep_a;

        (void) close_range(3, (unsigned) lo - 1, 0);
        if (hi > lo + 1)
                (void) close_range((unsigned) lo + 1, (unsigned) hi - 1, 0);
        (void) close_range((unsigned) hi + 1, ~0U, 0);
}

/* A process of its own session, deaf to the signals that end a scan
 * (^C, a CI's timeout, which signal the whole group), that removes the
 * temporary folder when the writing end of its pipe closes without
 * image_free() having emptied it: a scan killed on the way left the image
 * written out in $TMPDIR, every time.  The scan goes on only once the
 * process is out of its group (the ready pipe closed): on a loaded node a
 * child not yet run would die with it.  Those signals stay blocked until
 * then.  Not started (fork failed): the folder goes as before, at
 * image_free(). */
static void start_reaper(struct image *img) {
        static const int deaf[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
        int p[2], ready[2], null;
        sigset_t block, saved;
        pid_t pid;
        char c;

        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        if (pipe2(ready, O_CLOEXEC) < 0) {
                close(p[0]);
                close(p[1]);
                return;
        }
        sigemptyset(&block);
        for (size_t i = 0; i < ELEMENTSOF(deaf); i++)
                sigaddset(&block, deaf[i]);
        (void) sigprocmask(SIG_BLOCK, &block, &saved);
        pid = fork();
        if (pid != 0) {
                close(p[0]);
                close(ready[1]);
                if (pid < 0)
                        close(p[1]);
                else {
                        img->reaper = pid;
                        img->reaper_fd = p[1];
                        while (read(ready[0], &c, 1) < 0 && errno == EINTR)
                                ;
                }
                close(ready[0]);
                (void) sigprocmask(SIG_SETMASK, &saved, NULL);
                return;
        }
        (void) setsid();
        for (size_t i = 0; i < ELEMENTSOF(deaf); i++)
                (void) signal(deaf[i], SIG_IGN);
        (void) sigprocmask(SIG_SETMASK, &saved, NULL);
        close(ready[1]);
        if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0)
                for (int fd = 0; fd < 3; fd++)
                        (void) dup2(null, fd);
        close_all_but(p[0], img->tmpfd);
        while (read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
        remove_at(img, img->tmpfd, ".", ".", REMOVE_KEEP_TOP);
        (void) rmdir(img->tmp);
        _exit(0);
}

int image_prepare(const char *path, struct image **ret, struct error *err) {
        _cleanup_(image_freep) struct image *img = calloc(1, sizeof(*img));
        struct stat st;
        int r;

        if (!img || !(img->path = strdup(path)))
                return -ENOMEM;
        img->tmpfd = img->srcfd = img->reaper_fd = -EBADF;
        if (stat(path, &st) < 0)
                return error_set_errno(err, errno, "%s", path);
        img->is_dir = S_ISDIR(st.st_mode);
        /* O_NONBLOCK and the check after: a FIFO swapped in after the stat
         * must not hang us. */
        if (img->is_dir)
                r = rootfs_open(path, 0, &img->layout, err);
        else if ((img->srcfd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
                 fstat(img->srcfd, &st) < 0)
                r = error_set_errno(err, errno, "open %s", path);
        else
                r = S_ISREG(st.st_mode) ? 0 : error_set(err, EINVAL, "%s is not a regular file", path);
        if (r < 0 || (r = make_tmp(img, err)) < 0)
                return r;
        start_reaper(img);
        /* The reader's child is chrooted to the empty temporary folder
         * (as root), where libcrypto can't be loaded: loaded here, for
         * the layers' digests (several times faster than portable C). */
        sha256_preload();
        /* A layer's tar names a file with a non-ASCII name (Debian's
         * ca-certificates has some) in a pax header, in UTF-8, which
         * libarchive converts to the current locale: in the C locale it
         * can't, and the layer could not be read.  Loaded here, where the
         * locale files can still be opened (the child is chrooted). */
        img->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
        *ret = TAKE_PTR(img);
        return 0;
}

static int materialise(struct image *img, struct error *err) {
        int r;

        if ((!img->is_dir && (r = collect_blobs(img, err)) < 0) || (r = resolve(img, err)) < 0)
                return r;
        for (size_t i = 0; img->layers && img->layers[i]; i++) {
                char what[64];

                snprintf(what, sizeof(what), "layer %zu", i + 1);
                r = img->is_dir ? apply_file_layer(img, i, what, err) : apply_archived_layer(img, i, what, err);
                if (r < 0)
                        return error_wrap(err, "%s", img->path);
        }
        return 0;
}

/* In C.UTF-8 where the host has it, so that libarchive gives the layers'
 * UTF-8 names as they are. */
int image_materialise(struct image *img, struct error *err) {
        locale_t old = img->utf8 ? uselocale(img->utf8) : (locale_t) 0;
        int r = materialise(img, err);

        if (old)
                uselocale(old);
        return r;
}

int image_open(const char *path, struct image **ret, struct error *err) {
        _cleanup_(image_freep) struct image *img = NULL;
        int r;

        if ((r = image_prepare(path, &img, err)) < 0 || (r = image_materialise(img, err)) < 0)
                return r;
        *ret = TAKE_PTR(img);
        return 0;
}

/* ---- what the sandboxed reader tells the front end -------------------------- */

int image_result_json(const struct image *img, char **ret, struct error *err) {
        json_t *w = json_array(), *k = json_array(), *root;

        for (char *const *s = img->warnings; w && s && *s; s++)
                json_array_append_new(w, json_string(*s));
        for (char *const *s = img->skipped; k && s && *s; s++)
                json_array_append_new(k, json_string(*s));
        root = json_pack("{s:o, s:o, s:o, s:o}", "name", img->name ? json_string(img->name) : json_null(),
                         "digest", img->digest ? json_string(img->digest) : json_null(), "warnings", w,
                         "skipped", k);
        *ret = root ? json_dumps(root, JSON_COMPACT) : NULL;
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render JSON");
}

/* The child's document is as untrusted as the image: a digest must be one,
 * the name and warnings are capped and made printable. */
static int take_string(json_t *v, size_t max, char **ret) {
        const char *s = json_string_value(v);

        if (json_is_null(v))
                return 0;
        if (!s || strlen(s) > max || !(*ret = strdup(s)))
                return -EBADMSG;
        str_make_printable(*ret);
        return 0;
}

/* A list of at most max + 1 strings, each capped and made printable. */
static int take_strings(json_t *a, size_t max, char ***ret) {
        json_t *v;
        size_t i;
        int r = json_is_array(a) && json_array_size(a) <= max + 1 ? 0 : -EBADMSG;

        json_array_foreach(a, i, v) {
                char *s = NULL;

                if (r < 0 || (r = take_string(v, IMAGE_WARNING_LEN_MAX, &s)) < 0 || !s ||
                    (r = strv_push(ret, s)) < 0)
                        return r < 0 ? r : -EBADMSG;
        }
        return r;
}

int image_result_parse(struct image *img, const char *buf, size_t len, struct error *err) {
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        _cleanup_free_ char *name = NULL, *digest = NULL;
        _cleanup_strv_free_ char **warnings = NULL, **skipped = NULL;
        int r;

        r = json_is_object(root) ? take_strings(json_object_get(root, "warnings"), IMAGE_WARNINGS_MAX, &warnings)
                                 : -EBADMSG;
        if (r >= 0)
                r = take_strings(json_object_get(root, "skipped"), IMAGE_SKIPPED_MAX, &skipped);
        if (r >= 0)
                r = take_string(json_object_get(root, "name"), IMAGE_NAME_MAX, &name);
        if (r >= 0)
                r = take_string(json_object_get(root, "digest"), 71, &digest);
        if (r >= 0 && digest && !valid_digest(digest))
                r = -EBADMSG;
        json_decref(root);
        if (r < 0)
                return error_set(err, EBADMSG, "%s: the image reader's result is not valid", img->path);
        free(img->name);
        free(img->digest);
        strv_free(img->warnings);
        strv_free(img->skipped);
        img->name = TAKE_PTR(name);
        img->digest = TAKE_PTR(digest);
        img->warnings = TAKE_PTR(warnings);
        img->skipped = TAKE_PTR(skipped);
        return 0;
}

void image_free(struct image *img) {
        if (!img)
                return;
        if (img->tmpfd >= 0) {
                pathset_clear(&img->fresh);
                remove_at(img, img->tmpfd, ".", ".", REMOVE_KEEP_TOP);
                close(img->tmpfd);
        }
        if (img->tmp)
                (void) rmdir(img->tmp);
        if (img->reaper > 0) {          /* nothing left for it to remove */
                close(img->reaper_fd);
                (void) waitpid(img->reaper, NULL, 0);
        }
        if (img->srcfd >= 0)
                close(img->srcfd);
        rootfs_free(img->layout);
        for (size_t i = 0; i < img->n_blobs; i++) {
                free(img->blobs[i].name);
                free(img->blobs[i].data);
        }
        free(img->blobs);
        strv_free(img->layers);
        strv_free(img->layer_digests);
        free(img->layer_sizes);
        free(img->manifest_name);
        pathset_clear(&img->fresh);
        strv_free(img->warnings);
        strv_free(img->skipped);
        strv_free(img->docs_passed_over);
        free(img->tmp);
        free(img->path);
        free(img->name);
        free(img->digest);
        if (img->utf8)
                freelocale(img->utf8);
        free(img);
}
