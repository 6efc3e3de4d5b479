/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "vulndb.h"

/* The schema.  affected rows are what the matcher reads, clustered by
 * (ecosystem, package); ranges/versions/severity stay as compact JSON text
 * because they are only parsed for the rows of installed packages. */
#define VULNDB_SCHEMA_SQL                                                       \
        "CREATE TABLE IF NOT EXISTS meta ("                                     \
        "  key TEXT PRIMARY KEY, value TEXT NOT NULL);"                         \
        "CREATE TABLE IF NOT EXISTS vuln ("                                     \
        "  rowid INTEGER PRIMARY KEY,"                                          \
        "  id TEXT NOT NULL UNIQUE,"                                            \
        "  modified TEXT NOT NULL,"                                             \
        "  published TEXT,"                                                     \
        "  withdrawn TEXT,"                                                     \
        "  summary TEXT,"                                                       \
        "  aliases TEXT,"                                                       \
        "  upstream TEXT,"                                                      \
        "  severity TEXT,"                                                      \
        "  digest TEXT NOT NULL,"                                               \
        "  source TEXT);"                                                       \
        "CREATE TABLE IF NOT EXISTS affected ("                                 \
        "  ecosystem TEXT NOT NULL,"                                            \
        "  package TEXT NOT NULL,"                                              \
        "  vuln INTEGER NOT NULL,"                                              \
        "  seq INTEGER NOT NULL,"                                               \
        "  purl TEXT,"                                                          \
        "  ranges TEXT,"                                                        \
        "  versions TEXT,"                                                      \
        "  severity TEXT,"                                                      \
        "  vendor_rating TEXT,"                                                 \
        "  vendor_source TEXT,"                                                 \
        "  upper TEXT,"                                                         \
        "  PRIMARY KEY (ecosystem, package, vuln, seq)) WITHOUT ROWID;"         \
        "CREATE TABLE IF NOT EXISTS cve_severity ("                             \
        "  cve TEXT PRIMARY KEY,"                                               \
        "  source TEXT NOT NULL,"                                               \
        "  modified TEXT,"                                                      \
        "  severity TEXT NOT NULL) WITHOUT ROWID;"                             \
        "CREATE TABLE IF NOT EXISTS kev ("                                      \
        "  cve TEXT PRIMARY KEY,"                                               \
        "  date_added TEXT NOT NULL,"                                           \
        "  due_date TEXT,"                                                      \
        "  ransomware TEXT,"                                                    \
        "  vendor TEXT, product TEXT, name TEXT) WITHOUT ROWID;"                \
        "CREATE TABLE IF NOT EXISTS epss ("                                     \
        "  cve TEXT PRIMARY KEY,"                                               \
        "  epss REAL NOT NULL,"                                                 \
        "  percentile REAL NOT NULL) WITHOUT ROWID;"

/* A package's entries sit together in the clustered affected table, so a
 * lookup reads a few pages; affected_vuln serves replacing a record (a newer
 * copy of an id).  affected_upper orders a package's entries by the highest
 * version each can still hold for (upper: osv_affected_upper()'s key, NULL
 * when none is known), so that a lookup reads only the entries that can
 * hold for the installed version (vulndb_lookup()); meta's "affected_upper"
 * says the index is there.  A writer that doesn't know the column (an older
 * Portcullis merging into this file) leaves it NULL: such rows are always
 * read.  A fresh import builds affected_vuln after the bulk insert, which is
 * cheaper than maintaining it row by row, and affected_upper before it: the
 * rows come in (ecosystem, package) order, so its insertions stay local,
 * and that costs less than sorting them afterwards (1M rows: 1.11 against
 * 1.27 s).  A merge needs both from the start, and adds the column to a
 * file from before it. */
#define VULNDB_UPPER_INDEX_SQL "CREATE INDEX IF NOT EXISTS affected_upper ON affected(ecosystem, package, upper);"
#define VULNDB_INDEX_SQL "CREATE INDEX IF NOT EXISTS affected_vuln ON affected(vuln);" VULNDB_UPPER_INDEX_SQL
#define VULNDB_UPPER_META "affected_upper"
#define VULNDB_UPPER_VERSION "1"        /* of the keys' form (version_dpkg_key()) */

/* vulndb_open_fd()'s sqlite VFS (vulndb-fd.c), registered on first use:
 * *ret its name; the file's fd is the URI's VULNDB_FD_PARAM.  An sqlite
 * result code. */
#define VULNDB_FD_PARAM "portcullis_fd"
int vulndb_fd_vfs(const char **ret);

int vulndb_sqlite_error(sqlite3 *db, int rc, const char *what, struct error *err);

/* Recognises NVD and CVE JSON 5 documents (see vulndb-cve.c): calls fn with
 * a new reference to {"cve", "source", "modified", "severity": [{type,
 * score}]} for each CVE that has CVSS vectors.  1 when doc was such a
 * document, 0 when it is not (an OSV record), negative on fn's error. */
typedef int (*cve_severity_fn)(json_t *norm, void *userdata);
int cve_severity_extract(json_t *doc, cve_severity_fn fn, void *userdata);

int vulndb_meta_set(sqlite3 *db, const char *key, const char *value, struct error *err);

/* KEV and EPSS files in an import (vulndb-kev.c): what a top-level path is
 * (VULNDB_FEED_NONE for anything else, folders included); storing one into
 * the new database, replacing what it held of that kind; carrying the old
 * database's data of the kinds keep says (1 << VULNDB_FEED_x) into a
 * rebuild; and their part of the revision (nothing when there is none, so
 * a database without them keeps its revision). */
enum vulndb_feed vulndb_feed_of_path(const char *path);
int vulndb_feed_store(sqlite3 *db, const char *path, enum vulndb_feed kind, vulndb_skip_fn skip_fn, void *userdata,
                      struct vulndb_import_stats *stats, struct error *err);
int vulndb_feed_keep(sqlite3 *db, const char *old_path, unsigned keep, struct error *err);
int vulndb_feed_digest(sqlite3 *db, EVP_MD_CTX *ctx);

/* osv_validate(), and the record as the import stores it (its bad parts left
 * out or kept as unreadable ranges) in *ret_rec (may be NULL), to
 * json_decref(). */
int osv_validate_record(const char *buf, size_t len, const char *name, json_t **ret_rec, struct error *err);
