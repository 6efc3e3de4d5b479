/* SPDX-License-Identifier: Apache-2.0 */
/* Bitnami version order (lib/version/version-bitnami.c): MAJOR.MINOR.PATCH
 * with an optional build revision that counts only when both sides have
 * one, so that an image of Bitnami's 8th build of 17.2.0 is not below the
 * vulndb's fixed "17.2.0"; every other form refused (orders against
 * nothing).  No reference tool runs here: the rows are the rules. */
#include <errno.h>

#include "base/macro.h"
#include "test.h"
#include "version.h"

#define ERR 2   /* refused */

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

static void test_pairs(void) {
        static const struct {
                const char *a, *b;
                int cmp;
        } rows[] = {
                { "17.2.0", "17.2.0", 0 },
                { "17.2.0-8", "17.2.0", 0 },            /* a build of 17.2.0: fixed there, not a pre-release */
                { "17.2.0-0", "17.2.0", 0 },
                { "17.2.0-8", "17.2.0-9", -1 },         /* both have a revision: it counts */
                { "17.2.0-10", "17.2.0-9", 1 },         /* as numbers */
                { "17.2.0-08", "17.2.0-8", 0 },
                { "17.2.0-8", "17.2.1", -1 },           /* the core first */
                { "17.2.0-99", "17.2.1-1", -1 },
                { "17.1.9-8", "17.2.0", -1 },
                { "15.3.0", "17.2.0", -1 },
                { "5.15.16", "5.16.0", -1 },
                { "5.9.0", "5.10.0", -1 },              /* numbers, not bytes */
                { "10.0.0", "9.99.99", 1 },
                { "1.02.3", "1.2.3", 0 },               /* leading zeros read as the number */
                { "18446744073709551616.0.0", "18446744073709551615.0.0", 1 },  /* any length */
                { "0.0.0", "0.0.1", -1 },
                { "1.2", "1.2.0", ERR },                /* not x.y.z[-N]: not comparable */
                { "1", "1.0.0", ERR },
                { "1.2.3.4", "1.2.3", ERR },
                { "v1.2.3", "1.2.3", ERR },
                { "1.2.3-rc1", "1.2.3", ERR },
                { "1.2.3-", "1.2.3", ERR },
                { "1.2.3-1-2", "1.2.3", ERR },
                { "1.2.3+build", "1.2.3", ERR },
                { "1.2.3 ", "1.2.3", ERR },
                { " 1.2.3", "1.2.3", ERR },
                { "1..3", "1.2.3", ERR },
                { "", "1.2.3", ERR },
                { "0", "1.2.3", ERR },                  /* OSV's introduced "0" is the matcher's, not a version */
                { "2024.01.15", "2024.1.15", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct error err = {};
                int ab = 99, ba = 99, r1, r2;

                r1 = version_compare(VERSION_BITNAMI, rows[i].a, rows[i].b, &ab, &err);
                r2 = version_compare(VERSION_BITNAMI, rows[i].b, rows[i].a, &ba, &err);
                if (rows[i].cmp == ERR) {
                        CHECK_MSG(r1 == -EINVAL && r2 == -EINVAL && err.msg[0] && ab == 99 && ba == 99,
                                  "'%s' '%s' should be refused", rows[i].a, rows[i].b);
                        continue;
                }
                CHECK_MSG(r1 == 0 && r2 == 0, "'%s' '%s': %s", rows[i].a, rows[i].b, err.msg);
                CHECK_MSG(sgn(ab) == rows[i].cmp && sgn(ba) == -rows[i].cmp, "'%s' vs '%s': got %d/%d, want %d",
                          rows[i].a, rows[i].b, ab, ba, rows[i].cmp);
        }
}

static void test_refused_message(void) {
        struct error err = {};

        CHECK(version_orderable(VERSION_BITNAMI, "1.2.3-rc1", &err) == -EINVAL);
        CHECK_MSG(strstr(err.msg, "invalid Bitnami version '1.2.3-rc1'") && strstr(err.msg, "build revision"), "%s",
                  err.msg);
        CHECK(version_orderable(VERSION_BITNAMI, "17.2.0-8", NULL) == 0);
}

static void test_names(void) {
        CHECK(version_kind_from_ecosystem("Bitnami") == VERSION_BITNAMI);
        CHECK(version_kind_from_ecosystem("bitnami") == VERSION_BITNAMI);
        CHECK_STREQ(version_kind_to_string(VERSION_BITNAMI), "bitnami");
        /* its SEMVER ranges are read in its own order, not strict SemVer's */
        CHECK(version_kind_semver(VERSION_BITNAMI) == VERSION_BITNAMI);
}

int main(void) {
        test_pairs();
        test_refused_message();
        test_names();
        return test_end();
}
