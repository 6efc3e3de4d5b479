/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict index (see verdict-index.h): the layout, the checked reader
 * the hook's hit path uses, and the writer the cache calls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "verdict-index.h"

#define VIDX_MAGIC "PCvindex"
#define USED_MAGIC "PCvused\0"

/* The file: header, memo table, entry table (sorted by key), then the
 * strings of every entry.  All offsets are from the file's start. */
struct vidx_header {
        char magic[8];
        uint32_t version;
        uint32_t header_size;
        uint64_t file_size;
        uint64_t generation;
        uint64_t cache_dev;
        uint64_t cache_ino;
        int64_t cache_btime_sec;        /* statx birth time, 0 where the file system has none */
        uint32_t cache_btime_nsec;
        uint32_t reserved;
        uint64_t memos_off;
        uint32_t n_memos;
        uint32_t memo_size;
        uint64_t entries_off;
        uint32_t n_entries;
        uint32_t entry_size;
        uint64_t data_off;
        uint64_t checksum;      /* FNV-1a of the header (this field 0) and the memo table */
};

struct vidx_memo_rec {
        char key[VIDX_MEMO_KEY_MAX + 1];
        char value[VIDX_MEMO_VALUE_MAX + 1];
};

/* An entry's strings sit at data_off, each followed by a NUL: identity,
 * db_revision, image (empty when has_image is 0), findings. */
struct vidx_entry_rec {
        char key[VIDX_KEY_MAX + 8];     /* NUL-padded, always terminated */
        int64_t created;
        int64_t last_used;
        uint64_t data_off;
        uint32_t identity_len;
        uint32_t revision_len;
        uint32_t image_len;
        uint32_t findings_len;
        uint32_t packages;
        uint32_t n_findings;
        uint32_t has_image;
        uint32_t reserved;
        uint64_t checksum;      /* FNV-1a of the record (this field 0) and its strings */
};

/* A slot of the -used file, after a header of the same size (magic,
 * generation): the entry with the same position in the index. */
struct vidx_used_slot {
        uint64_t generation;
        int64_t last_used;
};

struct vidx {
        const unsigned char *base;
        size_t size;
        bool mapped;
        const struct vidx_header *h;
        const struct vidx_memo_rec *memos;
        const struct vidx_entry_rec *entries;
        unsigned shard;
};

static uint64_t header_checksum(const struct vidx_header *h, const void *memos) {
        struct vidx_header c = *h;

        c.checksum = 0;
        return fnv1a64(fnv1a64(FNV1A64_OFFSET, &c, sizeof(c)), memos, (size_t) h->n_memos * sizeof(struct vidx_memo_rec));
}

static uint64_t entry_checksum(const struct vidx_entry_rec *e, const void *data, size_t len) {
        struct vidx_entry_rec c = *e;

        c.checksum = 0;
        return fnv1a64(fnv1a64(FNV1A64_OFFSET, &c, sizeof(c)), data, len);
}

/* A table of n records of size at off, inside the file, after the header. */
static bool table_fits(uint64_t off, uint64_t n, uint64_t size, uint64_t file_size) {
        return off >= sizeof(struct vidx_header) && off <= file_size && n <= (file_size - off) / size &&
               off % 8 == 0;
}

static int parse(struct vidx *x, struct error *err) {
        const struct vidx_header *h = (const void *) x->base;

        if (x->size < sizeof(*h) || memcmp(h->magic, VIDX_MAGIC, sizeof(h->magic)) != 0)
                return error_set(err, EBADMSG, "not a verdict index");
        if (h->version != VIDX_VERSION || h->header_size != sizeof(*h) ||
            h->memo_size != sizeof(struct vidx_memo_rec) || h->entry_size != sizeof(struct vidx_entry_rec))
                return error_set(err, EBADMSG, "verdict index of version %u, this build reads %u", h->version,
                                 VIDX_VERSION);
        if (h->file_size != x->size)
                return error_set(err, EBADMSG, "verdict index of %zu bytes, its header says %llu", x->size,
                                 (unsigned long long) h->file_size);
        if (h->n_memos > VIDX_MEMOS_MAX || h->n_entries > VIDX_ENTRIES_MAX ||
            !table_fits(h->memos_off, h->n_memos, sizeof(struct vidx_memo_rec), x->size) ||
            !table_fits(h->entries_off, h->n_entries, sizeof(struct vidx_entry_rec), x->size) ||
            h->data_off > x->size)
                return error_set(err, EBADMSG, "verdict index: a table lies outside the file");
        if (header_checksum(h, x->base + h->memos_off) != h->checksum)
                return error_set(err, EBADMSG, "verdict index: header checksum mismatch");
        x->h = h;
        x->memos = (const void *) (x->base + h->memos_off);
        x->entries = (const void *) (x->base + h->entries_off);
        return 0;
}

int vidx_from_buffer(const void *buf, size_t len, struct vidx **ret, struct error *err) {
        _cleanup_(vidx_closep) struct vidx *x = calloc(1, sizeof(*x));
        int r;

        if (!x)
                return -ENOMEM;
        x->base = buf;
        x->size = len;
        /* The tables are read in place: the buffer must be aligned as a
         * mapping is (the fuzzer's and malloc's are). */
        if ((uintptr_t) buf % 8 != 0)
                return error_set(err, EINVAL, "verdict index buffer not aligned");
        r = parse(x, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(x);
        return 0;
}

void vidx_reseal(void *buf, size_t len) {
        struct vidx_header *h = buf;
        unsigned char *base = buf;

        if (len < sizeof(*h) || (uintptr_t) buf % 8 != 0)
                return;
        if (h->n_entries <= VIDX_ENTRIES_MAX && table_fits(h->entries_off, h->n_entries, sizeof(struct vidx_entry_rec),
                                                           len))
                for (uint32_t i = 0; i < h->n_entries; i++) {
                        struct vidx_entry_rec *e = (struct vidx_entry_rec *) (base + h->entries_off) + i;
                        uint64_t n = (uint64_t) e->identity_len + e->revision_len + e->image_len + e->findings_len + 4;

                        if (e->data_off <= len && n <= len - e->data_off)
                                e->checksum = entry_checksum(e, base + e->data_off, (size_t) n);
                }
        if (h->n_memos <= VIDX_MEMOS_MAX && table_fits(h->memos_off, h->n_memos, sizeof(struct vidx_memo_rec), len))
                h->checksum = header_checksum(h, base + h->memos_off);
}

/* The cache file's identity: device, inode and, where the file system
 * keeps it, birth time (an inode number can come back for a new file). */
struct cache_file_id {
        uint64_t dev, ino;
        int64_t btime_sec;
        uint32_t btime_nsec;
};

static int cache_file_id(const char *path, struct cache_file_id *ret) {
        struct statx sx;

        if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) < 0)
                return -errno;
        *ret = (struct cache_file_id) {
                .dev = makedev(sx.stx_dev_major, sx.stx_dev_minor),
                .ino = sx.stx_ino,
                .btime_sec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : 0,
                .btime_nsec = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_nsec : 0,
        };
        return 0;
}

static int index_path(const char *cache_path, const char *suffix, char *buf, size_t size) {
        return (size_t) snprintf(buf, size, "%s%s", cache_path, suffix) < size ? 0 : -ENAMETOOLONG;
}

unsigned vidx_shard(const char *identity) {
        return (unsigned) (fnv1a64(FNV1A64_OFFSET, identity, strlen(identity)) % VIDX_SHARDS);
}

int vidx_path(const char *cache_path, unsigned shard, bool used, char *buf, size_t size) {
        return (size_t) snprintf(buf, size, "%s%s/%02x%s", cache_path, VIDX_DIR_SUFFIX, shard % VIDX_SHARDS,
                                 used ? VIDX_USED_SUFFIX : "") < size ? 0 : -ENAMETOOLONG;
}

int vidx_open(const char *cache_path, unsigned shard, struct vidx **ret, struct error *err) {
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct cache_file_id id;
        char path[PATH_MAX];
        struct stat st;
        void *m;
        int r;

        if (vidx_path(cache_path, shard, false, path, sizeof(path)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index of %s: path too long", cache_path);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return error_set_errno(err, errno, "verdict index %s", path);
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "verdict index %s", path);
        if (!S_ISREG(st.st_mode) || st.st_size < (off_t) sizeof(struct vidx_header) ||
            (uint64_t) st.st_size > VIDX_FILE_MAX)
                return error_set(err, EBADMSG, "verdict index %s: not a file of a plausible size", path);
        m = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED)
                return error_set_errno(err, errno, "verdict index %s: map it", path);
        x = calloc(1, sizeof(*x));
        if (!x) {
                munmap(m, (size_t) st.st_size);
                return -ENOMEM;
        }
        *x = (struct vidx) { .base = m, .size = (size_t) st.st_size, .mapped = true, .shard = shard % VIDX_SHARDS };
        r = parse(x, err);
        if (r < 0)
                return err ? error_wrap(err, "%s", path) : r;
        /* Built from the file that is the cache now: a cache removed or
         * moved aside takes its index's answers with it. */
        if (cache_file_id(cache_path, &id) < 0 || id.dev != x->h->cache_dev || id.ino != x->h->cache_ino ||
            id.btime_sec != x->h->cache_btime_sec || id.btime_nsec != x->h->cache_btime_nsec)
                return error_set(err, ESTALE, "verdict index %s was built from another cache file", path);
        *ret = TAKE_PTR(x);
        return 0;
}

void vidx_close(struct vidx *x) {
        if (!x)
                return;
        if (x->mapped)
                munmap((void *) x->base, x->size);
        free(x);
}

uint64_t vidx_generation(const struct vidx *x) {
        return x->h->generation;
}

size_t vidx_count(const struct vidx *x) {
        return x->h->n_entries;
}

int vidx_memo(const struct vidx *x, const char *key, const char **ret) {
        for (uint32_t i = 0; i < x->h->n_memos; i++) {
                const struct vidx_memo_rec *m = &x->memos[i];

                /* Terminated within the record, or not a memo at all. */
                if (!memchr(m->key, 0, sizeof(m->key)) || !memchr(m->value, 0, sizeof(m->value)))
                        return -EBADMSG;
                if (strcmp(m->key, key) == 0) {
                        *ret = m->value;
                        return 0;
                }
        }
        return -ENOENT;
}

static int key_cmp(const struct vidx_entry_rec *e, const char *key) {
        return strncmp(e->key, key, sizeof(e->key));
}

/* The strings of e, checked: inside the data area, each ending where its
 * length says, and the record's checksum over them. */
static int entry_check(const struct vidx *x, const struct vidx_entry_rec *e, struct vidx_hit *ret) {
        uint64_t len = (uint64_t) e->identity_len + e->revision_len + e->image_len + e->findings_len + 4;
        const char *d, *rev, *img, *fnd;

        if (!memchr(e->key, 0, sizeof(e->key)) || (!e->has_image && e->image_len) ||
            e->data_off < x->h->data_off || e->data_off > x->size || len > x->size - e->data_off)
                return -EBADMSG;
        d = (const char *) x->base + e->data_off;
        rev = d + e->identity_len + 1;
        img = rev + e->revision_len + 1;
        fnd = img + e->image_len + 1;
        if (d[e->identity_len] || rev[e->revision_len] || img[e->image_len] || fnd[e->findings_len])
                return -EBADMSG;
        if (entry_checksum(e, d, (size_t) len) != e->checksum)
                return -EBADMSG;
        *ret = (struct vidx_hit) {
                .identity = d,
                .db_revision = rev,
                .image = e->has_image ? img : NULL,
                .findings = fnd,
                .findings_len = e->findings_len,
                .created = e->created,
                .last_used = e->last_used,
                .packages = e->packages,
                .n_findings = e->n_findings,
                .slot = (uint32_t) (e - x->entries),
        };
        return 0;
}

int vidx_lookup(const struct vidx *x, const char *key, struct vidx_hit *ret) {
        size_t lo = 0, hi = x->h->n_entries;

        if (strlen(key) > VIDX_KEY_MAX)
                return -ENOENT;
        /* Bounded by log2(n_entries) steps; a damaged order only misses. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = key_cmp(&x->entries[mid], key);

                if (c == 0)
                        return entry_check(x, &x->entries[mid], ret);
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -ENOENT;
}

int vidx_entry(const struct vidx *x, size_t i, const char **ret_key, struct vidx_hit *ret) {
        int r;

        if (i >= x->h->n_entries)
                return -ENOENT;
        r = entry_check(x, &x->entries[i], ret);
        if (r < 0)
                return r;
        *ret_key = x->entries[i].key;
        return 0;
}

/* Whether a use at t is older than VIDX_TOUCH_INTERVAL at now.  t comes
 * from a file (a damaged slot may say INT64_MIN, a later one INT64_MAX):
 * now - t would overflow. */
static bool touch_due(int64_t now, int64_t t) {
        return t <= now && (uint64_t) now - (uint64_t) t >= VIDX_TOUCH_INTERVAL;
}

/* The slot read at hit's position, now in it when it is due: whether to
 * write it back.  Another generation's slot (a writer is replacing both
 * files): the touch is lost, and the next hit makes it in the new one. */
static bool touch_slot(const struct vidx *x, struct vidx_used_slot *s, int64_t now) {
        if (s->generation != x->h->generation || !touch_due(now, s->last_used))
                return false;
        s->last_used = now;
        return true;
}

int vidx_touch(const struct vidx *x, const char *cache_path, const struct vidx_hit *hit, int64_t now) {
        _cleanup_close_ int fd = -EBADF;
        struct vidx_used_slot s;
        off_t off = (off_t) (hit->slot + 1) * (off_t) sizeof(s);
        char path[PATH_MAX];

        if (!touch_due(now, hit->last_used) || vidx_path(cache_path, x->shard, true, path, sizeof(path)) < 0)
                return 0;
        /* Made by the writer with the index; a hit creates nothing. */
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0 || pread(fd, &s, sizeof(s), off) != (ssize_t) sizeof(s) || !touch_slot(x, &s, now))
                return 0;
        return pwrite(fd, &s, sizeof(s), off) == (ssize_t) sizeof(s) ? 1 : 0;
}

int vidx_touch_buffer(const struct vidx *x, void *buf, size_t len, const struct vidx_hit *hit, int64_t now) {
        struct vidx_used_slot s;
        size_t off = ((size_t) hit->slot + 1) * sizeof(s);

        if (!touch_due(now, hit->last_used) || len < sizeof(s) || off > len - sizeof(s))
                return 0;
        memcpy(&s, (char *) buf + off, sizeof(s));
        if (!touch_slot(x, &s, now))
                return 0;
        memcpy((char *) buf + off, &s, sizeof(s));
        return 1;
}

int vidx_used(const struct vidx *x, const char *cache_path, int64_t now,
              int (*fn)(const char *key, size_t slot, int64_t last_used, void *userdata), void *userdata) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ struct vidx_used_slot *v = NULL;
        size_t n = (size_t) x->h->n_entries + 1;
        char path[PATH_MAX];
        ssize_t got;

        if (vidx_path(cache_path, x->shard, true, path, sizeof(path)) < 0)
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        got = pread(fd, v, n * sizeof(*v), 0);
        if (got < 0)
                return -errno;
        return vidx_used_from_buffer(x, v, (size_t) got, now, fn, userdata);
}

/* Whether a slot's time t is more than VIDX_USED_AHEAD_MAX ahead of now
 * (t - now, which t comes from a file, computed without overflow). */
static bool used_ahead(int64_t now, int64_t t) {
        return t > now && (uint64_t) t - (uint64_t) now > VIDX_USED_AHEAD_MAX;
}

int vidx_used_from_buffer(const struct vidx *x, const void *buf, size_t len, int64_t now,
                          int (*fn)(const char *key, size_t slot, int64_t last_used, void *userdata),
                          void *userdata) {
        const struct vidx_used_slot *v = buf;
        size_t n = (size_t) x->h->n_entries + 1;
        int r;

        if (len != n * sizeof(*v) || memcmp(&v[0].generation, USED_MAGIC, 8) != 0 ||
            (uint64_t) v[0].last_used != x->h->generation)
                return 0;       /* another generation's, or damaged: nothing to fold */
        for (size_t i = 1; i < n; i++) {
                const struct vidx_entry_rec *e = &x->entries[i - 1];

                /* a key longer than any the writer writes: a damaged entry, no cache row's */
                if (v[i].generation != x->h->generation || v[i].last_used <= e->last_used ||
                    used_ahead(now, v[i].last_used) || strnlen(e->key, sizeof(e->key)) > VIDX_KEY_MAX)
                        continue;
                r = fn(e->key, i - 1, v[i].last_used, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- writing ---- */

/* Whether path may be replaced: absent, empty, or starting with magic.
 * Anything else is someone else's file. */
static int check_ours(const char *path, const char *magic, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        char head[8];
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "verdict index %s", path);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EMEDIUMTYPE, "%s is not a file the verdict cache made (not a regular file); "
                                 "it was left as it is: move it away, or point \"cache\" in config.json elsewhere",
                                 path);
        if (st.st_size == 0)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return error_set_errno(err, errno, "verdict index %s", path);
        /* Zeros where the magic should be: ours, torn by a power cut
         * before its blocks reached the disk (it is written unsynced). */
        if (pread(fd, head, sizeof(head), 0) != (ssize_t) sizeof(head) ||
            (memcmp(head, magic, sizeof(head)) != 0 && memcmp(head, (char[8]) {}, sizeof(head)) != 0))
                return error_set(err, EMEDIUMTYPE, "%s is not a file the verdict cache made (other bytes); it was "
                                 "left as it is: move it away, or point \"cache\" in config.json elsewhere", path);
        return 0;
}

/* buf to a temporary file beside path, renamed over path when what is
 * there is ours.  Not synced: the index and the -used file are
 * accelerators rebuilt from the cache, and every reader checks what it
 * maps (the header's and each entry's checksum, the cache file's
 * identity), so a file a power cut left torn answers nothing and the
 * lookup goes to sqlite; the two fsyncs were a fifth of a miss's wall
 * time on a busy disk. */
static int replace_file(const char *path, const char *magic, const void *buf, size_t len, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        char tmp[PATH_MAX];
        int r;

        if (index_path(path, ".tmp-XXXXXX", tmp, sizeof(tmp)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index %s: path too long", path);
        r = check_ours(path, magic, err);
        if (r < 0)
                return r;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "verdict index %s: create a temporary file", path);
        if (fchmod(fd, 0600) < 0 || (r = write_all(fd, buf, len)) < 0) {
                r = r < 0 ? r : -errno;
                (void) unlink(tmp);
                return error_set_errno(err, r, "verdict index %s: write %s", path, tmp);
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return error_set_errno(err, r, "verdict index %s: rename %s over it", path, tmp);
        }
        return 0;
}

static size_t align8(size_t n) {
        return (n + 7) & ~(size_t) 7;
}

struct order {
        const struct vidx_entry_in *e;
        size_t pos;
};

static int order_cmp(const void *a, const void *b) {
        const struct order *x = a, *y = b;
        int c = strcmp(x->e->key, y->e->key);

        return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

static bool entry_in_ok(const struct vidx_entry_in *e) {
        return e->key && strlen(e->key) <= VIDX_KEY_MAX && e->identity && e->db_revision && e->findings &&
               strlen(e->identity) < UINT32_MAX / 4 && strlen(e->db_revision) < UINT32_MAX / 4 &&
               (!e->image || strlen(e->image) < UINT32_MAX / 4) && e->findings_len < UINT32_MAX / 4;
}

/* The entries sorted by key, the last of equal keys kept; *ret_n counts them. */
static int sorted(const struct vidx_entry_in *entries, size_t n, struct order **ret, size_t *ret_n) {
        _cleanup_free_ struct order *v = calloc(n ? n : 1, sizeof(*v));
        size_t m = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = (struct order) { &entries[i], i };
        qsort(v, n, sizeof(*v), order_cmp);
        for (size_t i = 0; i < n; i++) {
                if (i + 1 < n && strcmp(v[i].e->key, v[i + 1].e->key) == 0)
                        continue;
                v[m++] = v[i];
        }
        *ret = TAKE_PTR(v);
        *ret_n = m;
        return 0;
}

static size_t entry_data_len(const struct vidx_entry_in *e) {
        return strlen(e->identity) + strlen(e->db_revision) + (e->image ? strlen(e->image) : 0) + e->findings_len + 4;
}

static void put_entry(unsigned char *buf, size_t *off, struct vidx_entry_rec *rec, const struct vidx_entry_in *e) {
        char *d = (char *) buf + *off;
        size_t li = strlen(e->identity), lr = strlen(e->db_revision), lm = e->image ? strlen(e->image) : 0;

        *rec = (struct vidx_entry_rec) {
                .created = e->created,
                .last_used = e->last_used,
                .data_off = *off,
                .identity_len = (uint32_t) li,
                .revision_len = (uint32_t) lr,
                .image_len = (uint32_t) lm,
                .findings_len = (uint32_t) e->findings_len,
                .packages = e->packages,
                .n_findings = e->n_findings,
                .has_image = e->image != NULL,
        };
        memcpy(rec->key, e->key, strlen(e->key));
        memcpy(d, e->identity, li);
        memcpy(d + li + 1, e->db_revision, lr);
        if (lm)
                memcpy(d + li + lr + 2, e->image, lm);
        memcpy(d + li + lr + lm + 3, e->findings, e->findings_len);
        rec->checksum = entry_checksum(rec, d, li + lr + lm + e->findings_len + 4);
        *off = align8(*off + li + lr + lm + e->findings_len + 4);
}

static int build(uint64_t generation, const struct cache_file_id *id, const struct order *v, size_t n,
                 char *const *memos, unsigned char **ret, size_t *ret_len) {
        struct vidx_header h = {
                .version = VIDX_VERSION,
                .header_size = sizeof(h),
                .generation = generation,
                .cache_dev = id->dev,
                .cache_ino = id->ino,
                .cache_btime_sec = id->btime_sec,
                .cache_btime_nsec = id->btime_nsec,
                .memo_size = sizeof(struct vidx_memo_rec),
                .entry_size = sizeof(struct vidx_entry_rec),
                .n_entries = (uint32_t) n,
        };
        struct vidx_memo_rec *mt;
        struct vidx_entry_rec *et;
        unsigned char *buf;
        size_t size, off;

        for (char *const *m = memos; m && m[0] && m[1] && h.n_memos < VIDX_MEMOS_MAX; m += 2)
                if (strlen(m[0]) <= VIDX_MEMO_KEY_MAX && strlen(m[1]) <= VIDX_MEMO_VALUE_MAX)
                        h.n_memos++;
        h.memos_off = align8(sizeof(h));
        h.entries_off = h.memos_off + (uint64_t) h.n_memos * sizeof(*mt);
        h.data_off = h.entries_off + (uint64_t) n * sizeof(*et);
        size = h.data_off;
        for (size_t i = 0; i < n; i++)
                size += align8(entry_data_len(v[i].e));
        if (size > VIDX_FILE_MAX)
                return -EFBIG;
        buf = calloc(1, size);
        if (!buf)
                return -ENOMEM;
        h.file_size = size;
        memcpy(h.magic, VIDX_MAGIC, sizeof(h.magic));
        mt = (void *) (buf + h.memos_off);
        et = (void *) (buf + h.entries_off);
        for (char *const *m = memos; m && m[0] && m[1] && mt < (struct vidx_memo_rec *) et; m += 2)
                if (strlen(m[0]) <= VIDX_MEMO_KEY_MAX && strlen(m[1]) <= VIDX_MEMO_VALUE_MAX) {
                        strcpy(mt->key, m[0]);
                        strcpy(mt->value, m[1]);
                        mt++;
                }
        off = h.data_off;
        for (size_t i = 0; i < n; i++)
                put_entry(buf, &off, &et[i], v[i].e);
        h.checksum = header_checksum(&h, buf + h.memos_off);
        memcpy(buf, &h, sizeof(h));
        *ret = buf;
        *ret_len = size;
        return 0;
}

/* A -used file for generation: every slot holds its entry's last use. */
static int build_used(uint64_t generation, const struct order *v, size_t n, struct vidx_used_slot **ret) {
        struct vidx_used_slot *s = calloc(n + 1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        memcpy(&s[0].generation, USED_MAGIC, 8);
        s[0].last_used = (int64_t) generation;
        for (size_t i = 0; i < n; i++)
                s[i + 1] = (struct vidx_used_slot) { generation, v[i].e->last_used };
        *ret = s;
        return 0;
}

/* The shards' folder: made (0700) when create and missing.  A symlink or
 * a file at its path is someone else's: -EMEDIUMTYPE.  1 when made now. */
static int shard_dir(const char *cache_path, bool create, struct error *err) {
        char dir[PATH_MAX];
        struct stat st;
        bool made = false;

        if (index_path(cache_path, VIDX_DIR_SUFFIX, dir, sizeof(dir)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index of %s: path too long", cache_path);
        if (create) {
                if (mkdir(dir, 0700) == 0)
                        made = true;
                else if (errno != EEXIST)
                        return error_set_errno(err, errno, "verdict index folder %s: create it", dir);
        }
        if (lstat(dir, &st) < 0)
                return errno == ENOENT ? -ENOENT : error_set_errno(err, errno, "verdict index folder %s", dir);
        if (!S_ISDIR(st.st_mode))
                return error_set(err, EMEDIUMTYPE, "%s is not a folder the verdict cache made; it was left as it "
                                 "is: move it away, or point \"cache\" in config.json elsewhere", dir);
        return made;
}

/* The file at path removed when it is ours: 1, 0 when there was none. */
static int remove_ours(const char *path, const char *magic, struct error *err) {
        int r = check_ours(path, magic, err);

        if (r < 0)
                return r;
        if (unlink(path) < 0)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "verdict index %s: remove it", path);
        return 1;
}

/* The single index file of earlier versions and its -used file, which no
 * hit reads any more. */
static int remove_unsharded(const char *cache_path, struct error *err) {
        char path[PATH_MAX], upath[PATH_MAX];
        int r, k;

        if (index_path(cache_path, VIDX_UNSHARDED_SUFFIX, path, sizeof(path)) < 0 ||
            index_path(cache_path, VIDX_UNSHARDED_USED_SUFFIX, upath, sizeof(upath)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index of %s: path too long", cache_path);
        r = remove_ours(path, VIDX_MAGIC, err);
        k = r < 0 ? r : remove_ours(upath, USED_MAGIC, err);
        return k < 0 ? k : r;
}

int vidx_write(const char *cache_path, unsigned shard, dev_t cache_dev, ino_t cache_ino, uint64_t generation,
               const struct vidx_entry_in *entries, size_t n, char *const *memos, struct error *err) {
        _cleanup_free_ struct order *v = NULL;
        _cleanup_free_ struct vidx_used_slot *used = NULL;
        _cleanup_free_ unsigned char *buf = NULL;
        char path[PATH_MAX], upath[PATH_MAX];
        struct cache_file_id id;
        size_t m = 0, len = 0;
        int r;

        if (vidx_path(cache_path, shard, false, path, sizeof(path)) < 0 ||
            vidx_path(cache_path, shard, true, upath, sizeof(upath)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index of %s: path too long", cache_path);
        if (n > VIDX_ENTRIES_MAX)
                return error_set(err, EFBIG, "verdict index %s: more than %u entries", path, VIDX_ENTRIES_MAX);
        for (size_t i = 0; i < n; i++)
                if (!entry_in_ok(&entries[i]))
                        return error_set(err, EINVAL, "verdict index %s: entry %zu lacks a field or is too large",
                                         path, i);
        /* The file the caller has open must still be the one at the path. */
        if (cache_file_id(cache_path, &id) < 0 || id.dev != (uint64_t) cache_dev || id.ino != (uint64_t) cache_ino)
                return error_set(err, ESTALE, "verdict index %s: the cache file was replaced meanwhile", path);
        if ((r = sorted(entries, n, &v, &m)) < 0 ||
            (r = build(generation, &id, v, m, memos, &buf, &len)) < 0 ||
            (r = build_used(generation, v, m, &used)) < 0)
                return r == -EFBIG ? error_set(err, EFBIG, "verdict index %s would be larger than %llu bytes", path,
                                               (unsigned long long) VIDX_FILE_MAX)
                                   : error_set(err, ENOMEM, "out of memory");
        r = shard_dir(cache_path, true, err);
        if (r < 0)
                return r;
        /* The first sharded write: the single file of earlier versions goes. */
        if (r > 0 && remove_unsharded(cache_path, err) < 0)
                error_clear(err);
        /* The -used file first: a hit that still maps the old index finds
         * the new generation in it and writes nothing. */
        r = replace_file(upath, USED_MAGIC, used, (m + 1) * sizeof(*used), err);
        if (r >= 0)
                r = replace_file(path, VIDX_MAGIC, buf, len, err);
        return r;
}

int vidx_remove(const char *cache_path, unsigned shard, struct error *err) {
        char path[PATH_MAX], upath[PATH_MAX];
        int r, k;

        if (vidx_path(cache_path, shard, false, path, sizeof(path)) < 0 ||
            vidx_path(cache_path, shard, true, upath, sizeof(upath)) < 0)
                return error_set(err, ENAMETOOLONG, "verdict index of %s: path too long", cache_path);
        r = remove_ours(path, VIDX_MAGIC, err);
        k = r < 0 ? r : remove_ours(upath, USED_MAGIC, err);
        return k < 0 ? k : r;
}

int vidx_remove_all(const char *cache_path, struct error *err) {
        int r = remove_unsharded(cache_path, err), k, any = r > 0;

        if (r < 0)
                return r;
        r = shard_dir(cache_path, false, err);
        if (r == -ENOENT)
                return any;
        if (r < 0)
                return r;
        /* Every shard that is ours goes, whatever another one is. */
        r = 0;
        for (unsigned i = 0; i < VIDX_SHARDS; i++) {
                k = vidx_remove(cache_path, i, r < 0 ? NULL : err);
                if (k < 0 && r == 0)
                        r = k;
                any |= k > 0;
        }
        return r < 0 ? r : any;
}

/* "3f.tmp-XXXXXX" or "3f.used.tmp-XXXXXX": replace_file()'s temporary names. */
static bool temp_name(const char *n) {
        static const char hex[] = "0123456789abcdef";
        const char *t = n + 2;

        if (!n[0] || !n[1] || !strchr(hex, n[0]) || !strchr(hex, n[1]))
                return false;
        if (startswith(t, VIDX_USED_SUFFIX))
                t += STRLEN(VIDX_USED_SUFFIX);
        return startswith(t, ".tmp-") && strlen(t) == STRLEN(".tmp-") + 6;
}

int vidx_remove_temps(const char *cache_path) {
        _cleanup_close_ int dfd = -EBADF;
        char dir[PATH_MAX];
        struct dirent *de;
        struct stat st;
        DIR *d;
        int n = 0;

        if (index_path(cache_path, VIDX_DIR_SUFFIX, dir, sizeof(dir)) < 0)
                return 0;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 || !(d = fdopendir(dfd)))
                return 0;
        TAKE_FD(dfd);
        while ((de = readdir(d)))
                if (temp_name(de->d_name) && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode) && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        n++;
        closedir(d);
        return n;
}
