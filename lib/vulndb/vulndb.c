/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strutil.h"
#include "severity.h"
#include "vulndb-internal.h"

/* sqlite's page cache for the DB, in pages (256 KiB): its buffers reused. */
#define VULNDB_CACHE_PAGES 64

struct vulndb {
        sqlite3 *db;
        sqlite3_stmt *lookup;
        sqlite3_stmt *lookup_upper;     /* by the affected_upper index; NULL: the file has none */
        sqlite3_stmt *rating;
        sqlite3_stmt *entry;
        sqlite3_stmt *record;
        sqlite3_stmt *cve;
        sqlite3_stmt *exploit;  /* NULL: no KEV or EPSS data (vulndb_has_exploit_data()) */
        bool has_kev, has_epss; /* vulndb_has_kev(), vulndb_has_epss() */
        char *path;
        int fd;                 /* vulndb_open_fd()'s, closed after sqlite's connection; else -EBADF */
        char *revision;
        char *import_time;
        char *data_time;
};

int vulndb_sqlite_error(sqlite3 *db, int rc, const char *what, struct error *err) {
        int code = rc == SQLITE_FULL ? ENOSPC : rc == SQLITE_NOMEM ? ENOMEM : rc == SQLITE_CANTOPEN ? ENOENT : EIO;

        return error_set(err, code, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int meta_get(struct vulndb *v, const char *key, char **ret, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(v->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(v->db, rc, "read meta table", err);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *ret = strdup((const char *) sqlite3_column_text(st, 0));
                sqlite3_finalize(st);
                return *ret ? 0 : -ENOMEM;
        }
        sqlite3_finalize(st);
        *ret = NULL;
        return rc == SQLITE_DONE ? 0 : vulndb_sqlite_error(v->db, rc, "read meta table", err);
}

/* What sqlite keeps beside a database file: the two that may hold more of
 * it than the file itself, then the WAL's index. */
static const char *const sidecars[] = { "-wal", "-journal", "-shm" };

static bool sidecar_path(char p[static PATH_MAX], const char *path, const char *suffix) {
        return (size_t) snprintf(p, PATH_MAX, "%s%s", path, suffix) < PATH_MAX;
}

bool vulndb_has_journal(const char *path) {
        char p[PATH_MAX];

        for (size_t i = 0; i < 2; i++)  /* -wal, -journal */
                if (!sidecar_path(p, path, sidecars[i]) || access(p, F_OK) == 0 || errno != ENOENT)
                        return true;
        return false;
}

void vulndb_remove_sidecars(const char *path) {
        char p[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(sidecars); i++)
                if (sidecar_path(p, path, sidecars[i]))
                        (void) unlink(p);
}

/* Whether a temporary DB beside the database was left by a killed writer:
 * its writers (vulndb_import(), an OCI pull) hold an flock(2) on it until
 * they rename or remove it, so one that nobody holds is abandoned, however
 * recent (a kill -9 during a pull is followed at once by the next update),
 * and one that is held never is, however old (a pull waits for <db>.lock
 * after writing it, behind an import that may take long; a hung writer's
 * goes when it dies).  The lock, when taken, is held until the unlink. */
static bool db_temp_abandoned(int dfd, const char *name, int *ret_fd) {
        int fd;

        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return false;
        }
        *ret_fd = fd;
        return true;
}

int vulndb_remove_abandoned(const char *db_path, void (*fn)(const char *path, void *userdata), void *userdata) {
        _cleanup_free_ char *dir = strdup(db_path), *prefix = NULL;
        char *slash;
        const char *base;
        struct dirent *de;
        DIR *d;
        int n = 0;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        base = slash ? slash + 1 : dir;
        if (asprintf(&prefix, "%s.new-", base) < 0)
                return -ENOMEM;
        if (slash)
                *slash = '\0';
        d = opendir(slash ? (dir[0] ? dir : "/") : ".");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_close_ int held = -EBADF;
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (!startswith(de->d_name, prefix) || strlen(de->d_name) != strlen(prefix) + 6 ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
                    !db_temp_abandoned(dirfd(d), de->d_name, &held) || unlinkat(dirfd(d), de->d_name, 0) < 0)
                        continue;
                n++;
                if (fn && asprintf(&p, "%s/%s", slash ? dir : ".", de->d_name) >= 0)
                        fn(p, userdata);
        }
        closedir(d);
        return n;
}

void vulndb_close(struct vulndb *v) {
        if (!v)
                return;
        sqlite3_finalize(v->lookup);
        sqlite3_finalize(v->lookup_upper);
        sqlite3_finalize(v->rating);
        sqlite3_finalize(v->entry);
        sqlite3_finalize(v->record);
        sqlite3_finalize(v->cve);
        sqlite3_finalize(v->exploit);
        sqlite3_close(v->db);
        if (v->fd >= 0)
                close(v->fd);
        free(v->path);
        free(v->revision);
        free(v->import_time);
        free(v->data_time);
        free(v);
}

/* "file:PATH?immutable=1", PATH percent-encoded where a URI needs it, then
 * extra ("&vfs=...") when not NULL.  A database is never written once it
 * is in place (an import builds a new file and renames it over the old
 * one, vulndb.h): the open file is immutable, so sqlite takes no lock and
 * checks no journal, WAL or change counter at each statement (a match ran
 * one read transaction per source package, about 650 syscalls for a
 * minbase image). */
static char *immutable_uri(const char *path, const char *extra) {
        static const char hex[] = "0123456789ABCDEF";
        struct strbuf b = {};
        int r = strbuf_puts(&b, path[0] == '/' ? "file://" : "file:");

        for (const unsigned char *p = (const unsigned char *) path; r >= 0 && *p; p++)
                r = *p > 0x20 && *p < 0x7f && !strchr("%?#", *p)
                            ? strbuf_append(&b, (const char *) p, 1)
                            : strbuf_append(&b, (const char[]) { '%', hex[*p >> 4], hex[*p & 15] }, 3);
        if (r >= 0)
                r = strbuf_puts(&b, "?immutable=1");
        if (r >= 0 && extra)
                r = strbuf_puts(&b, extra);
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

static int prepare_exploit(struct vulndb *v, int schema, struct error *err);

int vulndb_open_error(struct error *err, int errnum, const char *path) {
        return error_set_errno(err, errnum, errnum == ENOENT ? "vulnerability database %s (create it with 'portcullis "
                                                               "db import')"
                                                             : "vulnerability database %s (check the permissions of "
                                                               "the file and its folder)", path);
}

/* path, or with fd >= 0 the file open at fd (taken over), named path. */
static int open_db(const char *path, int fd, struct vulndb **ret, struct error *err) {
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        _cleanup_close_ int owned = fd;
        _cleanup_free_ char *schema = NULL, *uri = NULL, *upper = NULL;
        const char *vfs = NULL;
        char extra[64];
        struct stat st;
        int rc, r;

        /* sqlite would create a missing file even read-only in some modes;
         * say plainly what to do instead. */
        if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0)
                return vulndb_open_error(err, errno, path);
        if (S_ISDIR(st.st_mode))
                return error_set(err, EISDIR, "vulnerability database %s is a folder; give the database file "
                                 "(--db FILE, such as %s/vulndb.sqlite)", path, path);
        if (!S_ISREG(st.st_mode))       /* a FIFO would hang the reader */
                return error_set(err, EINVAL, "vulnerability database %s is not a regular file; give the database "
                                 "file (--db FILE), made by 'portcullis db import'", path);
        /* sqlite says only "unable to open database file" */
        if (fd < 0 && access(path, R_OK) < 0)
                return vulndb_open_error(err, errno, path);
        if (fd >= 0 && (rc = vulndb_fd_vfs(&vfs)) != SQLITE_OK)
                return error_set(err, EIO, "vulnerability database %s: %s", path, sqlite3_errstr(rc));
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->fd = TAKE_FD(owned);
        v->path = strdup(path);
        if (vfs)
                snprintf(extra, sizeof(extra), "&vfs=%s&" VULNDB_FD_PARAM "=%d", vfs, v->fd);
        if (!v->path || !(uri = immutable_uri(path, vfs ? extra : NULL)))
                return -ENOMEM;
        rc = sqlite3_open_v2(uri, &v->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(v->db, rc, path, err);
        r = meta_get(v, "schema_version", &schema, err);
        if (r < 0)
                return error_wrap(err, "%s is not a portcullis vulnerability database", path);
        if (schema && atoi(schema) > VULNDB_SCHEMA_VERSION)
                return error_set(err, EPROTO, "%s: schema version %s, written by a newer Portcullis (this build reads "
                                 "%d to %d): upgrade Portcullis again, or rebuild the database with this version "
                                 "('portcullis db update', or 'portcullis db import' of its sources without --merge)",
                                 path, schema, VULNDB_SCHEMA_VERSION_MIN, VULNDB_SCHEMA_VERSION);
        if (!schema || atoi(schema) < VULNDB_SCHEMA_VERSION_MIN)
                return error_set(err, EPROTO, "%s: schema version %s, this build reads %d to %d; re-import it with "
                                 "'portcullis db import'", path, schema ? schema : "(none)",
                                 VULNDB_SCHEMA_VERSION_MIN, VULNDB_SCHEMA_VERSION);
        r = meta_get(v, "revision", &v->revision, err);
        /* An empty revision is none: one "" for every such file would key
         * one DB's cached findings to the next (lib/gate.c). */
        if (r >= 0 && v->revision && !*v->revision) {
                free(v->revision);
                v->revision = NULL;
        }
        if (r >= 0)
                r = meta_get(v, "import_time", &v->import_time, err);
        if (r >= 0)
                r = meta_get(v, "data_time", &v->data_time, err);
        if (r >= 0)
                r = meta_get(v, VULNDB_UPPER_META, &upper, err);
        if (r < 0)
                return error_wrap(err, "%s", path);
        /* Read with pread into a small page cache (VULNDB_CACHE_PAGES,
         * its buffers reused), not through a map: a match reads a few
         * hundred pages, most of them once and far apart (the records of
         * its hits, by rowid), and through a map each cost a page fault
         * that also maps the 15 pages around it, 30 us a record on the
         * bench VM where a read into a reused buffer costs 5 (the 200,000
         * record DB's match of a minbase image: its records 7.3 -> 1.3 ms,
         * 250 page faults fewer).  The B-trees' inner pages, read at every
         * lookup, stay cached. */
        (void) sqlite3_exec(v->db, "PRAGMA mmap_size=0; PRAGMA cache_size=" STR(VULNDB_CACHE_PAGES), NULL, NULL, NULL);
        rc = sqlite3_prepare_v3(v->db,
                                "SELECT vuln, seq, ranges, versions FROM affected WHERE ecosystem = ?1 AND package = ?2",
                                -1, SQLITE_PREPARE_PERSISTENT, &v->lookup, NULL);
        /* A package's entries that can hold for a version with key ?3: those
         * whose upper bound is at or above it, and those without one, in
         * the order of the lookup above (which entry of a record is taken
         * first, and so its fixed version, does not change). */
        if (rc == SQLITE_OK && streq_ptr(upper, VULNDB_UPPER_VERSION))
                rc = sqlite3_prepare_v3(v->db,
                                        "SELECT vuln, seq, ranges, versions FROM affected INDEXED BY affected_upper"
                                        "  WHERE ecosystem = ?1 AND package = ?2 AND upper IS NULL"
                                        " UNION ALL "
                                        "SELECT vuln, seq, ranges, versions FROM affected INDEXED BY affected_upper"
                                        "  WHERE ecosystem = ?1 AND package = ?2 AND upper >= ?3"
                                        " ORDER BY 1, 2",
                                        -1, SQLITE_PREPARE_PERSISTENT, &v->lookup_upper, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(v->db,
                                        "SELECT severity, vendor_rating, vendor_source FROM affected"
                                        "  WHERE ecosystem = ?1 AND package = ?2 AND vuln = ?3 AND seq = ?4",
                                        -1, SQLITE_PREPARE_PERSISTENT, &v->rating, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(v->db,
                                        "SELECT 1 FROM affected WHERE ecosystem = ?1 AND package = ?2 AND vuln = ?3"
                                        " LIMIT 1", -1, SQLITE_PREPARE_PERSISTENT, &v->entry, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(v->db,
                                        "SELECT id, aliases, upstream, summary, severity FROM vuln WHERE rowid = ?1",
                                        -1, SQLITE_PREPARE_PERSISTENT, &v->record, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v3(v->db, "SELECT severity, source FROM cve_severity WHERE cve = ?1", -1,
                                        SQLITE_PREPARE_PERSISTENT, &v->cve, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(v->db, rc, path, err);
        r = prepare_exploit(v, atoi(schema), err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

int vulndb_open(const char *path, struct vulndb **ret, struct error *err) {
        return open_db(path, -EBADF, ret, err);
}

int vulndb_open_fd(int fd, const char *path, struct vulndb **ret, struct error *err) {
        assert(fd >= 0);
        return open_db(path, fd, ret, err);
}

/* The KEV / EPSS lookup, only when the file holds any (schema 3 and a
 * count in its meta table): a scan of a DB without them asks nothing. */
static int prepare_exploit(struct vulndb *v, int schema, struct error *err) {
        _cleanup_free_ char *kev = NULL, *epss = NULL;
        int rc, r;

        if (schema < 3)
                return 0;
        if ((r = meta_get(v, "kev_count", &kev, err)) < 0 || (r = meta_get(v, "epss_count", &epss, err)) < 0)
                return error_wrap(err, "%s", v->path);
        v->has_kev = kev && atoll(kev) > 0;
        v->has_epss = epss && atoll(epss) > 0;
        if (!v->has_kev && !v->has_epss)
                return 0;
        rc = sqlite3_prepare_v3(v->db,
                                "SELECT (SELECT 1 FROM kev WHERE cve = ?1), e.epss, e.percentile"
                                " FROM (SELECT 1) LEFT JOIN epss e ON e.cve = ?1",
                                -1, SQLITE_PREPARE_PERSISTENT, &v->exploit, NULL);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(v->db, rc, v->path, err);
}

bool vulndb_has_exploit_data(struct vulndb *v) {
        return v->exploit != NULL;
}

bool vulndb_has_kev(struct vulndb *v) {
        return v->exploit && v->has_kev;
}

bool vulndb_has_epss(struct vulndb *v) {
        return v->exploit && v->has_epss;
}

int vulndb_exploit(struct vulndb *v, const char *cve, struct vulndb_exploit *ret, struct error *err) {
        int rc, r = -ENOENT;

        if (!v->exploit)
                return -ENOENT;
        sqlite3_bind_text(v->exploit, 1, cve, -1, SQLITE_STATIC);
        rc = sqlite3_step(v->exploit);
        if (rc == SQLITE_ROW) {
                bool scored = sqlite3_column_type(v->exploit, 1) != SQLITE_NULL;
                struct vulndb_exploit x = {
                        .kev = sqlite3_column_type(v->exploit, 0) != SQLITE_NULL,
                        .epss = scored ? sqlite3_column_double(v->exploit, 1) : -1,
                        .percentile = scored ? sqlite3_column_double(v->exploit, 2) : -1,
                };

                if (x.kev || scored) {
                        *ret = x;
                        r = 0;
                }
        } else if (rc != SQLITE_DONE)
                r = vulndb_sqlite_error(v->db, rc, "read KEV / EPSS data", err);
        sqlite3_reset(v->exploit);
        sqlite3_clear_bindings(v->exploit);
        return r;
}

const char *vulndb_revision(struct vulndb *v) {
        return v->revision;
}

const char *vulndb_path(struct vulndb *v) {
        return v->path;
}

const char *vulndb_import_time(struct vulndb *v) {
        return v->import_time;
}

const char *vulndb_data_time(struct vulndb *v) {
        return v->data_time;
}

static const char *col(sqlite3_stmt *st, int i) {
        return (const char *) sqlite3_column_text(st, i);
}

int vulndb_lookup(struct vulndb *v, const char *ecosystem, const char *package, const char *key,
                  vulndb_affected_fn fn, void *userdata, struct error *err) {
        sqlite3_stmt *st = key && v->lookup_upper ? v->lookup_upper : v->lookup;
        int rc, r = 0;

        sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, package, -1, SQLITE_STATIC);
        if (st == v->lookup_upper)
                sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct vulndb_affected a = {
                        .record = sqlite3_column_int64(st, 0),
                        .seq = sqlite3_column_int64(st, 1),
                        .ranges = col(st, 2),
                        .versions = col(st, 3),
                };

                /* The strings are valid until the next step: fn copies. */
                r = fn(&a, userdata, err);
                if (r < 0)
                        break;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = vulndb_sqlite_error(v->db, rc, "look up affected packages", err);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r;
}

static int dup_column(sqlite3_stmt *st, int i, char **ret) {
        const char *s = col(st, i);

        *ret = s ? strdup(s) : NULL;
        return s && !*ret ? -ENOMEM : 0;
}

int vulndb_affected_rating(struct vulndb *v, const char *ecosystem, const char *package,
                           const struct vulndb_affected *a, char **ret_severity, char **ret_vendor_rating,
                           char **ret_vendor_source, struct error *err) {
        int rc, r = 0;

        *ret_severity = *ret_vendor_rating = *ret_vendor_source = NULL;
        sqlite3_bind_text(v->rating, 1, ecosystem, -1, SQLITE_STATIC);
        sqlite3_bind_text(v->rating, 2, package, -1, SQLITE_STATIC);
        sqlite3_bind_int64(v->rating, 3, a->record);
        sqlite3_bind_int64(v->rating, 4, a->seq);
        rc = sqlite3_step(v->rating);
        if (rc == SQLITE_ROW && ((r = dup_column(v->rating, 0, ret_severity)) < 0 ||
                                 (r = dup_column(v->rating, 1, ret_vendor_rating)) < 0 ||
                                 (r = dup_column(v->rating, 2, ret_vendor_source)) < 0))
                r = error_set(err, ENOMEM, "out of memory");
        else if (rc != SQLITE_ROW)
                r = rc == SQLITE_DONE ? error_set(err, ENOENT, "%s: affected entry %lld/%lld is missing; re-import "
                                                  "the database", v->path, (long long) a->record, (long long) a->seq)
                                      : vulndb_sqlite_error(v->db, rc, "read an affected entry's rating", err);
        sqlite3_reset(v->rating);
        sqlite3_clear_bindings(v->rating);
        if (r < 0) {
                free(*ret_severity);
                free(*ret_vendor_rating);
                free(*ret_vendor_source);
                *ret_severity = *ret_vendor_rating = *ret_vendor_source = NULL;
        }
        return r;
}

int vulndb_has_entry(struct vulndb *v, const char *ecosystem, const char *package, int64_t record,
                     struct error *err) {
        int rc;

        sqlite3_bind_text(v->entry, 1, ecosystem, -1, SQLITE_STATIC);
        sqlite3_bind_text(v->entry, 2, package, -1, SQLITE_STATIC);
        sqlite3_bind_int64(v->entry, 3, record);
        rc = sqlite3_step(v->entry);
        sqlite3_reset(v->entry);
        sqlite3_clear_bindings(v->entry);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                return rc == SQLITE_ROW;
        return vulndb_sqlite_error(v->db, rc, "look up an affected entry", err);
}

int vulndb_has_ecosystem(struct vulndb *v, const char *ecosystem, struct error *err) {
        sqlite3_stmt *st = NULL;
        int rc;

        /* The primary key starts with the ecosystem: one index probe. */
        rc = sqlite3_prepare_v2(v->db, "SELECT 1 FROM affected WHERE ecosystem = ? LIMIT 1", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(v->db, rc, v->path, err);
        sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_ROW)
                return 1;
        return rc == SQLITE_DONE ? 0 : vulndb_sqlite_error(v->db, rc, "look up an ecosystem", err);
}

/* The primary key starts with the ecosystem: each step is the next name
 * above the last one found and below the prefix's end (its last byte
 * one up), one index probe, however many entries an ecosystem has. */
int vulndb_ecosystems_prefixed(struct vulndb *v, const char *prefix, char ***ret, struct error *err) {
        _cleanup_strv_free_ char **found = NULL;
        _cleanup_free_ char *end = strdup(prefix);
        sqlite3_stmt *st = NULL;
        size_t n = strlen(prefix);
        int rc, r = 0;

        *ret = NULL;
        if (!end)
                return error_set(err, ENOMEM, "out of memory");
        if (n == 0 || (unsigned char) prefix[n - 1] == 0xff)
                return error_set(err, EINVAL, "ecosystem prefix '%s' can't bound a range", prefix);
        end[n - 1]++;
        rc = sqlite3_prepare_v2(v->db, "SELECT ecosystem FROM affected WHERE ecosystem > ?1 AND ecosystem < ?2 "
                                "ORDER BY ecosystem LIMIT 1", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return vulndb_sqlite_error(v->db, rc, v->path, err);
        sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                char *name = strdup((const char *) sqlite3_column_text(st, 0));

                if (!name || strv_push(&found, name) < 0) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                sqlite3_reset(st);
                sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = vulndb_sqlite_error(v->db, rc, "list ecosystems", err);
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        r = (int) strv_length(found);
        *ret = TAKE_PTR(found);
        return r;
}

int vulndb_get_record(struct vulndb *v, int64_t record, struct vulndb_record *ret, struct error *err) {
        int rc;

        sqlite3_reset(v->record);
        sqlite3_bind_int64(v->record, 1, record);
        rc = sqlite3_step(v->record);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? error_set(err, ENOENT, "%s: record %lld is missing; re-import the database",
                                                     v->path, (long long) record)
                                         : vulndb_sqlite_error(v->db, rc, "read record", err);
        *ret = (struct vulndb_record) {
                .id = col(v->record, 0),
                .aliases = col(v->record, 1),
                .upstream = col(v->record, 2),
                .summary = col(v->record, 3),
                .severity = col(v->record, 4),
        };
        return 0;
}

int vulndb_cve_severity(struct vulndb *v, const char *cve, char **ret_severity, char **ret_source,
                        struct error *err) {
        int rc, r = -ENOENT;

        sqlite3_reset(v->cve);
        sqlite3_bind_text(v->cve, 1, cve, -1, SQLITE_STATIC);
        rc = sqlite3_step(v->cve);
        if (rc == SQLITE_ROW) {
                *ret_severity = strdup(col(v->cve, 0));
                *ret_source = strdup(col(v->cve, 1));
                r = *ret_severity && *ret_source ? 0 : -ENOMEM;
        } else if (rc != SQLITE_DONE)
                r = vulndb_sqlite_error(v->db, rc, "read a CVE severity", err);
        sqlite3_reset(v->cve);
        return r;
}

static int status_ecosystems(struct vulndb *v, struct vulndb_status *s, struct error *err) {
        _cleanup_free_ char *text = NULL;
        json_t *j, *val;
        const char *key;
        int r;

        r = meta_get(v, "ecosystems", &text, err);
        if (r < 0 || !text)
                return r;
        j = json_loads(text, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return error_set(err, EBADMSG, "%s: meta 'ecosystems' is not a JSON object; re-import the "
                                 "database", v->path);
        }
        s->ecosystems = calloc(json_object_size(j), sizeof(*s->ecosystems));
        if (!s->ecosystems && json_object_size(j) > 0) {
                json_decref(j);
                return error_set(err, ENOMEM, "%s: out of memory", v->path);
        }
        json_object_foreach(j, key, val) {
                struct vulndb_ecosystem_count *e = &s->ecosystems[s->n_ecosystems];

                if (!json_is_integer(val) || json_integer_value(val) < 0) {
                        json_decref(j);
                        return error_set(err, EBADMSG, "%s: meta 'ecosystems': the count of %s is not a "
                                         "number; re-import the database", v->path, key);
                }
                if (!(e->name = strdup(key))) {
                        json_decref(j);
                        return error_set(err, ENOMEM, "%s: out of memory", v->path);
                }
                e->records = (uint64_t) json_integer_value(val);
                s->n_ecosystems++;
        }
        json_decref(j);
        if (s->n_ecosystems == 0) {
                free(s->ecosystems);
                s->ecosystems = NULL;
        }
        return 0;
}

/* pc_vendor_rated(source, rating): 1 when the vendor's word gives a severity. */
static void sql_vendor_rated(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
        const char *source = (const char *) sqlite3_value_text(argv[0]);
        const char *rating = argc > 1 ? (const char *) sqlite3_value_text(argv[1]) : NULL;

        sqlite3_result_int(ctx, severity_from_vendor(source, rating) != SEVERITY_UNKNOWN);
}

/* Records (not withdrawn) that no step of the severity chain rates: no CVSS
 * of their own or of an affected entry, no vendor rating that means a
 * severity, no CVE score for their id, aliases or upstream ids.  Their
 * findings will be UNKNOWN. */
static int count_unrated(struct vulndb *v, uint64_t *ret, struct error *err) {
        static const char sql[] =
                "SELECT COUNT(*) FROM vuln v WHERE v.withdrawn IS NULL"
                " AND (v.severity IS NULL OR instr(v.severity, '\"CVSS_') = 0)"
                " AND v.rowid NOT IN (SELECT vuln FROM affected WHERE instr(severity, '\"CVSS_') > 0"
                "                     OR pc_vendor_rated(vendor_source, vendor_rating))"
                " AND NOT EXISTS (SELECT 1 FROM cve_severity c WHERE c.cve = v.id)"
                " AND NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(v.aliases) THEN v.aliases ELSE '[]' END) j"
                "                 JOIN cve_severity c ON c.cve = j.value)"
                " AND NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(v.upstream) THEN v.upstream ELSE '[]' END) j"
                "                 JOIN cve_severity c ON c.cve = j.value)";
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_create_function(v->db, "pc_vendor_rated", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     sql_vendor_rated, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(v->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                *ret = (uint64_t) sqlite3_column_int64(st, 0);
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        return rc == SQLITE_OK ? 0 : vulndb_sqlite_error(v->db, rc, "count records without a severity", err);
}

int vulndb_get_status(struct vulndb *v, struct vulndb_status *ret, struct error *err) {
        _cleanup_free_ char *schema = NULL, *records = NULL, *affected = NULL, *cves = NULL, *kev = NULL,
                            *epss = NULL;
        struct vulndb_status s = {};
        int r;

        if ((r = meta_get(v, "schema_version", &schema, err)) < 0 ||
            (r = meta_get(v, "import_time", &s.import_time, err)) < 0 ||
            (r = meta_get(v, "data_time", &s.data_time, err)) < 0 ||
            (r = meta_get(v, "records", &records, err)) < 0 ||
            (r = meta_get(v, "affected", &affected, err)) < 0 ||
            (r = meta_get(v, "cve_severities", &cves, err)) < 0 ||
            (r = meta_get(v, "kev_count", &kev, err)) < 0 ||
            (r = meta_get(v, "kev_catalog_version", &s.kev_catalog_version, err)) < 0 ||
            (r = meta_get(v, "kev_date_released", &s.kev_date_released, err)) < 0 ||
            (r = meta_get(v, "epss_count", &epss, err)) < 0 ||
            (r = meta_get(v, "epss_score_date", &s.epss_score_date, err)) < 0 ||
            (r = meta_get(v, "epss_model_version", &s.epss_model_version, err)) < 0 ||
            (r = status_ecosystems(v, &s, err)) < 0 ||
            (r = count_unrated(v, &s.unrated, err)) < 0) {
                vulndb_status_done(&s);
                return r;
        }
        s.schema_version = schema ? atoi(schema) : 0;
        s.revision = v->revision ? strdup(v->revision) : NULL;
        s.records = records ? strtoull(records, NULL, 10) : 0;
        s.affected = affected ? strtoull(affected, NULL, 10) : 0;
        s.cve_severities = cves ? strtoull(cves, NULL, 10) : 0;
        s.kev = kev ? strtoull(kev, NULL, 10) : 0;
        s.epss = epss ? strtoull(epss, NULL, 10) : 0;
        *ret = s;
        return 0;
}

void vulndb_status_done(struct vulndb_status *s) {
        free(s->revision);
        free(s->import_time);
        free(s->data_time);
        free(s->kev_catalog_version);
        free(s->kev_date_released);
        free(s->epss_score_date);
        free(s->epss_model_version);
        for (size_t i = 0; i < s->n_ecosystems; i++)
                free(s->ecosystems[i].name);
        free(s->ecosystems);
        *s = (struct vulndb_status) {};
}
