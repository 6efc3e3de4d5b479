/* SPDX-License-Identifier: Apache-2.0 */
/* The dispatcher: os-release, then every reader of the readers[] table. */
#include <fcntl.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

/* Every package database Portcullis reads, in the order they are read; a
 * new one is a file inventory-<name>.c and a row here. */
static const struct inventory_reader *const readers[] = {
        &inventory_reader_dpkg,
        &inventory_reader_rpm,
        &inventory_reader_apk,
        &inventory_reader_chisel,
        &inventory_reader_python,
        &inventory_reader_npm,
        &inventory_reader_java,
        &inventory_reader_gem,
        &inventory_reader_composer,
        &inventory_reader_dotnet,
        &inventory_reader_bitnami,
        &inventory_reader_binaries,
        NULL,
};

/* --pkg-types library: the OS's packages out, once their databases said
 * what they own; so are the notes of what in them could not be read
 * (their warnings stay). */
static void leave_out_os(struct inventory *inv) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                package_done(&inv->pkgs[i]);
        inv->n_pkgs = 0;
        strv_free(TAKE_PTR(inv->skipped));
}

int inventory_collect_packages(struct rootfs *r, struct inventory_lister *l, unsigned pkg_types,
                               struct inventory **ret, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        int k, fd;

        if (!inv)
                return error_set(err, ENOMEM, "inventory: out of memory");
        inv->left_out = INVENTORY_PKG_ALL & ~pkg_types;
        inv->defer_owned = true;
        /* The lister reads the folders while the databases are read. */
        if (pkg_types & INVENTORY_PKG_LIBRARY) {
                fd = rootfs_openat(r, "/", O_RDONLY | O_DIRECTORY, err);
                if (fd < 0)
                        return error_wrap(err, "look for language packages");
                if ((k = inventory_lister_go(l, fd)) < 0)
                        return error_set(err, -k, "inventory: out of memory");
        }
        k = osrelease_read(r, &inv->os, err);
        if (k < 0)
                return error_wrap(err, "read os-release");
        for (const struct inventory_reader *const *rd = readers; *rd; rd++) {
                k = (*rd)->read ? (*rd)->read(r, inv, err) : 0;
                if (k < 0)
                        return error_wrap(err, "read %s", (*rd)->what);
        }
        *ret = TAKE_PTR(inv);
        return 0;
}

int inventory_collect_owned(struct rootfs *r, struct inventory *inv, struct error *err) {
        if (inventory_dpkg_lists(r, inv, err) < 0)
                return error_wrap(err, "read %s", inventory_reader_dpkg.what);
        if (inv->left_out & INVENTORY_PKG_OS)
                leave_out_os(inv);
        return 0;
}

int inventory_collect_databases(struct rootfs *r, struct inventory_lister *l, unsigned pkg_types,
                                struct inventory **ret, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        int k;

        if ((k = inventory_collect_packages(r, l, pkg_types, &inv, err)) < 0 ||
            (k = inventory_collect_owned(r, inv, err)) < 0)
                return k;
        *ret = TAKE_PTR(inv);
        return 0;
}

int inventory_collect_walk(struct rootfs *r, struct inventory_lister *l, struct inventory *inv, struct error *err) {
        size_t unknown = 0;
        int k;

        k = inv->left_out & INVENTORY_PKG_LIBRARY ? 0 : inventory_walk(r, inv, readers, l, err);
        if (k < 0)
                return error_wrap(err, "look for language packages");
        /* Never pass an image quietly because we could not name its
         * distribution: say that its packages were not checked. */
        for (size_t i = 0; i < inv->n_pkgs; i++)
                unknown += !inv->pkgs[i].ecosystem;
        if (unknown > 0 &&
            (inv->os.ecosystem
                     ? inventory_warn(inv, "%zu packages not checked: their package database is another "
                                      "distribution's than %s, which %s (ID=%s, VERSION_ID=%s) names",
                                      unknown, inv->os.ecosystem, os_info_origin(&inv->os), strna(inv->os.id),
                                      strna(inv->os.version_id))
                     : inventory_warn(inv, "%zu packages not checked: %s (ID=%s, VERSION_ID=%s) names no "
                                      "distribution release Portcullis knows", unknown, os_info_origin(&inv->os),
                                      strna(inv->os.id), strna(inv->os.version_id))) < 0)
                return error_set(err, ENOMEM, "inventory: out of memory");
        return 0;
}

int inventory_collect(struct rootfs *r, struct inventory_lister *l, struct inventory **ret, struct error *err) {
        _cleanup_(inventory_lister_freep) struct inventory_lister *own = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        int k;

        if (!l && inventory_lister_new(false, &own) < 0)
                return error_set(err, ENOMEM, "inventory: out of memory");
        if ((k = inventory_collect_databases(r, l ? l : own, INVENTORY_PKG_ALL, &inv, err)) < 0 ||
            (k = inventory_collect_walk(r, l ? l : own, inv, err)) < 0)
                return k;
        *ret = TAKE_PTR(inv);
        return 0;
}
