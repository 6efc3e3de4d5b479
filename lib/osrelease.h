/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "base/error.h"

struct rootfs;

#define OS_RELEASE_MAX ((size_t) 64 * 1024)

/* What /etc/os-release (os-release(5)) says, and the OSV ecosystem it maps
 * to.  Fields are NULL when absent; ecosystem is NULL when the distro or
 * release is not one we know how to name (reported as unknown, not guessed). */
struct os_info {
        char *id;               /* "debian", "ubuntu", "alpine", ... */
        char *id_like;
        char *version_id;       /* "12", "22.04", "3.18.4" */
        char *version_codename;
        char *pretty_name;
        char *ecosystem;        /* "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.18" */
        const char *origin;     /* where it was read, for messages (a static string): "etc/os-release",
                                 * "usr/lib/os-release", an SBOM's component; NULL: os_info_origin()'s default */
};

/* Where info was read, for messages: "os-release" when not known (an
 * inventory read back from JSON). */
const char *os_info_origin(const struct os_info *info);

/* Parses the os-release KEY=value format (shell-like quoting) from a buffer. */
int osrelease_parse(const char *buf, size_t len, struct os_info *ret, struct error *err);

/* Reads etc/os-release, else usr/lib/os-release, inside the rootfs.  A rootfs
 * with neither returns 0 with all fields NULL but origin (etc/os-release). */
int osrelease_read(struct rootfs *r, struct os_info *ret, struct error *err);

/* Fills info->ecosystem from id/version_id (NULL when unknown). */
int osrelease_ecosystem(struct os_info *info);

/* What VERSION_ID an ID of a distribution Portcullis knows is expected to
 * carry (a phrase), for when the image's names no release it knows; NULL
 * when there is nothing more to say than the ID and VERSION_ID. */
const char *osrelease_expected(const char *id);

/* The vendor a distribution's purls name as their namespace (purl-spec's
 * rpm type: "the namespace is the vendor"): os-release's ID, but "redhat"
 * for "rhel", as Red Hat's own SBOMs and advisories spell it; and back. */
const char *osrelease_purl_vendor(const char *id);
const char *osrelease_id_of_vendor(const char *vendor);

void os_info_done(struct os_info *info);
