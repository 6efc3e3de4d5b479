/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* A careful editor of one key of containerd's config.toml (config version
 * 2, containerd 1.5 to 1.7): the top-level `imports` array of strings.  It
 * is not a TOML library: it checks the whole file's structure (tables,
 * keys, strings, arrays, inline tables) well enough to refuse a file it
 * does not understand, and edits only bytes of the `imports` statement (or
 * adds one line after `version = 2`), so that everything else stays byte
 * for byte.  Messages start with `what` (the file's name) and name the line. */

/* The file's size limit: containerd configs are a few KiB. */
#define TOML_CONFIG_MAX ((size_t) 1024 * 1024)

/* Adds entry to (add) or removes it from the imports list of buf.  Returns
 * 0 with *ret_out the new text (NULL when nothing changes: already there /
 * not there), or a negative errno with a one-line message when buf is not
 * TOML it can edit safely: not version 2, an `imports` that is not a plain
 * array of strings, a string with escapes, a multi-line string before the
 * first table, and anything it can't parse.  remove(add(x)) == x. */
int toml_imports_edit(const char *buf, size_t len, const char *what, const char *entry, bool add, char **ret_out,
                      struct error *err);

/* The entries of the imports list (a NULL-terminated vector, empty when
 * there is no list), after the same checks. */
int toml_imports_list(const char *buf, size_t len, const char *what, char ***ret_list, struct error *err);

/* Whether buf configures anything under the table `plugins.<plugin>`
 * (headers and dotted keys, quoted or not): returns 1 and *ret_line (the
 * first such line), 0 when not, negative when buf does not parse. */
int toml_configures_plugin(const char *buf, size_t len, const char *what, const char *plugin, unsigned *ret_line,
                           struct error *err);

/* The runtime toml_runtime_edit() adds to containerd's CRI plugin. */
struct toml_runtime {
        const char *plugin;     /* the CRI plugin: io.containerd.grpc.v1.cri */
        const char *name;       /* a bare key: the runtime's name */
        const char *type;       /* its runtime_type */
        bool make_default;      /* and the CRI's default_runtime_name */
};

/* Adds the runtime's table to buf itself (for a config.toml that
 * configures the CRI plugin, which containerd 1.6 would replace by an
 * imported file's): at the end, after a line "# added by portcullis
 * install", [plugins."<plugin>".containerd.runtimes.<name>] with its
 * runtime_type; with make_default, default_runtime_name = "<name>" in the
 * file's [plugins."<plugin>".containerd] table (a line ending with that
 * comment) or in that table appended too.  Refuses (a message naming the
 * line) a file that defines the runtime's table already, or could (an
 * inline table, dotted keys or an array of tables on the way to it), or
 * sets another default runtime.  What an earlier add wrote is taken out
 * first: *ret_out is NULL when nothing changes.  remove (add false) takes
 * out only those lines; remove(add(x)) == x when x ends with a newline. */
int toml_runtime_edit(const char *buf, size_t len, const char *what, const struct toml_runtime *rt, bool add,
                      char **ret_out, struct error *err);
