/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/error.h"

/* The node-local verdict cache: sqlite in WAL mode (default
 * /var/lib/portcullis/cache.db).  An entry is what an analysis found for one
 * image identity against one DB revision: the scan (findings, as
 * report_scan_json() writes it) and the inventory (as
 * report_inventory_json() writes it), so that the policy is applied fresh at
 * every start and a DB update can re-match stored inventories without
 * touching a rootfs.  The cache is an accelerator: a damaged cache file is
 * moved aside by the hook and rebuilt, a file that isn't a cache is left
 * alone (the hook then decides without the cache), and neither decides a
 * start by itself.  The file, its -wal and -shm are 0600. */

#define CACHE_TTL_DEFAULT (7 * 24 * 3600)
#define CACHE_ENTRIES_DEFAULT 10000
#define CACHE_JSON_MAX ((size_t) 64 * 1024 * 1024)
/* How long a writer waits for another (sqlite's busy_timeout).  Writes are
 * single short statements, so contention clears in milliseconds; the bound
 * exists for a stuck writer, and callers with tighter deadlines (the hook)
 * can build with a smaller one. */
#ifndef CACHE_BUSY_TIMEOUT_MS
#define CACHE_BUSY_TIMEOUT_MS 5000
#endif
/* Keys are lowercase hex (cache_key() gives 101, or 68 for identities that
 * are not sha256 digests). */
#define CACHE_KEY_MAX 128

struct cache;

struct cache_entry {
        char *key;              /* cache_key(identity, db_revision) */
        char *identity;         /* "overlay:sha256:...", "sha256:..." manifest digest, or "inventory:sha256:..." */
        char *image;            /* the image name when known, else NULL */
        char *db_revision;
        time_t created;
        time_t last_used;
        size_t packages;
        size_t findings;
        char *scan_json;
        char *inventory_json;
        char *findings_compact;         /* report_findings_compact(): what the hook reads on a hit */
};

/* Opens (creating the file, 0600, and its folder, 0700) in WAL mode with a
 * busy timeout.  Which files may be opened, written and moved aside (issue
 * 11, 4: a wrong --cache must not touch a file that isn't ours):
 * - absent or empty: a new cache, marked at creation with sqlite's
 *   application_id ("PCvc") and user_version (the schema version);
 * - marked: ours; with CACHE_OPEN_RECOVER, when it is damaged (garbled,
 *   truncated, fails quick_check, another schema version) it is renamed to
 *   "<path>.corrupt-<unix time>" with its -wal/-shm and a new one created;
 *   *ret_recovered (may be NULL) says so.  Without the flag: -EBADMSG, and
 *   the message says what recovers it;
 * - sqlite in WAL mode without the mark, holding this schema: a cache made
 *   before the mark, used as it is and marked by the first open that may
 *   write;
 * - anything else (another program's sqlite database such as the
 *   vulnerability DB, a file of other bytes, a folder): -EMEDIUMTYPE with a
 *   message naming the file and what to do; never written, never moved.
 * Other failures (permissions, a full disk, a folder that can't be
 * created) are errors and leave the file alone.  cache_open() is
 * cache_open_flags() with CACHE_OPEN_RECOVER: for the hook and 'cache gc'. */
int cache_open(const char *path, struct cache **ret, bool *ret_recovered, struct error *err);
/* quick_check reads every page: about 15 ms for 1,000 entries of 40 KB,
 * 120 ms for 10,000 (page cache warm), where an open without it takes
 * 0.3 ms and a hit 0.4 ms.  With CACHE_OPEN_NO_QUICK_CHECK (for the hook's
 * hot path) a wrong header, another schema and most truncations are still
 * found at open; other damage shows later as -EBADMSG from
 * cache_get()/cache_put(), until the next full open ('portcullis cache gc'
 * from its timer) moves the file aside. */
#define CACHE_OPEN_NO_QUICK_CHECK (1U << 0)
/* Only the hook's own opens and 'cache gc' (its maintenance) recover. */
#define CACHE_OPEN_RECOVER (1U << 1)
/* For looking (cache ls, cache show): sqlite opens the file read-only,
 * nothing is created, marked or moved; an absent or empty file is -ENOENT. */
#define CACHE_OPEN_READONLY (1U << 2)
int cache_open_flags(const char *path, unsigned flags, struct cache **ret, bool *ret_recovered,
                     struct error *err);
/* The same, with every wait (the folder's lock, sqlite's busy timeout)
 * ending at until (CLOCK_MONOTONIC ms) instead of CACHE_BUSY_TIMEOUT_MS
 * from now: the hook's deadline. */
int cache_open_until(const char *path, unsigned flags, long long until, struct cache **ret, bool *ret_recovered,
                     struct error *err);
void cache_close(struct cache *c);
/* How long the next statements wait for another writer (sqlite's
 * busy_timeout; CACHE_BUSY_TIMEOUT_MS at open): the hook gives what is left
 * of its deadline. */
void cache_set_busy_timeout(struct cache *c, unsigned ms);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cache *, cache_close)

/* What an entry was made by.  A cached verdict is the answer of one
 * Portcullis: its readers found the inventory, its matcher the findings.
 * Bump CACHE_INVENTORY_EPOCH when a change makes the inventory of the same
 * rootfs differ (a new reader, a package read differently), and
 * CACHE_MATCH_EPOCH when it makes the findings of the same inventory and
 * DB differ (ordering, ranges, severities, what is not checked); both go
 * into every key, so that after an upgrade the hook reads each image anew
 * at its next start and 'cache rescan' re-matches what it may (an
 * inventory of this epoch) and drops the rest.  tests/cache-epoch.py
 * fails when the fixtures' inventories or findings change while the epoch
 * stays. */
#define CACHE_INVENTORY_EPOCH 5
#define CACHE_MATCH_EPOCH 5

/* The key of identity at db_revision made by this build: the two digests
 * (1 + 64 + 32 hex digits) when both are sha256 digests, else the sha256
 * hex of identity "\n" db_revision; then the two epochs (2 + 2 hex
 * digits).  *ret is malloc'ed.  -ENOMEM, or -ELIBACC when libcrypto can't
 * be loaded (see base/digest.h). */
int cache_key(const char *identity, const char *db_revision, char **ret);

/* Whether an entry's key was made by this build: CACHE_KEY_CURRENT; its
 * inventory is of this epoch but its findings not (CACHE_KEY_REMATCH: its
 * inventory matched again gives today's answer); or its inventory is of
 * another epoch or the key of a build before the epochs (CACHE_KEY_STALE:
 * the image must be read again). */
enum cache_key_age {
        CACHE_KEY_CURRENT,
        CACHE_KEY_REMATCH,
        CACHE_KEY_STALE,
};
enum cache_key_age cache_key_age(const char *key);
/* Whether key was made by a newer build: its inventory epoch above this
 * build's, or the same and its match epoch above.  Such an entry is not
 * this build's to serve, re-match or drop (a rolling upgrade's or a
 * rollback's older 'cache rescan' would otherwise throw away what the
 * newer hook cached). */
bool cache_key_newer(const char *key);

/* -ENOENT on a miss; a hit updates last_used (when the file is read-only
 * or another writer holds it, the hit is returned without the update). */
int cache_get(struct cache *c, const char *key, struct cache_entry *ret, struct error *err);
/* The same without scan_json and inventory_json: what the hook's hit path
 * needs (findings_compact), without reading the rest. */
int cache_get_lean(struct cache *c, const char *key, struct cache_entry *ret, struct error *err);
/* Like cache_get() but leaves last_used alone: for looking, not using. */
int cache_peek(struct cache *c, const char *key, struct cache_entry *ret, struct error *err);
/* Inserts or replaces the entry with e->key (lowercase hex; identity and
 * db_revision required).  created/last_used of 0 mean now. */
int cache_put(struct cache *c, const struct cache_entry *e, struct error *err);
/* The same, but only when no entry has e->key: 1 when written, 0 when one
 * had it (left as it is, its last_used too).  'cache fill' stores so: an
 * entry a start stored meanwhile is never replaced. */
int cache_put_new(struct cache *c, const struct cache_entry *e, struct error *err);
/* Calls fn for every entry, newest last_used first (then by key); stops on
 * fn < 0 and returns that.  The keys are collected first, so fn may put
 * and purge through c; an entry removed meanwhile is skipped. */
int cache_list(struct cache *c, int (*fn)(const struct cache_entry *e, void *userdata), void *userdata,
               struct error *err);
/* The same without reading the JSON (scan_json and inventory_json are
 * NULL): what listing many entries needs. */
int cache_list_summary(struct cache *c, int (*fn)(const struct cache_entry *e, void *userdata), void *userdata,
                       struct error *err);
/* The one key that starts with prefix (hex, any case): -ENOENT for none,
 * -ENOTUNIQ for several.  *ret is malloc'ed. */
int cache_resolve_key(struct cache *c, const char *prefix, char **ret, struct error *err);
/* Removes the entry with key (or, when key is NULL, every entry); returns
 * the number removed. */
int cache_purge(struct cache *c, const char *key, struct error *err);
/* Removes entries unused for longer than ttl seconds, then the least
 * recently used beyond max_entries; returns the number removed. */
int cache_gc(struct cache *c, time_t ttl, size_t max_entries, time_t now, struct error *err);
void cache_entry_done(struct cache_entry *e);

/* Single-flight: an exclusive flock(2) on "<lock_dir>/<key>.lock", waited
 * for until deadline_ms (CLOCK_MONOTONIC milliseconds); -ETIMEDOUT after.
 * key must be hex (-EINVAL otherwise: it becomes a file name).  A lock
 * file is removed only by cache_locks_prune(), holding its lock; a waiter
 * that then gets the lock of the removed file opens the name again, so
 * that it never holds a lock a third process can't see.  lock_dir and its
 * parents are created (0700) when missing.  A lock_dir that can't be
 * created or written is not fatal for the caller: it returns the error and
 * the caller goes on without the lock. */
int cache_lock(const char *lock_dir, const char *key, long long deadline_ms, int *ret_fd, struct error *err);
void cache_unlock(int fd);
/* Removes the lock files in lock_dir that nobody holds (one per image
 * ever analysed since the boot, on a tmpfs); returns how many.  An absent
 * lock_dir is 0. */
int cache_locks_prune(const char *lock_dir, struct error *err);

/* A small key/value memo beside the entries: the hook keeps there the
 * revision of a DB file it has seen (by device, inode, size and mtime; the
 * DB is replaced by rename, never edited), so a cache hit needs no DB open.
 * -ENOENT when absent. */
int cache_memo_get(struct cache *c, const char *key, char **ret, struct error *err);
int cache_memo_put(struct cache *c, const char *key, const char *value, struct error *err);

/* The verdict index beside the cache (verdict-index.h), which serves the
 * hook's hits without sqlite.  cache_put(), cache_purge(), cache_gc() and
 * cache_rescan() keep it; a memo (cache_memo_put()) reaches a shard at
 * its next write.  cache_index_refresh() adds e (an entry read from the
 * cache, findings_compact included) when its shard lacks it or the newest
 * memo: for a hit that had to use sqlite. */
int cache_index_refresh(struct cache *c, const struct cache_entry *e, struct error *err);
/* Several writes, one index: begin takes the index lock (waiting up to the
 * busy timeout), folds the hits' last uses in and removes the index; end
 * rebuilds it from the cache and lets the lock go.  Nested calls count. */
int cache_batch_begin(struct cache *c, struct error *err);
int cache_batch_end(struct cache *c, struct error *err);

struct inventory;
struct scan_result;

/* What an analysis of a miss found (lib/analyze.h), for its entry: the one
 * way the hook (lib/gate.c) and 'cache fill' (running_fill()) store one,
 * the same texts under the same key. */
struct cache_analysis {
        const char *key;                /* cache_key(identity, db_revision) */
        const char *identity;
        const char *image;              /* or NULL */
        const char *db_revision;        /* the revision the key was made of */
        const struct inventory *inv;
        const char *inventory_json;
        const struct scan_result *res;
        const char *scan_json;
};

/* Why an analysis is not kept (0: it is).  Findings of another DB
 * revision than the key's (the DB was swapped during the analysis) or of
 * a DB without one would be served to later starts as the key's; an
 * inventory the node failed to read in part (ENFILE, EIO:
 * inventory->transient) would keep what was not checked until the DB
 * changes, long after the node recovered. */
enum {
        CACHE_KEEP = 0,
        CACHE_KEEP_NO_REVISION,
        CACHE_KEEP_OTHER_REVISION,
        CACHE_KEEP_TRANSIENT,
};
int cache_analysis_keep(const struct cache_analysis *a);
/* Stores a as its entry (created and last used now) when it is to be kept:
 * 0 stored, else the CACHE_KEEP_* reason it was not; with only_new
 * (cache_put_new()) CACHE_STORE_PRESENT when an entry had its key. */
#define CACHE_STORE_PRESENT 100
int cache_store_analysis(struct cache *c, const struct cache_analysis *a, bool only_new, struct error *err);

struct vulndb;

/* What one rescan may spend (NULL: no bound): at most max_entries
 * re-matched (0: no bound), none started at or past until_ms
 * (CLOCK_MONOTONIC ms; 0: none); the entries whose identity or image
 * name is in first (the running containers' images) before the others. */
struct cache_rescan_limits {
        size_t max_entries;
        long long until_ms;
        char *const *first;
};

struct cache_rescan_result {
        size_t rescanned;       /* re-matched and stored under the current key */
        size_t current;         /* already at the current key: nothing done */
        size_t superseded;      /* of another revision, its image at the current key too: dropped */
        size_t dropped;         /* read by another build (CACHE_KEY_STALE): dropped */
        size_t kept;            /* a newer build's: left as they are */
        size_t left;            /* to re-match, past the bounds: for the next rescan */
};

/* After a DB update or an upgrade: re-matches the stored inventory of
 * each entry not at its current key (another DB revision or match epoch)
 * against db and stores the result under the key of db's revision and
 * this build, dropping the old key; no rootfs is read.  An entry at the
 * current key costs its listing only (nothing stale: no write, no index
 * rebuilt).  An entry whose image has an entry at the current key (a
 * start stored one after the update) is dropped, not re-matched.  An
 * entry whose inventory an older build read (CACHE_KEY_STALE) is dropped:
 * the hook reads its image anew at its next start.  An entry of a newer
 * build (cache_key_newer()) is left as it is, for that build to use or
 * re-match; 'cache gc' ages it out like any other. */
int cache_rescan(struct cache *c, struct vulndb *db, const struct cache_rescan_limits *lim,
                 struct cache_rescan_result *ret, struct error *err);
