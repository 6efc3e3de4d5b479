/* SPDX-License-Identifier: Apache-2.0 */
/* Up to three PyPI versions, split at newlines: fuzz/version-props.h says
 * what must hold. */
#include "version-props.h"
#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const void *ctx, const char *v, struct error *err) {
        (void) ctx;
        return version_pep440_check(v, err);
}

static int compare(const void *ctx, const char *a, const char *b, int *ret_cmp, struct error *err) {
        (void) ctx;
        return version_pep440_compare(a, b, ret_cmp, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const struct fuzz_order o = { check, compare, NULL, NULL };

        fuzz_version_order(&o, data, size);
        return 0;
}
