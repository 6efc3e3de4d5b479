/* SPDX-License-Identifier: Apache-2.0 */
/* Bitnami's own builds: the images of bitnami/postgresql, bitnami/redis,
 * ... install their application from Bitnami's tarballs into
 * /opt/bitnami/<component>/, not through the OS package manager, and ship
 * beside it an SPDX 2.x JSON document, .spdx-<component>.spdx, whose
 * packages[] name the component and what it bundles (geos, proj, gdal in
 * PostgreSQL's) by a purl in externalRefs[] (referenceType "purl"):
 * pkg:bitnami/postgresql@17.2.0-8?arch=arm64&distro=debian-12, or without
 * qualifiers in older images.  Each pkg:bitnami purl is a package of OSV
 * ecosystem "Bitnami" (Bitnami's vulndb), its name and version the purl's.
 *
 * Entries of other purl types (a pkg:maven jar PostgreSQL bundles) are not
 * read from here: the readers of their own files find them in the walk
 * (the jar's pom.properties), and a second package from the document would
 * report each finding twice.  One warning per document says how many were
 * left to them.  The document is untrusted input: capped in size, every
 * field type-checked; what names a package but can't be read is a note
 * (reported as not checked), never passed over. */
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "ecosystem.h"
#include "inventory.h"
#include "sbom.h"

/* Bitnami's documents are a few KiB: a component and its dozen bundled
 * libraries. */
#define BITNAMI_SPDX_MAX ((size_t) 4 * 1024 * 1024)
#define BITNAMI_SPDX_PACKAGES_MAX 10000
#define BITNAMI_SHOWN_MAX 160

/* The folder of a component: opt/bitnami/<component>. */
static bool component_dir(const char *dir) {
        static const char top[] = "opt/bitnami/";

        return startswith(dir, top) && dir[sizeof(top) - 1] && !strchr(dir + sizeof(top) - 1, '/');
}

static int add(struct inventory *inv, const char *origin, const struct purl *p) {
        struct package pkg = {
                .name = strdup(p->name),
                .version = strdup(p->version),
                .source_name = ecosystem_package_name("Bitnami", p->name),
                .source_version = strdup(p->version),
                .arch = p->arch ? strdup(p->arch) : NULL,
                .ecosystem = strdup("Bitnami"),
                .origin_file = strdup(origin),
        };
        int r = -ENOMEM;

        if (pkg.name && pkg.version && pkg.source_name && pkg.source_version && (!p->arch || pkg.arch) &&
            pkg.ecosystem && pkg.origin_file)
                r = purl_build("bitnami", NULL, p->name, p->version, p->arch, p->distro, NULL, &pkg.purl);
        if (r < 0) {
                package_done(&pkg);
                return r;
        }
        return inventory_add(inv, &pkg);
}

/* One pkg:bitnami purl of packages[i]. */
static int add_purl(struct inventory *inv, const char *origin, size_t i, const struct purl *p) {
        if (p->namespace)
                return inventory_not_read(inv, "%s: packages[%zu]: a pkg:bitnami purl with a namespace, which "
                                          "Bitnami's have none of; skipped", origin, i);
        if (!inventory_field_printable(p->name, strlen(p->name), INVENTORY_LANG_FIELD_MAX))
                return inventory_not_read(inv, "%s: packages[%zu]: an invalid name in the pkg:bitnami purl; skipped",
                                          origin, i);
        if (!p->version || !inventory_field_printable(p->version, strlen(p->version), INVENTORY_LANG_FIELD_MAX))
                return inventory_not_read(inv, "%s: packages[%zu] (%s): %s in the pkg:bitnami purl; skipped", origin,
                                          i, p->name, p->version ? "an invalid version" : "no version");
        if ((p->arch && !inventory_field_printable(p->arch, strlen(p->arch), INVENTORY_LANG_FIELD_MAX)) ||
            (p->distro && !inventory_field_printable(p->distro, strlen(p->distro), INVENTORY_LANG_FIELD_MAX)))
                return inventory_not_read(inv, "%s: packages[%zu] (%s): an invalid arch or distro qualifier in the "
                                          "pkg:bitnami purl; skipped", origin, i, p->name);
        return add(inv, origin, p);
}

struct others {
        size_t n;
        char first[BITNAMI_SHOWN_MAX];
};

/* The purls of packages[i]'s externalRefs: 0 when it names one, 1 when
 * none, <0 on error. */
static int package_refs(struct inventory *inv, const char *origin, size_t i, json_t *refs, struct others *o) {
        size_t k, named = 0;
        json_t *ref;
        int r;

        json_array_foreach(refs, k, ref) {
                const char *locator = json_string_value(json_object_get(ref, "referenceLocator"));
                _cleanup_(purl_done) struct purl p = {};
                struct error perr = {};

                if (!streq_ptr(json_string_value(json_object_get(ref, "referenceType")), "purl"))
                        continue;
                named++;
                if (!locator || purl_parse(locator, &p, &perr) < 0) {
                        if (perr.code == -ENOMEM)
                                return -ENOMEM;
                        r = inventory_not_read(inv, "%s: packages[%zu].externalRefs[%zu].referenceLocator is %s; "
                                               "skipped", origin, i, k, locator ? "not a package URL" : "no string");
                } else if (strcmp(p.type, "bitnami") != 0) {
                        if (o->n++ == 0)
                                json_printable(locator, o->first, sizeof(o->first));
                        r = 0;
                } else
                        r = add_purl(inv, origin, i, &p);
                if (r < 0)
                        return r;
        }
        return named == 0;
}

int bitnami_spdx_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        json_t *pkgs = json_object_get(root, "packages"), *pkg, *refs;
        const char *spdx = json_string_value(json_object_get(root, "spdxVersion"));
        struct others others = {};
        size_t i;
        int r = 0;

        if (!root)
                r = inventory_not_read(inv, "%s: not JSON (line %d, column %d: %.80s); not read", origin, jerr.line,
                                       jerr.column, jerr.text);
        else if (!spdx || !startswith(spdx, "SPDX-2.") || !json_is_array(pkgs))
                r = inventory_not_read(inv, "%s: not an SPDX 2 JSON document (an \"spdxVersion\" SPDX-2.x and a "
                                       "\"packages\" array); not read", origin);
        else if (json_array_size(pkgs) > BITNAMI_SPDX_PACKAGES_MAX)
                r = inventory_not_read(inv, "%s: more than %d packages; not read", origin, BITNAMI_SPDX_PACKAGES_MAX);
        else
                json_array_foreach(pkgs, i, pkg) {
                        refs = json_object_get(pkg, "externalRefs");
                        if (!json_is_object(pkg) || (refs && !json_is_array(refs)))
                                r = inventory_not_read(inv, "%s: packages[%zu] is not an object with an "
                                                       "\"externalRefs\" array; skipped", origin, i);
                        else if ((r = package_refs(inv, origin, i, refs, &others)) > 0)
                                r = inventory_not_read(inv, "%s: packages[%zu] has no purl in its externalRefs, so "
                                                       "nothing says which package it is; skipped", origin, i);
                        if (r < 0)
                                break;
                }
        if (r >= 0 && others.n > 0)
                r = inventory_warn(inv, "%s: %zu %s (%s%s) %s left to the readers of their own files in the "
                                   "image, not read from this document", origin, others.n,
                                   others.n > 1 ? "packages of other purl types" : "package of another purl type",
                                   others.first, others.n > 1 ? ", ..." : "", others.n > 1 ? "are" : "is");
        json_decref(root);
        return r;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        if (e->type != DT_REG || !startswith(e->name, ".spdx-") || !endswith(e->name, ".spdx") ||
            !component_dir(e->dir))
                return 0;
        return inventory_walk_parse(inv, e, NULL, e->name, BITNAMI_SPDX_MAX, false, bitnami_spdx_parse, err);
}

const struct inventory_reader inventory_reader_bitnami = {
        .name = "bitnami",
        .what = "Bitnami components",
        .visit = visit,
};
