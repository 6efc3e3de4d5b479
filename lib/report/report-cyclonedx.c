/* SPDX-License-Identifier: Apache-2.0 */
/* CycloneDX 1.6 JSON (cyclonedx.org/docs/1.6/json): an SBOM of the
 * inventory and, for a scan, its vulnerabilities with ratings, affects, fix
 * versions and the VEX analysis of suppressed findings.  What CycloneDX has
 * no field for is a property in the "portcullis:" namespace (README,
 * "CycloneDX"); portcullis scan --sbom reads these documents back
 * (lib/inventory/inventory-sbom.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "portcullis-build.h"
#include "report-internal.h"

#define CDX_SPEC_VERSION "1.6"
#define CDX_TARGET_REF "portcullis:target"

static int add_prop(json_t *props, const char *name, const char *value) {
        if (!value)
                return 0;
        return json_array_append_new(props, json_pack("{s:s, s:s}", "name", name, "value", value));
}

/* Properties last, and only when there are any (the schema allows an empty
 * array, people reading the document need none). */
static json_t *with_props(json_t *o, json_t *props) {
        if (o && json_array_size(props) > 0)
                json_object_set(o, "properties", props);
        json_decref(props);
        return o;
}

/* RFC 4122 version 4: a new serial number for every document, as CycloneDX
 * asks ("unique for each BOM"). */
static int serial_number(char ret[46], struct error *err) {
        unsigned char u[16];

        if (getrandom(u, sizeof(u), 0) != (ssize_t) sizeof(u))
                return error_set(err, errno ? errno : EIO, "CycloneDX serial number: getrandom");
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
        snprintf(ret, 46, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        return 0;
}

/* purl-spec PURL-TYPES "oci": pkg:oci/<last path segment>@<digest>
 * ?repository_url=<repository>&tag=<tag>, for a target named by a tagged
 * reference ("docker.io/library/debian:12"); NULL for a path. */
static char *oci_purl(const char *name, const char *digest) {
        const char *slash = strrchr(name, '/'), *last = slash ? slash + 1 : name, *colon = strchr(last, ':');
        _cleanup_free_ char *repo = NULL, *base = NULL;
        struct strbuf b = {};
        int r;

        if (!colon || colon == last || !colon[1] || name[0] == '/' || name[0] == '.')
                return NULL;
        repo = strndup(name, (size_t) (colon - name));
        base = strndup(last, (size_t) (colon - last));
        if (!repo || !base)
                return NULL;
        for (char *p = base; *p; p++)
                *p = tolower_ascii(*p);
        if ((r = strbuf_puts(&b, "pkg:oci/")) < 0 || (r = strbuf_append_purl_escaped(&b, base)) < 0 ||
            (r = strbuf_puts(&b, "@")) < 0 || (r = strbuf_append_purl_escaped(&b, digest)) < 0 ||
            (r = strbuf_puts(&b, "?repository_url=")) < 0 || (r = strbuf_append_purl_escaped(&b, repo)) < 0 ||
            (r = strbuf_puts(&b, "&tag=")) < 0 || (r = strbuf_append_purl_escaped(&b, colon + 1)) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

/* metadata.component: the image (its digest as the hash, a purl when it is
 * named by a tag) or the root filesystem, as a container. */
static json_t *target_json(const struct report_target *t) {
        _cleanup_free_ char *purl = t->digest ? oci_purl(t->name, t->digest) : NULL;
        json_t *c = json_pack("{s:s, s:s, s:s}", "type", "container", "bom-ref", CDX_TARGET_REF, "name", t->name);

        if (c && t->digest && startswith(t->digest, "sha256:"))
                json_object_set_new(c, "hashes", json_pack("[{s:s, s:s}]", "alg", "SHA-256", "content",
                                                           t->digest + strlen("sha256:")));
        if (c && purl)
                json_object_set_new(c, "purl", json_string(purl));
        return c;
}

static char *os_ref(const struct os_info *os) {
        char *s = NULL;

        return asprintf(&s, "os:%s%s%s", os->id, os->version_id ? "-" : "", strempty(os->version_id)) < 0 ? NULL
                                                                                                       : s;
}

/* The OS as an operating-system component: os-release's ID and VERSION_ID
 * as name and version (scan --sbom maps them back to an ecosystem). */
static json_t *os_json(const struct os_info *os, const char *ref) {
        json_t *c = json_pack("{s:s, s:s, s:s, s:s*, s:s*}", "type", "operating-system", "bom-ref", ref, "name",
                              os->id, "version", os->version_id, "description", os->pretty_name);
        json_t *props = json_array();

        add_prop(props, "portcullis:version_codename", os->version_codename);
        add_prop(props, "portcullis:ecosystem", os->ecosystem);
        return with_props(c, props);
}

static json_t *package_json(const struct package *p, const char *ref) {
        json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s*}", "type", "library", "bom-ref", ref, "name", p->name,
                              "version", p->version, "purl", p->purl);
        json_t *props = json_array();

        if (c && p->origin_file)
                json_object_set_new(c, "evidence", json_pack("{s:[{s:s}]}", "occurrences", "location",
                                                             p->origin_file));
        add_prop(props, "portcullis:file", p->origin_file);
        add_prop(props, "portcullis:ecosystem", p->ecosystem);
        if (!streq_ptr(p->source_name, p->name))
                add_prop(props, "portcullis:source_name", p->source_name);
        if (!streq_ptr(p->source_version, p->version))
                add_prop(props, "portcullis:source_version", p->source_version);
        add_prop(props, "portcullis:guessed_from", p->guessed_from);
        return with_props(c, props);
}

/* Where a finding's package is: "ecosystem\x1fname\x1fversion\x1ffile". */
static char *package_key(const char *ecosystem, const char *name, const char *version, const char *file) {
        char *s = NULL;

        return asprintf(&s, "%s\x1f%s\x1f%s\x1f%s", strempty(ecosystem), name, strempty(version), strempty(file)) < 0
                       ? NULL : s;
}

/* The components, each with a bom-ref unique in the document: its purl
 * (never with '#': our purls percent-encode it), with "#<index>" after the
 * second time a purl is seen; refs maps package_key() to the refs of the
 * packages it names. */
static int components_json(const struct inventory *inv, json_t *components, json_t *refs, json_t *all_refs) {
        json_t *seen = json_object();

        if (!seen)
                return -ENOMEM;
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];
                _cleanup_free_ char *ref = NULL, *key = package_key(p->ecosystem, p->name, p->version,
                                                                     p->origin_file);
                json_t *list;
                int n;

                n = p->purl && !json_object_get(seen, p->purl) ? asprintf(&ref, "%s", p->purl)
                    : p->purl ? asprintf(&ref, "%s#%zu", p->purl, i) : asprintf(&ref, "package#%zu", i);
                if (n < 0 || !key || (p->purl && json_object_set_new(seen, p->purl, json_true()) < 0) ||
                    json_array_append_new(components, package_json(p, ref)) < 0 ||
                    json_array_append_new(all_refs, json_string(ref)) < 0)
                        goto oom;
                list = json_object_get(refs, key);
                if (!list && json_object_set_new(refs, key, list = json_array()) < 0)
                        goto oom;
                if (json_array_append_new(list, json_string(ref)) < 0)
                        goto oom;
        }
        json_decref(seen);
        return 0;
oom:
        json_decref(seen);
        return -ENOMEM;
}

/* ---- vulnerabilities ------------------------------------------------------- */

static const char *score_method(int cvss_version) {
        return cvss_version == 2 ? "CVSSv2" : cvss_version == 30 ? "CVSSv3" : cvss_version == 31 ? "CVSSv31"
               : cvss_version == 40 ? "CVSSv4" : "other";
}

/* CycloneDX's severities are lower case. */
static void severity_lower(enum severity s, char ret[16]) {
        snprintf(ret, 16, "%s", severity_to_string(s));
        for (char *p = ret; *p; p++)
                *p = tolower_ascii(*p);
}

static bool from_cvss(const char *severity_source) {
        return !severity_source || startswith(severity_source, "cvss");
}

/* The CVSS rating (score, vector, its own scale's severity) and, when the
 * severity came from a vendor (debian, ubuntu, ghsa), the vendor's. */
static json_t *ratings_json(const struct finding *f) {
        json_t *a = json_array();
        char sev[16];

        if (f->cvss_vector) {
                struct cvss_score cs;
                struct error ignored = {};
                enum severity s = cvss_score(f->cvss_vector, &cs, &ignored) >= 0 ? cs.severity
                                  : severity_from_score(f->cvss_score);

                severity_lower(s, sev);
                json_array_append_new(a, json_pack("{s:f, s:s, s:s, s:s}", "score", f->cvss_score, "severity", sev,
                                                   "method", score_method(f->cvss_version), "vector",
                                                   f->cvss_vector));
        }
        if (!from_cvss(f->severity_source) || !f->cvss_vector) {
                severity_lower(f->severity, sev);
                json_array_append_new(a, f->severity_source
                                      ? json_pack("{s:{s:s}, s:s, s:s}", "source", "name", f->severity_source,
                                                  "severity", sev, "method", "other")
                                      : json_pack("{s:s, s:s}", "severity", sev, "method", "other"));
        }
        return a;
}

/* The finding's page at osv.dev, its id percent-encoded (as
 * report_advisory_url() encodes an alias). */
static char *osv_url(const char *id) {
        struct strbuf b = {};

        if (strbuf_puts(&b, "https://osv.dev/vulnerability/") < 0 || strbuf_append_purl_escaped(&b, id) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

/* Where an alias is described (report_advisory_url()). */
static json_t *reference_json(const char *id) {
        _cleanup_free_ char *url = NULL;

        if (report_advisory_url(id, &url) < 0)
                return NULL;
        return json_pack("{s:s, s:{s:s, s:s}}", "id", id, "source", "name", report_advisory_source(id), "url", url);
}

/* OpenVEX justifications (openvex spec, "Status Justifications") as
 * CycloneDX's impactAnalysisJustification, after CISA's "Minimum
 * Requirements for VEX" mapping; CycloneDX's own words pass as they are. */
static const char *cdx_justification(const char *text) {
        static const char *const table[][2] = {
                { "component_not_present", "code_not_present" },
                { "vulnerable_code_not_present", "code_not_present" },
                { "vulnerable_code_not_in_execute_path", "code_not_reachable" },
                { "inline_mitigations_already_exist", "protected_by_mitigating_control" },
        };
        static const char *const cdx[] = {
                "code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency",
                "requires_environment", "protected_by_compiler", "protected_at_runtime", "protected_at_perimeter",
                "protected_by_mitigating_control",
        };

        for (size_t i = 0; text && i < ELEMENTSOF(table); i++)
                if (strcmp(text, table[i][0]) == 0)
                        return table[i][1];
        for (size_t i = 0; text && i < ELEMENTSOF(cdx); i++)
                if (strcmp(text, cdx[i]) == 0)
                        return cdx[i];
        return NULL;
}

/* A finding a VEX statement suppresses: not_affected, or resolved for
 * "fixed"; the statement's words in detail, with the document. */
static json_t *analysis_json(const struct finding *f) {
        const char *just = cdx_justification(f->vex_justification);
        _cleanup_free_ char *detail = NULL;

        if (asprintf(&detail, "%s%s%s%s", f->vex_justification ? f->vex_justification : "suppressed by VEX",
                     f->vex_source ? " (VEX document " : "", strempty(f->vex_source), f->vex_source ? ")" : "") < 0)
                return NULL;
        return json_pack("{s:s, s:s*, s:s}", "state", strcmp(f->vex_status, "fixed") == 0 ? "resolved"
                         : "not_affected", "justification", just, "detail", detail);
}

static json_t *finding_props(const struct finding *f) {
        json_t *props = json_array();
        char num[32];

        add_prop(props, "portcullis:package", f->package);
        add_prop(props, "portcullis:record_package", f->record_package);
        add_prop(props, "portcullis:installed_version", f->installed_version);
        add_prop(props, "portcullis:fixed_version", f->fixed_version);
        add_prop(props, "portcullis:status", finding_status_to_string(f->status));
        add_prop(props, "portcullis:severity", severity_to_string(f->severity));
        add_prop(props, "portcullis:severity_source", f->severity_source);
        add_prop(props, "portcullis:file", f->path);
        if (f->kev)
                add_prop(props, "portcullis:kev", "true");
        if (f->epss >= 0) {
                snprintf(num, sizeof(num), "%.5f", f->epss);
                add_prop(props, "portcullis:epss", num);
        }
        if (f->epss_percentile >= 0) {
                snprintf(num, sizeof(num), "%.5f", f->epss_percentile);
                add_prop(props, "portcullis:epss_percentile", num);
        }
        add_prop(props, "portcullis:vex_status", f->vex_status);
        add_prop(props, "portcullis:vex_source", f->vex_source);
        return props;
}

/* affects: the package's component with its installed version affected
 * and, when there is one, the fixed version unaffected. */
static json_t *affects_json(const struct finding *f, const char *ref) {
        json_t *versions = json_pack("[{s:s, s:s}]", "version", f->installed_version, "status", "affected");

        if (versions && f->fixed_version)
                json_array_append_new(versions, json_pack("{s:s, s:s}", "version", f->fixed_version, "status",
                                                          "unaffected"));
        return json_pack("[{s:s, s:o}]", "ref", ref, "versions", versions);
}

/* One vulnerability per finding (advisory × package): each carries its own
 * fix version and VEX analysis. */
static json_t *vulnerability_json(const struct finding *f, const char *ref) {
        _cleanup_free_ char *url = osv_url(f->id), *advice = NULL;
        json_t *refs = json_array(), *v;

        if (!url || (f->fixed_version && asprintf(&advice, "Upgrade %s to %s or later", f->package,
                                                  f->fixed_version) < 0)) {
                json_decref(refs);
                return NULL;
        }
        for (char **a = f->aliases; a && *a; a++)
                json_array_append_new(refs, reference_json(*a));
        v = json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:s*, s:s*, s:[{s:s, s:s}]}",
                      "id", f->id,
                      "source", "name", "OSV", "url", url,
                      "references", refs,
                      "ratings", ratings_json(f),
                      "description", f->summary,
                      "recommendation", advice,
                      "advisories", "title", f->id, "url", url);
        if (v && json_array_size(refs) == 0)
                json_object_del(v, "references");
        if (v && f->vex_status)
                json_object_set_new(v, "analysis", analysis_json(f));
        if (v && ref)
                json_object_set_new(v, "affects", affects_json(f, ref));
        return with_props(v, finding_props(f));
}

/* The component a finding is about; identical packages (the same key) are
 * taken in turn, so that their findings stay distinct documents. */
static const char *finding_ref(const struct finding *f, json_t *refs, json_t *taken) {
        _cleanup_free_ char *key = package_key(f->ecosystem, f->package, f->installed_version, f->path), *k2 = NULL;
        json_t *list = key ? json_object_get(refs, key) : NULL;
        size_t n;

        if (!list || asprintf(&k2, "%s\x1f%s", f->id, key) < 0)
                return NULL;
        n = (size_t) json_integer_value(json_object_get(taken, k2));
        json_object_set_new(taken, k2, json_integer((json_int_t) n + 1));
        return json_string_value(json_array_get(list, n % json_array_size(list)));
}

static int vulnerabilities_json(const struct scan_result *res, json_t *refs, json_t *ret) {
        json_t *taken = json_object();

        for (size_t i = 0; taken && i < res->n_findings; i++)
                if (json_array_append_new(ret, vulnerability_json(&res->findings[i],
                                                                  finding_ref(&res->findings[i], refs, taken))) < 0)
                        break;
        json_decref(taken);
        return json_array_size(ret) == res->n_findings ? 0 : -ENOMEM;
}

/* ---- the document ---------------------------------------------------------- */

/* The DB revision and age (issue 14: every report shows them), what a cap
 * kept the inventory from reading, the warnings (as the other reports carry
 * them) and what the scan could not check. */
static json_t *metadata_props(const struct report_target *t) {
        const struct scan_result *res = t->res;
        json_t *props = json_array();
        char num[32];

        for (char **s = t->inv->skipped; s && *s; s++)
                add_prop(props, "portcullis:skipped", *s);
        for (char **s = t->inv->warnings; s && *s; s++)
                add_prop(props, "portcullis:warning", *s);
        if (!res)
                return props;
        for (char **s = res->warnings; s && *s; s++)
                add_prop(props, "portcullis:warning", *s);
        add_prop(props, "portcullis:db_revision", res->db_revision);
        add_prop(props, "portcullis:db_time", res->db_time);
        if (report_db_age_hours(res->db_time) >= 0) {
                snprintf(num, sizeof(num), "%lld", report_db_age_hours(res->db_time));
                add_prop(props, "portcullis:db_age_hours", num);
        }
        for (size_t i = 0; i < res->n_unchecked; i++) {
                _cleanup_free_ char *s = NULL;

                if (asprintf(&s, "%s: %s: %s", unchecked_kind_to_string(res->unchecked[i].kind),
                             res->unchecked[i].subject, res->unchecked[i].reason) >= 0)
                        add_prop(props, "portcullis:unchecked", s);
        }
        if (res->unchecked_more) {
                snprintf(num, sizeof(num), "%zu", res->unchecked_more);
                add_prop(props, "portcullis:unchecked_more", num);
        }
        return props;
}

static json_t *metadata_json(const struct report_target *t) {
        char now[32];
        time_t tt = time(NULL);
        struct tm tm;

        strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
        return with_props(json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}",
                                    "timestamp", now,
                                    "tools", "components", "type", "application", "name", "portcullis",
                                    "version", PORTCULLIS_VERSION,
                                    "component", target_json(t)),
                          metadata_props(t));
}

static int render(const struct report_target *t, char **ret, struct error *err) {
        _cleanup_free_ char *os = t->inv->os.id ? os_ref(&t->inv->os) : NULL;
        json_t *components = json_array(), *refs = json_object(), *all = json_array(), *root = NULL;
        char serial[46];
        int r;

        if ((r = serial_number(serial, err)) < 0)
                goto done;
        r = -ENOMEM;
        if (!components || !refs || !all || (t->inv->os.id && !os))
                goto done;
        if (os && (json_array_append_new(components, os_json(&t->inv->os, os)) < 0 ||
                   json_array_append_new(all, json_string(os)) < 0))
                goto done;
        if (components_json(t->inv, components, refs, all) < 0)
                goto done;
        root = json_pack("{s:s, s:s, s:s, s:i, s:o, s:O, s:[{s:s, s:O}]}",
                         "bomFormat", "CycloneDX",
                         "specVersion", CDX_SPEC_VERSION,
                         "serialNumber", serial,
                         "version", 1,
                         "metadata", metadata_json(t),
                         "components", components,
                         "dependencies", "ref", CDX_TARGET_REF, "dependsOn", all);
        if (!root)
                goto done;
        if (t->res) {
                json_t *vulns = json_array();

                if (json_object_set_new(root, "vulnerabilities", vulns) < 0 ||
                    vulnerabilities_json(t->res, refs, vulns) < 0)
                        goto done;
        }
        *ret = json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        r = *ret ? 0 : -ENOMEM;
done:
        json_decref(components);
        json_decref(refs);
        json_decref(all);
        json_decref(root);
        return r == -ENOMEM ? error_set(err, ENOMEM, "render CycloneDX: out of memory") : r;
}

const struct report_format report_format_cyclonedx = {
        .name = "cyclonedx",
        .scan = render,
        .inventory = render,
};
