/* SPDX-License-Identifier: Apache-2.0 */
/* RPM version ordering on any bytes: the input is two versions separated
 * by a newline.  Checks: a comparison never fails on non-empty strings,
 * is antisymmetric and reflexive, and without ':' or '-' the EVR order is
 * rpmvercmp's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

static void check_pair(const char *a, const char *b) {
        struct error err = {};
        int ab, ba, aa;

        if (!*a || !*b) {
                if (version_rpm_compare(a, b, &ab, &err) != -EINVAL)
                        abort();
                return;
        }
        if (version_rpm_compare(a, b, &ab, &err) < 0 || version_rpm_compare(b, a, &ba, &err) < 0 ||
            version_rpm_compare(a, a, &aa, &err) < 0)
                abort();
        if (sgn(ab) != -sgn(ba) || aa != 0)
                abort();
        if (sgn(version_rpm_vercmp(a, b)) != -sgn(version_rpm_vercmp(b, a)))
                abort();
        if (!strpbrk(a, ":-") && !strpbrk(b, ":-") && sgn(version_rpm_vercmp(a, b)) != sgn(ab))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *nl;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        nl = strchr(s, '\n');
        if (nl) {
                *nl = '\0';
                check_pair(s, nl + 1);
        } else
                check_pair(s, s);
        free(s);
        return 0;
}
