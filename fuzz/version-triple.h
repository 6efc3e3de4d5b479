/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The shared body of the language version fuzz targets: an input is up to
 * three versions separated by newlines.  Checks: a comparison fails only
 * with a message, a version compares equal to itself, comparisons are
 * antisymmetric, and, where the reference's order is, transitive over the
 * three. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static int triple_sgn(int x) {
        return (x > 0) - (x < 0);
}

/* Compares a and b; returns false when that fails (checked to fail with a
 * message, and both ways). */
static bool triple_compare(enum version_kind kind, const char *a, const char *b, int *ret_cmp) {
        struct error e1 = {}, e2 = {};
        int ab, ba, r1, r2;

        r1 = version_compare(kind, a, b, &ab, &e1);
        r2 = version_compare(kind, b, a, &ba, &e2);
        if ((r1 < 0) != (r2 < 0))
                abort();
        if (r1 < 0) {
                if (r1 != -EINVAL || !e1.msg[0] || !e2.msg[0])
                        abort();
                return false;
        }
        if (triple_sgn(ab) != -triple_sgn(ba))
                abort();
        *ret_cmp = triple_sgn(ab);
        return true;
}

/* valid: whether each version compares with itself (it must equal itself). */
static void triple_check(enum version_kind kind, char *v[3], bool transitive, bool valid[3]) {
        int c[3][3];
        bool ok[3][3];

        for (int i = 0; i < 3; i++) {
                valid[i] = triple_compare(kind, v[i], v[i], &c[i][i]);
                if (valid[i] && c[i][i] != 0)
                        abort();
        }
        for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                        ok[i][j] = triple_compare(kind, v[i], v[j], &c[i][j]);
                        if (ok[i][j] && (!valid[i] || !valid[j]))
                                abort();
                }
        for (int i = 0; i < 3 && transitive; i++)
                for (int j = 0; j < 3; j++)
                        for (int k = 0; k < 3; k++)
                                if (ok[i][j] && ok[j][k] && ok[i][k] && c[i][j] <= 0 && c[j][k] <= 0 &&
                                    !(c[i][k] <= 0 && (c[i][k] < 0 || (c[i][j] == 0 && c[j][k] == 0))))
                                        abort();
}

/* Splits the input into three NUL-terminated versions (missing ones
 * repeat the first) in one allocation; NULL on allocation failure. */
static char *triple_split(const uint8_t *data, size_t size, char *v[3]) {
        char *s = malloc(size + 1), *p;

        if (!s)
                return NULL;
        memcpy(s, data, size);
        s[size] = '\0';
        p = s;
        for (int i = 0; i < 3; i++) {
                char *nl = p ? strchr(p, '\n') : NULL;

                v[i] = p ? p : s;
                if (nl)
                        *nl = '\0';
                p = nl ? nl + 1 : NULL;
        }
        return s;
}
