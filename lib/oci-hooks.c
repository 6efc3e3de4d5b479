/* SPDX-License-Identifier: Apache-2.0 */
/* Appends a createRuntime hook to a bundle's config.json.  The document is
 * edited as a tree and written back whole: whatever we don't know (newer
 * spec fields, vendor extensions) survives because jansson keeps every
 * member, and keeps the members of each object in their order. */
#include <jansson.h>
#include <string.h>

#include "base/strutil.h"
#include "oci-hooks.h"
#include "oci.h"

#define STAGE "createRuntime"

static int load(const char *buf, size_t len, const char *name, json_t **ret, struct error *err) {
        json_error_t jerr;
        json_t *j;

        if (len > OCI_CONFIG_MAX)
                return error_set(err, E2BIG, "%s is %zu bytes, more than the limit of %zu", name, len,
                                 OCI_CONFIG_MAX);
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                str_make_printable(jerr.text); /* jansson quotes the offending token */
                return error_set(err, EINVAL, "%s: not valid JSON at line %d, column %d: %s (an OCI runtime config, "
                                 "runtime-spec config.md)", name, jerr.line, jerr.column, jerr.text);
        }
        if (!json_is_object(j)) {
                json_decref(j);
                return error_set(err, EINVAL, "%s: must be a JSON object (an OCI runtime config, runtime-spec config.md)",
                                 name);
        }
        *ret = j;
        return 0;
}

/* obj[key] as a container of the given type, created when absent or null. */
static int get_or_add(json_t *obj, const char *key, bool array, const char *name, const char *field, json_t **ret,
                      struct error *err) {
        json_t *v = json_object_get(obj, key);

        if (v && !json_is_null(v)) {
                if (array ? !json_is_array(v) : !json_is_object(v))
                        return error_set(err, EINVAL, "%s: field '%s' must be %s (runtime-spec config.md "
                                         "\"POSIX-platform Hooks\"); fix whatever wrote this bundle", name, field,
                                         array ? "an array of hooks" : "an object");
                *ret = v;
                return 0;
        }
        v = array ? json_array() : json_object();
        if (!v || json_object_set_new(obj, key, v) < 0)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        *ret = v;
        return 0;
}

/* Whether the stage already holds a hook with our path.  Every entry must be
 * an object with a string "path", as the spec requires: anything else would
 * fail in the runtime anyway, and we would not know what it meant. */
static int find_hook(json_t *stage, const char *path, const char *name, bool *ret_found, struct error *err) {
        size_t i;
        json_t *h;

        *ret_found = false;
        json_array_foreach(stage, i, h) {
                json_t *p = json_object_get(h, "path");

                if (!json_is_object(h) || !json_is_string(p))
                        return error_set(err, EINVAL, "%s: field 'hooks.%s[%zu]' must be an object with a string "
                                         "'path' (runtime-spec config.md \"POSIX-platform Hooks\")", name, STAGE, i);
                if (strcmp(json_string_value(p), path) == 0)
                        *ret_found = true;
        }
        return 0;
}

static json_t *strv_to_json(char *const *v) {
        json_t *a = json_array();

        for (; a && v && *v; v++)
                if (json_array_append_new(a, json_string(*v)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* { "path": ..., "args": [...], "env": [...], "timeout": N }, the order of
 * config.md's own example. */
static json_t *hook_to_json(const struct oci_hook *hook) {
        json_auto_t *h = json_object();

        if (!h || json_object_set_new(h, "path", json_string(hook->path)) < 0)
                return NULL;
        if (hook->args && json_object_set_new(h, "args", strv_to_json(hook->args)) < 0)
                return NULL;
        if (hook->env && json_object_set_new(h, "env", strv_to_json(hook->env)) < 0)
                return NULL;
        if (hook->timeout > 0 && json_object_set_new(h, "timeout", json_integer(hook->timeout)) < 0)
                return NULL;
        return TAKE_PTR(h);
}

static int check_hook(const struct oci_hook *hook, struct error *err) {
        if (!hook || !hook->path || hook->path[0] != '/')
                return error_set(err, EINVAL, "the hook path \"%s\" is not absolute (runtime-spec config.md: it MUST be)",
                                 hook && hook->path ? hook->path : "");
        if (hook->args && !hook->args[0])
                return error_set(err, EINVAL, "the hook's args must start with the program's name");
        return 0;
}

/* The document as text, two-space indent, with a final newline. */
static int dump(json_t *root, const char *name, char **ret, struct error *err) {
        _cleanup_free_ char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        size_t n;
        char *out;

        if (!s)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        n = strlen(s);
        out = malloc(n + 2);
        if (!out)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        memcpy(out, s, n);
        memcpy(out + n, "\n", 2);
        *ret = out;
        return 0;
}

int oci_config_add_hook(const char *buf, size_t len, const char *name, const struct oci_hook *hook, char **ret_json,
                        bool *ret_changed, struct error *err) {
        json_auto_t *root = NULL;
        json_t *hooks, *stage, *entry;
        bool found;
        int r;

        name = name ? name : "config.json";
        if ((r = check_hook(hook, err)) < 0 ||
            (r = load(buf, len, name, &root, err)) < 0 ||
            (r = get_or_add(root, "hooks", false, name, "hooks", &hooks, err)) < 0 ||
            (r = get_or_add(hooks, STAGE, true, name, "hooks." STAGE, &stage, err)) < 0 ||
            (r = find_hook(stage, hook->path, name, &found, err)) < 0)
                return r;
        if (found) {
                *ret_json = NULL;
                *ret_changed = false;
                return 0;
        }
        entry = hook_to_json(hook);
        if (!entry || json_array_append_new(stage, entry) < 0)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        r = dump(root, name, ret_json, err);
        if (r < 0)
                return r;
        *ret_changed = true;
        return 0;
}
