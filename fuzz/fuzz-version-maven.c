/* SPDX-License-Identifier: Apache-2.0 */
/* Maven version order on any bytes (up to three versions, one a line):
 * every printable-ASCII string is a version, anything else is refused with
 * a message; equality and antisymmetry (version-triple.h).  Not
 * transitivity: ComparableVersion itself is not transitive (Maven 3.8.7
 * says 1-0.rc1 < 1 < 1-q0.alpha but 1-0.rc1 > 1-q0.alpha: a sub-list is
 * compared with a missing item by its first non-null item, with another
 * list item by item), and we give its answers. */
#include "version-triple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable(const char *s) {
        if (!*s || strlen(s) > 4096)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v[3], *s = triple_split(data, size, v);
        bool valid[3];

        if (!s)
                return 0;
        triple_check(VERSION_MAVEN, v, false, valid);
        for (int i = 0; i < 3; i++)
                if (valid[i] != printable(v[i]))
                        abort();
        free(s);
        return 0;
}
