/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "test.h"

int test_failures;
int test_checks;
static char tmpdir[256];

const char *test_shared_data(void) {
        const char *p = getenv("PC_SHARED_DATA");
        struct stat st;

        if (!p || stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
                fprintf(stderr, "skip: shared data not found (PC_SHARED_DATA=%s)\n", p ? p : "");
                exit(TEST_SKIP);
        }
        return p;
}

char *test_read_shared(const char *rel, size_t *ret_len) {
        char *buf = NULL;
        struct error err = {};

        CHECK_MSG(read_full_file(test_path(test_shared_data(), rel), 64 * 1024 * 1024, &buf, ret_len, &err) == 0,
                  "%s", err.msg);
        return buf;
}

const struct package *test_find_package(const struct inventory *inv, const char *name, const char *version) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (streq_ptr(inv->pkgs[i].name, name) && streq_ptr(inv->pkgs[i].version, version))
                        return &inv->pkgs[i];
        return NULL;
}

const char *test_tmpdir(void) {
        if (!tmpdir[0]) {
                snprintf(tmpdir, sizeof(tmpdir), "%s/pctest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
                if (!mkdtemp(tmpdir)) {
                        perror("mkdtemp");
                        exit(1);
                }
        }
        return tmpdir;
}

const char *test_path(const char *a, const char *b) {
        static char ring[256][4096];
        static unsigned i;
        char *p = ring[i++ % 256];

        snprintf(p, 4096, "%s/%s", a, b);
        return p;
}

static void mkdir_parents(const char *path) {
        char buf[4096];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *s = buf + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(buf, 0755);
                        *s = '/';
                }
}

void test_write_file(const char *path, const char *content) {
        FILE *f;

        mkdir_parents(path);
        f = fopen(path, "we");
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(content, f);
        fclose(f);
}

long long test_sql_int(const char *path, const char *sql) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        long long v = -1;

        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag, (void) ftw;
        return remove(path) < 0 ? 0 : 0;
}

int test_end(void) {
        if (tmpdir[0] && !getenv("PC_KEEP_TMP"))
                (void) nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
        return test_failures ? 1 : 0;
}
