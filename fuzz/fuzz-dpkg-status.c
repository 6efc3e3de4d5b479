/* SPDX-License-Identifier: Apache-2.0 */
/* A dpkg status file comes from the image: any bytes must parse into
 * packages or warnings (or a capped error), never crash, read out of bounds
 * or loop.  Each input runs twice, as the status file (Status required) and
 * as a distroless status.d file (Status optional).  A broken invariant
 * aborts so that the fuzzer reports it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_package(const struct package *p) {
        /* Every kept package has a name, a version and a source. */
        if (!p->name || !p->version || !p->source_name || !p->source_version || !p->purl || !p->origin_file)
                abort();
        if (strncmp(p->purl, "pkg:deb/debian/", 15) != 0 || !p->ecosystem || strcmp(p->ecosystem, "Debian:12") != 0)
                abort();
}

static void run(const uint8_t *data, size_t size, const char *origin) {
        struct inventory *inv = inventory_new();
        struct error err = {};
        int r;

        if (!inv)
                return;
        inv->os.id = strdup("debian");
        inv->os.version_id = strdup("12");
        inv->os.ecosystem = strdup("Debian:12");
        r = dpkg_status_parse((const char *) data, size, origin, inv, &err);
        if (r < 0 && !err.msg[0])
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++)
                check_package(&inv->pkgs[i]);
        if (inv->n_warnings > 0 && !inv->warnings)
                abort();
        inventory_free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        run(data, size, "/var/lib/dpkg/status");
        run(data, size, "/var/lib/dpkg/status.d/fuzz");
        return 0;
}
