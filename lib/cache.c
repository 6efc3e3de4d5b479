/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <zstd.h>

#include "base/digest.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "cache.h"
#include "verdict-index.h"

/* Schema 3 stores a large scan or inventory as a zstd frame of its JSON
 * (a BLOB where schema 2 had TEXT, in the same columns; bind_json()).  A
 * schema 2 cache is read as it is and upgraded in place by the first open
 * that may write: its rows stay text until rewritten, and both kinds are
 * read (column_json()).  A build of schema 2 refuses schema 3 (a downgrade
 * starts the cache over); this one leaves a later schema alone
 * (newer_schema()). */
#define CACHE_SCHEMA_VERSION "3"
#define CACHE_SCHEMA_VERSION_TEXT "2"
#define CACHE_TOUCH_INTERVAL 60
#define CACHE_TOUCH_WAIT_MS 20      /* a hit's last use is not worth more of a start's budget */
#define CACHE_BUSY_POLL_MS 2        /* busy_wait()'s longest sleep between tries */
#define CACHE_WAL_PAGES_MAX 128     /* 512 KiB of 4 KiB pages */
#define CACHE_COMPRESS_MIN ((size_t) 64 * 1024)
#define CACHE_CORRUPT_KEEP 3        /* move_aside(): the damaged copies kept, newest first */

/* sqlite's file header (https://www.sqlite.org/fileformat2.html#the_database_header):
 * the magic string, the write/read versions (2 for WAL), user_version at
 * 60 and application_id at 68, big-endian.  A cache is marked at creation
 * with CACHE_APPLICATION_ID ("PCvc": Portcullis verdict cache) and
 * user_version CACHE_SCHEMA_VERSION, so that the file itself says whether
 * it is ours before anything writes to it or moves it. */
#define SQLITE_HEADER_SIZE 100
#define SQLITE_MAGIC "SQLite format 3"
#define HEADER_WRITE_VERSION 18
#define HEADER_USER_VERSION 60
#define HEADER_APPLICATION_ID 68
#define CACHE_APPLICATION_ID 1346598499 /* 0x50437663 */

/* The schema; created in one transaction by whoever opens an empty file
 * first.  last_used is indexed for LRU eviction and for listing. */
#define CACHE_SCHEMA_SQL                                                        \
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"       \
        "CREATE TABLE entries ("                                                \
        "  key TEXT PRIMARY KEY,"                                               \
        "  identity TEXT NOT NULL,"                                             \
        "  image TEXT,"                                                         \
        "  db_revision TEXT NOT NULL,"                                          \
        "  created INTEGER NOT NULL,"                                           \
        "  last_used INTEGER NOT NULL,"                                         \
        "  packages INTEGER NOT NULL,"                                          \
        "  findings INTEGER NOT NULL,"                                          \
        "  scan_json TEXT,"                                                     \
        "  inventory_json TEXT,"                                                \
        "  findings_compact TEXT);"                                             \
        "CREATE INDEX entries_last_used ON entries(last_used);"                 \
        CACHE_INDEXES_SQL                                                       \
        "INSERT INTO meta (key, value) VALUES ('schema_version', '" CACHE_SCHEMA_VERSION "');"       \
        CACHE_MARK_SQL

/* Indexes added after a schema's file was made, created by the first open
 * that may write (schema_ensure()); a build without one neither needs nor
 * minds it.  entries_identity: a shard of the verdict index that must be
 * made from the cache (shard_rowids()) reads every entry's identity, which
 * in the table is one page per entry (its JSON follows it) and in this
 * index some 50 entries a page. */
#define CACHE_INDEXES_SQL                                                       \
        "CREATE INDEX IF NOT EXISTS entries_identity ON entries(identity);"

/* Marks the file as ours; in a new file before anything else (see
 * mark_new()), in a cache made before the mark existed when it is first
 * opened for writing (adopted). */
#define CACHE_MARK_SQL                                                          \
        "PRAGMA application_id=" STR(CACHE_APPLICATION_ID) ";"                  \
        "PRAGMA user_version=" CACHE_SCHEMA_VERSION ";"

#define ENTRY_COLUMNS "key, identity, image, db_revision, created, last_used, packages, findings"

enum cache_stmt {
        STMT_GET,
        STMT_GET_LEAN,
        STMT_TOUCH,
        STMT_PUT,
        STMT_PUT_NEW,
        STMT_SUMMARIES,
        STMT_RESOLVE,
        STMT_PURGE_ONE,
        STMT_PURGE_ALL,
        STMT_GC_FUTURE,
        STMT_GC_TTL,
        STMT_GC_LRU,
        STMT_EXISTS,
        _STMT_MAX,
};

static const char *const stmt_sql[_STMT_MAX] = {
        [STMT_GET] = "SELECT " ENTRY_COLUMNS ", scan_json, inventory_json, findings_compact FROM entries"
                     " WHERE key = ?1",
        /* The hook's hit path: the findings in compact form, not the
         * hundreds of kilobytes of scan and inventory JSON beside them. */
        [STMT_GET_LEAN] = "SELECT " ENTRY_COLUMNS ", NULL, NULL, findings_compact FROM entries WHERE key = ?1",
        [STMT_TOUCH] = "UPDATE entries SET last_used = ?2 WHERE key = ?1",
        [STMT_PUT] = "INSERT OR REPLACE INTO entries (" ENTRY_COLUMNS ", scan_json, inventory_json,"
                     " findings_compact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        /* 'cache fill': an entry the hook stored meanwhile stays as it is */
        [STMT_PUT_NEW] = "INSERT OR IGNORE INTO entries (" ENTRY_COLUMNS ", scan_json, inventory_json,"
                         " findings_compact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        [STMT_SUMMARIES] = "SELECT " ENTRY_COLUMNS ", NULL, NULL, NULL FROM entries ORDER BY last_used DESC, key",
        /* Keys are lowercase hex, so every key starting with the prefix
         * sorts between it and the prefix followed by 'g': a range on the
         * primary key instead of a scan. */
        [STMT_RESOLVE] = "SELECT key FROM entries WHERE key >= ?1 AND key < ?1 || 'g' ORDER BY key LIMIT 2",
        [STMT_PURGE_ONE] = "DELETE FROM entries WHERE key = ?1",
        [STMT_PURGE_ALL] = "DELETE FROM entries",
        [STMT_GC_FUTURE] = "UPDATE entries SET last_used = ?1 WHERE last_used > ?1",
        [STMT_GC_TTL] = "DELETE FROM entries WHERE last_used < ?1",
        [STMT_GC_LRU] = ("DELETE FROM entries WHERE key IN"
                         " (SELECT key FROM entries ORDER BY last_used DESC, key LIMIT -1 OFFSET ?1)"),
        [STMT_EXISTS] = "SELECT 1 FROM entries WHERE key = ?1",
};

struct cache {
        sqlite3 *db;
        char *path;
        sqlite3_stmt *stmt[_STMT_MAX];
        bool sync_set;          /* synchronous=NORMAL, set before the first write */
        bool readonly;          /* CACHE_OPEN_READONLY */
        dev_t dev;              /* the file opened, which the verdict index names */
        ino_t ino;
        unsigned busy_ms;       /* the last busy timeout: bounds the index lock's wait too */
        long long busy_until;   /* busy_wait(): the end of the current statement's wait */
        unsigned batch;         /* cache_batch_begin() depth: the index is rebuilt at the end */
        int index_lock;         /* held during a batch, else -EBADF */
};

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

        (void) nanosleep(&ts, NULL);
}

/* flock(op | LOCK_NB) in a loop rather than a blocking flock() under an
 * alarm: no signal handlers in a library, and the deadline (CLOCK_MONOTONIC
 * ms) is kept to a few milliseconds.  The waits grow from 2 ms to 20 ms: a
 * short holder is noticed quickly, a long one costs few wake-ups. */
static int flock_until(int fd, int op, long long deadline_ms) {
        long long delay = 2, left;

        for (;;) {
                if (flock(fd, op | LOCK_NB) == 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno != EWOULDBLOCK)
                        return -errno;
                left = deadline_ms - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                sleep_ms(delay < left ? delay : left);
                delay = delay * 2 > 20 ? 20 : delay * 2;
        }
}

/* sqlite's result codes as errnos.  EBADMSG is reserved for "this file is
 * not a (sound) cache": cache_open() moves such a file aside, and nothing
 * else may make it do so. */
static int sqlite_errno(sqlite3 *db, int rc) {
        switch (rc & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return EBADMSG;
        case SQLITE_FULL:
                return ENOSPC;
        case SQLITE_NOMEM:
                return ENOMEM;
        case SQLITE_READONLY:
                return EROFS;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return EBUSY;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return EACCES;
        case SQLITE_CANTOPEN: {
                int e = db ? sqlite3_system_errno(db) : 0;

                return e > 0 && e != EBADMSG ? e : ENOENT;
        }
        default:
                return EIO;
        }
}

static const char *sqlite_hint(int code) {
        switch (code) {
        case ENOSPC:
                /* not "run cache gc": on a full disk its deletes fail the same way */
                return "; free disk space on its file system (df -h): the cache is only an accelerator, but even "
                       "'portcullis cache gc' needs room for its journal to shrink it";
        case EROFS:
        case EACCES:
                return "; check the permissions of the file and its folder";
        case EBUSY:
                return "; another process held the cache for too long";
        default:
                return "";
        }
}

static int cache_error(struct cache *c, int rc, const char *what, struct error *err) {
        int code = sqlite_errno(c->db, rc);

        return error_set(err, code, "cache %s: %s: %s%s", c->path, what,
                         c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), sqlite_hint(code));
}

static int cache_stmt(struct cache *c, enum cache_stmt which, sqlite3_stmt **ret, struct error *err) {
        int rc;

        if (!c->stmt[which]) {
                rc = sqlite3_prepare_v3(c->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[which],
                                        NULL);
                if (rc != SQLITE_OK)
                        return cache_error(c, rc, "prepare a statement", err);
        }
        *ret = c->stmt[which];
        return 0;
}

static void stmt_done(sqlite3_stmt *st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
}

static int cache_exec(struct cache *c, const char *sql, const char *what, struct error *err) {
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : cache_error(c, rc, what, err);
}

void cache_close(struct cache *c) {
        if (!c)
                return;
        closep(&c->index_lock);
        for (size_t i = 0; i < _STMT_MAX; i++)
                sqlite3_finalize(c->stmt[i]);
        sqlite3_close(c->db);
        free(c->path);
        free(c);
}

static bool key_valid(const char *key, size_t min) {
        size_t n = key ? strlen(key) : 0;

        if (n < min || n > CACHE_KEY_MAX)
                return false;
        return strspn(key, "0123456789abcdef") == n;
}

/* dir opened; created first (mkdir -p, 0700 for what it creates: cached
 * scans say which images are vulnerable to what, and the default lock
 * folder /run/portcullis/locks sits on a tmpfs that is empty after every
 * boot) only when it is missing, so that a start finds it with one open,
 * not a mkdir per level.  -errno of the open; *ret_mkdir the creation's
 * -errno when that failed, else 0. */
static int open_dir_created(const char *dir, int *ret_mkdir) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        *ret_mkdir = 0;
        if (fd < 0 && errno == ENOENT) {
                *ret_mkdir = mkdir_all(dir, 0700);
                if (*ret_mkdir < 0)
                        return *ret_mkdir;
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        return fd >= 0 ? fd : -errno;
}

/* Creates the folder the file goes in.  Returns the folder open, for
 * locking; -1 when it can't be read (then opening goes on without the
 * lock). */
static int open_parent(const char *path, struct error *err) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        int fd, r;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                slash[1] = '\0';
        else
                *slash = '\0';
        fd = open_dir_created(dir, &r);
        if (r < 0)
                return error_set_errno(err, r, "cache %s: create its folder %s", path, dir);
        if (fd == -ENOTDIR)
                return error_set_errno(err, -fd, "cache %s: %s", path, dir);
        return fd < 0 ? -1 : fd;
}

/* Opening holds a shared flock(2) on the folder, recovery an exclusive
 * one: while a damaged file and its -wal/-shm are moved aside, nobody is
 * between opening the old file and creating the new one, whose -wal the
 * move could otherwise carry off. */
static int folder_lock(int dfd, int op, const char *path, long long until, struct error *err) {
        int r;

        if (dfd < 0)
                return 0;
        r = flock_until(dfd, op, until);
        if (r == -ETIMEDOUT)
                return error_set(err, EBUSY, "cache %s: another process kept its folder locked past the deadline",
                                 path);
        return r < 0 ? error_set_errno(err, r, "cache %s: lock its folder", path) : 0;
}

/* quick_check (not integrity_check: it skips index-content verification,
 * which is the slow part) catches truncated and garbled files. */
static int check_sound(struct cache *c, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc, r = 0;

        rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                const char *res = (const char *) sqlite3_column_text(st, 0);

                if (!res || strcmp(res, "ok") != 0)
                        r = error_set(err, EBADMSG, "cache %s: quick_check: %s", c->path, strna(res));
        } else
                r = cache_error(c, rc, "quick_check", err);
        sqlite3_finalize(st);
        return r;
}

/* One integer or text cell of a one-row query; -EBADMSG when the query
 * can't be prepared for SQLITE_ERROR (a table or column is missing: another
 * schema). */
static int query_text(struct cache *c, const char *sql, char **ret, struct error *err) {
        sqlite3_stmt *st = NULL;
        char *s = NULL;
        int rc;

        rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK) {
                int r = (rc & 0xff) == SQLITE_ERROR ? error_set(err, EBADMSG, "cache %s: not a portcullis cache: %s",
                                                                c->path, sqlite3_errmsg(c->db))
                                                    : cache_error(c, rc, "read schema", err);
                sqlite3_finalize(st);
                return r;
        }
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
            !(s = strdup((const char *) sqlite3_column_text(st, 0)))) {
                sqlite3_finalize(st);
                return -ENOMEM;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return cache_error(c, rc, "read schema", err);
        *ret = s;
        return 0;
}

/* The file a handle opened, to tell later whether someone else has moved
 * it aside already. */
struct file_id {
        dev_t dev;
        ino_t ino;
};

/* What the file at the cache path is, from its first bytes alone (read
 * before sqlite opens it, so that nothing is written to a file that isn't
 * ours: sqlite rolls back a hot journal, and makes -wal and -shm files
 * beside a WAL database). */
enum cache_file {
        CACHE_FILE_NONE,        /* no file: a new cache */
        CACHE_FILE_EMPTY,       /* zero bytes (touch, or a creation cut short): a new cache */
        CACHE_FILE_OURS,        /* sqlite with our application_id */
        CACHE_FILE_UNMARKED,    /* sqlite in WAL mode without an application_id: a cache made before the
                                 * mark, if its schema says so (schema_check) */
        CACHE_FILE_FOREIGN,     /* anything else: never written, never moved */
};

static uint32_t be32(const unsigned char *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int foreign(const char *path, const char *what, struct error *err) {
        return error_set(err, EMEDIUMTYPE, "cache %s is not a Portcullis cache (%s); it was left as it is.  Point "
                         "\"cache\" in config.json (or --cache) at the verdict cache, by default "
                         "/var/lib/portcullis/cache.db, or move this file away if the cache belongs there", path,
                         what);
}

static int identify(const char *path, enum cache_file *ret, struct file_id *ret_id, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        unsigned char h[SQLITE_HEADER_SIZE];
        struct stat st;
        uint32_t app;
        ssize_t n;

        /* A device or FIFO is not opened at all (opening some devices acts). */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
                return foreign(path, S_ISDIR(st.st_mode) ? "a folder" : "not a regular file", err);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT) {
                *ret = CACHE_FILE_NONE;
                return 0;
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "cache %s: open%s", path,
                                       errno == EACCES ? " (check the permissions of the file and its folder)" : "");
        *ret_id = (struct file_id) { st.st_dev, st.st_ino };
        if (!S_ISREG(st.st_mode))
                return foreign(path, S_ISDIR(st.st_mode) ? "a folder" : "not a regular file", err);
        if (st.st_size == 0) {
                *ret = CACHE_FILE_EMPTY;
                return 0;
        }
        n = pread(fd, h, sizeof(h), 0);
        if (n < 0)
                return error_set_errno(err, errno, "cache %s: read its header", path);
        if ((size_t) n < sizeof(h) || memcmp(h, SQLITE_MAGIC, sizeof(SQLITE_MAGIC)) != 0)
                return foreign(path, "not an sqlite database", err);
        app = be32(h + HEADER_APPLICATION_ID);
        if (app == CACHE_APPLICATION_ID)
                *ret = CACHE_FILE_OURS;
        else if (app == 0 && h[HEADER_WRITE_VERSION] == 2)
                *ret = CACHE_FILE_UNMARKED;
        else {
                char what[96];

                snprintf(what, sizeof(what), "an sqlite database of %s (application_id %" PRIu32 ", user_version %"
                         PRIu32 ")", app ? "another program" : "something else", app, be32(h + HEADER_USER_VERSION));
                return foreign(path, what, err);
        }
        return 0;
}

static bool known_version(const char *version) {
        return streq_ptr(version, CACHE_SCHEMA_VERSION) || streq_ptr(version, CACHE_SCHEMA_VERSION_TEXT);
}

/* A schema number above this build's: a newer Portcullis made or upgraded
 * the file (a rollback, or the old hook still running during an upgrade). */
static bool newer_version(const char *version) {
        return version && *version && strspn(version, "0123456789") == strlen(version) && strlen(version) < 9 &&
               atoi(version) > atoi(CACHE_SCHEMA_VERSION);
}

/* Such a file is not damaged, and moving it aside as one (what schema 2
 * builds do to schema 3) threw away the newer hook's entries, once per
 * start of either while both ran, each time keeping a copy of the whole
 * cache.  It is left alone; the hook decides without the cache, saying
 * why. */
static int newer_schema(const struct cache *c, const char *version, struct error *err) {
        return error_set(err, EMEDIUMTYPE, "cache %s is of schema %s, made by a newer Portcullis (this one uses %s); "
                         "it was left as it is and is not used.  Upgrade Portcullis again, or, to stay on this "
                         "version, move %s and its -wal and -shm away: a new cache is then started", c->path,
                         version, CACHE_SCHEMA_VERSION, c->path);
}

static int schema_check(struct cache *c, struct error *err) {
        _cleanup_free_ char *version = NULL, *app = NULL, *user = NULL;
        sqlite3_stmt *st = NULL;
        int r;

        if ((r = query_text(c, "SELECT value FROM meta WHERE key = 'schema_version'", &version, err)) < 0 ||
            (r = query_text(c, "PRAGMA application_id", &app, err)) < 0 ||
            (r = query_text(c, "PRAGMA user_version", &user, err)) < 0)
                return r;
        /* Only a marked one: every build since the mark marks its caches. */
        if (!streq_ptr(app, "0") && (newer_version(version) || newer_version(user)))
                return newer_schema(c, newer_version(version) ? version : user, err);
        if (!known_version(version))
                return error_set(err, EBADMSG, "cache %s: schema version %s, this build uses %s", c->path,
                                 strna(version), CACHE_SCHEMA_VERSION);
        /* Unmarked (made before the mark) or marked with this version. */
        if (!streq_ptr(app, "0") && !streq_ptr(user, version))
                return error_set(err, EBADMSG, "cache %s: user_version %s, this build uses %s", c->path, strna(user),
                                 CACHE_SCHEMA_VERSION);
        /* Every column the statements name must be there: a missing one is
         * SQLITE_ERROR; anything else (busy, I/O) says nothing about the
         * file and must not get it moved aside. */
        r = cache_stmt(c, STMT_PUT, &st, err);
        if (r == 0)
                r = cache_stmt(c, STMT_GET, &st, err);
        if (r < 0 && (sqlite3_errcode(c->db) & 0xff) == SQLITE_ERROR)
                return error_set(err, EBADMSG, "cache %s: not a portcullis cache: %s", c->path,
                                 sqlite3_errmsg(c->db));
        return r;
}

/* A cache made before the mark: adopted (marked) by the first open that
 * may write, and checkpointed so that the file's header says so for the
 * next open.  One of schema 2 is upgraded to this schema alike. */
static int adopt(struct cache *c, struct error *err) {
        _cleanup_free_ char *app = NULL, *version = NULL;
        int r;

        r = query_text(c, "PRAGMA application_id", &app, err);
        if (r >= 0)
                r = query_text(c, "SELECT value FROM meta WHERE key = 'schema_version'", &version, err);
        if (r < 0)
                return r;
        if (!streq_ptr(version, CACHE_SCHEMA_VERSION) &&
            (r = cache_exec(c, "UPDATE meta SET value = '" CACHE_SCHEMA_VERSION "' WHERE key = 'schema_version'",
                            "upgrade the cache's schema", err)) < 0)
                return r;
        if (!streq_ptr(app, "0") && streq_ptr(version, CACHE_SCHEMA_VERSION))
                return 0;
        return cache_exec(c, CACHE_MARK_SQL, "mark the cache as Portcullis'", err);
}

/* Creates the schema in an empty file, else checks it.  BEGIN IMMEDIATE
 * serialises the processes that find the same new file empty. */
static int schema_ensure(struct cache *c, struct error *err) {
        _cleanup_free_ char *tables = NULL;
        bool txn = false;
        int rc, r;

        /* A read-only file can still be read: check it, create nothing. */
        if (!c->readonly) {
                rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
                if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_READONLY)
                        return cache_error(c, rc, "start a transaction", err);
                txn = rc == SQLITE_OK;
        }
        r = query_text(c, "SELECT count(*) FROM sqlite_master", &tables, err);
        if (r == 0 && tables && strcmp(tables, "0") == 0)
                r = txn ? cache_exec(c, CACHE_SCHEMA_SQL, "create the schema", err)
                        : error_set(err, c->readonly ? ENOENT : EROFS, "cache %s is empty%s", c->path,
                                    c->readonly ? " (no entries yet)" : " and can't be written; check its permissions");
        if (r == 0)
                r = schema_check(c, err);
        if (txn && r == 0)
                r = adopt(c, err);
        if (txn && r == 0)
                r = cache_exec(c, CACHE_INDEXES_SQL, "index the cache's identities", err);
        if (txn && r == 0)
                r = cache_exec(c, "COMMIT", "create the schema", err);
        if (txn && r < 0)
                (void) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}

/* Switching a new file to WAL needs it alone for a moment, and sqlite
 * answers SQLITE_BUSY at once rather than calling the busy handler when
 * another process has it open (seen in test-cache: "database is locked"
 * within milliseconds under a 5 s busy timeout): retry until the busy
 * timeout.  For a file already in WAL mode this is a no-op. */
static int set_wal(struct cache *c, long long until, struct error *err) {
        int rc;

        while ((rc = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL)) == SQLITE_BUSY &&
               now_ms() < until)
                sleep_ms(2);
        return rc == SQLITE_OK ? 0 : cache_error(c, rc, "switch to WAL", err);
}

/* A new cache is marked before it turns to WAL, in sqlite's rollback mode,
 * so that the mark is in the file's header at once (in WAL mode it would
 * sit in the -wal file until a checkpoint).  Several processes may do this
 * at once: the same two values, under sqlite's lock. */
static int mark_new(struct cache *c, struct error *err) {
        long long deadline = now_ms() + CACHE_BUSY_TIMEOUT_MS;
        int rc;

        while ((rc = sqlite3_exec(c->db, CACHE_MARK_SQL, NULL, NULL, NULL)) == SQLITE_BUSY && now_ms() < deadline)
                sleep_ms(2);
        return rc == SQLITE_OK ? 0 : cache_error(c, rc, "mark the new cache", err);
}

/* Keep the -wal and -shm files when the last connection closes, and leave
 * checkpoints to the writers (sqlite does them as the WAL grows): creating,
 * checkpointing and deleting them at every close cost each hook run two
 * inode operations and a sync. */
static int persist_wal(struct cache *c, struct error *err) {
        int one = 1, rc = sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);

        if (rc == SQLITE_OK)
                rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        return rc == SQLITE_OK ? 0 : cache_error(c, rc, "keep the WAL file", err);
}

/* sqlite's own busy handler (sqlite3_busy_timeout()) sleeps up to 100 ms
 * between tries.  Against a writer that commits one entry after another
 * (cache rescan or gc after a DB update, free only between two entries) a
 * waiting start tried in none of those gaps and waited seconds, past its
 * deadline (4.5 s against a rescan of 5,000 entries).  This one tries every
 * CACHE_BUSY_POLL_MS, busy_ms from the statement's first wait (sqlite
 * counts from 0 again at every statement). */
static int busy_wait(void *userdata, int count) {
        struct cache *c = userdata;
        long long left;

        if (count == 0)
                c->busy_until = now_ms() + c->busy_ms;
        left = c->busy_until - now_ms();
        if (left <= 0)
                return 0;
        sleep_ms(left < CACHE_BUSY_POLL_MS ? left : CACHE_BUSY_POLL_MS);
        return 1;
}

/* A handler even for 0 ms: a statement then tries once, as with
 * sqlite3_busy_timeout(db, 0). */
static void busy_set(struct cache *c, unsigned ms) {
        c->busy_ms = ms;
        sqlite3_busy_handler(c->db, busy_wait, c);
}

void cache_set_busy_timeout(struct cache *c, unsigned ms) {
        busy_set(c, ms);
}

static bool fast_schema_ok(struct cache *c) {
        _cleanup_free_ char *version = NULL;

        return query_text(c, "SELECT value FROM meta WHERE key = 'schema_version'", &version, NULL) == 0 &&
               streq_ptr(version, CACHE_SCHEMA_VERSION);
}

/* The cache says which images are vulnerable to what: 0600, and its -wal
 * and -shm, which sqlite creates with the mode of the file, too.  A cache
 * an older build left 0644 is tightened by the next open that may write. */
static void tighten_modes(const char *path) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        char p[PATH_MAX];
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if ((size_t) snprintf(p, sizeof(p), "%s%s", path, suffixes[i]) < sizeof(p) &&
                    lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
                        (void) chmod(p, st.st_mode & 0600);
}

/* A new cache file, 0600 whatever the umask; one that appeared meanwhile
 * (another process's) is fine. */
static int create_file(const char *path, struct error *err) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

        if (fd < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "cache %s: create it%s", path,
                                       errno == EACCES ? " (check its folder's permissions)" : "");
        if (fd >= 0)
                close(fd);
        return 0;
}

/* The open proper, once the file is known: in sqlite, checked as its kind
 * requires.  -EBADMSG only for a file known to be ours (marked, or of our
 * schema): that, and nothing else, may be moved aside. */
static int cache_open_known(struct cache *c, enum cache_file kind, unsigned flags, long long until,
                            struct error *err) {
        bool ro = flags & CACHE_OPEN_READONLY;
        int r;

        /* The hook's path: a marked cache of this schema was made in WAL
         * mode, and WAL mode sticks to the file; one read says so, where
         * the full open takes a write lock. */
        if (kind == CACHE_FILE_OURS && (flags & CACHE_OPEN_NO_QUICK_CHECK) && fast_schema_ok(c))
                return 0;
        if (kind == CACHE_FILE_UNMARKED) {
                _cleanup_free_ char *tables = NULL;

                /* Ours only if its schema says so; an unmarked database with
                 * nothing in it is as good as an empty file. */
                r = query_text(c, "SELECT count(*) FROM sqlite_master", &tables, err);
                if (r == 0 && !streq_ptr(tables, "0"))
                        r = schema_check(c, err);
                if (r == -EBADMSG || r == -EIO)
                        return foreign(c->path, "an sqlite database without the cache's tables", err);
                if (r < 0)
                        return r;
        }
        if (!ro && (kind == CACHE_FILE_NONE || kind == CACHE_FILE_EMPTY) && (r = mark_new(c, err)) < 0)
                return r;
        if ((!ro && (r = set_wal(c, until, err)) < 0) ||
            (!(flags & CACHE_OPEN_NO_QUICK_CHECK) && (r = check_sound(c, err)) < 0) ||
            (r = schema_ensure(c, err)) < 0)
                return r;
        if (!ro && kind == CACHE_FILE_UNMARKED)
                (void) sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return 0;
}

/* "file:" URI of path for sqlite3_open_v2(SQLITE_OPEN_URI): '%', '?' and
 * '#' escaped (https://www.sqlite.org/uri.html). */
static char *file_uri(const char *path, const char *query) {
        struct strbuf b = {};
        int r = strbuf_puts(&b, "file:");

        for (const char *p = path; r >= 0 && *p; p++)
                r = strchr("%?#", *p) ? strbuf_printf(&b, "%%%02X", (unsigned char) *p) : strbuf_append(&b, p, 1);
        if (r >= 0)
                r = strbuf_printf(&b, "?%s", query);
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

/* An unmarked WAL database with no -wal/-shm beside it: opening it the
 * usual way would create them, beside a file that may not be ours.  Its
 * content is all in the file then, so it is checked opened immutable
 * (no locks, no -shm) first. */
static int probe_unmarked(const char *path, struct error *err) {
        _cleanup_free_ char *wal = NULL, *shm = NULL, *uri = NULL;
        struct cache probe = { .path = (char *) path, .readonly = true };
        _cleanup_free_ char *tables = NULL;
        int rc, r;

        if (asprintf(&wal, "%s-wal", path) < 0 || asprintf(&shm, "%s-shm", path) < 0)
                return -ENOMEM;
        if (access(wal, F_OK) == 0 && access(shm, F_OK) == 0)
                return 0;
        if (!(uri = file_uri(path, "immutable=1")))
                return -ENOMEM;
        rc = sqlite3_open_v2(uri, &probe.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
        r = rc == SQLITE_OK ? query_text(&probe, "SELECT count(*) FROM sqlite_master", &tables, err)
                            : cache_error(&probe, rc, "open", err);
        if (r == 0 && !streq_ptr(tables, "0"))
                r = schema_check(&probe, err);
        for (size_t i = 0; i < _STMT_MAX; i++)
                sqlite3_finalize(probe.stmt[i]);
        sqlite3_close(probe.db);
        if (r == -EBADMSG || r == -EIO)
                return foreign(path, "an sqlite database without the cache's tables", err);
        return r;
}

static int cache_open_once(const char *path, unsigned flags, long long until, struct cache **ret,
                           struct file_id *seen, struct error *err) {
        _cleanup_(cache_closep) struct cache *c = NULL;
        bool ro = flags & CACHE_OPEN_READONLY;
        enum cache_file kind = CACHE_FILE_FOREIGN;
        struct file_id id = {};
        struct stat st;
        int rc, r;

        r = identify(path, &kind, &id, err);
        if (r < 0)
                return r;
        if (ro && (kind == CACHE_FILE_NONE || kind == CACHE_FILE_EMPTY))
                return error_set(err, ENOENT, "cache %s: no entries yet", path);
        /* A new cache: an index left from an earlier file at this path
         * (removed by hand, or moved aside) must not answer for it, even
         * should the new file get the old one's inode. */
        if (!ro && (kind == CACHE_FILE_NONE || kind == CACHE_FILE_EMPTY))
                (void) vidx_remove_all(path, NULL);
        if ((kind == CACHE_FILE_NONE && (r = create_file(path, err)) < 0) ||
            (kind == CACHE_FILE_UNMARKED && (r = probe_unmarked(path, err)) < 0))
                return r;
        c = calloc(1, sizeof(*c));
        if (c)
                c->index_lock = -EBADF;
        if (!c || !(c->path = strdup(path)))
                return -ENOMEM;
        c->readonly = ro;
        rc = sqlite3_open_v2(path, &c->db, (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX,
                             NULL);
        if (rc != SQLITE_OK)
                return cache_error(c, rc, "open (it must be a file; check its folder's permissions)", err);
        if (stat(path, &st) < 0)
                return error_set_errno(err, errno, "cache %s", path);
        /* Replaced between the look at its header and the open: look again. */
        if (kind != CACHE_FILE_NONE && (st.st_dev != id.dev || st.st_ino != id.ino))
                return error_set(err, EAGAIN, "cache %s was replaced while it was opened", path);
        *seen = (struct file_id) { st.st_dev, st.st_ino };
        c->dev = st.st_dev;
        c->ino = st.st_ino;
        cache_set_busy_timeout(c, until > now_ms() ? (unsigned) (until - now_ms()) : 0);
        /* WAL: readers never wait for the writer, and a start that only
         * reads its verdict never waits for another start's analysis. */
        if (!ro && (r = persist_wal(c, err)) < 0)
                return r;
        r = cache_open_known(c, kind, flags, until, err);
        if (r < 0)
                return r;
        if (!ro)
                tighten_modes(path);
        *ret = TAKE_PTR(c);
        return 0;
}

/* rename() that keeps an earlier copy with the same name: two recoveries
 * in one second get "-1", "-2"... */
static int rename_keep(const char *from, const char *to) {
        char alt[PATH_MAX];

        if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno == EINVAL || errno == ENOSYS)
                return rename(from, to) < 0 ? -errno : 0;
        for (unsigned i = 1; errno == EEXIST && i < 100; i++) {
                if ((size_t) snprintf(alt, sizeof(alt), "%s-%u", to, i) >= sizeof(alt))
                        return -ENAMETOOLONG;
                if (renameat2(AT_FDCWD, from, AT_FDCWD, alt, RENAME_NOREPLACE) == 0)
                        return 0;
        }
        return -errno;
}

struct corrupt_copy {
        long long time;
        unsigned n;
        char *name;
};

/* Whether name is a copy of base that move_aside() made,
 * "<base>.corrupt-<time>" or "<base>.corrupt-<time>-<n>" (rename_keep()),
 * not its -wal or -shm; its time and n. */
static bool corrupt_copy_parse(const char *name, const char *base, struct corrupt_copy *ret) {
        size_t len = strlen(base);
        const char *p;
        char *end;

        if (strncmp(name, base, len) != 0 || !startswith(name + len, ".corrupt-"))
                return false;
        p = name + len + STRLEN(".corrupt-");
        if (!isdigit((unsigned char) *p))
                return false;
        errno = 0;
        ret->time = strtoll(p, &end, 10);
        ret->n = 0;
        if (*end == '-' && isdigit((unsigned char) end[1]))
                ret->n = (unsigned) strtoul(end + 1, &end, 10);
        return errno == 0 && *end == '\0';
}

static int corrupt_copy_newest_first(const void *a, const void *b) {
        const struct corrupt_copy *x = a, *y = b;

        if (x->time != y->time)
                return x->time < y->time ? 1 : -1;
        return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

/* Removes all but the CACHE_CORRUPT_KEEP newest copies of base (with
 * their -wal/-shm) in the folder dfd.  Each is as large as the cache was,
 * and a cache damaged again and again (two builds of different schemas
 * taking turns, a failing disk) left one per start, until the disk was
 * full.  Best effort: a copy not removed is only space. */
static void corrupt_copies_prune(int dfd, const char *base) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        struct corrupt_copy *v = NULL, c;
        size_t n = 0, cap = 0;
        char name[NAME_MAX + 8];
        struct dirent *de;
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);

        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d)))
                if (corrupt_copy_parse(de->d_name, base, &c)) {
                        if (n == cap) {
                                struct corrupt_copy *m = reallocarray(v, cap ? cap * 2 : 16, sizeof(*m));

                                if (!m)
                                        break;
                                v = m;
                                cap = cap ? cap * 2 : 16;
                        }
                        if (!(c.name = strdup(de->d_name)))
                                break;
                        v[n++] = c;
                }
        if (n > 0)
                qsort(v, n, sizeof(*v), corrupt_copy_newest_first);
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; i >= CACHE_CORRUPT_KEEP && j < ELEMENTSOF(suffixes); j++)
                        if ((size_t) snprintf(name, sizeof(name), "%s%s", v[i].name, suffixes[j]) < sizeof(name))
                                (void) unlinkat(dirfd(d), name, 0);
                free(v[i].name);
        }
        free(v);
        closedir(d);
}

/* Moves path and its -wal/-shm to "<path>.corrupt-<time>"; 1 when moved.
 * When path is no longer the file that was found unsound, another process
 * has recovered it already: 0, nothing to move. */
static int move_aside(const char *path, const struct file_id *seen, struct error *err) {
        static const char *const suffixes[] = { "-wal", "-shm" };
        char to[PATH_MAX], from[PATH_MAX + 8], to2[PATH_MAX + 8];
        struct stat st;
        int r;

        if (stat(path, &st) < 0 || st.st_dev != seen->dev || st.st_ino != seen->ino)
                return 0;
        if ((size_t) snprintf(to, sizeof(to), "%s.corrupt-%lld", path, (long long) time(NULL)) >= sizeof(to))
                return error_set(err, ENAMETOOLONG, "cache %s: path too long", path);
        r = rename_keep(path, to);
        if (r < 0)
                return error_set_errno(err, r, "cache %s is damaged and can't be moved aside to %s; remove it", path,
                                       to);
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                (void) snprintf(from, sizeof(from), "%s%s", path, suffixes[i]);
                (void) snprintf(to2, sizeof(to2), "%s%s", to, suffixes[i]);
                /* A stale WAL must not meet the new file. */
                if (rename(from, to2) < 0 && errno != ENOENT)
                        (void) unlink(from);
        }
        return 1;
}

int cache_open(const char *path, struct cache **ret, bool *ret_recovered, struct error *err) {
        return cache_open_flags(path, CACHE_OPEN_RECOVER, ret, ret_recovered, err);
}

/* A damaged cache without CACHE_OPEN_RECOVER: an error that says who
 * recovers it. */
static int damaged(const char *path, struct error *err) {
        _cleanup_free_ char *why = strdup(err->msg);

        return error_set(err, EBADMSG, "%s; the cache is damaged: the hook's next start or 'portcullis cache gc' moves "
                         "it aside as %s.corrupt-<time> and starts a new one", why ? why : "cache damaged", path);
}

int cache_open_flags(const char *path, unsigned flags, struct cache **ret, bool *ret_recovered,
                     struct error *err) {
        return cache_open_until(path, flags, now_ms() + CACHE_BUSY_TIMEOUT_MS, ret, ret_recovered, err);
}

int cache_open_until(const char *path, unsigned flags, long long until, struct cache **ret, bool *ret_recovered,
                     struct error *err) {
        _cleanup_close_ int dfd = -EBADF;
        struct cache *c = NULL;
        struct file_id seen = {};
        bool moved = false;
        int r;

        if (flags & CACHE_OPEN_READONLY)
                flags &= ~CACHE_OPEN_RECOVER;
        dfd = (flags & CACHE_OPEN_READONLY) ? -1 : open_parent(path, err);
        if (dfd < -1)
                return dfd;
        r = folder_lock(dfd, LOCK_SH, path, until, err);
        if (r == 0)
                r = cache_open_once(path, flags, until, &c, &seen, err);
        if (r == -EAGAIN)
                r = cache_open_once(path, flags, until, &c, &seen, err);
        if (r == -EBADMSG && !(flags & CACHE_OPEN_RECOVER))
                return damaged(path, err);
        if (r == -EBADMSG) {
                /* Not an upgrade in place: two processes holding LOCK_SH
                 * and waiting for LOCK_EX would wait for each other. */
                if (dfd >= 0)
                        (void) flock(dfd, LOCK_UN);
                if ((r = folder_lock(dfd, LOCK_EX, path, until, err)) < 0 ||
                    (r = move_aside(path, &seen, err)) < 0)
                        return r;
                moved = r > 0;
                if (moved && dfd >= 0)
                        corrupt_copies_prune(dfd, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
                error_clear(err);
                r = cache_open_once(path, flags, until, &c, &seen, err);
                if (r < 0)
                        return error_wrap(err, "a new cache in place of the damaged one");
        } else if (r < 0)
                return r;
        if (ret_recovered)
                *ret_recovered = moved;
        *ret = c;
        return 0;
}

/* The 64 lowercase hex digits after prefix, when s is exactly that. */
static const char *sha256_tail(const char *s, const char *prefix) {
        size_t n = strlen(prefix);

        if (strncmp(s, prefix, n) != 0 || strlen(s + n) != 64 || strspn(s + n, "0123456789abcdef") != 64)
                return NULL;
        return s + n;
}

int cache_key(const char *identity, const char *db_revision, char **ret) {
        _cleanup_free_ char *buf = NULL;
        const char *ih, *rh = sha256_tail(db_revision, "sha256:");
        char hex[65], kind = 0;
        int n;

        /* Both already sha256 digests (the usual case): the key is made of
         * them (1 + 64 + 32 hex digits), which keeps the hook's cache-hit
         * path free of hashing; the first digit
         * tells an image digest from an inventory or an overlay digest. */
        if ((ih = sha256_tail(identity, "sha256:")))
                kind = '0';
        else if ((ih = sha256_tail(identity, "inventory:sha256:")))
                kind = '1';
        else if ((ih = sha256_tail(identity, "overlay:sha256:")))
                kind = '2';
        if (kind && rh)
                return asprintf(ret, "%c%s%.32s%02x%02x", kind, ih, rh, CACHE_INVENTORY_EPOCH & 0xffu,
                                CACHE_MATCH_EPOCH & 0xffu) < 0 ? -ENOMEM : 0;

        n = asprintf(&buf, "%s\n%s", identity, db_revision);
        if (n < 0)
                return -ENOMEM;
        sha256_hex(buf, (size_t) n, hex);
        return asprintf(ret, "%s%02x%02x", hex, CACHE_INVENTORY_EPOCH & 0xffu, CACHE_MATCH_EPOCH & 0xffu) < 0
               ? -ENOMEM : 0;
}

/* The two epochs at a key's end; false for a key of a build before the
 * epochs (97 and 64 digits). */
static bool key_epochs(const char *key, unsigned *ret_inventory, unsigned *ret_match) {
        size_t n = strlen(key);

        return (n == 1 + 64 + 32 + 4 || n == 64 + 4) && strspn(key + n - 4, "0123456789abcdef") == 4 &&
               sscanf(key + n - 4, "%2x%2x", ret_inventory, ret_match) == 2;
}

enum cache_key_age cache_key_age(const char *key) {
        unsigned inventory, match;

        if (!key_epochs(key, &inventory, &match))
                return CACHE_KEY_STALE;
        if (inventory != (CACHE_INVENTORY_EPOCH & 0xffu))
                return CACHE_KEY_STALE;
        return match == (CACHE_MATCH_EPOCH & 0xffu) ? CACHE_KEY_CURRENT : CACHE_KEY_REMATCH;
}

bool cache_key_newer(const char *key) {
        unsigned inventory, match;

        /* the epochs are small numbers, far from wrapping at 0xff */
        if (!key_epochs(key, &inventory, &match))
                return false;
        return inventory > (CACHE_INVENTORY_EPOCH & 0xffu) ||
               (inventory == (CACHE_INVENTORY_EPOCH & 0xffu) && match > (CACHE_MATCH_EPOCH & 0xffu));
}

void cache_entry_done(struct cache_entry *e) {
        if (!e)
                return;
        free(e->key);
        free(e->identity);
        free(e->image);
        free(e->db_revision);
        free(e->scan_json);
        free(e->inventory_json);
        free(e->findings_compact);
        *e = (struct cache_entry) {};
}

/* Copies column i (NULL stays NULL); text is only valid until the next
 * step.  JSON larger than the cap is refused like any oversized read. */
static int column_dup(sqlite3_stmt *st, int i, char **ret) {
        size_t n;

        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
                *ret = NULL;
                return 0;
        }
        n = (size_t) sqlite3_column_bytes(st, i);
        if (n > CACHE_JSON_MAX)
                return -EFBIG;
        *ret = strndup_or_null((const char *) sqlite3_column_text(st, i), n);
        return *ret ? 0 : -ENOMEM;
}

/* The scan's or the inventory's JSON: a zstd frame of it (this schema),
 * or text (rows schema 2 wrote).  -EBADMSG when a frame doesn't decode to
 * text, without a NUL, of the size its header says. */
static int column_json(sqlite3_stmt *st, int i, char **ret) {
        const void *frame;
        unsigned long long n;
        size_t len, got;
        char *s;

        if (sqlite3_column_type(st, i) != SQLITE_BLOB)
                return column_dup(st, i, ret);
        frame = sqlite3_column_blob(st, i);
        len = (size_t) sqlite3_column_bytes(st, i);
        n = frame ? ZSTD_getFrameContentSize(frame, len) : ZSTD_CONTENTSIZE_ERROR;
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN)
                return -EBADMSG;
        if (n > CACHE_JSON_MAX)
                return -EFBIG;
        s = malloc((size_t) n + 1);
        if (!s)
                return -ENOMEM;
        got = ZSTD_decompress(s, (size_t) n, frame, len);
        if (ZSTD_isError(got) || got != n || memchr(s, '\0', got)) {
                free(s);
                return -EBADMSG;
        }
        s[got] = '\0';
        *ret = s;
        return 0;
}

static size_t column_size(sqlite3_stmt *st, int i) {
        sqlite3_int64 v = sqlite3_column_int64(st, i);

        return v < 0 ? 0 : (size_t) v;
}

static int entry_from_row(struct cache *c, sqlite3_stmt *st, struct cache_entry *ret, struct error *err) {
        struct cache_entry e = {
                .created = (time_t) sqlite3_column_int64(st, 4),
                .last_used = (time_t) sqlite3_column_int64(st, 5),
                .packages = column_size(st, 6),
                .findings = column_size(st, 7),
        };
        int r;

        if ((r = column_dup(st, 0, &e.key)) < 0 || (r = column_dup(st, 1, &e.identity)) < 0 ||
            (r = column_dup(st, 2, &e.image)) < 0 || (r = column_dup(st, 3, &e.db_revision)) < 0 ||
            (r = column_json(st, 8, &e.scan_json)) < 0 || (r = column_json(st, 9, &e.inventory_json)) < 0 ||
            (r = column_dup(st, 10, &e.findings_compact)) < 0) {
                cache_entry_done(&e);
                if (r == -EFBIG)
                        return error_set(err, r, "cache %s: an entry is larger than %zu bytes; purge it", c->path,
                                         CACHE_JSON_MAX);
                if (r == -EBADMSG)      /* the entry's, not the file's: the file is not moved aside */
                        return error_set(err, EIO, "cache %s: an entry's scan or inventory is not a zstd frame of "
                                         "JSON; purge it ('portcullis cache purge')", c->path);
                return r;
        }
        *ret = e;
        return 0;
}

static int peek_with(struct cache *c, enum cache_stmt which, const char *key, struct cache_entry *ret,
                     struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc, r;

        r = cache_stmt(c, which, &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                r = entry_from_row(c, st, ret, err);
        else if (rc == SQLITE_DONE)
                r = error_set(err, ENOENT, "cache %s: no entry with key %.*s", c->path, CACHE_KEY_MAX, key);
        else
                r = cache_error(c, rc, "look up an entry", err);
        stmt_done(st);
        return r;
}

int cache_peek(struct cache *c, const char *key, struct cache_entry *ret, struct error *err) {
        return peek_with(c, STMT_GET, key, ret, err);
}

/* After a commit: once the WAL holds CACHE_WAL_PAGES_MAX pages, its pages
 * are copied into the file and it is truncated to nothing, without
 * waiting for readers (the next commit tries again).  Truncated, not only
 * copied: each hook is the cache's only process, so sqlite rebuilds the
 * WAL's index at every open by reading every frame still valid, and a WAL
 * copied but never restarted (the next process can't know it was copied)
 * grew forever, every miss reading it whole and checkpointing it again,
 * three syncs each time. */
static int wal_committed(void *userdata, sqlite3 *db, const char *name, int pages) {
        struct cache *c = userdata;

        if (pages >= CACHE_WAL_PAGES_MAX) {
                unsigned busy_ms = c->busy_ms;

                busy_set(c, 0);
                (void) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
                busy_set(c, busy_ms);
        }
        return SQLITE_OK;
}

/* NORMAL is durable enough for an accelerator (a power cut may lose the
 * last entries, never corrupt the file); set before the first write only,
 * so that a cache hit, which writes nothing, does not pay for it.
 * Checkpoints by wal_committed(), not after every write: a checkpoint
 * syncs the WAL and the file, and the next write the WAL's header, three
 * syncs that made most of a miss's wall time on a busy disk; an entry is
 * some 16 pages, so about one miss in eight pays them, and the WAL an open
 * reads back stays under 512 KiB. */
static int before_write(struct cache *c, struct error *err) {
        int r;

        if (c->sync_set)
                return 0;
        r = cache_exec(c, "PRAGMA synchronous=NORMAL", "set synchronous", err);
        if (r >= 0) {
                sqlite3_wal_hook(c->db, wal_committed, c);
                c->sync_set = true;
        }
        return r;
}

static int index_add(struct cache *c, const struct cache_entry *e, bool only_new, struct error *err);

/* last_used only orders eviction: when the file is read-only or a writer
 * holds it past the busy timeout, a hit is still a hit.  1 when updated. */
static int touch(struct cache *c, const char *key, time_t now, struct error *err) {
        sqlite3_stmt *st = NULL;
        unsigned busy_ms;
        int rc, r;

        r = before_write(c, err);
        if (r >= 0)
                r = cache_stmt(c, STMT_TOUCH, &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64) now);
        /* Not the start's whole budget: while a rescan rewrote the cache
         * (the index gone, every hit served here), each hit waited for
         * it. */
        busy_ms = c->busy_ms;
        busy_set(c, busy_ms < CACHE_TOUCH_WAIT_MS ? busy_ms : CACHE_TOUCH_WAIT_MS);
        rc = sqlite3_step(st);
        busy_set(c, busy_ms);
        stmt_done(st);
        switch (rc & 0xff) {
        case SQLITE_DONE:
                return 1;
        case SQLITE_READONLY:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return 0;
        default:
                return cache_error(c, rc, "update an entry's last use", err);
        }
}

static int get_with(struct cache *c, enum cache_stmt which, const char *key, struct cache_entry *ret,
                    struct error *err) {
        struct cache_entry e = {};
        time_t now = time(NULL);
        int r;

        r = peek_with(c, which, key, &e, err);
        if (r < 0)
                return r;
        /* last_used only orders eviction: a write per hit would cost every
         * start a commit, so it is refreshed at most once a minute. */
        if (now - e.last_used < CACHE_TOUCH_INTERVAL) {
                *ret = e;
                return 0;
        }
        r = touch(c, key, now, err);
        if (r < 0) {
                cache_entry_done(&e);
                return r;
        }
        if (r > 0)
                e.last_used = now;
        *ret = e;
        return 0;
}

int cache_get(struct cache *c, const char *key, struct cache_entry *ret, struct error *err) {
        return get_with(c, STMT_GET, key, ret, err);
}

int cache_get_lean(struct cache *c, const char *key, struct cache_entry *ret, struct error *err) {
        return get_with(c, STMT_GET_LEAN, key, ret, err);
}

static int entry_check(struct cache *c, const struct cache_entry *e, struct error *err) {
        if (!key_valid(e->key, 1))
                return error_set(err, EINVAL, "cache %s: an entry's key must be lowercase hex", c->path);
        if (!e->identity || !e->db_revision)
                return error_set(err, EINVAL, "cache %s: an entry needs an identity and a DB revision", c->path);
        if ((e->scan_json && strlen(e->scan_json) > CACHE_JSON_MAX) ||
            (e->inventory_json && strlen(e->inventory_json) > CACHE_JSON_MAX) ||
            (e->findings_compact && strlen(e->findings_compact) > CACHE_JSON_MAX))
                return error_set(err, EFBIG, "cache %s: the entry for %s is larger than the %zu MiB an entry may "
                                 "hold (its findings); not cached: each start of the image analyses it again",
                                 c->path, e->identity, CACHE_JSON_MAX >> 20);
        return 0;
}

static sqlite3_int64 clamp_int64(size_t v) {
        return v > INT64_MAX ? INT64_MAX : (sqlite3_int64) v;
}

/* json as a zstd frame (column_json()) from CACHE_COMPRESS_MIN bytes on:
 * some twenty times smaller, the entry of a 200,000-record DB's match from
 * 62 pages to 23, which is also a third of the checkpoints
 * (wal_committed()).  Level 1 runs at 2.7 GB/s, but a context's first
 * use costs its memory's page faults (0.5 ms on the bench VM), more than
 * the pages a smaller text saves.  Text below that, or when zstd can't
 * (no context, an error): read like schema 2's rows. */
static int bind_json(sqlite3_stmt *st, int i, const char *json, ZSTD_CCtx **z) {
        size_t n, cap, len;
        void *frame;

        if (!json)
                return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -ENOMEM;
        n = strlen(json);
        if (n < CACHE_COMPRESS_MIN)
                return sqlite3_bind_text(st, i, json, (int) n, SQLITE_STATIC) == SQLITE_OK ? 0 : -ENOMEM;
        cap = ZSTD_compressBound(n);
        if (!*z)
                *z = ZSTD_createCCtx();
        frame = *z ? malloc(cap) : NULL;
        len = frame ? ZSTD_compressCCtx(*z, frame, cap, json, n, 1) : 0;
        if (!frame || ZSTD_isError(len)) {
                free(frame);
                return sqlite3_bind_text(st, i, json, (int) n, SQLITE_STATIC) == SQLITE_OK ? 0 : -ENOMEM;
        }
        /* sqlite frees it once bound, even when the bind fails */
        return sqlite3_bind_blob(st, i, frame, (int) len, free) == SQLITE_OK ? 0 : -ENOMEM;
}

/* STMT_PUT or STMT_PUT_NEW; 1 when the entry was written, 0 when
 * STMT_PUT_NEW found one with its key. */
static int put(struct cache *c, enum cache_stmt which, const struct cache_entry *e, struct error *err) {
        time_t now = time(NULL);
        sqlite3_stmt *st = NULL;
        ZSTD_CCtx *z = NULL;
        bool written;
        int rc, r;

        if ((r = entry_check(c, e, err)) < 0 || (r = before_write(c, err)) < 0 ||
            (r = cache_stmt(c, which, &st, err)) < 0)
                return r;
        sqlite3_bind_text(st, 1, e->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->image, -1, SQLITE_STATIC);     /* NULL binds NULL */
        sqlite3_bind_text(st, 4, e->db_revision, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64) (e->created ? e->created : now));
        sqlite3_bind_int64(st, 6, (sqlite3_int64) (e->last_used ? e->last_used : now));
        sqlite3_bind_int64(st, 7, clamp_int64(e->packages));
        sqlite3_bind_int64(st, 8, clamp_int64(e->findings));
        if ((r = bind_json(st, 9, e->scan_json, &z)) >= 0)
                r = bind_json(st, 10, e->inventory_json, &z);
        sqlite3_bind_text(st, 11, e->findings_compact, -1, SQLITE_STATIC);
        rc = r < 0 ? SQLITE_NOMEM : sqlite3_step(st);
        written = rc == SQLITE_DONE && sqlite3_changes(c->db) > 0;
        stmt_done(st);
        ZSTD_freeCCtx(z);
        if (rc != SQLITE_DONE)
                return cache_error(c, rc, "store an entry", err);
        if (!written)
                return 0;
        /* The index is an accelerator: not written, hits go to sqlite. */
        (void) index_add(c, &(struct cache_entry) { .key = e->key, .identity = e->identity, .image = e->image,
                                                    .db_revision = e->db_revision,
                                                    .created = e->created ? e->created : now,
                                                    .last_used = e->last_used ? e->last_used : now,
                                                    .packages = e->packages, .findings = e->findings,
                                                    .findings_compact = e->findings_compact }, false, NULL);
        return 1;
}

int cache_put(struct cache *c, const struct cache_entry *e, struct error *err) {
        int r = put(c, STMT_PUT, e, err);

        return r < 0 ? r : 0;
}

int cache_put_new(struct cache *c, const struct cache_entry *e, struct error *err) {
        return put(c, STMT_PUT_NEW, e, err);
}

struct summaries {
        struct cache_entry *v;
        size_t n, cap;
};

static void summaries_done(struct summaries *s) {
        for (size_t i = 0; i < s->n; i++)
                cache_entry_done(&s->v[i]);
        free(s->v);
        *s = (struct summaries) {};
}

static int summaries_push(struct summaries *s, const struct cache_entry *e) {
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                struct cache_entry *v = reallocarray(s->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = *e;
        return 0;
}

/* Every entry without its JSON, in listing order, read in one statement
 * so that callbacks run with no statement open. */
static int summaries_read(struct cache *c, struct summaries *ret, struct error *err) {
        struct summaries s = {};
        sqlite3_stmt *st = NULL;
        int rc, r;

        r = cache_stmt(c, STMT_SUMMARIES, &st, err);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct cache_entry e;

                r = entry_from_row(c, st, &e, err);
                if (r < 0)
                        break;
                r = summaries_push(&s, &e);
                if (r < 0) {
                        cache_entry_done(&e);
                        break;
                }
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = cache_error(c, rc, "list entries", err);
        stmt_done(st);
        if (r < 0) {
                summaries_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int cache_list_summary(struct cache *c, int (*fn)(const struct cache_entry *e, void *userdata), void *userdata,
                       struct error *err) {
        _cleanup_(summaries_done) struct summaries s = {};
        int r;

        r = summaries_read(c, &s, err);
        for (size_t i = 0; r >= 0 && i < s.n; i++)
                r = fn(&s.v[i], userdata);
        return r < 0 ? r : 0;
}

int cache_list(struct cache *c, int (*fn)(const struct cache_entry *e, void *userdata), void *userdata,
               struct error *err) {
        _cleanup_(summaries_done) struct summaries s = {};
        int r;

        r = summaries_read(c, &s, err);
        for (size_t i = 0; r >= 0 && i < s.n; i++) {
                struct cache_entry e;

                r = cache_peek(c, s.v[i].key, &e, err);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r < 0)
                        break;
                r = fn(&e, userdata);
                cache_entry_done(&e);
        }
        return r < 0 ? r : 0;
}

int cache_resolve_key(struct cache *c, const char *prefix, char **ret, struct error *err) {
        _cleanup_free_ char *found = NULL;
        char lower[CACHE_KEY_MAX + 1];
        size_t n = strlen(prefix);
        sqlite3_stmt *st = NULL;
        int rc, r, rows = 0;

        for (size_t i = 0; i < n && i < CACHE_KEY_MAX; i++)
                lower[i] = (char) (prefix[i] >= 'A' && prefix[i] <= 'F' ? prefix[i] - 'A' + 'a' : prefix[i]);
        lower[n < CACHE_KEY_MAX ? n : CACHE_KEY_MAX] = '\0';
        if (n > CACHE_KEY_MAX || !key_valid(lower, 1))
                return error_set(err, EINVAL, "'%.80s' is not a cache key: keys are hex digits", prefix);
        r = cache_stmt(c, STMT_RESOLVE, &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lower, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && r == 0)
                if (rows++ == 0)
                        r = column_dup(st, 0, &found);
        if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
                r = cache_error(c, rc, "look up a key", err);
        stmt_done(st);
        if (r < 0)
                return r;
        if (rows == 0)
                return error_set(err, ENOENT, "cache %s: no entry with key %s", c->path, lower);
        if (rows > 1)
                return error_set(err, ENOTUNIQ, "cache %s: several entries have keys starting with %s; give more "
                                 "characters", c->path, lower);
        *ret = TAKE_PTR(found);
        return 0;
}

static int run_change(struct cache *c, enum cache_stmt which, const char *key, sqlite3_int64 arg,
                      const char *what, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc, r;

        r = cache_stmt(c, which, &st, err);
        if (r < 0)
                return r;
        if (key)
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        else if (sqlite3_bind_parameter_count(st) > 0)
                sqlite3_bind_int64(st, 1, arg);
        rc = sqlite3_step(st);
        stmt_done(st);
        if (rc != SQLITE_DONE)
                return cache_error(c, rc, what, err);
        return sqlite3_changes(c->db);
}

static int run_delete(struct cache *c, enum cache_stmt which, const char *key, sqlite3_int64 arg,
                      struct error *err) {
        return run_change(c, which, key, arg, "remove entries", err);
}

/* Purge and gc remove entries: the index goes first (in a batch, under
 * its lock) and is rebuilt from what is left. */
int cache_purge(struct cache *c, const char *key, struct error *err) {
        int r = before_write(c, err), n;

        if (r < 0 || (r = cache_batch_begin(c, err)) < 0)
                return r;
        n = key ? run_delete(c, STMT_PURGE_ONE, key, 0, err) : run_delete(c, STMT_PURGE_ALL, NULL, 0, err);
        r = cache_batch_end(c, n < 0 ? NULL : err);
        return n < 0 ? n : r < 0 ? r : n;
}

int cache_gc(struct cache *c, time_t ttl, size_t max_entries, time_t now, struct error *err) {
        int r, expired = 0, evicted = 0;

        r = before_write(c, err);
        if (r >= 0)
                r = cache_batch_begin(c, err);
        if (r >= 0 && (r = cache_exec(c, "BEGIN IMMEDIATE", "start collecting garbage", err)) < 0)
                (void) cache_batch_end(c, NULL);
        if (r < 0)
                return r;
        /* A last use after now was recorded by a clock that ran ahead
         * (a year, until NTP set it right): it counts as now, or the entry
         * outlived every TTL and stayed first in line until that date. */
        r = run_change(c, STMT_GC_FUTURE, NULL, (sqlite3_int64) now, "set last uses ahead of the clock to now", err);
        if (r >= 0 && ttl >= 0)
                r = expired = run_delete(c, STMT_GC_TTL, NULL, (sqlite3_int64) now - (sqlite3_int64) ttl, err);
        if (r >= 0)
                r = evicted = run_delete(c, STMT_GC_LRU, NULL, clamp_int64(max_entries), err);
        if (r >= 0)
                r = cache_exec(c, "COMMIT", "collect garbage", err);
        if (r < 0) {
                (void) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
                (void) cache_batch_end(c, NULL);
                return r;
        }
        r = cache_batch_end(c, err);
        return r < 0 ? r : expired + evicted;
}

/* What to do when a lock file can't be made: not always permissions (a
 * full disk or inode table, a read-only mount, the hook's fd limit). */
static const char *lock_hint(int code) {
        switch (code) {
        case ENOSPC:
        case EDQUOT:
                return "free disk space or inodes there (df -i)";
        case EROFS:
                return "it is on a read-only file system: point \"lock_dir\" in config.json at a writable folder";
        case EMFILE:
        case ENFILE:
                return "the hook ran out of file descriptors: raise its open-file limit (LimitNOFILE)";
        default:
                return "check the folder's permissions";
        }
}

static int lock_open(const char *lock_dir, const char *key, struct error *err) {
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        char name[CACHE_KEY_MAX + sizeof(".lock")];
        struct stat st;
        int r;

        dfd = open_dir_created(lock_dir, &r);
        if (r < 0)
                return error_set_errno(err, r, "cache lock folder %s can't be created; create it (0700)", lock_dir);
        if (dfd < 0)
                return error_set_errno(err, -dfd, "cache lock folder %s", lock_dir);
        (void) snprintf(name, sizeof(name), "%s.lock", key);
        fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "cache lock %s/%s; %s", lock_dir, name, lock_hint(errno));
        /* Something other than a file planted under our name (a FIFO, a
         * device) is refused rather than trusted. */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "cache lock %s/%s is not a regular file; remove it", lock_dir, name);
        return TAKE_FD(fd);
}

/* Whether fd, locked, is still the file named <dir>/<key>.lock:
 * cache_locks_prune() unlinks a lock file while it holds it, and whoever
 * opened that file before then gets its lock afterwards, on a file no
 * other process can find any more. */
static bool lock_named(const char *lock_dir, const char *key, int fd) {
        char path[PATH_MAX];
        struct stat a, b;

        if ((size_t) snprintf(path, sizeof(path), "%s/%s.lock", lock_dir, key) >= sizeof(path))
                return true;    /* lock_open() opened it: not reached */
        return fstat(fd, &a) == 0 && a.st_nlink > 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

int cache_lock(const char *lock_dir, const char *key, long long deadline_ms, int *ret_fd, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!key_valid(key, 1))
                return error_set(err, EINVAL, "cache lock: a key must be lowercase hex, not a path");
        do {
                closep(&fd);
                fd = lock_open(lock_dir, key, err);
                if (fd < 0)
                        return fd;
                r = flock_until(fd, LOCK_EX, deadline_ms);
                if (r == -ETIMEDOUT)
                        return error_set(err, ETIMEDOUT, "cache lock %s/%s.lock: another analysis of the image "
                                         "held it past the deadline", lock_dir, key);
                if (r < 0)
                        return error_set_errno(err, r, "cache lock %s/%s.lock", lock_dir, key);
        } while (!lock_named(lock_dir, key, fd));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* "<hex>.lock", as cache_lock() names its files. */
static bool lock_file_name(const char *name) {
        const char *dot = strrchr(name, '.');
        char key[CACHE_KEY_MAX + 1];

        if (!dot || strcmp(dot, ".lock") != 0 || (size_t) (dot - name) > CACHE_KEY_MAX)
                return false;
        memcpy(key, name, (size_t) (dot - name));
        key[dot - name] = '\0';
        return key_valid(key, 1);
}

/* name removed when nobody holds its lock: taken without waiting, the
 * file checked to be still the one named so (another prune), unlinked
 * while held (lock_named()). */
static bool lock_file_prune(int dfd, const char *name) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        struct stat a, b;

        return fd >= 0 && fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
               fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
               unlinkat(dfd, name, 0) == 0;
}

int cache_locks_prune(const char *lock_dir, struct error *err) {
        _cleanup_close_ int dfd = open(lock_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int n = 0;

        if (dfd < 0 && errno == ENOENT)
                return 0;       /* no start has locked anything since the boot */
        if (dfd < 0 || !(d = fdopendir(dfd)))
                return error_set_errno(err, errno, "cache lock folder %s", lock_dir);
        TAKE_FD(dfd);
        while ((de = readdir(d)))
                if (lock_file_name(de->d_name) && lock_file_prune(dirfd(d), de->d_name))
                        n++;
        closedir(d);
        return n;
}

void cache_unlock(int fd) {
        if (fd >= 0)
                (void) close(fd);
}

/* ---- a small memo beside the entries --------------------------------------- */

int cache_memo_get(struct cache *c, const char *key, char **ret, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'memo:' || ?1", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return cache_error(c, rc, "read a memo", err);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *ret = strdup((const char *) sqlite3_column_text(st, 0));
                sqlite3_finalize(st);
                return *ret ? 0 : -ENOMEM;
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? -ENOENT : cache_error(c, rc, "read a memo", err);
}

int cache_memo_put(struct cache *c, const char *key, const char *value, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (before_write(c, err) < 0)
                return -EIO;
        rc = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('memo:' || ?1, ?2)", -1, &st,
                                NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return cache_error(c, rc, "write a memo", err);
        /* No shard is rewritten for a memo: each learns it at its next
         * write, and a hit of an identity whose shard lacks it goes to
         * sqlite, which rewrites that shard (cache_index_refresh()). */
        return 0;
}

/* ---- the verdict index beside the cache (verdict-index.h) ------------------ */

/* The index lock: one writer of the index at a time, so that what it
 * reads from the cache is what every earlier writer committed. */
static int index_lock_take(struct cache *c, unsigned wait_ms, struct error *err) {
        _cleanup_close_ int fd = -EBADF;
        char path[PATH_MAX];
        struct stat st;
        int r;

        if ((size_t) snprintf(path, sizeof(path), "%s%s", c->path, VIDX_LOCK_SUFFIX) >= sizeof(path))
                return error_set(err, ENAMETOOLONG, "cache %s: path too long", c->path);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "verdict index lock %s", path);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return error_set(err, EBADFD, "verdict index lock %s is not a regular file; remove it", path);
        r = flock_until(fd, LOCK_EX, now_ms() + wait_ms);
        if (r == -ETIMEDOUT)
                return error_set(err, ETIMEDOUT, "verdict index lock %s: held for over %u ms by another writer of "
                                 "the cache (a 'cache rescan', 'cache fill', 'cache gc' or 'cache purge'); run again "
                                 "once it ends", path, wait_ms);
        if (r < 0)
                return error_set_errno(err, r, "verdict index lock %s", path);
        return TAKE_FD(fd);
}

struct index_rows {
        struct vidx_entry_in *v;
        size_t n, cap;
        char **strings;         /* owned copies, freed with the rows */
        int64_t *folded;        /* by slot of the old index: last uses from its -used file */
        size_t n_folded;
};

static void index_rows_done(struct index_rows *r) {
        free(r->v);
        strv_free(r->strings);
        free(r->folded);
        *r = (struct index_rows) {};
}

static int rows_push(struct index_rows *r, const struct vidx_entry_in *e) {
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 64;
                struct vidx_entry_in *v = reallocarray(r->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                r->v = v;
                r->cap = cap;
        }
        r->v[r->n++] = *e;
        return 0;
}

static const char *keep(struct index_rows *r, sqlite3_stmt *st, int col) {
        const char *s = (const char *) sqlite3_column_text(st, col);
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        return d && strv_push(&r->strings, d) >= 0 ? d : NULL;
}

/* The cache's entries of a shard (all of them for ALL_SHARDS), as the
 * index holds them. */
#define ALL_SHARDS UINT_MAX

/* The row st stands on, onto r. */
static int index_row_keep(struct index_rows *r, sqlite3_stmt *st) {
        struct vidx_entry_in e = {
                .key = keep(r, st, 0),
                .identity = keep(r, st, 1),
                .image = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : keep(r, st, 2),
                .db_revision = keep(r, st, 3),
                .created = sqlite3_column_int64(st, 4),
                .last_used = sqlite3_column_int64(st, 5),
                .packages = (uint32_t) sqlite3_column_int64(st, 6),
                .n_findings = (uint32_t) sqlite3_column_int64(st, 7),
                .findings = keep(r, st, 8),
        };

        if (!e.key || !e.identity || !e.db_revision || !e.findings ||
            (sqlite3_column_type(st, 2) != SQLITE_NULL && !e.image))
                return -ENOMEM;
        e.findings_len = strlen(e.findings);
        return rows_push(r, &e);
}

#define INDEX_ROWS_SQL "SELECT " ENTRY_COLUMNS ", findings_compact FROM entries WHERE findings_compact IS NOT NULL"

/* The rowids of one shard's entries.  Only the identities are read, from
 * entries_identity where the cache has it: a row's findings come after its
 * scan and inventory in a chain of overflow pages that sqlite walks to
 * test them even for NULL, and each row starts a page of its own. */
static int shard_rowids(struct cache *c, unsigned shard, int64_t **ret, size_t *ret_n, struct error *err) {
        _cleanup_free_ int64_t *v = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0, cap = 0;
        int rc, k = 0;

        rc = sqlite3_prepare_v2(c->db, "SELECT rowid, identity FROM entries", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return cache_error(c, rc, "read the entries for the verdict index", err);
        while (k == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *identity = (const char *) sqlite3_column_text(st, 1);

                if (!identity || vidx_shard(identity) != shard)
                        continue;
                if (n == cap) {
                        int64_t *m = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

                        if (!m) {
                                k = -ENOMEM;
                                break;
                        }
                        v = m;
                }
                v[n++] = sqlite3_column_int64(st, 0);
        }
        if (k == 0 && rc != SQLITE_DONE)
                k = cache_error(c, rc, "read the entries for the verdict index", err);
        sqlite3_finalize(st);
        if (k < 0)
                return k == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : k;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* Rows st yields until done, onto r. */
static int index_rows_step(struct cache *c, sqlite3_stmt *st, struct index_rows *r, struct error *err) {
        int rc, k = 0;

        while (k == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                k = index_row_keep(r, st);
        if (k == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        return k == 0 && rc != SQLITE_DONE ? cache_error(c, rc, "read the entries for the verdict index", err) : k;
}

static int index_rows_read(struct cache *c, unsigned shard, struct index_rows *r, struct error *err) {
        _cleanup_free_ int64_t *rowids = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;
        int rc, k = 0;

        if (shard != ALL_SHARDS && (k = shard_rowids(c, shard, &rowids, &n, err)) < 0)
                return k;
        rc = sqlite3_prepare_v2(c->db, shard == ALL_SHARDS ? INDEX_ROWS_SQL : INDEX_ROWS_SQL " AND rowid = ?1", -1,
                                &st, NULL);
        if (rc != SQLITE_OK)
                return cache_error(c, rc, "read the entries for the verdict index", err);
        if (shard == ALL_SHARDS)
                k = index_rows_step(c, st, r, err);
        for (size_t i = 0; k == 0 && i < n; i++) {
                sqlite3_reset(st);
                sqlite3_bind_int64(st, 1, rowids[i]);
                k = index_rows_step(c, st, r, err);
        }
        sqlite3_finalize(st);
        return k;
}

/* The newest memos, as key, value pairs. */
static int index_memos(struct cache *c, char ***ret, struct error *err) {
        _cleanup_strv_free_ char **v = NULL;
        sqlite3_stmt *st = NULL;
        int rc, k = 0;

        rc = sqlite3_prepare_v2(c->db, "SELECT substr(key, 6), value FROM meta WHERE key LIKE 'memo:%'"
                                " ORDER BY rowid DESC LIMIT " STR(VIDX_MEMOS_MAX), -1, &st, NULL);
        if (rc != SQLITE_OK)
                return cache_error(c, rc, "read the memos for the verdict index", err);
        while (k == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                if (strv_push(&v, strdup((const char *) sqlite3_column_text(st, 0))) < 0 ||
                    strv_push(&v, strdup((const char *) sqlite3_column_text(st, 1))) < 0)
                        k = -ENOMEM;
        if (k == 0 && rc != SQLITE_DONE)
                k = cache_error(c, rc, "read the memos for the verdict index", err);
        sqlite3_finalize(st);
        if (k < 0)
                return k == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : k;
        *ret = TAKE_PTR(v);
        return 0;
}

struct fold {
        struct cache *c;
        struct index_rows *rows;
        size_t n_slots;
};

static int fold_one(const char *key, size_t slot, int64_t last_used, void *userdata) {
        struct fold *f = userdata;
        sqlite3_stmt *st = NULL;
        int rc;

        if (f->rows) {
                if (!f->rows->folded && !(f->rows->folded = calloc(f->n_slots, sizeof(int64_t))))
                        return -ENOMEM;
                f->rows->folded[slot] = last_used;
        }
        rc = sqlite3_prepare_v2(f->c->db, "UPDATE entries SET last_used = max(last_used, ?2) WHERE key = ?1", -1,
                                &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, last_used);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        /* A busy cache loses a use, which the next hit records again. */
        return 0;
}

/* The hits' last uses (the -used file of the index at hand) into the
 * cache, in one transaction; rows, when given, learn them by slot. */
static int fold_used(struct cache *c, const struct vidx *old, struct index_rows *rows) {
        struct fold f = { c, rows, vidx_count(old) };
        int r;

        if (before_write(c, NULL) < 0 || sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
                return 0;
        r = vidx_used(old, c->path, time(NULL), fold_one, &f);
        (void) sqlite3_exec(c->db, r < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
        return r == -ENOMEM ? r : 0;
}

/* The old index's entries (last uses folded in), or -EBADMSG when one is
 * damaged (then the caller rebuilds from the cache). */
static int rows_from_index(const struct vidx *old, struct index_rows *r) {
        for (size_t i = 0; i < vidx_count(old); i++) {
                struct vidx_hit h;
                const char *key;
                int k = vidx_entry(old, i, &key, &h);

                if (k < 0)
                        return k;
                k = rows_push(r, &(struct vidx_entry_in) {
                        .key = key, .identity = h.identity, .db_revision = h.db_revision, .image = h.image,
                        .findings = h.findings, .findings_len = h.findings_len, .created = h.created,
                        .last_used = r->folded && r->folded[i] > h.last_used ? r->folded[i] : h.last_used,
                        .packages = h.packages, .n_findings = h.n_findings,
                });
                if (k < 0)
                        return k;
        }
        return 0;
}

static uint32_t clamp_u32(size_t v) {
        return v > UINT32_MAX ? UINT32_MAX : (uint32_t) v;
}

/* Whether x holds the newest memo (memos: key, value pairs, newest first). */
static bool has_newest_memo(const struct vidx *x, char *const *memos) {
        const char *v;

        return !memos || !memos[0] || !memos[1] || (vidx_memo(x, memos[0], &v) == 0 && strcmp(v, memos[1]) == 0);
}

/* The generation of a shard written over one of old (0: none).  Never
 * one a shard had before: a hit still mapping a replaced or removed shard
 * (a batch removes them all, and an empty one goes) writes its use into
 * the new -used file when the generations match, into the slot of
 * whichever entry holds that position now.  old + 1 alone restarted at 1
 * after every batch; the clock's nanoseconds do not come back. */
static uint64_t generation_after(uint64_t old) {
        struct timespec ts;
        uint64_t t;

        clock_gettime(CLOCK_REALTIME, &ts);
        t = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
        return t > old ? t : old + 1;
}

/* Writes one shard of the index, the lock held: from its old file (plus
 * e) when that is sound (a miss adds one entry without reading the others
 * back from sqlite), else from the cache's entries of the shard.  With
 * only_new, an e that the shard holds already, beside the newest memo,
 * leaves it as it is. */
static int shard_write_locked(struct cache *c, unsigned shard, const struct cache_entry *e, bool only_new,
                              char *const *memos, struct error *err) {
        _cleanup_(vidx_closep) struct vidx *old = NULL;
        _cleanup_(index_rows_done) struct index_rows rows = {};
        struct vidx_hit hit;
        uint64_t gen = generation_after(0);
        int r;

        if (vidx_open(c->path, shard, &old, NULL) >= 0) {
                if (e && only_new && vidx_lookup(old, e->key, &hit) == 0 && has_newest_memo(old, memos))
                        return 0;
                gen = generation_after(vidx_generation(old));
                if (fold_used(c, old, &rows) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        r = old ? rows_from_index(old, &rows) : -ENOENT;
        if (r >= 0 && e && e->findings_compact)
                r = rows_push(&rows, &(struct vidx_entry_in) {
                        .key = e->key, .identity = e->identity, .db_revision = e->db_revision,
                        .image = e->image, .findings = e->findings_compact,
                        .findings_len = strlen(e->findings_compact), .created = e->created,
                        .last_used = e->last_used ? e->last_used : time(NULL),
                        .packages = clamp_u32(e->packages), .n_findings = clamp_u32(e->findings),
                });
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (r < 0) {            /* no sound shard to start from: the cache's entries of the shard */
                rows.n = 0;
                r = index_rows_read(c, shard, &rows, err);
        }
        if (r < 0)
                return r;
        return vidx_write(c->path, shard, c->dev, c->ino, gen, rows.v, rows.n, memos, err);
}

/* Every shard from the cache, the lock held: after a batch.  The hits'
 * last uses in the old shards are folded into the cache first; a shard
 * left without entries goes. */
static int shards_write_locked(struct cache *c, char *const *memos, struct error *err) {
        _cleanup_(index_rows_done) struct index_rows rows = {};
        _cleanup_free_ uint64_t *gen = calloc(VIDX_SHARDS, sizeof(*gen));
        _cleanup_free_ size_t *start = NULL;
        _cleanup_free_ unsigned *shard = NULL;
        _cleanup_free_ struct vidx_entry_in *v = NULL;
        int r;

        if (!gen)
                return error_set(err, ENOMEM, "out of memory");
        for (unsigned i = 0; i < VIDX_SHARDS; i++) {
                _cleanup_(vidx_closep) struct vidx *old = NULL;

                if (vidx_open(c->path, i, &old, NULL) < 0)
                        continue;
                gen[i] = vidx_generation(old);
                if (fold_used(c, old, NULL) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        r = index_rows_read(c, ALL_SHARDS, &rows, err);
        if (r < 0)
                return r;
        /* The rows by shard, each shard's adjacent (a counting sort). */
        if (!(start = calloc(VIDX_SHARDS + 1, sizeof(*start))) || !(shard = calloc(rows.n + 1, sizeof(*shard))) ||
            !(v = calloc(rows.n + 1, sizeof(*v))))
                return error_set(err, ENOMEM, "out of memory");
        for (size_t j = 0; j < rows.n; j++)
                start[(shard[j] = vidx_shard(rows.v[j].identity)) + 1]++;
        for (unsigned i = 0; i < VIDX_SHARDS; i++)
                start[i + 1] += start[i];
        for (size_t j = 0; j < rows.n; j++)     /* start[i] moves to the end of shard i... */
                v[start[shard[j]]++] = rows.v[j];
        for (unsigned i = VIDX_SHARDS; i > 0; i--)      /* ...and back */
                start[i] = start[i - 1];
        start[0] = 0;
        for (unsigned i = 0; i < VIDX_SHARDS; i++) {
                size_t n = start[i + 1] - start[i];

                r = n > 0 ? vidx_write(c->path, i, c->dev, c->ino, generation_after(gen[i]), v + start[i], n, memos,
                                       err)
                          : vidx_remove(c->path, i, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Writes the index, the lock held: e's shard, or (e NULL: after a batch)
 * every shard. */
static int index_write_locked(struct cache *c, const struct cache_entry *e, bool only_new, struct error *err) {
        _cleanup_strv_free_ char **memos = NULL;
        int r = index_memos(c, &memos, err);

        if (r < 0)
                return r;
        return e ? shard_write_locked(c, vidx_shard(e->identity), e, only_new, memos, err)
                 : shards_write_locked(c, memos, err);
}

/* How long a writer waits for the index lock: what the caller gave sqlite,
 * at most a moment; an index not written only sends hits to sqlite. */
#define CACHE_INDEX_WAIT_MS 50

static unsigned index_wait(const struct cache *c) {
        return c->busy_ms < CACHE_INDEX_WAIT_MS ? c->busy_ms : CACHE_INDEX_WAIT_MS;
}

/* Whether the cache still holds key; false when that can't be told. */
static bool entry_present(struct cache *c, const char *key) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (cache_stmt(c, STMT_EXISTS, &st, NULL) < 0)
                return false;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        stmt_done(st);
        return rc == SQLITE_ROW;
}

/* After a put, or a hit served by sqlite (cache_index_refresh()): e into
 * its shard.  Purge and gc remove entries holding the index lock
 * (cache_batch_begin()), so once it is ours, an e that one of them removed
 * since it was stored or read is gone for good: added back, the index
 * would serve it to every start while 'cache ls' no longer shows it. */
static int index_add(struct cache *c, const struct cache_entry *e, bool only_new, struct error *err) {
        _cleanup_close_ int lock = -EBADF;

        if (c->readonly || c->batch)
                return 0;
        lock = index_lock_take(c, index_wait(c), err);
        if (lock < 0)
                return lock;
        if (!entry_present(c, e->key))
                return 0;
        return index_write_locked(c, e, only_new, err);
}

int cache_index_refresh(struct cache *c, const struct cache_entry *e, struct error *err) {
        return index_add(c, e, true, err);
}

int cache_batch_begin(struct cache *c, struct error *err) {
        int r;

        if (c->batch++ > 0 || c->readonly)
                return 0;
        r = index_lock_take(c, c->busy_ms, err);
        if (r < 0) {
                c->batch--;
                return r;
        }
        c->index_lock = r;
        /* The index must not outlive what the batch removes; folded first,
         * so that the hits' last uses survive it. */
        {
                _cleanup_(vidx_closep) struct vidx *old = NULL;

                for (unsigned i = 0; i < VIDX_SHARDS; i++)
                        if (vidx_open(c->path, i, &old, NULL) >= 0) {
                                r = fold_used(c, old, NULL);
                                vidx_close(TAKE_PTR(old));
                                if (r < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                        }
        }
        /* What a writer killed before its rename left (a hook past the
         * runtime's timeout): nobody else removes it, and the lock rules
         * out a live one.  gc (a timer), purge and rescan all come here. */
        (void) vidx_remove_temps(c->path);
        r = vidx_remove_all(c->path, err);
        if (r < 0 && r != -EMEDIUMTYPE) {
                closep(&c->index_lock);
                c->batch--;
                return r;
        }
        error_clear(err);
        return 0;
}

int cache_batch_end(struct cache *c, struct error *err) {
        int r;

        if (c->batch == 0 || --c->batch > 0 || c->readonly)
                return 0;
        r = index_write_locked(c, NULL, false, err);
        closep(&c->index_lock);
        return r;
}
