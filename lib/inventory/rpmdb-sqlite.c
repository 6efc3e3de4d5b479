/* SPDX-License-Identifier: Apache-2.0 */
/* rpmdb.sqlite (rpm >= 4.16): table Packages(hnum INTEGER PRIMARY KEY,
 * blob BLOB), one header blob per installed package.
 *
 * The file comes from an image, so sqlite never opens a path of it: we
 * hand sqlite our in-memory copy (sqlite3_deserialize, read-only), and
 * follow sqlite.org's "Defense Against The Dark Arts": defensive mode,
 * untrusted schema, cell_size_check, quick_check of Packages before use, and
 * a progress handler as a budget so that no query can run unbounded.
 * Packages must be a plain table (not a view, whose SQL we would run).
 * mmap_size is set: sqlite then reads the pages of our copy where they are
 * instead of copying each one (the advice against mmap is about a file
 * another process can change; sqlite never maps a file here). */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "rpmdb.h"

#define SQLITE_HEADER "SQLite format 3"
#define SQLITE_HEADER_SIZE 100
/* Virtual machine steps per byte of the file, checked every 1000 steps:
 * quick_check and the scan need a few per byte; a query that runs far past
 * that is looping. */
#define SQLITE_STEPS_PER_BYTE 64
#define SQLITE_STEPS_MIN 100000000ull
#define SQLITE_PROGRESS_EVERY 1000

struct budget {
        unsigned long long left;
};

static int progress(void *userdata) {
        struct budget *b = userdata;

        if (b->left < SQLITE_PROGRESS_EVERY)
                return 1;               /* interrupts the statement */
        b->left -= SQLITE_PROGRESS_EVERY;
        return 0;
}

static void sqlite3_closep(sqlite3 **db) {
        if (*db)
                (void) sqlite3_close_v2(*db);
}

static void sqlite3_finalizep(sqlite3_stmt **st) {
        if (*st)
                (void) sqlite3_finalize(*st);
}

static int db_error(sqlite3 *db, const char *origin, const char *what, struct error *err) {
        return error_set(err, EBADMSG, "%s: %s: %s", origin, what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* sqlite reads buf itself (no copy: images carry rpmdb.sqlite files of
 * tens of MiB), read-only, and never resizes or frees it.  A file in WAL
 * mode (bytes 18 and 19 are 2) can't be read from memory, so those bytes
 * are set to 1, "rollback journal", in buf; the -wal file itself is never
 * read (inventory-rpm.c warns when it is not empty). */
static int open_buffer(void *buf, size_t len, const char *origin, sqlite3 **ret, struct error *err) {
        unsigned char *p = buf;
        sqlite3 *db = NULL;
        int r;

        if (len < SQLITE_HEADER_SIZE || memcmp(buf, SQLITE_HEADER, sizeof(SQLITE_HEADER)) != 0)
                return error_set(err, EBADMSG, "%s: not an SQLite database", origin);
        r = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
        if (r != SQLITE_OK) {
                r = db_error(db, origin, "open", err);
                sqlite3_close_v2(db);
                return r;
        }
        p[18] = p[19] = 1;
        r = sqlite3_deserialize(db, "main", p, (sqlite3_int64) len, (sqlite3_int64) len,
                                SQLITE_DESERIALIZE_READONLY);
        if (r != SQLITE_OK) {
                r = db_error(db, origin, "load", err);
                sqlite3_close_v2(db);
                return r;
        }
        *ret = db;
        return 0;
}

static int harden(sqlite3 *db, const char *origin, struct budget *budget, struct error *err) {
        static const char *const pragmas =
                "PRAGMA trusted_schema=OFF; PRAGMA cell_size_check=ON; PRAGMA mmap_size=1073741824;";

        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
        sqlite3_progress_handler(db, SQLITE_PROGRESS_EVERY, progress, budget);
        if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
                return db_error(db, origin, "set up", err);
        return 0;
}

/* One-row, one-column text query; *ret is copied to buf (empty if NULL). */
static int query_text(sqlite3 *db, const char *sql, const char *origin, char *buf, size_t size, struct error *err) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        const unsigned char *t;

        buf[0] = '\0';
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                return db_error(db, origin, "not an rpm database", err);
        switch (sqlite3_step(st)) {
        case SQLITE_ROW:
                t = sqlite3_column_text(st, 0);
                snprintf(buf, size, "%s", t ? (const char *) t : "");
                return 0;
        case SQLITE_DONE:
                return 0;
        default:
                return db_error(db, origin, "damaged", err);
        }
}

/* Packages must be a table; then it (with its indexes) must pass
 * quick_check.  Only the table we read is checked: rpm's dozen index
 * tables beside it (Basenames, Providename, ...) took seven times as long
 * as Packages alone (3.5 ms against 0.5 ms for 501 packages), and nothing
 * here reads them. */
static int check_db(sqlite3 *db, const char *origin, struct error *err) {
        char out[256];
        int r;

        r = query_text(db, "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = 'Packages'", origin,
                       out, sizeof(out), err);
        if (r < 0)
                return r;
        if (strncmp(out, "CREATE TABLE", STRLEN("CREATE TABLE")) != 0)
                return error_set(err, EBADMSG, "%s: no Packages table: not an rpm database", origin);
        r = query_text(db, "PRAGMA main.quick_check(Packages)", origin, out, sizeof(out), err);
        if (r < 0)
                return r;
        if (strcmp(out, "ok") != 0)
                return error_set(err, EBADMSG, "%s: damaged (quick_check: %.200s)", origin, out);
        return 0;
}

static int scan(sqlite3 *db, const char *origin, rpmdb_blob_fn fn, void *userdata, struct error *err) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        unsigned long n = 0;
        int r, s;

        if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM main.Packages", -1, &st, NULL) != SQLITE_OK)
                return db_error(db, origin, "not an rpm database", err);
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
                const void *blob = sqlite3_column_blob(st, 1);
                int len = sqlite3_column_bytes(st, 1);
                sqlite3_int64 hnum = sqlite3_column_int64(st, 0);

                if (++n > RPMDB_RECORDS_MAX)
                        return error_set(err, E2BIG, "%s: more than %d records", origin, RPMDB_RECORDS_MAX);
                if (sqlite3_column_type(st, 1) != SQLITE_BLOB || !blob || len <= 0)
                        return error_set(err, EBADMSG, "%s: package %lld: blob is not a BLOB", origin,
                                         (long long) hnum);
                r = fn(blob, (size_t) len, (unsigned long) hnum, userdata, err);
                if (r < 0)
                        return r;
        }
        if (s != SQLITE_DONE)
                return db_error(db, origin, "reading Packages", err);
        return 0;
}

int rpmdb_sqlite_foreach(void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                         struct error *err) {
        _cleanup_(sqlite3_closep) sqlite3 *db = NULL;
        struct budget budget = { (unsigned long long) len * SQLITE_STEPS_PER_BYTE + SQLITE_STEPS_MIN };
        int r;

        r = open_buffer(buf, len, origin, &db, err);
        if (r < 0)
                return r;
        r = harden(db, origin, &budget, err);
        if (r < 0)
                return r;
        r = check_db(db, origin, err);
        if (r < 0)
                return r;
        return scan(db, origin, fn, userdata, err);
}
