/* SPDX-License-Identifier: Apache-2.0 */
/* vendor/composer/installed.json comes from the image: any bytes give
 * packages and warnings, never a crash, an out-of-bounds read or a loop;
 * every kept package is "vendor/name" in Composer's characters with a
 * printable version and a composer purl with the vendor as namespace; a
 * file that gives neither packages nor warnings lists no package.  A broken
 * invariant aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool lists_nothing(const uint8_t *data, size_t size) {
        json_t *root = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
        json_t *pkgs = json_is_array(root) ? root : json_object_get(root, "packages");
        bool empty = json_is_array(pkgs) && json_array_size(pkgs) == 0;

        json_decref(root);
        return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();

        if (!inv)
                return 0;
        if (composer_installed_parse((const char *) data, size, "/v/vendor/composer/installed.json", inv) < 0 ||
            (inv->n_pkgs + inv->n_warnings == 0 && !lists_nothing(data, size)))
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];
                const char *slash = strchr(p->name, '/');

                if (!slash || slash == p->name || !slash[1] || strchr(slash + 1, '/') ||
                    strspn(p->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") != strlen(p->name) ||
                    !inventory_field_printable(p->version, strlen(p->version), 256) ||
                    !startswith(p->purl, "pkg:composer/") || !streq_ptr(p->ecosystem, "Packagist"))
                        abort();
        }
        inventory_free(inv);
        return 0;
}
