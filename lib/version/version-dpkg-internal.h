/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The parts of a Debian version, for tests and fuzzers that check the split
 * itself; everything else goes through version.h. */
#include <stddef.h>

#include "base/error.h"

/* A piece of the caller's string: not NUL-terminated. */
struct dpkg_span {
        const char *p;
        size_t n;
};

struct dpkg_version {
        int epoch;
        struct dpkg_span upstream;
        struct dpkg_span revision;   /* n == 0 (p not NULL) when there is none */
};

/* Splits v as dpkg's parseversion() does.  Returns 0, or 1 when dpkg would
 * only warn (then *ret is filled and err holds the warning), or -EINVAL with
 * err set.  The spans point into v. */
int version_dpkg_parse(const char *v, struct dpkg_version *ret, struct error *err);
