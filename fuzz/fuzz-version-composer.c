/* SPDX-License-Identifier: Apache-2.0 */
/* Composer version order on any bytes (up to three versions, one a line):
 * equality, antisymmetry and transitivity (version-triple.h); a version
 * compares with itself exactly when it normalises, and its normal form
 * normalises too; PHP's version_compare() takes any string. */
#include "version-triple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal(const char *v, bool valid) {
        char *n = NULL, *again = NULL;
        struct error err = {};
        int r = version_composer_normalize(v, &n, &err);

        if ((r == 0) != valid || (r < 0 && !err.msg[0]))
                abort();
        /* a normal form is a version Composer takes ("-stable" may then go) */
        if (r == 0 && version_composer_normalize(n, &again, &err) < 0)
                abort();
        free(n);
        free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v[3], *s = triple_split(data, size, v);
        struct error err = {};
        bool valid[3];
        int ab, ba, aa;

        if (!s)
                return 0;
        triple_check(VERSION_COMPOSER, v, true, valid);
        for (int i = 0; i < 3; i++)
                check_normal(v[i], valid[i]);
        /* PHP's own order is neither antisymmetric nor reflexive on every
         * string (version_compare("1.0.", "1.0.") is -1): on raw strings it
         * must only not fail; Composer's normal forms are checked above. */
        if (version_php_compare(v[0], v[1], &ab, &err) < 0 || version_php_compare(v[1], v[0], &ba, &err) < 0 ||
            version_php_compare(v[0], v[0], &aa, &err) < 0)
                abort();
        free(s);
        return 0;
}
