/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Zip archives of OSV records (an OSV export's all.zip, a mirror's copy,
 * a zip of CVE records), read entry by entry in the order of their central
 * directory, each entry's data inflated whole into a buffer of the
 * caller's (libdeflate) and checked against the size and CRC-32 the
 * directory declares.  Only what such archives hold is read: stored and
 * deflated entries, with zip64 sizes, offsets and counts; an encrypted
 * entry, another method or a split archive is refused by name.
 *
 * The central directory and the entries are read through windows of the
 * file: a million records' directory (~100 MB) is never held at once.  A
 * file cut short has no end record and is refused before anything is
 * read from it.
 *
 * Limits, so that a small archive can't burn minutes of CPU or gigabytes
 * of memory (a 3 MB all.zip holding a 3 GiB entry of spaces took 33 s to
 * inflate before the entry was dropped): before an entry is inflated, the
 * size its directory declares is held to the limits; it then inflates to
 * exactly that size or is refused, so no entry inflates past what it
 * declared.  A hit refuses the archive as a whole: an archive with one
 * bomb in it is not an OSV export, whatever else it holds. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/macro.h"
#include "vulndb.h"

#define ZIP_ENTRY_INFLATED_MAX ((uint64_t) OSV_RECORD_MAX)      /* an entry: no record is larger */
#define ZIP_INFLATED_MAX ((uint64_t) 64 << 30)                  /* every entry together */
/* Inflated bytes per byte of archive, over the archive so far.  OSV's JSON
 * records deflate by 2-10x (the real Debian 12 export: 1.8x, 2.8x at most
 * for one entry); a run of one byte deflates by 1000x. */
#define ZIP_RATIO_MAX 100
#define ZIP_RATIO_FLOOR ((uint64_t) 1 << 20)                    /* tiny archives may inflate this much */

struct zip_reader;

struct zip_entry {
        const char *name;       /* NUL-terminated (a name holding a NUL is refused); valid until the next
                                 * zip_next() */
        uint64_t size;          /* inflated, as the central directory declares it */
        bool dir;               /* a folder: its name ends in '/' */
};

/* Opens path; what names it in messages (the path, or the URL it came
 * from), advice ends those of a damaged archive ("download it again").
 * Errors: the file can't be read (-errno), is no zip archive this reader
 * reads (-EBADMSG: "WHAT is not a readable zip archive: REASON; ADVICE"),
 * or holds more than OSV_ZIP_ENTRIES_MAX entries (-E2BIG). */
int zip_open(const char *path, const char *what, const char *advice, struct zip_reader **ret, struct error *err);

/* The same on an open file (for the fuzz target); fd stays the caller's. */
int zip_open_fd(int fd, const char *what, const char *advice, struct zip_reader **ret, struct error *err);

/* The next entry: 1, 0 after the last, or an error: -EBADMSG ("WHAT is
 * damaged at ENTRY: REASON; ADVICE"), -EFBIG (a limit above). */
int zip_next(struct zip_reader *z, struct zip_entry *ret, struct error *err);

/* The current entry's data, inflated into *buf (grown as needed, reused
 * across entries, NUL-terminated after *ret_len bytes): 0, -ENOMEM,
 * -EBADMSG or -EFBIG as for zip_next(). */
int zip_read(struct zip_reader *z, char **buf, size_t *cap, size_t *ret_len, struct error *err);

void zip_close(struct zip_reader *z);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct zip_reader *, zip_close)
