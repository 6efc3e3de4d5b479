/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.json of a signed mirror (update-internal.h), after its signature
 * verified: any bytes must parse or fail with a message naming the URL; a
 * manifest that parses has a serial of 0 or more, "expires" after "created"
 * and a sha256 in hex for every file.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "update-internal.h"
#include "update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URL "https://mirror.test/Debian%3A12/manifest.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct update_manifest m = {};
        struct error err = {};
        const char *name;
        json_t *v;

        if (size > UPDATE_MANIFEST_MAX)
                return 0;
        if (update_manifest_parse((const char *) data, size, URL, &m, &err) < 0) {
                if (!startswith(err.msg, URL) || m.files)
                        abort();
                return 0;
        }
        if (m.serial < 0 || m.expires <= m.created || !json_is_object(m.files))
                abort();
        json_object_foreach(m.files, name, v)
                if (!json_is_string(v) || strlen(json_string_value(v)) != 64)
                        abort();
        update_manifest_done(&m);
        return 0;
}
