/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "osrelease.h"

struct rootfs;

#define DPKG_STATUS_MAX ((size_t) 64 * 1024 * 1024)
#define DPKG_STATUS_D_FILE_MAX ((size_t) 4 * 1024 * 1024)
#define DPKG_STATUS_D_ENTRIES_MAX 100000
#define APK_INSTALLED_MAX ((size_t) 64 * 1024 * 1024)
#define INVENTORY_PACKAGES_MAX 200000
#define INVENTORY_WARNINGS_MAX 100

/* One installed package.  OSV distro records name *source* packages, so the
 * source name/version are kept beside the binary ones (equal when the
 * package database gives no separate source). */
struct package {
        char *name;
        char *version;
        char *source_name;
        char *source_version;
        char *arch;
        char *ecosystem;        /* OSV ecosystem, NULL if the OS is unknown */
        char *purl;
        char *origin_file;      /* path inside the rootfs it was read from */
};

/* A byte range of a database's text, not NUL-terminated; .s NULL when the
 * field is absent. */
struct slice {
        const char *s;
        size_t n;
};

struct inventory {
        struct os_info os;
        struct package *pkgs;
        size_t n_pkgs;
        size_t cap_pkgs;
        /* What was skipped and why ("<file>: stanza at line 12: no Version
         * field"), for the front end to print: the library never prints.
         * At most INVENTORY_WARNINGS_MAX, then one line saying how many more. */
        char **warnings;
        size_t n_warnings;
};

struct inventory *inventory_new(void);
void inventory_free(struct inventory *inv);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct inventory *, inventory_free)

/* Appends *p (ownership of its strings moves into inv, also on failure). */
int inventory_add(struct inventory *inv, struct package *p);
void package_done(struct package *p);

/* Copies a package as its database spells it into inv, with the OS's
 * ecosystem, origin as origin_file and the purl pkg:<purl_type>/... built
 * from purl_namespace and purl_distro (either may be NULL).  An absent
 * source name or version is the binary's.  Returns 0, -ENOMEM or -E2BIG. */
int inventory_add_slices(struct inventory *inv, const char *origin, struct slice name, struct slice version,
                         struct slice source_name, struct slice source_version, struct slice arch,
                         const char *purl_type, const char *purl_namespace, const char *purl_distro);

/* Records a warning (see above); returns 0 or -ENOMEM. */
int inventory_warn(struct inventory *inv, const char *fmt, ...) _printf_(2, 3);

/* A package URL (purl-spec): pkg:<type>/<namespace>/<name>@<version> with
 * the arch, distro and epoch qualifiers, in that (the spec's key) order,
 * every part percent-encoded; the namespace and each qualifier are left out
 * when NULL, rather than guessed. */
int purl_build(const char *type, const char *namespace, const char *name, const char *version, const char *arch,
               const char *distro, const char *epoch, char **ret);
/* "<id>-<version_id>" (the distro qualifier of deb and rpm purls), or NULL
 * when the OS is unknown. */
char *purl_distro(const struct os_info *os);

/* Reads os-release and every package database we know from the rootfs. */
int inventory_collect(struct rootfs *r, struct inventory **ret, struct error *err);

/* One package database: read() adds what it finds under the rootfs to inv
 * (absent: nothing to add, not an error). */
struct inventory_reader {
        const char *name;       /* "dpkg" */
        const char *what;       /* "dpkg database", for messages */
        int (*read)(struct rootfs *r, struct inventory *inv, struct error *err);
};
extern const struct inventory_reader inventory_reader_dpkg, inventory_reader_rpm, inventory_reader_apk,
        inventory_reader_chisel;

/* dpkg: var/lib/dpkg/status and distroless var/lib/dpkg/status.d/ (each file
 * there is one or more stanzas).  Only installed packages are kept. */
int inventory_dpkg(struct rootfs *r, struct inventory *inv, struct error *err);

/* Parses a dpkg status buffer (also used by the fuzzer and the tests).
 * origin is the file name for messages and origin_file; the ecosystem and
 * purl distro come from inv->os. */
int dpkg_status_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err);

/* rpm: var/lib/rpm (or usr/lib/sysimage/rpm) rpmdb.sqlite, else
 * Packages.db (ndb), else Packages (Berkeley DB); see lib/inventory/rpmdb.h.
 * gpg-pubkey entries are not packages and are left out. */
int inventory_rpm(struct rootfs *r, struct inventory *inv, struct error *err);

/* apk: lib/apk/db/installed (absent: nothing to add).  The source package
 * is the origin (o:), which is what OSV's Alpine records name. */
int inventory_apk(struct rootfs *r, struct inventory *inv, struct error *err);

/* Chiseled Ubuntu: var/lib/chisel/manifest.wall (zstd-compressed JSON
 * lines); absent: nothing to add.  The packages are binary packages only. */
int inventory_chisel(struct rootfs *r, struct inventory *inv, struct error *err);
int chisel_decompress(const char *buf, size_t len, char **ret, size_t *ret_len, struct error *err);
int chisel_manifest_parse(const char *buf, size_t len, const char *origin, struct inventory *inv,
                          struct error *err);

/* Parses an apk installed database buffer (also used by the fuzzer and the
 * tests); origin as for dpkg_status_parse(). */
int apk_installed_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err);
