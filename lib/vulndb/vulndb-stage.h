/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A fresh import's affected rows, sorted on their way in (vulndb-stage.c):
 * the writer adds each row as it stores its record; rows are kept in a
 * buffer of run_bytes, sorted there by the affected table's key
 * (ecosystem, package, vuln, seq: sqlite's BINARY order, NULL first) and
 * written to an unlinked file beside the database as one sorted run when it
 * is full.  The import's connection then reads them through the eponymous
 * virtual table "import_stage" (the affected table's columns), merged from
 * the runs in key order, so that
 *   INSERT INTO affected SELECT * FROM import_stage
 *          ORDER BY ecosystem, package, vuln, seq
 * copies them without a sort by sqlite.  Until then, sqlite staged and
 * sorted each row itself: a statement step per row to stage it (temp.stage),
 * then its sorter over whole rows. */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* ecosystem, package, purl, ranges, versions, severity, vendor_rating,
 * vendor_source, upper: the affected table's text columns in its order */
#define STAGE_TEXTS 9
#define STAGE_RUN_BYTES ((size_t) 4 * 1024 * 1024)

struct stage;

struct stage_row {
        const char *text[STAGE_TEXTS];  /* NUL-terminated; NULL is SQL NULL */
        int64_t vuln, seq;
};

/* dir: where the runs' file goes (opened when the first run is full). */
int stage_new(const char *dir, size_t run_bytes, struct stage **ret, struct error *err);
int stage_add(struct stage *s, const struct stage_row *row, struct error *err);
/* Registers "import_stage" on db, reading s (which must outlive db's use of
 * it: free s after the statements reading it are done). */
int stage_register(sqlite3 *db, struct stage *s, struct error *err);
void stage_free(struct stage *s);

/* What the import's eponymous virtual tables share (import_stage here,
 * import_records in vulndb-import.c): their state is the module's aux
 * pointer, which import_vtab_aux() gives back; a cursor is size bytes,
 * zeroed, freed by sqlite3_free(). */
int import_vtab_connect(sqlite3 *db, void *aux, const char *columns, sqlite3_vtab **ret);
void *import_vtab_aux(const sqlite3_vtab *vt);
int import_vtab_disconnect(sqlite3_vtab *vt);
int import_vtab_cursor(size_t size, sqlite3_vtab_cursor **ret);
