/* SPDX-License-Identifier: Apache-2.0 */
/* Alpine version ordering and validity: our own table, then every line of
 * apk-tools' test/version.data in $PC_SHARED_DATA/version/apk/. */
#include <errno.h>
#include <stdbool.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "test.h"
#include "version-apk-internal.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)
#define FIELD_MAX 256

static int vectors;

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

/* Compares both ways and checks the sign and antisymmetry. */
static void check_cmp(const char *a, const char *b, int expected, const char *where) {
        struct error err = {};
        int ab = 99, ba = 99, r;

        r = version_apk_compare(a, b, &ab, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, a, b, err.msg);
        r = version_apk_compare(b, a, &ba, &err);
        CHECK_MSG(r == 0, "%s: compare '%s' '%s': %s", where, b, a, err.msg);
        CHECK_MSG(sgn(ab) == expected && sgn(ba) == -expected, "%s: '%s' vs '%s': got %d/%d, want %d", where, a, b,
                  ab, ba, expected);
        vectors++;
}

static void check_valid(const char *v, bool expected, const char *where) {
        struct error err = {};
        int r = version_apk_check(v, &err), cmp = 42;

        CHECK_MSG((r == 0) == expected, "%s: check '%s' = %d (%s), want %s", where, v, r, err.msg,
                  expected ? "valid" : "invalid");
        if (r < 0) {
                CHECK_MSG(r == -EINVAL && strstr(err.msg, "invalid Alpine version '"), "%s: message: %s", where,
                          err.msg);
                /* An invalid version is never ordered, from either side. */
                CHECK(version_apk_compare(v, "1.0", &cmp, NULL) == -EINVAL && cmp == 42);
                CHECK(version_apk_compare("1.0", v, &cmp, NULL) == -EINVAL && cmp == 42);
        }
        vectors++;
}

static void test_table_compare(void) {
        static const struct {
                const char *a, *b;
                int cmp;
        } rows[] = {
                { "1.0", "1.0", 0 },
                { "1.0-r0", "1.0", 1 },             /* even -r0 sorts after no revision */
                { "01.0", "1.0", 0 },               /* the first number is a number */
                { "1.0", "1.00", -1 },              /* later ones with a leading 0 are strings */
                { "1.01", "1.1", -1 },
                { "1.001", "1.01", -1 },
                { "1.10", "1.9", 1 },
                { "1.0", "1.0.0", -1 },
                { "1.0a", "1.0b", -1 },
                { "1.0z", "1.0.1", -1 },            /* a letter before another dotted part */
                { "1.0a", "1.0", 1 },
                { "1.0_alpha", "1.0_beta", -1 },
                { "1.0_beta", "1.0_pre", -1 },
                { "1.0_pre", "1.0_rc", -1 },
                { "1.0_rc", "1.0", -1 },
                { "1.0", "1.0_cvs", -1 },
                { "1.0_cvs", "1.0_svn", -1 },
                { "1.0_svn", "1.0_git", -1 },
                { "1.0_git", "1.0_hg", -1 },
                { "1.0_hg", "1.0_p", -1 },
                { "1.0_rc9", "1.0_rc10", -1 },
                { "1.0_rc1", "1.0_rc", 1 },
                { "1.0_alpha_pre", "1.0_alpha", -1 },
                { "1.0_p1-r5", "1.0_p2", -1 },
                { "1.0-r9", "1.0-r10", -1 },
                { "1.0-r1", "1.0_p1", -1 },
                { "1.0a-r1", "1.0_alpha-r9", 1 },
                { "1.2.3_rc1-r0", "1.2.3-r0", -1 },
                { "1.0~abc", "1.0~abd", -1 },
                { "1.0~ab", "1.0~abc", -1 },
                { "1.0~abc", "1.0", 1 },
                { "1.0~abc-r1", "1.0~abc", 1 },
                /* a letter followed by a number, as apk-tools 2.x reads it
                 * (sudo 1.9.5p2-r0 in Alpine 3.13) */
                { "1.9.5p2-r0", "1.9.5p3-r0", -1 },
                { "1.9.5p3-r0", "1.9.6-r0", -1 },
                { "1.9.5p2-r0", "1.9.5-r0", 1 },
                { "1.9.5p2-r0", "1.9.5p-r0", 1 },
                { "1.9.5p2", "1.9.5_p2", 1 },       /* a number goes on before a suffix */
                { "1.9.5p10", "1.9.5p9", 1 },       /* by value, not as a string */
                { "1.0a01", "1.0a1", 0 },
                { "1.0a1", "1.0b", -1 },
                { "1.0a1_rc1", "1.0a1", -1 },
                { "1.0a1.2", "1.0a1.3", -1 },
                { "1.0a1.2", "1.0a1", 1 },
                { "1.0a1b2", "1.0a1b", 1 },
                { "1.0a1b2", "1.0a2", -1 },
                { "1.0a1~ab", "1.0a1", 1 },
                /* numbers of any length */
                { "99999999999999999999999999", "100000000000000000000000000", -1 },
                { "1.0-r18446744073709551616", "1.0-r18446744073709551615", 1 },
                { "0000000000000000000000001", "1", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_cmp(rows[i].a, rows[i].b, rows[i].cmp, "table");
}

static void test_table_check(void) {
        static const struct {
                const char *v;
                bool valid;
        } rows[] = {
                { "0", true },
                { "1.2.3", true },
                { "1.2.3a", true },
                { "1.2.3_alpha", true },
                { "1.2.3_alpha1_beta2_pre3_rc4_cvs5_svn6_git7_hg8_p9", true },
                { "1.2.3~0123456789abcdef", true },
                { "1.2.3~abc-r4", true },
                { "1.2.3-r0", true },
                { "1.2.3a_p1~ff-r1", true },
                { "1.9.5p2-r0", true },
                { "1.0a1", true },
                { "1.0a01", true },
                { "1.0a1.2", true },
                { "1.0a1b2_rc3~ab-r4", true },
                { "", false },
                { "v1.0", false },
                { " 1.0", false },
                { "1.0 ", false },
                { "1.0\n", false },
                { "1..0", false },
                { "1.0.", false },
                { "1.A", false },
                { "1.0A", false },
                { "1.0ab", false },
                { "1.0a.1", false },
                { "1.0a1bc", false },
                { "1.0p2.", false },
                { "1.0p2_", false },
                { "1.0_ALPHA", false },
                { "1.0_alphabet", false },
                { "1.0_p1a", false },
                { "1.0_p1.1", false },
                { "1.0~", false },
                { "1.0~ABC", false },
                { "1.0~abc~def", false },
                { "1.0-r1~abc", false },
                { "1.0-r", false },
                { "1.0-1", false },
                { "1.0-r1a", false },
                { "1.0-r1-r2", false },
                { "1:1.0", false },                 /* no epochs in apk */
                { "1.0\xc3\xa9", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_valid(rows[i].v, rows[i].valid, "table");
}

static void test_api(void) {
        struct error err = {};
        int cmp = 42;

        CHECK(version_apk_compare("1.0", "1.0-", &cmp, &err) == -EINVAL && cmp == 42);
        CHECK_STREQ(err.msg, "invalid Alpine version '1.0-': '-' does not start a revision '-rN'");
        CHECK(version_apk_check(NULL, &err) == -EINVAL);
        CHECK(version_apk_compare(NULL, "1", &cmp, &err) == -EINVAL);
        CHECK(version_apk_compare("1", NULL, &cmp, &err) == -EINVAL);
        CHECK(version_apk_check("1.0\033[2J", &err) == -EINVAL);
        CHECK(strstr(err.msg, "'1.0\\x1b[2J'") != NULL);
        /* version_compare() dispatches here for every apk ecosystem */
        CHECK(version_compare(version_kind_from_ecosystem("Alpine:v3.18"), "1.2.3_rc1-r0", "1.2.3-r0", &cmp,
                              &err) == 0 && cmp < 0);
        CHECK(version_compare(version_kind_from_ecosystem("Wolfi"), "1.0_p1", "1.0-r9", &cmp, &err) == 0 && cmp > 0);
        CHECK(version_compare(VERSION_APK, "1.0", "x", &cmp, &err) == -EINVAL);
        vectors += 9;
}

/* One whitespace-separated field of s into out; returns the rest. */
static char *take_field(char *s, char *out) {
        size_t n = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        while (*s && *s != ' ' && *s != '\t' && n + 1 < FIELD_MAX)
                out[n++] = *s++;
        out[n] = '\0';
        return s;
}

/* apk's operators: '<' '>' '=' name the results that satisfy it, '~' means
 * a fuzzy match (and equality), a leading '!' negates. */
static bool op_holds(const char *op, int cmp) {
        bool negate = op[0] == '!', ok = false;

        for (const char *c = op + negate; *c; c++)
                ok = ok || (*c == '<' && cmp < 0) || (*c == '>' && cmp > 0) || ((*c == '=' || *c == '~') && cmp == 0);
        return ok != negate;
}

/* "A OP B [# comment]" */
static void vector_compare(const char *a, const char *op, const char *b, unsigned line) {
        unsigned flags = strchr(op, '~') ? VERSION_APK_FUZZY | VERSION_APK_LAZY : 0;
        struct error err = {};
        int cmp = 99, r;

        if (!flags && (version_apk_check(a, NULL) < 0 || version_apk_check(b, NULL) < 0)) {
                /* "23_foo > 4_beta", "1.0 < 1.0bc": apk-tools orders them
                 * by what it reads before the invalid part.  The gate does
                 * not order invalid versions (-EINVAL); the lazy mode gives
                 * apk's answer. */
                CHECK_MSG(version_apk_compare(a, b, &cmp, NULL) == -EINVAL && cmp == 99, "line %u", line);
                flags = VERSION_APK_LAZY;
        }
        r = version_apk_compare_flags(a, b, flags, &cmp, &err);
        CHECK_MSG(r == 0, "line %u: %s %s %s: %s", line, a, op, b, err.msg);
        CHECK_MSG(r < 0 || op_holds(op, cmp), "line %u: %s %s %s: got %d", line, a, op, b, cmp);
        if (!(flags & VERSION_APK_FUZZY) && r == 0) {
                int back = 99;

                CHECK_MSG(version_apk_compare_flags(b, a, flags, &back, NULL) == 0 && sgn(back) == -sgn(cmp),
                          "line %u: %s vs %s not antisymmetric", line, a, b);
        }
        vectors++;
}

/* Lines of version.data we deliberately read otherwise, and why. */
static const struct {
        const char *line, *why;
} diverging[] = {
        /* apk-tools 3 rejects a number after a letter; apk-tools 2.x, which
         * installed the Alpine releases whose packages carry such versions
         * (sudo 1.9.5p2-r0 in 3.13), accepts and orders them.  Rejecting
         * them would leave those packages unchecked. */
        { "!0.1a1", "a letter followed by a number is valid, as in apk-tools 2.x" },
};

static bool is_diverging(const char *a) {
        for (size_t i = 0; i < ELEMENTSOF(diverging); i++)
                if (strcmp(a, diverging[i].line) == 0) {
                        fprintf(stderr, "version.data: '%s' read otherwise: %s\n", a, diverging[i].why);
                        return true;
                }
        return false;
}

static void test_data_file(const char *path) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        unsigned line = 0, lines = 0;
        size_t len;
        char *s, *nl;

        if (read_full_file(path, VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        for (s = buf; s < buf + len; s = nl + 1) {
                char a[FIELD_MAX], op[FIELD_MAX], b[FIELD_MAX];
                char *rest, *comment;

                nl = strchr(s, '\n');
                if (!nl)
                        nl = buf + len;
                *nl = '\0';
                line++;
                comment = strchr(s, '#');
                if (comment)
                        *comment = '\0';
                rest = take_field(s, a);
                if (!a[0])
                        continue;
                lines++;
                rest = take_field(rest, op);
                rest = take_field(rest, b);
                CHECK_MSG(*take_field(rest, (char[FIELD_MAX]) {}) == '\0', "line %u: extra fields", line);
                if (!op[0] && is_diverging(a))
                        check_valid(a + 1, true, "version.data (diverging)");
                else if (!op[0] && a[0] == '!')
                        check_valid(a + 1, false, "version.data");
                else if (!op[0])
                        check_valid(a, true, "version.data");
                else
                        vector_compare(a, op, b, line);
        }
        fprintf(stderr, "version.data: %u lines with vectors\n", lines);
        CHECK(lines > 700);
}

int main(void) {
        int table;

        test_table_compare();
        test_table_check();
        test_api();
        table = vectors;
        test_data_file(test_path(test_shared_data(), "version/apk/version.data"));
        fprintf(stderr, "checked %d table rows and %d apk-tools reference vectors\n", table, vectors - table);
        return test_end();
}
