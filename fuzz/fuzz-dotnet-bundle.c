/* SPDX-License-Identifier: Apache-2.0 */
/* A .NET single-file bundle comes from the image: any ELF file with bytes
 * appended gives NuGet packages or an error naming the file, never a
 * crash, an out-of-bounds read or a read past the caps.  A kept package
 * has a printable id and version, ecosystem NuGet and a nuget purl.  A
 * broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        struct error err = {};
        int r;

        if (!inv)
                abort();
        r = elf_read_memory(data, size, "/f", dotnet_bundle_read, inv, &err);
        if (r < 0 && (r == -ENOMEM || !err.msg[0]))
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || !startswith(p->purl, "pkg:nuget/") ||
                    !streq_ptr(p->ecosystem, "NuGet") || !streq_ptr(p->origin_file, "/f"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
