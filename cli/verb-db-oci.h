/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* `portcullis db publish` (and the OCI archive's export/import): the DB as
 * an OCI artifact (lib/registry.h). */
int db_publish(int argc, char **argv);
