/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/strutil.h"
#include "ecosystem.h"

/* PEP 503: lower case, every run of '-', '_' and '.' one '-'. */
static void pep503(char *s) {
        char *o = s;

        for (const char *p = s; *p; p++) {
                if (*p == '-' || *p == '_' || *p == '.') {
                        if (o == s || o[-1] != '-')
                                *o++ = '-';
                        continue;
                }
                *o++ = tolower_ascii(*p);
        }
        *o = '\0';
}

/* NuGet ids and Composer names are case-insensitive, Bitnami's component
 * names lower case: kept in lower case. */
static void lower(char *s) {
        for (; *s; s++)
                *s = tolower_ascii(*s);
}

/* Maven records name "groupId:artifactId"; a jar known by its file name
 * alone has no groupId. */
static bool maven_identified(const char *name) {
        const char *colon = strchr(name, ':');

        return colon && colon > name && colon[1];
}

/* OSV ecosystem names (ossf/osv-schema, "Affected package" ecosystems).
 * Distribution ecosystems carry a release after a colon ("Debian:12",
 * "Ubuntu:Pro:18.04:LTS", "Alpine:v3.18", "Red Hat:enterprise_linux:9::appstream"),
 * so they match on the name before the first colon.
 *
 * Left out on purpose, because their ordering is not one we have:
 * Pub (pub_semver orders build metadata, SemVer 2.0 ignores it), Hackage,
 * CRAN, and anything we don't know. */
static const struct ecosystem ecosystems[] = {
        { "Debian",      VERSION_DPKG,   true,  "deb",    NULL },
        /* Canonical files what its Pro (ESM) updates fix under
         * "Ubuntu:Pro:<release>", once a release's standard support ends:
         * every version below such a fix is affected, the standard
         * archive's too (UBUNTU-CVE-2016-20013 names glibc of 16.04 there
         * alone). */
        { "Ubuntu",      VERSION_DPKG,   true,  "deb",    NULL, NULL, "Pro",
          .streams_why = "Ubuntu Pro's: universe packages, and every package once the release's standard "
                         "support ended" },
        { "Alpine",      VERSION_APK,    true,  "apk",    NULL },
        { "Wolfi",       VERSION_APK,    true,  "apk",    NULL },
        { "Chainguard",  VERSION_APK,    true,  "apk",    NULL },
        { "MinimOS",     VERSION_APK,    true,  "apk",    NULL },
        { "Alpaquita",   VERSION_APK,    true,  "apk",    NULL },
        /* RPM distributions' records name binary RPMs too: Red Hat's
         * name a binary or a source RPM (OSV's ecosystems.json), PyYAML
         * and python39-pyyaml in one record; SUSE's advisories list the
         * binaries of an update (libopenssl1_1, not openssl-1_1), and so
         * do AlmaLinux's and Rocky's errata (openssl-libs; numpy's
         * python39-numpy, which no source shares a name with).  Where a
         * feed names sources only, the binary's lookup finds nothing. */
        /* Red Hat's ecosystems are its products' CPEs, one per repository
         * ("Red Hat:enterprise_linux:9::baseos" is cpe:/o:redhat:
         * enterprise_linux:9::baseos): an image's packages come from its
         * release's BaseOS, AppStream and CodeReady Builder (UBI's
         * repositories are subsets of them), and which one an RPM came from
         * its database does not say, so each is looked up in all three. */
        /* From RHEL 10 on, a CPE names the minor release and no repository
         * ("cpe:/o:redhat:enterprise_linux:10.0", security-data-guidelines
         * /cpe): one ecosystem per minor.  Mainstream RHEL rolls forward
         * (UBI with it), so a 10.N image lacks what every later minor
         * fixed, and an earlier minor's fixes are below what it ships:
         * every RHEL 10 minor's records are looked up for it. */
        { "Red Hat",     VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true,
          .variants = (const char *const[]) { "baseos", "appstream", "crb", NULL },
          .streams_why = "a Red Hat image's packages come from its release's BaseOS, AppStream and CodeReady "
                         "Builder repositories, each its own ecosystem",
          .minors = (const char *const[]) { "enterprise_linux:10.", NULL },
          .minors_why = "Red Hat files each RHEL 10 minor release's fixes under its own ecosystem, and an image "
                        "lacks those of every minor release after its own" },
        { "Rocky Linux", VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "AlmaLinux",   VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "openSUSE",    VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "SUSE",        VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "Mageia",      VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "Azure Linux", VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "Photon OS",   VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "openEuler",   VERSION_RPM,    true,  "rpm",    NULL, .binary_names = true },
        { "PyPI",        VERSION_PEP440, false, "pypi",   pep503 },
        /* Registries whose versions are SemVer 2.0.0 (OSV range type
         * SEMVER), each read the way its own tool reads them. */
        { "npm",         VERSION_NPM,    false, "npm",    NULL },
        { "crates.io",   VERSION_SEMVER, false, "cargo",  NULL },
        { "Go",          VERSION_GO,     false, "golang", NULL },
        { "Hex",         VERSION_SEMVER, false, "hex",    NULL },
        { "Maven",       VERSION_MAVEN,  false, "maven",  NULL, maven_identified },
        { "RubyGems",    VERSION_GEM,    false, "gem",    NULL },
        { "Packagist",   VERSION_COMPOSER, false, "composer", lower },
        { "NuGet",       VERSION_NUGET,  false, "nuget",  lower },
        /* Bitnami's own builds (/opt/bitnami/<component>, its vulndb): its
         * SEMVER ranges in its own order (version-bitnami.c), names the
         * components' in lower case. */
        { "Bitnami",     VERSION_BITNAMI, false, "bitnami", lower },
};

/* Matches "Name" and "Name:anything".  OSV spells names in one way, but
 * people type "debian:12" too, and no two names differ only in case. */
static bool name_matches(const char *ecosystem, const char *name) {
        size_t n = strlen(name);

        return strncasecmp(ecosystem, name, n) == 0 && (ecosystem[n] == '\0' || ecosystem[n] == ':');
}

const struct ecosystem *ecosystem_find(const char *osv_name) {
        for (size_t i = 0; osv_name && i < ELEMENTSOF(ecosystems); i++)
                if (name_matches(osv_name, ecosystems[i].name))
                        return &ecosystems[i];
        return NULL;
}

char *ecosystem_canonical(const char *osv_name) {
        const struct ecosystem *e = ecosystem_find(osv_name);
        const char *colon = strchr(osv_name, ':');
        char *s;

        if (!e)
                return strdup(osv_name);
        return asprintf(&s, "%s%s", e->name, e->distro && colon ? colon : "") < 0 ? NULL : s;
}

/* "Red Hat:enterprise_linux:9::baseos": its first variant's siblings, the
 * release up to the last "::" kept. */
static int variant_streams(const struct ecosystem *e, const char *release, char ***ret) {
        const char *v = NULL;

        for (const char *p = strstr(release, "::"); p; p = strstr(p + 1, "::"))
                v = p;
        if (!v || strcasecmp(v + 2, e->variants[0]) != 0)
                return 0;
        for (const char *const *s = e->variants + 1; *s; s++)
                if (strv_pushf(ret, "%s%.*s::%s", e->name, (int) (v - release), release, *s) < 0)
                        return -ENOMEM;
        return (int) strv_length(*ret);
}

int ecosystem_streams(const char *ecosystem, char ***ret) {
        const struct ecosystem *e = ecosystem_find(ecosystem);
        const char *release = ecosystem ? strchr(ecosystem, ':') : NULL;
        size_t n;

        *ret = NULL;
        if (!e || !release)
                return 0;
        if (e->variants)
                return variant_streams(e, release, ret);
        if (!e->stream)
                return 0;
        n = strlen(e->stream);
        if (strncasecmp(release + 1, e->stream, n) == 0 && release[1 + n] == ':')
                return 0;
        return strv_pushf(ret, "%s:%s%s", e->name, e->stream, release) < 0 ? -ENOMEM : 1;
}

const char *ecosystem_streams_why(const char *ecosystem) {
        const struct ecosystem *e = ecosystem_find(ecosystem);

        return e ? e->streams_why : NULL;
}

/* "10.1" after the release's prefix: 1.  Digits only, no leading zero
 * (OSV's names are Red Hat's CPEs, which write none). */
static int minor_of(const char *s) {
        size_t n = strspn(s, "0123456789");
        int v = 0;

        if (n == 0 || n > 3 || s[n] != '\0' || (n > 1 && s[0] == '0'))
                return -ENOENT;
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (s[i] - '0');
        return v <= ECOSYSTEM_MINOR_MAX ? v : -ENOENT;
}

int ecosystem_minor(const char *ecosystem, char **ret_prefix) {
        const struct ecosystem *e = ecosystem_find(ecosystem);
        const char *release = ecosystem ? strchr(ecosystem, ':') : NULL;

        for (const char *const *m = e && release ? e->minors : NULL; m && *m; m++) {
                size_t n = strlen(*m);
                int v;

                if (strncmp(release + 1, *m, n) != 0 || (v = minor_of(release + 1 + n)) < 0)
                        continue;
                if (ret_prefix && asprintf(ret_prefix, "%s:%s", e->name, *m) < 0)
                        return -ENOMEM;
                return v;
        }
        return -ENOENT;
}

const char *ecosystem_minors_why(const char *ecosystem) {
        const struct ecosystem *e = ecosystem_find(ecosystem);

        return e ? e->minors_why : NULL;
}

const struct ecosystem *ecosystem_from_purl_type(const char *type) {
        for (size_t i = 0; type && i < ELEMENTSOF(ecosystems); i++)
                if (strcmp(ecosystems[i].purl_type, type) == 0)
                        return &ecosystems[i];
        return NULL;
}

bool ecosystem_has_purl_type(const char *ecosystem, const char *type) {
        const struct ecosystem *e = ecosystem_find(ecosystem);

        return e && type && strcmp(e->purl_type, type) == 0;
}

char *ecosystem_package_name(const char *ecosystem, const char *name) {
        const struct ecosystem *e = ecosystem_find(ecosystem);
        char *s = strdup(name);

        if (s && e && e->normalize)
                e->normalize(s);
        return s;
}
