/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

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
        "  PRIMARY KEY (ecosystem, package, vuln, seq)) WITHOUT ROWID;"

/* A package's entries sit together in the clustered affected table, so a
 * lookup reads a few pages; this index serves replacing a record. */
/* Built after the bulk insert: cheaper than maintaining it row by row. */
#define VULNDB_INDEX_SQL "CREATE INDEX IF NOT EXISTS affected_vuln ON affected(vuln);"

int vulndb_sqlite_error(sqlite3 *db, int rc, const char *what, struct error *err);
