/* SPDX-License-Identifier: Apache-2.0 */
/* An rpm database file in the ndb format (Packages.db): blobs past the end,
 * overlapping blobs; it comes from the image (see rpmdb-common.h). */
#include "rpmdb-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        return fuzz_rpmdb(data, size, RPMDB_NDB);
}
