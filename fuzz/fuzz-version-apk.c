/* SPDX-License-Identifier: Apache-2.0 */
/* Two apk versions, split at the first newline.  Checks what must hold for
 * any input: no crash, check() and compare() agree on validity, the order
 * is antisymmetric and reflexive, the lazy reading (apk-tools' own) agrees
 * with the strict one on valid versions, and a version fuzzy-matches
 * itself and everything equal to it.  A violation abort()s, which
 * libFuzzer reports as a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version-apk-internal.h"
#include "version.h"

/* Versions longer than this teach the fuzzer nothing new. */
#define FUZZ_VERSION_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

static void check_one(const char *v) {
        int r = version_apk_check(v, NULL), cmp = 1;

        if (r < 0) {
                if (r != -EINVAL || version_apk_compare(v, "1", &cmp, NULL) != r ||
                    version_apk_compare("1", v, &cmp, NULL) != r)
                        abort();
                return;
        }
        if (version_apk_compare(v, v, &cmp, NULL) < 0 || cmp != 0)
                abort();
        if (version_apk_compare_flags(v, v, VERSION_APK_FUZZY, &cmp, NULL) < 0 || cmp != 0)
                abort();
}

static void check_pair(const char *a, const char *b) {
        int ab = 0, ba = 0, lazy = 0, fuzzy = 0, rab, rba;

        rab = version_apk_compare(a, b, &ab, NULL);
        rba = version_apk_compare(b, a, &ba, NULL);
        if ((rab < 0) != (rba < 0))
                abort();
        if (rab < 0)
                return;
        if (sgn(ab) != -sgn(ba))
                abort();
        if (version_apk_compare_flags(a, b, VERSION_APK_LAZY, &lazy, NULL) < 0 || sgn(lazy) != sgn(ab))
                abort();
        /* Equal versions match fuzzily; a fuzzy mismatch is a mismatch. */
        if (version_apk_compare_flags(a, b, VERSION_APK_FUZZY, &fuzzy, NULL) < 0)
                abort();
        if (ab == 0 && fuzzy != 0)
                abort();
        if (fuzzy != 0 && sgn(fuzzy) != sgn(ab))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *a, *b, *nl;

        if (size > 2 * FUZZ_VERSION_MAX)
                return 0;
        /* NUL-terminated copy; an embedded NUL just ends the version early,
         * as it would for any C caller. */
        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';

        a = buf;
        nl = memchr(buf, '\n', size);
        if (nl) {
                *nl = '\0';
                b = nl + 1;
        } else
                b = buf + size;

        check_one(a);
        check_one(b);
        check_pair(a, b);
        free(buf);
        return 0;
}
