/* SPDX-License-Identifier: Apache-2.0 */
/* Bitnami version order on any bytes (up to three versions, one a line):
 * version-props.h's properties.  A build revision counts only when both
 * sides have one, so equality is not transitive ("1.0.0-7" = "1.0.0" =
 * "1.0.0-8" < ...): the full check runs among versions that all have a
 * revision or all have none; "less than" must be transitive whatever they
 * have.  A valid version holds only digits, '.' and '-'. */
#include "version-kind-order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_revision(const char *v) {
        return strchr(v, '-') != NULL;
}

static bool with_revision(const void *ctx, const char *v) {
        return has_revision(v);
}

static bool without_revision(const void *ctx, const char *v) {
        return !has_revision(v);
}

static int cmp(const char *a, const char *b) {
        int c = 0;

        return version_compare(VERSION_BITNAMI, a, b, &c, NULL) < 0 ? 2 : (c > 0) - (c < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const enum version_kind kind = VERSION_BITNAMI;
        char *v[3], *s;

        kind_order(&kind, with_revision, data, size);
        kind_order(&kind, without_revision, data, size);
        s = kind_lines(data, size, v);
        for (int i = 0; s && i < 3; i++)
                if (kind_valid(kind, v[i]) && v[i][strspn(v[i], "0123456789.-")])
                        abort();
        if (s && cmp(v[0], v[1]) == -1 && cmp(v[1], v[2]) == -1 && cmp(v[0], v[2]) != -1)
                abort();
        free(s);
        return 0;
}
