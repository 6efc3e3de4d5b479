/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"

/* The first read of read_small_fd(), and the buffer read_full_fd() starts with. */
#define READ_FIRST 4096

static ssize_t read_retry(int fd, void *buf, size_t n) {
        ssize_t k;

        do
                k = read(fd, buf, n);
        while (k < 0 && errno == EINTR);
        return k;
}

/* buf_in (cap + 1 bytes, taken) holds the len bytes read so far; the rest
 * of the file, stat'ed first: a regular file of at most max bytes. */
static int read_rest(int fd, size_t max, const char *what, char *buf_in, size_t len, size_t cap, char **ret_buf,
                     size_t *ret_len, struct error *err) {
        _cleanup_free_ char *buf = buf_in;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", what);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "%s is not a regular file", what);
        if ((unsigned long long) st.st_size > max)
                return error_set(err, EFBIG, "%s is %lld bytes, more than the limit of %zu", what,
                                 (long long) st.st_size, max);
        if ((size_t) st.st_size + 1 > cap) {      /* the whole file in one read */
                char *p = realloc(buf, (size_t) st.st_size + 2);

                if (!p)
                        return error_set(err, ENOMEM, "read %s: out of memory", what);
                buf = p;
                cap = (size_t) st.st_size + 1;
        }
        for (;;) {
                ssize_t n;

                if (len == cap) {
                        char *p;

                        if (cap > max) /* read one byte past max: the file grew */
                                return error_set(err, EFBIG, "%s is larger than the limit of %zu bytes", what, max);
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        p = realloc(buf, cap + 1);
                        if (!p)
                                return error_set(err, ENOMEM, "read %s: out of memory", what);
                        buf = p;
                }
                n = read_retry(fd, buf + len, cap - len);
                if (n < 0)
                        return error_set_errno(err, errno, "read %s", what);
                if (n == 0)
                        break;
                len += (size_t) n;
                /* A regular file reads short only at its end: no read of 0
                 * bytes to confirm it (one syscall per file on the hook's
                 * hit path).  A file that grew fills the buffer instead,
                 * and the loop goes on to the cap.  Not so a file of size
                 * 0 that has content: procfs' give a page or so a read
                 * (/proc/self/mountinfo was cut at its first 4 KiB). */
                if (len < cap && st.st_size > 0)
                        break;
        }
        if (len > max)
                return error_set(err, EFBIG, "%s is larger than the limit of %zu bytes", what, max);
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_full_fd(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err) {
        char *buf = malloc(READ_FIRST + 1);

        if (!buf)
                return error_set(err, ENOMEM, "read %s: out of memory", what);
        return read_rest(fd, max, what, buf, 0, READ_FIRST, ret_buf, ret_len, err);
}

int read_small_fd(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *buf = malloc(READ_FIRST + 1);
        ssize_t n;

        if (!buf)
                return error_set(err, ENOMEM, "read %s: out of memory", what);
        n = read_retry(fd, buf, READ_FIRST);
        /* Full, empty or failed (EISDIR, EAGAIN): the stat says what it is. */
        if (n <= 0 || (size_t) n == READ_FIRST)
                return read_rest(fd, max, what, TAKE_PTR(buf), n > 0 ? (size_t) n : 0, READ_FIRST, ret_buf, ret_len,
                                 err);
        if ((size_t) n > max)
                return error_set(err, EFBIG, "%s is larger than the limit of %zu bytes", what, max);
        buf[n] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = (size_t) n;
        return 0;
}

typedef int read_fd_fn(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err);

static int read_path(const char *path, read_fd_fn *fn, size_t max, char **ret_buf, size_t *ret_len,
                     struct error *err) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        return fn(fd, max, path, ret_buf, ret_len, err);
}

int read_full_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err) {
        return read_path(path, read_full_fd, max, ret_buf, ret_len, err);
}

int read_small_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err) {
        return read_path(path, read_small_fd, max, ret_buf, ret_len, err);
}

int check_dangling_link(const char *path, const char *absent_means, struct error *err) {
        char target[4096];
        struct stat st;
        ssize_t n;

        if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
                return 0;
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        return error_set(err, ENOLINK, "%s is a symbolic link to %s, which does not exist: restore it, or remove the "
                         "link for %s", path, n > 0 ? target : "a missing file", absent_means);
}

int write_all(int fd, const void *buf, size_t n) {
        const char *p = buf;

        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w == 0)
                        errno = EIO;
                if (w <= 0)
                        return -errno;
                p += w;
                n -= (size_t) w;
        }
        return 0;
}

int fsync_dir(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

int check_replaceable(const char *path, struct error *err) {
        struct stat st;

        if (!*path)
                return error_set(err, EINVAL, "an empty path: give the path of the file to write");
        if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
                return 0;
        if (S_ISDIR(st.st_mode))
                return error_set(err, EISDIR, "%s is a folder: give the path of a file in it", path);
        return error_set(err, EEXIST, "%s is not a regular file (a device, a FIFO or a socket), which a new file "
                         "renamed over it would replace: give the path of a file", path);
}

int write_file_atomic(const char *path, const char *buf, size_t len, struct error *err) {
        return write_file_atomic_mode(path, buf, len, 0644, err);
}

int write_file_atomic_mode(const char *path, const char *buf, size_t len, mode_t mode, struct error *err) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *slash;
        int r = 0;

        if ((r = check_replaceable(path, err)) < 0)
                return r;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0 || !(dir = strdup(path)))
                return error_set(err, ENOMEM, "out of memory");
        if ((slash = strrchr(dir, '/')))
                *slash = '\0';
        fd = mkstemp(tmp);
        if (fd < 0)
                return error_set_errno(err, errno, "create %s", tmp);
        for (size_t off = 0; off < len && r == 0;) {
                ssize_t n = write(fd, buf + off, len - off);

                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        off += (size_t) n;
        }
        if (r == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return error_set_errno(err, r, "write %s", path);
        }
        (void) fsync_dir(slash ? dir : ".");
        return 0;
}

int write_file_atomic_leftovers(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        const char *base;
        char *slash;
        struct dirent *de;
        struct stat st;
        size_t n;
        DIR *d;
        int removed = 0;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        base = slash ? path + (slash - dir) + 1 : path;
        if (slash)
                *slash = '\0';
        n = strlen(base);
        d = opendir(!slash ? "." : dir[0] ? dir : "/");
        if (!d)
                return -errno;
        /* "<base>.tmp-XXXXXX", mkstemp()'s six characters */
        while ((de = readdir(d)))
                if (strncmp(de->d_name, base, n) == 0 && strncmp(de->d_name + n, ".tmp-", 5) == 0 &&
                    strlen(de->d_name + n) == 5 + 6 && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode) && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        removed++;
        closedir(d);
        return removed;
}

int mkdir_all(const char *dir, mode_t mode) {
        _cleanup_free_ char *p = strdup(dir);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool end = *s == '\0';

                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                if (end)
                        return 0;
                *s = '/';
        }
}
