/* SPDX-License-Identifier: Apache-2.0 */
/* oci_config_add_hook(): the shim's edit of a bundle's config.json.  Each
 * row is a config.json; a success must equal the input with our hook
 * appended to hooks.createRuntime (every other hook, key and value kept,
 * keys in their order), and a second run must change nothing.  A failure
 * must name the file and the field. */
#include <jansson.h>

#include "oci-hooks.h"
#include "oci.h"
#include "test.h"

#define HOOK_PATH "/usr/local/libexec/portcullis/portcullis-hook"

static char *hook_args[] = { "portcullis-hook", "--containerd-namespace", "k8s.io", "--containerd-id", "c1",
                             "--config", "/etc/portcullis/config.json", NULL };
static const struct oci_hook hook = { .path = HOOK_PATH, .args = hook_args, .timeout = 30 };

#define HOOK_JSON "{\"path\": \"" HOOK_PATH "\", \"args\": [\"portcullis-hook\", \"--containerd-namespace\", " \
        "\"k8s.io\", \"--containerd-id\", \"c1\", \"--config\", \"/etc/portcullis/config.json\"], \"timeout\": 30}"

/* A config.json as containerd writes one for ctr run, shortened. */
#define SPEC_HEAD "{\"ociVersion\": \"1.0.2-dev\", \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, " \
        "\"args\": [\"/bin/sh\", \"-c\", \"echo started\"], \"env\": [\"PATH=/usr/bin:/bin\"], \"cwd\": \"/\", " \
        "\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"]}, \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", " \
        "\"hard\": 1024, \"soft\": 1024}], \"noNewPrivileges\": true}, \"root\": {\"path\": \"rootfs\"}, " \
        "\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\", " \
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]}], "
#define SPEC_TAIL "\"linux\": {\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], " \
        "\"cpu\": {\"shares\": 1024, \"quota\": -1}}, \"cgroupsPath\": \"/default/c1\", \"namespaces\": " \
        "[{\"type\": \"pid\"}, {\"type\": \"mount\"}], \"maskedPaths\": [\"/proc/kcore\"]}, " \
        "\"annotations\": {\"io.kubernetes.cri.image-name\": \"docker.io/library/nginx:1.25\"}, \"x-vendor\": 0.5}"

struct row {
        const char *name;
        const char *json;
        const char *error;              /* NULL = success; else both substrings must be in the message */
        const char *error2;
        size_t n_create_runtime;        /* createRuntime entries after the edit */
};

static const struct row rows[] = {
        { "containerd's spec, no hooks", SPEC_HEAD SPEC_TAIL, NULL, NULL, 1 },
        { "empty object", "{}", NULL, NULL, 1 },
        { "hooks null", "{\"hooks\": null}", NULL, NULL, 1 },
        { "createRuntime null", "{\"hooks\": {\"createRuntime\": null}}", NULL, NULL, 1 },
        { "createRuntime empty", "{\"hooks\": {\"createRuntime\": []}}", NULL, NULL, 1 },
        { "other hooks at every stage",
          SPEC_HEAD "\"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/nvidia-container-runtime-hook\", "
          "\"args\": [\"nvidia-container-runtime-hook\", \"prestart\"]}], "
          "\"createRuntime\": [{\"path\": \"/usr/libexec/oci/hooks.d/first\", \"timeout\": 5}, "
          "{\"path\": \"/usr/libexec/oci/hooks.d/second\", \"env\": [\"A=b\"]}], "
          "\"createContainer\": [{\"path\": \"/bin/true\"}], "
          "\"poststart\": [{\"path\": \"/usr/bin/notify\", \"args\": [\"notify\", \"up\"]}], "
          "\"poststop\": [{\"path\": \"/usr/bin/cleanup\"}]}, " SPEC_TAIL,
          NULL, NULL, 3 },
        { "unknown stage and members kept", "{\"hooks\": {\"x-future-stage\": [1, 2], \"createRuntime\": "
          "[{\"path\": \"/a\", \"x-extra\": {\"k\": [true, null]}}]}, \"z\": 1, \"a\": 2}", NULL, NULL, 2 },
        { "not JSON", "ociVersion: 1.0", "config.json: not valid JSON at line 1", NULL, 0 },
        { "truncated", "{\"ociVersion\": \"1.0.2\", \"hooks\": {", "config.json: not valid JSON", NULL, 0 },
        { "empty input", "", "config.json: not valid JSON", NULL, 0 },
        { "array at the top", "[]", "config.json: must be a JSON object", NULL, 0 },
        { "duplicate key at the top", "{\"hooks\": {}, \"hooks\": {}}", "config.json: not valid JSON",
          "duplicate object key", 0 },
        { "duplicate key in hooks", "{\"hooks\": {\"createRuntime\": [], \"createRuntime\": []}}",
          "config.json: not valid JSON", "duplicate object key", 0 },
        { "hooks an array", "{\"hooks\": []}", "config.json: field 'hooks' must be an object", NULL, 0 },
        { "hooks a string", "{\"hooks\": \"createRuntime\"}", "config.json: field 'hooks' must be an object", NULL,
          0 },
        { "createRuntime an object", "{\"hooks\": {\"createRuntime\": {\"path\": \"/a\"}}}",
          "config.json: field 'hooks.createRuntime' must be an array", NULL, 0 },
        { "createRuntime a string", "{\"hooks\": {\"createRuntime\": \"/a\"}}",
          "config.json: field 'hooks.createRuntime' must be an array", NULL, 0 },
        { "an entry that is not an object", "{\"hooks\": {\"createRuntime\": [{\"path\": \"/a\"}, \"/b\"]}}",
          "config.json: field 'hooks.createRuntime[1]' must be an object with a string 'path'", NULL, 0 },
        { "an entry without a path", "{\"hooks\": {\"createRuntime\": [{\"args\": [\"x\"]}]}}",
          "config.json: field 'hooks.createRuntime[0]' must be an object with a string 'path'", NULL, 0 },
        { "a path that is a number", "{\"hooks\": {\"createRuntime\": [{\"path\": 7}]}}",
          "field 'hooks.createRuntime[0]'", NULL, 0 },
        { "NUL inside a string", "{\"a\": \"x\\u0000y\"}", "config.json: not valid JSON", NULL, 0 },
};

/* in with the expected edit made by hand: hooks and createRuntime created
 * where absent or null, our entry appended. */
static json_t *expected(const char *in) {
        json_t *j = json_loads(in, JSON_REJECT_DUPLICATES, NULL), *hooks, *stage;

        hooks = json_object_get(j, "hooks");
        if (!json_is_object(hooks)) {
                hooks = json_object();
                json_object_set_new(j, "hooks", hooks);
        }
        stage = json_object_get(hooks, "createRuntime");
        if (!json_is_array(stage)) {
                stage = json_array();
                json_object_set_new(hooks, "createRuntime", stage);
        }
        json_array_append_new(stage, json_loads(HOOK_JSON, 0, NULL));
        return j;
}

/* Every top-level key of in appears in out in the same order. */
static void check_order(const char *name, const char *in, const char *out) {
        json_t *j = json_loads(in, 0, NULL), *v;
        const char *key;
        size_t prev = 0;

        json_object_foreach(j, key, v) {
                char quoted[256];
                const char *at;

                snprintf(quoted, sizeof(quoted), "\n  \"%s\"", key);
                at = strstr(out, quoted);
                CHECK_MSG(at && (size_t) (at - out) >= prev, "%s: key '%s' out of order", name, key);
                if (at)
                        prev = (size_t) (at - out);
        }
        json_decref(j);
}

static void check_row(const struct row *r) {
        _cleanup_free_ char *out = NULL, *again = NULL;
        struct error err = {};
        bool changed = false;
        int k;

        k = oci_config_add_hook(r->json, strlen(r->json), "config.json", &hook, &out, &changed, &err);
        if (r->error) {
                CHECK_MSG(k == -EINVAL, "%s: returned %d (%s)", r->name, k, err.msg);
                CHECK_MSG(strstr(err.msg, r->error), "%s: message \"%s\"", r->name, err.msg);
                CHECK_MSG(!r->error2 || strstr(err.msg, r->error2), "%s: message \"%s\"", r->name, err.msg);
                CHECK_MSG(!out && !strchr(err.msg, '\n'), "%s: output or multi-line message", r->name);
                return;
        }
        CHECK_MSG(k == 0 && changed && out, "%s: returned %d (%s)", r->name, k, err.msg);
        if (!out)
                return;
        {
                json_t *got = json_loads(out, JSON_REJECT_DUPLICATES, NULL), *want = expected(r->json);

                CHECK_MSG(got && json_equal(got, want), "%s: result differs:\n%s", r->name, out);
                CHECK_MSG(json_array_size(json_object_get(json_object_get(got, "hooks"), "createRuntime")) ==
                                  r->n_create_runtime, "%s: createRuntime length", r->name);
                json_decref(got);
                json_decref(want);
        }
        CHECK_MSG(out[strlen(out) - 1] == '\n' && strstr(out, "\n  \"hooks\": {"), "%s: layout:\n%s", r->name, out);
        check_order(r->name, r->json, out);

        /* Idempotent: the second run finds our path and leaves the file. */
        k = oci_config_add_hook(out, strlen(out), "config.json", &hook, &again, &changed, &err);
        CHECK_MSG(k == 0 && !changed && !again, "%s: second run: %d changed=%d (%s)", r->name, k, changed, err.msg);
}

/* An entry with our path but other args (an older shim's) counts as ours. */
static void test_same_path(void) {
        static const char in[] = "{\"hooks\": {\"createRuntime\": [{\"path\": \"" HOOK_PATH "\"}]}}";
        char *out = (char *) 0x1;
        struct error err = {};
        bool changed = true;

        CHECK(oci_config_add_hook(in, strlen(in), "config.json", &hook, &out, &changed, &err) == 0);
        CHECK(!changed && !out);
}

static void test_hook_fields(void) {
        static char *no_args[] = { NULL };
        static char *env[] = { "PORTCULLIS_X=1", NULL };
        const struct oci_hook relative = { .path = "portcullis-hook" };
        const struct oci_hook empty_args = { .path = "/h", .args = no_args };
        const struct oci_hook minimal = { .path = "/h", .env = env };
        _cleanup_free_ char *out = NULL;
        struct error err = {};
        bool changed;

        CHECK(oci_config_add_hook("{}", 2, "config.json", &relative, &out, &changed, &err) == -EINVAL);
        CHECK(strstr(err.msg, "not absolute") != NULL);
        CHECK(oci_config_add_hook("{}", 2, "config.json", &empty_args, &out, &changed, &err) == -EINVAL);
        CHECK(oci_config_add_hook("{}", 2, "config.json", NULL, &out, &changed, &err) == -EINVAL);
        CHECK(oci_config_add_hook("{}", 2, "config.json", &minimal, &out, &changed, &err) == 0);
        CHECK_STREQ(out, "{\n  \"hooks\": {\n    \"createRuntime\": [\n      {\n        \"path\": \"/h\",\n"
                    "        \"env\": [\n          \"PORTCULLIS_X=1\"\n        ]\n      }\n    ]\n  }\n}\n");
}

/* The file is named as given, and the cap is the hook's own. */
static void test_name_and_cap(void) {
        _cleanup_free_ char *big = malloc(OCI_CONFIG_MAX + 2), *out = NULL;
        struct error err = {};
        bool changed;

        CHECK(oci_config_add_hook("[", 1, "/run/containerd/b/config.json", &hook, &out, &changed, &err) == -EINVAL);
        CHECK(strncmp(err.msg, "/run/containerd/b/config.json: ", 31) == 0);
        if (!big)
                return;
        memset(big, ' ', OCI_CONFIG_MAX + 1);
        big[0] = '{';
        big[OCI_CONFIG_MAX] = '}';
        CHECK(oci_config_add_hook(big, OCI_CONFIG_MAX + 1, "config.json", &hook, &out, &changed, &err) == -E2BIG);
        CHECK(strstr(err.msg, "config.json is") && strstr(err.msg, "limit"));
        CHECK(!out);
}

int main(void) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_row(&rows[i]);
        test_same_path();
        test_hook_fields();
        test_name_and_cap();
        return test_end();
}
