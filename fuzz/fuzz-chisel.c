/* SPDX-License-Identifier: Apache-2.0 */
/* A chiseled image's manifest.wall is the image author's: zstd, then JSON
 * lines.  Both layers get arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        struct error err = {};
        char *text = NULL;
        size_t len = 0;

        if (!inv)
                return 0;
        (void) chisel_manifest_parse((const char *) data, size, "fuzz", inv, &err);
        if (chisel_decompress((const char *) data, size, &text, &len, &err) == 0) {
                (void) chisel_manifest_parse(text, len, "fuzz", inv, &err);
                free(text);
        }
        inventory_free(inv);
        return 0;
}
