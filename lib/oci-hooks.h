/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Adding our hook to a bundle's config.json (runtime-spec config.md
 * "POSIX-platform Hooks"), for runtimes without a hooks directory: the
 * containerd shim does this before it hands the bundle to runc. */

struct oci_hook {
        const char *path;               /* absolute (config.md: "path ... MUST be absolute") */
        char *const *args;              /* NULL-terminated, args[0] is the program's name; or NULL */
        char *const *env;               /* NULL-terminated "KEY=value"; or NULL */
        unsigned timeout;               /* seconds; 0 leaves it out (no timeout) */
};

/* Parses the config.json in buf (capped at OCI_CONFIG_MAX, duplicate keys
 * rejected; name is the file in messages) and appends hook to
 * hooks.createRuntime, creating "hooks" and "createRuntime" when absent.
 * Every other hook, key and value is kept, keys in their order.  When an
 * entry with the same path is there already nothing changes: *ret_changed
 * is false and *ret_json NULL.  Otherwise *ret_json is the new document
 * (two-space indent, ending in a newline) and *ret_changed true. */
int oci_config_add_hook(const char *buf, size_t len, const char *name, const struct oci_hook *hook, char **ret_json,
                        bool *ret_changed, struct error *err);
