/* SPDX-License-Identifier: Apache-2.0 */
/* A .NET deps.json comes from the image: any bytes give packages and
 * warnings, never a crash, an out-of-bounds read or a loop; every kept
 * package is a NuGet id of at most 100 bytes with a printable version
 * without '/' and a nuget purl.  A broken invariant aborts. */
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
        if (dotnet_deps_parse((const char *) data, size, "/app/a.deps.json", inv) < 0)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || strlen(p->name) > 100 ||
                    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(p->name) ||
                    !inventory_field_printable(p->version, strlen(p->version), 256) || strchr(p->version, '/') ||
                    !startswith(p->purl, "pkg:nuget/") || !streq_ptr(p->ecosystem, "NuGet"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
