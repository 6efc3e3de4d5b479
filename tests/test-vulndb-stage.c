/* SPDX-License-Identifier: Apache-2.0 */
/* vulndb-stage.h: rows staged in sorted runs (many small ones here, some
 * rows larger than a run or than a run's read buffer) come back through
 * import_stage in the order sqlite's own sort gives the same rows, without
 * a sort by sqlite, and with the same values, NULLs included. */
#include <sqlite3.h>
#include <stdint.h>

#include "base/macro.h"
#include "base/strutil.h"
#include "test.h"
#include "vulndb-stage.h"

#define COLS "ecosystem, package, vuln, seq, purl, ranges, versions, severity, vendor_rating, vendor_source, upper"
#define KEY "ecosystem, package, vuln, seq"

static uint32_t rnd_state = 12345;
/* parts of an ecosystem's name: 2 makes at most 56 of them (a run's rows
 * sorted by their ecosystem's rank), 3 hundreds (by the rows alone) */
static size_t eco_parts = 2;

static uint32_t rnd(uint32_t n) {
        rnd_state = rnd_state * 1103515245u + 12345u;
        return (rnd_state >> 8) % n;
}

static char *rnd_text(size_t max) {
        /* names that share prefixes, differ in length, and sort by bytes
         * above 0x7f as unsigned ('\xc3' after 'z') */
        static const char *const parts[] = { "a", "ab", "abc", "z", "\xc3\xa9", "-", "0" };
        struct strbuf b = {};
        size_t n = 1 + rnd(max);

        for (size_t i = 0; i < n; i++)
                strbuf_puts(&b, parts[rnd(ELEMENTSOF(parts))]);
        return strbuf_steal(&b);
}

static void add_row(struct stage *s, sqlite3_stmt *ins, size_t i, size_t big) {
        struct stage_row row = { .vuln = rnd(50), .seq = (int64_t) i };
        char *texts[STAGE_TEXTS] = {};
        struct error err = {};

        for (int k = 0; k < STAGE_TEXTS; k++) {
                if (k >= 2 && rnd(4) == 0)
                        continue; /* NULL */
                texts[k] = k < 2 ? rnd_text(k == 0 ? eco_parts : 6) : rnd_text(k == 3 && big ? big : 8);
                row.text[k] = texts[k];
        }
        if (rnd(20) == 0) { /* a NULL key text sorts first */
                free(texts[1]);
                texts[1] = NULL;
                row.text[1] = NULL;
        }
        CHECK(stage_add(s, &row, &err) == 0);
        for (int k = 0; k < STAGE_TEXTS; k++)
                if (texts[k])
                        sqlite3_bind_text(ins, k < 2 ? k + 1 : k + 3, texts[k], -1, SQLITE_TRANSIENT);
                else
                        sqlite3_bind_null(ins, k < 2 ? k + 1 : k + 3);
        sqlite3_bind_int64(ins, 3, row.vuln);
        sqlite3_bind_int64(ins, 4, row.seq);
        CHECK(sqlite3_step(ins) == SQLITE_DONE);
        sqlite3_reset(ins);
        for (int k = 0; k < STAGE_TEXTS; k++)
                free(texts[k]);
}

static char *dump(sqlite3 *db, const char *sql) {
        struct strbuf b = {};
        sqlite3_stmt *st = NULL;

        CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
                for (int i = 0; i < sqlite3_column_count(st); i++) {
                        const char *v = (const char *) sqlite3_column_text(st, i);

                        strbuf_printf(&b, "%d:%s|", sqlite3_column_type(st, i), v ? v : "NULL");
                }
                strbuf_puts(&b, "\n");
        }
        sqlite3_finalize(st);
        return strbuf_steal(&b);
}

static bool sorts(sqlite3 *db, const char *sql) {
        _cleanup_free_ char *sql_plan = NULL, *plan = NULL;

        CHECK(asprintf(&sql_plan, "EXPLAIN QUERY PLAN %s", sql) > 0);
        plan = dump(db, sql_plan);
        return strstr(plan, "TEMP B-TREE") != NULL;
}

/* n rows in runs of run_bytes, one row in every big_every of big_len bytes */
static void test_rows(size_t n, size_t run_bytes, size_t big_every, size_t big_len) {
        static const char *const ordered = "SELECT " COLS " FROM import_stage ORDER BY " KEY;
        struct stage *s = NULL;
        struct error err = {};
        sqlite3_stmt *ins = NULL;
        sqlite3 *db = NULL;

        fprintf(stderr, "%zu rows, runs of %zu bytes\n", n, run_bytes);
        CHECK(stage_new(test_tmpdir(), run_bytes, &s, &err) == 0);
        CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
        CHECK(stage_register(db, s, &err) == 0);
        CHECK(sqlite3_exec(db, "CREATE TABLE ref (" COLS ")", NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(db, "INSERT INTO ref (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                 -1, &ins, NULL) == SQLITE_OK);
        for (size_t i = 0; i < n; i++)
                add_row(s, ins, i, big_every && i % big_every == 0 ? big_len : 0);
        sqlite3_finalize(ins);

        _cleanup_free_ char *want = dump(db, "SELECT " COLS " FROM ref ORDER BY " KEY);
        _cleanup_free_ char *got = dump(db, ordered);
        CHECK_STREQ(got, want);
        CHECK(!sorts(db, ordered));
        /* read again (the count of a replaced record's rows does), and with
         * a filter, as the copy that leaves those rows out */
        _cleanup_free_ char *again = dump(db, ordered);
        CHECK_STREQ(again, want);
        _cleanup_free_ char *want_some = dump(db, "SELECT " COLS " FROM ref WHERE vuln NOT IN (3, 7) ORDER BY " KEY);
        _cleanup_free_ char *got_some = dump(db, "SELECT " COLS " FROM import_stage WHERE vuln NOT IN (3, 7) ORDER BY "
                                                 KEY);
        CHECK_STREQ(got_some, want_some);
        CHECK(!sorts(db, "SELECT " COLS " FROM import_stage WHERE vuln NOT IN (3, 7) ORDER BY " KEY));
        sqlite3_close(db);
        stage_free(s);
}

int main(void) {
        test_rows(0, 4096, 0, 0);
        test_rows(1, 4096, 0, 0);
        test_rows(200, 1 << 20, 0, 0);          /* one run, in memory */
        test_rows(3000, 512, 0, 0);             /* many runs, and the last in memory */
        test_rows(2000, 4096, 97, 40000);       /* rows larger than a run and than a read buffer */
        eco_parts = 3;
        test_rows(3000, 1 << 20, 0, 0);         /* too many ecosystems to rank */
        return test_end();
}
