/* SPDX-License-Identifier: Apache-2.0 */
/* The zip format as PKWARE's APPNOTE.TXT (6.3) lays it out: local file
 * headers with their data, then the central directory, then the end of
 * central directory record (and before it, for zip64, the zip64 end record
 * and its locator).  Little-endian throughout. */
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zip-read.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_END64_LOCATOR 0x07064b50u
#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define END_LEN 22
#define END64_LEN 56
#define END64_LOCATOR_LEN 20
#define EXTRA_ZIP64 0x0001
#define FLAG_ENCRYPTED 0x0001u
#define FLAG_STRONG_ENCRYPTION 0x0040u
#define METHOD_STORED 0
#define METHOD_DEFLATED 8

/* Read from the file this much at least at a time: the entries of an
 * export follow one another, so one read serves hundreds of them. */
#define WINDOW_MIN ((size_t) 1 << 20)

struct window {
        unsigned char *buf;
        size_t cap;
        uint64_t off;           /* of buf[0] in the file */
        size_t len;
};

struct zip_reader {
        int fd, owned_fd;
        const char *what, *advice;
        uint64_t size;                          /* the file's */
        uint64_t central, next, central_end;    /* where the directory starts, its next record, its end */
        uint64_t left;                          /* records not read yet */
        struct window dirw, dataw;     /* windows on the directory and on the entries */
        struct libdeflate_decompressor *inflater;
        /* the current entry */
        char *name;
        uint16_t name_len, method;
        uint32_t crc;
        uint64_t size_in, size_out, local;
        bool have_entry;
        /* the limits */
        uint64_t declared;
};

static uint16_t le16(const unsigned char *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t le64(const unsigned char *p) {
        return (uint64_t) le32(p) | (uint64_t) le32(p + 4) << 32;
}

static int unreadable(struct zip_reader *z, struct error *err, const char *reason) {
        return error_set(err, EBADMSG, "%s is not a readable zip archive: %s; %s", z->what, reason, z->advice);
}

static int damaged(struct zip_reader *z, struct error *err, const char *reason) {
        return error_set(err, EBADMSG, "%s is damaged at %s: %s; %s", z->what,
                         z->name ? z->name : "its central directory", reason, z->advice);
}

/* [off, off + n) of the file at *ret, read through w: 0, or -EBADMSG when
 * the file ends before (or changed since it was opened). */
static int window_get(struct zip_reader *z, struct window *w, uint64_t off, size_t n, const unsigned char **ret,
                      struct error *err) {
        size_t want, got = 0;

        if (off > z->size || n > z->size - off)
                return error_set(err, EBADMSG, "past the end of the file (%llu bytes)", (unsigned long long) z->size);
        if (off >= w->off && off - w->off <= w->len && n <= w->len - (off - w->off)) {
                *ret = w->buf + (off - w->off);
                return 0;
        }
        want = n > WINDOW_MIN ? n : WINDOW_MIN;
        if (want > z->size - off)
                want = (size_t) (z->size - off);
        if (want > w->cap) {
                unsigned char *p = realloc(w->buf, want);

                if (!p)
                        return error_set(err, ENOMEM, "out of memory");
                w->buf = p;
                w->cap = want;
        }
        w->off = off;
        w->len = 0;
        while (got < want) {
                ssize_t k = pread(z->fd, w->buf + got, want - got, (off_t) (off + got));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "read");
                if (k == 0)
                        return error_set(err, EBADMSG, "the file is shorter than when it was opened");
                got += (size_t) k;
        }
        w->len = got;
        *ret = w->buf;
        return 0;
}

/* The end records: where the central directory is and how many records it
 * holds. */
static int read_end(struct zip_reader *z, struct error *err) {
        const unsigned char *p, *end = NULL, *loc;
        uint64_t tail = z->size < END_LEN + 0xffff ? z->size : END_LEN + 0xffff;
        uint64_t at, entries, central_size, central;
        struct error werr = {};

        if (z->size < END_LEN)
                return unreadable(z, err, "it is shorter than an end of central directory record");
        if (window_get(z, &z->dirw, z->size - tail, (size_t) tail, &p, &werr) < 0)
                return unreadable(z, err, werr.msg);
        /* the last signature whose comment ends within the file */
        for (size_t i = (size_t) tail - END_LEN + 1; i-- > 0;)
                if (le32(p + i) == SIG_END && i + END_LEN + le16(p + i + 20) <= tail) {
                        end = p + i;
                        break;
                }
        if (!end)
                return unreadable(z, err, "no end of central directory record (the file is cut short, or not a zip)");
        at = z->size - tail + (uint64_t) (end - p);
        if (le16(end + 4) != 0 || le16(end + 6) != 0)
                return unreadable(z, err, "a split (multi-disk) archive");
        entries = le16(end + 10);
        central_size = le32(end + 12);
        central = le32(end + 16);
        if (le16(end + 8) != le16(end + 10))
                return unreadable(z, err, "its end record counts its entries twice, differently");
        if (at >= END64_LOCATOR_LEN && window_get(z, &z->dirw, at - END64_LOCATOR_LEN, END64_LOCATOR_LEN, &loc,
                                                  &werr) == 0 &&
            le32(loc) == SIG_END64_LOCATOR) {
                uint64_t at64 = le64(loc + 8);

                if (le32(loc + 4) != 0 || le32(loc + 16) > 1)
                        return unreadable(z, err, "a split (multi-disk) archive");
                if (at64 > at - END64_LOCATOR_LEN || at - END64_LOCATOR_LEN - at64 < END64_LEN ||
                    window_get(z, &z->dirw, at64, END64_LEN, &p, &werr) < 0 || le32(p) != SIG_END64)
                        return unreadable(z, err, "its zip64 end record is missing or damaged");
                if (le32(p + 16) != 0 || le32(p + 20) != 0)
                        return unreadable(z, err, "a split (multi-disk) archive");
                if (le64(p + 24) != le64(p + 32))
                        return unreadable(z, err, "its zip64 end record counts its entries twice, differently");
                entries = le64(p + 32);
                central_size = le64(p + 40);
                central = le64(p + 48);
                at = at64;
        }
        if (central > at || central_size > at - central)
                return unreadable(z, err, "its central directory lies outside the file");
        if (entries > OSV_ZIP_ENTRIES_MAX)
                return error_set(err, E2BIG, "%s holds more than %d entries; is it an OSV archive?", z->what,
                                 OSV_ZIP_ENTRIES_MAX);
        if (entries > central_size / CENTRAL_LEN)
                return unreadable(z, err, "its end record counts more entries than its central directory can hold");
        z->central = z->next = central;
        z->central_end = central + central_size;
        z->left = entries;
        return 0;
}

int zip_open_fd(int fd, const char *what, const char *advice, struct zip_reader **ret, struct error *err) {
        _cleanup_(zip_closep) struct zip_reader *z = NULL;
        struct stat st;
        int k;

        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "%s", what);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EBADMSG, "%s is not a readable zip archive: not a regular file; %s", what,
                                 advice);
        if (!(z = calloc(1, sizeof(*z))))
                return error_set(err, ENOMEM, "out of memory");
        *z = (struct zip_reader) { .fd = fd, .owned_fd = -EBADF, .what = what, .advice = advice,
                                   .size = (uint64_t) st.st_size };
        if ((k = read_end(z, err)) < 0)
                return k;
        if (!(z->inflater = libdeflate_alloc_decompressor()))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(z);
        return 0;
}

int zip_open(const char *path, const char *what, const char *advice, struct zip_reader **ret, struct error *err) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), k;

        if (fd < 0)
                return error_set_errno(err, errno, "%s", what);
        k = zip_open_fd(fd, what, advice, ret, err);
        if (k < 0) {
                close(fd);
                return k;
        }
        (*ret)->owned_fd = fd;
        return 0;
}

void zip_close(struct zip_reader *z) {
        if (!z)
                return;
        if (z->owned_fd >= 0)
                close(z->owned_fd);
        libdeflate_free_decompressor(z->inflater);
        free(z->dirw.buf);
        free(z->dataw.buf);
        free(z->name);
        free(z);
}

/* The sizes and offset a zip64 extra field holds for the ones the record
 * gives as 0xffffffff, in that order. */
static int read_zip64(struct zip_reader *z, const unsigned char *x, size_t len, uint64_t *size_out, uint64_t *size_in,
                      uint64_t *local, struct error *err) {
        while (len >= 4) {
                uint16_t id = le16(x), n = le16(x + 2);
                uint64_t *want[3] = { size_out, size_in, local };
                size_t at = 4;

                if ((size_t) n > len - 4)
                        return damaged(z, err, "an extra field runs past its record");
                if (id == EXTRA_ZIP64)
                        for (size_t i = 0; i < 3; i++) {
                                if (*want[i] != 0xffffffffu)
                                        continue;
                                if (at + 8 > (size_t) n + 4)
                                        return damaged(z, err, "its zip64 extra field lacks a size or offset");
                                *want[i] = le64(x + at);
                                at += 8;
                        }
                x += 4 + (size_t) n;
                len -= 4 + (size_t) n;
        }
        return 0;
}

static int refuse(struct zip_reader *z, const char *what, uint64_t n, const char *limit, uint64_t cap,
                  struct error *err) {
        return error_set(err, EFBIG, "%s: entry %s %s %llu bytes, more than %s (%llu bytes); refusing the whole "
                         "archive (a zip bomb, or not an OSV export)", z->what, z->name, what,
                         (unsigned long long) n, limit, (unsigned long long) cap);
}

/* The declared sizes so far against the ratio and the overall cap. */
static int check_declared(struct zip_reader *z, struct error *err) {
        uint64_t cap = z->size > ZIP_INFLATED_MAX / ZIP_RATIO_MAX ? ZIP_INFLATED_MAX : z->size * ZIP_RATIO_MAX;

        if (cap < ZIP_RATIO_FLOOR)
                cap = ZIP_RATIO_FLOOR;
        if (z->declared <= cap)
                return 0;
        return error_set(err, EFBIG, "%s: entry %s brings the declared sizes of the archive's entries to %llu bytes, "
                         "more than %d times its %llu bytes (or %llu bytes in all); refusing the whole archive (a "
                         "zip bomb, or not an OSV export)", z->what, z->name, (unsigned long long) z->declared,
                         ZIP_RATIO_MAX, (unsigned long long) z->size, (unsigned long long) ZIP_INFLATED_MAX);
}

int zip_next(struct zip_reader *z, struct zip_entry *ret, struct error *err) {
        const unsigned char *p;
        uint16_t flags, name_len, extra_len, comment_len;
        struct error werr = {};
        size_t len;
        int k;

        z->have_entry = false;
        if (z->left == 0)
                return 0;
        free(z->name);
        z->name = NULL;
        if (z->central_end - z->next < CENTRAL_LEN ||
            window_get(z, &z->dirw, z->next, CENTRAL_LEN, &p, &werr) < 0 || le32(p) != SIG_CENTRAL)
                return damaged(z, err, "a record is missing or damaged");
        flags = le16(p + 8);
        z->method = le16(p + 10);
        z->crc = le32(p + 16);
        z->size_in = le32(p + 20);
        z->size_out = le32(p + 24);
        name_len = le16(p + 28);
        extra_len = le16(p + 30);
        comment_len = le16(p + 32);
        z->local = le32(p + 42);
        len = CENTRAL_LEN + (size_t) name_len + extra_len + comment_len;
        if (z->central_end - z->next < len || window_get(z, &z->dirw, z->next, len, &p, &werr) < 0)
                return damaged(z, err, "a record runs past the central directory");
        if (!(z->name = strndup((const char *) p + CENTRAL_LEN, name_len)))
                return error_set(err, ENOMEM, "out of memory");
        if (strlen(z->name) != name_len)
                return damaged(z, err, "its name holds a NUL byte");
        z->name_len = name_len;
        if ((k = read_zip64(z, p + CENTRAL_LEN + name_len, extra_len, &z->size_out, &z->size_in, &z->local, err)) < 0)
                return k;
        if (le16(p + 34) != 0 && le16(p + 34) != 0xffff)
                return damaged(z, err, "it is on another disk of a split archive");
        if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION))
                return damaged(z, err, "it is encrypted");
        if (z->method != METHOD_STORED && z->method != METHOD_DEFLATED)
                return error_set(err, EBADMSG, "%s is damaged at %s: it is compressed with method %u (OSV archives "
                                 "are deflated or stored); %s", z->what, z->name, z->method, z->advice);
        z->next += len;
        z->left--;
        if (z->size_out > ZIP_ENTRY_INFLATED_MAX)
                return refuse(z, "declares", z->size_out, "an entry may hold", ZIP_ENTRY_INFLATED_MAX, err);
        z->declared += z->size_out;
        if ((k = check_declared(z, err)) < 0)
                return k;
        /* the data lies before the directory, and deflate makes nothing much
         * larger than it was (stored blocks add 5 bytes in 65,535): no more
         * than that is read for an entry (one that inflates past what it
         * declares is refused as it inflates) */
        if (z->local > z->central || z->size_in > z->central - z->local ||
            (z->method == METHOD_STORED && z->size_in != z->size_out) ||
            z->size_in > ZIP_ENTRY_INFLATED_MAX + ZIP_ENTRY_INFLATED_MAX / 256 + 1024)
                return damaged(z, err, "its sizes or offset don't fit the archive");
        z->have_entry = true;
        *ret = (struct zip_entry) { .name = z->name, .size = z->size_out, .dir = name_len > 0 &&
                                                                               z->name[name_len - 1] == '/' };
        return 1;
}

int zip_read(struct zip_reader *z, char **buf, size_t *cap, size_t *ret_len, struct error *err) {
        const unsigned char *p;
        struct error werr = {};
        uint64_t data;
        enum libdeflate_result r;
        size_t n = (size_t) z->size_out;

        if (!z->have_entry)
                return error_set(err, EINVAL, "no current entry");
        z->have_entry = false;
        if (window_get(z, &z->dataw, z->local, LOCAL_LEN, &p, &werr) < 0 || le32(p) != SIG_LOCAL)
                return damaged(z, err, "its local header is missing or damaged");
        /* the local header names the same entry as the directory */
        data = z->local + LOCAL_LEN + le16(p + 26) + le16(p + 28);
        if (le16(p + 26) != z->name_len ||
            window_get(z, &z->dataw, z->local + LOCAL_LEN, z->name_len, &p, &werr) < 0 ||
            memcmp(p, z->name, z->name_len) != 0)
                return damaged(z, err, "its local header names another entry");
        if (data > z->central || z->size_in > z->central - data)
                return damaged(z, err, "its data runs into the central directory");
        if (window_get(z, &z->dataw, data, (size_t) z->size_in, &p, &werr) < 0)
                return damaged(z, err, werr.msg);
        if (*cap < n + 1) {
                char *b = realloc(*buf, n + 1);

                if (!b)
                        return error_set(err, ENOMEM, "out of memory");
                *buf = b;
                *cap = n + 1;
        }
        if (z->method == METHOD_STORED)
                memcpy(*buf, p, n);
        else {
                r = libdeflate_deflate_decompress(z->inflater, p, (size_t) z->size_in, *buf, n, NULL);
                if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
                        return error_set(err, EFBIG, "%s: entry %s inflates to more than the %zu bytes it declares; "
                                         "refusing the whole archive (a zip bomb, or not an OSV export)", z->what,
                                         z->name, n);
                if (r == LIBDEFLATE_SHORT_OUTPUT)
                        return damaged(z, err, "it inflates to fewer bytes than it declares");
                if (r != LIBDEFLATE_SUCCESS)
                        return damaged(z, err, "its deflated data is damaged");
        }
        if (libdeflate_crc32(0, *buf, n) != z->crc)
                return damaged(z, err, "its CRC-32 does not match its data");
        (*buf)[n] = '\0';
        *ret_len = n;
        return 0;
}
