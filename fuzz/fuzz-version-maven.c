/* SPDX-License-Identifier: Apache-2.0 */
/* Maven version order on any bytes (up to three versions, one a line):
 * version-props.h's properties, and every printable-ASCII string is a
 * version, nothing else.  Not transitivity: ComparableVersion itself is not
 * transitive (Maven 3.8.7 says 1-0.rc1 < 1 < 1-q0.alpha but 1-0.rc1 >
 * 1-q0.alpha: a sub-list is compared with a missing item by its first
 * non-null item, with another list item by item), and we give its
 * answers. */
#include "version-kind-order.h"
#include "version-number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool never(const void *ctx, const char *v) {
        return false;
}

static bool printable(const char *s) {
        if (!*s || strlen(s) > VERSION_LANG_MAX)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const enum version_kind kind = VERSION_MAVEN;
        char *v[3], *s;

        kind_order(&kind, never, data, size);
        s = kind_lines(data, size, v);
        for (int i = 0; s && i < 3; i++)
                if (kind_valid(kind, v[i]) != printable(v[i]))
                        abort();
        free(s);
        return 0;
}
