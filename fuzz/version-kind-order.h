/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* version-props.h's properties for a version kind that has no validity
 * check of its own (Maven, RubyGems, Composer, NuGet: a version is valid
 * when it compares with itself), and the input's versions for the checks
 * a target adds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version-props.h"
#include "version.h"

static int kind_compare(const void *ctx, const char *a, const char *b, int *ret_cmp, struct error *err) {
        return version_compare(*(const enum version_kind *) ctx, a, b, ret_cmp, err);
}

static int kind_check(const void *ctx, const char *v, struct error *err) {
        int cmp;

        return kind_compare(ctx, v, v, &cmp, err);
}

static bool kind_valid(enum version_kind kind, const char *v) {
        return kind_check(&kind, v, NULL) == 0;
}

/* Runs version-props.h's checks; exact NULL: the order must be transitive. */
static void kind_order(const enum version_kind *kind, bool (*exact)(const void *ctx, const char *v),
                       const uint8_t *data, size_t size) {
        const struct fuzz_order o = { kind_check, kind_compare, kind, exact };

        fuzz_version_order(&o, data, size);
}

/* The input's first three lines (missing ones empty), NUL-terminated in one
 * allocation to free; NULL on allocation failure. */
static char *kind_lines(const uint8_t *data, size_t size, char *v[3]) {
        char *s = malloc(size + 1);

        if (!s)
                return NULL;
        memcpy(s, data, size);
        s[size] = '\0';
        v[0] = s;
        for (int i = 1; i < 3; i++) {
                char *nl = strchr(v[i - 1], '\n');

                if (nl)
                        *nl = '\0';
                v[i] = nl ? nl + 1 : s + size;
        }
        return s;
}
