/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/* One comparator per ecosystem family.  Each must agree with the reference
 * implementation (dpkg --compare-versions, rpmvercmp, apk-tools, ...). */
enum version_kind {
        VERSION_DPKG,
        VERSION_APK,
        VERSION_RPM,
        VERSION_SEMVER,         /* strict SemVer 2.0.0 (the semver crate): crates.io, Hex, other SEMVER ranges */
        VERSION_PEP440,
        VERSION_MAVEN,
        VERSION_GEM,
        VERSION_NPM,            /* node-semver, reading as npm reads package.json */
        VERSION_GO,             /* golang.org/x/mod/semver, 'v' optional */
        VERSION_COMPOSER,
        VERSION_NUGET,
        VERSION_BITNAMI,        /* Bitnami's MAJOR.MINOR.PATCH[-REVISION] */
        _VERSION_KIND_MAX,
        _VERSION_KIND_INVALID = -EINVAL,
};

/* Maps an OSV ecosystem ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.18",
 * "PyPI", "npm", ...) or a short name ("deb", "apk", "rpm", "pypi", "npm",
 * "semver", "maven", "gem", "composer", "nuget", "bitnami") to its comparator; -EOPNOTSUPP when unknown. */
int version_kind_from_ecosystem(const char *ecosystem);
const char *version_kind_to_string(enum version_kind k);

/* Compares a and b: *ret_cmp is <0, 0 or >0.  An invalid version is -EINVAL
 * with a message naming it; a kind not implemented yet is -EOPNOTSUPP. */
int version_compare(enum version_kind k, const char *a, const char *b, int *ret_cmp, struct error *err);
/* Can v be ordered against the other versions of kind k?  0 when it can;
 * -EINVAL with the reason for a version k rejects and for one k orders
 * against nothing: a Composer dev branch ("dev-main") equals only itself. */
int version_orderable(enum version_kind k, const char *v, struct error *err);
/* An order-preserving key of v in kind's order (version_dpkg_key()), for
 * the kinds that have one (version_has_key()); -EOPNOTSUPP for the others. */
bool version_has_key(int kind);
int version_key(int kind, const char *v, char *buf, size_t size);

/* Versions come from container images: a message shows at most
 * VERSION_SHOWN_MAX bytes of one, anything but printable ASCII as \xNN, so
 * that a hostile version can't flood a log or drive a terminal. */
#define VERSION_SHOWN_MAX 128
#define VERSION_SHOWN_SIZE (VERSION_SHOWN_MAX * 4 + 4)
void version_shown(const char *v, char buf[VERSION_SHOWN_SIZE]);

/* Sets err to "invalid ECOSYSTEM version 'V': WHY" (V shown as above) and
 * returns -EINVAL; _at says which byte of v (p points into it) is wrong. */
int version_invalid(struct error *err, const char *ecosystem, const char *v, const char *fmt, ...) _printf_(4, 5);
int version_invalid_at(struct error *err, const char *ecosystem, const char *v, const char *p);

/* dpkg: deb-version(7) ordering, identical to dpkg --compare-versions. */
int version_dpkg_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
/* Validates a dpkg version the way dpkg's parseversion() does. */
int version_dpkg_check(const char *v, struct error *err);
/* An order-preserving key of v: two keys compare with strcmp() as their
 * versions compare with version_dpkg_compare(), equal versions ("1.0",
 * "1.00-0", "0:1.0") having equal keys.  Written to buf (size bytes, NUL
 * included): its length, or -EINVAL for a version dpkg rejects or one with
 * characters outside deb-version(7)'s, -E2BIG when it doesn't fit (or a
 * number has more than 95 digits).  Its bytes are 0x01 to 0x7f.  Keys are
 * stored in vulnerability databases (affected.upper): a change to this
 * order or to the key's form must change VULNDB_UPPER_VERSION, so that
 * files with the old keys are read without them. */
#define VERSION_KEY_MAX 256
int version_dpkg_key(const char *v, char *buf, size_t size);

/* apk: apk-tools' ordering ("1.2.3_rc1-r0" < "1.2.3-r0" < "1.2.3_p1-r0"). */
int version_apk_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
/* Validates an apk version the way apk-tools does. */
int version_apk_check(const char *v, struct error *err);

/* rpm: EVR ordering ([epoch:]version[-release]) identical to rpm's
 * rpmverCmp(), i.e. what `rpm.ver(a) < rpm.ver(b)` says: epochs (missing =
 * 0), versions, then releases, each by rpmvercmp().  Any non-empty string
 * is a valid EVR. */
int version_rpm_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
/* rpm's rpmvercmp() itself on two version strings: <0, 0 or >0. */
int version_rpm_vercmp(const char *a, const char *b);

/* PyPI: PEP 440 ordering, identical to python3-packaging's
 * packaging.version.Version; what packaging rejects is -EINVAL. */
int version_pep440_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
int version_pep440_check(const char *v, struct error *err);

/* SemVer 2.0.0 precedence (build metadata ignored) in three readings:
 * npm: node-semver's compare(a, b, loose), i.e. what npm accepts in an
 *   installed package.json ("v1.2.3", "=1.2.3", "1.2.3beta", leading zeros,
 *   at most 256 characters, numbers up to 2^53-1);
 * Go: golang.org/x/mod/semver.Compare with or without the 'v' (OSV's Go
 *   records have none): "v1.2" is v1.2.0, "+incompatible" is build metadata,
 *   pseudo-versions order as the pre-releases they are;
 * SemVer (crates.io, Hex): the semver crate's grammar (no 'v', no
 *   whitespace, numbers up to 2^64-1) ordered by its cmp_precedence().
 * An invalid version is -EINVAL, never ordered. */
int version_semver_compare(enum version_kind k, const char *a, const char *b, int *ret_cmp, struct error *err);
int version_semver_check(enum version_kind k, const char *v, struct error *err);

/* The comparator for an OSV "SEMVER" range in an ecosystem of that kind:
 * npm's and Go's own readings of SemVer (an installed "v1.2.3" from a Go
 * binary, "1.2.3beta" from a package.json) and Bitnami's (a build
 * revision after '-'), strict SemVer for the rest. */
int version_kind_semver(int ecosystem_kind);

/* Maven: org.apache.maven.artifact.versioning.ComparableVersion (3.8.7).
 * Any printable ASCII string is a version. */
int version_maven_compare(const char *a, const char *b, int *ret_cmp, struct error *err);

/* RubyGems: Gem::Version#<=> (canonical segments; a letter segment is a
 * pre-release).  A version that Gem::Version.new rejects is -EINVAL. */
int version_gem_compare(const char *a, const char *b, int *ret_cmp, struct error *err);

/* Composer (Packagist): Composer\Semver\VersionParser::normalize() of both,
 * then PHP's version_compare().  A version Composer rejects is -EINVAL;
 * dev branches ("dev-main") equal only themselves and are otherwise -EINVAL
 * (Composer orders them against nothing). */
int version_composer_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
/* 0 for a Composer version with an order; -EINVAL for one Composer rejects
 * and for a dev branch. */
int version_composer_check(const char *v, struct error *err);
/* Composer's normalised form of v ("1.0" -> "1.0.0.0"), allocated. */
int version_composer_normalize(const char *v, char **ret, struct error *err);
/* PHP's version_compare(a, b) on any two strings: *ret_cmp <0, 0 or >0. */
int version_php_compare(const char *a, const char *b, int *ret_cmp, struct error *err);

/* NuGet: NuGet.Versioning's NuGetVersion order (SemVer 2.0 and legacy
 * four-part versions, case-insensitive labels, metadata ignored). */
int version_nuget_compare(const char *a, const char *b, int *ret_cmp, struct error *err);

/* Bitnami (pkg:bitnami, Bitnami's vulndb): MAJOR.MINOR.PATCH with an
 * optional Bitnami build revision ("17.2.0-8", a later build of 17.2.0,
 * not a pre-release).  The cores compare; the revisions only when both
 * sides have one ("17.2.0-8" == "17.2.0" < "17.2.1").  Any other form is
 * -EINVAL (orders against nothing). */
int version_bitnami_compare(const char *a, const char *b, int *ret_cmp, struct error *err);
