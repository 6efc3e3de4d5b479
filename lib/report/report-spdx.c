/* SPDX-License-Identifier: Apache-2.0 */
/* `inventory --format spdx-json` (and `scan`, which renders the scan's
 * inventory): an SPDX 2.3 document in JSON (https://spdx.github.io/spdx-spec/v2.3/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/digest.h"
#include "base/strutil.h"
#include "portcullis-build.h"
#include "base/jsonutil.h"
#include "report-internal.h"

#define SPDX_NAMESPACE_BASE "https://spdx.org/spdxdocs/portcullis/"

static int set(json_t *o, const char *key, json_t *v) {
        return o && v && json_object_set_new(o, key, v) == 0 ? 0 : (json_decref(v), -ENOMEM);
}

static int append(json_t *a, json_t *v) {
        return a && v && json_array_append_new(a, v) == 0 ? 0 : (json_decref(v), -ENOMEM);
}

/* Drops a half-built object: NULL, for an out-of-memory return. */
static json_t *fail(json_t *o) {
        json_decref(o);
        return NULL;
}

/* When the document was made: now, or SOURCE_DATE_EPOCH when set
 * (reproducible-builds.org), in the form SPDX takes (UTC, "Z"). */
static void created_time(char ret[32]) {
        const char *e = getenv("SOURCE_DATE_EPOCH");
        time_t t = time(NULL);
        struct tm tm;
        char *end;

        if (e && *e) {
                unsigned long long v;

                errno = 0;
                v = strtoull(e, &end, 10);
                if (errno == 0 && *end == '\0' && v <= (unsigned long long) 253402300799ULL)
                        t = (time_t) v;
        }
        gmtime_r(&t, &tm);
        strftime(ret, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Unique for what the document says and deterministic: a digest of the
 * target's name, its image digest and the packages as the document lists
 * them, so the same target with the same packages gives the same
 * namespace (README, "inventory"). */
static int document_namespace(const struct report_target *t, json_t *pkgs, char **ret, struct error *err) {
        _cleanup_free_ char *list = json_dumps(pkgs, JSON_COMPACT | JSON_SORT_KEYS), *buf = NULL;
        char hex[65];

        if (!list || asprintf(&buf, "portcullis spdx\n%s\n%s\n%s", t->name, strempty(t->digest), list) < 0)
                return error_set(err, ENOMEM, "render SPDX");
        sha256_hex(buf, strlen(buf), hex);
        if (asprintf(ret, SPDX_NAMESPACE_BASE "%s", hex) < 0)
                return error_set(err, ENOMEM, "render SPDX");
        return 0;
}

/* The fields every package of ours has: we read names and versions, not
 * where a package came from, nor its licences or files. */
static json_t *package_base(const char *spdxid, const char *name, const char *version) {
        json_t *o = json_pack("{s:s, s:o, s:s, s:s, s:b, s:s, s:s, s:s}",
                              "SPDXID", spdxid,
                              "name", json_str_or_null(name),
                              "supplier", "NOASSERTION",
                              "downloadLocation", "NOASSERTION",
                              "filesAnalyzed", false,
                              "licenseConcluded", "NOASSERTION",
                              "licenseDeclared", "NOASSERTION",
                              "copyrightText", "NOASSERTION");

        if (o && version && set(o, "versionInfo", json_str_or_null(version)) < 0)
                return fail(o);
        return o;
}

/* What was scanned: an image (its digest as a checksum when it is a
 * SHA-256) or a container's root filesystem. */
static json_t *target_json(const struct report_target *t) {
        json_t *o = package_base("SPDXRef-Target", t->name, NULL);
        const char *hex = t->digest && startswith(t->digest, "sha256:") ? t->digest + STRLEN("sha256:") : NULL;

        if (set(o, "primaryPackagePurpose", json_string("CONTAINER")) < 0)
                return fail(o);
        if (hex && strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64 &&
            set(o, "checksums", json_pack("[{s:s, s:s}]", "algorithm", "SHA256", "checksumValue", hex)) < 0)
                return fail(o);
        return o;
}

static json_t *os_json(const struct os_info *os) {
        json_t *o = package_base("SPDXRef-OperatingSystem", os->id, os->version_id);

        if (set(o, "primaryPackagePurpose", json_string("OPERATING-SYSTEM")) < 0)
                return fail(o);
        if (os->pretty_name && set(o, "description", json_str_or_null(os->pretty_name)) < 0)
                return fail(o);
        return o;
}

/* "listed in /var/lib/dpkg/status; built from source package curl
 * 7.88.1-10+deb12u3" */
static json_t *source_info(const struct package *p) {
        struct strbuf b = {};
        json_t *v = NULL;
        int r = 0;

        if (p->origin_file)
                r = strbuf_printf(&b, "listed in %s", p->origin_file);
        if (r >= 0 && p->source_name &&
            (strcmp(p->source_name, p->name) != 0 || !streq_ptr(p->source_version, p->version)))
                r = strbuf_printf(&b, "%sbuilt from source package %s%s%s", b.len ? "; " : "", p->source_name,
                                  p->source_version ? " " : "", strempty(p->source_version));
        if (r >= 0 && b.len)
                v = json_str_or_null(b.s);
        else if (r >= 0)
                v = json_null();
        strbuf_done(&b);
        return v;
}

static json_t *package_json(const struct package *p, size_t i) {
        char id[48];
        json_t *o, *info;

        snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
        o = package_base(id, p->name, p->version);
        info = source_info(p);
        if (!o || !info || (!json_is_null(info) && set(o, "sourceInfo", json_incref(info)) < 0)) {
                json_decref(info);
                json_decref(o);
                return NULL;
        }
        json_decref(info);
        if (p->purl && set(o, "externalRefs", json_pack("[{s:s, s:s, s:o}]", "referenceCategory", "PACKAGE-MANAGER",
                                                        "referenceType", "purl",
                                                        "referenceLocator", json_str_or_null(p->purl))) < 0)
                return fail(o);
        if (p->guessed_from) {
                _cleanup_free_ char *c = NULL;

                if (asprintf(&c, "name and version guessed from %s", p->guessed_from) < 0 ||
                    set(o, "comment", json_str_or_null(c)) < 0)
                        return fail(o);
        }
        return o;
}

static json_t *relationship(const char *from, const char *type, const char *to) {
        return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
                         "relatedSpdxElement", to);
}

/* What the inventory could not say: its warnings and the parts of the
 * rootfs a cap kept it from, which the document must not pass over; for a
 * scan, the DB's revision and time first, and what the scan could not
 * check (the document lists packages, not findings: a reader must not
 * take a package no data covered for a clean one). */
static json_t *document_comment(const struct report_target *t) {
        const struct inventory *inv = t->inv;
        struct strbuf b = {};
        json_t *v = NULL;
        int r = 0;

        /* a scan's document names the data it was matched with (issue 14:
         * every report shows the DB revision and its age) */
        if (t->res)
                r = strbuf_printf(&b, "Scanned with vulnerability database revision %s%s%s", strna(t->res->db_revision),
                                  t->res->db_time ? ", data of " : "", strempty(t->res->db_time));
        for (size_t i = 0; r >= 0 && t->res && i < t->res->n_unchecked; i++)
                r = strbuf_printf(&b, "\nNot checked: %s: %s", t->res->unchecked[i].subject,
                                  t->res->unchecked[i].reason);
        if (r >= 0 && t->res && t->res->unchecked_more)
                r = strbuf_printf(&b, "\nNot checked: %zu more items (see --format json)", t->res->unchecked_more);
        for (char **s = inv->skipped; r >= 0 && s && *s; s++)
                r = strbuf_printf(&b, "%sNot looked at: %s", b.len ? "\n" : "", *s);
        for (char **w = inv->warnings; r >= 0 && w && *w; w++)
                r = strbuf_printf(&b, "%sWarning: %s", b.len ? "\n" : "", *w);
        if (r >= 0)
                v = b.len ? json_str_or_null(b.s) : json_null();
        strbuf_done(&b);
        return v;
}

static int render(const struct report_target *t, char **ret, struct error *err) {
        const struct inventory *inv = t->inv;
        _cleanup_free_ char *ns = NULL;
        json_t *pkgs = json_array(), *rels = json_array(), *comment, *root;
        char created[32];
        int r;

        r = append(pkgs, target_json(t));
        if (r >= 0)
                r = append(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Target"));
        if (r >= 0 && inv->os.id) {
                r = append(pkgs, os_json(&inv->os));
                if (r >= 0)
                        r = append(rels, relationship("SPDXRef-Target", "CONTAINS", "SPDXRef-OperatingSystem"));
        }
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                char id[48];

                snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
                r = append(pkgs, package_json(&inv->pkgs[i], i));
                if (r >= 0)
                        r = append(rels, relationship("SPDXRef-Target", "CONTAINS", id));
        }
        if (r < 0) {
                json_decref(pkgs);
                json_decref(rels);
                return error_set(err, r, "render SPDX");
        }
        r = document_namespace(t, pkgs, &ns, err);
        if (r < 0) {
                json_decref(pkgs);
                json_decref(rels);
                return r;
        }
        created_time(created);
        root = json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:[s], s:s}, s:o, s:o}",
                         "spdxVersion", "SPDX-2.3",
                         "dataLicense", "CC0-1.0",
                         "SPDXID", "SPDXRef-DOCUMENT",
                         "name", json_str_or_null(t->name),
                         "documentNamespace", ns,
                         "creationInfo", "creators", "Tool: portcullis-" PORTCULLIS_VERSION, "created", created,
                         "packages", pkgs,
                         "relationships", rels);
        comment = root ? document_comment(t) : NULL;
        if (root && (!comment || (!json_is_null(comment) && set(root, "comment", json_incref(comment)) < 0))) {
                json_decref(root);
                root = NULL;
        }
        json_decref(comment);
        if (!root)
                return error_set(err, ENOMEM, "render SPDX");
        *ret = json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "render SPDX");
}

const struct report_format report_format_spdx_json = {
        .name = "spdx-json",
        .scan = render,
        .inventory = render,
        .packages_only = true,
};
