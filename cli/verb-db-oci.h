/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "update.h"
/* `portcullis db publish` (and the OCI archive's export/import): the DB as
 * an OCI artifact (lib/registry.h). */
int db_publish(int argc, char **argv);
int db_export(int argc, char **argv);
/* `db import FILE` of an OCI archive (registry_is_archive()). */
int db_import_oci(const char *path, const char *db, const char *config, bool allow_shrink);
/* `db status`: what the last OCI pull installed (<state_dir>/oci.json), as
 * root's "oci" (JSON) or printed lines (root NULL); nothing when no pull
 * installed one. */
void db_status_oci(const char *config, json_t *root);
/* `db update`'s last line after an oci:// source served. */
void db_update_oci_summary(const struct update_result *res, const char *db, double seconds);
