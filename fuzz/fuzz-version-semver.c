/* SPDX-License-Identifier: Apache-2.0 */
/* Up to three SemVer versions, split at newlines, read as npm, Go and
 * crates.io: fuzz/version-props.h says what must hold for each.
 *
 * npm's order is not transitive once a numeric pre-release identifier
 * reaches 2^53-1: node-semver compares those as doubles and calls two
 * versions equal when they round alike, whatever follows
 * ("1.0.0-9007199254740993.b" = "-9007199254740992.a" = "-9007199254740993.a"
 * < "-9007199254740993.b").  We give npm's answers, so transitivity is
 * checked only among versions without such a run of digits. */
#include "version-props.h"
#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const void *ctx, const char *v, struct error *err) {
        return version_semver_check(*(const enum version_kind *) ctx, v, err);
}

static int compare(const void *ctx, const char *a, const char *b, int *ret_cmp, struct error *err) {
        return version_semver_compare(*(const enum version_kind *) ctx, a, b, ret_cmp, err);
}

/* No run of 16 digits or more (2^53-1 has 16). */
static bool exact(const void *ctx, const char *v) {
        size_t run = 0;

        if (*(const enum version_kind *) ctx != VERSION_NPM)
                return true;
        for (; *v; v++) {
                run = (*v >= '0' && *v <= '9') ? run + 1 : 0;
                if (run >= 16)
                        return false;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const enum version_kind kinds[] = { VERSION_NPM, VERSION_GO, VERSION_SEMVER };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                const struct fuzz_order o = { check, compare, &kinds[i], exact };

                fuzz_version_order(&o, data, size);
        }
        return 0;
}
