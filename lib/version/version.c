/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/strutil.h"
#include "ecosystem.h"
#include "version.h"

static const char *const kind_names[_VERSION_KIND_MAX] = {
        [VERSION_DPKG] = "deb",
        [VERSION_APK] = "apk",
        [VERSION_RPM] = "rpm",
        [VERSION_SEMVER] = "semver",
        [VERSION_PEP440] = "pypi",
        [VERSION_MAVEN] = "maven",
        [VERSION_GEM] = "gem",
        [VERSION_NPM] = "npm",
        [VERSION_GO] = "go",
        [VERSION_COMPOSER] = "composer",
        [VERSION_NUGET] = "nuget",
        [VERSION_BITNAMI] = "bitnami",
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
        { "npm",    VERSION_NPM },
        { "go",     VERSION_GO },
        { "golang", VERSION_GO },
        { "crates", VERSION_SEMVER },
        { "cargo",  VERSION_SEMVER },
        { "semver", VERSION_SEMVER },
        { "maven",  VERSION_MAVEN },
        { "gem",    VERSION_GEM },
        { "composer", VERSION_COMPOSER },
        { "packagist", VERSION_COMPOSER },
        { "nuget",  VERSION_NUGET },
        { "bitnami", VERSION_BITNAMI },
};

int version_kind_from_ecosystem(const char *ecosystem) {
        const struct ecosystem *e = ecosystem_find(ecosystem);

        if (e)
                return e->kind;
        if (!ecosystem)
                return -EOPNOTSUPP;
        for (size_t i = 0; i < ELEMENTSOF(short_names); i++)
                if (strcaseeq(ecosystem, short_names[i].name))
                        return short_names[i].kind;
        return -EOPNOTSUPP;
}

int version_kind_semver(int ecosystem_kind) {
        bool own = ecosystem_kind == VERSION_NPM || ecosystem_kind == VERSION_GO ||
                   ecosystem_kind == VERSION_BITNAMI;

        return own ? ecosystem_kind : VERSION_SEMVER;
}

const char *version_kind_to_string(enum version_kind k) {
        if (k < 0 || k >= _VERSION_KIND_MAX)
                return NULL;
        return kind_names[k];
}

bool version_has_key(int kind) {
        return kind == VERSION_DPKG;
}

int version_key(int kind, const char *v, char *buf, size_t size) {
        return kind == VERSION_DPKG ? version_dpkg_key(v, buf, size) : -EOPNOTSUPP;
}

int version_compare(enum version_kind k, const char *a, const char *b, int *ret_cmp, struct error *err) {
        switch (k) {
        case VERSION_DPKG:
                return version_dpkg_compare(a, b, ret_cmp, err);
        case VERSION_APK:
                return version_apk_compare(a, b, ret_cmp, err);
        case VERSION_RPM:
                return version_rpm_compare(a, b, ret_cmp, err);
        case VERSION_PEP440:
                return version_pep440_compare(a, b, ret_cmp, err);
        case VERSION_SEMVER:
        case VERSION_NPM:
        case VERSION_GO:
                return version_semver_compare(k, a, b, ret_cmp, err);
        case VERSION_MAVEN:
                return version_maven_compare(a, b, ret_cmp, err);
        case VERSION_GEM:
                return version_gem_compare(a, b, ret_cmp, err);
        case VERSION_COMPOSER:
                return version_composer_compare(a, b, ret_cmp, err);
        case VERSION_NUGET:
                return version_nuget_compare(a, b, ret_cmp, err);
        case VERSION_BITNAMI:
                return version_bitnami_compare(a, b, ret_cmp, err);
        default:
                return error_set(err, EINVAL, "unknown version kind %d", (int) k);
        }
}

int version_orderable(enum version_kind k, const char *v, struct error *err) {
        int c;

        if (k == VERSION_COMPOSER)
                return version_composer_check(v, err);
        return version_compare(k, v, v, &c, err);
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

int version_invalid(struct error *err, const char *ecosystem, const char *v, const char *fmt, ...) {
        char shown[VERSION_SHOWN_SIZE], why[256];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        version_shown(v, shown);
        return error_set(err, EINVAL, "invalid %s version '%s': %s", ecosystem, shown, why);
}

int version_invalid_at(struct error *err, const char *ecosystem, const char *v, const char *p) {
        const char one[2] = { *p, '\0' };
        char shown[VERSION_SHOWN_SIZE];

        if (!*p)
                return version_invalid(err, ecosystem, v, "ends too early");
        version_shown(one, shown);
        return version_invalid(err, ecosystem, v, "unexpected '%s' at byte %zu", shown, (size_t) (p - v) + 1);
}
