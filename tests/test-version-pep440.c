/* SPDX-License-Identifier: Apache-2.0 */
/* PyPI (PEP 440) ordering and validity: our own table (each row's answer
 * is what python3-packaging 23.0 says), then pypa/packaging's own test
 * vectors in $PC_SHARED_DATA/version/pep440/: VERSIONS in ascending order
 * (every pair), the valid, invalid and normalised versions. */
#include <errno.h>
#include <jansson.h>

#include "base/fileio.h"
#include "test.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)

static int vectors;

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

/* Compares both ways, through version_compare() too. */
static void check_cmp(const char *a, const char *b, int expected, const char *where) {
        struct error err = {};
        int ab = 99, ba = 99, viak = 99, r;

        r = version_pep440_compare(a, b, &ab, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, a, b, err.msg);
        r = version_pep440_compare(b, a, &ba, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, b, a, err.msg);
        r = version_compare(VERSION_PEP440, a, b, &viak, &err);
        CHECK_MSG(r == 0 && sgn(viak) == sgn(ab), "%s: version_compare('%s', '%s')", where, a, b);
        CHECK_MSG(sgn(ab) == expected && sgn(ba) == -expected, "%s: '%s' vs '%s': got %d/%d, want %d", where, a, b,
                  ab, ba, expected);
        vectors++;
}

static void check_invalid(const char *v, const char *why, const char *where) {
        struct error err = {};
        int cmp = 42;

        CHECK_MSG(version_pep440_check(v, &err) == -EINVAL, "%s: '%s' accepted", where, v);
        CHECK_MSG(version_pep440_compare(v, "1", &cmp, &err) == -EINVAL && cmp == 42, "%s: '%s' compared", where, v);
        CHECK_MSG(strstr(err.msg, v ? "invalid PyPI version '" : "") && (!why || strstr(err.msg, why)),
                  "%s: '%s': message '%s' lacks '%s'", where, v, err.msg, why ? why : "");
        CHECK_MSG(version_pep440_compare("1", v, &cmp, &err) == -EINVAL, "%s: '%s' compared second", where, v);
        vectors++;
}

static void test_table_compare(void) {
        static const struct {
                const char *a, *b;
                int cmp;
        } rows[] = {
                /* Normalisation (PEP 440, "Normalization"). */
                { "1.0", "1.0.0", 0 },
                { "1.0", "1", 0 },
                { "0", "0.0.0.0", 0 },
                { "01.002", "1.2", 0 },
                { "v1.0", "1.0", 0 },
                { "V1.0", "1.0", 0 },
                { "1.0a1", "1.0alpha1", 0 },
                { "1.0a1", "1.0-a-1", 0 },
                { "1.0a1", "1.0_A.1", 0 },
                { "1.0b2", "1.0beta2", 0 },
                { "1.0rc1", "1.0c1", 0 },
                { "1.0rc1", "1.0pre1", 0 },
                { "1.0rc1", "1.0preview1", 0 },
                { "1.0rc1", "1.0.RC1", 0 },
                { "1.0a", "1.0a0", 0 },
                { "1.0a-", "1.0a0", 0 },
                { "1.0-1", "1.0.post1", 0 },
                { "1.0r", "1.0.post0", 0 },
                { "1.0rev2", "1.0.post2", 0 },
                { "1.0-post-2", "1.0.post2", 0 },
                { "1.0.dev", "1.0.dev0", 0 },
                { "1.0-DEV_3", "1.0.dev3", 0 },
                { "1!0", "1!0.0", 0 },
                { "0!1.0", "1.0", 0 },
                { "1.0+ubuntu.1", "1.0+UBUNTU-1", 0 },
                { "1.0+ubuntu.1", "1.0+ubuntu_01", 0 },
                { "\v1.0\r", "1.0", 0 },
                { "\x1c" "1.0\x1f", "1.0", 0 },
                { "\xe2\x80\xaf" "1.0\xc2\xa0\xe3\x80\x80\xc2\x85", "1.0", 0 }, /* Unicode spaces, as UTF-8 */
                { "1.0a-1", "1.0a1", 0 },       /* greedy: a1, not a0 post1 */
                /* Order (PEP 440, "Summary of permitted suffixes"). */
                { "1.0.dev0", "1.0a0", -1 },
                { "1.0a0", "1.0a0.post0.dev0", -1 },
                { "1.0a0.post0.dev0", "1.0a0.post0", -1 },
                { "1.0a1.dev1", "1.0a1", -1 },
                { "1.0a1", "1.0b0", -1 },
                { "1.0b2.post345", "1.0b2-346", -1 },
                { "1.0rc1", "1.0", -1 },
                { "1.0", "1.0.post0.dev0", -1 },
                { "1.0.post0.dev0", "1.0.post0", -1 },
                { "1.0.post456", "1.0.1.dev1", -1 },
                { "1.0.1", "1.0.1+local", -1 },
                { "1.0.1+local", "1.0.1.post1", -1 },
                { "1.9", "1.10", -1 },
                { "1.0.0.0.1", "1.0.1", -1 },
                { "1.0", "1.0.0.0.1", -1 },
                { "2.0", "1!1.0", -1 },
                { "1!1.0", "2!0.1", -1 },
                { "1.0+abc", "1.0+abcd", -1 },
                { "1.0+abc", "1.0+0", -1 },     /* a number above a word */
                { "1.0+9", "1.0+10", -1 },
                { "1.0+1", "1.0+1.a", -1 },
                { "1.0+ABC", "1.0+abd", -1 },
                { "1.0+z", "1.0+00", -1 },
                /* Numbers of any length, never overflowing. */
                { "99999999999999999999999", "100000000000000000000000", -1 },
                { "1.0a99999999999999999999", "1.0a100000000000000000000", -1 },
                { "000000000000000000000000001", "1", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_cmp(rows[i].a, rows[i].b, rows[i].cmp, "table");
}

static void test_table_invalid(void) {
        static const struct {
                const char *v, *why;
        } rows[] = {
                { "", "no release number" },
                { "v", "no release number" },
                { "vv1.0", "no release number" },
                { "a1", "no release number" },
                { "1.0.", "unexpected '.' at byte 4" },
                { "1.0-", "unexpected '-' at byte 4" },
                { "1.0+", "ends too early" },
                { "1.0+a..b", "unexpected '.' at byte 7" },
                { "1!", "ends too early" },
                { "1.0 a1", "unexpected 'a' at byte 5" },
                { "1.0a1a1", "unexpected 'a' at byte 6" },
                { "1.0.dev1.post1", "unexpected '.' at byte 9" },
                { "1.0\x01", "unexpected '\\x01' at byte 4" },
                { "1.0\xc2", "unexpected '\\xc2' at byte 4" },        /* not UTF-8 */
                { "1.0\xe2\x80\x8b", "unexpected '\\xe2' at byte 4" }, /* U+200B is no space */
                { "1.0+\xe2\x84\xaa", NULL },                           /* Kelvin sign: packaging reads 'k' */
                { "1.0-1-1", NULL },
                { "1.0.post1-1", NULL },
                { "french toast", NULL },
        };
        char long_release[2 * 64 + 2] = "";
        char too_long[1100];

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_invalid(rows[i].v, rows[i].why, "table");
        for (int i = 0; i < 65; i++)
                strcat(long_release, i ? ".1" : "1");
        check_invalid(long_release, "more than 64 release numbers", "limits");
        memset(too_long, '1', sizeof(too_long) - 1);
        too_long[sizeof(too_long) - 1] = '\0';
        check_invalid(too_long, "longer than 1024 bytes", "limits");
        check_invalid(NULL, "invalid PyPI version: missing", "NULL");
}

static json_t *load_json(const char *path) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        json_error_t jerr;
        json_t *j;
        size_t len;

        if (read_full_file(path, VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        j = json_loadb(buf, len, 0, &jerr);
        if (!j) {
                fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
                exit(1);
        }
        return j;
}

/* VERSIONS: ascending, every later entry above every earlier one. */
static void test_versions(json_t *versions) {
        size_t n = json_array_size(versions);

        CHECK(n > 80);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i; j < n; j++)
                        check_cmp(json_string_value(json_array_get(versions, i)),
                                  json_string_value(json_array_get(versions, j)), i < j ? -1 : 0, "VERSIONS");
}

static void test_packaging_vectors(const char *dir) {
        json_t *j = load_json(test_path(dir, "test_version.extracted.json")), *c;
        size_t i;

        test_versions(json_object_get(j, "VERSIONS"));
        json_array_foreach(json_object_get(json_object_get(j, "TestVersion.test_invalid_versions"), "cases"), i, c)
                check_invalid(json_string_value(c), NULL, "test_invalid_versions");
        json_array_foreach(json_object_get(json_object_get(j, "TestVersion.test_normalized_versions"), "cases"), i, c)
                check_cmp(json_string_value(json_array_get(c, 0)), json_string_value(json_array_get(c, 1)), 0,
                          "test_normalized_versions");
        json_decref(j);
}

int main(void) {
        int table;

        test_table_compare();
        test_table_invalid();
        table = vectors;
        test_packaging_vectors(test_path(test_shared_data(), "version/pep440"));
        fprintf(stderr, "checked %d table rows and %d pypa/packaging vectors\n", table, vectors - table);
        return test_end();
}
