/* SPDX-License-Identifier: Apache-2.0 */
/* The verdict cache: entries, listing, purge and GC, keys, recovery from
 * damaged files, many processes writing at once, and the single-flight
 * lock.  With --fill FILE N (N entries) or --twins FILE (two entries whose
 * keys share their first 6 hex digits) it fills a cache for cli tests. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "cache.h"
#include "test.h"

#define REV "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Entry i of a test image: scan and inventory JSON of about size bytes. */
static void entry_make(struct cache_entry *e, const char *identity, const char *rev, time_t last_used,
                       size_t findings, size_t size) {
        struct strbuf scan = {};

        *e = (struct cache_entry) {
                .identity = strdup(identity),
                .image = strdup("example.com/app:1"),
                .db_revision = strdup(rev),
                .created = last_used,
                .last_used = last_used,
                .packages = 92,
                .findings = findings,
                .inventory_json = strdup("{\"os\": null, \"packages\": []}"),
        };
        if (cache_key(identity, rev, &e->key) < 0)
                abort();
        strbuf_printf(&scan, "{\"target\": \"%s\", \"findings\": [", identity);
        for (size_t i = 0; scan.len < size; i++)
                strbuf_printf(&scan, "%s{\"id\": \"CVE-2024-%05zu\", \"severity\": \"HIGH\"}", i ? ", " : "", i);
        strbuf_puts(&scan, "]}");
        e->scan_json = strbuf_steal(&scan);
}

static int put(struct cache *c, const char *identity, time_t last_used, size_t findings) {
        struct cache_entry e;
        struct error err = {};
        int r;

        entry_make(&e, identity, REV, last_used, findings, 200);
        r = cache_put(c, &e, &err);
        if (r < 0)
                fprintf(stderr, "put %s: %s\n", identity, err.msg);
        cache_entry_done(&e);
        return r;
}

static char *key_of(const char *identity) {
        char *k = NULL;

        if (cache_key(identity, REV, &k) < 0)
                abort();
        return k;
}

static struct cache *open_ok(const char *path, bool *recovered) {
        struct cache *c = NULL;
        struct error err = {};

        if (cache_open(path, &c, recovered, &err) < 0)
                fprintf(stderr, "cache_open %s: %s\n", path, err.msg);
        return c;
}

static size_t count_entries(struct cache *c);

static void test_put_get(void) {
        const char *dir = test_path(test_tmpdir(), "var/lib/portcullis"), *path = test_path(dir, "cache.db");
        _cleanup_(cache_closep) struct cache *c = NULL;
        _cleanup_free_ char *k = key_of("sha256:aaaa");
        struct cache_entry e = {}, got = {};
        struct error err = {};
        bool recovered = true;
        struct stat st;

        c = open_ok(path, &recovered);
        CHECK(c && !recovered);
        if (!c)
                return;
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);

        CHECK(cache_get(c, k, &got, &err) == -ENOENT);
        entry_make(&e, "sha256:aaaa", REV, 1000, 3, 500);
        CHECK(cache_put(c, &e, &err) == 0);
        CHECK(cache_peek(c, k, &got, &err) == 0);
        CHECK_STREQ(got.key, k);
        CHECK_STREQ(got.identity, "sha256:aaaa");
        CHECK_STREQ(got.image, "example.com/app:1");
        CHECK_STREQ(got.db_revision, REV);
        CHECK_STREQ(got.scan_json, e.scan_json);
        CHECK_STREQ(got.inventory_json, e.inventory_json);
        CHECK(got.created == 1000 && got.last_used == 1000 && got.packages == 92 && got.findings == 3);
        cache_entry_done(&got);

        /* A hit is a use; a peek is not. */
        CHECK(cache_get(c, k, &got, &err) == 0);
        CHECK(got.last_used >= time(NULL) - 5 && got.created == 1000);
        cache_entry_done(&got);
        CHECK(cache_peek(c, k, &got, &err) == 0 && got.last_used >= time(NULL) - 5);
        cache_entry_done(&got);

        /* Replace: same key, new content, still one entry. */
        e.findings = 7;
        free(e.image);
        e.image = NULL;
        CHECK(cache_put(c, &e, &err) == 0);
        CHECK(cache_get(c, k, &got, &err) == 0 && got.findings == 7 && got.image == NULL);
        cache_entry_done(&got);
        CHECK(count_entries(c) == 1);

        /* Only new ('cache fill'): an entry with the key stays as it was,
         * its last use too; without one, it is written. */
        e.findings = 9;
        e.last_used = 2000;
        CHECK(cache_peek(c, k, &got, &err) == 0);
        {
                time_t used = got.last_used;

                cache_entry_done(&got);
                CHECK(cache_put_new(c, &e, &err) == 0);
                CHECK(cache_peek(c, k, &got, &err) == 0 && got.findings == 7 && got.last_used == used);
                cache_entry_done(&got);
        }
        CHECK(cache_purge(c, k, &err) == 1);
        CHECK(cache_put_new(c, &e, &err) == 1);
        CHECK(cache_peek(c, k, &got, &err) == 0 && got.findings == 9 && got.last_used == 2000);
        cache_entry_done(&got);
        e.findings = 7;
        CHECK(cache_put(c, &e, &err) == 0);
        CHECK(count_entries(c) == 1);

        /* Refused entries. */
        free(e.key);
        e.key = strdup("../x");
        CHECK(cache_put(c, &e, &err) == -EINVAL);
        free(e.key);
        e.key = strdup("ABCDEF");
        CHECK(cache_put(c, &e, &err) == -EINVAL);
        cache_entry_done(&e);
        entry_make(&e, "sha256:bbbb", REV, 0, 0, 10);
        free(e.db_revision);
        e.db_revision = NULL;
        CHECK(cache_put(c, &e, &err) == -EINVAL);
        cache_entry_done(&e);
        /* An entry past its cap (some 140,000 findings): refused, the cap
         * named and what it costs, the cache as it was. */
        entry_make(&e, "sha256:cccc", REV, 0, 0, 10);
        free(e.findings_compact);
        e.findings_compact = malloc(CACHE_JSON_MAX + 2);
        CHECK(e.findings_compact != NULL);
        if (e.findings_compact) {
                memset(e.findings_compact, 'x', CACHE_JSON_MAX + 1);
                e.findings_compact[CACHE_JSON_MAX + 1] = '\0';
                CHECK(cache_put(c, &e, &err) == -EFBIG);
                CHECK_MSG(strstr(err.msg, "the entry for sha256:cccc is larger than the 64 MiB an entry may hold (its "
                                 "findings); not cached: each start of the image analyses it again") != NULL,
                          "%s", err.msg);
                CHECK(count_entries(c) == 1);
        }
        cache_entry_done(&e);
}

struct seen {
        char keys[16][CACHE_KEY_MAX + 1];
        size_t n;
        bool json;
        int stop_after;
        struct cache *purge_from;
};

static int on_entry(const struct cache_entry *e, void *userdata) {
        struct seen *s = userdata;
        struct error err = {};

        if (s->n < ELEMENTSOF(s->keys))
                snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", e->key);
        s->n++;
        s->json = e->scan_json && e->inventory_json;
        /* Changing the cache from the callback is allowed. */
        if (s->purge_from && cache_purge(s->purge_from, e->key, &err) != 1)
                return -EIO;
        return s->stop_after && (int) s->n >= s->stop_after ? -42 : 0;
}

static size_t count_entries(struct cache *c) {
        struct seen s = {};
        struct error err = {};

        return cache_list_summary(c, on_entry, &s, &err) == 0 ? s.n : (size_t) -1;
}

static void test_list_purge(void) {
        _cleanup_(cache_closep) struct cache *c = open_ok(test_path(test_tmpdir(), "list.db"), NULL);
        _cleanup_free_ char *k1 = key_of("img-1"), *k2 = key_of("img-2"), *k3 = key_of("img-3");
        struct error err = {};
        struct seen s = {};

        CHECK(c);
        if (!c)
                return;
        CHECK(count_entries(c) == 0);
        CHECK(put(c, "img-1", 100, 0) == 0 && put(c, "img-2", 300, 1) == 0 && put(c, "img-3", 200, 2) == 0);

        CHECK(cache_list(c, on_entry, &s, &err) == 0 && s.n == 3 && s.json);
        CHECK_STREQ(s.keys[0], k2);
        CHECK_STREQ(s.keys[1], k3);
        CHECK_STREQ(s.keys[2], k1);
        s = (struct seen) {};
        CHECK(cache_list_summary(c, on_entry, &s, &err) == 0 && s.n == 3 && !s.json);
        CHECK_STREQ(s.keys[0], k2);
        s = (struct seen) { .stop_after = 2 };
        CHECK(cache_list(c, on_entry, &s, &err) == -42 && s.n == 2);

        CHECK(cache_purge(c, k3, &err) == 1);
        CHECK(cache_purge(c, k3, &err) == 0);
        CHECK(count_entries(c) == 2);
        CHECK(cache_purge(c, NULL, &err) == 2);
        CHECK(count_entries(c) == 0);

        /* A callback that purges what it is shown empties the cache. */
        CHECK(put(c, "img-1", 100, 0) == 0 && put(c, "img-2", 300, 1) == 0);
        s = (struct seen) { .purge_from = c };
        CHECK(cache_list(c, on_entry, &s, &err) == 0 && s.n == 2);
        CHECK(count_entries(c) == 0);
}

static void test_gc(void) {
        _cleanup_(cache_closep) struct cache *c = open_ok(test_path(test_tmpdir(), "gc.db"), NULL);
        _cleanup_free_ char *newest = key_of("new");
        time_t now = 1780272000;
        struct error err = {};
        struct seen s = {};

        CHECK(c);
        if (!c)
                return;
        CHECK(put(c, "new", now - 10, 0) == 0 && put(c, "mid", now - 100, 0) == 0 &&
              put(c, "old", now - 1000, 0) == 0 && put(c, "ancient", now - 100000, 0) == 0);
        /* TTL: unused for longer than 500 s goes. */
        CHECK(cache_gc(c, 500, 100, now, &err) == 2);
        CHECK(count_entries(c) == 2);
        /* Nothing more to do. */
        CHECK(cache_gc(c, 500, 100, now, &err) == 0);
        /* Count: the least recently used beyond 1 goes. */
        CHECK(cache_gc(c, 500, 1, now, &err) == 1);
        CHECK(cache_list_summary(c, on_entry, &s, &err) == 0 && s.n == 1);
        CHECK_STREQ(s.keys[0], newest);
        CHECK(cache_gc(c, CACHE_TTL_DEFAULT, 0, now, &err) == 1);
        CHECK(count_entries(c) == 0);

        /* A last use recorded while the clock was a year ahead counts as
         * the gc's now: the entry then ages out like the others. */
        CHECK(put(c, "ahead", now + 365 * 86400, 0) == 0 && put(c, "recent", now - 10, 0) == 0);
        CHECK(cache_gc(c, 500, 100, now, &err) == 0);
        CHECK(cache_gc(c, 500, 100, now + 600, &err) == 2);
        CHECK(count_entries(c) == 0);
}

/* base, then this build's epochs, as every key ends */
static const char *with_epochs(const char *base) {
        static char buf[CACHE_KEY_MAX + 1];

        snprintf(buf, sizeof(buf), "%s%02x%02x", base, CACHE_INVENTORY_EPOCH & 0xffu, CACHE_MATCH_EPOCH & 0xffu);
        return buf;
}

static void test_keys(void) {
        _cleanup_(cache_closep) struct cache *c = open_ok(test_path(test_tmpdir(), "keys.db"), NULL);
        _cleanup_free_ char *a = NULL, *b = NULL, *other = NULL;
        struct cache_entry e;
        struct error err = {};
        char *found = NULL;

        CHECK(cache_key("sha256:abc", "sha256:rev", &a) == 0 && cache_key("sha256:abc", "sha256:rev", &b) == 0);
        CHECK_STREQ(a, b);
        /* printf 'sha256:abc\nsha256:rev' | sha256sum, then the epochs */
        CHECK_STREQ(a, with_epochs("fae92d3ec799a06408bef42607e09bea5f4936c6d6dfb9492ba6355d952ebdf6"));
        CHECK(cache_key_age(a) == CACHE_KEY_CURRENT);
        /* a key of a build before the epochs; one whose findings or
         * inventory another build made */
        CHECK(cache_key_age("fae92d3ec799a06408bef42607e09bea5f4936c6d6dfb9492ba6355d952ebdf6") == CACHE_KEY_STALE);
        {
                char k[CACHE_KEY_MAX + 1];

                snprintf(k, sizeof(k), "%.64s%02x%02x", a, CACHE_INVENTORY_EPOCH & 0xffu,
                         (CACHE_MATCH_EPOCH + 1) & 0xffu);
                CHECK(cache_key_age(k) == CACHE_KEY_REMATCH);
                snprintf(k, sizeof(k), "%.64s%02x%02x", a, (CACHE_INVENTORY_EPOCH + 1) & 0xffu,
                         CACHE_MATCH_EPOCH & 0xffu);
                CHECK(cache_key_age(k) == CACHE_KEY_STALE);
                snprintf(k, sizeof(k), "%.64s+1%02x", a, CACHE_MATCH_EPOCH & 0xffu);
                CHECK(cache_key_age(k) == CACHE_KEY_STALE);
        }
        CHECK(cache_key("sha256:abc", "sha256:rev2", &other) == 0 && strcmp(a, other) != 0);
        {
                /* digests on both sides: taken from them, no hashing */
                _cleanup_free_ char *img = NULL, *inv = NULL;

                CHECK(cache_key("sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", REV,
                                &img) == 0);
                CHECK_STREQ(img, with_epochs("00123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                                             "11111111111111111111111111111111"));
                CHECK(cache_key_age(img) == CACHE_KEY_CURRENT);
                CHECK(cache_key("inventory:sha256:" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                REV, &inv) == 0);
                CHECK(inv && inv[0] == '1' && strcmp(img + 1, inv + 1) == 0 && strlen(inv) == 101);
        }

        CHECK(c);
        if (!c)
                return;
        entry_make(&e, "sha256:abc", "sha256:rev", 0, 0, 10);
        CHECK(cache_put(c, &e, &err) == 0);
        cache_entry_done(&e);

        CHECK(cache_resolve_key(c, "fae92d", &found, &err) == 0);
        CHECK_STREQ(found, a);
        free(TAKE_PTR(found));
        CHECK(cache_resolve_key(c, "FAE92D3E", &found, &err) == 0);
        CHECK_STREQ(found, a);
        free(TAKE_PTR(found));
        CHECK(cache_resolve_key(c, "fae93", &found, &err) == -ENOENT && !found);
        CHECK(cache_resolve_key(c, "../", &found, &err) == -EINVAL && !found);
        CHECK(cache_resolve_key(c, "", &found, &err) == -EINVAL && !found);

        /* Two keys with one prefix: ambiguous until the prefix is longer. */
        entry_make(&e, "twin", REV, 0, 0, 10);
        memcpy(e.key, "fae92d", 6);
        CHECK(cache_put(c, &e, &err) == 0);
        cache_entry_done(&e);
        CHECK(cache_resolve_key(c, "fae92d", &found, &err) == -ENOTUNIQ && !found);
        CHECK(strstr(err.msg, "give more characters") != NULL);
        CHECK(cache_resolve_key(c, "fae92d3e", &found, &err) == 0);
        CHECK_STREQ(found, a);
        free(found);
}

/* The file moved aside as "<path>.corrupt-*", if there is one. */
static bool corrupt_copy_exists(const char *dir, const char *name) {
        char prefix[256];
        struct dirent *de;
        bool found = false;
        DIR *d = opendir(dir);

        snprintf(prefix, sizeof(prefix), "%s.corrupt-", name);
        while (d && (de = readdir(d)))
                if (startswith(de->d_name, prefix) && !strstr(de->d_name, "-wal") && !strstr(de->d_name, "-shm"))
                        found = true;
        if (d)
                closedir(d);
        return found;
}

static void check_recovers(const char *dir, const char *name, const char *what) {
        const char *path = test_path(dir, name);
        _cleanup_(cache_closep) struct cache *c = NULL;
        struct cache_entry e = {}, got = {};
        struct error err = {};
        bool recovered = false;

        c = open_ok(path, &recovered);
        CHECK_MSG(c && recovered, "%s", what);
        CHECK_MSG(corrupt_copy_exists(dir, name), "%s", what);
        if (!c)
                return;
        CHECK_MSG(count_entries(c) == 0, "%s", what);
        CHECK_MSG(put(c, "after", 0, 1) == 0, "%s", what);
        entry_make(&e, "after", REV, 0, 0, 0);
        CHECK_MSG(cache_get(c, e.key, &got, &err) == 0 && got.findings == 1, "%s: %s", what, err.msg);
        cache_entry_done(&got);
        cache_entry_done(&e);
}

/* A real cache of about 1 MiB, cut in half, or with its second half
 * overwritten by zeros (the schema pages at the start stay readable). */
static void make_damaged(const char *path, bool truncate_it) {
        struct cache *c = open_ok(path, NULL);
        struct stat st;
        char id[32];

        for (int i = 0; c && i < 200; i++) {
                struct cache_entry e;
                struct error err = {};

                snprintf(id, sizeof(id), "img-%d", i);
                entry_make(&e, id, REV, 0, 0, 100);
                /* the bulk in the compact findings, stored as text (the
                 * scan and inventory are compressed) */
                e.findings_compact = malloc(5001);
                if (e.findings_compact) {
                        memset(e.findings_compact, 'a' + i % 26, 5000);
                        e.findings_compact[5000] = '\0';
                }
                if (cache_put(c, &e, &err) < 0)
                        fprintf(stderr, "%s\n", err.msg);
                cache_entry_done(&e);
        }
        cache_close(c);        /* the last close checkpoints the WAL into the file */
        CHECK(stat(path, &st) == 0 && st.st_size > 500000);
        if (truncate_it)
                CHECK(truncate(path, st.st_size / 2) == 0);
        else {
                _cleanup_free_ char *zeros = calloc(1, (size_t) st.st_size / 2);
                int fd = open(path, O_WRONLY | O_CLOEXEC);

                CHECK(fd >= 0 && zeros &&
                      pwrite(fd, zeros, (size_t) st.st_size / 2, st.st_size / 2) == st.st_size / 2);
                close(fd);
        }
}

static void make_foreign(const char *path, const char *sql) {
        sqlite3 *db = NULL;

        CHECK(sqlite3_open(path, &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(db);
}

static char *cat2(const char *a, const char *b) {
        char *s = NULL;

        if (asprintf(&s, "%s%s", a, b) < 0)
                abort();
        return s;
}

/* A cache as builds before the mark made them: the application_id and
 * user_version cleared, checkpointed into the file. */
static void unmark(const char *path) {
        make_foreign(path, "PRAGMA application_id=0; PRAGMA user_version=0; PRAGMA wal_checkpoint(TRUNCATE);");
}

/* A file with a marked cache's first 100 bytes (magic, application_id)
 * and junk after: ours, and damaged beyond reading. */
static void make_marked_junk(const char *path) {
        _cleanup_free_ char *tmp = cat2(path, ".src");
        struct cache *c = open_ok(tmp, NULL);
        char head[100] = {}, junk[4000];
        int fd;

        cache_close(c);
        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0 && read(fd, head, sizeof(head)) == (ssize_t) sizeof(head));
        close(fd);
        memset(junk, 'j', sizeof(junk));
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0 && write(fd, head, sizeof(head)) == (ssize_t) sizeof(head) &&
              write(fd, junk, sizeof(junk)) == (ssize_t) sizeof(junk));
        close(fd);
}

/* The bytes of a file, to tell that nothing wrote to it. */
static char *slurp(const char *path) {
        char *buf = NULL;
        size_t len = 0;

        if (read_full_file(path, 64 << 20, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

static bool exists(const char *path) {
        return access(path, F_OK) == 0;
}

/* A file that isn't ours is refused with a message naming it, and left
 * byte for byte, with no -wal/-shm beside it and nothing moved, whatever
 * the flags. */
/* A file the opens leave as it is, whatever the flags, saying says; with
 * wal_ok, sqlite's -wal and -shm may appear beside it (ours: a WAL file). */
static void check_left(const char *dir, const char *name, const char *what, const char *says, bool wal_ok) {
        static const unsigned flag_sets[] = { CACHE_OPEN_RECOVER, CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK, 0,
                                              CACHE_OPEN_READONLY };
        const char *path = test_path(dir, name);
        _cleanup_free_ char *before = slurp(path), *wal = cat2(path, "-wal"), *shm = cat2(path, "-shm");
        bool had_wal = exists(wal), had_shm = exists(shm);

        for (size_t i = 0; i < ELEMENTSOF(flag_sets); i++) {
                _cleanup_free_ char *after = NULL;
                struct cache *c = NULL;
                struct error err = {};
                int r = cache_open_flags(path, flag_sets[i], &c, NULL, &err);

                CHECK_MSG(r == -EMEDIUMTYPE && !c, "%s, flags %u: %d %s", what, flag_sets[i], r, err.msg);
                CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, says) && strstr(err.msg, "left as it is"),
                          "%s: %s", what, err.msg);
                cache_close(c);
                after = slurp(path);
                CHECK_MSG(before && after && strcmp(before, after) == 0, "%s: changed", what);
        }
        CHECK_MSG(!corrupt_copy_exists(dir, name), "%s: moved", what);
        CHECK_MSG(wal_ok || (exists(wal) == had_wal && exists(shm) == had_shm), "%s: -wal/-shm made", what);
}

static void check_refused(const char *dir, const char *name, const char *what) {
        check_left(dir, name, what, "not a Portcullis cache", false);
}

static bool exists_in(const char *dir, const char *name) {
        return access(test_path(dir, name), F_OK) == 0;
}

/* A cache damaged again and again keeps only the CACHE_CORRUPT_KEEP (3)
 * newest damaged copies, with their -wal/-shm; the copies of another
 * cache and other names are left. */
static void test_corrupt_kept(void) {
        /* With the new copy (now), the newest are -300-1 and -300. */
        static const char *const old[] = { "k.db.corrupt-50", "k.db.corrupt-100", "k.db.corrupt-100-wal",
                                           "k.db.corrupt-100-shm", "k.db.corrupt-200" };
        static const char *const kept[] = { "k.db.corrupt-300", "k.db.corrupt-300-1", "k.db.corrupt-300-1-wal",
                                            "k.db.corrupt-300-1-shm", "other.db.corrupt-10", "k.db.corrupt-x",
                                            "k.db.corrupt-", "k.db.corrupt-7-notes" };
        const char *dir = test_path(test_tmpdir(), "corrupt-kept");
        _cleanup_(cache_closep) struct cache *c = NULL;
        bool recovered = false;

        for (size_t i = 0; i < ELEMENTSOF(old); i++)
                test_write_file(test_path(dir, old[i]), "old copy");
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                test_write_file(test_path(dir, kept[i]), "kept");
        make_marked_junk(test_path(dir, "k.db"));
        c = open_ok(test_path(dir, "k.db"), &recovered);
        CHECK(c && recovered);
        CHECK(corrupt_copy_exists(dir, "k.db"));
        for (size_t i = 0; i < ELEMENTSOF(old); i++)
                CHECK_MSG(!exists_in(dir, old[i]), "%s: not removed", old[i]);
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                CHECK_MSG(exists_in(dir, kept[i]), "%s: removed", kept[i]);
}

static void test_corrupt(void) {
        const char *dir = test_path(test_tmpdir(), "corrupt");
        struct strbuf garbage = {};
        bool recovered = true;
        struct cache *c;

        /* Issue 11, 4: what isn't a Portcullis cache is never written or
         * moved, even by a recovering open. */
        for (int i = 0; i < 200; i++)
                strbuf_puts(&garbage, "this is not an sqlite database\n");
        test_write_file(test_path(dir, "garbage.db"), garbage.s);
        strbuf_done(&garbage);
        check_refused(dir, "garbage.db", "garbage");
        test_write_file(test_path(dir, "short.db"), "SQLite format 2\nnot really\n");
        check_refused(dir, "short.db", "short");
        make_foreign(test_path(dir, "foreign.db"), "CREATE TABLE rpms (name TEXT); INSERT INTO rpms VALUES ('x');");
        check_refused(dir, "foreign.db", "another program's database");
        make_foreign(test_path(dir, "foreign-wal.db"), "PRAGMA journal_mode=WAL; CREATE TABLE meta (key TEXT, value "
                                                       "TEXT); INSERT INTO meta VALUES ('schema_version', '2');");
        check_refused(dir, "foreign-wal.db", "another program's database in WAL mode, a meta table alike");
        make_foreign(test_path(dir, "app.db"), "PRAGMA application_id=1234; CREATE TABLE t (x);");
        check_refused(dir, "app.db", "another application_id");
        /* The vulnerability DB's layout: meta with a schema_version, in
         * rollback mode (as `portcullis cache ls --cache vulndb.sqlite`). */
        make_foreign(test_path(dir, "vulndb.sqlite"), "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                                      "INSERT INTO meta VALUES ('schema_version', '2');"
                                                      "CREATE TABLE vuln (id TEXT PRIMARY KEY);");
        check_refused(dir, "vulndb.sqlite", "the vulnerability DB");
        make_foreign(test_path(dir, "future.db"), "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                                  "INSERT INTO meta VALUES ('schema_version', '99');");
        check_refused(dir, "future.db", "unmarked, another schema version");

        /* Ours (marked), damaged: moved aside by a recovering open. */
        make_marked_junk(test_path(dir, "junk.db"));
        check_recovers(dir, "junk.db", "marked, junk after the header");
        make_marked_junk(test_path(dir, "junk-fast.db"));
        c = NULL;
        CHECK(cache_open_flags(test_path(dir, "junk-fast.db"), CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK, &c,
                               &recovered, &(struct error) {}) == 0 && recovered);
        cache_close(c);

        make_damaged(test_path(dir, "truncated.db"), true);
        check_recovers(dir, "truncated.db", "truncated");

        /* Without quick_check the damage shows when a page is read, as
         * EBADMSG, until a full open moves the file aside. */
        make_damaged(test_path(dir, "zeroed.db"), false);
        check_recovers(dir, "zeroed.db", "half zeroed");
        make_damaged(test_path(dir, "zeroed-fast.db"), false);
        {
                struct error err = {};
                struct cache_entry e = {};
                int bad = 0;
                char id[32];

                c = NULL;
                CHECK(cache_open_flags(test_path(dir, "zeroed-fast.db"), CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK,
                                       &c, &recovered, &err) == 0 && !recovered);
                for (int i = 0; c && i < 200; i++) {
                        _cleanup_free_ char *k = NULL;

                        snprintf(id, sizeof(id), "img-%d", i);
                        CHECK(cache_key(id, REV, &k) == 0);
                        if (cache_peek(c, k, &e, &err) == -EBADMSG)
                                bad++;
                        cache_entry_done(&e);
                }
                CHECK_MSG(bad > 0, "%d of 200 entries read as damaged", bad);
                cache_close(c);
        }
        /* Only a recovering open moves it: others say who does. */
        {
                struct error err = {};

                c = NULL;
                CHECK(cache_open_flags(test_path(dir, "zeroed-fast.db"), 0, &c, NULL, &err) == -EBADMSG && !c);
                CHECK_MSG(strstr(err.msg, "cache gc") && strstr(err.msg, "zeroed-fast.db"), "%s", err.msg);
                CHECK(cache_open_flags(test_path(dir, "zeroed-fast.db"), CACHE_OPEN_READONLY, &c, NULL, &err) ==
                      -EBADMSG && !c);
                CHECK(!corrupt_copy_exists(dir, "zeroed-fast.db"));
        }
        check_recovers(dir, "zeroed-fast.db", "half zeroed, found by a full open later");

        /* Marked, of a later schema version (a newer build's: a rollback,
         * or the old hook during an upgrade): not damaged, left as it is,
         * saying so (it was moved aside as damaged, once per start of
         * either build while both ran, with a copy kept each time).  One
         * of an older schema that isn't ours to read still starts over. */
        {
                const char *path = test_path(dir, "marked-future.db");

                cache_close(open_ok(path, NULL));
                make_foreign(path, "UPDATE meta SET value = '4' WHERE key = 'schema_version';"
                                   "PRAGMA user_version=4;");
                check_left(dir, "marked-future.db", "marked, a later schema version",
                           "is of schema 4, made by a newer Portcullis (this one uses 3)", true);
                path = test_path(dir, "marked-past.db");
                cache_close(open_ok(path, NULL));
                make_foreign(path, "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
                                   "PRAGMA user_version=1;");
                check_recovers(dir, "marked-past.db", "marked, an earlier schema version");
        }

        /* A cache made before the mark (unmarked, our schema) is used as it
         * is; the first open that may write marks it, a read-only one not. */
        {
                const char *path = test_path(dir, "legacy.db");
                struct cache_entry got = {};
                struct error err = {};
                _cleanup_free_ char *k = key_of("legacy");

                c = open_ok(path, NULL);
                CHECK(c && put(c, "legacy", 0, 4) == 0);
                cache_close(c);
                unmark(path);
                CHECK(test_sql_int(path, "PRAGMA application_id") == 0);
                c = NULL;
                CHECK_MSG(cache_open_flags(path, CACHE_OPEN_READONLY, &c, NULL, &err) == 0, "%s", err.msg);
                CHECK(c && cache_peek(c, k, &got, &err) == 0 && got.findings == 4);
                cache_entry_done(&got);
                cache_close(c);
                CHECK(test_sql_int(path, "PRAGMA application_id") == 0);
                c = NULL;
                CHECK_MSG(cache_open_flags(path, CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK, &c, &recovered,
                                           &err) == 0 && !recovered, "%s", err.msg);
                CHECK(c && cache_get(c, k, &got, &err) == 0 && got.findings == 4);
                cache_entry_done(&got);
                cache_close(c);
                CHECK(!corrupt_copy_exists(dir, "legacy.db"));
                CHECK(test_sql_int(path, "PRAGMA application_id") == 0x50437663);
                CHECK(test_sql_int(path, "PRAGMA user_version") == 3);

                /* Unmarked and damaged, its schema still readable: ours by
                 * its schema, moved aside. */
                make_damaged(test_path(dir, "legacy-zeroed.db"), false);
                unmark(test_path(dir, "legacy-zeroed.db"));
                check_recovers(dir, "legacy-zeroed.db", "unmarked, half zeroed");
        }

        /* An empty file (touch) is a new cache, not a damaged one. */
        test_write_file(test_path(dir, "empty.db"), "");
        c = NULL;
        CHECK(cache_open_flags(test_path(dir, "empty.db"), CACHE_OPEN_READONLY, &c, NULL, &(struct error) {}) ==
              -ENOENT);
        CHECK(test_sql_int(test_path(dir, "empty.db"), "PRAGMA page_count") == 0);
        c = open_ok(test_path(dir, "empty.db"), &recovered);
        CHECK(c && !recovered && !corrupt_copy_exists(dir, "empty.db"));
        cache_close(c);
        CHECK(test_sql_int(test_path(dir, "empty.db"), "PRAGMA application_id") == 0x50437663);

        /* What can't be opened is an error, and nothing is moved. */
        {
                struct error err = {};

                CHECK(mkdir(test_path(dir, "a-folder.db"), 0700) == 0);
                c = NULL;
                CHECK(cache_open(test_path(dir, "a-folder.db"), &c, &recovered, &err) < 0 && !c);
                CHECK(!corrupt_copy_exists(dir, "a-folder.db"));
                CHECK(strstr(err.msg, "a-folder.db") != NULL);
                CHECK(cache_open(test_path(dir, "garbage.db/under-a-file/cache.db"), &c, NULL, &err) == -ENOTDIR);
                /* Read-only: nothing created, not even the folder. */
                CHECK(cache_open_flags(test_path(dir, "none/cache.db"), CACHE_OPEN_READONLY, &c, NULL, &err) ==
                      -ENOENT);
                CHECK(!exists(test_path(dir, "none")));
        }
}

/* Issue 11, 5: the cache, its -wal and -shm are 0600 whatever the umask,
 * the folder made for it 0700, and a cache an older build left 0644 is
 * tightened by the next open that may write (not by a read-only one). */
/* One text a query gives, read with plain sqlite (NULL for none). */
static char *sql_text(const char *path, const char *sql) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        char *v = NULL;

        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
            sqlite3_column_text(st, 0))
                v = strdup((const char *) sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

/* Schema 3 stores a large scan or inventory as a zstd frame; schema 2's
 * text rows are read as they are, and a schema 2 cache is upgraded in
 * place by the first open that may write; a frame that doesn't decode is
 * the entry's error, not the file's. */
static void test_compressed(void) {
        const char *dir = test_path(test_tmpdir(), "compressed"), *path = test_path(dir, "cache.db");
        _cleanup_free_ char *k = key_of("sha256:zzzz"), *old = key_of("sha256:old"), *typ = NULL, *ver = NULL;
        struct cache_entry e = {}, got = {};
        struct error err = {};
        struct cache *c = open_ok(path, NULL);

        if (!c)
                return;
        entry_make(&e, "sha256:zzzz", REV, 1000, 3, 200 * 1024);
        e.findings_compact = strdup("#4 0 0\n");
        CHECK(cache_put(c, &e, &err) == 0);
        CHECK(put(c, "sha256:old", 1000, 1) == 0);
        cache_close(c);
        CHECK(test_sql_int(path, "PRAGMA user_version") == 3);
        typ = sql_text(path, "SELECT typeof(scan_json) || ' ' || typeof(inventory_json) || ' ' || "
                             "typeof(findings_compact) FROM entries WHERE identity = 'sha256:zzzz'");
        CHECK_STREQ(typ, "blob text text");     /* the inventory is under 64 KiB */
        /* 200 KiB of scan JSON in a few KiB */
        CHECK_MSG(test_sql_int(path, "SELECT length(scan_json) FROM entries WHERE identity = 'sha256:zzzz'") < 20 * 1024,
                  "%lld bytes", test_sql_int(path, "SELECT length(scan_json) FROM entries WHERE identity = 'sha256:zzzz'"));
        c = NULL;
        CHECK_MSG(cache_open_flags(path, CACHE_OPEN_READONLY, &c, NULL, &err) == 0, "%s", err.msg);
        CHECK(c && cache_peek(c, k, &got, &err) == 0);
        CHECK_STREQ(got.scan_json, e.scan_json);
        CHECK_STREQ(got.inventory_json, e.inventory_json);
        CHECK_STREQ(got.findings_compact, e.findings_compact);
        cache_entry_done(&got);
        cache_close(c);

        /* As schema 2 left it: text, version 2 */
        make_foreign(path, "UPDATE entries SET scan_json = '{\"old\": 1}', inventory_json = '{\"packages\": []}'"
                           " WHERE identity = 'sha256:old';"
                           "UPDATE meta SET value = '2' WHERE key = 'schema_version'; PRAGMA user_version=2;");
        c = NULL;
        CHECK_MSG(cache_open_flags(path, CACHE_OPEN_READONLY, &c, NULL, &err) == 0, "%s", err.msg);
        CHECK(c && cache_peek(c, old, &got, &err) == 0);
        CHECK_STREQ(got.scan_json, "{\"old\": 1}");
        CHECK_STREQ(got.inventory_json, "{\"packages\": []}");
        cache_entry_done(&got);
        cache_close(c);
        ver = sql_text(path, "SELECT value FROM meta WHERE key = 'schema_version'");
        CHECK_STREQ(ver, "2");          /* read-only: nothing written */
        free(TAKE_PTR(ver));
        /* the hook's open: upgraded, nothing moved aside, both kinds read */
        c = NULL;
        CHECK_MSG(cache_open_flags(path, CACHE_OPEN_RECOVER | CACHE_OPEN_NO_QUICK_CHECK, &c, NULL, &err) == 0, "%s",
                  err.msg);
        CHECK(c && cache_get(c, old, &got, &err) == 0);
        CHECK_STREQ(got.scan_json, "{\"old\": 1}");
        cache_entry_done(&got);
        CHECK(c && cache_get(c, k, &got, &err) == 0);
        CHECK_STREQ(got.scan_json, e.scan_json);
        cache_entry_done(&got);
        cache_close(c);
        CHECK(!corrupt_copy_exists(dir, "cache.db"));
        ver = sql_text(path, "SELECT value FROM meta WHERE key = 'schema_version'");
        CHECK_STREQ(ver, "3");
        CHECK(test_sql_int(path, "PRAGMA user_version") == 3);

        /* A damaged frame: that entry's error, naming the file; the file
         * stays, the other entry reads */
        make_foreign(path, "UPDATE entries SET scan_json = x'28b52ffd0000' WHERE identity = 'sha256:zzzz';");
        c = open_ok(path, NULL);
        CHECK(c && cache_peek(c, k, &got, &err) == -EIO);
        CHECK_MSG(strstr(err.msg, "cache.db") && strstr(err.msg, "purge"), "%s", err.msg);
        CHECK(c && cache_peek(c, old, &got, &(struct error) {}) == 0);
        cache_entry_done(&got);
        cache_close(c);
        CHECK(!corrupt_copy_exists(dir, "cache.db"));
        cache_entry_done(&e);
}

static void test_modes(void) {
        const char *dir = test_path(test_tmpdir(), "modes/state"), *path = test_path(dir, "cache.db");
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        mode_t old = umask(022);
        struct cache *c;
        struct stat st;
        char p[4096];

        c = open_ok(path, NULL);
        CHECK(c && put(c, "m", 0, 1) == 0);
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
                CHECK_MSG(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "%s: %o", p, st.st_mode & 07777);
        }
        cache_close(c);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
                CHECK(chmod(p, 0644) == 0);
        }
        c = NULL;
        CHECK(cache_open_flags(path, CACHE_OPEN_READONLY, &c, NULL, &(struct error) {}) == 0);
        cache_close(c);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
        cache_close(open_ok(path, NULL));
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
                CHECK_MSG(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "%s: %o", p, st.st_mode & 07777);
        }
        umask(old);
}

#define WRITERS 16
#define PER_WRITER 50

static int writer(const char *path, int w) {
        struct cache *c = NULL;
        struct error err = {};
        int fails = 0;
        char id[64];

        if (cache_open(path, &c, NULL, &err) < 0) {
                fprintf(stderr, "writer %d: %s\n", w, err.msg);
                return 1;
        }
        for (int i = 0; i < PER_WRITER; i++) {
                struct cache_entry e, got = {};

                snprintf(id, sizeof(id), "writer-%d-%d", w, i);
                entry_make(&e, id, REV, 0, (size_t) i, 2000);
                if (cache_put(c, &e, &err) < 0 || cache_get(c, e.key, &got, &err) < 0 ||
                    got.findings != (size_t) i) {
                        fprintf(stderr, "writer %d entry %d: %s\n", w, i, err.msg);
                        fails++;
                }
                cache_entry_done(&got);
                cache_entry_done(&e);
        }
        cache_close(c);
        return fails ? 1 : 0;
}

/* Several processes find the same damaged file at once: each gets a
 * working cache, and the file is moved aside once. */
static void test_concurrent_recovery(void) {
        const char *dir = test_path(test_tmpdir(), "corrupt-many");
        pid_t pids[8];
        size_t copies = 0;
        struct dirent *de;
        int ok = 0;
        DIR *d;

        make_marked_junk(test_path(dir, "cache.db"));
        for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        struct cache *c = open_ok(test_path(dir, "cache.db"), NULL);
                        int r = c && put(c, "x", 0, 0) == 0 ? 0 : 1;

                        cache_close(c);
                        _exit(r);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(pids); i++) {
                int status = 0;

                if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
                    WEXITSTATUS(status) == 0)
                        ok++;
        }
        CHECK(ok == (int) ELEMENTSOF(pids));
        d = opendir(dir);
        while (d && (de = readdir(d)))
                copies += startswith(de->d_name, "cache.db.corrupt-") && !strstr(de->d_name, "-wal") &&
                          !strstr(de->d_name, "-shm");
        if (d)
                closedir(d);
        CHECK_MSG(copies == 1, "%zu copies moved aside", copies);
}

static void test_concurrent_writers(void) {
        const char *path = test_path(test_tmpdir(), "concurrent/cache.db");
        pid_t pids[WRITERS];
        struct cache *c;
        int ok = 0;

        for (int w = 0; w < WRITERS; w++) {
                pids[w] = fork();
                if (pids[w] == 0)
                        _exit(writer(path, w));
        }
        for (int w = 0; w < WRITERS; w++) {
                int status = 0;

                if (pids[w] > 0 && waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
                    WEXITSTATUS(status) == 0)
                        ok++;
        }
        CHECK_MSG(ok == WRITERS, "%d of %d writers succeeded", ok, WRITERS);
        c = open_ok(path, NULL);
        CHECK(c && count_entries(c) == WRITERS * PER_WRITER);
        cache_close(c);
}

/* A child that holds key's lock for hold_ms, then exits; returns once the
 * lock is held. */
static pid_t lock_holder(const char *dir, const char *key, int hold_ms) {
        int p[2];
        char b = 0;
        pid_t pid;

        if (pipe(p) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                struct error err = {};
                int fd = -1;

                close(p[0]);
                if (cache_lock(dir, key, now_ms() + 1000, &fd, &err) < 0) {
                        fprintf(stderr, "holder: %s\n", err.msg);
                        _exit(1);
                }
                (void) write(p[1], "x", 1);
                usleep((useconds_t) hold_ms * 1000);
                cache_unlock(fd);
                _exit(0);
        }
        close(p[1]);
        CHECK(read(p[0], &b, 1) == 1);
        close(p[0]);
        return pid;
}

static void test_lock(void) {
        const char *dir = test_path(test_tmpdir(), "run/portcullis/locks");
        _cleanup_free_ char *key = key_of("img"), *other = key_of("other");
        struct error err = {};
        long long t0, waited;
        struct stat st;
        int fd = -1, fd2 = -1, status;
        pid_t pid;

        /* The second waits until the first unlocks. */
        pid = lock_holder(dir, key, 300);
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
        t0 = now_ms();
        CHECK(cache_lock(dir, key, now_ms() + 5000, &fd, &err) == 0);
        waited = now_ms() - t0;
        CHECK_MSG(waited >= 200 && waited < 2000, "waited %lld ms for a 300 ms holder", waited);
        cache_unlock(fd);
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* The deadline: -ETIMEDOUT close to it; another key is free. */
        pid = lock_holder(dir, key, 3000);
        t0 = now_ms();
        fd = -1;
        CHECK(cache_lock(dir, key, now_ms() + 200, &fd, &err) == -ETIMEDOUT && fd == -1);
        waited = now_ms() - t0;
        CHECK_MSG(waited >= 195 && waited < 400, "timed out after %lld ms, deadline 200 ms", waited);
        CHECK(strstr(err.msg, "deadline") != NULL);
        t0 = now_ms();
        CHECK(cache_lock(dir, other, now_ms() + 200, &fd2, &err) == 0);
        CHECK(now_ms() - t0 < 50);
        cache_unlock(fd2);
        CHECK(cache_lock(dir, key, now_ms(), &fd, &err) == -ETIMEDOUT);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        /* The holder died: the kernel released its lock. */
        CHECK(cache_lock(dir, key, now_ms() + 200, &fd, &err) == 0);
        CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600);
        cache_unlock(fd);

        /* A lock folder that can't exist: an error, never a hang. */
        test_write_file(test_path(test_tmpdir(), "a-file"), "x");
        CHECK(cache_lock(test_path(test_path(test_tmpdir(), "a-file"), "locks"), key, now_ms() + 200, &fd, &err) ==
              -ENOTDIR);
        CHECK(strstr(err.msg, "a-file/locks") != NULL);

        /* Keys become file names: nothing but hex. */
        CHECK(cache_lock(dir, "../x", now_ms() + 200, &fd, &err) == -EINVAL);
        CHECK(cache_lock(dir, "", now_ms() + 200, &fd, &err) == -EINVAL);
        CHECK(cache_lock(dir, "ab/cd", now_ms() + 200, &fd, &err) == -EINVAL);
        CHECK(access(test_path(test_tmpdir(), "x.lock"), F_OK) < 0);

        /* A symlink planted as the lock file is not followed. */
        CHECK(symlink("/etc/passwd", test_path(dir, "abcdef.lock")) == 0);
        CHECK(cache_lock(dir, "abcdef", now_ms() + 200, &fd, &err) == -ELOOP);
}

/* Lock files nobody holds are removed, the others and other names left;
 * a start that waited on a lock file removed meanwhile locks the file of
 * that name, not the removed one (two analyses of one image at once
 * otherwise). */
static void test_lock_prune(void) {
        const char *dir = test_path(test_tmpdir(), "prune/locks");
        _cleanup_free_ char *held = key_of("held"), *free_key = key_of("free"), *waited = key_of("waited");
        struct error err = {};
        char name[256];
        int fd = -1, status;
        pid_t pid;

        CHECK(cache_locks_prune(dir, &err) == 0);       /* no folder yet */
        CHECK(cache_lock(dir, free_key, now_ms() + 200, &fd, &err) == 0);
        cache_unlock(fd);
        test_write_file(test_path(dir, "notes.txt"), "x");
        test_write_file(test_path(dir, "abc.lock.old"), "x");
        test_write_file(test_path(dir, "ABC.lock"), "x");
        pid = lock_holder(dir, held, 300);
        CHECK(cache_locks_prune(dir, &err) == 1);
        snprintf(name, sizeof(name), "%s.lock", free_key);
        CHECK(access(test_path(dir, name), F_OK) < 0);
        snprintf(name, sizeof(name), "%s.lock", held);
        CHECK(access(test_path(dir, name), F_OK) == 0);
        CHECK(access(test_path(dir, "notes.txt"), F_OK) == 0 && access(test_path(dir, "abc.lock.old"), F_OK) == 0 &&
              access(test_path(dir, "ABC.lock"), F_OK) == 0);
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* A prune holds the lock of waited and removes its file; the
         * waiter, which opened that file first, must end up holding the
         * file now named so: a third start then waits. */
        {
                int prune_fd = -1, p[2];
                char b = 0;

                CHECK(cache_lock(dir, waited, now_ms() + 200, &prune_fd, &err) == 0);
                CHECK(pipe(p) == 0);
                pid = fork();
                if (pid == 0) {
                        int wfd = -1;

                        close(p[0]);
                        close(prune_fd);        /* the flock is the open file's: shared over fork() */
                        if (cache_lock(dir, waited, now_ms() + 3000, &wfd, &err) < 0)
                                _exit(1);
                        (void) write(p[1], "x", 1);
                        usleep(1000 * 1000);
                        _exit(0);
                }
                close(p[1]);
                usleep(100 * 1000);     /* the child waits on the file */
                snprintf(name, sizeof(name), "%s.lock", waited);
                CHECK(unlink(test_path(dir, name)) == 0);
                cache_unlock(prune_fd);
                CHECK(read(p[0], &b, 1) == 1);
                close(p[0]);
                fd = -1;
                CHECK_MSG(cache_lock(dir, waited, now_ms() + 200, &fd, &err) == -ETIMEDOUT,
                          "a third start got the lock while the waiter held it");
                cache_unlock(fd);
                CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
}

static int fill(const char *path, int n) {
        _cleanup_(cache_closep) struct cache *c = open_ok(path, NULL);
        char id[96];

        for (int i = 0; c && i < n; i++) {
                struct cache_entry e;
                struct error err = {};

                /* digests that differ early, as real ones do (keys are made of them) */
                snprintf(id, sizeof(id), "sha256:%02x%062d", (unsigned) (i * 37) & 0xff, i);
                entry_make(&e, id, REV, time(NULL) - 60 * i, (size_t) i, 100);
                /* Every other entry has no image name: ls shows the identity. */
                if (i % 2) {
                        free(e.image);
                        e.image = NULL;
                }
                if (cache_put(c, &e, &err) < 0) {
                        fprintf(stderr, "%s\n", err.msg);
                        n = -1;
                }
                cache_entry_done(&e);
        }
        return c && n >= 0 ? 0 : 1;
}

/* Two entries whose keys begin "c0ffee": an ambiguous prefix. */
static int twins(const char *path) {
        _cleanup_(cache_closep) struct cache *c = open_ok(path, NULL);
        int r = 0;

        for (int i = 0; c && i < 2; i++) {
                struct cache_entry e;
                struct error err = {};

                entry_make(&e, i ? "twin-b" : "twin-a", REV, 0, 0, 100);
                memcpy(e.key, "c0ffee", 6);
                if (cache_put(c, &e, &err) < 0) {
                        fprintf(stderr, "%s\n", err.msg);
                        r = 1;
                }
                cache_entry_done(&e);
        }
        return c ? r : 1;
}

int main(int argc, char **argv) {
        if (argc == 4 && strcmp(argv[1], "--fill") == 0)
                return fill(argv[2], atoi(argv[3]));
        if (argc == 3 && strcmp(argv[1], "--twins") == 0)
                return twins(argv[2]);

        test_put_get();
        test_list_purge();
        test_gc();
        test_keys();
        test_corrupt();
        test_corrupt_kept();
        test_compressed();
        test_modes();
        test_concurrent_recovery();
        test_concurrent_writers();
        test_lock();
        test_lock_prune();
        return test_end();
}
