/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "test.h"

static void test_error(void) {
        struct error err = {};
        char big[3000];

        CHECK(error_set(&err, EINVAL, "field '%s'", "id") == -EINVAL);
        CHECK(error_wrap(&err, "read %s", "a.json") == -EINVAL);
        CHECK_STREQ(err.msg, "read a.json: field 'id'");
        CHECK(error_set(&err, -ENOENT, "x") == -ENOENT);          /* either sign */
        CHECK(error_set(NULL, ENOMEM, "ignored") == -ENOMEM);     /* err may be NULL */
        CHECK(error_wrap(NULL, "x") == -EIO);
        CHECK(error_set_errno(&err, ENOENT, "open %s", "f") == -ENOENT);
        CHECK_STREQ(err.msg, "open f: No such file or directory");

        /* Overlong context is cut, never overflowed, and stays terminated. */
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        error_set(&err, EIO, "%s", big);
        CHECK(strlen(err.msg) == ERROR_MSG_MAX - 1);
        error_wrap(&err, "%s", big);
        CHECK(strlen(err.msg) == ERROR_MSG_MAX - 1);
        error_clear(&err);
        CHECK(err.code == 0 && err.msg[0] == '\0');
}

static void test_strbuf(void) {
        struct strbuf b = { .max = 10 };
        _cleanup_free_ char *s = NULL;

        CHECK(strbuf_puts(&b, "12345") == 0);
        CHECK(strbuf_printf(&b, "%d", 6789) == 0);
        CHECK(strbuf_puts(&b, "AB") == -E2BIG);         /* the cap is a hard error */
        CHECK(b.len == 9 && strcmp(b.s, "123456789") == 0);
        s = strbuf_steal(&b);
        CHECK_STREQ(s, "123456789");
        CHECK(b.s == NULL && b.len == 0);
        strbuf_done(&b);
}

static void test_purl(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "1:2.36-9+deb12u3", "1%3A2.36-9%2Bdeb12u3" },
                { "1.0~rc1", "1.0~rc1" },
                { "a b/c?d#e@f", "a%20b%2Fc%3Fd%23e%40f" },
                { "\xc3\xa9", "%C3%A9" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct strbuf b = {};

                CHECK(strbuf_append_purl_escaped(&b, rows[i].in) == 0);
                CHECK_STREQ(b.s, rows[i].out);
                strbuf_done(&b);
        }
}

static void test_strings(void) {
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *s = strdup_strip("  \t x y \n", 9);

        CHECK_STREQ(s, "x y");
        CHECK(startswith("CVSS:3.1/", "CVSS:"));
        CHECK(!startswith("CVS", "CVSS:"));
        CHECK(strcaseeq("Ubuntu", "uBUNTU") && !strcaseeq("Ubuntu", "Ubunt"));
        CHECK(streq_ptr(NULL, NULL) && !streq_ptr("a", NULL));
        CHECK(strv_push(&v, strdup("a")) == 0 && strv_push(&v, strdup("b")) == 0);
        CHECK(strv_length(v) == 2 && strcmp(v[1], "b") == 0 && v[2] == NULL);
}

/* Capped reads: at the cap is fine, one byte over is -EFBIG (not a
 * truncation); a FIFO is refused without blocking. */
static void test_read_caps(void) {
        const char *f = test_path(test_tmpdir(), "ten");
        const char *fifo = test_path(test_tmpdir(), "fifo");
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len = 0;
        int fd;

        test_write_file(f, "0123456789");
        CHECK(read_full_file(f, 10, &buf, &len, &err) == 0 && len == 10 && strcmp(buf, "0123456789") == 0);
        CHECK(read_full_file(f, 9, &buf, &len, &err) == -EFBIG);
        CHECK(strstr(err.msg, f) != NULL);
        CHECK(read_full_file(test_path(test_tmpdir(), "absent"), 9, &buf, &len, &err) == -ENOENT);

        CHECK(mkfifo(fifo, 0600) == 0);
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK(read_full_fd(fd, 100, fifo, &buf, &len, &err) == -EBADFD);
        close(fd);
}

int main(void) {
        test_error();
        test_strbuf();
        test_purl();
        test_strings();
        test_read_caps();
        return test_end();
}
