/* SPDX-License-Identifier: Apache-2.0 */
/* Maven, RubyGems, Composer and NuGet version order: tables whose answers
 * were checked against the reference implementations (Maven 3.8.7's
 * ComparableVersion, rubygems 3.3's Gem::Version, composer/semver 3.3 with
 * PHP 8.2's version_compare(); NuGet's from NuGet.Versioning's documented
 * rules), then the Maven vectors in $PC_SHARED_DATA/version/maven/:
 *   ComparableVersionTest.extracted.txt   Maven's own test cases
 *   claircore-compare.list                claircore's Maven cases
 * The differential tests (tests/maven-differential.sh, ...) check thousands more
 * against the real tools. */
#include <errno.h>
#include <stdbool.h>

#include "base/fileio.h"
#include "test.h"
#include "version.h"

#define VECTOR_FILE_MAX ((size_t) 1024 * 1024)
#define ERR 2   /* an expected error */

struct row {
        const char *a, *b;
        int cmp;        /* -1, 0, 1 or ERR */
};

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

/* Both ways, through version_compare() and the kind's name. */
static void check_rows(enum version_kind kind, const struct row *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                struct error err = {};
                int ab = 99, ba = 99, r1, r2;

                r1 = version_compare(kind, rows[i].a, rows[i].b, &ab, &err);
                r2 = version_compare(kind, rows[i].b, rows[i].a, &ba, &err);
                if (rows[i].cmp == ERR) {
                        CHECK_MSG(r1 == -EINVAL && r2 == -EINVAL && err.msg[0], "%s: '%s' '%s' should be refused",
                                  version_kind_to_string(kind), rows[i].a, rows[i].b);
                        continue;
                }
                CHECK_MSG(r1 == 0 && r2 == 0, "%s: '%s' '%s': %s", version_kind_to_string(kind), rows[i].a,
                          rows[i].b, err.msg);
                CHECK_MSG(sgn(ab) == rows[i].cmp && sgn(ba) == -rows[i].cmp, "%s: '%s' vs '%s': got %d/%d, want %d",
                          version_kind_to_string(kind), rows[i].a, rows[i].b, ab, ba, rows[i].cmp);
        }
}

static void test_maven(void) {
        static const struct row rows[] = {
                { "1", "1.0.0", 0 },
                { "1.0-SNAPSHOT", "1.0", -1 },
                { "1.0.RELEASE", "1.0", 0 },
                { "1.0.Final", "1.0", 0 },
                { "1.0.0.GA", "1", 0 },
                { "1.0-sp", "1.0", 1 },
                { "1.0-sp", "1.0-abc", -1 },            /* unknown qualifiers after sp */
                { "1.0-abc", "1.0-abd", -1 },
                { "1.0-ABC", "1.0-abc", 0 },
                { "1-alpha1", "1-alpha-1", 0 },
                { "1a1", "1-alpha-1", 0 },              /* a followed by a digit */
                { "1-a", "1-alpha", 1 },                /* a alone is no alpha */
                { "1-1", "1.1", -1 },
                { "1.0.1", "1-1", 1 },
                { "01.002", "1.2", 0 },
                { "1-cr1", "1-rc1", 0 },
                { "1-rc1", "1-snapshot", -1 },
                { "1-milestone-1", "1-m1", 0 },
                { "1.0.0.RC1", "1.0.0-RC2", -1 },       /* ".X1" reads as "-X1" */
                { "2.0.a", "2.0.0.a", 0 },              /* so does a trailing ".X" */
                { "1.abc.2", "1-abc.2", -1 },           /* but not a ".X." inside */
                { "1-0.1", "1", 1 },                    /* MNG-6964: the whole list against null */
                { "1-0.alpha", "1", -1 },
                { "1.0.final-redhat", "1.0-sp1-redhat", 1 }, /* MNG-7714 is not in 3.8.7 */
                { "1--1", "1-0-1", 0 },
                { "1..2", "1.0.2", 0 },
                { "999999999", "1000000000", -1 },      /* int/long */
                { "999999999999999999", "1000000000000000000", -1 }, /* long/BigInteger */
                { "123456789012345678901234567890", "123456789012345678901234567891", -1 },
                { "0000000000.1", "1.1", 1 },           /* a 10-digit 0 is a long, above any int */
                { "0000000000000000000.1", "2.1", 1 },
                { "0000000000000000000", "0", 0 },
                { "J", "7", -1 },
                { "1_2", "1-_-2", 0 },
                { "1-0.rc1", "1", -1 },                 /* ComparableVersion is not transitive: */
                { "1", "1-q0.alpha", -1 },
                { "1-0.rc1", "1-q0.alpha", 1 },
                { "", "1", ERR },
                { "1 2", "1", ERR },
                { "1.0\xc3\xa9", "1", ERR },
                { "1.0\t", "1", ERR },
        };
        check_rows(VERSION_MAVEN, rows, ELEMENTSOF(rows));
}

static void test_gem(void) {
        static const struct row rows[] = {
                { "1.0", "1.0.0", 0 },
                { "1.0.a", "1.0", -1 },                 /* a letter makes a pre-release */
                { "1.0.a", "1.0.b", -1 },
                { "1.0.A", "1.0.a", -1 },               /* strings by bytes */
                { "1.0.a.0", "1.0.a", 0 },
                { "1.0.0.a.1.0", "1.a.1", 0 },          /* canonical segments */
                { "1.0a", "1.0.a", 0 },
                { "1.0-rc1", "1.0.pre.rc1", 0 },        /* '-' is ".pre." */
                { "1.0-1", "1.0", -1 },
                { "1.0-1", "1.0.a", 1 },
                { "1.9", "1.10", -1 },
                { "1.0.0.1", "1.0.1", -1 },
                { "01.2", "1.2", 0 },
                { "99999999999999999999999999", "99999999999999999999999998", 1 },
                { "1.0.0.0.0.0.0.0000000000000000000000000", "1", 0 },
                { "1.a", "1.0.0.b", -1 },
                { "2.0.0.pre", "2.0.0.pre1", -1 },
                { "1.b", "1.a.z", 1 },
                { "0", "000", 0 },
                { "", "0", 0 },                         /* a blank version is 0 */
                { " 1.0 ", "1", 0 },
                { "1-a.b-c", "1.pre.a.b.pre.c", 0 },
                { "1..0", "1", ERR },
                { "1.0-", "1", ERR },
                { "-1", "1", ERR },
                { "a", "1", ERR },
                { "1.0_1", "1", ERR },
                { "1.0+1", "1", ERR },
                { "1.0 1", "1", ERR },
        };
        check_rows(VERSION_GEM, rows, ELEMENTSOF(rows));
}

static void test_composer_normalize(void) {
        static const struct {
                const char *in, *out;   /* out NULL: Composer throws */
        } rows[] = {
                { "1", "1.0.0.0" },
                { "1.0", "1.0.0.0" },
                { "v1.2.3", "1.2.3.0" },
                { "V1.2.3.4", "1.2.3.4" },
                { "1.2.3.4.5", NULL },
                { "01.02", "01.02.0.0" },
                { "1.0.0-beta2", "1.0.0.0-beta2" },
                { "1.0.0b2", "1.0.0.0-beta2" },
                { "1.0.0-B2", "1.0.0.0-beta2" },
                { "1.0.0.RC.1", "1.0.0.0-RC1" },
                { "1.0.0-rc.2-dev", "1.0.0.0-RC2-dev" },
                { "1.0.0-alpha.1.2", "1.0.0.0-alpha1.2" },
                { "1.0-pl2", "1.0.0.0-patch2" },
                { "1.0-p", "1.0.0.0-patch" },
                { "1.0-patch.3", "1.0.0.0-patch3" },
                { "1.0-stable", "1.0.0.0" },
                { "1.0-Stable", "1.0.0.0-stable" },
                { "1.0-stable-dev", "1.0.0.0" },
                { "1.0-dev", "1.0.0.0-dev" },
                { "1.0.dev", "1.0.0.0-dev" },
                { "1.0dev", "1.0.0.0-dev" },
                { "1.0_dev", "1.0.0.0-dev" },
                { "1.0.-dev", "1.0.0.0-dev" },
                { "1.x-dev", "1.9999999.9999999.9999999-dev" },
                { "1.2.x-dev", "1.2.9999999.9999999-dev" },
                { "1.2.*-dev", "1.2.9999999.9999999-dev" },
                { "v2.X-dev", "2.9999999.9999999.9999999-dev" },
                { "1.2.3.x-dev", "1.2.3.9999999-dev" },
                { "1.0.0+build.5", "1.0.0.0" },
                { "1.0 as 2.0", "1.0.0.0" },
                { "1.0@beta", "1.0.0.0" },
                { "1.0@foo", NULL },
                { "master", "dev-master" },
                { "trunk", "dev-trunk" },
                { "default", "dev-default" },
                { "dev-master", "dev-master" },
                { "DEV-Feature", "dev-Feature" },
                { "dev-", "dev-" },
                { "2010.01.02", "2010.01.02.0" },       /* classic first */
                { "2010-01-02", "2010.01.02" },
                { "20100102", "20100102" },
                { "2010-01-02-beta", "2010.01.02-beta" },
                { "20100102203040", "20100102203040" },
                { "2010.01.02.10.20.30.5", "2010.01.02.10.20.30.5" },
                { "201001021", "201001021" },
                { "2010:01:02", "2010.01.02" },
                { "123456", "123456" },
                { "1.0.", "1.0.0.0" },
                { "1.0-", "1.0.0.0" },
                { " 1.0 ", "1.0.0.0" },
                { "1.0.0-beta.-1", NULL },
                { "1.0-x", NULL },
                { "1.0+", NULL },
                { "+1", NULL },
                { "", NULL },
                { "1.0\n2", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *out = NULL;
                struct error err = {};
                int r = version_composer_normalize(rows[i].in, &out, &err);

                if (!rows[i].out)
                        CHECK_MSG(r == -EINVAL && err.msg[0], "'%s' should be refused, got '%s'", rows[i].in,
                                  r == 0 ? out : "?");
                else
                        CHECK_MSG(r == 0 && strcmp(out, rows[i].out) == 0, "'%s': got '%s', want '%s' (%s)",
                                  rows[i].in, r == 0 ? out : "(error)", rows[i].out, err.msg);
        }
}

static void test_php_compare(void) {
        struct error e = {};
        int cmp = 99;
        static const struct row rows[] = {
                { "5.2", "5.2.0", -1 },                 /* PHP's own, not Composer's */
                { "1.0rc1", "1.0", -1 },
                { "1.0.0-dev", "1.0.0alpha", -1 },
                { "1.0pl1", "1.0", 1 },
                { "1.0-foo", "1.0", -1 },
                { "1.0.0.0-RC1", "1.0.0.0-rc1", 0 },
                { "1.0.0.0-Rc1", "1.0.0.0-dev", -1 },   /* "Rc" is no special form */
                { "1.0.0.0-patch1", "1.0.0.0-p2", -1 },
                { "1.0.0.0-stable", "1.0.0.0-dev", -1 },
                { "1!2", "1.2", -1 },
                { "1#2", "1", 1 },
                { "#1", "1", 0 },
                { "a", "b", -1 },
                { "1.", "1", -1 },
                { "99999999999999999999", "9223372036854775807", 0 }, /* strtol saturates */
                { "1-a-b", "1.a.b", 0 },
                { ".1", "1", -1 },
                { "", "", 0 },
                { "", "1", -1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};
                int ab = 99, ba = 99;

                CHECK(version_php_compare(rows[i].a, rows[i].b, &ab, &err) == 0);
                CHECK(version_php_compare(rows[i].b, rows[i].a, &ba, &err) == 0);
                CHECK_MSG(sgn(ab) == rows[i].cmp && sgn(ba) == -rows[i].cmp, "'%s' vs '%s': got %d/%d, want %d",
                          rows[i].a, rows[i].b, ab, ba, rows[i].cmp);
        }
        /* PHP's quirk, kept: a trailing '.' is below anything, itself too */
        CHECK(version_php_compare("1.0.", "1.0.", &cmp, &e) == 0 && cmp < 0);
        CHECK(version_php_compare("1.0.", "1.0-", &cmp, &e) == 0 && cmp < 0);
        CHECK(version_php_compare("1.0-", "1.0.", &cmp, &e) == 0 && cmp < 0);
}

static void test_composer(void) {
        static const struct row rows[] = {
                { "1.0", "1.0.0.0", 0 },
                { "1.0.0-beta2", "1.0.0-b2", 0 },
                { "1.0.0-beta2", "1.0.0-beta10", -1 },
                { "1.0.0-alpha", "1.0.0-beta", -1 },
                { "1.0.0-RC1", "1.0.0", -1 },
                { "1.0.0", "1.0.0-patch1", -1 },
                { "1.0.0-dev", "1.0.0-alpha", -1 },
                { "1.0.0-RC1-dev", "1.0.0-RC1", -1 },
                { "v1.0.0", "1.0.0", 0 },
                { "1.0.0+build", "1.0.0", 0 },
                { "1.x-dev", "1.99", 1 },
                { "2010-01-02", "2010.01.02", -1 },     /* "2010.01.02" pads to 2010.01.02.0 */
                { "1.99999999999999999999", "1.99999999999999999998", 0 },
                { "dev-master", "dev-master", 0 },
                { "master", "dev-master", 0 },
                { "dev-master", "1.0", ERR },
                { "dev-master", "dev-main", ERR },
                { "1.0-x", "1.0", ERR },
                { "1.2.3.4.5", "1.0", ERR },
        };
        check_rows(VERSION_COMPOSER, rows, ELEMENTSOF(rows));
        /* a dev branch equals itself but has no order: the matcher asks */
        CHECK(version_orderable(VERSION_COMPOSER, "dev-main", NULL) == -EINVAL);
        CHECK(version_orderable(VERSION_COMPOSER, "trunk", NULL) == -EINVAL);
        CHECK(version_orderable(VERSION_COMPOSER, "1.x-dev", NULL) == 0);
        CHECK(version_orderable(VERSION_COMPOSER, "1.0.0-RC1", NULL) == 0);
        CHECK(version_orderable(VERSION_COMPOSER, "1.0-x", NULL) == -EINVAL);
        CHECK(version_orderable(VERSION_DPKG, "1.0-1", NULL) == 0);
        CHECK(version_orderable(VERSION_DPKG, "1.0 x", NULL) == -EINVAL);
        test_composer_normalize();
        test_php_compare();
}

static void test_nuget(void) {
        static const struct row rows[] = {
                { "1.0", "1.0.0", 0 },
                { "1", "1.0.0.0", 0 },
                { "1.0.0.1", "1.0.0", 1 },              /* legacy fourth part */
                { "1.0.0.1", "1.0.1", -1 },
                { "1.0.0.1-beta", "1.0.0.1", -1 },
                { "01.002.0003", "1.2.3", 0 },          /* leading zeros in numbers */
                { "1.0.0-BETA", "1.0.0-beta", 0 },      /* labels ignore case */
                { "1.0.0-Beta.2", "1.0.0-beta.10", -1 },
                { "1.0.0-alpha", "1.0.0", -1 },
                { "1.0.0-alpha", "1.0.0-alpha.1", -1 },
                { "1.0.0-1", "1.0.0-a", -1 },           /* numeric labels first */
                { "1.0.0-a-b", "1.0.0-a1", -1 },        /* '-' below digits */
                { "1.0.0-z", "1.0.0-A1", 1 },
                { "1.0.0-a.-1", "1.0.0-a.0", -1 },      /* Int32.TryParse takes "-1" */
                { "1.0.0-a.-0", "1.0.0-a.0", 0 },
                { "1.0.0-a.2147483648", "1.0.0-a.b", -1 }, /* past 32 bits: a string */
                { "1.0.0-a.2147483647", "1.0.0-a.2147483648", -1 },
                { "1.0.0+a", "1.0.0+b", 0 },            /* metadata ignored */
                { "1.0.0-rc.1+build.007", "1.0.0-rc.1", 0 },
                { " 1.0 ", "1.0", 0 },
                { "2147483647.0", "2147483646.9", 1 },
                { "2147483648.0", "1", ERR },
                { "1.0.0-01", "1", ERR },               /* leading zero in a numeric label */
                { "1.2.3.4.5", "1", ERR },
                { "1..0", "1", ERR },
                { "", "1", ERR },
                { "1.0-", "1", ERR },
                { "1.0+", "1", ERR },
                { "1.0-a+", "1", ERR },
                { "1.0-a..b", "1", ERR },
                { "a.b", "1", ERR },
                { "1.0.0-beta_1", "1", ERR },
                { "1.0 .0", "1", ERR },
                { "-1", "1", ERR },
        };
        check_rows(VERSION_NUGET, rows, ELEMENTSOF(rows));
}

static void test_names(void) {
        static const struct {
                const char *name;
                enum version_kind kind;
        } rows[] = {
                { "Maven", VERSION_MAVEN },        { "maven", VERSION_MAVEN },
                { "RubyGems", VERSION_GEM },       { "gem", VERSION_GEM },
                { "Packagist", VERSION_COMPOSER }, { "packagist", VERSION_COMPOSER },
                { "composer", VERSION_COMPOSER },  { "NuGet", VERSION_NUGET },
                { "nuget", VERSION_NUGET },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                CHECK_MSG(version_kind_from_ecosystem(rows[i].name) == (int) rows[i].kind, "%s", rows[i].name);
        CHECK_STREQ(version_kind_to_string(VERSION_COMPOSER), "composer");
        CHECK_STREQ(version_kind_to_string(VERSION_NUGET), "nuget");
}

/* The Maven vectors are Maven master's and claircore's; 3.8.7 (the
 * reference we follow, and what tests/maven-differential.sh runs) answers
 * four of them differently, as its jar confirms: MNG-7714 ("final" before
 * "sp") came in 3.9.0, and claircore's "2.0.a < 2.0.0.a" predates
 * MNG-7644, which 3.8.7 has (Maven's own file says "=" there too). */
static const struct row maven_387[] = {
        { "1.0.final-redhat", "1.0-sp1-redhat", 1 },
        { "1.0.final-redhat", "1.0-sp-1-redhat", 1 },
        { "1.0.final-redhat", "1.0-sp.1-redhat", 1 },
        { "2.0.a", "2.0.0.a", 0 },
};

static int maven_vectors, maven_differ;

static void maven_vector(const char *a, const char *op, const char *b) {
        int want = strcmp(op, "<") == 0 ? -1 : strcmp(op, ">") == 0 ? 1 : 0;
        struct row row = { a, b, want };

        for (size_t i = 0; i < ELEMENTSOF(maven_387); i++)
                if (strcmp(a, maven_387[i].a) == 0 && strcmp(b, maven_387[i].b) == 0 && want != maven_387[i].cmp) {
                        row.cmp = maven_387[i].cmp;
                        maven_differ++;
                }
        check_rows(VERSION_MAVEN, &row, 1);
        maven_vectors++;
}

/* "A op B" lines, and "## ORDERED NAME: v1 v2 ..." lists (each below
 * every later one). */
static void test_maven_file(const char *path) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len;

        if (read_full_file(path, VECTOR_FILE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        for (char *s = buf, *nl; s < buf + len; s = nl + 1) {
                char *f[64];
                size_t n = 0;

                nl = strchr(s, '\n');
                if (!nl)
                        nl = buf + len;
                *nl = '\0';
                for (char *t = strtok(s, " \t"); t && n < ELEMENTSOF(f); t = strtok(NULL, " \t"))
                        f[n++] = t;
                if (n > 3 && strcmp(f[0], "##") == 0 && strcmp(f[1], "ORDERED") == 0) {
                        for (size_t i = 3; i < n; i++)
                                for (size_t j = i + 1; j < n; j++)
                                        maven_vector(f[i], "<", f[j]);
                } else if (n == 3 && f[0][0] != '#')
                        maven_vector(f[0], f[1], f[2]);
        }
}

int main(void) {
        const char *shared;

        test_maven();
        test_gem();
        test_composer();
        test_nuget();
        test_names();
        shared = test_shared_data();
        test_maven_file(test_path(shared, "version/maven/ComparableVersionTest.extracted.txt"));
        test_maven_file(test_path(shared, "version/maven/claircore-compare.list"));
        fprintf(stderr, "checked %d Maven vectors, %d of them answered otherwise by Maven 3.8.7\n", maven_vectors,
                maven_differ);
        CHECK(maven_vectors > 300);
        CHECK(maven_differ == 4);
        return test_end();
}
