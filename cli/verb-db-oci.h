/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* `portcullis db publish` (and the OCI archive's export/import): the DB as
 * an OCI artifact (lib/registry.h). */
int db_publish(int argc, char **argv);
int db_export(int argc, char **argv);
/* `db import FILE` of an OCI archive (registry_is_archive()). */
int db_import_oci(const char *path, const char *db, const char *config);
