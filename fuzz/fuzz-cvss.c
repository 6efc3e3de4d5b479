/* SPDX-License-Identifier: Apache-2.0 */
/* CVSS vectors come from vulnerability feeds: any bytes must either score
 * within 0.0..10.0 or be rejected with -EINVAL and a message, never crash,
 * read out of bounds or loop.  An invariant that breaks aborts, so that the
 * fuzzer reports it as a crash. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "severity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* lib/cvss.c, not in severity.h. */

static void check_score(double s) {
        if (!(s >= 0.0 && s <= 10.0))
                abort();
        /* one decimal, as every version's rounding makes it */
        if (fabs(s * 10.0 - round(s * 10.0)) > 1e-6)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct cvss_score sc;
        struct error err = {};
        double ext[3];
        char *vector;
        int version, r;

        /* The parser takes a C string: NUL-terminate a copy. */
        vector = malloc(size + 1);
        if (!vector)
                return 0;
        memcpy(vector, data, size);
        vector[size] = '\0';

        r = cvss_score(vector, &sc, &err);
        if (r < 0) {
                if (r != -EINVAL || err.code != -EINVAL || err.msg[0] == '\0')
                        abort();
        } else {
                if (sc.version != 2 && sc.version != 30 && sc.version != 31 && sc.version != 40)
                        abort();
                if (!severity_to_string(sc.severity) || sc.severity == SEVERITY_UNKNOWN)
                        abort();
                check_score(sc.base_score);
                if (cvss_score_extended(vector, &version, ext, NULL) < 0 || version != sc.version ||
                    ext[0] != sc.base_score)
                        abort();
                for (int i = 0; i < 3; i++)
                        check_score(ext[i]);
        }
        free(vector);
        return 0;
}
