/* SPDX-License-Identifier: Apache-2.0 */
/* The shim edits a config.json that whoever set up the bundle wrote.  Any
 * bytes must either fail with a one-line message and no output, or give a
 * document that equals the input with our hook appended to
 * hooks.createRuntime (nothing else lost or changed), holding our path
 * exactly once, and that a second edit leaves alone.  A broken invariant
 * aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-hooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOOK_PATH "/usr/libexec/portcullis/portcullis-hook"

static char *args[] = { "portcullis-hook", "--containerd-namespace", "default", "--containerd-id", "x", NULL };
static const struct oci_hook hook = { .path = HOOK_PATH, .args = args, .timeout = 30 };

static bool is_ours(json_t *h) {
        const char *p = json_string_value(json_object_get(h, "path"));

        return p && strcmp(p, HOOK_PATH) == 0;
}

static size_t count_ours(json_t *stage) {
        size_t i, n = 0;
        json_t *h;

        json_array_foreach(stage, i, h)
                n += is_ours(h);
        return n;
}

/* out must be in plus our entry at the end of hooks.createRuntime. */
static void check_edit(const char *in, size_t len, const char *out) {
        json_t *before = json_loadb(in, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *after = json_loads(out, JSON_REJECT_DUPLICATES, NULL);
        json_t *stage = json_object_get(json_object_get(after, "hooks"), "createRuntime"), *old_hooks;
        size_t n = json_array_size(stage);

        if (!before || !after || !json_is_array(stage) || n == 0 || count_ours(stage) != 1)
                abort();
        if (!is_ours(json_array_get(stage, n - 1)))
                abort();
        json_array_remove(stage, n - 1);
        old_hooks = json_object_get(before, "hooks");
        /* Absent or null hooks / createRuntime come back created, and empty. */
        if (json_is_null(json_object_get(old_hooks, "createRuntime")) ||
            (json_is_object(old_hooks) && !json_object_get(old_hooks, "createRuntime")))
                json_object_set_new(old_hooks, "createRuntime", json_array());
        if (!old_hooks || json_is_null(old_hooks))
                json_object_set_new(before, "hooks", json_pack("{s:[]}", "createRuntime"));
        if (!json_equal(before, after))
                abort();
        json_decref(before);
        json_decref(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *out = NULL, *again = NULL;
        struct error err = {};
        bool changed = false;

        if (oci_config_add_hook((const char *) data, size, "config.json", &hook, &out, &changed, &err) < 0) {
                if (!err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "config.json", 11) != 0 || out)
                        abort();
                return 0;
        }
        if (!changed) {
                if (out)
                        abort();
                return 0;
        }
        if (!out)
                abort();
        check_edit((const char *) data, size, out);
        if (oci_config_add_hook(out, strlen(out), "config.json", &hook, &again, &changed, &err) < 0 || changed || again)
                abort();
        free(out);
        return 0;
}
