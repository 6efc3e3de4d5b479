/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* An rpm header as the rpmdb stores it (one per installed package, in all
 * three database formats): without the lead and magic of a package file,
 *
 *   int32 il, int32 dl                      big-endian
 *   il x { int32 tag, uint32 type, int32 offset, uint32 count }
 *   dl bytes of data store
 *
 * (rpm's docs/manual/format_header.md; lib/header.c hdrblobImport for the
 * checks).  We read it without librpm, from an untrusted buffer: every
 * count, offset, type and string is checked against the blob. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* rpm itself refuses il >= 2^24 and dl >= 2^30 (hdrchkTags, hdrchkData);
 * real headers have < 200 entries and a few MiB of data (file lists). */
#define RPM_HEADER_ENTRIES_MAX 65536
#define RPM_HEADER_DATA_MAX ((size_t) 256 * 1024 * 1024)
/* NAME, VERSION, ... of real packages are < 256 bytes. */
#define RPM_HEADER_FIELD_MAX 1024

enum {
        RPMTAG_NAME = 1000,
        RPMTAG_VERSION = 1001,
        RPMTAG_RELEASE = 1002,
        RPMTAG_EPOCH = 1003,
        RPMTAG_ARCH = 1022,
        RPMTAG_OLDFILENAMES = 1027,
        RPMTAG_FILEDIGESTS = 1035,
        RPMTAG_SOURCERPM = 1044,
        RPMTAG_DIRINDEXES = 1116,
        RPMTAG_BASENAMES = 1117,
        RPMTAG_DIRNAMES = 1118,
        RPMTAG_FILEDIGESTALGO = 5011,
        RPMTAG_MODULARITYLABEL = 5096,
};

/* What we keep of a header; strings are NULL when the tag is absent (only
 * ARCH, SOURCERPM and MODULARITYLABEL may be: gpg-pubkey entries have no
 * ARCH or SOURCERPM). */
struct rpm_header {
        char *name;
        char *version;
        char *release;
        char *arch;
        char *sourcerpm;
        char *modularitylabel;
        bool has_epoch;
        uint32_t epoch;
        /* The files the package installed, pointing into the blob (valid
         * while it is): BASENAMES, each in the DIRNAMES entry its
         * DIRINDEXES entry names (rpm >= 4.0), or OLDFILENAMES (full
         * paths).  bad_files: the lists don't agree (counts, an index past
         * DIRNAMES, a type) and are left out (rpm_header_files() gives
         * nothing). */
        const char *basenames, *dirnames, *oldfilenames;
        const unsigned char *dirindexes;        /* big-endian int32 */
        uint32_t n_basenames, n_dirnames, n_dirindexes, n_oldfilenames;
        bool bad_files;
        /* FILEDIGESTS, one hex string a file ("" for what is not a regular
         * file), in FILEDIGESTALGO's algorithm (rpm's PGPHASHALGO: 1 MD5,
         * the default without the tag, 8 SHA-256); NULL when absent or not
         * one a file. */
        const char *filedigests;
        uint32_t n_filedigests;
        uint32_t digestalgo;
};

/* Parses blob (exactly one header: 8 + 16 * il + dl == len).  what names
 * it in messages ("/var/lib/rpm/Packages: record 12").  -EBADMSG for a
 * malformed header, -ENOMEM. */
int rpm_header_parse(const void *blob, size_t len, const char *what, struct rpm_header *ret, struct error *err);
void rpm_header_done(struct rpm_header *h);

/* Calls fn with each file's absolute path (len bytes, NUL-terminated) and
 * its FILEDIGESTS string (NULL when the header has none for it) until it
 * returns < 0; a path of PATH_MAX or more bytes, or not absolute, is
 * passed over.  -ENOMEM, or what fn returned. */
int rpm_header_files(const struct rpm_header *h,
                     int (*fn)(const char *path, size_t len, const char *digest, void *userdata), void *userdata);

/* "util-linux-2.32.1-42.el8_8.src.rpm" -> "util-linux", "2.32.1-42.el8_8".
 * -EINVAL when it isn't NAME-VERSION-RELEASE.(no)src.rpm. */
int rpm_sourcerpm_split(const char *srpm, char **ret_name, char **ret_version_release);
