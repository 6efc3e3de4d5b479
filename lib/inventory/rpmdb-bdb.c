/* SPDX-License-Identifier: Apache-2.0 */
/* The Berkeley DB hash database rpm used up to 4.15, var/lib/rpm/Packages:
 * key = a 4-byte package instance number, value = the header blob.  Read
 * from the page layout (Berkeley DB's documented on-disk format: dbinc/
 * db_page.h), without libdb:
 *
 *   page 0      metadata: lsn, pgno, magic 0x061561, version, page size,
 *               encryption, type 8 (hash meta), flags, free list, last
 *               page, ... in the byte order of the machine that wrote it
 *   hash pages  type 13 (or 2, unsorted): 26-byte header, an array of
 *               2-byte item offsets, items packed from the end of the page;
 *               items alternate key, value.  A value is inline (H_KEYDATA:
 *               1 type byte, then the bytes) or off-page (H_OFFPAGE: type,
 *               3 unused, first overflow page, total length)
 *   overflow    type 7: 26-byte header (next page at 16, bytes used at 22),
 *               then data; a value spans a chain of them
 *
 * Like other readers of this format we visit every hash page in file order
 * rather than walking buckets.  An overflow page may belong to one value
 * only (a visited set), and a chain is as long as its length says, so
 * cycles and shared chains are errors, and the work is bounded by the
 * file size. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "rpmdb.h"

#define BDB_HASH_MAGIC 0x061561u
#define BDB_META_SIZE 72
#define BDB_PAGE_HEADER_SIZE 26
#define BDB_PAGE_SIZE_MIN 512
#define BDB_PAGE_SIZE_MAX 65536

enum {
        P_HASH_UNSORTED = 2,
        P_OVERFLOW = 7,
        P_HASHMETA = 8,
        P_HASH = 13,
};

enum {
        H_KEYDATA = 1,
        H_OFFPAGE = 3,
};

#define HOFFPAGE_SIZE 12
/* Values shorter than this (the 4-byte "next instance" record under key 0)
 * can't be headers. */
#define HEADER_MIN 8

struct bdb {
        const unsigned char *p;
        size_t len;
        const char *origin;
        bool swap;              /* written on a machine of the other byte order */
        uint32_t page_size;
        uint32_t n_pages;
        unsigned char *used;    /* overflow pages already part of a value */
        unsigned char *value;   /* one value, reassembled */
        size_t value_cap;
        size_t records;
};

static uint32_t rd32(const struct bdb *db, const unsigned char *p) {
        uint32_t v;

        memcpy(&v, p, sizeof(v));
        return db->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct bdb *db, const unsigned char *p) {
        uint16_t v;

        memcpy(&v, p, sizeof(v));
        return db->swap ? __builtin_bswap16(v) : v;
}

static const unsigned char *page(const struct bdb *db, uint32_t pgno) {
        return db->p + (size_t) pgno * db->page_size;
}

static int check_meta(struct bdb *db, struct error *err) {
        uint32_t magic, last;

        if (db->len < BDB_META_SIZE)
                return error_set(err, EBADMSG, "%s: %zu bytes is too short for a Berkeley DB file", db->origin, db->len);
        memcpy(&magic, db->p + 12, sizeof(magic));
        if (magic != BDB_HASH_MAGIC && __builtin_bswap32(magic) != BDB_HASH_MAGIC)
                return error_set(err, EBADMSG, "%s: not a Berkeley DB hash database (bad magic)", db->origin);
        db->swap = magic != BDB_HASH_MAGIC;
        db->page_size = rd32(db, db->p + 20);
        if (db->page_size < BDB_PAGE_SIZE_MIN || db->page_size > BDB_PAGE_SIZE_MAX ||
            (db->page_size & (db->page_size - 1)) != 0)
                return error_set(err, EBADMSG, "%s: Berkeley DB page size %u is not a power of two in 512..65536",
                                 db->origin, db->page_size);
        if (db->p[24] != 0)
                return error_set(err, EBADMSG, "%s: Berkeley DB file is encrypted", db->origin);
        if (db->p[25] != P_HASHMETA)
                return error_set(err, EBADMSG, "%s: Berkeley DB page 0 has type %u, not hash metadata", db->origin,
                                 db->p[25]);
        last = rd32(db, db->p + 32);
        if ((uint64_t) last + 1 > db->len / db->page_size)
                return error_set(err, EBADMSG, "%s: Berkeley DB last page %u is past the end of the file (%zu pages)",
                                 db->origin, last, db->len / db->page_size);
        db->n_pages = last + 1;
        return 0;
}

/* Reassembles an off-page value of total bytes starting at page pgno. */
static int read_overflow(struct bdb *db, uint32_t pgno, uint32_t total, uint32_t at_page, struct error *err) {
        size_t got = 0;

        while (got < total) {
                const unsigned char *pg;
                uint16_t n;

                if (pgno == 0 || pgno >= db->n_pages)
                        return error_set(err, EBADMSG, "%s: value on page %u: overflow page %u is past the last page",
                                         db->origin, at_page, pgno);
                if (db->used[pgno])
                        return error_set(err, EBADMSG,
                                         "%s: value on page %u: overflow page %u is used twice (a cycle or a shared chain)",
                                         db->origin, at_page, pgno);
                db->used[pgno] = 1;
                pg = page(db, pgno);
                n = rd16(db, pg + 22);
                if (pg[25] != P_OVERFLOW || n == 0 || n > db->page_size - BDB_PAGE_HEADER_SIZE || n > total - got)
                        return error_set(err, EBADMSG, "%s: value on page %u: overflow page %u is damaged (type %u, %u bytes)",
                                         db->origin, at_page, pgno, pg[25], n);
                memcpy(db->value + got, pg + BDB_PAGE_HEADER_SIZE, n);
                got += n;
                pgno = rd32(db, pg + 16);
        }
        return 0;
}

/* Bytes of item i of a hash page: items are packed from the end of the
 * page down, so item i ends where item i-1 starts. */
static int item_span(const struct bdb *db, const unsigned char *pg, uint32_t pgno, uint16_t entries, uint16_t i,
                     const unsigned char **ret, size_t *ret_len, struct error *err) {
        uint16_t off = rd16(db, pg + BDB_PAGE_HEADER_SIZE + 2 * i);
        uint32_t end = i == 0 ? db->page_size : rd16(db, pg + BDB_PAGE_HEADER_SIZE + 2 * (i - 1));

        if (off < BDB_PAGE_HEADER_SIZE + 2u * entries || off >= end || end > db->page_size)
                return error_set(err, EBADMSG, "%s: hash page %u: item %u has offset %u, outside %u..%u", db->origin,
                                 pgno, i, off, BDB_PAGE_HEADER_SIZE + 2u * entries, end);
        *ret = pg + off;
        *ret_len = end - off;
        return 0;
}

static int value_reserve(struct bdb *db, size_t n, struct error *err) {
        unsigned char *v;

        if (n <= db->value_cap)
                return 0;
        v = realloc(db->value, n);
        if (!v)
                return error_set(err, ENOMEM, "%s: out of memory", db->origin);
        db->value = v;
        db->value_cap = n;
        return 0;
}

static int value_of(struct bdb *db, const unsigned char *item, size_t n, uint32_t pgno, const unsigned char **ret,
                    size_t *ret_len, struct error *err) {
        uint32_t first, total;
        int r;

        *ret_len = 0;
        if (item[0] == H_KEYDATA) {
                *ret = item + 1;
                *ret_len = n - 1;
                return 0;
        }
        if (item[0] != H_OFFPAGE)
                return error_set(err, EBADMSG, "%s: hash page %u: value of item type %u is not supported", db->origin,
                                 pgno, item[0]);
        if (n < HOFFPAGE_SIZE)
                return error_set(err, EBADMSG, "%s: hash page %u: off-page item of %zu bytes", db->origin, pgno, n);
        first = rd32(db, item + 4);
        total = rd32(db, item + 8);
        /* A chain can't carry more than the file holds. */
        if (total > db->len || total > RPMDB_FILE_MAX)
                return error_set(err, EBADMSG, "%s: hash page %u: off-page value of %u bytes is larger than the file",
                                 db->origin, pgno, total);
        r = value_reserve(db, total, err);
        if (r < 0)
                return r;
        r = read_overflow(db, first, total, pgno, err);
        if (r < 0)
                return r;
        *ret = db->value;
        *ret_len = total;
        return 0;
}

static int hash_page(struct bdb *db, uint32_t pgno, rpmdb_blob_fn fn, void *userdata, struct error *err) {
        const unsigned char *pg = page(db, pgno);
        uint16_t entries = rd16(db, pg + 20);
        int r;

        if (BDB_PAGE_HEADER_SIZE + 2u * entries > db->page_size || entries % 2 != 0)
                return error_set(err, EBADMSG, "%s: hash page %u: %u items do not fit or are not key/value pairs",
                                 db->origin, pgno, entries);
        for (uint16_t i = 1; i < entries; i += 2) {
                const unsigned char *item = NULL, *value = NULL;
                size_t n = 0, vlen = 0;

                r = item_span(db, pg, pgno, entries, i, &item, &n, err);
                if (r < 0)
                        return r;
                r = value_of(db, item, n, pgno, &value, &vlen, err);
                if (r < 0)
                        return r;
                if (vlen < HEADER_MIN)
                        continue;
                if (++db->records > RPMDB_RECORDS_MAX)
                        return error_set(err, E2BIG, "%s: more than %d records", db->origin, RPMDB_RECORDS_MAX);
                r = fn(value, vlen, (unsigned long) pgno << 16 | i, userdata, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rpmdb_bdb_foreach(const void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                      struct error *err) {
        struct bdb db = { .p = buf, .len = len, .origin = origin };
        int r;

        r = check_meta(&db, err);
        if (r < 0)
                return r;
        db.used = calloc(db.n_pages, 1);
        if (!db.used)
                return error_set(err, ENOMEM, "%s: out of memory", origin);
        for (uint32_t pgno = 1; pgno < db.n_pages; pgno++) {
                uint8_t type = page(&db, pgno)[25];

                if (type != P_HASH && type != P_HASH_UNSORTED)
                        continue;
                r = hash_page(&db, pgno, fn, userdata, err);
                if (r < 0)
                        break;
        }
        free(db.used);
        free(db.value);
        return r < 0 ? r : 0;
}
