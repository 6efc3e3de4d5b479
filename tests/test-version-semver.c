/* SPDX-License-Identifier: Apache-2.0 */
/* SemVer orderings for npm, Go and crates.io: our own table (each row's
 * answer is what node-semver 7.8.6 with loose, golang.org/x/mod/semver
 * 0.7.0 or the semver crate 1.0.14 says), then node-semver's own fixtures
 * in $PC_SHARED_DATA/version/semver/json/: comparisons, equality, valid
 * and (loose) invalid versions, read as npm. */
#include <errno.h>
#include <jansson.h>

#include "base/fileio.h"
#include "osv-range.h"
#include "test.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)
#define ERR (-2)        /* expected: invalid */

static int vectors;

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

static const char *kind_name(enum version_kind k) {
        return version_kind_to_string(k);
}

/* expected is -1, 0, 1 or ERR; both directions, and version_compare(). */
static void check(enum version_kind k, const char *a, const char *b, int expected, const char *where) {
        struct error err = {};
        int ab = 99, ba = 99, viak = 99, r1, r2, r3;

        r1 = version_semver_compare(k, a, b, &ab, &err);
        r2 = version_semver_compare(k, b, a, &ba, &err);
        r3 = version_compare(k, a, b, &viak, &err);
        vectors++;
        if (expected == ERR) {
                CHECK_MSG(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && ab == 99,
                          "%s: %s '%s' '%s' accepted", where, kind_name(k), a, b);
                CHECK_MSG(strstr(err.msg, " version '"), "%s: message '%s' names no version", where, err.msg);
                return;
        }
        CHECK_MSG(r1 == 0 && r2 == 0 && r3 == 0, "%s: %s '%s' '%s': %s", where, kind_name(k), a, b, err.msg);
        CHECK_MSG(sgn(ab) == expected && sgn(ba) == -expected && sgn(viak) == expected,
                  "%s: %s '%s' vs '%s': got %d/%d, want %d", where, kind_name(k), a, b, ab, ba, expected);
}

static void test_table(void) {
        static const struct {
                enum version_kind k;
                const char *a, *b;
                int cmp;
        } rows[] = {
                /* semver.org 11: the example chain, in every reading. */
                { VERSION_SEMVER, "1.0.0-alpha", "1.0.0-alpha.1", -1 },
                { VERSION_SEMVER, "1.0.0-alpha.1", "1.0.0-alpha.beta", -1 },
                { VERSION_SEMVER, "1.0.0-alpha.beta", "1.0.0-beta", -1 },
                { VERSION_SEMVER, "1.0.0-beta.2", "1.0.0-beta.11", -1 },
                { VERSION_SEMVER, "1.0.0-rc.1", "1.0.0", -1 },
                { VERSION_NPM, "1.0.0-beta.11", "1.0.0-rc.1", -1 },
                { VERSION_GO, "1.0.0-beta.11", "1.0.0-rc.1", -1 },
                { VERSION_SEMVER, "1.0.0-A", "1.0.0-a", -1 },           /* ASCII order */
                { VERSION_SEMVER, "1.0.0-1", "1.0.0--", -1 },           /* numeric below alphanumeric */
                { VERSION_SEMVER, "1.0.0+a", "1.0.0+b", 0 },            /* build ignored */
                { VERSION_SEMVER, "1.0.0-1+a", "1.0.0-1", 0 },
                { VERSION_SEMVER, "18446744073709551615.0.0", "18446744073709551614.9.9", 1 },
                { VERSION_SEMVER, "18446744073709551616.0.0", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0-99999999999999999999999", "1.0.0-100000000000000000000000", -1 },
                { VERSION_SEMVER, "v1.0.0", "1.0.0", ERR },
                { VERSION_SEMVER, " 1.0.0", "1.0.0", ERR },
                { VERSION_SEMVER, "01.0.0", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0-01", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0+01", "1.0.0", 0 },             /* leading zeros fine in build */
                { VERSION_SEMVER, "1.0", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0-", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0-a..b", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0+", "1.0.0", ERR },
                { VERSION_SEMVER, "1.0.0_1", "1.0.0", ERR },
                /* npm: what npm accepts in an installed package.json. */
                { VERSION_NPM, "v1.2.3", "1.2.3", 0 },
                { VERSION_NPM, "=v 1.2.3", "1.2.3", 0 },
                { VERSION_NPM, "\v 1.2.3 \r", "1.2.3", 0 },
                { VERSION_NPM, "01.02.03", "1.2.3", 0 },
                { VERSION_NPM, "1.2.3beta", "1.2.3-beta", 0 },
                { VERSION_NPM, "1.2.3-01", "1.2.3-1", 0 },
                { VERSION_NPM, "1.2.3-", "1.2.3--", 0 },                /* pre-release "-" */
                { VERSION_NPM, "1.2.3-", "1.2.3", -1 },
                { VERSION_NPM, "2.1.99.1", "2.1.9-9.1", 0 },            /* the regex backtracks */
                { VERSION_NPM, "2.1.9.1", "2.1.9", ERR },
                { VERSION_NPM, "9007199254740991.0.0", "9007199254740990.0.0", 1 },
                { VERSION_NPM, "9007199254740992.0.0", "1.0.0", ERR },
                { VERSION_NPM, "1.2", "1.2.0", ERR },
                { VERSION_NPM, "1.2.3-a+", "1.2.3", ERR },
                /* node-semver compares numeric identifiers past 2^53 as doubles. */
                { VERSION_NPM, "1.0.0-9007199254740993", "1.0.0-9007199254740992", 0 },
                { VERSION_NPM, "1.0.0-9007199254740993.b", "1.0.0-9007199254740992.a", 0 },
                { VERSION_NPM, "1.0.0-9007199254740993.b", "1.0.0-9007199254740993.a", 1 },
                { VERSION_NPM, "1.0.0-9007199254740994", "1.0.0-9007199254740990", 1 },
                /* Go: x/mod/semver with an optional 'v'. */
                { VERSION_GO, "v1.2.3", "1.2.3", 0 },
                { VERSION_GO, "v1", "1.0.0", 0 },
                { VERSION_GO, "1.2", "v1.2.0", 0 },
                { VERSION_GO, "v2.0.0+incompatible", "v2.0.0", 0 },
                { VERSION_GO, "v1.21.3", "1.21.10", -1 },
                { VERSION_GO, "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", -1 },
                { VERSION_GO, "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000", -1 },
                { VERSION_GO, "v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", 1 },
                { VERSION_GO, "v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre.1", -1 },
                { VERSION_GO, "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1 },
                { VERSION_GO, "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-alpha", -1 },
                { VERSION_GO, "v99999999999999999999999.0.0", "v1.0.0", 1 },
                { VERSION_GO, "vv1.0.0", "1.0.0", ERR },
                { VERSION_GO, "V1.0.0", "1.0.0", ERR },
                { VERSION_GO, "go1.21.3", "1.21.3", ERR },
                { VERSION_GO, "v1.2-pre", "1.2.0", ERR },
                { VERSION_GO, "v01.2.3", "1.2.3", ERR },
                { VERSION_GO, "v1.2.3-01", "1.2.3", ERR },
                { VERSION_GO, "", "1.2.3", ERR },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check(rows[i].k, rows[i].a, rows[i].b, rows[i].cmp, "table");
}

static void test_limits(void) {
        char v[1100];
        struct error err = {};

        /* node-semver's MAX_LENGTH: 256 characters, whitespace included. */
        memset(v, ' ', 256);
        memcpy(v + 250, "1.2.3", 6);
        CHECK(version_semver_check(VERSION_NPM, v, &err) == 0);
        memset(v, ' ', 257);
        memcpy(v + 252, "1.2.3", 6);
        CHECK(version_semver_check(VERSION_NPM, v, &err) == -EINVAL);
        CHECK(strstr(err.msg, "longer than 256 characters") != NULL);
        memset(v, '1', sizeof(v) - 1);
        v[sizeof(v) - 1] = '\0';
        CHECK(version_semver_check(VERSION_GO, v, &err) == -EINVAL);
        CHECK(strstr(err.msg, "invalid Go version '111") && strstr(err.msg, "...': longer than 1024 characters"));
        CHECK(version_semver_check(VERSION_PEP440, "1.0.0", &err) == -EINVAL);
        CHECK(version_semver_check(VERSION_NPM, NULL, &err) == -EINVAL);
        CHECK_STREQ(err.msg, "invalid npm version: missing");
        CHECK(version_semver_check(VERSION_SEMVER, "1.0.0-a.01", &err) == -EINVAL);
        CHECK_STREQ(err.msg, "invalid SemVer version '1.0.0-a.01': numeric pre-release identifier has a leading zero");
}

/* OSV's SEMVER ranges are read as the record's ecosystem reads versions:
 * Go's records have no 'v' while a Go binary's build info has one, npm's
 * installed versions may be loose. */
static void test_semver_ranges(void) {
        static const struct {
                const char *ecosystem, *ranges, *installed;
                bool affected;
        } rows[] = {
                { "Go", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.21.3\"}]}]", "v1.21.2", true },
                { "Go", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.21.3\"}]}]", "v1.21.3", false },
                { "Go", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"0.0.0-20220906165146-f3363e06e74c\"}]}]",
                  "v0.0.0-20210817164053-32db794688a5", true },
                { "npm", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.6\"}]}]", "v1.2.5", true },
                { "npm", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.6\"}]}]", "1.2.6beta", true },
                { "crates.io", "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0.0.0-0\"},{\"fixed\":\"0.4.3\"}]}]", "0.4.2", true },
                { "PyPI", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.31.0\"}]}]", "2.31.0rc1", true },
                { "PyPI", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.31.0\"}]}]", "2.31.0.post1", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *enc = NULL, *fixed = NULL;
                json_t *ranges = json_loads(rows[i].ranges, 0, NULL);
                struct error err = {};
                bool affected = !rows[i].affected;
                int r;

                CHECK(ranges && osv_ranges_encode(ranges, &enc) == 0);
                r = osv_affected_eval(version_kind_from_ecosystem(rows[i].ecosystem), rows[i].installed, enc, NULL,
                                      &affected, &fixed, &err);
                CHECK_MSG(r == 0 && affected == rows[i].affected, "%s %s: r=%d affected=%d: %s", rows[i].ecosystem,
                          rows[i].installed, r, affected, err.msg);
                json_decref(ranges);
        }
}

static json_t *load_json(const char *dir, const char *name) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        json_error_t jerr;
        json_t *j;
        size_t len;

        if (read_full_file(test_path(dir, name), VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        j = json_loadb(buf, len, 0, &jerr);
        if (!j) {
                fprintf(stderr, "%s:%d: %s\n", name, jerr.line, jerr.text);
                exit(1);
        }
        return j;
}

/* A fixture row's options: true or {"loose": true}. */
static bool row_loose(json_t *row, size_t at) {
        json_t *o = json_array_get(row, at);

        return json_is_true(o) || json_is_true(json_object_get(o, "loose"));
}

/* node-semver's fixtures, read as npm reads them (loose).  A strict-valid
 * version means the same read loosely, so every row applies. */
static void test_node_semver_fixtures(const char *dir) {
        json_t *j, *row;
        size_t i;

        j = load_json(dir, "comparisons.json");     /* [greater, smaller, options] */
        json_array_foreach(j, i, row)
                check(VERSION_NPM, json_string_value(json_array_get(row, 0)), json_string_value(json_array_get(row, 1)), 1,
                      "comparisons.json");
        json_decref(j);
        j = load_json(dir, "equality.json");
        json_array_foreach(j, i, row)
                check(VERSION_NPM, json_string_value(json_array_get(row, 0)), json_string_value(json_array_get(row, 1)), 0,
                      "equality.json");
        json_decref(j);
        j = load_json(dir, "valid-versions.json");  /* [version, major, minor, patch, pre, build] */
        json_array_foreach(j, i, row) {
                const char *v = json_string_value(json_array_get(row, 0));
                char plain[128];

                snprintf(plain, sizeof(plain), "%lld.%lld.%lld", json_integer_value(json_array_get(row, 1)),
                         json_integer_value(json_array_get(row, 2)), json_integer_value(json_array_get(row, 3)));
                check(VERSION_NPM, v, plain, json_array_size(json_array_get(row, 4)) ? -1 : 0, "valid-versions.json");
        }
        json_decref(j);
        j = load_json(dir, "invalid-versions.json"); /* [version, why, options]; non-strings skipped */
        json_array_foreach(j, i, row)
                if (json_is_string(json_array_get(row, 0)) && row_loose(row, 2))
                        check(VERSION_NPM, json_string_value(json_array_get(row, 0)), "1.2.3", ERR, "invalid-versions.json");
        json_decref(j);
}

int main(void) {
        int table;

        test_table();
        test_limits();
        test_semver_ranges();
        table = vectors;
        test_node_semver_fixtures(test_path(test_shared_data(), "version/semver/json"));
        fprintf(stderr, "checked %d table rows and %d node-semver fixtures\n", table, vectors - table);
        return test_end();
}
