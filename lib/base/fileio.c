/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"

int read_full_fd(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", what);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "%s is not a regular file", what);
        if ((unsigned long long) st.st_size > max)
                return error_set(err, EFBIG, "%s is %lld bytes, more than the limit of %zu", what,
                                 (long long) st.st_size, max);

        cap = (size_t) st.st_size + 1;
        if (cap < 4096)
                cap = 4096;
        if (cap > max + 1)
                cap = max + 1;
        buf = malloc(cap + 1);
        if (!buf)
                return error_set(err, ENOMEM, "read %s: out of memory", what);

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
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "read %s", what);
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (len > max)
                return error_set(err, EFBIG, "%s is larger than the limit of %zu bytes", what, max);
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_full_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        return read_full_fd(fd, max, path, ret_buf, ret_len, err);
}
