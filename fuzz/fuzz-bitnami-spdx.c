/* SPDX-License-Identifier: Apache-2.0 */
/* A Bitnami component's .spdx-<component>.spdx comes from the image: any
 * bytes give packages and warnings, never a crash, an out-of-bounds read or
 * a loop; every kept package is of ecosystem Bitnami with a printable name
 * and version, a pkg:bitnami purl and the document as origin; whatever is
 * refused is also a note (not checked), so that a damaged document never
 * passes in silence: an input that is no SPDX 2 JSON document with a
 * packages array always gives one.  A broken invariant aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool spdx2(const uint8_t *data, size_t size) {
        json_t *root = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
        const char *v = json_string_value(json_object_get(root, "spdxVersion"));
        bool ok = v && startswith(v, "SPDX-2.") && json_is_array(json_object_get(root, "packages"));

        json_decref(root);
        return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char origin[] = "/opt/bitnami/postgresql/.spdx-postgresql.spdx";
        struct inventory *inv = inventory_new();

        if (!inv)
                return 0;
        if (bitnami_spdx_parse((const char *) data, size, origin, inv) < 0)
                abort();
        if (!spdx2(data, size) && (!inv->skipped || inv->n_pkgs > 0))
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                if (!inventory_field_printable(p->name, strlen(p->name), 256) ||
                    !inventory_field_printable(p->version, strlen(p->version), 256) ||
                    !startswith(p->purl, "pkg:bitnami/") || !streq_ptr(p->ecosystem, "Bitnami") ||
                    !streq_ptr(p->origin_file, origin))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
