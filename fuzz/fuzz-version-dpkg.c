/* SPDX-License-Identifier: Apache-2.0 */
/* Two Debian versions, split at the first newline.  Checks what must hold
 * for any input: no crash, check() and compare() agree on validity, the
 * order is antisymmetric and reflexive, the parsed parts lie inside the
 * input, and two versions that both have an order-preserving key
 * (version_dpkg_key()) have keys that compare as they do.  A violation
 * abort()s, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version-dpkg-internal.h"
#include "version.h"

/* Versions longer than this teach the fuzzer nothing new. */
#define FUZZ_VERSION_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sgn(int x) {
        return (x > 0) - (x < 0);
}

static void check_one(const char *v) {
        struct error err = {};
        struct dpkg_version dv;
        int r, cmp = 1;

        r = version_dpkg_parse(v, &dv, &err);
        if (r != version_dpkg_check(v, NULL))
                abort();
        if (r < 0) {
                if (r != -EINVAL || version_dpkg_compare(v, "1", &cmp, NULL) != r)
                        abort();
                return;
        }
        if (dv.epoch < 0 || dv.upstream.n == 0 || dv.upstream.p < v ||
            dv.upstream.p + dv.upstream.n > v + strlen(v) || dv.revision.p + dv.revision.n > v + strlen(v))
                abort();
        if (version_dpkg_compare(v, v, &cmp, NULL) < 0 || cmp != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *a, *b, *nl;
        int ab = 0, ba = 0, rab, rba;

        if (size > 2 * FUZZ_VERSION_MAX)
                return 0;
        /* NUL-terminated copy; an embedded NUL just ends the version early,
         * as it would for any C caller. */
        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';

        a = buf;
        nl = memchr(buf, '\n', size);
        if (nl) {
                *nl = '\0';
                b = nl + 1;
        } else
                b = buf + size;

        check_one(a);
        check_one(b);

        rab = version_dpkg_compare(a, b, &ab, NULL);
        rba = version_dpkg_compare(b, a, &ba, NULL);
        if ((rab < 0) != (rba < 0))
                abort();
        if (rab == 0 && sgn(ab) != -sgn(ba))
                abort();
        if (rab == 0) {
                char ka[VERSION_KEY_MAX], kb[VERSION_KEY_MAX];
                int la = version_dpkg_key(a, ka, sizeof(ka)), lb = version_dpkg_key(b, kb, sizeof(kb));

                if (la > 0 && lb > 0 && sgn(strcmp(ka, kb)) != sgn(ab))
                        abort();
        }

        free(buf);
        return 0;
}
