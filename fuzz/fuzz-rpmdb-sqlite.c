/* SPDX-License-Identifier: Apache-2.0 */
/* An rpm database file in the sqlite format (rpmdb.sqlite), read by sqlite
 * from memory, hardened; it comes from the image (see rpmdb-common.h). */
#include "rpmdb-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        return fuzz_rpmdb(data, size, RPMDB_SQLITE);
}
