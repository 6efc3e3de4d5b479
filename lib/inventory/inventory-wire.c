/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's inventory for its parent (inventory-wire.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/wire.h"
#include "inventory-wire.h"

#define PACKAGE_FIELDS 9

/* The fields of a package in their order on the wire. */
#define FIELDS_OF(p)                                                                                    \
        { &(p)->name, &(p)->version, &(p)->source_name, &(p)->source_version, &(p)->arch, &(p)->ecosystem, \
          &(p)->purl, &(p)->origin_file, &(p)->guessed_from }

static const char *const field_names[PACKAGE_FIELDS] = {
        "name", "version", "source_name", "source_version", "arch", "ecosystem", "purl", "origin_file",
        "guessed_from",
};

/* ---- writing ------------------------------------------------------------- */

int inventory_wire_write(const struct inventory *inv, struct strbuf *b) {
        const char *os[] = { inv->os.id, inv->os.version_id, inv->os.ecosystem, inv->os.pretty_name };
        size_t size = STRLEN(INVENTORY_WIRE_MAGIC) + 4 * 4;
        int r;

        /* one allocation: the size first */
        for (size_t i = 0; i < ELEMENTSOF(os); i++)
                size += wire_str_size(os[i]);
        for (char *const *v = inv->skipped; v && *v; v++)
                size += wire_str_size(*v);
        for (char *const *v = inv->warnings; v && *v; v++)
                size += wire_str_size(*v);
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                struct package *p = &inv->pkgs[i];
                char **f[] = FIELDS_OF(p);

                for (size_t k = 0; k < PACKAGE_FIELDS; k++)
                        size += wire_str_size(*f[k]);
        }
        if (inv->n_pkgs >= WIRE_NULL)
                return -E2BIG;
        r = strbuf_reserve(b, size);
        if (r >= 0)
                r = strbuf_append(b, INVENTORY_WIRE_MAGIC, STRLEN(INVENTORY_WIRE_MAGIC));
        if (r >= 0)
                r = wire_put_u32(b, inv->transient);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(os); i++)
                r = wire_put_str(b, os[i]);
        if (r >= 0)
                r = wire_put_strv(b, inv->skipped);
        if (r >= 0)
                r = wire_put_strv(b, inv->warnings);
        if (r >= 0)
                r = wire_put_u32(b, (uint32_t) inv->n_pkgs);
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                struct package *p = &inv->pkgs[i];
                char **f[] = FIELDS_OF(p);

                for (size_t k = 0; r >= 0 && k < PACKAGE_FIELDS; k++)
                        r = wire_put_str(b, *f[k]);
        }
        return r;
}

/* ---- reading -------------------------------------------------------------- */

static int get_package(struct wire_cursor *c, size_t i, struct package *p, struct error *err) {
        char **f[] = FIELDS_OF(p);
        int r = 0;

        for (size_t k = 0; r >= 0 && k < PACKAGE_FIELDS; k++)
                r = wire_get_str(c, f[k], &(struct wire_field) { .list = "package", .i = i, .key = field_names[k] },
                                 err);
        if (r >= 0 && (!p->name || !p->version))
                r = wire_error(c, err, "package %zu has no '%s'", i, p->name ? "version" : "name");
        return r;
}

/* Everything after the magic. */
static int get_inventory(struct wire_cursor *c, struct inventory *inv, struct error *err) {
        static const char *const os_names[] = { "os 'id'", "os 'version'", "os 'ecosystem'", "os 'pretty_name'" };
        char **os[] = { &inv->os.id, &inv->os.version_id, &inv->os.ecosystem, &inv->os.pretty_name };
        uint32_t flags = 0;
        size_t n;
        int r;

        r = wire_get_u32(c, &flags, &(struct wire_field) { .key = "flags" }, err);
        if (r >= 0 && flags > 1)
                r = wire_error(c, err, "flags %" PRIu32 " unknown", flags);
        inv->transient = flags == 1;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(os); i++)
                r = wire_get_str(c, os[i], &(struct wire_field) { .key = os_names[i] }, err);
        if (r >= 0 && inv->os.pretty_name)
                str_make_printable(inv->os.pretty_name);
        if (r >= 0)
                r = wire_get_strv(c, INVENTORY_WIRE_SKIPPED_MAX, false, &inv->skipped, NULL, "skipped", err);
        if (r >= 0)
                r = wire_get_strv(c, INVENTORY_WARNINGS_MAX + 1, true, &inv->warnings, &inv->n_warnings, "warnings",
                                  err);
        if (r >= 0)
                r = wire_get_count(c, INVENTORY_PACKAGES_MAX, PACKAGE_FIELDS * 4, &n, "packages", err);
        if (r < 0)
                return r;
        if (n > 0 && !(inv->pkgs = calloc(n, sizeof(struct package))))
                return error_set(err, ENOMEM, "out of memory");
        inv->cap_pkgs = n;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                /* counted before it is complete: inventory_free() frees what it got */
                inv->n_pkgs++;
                r = get_package(c, i, &inv->pkgs[i], err);
        }
        return r;
}

int inventory_wire_read(const char *buf, size_t len, struct inventory **ret, size_t *ret_used,
                        struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct wire_cursor c = { .doc = "inventory from the analysis", .buf = (const unsigned char *) buf,
                                 .len = len, .at = STRLEN(INVENTORY_WIRE_MAGIC) };
        int r;

        if (!inv)
                return error_set(err, ENOMEM, "out of memory");
        if (len < STRLEN(INVENTORY_WIRE_MAGIC) || memcmp(buf, INVENTORY_WIRE_MAGIC, STRLEN(INVENTORY_WIRE_MAGIC)) != 0)
                return wire_error(&c, err, "does not start with '%s'", INVENTORY_WIRE_MAGIC);
        r = get_inventory(&c, inv, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(inv);
        *ret_used = c.at;
        return 0;
}
