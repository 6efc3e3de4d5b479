/* SPDX-License-Identifier: Apache-2.0 */
/* CISA's KEV catalogue comes from a download (db import, db update): a
 * malformed one must be rejected with a message, never crash, and what
 * passes must hold what the database relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const struct kev_entry *e, size_t index, void *userdata, struct error *err) {
        (void) index;
        (void) err;
        /* a date_added that was no date is "" (the listing kept without it) */
        if (strncmp(e->cve, "CVE-", 4) != 0 || (e->date_added[0] && strlen(e->date_added) < 10))
                abort();
        (*(size_t *) userdata)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct kev_meta m = {};
        struct error err = {};
        size_t n = 0;

        (void) vulndb_feed_detect((const char *) data, size);
        if (kev_parse((const char *) data, size, "fuzz", &m, check, NULL, &n, &err) == 0) {
                if (!m.catalog_version || !m.date_released || m.count != n + m.skipped)
                        abort();
                kev_meta_done(&m);
        } else if (!err.msg[0])
                abort();        /* every rejection says why */
        return 0;
}
