/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "inventory.h"

struct scan_result;

/* Caps on a CycloneDX document read by portcullis scan --sbom: untrusted
 * input, as an image is. */
#define SBOM_FILE_MAX ((size_t) 256 * 1024 * 1024)
#define SBOM_COMPONENTS_MAX INVENTORY_PACKAGES_MAX     /* components, nested ones too */
#define SBOM_DEPTH_MAX 16                               /* components inside components */
#define SBOM_PROPERTIES_MAX 1000                        /* properties of one component */
#define SBOM_FIELD_MAX 4096                             /* a purl, a name, a version, a file */
#define SBOM_UNMAPPED_LISTED 50                         /* listed; the rest counted */

/* A component the reader could not turn into a package: its purl (or name)
 * and why. */
struct sbom_unmapped {
        char *subject;
        char *reason;
};

/* The purl types whose records name source packages (sbom.no_source). */
enum {
        SBOM_BY_SOURCE_DEB,
        SBOM_BY_SOURCE_APK,
        _SBOM_BY_SOURCE_MAX,
};

struct sbom {
        struct inventory *inv;
        char *name;             /* metadata.component's name, or NULL */
        char *digest;           /* "sha256:<hex>" from metadata.component's SHA-256 hash, or NULL */
        struct sbom_unmapped *unmapped;
        size_t n_unmapped;
        size_t unmapped_more;   /* past SBOM_UNMAPPED_LISTED */
        size_t no_source[_SBOM_BY_SOURCE_MAX];  /* pkg:deb, pkg:apk components naming no source package in a
                                                 * document where none of their type names one (0: none, or
                                                 * the document names them where they differ) */
};

void sbom_free(struct sbom *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sbom *, sbom_free)

/* A CycloneDX JSON document (1.2 to 1.6) as an inventory: each component
 * with a purl (metadata.component's too) is a package (its ecosystem from
 * the purl's type, a distribution's from the purl's distro qualifier or
 * the document's operating-system component); one whose purl names no ecosystem we know,
 * or a distribution package of another purl type than its OS's (a pkg:deb
 * in an Alpine document), is listed in unmapped.  origin names the
 * document in messages, which also name the field ("sbom.json:
 * components[3].purl: ..."); a malformed document is -EINVAL. */
int sbom_cyclonedx_parse(const char *buf, size_t len, const char *origin, struct sbom **ret, struct error *err);
/* Reads path (at most SBOM_FILE_MAX bytes) and parses it. */
int sbom_read(const char *path, struct sbom **ret, struct error *err);

/* The unmapped components as the scan's unchecked items (unknown_purl),
 * and the components compared without their source package (incomplete,
 * one item per purl type with a count of inv's packages of that type that
 * res, the match of inv, compared with records at all). */
int sbom_add_unchecked(const struct sbom *s, const struct inventory *inv, struct scan_result *res);

/* purl-spec "How to parse a purl string in its components": the type
 * (lower case), namespace (its segments decoded, joined by '/'), name and
 * version decoded, and the qualifiers we use. */
struct purl {
        char *type;
        char *namespace;
        char *name;
        char *version;
        char *arch;
        char *distro;
        char *epoch;
        char *upstream;
};
/* -EINVAL with a message saying what is wrong. */
int purl_parse(const char *s, struct purl *ret, struct error *err);
void purl_done(struct purl *p);
