/* SPDX-License-Identifier: Apache-2.0 */
/* rpm's "ndb" package database, Packages.db (rpm lib/backend/ndb, format
 * only).  All numbers are little-endian 32-bit:
 *
 *   offset 0   header: magic "RpmP", version 0, generation, slot page
 *              count, next package index (then reserved to 32 bytes)
 *   then       slot pages (4096 bytes each, the header taking the first
 *              two slots): 16-byte slots "Slot", package index, block
 *              offset, block count; index 0 marks a free slot
 *   blocks     16 bytes each; a blob is "BlbS", package index, generation,
 *              length, the header blob, padding, then a 12-byte tail:
 *              adler32, length, "BlbE"
 *
 * Every slot is checked against the file; blobs may not overlap, so the
 * total work is bounded by the file size. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpmdb.h"

#define NDB_HEADER_SIZE 32
#define NDB_SLOT_SIZE 16
#define NDB_PAGE_SIZE 4096
#define NDB_BLOCK_SIZE 16
#define NDB_BLOB_HEAD_SIZE 16
#define NDB_BLOB_TAIL_SIZE 12
#define NDB_SLOTS_PER_PAGE (NDB_PAGE_SIZE / NDB_SLOT_SIZE)
/* Slot pages: RPMDB_RECORDS_MAX slots need < 800 of them. */
#define NDB_SLOT_PAGES_MAX ((RPMDB_RECORDS_MAX + NDB_SLOTS_PER_PAGE - 1) / NDB_SLOTS_PER_PAGE + 1)

#define MAGIC(a, b, c, d) ((uint32_t) (a) | (uint32_t) (b) << 8 | (uint32_t) (c) << 16 | (uint32_t) (d) << 24)
#define NDB_MAGIC MAGIC('R', 'p', 'm', 'P')
#define NDB_SLOT_MAGIC MAGIC('S', 'l', 'o', 't')
#define NDB_BLOB_MAGIC MAGIC('B', 'l', 'b', 'S')
#define NDB_BLOB_TAIL_MAGIC MAGIC('B', 'l', 'b', 'E')

struct slot {
        uint32_t pkgidx, blkoff, blkcnt;
};

static uint32_t le32(const unsigned char *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static int check_header(const unsigned char *p, size_t len, const char *origin, uint32_t *ret_pages,
                        struct error *err) {
        uint32_t pages;

        if (len < NDB_PAGE_SIZE)
                return error_set(err, EBADMSG, "%s: %zu bytes is too short for an ndb Packages.db", origin, len);
        if (le32(p) != NDB_MAGIC)
                return error_set(err, EBADMSG, "%s: not an ndb Packages.db (bad magic)", origin);
        if (le32(p + 4) != 0)
                return error_set(err, EBADMSG, "%s: ndb version %u is not 0", origin, le32(p + 4));
        pages = le32(p + 12);
        if (pages == 0 || pages > NDB_SLOT_PAGES_MAX || (uint64_t) pages * NDB_PAGE_SIZE > len)
                return error_set(err, EBADMSG, "%s: ndb slot page count %u is not in 1..%d or past the end of the file",
                                 origin, pages, NDB_SLOT_PAGES_MAX);
        *ret_pages = pages;
        return 0;
}

/* Reads the used slots into *ret (sorted by block offset) and checks each
 * against the file. */
static int read_slots(const unsigned char *p, size_t len, uint32_t pages, const char *origin, struct slot **ret,
                      size_t *ret_n, struct error *err) {
        size_t total = (size_t) pages * NDB_SLOTS_PER_PAGE, n = 0;
        uint64_t first_block = (uint64_t) pages * NDB_PAGE_SIZE / NDB_BLOCK_SIZE, blocks = len / NDB_BLOCK_SIZE;
        struct slot *slots = calloc(total, sizeof(*slots));

        if (!slots)
                return error_set(err, ENOMEM, "%s: out of memory", origin);
        for (size_t i = NDB_HEADER_SIZE / NDB_SLOT_SIZE; i < total; i++) {
                const unsigned char *s = p + i * NDB_SLOT_SIZE;
                struct slot sl = { le32(s + 4), le32(s + 8), le32(s + 12) };

                if (le32(s) != NDB_SLOT_MAGIC) {
                        free(slots);
                        return error_set(err, EBADMSG, "%s: ndb slot %zu has a bad magic", origin, i);
                }
                if (sl.pkgidx == 0)
                        continue;
                if (sl.blkoff < first_block || sl.blkcnt == 0 || (uint64_t) sl.blkoff + sl.blkcnt > blocks ||
                    (uint64_t) sl.blkcnt * NDB_BLOCK_SIZE < NDB_BLOB_HEAD_SIZE + NDB_BLOB_TAIL_SIZE) {
                        free(slots);
                        return error_set(err, EBADMSG,
                                         "%s: ndb slot %zu (package %u): blocks %u+%u are outside the blob area "
                                         "(blocks %llu..%llu)",
                                         origin, i, sl.pkgidx, sl.blkoff, sl.blkcnt, (unsigned long long) first_block,
                                         (unsigned long long) blocks);
                }
                slots[n++] = sl;
        }
        *ret = slots;
        *ret_n = n;
        return 0;
}

static int cmp_slot(const void *a, const void *b) {
        const struct slot *x = a, *y = b;

        return x->blkoff < y->blkoff ? -1 : x->blkoff > y->blkoff;
}

/* Two slots that share blocks would let one blob be parsed many times. */
static int check_overlap(const struct slot *slots, size_t n, const char *origin, struct error *err) {
        for (size_t i = 1; i < n; i++)
                if ((uint64_t) slots[i - 1].blkoff + slots[i - 1].blkcnt > slots[i].blkoff)
                        return error_set(err, EBADMSG, "%s: ndb blobs of packages %u and %u overlap", origin,
                                         slots[i - 1].pkgidx, slots[i].pkgidx);
        return 0;
}

/* The blob of one slot: head and tail must agree with the slot. */
static int slot_blob(const unsigned char *p, const struct slot *sl, const char *origin, const unsigned char **ret,
                     size_t *ret_len, struct error *err) {
        const unsigned char *head = p + (size_t) sl->blkoff * NDB_BLOCK_SIZE;
        size_t area = (size_t) sl->blkcnt * NDB_BLOCK_SIZE;
        /* The tail ends the blob's last block. */
        const unsigned char *tail = head + area - NDB_BLOB_TAIL_SIZE;
        uint32_t blen;

        if (le32(head) != NDB_BLOB_MAGIC || le32(head + 4) != sl->pkgidx)
                return error_set(err, EBADMSG, "%s: ndb blob of package %u at block %u: bad magic or package index",
                                 origin, sl->pkgidx, sl->blkoff);
        blen = le32(head + 12);
        if (blen > area - NDB_BLOB_HEAD_SIZE - NDB_BLOB_TAIL_SIZE)
                return error_set(err, EBADMSG, "%s: ndb blob of package %u: length %u is more than its %zu-byte area",
                                 origin, sl->pkgidx, blen, area);
        if (le32(tail + 8) != NDB_BLOB_TAIL_MAGIC || le32(tail + 4) != blen)
                return error_set(err, EBADMSG, "%s: ndb blob of package %u: bad tail", origin, sl->pkgidx);
        *ret = head + NDB_BLOB_HEAD_SIZE;
        *ret_len = blen;
        return 0;
}

int rpmdb_ndb_foreach(const void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                      struct error *err) {
        const unsigned char *p = buf;
        _cleanup_free_ struct slot *slots = NULL;
        uint32_t pages = 0;
        size_t n = 0;
        int r;

        r = check_header(p, len, origin, &pages, err);
        if (r < 0)
                return r;
        r = read_slots(p, len, pages, origin, &slots, &n, err);
        if (r < 0)
                return r;
        qsort(slots, n, sizeof(*slots), cmp_slot);
        r = check_overlap(slots, n, origin, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const unsigned char *blob = NULL;
                size_t blen = 0;

                r = slot_blob(p, &slots[i], origin, &blob, &blen, err);
                if (r < 0)
                        return r;
                r = fn(blob, blen, slots[i].pkgidx, userdata, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
