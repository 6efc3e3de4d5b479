/* SPDX-License-Identifier: Apache-2.0 */
/* RPM version ordering: our own table, then every vector in
 * $PC_SHARED_DATA/version/rpm/ (see SOURCES.md there):
 *   rpmvercmp.at                 rpm's own RPMVERCMP(a, b, result) cases,
 *                                the "dnl" (documented oddity) ones too
 *   evr_labelcompare.txt         (e, v, r) (e, v, r) result and "A" "B" result
 *   claircore-rpmver-rpmvercmp   a op b (rpmvercmp)
 *   claircore-rpmver-compare     a op b (NEVRA strings)
 *   claircore-rpmver-parse       in n e v r a (NEVRA split) */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "test.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)
#define FIELD_MAX 256

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

/* EVR comparison both ways, and antisymmetry. */
static void check_evr(const char *a, const char *b, int expected, const char *where) {
        struct error err = {};
        int ab = 99, ba = 99;

        CHECK_MSG(version_rpm_compare(a, b, &ab, &err) == 0, "%s: '%s' '%s': %s", where, a, b, err.msg);
        CHECK_MSG(version_compare(VERSION_RPM, b, a, &ba, &err) == 0, "%s: '%s' '%s': %s", where, b, a, err.msg);
        CHECK_MSG(sgn(ab) == expected && sgn(ba) == -expected, "%s: '%s' vs '%s': got %d/%d, want %d", where, a, b,
                  ab, ba, expected);
}

/* rpmvercmp() both ways; versions without ':' or '-' are EVRs of a lone
 * version, so the EVR comparison must agree. */
static void check_vercmp(const char *a, const char *b, int expected, const char *where) {
        int ab = version_rpm_vercmp(a, b), ba = version_rpm_vercmp(b, a);

        CHECK_MSG(sgn(ab) == expected && sgn(ba) == -expected, "%s: rpmvercmp '%s' vs '%s': got %d/%d, want %d",
                  where, a, b, ab, ba, expected);
        if (!strpbrk(a, ":-") && !strpbrk(b, ":-") && *a && *b)
                check_evr(a, b, expected, where);
}

static void test_table(void) {
        static const struct {
                const char *a, *b;
                int cmp;
        } vercmp_rows[] = {
                { "", "", 0 },
                { "", "0", -1 },
                { "1.0", "1..0", 0 },           /* separators only separate */
                { "1.0.", "1.0", 0 },
                { "1.0~", "1.0", -1 },
                { "1.0~~", "1.0~", -1 },
                { "1.0^", "1.0~", 1 },
                { "1.0^^", "1.0^", 1 },
                { "1.0^~", "1.0^", -1 },
                { "1.0^a", "1.0a", -1 },
                { "1.0a", "1.0.1", -1 },        /* numbers beat letters */
                { "a", "1", -1 },
                { "1a", "1.a", 0 },
                { "0001", "1", 0 },
                { "000", "0", 0 },
                { "99999999999999999999999999", "99999999999999999999999998", 1 },
                { "1.000000000000000000000000000000000000002", "1.1", 1 },
                { "Z", "a", -1 },               /* letters as bytes */
                { "ab", "abc", -1 },
                { "1.0\xce\xb1", "1.0", 0 },    /* non-ASCII is a separator */
        };
        static const struct {
                const char *a, *b;
                int cmp;
        } evr_rows[] = {
                { "1:1.0-1", "1.0-1", 1 },
                { "0:1.0-1", "1.0-1", 0 },
                { ":1.0-1", "0:1.0-1", 0 },     /* empty epoch is 0 */
                { "00:1.0", "0:1.0", 0 },
                { "2:1.0", "10:0.1", -1 },
                { "99999999999999999999:1", "99999999999999999998:2", 1 },
                { "1:1.0", "2.0", 1 },
                { "1.0", "1.0-1", -1 },         /* a release, even "~", sorts after none */
                { "1.0-", "1.0", 1 },
                { "1.0-~", "1.0", 1 },
                { "1.0-1", "1.0.1", -1 },
                { "1.0-1-2", "1.0-1-3", -1 },   /* release after the last '-' */
                { "1.0-1-2", "1.0-2", 1 },      /* versions "1.0-1" > "1.0" */
                { "a:1", "1", -1 },             /* not an epoch: version "a:1" */
                { "1a:1", "1a:1", 0 },
                { "-1", "1", -1 },              /* empty version */
                { "2.36-9.el9", "2.36-10.el9", -1 },
                { "1:2.0.5-12.fc39", "1:2.0.5-12.fc39", 0 },
        };
        struct error err = {};
        int cmp = 42;

        for (size_t i = 0; i < ELEMENTSOF(vercmp_rows); i++)
                check_vercmp(vercmp_rows[i].a, vercmp_rows[i].b, vercmp_rows[i].cmp, "table");
        for (size_t i = 0; i < ELEMENTSOF(evr_rows); i++)
                check_evr(evr_rows[i].a, evr_rows[i].b, evr_rows[i].cmp, "table");
        CHECK(version_rpm_compare("", "1", &cmp, &err) == -EINVAL && cmp == 42);
        CHECK(strstr(err.msg, "invalid RPM version") != NULL);
        CHECK(version_rpm_compare(NULL, "1", &cmp, &err) == -EINVAL);
        CHECK(version_kind_from_ecosystem("Rocky Linux:9") == VERSION_RPM);
        CHECK(version_kind_from_ecosystem("rpm") == VERSION_RPM);
}

static char *read_vectors(const char *dir, const char *name, size_t *ret_len) {
        struct error err = {};
        char *buf = NULL;

        if (read_full_file(test_path(dir, name), VECTOR_FILE_MAX, &buf, ret_len, &err) < 0) {
                CHECK_MSG(false, "%s", err.msg);
                return NULL;
        }
        return buf;
}

/* Next line of *cursor, NUL-terminated in place; NULL at the end. */
static char *next_line(char **cursor) {
        char *s = *cursor, *nl;

        if (!s || !*s)
                return NULL;
        nl = strchr(s, '\n');
        if (nl) {
                *nl = '\0';
                *cursor = nl + 1;
        } else
                *cursor = s + strlen(s);
        return s;
}

/* Trims blanks on both sides, in place. */
static char *trim(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = '\0';
        return s;
}

/* RPMVERCMP(a, b, result), also behind "dnl ": rpm 4.18 gives those
 * answers too (its test file only keeps them out of the run). */
static int test_rpmvercmp_at(const char *dir) {
        _cleanup_free_ char *buf = NULL;
        char *cursor, *line;
        size_t len;
        int n = 0;

        cursor = buf = read_vectors(dir, "rpmvercmp.at", &len);
        while ((line = next_line(&cursor))) {
                char a[FIELD_MAX], b[FIELD_MAX], *p;
                int expected;

                if (startswith(line, "dnl "))
                        line += 4;
                if (!startswith(line, "RPMVERCMP(") || strstr(line, "$1"))
                        continue;
                p = line + STRLEN("RPMVERCMP(");
                CHECK_MSG(sscanf(p, "%255[^,], %255[^,], %d)", a, b, &expected) == 3, "rpmvercmp.at: %s", line);
                check_vercmp(trim(a), trim(b), expected, "rpmvercmp.at");
                n++;
        }
        CHECK(n == 103);
        return n;
}

/* "(e, v, r)" with e "None" for no epoch, as the EVR string "[e:]v-r". */
static bool tuple_to_evr(char *s, char *ret, size_t size) {
        char e[FIELD_MAX], v[FIELD_MAX], r[FIELD_MAX];

        if (sscanf(s, " (%255[^,], %255[^,], %255[^)])", e, v, r) != 3)
                return false;
        if (strcmp(trim(e), "None") == 0)
                snprintf(ret, size, "%s-%s", trim(v), trim(r));
        else
                snprintf(ret, size, "%s:%s-%s", trim(e), trim(v), trim(r));
        return true;
}

static int test_labelcompare(const char *dir) {
        _cleanup_free_ char *buf = NULL;
        char *cursor, *line;
        size_t len;
        int n = 0;

        cursor = buf = read_vectors(dir, "evr_labelcompare.txt", &len);
        while ((line = next_line(&cursor))) {
                char a[3 * FIELD_MAX], b[3 * FIELD_MAX], *second;
                int expected;

                line = trim(line);
                if (!*line || *line == '#')
                        continue;
                if (*line == '(') {
                        second = strchr(line, ')');
                        CHECK_MSG(second && tuple_to_evr(line, a, sizeof(a)) && tuple_to_evr(second + 1, b, sizeof(b)),
                                  "evr_labelcompare.txt: %s", line);
                        second = second ? strchr(second + 1, ')') : NULL;
                        CHECK_MSG(second && sscanf(second + 1, "%d", &expected) == 1, "%s", line);
                } else
                        CHECK_MSG(sscanf(line, "\"%255[^\"]\" \"%255[^\"]\" %d", a, b, &expected) == 3,
                                  "evr_labelcompare.txt: %s", line);
                check_evr(a, b, expected, "evr_labelcompare.txt");
                n++;
        }
        CHECK(n == 10);
        return n;
}

static int op_to_cmp(const char *op) {
        return strcmp(op, "<") == 0 ? -1 : strcmp(op, ">") == 0 ? 1 : strcmp(op, "==") == 0 ? 0 : 99;
}

/* A NEVRA split for the claircore vectors: [name-][epoch:]version-release
 * [.arch], the arch recognised from a list as rpm's own tools do. */
struct nevra {
        char n[FIELD_MAX], evr[4 * FIELD_MAX], e[FIELD_MAX], v[FIELD_MAX], r[FIELD_MAX], a[FIELD_MAX];
};

static bool is_arch(const char *s) {
        static const char *const arches[] = { "noarch", "x86_64", "i686", "i386", "aarch64", "ppc64le", "s390x",
                                              "src", "armv7hl", "riscv64" };

        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (strcmp(s, arches[i]) == 0)
                        return true;
        return false;
}

static bool nevra_split(const char *in, struct nevra *ret) {
        char s[FIELD_MAX], *dot, *rel, *ver, *colon;

        *ret = (struct nevra) {};
        snprintf(s, sizeof(s), "%s", in);
        dot = strrchr(s, '.');
        if (dot && is_arch(dot + 1)) {
                snprintf(ret->a, sizeof(ret->a), "%s", dot + 1);
                *dot = '\0';
        }
        rel = strrchr(s, '-');
        if (!rel)
                return false;
        *rel++ = '\0';
        ver = strrchr(s, '-');
        if (ver)
                *ver++ = '\0';
        else
                ver = s;
        snprintf(ret->n, sizeof(ret->n), "%s", ver == s ? "" : s);
        snprintf(ret->r, sizeof(ret->r), "%s", rel);
        colon = strchr(ver, ':');
        if (colon) {
                snprintf(ret->e, sizeof(ret->e), "%.*s", (int) (colon - ver), ver);
                ver = colon + 1;
        }
        snprintf(ret->v, sizeof(ret->v), "%s", ver);
        snprintf(ret->evr, sizeof(ret->evr), "%s%s%s-%s", ret->e, *ret->e ? ":" : "", ret->v, ret->r);
        return true;
}

/* Name, then EVR (rpm ordering), then arch; names and arches as strings. */
static int nevra_cmp(const struct nevra *a, const struct nevra *b) {
        struct error err = {};
        int c = strcmp(a->n, b->n);

        if (c == 0) {
                CHECK_MSG(version_rpm_compare(a->evr, b->evr, &c, &err) == 0, "%s", err.msg);
                if (c == 0)
                        c = strcmp(a->a, b->a);
        }
        return sgn(c);
}

/* Lines "a op b" of one of the claircore files. */
static int test_claircore_ops(const char *dir, const char *name, bool nevra) {
        _cleanup_free_ char *buf = NULL;
        char *cursor, *line;
        size_t len;
        int n = 0;

        cursor = buf = read_vectors(dir, name, &len);
        while ((line = next_line(&cursor))) {
                char a[FIELD_MAX], op[8], b[FIELD_MAX];
                struct nevra na, nb;
                int expected;

                line = trim(line);
                if (!*line || *line == '#')
                        continue;
                CHECK_MSG(sscanf(line, "%255s %7s %255s", a, op, b) == 3, "%s: %s", name, line);
                expected = op_to_cmp(op);
                CHECK_MSG(expected != 99, "%s: bad operator in %s", name, line);
                if (!nevra)
                        check_vercmp(a, b, expected, name);
                else {
                        CHECK_MSG(nevra_split(a, &na) && nevra_split(b, &nb), "%s: %s", name, line);
                        CHECK_MSG(nevra_cmp(&na, &nb) == expected && nevra_cmp(&nb, &na) == -expected,
                                  "%s: %s", name, line);
                }
                n++;
        }
        return n;
}

static const char *unquote_empty(const char *s) {
        return strcmp(s, "''") == 0 || strcmp(s, "\"\"") == 0 ? "" : s;
}

static int test_claircore_parse(const char *dir) {
        _cleanup_free_ char *buf = NULL;
        char *cursor, *line;
        size_t len;
        int n = 0;

        cursor = buf = read_vectors(dir, "claircore-rpmver-parse", &len);
        while ((line = next_line(&cursor))) {
                char in[FIELD_MAX], f[5][FIELD_MAX];
                struct nevra nv;

                line = trim(line);
                if (!*line || *line == '#')
                        continue;
                CHECK_MSG(sscanf(line, "%255s %255s %255s %255s %255s %255s", in, f[0], f[1], f[2], f[3], f[4]) == 6,
                          "parse: %s", line);
                CHECK_MSG(nevra_split(in, &nv), "parse: %s", line);
                CHECK_STREQ(nv.n, unquote_empty(f[0]));
                CHECK_STREQ(nv.e, unquote_empty(f[1]));
                CHECK_STREQ(nv.v, unquote_empty(f[2]));
                CHECK_STREQ(nv.r, unquote_empty(f[3]));
                CHECK_STREQ(nv.a, unquote_empty(f[4]));
                n++;
        }
        return n;
}

int main(void) {
        const char *dir;
        int at, label, cc_vercmp, cc_compare, cc_parse;

        test_table();
        dir = test_path(test_shared_data(), "version/rpm");
        at = test_rpmvercmp_at(dir);
        label = test_labelcompare(dir);
        cc_vercmp = test_claircore_ops(dir, "claircore-rpmver-rpmvercmp", false);
        cc_compare = test_claircore_ops(dir, "claircore-rpmver-compare", true);
        cc_parse = test_claircore_parse(dir);
        CHECK(cc_vercmp >= 100 && cc_compare >= 10 && cc_parse == 4);
        fprintf(stderr,
                "rpm vectors: rpmvercmp.at %d, evr_labelcompare.txt %d, claircore rpmvercmp %d, "
                "compare %d, parse %d\n",
                at, label, cc_vercmp, cc_compare, cc_parse);
        return test_end();
}
