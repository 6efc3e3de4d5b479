/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis install edits containerd's config.toml, a file someone else
 * wrote.  Any bytes must either fail with a one-line message naming the
 * file and no output, or give a text whose imports list is the input's
 * with our entry appended; a second add changes nothing, and remove gives
 * back the input's list.  toml_configures_plugin() must agree with the
 * editor on whether the file parses.  toml_runtime_edit() (with and
 * without the default runtime) either fails the same way or gives a text
 * that parses, configures the CRI plugin, which a second add leaves as it
 * is and whose remove gives back the input (when it had no lines of ours
 * and ended with a newline).  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "toml-imports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENTRY "/etc/containerd/conf.d/portcullis.toml"

static bool same_list(char **a, char **b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static void check_error(const struct error *err, char *out) {
        if (!err->msg[0] || strchr(err->msg, '\n') || strncmp(err->msg, "config.toml", 11) != 0 || out)
                abort();
}

static void check_runtime(const char *in, size_t size, bool make_default) {
        _cleanup_free_ char *out = NULL, *again = NULL, *back = NULL, *had = NULL;
        struct toml_runtime rt = { "io.containerd.grpc.v1.cri", "portcullis", "io.containerd.portcullis.v2",
                                   make_default };
        struct error err = {};
        unsigned line = 0;

        if (toml_runtime_edit(in, size, "config.toml", &rt, true, &out, &err) < 0) {
                check_error(&err, out);
                return;
        }
        if (toml_runtime_edit(in, size, "config.toml", &rt, false, &had, &err) < 0)
                abort();        /* add took a file remove refused */
        if (!out) {
                if (!had)
                        abort();        /* unchanged, but none of our lines there */
                return;
        }
        if (toml_configures_plugin(out, strlen(out), "config.toml", "io.containerd.grpc.v1.cri", &line, &err) != 1 ||
            toml_runtime_edit(out, strlen(out), "config.toml", &rt, true, &again, &err) < 0 || again ||
            toml_runtime_edit(out, strlen(out), "config.toml", &rt, false, &back, &err) < 0 || !back)
                abort();
        if (!had && size > 0 && in[size - 1] == '\n' && (strlen(back) != size || memcmp(back, in, size) != 0))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **before = NULL, **after = NULL, **back_list = NULL;
        _cleanup_free_ char *out = NULL, *again = NULL, *back = NULL;
        const char *in = (const char *) data;
        struct error err = {};
        unsigned line = 0;
        char *ours;
        int parses;

        parses = toml_configures_plugin(in, size, "config.toml", "io.containerd.grpc.v1.cri", &line, &err);
        check_runtime(in, size, false);
        check_runtime(in, size, true);
        if (toml_imports_edit(in, size, "config.toml", ENTRY, true, &out, &err) < 0) {
                check_error(&err, out);
                return 0;
        }
        if (parses < 0 || (parses == 1 && line == 0))
                abort();        /* the editor took a file the scanner refused */
        if (toml_imports_list(in, size, "config.toml", &before, &err) < 0)
                abort();
        if (!out) {
                for (char **e = before; *e; e++)
                        if (strcmp(*e, ENTRY) == 0)
                                return 0;
                abort();        /* unchanged, but our entry is not there */
        }
        if (toml_imports_list(out, strlen(out), "config.toml", &after, &err) < 0 ||
            strv_length(after) != strv_length(before) + 1 || strcmp(after[strv_length(before)], ENTRY) != 0)
                abort();
        ours = after[strv_length(before)];
        after[strv_length(before)] = NULL;
        if (!same_list(before, after))
                abort();
        after[strv_length(before)] = ours;
        if (toml_imports_edit(out, strlen(out), "config.toml", ENTRY, true, &again, &err) < 0 || again)
                abort();
        if (toml_imports_edit(out, strlen(out), "config.toml", ENTRY, false, &back, &err) < 0 || !back ||
            toml_imports_list(back, strlen(back), "config.toml", &back_list, &err) < 0 || !same_list(before, back_list))
                abort();
        return 0;
}
