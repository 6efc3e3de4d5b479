/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What must hold for any comparator on any input, shared by the version
 * fuzz targets: the input is up to three versions split at newlines; no
 * crash, check() and compare() agree on validity, an invalid version is
 * -EINVAL with a message and leaves *ret_cmp alone, the order is reflexive,
 * antisymmetric and transitive (among the versions for which exact() says
 * so, when the reference itself is not: see fuzz-version-semver.c).  A violation abort()s, which libFuzzer
 * reports as a crash. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* Versions longer than this teach the fuzzer nothing new. */
#define FUZZ_VERSION_MAX 4096

struct fuzz_order {
        int (*check)(const void *ctx, const char *v, struct error *err);
        int (*compare)(const void *ctx, const char *a, const char *b, int *ret_cmp, struct error *err);
        const void *ctx;
        bool (*exact)(const void *ctx, const char *v);     /* NULL: always */
};

static int fuzz_sgn(int x) {
        return (x > 0) - (x < 0);
}

/* Returns the order of a against b (-1, 0, 1), or 2 when either is invalid. */
static int fuzz_cmp(const struct fuzz_order *o, const char *a, const char *b) {
        struct error err = {};
        int cmp = 42, r;

        r = o->compare(o->ctx, a, b, &cmp, &err);
        if (r < 0) {
                if (r != -EINVAL || cmp != 42 || err.msg[0] == '\0')
                        abort();
                return 2;
        }
        return fuzz_sgn(cmp);
}

static void fuzz_check_one(const struct fuzz_order *o, const char *v) {
        int valid = o->check(o->ctx, v, NULL) == 0;

        if (valid != (fuzz_cmp(o, v, v) != 2))
                abort();
        if (valid && fuzz_cmp(o, v, v) != 0)
                abort();
}

static void fuzz_check_order(const struct fuzz_order *o, const char *a, const char *b, const char *c) {
        int ab = fuzz_cmp(o, a, b), ba = fuzz_cmp(o, b, a), bc = fuzz_cmp(o, b, c), ac = fuzz_cmp(o, a, c);

        if ((ab == 2) != (ba == 2) || (ab != 2 && ab != -ba))
                abort();
        if (ab == 2 || bc == 2 || ac == 2)
                return;
        if (o->exact && !(o->exact(o->ctx, a) && o->exact(o->ctx, b) && o->exact(o->ctx, c)))
                return;
        if (ab <= 0 && bc <= 0 && ac > 0)
                abort();
        if (ab >= 0 && bc >= 0 && ac < 0)
                abort();
}

/* Splits data into a, b, c at the first two newlines (missing ones are
 * empty) and checks them all. */
static void fuzz_version_order(const struct fuzz_order *o, const uint8_t *data, size_t size) {
        char *buf, *v[3];

        if (size > 3 * FUZZ_VERSION_MAX)
                return;
        /* NUL-terminated copy; an embedded NUL just ends a version early,
         * as it would for any C caller. */
        buf = malloc(size + 1);
        if (!buf)
                return;
        memcpy(buf, data, size);
        buf[size] = '\0';
        v[0] = buf;
        for (int i = 1; i < 3; i++) {
                char *nl = strchr(v[i - 1], '\n');

                if (nl)
                        *nl = '\0';
                v[i] = nl ? nl + 1 : buf + size;
        }
        for (int i = 0; i < 3; i++)
                fuzz_check_one(o, v[i]);
        fuzz_check_order(o, v[0], v[1], v[2]);
        free(buf);
}
