/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: any bytes must parse or fail with a message naming the file;
 * a configuration that parses has every path set and absolute.  A broken
 * invariant aborts. */
#include <stdint.h>
#include <stdlib.h>

#include "base/strutil.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

static void check_path(const char *s, bool optional) {
        if (!s ? !optional : s[0] != '/')
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct config *c = NULL;
        struct error err = {};

        if (size > CONFIG_FILE_MAX)
                return 0;
        if (config_parse((const char *) data, size, NAME, &c, &err) < 0) {
                if (!startswith(err.msg, NAME ":") || c)
                        abort();
                return 0;
        }
        check_path(c->db, false);
        check_path(c->cache, false);
        check_path(c->policy, false);
        check_path(c->log_file, true);
        if (c->on_error != POLICY_ACTION_ALLOW && c->on_error != POLICY_ACTION_DENY)
                abort();
        config_free(c);
        return 0;
}
