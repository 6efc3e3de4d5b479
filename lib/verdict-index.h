/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

/* The verdict index: read-only files beside the cache, in the folder
 * "<cache>-index.d", rebuilt from the sqlite cache (the source of truth)
 * by the writer that holds "<cache>-index.lock" after every write, each
 * replaced by rename, so that a cache hit maps one file and does a binary
 * search instead of opening sqlite.  It holds, per cache key (identity +
 * DB revision), the compact findings as the cache stores them and the
 * entry's fields, and the newest memos of DB files (device, inode, size,
 * mtime -> revision), so a hit needs neither the DB nor sqlite.
 *
 * It is split in VIDX_SHARDS files by the identity (vidx_shard()), each
 * with all the memos: a miss rewrites the one file of its identity, not
 * every image's findings (a single file made a miss with 1,000 cached
 * images of 300 findings write 53 MB and checksum it: 0.5 s of CPU), and
 * a hit opens the one file of its identity.
 *
 * It is disposable: missing, of another version, truncated, failing a
 * checksum, or built from another cache file (device and inode of the
 * sqlite file in its header) means the sqlite path, never a wrong answer.
 * Every offset is checked against the file's size; the header (with the
 * memos) has a checksum, each entry has its own (checked for the entry
 * found), so that a hit reads a few pages whatever the number of images.
 * Host byte order: the file never leaves the node.
 *
 * "Last used" is not written on a hit: when the entry's last use is older
 * than VIDX_TOUCH_INTERVAL, the hit writes 16 bytes in the shard's ".used"
 * file (a slot per entry, tagged with the shard's generation), which the
 * next writer folds into the cache before it rebuilds the shard or
 * collects garbage.  So last use is known to within VIDX_TOUCH_INTERVAL. */

#define VIDX_DIR_SUFFIX "-index.d"
#define VIDX_USED_SUFFIX ".used"
#define VIDX_LOCK_SUFFIX "-index.lock"
/* The one file of earlier versions, removed by the first sharded write. */
#define VIDX_UNSHARDED_SUFFIX "-index"
#define VIDX_UNSHARDED_USED_SUFFIX "-used"
#define VIDX_SHARDS 256u
#define VIDX_VERSION 1
#define VIDX_KEY_MAX 128
#define VIDX_TOUCH_INTERVAL 3600
/* A -used slot more than this ahead of the clock is not folded: a damaged
 * or crafted one saying 9999 would keep its entry from ever being
 * collected (cache gc, max_entries). */
#define VIDX_USED_AHEAD_MAX (24 * 3600)
/* Memos kept (the newest): one per DB file seen, and only the current
 * one is useful. */
#define VIDX_MEMOS_MAX 16
#define VIDX_MEMO_KEY_MAX 127
#define VIDX_MEMO_VALUE_MAX 255
/* An index over 1 GiB is refused (CACHE_ENTRIES_DEFAULT entries of the
 * largest scans are far below). */
#define VIDX_FILE_MAX ((uint64_t) 1 << 30)
#define VIDX_ENTRIES_MAX 1000000

struct vidx;

/* One entry found by vidx_lookup(): pointers into the mapping, valid until
 * vidx_close().  The strings are NUL-terminated. */
struct vidx_hit {
        const char *identity;
        const char *db_revision;
        const char *image;              /* NULL when unknown */
        const char *findings;           /* report_findings_compact() */
        size_t findings_len;
        int64_t created;
        int64_t last_used;
        uint32_t packages;
        uint32_t n_findings;
        uint32_t slot;                  /* for vidx_touch() */
};

/* The shard of an identity, and the path of its index (or, with used, of
 * its -used file): "<cache_path>-index.d/3f" and ".../3f.used". */
unsigned vidx_shard(const char *identity);
int vidx_path(const char *cache_path, unsigned shard, bool used, char *buf, size_t size);
/* Maps the index of a shard.  -ENOENT when absent; -EBADMSG when it is
 * not a sound index of this version; -ESTALE when it was built from another
 * cache file than the one at cache_path now (or there is none). */
int vidx_open(const char *cache_path, unsigned shard, struct vidx **ret, struct error *err);
/* The same over a buffer (not copied; for the fuzzer and tests); no cache
 * file check. */
int vidx_from_buffer(const void *buf, size_t len, struct vidx **ret, struct error *err);
/* The fuzzer's: buf's checksums (the header's, every entry's that lies
 * inside it) made right, so that its mutations reach the checks behind
 * them; nothing else changed. */
void vidx_reseal(void *buf, size_t len);
void vidx_close(struct vidx *x);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vidx *, vidx_close)

uint64_t vidx_generation(const struct vidx *x);
size_t vidx_count(const struct vidx *x);
/* The memo's value, NUL-terminated in the mapping; -ENOENT when absent. */
int vidx_memo(const struct vidx *x, const char *key, const char **ret);
/* The entry with key, checked (bounds, terminators, checksum); -ENOENT when
 * absent, -EBADMSG when the entry found is damaged. */
int vidx_lookup(const struct vidx *x, const char *key, struct vidx_hit *ret);
/* Entry i in key order, checked the same way (for the writer and the
 * fuzzer); *ret_key points at its key. */
int vidx_entry(const struct vidx *x, size_t i, const char **ret_key, struct vidx_hit *ret);
/* On a hit: when hit->last_used is older than VIDX_TOUCH_INTERVAL at now,
 * records now in the -used slot (unless the slot has it already).  Returns
 * 1 when written; never an error that matters to the caller. */
int vidx_touch(const struct vidx *x, const char *cache_path, const struct vidx_hit *hit, int64_t now);
/* Last uses recorded in "<cache_path>-used" for x's generation: calls fn
 * for every slot newer than its entry's last_used and at most
 * VIDX_USED_AHEAD_MAX ahead of now (slot: the entry's position, as for
 * vidx_entry()). */
int vidx_used(const struct vidx *x, const char *cache_path, int64_t now,
              int (*fn)(const char *key, size_t slot, int64_t last_used, void *userdata), void *userdata);
/* The same over the -used file's bytes (the fuzzer's), and what
 * vidx_touch() does to them: 1 when the slot was written. */
int vidx_used_from_buffer(const struct vidx *x, const void *buf, size_t len, int64_t now,
                          int (*fn)(const char *key, size_t slot, int64_t last_used, void *userdata),
                          void *userdata);
int vidx_touch_buffer(const struct vidx *x, void *buf, size_t len, const struct vidx_hit *hit, int64_t now);

/* ---- writing (by the cache, under the index lock) ---- */

struct vidx_entry_in {
        const char *key;                /* lowercase hex, at most VIDX_KEY_MAX */
        const char *identity;
        const char *db_revision;
        const char *image;              /* or NULL */
        const char *findings;
        size_t findings_len;
        int64_t created;
        int64_t last_used;
        uint32_t packages;
        uint32_t n_findings;
};

/* Writes the index of a shard, entries (any order; a key given twice
 * keeps the last; all of the shard's identities, vidx_shard()) and memos
 * (key, value pairs; at most VIDX_MEMOS_MAX are kept, the first ones) for
 * the cache file identified by cache_dev/cache_ino, as generation: to a
 * temporary file (0600) renamed over the shard's path, with a fresh -used
 * file beside it.  A file at either path, or at the folder's, that is not
 * ours (not a regular file, or other bytes) is never replaced:
 * -EMEDIUMTYPE, with a message naming it. */
int vidx_write(const char *cache_path, unsigned shard, dev_t cache_dev, ino_t cache_ino, uint64_t generation,
               const struct vidx_entry_in *entries, size_t n, char *const *memos, struct error *err);
/* Removes a shard's files when they are ours; 1 when there was one, 0 when
 * there was none. */
int vidx_remove(const char *cache_path, unsigned shard, struct error *err);
/* All shards, and the single file of earlier versions (before a purge or
 * a batch: no index may outlive the entries it holds).  A file that is not
 * ours is left (-EMEDIUMTYPE once the others are gone). */
int vidx_remove_all(const char *cache_path, struct error *err);
/* Removes the temporary files a writer killed between creating and
 * renaming them left in the shards' folder ("3f.tmp-XXXXXX",
 * "3f.used.tmp-XXXXXX"), which nothing else removes.  Only under the index
 * lock: no live writer is then between the two.  The number removed. */
int vidx_remove_temps(const char *cache_path);
