/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The two ways apk-tools itself compares that the gate does not need:
 * the fuzzy match ("~" in a dependency such as "so:libfoo~1.2") and the
 * lazy reading that orders versions with an invalid tail.  The tests and
 * fuzzers use them to check every line of apk-tools' version.data; the
 * matcher uses version.h, which rejects invalid versions. */
#include <stdbool.h>

#include "base/error.h"

enum {
        /* a equals the pattern b as soon as every part of b matched:
         * "3.6.9_pre1" ~ "3.6" (apk's "~" operator). */
        VERSION_APK_FUZZY = 1 << 0,
        /* Read both only as far as the decision needs, as apk-tools does:
         * "23_foo" > "4_beta" although "_foo" is no suffix.  Without it,
         * both versions must be valid. */
        VERSION_APK_LAZY = 1 << 1,
};

/* version_apk_compare() with the flags above (0: the same). */
int version_apk_compare_flags(const char *a, const char *b, unsigned flags, int *ret_cmp, struct error *err);
