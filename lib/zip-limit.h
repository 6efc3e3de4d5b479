/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>

#include "base/error.h"
#include "vulndb.h"

/* Limits on what a zip archive of OSV records may inflate to, so that a
 * small archive can't burn minutes of CPU (a 3 MB all.zip holding a 3 GiB
 * entry of spaces took 33 s to inflate before the entry was dropped).
 *
 * Before an entry is inflated, the sizes its header declares (libarchive
 * reads them from the central directory of a file) are held to the limits;
 * while it is inflated, the bytes that actually come out are, so an entry
 * whose header lies or says nothing (a data descriptor) stops at the same
 * limits.  A hit refuses the archive as a whole: an archive with one bomb
 * in it is not an OSV export, whatever else it holds. */
#define ZIP_ENTRY_INFLATED_MAX ((uint64_t) OSV_RECORD_MAX)      /* an entry: no record is larger */
#define ZIP_INFLATED_MAX ((uint64_t) 64 << 30)                  /* every entry together */
/* Inflated bytes per byte of archive, over the archive so far.  OSV's JSON
 * records deflate by 2-10x (the real Debian 12 export: 1.8x, 2.8x at most
 * for one entry); a run of one byte deflates by 1000x. */
#define ZIP_RATIO_MAX 100
#define ZIP_RATIO_FLOOR ((uint64_t) 1 << 20)                    /* tiny archives may inflate this much */

struct zip_limit {
        const char *what;               /* the archive, for messages (a path or URL) */
        uint64_t archive_size;
        uint64_t declared;              /* sum of the declared sizes so far */
        uint64_t inflated;              /* sum of the bytes inflated so far */
        uint64_t entry;                 /* bytes inflated of the current entry */
        const char *entry_name;
};

/* The archive's size from the open file of path. */
int zip_limit_init(struct zip_limit *z, const char *path, const char *what, struct error *err);

/* Before reading the data of entry e: its declared size against the limits. */
int zip_limit_entry(struct zip_limit *z, struct archive_entry *e, struct error *err);

/* After n more bytes of the current entry were inflated. */
int zip_limit_data(struct zip_limit *z, size_t n, struct error *err);
