/* SPDX-License-Identifier: Apache-2.0 */
/* A cargo-auditable .dep-v0 section comes from the image: any bytes give
 * crates.io packages or warnings, never a crash, an out-of-bounds read or
 * more memory than the inflate cap.  Each input is tried as the section's
 * bytes and as a whole ELF file holding one.  A kept package has a crate
 * name, a printable version and a cargo purl.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct inventory *inv) {
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || strpbrk(p->version, " \t\r\n") ||
                    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(p->name) ||
                    !startswith(p->purl, "pkg:cargo/") || !streq_ptr(p->ecosystem, "crates.io"))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new(), *elf = inventory_new();
        struct error err = {};
        int r;

        if (!inv || !elf)
                abort();
        if (cargo_auditable_parse((const char *) data, size, "/f", inv) < 0)
                abort();
        check(inv);
        r = elf_read_memory(data, size, "/f", cargo_binary_read, elf, &err);
        if (r < 0 && (r == -ENOMEM || !err.msg[0]))
                abort();
        check(elf);
        inventory_free(inv);
        inventory_free(elf);
        return 0;
}
