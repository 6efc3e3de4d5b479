/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "base/error.h"

/* libarchive's tar writer, loaded from libarchive.so when first used (only
 * `db export` writes a tar).  The readers are linked statically; its
 * writers are not, because libarchive's table of writer formats
 * (archive_write_set_format.o, which every tar writer refers to) brings in
 * its xar writer and with it libxml2, ICU and libstdc++: 33 MB and their
 * static constructors in every exec of the CLI (BENCHMARKS.md, "CLI
 * start-up").  Entries handed to these functions must come from
 * entry_new() here: the static and the loaded library are two copies. */
struct archive_writer {
        struct archive *(*write_new)(void);
        int (*set_format_pax_restricted)(struct archive *);
        int (*open_fd)(struct archive *, int);
        int (*write_header)(struct archive *, struct archive_entry *);
        la_ssize_t (*write_data)(struct archive *, const void *, size_t);
        int (*close)(struct archive *);
        int (*free)(struct archive *);
        const char *(*error_string)(struct archive *);
        struct archive_entry *(*entry_new)(void);
        void (*entry_free)(struct archive_entry *);
        void (*entry_set_pathname)(struct archive_entry *, const char *);
        void (*entry_set_size)(struct archive_entry *, la_int64_t);
        void (*entry_set_filetype)(struct archive_entry *, unsigned);
        void (*entry_set_perm)(struct archive_entry *, __LA_MODE_T);
        void (*entry_set_mtime)(struct archive_entry *, time_t, long);
};

/* The writer; NULL with a message naming the library when it can't be
 * loaded. */
const struct archive_writer *archive_writer(struct error *err);
