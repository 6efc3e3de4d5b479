/* SPDX-License-Identifier: Apache-2.0 */
/* FIRST's EPSS CSV (plain or gzip) comes from a download (db import, db
 * update): a malformed one must be rejected with a message, never crash;
 * every row that passes is a CVE with two numbers within 0..1, every other
 * row is counted as skipped, and at most half of them are. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const char *cve, double epss, double percentile, size_t line, void *userdata, struct error *err) {
        (void) line;
        (void) err;
        if (strncmp(cve, "CVE-", 4) != 0 || !(epss >= 0 && epss <= 1) || !(percentile >= 0 && percentile <= 1))
                abort();
        (*(size_t *) userdata)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct epss_meta m = {};
        struct error err = {};
        char *csv = NULL;
        size_t len = 0, n = 0;

        (void) vulndb_feed_detect((const char *) data, size);
        if (epss_gunzip((const char *) data, size, "fuzz", &csv, &len, &err) < 0)
                return 0;
        if (epss_parse(csv, len, "fuzz", &m, check, NULL, &n, &err) == 0) {
                if (m.rows != n + m.skipped || n == 0 || m.skipped > m.rows / 2)
                        abort();
                epss_meta_done(&m);
        } else if (!err.msg[0])
                abort();
        free(csv);
        return 0;
}
