/* SPDX-License-Identifier: Apache-2.0 */
/* The hook's parent process reads the analysis child's message; the child
 * parsed an image's files, so the parent treats the message as hostile. */
#include <stdint.h>
#include <stdlib.h>

#include "analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct analysis_result r = {};
        struct error err = {};
        char *again = NULL;

        if (analysis_result_from_json((const char *) data, size, &r, &err) < 0)
                return 0;
        /* What parses must encode again. */
        if (analysis_result_to_json(&r, &again, &err) < 0)
                abort();
        free(again);
        analysis_result_done(&r);
        return 0;
}
