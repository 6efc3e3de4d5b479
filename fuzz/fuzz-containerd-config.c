/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's config.toml and drop-ins as portcullis doctor scans them
 * (lib/doctor-containerd.c): any bytes are scanned or refused with a
 * message; what comes back is NUL-terminated strings, a runtime_type only
 * with the runtime's table of the CRI plugin, hooks_dir only where [engine]
 * set it (the scanner reads containers.conf too), and scanning the same
 * bytes again gives the same answer.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_strv(char *const *a, char *const *b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static bool same(const struct containerd_config *a, const struct containerd_config *b) {
        return same_strv(a->imports, b->imports) && same_strv(a->hooks_dir, b->hooks_dir) &&
               same_strv(a->disabled_plugins, b->disabled_plugins) &&
               streq_ptr(a->misplaced_table, b->misplaced_table) &&
               a->hooks_dir_set == b->hooks_dir_set && a->has_runtime == b->has_runtime &&
               a->default_runtime == b->default_runtime && streq_ptr(a->runtime_type, b->runtime_type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct containerd_config a = {}, b = {};
        struct error err = {};

        if (containerd_config_parse((const char *) data, size, &a, &err) < 0) {
                if (!err.msg[0] || a.imports || a.runtime_type || a.hooks_dir || a.hooks_dir_set ||
                    a.disabled_plugins || a.misplaced_table)
                        abort();
                return 0;
        }
        if ((a.runtime_type && !a.has_runtime) || (a.hooks_dir && !a.hooks_dir_set))
                abort();
        if (containerd_config_parse((const char *) data, size, &b, &err) < 0 || !same(&a, &b))
                abort();
        containerd_config_done(&a);
        containerd_config_done(&b);
        return 0;
}
