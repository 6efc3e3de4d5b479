/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/strutil.h"
#include "version.h"

static const char *const kind_names[_VERSION_KIND_MAX] = {
        [VERSION_DPKG] = "deb",
        [VERSION_APK] = "apk",
        [VERSION_RPM] = "rpm",
        [VERSION_SEMVER] = "semver",
        [VERSION_PEP440] = "pypi",
        [VERSION_MAVEN] = "maven",
        [VERSION_GEM] = "gem",
};

/* OSV ecosystem names (ossf/osv-schema, "Affected package" ecosystems).
 * Distribution ecosystems carry a release after a colon ("Debian:12",
 * "Ubuntu:Pro:18.04:LTS", "Alpine:v3.18", "Red Hat:enterprise_linux:9::appstream"),
 * so they match on the name before the first colon.
 *
 * Left out on purpose, because their ordering is not one we have:
 * NuGet (four-part versions, case-insensitive labels), Pub (pub_semver
 * orders build metadata, SemVer 2.0 ignores it), Packagist, Hackage, CRAN,
 * Bitnami, and anything we don't know. */
static const struct {
        const char *name;
        enum version_kind kind;
} ecosystems[] = {
        { "Debian",      VERSION_DPKG },
        { "Ubuntu",      VERSION_DPKG },
        { "Alpine",      VERSION_APK },
        { "Wolfi",       VERSION_APK },
        { "Chainguard",  VERSION_APK },
        { "MinimOS",     VERSION_APK },
        { "Alpaquita",   VERSION_APK },
        { "Red Hat",     VERSION_RPM },
        { "Rocky Linux", VERSION_RPM },
        { "AlmaLinux",   VERSION_RPM },
        { "openSUSE",    VERSION_RPM },
        { "SUSE",        VERSION_RPM },
        { "Mageia",      VERSION_RPM },
        { "Azure Linux", VERSION_RPM },
        { "Photon OS",   VERSION_RPM },
        { "openEuler",   VERSION_RPM },
        { "PyPI",        VERSION_PEP440 },
        /* Registries whose versions are SemVer 2.0.0 (OSV range type SEMVER). */
        { "npm",         VERSION_SEMVER },
        { "crates.io",   VERSION_SEMVER },
        { "Go",          VERSION_SEMVER },
        { "Hex",         VERSION_SEMVER },
        { "Maven",       VERSION_MAVEN },
        { "RubyGems",    VERSION_GEM },
};

/* Short names for people typing `portcullis vercmp`, any case. */
static const struct {
        const char *name;
        enum version_kind kind;
} short_names[] = {
        { "deb",    VERSION_DPKG },
        { "dpkg",   VERSION_DPKG },
        { "apk",    VERSION_APK },
        { "rpm",    VERSION_RPM },
        { "pypi",   VERSION_PEP440 },
        { "pep440", VERSION_PEP440 },
        { "npm",    VERSION_SEMVER },
        { "semver", VERSION_SEMVER },
        { "maven",  VERSION_MAVEN },
        { "gem",    VERSION_GEM },
};

/* Matches "Name" and "Name:anything".  OSV spells names in one way, but
 * people type "debian:12" too, and no two names differ only in case. */
static bool ecosystem_matches(const char *ecosystem, const char *name) {
        size_t n = strlen(name);

        return strncasecmp(ecosystem, name, n) == 0 && (ecosystem[n] == '\0' || ecosystem[n] == ':');
}

int version_kind_from_ecosystem(const char *ecosystem) {
        if (!ecosystem)
                return -EOPNOTSUPP;
        for (size_t i = 0; i < ELEMENTSOF(ecosystems); i++)
                if (ecosystem_matches(ecosystem, ecosystems[i].name))
                        return ecosystems[i].kind;
        for (size_t i = 0; i < ELEMENTSOF(short_names); i++)
                if (strcaseeq(ecosystem, short_names[i].name))
                        return short_names[i].kind;
        return -EOPNOTSUPP;
}

const char *version_kind_to_string(enum version_kind k) {
        if (k < 0 || k >= _VERSION_KIND_MAX)
                return NULL;
        return kind_names[k];
}

int version_compare(enum version_kind k, const char *a, const char *b, int *ret_cmp, struct error *err) {
        switch (k) {
        case VERSION_DPKG:
                return version_dpkg_compare(a, b, ret_cmp, err);
        case VERSION_APK:
                return version_apk_compare(a, b, ret_cmp, err);
        case VERSION_RPM:
                return version_rpm_compare(a, b, ret_cmp, err);
        case VERSION_SEMVER:
        case VERSION_PEP440:
        case VERSION_MAVEN:
        case VERSION_GEM:
                return error_set(err, EOPNOTSUPP, "version comparison for %s is not implemented yet",
                                 version_kind_to_string(k));
        default:
                return error_set(err, EINVAL, "unknown version kind %d", (int) k);
        }
}

void version_shown(const char *v, char buf[VERSION_SHOWN_SIZE]) {
        size_t n = 0, i;

        for (i = 0; v[i] && i < VERSION_SHOWN_MAX; i++) {
                unsigned char c = (unsigned char) v[i];

                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[n++] = (char) c;
                else
                        n += (size_t) snprintf(buf + n, VERSION_SHOWN_SIZE - n, "\\x%02x", c);
        }
        if (v[i])
                n += (size_t) snprintf(buf + n, VERSION_SHOWN_SIZE - n, "...");
        buf[n] = '\0';
}
