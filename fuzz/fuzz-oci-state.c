/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state arrives on the hook's stdin from whatever ran the hook: any
 * bytes must parse or fail with a one-line message, never crash, leak or
 * write the output on failure; what parses must obey the checks (a
 * non-empty printable id, an absolute bundle, key/value pairs).  A broken
 * invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *msg) {
        if (!msg[0])
                abort();
        for (; *msg; msg++)
                if ((unsigned char) *msg < 0x20)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct oci_state s = {};
        struct error err = {};

        if (oci_state_parse((const char *) data, size, &s, &err) < 0) {
                check_message(err.msg);
                if (s.id || s.bundle || s.annotations)
                        abort();
                return 0;
        }
        if (!s.oci_version || !s.status || !s.id[0] || s.bundle[0] != '/' || s.pid < 0 || !s.annotations)
                abort();
        if (strv_length(s.annotations) % 2 != 0 || strv_length(s.annotations) > 2 * OCI_ANNOTATIONS_MAX)
                abort();
        for (char **kv = s.annotations; *kv; kv += 2)
                if (!kv[0][0] || oci_annotation(s.annotations, kv[0]) == NULL)
                        abort();
        (void) oci_image_name(s.annotations, s.annotations);
        (void) oci_namespace(s.annotations, NULL);
        oci_state_done(&s);
        return 0;
}
