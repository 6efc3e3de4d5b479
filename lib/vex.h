/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "match.h"

/* VEX input: statements of OpenVEX documents (v0.2.0, and v0.0.x's string
 * forms) and CycloneDX VEX BOMs (1.4 to 1.6, JSON) that a vulnerability
 * does not affect a product.  A "not_affected" or "fixed" statement that
 * applies to a finding suppresses it: the finding stays listed with the
 * statement, and is counted apart (scan_result_recount()).  The documents
 * are untrusted input: every list is capped, and any error names the file
 * and the field ("vex.json: statements[3].status: ..."). */

#define VEX_FILE_MAX ((size_t) 16 * 1024 * 1024)
#define VEX_STATEMENTS_MAX 100000       /* in all the documents of a set */
#define VEX_LIST_MAX 10000              /* items of any one list of a document */
#define VEX_COMPONENTS_MAX 100000       /* CycloneDX components, nested ones included */
#define VEX_DEPTH_MAX 16                /* nesting of CycloneDX components */
#define VEX_FILES_MAX 64                /* documents in a set (the policy's "vex") */
#define VEX_PURL_MAX 4096
#define VEX_TEXT_MAX 200                /* bytes of an impact statement or detail kept */
#define VEX_WARNINGS_MAX 20             /* findings suppressed in part said one by one (then counted) */
#define VEX_WARNING_IDS_MAX 10          /* vulnerabilities named in one such warning */
#define VEX_NOTES_MAX 20                /* statements left out said one by one (then counted) */

enum vex_status {
        VEX_NOT_AFFECTED,
        VEX_AFFECTED,
        VEX_FIXED,
        VEX_UNDER_INVESTIGATION,
        _VEX_STATUS_MAX,
        _VEX_STATUS_INVALID = -EINVAL,
};
const char *vex_status_to_string(enum vex_status s);

/* The statements of one or more documents. */
struct vex;

struct vex *vex_new(void);
void vex_free(struct vex *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vex *, vex_free)

/* Adds the statements of one document (name: the file, for messages and
 * the findings' vex_source).  On error nothing of it is added. */
int vex_parse(struct vex *v, const char *buf, size_t len, const char *name, struct error *err);
/* The same, reading path (at most VEX_FILE_MAX bytes). */
int vex_load(struct vex *v, const char *path, struct error *err);
size_t vex_statements(const struct vex *v);
/* What the documents say that is left out, one line each ("vex.json:
 * statements[2]: 'fixed' for pkg:deb/debian/openssl, which names no
 * version, is left out: ..."), at most VEX_NOTES_MAX; *ret_more counts
 * the others.  NULL when none. */
char *const *vex_notes(const struct vex *v, size_t *ret_more);

/* Suppresses the findings of res that statements apply to, and recounts.
 * A statement applies to a finding when it speaks of a vulnerability the
 * finding carries (the CVE ids among its id and aliases, else its id: a
 * statement on the finding's id speaks of all, one naming a CVE of that
 * CVE, one naming another of its names only of a finding that carries one
 * vulnerability), and one of its products is
 *   - the scanned image, named by its digest (image_digest "sha256:<hex>";
 *     NULL when unknown: no image product then applies): a pkg:oci purl
 *     whose version is the digest, or a product known only by its sha-256
 *     hash; with subcomponents, only to the findings of those packages;
 *   - or the finding's package, or one of the product's subcomponents,
 *     named by purl: type, namespace and name equal, the version too when
 *     the purl has one, and its qualifiers where the finding's purl has
 *     them (CycloneDX versions[]: each version for what its status says).
 * For each vulnerability the latest statement that applies decides (by
 * time, a timed one over an untimed one, then the order added); a
 * finding is suppressed when each of its vulnerabilities is, by a
 * not_affected or fixed statement.  One suppressed only in part stays
 * counted and is said in res->warnings (at most VEX_WARNINGS_MAX, then
 * counted).  Returns the number of findings suppressed, or -ENOMEM. */
int vex_apply(const struct vex *v, const char *image_digest, struct scan_result *res, struct error *err);
