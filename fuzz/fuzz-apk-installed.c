/* SPDX-License-Identifier: Apache-2.0 */
/* An apk installed database comes from the image: any bytes must parse
 * into packages or warnings (or a capped error), never crash, read out of
 * bounds or loop.  Every kept package must be complete and valid by the
 * rules the parser claims (non-empty version and origin, apk purl; a
 * version apk-tools rejects is kept as written, for the match to list as
 * not checked).  A
 * broken invariant aborts so that the fuzzer reports it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_package(const struct package *p) {
        if (!p->name || !p->version || !p->source_name || !p->source_version || !p->purl || !p->origin_file)
                abort();
        if (!p->name[0] || !p->source_name[0] || strcmp(p->version, p->source_version) != 0)
                abort();
        if (!p->version[0])
                abort();
        if (strncmp(p->purl, "pkg:apk/alpine/", 15) != 0 || !p->ecosystem || strcmp(p->ecosystem, "Alpine:v3.18") != 0)
                abort();
        if (strcmp(p->origin_file, "/lib/apk/db/installed") != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        struct error err = {};
        int r;

        if (!inv)
                return 0;
        inv->os.id = strdup("alpine");
        inv->os.version_id = strdup("3.18.4");
        inv->os.ecosystem = strdup("Alpine:v3.18");
        r = apk_installed_parse((const char *) data, size, "/lib/apk/db/installed", inv, &err);
        if (r < 0 && !err.msg[0])
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++)
                check_package(&inv->pkgs[i]);
        if (inv->n_warnings > 0 && !inv->warnings)
                abort();
        inventory_free(inv);
        return 0;
}
