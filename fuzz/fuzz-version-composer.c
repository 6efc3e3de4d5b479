/* SPDX-License-Identifier: Apache-2.0 */
/* Composer version order on any bytes (up to three versions, one a line):
 * version-props.h's properties, transitivity included; a version compares
 * with itself exactly when it normalises, and its normal form normalises
 * too; PHP's version_compare() takes any string (it is neither
 * antisymmetric nor reflexive on all of them: version_compare("1.0.",
 * "1.0.") is -1, so on raw strings it must only not fail). */
#include "version-kind-order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal(const char *v) {
        char *n = NULL, *again = NULL;
        struct error err = {};
        int r = version_composer_normalize(v, &n, &err);

        if ((r == 0) != kind_valid(VERSION_COMPOSER, v) || (r < 0 && !err.msg[0]))
                abort();
        if (r == 0 && version_composer_normalize(n, &again, &err) < 0)
                abort();
        free(n);
        free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const enum version_kind kind = VERSION_COMPOSER;
        struct error err = {};
        char *v[3], *s;
        int cmp;

        kind_order(&kind, NULL, data, size);
        s = kind_lines(data, size, v);
        for (int i = 0; s && i < 3; i++) {
                check_normal(v[i]);
                if (version_php_compare(v[i], v[(i + 1) % 3], &cmp, &err) < 0)
                        abort();
        }
        free(s);
        return 0;
}
