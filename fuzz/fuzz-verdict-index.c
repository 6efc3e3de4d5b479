/* SPDX-License-Identifier: Apache-2.0 */
/* The hook maps the verdict index and trusts nothing in it but what its
 * checks pass: every table and entry must stay inside the buffer, every
 * string it hands out must be terminated where it says, whatever the
 * bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict-index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(const struct vidx_hit *h) {
        /* Reading every byte handed out: ASan sees any that lie outside. */
        if (strlen(h->identity) + strlen(h->db_revision) + (h->image ? strlen(h->image) : 0) + 1 == 0 ||
            (h->findings_len && !memchr(h->findings, h->findings[h->findings_len - 1], h->findings_len)) ||
            h->findings[h->findings_len] != '\0')
                abort();
}

static void parse(void *buf, size_t size) {
        struct vidx *x = NULL;
        const char *memo;

        if (vidx_from_buffer(buf, size, &x, NULL) == 0) {
                for (size_t i = 0; i < vidx_count(x); i++) {
                        struct vidx_hit h, again;
                        const char *key;

                        if (vidx_entry(x, i, &key, &h) < 0)
                                continue;
                        use(&h);
                        if (vidx_lookup(x, key, &again) == 0)
                                use(&again);
                }
                (void) vidx_memo(x, "db:1:2:3:4.5", &memo);
                vidx_close(x);
        }
}

/* Each input as it is, then with its checksums made right: else nearly
 * every mutation of a table's count or offset, or of an entry, ends at a
 * checksum, before the checks behind it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Aligned as a mapping is. */
        void *buf = malloc(size ? size : 1);

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        parse(buf, size);
        vidx_reseal(buf, size);
        parse(buf, size);
        free(buf);
        return 0;
}
