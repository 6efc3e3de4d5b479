/* SPDX-License-Identifier: Apache-2.0 */
/* The first bytes of an all.zip entry, as db update reads them to compare
 * the archive with modified_id.csv (update_record_head()): cut anywhere, a
 * record gives its id and "modified" or nothing.  An id given is a string
 * of the input between quotes (or the entry's name), one db update may use
 * as a file name; a time given is one.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "update-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool id_plain(const char *s, size_t n) {
        if (n == 0 || n > 256 || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+", s[i]) || !s[i])
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char name[] = "zip/FUZZ-1.json";
        const char *buf = (const char *) data, *id = NULL;
        struct osv_time t = {};
        size_t n = 0;

        if (!update_record_head(buf, size, name, &id, &n, &t))
                return 0;
        if (!id_plain(id, n) || t.ns < 0 || t.ns >= 1000000000)
                abort();
        if (id >= buf && id < buf + size) {
                if (id == buf || id + n >= buf + size || id[-1] != '"' || id[n] != '"')
                        abort();
        } else if (id != name + 4 || n != 6)
                abort();
        return 0;
}
