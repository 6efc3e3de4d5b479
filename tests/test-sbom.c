/* SPDX-License-Identifier: Apache-2.0 */
/* CycloneDX: purls read back (purl-spec's parsing rules), SBOM components
 * as packages (ours and other tools' shapes), errors naming the field, and
 * the renderer's vulnerabilities, ratings and VEX analysis. */
#include <jansson.h>

#include "base/strutil.h"
#include "match.h"
#include "report.h"
#include "sbom.h"
#include "test.h"

static const struct {
        const char *in;
        const char *type, *ns, *name, *version, *arch, *distro, *epoch, *upstream;
} purls[] = {
        { "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12", "deb", "debian", "libcurl4",
          "7.88.1-10+deb12u3", "amd64", "debian-12", NULL, NULL },
        { "pkg:deb/debian/login@1%3A4.13?distro=debian-12", "deb", "debian", "login", "1:4.13", NULL, "debian-12",
          NULL, NULL },
        { "pkg:rpm/rocky/bash@5.1-6.el9?arch=x86_64&epoch=1&distro=rocky-9.3", "rpm", "rocky", "bash", "5.1-6.el9",
          "x86_64", "rocky-9.3", "1", NULL },
        { "pkg:npm/%40babel/parser@7.23.6", "npm", "@babel", "parser", "7.23.6", NULL, NULL, NULL, NULL },
        { "pkg:golang/github.com/opencontainers/runc@v1.1.12#sub", "golang", "github.com/opencontainers", "runc",
          "v1.1.12", NULL, NULL, NULL, NULL },
        { "PKG:PyPI/pyyaml@6.0.1", "pypi", NULL, "pyyaml", "6.0.1", NULL, NULL, NULL, NULL },
        { "pkg://maven/org.example/lib@1.0?Upstream=x%40y", "maven", "org.example", "lib", "1.0", NULL, NULL, NULL,
          "x@y" },
        { "pkg:gem/rack", "gem", NULL, "rack", NULL, NULL, NULL, NULL, NULL },
        { "pkg:npm/@scope/name", "npm", "@scope", "name", NULL, NULL, NULL, NULL, NULL },
        { "npm/x@1", NULL },
        { "pkg:x", NULL },
        { "pkg:/x@1", NULL },
        { "pkg:npm/x@1%zz", NULL },
        { "pkg:npm/x@1%00", NULL },
        { "pkg:npm/@1", NULL },
        { "pkg:npm/x@1?novalue", NULL },
        { "pkg:9x/x@1", NULL },
};

static void test_purls(void) {
        for (size_t i = 0; i < sizeof(purls) / sizeof(purls[0]); i++) {
                struct purl p = {};
                struct error err = {};
                int r = purl_parse(purls[i].in, &p, &err);

                CHECK_MSG((r == 0) == !!purls[i].type, "%s: %d %s", purls[i].in, r, err.msg);
                if (r < 0 || !purls[i].type)
                        continue;
                CHECK_STREQ(p.type, purls[i].type);
                CHECK_MSG(streq_ptr(p.namespace, purls[i].ns), "%s: namespace %s", purls[i].in, p.namespace);
                CHECK_STREQ(p.name, purls[i].name);
                CHECK_MSG(streq_ptr(p.version, purls[i].version), "%s: version %s", purls[i].in, p.version);
                CHECK_MSG(streq_ptr(p.arch, purls[i].arch) && streq_ptr(p.distro, purls[i].distro) &&
                          streq_ptr(p.epoch, purls[i].epoch) && streq_ptr(p.upstream, purls[i].upstream),
                          "%s: qualifiers", purls[i].in);
                purl_done(&p);
        }
}

#define DOC(components) "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [" components "]}"
/* components of the document's subject (metadata.component), beside others */
#define DOC_SUBJECT(subject, components)                                                                       \
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"metadata\": {\"component\": {\"type\": "      \
        "\"container\", \"name\": \"app\", \"components\": [" subject "]}}, \"components\": [" components "]}"

/* One component → one package, or an unmapped item, or an error. */
static const struct {
        const char *doc;
        const char *name, *version, *source_name, *source_version, *ecosystem;
        const char *error;      /* a part of the message; NULL: parses */
        size_t unmapped;
} docs[] = {
        /* Syft: the upstream qualifier names the source package */
        { DOC("{\"type\": \"library\", \"name\": \"libssl3\", \"purl\": \"pkg:deb/debian/libssl3@3.0.11-1?"
              "upstream=openssl&distro=debian-12\"}"), "libssl3", "3.0.11-1", "openssl", "3.0.11-1", "Debian:12" },
        { DOC("{\"type\": \"library\", \"name\": \"libssl3\", \"purl\": \"pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1?"
              "upstream=openssl%403.0.2-0ubuntu1.10&distro=ubuntu-22.04\"}"), "libssl3", "3.0.2-0ubuntu1", "openssl",
          "3.0.2-0ubuntu1.10", "Ubuntu:22.04:LTS" },
        /* Trivy: properties, the OS component, no distro qualifier */
        { DOC("{\"type\": \"operating-system\", \"name\": \"alpine\", \"version\": \"3.18.4\"},"
              "{\"type\": \"library\", \"name\": \"libcrypto3\", \"purl\": \"pkg:apk/alpine/libcrypto3@3.1.4-r0\","
              "\"properties\": [{\"name\": \"aquasecurity:trivy:SrcName\", \"value\": \"openssl\"}]}"),
          "libcrypto3", "3.1.4-r0", "openssl", "3.1.4-r0", "Alpine:v3.18" },
        /* ours: the rpm epoch back into the version, our properties */
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/rocky/bash@5.1-6.el9?epoch=1&"
              "distro=rocky-9.3\", \"properties\": [{\"name\": \"portcullis:source_name\", \"value\": \"bash-src\"}]}"),
          "bash", "1:5.1-6.el9", "bash-src", "1:5.1-6.el9", "Rocky Linux:9" },
        /* a codename as the distro */
        { DOC("{\"type\": \"library\", \"name\": \"tar\", \"purl\": \"pkg:deb/debian/tar@1.34?distro=bookworm\"}"),
          "tar", "1.34", "tar", "1.34", "Debian:12" },
        /* an OS we can't name: kept, without an ecosystem (not checked, as for a rootfs) */
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/fedora/bash@5.2-1.fc39?distro=fedora-39\"}"),
          "bash", "5.2-1.fc39", "bash", "5.2-1.fc39", NULL },
        /* Red Hat's vendor namespace (its own SBOMs, Syft), the distro
         * as we write it or as Trivy does, or os-release's ID */
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.1-6.el9?distro=rhel-9.4\"}"),
          "bash", "5.1-6.el9", "bash", "5.1-6.el9", "Red Hat:enterprise_linux:9::baseos" },
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.1-6.el9?distro=redhat-9.4\"}"),
          "bash", "5.1-6.el9", "bash", "5.1-6.el9", "Red Hat:enterprise_linux:9::baseos" },
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/rhel/bash@5.1-6.el9?distro=rhel-8.10\"}"),
          "bash", "5.1-6.el9", "bash", "5.1-6.el9", "Red Hat:enterprise_linux:8::baseos" },
        /* RHEL 10 names the minor release, as Trivy's distro does */
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.2.26-6.el10?distro=rhel-10.1\"}"),
          "bash", "5.2.26-6.el10", "bash", "5.2.26-6.el10", "Red Hat:enterprise_linux:10.1" },
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.2.26-6.el10?distro=redhat-10.1\"}"),
          "bash", "5.2.26-6.el10", "bash", "5.2.26-6.el10", "Red Hat:enterprise_linux:10.1" },
        { DOC("{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.2.26-6.el10?distro=rhel-10\"}"),
          "bash", "5.2.26-6.el10", "bash", "5.2.26-6.el10", NULL },
        /* the document's OS component as os-release's ID, the purls Red Hat's */
        { DOC("{\"type\": \"operating-system\", \"name\": \"rhel\", \"version\": \"9.4\"},"
              "{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/redhat/bash@5.1-6.el9?arch=x86_64\"}"),
          "bash", "5.1-6.el9", "bash", "5.1-6.el9", "Red Hat:enterprise_linux:9::baseos" },
        /* language packages: the name as the ecosystem spells it */
        { DOC("{\"type\": \"library\", \"name\": \"PyYAML\", \"purl\": \"pkg:pypi/pyyaml@6.0.1\"}"), "PyYAML", "6.0.1",
          "pyyaml", "6.0.1", "PyPI" },
        { DOC("{\"type\": \"library\", \"group\": \"org.example\", \"name\": \"lib\", \"purl\": "
              "\"pkg:maven/org.example/lib@1.0\"}"), "org.example:lib", "1.0", "org.example:lib", "1.0", "Maven" },
        { DOC("{\"type\": \"library\", \"name\": \"parser\", \"purl\": \"pkg:npm/%40babel/parser@7.23.6\"}"),
          "@babel/parser", "7.23.6", "@babel/parser", "7.23.6", "npm" },
        { DOC("{\"type\": \"library\", \"name\": \"x\", \"components\": [{\"type\": \"library\", \"name\": \"runc\","
              "\"purl\": \"pkg:golang/github.com/opencontainers/runc@v1.1.12\"}], \"purl\": \"pkg:conan/x@1\"}"),
          "github.com/opencontainers/runc", "v1.1.12", "github.com/opencontainers/runc", "v1.1.12", "Go", NULL, 1 },
        /* Go's standard library by its toolchain's name (go1.21.7), as OSV's records give it (1.21.7) */
        { DOC("{\"type\": \"library\", \"name\": \"stdlib\", \"purl\": \"pkg:golang/stdlib@go1.21.7\"}"),
          "stdlib", "1.21.7", "stdlib", "1.21.7", "Go" },
        { DOC("{\"type\": \"library\", \"name\": \"stdlib\", \"purl\": \"pkg:golang/stdlib@1.21.7\"}"),
          "stdlib", "1.21.7", "stdlib", "1.21.7", "Go" },
        /* the document's OS for a purl of its type without namespace or distro */
        { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"},"
              "{\"type\": \"library\", \"name\": \"tar\", \"purl\": \"pkg:deb/tar@1.34\"}"),
          "tar", "1.34", "tar", "1.34", "Debian:12" },
        /* never another type's: a pkg:deb in an Alpine document, a pkg:apk
         * in a Debian one, a pkg:deb naming Alpine (not checked, listed) */
        { DOC("{\"type\": \"operating-system\", \"name\": \"alpine\", \"version\": \"3.18.4\"},"
              "{\"type\": \"library\", \"name\": \"openssl\", \"purl\": \"pkg:deb/openssl@3.0.11-1\"}"),
          NULL, .unmapped = 1 },
        { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"},"
              "{\"type\": \"library\", \"name\": \"musl\", \"purl\": \"pkg:apk/musl@1.2.4-r1\"}"),
          NULL, .unmapped = 1 },
        { DOC("{\"type\": \"library\", \"name\": \"x\", \"purl\": \"pkg:deb/alpine/x@1?distro=alpine-3.18.4\"}"),
          NULL, .unmapped = 1 },
        /* the subject's components are packages too (CycloneDX allows them
         * under metadata.component), its operating-system component the OS */
        { DOC_SUBJECT("{\"type\": \"library\", \"name\": \"libssl3\", \"purl\": \"pkg:deb/debian/libssl3@3.0.11-1?"
                      "upstream=openssl&distro=debian-12\"}", ""),
          "libssl3", "3.0.11-1", "openssl", "3.0.11-1", "Debian:12" },
        { DOC_SUBJECT("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"}, "
                      "{\"type\": \"application\", \"name\": \"a\", \"components\": [{\"type\": \"library\", \"name\": "
                      "\"tar\", \"purl\": \"pkg:deb/tar@1.34\"}]}", ""),
          "tar", "1.34", "tar", "1.34", "Debian:12", NULL, 1 },
        { DOC_SUBJECT("{\"type\": \"library\", \"name\": \"z\", \"purl\": \"pkg:conan/zlib@1.3\"}", ""), NULL,
          .unmapped = 1 },
        /* an operating-system component with a package's purl is that
         * package; the document's OS named by a purl of no package is the OS */
        { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"},"
              "{\"type\": \"operating-system\", \"name\": \"perl-base\", \"purl\": \"pkg:deb/debian/perl-base@5.36.0-7?"
              "upstream=perl&distro=debian-12\"}"), "perl-base", "5.36.0-7", "perl", "5.36.0-7", "Debian:12" },
        { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\", \"purl\": "
              "\"pkg:generic/debian@12\"}"), NULL },
        { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"},"
              "{\"type\": \"operating-system\", \"name\": \"x\", \"purl\": \"pkg:generic/x@1\"}"), NULL,
          .unmapped = 1 },
        /* not mapped, listed */
        { DOC("{\"type\": \"library\", \"name\": \"z\", \"purl\": \"pkg:conan/zlib@1.3\"}"), NULL, .unmapped = 1 },
        { DOC("{\"type\": \"application\", \"name\": \"z\"}, {\"type\": \"file\", \"name\": \"f\"}"), NULL,
          .unmapped = 1 },
        /* malformed */
        { "[]", .error = "t.json: the document: must be a JSON object" },
        { "{\"bomFormat\": \"CycloneDX\"}", .error = "t.json: specVersion" },
        { DOC("{\"type\": \"library\", \"name\": \"x\", \"purl\": \"x\"}"),
          .error = "t.json: components[0]: 'purl' 'x' is not a package URL" },
        { DOC("{\"type\": 3}"), .error = "t.json: components[0]: 'type' must be a string" },
        { DOC_SUBJECT("{\"type\": \"library\", \"name\": \"x\", \"purl\": \"x\"}", ""),
          .error = "t.json: metadata.component.components[0]: 'purl' 'x' is not a package URL" },
        { DOC("{\"type\": \"library\", \"name\": \"x\", \"purl\": \"pkg:npm/x@1\", \"properties\": {}}"),
          .error = "t.json: components[0]: 'properties' must be an array" },
        { DOC("{\"type\": \"operating-system\", \"name\": \"Debian GNU\"}"),
          .error = "t.json: components[0]: an operating-system component's name" },
        { DOC("{\"type\": \"library\", \"name\": \"x\", \"purl\": \"pkg:deb/debian/x@1%0A\"}"),
          .error = "printable" },
};

static void test_docs(void) {
        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                struct sbom *s = NULL;
                struct error err = {};
                int r = sbom_cyclonedx_parse(docs[i].doc, strlen(docs[i].doc), "t.json", &s, &err);

                if (docs[i].error) {
                        CHECK_MSG(r == -EINVAL && strstr(err.msg, docs[i].error), "row %zu: %d %s", i, r, err.msg);
                        continue;
                }
                CHECK_MSG(r == 0, "row %zu: %s", i, err.msg);
                if (r < 0)
                        continue;
                CHECK_MSG(s->n_unmapped == docs[i].unmapped, "row %zu: %zu unmapped", i, s->n_unmapped);
                CHECK_MSG(s->inv->n_pkgs == (docs[i].name ? 1 : 0), "row %zu: %zu packages", i, s->inv->n_pkgs);
                /* what messages say the OS came from */
                if (strstr(docs[i].doc, "operating-system"))
                        CHECK_STREQ(os_info_origin(&s->inv->os), "the SBOM's operating-system component");
                if (docs[i].name && s->inv->n_pkgs == 1) {
                        const struct package *p = &s->inv->pkgs[0];

                        CHECK_STREQ(p->name, docs[i].name);
                        CHECK_STREQ(p->version, docs[i].version);
                        CHECK_STREQ(p->source_name, docs[i].source_name);
                        CHECK_STREQ(p->source_version, docs[i].source_version);
                        CHECK_MSG(streq_ptr(p->ecosystem, docs[i].ecosystem), "row %zu: ecosystem %s", i,
                                  p->ecosystem);
                }
                sbom_free(s);
        }
}

/* Without an operating-system component, the first distribution purl that
 * names an OS of its own type stands for it, for every package whatever
 * their order: found before any package is read, so that our rendering of
 * the inventory (which has the OS first) reads back the same (found by
 * libFuzzer: corpus/sbom-cyclonedx/crash-os-from-second-purl and
 * crash-purl-os-order). */
static void test_os_from_purl(void) {
        static const char *const docs_os[] = {
                DOC("{\"purl\": \"pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.18.4\"}, {\"purl\": \"pkg:deb/x@1\"}"),
                DOC("{\"purl\": \"pkg:deb/x@1\"}, {\"purl\": \"pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.18.4\"}"),
        };

        for (size_t i = 0; i < ELEMENTSOF(docs_os); i++) {
                struct sbom *s = NULL;
                struct error err = {};

                CHECK_MSG(sbom_cyclonedx_parse(docs_os[i], strlen(docs_os[i]), "t.json", &s, &err) == 0, "%s", err.msg);
                if (!s)
                        continue;
                CHECK_MSG(streq_ptr(s->inv->os.id, "alpine"), "doc %zu: os %s", i, s->inv->os.id);
                /* Alpine is the OS: a pkg:deb is none of its packages (test_foreign_type()) */
                CHECK(s->inv->n_pkgs == 1 && s->n_unmapped == 1);
                if (s->inv->n_pkgs == 1)
                        CHECK(streq_ptr(s->inv->pkgs[0].ecosystem, "Alpine:v3.18"));
                sbom_free(s);
        }
}

/* A distribution package of another purl type than the OS it would be
 * counted under is listed as not checked, saying why; the document's OS
 * stays the first purl of its own type's. */
static void test_foreign_type(void) {
        static const char doc[] =
                DOC("{\"type\": \"library\", \"name\": \"musl\", \"purl\": \"pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.18.4\"},"
                    "{\"type\": \"library\", \"name\": \"bash\", \"purl\": \"pkg:rpm/bash@5.1\"}");
        struct sbom *s = NULL;
        struct error err = {};

        CHECK_MSG(sbom_cyclonedx_parse(doc, strlen(doc), "t.json", &s, &err) == 0, "%s", err.msg);
        if (!s)
                return;
        CHECK(streq_ptr(s->inv->os.id, "alpine") && s->inv->n_pkgs == 1 && s->n_unmapped == 1);
        CHECK_STREQ(os_info_origin(&s->inv->os), "the first distribution package's purl");
        if (s->n_unmapped == 1) {
                CHECK_STREQ(s->unmapped[0].subject, "pkg:rpm/bash@5.1");
                CHECK(strstr(s->unmapped[0].reason, "purl type 'rpm' can't be one of Alpine:v3.18") != NULL);
        }
        sbom_free(s);
}

/* pkg:deb and pkg:apk components that name no source package are
 * compared by their own name: where none of their type in the document
 * names one (and no tool that names them only where they differ wrote
 * it), one incomplete item per type says how many, not checked. */
static void test_no_source(void) {
#define DEB(name, q) "{\"type\": \"library\", \"name\": \"" name "\", \"purl\": \"pkg:deb/debian/" name "@1.0-1?distro=debian-12" q "\"}"
#define APK(name, q) "{\"type\": \"library\", \"name\": \"" name "\", \"purl\": \"pkg:apk/alpine/" name "@1.0-r0?distro=3.18.4" q "\"}"
#define TOOLS(t) "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"metadata\": {\"tools\": " t "}, \"components\": [" DEB("libc6", "") "]}"
        static const struct {
                const char *doc;
                size_t deb, apk;        /* no_source */
                const char *reason;     /* of the first unchecked item, or NULL for none */
                const char *no_data;    /* an ecosystem the match found no record of, or NULL */
                size_t counted;         /* the item's packages, when not deb + apk */
        } rows[] = {
                { DOC(DEB("libc6", "") "," DEB("bash", "")), 2, 0,
                  "2 name no source package (no upstream qualifier, no portcullis:source_name or "
                  "aquasecurity:trivy:SrcName property), and none in the SBOM does, so each was compared by its own "
                  "name: advisories filed under a source package of another name (glibc for libc6) are not matched "
                  "to them; write the SBOM with a tool that names source packages (portcullis inventory --format "
                  "cyclonedx, Syft, Trivy)" },
                /* the document names them where they differ: the others are their own */
                { DOC(DEB("libc6", "&upstream=glibc") "," DEB("bash", "")), 0, 0, NULL },
                { DOC(DEB("libc6", "") ",{\"type\": \"library\", \"name\": \"libssl3\", \"purl\": "
                      "\"pkg:deb/debian/libssl3@3.0.11-1?distro=debian-12\", \"properties\": [{\"name\": "
                      "\"aquasecurity:trivy:SrcName\", \"value\": \"openssl\"}]}"), 0, 0, NULL },
                /* per type */
                { DOC(DEB("libc6", "&upstream=glibc") "," APK("musl", "") "," APK("busybox", "")), 0, 2,
                  "2 name no source package" },
                /* tools that name sources only where they differ: Syft (1.5's
                 * form), Portcullis (1.4's array) */
                { TOOLS("{\"components\": [{\"type\": \"application\", \"name\": \"syft\", \"version\": \"1.0\"}]}"), 0,
                  0, NULL },
                { TOOLS("[{\"vendor\": \"x\", \"name\": \"portcullis\"}]"), 0, 0, NULL },
                { TOOLS("[{\"name\": \"other\"}]"), 1, 0, "1 name no source package" },
                /* not compared with records at all: said otherwise (unmapped, unknown OS) */
                { DOC("{\"type\": \"operating-system\", \"name\": \"debian\", \"version\": \"12\"},"
                      "{\"type\": \"library\", \"name\": \"musl\", \"purl\": \"pkg:apk/musl@1.0-r0\"}"), 0, 0, NULL },
                { DOC("{\"type\": \"library\", \"name\": \"musl\", \"purl\": \"pkg:apk/alpine/musl@1.0-r0\"},"
                      DEB("libc6", "")), 1, 0, "1 name no source package" },
                { DOC(DEB("rhel", "&distro=rhel-9")), 0, 0, NULL },
                /* an ecosystem of no record: not checked at all, counted once (no_data), not twice */
                { DOC(DEB("libc6", "") "," DEB("bash", "")), 2, 0, NULL, "Debian:12" },
                { DOC(DEB("libc6", "") "," APK("musl", "")), 1, 1, "1 name no source package", "Debian:12", 1 },
        };
#undef DEB
#undef APK
#undef TOOLS

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
                struct sbom *s = NULL;
                struct error err = {};
                const struct unchecked *u = NULL;

                CHECK_MSG(sbom_cyclonedx_parse(rows[i].doc, strlen(rows[i].doc), "t.json", &s, &err) == 0,
                          "row %zu: %s", i, err.msg);
                if (!s || !res)
                        continue;
                CHECK_MSG(s->no_source[SBOM_BY_SOURCE_DEB] == rows[i].deb && s->no_source[SBOM_BY_SOURCE_APK] ==
                          rows[i].apk, "row %zu: deb %zu apk %zu", i, s->no_source[SBOM_BY_SOURCE_DEB],
                          s->no_source[SBOM_BY_SOURCE_APK]);
                if (rows[i].no_data)
                        CHECK(scan_result_add_unchecked(res, UNCHECKED_NO_DATA, rows[i].no_data, 2, "no record") == 0);
                CHECK(sbom_add_unchecked(s, s->inv, res) == 0);
                for (size_t k = 0; k < res->n_unchecked && !u; k++)
                        if (res->unchecked[k].kind == UNCHECKED_INCOMPLETE)
                                u = &res->unchecked[k];
                CHECK_MSG(!u == !rows[i].reason, "row %zu: %s", i, u ? u->reason : "no item");
                if (u && rows[i].reason) {
                        CHECK_MSG(startswith(u->reason, rows[i].reason), "row %zu: %s", i, u->reason);
                        CHECK_STREQ(u->subject, rows[i].deb && !rows[i].no_data ? "pkg:deb components"
                                                                                 : "pkg:apk components");
                        CHECK_MSG(u->packages == (rows[i].counted ? rows[i].counted : rows[i].deb + rows[i].apk),
                                  "row %zu: %zu packages", i, u->packages);
                }
                sbom_free(s);
        }
}

static json_t *vuln_of(json_t *doc, size_t i) {
        return json_array_get(json_object_get(doc, "vulnerabilities"), i);
}

/* The renderer: ratings, affects with the fixed version, and the VEX
 * analysis of suppressed findings, mapped to CycloneDX's words. */
static void test_render(void) {
        struct inventory *inv = inventory_new();
        struct package p = { .name = strdup("libcurl4"), .version = strdup("7.88.1-10"), .source_name = strdup("curl"),
                             .source_version = strdup("7.88.1-10"), .ecosystem = strdup("Debian:12"),
                             .purl = strdup("pkg:deb/debian/libcurl4@7.88.1-10?distro=debian-12"),
                             .origin_file = strdup("/var/lib/dpkg/status") };
        struct finding f[3] = {
                { .id = "A-1", .package = "libcurl4", .ecosystem = "Debian:12", .path = "/var/lib/dpkg/status",
                  .installed_version = "7.88.1-10", .fixed_version = "7.88.1-11", .severity = SEVERITY_CRITICAL,
                  .severity_source = "cvss_v3", .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                  .cvss_score = 9.8, .cvss_version = 31, .epss = -1, .epss_percentile = -1,
                  .vex_status = "not_affected", .vex_justification = "vulnerable_code_not_in_execute_path",
                  .vex_source = "vex.json" },
                { .id = "A-2", .package = "libcurl4", .ecosystem = "Debian:12", .path = "/var/lib/dpkg/status",
                  .installed_version = "7.88.1-10", .severity = SEVERITY_LOW, .severity_source = "debian",
                  .cvss_score = -1, .epss = 0.5, .epss_percentile = 0.9, .kev = true, .vex_status = "fixed",
                  .vex_justification = "backported in 7.88.1-10" },
                { .id = "A-3", .package = "libcurl4", .ecosystem = "Debian:12", .path = "/var/lib/dpkg/status",
                  .installed_version = "7.88.1-10", .severity = SEVERITY_UNKNOWN, .cvss_score = -1, .epss = -1,
                  .epss_percentile = -1 },
        };
        struct scan_result res = { .findings = f, .n_findings = 3, .db_revision = "sha256:abc",
                                   .db_time = "2024-01-01T00:00:00Z" };
        struct report_target t = { .name = "docker.io/library/debian:12", .digest = "sha256:"
                                   "a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72", .inv = inv,
                                   .res = &res };
        struct error err = {};
        char *out = NULL;
        json_t *doc, *v, *a;

        CHECK(inventory_add(inv, &p) == 0);
        CHECK(report_render(report_format_find("cyclonedx"), &t, &out, &err) == 0);
        doc = out ? json_loads(out, 0, NULL) : NULL;
        CHECK(doc != NULL);
        if (!doc)
                goto done;
        CHECK_STREQ(json_string_value(json_object_get(doc, "specVersion")), "1.6");
        CHECK(startswith(json_string_value(json_object_get(doc, "serialNumber")), "urn:uuid:"));
        CHECK_STREQ(json_string_value(json_object_get(json_object_get(json_object_get(doc, "metadata"), "component"),
                                                      "purl")),
                    "pkg:oci/debian@sha256%3Aa187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72"
                    "?repository_url=docker.io%2Flibrary%2Fdebian&tag=12");
        v = vuln_of(doc, 0);
        a = json_object_get(v, "analysis");
        CHECK_STREQ(json_string_value(json_object_get(a, "state")), "not_affected");
        CHECK_STREQ(json_string_value(json_object_get(a, "justification")), "code_not_reachable");
        CHECK_STREQ(json_string_value(json_object_get(a, "detail")),
                    "vulnerable_code_not_in_execute_path (VEX document vex.json)");
        a = json_array_get(json_object_get(v, "ratings"), 0);
        CHECK_STREQ(json_string_value(json_object_get(a, "method")), "CVSSv31");
        CHECK_STREQ(json_string_value(json_object_get(a, "severity")), "critical");
        a = json_array_get(json_object_get(v, "affects"), 0);
        CHECK_STREQ(json_string_value(json_object_get(a, "ref")), "pkg:deb/debian/libcurl4@7.88.1-10?distro=debian-12");
        CHECK_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(a, "versions"), 1), "status")),
                    "unaffected");
        CHECK_STREQ(json_string_value(json_object_get(v, "recommendation")), "Upgrade libcurl4 to 7.88.1-11 or later");

        v = vuln_of(doc, 1);
        a = json_object_get(v, "analysis");
        CHECK_STREQ(json_string_value(json_object_get(a, "state")), "resolved");
        CHECK(json_object_get(a, "justification") == NULL);     /* free text: detail only */
        CHECK_STREQ(json_string_value(json_object_get(a, "detail")), "backported in 7.88.1-10");
        a = json_array_get(json_object_get(v, "ratings"), 0);
        CHECK_STREQ(json_string_value(json_object_get(json_object_get(a, "source"), "name")), "debian");
        CHECK_STREQ(json_string_value(json_object_get(a, "severity")), "low");
        CHECK(strstr(out, "\"portcullis:kev\"") && strstr(out, "\"portcullis:epss_percentile\""));

        v = vuln_of(doc, 2);
        CHECK(json_object_get(v, "analysis") == NULL && json_object_get(v, "recommendation") == NULL);
        CHECK_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(v, "ratings"), 0), "severity")),
                    "unknown");
        CHECK(strstr(out, "\"portcullis:db_revision\"") && strstr(out, "\"sha256:abc\""));
        json_decref(doc);
done:
        free(out);
        inventory_free(inv);
}

int main(void) {
        test_purls();
        test_docs();
        test_os_from_purl();
        test_foreign_type();
        test_no_source();
        test_render();
        return test_end();
}
