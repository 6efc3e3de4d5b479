/* SPDX-License-Identifier: Apache-2.0 */
/* METADATA / PKG-INFO come from the image: any bytes give a package or a
 * warning, never a crash, an out-of-bounds read or a loop; a kept package
 * has a PEP 508 name, a printable version, its PEP 503 name as source and a
 * pypi purl.  A broken invariant aborts. */
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
        if (python_metadata_parse((const char *) data, size, "/m/METADATA", inv) < 0 || inv->n_pkgs > 1 ||
            inv->n_pkgs + inv->n_warnings != 1)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || strpbrk(p->version, " \t\r\n") ||
                    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(p->name) ||
                    strspn(p->source_name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(p->source_name) ||
                    !startswith(p->purl, "pkg:pypi/") || !streq_ptr(p->ecosystem, "PyPI"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
