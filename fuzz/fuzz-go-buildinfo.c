/* SPDX-License-Identifier: Apache-2.0 */
/* Go build information comes from the image: any bytes give packages,
 * warnings or an error with a message, never a crash, an out-of-bounds read
 * or a loop.  Each input is tried twice: as the .go.buildinfo section (the
 * pre-1.18 format's pointers are then offsets into the input itself), and
 * as a whole ELF file through the ELF reader (headers, sections, segments).
 * A kept package is a Go module or stdlib with a printable version and a
 * golang purl.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
        const char *buf;
        size_t len;
};

static int input_read(void *ctx, uint64_t addr, uint64_t n, size_t max, char **ret, struct error *err) {
        const struct input *in = ctx;
        char *b;

        if (n > max || addr > in->len || n > in->len - addr)
                return error_set(err, EINVAL, "address 0x%llx is outside the input", (unsigned long long) addr);
        b = malloc(n + 1);
        if (!b)
                return error_set(err, ENOMEM, "out of memory");
        memcpy(b, in->buf + addr, n);
        b[n] = '\0';
        *ret = b;
        return 0;
}

static void check(const struct inventory *inv, int r, const struct error *err) {
        if (r < 0 && (r == -ENOMEM || !err->msg[0]))
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || strpbrk(p->version, " \t\r\n") ||
                    strpbrk(p->name, " \t\r\n") || !startswith(p->purl, "pkg:golang/") ||
                    !streq_ptr(p->ecosystem, "Go") || strcmp(p->version, "(devel)") == 0)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct input in = { (const char *) data, size };
        const struct go_address_space as = { input_read, &in };
        struct inventory *inv = inventory_new(), *elf = inventory_new();
        struct error err = {}, err2 = {};
        int r;

        if (!inv || !elf)
                abort();
        r = go_buildinfo_parse((const char *) data, size, &as, "/f", inv, &err);
        check(inv, r, &err);
        r = elf_read_memory(data, size, "/f", go_binary_read, elf, &err2);
        check(elf, r, &err2);
        inventory_free(inv);
        inventory_free(elf);
        return 0;
}
