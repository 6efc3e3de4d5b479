/* SPDX-License-Identifier: Apache-2.0 */
/* Debian version ordering and validation: our own table, then every vector
 * of dpkg's own tests in $PC_SHARED_DATA/version/dpkg/ (see SOURCES.md). */
#include <errno.h>
#include <stdbool.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "test.h"
#include "version-dpkg-internal.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)

static int vectors;

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

/* version_dpkg_key(): keys of a and b, where both have one, compare as
 * expected; returns how many of the two had one. */
static int check_key(const char *a, const char *b, int expected, const char *where) {
        char ka[VERSION_KEY_MAX], kb[VERSION_KEY_MAX];
        int ra = version_dpkg_key(a, ka, sizeof(ka)), rb = version_dpkg_key(b, kb, sizeof(kb));

        CHECK_MSG(ra > 0 || ra == -EINVAL || ra == -E2BIG, "%s: key of '%s': %d", where, a, ra);
        if (ra < 0 || rb < 0)
                return (ra > 0) + (rb > 0);
        CHECK_MSG(strlen(ka) == (size_t) ra && sgn(strcmp(ka, kb)) == expected,
                  "%s: keys of '%s' and '%s' compare %d, the versions %d", where, a, b, sgn(strcmp(ka, kb)), expected);
        return 2;
}

/* Compares both ways and checks the sign and antisymmetry, and the keys. */
static void check_cmp(const char *a, const char *b, int expected, const char *where) {
        struct error err = {};
        int ab = 99, ba = 99, r;

        r = version_dpkg_compare(a, b, &ab, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, a, b, err.msg);
        r = version_dpkg_compare(b, a, &ba, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, b, a, err.msg);
        CHECK_MSG((ab > 0) - (ab < 0) == expected && (ba > 0) - (ba < 0) == -expected,
                  "%s: '%s' vs '%s': got %d/%d, want %d", where, a, b, ab, ba, expected);
        check_key(a, b, expected, where);
        vectors++;
}

static bool printable(const char *s) {
        for (; *s; s++)
                if (*s < 0x20 || *s >= 0x7f || *s == '\\')
                        return false;
        return true;
}

/* 0 valid, 1 dpkg warns, -1 dpkg errors. */
static void check_valid(const char *v, int expected, const char *where) {
        struct error err = {};
        int r = version_dpkg_check(v, &err);

        CHECK_MSG((r < 0 ? -1 : r) == expected, "%s: check '%s' = %d (%s), want %d", where, v, r, err.msg,
                  expected);
        if (r < 0)
                CHECK_MSG(r == -EINVAL && (!printable(v) || strstr(err.msg, v)),
                          "%s: message should name '%s': %s", where, v, err.msg);
        vectors++;
}

static void test_table_compare(void) {
        static const struct {
                const char *a, *b;
                int cmp;
        } rows[] = {
                { "1.0", "1.0", 0 },
                { "1.0", "1.00", 0 },
                { "1.0", "1.0-0", 0 },
                { "1.0-0", "1.0-00", 0 },
                { "0:1.0", "1.0", 0 },
                { "00:1.0", "1.0", 0 },
                { "+1:1.0", "1:1.0", 0 },       /* strtol() takes a sign */
                { "-0:1.0", "1.0", 0 },
                { "\n1:1.0", "1:1.0", 0 },      /* and skips \n \v \f \r */
                { " \t1.0\t ", "1.0", 0 },      /* blanks are trimmed */
                { "1.0", "1.1", -1 },
                { "1.0", "1.0.0", -1 },
                { "1.0~rc1", "1.0", -1 },
                { "1.0~~", "1.0~", -1 },
                { "1.0~", "1.0", -1 },
                { "1.0~rc1", "1.0~rc1-1", -1 },
                { "1.0", "1.0a", -1 },
                { "1.0a", "1.0+", -1 },         /* letters before non-letters */
                { "1.0+", "1.0.", -1 },         /* '+' (43) before '.' (46) */
                { "1.0Z", "1.0a", -1 },         /* ASCII order among letters */
                { "1.0", "1.0+", -1 },
                { "1:0", "2.0", 1 },
                { "2147483647:0", "2147483646:9", 1 },
                { "1.2.3-1", "1.2.3-1ubuntu1", -1 },
                { "1.2.3-1ubuntu1", "1.2.3-1+deb12u1", -1 },
                { "2.36-9+deb12u4", "2.36-9+deb12u10", -1 },
                { "1-2-3", "1-2-4", -1 },       /* revision after the last hyphen */
                { "1-2-3", "1-3-2", -1 },
                { "1:2:3", "1:2:4", -1 },       /* epoch before the first colon */
                { "0:1:2", "1:2", -1 },         /* epoch 0, upstream "1:2" */
                /* numeric runs of any length, leading zeros ignored */
                { "1.99999999999999999999999999999", "1.100000000000000000000000000000", -1 },
                { "1.000000000000000000000000000000000001", "1.1", 0 },
                { "18446744073709551616", "18446744073709551615", 1 },
                { "1.0-0000000000000000000000000000000000", "1.0", 0 },
                /* bytes dpkg only warns about still order the way it does */
                { "1.0\xc3", "1.0z", 1 },
                { "1.0\xc3", "1.0+", -1 },
                { "1.0\x01", "1.0\xff", 1 },
                { "1.0_", "1.0+", 1 },
                { "a", "b", -1 },
                { "~", "0", -1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_cmp(rows[i].a, rows[i].b, rows[i].cmp, "table");
}

static void test_table_check(void) {
        static const struct {
                const char *v;
                int expected;   /* 0 valid, 1 warning, -1 error */
        } rows[] = {
                { "1.0", 0 },
                { "1:1.0-1", 0 },
                { "1.0-1-1", 0 },
                { "0:1.0:1-1", 0 },
                { "1.0:1-1", -1 },             /* the first colon ends the epoch */
                { "2147483647:1", 0 },
                { "0000000000000000000002147483647:1", 0 },
                { "-000:1", 0 },
                { "+1:1", 0 },
                { "\r\n1:1", 0 },
                { "", -1 },
                { " \t ", -1 },
                { "1 0", -1 },
                { "1\t0", -1 },
                { ":1", -1 },
                { "+:1", -1 },
                { "\n:1", -1 },
                { "1\n:1", -1 },
                { "1a:1", -1 },
                { "-1:1", -1 },
                { "2147483648:1", -1 },
                { "99999999999999999999999999:1", -1 },
                { "-99999999999999999999999999:1", -1 },
                { "1:", -1 },
                { "1-", -1 },
                { "1:-1", -1 },
                { "-1", -1 },
                { "--", -1 },
                { "a1", 1 },
                { "~1", 1 },
                { "1_0", 1 },
                { "1\n0", 1 },
                { "0:1.0-1:1", 1 },
                { "1.0-1:1", -1 },
                { "1.0-1-", -1 },
                { "1.0-a_b", 1 },
                { "1.0\xc3\xa9", 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_valid(rows[i].v, rows[i].expected, "table");
}

static void test_invalid_compare(void) {
        struct error err = {};
        int cmp = 42, r;

        r = version_dpkg_compare("1.0", "1.0-", &cmp, &err);
        CHECK(r == -EINVAL);
        CHECK(cmp == 42);       /* ret_cmp is written only on success */
        CHECK(strstr(err.msg, "'1.0-'") != NULL);
        r = version_compare(VERSION_DPKG, "1:a", "b", &cmp, &err);
        CHECK(r == 0 && cmp > 0);
        /* every kind has its order now; a kind out of range is refused */
        r = version_compare(_VERSION_KIND_MAX, "1", "2", &cmp, &err);
        CHECK(r == -EINVAL);
        CHECK(strstr(err.msg, "unknown version kind") != NULL);
}

/* Messages show hostile versions escaped and cut. */
static void test_message_escaping(void) {
        struct error err = {};
        char long_version[1000];

        CHECK(version_dpkg_check("1\033[2J\\x:1", &err) == -EINVAL);
        CHECK_STREQ(err.msg, "invalid Debian version '1\\x1b[2J\\x5cx:1': epoch is not a number");
        memset(long_version, '9', sizeof(long_version) - 2);
        long_version[sizeof(long_version) - 2] = '-';
        long_version[sizeof(long_version) - 1] = '\0';
        CHECK(version_dpkg_check(long_version, &err) == -EINVAL);
        CHECK(strlen(err.msg) < 200 && strstr(err.msg, "999...': revision after '-' is empty"));
}

static void test_parse_split(void) {
        struct error err = {};
        struct dpkg_version dv;

        CHECK(version_dpkg_parse("  7:1.2-3:4-5\t", &dv, &err) == 0);
        CHECK(dv.epoch == 7);
        CHECK(dv.upstream.n == 7 && memcmp(dv.upstream.p, "1.2-3:4", 7) == 0);
        CHECK(dv.revision.n == 1 && dv.revision.p[0] == '5');
}

static void test_ecosystems(void) {
        static const struct {
                const char *ecosystem;
                int kind;
        } rows[] = {
                { "Debian", VERSION_DPKG },
                { "Debian:12", VERSION_DPKG },
                { "debian:11", VERSION_DPKG },
                { "Ubuntu:22.04:LTS", VERSION_DPKG },
                { "Ubuntu:Pro:18.04:LTS", VERSION_DPKG },
                { "Alpine:v3.18", VERSION_APK },
                { "Wolfi", VERSION_APK },
                { "Chainguard", VERSION_APK },
                { "Red Hat:enterprise_linux:9::appstream", VERSION_RPM },
                { "Rocky Linux:9", VERSION_RPM },
                { "AlmaLinux:9", VERSION_RPM },
                { "openSUSE:Leap 15.5", VERSION_RPM },
                { "SUSE:Linux Enterprise Server 15 SP5", VERSION_RPM },
                { "Mageia:9", VERSION_RPM },
                { "Azure Linux:3", VERSION_RPM },
                { "Photon OS:5.0", VERSION_RPM },
                { "PyPI", VERSION_PEP440 },
                { "npm", VERSION_NPM },
                { "crates.io", VERSION_SEMVER },
                { "Go", VERSION_GO },
                { "Hex", VERSION_SEMVER },
                { "Maven", VERSION_MAVEN },
                { "RubyGems", VERSION_GEM },
                { "deb", VERSION_DPKG },
                { "DEB", VERSION_DPKG },
                { "apk", VERSION_APK },
                { "rpm", VERSION_RPM },
                { "pypi", VERSION_PEP440 },
                { "semver", VERSION_SEMVER },
                { "go", VERSION_GO },
                { "golang", VERSION_GO },
                { "crates", VERSION_SEMVER },
                { "cargo", VERSION_SEMVER },
                { "maven", VERSION_MAVEN },
                { "Gem", VERSION_GEM },
                { "NuGet", VERSION_NUGET },
                { "Pub", -EOPNOTSUPP },
                { "Packagist", VERSION_COMPOSER },
                { "Debianx", -EOPNOTSUPP },
                { "Deb:12", -EOPNOTSUPP },
                { "Gox", -EOPNOTSUPP },
                { "", -EOPNOTSUPP },
                { NULL, -EOPNOTSUPP },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                int k = version_kind_from_ecosystem(rows[i].ecosystem);
                CHECK_MSG(k == rows[i].kind, "ecosystem '%s': got %d, want %d", strna(rows[i].ecosystem), k,
                          rows[i].kind);
        }
        for (int k = 0; k < _VERSION_KIND_MAX; k++) {
                const char *s = version_kind_to_string(k);
                CHECK(s && version_kind_from_ecosystem(s) == k);
        }
        CHECK(version_kind_to_string(_VERSION_KIND_MAX) == NULL);
        CHECK(version_kind_to_string(_VERSION_KIND_INVALID) == NULL);
}

/* Loads a vector file; every vector file is small. */
static char *load(const char *dir, const char *name) {
        struct error err = {};
        char *buf = NULL;
        size_t len;

        if (read_full_file(test_path(dir, name), VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        return buf;
}

/* Dpkg_Version.t.DATA.txt: "A B EXPECTED" with EXPECTED -1, 0 or 1. */
static void test_data_file(const char *dir) {
        _cleanup_free_ char *buf = load(dir, "Dpkg_Version.t.DATA.txt");
        char *save = NULL;
        int n = 0;

        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char a[256], b[256];
                int expected;

                if (line[0] == '#')
                        continue;
                CHECK_MSG(sscanf(line, "%255s %255s %d", a, b, &expected) == 3, "bad line: %s", line);
                check_cmp(a, b, expected, "Dpkg_Version.t DATA");
                n++;
        }
        CHECK(n >= 40);
}

/* Checks that list[0..n) is strictly ascending, every pair. */
static void check_ascending(char **list, size_t n, const char *where) {
        for (size_t i = 0; i < n; i++)
                for (size_t j = i; j < n; j++)
                        check_cmp(list[i], list[j], i == j ? 0 : -1, where);
}

/* '"", "-0", ...' -> the quoted strings. */
static void check_invalid_list(const char *s) {
        int n = 0;

        while ((s = strchr(s, '"'))) {
                const char *e = strchr(++s, '"');
                _cleanup_free_ char *v = NULL;

                if (!e)
                        break;
                v = strndup_or_null(s, (size_t) (e - s));
                /* Dpkg::Version's is_valid is deb-version(7): the C parser
                 * rejects some of these and only warns about the others. */
                {
                        int r = version_dpkg_check(v, NULL);
                        CHECK_MSG(r != 0, "Dpkg_Version.t: '%s' should be invalid", v);
                }
                vectors++;
                n++;
                s = e + 1;
        }
        CHECK(n >= 9);
}

/* Dpkg_Version.t.sorted.txt: "## ... ascending order:" sections of one
 * version per line, and one "## Invalid versions ...: "a", "b"" line. */
static void test_sorted_file(const char *dir) {
        _cleanup_free_ char *buf = load(dir, "Dpkg_Version.t.sorted.txt");
        _cleanup_strv_free_ char **list = NULL;
        char *save = NULL;
        int sections = 0;

        for (char *line = strtok_r(buf, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
                if (!line || startswith(line, "##")) {
                        if (list) {
                                check_ascending(list, strv_length(list), "Dpkg_Version.t sorted");
                                strv_free(TAKE_PTR(list));
                                sections++;
                        }
                        if (!line)
                                break;
                        if (startswith(line, "## Invalid versions"))
                                check_invalid_list(line);
                        continue;
                }
                if (line[0] == '#')
                        continue;
                CHECK(strv_push(&list, strdup(line)) == 0);
        }
        CHECK(sections == 3);
}

/* Unquotes "..." with \t escapes, or takes a bare word; returns the rest. */
static char *take_token(char *s, char *out, size_t max) {
        size_t n = 0;

        s += strspn(s, " \t");
        if (*s != '"') {
                size_t len = strcspn(s, " \t");
                snprintf(out, max, "%.*s", (int) len, s);
                return s + len;
        }
        for (s++; *s && *s != '"' && n + 1 < max; s++) {
                if (s[0] == '\\' && s[1] == 't') {
                        out[n++] = '\t';
                        s++;
                } else
                        out[n++] = *s;
        }
        out[n] = '\0';
        return *s == '"' ? s + 1 : s;
}

static bool span_eq(struct dpkg_span s, const char *expected) {
        return s.n == strlen(expected) && memcmp(s.p, expected, s.n) == 0;
}

/* "INPUT -> (EPOCH, "UPSTREAM", "REVISION")" */
static void vector_parse_ok(char *line) {
        char input[256], up[256], rev[256];
        struct error err = {};
        struct dpkg_version dv;
        char *rest;
        int epoch, r;

        rest = take_token(line, input, sizeof(input));
        rest = strstr(rest, "-> (");
        CHECK_MSG(rest && sscanf(rest, "-> (%d, \"%255[^\"]\", \"%255[^\"]\")", &epoch, up, rev) >= 2,
                  "bad line: %s", line);
        if (!rest)
                return;
        if (sscanf(rest, "-> (%d, \"%255[^\"]\", \"%255[^\"]\")", &epoch, up, rev) == 2)
                rev[0] = '\0';

        r = version_dpkg_parse(input, &dv, &err);
        CHECK_MSG(r == 0, "t-version.c: parse '%s': %d %s", input, r, err.msg);
        if (r == 0)
                CHECK_MSG(dv.epoch == epoch && span_eq(dv.upstream, up) && span_eq(dv.revision, rev),
                          "t-version.c: '%s' split as (%d, %.*s, %.*s)", input, dv.epoch, (int) dv.upstream.n,
                          dv.upstream.p, (int) dv.revision.n, dv.revision.p);
        vectors++;
}

/* '"0:0X-0" for X in  ! # @ ...   # comment': one version per X. */
static void vector_each_char(char *line, int expected) {
        char pattern[256], *list, *comment, *x;
        const char *hole;
        int n = 0;

        list = take_token(line, pattern, sizeof(pattern));
        list = strstr(list, "for X in");
        hole = strchr(pattern, 'X');
        if (!list || !hole) {
                CHECK_MSG(false, "bad line: %s", line);
                return;
        }
        list += STRLEN("for X in");
        comment = strstr(list, "  #");  /* the list is single-spaced */
        if (comment)
                *comment = '\0';
        for (char *save = NULL; (x = strtok_r(list, " ", &save)); list = NULL) {
                char v[512];

                snprintf(v, sizeof(v), "%.*s%s%s", (int) (hole - pattern), pattern, x, hole + 1);
                check_valid(v, expected, "t-version.c");
                n++;
        }
        CHECK(n >= 20);
}

/* '(E,"U","R")  OP  (E,"U","R")' with OP one of == < >. */
static void vector_compare(const char *line) {
        char ua[128], ra[128], ub[128], rb[128], op[3], a[300], b[300];
        int ea, eb;

        if (sscanf(line, "(%d,\"%127[^\"]\",\"%127[^\"]\") %2s (%d,\"%127[^\"]\",\"%127[^\"]\")", &ea, ua, ra, op,
                   &eb, ub, rb) != 7) {
                CHECK_MSG(false, "bad line: %s", line);
                return;
        }
        snprintf(a, sizeof(a), "%d:%s-%s", ea, ua, ra);
        snprintf(b, sizeof(b), "%d:%s-%s", eb, ub, rb);
        check_cmp(a, b, streq_ptr(op, "==") ? 0 : streq_ptr(op, "<") ? -1 : 1, "t-version.c compare");
}

/* t-version.c.extracted.txt: sections PARSE, PARSE ERRORS, PARSE WARNINGS
 * and COMPARE, one vector per line, "# comment" after two spaces. */
static void test_extracted_file(const char *dir) {
        _cleanup_free_ char *buf = load(dir, "t-version.c.extracted.txt");
        enum { NONE, PARSE, ERRORS, WARNINGS, COMPARE } section = NONE;
        char *save = NULL;
        int seen[COMPARE + 1] = {};

        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char v[256];

                if (startswith(line, "## ")) {
                        section = startswith(line, "## PARSE ERRORS") ? ERRORS
                                : startswith(line, "## PARSE WARNINGS") ? WARNINGS
                                : startswith(line, "## PARSE") ? PARSE
                                : startswith(line, "## COMPARE") ? COMPARE : NONE;
                        CHECK_MSG(section != NONE, "unknown section: %s", line);
                        continue;
                }
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                seen[section]++;
                switch (section) {
                case PARSE:
                        vector_parse_ok(line);
                        break;
                case ERRORS:
                        (void) take_token(line, v, sizeof(v));
                        check_valid(v, -1, "t-version.c");
                        break;
                case WARNINGS:
                        if (strstr(line, "for X in"))
                                vector_each_char(line, 1);
                        else {
                                (void) take_token(line, v, sizeof(v));
                                check_valid(v, 1, "t-version.c");
                        }
                        break;
                case COMPARE:
                        vector_compare(line);
                        break;
                case NONE:
                        CHECK_MSG(false, "line outside a section: %s", line);
                        break;
                }
        }
        CHECK(seen[PARSE] >= 17 && seen[ERRORS] >= 12 && seen[WARNINGS] >= 4 && seen[COMPARE] >= 8);
}

/* Keys: what they are for a few, what has none, and their order against
 * version_dpkg_compare() over random versions made of the pieces that
 * decide it (digit runs with leading zeros, '~', letters of both cases,
 * the punctuation, epochs, revisions, empty and all-zero parts). */
static void test_keys(void) {
        static const char *const pieces[] = { "0", "00", "1", "9", "10", "010", "123456789012345678901234567890",
                                              "~", "~~", "a", "A", "z", "Z", ".", "+", ":", "-", "b.", "~a" };
        static const char *const equal[][2] = {
                { "1.0", "1.00" }, { "1.0", "1.0-0" }, { "0:1.0", "1.0" }, { "1.0", "1." }, { "1a", "1a0" },
                { "0", "00" }, { "1.0-0", "1.0-00" }, { "+1:2", "1:2" },
        };
        char k[VERSION_KEY_MAX], big[200];
        unsigned seed = 1;
        int both = 0;

        for (size_t i = 0; i < ELEMENTSOF(equal); i++)
                check_cmp(equal[i][0], equal[i][1], 0, "key table");
        CHECK(version_dpkg_key("1.0", k, sizeof(k)) > 0 && strlen(k) < 12);
        CHECK(version_dpkg_key("1.0 x", k, sizeof(k)) == -EINVAL);     /* dpkg rejects it */
        CHECK(version_dpkg_key("1.0_1", k, sizeof(k)) == -EINVAL);     /* dpkg warns: no key */
        CHECK(version_dpkg_key("1.0\xc3\xa9", k, sizeof(k)) == -EINVAL);
        CHECK(version_dpkg_key(NULL, k, sizeof(k)) == -EINVAL);
        CHECK(version_dpkg_key("1.0", k, 4) == -E2BIG);
        memset(big, '7', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK(version_dpkg_key(big, k, sizeof(k)) == -E2BIG);          /* a number of 199 digits */
        for (const unsigned char *p = (const unsigned char *) k; version_dpkg_key("1:2.3~rc1+b.2-4ubuntu0.1", k,
                                                                                   sizeof(k)) > 0 && *p; p++)
                CHECK(*p >= 0x01 && *p <= 0x7f);

        for (int round = 0; round < 20000; round++) {
                char v[2][96];

                for (int w = 0; w < 2; w++) {
                        size_t n = 0, parts = 1 + rand_r(&seed) % 5;

                        v[w][0] = '\0';
                        if (rand_r(&seed) % 4 == 0)
                                n += (size_t) snprintf(v[w], sizeof(v[w]), "%u:", rand_r(&seed) % 3);
                        if (rand_r(&seed) % 2)
                                n += (size_t) snprintf(v[w] + n, sizeof(v[w]) - n, "%u", rand_r(&seed) % 3);
                        for (size_t i = 0; i < parts && n < 60; i++)
                                n += (size_t) snprintf(v[w] + n, sizeof(v[w]) - n, "%s",
                                                       pieces[rand_r(&seed) % ELEMENTSOF(pieces)]);
                }
                {
                        int cmp;

                        if (version_dpkg_compare(v[0], v[1], &cmp, NULL) < 0)
                                continue;
                        both += check_key(v[0], v[1], sgn(cmp), "random") == 2;
                }
        }
        CHECK_MSG(both > 5000, "only %d random pairs had two keys", both);
}

/* Every version of a real status file against every other: keys and
 * comparisons agree (357 TeX Live packages, epochs and all). */
static void test_keys_status(const char *path) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_strv_free_ char **list = NULL;
        struct error err = {};
        char *save = NULL;
        size_t len, n;

        if (read_full_file(path, VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                CHECK_MSG(false, "%s", err.msg);
                return;
        }
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (startswith(line, "Version: "))
                        CHECK(strv_push(&list, strdup(line + STRLEN("Version: "))) == 0);
        n = strv_length(list);
        CHECK(n >= 300);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i; j < n; j++) {
                        int cmp;

                        CHECK(version_dpkg_compare(list[i], list[j], &cmp, NULL) == 0);
                        CHECK_MSG(check_key(list[i], list[j], sgn(cmp), path) == 2, "no key: '%s' '%s'", list[i],
                                  list[j]);
                }
}

int main(void) {
        const char *data;
        int table;

        test_table_compare();
        test_table_check();
        test_invalid_compare();
        test_message_escaping();
        test_parse_split();
        test_ecosystems();
        test_keys();
        table = vectors;

        data = test_path(test_shared_data(), "version/dpkg");
        test_data_file(data);
        test_sorted_file(data);
        test_extracted_file(data);
        test_keys_status(test_path(test_shared_data(), "pkgdb/claircore/dpkg/texlive.status"));
        fprintf(stderr, "checked %d table rows and %d dpkg reference vectors\n", table, vectors - table);
        return test_end();
}
