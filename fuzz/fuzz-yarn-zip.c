/* SPDX-License-Identifier: Apache-2.0 */
/* A Yarn cache zip comes from the image: any bytes give packages, notes
 * or nothing, never a crash, an out-of-bounds read or a loop; a kept
 * package is an npm one, named by the zip and the package.json inside it.
 * A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        int r;

        if (!inv)
                return 0;
        r = npm_yarn_zip_parse((const char *) data, size, "/c/x.zip", inv);
        if (r < 0 && r != -ENOMEM)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || !streq_ptr(p->ecosystem, "npm") ||
                    !startswith(p->purl, "pkg:npm/") || !startswith(p->origin_file, "/c/x.zip!") ||
                    !endswith(p->origin_file, "/package.json"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
