/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's config.toml and drop-ins as portcullis doctor scans them
 * (lib/doctor-containerd.c): any bytes are scanned or refused with a
 * message; what comes back is NUL-terminated strings, a runtime_type only
 * with the runtime's table, and scanning the same bytes again gives the
 * same answer.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct containerd_config *a, const struct containerd_config *b) {
        size_t n = strv_length(a->imports);

        if (n != strv_length(b->imports) || a->has_runtime != b->has_runtime ||
            a->default_runtime != b->default_runtime || !streq_ptr(a->runtime_type, b->runtime_type))
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(a->imports[i], b->imports[i]) != 0)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct containerd_config a = {}, b = {};
        struct error err = {};

        if (containerd_config_parse((const char *) data, size, &a, &err) < 0) {
                if (!err.msg[0] || a.imports || a.runtime_type)
                        abort();
                return 0;
        }
        if (a.runtime_type && !a.has_runtime)
                abort();
        if (containerd_config_parse((const char *) data, size, &b, &err) < 0 || !same(&a, &b))
                abort();
        containerd_config_done(&a);
        containerd_config_done(&b);
        return 0;
}
