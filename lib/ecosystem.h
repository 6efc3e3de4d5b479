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
        /* A stream of the distribution whose records hold for its packages
         * too, named after the name ("Pro": "Ubuntu:Pro:20.04:LTS" for
         * "Ubuntu:20.04:LTS"); NULL: none. */
        const char *stream;
        /* Records may name a binary package as well as (or instead of) its
         * source: each installed package is looked up under both names,
         * the binary's under its own version (Red Hat's records name both,
         * SUSE's and the RHEL rebuilds' advisories their binary RPMs). */
        bool binary_names;
};

/* The row of an OSV ecosystem ("Debian:12", "PyPI"; "Name" and
 * "Name:anything" match, any case), or NULL when unknown. */
const struct ecosystem *ecosystem_find(const char *osv_name);

/* The ecosystem of ecosystem's stream (ecosystem.stream), in *ret
 * (malloc'ed): 1; 0 when it has none (already a stream's, or a row
 * without one); -ENOMEM. */
int ecosystem_stream(const char *ecosystem, char **ret);

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
