/* SPDX-License-Identifier: Apache-2.0 */
/* Bitnami version ordering: the versions of Bitnami's own packages (the
 * pkg:bitnami purls of /opt/bitnami/<component>/.spdx-<component>.spdx) and
 * of the bounds of Bitnami's vulndb (github.com/bitnami/vulndb, OSV
 * ecosystem "Bitnami", ranges of type SEMVER):
 *
 *   MAJOR.MINOR.PATCH [-REVISION]
 *
 * each part a decimal number (leading zeros read as the number).  The
 * revision is Bitnami's build of that upstream release: "17.2.0-8" is
 * Bitnami's 8th build of PostgreSQL 17.2.0, a later build, not a SemVer
 * pre-release.  The vulndb writes its bounds against the upstream release
 * (fixed "17.2.0"), so under plain SemVer every fixed image ("17.2.0-8" <
 * "17.2.0") would read as vulnerable.  Hence: the cores compare first; the
 * revisions only when both sides have one, so "17.2.0-8" equals "17.2.0"
 * and is above "17.2.0-7".  Equality is thus not transitive ("17.2.0-7" ==
 * "17.2.0" == "17.2.0-8"), "less than" is.  Anything else ("1.2", "v1.2.3",
 * "1.2.3-rc1", "1.2.3+meta") orders against nothing: -EINVAL, so that the
 * package is reported as not checked, never compared by a guess.
 * Numbers compare as digit strings (version-number.h): any length. */
#include <errno.h>
#include <string.h>

#include "version-number.h"
#include "version.h"

#define BITNAMI_PARTS 3

struct bversion {
        struct version_span core[BITNAMI_PARTS];
        struct version_span revision;   /* .p NULL: none */
};

/* v is MAJOR.MINOR.PATCH[-REVISION], nothing else. */
static int parse(const char *v, struct bversion *ret, struct error *err) {
        const char *p = v;

        if (strnlen(v, VERSION_LANG_MAX + 1) > VERSION_LANG_MAX)
                return version_invalid(err, "Bitnami", v, "longer than %d bytes", VERSION_LANG_MAX);
        *ret = (struct bversion) {};
        for (int i = 0; i < BITNAMI_PARTS; i++) {
                size_t n = version_digits(p);

                if (n == 0 || (i < BITNAMI_PARTS - 1 && p[n] != '.'))
                        return version_invalid(err, "Bitnami", v, "not MAJOR.MINOR.PATCH[-REVISION] (decimal "
                                               "numbers only), so it orders against no other version");
                ret->core[i] = (struct version_span) { p, n };
                p += n + (i < BITNAMI_PARTS - 1);
        }
        if (*p == '-') {
                size_t n = version_digits(p + 1);

                if (n == 0 || p[1 + n] != '\0')
                        return version_invalid(err, "Bitnami", v, "the part after '-' is not a decimal build "
                                               "revision, so it orders against no other version");
                ret->revision = (struct version_span) { p + 1, n };
                return 0;
        }
        if (*p != '\0')
                return version_invalid(err, "Bitnami", v, "not MAJOR.MINOR.PATCH[-REVISION] (decimal numbers "
                                       "only), so it orders against no other version");
        return 0;
}

int version_bitnami_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct bversion x, y;
        int r, c = 0;

        if ((r = parse(a, &x, err)) < 0 || (r = parse(b, &y, err)) < 0)
                return r;
        for (int i = 0; i < BITNAMI_PARTS && c == 0; i++)
                c = version_number_compare(x.core[i], y.core[i]);
        if (c == 0 && x.revision.p && y.revision.p)
                c = version_number_compare(x.revision, y.revision);
        *ret_cmp = c;
        return 0;
}
