/* SPDX-License-Identifier: Apache-2.0 */
/* Java archives come from the image: any bytes, read as a whole archive
 * (with the archives inside it), as a pom.properties and as a MANIFEST.MF,
 * give packages or warnings, never a crash, an out-of-bounds read or a
 * loop.  A kept package is a Maven one with a pkg:maven purl, a version
 * without spaces and an origin naming the archive; a package from a
 * pom.properties is never marked as guessed, a fallback always is.  A
 * broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct inventory *inv, bool guessed) {
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!p->name[0] || !p->version[0] || strpbrk(p->version, " \t\r\n") ||
                    !streq_ptr(p->ecosystem, "Maven") || !startswith(p->purl, "pkg:maven/") ||
                    !startswith(p->origin_file, "/f.jar") || (guessed && !p->guessed_from))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        struct inventory *inv = inventory_new();
        struct error err = {};

        if (!inv)
                return 0;
        if (jar_archive_parse(buf, size, "/f.jar", inv, &err) < 0 && err.code != -ENOMEM)
                abort();
        check(inv, false);
        inventory_free(inv);

        inv = inventory_new();
        if (!inv)
                return 0;
        /* one pom.properties: one package or one warning */
        if (jar_pom_properties_parse(buf, size, "/f.jar", inv) < 0 || inv->n_pkgs + inv->n_warnings != 1 ||
            (inv->n_pkgs == 1 && (inv->pkgs[0].guessed_from || !strchr(inv->pkgs[0].name, ':'))))
                abort();
        check(inv, false);
        inventory_free(inv);

        inv = inventory_new();
        if (!inv)
                return 0;
        /* a MANIFEST.MF and a file name: a marked guess or a warning */
        if (jar_fallback(buf, size, "f-1.0.jar", "/f.jar", inv) < 0 || inv->n_pkgs > 1 ||
            (inv->n_pkgs == 0 && inv->n_warnings != 1))
                abort();
        check(inv, true);
        inventory_free(inv);
        return 0;
}
