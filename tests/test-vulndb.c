/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/strutil.h"
#include "osv-range.h"
#include "test.h"
#include "version.h"
#include "vulndb-internal.h"

struct skips {
        int n;
        char last[4096];
        int kept;               /* parts left out of records that were kept */
        char last_kept[4096];
};

static void on_skip(const char *file, const char *reason, bool kept, void *userdata) {
        struct skips *s = userdata;

        if (kept) {
                s->kept++;
                snprintf(s->last_kept, sizeof(s->last_kept), "%s: %s", file, reason);
                fprintf(stderr, "  (expected) kept %s\n", s->last_kept);
                return;
        }
        s->n++;
        snprintf(s->last, sizeof(s->last), "%s: %s", file, reason);
        fprintf(stderr, "  (expected) skipped %s\n", s->last);
}

static int import1(const char *db, const char *path, bool merge, struct skips *s, struct vulndb_import_stats *st,
                   struct error *err) {
        char *paths[] = { (char *) path, NULL };

        return vulndb_import(db, paths, merge, on_skip, s, st, err);
}

static char *revision_of(const char *db) {
        struct vulndb *v = NULL;
        struct error err = {};
        char *rev = NULL;

        if (vulndb_open(db, &v, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return NULL;
        }
        rev = strdup(vulndb_revision(v));
        vulndb_close(v);
        return rev;
}

static int count_cb(const struct vulndb_affected *a, void *userdata, struct error *err) {
        (*(int *) userdata)++;
        return 0;
}

/* A fresh import digests its records for the revision as it stores them
 * while their ids ascend; else (an id again, a descending one) and in a
 * merge the revision is read back from the records.  The same records give
 * the same revision either way (rev: the feed's, imported in id order). */
static void test_revision_either_way(const char *dir, const char *rev) {
        const char *db = test_path(test_tmpdir(), "feed-again.sqlite");
        const char *db2 = test_path(test_tmpdir(), "feed-merged.sqlite");
        char *last = (char *) test_path(dir, "DEBIAN-GHSA-r9hj-j2rw-4q3m.json");
        char *paths[] = { last, (char *) dir, NULL };
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        _cleanup_free_ char *again = NULL, *merged = NULL;

        CHECK(access(last, F_OK) == 0);
        CHECK_MSG(vulndb_import(db, paths, 0, on_skip, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(st.records == 1272 && st.duplicates == 1);
        again = revision_of(db);
        CHECK_STREQ(again, rev);
        CHECK_MSG(vulndb_import(db2, paths + 1, VULNDB_IMPORT_MERGE, on_skip, &s, &st, &err) == 0, "%s", err.msg);
        merged = revision_of(db2);
        CHECK_STREQ(merged, rev);
}

/* The real Debian 12 feed: 1,272 records, as a zip and as loose files give
 * the same revision. */
static void test_debian_feed(void) {
        const char *zip = test_path(test_shared_data(), "vulndb/debian12-changelogs/feed.zip");
        const char *db = test_path(test_tmpdir(), "feed.sqlite");
        const char *dir = test_path(test_tmpdir(), "feed-dir");
        const char *db2 = test_path(test_tmpdir(), "feed2.sqlite");
        struct vulndb_import_stats st = {};
        struct vulndb_status status = {};
        struct vulndb *v = NULL;
        struct skips s = {};
        struct error err = {};
        _cleanup_free_ char *rev1 = NULL, *rev2 = NULL;
        char cmd[8192];
        int n = 0;

        CHECK_MSG(import1(db, zip, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(st.records == 1272);
        CHECK(s.n == 0);
        CHECK(vulndb_open(db, &v, &err) == 0);
        if (!v)
                return;
        CHECK(vulndb_get_status(v, &status, &err) == 0);
        CHECK(status.records == 1272);
        CHECK(status.schema_version == VULNDB_SCHEMA_PLAIN);
        CHECK(status.n_ecosystems == 1 && strcmp(status.ecosystems[0].name, "Debian:12") == 0 &&
              status.ecosystems[0].records == 1272);
        CHECK(startswith(strempty(status.revision), "sha256:"));
        vulndb_status_done(&status);
        CHECK(vulndb_lookup(v, "Debian:12", "sudo", NULL, count_cb, &n, &err) == 0);
        CHECK(n > 0);
        n = 0;
        CHECK(vulndb_lookup(v, "Debian:11", "sudo", NULL, count_cb, &n, &err) == 0);
        CHECK(n == 0);
        vulndb_close(v);

        snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && unzip -q -d '%s' '%s'", dir, dir, zip);
        CHECK(system(cmd) == 0);
        CHECK_MSG(import1(db2, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        rev1 = revision_of(db);
        rev2 = revision_of(db2);
        CHECK_STREQ(rev1, rev2);
        test_revision_either_way(dir, rev1);
}

/* Read through an fd opened beforehand (the analysis child's way, after
 * its chroot), under a name that does not exist: nothing is looked up by
 * name; the same revision and records; the fd is closed with it, and on
 * failure, whose message names the given name.  The VFS opens nothing
 * without an fd. */
static void test_open_fd(void) {
        const char *db = test_path(test_tmpdir(), "feed.sqlite");
        const char *notdb = test_path(test_tmpdir(), "notdb-fd.sqlite");
        const char *fifo = test_path(test_tmpdir(), "fifo.sqlite");
        _cleanup_free_ char *rev = revision_of(db);
        struct vulndb *v = NULL;
        struct error err = {};
        sqlite3 *sq = NULL;
        char uri[4200];
        int fd, n = 0;

        fd = open(db, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_MSG(vulndb_open_fd(fd, "/nonexistent/by-fd.sqlite", &v, &err) == 0, "%s", err.msg);
        if (!v)
                return;
        CHECK_STREQ(vulndb_revision(v), rev);
        CHECK(vulndb_lookup(v, "Debian:12", "sudo", NULL, count_cb, &n, &err) == 0);
        CHECK(n > 0);
        vulndb_close(v);
        CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);

        fd = open(test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(vulndb_open_fd(fd, "/given/name", &v, &err) == -EISDIR);
        CHECK(strstr(err.msg, "/given/name is a folder") != NULL);
        CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);

        /* a FIFO: refused at once, not read (which would wait for a writer) */
        CHECK(mkfifo(fifo, 0600) == 0);
        CHECK(vulndb_open(fifo, &v, &err) == -EINVAL);
        CHECK(strstr(err.msg, "is not a regular file") != NULL);
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        CHECK(vulndb_open_fd(fd, fifo, &v, &err) == -EINVAL);
        CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);

        test_write_file(notdb, "this is not a database, it is a text file of some length......................\n");
        fd = open(notdb, O_RDONLY | O_CLOEXEC);
        CHECK(vulndb_open_fd(fd, "/given/name", &v, &err) < 0);
        CHECK(strstr(err.msg, "/given/name is not a portcullis vulnerability database") != NULL);
        CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);

        /* by name alone: refused */
        snprintf(uri, sizeof(uri), "file:%s", db);
        CHECK(sqlite3_open_v2(uri, &sq, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, "portcullis-fd") == SQLITE_CANTOPEN);
        sqlite3_close(sq);

        /* through an fd, loading an extension fails as it would elsewhere
         * (the default VFS's dlopen), it does not crash */
        fd = open(db, O_RDONLY | O_CLOEXEC);
        snprintf(uri, sizeof(uri), "file:%s?immutable=1&portcullis_fd=%d", db, fd);
        sq = NULL;
        CHECK(sqlite3_open_v2(uri, &sq, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, "portcullis-fd") == SQLITE_OK);
        CHECK(sqlite3_exec(sq, "SELECT count(*) FROM vuln", NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_enable_load_extension(sq, 1) == SQLITE_OK);
        CHECK(sqlite3_load_extension(sq, "/nonexistent/ext.so", NULL, NULL) == SQLITE_ERROR);
        sqlite3_close(sq);
        close(fd);
}

static uint64_t records_of(const char *db) {
        struct vulndb_status status = {};
        struct vulndb *v = NULL;
        struct error err = {};
        uint64_t n = UINT64_MAX;

        if (vulndb_open(db, &v, &err) == 0 && vulndb_get_status(v, &status, &err) == 0)
                n = status.records;
        vulndb_status_done(&status);
        vulndb_close(v);
        return n;
}

/* The first n records of the real feed (unzipped by test_debian_feed())
 * in a folder of their own, as hard links. */
static const char *feed_part(const char *name, size_t n) {
        char from[4096], to[4096], a[4500], b[4500];
        struct dirent **list = NULL;
        size_t linked = 0;
        int k;

        /* test_path()'s ring would wrap over 1,272 names: own buffers. */
        snprintf(from, sizeof(from), "%s/feed-dir", test_tmpdir());
        snprintf(to, sizeof(to), "%s/%s", test_tmpdir(), name);
        k = scandir(from, &list, NULL, alphasort);
        CHECK(mkdir(to, 0700) == 0);
        for (int i = 0; i < k; i++) {
                snprintf(a, sizeof(a), "%s/%s", from, list[i]->d_name);
                snprintf(b, sizeof(b), "%s/%s", to, list[i]->d_name);
                if (list[i]->d_name[0] != '.' && linked < n && link(a, b) == 0)
                        linked++;
                free(list[i]);
        }
        free(list);
        CHECK(linked == n);
        return test_path(to, ".");
}

/* No temporary "<db>.new-*" left beside db. */
static bool no_leftovers(const char *db) {
        char cmd[4200];

        snprintf(cmd, sizeof(cmd), "ls '%s'.new-* >/dev/null 2>&1", db);
        return system(cmd) != 0;
}

/* Issue 10, 1: an import that yields no record, or fewer than half of the
 * records of the database it replaces (in total or in one of its
 * ecosystems), leaves that database as it was unless ALLOW_SHRINK; the
 * skipped files are still reported. */
static void test_shrink_guard(void) {
        const char *zip = test_path(test_shared_data(), "vulndb/debian12-changelogs/feed.zip");
        const char *db = test_path(test_tmpdir(), "shrink.sqlite"), *dir = test_path(test_tmpdir(), "shrink");
        const char *notosv = test_path(dir, "config.json"), *leave = test_path(test_tmpdir(), "leave.sqlite");
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        _cleanup_free_ char *rev = NULL, *rev2 = NULL;

        test_write_file(notosv, "{\"db\": \"/var/lib/portcullis/vulndb.sqlite\", \"cache\": \"/tmp/x\"}\n");
        CHECK_MSG(import1(db, zip, false, &s, &st, &err) == 0, "%s", err.msg);
        rev = revision_of(db);

        /* Nothing valid: refused, the skip reported, the DB the same. */
        CHECK(import1(db, notosv, false, &s, &st, &err) == -ENODATA);
        CHECK(s.n == 1 && strstr(s.last, "config.json") && st.skipped == 1 && st.records == 0);
        CHECK_MSG(strstr(err.msg, "no valid record") && strstr(err.msg, db) && strstr(err.msg, "1272 records") &&
                  strstr(err.msg, "--allow-shrink"), "%s", err.msg);
        rev2 = revision_of(db);
        CHECK_STREQ(rev, rev2);
        CHECK(records_of(db) == 1272 && no_leftovers(db));

        /* Half of 1,272 is the floor: 635 records are refused, 636 not. */
        CHECK(import1(db, feed_part("shrink-635", 635), false, &s, &st, &err) == -ENODATA);
        CHECK_MSG(strstr(err.msg, "yields 635 records where") && strstr(err.msg, "Debian:12: 635 of 1272") &&
                  strstr(err.msg, "fewer than half"), "%s", err.msg);
        CHECK(records_of(db) == 1272 && no_leftovers(db));
        CHECK_MSG(import1(db, feed_part("shrink-636", 636), false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(records_of(db) == 636);

        /* Per ecosystem: another ecosystem's records vanishing is refused
         * even when the total holds. */
        test_write_file(test_path(dir, "alpine/a.json"),
                        "{\"id\":\"ALPINE-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
                        "{\"ecosystem\":\"Alpine:v3.19\",\"name\":\"musl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
                        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.4-r3\"}]}]}]}");
        CHECK_MSG(import1(db, test_path(dir, "alpine"), true, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(records_of(db) == 637);
        CHECK(import1(db, zip, false, &s, &st, &err) == -ENODATA);
        CHECK_MSG(strstr(err.msg, "Alpine:v3.19: 0 of 1") && !strstr(err.msg, "Debian:12:"), "%s", err.msg);
        CHECK(records_of(db) == 637);

        /* A merge keeps what is there, so it never shrinks; with
         * ALLOW_SHRINK the user's word replaces anything, even with nothing. */
        CHECK(import1(db, notosv, true, &s, &st, &err) == 0 && records_of(db) == 637);
        CHECK_MSG(vulndb_import(db, (char *[]) { (char *) zip, NULL }, VULNDB_IMPORT_ALLOW_SHRINK, on_skip, &s, &st,
                                &err) == 0, "%s", err.msg);
        CHECK(records_of(db) == 1272);
        CHECK(vulndb_import(db, (char *[]) { (char *) notosv, NULL }, VULNDB_IMPORT_ALLOW_SHRINK, on_skip, &s, &st,
                            &err) == 0);
        CHECK(records_of(db) == 0);

        /* An ecosystem the caller drops on purpose (db update, when the
         * config no longer names it): not missed, in itself or in the total;
         * the ecosystems that stay are held to the guard as before. */
        CHECK_MSG(import1(leave, zip, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK_MSG(import1(leave, test_path(dir, "alpine"), true, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(records_of(leave) == 1273);
        CHECK(vulndb_import_dated(leave, (char *[]) { (char *) feed_part("shrink-600", 600), NULL }, 0, NULL,
                                  (char *[]) { "Alpine:v3.19", NULL }, on_skip, &s, &st, &err) == -ENODATA);
        CHECK_MSG(strstr(err.msg, "yields 600 records where") &&
                  strstr(err.msg, "holds 1272 in the ecosystems that stay (Debian:12: 600 of 1272)") &&
                  !strstr(err.msg, "Alpine"), "%s", err.msg);
        CHECK(records_of(leave) == 1273);
        CHECK(import1(leave, zip, false, &s, &st, &err) == -ENODATA);     /* not dropped: missed */
        CHECK_MSG(vulndb_import_dated(leave, (char *[]) { (char *) zip, NULL }, 0, NULL,
                                      (char *[]) { "Alpine:v3.19", NULL }, on_skip, &s, &st, &err) == 0, "%s",
                  err.msg);
        CHECK(records_of(leave) == 1272);

        /* No database yet: an import of nothing is refused as well (an empty
         * DB would pass every image), and none is created. */
        CHECK(import1(test_path(dir, "new.sqlite"), notosv, false, &s, &st, &err) == -ENODATA);
        CHECK(access(test_path(dir, "new.sqlite"), F_OK) < 0);
}

static void write_zip(const char *path, const char *const *names, const char *const *bodies, size_t n) {
        struct archive *a = archive_write_new();

        archive_write_set_format_zip(a);
        archive_write_open_filename(a, path);
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *e = archive_entry_new();

                archive_entry_set_pathname(e, names[i]);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, 0644);
                archive_entry_set_size(e, (la_int64_t) strlen(bodies[i]));
                archive_write_header(a, e);
                archive_write_data(a, bodies[i], strlen(bodies[i]));
                archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
}

#define REC(id, mod, fixed)                                                                              \
        "{\"id\":\"" id "\",\"modified\":\"" mod "\",\"aliases\":[\"CVE-1\"],\"affected\":[{\"package\":" \
        "{\"ecosystem\":\"Debian:12\",\"name\":\"pkg\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"  \
        "[{\"introduced\":\"0\"},{\"fixed\":\"" fixed "\"}]}]}]}"

/* Hostile and broken records: a record that can't be keyed (id, modified)
 * is skipped with its file named and the field at fault; one with a bad part
 * only is kept without that part, which is said the same way (kept); the
 * good ones import; path tricks in a zip write nothing. */
static void test_bad_records(void) {
        const char *dir = test_path(test_tmpdir(), "bad");
        const char *db = test_path(test_tmpdir(), "bad.sqlite");
        static const struct {
                const char *file, *body, *reason;
                bool kept;
        } rows[] = {
                { "a-good.json", REC("GOOD-1", "2024-01-01T00:00:00Z", "1.0-1"), NULL },
                { "b-notjson.json", "{\"id\": ", "not valid JSON" },
                { "c-noid.json", "{\"modified\":\"2024-01-01T00:00:00Z\"}", "'id'" },
                { "d-nomod.json", "{\"id\":\"X-1\"}", "'modified'" },
                { "e-badtime.json", "{\"id\":\"X-2\",\"modified\":\"yesterday\"}", "'modified'" },
                { "f-twoevents.json",
                  "{\"id\":\"X-3\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{\"ecosystem\":"
                  "\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
                  "\"0\",\"fixed\":\"1\"}]}]}]}", "record X-3: affected[0].ranges[0].events[0]", true },
                { "g-dupkey.json", "{\"id\":\"X-4\",\"id\":\"X-5\",\"modified\":\"2024-01-01T00:00:00Z\"}", "duplicate" },
                { "h-array.json", "[]", NULL },
                { "i-aliases.json", "{\"id\":\"X-6\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[1]}",
                  "record X-6: aliases[0] must be a string without control characters; left out", true },
                { "j-pkg.json", "{\"id\":\"X-7\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
                  "{\"name\":\"p\"}}]}", "record X-7: affected[0].package", true },
                /* ids and versions that would reach a terminal's escapes (ESC, U+009B: CSI) */
                { "k-id-esc.json", REC("X-8\\u001b]0;x\\u0007\\r\\nFORGED", "2024-01-01T00:00:00Z", "1"), "'id'" },
                { "l-id-c1.json", REC("X-9\\u009b31m", "2024-01-01T00:00:00Z", "1"), "'id'" },
                { "m-fixed-del.json", REC("X-10", "2024-01-01T00:00:00Z", "1\\u007f"),
                  "record X-10: affected[0].ranges[0].events[1].fixed", true },
                { "n-alias-esc.json", "{\"id\":\"X-11\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-1\","
                  "\"CVE-2\\u001b[2J\"]}", "record X-11: aliases[1]", true },
                { "o-summary.json", "{\"id\":\"X-12\",\"modified\":\"2024-01-01T00:00:00Z\",\"summary\":[]}",
                  "record X-12: field 'summary' must be a string", true },
                { "p-severity.json", "{\"id\":\"X-13\",\"modified\":\"2024-01-01T00:00:00Z\",\"severity\":[{}]}",
                  "record X-13: severity[0] needs string 'type' and 'score'", true },
                { "q-versions.json", "{\"id\":\"X-14\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
                  "{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},\"versions\":[\"1\",\"2\\u0001\"]}]}",
                  "record X-14: affected[0].versions[1]", true },
                { "r-ranges.json", "{\"id\":\"X-15\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":"
                  "{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},\"ranges\":{}}]}",
                  "record X-15: affected[0].ranges must be an array", true },
                /* U+0000: a control character in its string, not a document that is not JSON (a C
                 * string ends there: "1\u0000junk" must not be read as "1") */
                { "s-alias-nul.json", "{\"id\":\"X-16\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
                  "[\"CVE-1\\u0000x\"]}", "record X-16: aliases[0]", true },
                { "t-fixed-nul.json", REC("X-17", "2024-01-01T00:00:00Z", "1\\u0000junk"),
                  "record X-17: affected[0].ranges[0].events[1].fixed", true },
                { "u-id-nul.json", REC("X-18\\u0000", "2024-01-01T00:00:00Z", "1"), "'id'" },
        };
        const char *znames[] = { "../../../../tmp/escape.json", "/abs/GOOD-2.json", "dir/README.txt" };
        const char *zbodies[] = { REC("GOOD-3", "2024-01-01T00:00:00Z", "2"), REC("GOOD-2", "2024-01-01T00:00:00Z", "2"),
                                  "not json, not .json" };
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        struct stat sb;

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                test_write_file(test_path(dir, rows[i].file), rows[i].body);
        write_zip(test_path(dir, "z.zip"), znames, zbodies, 3);
        (void) unlink("/tmp/escape.json");

        CHECK_MSG(import1(db, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK_MSG(st.records == 14 && st.repaired == 11 && st.skipped == 8, "%" PRIu64 " records, %" PRIu64
                  " repaired, %" PRIu64 " skipped", st.records, st.repaired, st.skipped);
        CHECK_MSG(s.n == 8 && s.kept == 11, "%d skipped, %d kept", s.n, s.kept);
        CHECK(stat("/tmp/escape.json", &sb) < 0);
        /* Each reason names the file and the field: re-run one at a time. */
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct skips one = {};
                const char *one_db = test_path(test_tmpdir(), "one.sqlite");

                if (!rows[i].reason)
                        continue;
                (void) unlink(one_db);
                /* A file of nothing but a bad record yields no record: the
                 * shrink guard refuses it, after the skip is reported. */
                CHECK(import1(one_db, test_path(dir, rows[i].file), false, &one, &st, &err) ==
                      (rows[i].kept ? 0 : -ENODATA));
                if (rows[i].kept)
                        CHECK_MSG(one.n == 0 && one.kept == 1 && st.repaired == 1 && st.records == 1 &&
                                  strstr(one.last_kept, rows[i].file) && strstr(one.last_kept, rows[i].reason),
                                  "%s: got '%s' (%d skipped)", rows[i].file, one.last_kept, one.n);
                else
                        CHECK_MSG(one.n == 1 && strstr(one.last, rows[i].file) && strstr(one.last, rows[i].reason),
                                  "%s: got '%s'", rows[i].file, one.last);
        }
}

static int eval_cb(const struct vulndb_affected *a, void *userdata, struct error *err) {
        struct error *e = userdata;
        bool affected = false;
        char *fixed = NULL;

        if (osv_affected_eval(VERSION_DPKG, "0.5-1", a->ranges, a->versions, &affected, &fixed, e) == 0)
                (void) error_set(e, 0, "%s", affected ? "affected" : "not affected");
        free(fixed);
        return 0;
}

/* What a kept record holds: a bad alias is gone and the good one stays; an
 * entry whose range or versions list could not be read is not "not
 * affected" (as if the range were absent) but an error that names the
 * field, which the matcher makes "not checked" (record_error). */
static void test_kept_parts(void) {
        const char *dir = test_path(test_tmpdir(), "kept");
        const char *db = test_path(test_tmpdir(), "kept.sqlite");
        static const struct {
                const char *package, *body, *want;
        } rows[] = {
                { "good", "{\"ecosystem\":\"Debian:12\",\"name\":\"good\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
                  "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0-1\"}]}]", "affected" },
                { "event", "{\"ecosystem\":\"Debian:12\",\"name\":\"event\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
                  "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0\\u0007\"}]}]",
                  "damaged: affected[1].ranges[0].events[1].fixed must be a non-empty string" },
                { "second", "{\"ecosystem\":\"Debian:12\",\"name\":\"second\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
                  "\"events\":[{\"introduced\":\"2.0\"},{\"fixed\":\"3.0\"}]},{\"type\":\"ECOSYSTEM\","
                  "\"events\":[]}]", "damaged: affected[2].ranges[1].events must be a non-empty array" },
                { "versions", "{\"ecosystem\":\"Debian:12\",\"name\":\"versions\"},\"versions\":[\"9\",7]",
                  "damaged: affected[3].versions[1] must be a string" },
        };
        _cleanup_(strbuf_done) struct strbuf rec = {};
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct vulndb_import_stats st = {};
        struct vulndb_record r;
        struct skips s = {};
        struct error err = {};

        (void) strbuf_puts(&rec, "{\"id\":\"KEPT-1\",\"modified\":\"2024-01-01T00:00:00Z\","
                           "\"aliases\":[\"CVE-2024-1\",\"CVE-\\u009b2\"],\"affected\":[");
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                (void) strbuf_printf(&rec, "%s{\"package\":%s}", i ? "," : "", rows[i].body);
        (void) strbuf_puts(&rec, "]}");
        test_write_file(test_path(dir, "kept.json"), rec.s);
        CHECK_MSG(import1(db, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK_MSG(st.records == 1 && st.repaired == 1 && st.skipped == 0 && s.kept == 4, "%" PRIu64 " records, %d kept",
                  st.records, s.kept);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        CHECK(vulndb_get_record(v, 1, &r, &err) == 0 && strcmp(r.id, "KEPT-1") == 0 && strcmp(r.aliases, "[\"CVE-2024-1\"]") == 0);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error e = {};

                CHECK(vulndb_lookup(v, "Debian:12", rows[i].package, NULL, eval_cb, &e, &err) == 0);
                CHECK_MSG(strstr(e.msg, rows[i].want), "%s: '%s'", rows[i].package, e.msg);
        }
}

static int ranges_len_cb(const struct vulndb_affected *a, void *userdata, struct error *err) {
        *(size_t *) userdata = a->ranges ? strlen(a->ranges) : 0;
        return 0;
}

/* A record of very many bad parts (a hostile feed, up to the 16 MiB a
 * record may have): kept in linear time and memory.  Removed one by one,
 * 2,000,000 bad aliases took minutes; one unreadable range each, 100,000 bad
 * ranges took 200 MB of markers.  The first 16 parts are said, then one
 * line counts the rest. */
static void test_kept_parts_many(void) {
        const char *dir = test_path(test_tmpdir(), "many");
        const char *db = test_path(test_tmpdir(), "many.sqlite");
        _cleanup_(strbuf_done) struct strbuf rec = {};
        _cleanup_(vulndb_closep) struct vulndb *v = NULL;
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        size_t len = SIZE_MAX;
        long long t0;

        (void) strbuf_puts(&rec, "{\"id\":\"MANY-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-1\"");
        for (int i = 0; i < 2000000; i++)
                (void) strbuf_puts(&rec, ",1");
        (void) strbuf_puts(&rec, "],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
                           "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}");
        for (int i = 0; i < 100000; i++)
                (void) strbuf_puts(&rec, ",{}");
        (void) strbuf_puts(&rec, "]}]}");
        test_write_file(test_path(dir, "many.json"), rec.s);
        t0 = clock_now_ms();
        CHECK_MSG(import1(db, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK_MSG(clock_now_ms() - t0 < 60000, "%lld ms", clock_now_ms() - t0);
        CHECK_MSG(st.records == 1 && st.repaired == 1 && s.kept == 17 && strstr(s.last_kept, "record MANY-1: 2099984 "
                  "more parts failed validation (the first 16 are said)"), "%d kept, last '%s'", s.kept, s.last_kept);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        CHECK(vulndb_lookup(v, "Debian:12", "p", NULL, ranges_len_cb, &len, &err) == 0);
        CHECK_MSG(len < 512, "ranges of %zu bytes", len);        /* the good range and one marker */
}

/* merge: a newer "modified" replaces, an older one is superseded; a failed
 * import leaves the previous database byte for byte. */
static void test_merge_and_failure(void) {
        const char *dir = test_path(test_tmpdir(), "merge");
        const char *db = test_path(test_tmpdir(), "merge.sqlite");
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        _cleanup_free_ char *before = NULL, *after = NULL;
        char *bad[] = { (char *) "/nonexistent/feed", NULL };

        test_write_file(test_path(dir, "v1/r.json"), REC("M-1", "2024-01-01T00:00:00Z", "1.0"));
        test_write_file(test_path(dir, "v2/r.json"), REC("M-1", "2024-06-01T00:00:00Z", "2.0"));
        test_write_file(test_path(dir, "v0/r.json"), REC("M-1", "2023-01-01T00:00:00Z", "0.5"));
        test_write_file(test_path(dir, "other/r.json"), REC("M-2", "2024-01-01T00:00:00Z", "1.0"));

        CHECK(import1(db, test_path(dir, "v1"), false, &s, &st, &err) == 0);
        CHECK(import1(db, test_path(dir, "v2"), true, &s, &st, &err) == 0);
        CHECK(st.records == 1 && st.superseded == 1);   /* the database's copy */
        CHECK(import1(db, test_path(dir, "v0"), true, &s, &st, &err) == 0);
        CHECK(st.records == 0 && st.superseded == 1);
        /* the same copy again is no newer copy; the same 'modified' with
         * other content is a conflict, and the first stays */
        CHECK(import1(db, test_path(dir, "v2"), true, &s, &st, &err) == 0);
        CHECK(st.records == 0 && st.superseded == 0 && st.duplicates == 1 && st.conflicts == 0);
        test_write_file(test_path(dir, "v2b/r.json"), REC("M-1", "2024-06-01T00:00:00Z", "2.5"));
        CHECK(import1(db, test_path(dir, "v2b"), true, &s, &st, &err) == 0);
        CHECK(st.records == 0 && st.superseded == 0 && st.duplicates == 0 && st.conflicts == 1);
        CHECK_STREQ(st.first_conflict, "M-1");
        CHECK(import1(db, test_path(dir, "other"), true, &s, &st, &err) == 0);
        {
                struct vulndb *v = NULL;
                struct vulndb_status status = {};

                CHECK(vulndb_open(db, &v, &err) == 0);
                CHECK(v && vulndb_get_status(v, &status, &err) == 0 && status.records == 2 && status.affected == 2);
                vulndb_status_done(&status);
                vulndb_close(v);
        }
        before = revision_of(db);
        CHECK(vulndb_import(db, bad, true, on_skip, &s, &st, &err) < 0);
        CHECK(strstr(err.msg, "/nonexistent/feed") && strstr(err.msg, "unchanged"));
        after = revision_of(db);
        CHECK_STREQ(before, after);
}

static void test_open_errors(void) {
        const char *notdb = test_path(test_tmpdir(), "notdb.sqlite");
        struct vulndb *v = NULL;
        struct error err = {};

        CHECK(vulndb_open("/nonexistent/db.sqlite", &v, &err) == -ENOENT);
        CHECK(strstr(err.msg, "portcullis db import") != NULL);
        test_write_file(notdb, "this is not a database, it is a text file of some length......................\n");
        CHECK(vulndb_open(notdb, &v, &err) < 0);
        CHECK(strstr(err.msg, notdb) != NULL);
}

static int cve_count;
static int count_cves(json_t *n, void *userdata) {
        (void) userdata;
        cve_count++;
        json_decref(n);
        return 0;
}

/* NVD API 2.0 pages, NVD CVE objects and CVE JSON 5 records import as CVE
 * severities (not as records); the newest score of a CVE wins; they count
 * in the revision. */
static void test_cve_severities(void) {
        const char *data = test_shared_data();
        const char *dir = test_path(test_tmpdir(), "cve");
        const char *db = test_path(test_tmpdir(), "cve.sqlite");
        char *paths[] = { (char *) test_path(data, "vulndb/vunnel/nvd/full-page.json"),
                          (char *) test_path(data, "vulndb/trivy-db/nvd/testdata/happy/vuln-list-nvd"),
                          (char *) test_path(data, "cvss/claircore/nvd-enricher-feed.json"),
                          (char *) dir, NULL };
        struct vulndb_import_stats st = {};
        struct vulndb *v = NULL;
        struct error err = {};
        _cleanup_free_ char *rev1 = NULL, *rev2 = NULL;
        char *sev = NULL, *src = NULL;

        test_write_file(test_path(dir, "cve5.json"),
                        "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":\"CVE-2099-0001\","
                        "\"dateUpdated\":\"2099-01-01T00:00:00Z\"},\"containers\":{\"cna\":{\"metrics\":[{\"cvssV3_1\":"
                        "{\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}}]},\"adp\":[{\"metrics\":"
                        "[{\"cvssV4_0\":{\"vectorString\":\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}}]}]}}");
        test_write_file(test_path(dir, "osv.json"), REC("DEBIAN-CVE-2099-0001", "2024-01-01T00:00:00Z", "1.0"));
        CHECK_MSG(vulndb_import(db, paths, false, NULL, NULL, &st, &err) == 0, "%s", err.msg);
        CHECK(st.records == 1);
        CHECK_MSG(st.cves >= 40, "%llu CVEs", (unsigned long long) st.cves);
        CHECK(vulndb_open(db, &v, &err) == 0);
        if (!v)
                return;
        CHECK(vulndb_cve_severity(v, "CVE-2099-0001", &sev, &src, &err) == 0);
        CHECK_STREQ(src, "cve5");
        CHECK(sev && strstr(sev, "CVSS_V4") && strstr(sev, "CVSS_V3"));
        free(sev);
        free(src);
        CHECK(vulndb_cve_severity(v, "CVE-2016-2781", &sev, &src, &err) == 0);
        CHECK_STREQ(src, "nvd");
        free(sev);
        free(src);
        CHECK(vulndb_cve_severity(v, "CVE-1999-9999", &sev, &src, &err) == -ENOENT);
        rev1 = strdup(vulndb_revision(v));
        vulndb_close(v);

        /* An older copy of a CVE's score does not replace a newer one; a
         * newer one does, and the revision follows. */
        test_write_file(test_path(dir, "cve5.json"),
                        "{\"dataType\":\"CVE_RECORD\",\"cveMetadata\":{\"cveId\":\"CVE-2099-0001\","
                        "\"dateUpdated\":\"2100-01-01T00:00:00Z\"},\"containers\":{\"cna\":{\"metrics\":[{\"cvssV3_1\":"
                        "{\"vectorString\":\"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N\"}}]}}}");
        CHECK(vulndb_import(db, paths, false, NULL, NULL, &st, &err) == 0);
        CHECK(vulndb_open(db, &v, &err) == 0);
        if (!v)
                return;
        rev2 = strdup(vulndb_revision(v));
        CHECK(!streq_ptr(rev1, rev2));
        CHECK(vulndb_cve_severity(v, "CVE-2099-0001", &sev, &src, &err) == 0 && sev && strstr(sev, "AV:L"));
        free(sev);
        free(src);
        vulndb_close(v);

        /* A rebuild from OSV archives alone (the updater's) keeps the CVE
         * scores with VULNDB_IMPORT_KEEP_CVES, and drops them without. */
        {
                char *osv_only[] = { (char *) test_path(dir, "osv.json"), NULL };

                CHECK(vulndb_import(db, osv_only, VULNDB_IMPORT_KEEP_CVES, NULL, NULL, &st, &err) == 0);
                CHECK(vulndb_open(db, &v, &err) == 0);
                CHECK(v && vulndb_cve_severity(v, "CVE-2099-0001", &sev, &src, &err) == 0);
                free(sev);
                free(src);
                vulndb_close(v);
                v = NULL;
                CHECK(vulndb_import(db, osv_only, 0, NULL, NULL, &st, &err) == 0);
                CHECK(vulndb_open(db, &v, &err) == 0);
                CHECK(v && vulndb_cve_severity(v, "CVE-2099-0001", &sev, &src, &err) == -ENOENT);
                vulndb_close(v);
        }

        /* What is and isn't a CVE document. */
        {
                json_t *osv = json_loads(REC("X-1", "2024-01-01T00:00:00Z", "1"), 0, NULL);
                json_t *page = json_loads("{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-1-2\",\"metrics\":"
                                          "{\"cvssMetricV2\":[{\"type\":\"Primary\",\"cvssData\":{\"vectorString\":"
                                          "\"AV:N/AC:L/Au:N/C:P/I:P/A:P\"}}]}}},{\"cve\":{\"id\":\"not-a-cve\"}},"
                                          "{\"cve\":{\"id\":\"CVE-1-3\",\"metrics\":{}}}]}", 0, NULL);

                cve_count = 0;
                CHECK(cve_severity_extract(osv, count_cves, NULL) == 0 && cve_count == 0);
                CHECK(cve_severity_extract(page, count_cves, NULL) == 1 && cve_count == 1);
                json_decref(osv);
                json_decref(page);
        }
}

/* Every row of db as text (vuln rows by id, affected rows naming their
 * record's id rather than its rowid, meta but the import time), for
 * comparing two databases by content. */
static char *dump_db(const char *path) {
        static const char *const queries[] = {
                "SELECT key, value FROM meta WHERE key != 'import_time' ORDER BY key",
                "SELECT id, modified, published, withdrawn, summary, aliases, upstream, severity, digest, source"
                " FROM vuln ORDER BY id",
                "SELECT a.ecosystem, a.package, v.id, a.seq, a.purl, a.ranges, a.versions, a.severity,"
                " a.vendor_rating, a.vendor_source FROM affected a JOIN vuln v ON v.rowid = a.vuln"
                " ORDER BY a.ecosystem, a.package, v.id, a.seq",
                "SELECT (SELECT COUNT(*) FROM affected), (SELECT COUNT(*) FROM affected WHERE vuln NOT IN"
                " (SELECT rowid FROM vuln))",
                "SELECT * FROM cve_severity ORDER BY cve",
                "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name",
                "PRAGMA quick_check",
        };
        struct strbuf out = {};
        sqlite3 *db = NULL;

        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
                sqlite3_close(db);
                return NULL;
        }
        for (size_t q = 0; q < ELEMENTSOF(queries); q++) {
                sqlite3_stmt *st = NULL;

                if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) != SQLITE_OK)
                        (void) strbuf_printf(&out, "[%zu] %s\n", q, sqlite3_errmsg(db));
                while (st && sqlite3_step(st) == SQLITE_ROW) {
                        for (int c = 0; c < sqlite3_column_count(st); c++) {
                                const char *v = (const char *) sqlite3_column_text(st, c);

                                (void) strbuf_printf(&out, "%s%s", c ? "\t" : "", v ? v : "NULL");
                        }
                        (void) strbuf_puts(&out, "\n");
                }
                sqlite3_finalize(st);
        }
        sqlite3_close(db);
        return out.s;
}

/* A fresh import (affected rows staged, then copied in key order; records
 * numbered by the import, a replaced one left out of the copy) gives the
 * same rows as the merge path, which writes each row in place and deletes
 * what a newer copy replaces: the real Debian 12 feed with newer and older
 * copies of records in later zips, a record replaced twice in one import,
 * records inside a JSON array (digested in canonical form) and an invalid
 * one. */
static void test_fresh_equals_merge(void) {
        const char *dir = test_path(test_tmpdir(), "fresh-merge");
        const char *feed = test_path(test_shared_data(), "vulndb/debian12-changelogs/feed.zip");
        const char *z1 = test_path(dir, "one.zip"), *z2 = test_path(dir, "two.zip"), *arr = test_path(dir, "arr.json");
        const char *fresh = test_path(dir, "fresh.sqlite"), *merged = test_path(dir, "merged.sqlite");
        const char *n1[] = { "a/DUP-1.json", "a/DUP-2.json", "a/DUP-3.json" };
        const char *b1[] = { REC("DUP-1", "2024-01-01T00:00:00Z", "1.0"), REC("DUP-2", "2024-01-01T00:00:00Z", "1.0"),
                             REC("DUP-3", "2024-01-01T00:00:00Z", "1.0") };
        const char *n2[] = { "b/DUP-1.json", "b/DUP-2.json", "b/DUP-1-again.json", "b/bad.json" };
        const char *b2[] = { REC("DUP-1", "2025-01-01T00:00:00Z", "2.0"), REC("DUP-2", "2023-01-01T00:00:00Z", "0.5"),
                             REC("DUP-1", "2026-01-01T00:00:00Z", "3.0"), "{\"id\":\"BAD\"}" };
        char *paths[] = { (char *) feed, (char *) z1, (char *) z2, (char *) arr, NULL };
        struct vulndb_import_stats st1 = {}, st2 = {};
        _cleanup_free_ char *d1 = NULL, *d2 = NULL;
        struct skips s = {};
        struct error err = {};

        CHECK(mkdir(dir, 0700) == 0);
        write_zip(z1, n1, b1, ELEMENTSOF(n1));
        write_zip(z2, n2, b2, ELEMENTSOF(n2));
        test_write_file(arr, "[" REC("ARR-1", "2024-01-01T00:00:00Z", "1.0") ", "
                        REC("DUP-3", "2025-06-01T00:00:00Z", "4.0") ", "
                        REC("ARR-1", "2023-01-01T00:00:00Z", "0.1") "]");
        CHECK_MSG(vulndb_import(fresh, paths, 0, on_skip, &s, &st1, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_import(merged, paths, VULNDB_IMPORT_MERGE, on_skip, &s, &st2, &err) == 0, "%s", err.msg);
        CHECK(st1.records == st2.records && st1.affected == st2.affected && st1.superseded == st2.superseded &&
              st1.skipped == st2.skipped);
        /* every older copy counts, whether it came before the newer one
         * (DUP-1 twice, DUP-3) or after (DUP-2, ARR-1); the records and
         * their affected rows are those the database holds */
        CHECK_MSG(st1.superseded == 5 && st1.skipped == 1 && st1.duplicates == 0 && st1.conflicts == 0,
                  "%llu superseded, %llu skipped", (unsigned long long) st1.superseded,
                  (unsigned long long) st1.skipped);
        CHECK(records_of(fresh) == 1272 + 4);
        CHECK_MSG(st1.records == 1272 + 4 && st1.affected == st2.affected, "%llu records",
                  (unsigned long long) st1.records);
        d1 = dump_db(fresh);
        d2 = dump_db(merged);
        CHECK(d1 && d2 && strstr(d1, "DUP-1\t2026-01-01T00:00:00Z") && strstr(d1, "\nok\n"));
        CHECK(d1 && !strstr(d1, "DUP-1\t2025-01-01T00:00:00Z"));
        CHECK_MSG(d1 && d2 && strcmp(d1, d2) == 0, "the fresh and the merged import differ");
}

/* A fresh import that replaces no record counts the records per ecosystem
 * and looks for unreadable ranges as it stages the rows; the merge path
 * counts them in the database: the same meta either way.  A record in two
 * ecosystems counts in each, once however many of its entries name one;
 * the unreadable range is one record's only. */
static void test_fresh_counts(void) {
        const char *dir = test_path(test_tmpdir(), "counts");
        const char *fresh = test_path(test_tmpdir(), "counts-fresh.sqlite");
        const char *merged = test_path(test_tmpdir(), "counts-merged.sqlite");
#define PKG(eco, name, fixed)                                                                            \
        "{\"package\":{\"ecosystem\":\"" eco "\",\"name\":\"" name "\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","   \
        "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"" fixed "\"}]}]}"
#define RECORD(id, affected) "{\"id\":\"" id "\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[" affected "]}"
        static const char *const records[] = {
                RECORD("C-1", PKG("Debian:12", "a", "1.0") "," PKG("Debian:12", "b", "1.0") "," PKG("Alpine:v3.18", "a", "1.0")),
                RECORD("C-2", PKG("Alpine:v3.18", "c", "1.0")),
                RECORD("C-3", PKG("Debian:12", "c", "1.0\\u0007")),
                RECORD("C-4", PKG("PyPI", "d", "1.0") "," PKG("PyPI", "d", "2.0")),
        };
#undef PKG
#undef RECORD
        struct vulndb_import_stats st = {};
        _cleanup_free_ char *d1 = NULL, *d2 = NULL;
        struct skips s = {};
        struct error err = {};

        for (size_t i = 0; i < ELEMENTSOF(records); i++) {
                char name[32];

                snprintf(name, sizeof(name), "C-%zu.json", i + 1);
                test_write_file(test_path(dir, name), records[i]);
        }
        CHECK_MSG(import1(fresh, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(st.records == 4 && st.repaired == 1);
        CHECK_MSG(import1(merged, dir, true, &s, &st, &err) == 0, "%s", err.msg);
        d1 = dump_db(fresh);
        d2 = dump_db(merged);
        CHECK(d1 && strstr(d1, "ecosystems\t{\"Alpine:v3.18\":2,\"Debian:12\":2,\"PyPI\":1}\n"));
        CHECK(d1 && strstr(d1, "schema_version\t4\n"));
        CHECK_MSG(d1 && d2 && strcmp(d1, d2) == 0, "the fresh and the merged import differ:\n%s\n%s", d1, d2);
}

/* A merge copies the database it replaces: the file's bytes when
 * portcullis wrote it (rollback mode, nothing beside it), else through
 * sqlite, so that what a WAL beside the file holds is part of the copy;
 * and that WAL is removed with the file it belonged to. */
static void test_merge_copies(void) {
        const char *dir = test_path(test_tmpdir(), "merge-copies");
        const char *plain = test_path(dir, "plain.sqlite"), *wal = test_path(dir, "wal.sqlite");
        const char *wal_file = test_path(dir, "wal.sqlite-wal");
        struct vulndb_import_stats st = {};
        _cleanup_free_ char *d_plain = NULL, *d_wal = NULL;
        struct skips s = {};
        struct error err = {};
        sqlite3 *db = NULL;
        struct stat sb;
        int one = 1;

        test_write_file(test_path(dir, "v1/r.json"), REC("C-1", "2024-01-01T00:00:00Z", "1.0"));
        test_write_file(test_path(dir, "v2/r.json"), REC("C-2", "2024-01-01T00:00:00Z", "1.0"));
        CHECK(import1(plain, test_path(dir, "v1"), false, &s, &st, &err) == 0);
        CHECK(import1(wal, test_path(dir, "v1"), false, &s, &st, &err) == 0);
        /* another program turned one to WAL mode and left a row in its WAL */
        CHECK(sqlite3_open_v2(wal, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one) == SQLITE_OK);
        CHECK(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "INSERT INTO vuln (id, modified, digest) VALUES ('IN-WAL', '2024-01-01T00:00:00Z', 'x')",
                           NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(db);
        CHECK(stat(wal_file, &sb) == 0 && sb.st_size > 0);

        CHECK_MSG(import1(plain, test_path(dir, "v2"), true, &s, &st, &err) == 0, "%s", err.msg);
        CHECK_MSG(import1(wal, test_path(dir, "v2"), true, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(records_of(plain) == 2);
        /* the replaced file's WAL went with it: no reader applies it to the new one */
        CHECK(access(wal_file, F_OK) < 0 && errno == ENOENT);
        d_plain = dump_db(plain);
        d_wal = dump_db(wal);
        CHECK(d_plain && strstr(d_plain, "C-1\t") && strstr(d_plain, "C-2\t") && strstr(d_plain, "\nok\n"));
        CHECK(d_wal && strstr(d_wal, "C-1\t") && strstr(d_wal, "C-2\t") && strstr(d_wal, "IN-WAL\t") &&
              strstr(d_wal, "\nok\n"));
}

/* Records large enough to fill the pipeline's byte bounds before its
 * slots (12 of 4 MiB against 32 MiB per hand-off): the unzip and reader
 * threads wait on bytes and are woken by them, and everything arrives whole. */
static void test_large_records(void) {
        const char *dir = test_path(test_tmpdir(), "large");
        const char *db = test_path(test_tmpdir(), "large.sqlite");
        const size_t big = (size_t) 4 * 1024 * 1024;
        _cleanup_free_ char *summary = malloc(big + 1);
        struct vulndb_import_stats st = {};
        struct skips s = {};
        struct error err = {};
        uint32_t x = 1;
        sqlite3 *sq = NULL;
        sqlite3_stmt *q = NULL;

        CHECK(summary && mkdir(dir, 0700) == 0);
        for (size_t i = 0; i < big; i++) {      /* any letters: a JSON string to carry */
                x = x * 1103515245u + 12345u;
                summary[i] = (char) ('a' + (x >> 16) % 26);
        }
        summary[big] = '\0';
        for (int i = 0; i < 12; i++) {
                _cleanup_free_ char *path = NULL, *rec = NULL;

                CHECK(asprintf(&path, "%s/L-%d.json", dir, i) > 0);
                CHECK(asprintf(&rec, "{\"id\":\"L-%d\",\"modified\":\"2024-01-01T00:00:00Z\",\"summary\":\"%s\","
                                     "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p%d\"}}]}",
                               i, summary, i) > 0);
                test_write_file(path, rec);
        }
        CHECK_MSG(import1(db, dir, false, &s, &st, &err) == 0, "%s", err.msg);
        CHECK(st.records == 12 && st.skipped == 0);
        CHECK(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(sq, "SELECT COUNT(*), MIN(length(summary)), MAX(length(summary)) FROM vuln", -1, &q,
                                 NULL) == SQLITE_OK);
        CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 12 &&
              (size_t) sqlite3_column_int(q, 1) == big && (size_t) sqlite3_column_int(q, 2) == big);
        sqlite3_finalize(q);
        sqlite3_close(sq);
}

/* ---- the lookup by upper bound (affected_upper) --------------------------- */

struct affected_set {
        const char *version;
        struct strbuf hits;     /* "record/seq fixed" of each affected entry, in the order read */
        int rows;
};

static int collect_affected(const struct vulndb_affected *a, void *userdata, struct error *err) {
        struct affected_set *s = userdata;
        _cleanup_free_ char *fixed = NULL;
        struct error e = {};
        bool affected = false;
        int r = osv_affected_eval(VERSION_DPKG, s->version, a->ranges, a->versions, &affected, &fixed, &e);

        s->rows++;
        if (r < 0)
                return strbuf_printf(&s->hits, "%lld/%lld error\n", (long long) a->record, (long long) a->seq);
        return affected ? strbuf_printf(&s->hits, "%lld/%lld %s\n", (long long) a->record, (long long) a->seq,
                                        strna(fixed))
                        : 0;
}

/* The package's entries that hold for version, looked up with its key and
 * without: the same ones, in the same order; returns how many rows the
 * keyed lookup left out. */
static int check_keyed(struct vulndb *v, const char *eco, const char *pkg, const char *version) {
        struct affected_set all = { .version = version }, keyed = { .version = version };
        char key[VERSION_KEY_MAX];
        struct error err = {};
        int left_out;

        if (version_dpkg_key(version, key, sizeof(key)) < 0)
                return 0;
        CHECK(vulndb_lookup(v, eco, pkg, NULL, collect_affected, &all, &err) == 0);
        CHECK(vulndb_lookup(v, eco, pkg, key, collect_affected, &keyed, &err) == 0);
        CHECK_MSG(streq_ptr(all.hits.s, keyed.hits.s), "%s %s: all entries give\n%s, the keyed lookup\n%s", pkg,
                  version, strempty(all.hits.s), strempty(keyed.hits.s));
        left_out = all.rows - keyed.rows;
        CHECK(left_out >= 0);
        strbuf_done(&all.hits);
        strbuf_done(&keyed.hits);
        return left_out;
}

/* Each entry shape, at versions around its events: the keyed lookup
 * finds what evaluating every entry finds.  A shape without a bound (open
 * to the end, SEMVER, an event version dpkg rejects, GIT only) is always
 * read. */
static void test_upper_shapes(void) {
        const char *dir = test_path(test_tmpdir(), "upper");
        const char *db = test_path(dir, "upper.sqlite");
#define ENTRY(ranges, versions)                                                                                  \
        "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"}" ranges versions "}"
#define RANGE(type, events) "{\"type\":\"" type "\",\"events\":[" events "]}"
        static const char *const entries[] = {
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"0\"},{\"fixed\":\"1.2-3\"}") "]", ""),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"1.0\"},{\"last_affected\":\"1.5\"}") "]",
                      ""),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"2.0\"}") "]", ""),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"0\"},{\"fixed\":\"1.0\"},"
                                                         "{\"introduced\":\"3.0~rc1\"}") "]", ""),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"1:0.5\"},{\"limit\":\"1:0.9\"}") "]",
                      ""),
                ENTRY(",\"ranges\":[" RANGE("SEMVER", "{\"introduced\":\"0\"},{\"fixed\":\"1.0.0\"}") "]", ""),
                ENTRY(",\"ranges\":[" RANGE("GIT", "{\"introduced\":\"abc\"},{\"fixed\":\"def\"}") "]", ""),
                ENTRY("", ",\"versions\":[\"1.1-1\",\"2.0+dfsg-1\"]"),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"0\"},{\"fixed\":\"1.0_bad\"}") "]", ""),
                ENTRY(",\"ranges\":[" RANGE("ECOSYSTEM", "{\"introduced\":\"0\"},{\"fixed\":\"0.9\"}") ","
                      RANGE("ECOSYSTEM", "{\"introduced\":\"1.1\"},{\"fixed\":\"1.1.1\"}") "]",
                      ",\"versions\":[\"0.1\"]"),
        };
        static const char *const versions[] = {
                "0", "0.1", "0.9", "1.0", "1.0-0", "1.0~", "1.1", "1.1-1", "1.1.1", "1.2-2", "1.2-3", "1.2-3+b1",
                "1.5", "1.5.1", "1.9", "2.0", "2.0+dfsg-1", "2.0+dfsg-1.1", "3.0", "1:0.4", "1:0.5", "1:0.8",
                "1:0.9", "2:0", "99",
        };
        struct vulndb_import_stats st = {};
        struct skips sk = {};
        struct error err = {};
        struct vulndb *v = NULL;
        int left_out = 0;

        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                char name[64], body[1024];

                snprintf(name, sizeof(name), "r/UPPER-%zu.json", i);
                snprintf(body, sizeof(body), "{\"id\":\"UPPER-%zu\",\"modified\":\"2024-01-01T00:00:00Z\","
                         "\"affected\":[%s,%s]}", i, entries[i], entries[(i + 3) % ELEMENTSOF(entries)]);
                test_write_file(test_path(dir, name), body);
        }
        CHECK_MSG(import1(db, test_path(dir, "r"), false, &sk, &st, &err) == 0, "%s", err.msg);
        CHECK(sk.n == 0);
        CHECK(vulndb_open(db, &v, &err) == 0);
        if (!v)
                return;
        for (size_t i = 0; i < ELEMENTSOF(versions); i++)
                left_out += check_keyed(v, "Debian:12", "p", versions[i]);
        CHECK_MSG(left_out > 100, "the keyed lookups left out only %d rows", left_out);
        vulndb_close(v);
#undef ENTRY
#undef RANGE
}

/* The real Debian 12 feed, every package at versions around each of its
 * records' events; then with some rows' bounds gone (as an older
 * Portcullis's merge leaves them), and after a merge into a file from
 * before the column, which adds it. */
static void test_upper_feed(void) {
        const char *feed = test_path(test_shared_data(), "vulndb/debian12-changelogs/feed.zip");
        const char *dir = test_path(test_tmpdir(), "upper-feed");
        const char *db = test_path(dir, "feed.sqlite"), *old = test_path(dir, "old.sqlite");
        static const char *const suffixes[] = { "", "~", "+b1", ".1", "-0" };
        struct vulndb_import_stats st = {};
        struct skips sk = {};
        struct error err = {};
        struct vulndb *v = NULL;
        sqlite3 *sq = NULL;
        sqlite3_stmt *q = NULL;
        int left_out = 0, checked = 0, n = 0;
        char *msg = NULL;

        CHECK(mkdir(dir, 0700) == 0);
        CHECK_MSG(import1(db, feed, false, &sk, &st, &err) == 0, "%s", err.msg);
        CHECK(vulndb_open(db, &v, &err) == 0);
        CHECK(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        if (!v || !sq)
                return;
        /* every event version of the package's entries, and just past it */
        CHECK(sqlite3_prepare_v2(sq, "SELECT package, ranges FROM affected WHERE ecosystem = 'Debian:12'", -1, &q,
                                 NULL) == SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
                const char *pkg = (const char *) sqlite3_column_text(q, 0), *ranges = (const char *) sqlite3_column_text(q, 1);
                char event[256];

                for (const char *p = ranges ? strchr(ranges, OSV_US) : NULL; p; p = strchr(p + 1, OSV_US)) {
                        size_t len = strcspn(p + 2, "\x1e\x1f");

                        for (size_t i = 0; len < 200 && i < ELEMENTSOF(suffixes); i++) {
                                snprintf(event, sizeof(event), "%.*s%s", (int) len, p + 2, suffixes[i]);
                                left_out += check_keyed(v, "Debian:12", pkg, event);
                                checked++;
                        }
                }
        }
        sqlite3_finalize(q);
        sqlite3_close(sq);
        vulndb_close(v);
        CHECK_MSG(checked > 5000 && left_out > 1000, "%d versions checked, %d rows left out", checked, left_out);

        /* rows without a bound are read whatever the key */
        CHECK(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
        CHECK(sqlite3_exec(sq, "UPDATE affected SET upper = NULL WHERE package = 'sudo'", NULL, NULL, &msg) ==
              SQLITE_OK);
        sqlite3_close(sq);
        CHECK(vulndb_open(db, &v, &err) == 0);
        if (v) {
                struct affected_set s = { .version = "99" };
                char key[VERSION_KEY_MAX];

                CHECK(version_dpkg_key("99", key, sizeof(key)) > 0);
                CHECK(vulndb_lookup(v, "Debian:12", "sudo", NULL, count_cb, &n, &err) == 0);
                CHECK(vulndb_lookup(v, "Debian:12", "sudo", key, collect_affected, &s, &err) == 0);
                CHECK(n > 0 && s.rows == n);
                strbuf_done(&s.hits);
                vulndb_close(v);
        }

        /* a file from before the column: no index, no meta; a merge adds them */
        CHECK_MSG(import1(old, feed, false, &sk, &st, &err) == 0, "%s", err.msg);
        CHECK(sqlite3_open_v2(old, &sq, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
        CHECK_MSG(sqlite3_exec(sq, "DROP INDEX affected_upper; ALTER TABLE affected DROP COLUMN upper;"
                               "DELETE FROM meta WHERE key = 'affected_upper'", NULL, NULL, &msg) == SQLITE_OK,
                  "%s", msg);
        sqlite3_close(sq);
        CHECK(vulndb_open(old, &v, &err) == 0);
        if (v) {
                left_out = check_keyed(v, "Debian:12", "sudo", "99");
                CHECK(left_out == 0);   /* no index: every row */
                vulndb_close(v);
        }
        test_write_file(test_path(dir, "new/r.json"), REC("NEW-1", "2024-01-01T00:00:00Z", "1.0"));
        CHECK_MSG(import1(old, test_path(dir, "new"), true, &sk, &st, &err) == 0, "%s", err.msg);
        CHECK(vulndb_open(old, &v, &err) == 0);
        if (v) {
                struct affected_set s = { .version = "0.5" };
                char key[VERSION_KEY_MAX];

                CHECK(check_keyed(v, "Debian:12", "sudo", "99") == 0);  /* the old rows: NULL, read */
                CHECK(version_dpkg_key("0.5", key, sizeof(key)) > 0);
                CHECK(vulndb_lookup(v, "Debian:12", "pkg", key, collect_affected, &s, &err) == 0);
                CHECK_MSG(s.rows == 1 && strstr(strempty(s.hits.s), " 1.0\n"), "%s", strempty(s.hits.s));
                strbuf_done(&s.hits);
                CHECK(check_keyed(v, "Debian:12", "pkg", "2.0") == 1);    /* the new row: bounded */
                vulndb_close(v);
        }
}

int main(void) {
        test_debian_feed();
        test_open_fd();
        test_shrink_guard();
        test_bad_records();
        test_kept_parts();
        test_kept_parts_many();
        test_merge_and_failure();
        test_open_errors();
        test_cve_severities();
        test_fresh_equals_merge();
        test_fresh_counts();
        test_merge_copies();
        test_large_records();
        test_upper_shapes();
        test_upper_feed();
        return test_end();
}
