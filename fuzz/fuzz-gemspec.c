/* SPDX-License-Identifier: Apache-2.0 */
/* An installed gemspec comes from the image and is never evaluated: any
 * bytes give one package or one warning, never a crash, an out-of-bounds
 * read or a loop; a kept package has a RubyGems name, a printable version
 * without spaces and a gem purl.  A broken invariant aborts. */
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
        if (gemspec_parse((const char *) data, size, "/s/specifications/x.gemspec", inv) < 0 ||
            inv->n_pkgs + inv->n_warnings != 1)
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !inventory_field_printable(p->version, strlen(p->version), 256) ||
                    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(p->name) ||
                    !startswith(p->purl, "pkg:gem/") || !streq_ptr(p->ecosystem, "RubyGems"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
