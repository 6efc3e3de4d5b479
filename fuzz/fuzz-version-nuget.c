/* SPDX-License-Identifier: Apache-2.0 */
/* NuGet version order on any bytes (up to three versions, one a line):
 * equality, antisymmetry and transitivity (version-triple.h); a valid
 * version holds only digits, letters, '.', '-', '+' and blanks. */
#include "version-triple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v[3], *s = triple_split(data, size, v);
        bool valid[3];

        if (!s)
                return 0;
        triple_check(VERSION_NUGET, v, true, valid);
        for (int i = 0; i < 3; i++)
                if (valid[i] && v[i][strspn(v[i], "0123456789abcdefghijklmnopqrstuvwxyz"
                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+ \t\n\v\f\r")] != '\0')
                        abort();
        free(s);
        return 0;
}
