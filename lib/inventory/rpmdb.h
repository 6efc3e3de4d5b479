/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The three on-disk formats of rpm's package database, each read from an
 * in-memory copy of the file (read through the rootfs API with a cap) and
 * each handing every header blob it finds to a callback:
 *
 *   rpmdb-sqlite.c  rpmdb.sqlite      rpm >= 4.16 default (Fedora 33+, RHEL 9)
 *   rpmdb-ndb.c     Packages.db       rpm's own "ndb" format (SUSE 15.3+)
 *   rpmdb-bdb.c     Packages          Berkeley DB hash (RHEL <= 8, CentOS, SLE <= 15.2)
 *
 * The files come from container images: every offset, page number and
 * length is checked against the buffer, and every walk has a budget, so a
 * hostile file gives an error naming it, never a crash or a hang. */
#include <stddef.h>

#include "base/error.h"

/* rpmdb files of real systems are up to a few hundred MiB (a desktop with
 * 3000 packages); images carry far smaller ones. */
#define RPMDB_FILE_MAX ((size_t) 512 * 1024 * 1024)
/* Records (installed packages plus bookkeeping) in one database. */
#define RPMDB_RECORDS_MAX 200000

/* Called with each header blob (not yet checked; see rpm-header.h) and
 * the record's number in the database, for messages.  A negative return
 * stops the walk and is returned as is (err set by the callback). */
typedef int (*rpmdb_blob_fn)(const void *blob, size_t len, unsigned long record, void *userdata, struct error *err);

/* origin names the file in messages.  The sqlite reader sets two bytes of
 * the file's header in buf (WAL mode off: see rpmdb-sqlite.c). */
int rpmdb_sqlite_foreach(void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                         struct error *err);
int rpmdb_ndb_foreach(const void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                      struct error *err);
int rpmdb_bdb_foreach(const void *buf, size_t len, const char *origin, rpmdb_blob_fn fn, void *userdata,
                      struct error *err);

/* The formats, for rpmdb_parse(). */
enum rpmdb_format {
        RPMDB_SQLITE,
        RPMDB_NDB,
        RPMDB_BDB,
        _RPMDB_FORMAT_MAX,
        _RPMDB_FORMAT_INVALID = -EINVAL,
};

struct inventory;

/* Adds the packages of one database file in buf (format given) to inv;
 * origin names the file in messages and origin_file.  A damaged header is
 * a warning in inv; a damaged database is an error.  *ret_records (may be
 * NULL) is the number of records seen, packages or not.  buf is the
 * caller's copy of the file: the sqlite reader changes two bytes of it. */
int rpmdb_parse(void *buf, size_t len, enum rpmdb_format format, const char *origin, struct inventory *inv,
                unsigned long *ret_records, struct error *err);
