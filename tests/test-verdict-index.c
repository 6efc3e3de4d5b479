/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict index: written and read back, every kind of damage refused
 * (truncated, another version, a flipped byte, another cache file), a file
 * that is not an index never replaced, and the index kept by the cache's
 * writers: put, purge, gc (with the hits' last uses folded in first, so
 * that TTL expiry still counts them), memos. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "cache.h"
#include "test.h"
#include "verdict-index.h"

#define REV "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define ID_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FINDINGS "some compact findings\n"
/* The format tests write both entries into A's shard (vidx_write takes
 * what it is given); the cache's writers put each in its own. */
#define SHARD vidx_shard(ID_A)

static char dir[] = "/tmp/pc-test-vidx-XXXXXX";
static char cache_path[256], index_path[300], used_path[300];

static char *key_of(const char *identity) {
        char *k = NULL;

        if (cache_key(identity, REV, &k) < 0)
                abort();
        return k;
}

static void write_file(const char *path, const void *buf, size_t len) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, buf, len) != (ssize_t) len)
                abort();
        close(fd);
}

static char *slurp(const char *path, size_t *len) {
        char *buf = NULL;

        if (read_full_file(path, 1 << 26, &buf, len, NULL) < 0)
                return NULL;
        return buf;
}

/* Two entries and a memo, written by vidx_write for the (empty) file at
 * cache_path. */
static uint64_t generation = 4;

/* Each call a new generation, as the cache's writer makes them. */
static void write_two(int64_t last_used) {
        _cleanup_free_ char *ka = key_of(ID_A), *kb = key_of(ID_B);
        struct vidx_entry_in v[] = {
                { .key = kb, .identity = ID_B, .db_revision = REV, .findings = "", .findings_len = 0,
                  .created = 1, .last_used = last_used },
                { .key = ka, .identity = ID_A, .db_revision = REV, .image = "example.com/a:1", .findings = FINDINGS,
                  .findings_len = STRLEN(FINDINGS), .created = 1, .last_used = last_used, .packages = 7,
                  .n_findings = 1 },
        };
        char *memos[] = { "db:1:2:3:4.5", REV " 2026-12-01T00:00:00Z", NULL };
        struct error err = {};
        struct stat st;

        CHECK(stat(cache_path, &st) == 0);
        CHECK_MSG(vidx_write(cache_path, SHARD, st.st_dev, st.st_ino, ++generation, v, ELEMENTSOF(v), memos, &err) == 0, "%s", err.msg);
}

static void test_roundtrip(void) {
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        _cleanup_free_ char *ka = key_of(ID_A), *kb = key_of(ID_B);
        struct error err = {};
        struct vidx_hit h;
        const char *memo;
        struct stat st;

        write_file(cache_path, "", 0);
        write_two(time(NULL));
        CHECK(stat(index_path, &st) == 0 && (st.st_mode & 0777) == 0600);
        CHECK(stat(used_path, &st) == 0 && (st.st_mode & 0777) == 0600);
        CHECK_MSG(vidx_open(cache_path, SHARD, &x, &err) == 0, "%s", err.msg);
        if (!x)
                return;
        CHECK(vidx_generation(x) == generation);
        CHECK(vidx_count(x) == 2);
        CHECK(vidx_lookup(x, ka, &h) == 0);
        CHECK_STREQ(h.identity, ID_A);
        CHECK_STREQ(h.db_revision, REV);
        CHECK_STREQ(h.image, "example.com/a:1");
        CHECK(h.findings_len == STRLEN(FINDINGS) && memcmp(h.findings, FINDINGS, h.findings_len) == 0);
        CHECK(h.packages == 7 && h.n_findings == 1);
        CHECK(vidx_lookup(x, kb, &h) == 0 && h.image == NULL && h.findings_len == 0);
        CHECK(vidx_lookup(x, "0123", &h) == -ENOENT);
        CHECK(vidx_memo(x, "db:1:2:3:4.5", &memo) == 0);
        CHECK_STREQ(memo, REV " 2026-12-01T00:00:00Z");
        CHECK(vidx_memo(x, "db:9:9:9:9.9", &memo) == -ENOENT);
}

/* Each row damages a good index one way: open or lookup refuses it. */
static void test_damage(void) {
        static const struct {
                const char *what;
                long off;               /* byte to change; <0 from the end */
                long truncate_to;       /* or the size to cut it to */
                bool at_open;           /* refused at open, else at the entry's lookup */
        } rows[] = {
                { "magic", 0, -1, true },
                { "version", 8, -1, true },
                { "file size field", 16, -1, true },
                { "generation (header checksum)", 24, -1, true },
                { "truncated to the header", -1, 100, true },
                { "truncated by one byte", -1, -2, true },
                { "the last entry's revision (its checksum)", -20, -1, false },
        };
        _cleanup_free_ char *kb = key_of(ID_B);     /* the last in key order, its strings at the end */

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(vidx_closep) struct vidx *x = NULL;
                _cleanup_free_ char *buf = NULL;
                struct vidx_hit h;
                size_t len = 0;
                int r;

                write_two(time(NULL));
                buf = slurp(index_path, &len);
                if (!buf)
                        abort();
                if (rows[i].truncate_to == -2)
                        len--;
                else if (rows[i].truncate_to >= 0)
                        len = (size_t) rows[i].truncate_to;
                else
                        buf[rows[i].off >= 0 ? (size_t) rows[i].off : len + (size_t) rows[i].off] ^= 0x5a;
                write_file(index_path, buf, len);
                r = vidx_open(cache_path, SHARD, &x, NULL);
                if (rows[i].at_open)
                        CHECK_MSG(r == -EBADMSG, "%s: open gave %d", rows[i].what, r);
                else
                        CHECK_MSG(r == 0 && vidx_lookup(x, kb, &h) == -EBADMSG, "%s", rows[i].what);
                /* Other first bytes make it someone else's file, which no
                 * writer replaces; the rest is an index of ours, damaged. */
                if (i == 0)
                        CHECK(unlink(index_path) == 0);
        }
}

/* An index of another cache file (the cache removed and made anew). */
static void test_other_cache(void) {
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        char moved[300];

        write_two(time(NULL));
        snprintf(moved, sizeof(moved), "%s.old", cache_path);
        CHECK(rename(cache_path, moved) == 0);
        write_file(cache_path, "", 0);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == -ESTALE);
        CHECK(unlink(cache_path) == 0);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == -ESTALE);
        CHECK(rename(moved, cache_path) == 0);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0);
}

/* Files at the index's paths that are not the index's: never replaced,
 * never removed. */
static void test_foreign(void) {
        static const char text[] = "not an index, somebody's notes\n";
        const char *paths[] = { index_path, used_path };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *after = NULL;
                struct error err = {};
                struct stat st;
                size_t len = 0;

                write_file(paths[i], text, STRLEN(text));
                CHECK(stat(cache_path, &st) == 0);
                CHECK(vidx_write(cache_path, SHARD, st.st_dev, st.st_ino, 1, NULL, 0, NULL, &err) == -EMEDIUMTYPE);
                CHECK_MSG(strstr(err.msg, paths[i]) != NULL, "%s", err.msg);
                if (i == 0)
                        CHECK(vidx_remove(cache_path, SHARD, NULL) == -EMEDIUMTYPE);
                after = slurp(paths[i], &len);
                CHECK(after && len == STRLEN(text) && memcmp(after, text, len) == 0);
                CHECK(unlink(paths[i]) == 0);
        }
        CHECK(mkdir(index_path, 0700) == 0);
        CHECK(vidx_remove(cache_path, SHARD, NULL) == -EMEDIUMTYPE);
        CHECK(rmdir(index_path) == 0);
}

static int collect_used(const char *key, size_t slot, int64_t last_used, void *userdata) {
        int64_t *got = userdata;

        (void) key;
        (void) slot;
        *got = last_used;
        return 0;
}

/* A hit writes its last use only when the recorded one is old, and only
 * once per interval; a writer reads it back. */
static void test_touch(void) {
        _cleanup_(vidx_closep) struct vidx *x = NULL, *y = NULL;
        _cleanup_free_ char *ka = key_of(ID_A);
        int64_t now = time(NULL), got = 0;
        struct vidx_hit h;

        write_two(now);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_lookup(x, ka, &h) == 0);
        CHECK(vidx_touch(x, cache_path, &h, now) == 0);         /* fresh: nothing written */
        write_two(now - 2 * VIDX_TOUCH_INTERVAL);
        vidx_close(x);
        x = NULL;
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_lookup(x, ka, &h) == 0);
        CHECK(vidx_touch(x, cache_path, &h, now) == 1);
        CHECK(vidx_touch(x, cache_path, &h, now + 1) == 0);     /* the slot has it */
        CHECK(vidx_used(x, cache_path, now, collect_used, &got) == 0 && got == now);
        /* A new generation's -used file: the old mapping's touch is lost, not misplaced. */
        write_two(now - 2 * VIDX_TOUCH_INTERVAL);
        CHECK(vidx_touch(x, cache_path, &h, now + 2 * VIDX_TOUCH_INTERVAL) == 0);
        CHECK(vidx_open(cache_path, SHARD, &y, NULL) == 0);
        got = 0;
        CHECK(vidx_used(y, cache_path, now, collect_used, &got) == 0 && got == 0);
}

/* A slot more than VIDX_USED_AHEAD_MAX ahead of the clock (damaged, or
 * written so: year 9999) is not folded, else its entry would never be
 * collected; one within it is (a clock a little behind another's). */
static void test_used_ahead(void) {
        const int64_t y9999 = 253402300799;     /* 9999-12-31T23:59:59Z */
        _cleanup_free_ char *ka = key_of(ID_A);
        int64_t now = time(NULL);
        const struct {
                int64_t written, now;
                bool folded;
        } rows[] = {
                { y9999, now, false },
                { INT64_MAX, now, false },
                { INT64_MAX, INT64_MIN, false },
                { now + VIDX_USED_AHEAD_MAX + 1, now, false },
                { now + VIDX_USED_AHEAD_MAX, now, true },
                { y9999, y9999 - 60, true },
                { now, now, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(vidx_closep) struct vidx *x = NULL;
                int64_t got = 0;
                struct vidx_hit h;

                write_two(now - 2 * VIDX_TOUCH_INTERVAL);
                CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_lookup(x, ka, &h) == 0);
                CHECK(vidx_touch(x, cache_path, &h, rows[i].written) == 1);
                CHECK(vidx_used(x, cache_path, rows[i].now, collect_used, &got) == 0);
                CHECK_MSG(got == (rows[i].folded ? rows[i].written : 0), "row %zu: %lld", i, (long long) got);
        }
}

static void put(struct cache *c, const char *identity, time_t last_used) {
        _cleanup_free_ char *key = key_of(identity);
        struct cache_entry e = {
                .key = key, .identity = (char *) identity, .db_revision = REV, .created = last_used,
                .last_used = last_used, .packages = 3, .findings = 1, .scan_json = "{}",
                .inventory_json = "{\"os\": null, \"packages\": []}", .findings_compact = FINDINGS,
        };
        struct error err = {};

        CHECK_MSG(cache_put(c, &e, &err) == 0, "%s", err.msg);
}

static bool indexed(const char *identity) {
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        _cleanup_free_ char *key = key_of(identity);
        struct vidx_hit h;

        return vidx_open(cache_path, vidx_shard(identity), &x, NULL) == 0 && vidx_lookup(x, key, &h) == 0;
}

/* The cache's writers keep the index: a put adds, a purge removes, gc
 * removes what expired, and a hit's last use recorded in the -used file
 * keeps its entry from expiring. */
static void test_cache_writers(void) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *ka = key_of(ID_A), *value = NULL;
        _cleanup_(vidx_closep) struct vidx *x = NULL, *y = NULL;
        struct cache_entry e = {};
        time_t now = time(NULL), old = now - 3 * 24 * 3600;
        struct error err = {};
        struct vidx_hit h;
        const char *memo;
        struct stat st;

        (void) unlink(cache_path);
        (void) unlink(index_path);
        (void) unlink(used_path);
        CHECK_MSG(cache_open(cache_path, &c, NULL, &err) == 0, "%s", err.msg);
        if (!c)
                return;
        put(c, ID_A, old);
        CHECK(indexed(ID_A));
        put(c, ID_B, old);
        CHECK(indexed(ID_A) && indexed(ID_B));
        /* A new memo rewrites no shard; a shard learns it at its next
         * write, as when a hit served by sqlite refreshes its entry. */
        CHECK(cache_memo_put(c, "db:7:7:7:7.7", REV " 2026-12-02T00:00:00Z", &err) == 0);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_memo(x, "db:7:7:7:7.7", &memo) == -ENOENT);
        vidx_close(TAKE_PTR(x));
        CHECK(cache_peek(c, ka, &e, &err) == 0 && cache_index_refresh(c, &e, &err) == 0);
        cache_entry_done(&e);
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_memo(x, "db:7:7:7:7.7", &memo) == 0);
        CHECK(vidx_shard(ID_A) == vidx_shard(ID_B) ||
              (vidx_open(cache_path, vidx_shard(ID_B), &y, NULL) == 0 && vidx_memo(y, "db:7:7:7:7.7", &memo) == -ENOENT));
        CHECK(indexed(ID_A) && indexed(ID_B));
        /* A's hit, recorded beside the index only. */
        CHECK(x && vidx_lookup(x, ka, &h) == 0 && vidx_touch(x, cache_path, &h, now) == 1);
        vidx_close(x);
        x = NULL;
        /* One day of TTL: B (unused for three days) goes, A (just used) stays. */
        CHECK_MSG(cache_gc(c, 24 * 3600, 100, now, &err) == 1, "%s", err.msg);
        CHECK(indexed(ID_A) && !indexed(ID_B));
        CHECK(stat(index_path, &st) == 0 && (st.st_mode & 0777) == 0600);
        CHECK(cache_purge(c, ka, &err) == 1);
        CHECK(!indexed(ID_A));
        CHECK(stat(index_path, &st) < 0 && errno == ENOENT);    /* a shard left without entries goes */
        /* The WAL was checkpointed by the writers: a fresh reader finds it all in the file. */
        CHECK(stat(cache_path, &st) == 0 && st.st_size > 0);
        CHECK(cache_memo_get(c, "db:7:7:7:7.7", &value, NULL) == 0);
}

/* sql run on the cache with plain sqlite, beside the cache's own connection. */
static void sql_exec(const char *sql) {
        sqlite3 *db = NULL;

        CHECK(sqlite3_open(cache_path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(db);
}

#define HAS_IDENTITY_INDEX "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'entries_identity'"

/* An identity of A's shard that is neither A nor any before it. */
static void same_shard(char *buf, size_t size, unsigned *seq) {
        do
                snprintf(buf, size, "sha256:%064x", ++*seq);
        while (vidx_shard(buf) != SHARD);
}

/* A shard whose file is gone is made again, at the next write into it,
 * from the cache's entries of that shard: found through entries_identity,
 * or, in a cache made before that index, by reading every entry.  The
 * hook's open adds no index; the next open that checks the file does. */
static void test_shard_from_cache(void) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        char id_c[80], id_d[80], wal[300], shm[300];
        struct error err = {};
        unsigned seq = 0;

        snprintf(wal, sizeof(wal), "%s-wal", cache_path);
        snprintf(shm, sizeof(shm), "%s-shm", cache_path);
        (void) unlink(cache_path);
        (void) unlink(wal);
        (void) unlink(shm);
        CHECK(vidx_remove_all(cache_path, NULL) >= 0);
        same_shard(id_c, sizeof(id_c), &seq);
        same_shard(id_d, sizeof(id_d), &seq);
        CHECK_MSG(cache_open(cache_path, &c, NULL, &err) == 0, "%s", err.msg);
        if (!c)
                return;
        CHECK(test_sql_int(cache_path, HAS_IDENTITY_INDEX) == 1);
        put(c, ID_A, time(NULL));
        put(c, ID_B, time(NULL));
        CHECK(unlink(index_path) == 0 && !indexed(ID_A));
        put(c, id_c, time(NULL));
        CHECK(indexed(ID_A) && indexed(id_c) && indexed(ID_B));
        cache_close(TAKE_PTR(c));

        sql_exec("DROP INDEX entries_identity");
        CHECK(test_sql_int(cache_path, HAS_IDENTITY_INDEX) == 0);
        CHECK_MSG(cache_open_flags(cache_path, CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK, &c, NULL, &err) == 0,
                  "%s", err.msg);
        if (!c)
                return;
        CHECK(unlink(index_path) == 0 && !indexed(ID_A));
        put(c, id_d, time(NULL));
        CHECK(indexed(ID_A) && indexed(id_c) && indexed(id_d));
        cache_close(TAKE_PTR(c));
        CHECK(test_sql_int(cache_path, HAS_IDENTITY_INDEX) == 0);
        CHECK_MSG(cache_open(cache_path, &c, NULL, &err) == 0, "%s", err.msg);
        CHECK(test_sql_int(cache_path, HAS_IDENTITY_INDEX) == 1);
}

/* An entry read (a hit served by sqlite) or stored (a miss) just before
 * another process purged it: the index must not take it back afterwards
 * (cache_index_refresh(), cache_put()'s index write), or the hook would
 * serve it on while 'cache ls' no longer shows it.  Its shard holds another
 * entry, so that the writer starts from that shard's sound file. */
static void test_purged_not_revived(void) {
        _cleanup_(cache_closep) struct cache *c = NULL, *other = NULL;
        _cleanup_free_ char *ka = key_of(ID_A);
        struct cache_entry e = {};
        struct error err = {};
        char id_c[80];
        unsigned seq = 1000;

        (void) unlink(cache_path);
        CHECK(vidx_remove_all(cache_path, NULL) >= 0);
        same_shard(id_c, sizeof(id_c), &seq);
        CHECK_MSG(cache_open(cache_path, &c, NULL, &err) == 0 && cache_open(cache_path, &other, NULL, &err) == 0,
                  "%s", err.msg);
        if (!c || !other)
                return;
        put(c, ID_A, time(NULL));
        put(c, id_c, time(NULL));
        CHECK(indexed(ID_A) && indexed(id_c));
        CHECK(cache_peek(c, ka, &e, &err) == 0);
        CHECK_MSG(cache_purge(other, ka, &err) == 1, "%s", err.msg);
        CHECK(!indexed(ID_A) && indexed(id_c));
        (void) cache_index_refresh(c, &e, NULL);
        CHECK_MSG(!indexed(ID_A), "a purged entry came back into the index");
        CHECK(indexed(id_c));
        cache_entry_done(&e);
}

struct check_all {
        size_t in_cache, in_index, mismatched;
};

static int check_one(const struct cache_entry *e, void *userdata) {
        _cleanup_(vidx_closep) struct vidx *x = NULL;
        struct check_all *a = userdata;
        struct vidx_hit h;

        a->in_cache++;
        if (vidx_open(cache_path, vidx_shard(e->identity), &x, NULL) < 0 || vidx_lookup(x, e->key, &h) != 0)
                return 0;
        a->in_index++;
        if (strcmp(h.identity, e->identity) != 0 || strcmp(h.db_revision, e->db_revision) != 0)
                a->mismatched++;
        return 0;
}

/* Entries in all the shards. */
static size_t entries_indexed(void) {
        size_t n = 0;

        for (unsigned i = 0; i < VIDX_SHARDS; i++) {
                _cleanup_(vidx_closep) struct vidx *x = NULL;

                if (vidx_open(cache_path, i, &x, NULL) == 0)
                        n += vidx_count(x);
        }
        return n;
}

/* Eight processes put five entries each at once: the index they leave
 * holds only entries the cache holds (with the same identity and
 * revision), and the next rebuild holds all forty. */
static void test_concurrent_writers(void) {
        enum { PROCS = 8, EACH = 5 };
        _cleanup_(cache_closep) struct cache *c = NULL;
        struct check_all a = {};
        struct error err = {};
        pid_t pids[PROCS];

        (void) unlink(cache_path);
        CHECK(cache_open(cache_path, &c, NULL, &err) == 0);
        if (!c)
                return;
        for (int p = 0; p < PROCS; p++) {
                pids[p] = fork();
                if (pids[p] == 0) {
                        struct cache *mine = NULL;

                        if (cache_open(cache_path, &mine, NULL, NULL) < 0)
                                _exit(1);
                        for (int i = 0; i < EACH; i++) {
                                char id[80];

                                snprintf(id, sizeof(id), "sha256:%064x", p * 100 + i);
                                put(mine, id, time(NULL));
                        }
                        cache_close(mine);
                        _exit(test_failures ? 1 : 0);
                }
        }
        for (int p = 0; p < PROCS; p++) {
                int st = 0;

                CHECK(waitpid(pids[p], &st, 0) == pids[p] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        CHECK(cache_list_summary(c, check_one, &a, &err) == 0);
        CHECK(a.in_cache == PROCS * EACH && a.mismatched == 0 && entries_indexed() == a.in_index);
        CHECK(cache_gc(c, 24 * 3600, 1000, time(NULL), &err) == 0);
        a = (struct check_all) {};
        CHECK(cache_list_summary(c, check_one, &a, &err) == 0);
        CHECK_MSG(a.in_index == PROCS * EACH && a.mismatched == 0 && entries_indexed() == a.in_index, "%zu of %zu",
                  a.in_index, a.in_cache);
}

/* The entry at slot of x, peeked from the cache: its last use. */
static int64_t slot_last_used(struct cache *c, const struct vidx *x, size_t slot) {
        struct cache_entry e = {};
        struct vidx_hit h;
        const char *key;
        int64_t t = -1;

        if (vidx_entry(x, slot, &key, &h) == 0 && cache_peek(c, key, &e, NULL) == 0)
                t = e.last_used;
        cache_entry_done(&e);
        return t;
}

/* A hit maps a shard; a batch ('cache gc', a purge, a rescan) removes
 * every shard and writes it anew with other entries; the hit then records
 * its use in the new -used file.  The new shard's generation must differ
 * from the mapped one's, or the use lands in the slot of whichever entry
 * now has that position: that entry kept from expiry, the used one not. */
static void test_batch_generation(void) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_(vidx_closep) struct vidx *x = NULL, *y = NULL;
        time_t now = time(NULL), old = now - 2 * VIDX_TOUCH_INTERVAL;
        char ids[3][80];
        const char *k0;
        struct error err = {};
        struct vidx_hit h;
        unsigned seq = 2000;

        (void) unlink(cache_path);
        CHECK(vidx_remove_all(cache_path, NULL) >= 0);
        CHECK_MSG(cache_open(cache_path, &c, NULL, &err) == 0, "%s", err.msg);
        if (!c)
                return;
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                same_shard(ids[i], sizeof(ids[i]), &seq);
                put(c, ids[i], old);
        }
        CHECK_MSG(cache_gc(c, 24 * 3600, 100, now, &err) == 0, "%s", err.msg);   /* a batch wrote the shard */
        CHECK(vidx_open(cache_path, SHARD, &x, NULL) == 0 && vidx_count(x) == 3);
        if (!x)
                return;
        /* The next batch drops the entry at slot 0: the one at slot 2
         * moves to slot 1. */
        CHECK(vidx_entry(x, 0, &k0, &h) == 0 && cache_purge(c, k0, &err) == 1);
        CHECK(vidx_open(cache_path, SHARD, &y, NULL) == 0 && vidx_count(y) == 2);
        if (!y)
                return;
        /* The hit of the entry at slot 1 of the mapped shard. */
        CHECK(vidx_entry(x, 1, &k0, &h) == 0);
        (void) vidx_touch(x, cache_path, &h, now);
        CHECK_MSG(cache_gc(c, 24 * 3600, 100, now, &err) == 0, "%s", err.msg);   /* folds the -used file */
        CHECK_MSG(slot_last_used(c, y, 1) == old, "a hit's use folded into another entry (generation %llu, then %llu)",
                  (unsigned long long) vidx_generation(x), (unsigned long long) vidx_generation(y));
}

int main(void) {
        if (!mkdtemp(dir))
                abort();
        snprintf(cache_path, sizeof(cache_path), "%s/cache.db", dir);
        if (vidx_path(cache_path, SHARD, false, index_path, sizeof(index_path)) < 0 ||
            vidx_path(cache_path, SHARD, true, used_path, sizeof(used_path)) < 0)
                abort();
        test_roundtrip();
        test_damage();
        test_other_cache();
        test_foreign();
        test_touch();
        test_used_ahead();
        test_cache_writers();
        test_shard_from_cache();
        test_purged_not_revived();
        test_concurrent_writers();
        test_batch_generation();
        {
                char cmd[300];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                (void) !system(cmd);
        }
        return test_end();
}
