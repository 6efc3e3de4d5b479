/* SPDX-License-Identifier: Apache-2.0 */
/* An installed package.json comes from the image: any bytes give a
 * package, a warning or nothing (a manifest without name and version),
 * never a crash, an out-of-bounds read or a loop; a kept package has an npm
 * name, a printable version and an npm purl.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();

        if (!inv)
                return 0;
        if (npm_package_json_parse((const char *) data, size, "/p/package.json", inv) < 0 || inv->n_pkgs > 1 ||
            inv->n_pkgs + inv->n_warnings > 1)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || strlen(p->name) > 214 || !p->version[0] || strpbrk(p->version, " \t\r\n") ||
                    !startswith(p->purl, "pkg:npm/") || !streq_ptr(p->ecosystem, "npm") ||
                    (p->name[0] == '@') != (strchr(p->name, '/') != NULL))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
