/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The body shared by the three rpmdb fuzz targets: any bytes, read as a
 * database of the given format, give packages and warnings or an error
 * naming the file, never a crash; every kept package is complete and has
 * our purl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "rpmdb.h"

static void check_package(const struct package *p) {
        if (!p->name || !p->version || !p->source_name || !p->source_version || !p->purl || !p->origin_file)
                abort();
        if (strncmp(p->purl, "pkg:rpm/rocky/", 14) != 0 || !p->ecosystem || strcmp(p->ecosystem, "Rocky Linux:9") != 0)
                abort();
}

static int fuzz_rpmdb(const uint8_t *data, size_t size, enum rpmdb_format format) {
        struct inventory *inv = inventory_new();
        void *copy = malloc(size ? size : 1);   /* rpmdb_parse() may write to its buffer */
        struct error err = {};
        int r;

        if (!inv || !copy) {
                inventory_free(inv);
                free(copy);
                return 0;
        }
        memcpy(copy, data, size);
        inv->os.id = strdup("rocky");
        inv->os.version_id = strdup("9.3");
        inv->os.ecosystem = strdup("Rocky Linux:9");
        r = rpmdb_parse(copy, size, format, "/var/lib/rpm/fuzz", inv, NULL, &err);
        if (r < 0 && !strstr(err.msg, "/var/lib/rpm/fuzz"))
                abort();
        for (size_t i = 0; i < inv->n_pkgs; i++)
                check_package(&inv->pkgs[i]);
        inventory_free(inv);
        free(copy);
        return 0;
}
