/* SPDX-License-Identifier: Apache-2.0 */
/* VEX documents (lib/vex.c), written here from the OpenVEX v0.2.0
 * specification and the CycloneDX 1.4-1.6 schemas: which findings a
 * statement suppresses (by image digest, by purl, by alias, by time), and
 * the errors of malformed documents, naming the file and the field. */
#include "base/strutil.h"
#include "test.h"
#include "vex.h"

#define DIGEST "sha256:abababababababababababababababababababababababababababababababab"
#define OTHER "sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define OCI "pkg:oci/app@sha256%3Aabababababababababababababababababababababababababababababababab"

#define OV(statements) "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"@id\": \"https://example.com/vex/1\", " \
                       "\"author\": \"test\", \"timestamp\": \"2024-01-01T00:00:00Z\", \"version\": 1, " \
                       "\"statements\": [" statements "]}"
#define CDX(rest) "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"version\": 1, " rest "}"

/* The findings every row is applied to (a fresh copy each time). */
static const struct {
        const char *id, *alias, *package, *source, *version, *purl;
} findings[] = {
        { "ALPINE-CVE-2020-1967", "CVE-2020-1967", "libssl1.1", "openssl", "1.1.1d-r3",
          "pkg:apk/alpine/libssl1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5" },
        { "ALPINE-CVE-2020-1967", "CVE-2020-1967", "libcrypto1.1", "openssl", "1.1.1d-r3",
          "pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5" },
        { "GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "lodash", "lodash", "4.17.20", "pkg:npm/lodash@4.17.20" },
        { "CVE-2022-0001", NULL, "@angular/core", "@angular/core", "12.0.0", "pkg:npm/%40angular/core@12.0.0" },
        { "DSA-5000-1", "CVE-2023-0003", "libc6", "glibc", "2.36-9",
          "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12" },
};

static struct scan_result *make_result(void) {
        struct scan_result *res = calloc(1, sizeof(*res));

        res->findings = calloc(ELEMENTSOF(findings), sizeof(*res->findings));
        res->n_findings = res->cap_findings = ELEMENTSOF(findings);
        for (size_t i = 0; i < ELEMENTSOF(findings); i++) {
                struct finding *f = &res->findings[i];

                *f = (struct finding) { .id = strdup(findings[i].id), .package = strdup(findings[i].package),
                                        .source_name = strdup(findings[i].source),
                                        .installed_version = strdup(findings[i].version),
                                        .purl = strdup(findings[i].purl), .severity = SEVERITY_HIGH,
                                        .cvss_score = -1, .epss = -1, .epss_percentile = -1 };
                if (findings[i].alias)
                        strv_push(&f->aliases, strdup(findings[i].alias));
        }
        scan_result_recount(res);
        return res;
}

/* The documents, in order, applied; want: one letter per finding: N
 * not_affected, F fixed, . not suppressed. */
static void check_apply_docs(const char *const *docs, size_t n_docs, const char *digest, const char *want, int line) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        _cleanup_(scan_result_freep) struct scan_result *res = make_result();
        struct error err = {};
        char got[ELEMENTSOF(findings) + 1] = "";
        size_t n = 0;
        int r;

        for (size_t i = 0; i < n_docs; i++) {
                r = vex_parse(v, docs[i], strlen(docs[i]), "v.json", &err);
                CHECK_MSG(r == 0, "line %d: %s", line, err.msg);
                if (r < 0)
                        return;
        }
        r = vex_apply(v, digest, res, &err);
        for (size_t i = 0; i < res->n_findings; i++) {
                const char *s = res->findings[i].vex_status;

                got[i] = !s ? '.' : strcmp(s, "not_affected") == 0 ? 'N' : strcmp(s, "fixed") == 0 ? 'F' : '?';
                n += s != NULL;
                if (s)
                        CHECK_MSG(streq_ptr(res->findings[i].vex_source, "v.json"), "line %d", line);
        }
        CHECK_MSG(strcmp(got, want) == 0, "line %d: suppressed %s, want %s", line, got, want);
        CHECK_MSG(r == (int) n && res->suppressed == n && res->counts[SEVERITY_HIGH] == ELEMENTSOF(findings) - n,
                  "line %d: returned %d, suppressed %zu, counted %zu", line, r, res->suppressed,
                  res->counts[SEVERITY_HIGH]);
}

static void check_apply(const char *doc, const char *digest, const char *want, int line) {
        check_apply_docs(&doc, 1, digest, want, line);
}

#define APPLY(doc, digest, want) check_apply(doc, digest, want, __LINE__)

static void test_openvex(void) {
        /* the image by digest: every package of the vulnerability in it */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": \"" OCI "\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"vulnerable_code_not_in_execute_path\"}"),
              DIGEST, "NN...");
        /* ... and only that image: unknown digest, another one */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": \"" OCI "\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"vulnerable_code_not_in_execute_path\"}"),
              NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": \"" OCI "\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"vulnerable_code_not_in_execute_path\"}"),
              OTHER, ".....");
        /* an image not named by digest is another product */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": \"pkg:oci/app\"}], "
                 "\"status\": \"fixed\"}"),
              DIGEST, ".....");
        /* the image's subcomponents narrow it */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": \"" OCI "\", "
                 "\"subcomponents\": [{\"@id\": \"pkg:apk/alpine/libssl1.1\"}]}], \"status\": \"fixed\"}"),
              DIGEST, "F....");
        /* subcomponents of another image never apply */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:oci/other@sha256%3Acdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\", "
                 "\"subcomponents\": [{\"@id\": \"pkg:apk/alpine/libssl1.1\"}]}], \"status\": \"fixed\"}"),
              DIGEST, ".....");
        /* the image by its hash alone */
        APPLY(OV("{\"vulnerability\": {\"name\": \"ALPINE-CVE-2020-1967\"}, \"products\": [{\"hashes\": "
                 "{\"sha-256\": \"abababababababababababababababababababababababababababababababab\"}}], "
                 "\"status\": \"fixed\"}"),
              DIGEST, "FF...");
        /* a package by purl: without version any, with version that one,
         * qualifiers where the finding's purl has them; but a fixed
         * statement names the versions that have the fix: one without
         * is left out (vex_notes()) */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:apk/alpine/libcrypto1.1\"}], \"status\": \"not_affected\", \"impact_statement\": \"x\"}"),
              NULL, ".N...");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:apk/alpine/libcrypto1.1\"}], \"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3\"}], \"status\": \"fixed\"}"), NULL, ".F...");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r4\"}], \"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"@id\": "
                 "\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=aarch64\"}], \"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2020-1967\"}, \"products\": [{\"identifiers\": {\"purl\": "
                 "\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&os=linux\"}}], \"status\": \"fixed\"}"),
              NULL, ".F...");
        /* another package, another type, another namespace */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash-es\"}, "
                 "{\"@id\": \"pkg:pypi/lodash\"}, {\"@id\": \"pkg:npm/other/lodash\"}], \"status\": \"not_affected\", "
                 "\"impact_statement\": \"not used\"}"), DIGEST, ".....");
        /* the statement's name or aliases against the finding's id or aliases */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"component_not_present\"}"), NULL, "..N..");
        APPLY(OV("{\"vulnerability\": {\"name\": \"X-1\", \"aliases\": [\"GHSA-35jh-r3h4-6jhm\"]}, \"products\": "
                 "[{\"@id\": \"pkg:npm/lodash@4.17.20\"}], \"status\": \"fixed\"}"), NULL, "..F..");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2099-0001\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"fixed\"}"), NULL, ".....");
        /* a scoped npm package, percent-encoded */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2022-0001\"}, \"products\": [{\"@id\": "
                 "\"pkg:npm/%40angular/core@12.0.0\"}], \"status\": \"fixed\"}"), NULL, "...F.");
        /* a distribution's source package: without version (a fixed
         * statement without it is left out), or with it and arch=source
         * (purl-spec), the binary's version; without arch=source the name
         * is the binary's */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": \"pkg:deb/debian/glibc\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"component_not_present\"}"), NULL, "....N");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": \"pkg:deb/debian/glibc\"}], "
                 "\"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": "
                 "\"pkg:deb/debian/glibc@2.36-9?arch=source\"}], \"status\": \"fixed\"}"), NULL, "....F");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": "
                 "\"pkg:deb/debian/glibc@2.36-10?arch=source\"}], \"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": "
                 "\"pkg:deb/debian/glibc@2.36-9\"}], \"status\": \"fixed\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2023-0003\"}, \"products\": [{\"@id\": "
                 "\"pkg:deb/debian/libc6?arch=source\"}], \"status\": \"not_affected\", \"impact_statement\": "
                 "\"x\"}"), NULL, ".....");
        /* a product's subcomponent by purl */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/myapp@1.0\", "
                 "\"subcomponents\": [{\"@id\": \"pkg:npm/lodash@4.17.20\"}]}], \"status\": \"fixed\"}"), NULL, "..F..");
        /* under_investigation and affected change nothing */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"under_investigation\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"affected\", \"action_statement\": \"upgrade\"}"), NULL, ".....");
        /* the latest statement decides: by timestamp, else by order */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"component_not_present\", "
                 "\"timestamp\": \"2024-02-01T00:00:00Z\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"affected\", \"timestamp\": \"2024-03-01T10:00:00+02:00\"}"), NULL, ".....");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"component_not_present\", "
                 "\"timestamp\": \"2024-03-01T00:00:00Z\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"under_investigation\", \"timestamp\": \"2024-02-01T00:00:00Z\"}"), NULL, "..N..");
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                 "\"status\": \"under_investigation\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash@4.17.20\"}], "
                 "\"status\": \"fixed\"}"), NULL, "..F..");
        /* a leap day is a day; fractions and offsets are read */
        APPLY(OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash@4.17.20\"}], "
                 "\"status\": \"fixed\", \"timestamp\": \"2024-02-29T23:59:59.999+01:00\"}"), NULL, "..F..");
        /* OpenVEX v0.0.x: the vulnerability and the products as strings */
        APPLY("{\"@context\": \"https://openvex.dev/ns\", \"timestamp\": \"2023-01-08T18:02:03.647787998-06:00\", "
              "\"statements\": [{\"vulnerability\": \"CVE-2021-23337\", "
              "\"products\": [\"pkg:npm/lodash@4.17.20\"], \"status\": \"fixed\"}]}", NULL, "..F..");
        /* v0.0.x: the statement's subcomponents are each product's */
        APPLY("{\"@context\": \"https://openvex.dev/ns\", \"timestamp\": \"2023-01-08T18:02:03Z\", \"statements\": "
              "[{\"vulnerability\": \"CVE-2020-1967\", \"products\": [\"" OCI "\"], \"subcomponents\": "
              "[\"pkg:apk/alpine/libssl1.1\"], \"status\": \"fixed\"}]}", DIGEST, "F....");
        /* every field the schema has is read or let be */
        APPLY(OV("{\"@id\": \"https://example.com/vex/1#s1\", \"version\": 2, \"vulnerability\": {\"@id\": "
                 "\"https://nvd.nist.gov/vuln/detail/CVE-2021-23337\", \"name\": \"CVE-2021-23337\", \"description\": "
                 "\"command injection\"}, \"products\": [{\"@id\": \"pkg:npm/lodash@4.17.20\", \"identifiers\": {\"purl\": "
                 "\"pkg:npm/lodash@4.17.20\"}, \"hashes\": {\"sha-256\": \"00\"}, \"subcomponents\": [{\"@id\": "
                 "\"pkg:npm/lodash@4.17.20\", \"identifiers\": {}, \"hashes\": {}}]}], \"status\": \"fixed\", \"supplier\": "
                 "\"x\", \"status_notes\": \"y\", \"action_statement\": \"z\", \"action_statement_timestamp\": "
                 "\"2024-01-01T00:00:00Z\", \"last_updated\": \"2024-01-02T00:00:00Z\"}"), NULL, "..F..");
        APPLY(OV(""), DIGEST, ".....");
}

#define CDX_VULN(id, state, affects) "\"vulnerabilities\": [{\"id\": \"" id "\", \"analysis\": {\"state\": \"" state \
                                     "\", \"justification\": \"code_not_reachable\", \"detail\": \"not called\"}, " \
                                     "\"affects\": [" affects "]}]"
#define CDX_IMAGE "\"metadata\": {\"timestamp\": \"2024-01-01T00:00:00Z\", \"component\": {\"type\": \"container\", " \
                  "\"bom-ref\": \"img\", \"name\": \"app\", \"purl\": \"" OCI "\"}}"
#define CDX_COMPONENTS "\"components\": [{\"type\": \"library\", \"bom-ref\": \"c-lodash\", \"name\": \"lodash\", " \
                       "\"purl\": \"pkg:npm/lodash@4.17.20\"}, {\"type\": \"library\", \"bom-ref\": \"c-group\", " \
                       "\"name\": \"g\", \"components\": [{\"type\": \"library\", \"bom-ref\": \"c-ssl\", " \
                       "\"name\": \"libssl1.1\", \"purl\": \"pkg:apk/alpine/libssl1.1@1.1.1d-r3\"}]}]"

static void test_cyclonedx(void) {
        /* no product: each component by its purl, through its bom-ref or a BOM-Link */
        APPLY(CDX(CDX_COMPONENTS ", " CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"c-lodash\"}")), NULL,
              "..N..");
        APPLY(CDX(CDX_COMPONENTS ", " CDX_VULN("CVE-2021-23337", "not_affected",
                                               "{\"ref\": \"urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c-lodash\"}")),
              NULL, "..N..");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "false_positive", "{\"ref\": \"pkg:npm/lodash@4.17.20\"}")), NULL, "..N..");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "resolved", "{\"ref\": \"pkg:npm/lodash@4.17.20\"}")), NULL, "..F..");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "in_triage", "{\"ref\": \"pkg:npm/lodash@4.17.20\"}")), NULL, ".....");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "exploitable", "{\"ref\": \"pkg:npm/lodash@4.17.20\"}")), NULL, ".....");
        /* the references are aliases */
        APPLY(CDX("\"vulnerabilities\": [{\"id\": \"SNYK-JS-LODASH-1040724\", \"references\": [{\"id\": "
                  "\"CVE-2021-23337\", \"source\": {\"name\": \"NVD\"}}], \"analysis\": {\"state\": \"resolved\"}, "
                  "\"affects\": [{\"ref\": \"pkg:npm/lodash@4.17.20\"}]}]"), NULL, "..F..");
        /* affects[].versions: the exact versions listed; a range is not evaluated */
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"version\": \"4.17.21\", \"status\": \"unaffected\"}]}")), NULL, ".....");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"version\": \"4.17.20\", \"status\": \"unaffected\"}]}")), NULL, "..N..");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"range\": \"vers:npm/<5\", \"status\": \"unaffected\"}]}")), NULL, ".....");
        /* versions[].status (CycloneDX 1.4-1.6; "affected" when absent):
         * a not_affected or resolved analysis suppresses only the
         * unaffected versions */
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "resolved", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"version\": \"4.17.20\", \"status\": \"affected\"}, "
                           "{\"version\": \"4.17.21\", \"status\": \"unaffected\"}]}")), NULL, ".....");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"version\": \"4.17.20\"}]}")), NULL, ".....");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "not_affected", "{\"ref\": \"pkg:npm/lodash\", \"versions\": "
                           "[{\"version\": \"4.17.20\", \"status\": \"unknown\"}]}")), NULL, ".....");
        APPLY(CDX(CDX_VULN("CVE-2021-23337", "resolved", "{\"ref\": \"pkg:npm/lodash@4.17.19\", \"versions\": "
                           "[{\"version\": \"4.17.19\", \"status\": \"affected\"}, "
                           "{\"version\": \"4.17.20\", \"status\": \"unaffected\"}]}")), NULL, "..F..");
        /* of an image's component too; the image itself has no version
         * we could tell, so its versions must all say the same */
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"c-ssl\", "
                  "\"versions\": [{\"version\": \"1.1.1d-r3\", \"status\": \"unaffected\"}]}")), DIGEST, "N....");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"c-ssl\", "
                  "\"versions\": [{\"version\": \"1.1.1d-r3\", \"status\": \"affected\"}]}")), DIGEST, ".....");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"img\", "
                  "\"versions\": [{\"version\": \"1.0\", \"status\": \"affected\"}, {\"version\": \"2.0\", "
                  "\"status\": \"unaffected\"}]}")), DIGEST, ".....");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"img\", "
                  "\"versions\": [{\"range\": \"vers:generic/>=1.0\", \"status\": \"unaffected\"}]}")), DIGEST,
              "NN...");
        /* an image product: the whole image by its own bom-ref, or narrowed
         * to nested components; only that image */
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"img\"}")),
              DIGEST, "NN...");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"c-ssl\"}")),
              DIGEST, "N....");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"c-ssl\"}")),
              OTHER, ".....");
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"img\"}")),
              NULL, ".....");
        /* a component without purl names no package of ours */
        APPLY(CDX(CDX_IMAGE ", " CDX_COMPONENTS ", " CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"c-group\"}")),
              DIGEST, ".....");
        /* a container known by its SHA-256 */
        APPLY(CDX("\"metadata\": {\"component\": {\"type\": \"container\", \"bom-ref\": \"i\", \"name\": \"app\", "
                  "\"hashes\": [{\"alg\": \"SHA-256\", \"content\": "
                  "\"abababababababababababababababababababababababababababababababab\"}]}}, "
                  CDX_VULN("CVE-2020-1967", "not_affected", "{\"ref\": \"i\"}")), DIGEST, "NN...");
        /* false_positive needs no justification */
        APPLY(CDX("\"vulnerabilities\": [{\"id\": \"CVE-2021-23337\", \"analysis\": {\"state\": \"false_positive\"}, "
                  "\"affects\": [{\"ref\": \"pkg:npm/lodash\"}]}]"), NULL, "..N..");
        /* entries without an analysis (a vulnerability report) say nothing */
        APPLY(CDX("\"vulnerabilities\": [{\"id\": \"CVE-2021-23337\", \"affects\": [{\"ref\": \"pkg:npm/lodash\"}]}]"),
              NULL, ".....");
}

/* Which statement is the latest does not depend on the order of the
 * statements: a total order (by time, a timed one over an untimed one,
 * then the order added), every permutation the same. */
static void test_order(void) {
        static const char *const entries[] = {
                "{\"id\": \"CVE-2021-23337\", \"analysis\": {\"state\": \"exploitable\", \"lastUpdated\": "
                "\"2026-06-01T00:00:00Z\"}, \"affects\": [{\"ref\": \"pkg:npm/lodash\"}]}",
                "{\"id\": \"CVE-2021-23337\", \"analysis\": {\"state\": \"in_triage\"}, \"affects\": [{\"ref\": "
                "\"pkg:npm/lodash\"}]}",
                "{\"id\": \"CVE-2021-23337\", \"analysis\": {\"state\": \"not_affected\", \"justification\": "
                "\"code_not_reachable\", \"lastUpdated\": \"2025-01-01T00:00:00Z\"}, \"affects\": [{\"ref\": "
                "\"pkg:npm/lodash\"}]}",
        };
        static const int perms[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
        /* an untimed OpenVEX statement takes its document's time */
        const char *ov[2] = {
                "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"timestamp\": \"2024-06-01T00:00:00Z\", "
                "\"statements\": [{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": "
                "\"pkg:npm/lodash@4.17.20\"}], \"status\": \"fixed\"}]}",
                "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"timestamp\": \"2024-01-01T00:00:00Z\", "
                "\"statements\": [{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": "
                "\"pkg:npm/lodash\"}], \"status\": \"affected\", \"action_statement\": \"upgrade\"}]}",
        };
        const char *vo[2] = { ov[1], ov[0] };

        for (size_t i = 0; i < ELEMENTSOF(perms); i++) {
                char doc[2048];

                (void) snprintf(doc, sizeof(doc), CDX("\"vulnerabilities\": [%s, %s, %s]"), entries[perms[i][0]],
                                entries[perms[i][1]], entries[perms[i][2]]);
                check_apply(doc, NULL, ".....", __LINE__);
        }
        check_apply_docs(ov, 2, NULL, "..F..", __LINE__);
        check_apply_docs(vo, 2, NULL, "..F..", __LINE__);

        /* a newer analysis that lists the installed version as affected
         * is the newer word on it: the older suppression no longer holds;
         * an in_triage one's unaffected version says nothing */
        const char *older[2] = {
                OV("{\"vulnerability\": {\"name\": \"CVE-2021-23337\"}, \"products\": [{\"@id\": \"pkg:npm/lodash\"}], "
                   "\"status\": \"not_affected\", \"justification\": \"component_not_present\"}"),
                CDX("\"metadata\": {\"timestamp\": \"2024-06-01T00:00:00Z\"}, \"vulnerabilities\": [{\"id\": "
                    "\"CVE-2021-23337\", \"analysis\": {\"state\": \"resolved\"}, \"affects\": [{\"ref\": "
                    "\"pkg:npm/lodash\", \"versions\": [{\"version\": \"4.17.20\", \"status\": \"affected\"}, "
                    "{\"version\": \"4.17.21\", \"status\": \"unaffected\"}]}]}]"),
        };
        check_apply_docs(older, 2, NULL, ".....", __LINE__);
        older[1] = CDX("\"metadata\": {\"timestamp\": \"2024-06-01T00:00:00Z\"}, \"vulnerabilities\": [{\"id\": "
                       "\"CVE-2021-23337\", \"analysis\": {\"state\": \"in_triage\"}, \"affects\": [{\"ref\": "
                       "\"pkg:npm/lodash\", \"versions\": [{\"version\": \"4.17.20\", \"status\": \"unaffected\"}]}]}]");
        check_apply_docs(older, 2, NULL, "..N..", __LINE__);
}

/* Advisories that cover several vulnerabilities: a statement on one CVE
 * suppresses a finding only when every CVE it carries is suppressed (or
 * the statement names the advisory itself); a finding left counted so is
 * said in a warning naming what is not suppressed. */
static const struct {
        const char *id, *aliases, *package, *purl;      /* aliases: space-separated */
} advisories[] = {
        { "DSA-9001-1", "CVE-2099-1001 CVE-2099-1002", "perl-base", "pkg:deb/debian/perl-base@5.36.0-7?arch=amd64" },
        { "DEBIAN-CVE-2099-2001", "CVE-2099-2001", "util-linux", "pkg:deb/debian/util-linux@2.38.1-5?arch=amd64" },
        { "PYSEC-2099-3", "CVE-2099-3001 GHSA-aaaa-bbbb-cccc", "requests", "pkg:pypi/requests@2.0.0" },
        { "USN-9002-1", "CVE-2099-1001 cve-2099-1001 UBUNTU-CVE-2099-1001", "perl", "pkg:deb/ubuntu/perl@5.34.0-3" },
};

#define ADV_STATEMENT(name, aliases, status, time) \
        "{\"vulnerability\": {\"name\": \"" name "\", \"aliases\": [" aliases "]}, \"products\": [{\"@id\": " \
        "\"pkg:deb/debian/perl-base@1\"}, {\"@id\": \"pkg:deb/debian/util-linux@1\"}, {\"@id\": \"pkg:pypi/requests@1\"}, " \
        "{\"@id\": \"pkg:deb/ubuntu/perl@1\"}], \"status\": \"" status "\", \"impact_statement\": \"not used\", " \
        "\"action_statement\": \"upgrade\", \"timestamp\": \"" time "\"}"

static void check_advisories(const char *doc, const char *want, const char *warning, int line) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        struct error err = {};
        char got[ELEMENTSOF(advisories) + 1] = "";
        int r;

        res->findings = calloc(ELEMENTSOF(advisories), sizeof(*res->findings));
        res->n_findings = res->cap_findings = ELEMENTSOF(advisories);
        for (size_t i = 0; i < ELEMENTSOF(advisories); i++) {
                struct finding *f = &res->findings[i];
                _cleanup_free_ char *aliases = strdup(advisories[i].aliases);

                *f = (struct finding) { .id = strdup(advisories[i].id), .package = strdup(advisories[i].package),
                                        .installed_version = strdup("1"), .purl = strdup(advisories[i].purl),
                                        .severity = SEVERITY_HIGH, .cvss_score = -1, .epss = -1 };
                for (char *a = strtok(aliases, " "); a; a = strtok(NULL, " "))
                        strv_push(&f->aliases, strdup(a));
        }
        r = vex_parse(v, doc, strlen(doc), "v.json", &err);
        CHECK_MSG(r == 0, "line %d: %s", line, err.msg);
        if (r < 0)
                return;
        r = vex_apply(v, NULL, res, &err);
        for (size_t i = 0; i < res->n_findings; i++)
                got[i] = res->findings[i].vex_status ? res->findings[i].vex_status[0] == 'n' ? 'N' : 'F' : '.';
        CHECK_MSG(strcmp(got, want) == 0, "line %d: suppressed %s, want %s", line, got, want);
        CHECK_MSG(r >= 0 && res->suppressed == (size_t) r, "line %d: returned %d", line, r);
        if (!warning)
                CHECK_MSG(strv_length(res->warnings) == 0, "line %d: warning '%s'", line, res->warnings[0]);
        else
                CHECK_MSG(strv_length(res->warnings) == 1 && strcmp(res->warnings[0], warning) == 0,
                          "line %d: warnings '%s', want '%s'", line, res->warnings ? res->warnings[0] : "(none)", warning);
}

#define ADVISORIES(statements, want, warning) check_advisories(OV(statements), want, warning, __LINE__)

static void test_advisories(void) {
        /* one of the DSA's two CVEs: it still counts, and a warning says
         * why; the USN names that CVE twice (and a distribution's id of it) */
        ADVISORIES(ADV_STATEMENT("CVE-2099-1001", "", "not_affected", "2024-01-01T00:00:00Z"), "...N",
                   "VEX: DSA-9001-1 (perl-base 1) still counts: VEX statements suppress CVE-2099-1001 of it, not "
                   "CVE-2099-1002 (no statement applies); a statement on DSA-9001-1, or on each of the "
                   "vulnerabilities it covers, suppresses it");
        /* each of them, in one statement or two */
        ADVISORIES(ADV_STATEMENT("CVE-2099-1001", "\"CVE-2099-1002\"", "not_affected", "2024-01-01T00:00:00Z"), "N..N",
                   NULL);
        ADVISORIES(ADV_STATEMENT("CVE-2099-1001", "", "not_affected", "2024-01-01T00:00:00Z") ", "
                   ADV_STATEMENT("CVE-2099-1002", "", "fixed", "2024-02-01T00:00:00Z"), "F..N", NULL);
        /* the advisory itself covers all it carries */
        ADVISORIES(ADV_STATEMENT("DSA-9001-1", "", "fixed", "2024-01-01T00:00:00Z"), "F...", NULL);
        /* a newer affected statement on one CVE outweighs the advisory's */
        ADVISORIES(ADV_STATEMENT("DSA-9001-1", "", "not_affected", "2024-01-01T00:00:00Z") ", "
                   ADV_STATEMENT("CVE-2099-1002", "", "affected", "2024-06-01T00:00:00Z"), "....",
                   "VEX: DSA-9001-1 (perl-base 1) still counts: VEX statements suppress CVE-2099-1001 of it, not "
                   "CVE-2099-1002 (affected); a statement on DSA-9001-1, or on each of the vulnerabilities it covers, "
                   "suppresses it");
        ADVISORIES(ADV_STATEMENT("DSA-9001-1", "", "not_affected", "2024-07-01T00:00:00Z") ", "
                   ADV_STATEMENT("CVE-2099-1002", "", "affected", "2024-06-01T00:00:00Z"), "N...", NULL);
        /* a name of one vulnerability: the CVE of a distribution's record,
         * the GHSA beside a PYSEC's one CVE */
        ADVISORIES(ADV_STATEMENT("CVE-2099-2001", "", "not_affected", "2024-01-01T00:00:00Z"), ".N..", NULL);
        ADVISORIES(ADV_STATEMENT("GHSA-aaaa-bbbb-cccc", "", "not_affected", "2024-01-01T00:00:00Z"), "..N.", NULL);
        ADVISORIES(ADV_STATEMENT("UBUNTU-CVE-2099-1001", "", "not_affected", "2024-01-01T00:00:00Z"), "...N", NULL);
        /* ... but not another name of an advisory with several: which of
         * its CVEs it is, it does not say */
        ADVISORIES(ADV_STATEMENT("X-1", "\"DSA-9001-1\"", "not_affected", "2024-01-01T00:00:00Z"), "....", NULL);
}

static void test_errors(void) {
        static const struct {
                const char *doc;
                const char *msg;        /* the error, whole, or its start when it ends in '*' */
        } rows[] = {
                { "{", "v.json:1:1: *" },
                { "[]", "v.json: the document: must be a JSON object" },
                { "{}", "v.json: the document: neither an OpenVEX document *" },
                { "{\"a\": 1, \"a\": 2}", "v.json:1:*duplicate*" },
                { "{\"@context\": \"https://openvex.dev/ns/v0.2.0\"}", "v.json: statements: missing" },
                { "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": {}}",
                  "v.json: statements: must be an array" },
                /* OpenVEX requires the document's timestamp, which its
                 * statements inherit */
                { "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [{\"vulnerability\": {\"name\": "
                  "\"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], \"status\": \"fixed\", \"timestamp\": "
                  "\"2024-01-01T00:00:00Z\"}]}",
                  "v.json: timestamp: missing: an OpenVEX document says when it was issued *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixd\"}"),
                  "v.json: statements[0].status: 'fixd' is not one of not_affected, affected, fixed or "
                  "under_investigation" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}]}"),
                  "v.json: statements[0].status: missing *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"not_affected\"}"),
                  "v.json: statements[0]: a not_affected statement needs a 'justification' or an 'impact_statement'" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"not_affected\", \"justification\": \"code_not_present\"}"),
                  "v.json: statements[0].justification: 'code_not_present' is not one of component_not_present, *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"status\": \"fixed\"}"),
                  "v.json: statements[0].products: missing or empty: *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [], \"status\": \"fixed\"}"),
                  "v.json: statements[0].products: missing or empty: *" },
                { OV("{\"products\": [{\"@id\": \"pkg:npm/a\"}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].vulnerability: missing; every statement names one" },
                { OV("{\"vulnerability\": {\"aliases\": []}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\"}"),
                  "v.json: statements[0].vulnerability.name: missing *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\", \"aliases\": [1]}, \"products\": [{\"@id\": "
                     "\"pkg:npm/a\"}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].vulnerability: aliases[0] must be a string" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:\"}], "
                     "\"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0]: 'pkg:' is not a package URL *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a%zz\"}], "
                     "\"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0]: 'pkg:npm/a%zz' is not a package URL *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:oci/x\", "
                     "\"subcomponents\": [{\"@id\": \"pkg:npm/a\"}, {}]}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0].subcomponents[1]: names nothing: *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [7], \"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0]: must be an object *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"yesterday\"}"),
                  "v.json: statements[0].timestamp: 'yesterday' is not an RFC 3339 time *" },
                /* RFC 3339 with each field in its range: no February 31st
                 * (timegm() would make it March 3rd), no hour 24 */
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2025-02-31T00:00:00Z\"}"),
                  "v.json: statements[0].timestamp: '2025-02-31T00:00:00Z' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2023-02-29T00:00:00Z\"}"),
                  "v.json: statements[0].timestamp: '2023-02-29T00:00:00Z' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"last_updated\": \"2024-04-31T10:00:00+02:00\"}"),
                  "v.json: statements[0].last_updated: '2024-04-31T10:00:00+02:00' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2024-01-01T24:00:00Z\"}"),
                  "v.json: statements[0].timestamp: '2024-01-01T24:00:00Z' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2024-01-01T00:00:00.Z\"}"),
                  "v.json: statements[0].timestamp: '2024-01-01T00:00:00.Z' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2024-1-01T00:00:00Z\"}"),
                  "v.json: statements[0].timestamp: '2024-1-01T00:00:00Z' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"timestamp\": \"2024-01-01T00:00:00+0100\"}"),
                  "v.json: statements[0].timestamp: '2024-01-01T00:00:00+0100' is not an RFC 3339 time *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": 3}"),
                  "v.json: statements[0].status: must be a non-empty string" },
                { "{\"bomFormat\": \"SPDX\"}", "v.json: bomFormat: must be \"CycloneDX\"" },
                { "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.3\", \"vulnerabilities\": []}",
                  "v.json: specVersion: '1.3' is not one of 1.4, 1.5 or 1.6" },
                { CDX("\"components\": []"), "v.json: vulnerabilities: missing: a CycloneDX VEX lists them" },
                { CDX(CDX_VULN("CVE-1", "fixed", "{\"ref\": \"pkg:npm/a\"}")),
                  "v.json: vulnerabilities[0].analysis.state: 'fixed' is not one of resolved, *" },
                { CDX("\"vulnerabilities\": [{\"id\": \"CVE-1\", \"analysis\": {\"state\": \"resolved\", "
                      "\"justification\": \"nope\"}, \"affects\": [{\"ref\": \"pkg:npm/a\"}]}]"),
                  "v.json: vulnerabilities[0].analysis.justification: 'nope' is not one of code_not_present, *" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"ref\": \"c-none\"}")),
                  "v.json: vulnerabilities[0].affects[0]: ref 'c-none' is neither a purl nor the bom-ref of a "
                  "component of the BOM" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"ref\": \"pkg:npm/a\", \"versions\": [{\"version\": \"1\", "
                               "\"status\": \"unafected\"}]}")),
                  "v.json: vulnerabilities[0].affects[0].versions[0].status: 'unafected' is not one of affected, "
                  "unaffected or unknown" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"ref\": \"pkg:npm/a\", \"versions\": [{\"status\": "
                               "\"unaffected\"}]}")),
                  "v.json: vulnerabilities[0].affects[0].versions[0]: needs one of 'version' and 'range' *" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"ref\": \"pkg:npm/a\", \"versions\": [{\"version\": \"1\", "
                               "\"range\": \"vers:npm/<2\", \"status\": \"unaffected\"}]}")),
                  "v.json: vulnerabilities[0].affects[0].versions[0]: needs one of 'version' and 'range' *" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"ref\": \"pkg:npm/a\", \"versions\": [\"1\"]}")),
                  "v.json: vulnerabilities[0].affects[0].versions[0]: must be an object *" },
                { CDX(CDX_VULN("CVE-1", "resolved", "")),
                  "v.json: vulnerabilities[0].affects: missing or empty: *" },
                { CDX(CDX_VULN("CVE-1", "resolved", "{\"versions\": []}")),
                  "v.json: vulnerabilities[0].affects[0].ref: missing" },
                { CDX("\"vulnerabilities\": [{\"analysis\": {\"state\": \"resolved\"}, \"affects\": [{\"ref\": "
                      "\"pkg:npm/a\"}]}]"),
                  "v.json: vulnerabilities[0].id: missing" },
                /* as in OpenVEX, a not_affected analysis says why */
                { CDX("\"vulnerabilities\": [{\"id\": \"CVE-1\", \"analysis\": {\"state\": \"not_affected\"}, "
                      "\"affects\": [{\"ref\": \"pkg:npm/a\"}]}]"),
                  "v.json: vulnerabilities[0].analysis: a not_affected analysis needs a 'justification' or a 'detail'" },
                /* a bom-ref names one component */
                { CDX("\"components\": [{\"bom-ref\": \"c1\", \"purl\": \"pkg:npm/a\"}, {\"bom-ref\": \"g\", "
                      "\"components\": [{\"bom-ref\": \"c1\", \"purl\": \"pkg:npm/b\"}]}], "
                      CDX_VULN("CVE-1", "resolved", "{\"ref\": \"c1\"}")),
                  "v.json: components[1].components[0].bom-ref: 'c1' is also the bom-ref of components[0]; a bom-ref "
                  "names one component of a BOM (CycloneDX): make each one unique" },
                { CDX("\"components\": [{\"bom-ref\": \"c2\"}, {\"bom-ref\": \"c1\"}, {\"bom-ref\": \"c1\"}], "
                      CDX_VULN("CVE-1", "resolved", "{\"ref\": \"pkg:npm/a\"}")),
                  "v.json: components[2].bom-ref: 'c1' is also the bom-ref of components[1]; *" },
                { CDX(CDX_IMAGE ", \"components\": [{\"bom-ref\": \"img\", \"purl\": \"pkg:npm/a\"}], "
                      CDX_VULN("CVE-1", "resolved", "{\"ref\": \"img\"}")),
                  "v.json: components[0].bom-ref: 'img' is also the bom-ref of metadata.component; *" },
                /* OpenVEX's statement, product, subcomponent and vulnerability
                 * are closed: a misspelt key would widen the statement */
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                     "\"status\": \"fixed\", \"statu\": \"affected\"}"),
                  "v.json: statements[0]: 'statu' is not a field of an OpenVEX statement (@id, version, vulnerability, *" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"" OCI "\", "
                     "\"subcomponent\": [{\"@id\": \"pkg:npm/a\"}]}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0]: 'subcomponent' is not a field of an OpenVEX product (@id, "
                  "identifiers, hashes or subcomponents); correct or remove it" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"" OCI "\", "
                     "\"subcomponents\": [{\"@id\": \"pkg:npm/a\", \"purl\": \"pkg:npm/a\"}]}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].products[0].subcomponents[0]: 'purl' is not a field of an OpenVEX "
                  "subcomponent (@id, identifiers or hashes); correct or remove it" },
                { OV("{\"vulnerability\": {\"name\": \"CVE-1\", \"alias\": [\"CVE-2\"]}, \"products\": [{\"@id\": "
                     "\"pkg:npm/a\"}], \"status\": \"fixed\"}"),
                  "v.json: statements[0].vulnerability: 'alias' is not a field of an OpenVEX vulnerability (@id, name, "
                  "description or aliases); correct or remove it" },
                { CDX("\"metadata\": {\"component\": {\"purl\": \"pkg:/x\"}}, \"vulnerabilities\": []"),
                  "v.json: metadata.component.purl: 'pkg:/x' is not a package URL *" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(vex_freep) struct vex *v = vex_new();
                const char *good = OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": "
                                      "\"pkg:npm/a\"}], \"status\": \"fixed\"}");
                const char *star = strchr(rows[i].msg, '*');
                struct error err = {};
                bool ok;

                CHECK(vex_parse(v, good, strlen(good), "good.json", &err) == 0 && vex_statements(v) == 1);
                CHECK_MSG(vex_parse(v, rows[i].doc, strlen(rows[i].doc), "v.json", &err) == -EINVAL, "row %zu", i);
                if (!star)
                        ok = strcmp(err.msg, rows[i].msg) == 0;
                else if (star[1] == '\0')
                        ok = strncmp(err.msg, rows[i].msg, (size_t) (star - rows[i].msg)) == 0;
                else    /* "start*middle*": the start, and the middle somewhere */
                        ok = strncmp(err.msg, rows[i].msg, (size_t) (star - rows[i].msg)) == 0 &&
                             strstr(err.msg, "duplicate");
                CHECK_MSG(ok, "row %zu: '%s', want '%s'", i, err.msg, rows[i].msg);
                /* a document that fails adds nothing */
                CHECK_MSG(vex_statements(v) == 1, "row %zu: %zu statements", i, vex_statements(v));
        }
}

/* Caps: a list longer than VEX_LIST_MAX is refused, naming the list. */
static void test_caps(void) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        struct strbuf b = {};
        struct error err = {};

        strbuf_puts(&b, "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"timestamp\": \"2024-01-01T00:00:00Z\", "
                    "\"statements\": [");
        for (int i = 0; i <= VEX_LIST_MAX; i++)
                strbuf_printf(&b, "%s{}", i ? ", " : "");
        strbuf_puts(&b, "]}");
        CHECK(vex_parse(v, b.s, b.len, "big.json", &err) == -EINVAL);
        CHECK_STREQ(err.msg, "big.json: statements: has 10001 items, more than 10000");
        strbuf_done(&b);
}

/* vex_load(): the file named, and too large a file refused. */
static void test_load(void) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        const char *path = test_path(test_tmpdir(), "missing.json");
        struct error err = {};

        CHECK(vex_load(v, path, &err) < 0);
        CHECK_MSG(strstr(err.msg, "missing.json") != NULL, "%s", err.msg);
}

/* A fixed statement (CycloneDX: resolved) on a package without version
 * would suppress the finding in every version, the vulnerable one
 * installed too: it is left out and said, with the file, the statement
 * and what to write; a subcomponent of a package likewise; of an image
 * named by digest, not.  A document that fails takes its notes back. */
static void test_unversioned_fixed(void) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        struct error err = {};
        char *const *notes;
        const char *doc;
        size_t more = 1;

        doc = OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": "
                 "\"pkg:deb/debian/openssl?arch=amd64\"}, {\"@id\": \"pkg:deb/debian/zlib@1\"}], "
                 "\"status\": \"fixed\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-2\"}, \"products\": [{\"@id\": \"pkg:npm/app@1\", "
                 "\"subcomponents\": [{\"@id\": \"pkg:npm/%40scope/lodash\"}]}], \"status\": \"fixed\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-3\"}, \"products\": [{\"@id\": \"" OCI "\", "
                 "\"subcomponents\": [{\"@id\": \"pkg:apk/alpine/musl\"}]}], \"status\": \"fixed\"}, "
                 "{\"vulnerability\": {\"name\": \"CVE-4\"}, \"products\": [{\"@id\": \"pkg:npm/b\"}], "
                 "\"status\": \"not_affected\", \"justification\": \"component_not_present\"}");
        CHECK_MSG(vex_parse(v, doc, strlen(doc), "v.json", &err) == 0, "%s", err.msg);
        notes = vex_notes(v, &more);
        CHECK_MSG(strv_length((char **) notes) == 2 && more == 0, "%zu notes", strv_length((char **) notes));
        CHECK_STREQ(notes ? notes[0] : NULL,
                    "v.json: statements[0]: 'fixed' for pkg:deb/debian/openssl?arch=amd64, which names no version, is "
                    "left out: a fixed statement names the versions that have the fix, and this one would suppress "
                    "the finding in every version, the vulnerable ones too; name the fixed version "
                    "(pkg:deb/debian/openssl@VERSION?arch=amd64) or the image by digest");
        CHECK(notes && notes[1] && strstr(notes[1], "v.json: statements[1]: 'fixed' for pkg:npm/@scope/lodash, "));
        doc = CDX(CDX_VULN("CVE-5", "resolved", "{\"ref\": \"pkg:npm/lodash\"}"));
        CHECK_MSG(vex_parse(v, doc, strlen(doc), "c.json", &err) == 0, "%s", err.msg);
        notes = vex_notes(v, &more);
        CHECK(strv_length((char **) notes) == 3 && notes[2] &&
              startswith(notes[2], "c.json: vulnerabilities[0]: 'resolved' for pkg:npm/lodash, which names no version"));
        /* a document refused takes back what it noted */
        doc = OV("{\"vulnerability\": {\"name\": \"CVE-6\"}, \"products\": [{\"@id\": \"pkg:npm/c\"}], "
                 "\"status\": \"fixed\"}, {\"status\": \"fixd\"}");
        CHECK(vex_parse(v, doc, strlen(doc), "bad.json", &err) < 0);
        notes = vex_notes(v, &more);
        CHECK(strv_length((char **) notes) == 3);
        /* ... to none at all (the fuzzer's find: an empty list, not NULL) */
        _cleanup_(vex_freep) struct vex *w = vex_new();

        CHECK(vex_parse(w, doc, strlen(doc), "bad.json", &err) < 0);
        CHECK(vex_notes(w, &more) == NULL && more == 0);
}

/* A statement dated ahead of the clock outweighs every later one until
 * then: said once per document, and it still applies. */
static void test_future(void) {
        _cleanup_(vex_freep) struct vex *v = vex_new();
        struct error err = {};
        char *const *notes;
        size_t more = 1;
        const char *doc = OV("{\"vulnerability\": {\"name\": \"CVE-1\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                             "\"status\": \"not_affected\", \"justification\": \"component_not_present\", "
                             "\"timestamp\": \"2099-05-01T00:00:00Z\"}, "
                             "{\"vulnerability\": {\"name\": \"CVE-2\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                             "\"status\": \"affected\", \"last_updated\": \"2098-01-01T00:00:00+01:00\"}, "
                             "{\"vulnerability\": {\"name\": \"CVE-3\"}, \"products\": [{\"@id\": \"pkg:npm/a\"}], "
                             "\"status\": \"affected\"}");

        CHECK_MSG(vex_parse(v, doc, strlen(doc), "v.json", &err) == 0, "%s", err.msg);
        notes = vex_notes(v, &more);
        CHECK(strv_length((char **) notes) == 1 && more == 0);
        CHECK_STREQ(notes ? notes[0] : NULL,
                    "v.json: 2 statements are dated ahead of this node's clock (the latest 2099-05-01T00:00:00Z): the "
                    "latest statement decides, so they outweigh every statement until then, a correction too; correct "
                    "the timestamp, or the clock");
        CHECK(vex_statements(v) == 3);
}

int main(void) {
        test_openvex();
        test_cyclonedx();
        test_order();
        test_advisories();
        test_errors();
        test_caps();
        test_load();
        test_unversioned_fixed();
        test_future();
        return test_end();
}
