/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A tiny table-test harness: CHECK* record a failure and go on, so that one
 * run reports every broken row; main() ends with `return test_end();`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int test_failures;
extern int test_checks;

#define CHECK(cond)                                                                  \
        do {                                                                         \
                test_checks++;                                                       \
                if (!(cond)) {                                                       \
                        test_failures++;                                             \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
                }                                                                    \
        } while (0)

#define CHECK_MSG(cond, ...)                                                         \
        do {                                                                         \
                test_checks++;                                                       \
                if (!(cond)) {                                                       \
                        test_failures++;                                             \
                        fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                                \
                        fputc('\n', stderr);                                         \
                }                                                                    \
        } while (0)

#define CHECK_STREQ(a, b)                                                            \
        do {                                                                         \
                const char *_a = (a), *_b = (b);                                     \
                test_checks++;                                                       \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                             \
                        test_failures++;                                             \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
                                __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
                }                                                                    \
        } while (0)

#define TEST_SKIP 77

/* The shared reference data folder (PC_SHARED_DATA), or exit 77 if absent. */
const char *test_shared_data(void);
/* A file of the shared data (rel below it), NULL (a failed check) if unreadable. */
char *test_read_shared(const char *rel, size_t *ret_len);
/* The package name at version in inv, or NULL. */
struct inventory;
const struct package *test_find_package(const struct inventory *inv, const char *name, const char *version);
/* A fresh temporary directory, removed by test_end(). */
const char *test_tmpdir(void);
/* Joins two path parts into a static ring buffer (valid for the next 255 calls). */
const char *test_path(const char *a, const char *b);
/* Writes a file (creating parent directories). */
void test_write_file(const char *path, const char *content);
/* One integer a query (or PRAGMA) gives on the sqlite file at path, opened
 * read-only beside whoever has it open; -1 when it gives none. */
long long test_sql_int(const char *path, const char *sql);
int test_end(void);
