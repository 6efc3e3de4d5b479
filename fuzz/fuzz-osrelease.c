/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/os-release comes from the image: any bytes must parse (lines that
 * aren't KEY=value are ignored) or hit a cap with a message, never crash,
 * read out of bounds or loop; the values we keep must obey os-release(5)'s
 * character set.  A broken invariant aborts. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osrelease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const char *s, bool spaces) {
        if (!s)
                return;
        if (!*s)
                abort();
        for (; *s; s++)
                if (!(islower((unsigned char) *s) || isdigit((unsigned char) *s) || strchr("._-", *s) ||
                      (spaces && *s == ' ')))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct os_info info = {};
        struct error err = {};

        if (osrelease_parse((const char *) data, size, &info, &err) < 0) {
                if (!err.msg[0])
                        abort();
                return 0;
        }
        check_id(info.id, false);
        check_id(info.id_like, true);
        check_id(info.version_id, false);
        check_id(info.version_codename, false);
        for (const char *p = info.pretty_name; p && *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                        abort();
        if (info.ecosystem && !info.id)
                abort();
        os_info_done(&info);
        return 0;
}
