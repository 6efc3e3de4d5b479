/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "version.h"

/* The one ecosystem table: everything Portcullis knows about an OSV
 * ecosystem, in one row.  Match, report, update and the CLI read it; a new
 * ecosystem is a row here (and its reader and comparator). */
struct ecosystem {
        const char *name;               /* OSV's name; distributions carry ":<release>" after it */
        enum version_kind kind;         /* the version order */
        bool distro;                    /* records name source packages and their versions (and
                                         * binary ones: binary_names) */
        const char *purl_type;          /* purl-spec type of its packages */
        /* How one package is spelled alike by records and inventories (PEP
         * 503 for PyPI), in place; NULL: as written. */
        void (*normalize)(char *name);
        /* Whether a name says all that records name a package by (Maven:
         * "groupId:artifactId"); NULL: any name does.  A package whose name
         * does not is unchecked ("unidentified"), not passed. */
        bool (*identified)(const char *name);
        /* The streams of the distribution whose records hold for its
         * packages too (ecosystem_streams()): a word before the release
         * ("Pro": "Ubuntu:Pro:20.04:LTS" for "Ubuntu:20.04:LTS"), or the
         * siblings of the variant that ends the release (Red Hat's
         * repositories: "Red Hat:enterprise_linux:9::appstream" and "::crb"
         * for "::baseos", the first, which an image's packages are
         * named by); NULL: none.  streams_why says what they hold, where a
         * DB lacks one. */
        const char *stream;
        const char *const *variants;
        const char *streams_why;
        /* Releases filed per minor release, each minor its own ecosystem,
         * all of whose records hold for an image of any of them: the
         * release up to its minor ("enterprise_linux:10."); NULL: none.
         * Which minors exist the DB says (match_streams()); minors_why
         * says why they hold, where a DB lacks the image's own or later. */
        const char *const *minors;
        const char *minors_why;
        /* Records may name a binary package as well as (or instead of) its
         * source: each installed package is looked up under both names,
         * the binary's under its own version (Red Hat's records name both,
         * SUSE's and the RHEL rebuilds' advisories their binary RPMs). */
        bool binary_names;
};

/* The row of an OSV ecosystem ("Debian:12", "PyPI"; "Name" and
 * "Name:anything" match, any case), or NULL when unknown. */
const struct ecosystem *ecosystem_find(const char *osv_name);

/* The ecosystems of ecosystem's streams (ecosystem.stream, .variants), in
 * *ret (a strv, NULL when none): how many; 0 when it has none (already a
 * stream's, or a row without any); -ENOMEM. */
int ecosystem_streams(const char *ecosystem, char ***ret);

/* What the streams of ecosystem hold for its packages (a phrase), or NULL. */
const char *ecosystem_streams_why(const char *ecosystem);

/* A minor release's number no family spells wider (a bound on what is
 * parsed and on what 'db update' enumerates). */
#define ECOSYSTEM_MINOR_MAX 999

/* When ecosystem is a minor release of a release filed per minor
 * (ecosystem.minors: "Red Hat:enterprise_linux:10.1"): the minor (1), and
 * in *ret_prefix (unless NULL) the ecosystem up to it ("Red Hat:
 * enterprise_linux:10.", malloc'ed); -ENOENT when it is none (the minor
 * not decimal digits, or above ECOSYSTEM_MINOR_MAX); -ENOMEM. */
int ecosystem_minor(const char *ecosystem, char **ret_prefix);

/* Why every minor release's records hold for an image of one (a phrase),
 * or NULL. */
const char *ecosystem_minors_why(const char *ecosystem);

/* The name an import stores for an OSV ecosystem: the row's spelling, a
 * distribution's ":<release>" kept, a language ecosystem's registry suffix
 * dropped ("debian:12" -> "Debian:12", "Maven:https://maven.google.com" ->
 * "Maven"); an unknown one as written.  Malloc'ed; NULL when out of
 * memory. */
char *ecosystem_canonical(const char *osv_name);

/* The first row whose packages have purl type type ("pypi"), or NULL.  For
 * a distribution's type ("deb": Debian and Ubuntu) the row's distro is set
 * and the package's OS names its ecosystem. */
const struct ecosystem *ecosystem_from_purl_type(const char *type);

/* Whether the packages of ecosystem (an OSV name, NULL: none) are of purl
 * type type: a pkg:deb is no Alpine package, whose records and version
 * order it must never be compared with. */
bool ecosystem_has_purl_type(const char *ecosystem, const char *type);

/* The name records and inventories of the ecosystem share: a copy of name,
 * normalized; NULL when out of memory. */
char *ecosystem_package_name(const char *ecosystem, const char *name);
