/* SPDX-License-Identifier: Apache-2.0 */
/* NuGet version order on any bytes (up to three versions, one a line):
 * version-props.h's properties, transitivity included; a valid version
 * holds only digits, letters, '.', '-', '+' and blanks. */
#include "version-kind-order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const enum version_kind kind = VERSION_NUGET;
        char *v[3], *s;

        kind_order(&kind, NULL, data, size);
        s = kind_lines(data, size, v);
        for (int i = 0; s && i < 3; i++)
                if (kind_valid(kind, v[i]) && v[i][strspn(v[i], "0123456789abcdefghijklmnopqrstuvwxyz"
                                                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+ \t\n\v\f\r")])
                        abort();
        free(s);
        return 0;
}
