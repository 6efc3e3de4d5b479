/* SPDX-License-Identifier: Apache-2.0 */
/* A dpkg info/<package>.list file comes from the image: any bytes must
 * become owned paths (or a capped error), never crash, read out of bounds
 * or loop.  Every line the parser keeps (absolute, not "/.", no NUL, CR
 * stripped) must be owned afterwards (under a merged /bin, /sbin or /lib
 * at its /usr path); nothing else is.  A broken invariant aborts so
 * that the fuzzer reports it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const merged[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        const char *p = (const char *) data, *end = p + size;
        size_t kept = 0;
        int r;

        if (!inv)
                return 0;
        r = dpkg_list_parse(p, size, 0x3f, inv);
        if (r < 0 && r != -ENOMEM && r != -E2BIG)
                abort();
        while (r == 0 && p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = (size_t) ((nl ? nl : end) - p);
                char line[INVENTORY_WALK_PATH_MAX + 8];

                if (n > 0 && p[n - 1] == '\r')
                        n--;
                if (n >= 2 && p[0] == '/' && !(n == 2 && p[1] == '.') && !memchr(p, '\0', n) &&
                    n + 4 >= sizeof(line))
                        kept++;         /* owned, never looked up by the walk, which caps paths shorter */
                else if (n >= 2 && p[0] == '/' && !(n == 2 && p[1] == '.') && !memchr(p, '\0', n)) {
                        bool under = false;

                        memcpy(line, p, n);
                        line[n] = '\0';
                        for (size_t i = 0; i < sizeof(merged) / sizeof(*merged) && !under; i++) {
                                size_t d = strlen(merged[i]);

                                under = n > d + 1 && memcmp(line + 1, merged[i], d) == 0 && line[d + 1] == '/';
                        }
                        if (under) {
                                memmove(line + 4, line, n + 1);
                                memcpy(line, "/usr", 4);
                        }
                        if (!inventory_owned(inv, line))
                                abort();
                        kept++;
                }
                p = nl ? nl + 1 : end;
        }
        if (r == 0 && inventory_owned_count(inv) > kept)
                abort();
        /* A path longer than any listed, then a short one after it. */
        if (r == 0) {
                static char big[300 * 1024];

                memset(big, 'x', sizeof(big) - 1);
                big[0] = '/';
                if (inventory_own(inv, big, sizeof(big) - 1) < 0 || inventory_own(inv, "/after/big", 10) < 0 ||
                    !inventory_owned(inv, big) || !inventory_owned(inv, "/after/big"))
                        abort();
        }
        if (inventory_owned(inv, "/never/listed/\x01"))
                abort();
        inventory_free(inv);
        return 0;
}
