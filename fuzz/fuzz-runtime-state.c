/* SPDX-License-Identifier: Apache-2.0 */
/* A runtime's state file (runc's state.json, crun's status), which 'ps'
 * reads from the state folders: the first byte picks the format (even:
 * runc, odd: crun), the rest is the file.  Any bytes must parse or fail
 * with a one-line message, never crash or leak; what parses has a pid, and
 * runc's bundle comes from its "bundle=" label.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "running.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct running_state s = {};
        struct error err = {};
        const char *format;

        if (size < 1)
                return 0;
        format = data[0] % 2 ? "crun" : "runc";
        if (running_state_parse((const char *) data + 1, size - 1, "fuzz/state", format, &s, &err) < 0) {
                if (!err.msg[0] || strchr(err.msg, '\n') || s.id || s.created || s.bundle || s.rootfs || s.labels)
                        abort();
                return 0;
        }
        if (s.pid <= 0 || (s.labels && strcmp(format, "runc") != 0))
                abort();
        for (char **l = s.labels; l && *l; l++)
                if (startswith(*l, "bundle=") && !s.bundle)
                        abort();
        running_state_done(&s);
        return 0;
}
