/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state and config.json as runtimes write them (written here from the
 * runtime-spec and from what runc, crun, containerd, CRI-O and Podman put in
 * them), hostile variants, and the deployment files in config/. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "oci.h"
#include "test.h"

/* --- state: what runtimes send ---------------------------------------------- */

struct state_row {
        const char *name;
        const char *json;
        const char *id, *status, *bundle;
        int pid;
        size_t n_annotations;
        const char *image, *ns;
};

static const struct state_row state_rows[] = {
        { "runc createRuntime",
          "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"web-1\",\"status\":\"creating\",\"pid\":4242,"
          "\"bundle\":\"/run/user/0/bundles/web-1\"}",
          "web-1", "creating", "/run/user/0/bundles/web-1", 4242, 0, NULL, NULL },
        { "runc, annotations copied from config.json",
          "{\"ociVersion\":\"1.1.0\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,\"bundle\":\"/b\","
          "\"annotations\":{\"org.opencontainers.image.ref.name\":\"alpine:3.18\"}}",
          "a", "created", "/b", 1, 1, "alpine:3.18", NULL },
        { "crun, pretty-printed, keys in another order, unknown key",
          "{\n  \"ociVersion\": \"1.0.0\",\n  \"id\": \"c0ffee\",\n  \"pid\": 77,\n"
          "  \"root\": \"/run/crun/c0ffee\",\n  \"bundle\": \"/var/run/c0ffee\",\n  \"status\": \"creating\",\n"
          "  \"created\": \"2024-05-01T10:00:00.000000000Z\",\n  \"annotations\": {}\n}\n",
          "c0ffee", "creating", "/var/run/c0ffee", 77, 0, NULL, NULL },
        { "containerd CRI via runc shim",
          "{\"ociVersion\":\"1.0.2-dev\","
          "\"id\":\"3f7a1c0d9e2b4a6f8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b\",\"status\":\"creating\","
          "\"pid\":31337,\"bundle\":\"/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
          "3f7a1c0d9e2b4a6f8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b\","
          "\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
          "\"io.kubernetes.cri.container-name\":\"nginx\","
          "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25.3\","
          "\"io.kubernetes.cri.sandbox-id\":\"9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c\","
          "\"io.kubernetes.cri.sandbox-name\":\"web-5d8f7c9b4-x2x9k\","
          "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
          "\"io.kubernetes.cri.sandbox-uid\":\"0b6d0c1e-2f4a-4b7e-9a1c-3d5e7f9a1b2c\"}}",
          "3f7a1c0d9e2b4a6f8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b", "creating",
          "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
          "3f7a1c0d9e2b4a6f8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b",
          31337, 7, "docker.io/library/nginx:1.25.3", "shop" },
        { "CRI-O via crun",
          "{\"ociVersion\":\"1.0.0\",\"id\":\"5c1e0a2b\",\"status\":\"creating\",\"pid\":2024,"
          "\"bundle\":\"/run/containers/storage/overlay-containers/5c1e0a2b/userdata\","
          "\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
          "\"io.kubernetes.cri-o.ImageName\":\"quay.io/prometheus/node-exporter:v1.7.0\","
          "\"io.kubernetes.cri-o.ImageRef\":\"quay.io/prometheus/node-exporter@sha256:"
          "4cb2b9019f1757be8482419002cb7afe028fdba35d47958829e4cfeaf6246d80\","
          "\"io.kubernetes.pod.namespace\":\"monitoring\",\"io.kubernetes.pod.name\":\"node-exporter-abcde\","
          "\"io.kubernetes.cri-o.Annotations\":\"{\\\"io.kubernetes.container.hash\\\":\\\"3e1c\\\"}\","
          "\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.container.name\\\":\\\"node-exporter\\\"}\","
          "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"kind\\\":\\\"Pod\\\"}\\n\"}}",
          "5c1e0a2b", "creating", "/run/containers/storage/overlay-containers/5c1e0a2b/userdata", 2024, 8,
          "quay.io/prometheus/node-exporter:v1.7.0", "monitoring" },
        { "CRI-O, only ImageRef",
          "{\"ociVersion\":\"1.0.0\",\"id\":\"x\",\"status\":\"creating\",\"bundle\":\"/b\","
          "\"annotations\":{\"io.kubernetes.cri-o.ImageName\":\"\","
          "\"io.kubernetes.cri-o.ImageRef\":\"docker.io/library/busybox@sha256:abc\"}}",
          "x", "creating", "/b", 0, 2, "docker.io/library/busybox@sha256:abc", NULL },
        { "Podman via runc",
          "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"d41d8cd98f00b204e9800998ecf8427e\",\"status\":\"creating\","
          "\"pid\":5150,\"bundle\":\"/var/lib/containers/storage/overlay-containers/"
          "d41d8cd98f00b204e9800998ecf8427e/userdata\","
          "\"annotations\":{\"io.container.manager\":\"libpod\",\"io.podman.annotations.autoremove\":\"FALSE\","
          "\"io.podman.annotations.init\":\"FALSE\",\"io.podman.annotations.privileged\":\"FALSE\","
          "\"io.podman.annotations.publish-all\":\"FALSE\",\"org.opencontainers.image.stopSignal\":\"15\"}}",
          "d41d8cd98f00b204e9800998ecf8427e", "creating",
          "/var/lib/containers/storage/overlay-containers/d41d8cd98f00b204e9800998ecf8427e/userdata", 5150, 6, NULL,
          NULL },
        { "null pid and annotations (Go without omitempty)",
          "{\"ociVersion\":\"1.0.0\",\"id\":\"n\",\"status\":\"creating\",\"bundle\":\"/b\",\"pid\":null,"
          "\"annotations\":null}",
          "n", "creating", "/b", 0, 0, NULL, NULL },
        { "pid at INT_MAX, UTF-8 annotation",
          "{\"ociVersion\":\"1.0.0\",\"id\":\"p\",\"status\":\"stopped\",\"bundle\":\"/\",\"pid\":2147483647,"
          "\"annotations\":{\"note\":\"caf\\u00e9 \\u2603\"}}",
          "p", "stopped", "/", INT_MAX, 1, NULL, NULL },
};

static void test_state_rows(void) {
        for (size_t i = 0; i < ELEMENTSOF(state_rows); i++) {
                const struct state_row *row = &state_rows[i];
                struct oci_state s = {};
                struct error err = {};

                CHECK_MSG(oci_state_parse(row->json, strlen(row->json), &s, &err) == 0, "%s: %s", row->name,
                          err.msg);
                CHECK_MSG(streq_ptr(s.id, row->id), "%s: id %s", row->name, strna(s.id));
                CHECK_MSG(streq_ptr(s.status, row->status), "%s: status %s", row->name, strna(s.status));
                CHECK_MSG(streq_ptr(s.bundle, row->bundle), "%s: bundle %s", row->name, strna(s.bundle));
                CHECK_MSG(s.oci_version && *s.oci_version, "%s", row->name);
                CHECK_MSG(s.pid == row->pid, "%s: pid %d", row->name, s.pid);
                CHECK_MSG(s.annotations && strv_length(s.annotations) == 2 * row->n_annotations, "%s: %zu annotations",
                          row->name, strv_length(s.annotations) / 2);
                CHECK_MSG(streq_ptr(oci_image_name(s.annotations, NULL), row->image), "%s: image %s", row->name,
                          strna(oci_image_name(s.annotations, NULL)));
                CHECK_MSG(streq_ptr(oci_namespace(s.annotations, NULL), row->ns), "%s: namespace", row->name);
                oci_state_done(&s);
                CHECK(!s.id && !s.annotations);
        }
}

/* --- state: hostile ---------------------------------------------------------- */

struct bad_row {
        const char *name;
        const char *json;
        int code;
        const char *msg;        /* substring of the error */
};

#define GOOD_HEAD "{\"ociVersion\":\"1.0.0\",\"status\":\"creating\","

static const struct bad_row bad_state_rows[] = {
        { "empty", "", -EINVAL, "OCI state: not valid JSON at line 1" },
        { "not JSON", "runc state\n", -EINVAL, "expects the runtime's state JSON on stdin" },
        { "truncated", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"k\":\"v", -EINVAL,
          "not valid JSON" },
        { "trailing garbage", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\"} {}", -EINVAL, "not valid JSON" },
        { "array", "[]", -EINVAL, "must be a JSON object" },
        { "string", "\"id\"", -EINVAL, "not valid JSON" },
        { "duplicate key", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"id\":\"b\"}", -EINVAL, "duplicate" },
        { "duplicate annotation", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"k\":\"1\",\"k\":\"2\"}}",
          -EINVAL, "duplicate" },
        { "missing id", GOOD_HEAD "\"bundle\":\"/b\"}", -EINVAL, "OCI state: field 'id' is missing" },
        { "empty id", GOOD_HEAD "\"id\":\"\",\"bundle\":\"/b\"}", -EINVAL, "field 'id' must not be empty" },
        { "id with newline", GOOD_HEAD "\"id\":\"a\\nFAKE LOG LINE\",\"bundle\":\"/b\"}", -EINVAL,
          "field 'id' contains control characters" },
        { "id number", GOOD_HEAD "\"id\":42,\"bundle\":\"/b\"}", -EINVAL, "field 'id' must be a string" },
        { "id with NUL", GOOD_HEAD "\"id\":\"a\\u0000b\",\"bundle\":\"/b\"}", -EINVAL, "not valid JSON" },
        { "missing bundle", GOOD_HEAD "\"id\":\"a\"}", -EINVAL, "field 'bundle' is missing" },
        { "relative bundle", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"run/b\"}", -EINVAL,
          "OCI state: field 'bundle' must be an absolute path" },
        { "empty bundle", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"\"}", -EINVAL, "field 'bundle' must be an absolute path" },
        { "bundle object", GOOD_HEAD "\"id\":\"a\",\"bundle\":{}}", -EINVAL, "field 'bundle' must be a string" },
        { "missing ociVersion", "{\"id\":\"a\",\"status\":\"creating\",\"bundle\":\"/b\"}", -EINVAL,
          "field 'ociVersion' is missing" },
        { "missing status", "{\"ociVersion\":\"1.0.0\",\"id\":\"a\",\"bundle\":\"/b\"}", -EINVAL,
          "field 'status' is missing" },
        { "status bool", "{\"ociVersion\":\"1.0.0\",\"id\":\"a\",\"status\":true,\"bundle\":\"/b\"}", -EINVAL,
          "field 'status' must be a string" },
        { "pid string", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"pid\":\"12\"}", -EINVAL,
          "field 'pid' must be a non-negative integer" },
        { "pid negative", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"pid\":-1}", -EINVAL, "field 'pid'" },
        { "pid float", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"pid\":1.5}", -EINVAL, "field 'pid'" },
        { "pid too big", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"pid\":2147483648}", -EINVAL, "field 'pid'" },
        { "annotations array", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":[\"k\",\"v\"]}", -EINVAL,
          "field 'annotations' must be an object" },
        { "annotation number", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"ok\":\"v\",\"replicas\":3}}",
          -EINVAL, "annotation 'replicas' must have a string value" },
        { "annotation object",
          GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"io.kubernetes.cri.image-name\":{\"x\":1}}}",
          -EINVAL, "annotation 'io.kubernetes.cri.image-name' must have a string value" },
        { "annotation null", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"k\":null}}", -EINVAL,
          "annotation 'k' must have a string value" },
        { "annotation key with escape", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"a\\u001b[31m\":1}}",
          -EINVAL, "annotation 'a?[31m' must" },
        { "annotation empty key", GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"\":\"v\"}}", -EINVAL,
          "empty key" },
};

static void test_state_bad(void) {
        for (size_t i = 0; i < ELEMENTSOF(bad_state_rows); i++) {
                const struct bad_row *row = &bad_state_rows[i];
                struct oci_state s = { .pid = -7 };
                struct error err = {};
                int r;

                r = oci_state_parse(row->json, strlen(row->json), &s, &err);
                CHECK_MSG(r == row->code, "%s: r=%d", row->name, r);
                CHECK_MSG(strstr(err.msg, row->msg), "%s: message \"%s\"", row->name, err.msg);
                CHECK_MSG(!strchr(err.msg, '\n') && !strchr(err.msg, '\033'), "%s: one printable line", row->name);
                CHECK_MSG(s.pid == -7 && !s.id, "%s: output written on failure", row->name);
        }
}

static void test_state_limits(void) {
        static const char raw_nul[] = GOOD_HEAD "\"id\":\"a\0\",\"bundle\":\"/b\"}";
        struct oci_state s = {};
        struct error err = {};
        struct strbuf b = {};
        _cleanup_free_ char *big = NULL;

        /* Larger than OCI_STATE_MAX: refused before parsing. */
        big = malloc(OCI_STATE_MAX + 2);
        memset(big, ' ', OCI_STATE_MAX + 1);
        memcpy(big, "{}", 2);
        CHECK(oci_state_parse(big, OCI_STATE_MAX + 1, &s, &err) == -E2BIG);
        CHECK(strstr(err.msg, "more than the limit"));

        /* Deep nesting: jansson's depth limit, an error, not a stack overflow. */
        (void) strbuf_puts(&b, GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"x\":");
        for (int i = 0; i < 100000; i++)
                (void) strbuf_puts(&b, "[");
        CHECK(oci_state_parse(b.s, b.len, &s, &err) == -EINVAL);
        CHECK(strstr(err.msg, "not valid JSON"));
        strbuf_done(&b);

        /* OCI_ANNOTATIONS_MAX entries pass, one more is refused. */
        for (int extra = 0; extra <= 1; extra++) {
                (void) strbuf_puts(&b, GOOD_HEAD "\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{");
                for (int i = 0; i < OCI_ANNOTATIONS_MAX + extra; i++)
                        (void) strbuf_printf(&b, "%s\"k%d\":\"v%d\"", i ? "," : "", i, i);
                (void) strbuf_puts(&b, "}}");
                if (extra) {
                        CHECK(oci_state_parse(b.s, b.len, &s, &err) == -E2BIG);
                        CHECK(strstr(err.msg, "field 'annotations' has 4097 entries"));
                } else {
                        CHECK_MSG(oci_state_parse(b.s, b.len, &s, &err) == 0, "%s", err.msg);
                        CHECK(strv_length(s.annotations) == 2 * OCI_ANNOTATIONS_MAX);
                        CHECK_STREQ(oci_annotation(s.annotations, "k4095"), "v4095");
                        CHECK_STREQ(s.annotations[0], "k0");    /* document order kept */
                        oci_state_done(&s);
                }
                strbuf_done(&b);
        }

        /* A raw NUL byte inside the buffer: not JSON. */
        CHECK(oci_state_parse(raw_nul, sizeof(raw_nul) - 1, &s, &err) == -EINVAL);
        oci_state_done(NULL);
}

/* --- config.json -------------------------------------------------------------- */

struct config_row {
        const char *name;
        const char *bundle;
        const char *json;
        int code;
        const char *rootfs;     /* or, on failure, a substring of the error */
        bool readonly;
};

static const struct config_row config_rows[] = {
        { "runc spec default", "/run/bundles/web",
          "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"terminal\":true,\"args\":[\"sh\"]},"
          "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"runc\",\"mounts\":[]}",
          0, "/run/bundles/web/rootfs", true },
        { "containerd: absolute rootfs", "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc",
          "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs\"},"
          "\"annotations\":{\"io.kubernetes.cri.image-name\":\"docker.io/library/redis:7\"}}",
          0, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs", false },
        { "CRI-O: overlay merged dir", "/run/containers/storage/overlay-containers/5c/userdata",
          "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"/var/lib/containers/storage/overlay/77/merged\","
          "\"readonly\":false}}",
          0, "/var/lib/containers/storage/overlay/77/merged", false },
        { "../ root path", "/srv/bundles/web", "{\"root\":{\"path\":\"../shared-rootfs\"}}", 0,
          "/srv/bundles/shared-rootfs", false },
        { "./ and trailing slash", "/b/", "{\"root\":{\"path\":\"./rootfs/\"}}", 0, "/b/rootfs", false },
        { "// and . and ..", "//b//c/.", "{\"root\":{\"path\":\"rootfs//a/./b/../c\"}}", 0, "/b/c/rootfs/a/c",
          false },
        { ".. past /", "/b", "{\"root\":{\"path\":\"../../../../..\"}}", 0, "/", false },
        { "absolute with ..", "/b", "{\"root\":{\"path\":\"/a/../../etc/..//rootfs\"}}", 0, "/rootfs", false },
        { "... is a name", "/b", "{\"root\":{\"path\":\".../..a/a..\"}}", 0, "/b/.../..a/a..", false },
        { "absolute root, no bundle", NULL, "{\"root\":{\"path\":\"/var/rootfs\"}}", 0, "/var/rootfs", false },
        { "relative root, no bundle", NULL, "{\"root\":{\"path\":\"rootfs\"}}", -EINVAL,
          "field 'root.path' is relative", false },
        { "relative root, relative bundle", "bundles/x", "{\"root\":{\"path\":\"rootfs\"}}", -EINVAL,
          "bundle path is not absolute", false },
        { "missing root", "/b", "{\"ociVersion\":\"1.0.0\",\"process\":{}}", -EINVAL,
          "config.json: field 'root' is missing", false },
        { "root string", "/b", "{\"root\":\"rootfs\"}", -EINVAL, "field 'root' must be an object", false },
        { "missing root.path", "/b", "{\"root\":{\"readonly\":true}}", -EINVAL, "field 'root.path' is missing",
          false },
        { "root.path number", "/b", "{\"root\":{\"path\":1}}", -EINVAL, "field 'root.path' must be a string", false },
        { "empty root.path", "/b", "{\"root\":{\"path\":\"\"}}", -EINVAL, "field 'root.path' must not be empty",
          false },
        { "root.path with NUL", "/b", "{\"root\":{\"path\":\"a\\u0000/etc\"}}", -EINVAL, "not valid JSON", false },
        { "readonly string", "/b", "{\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}", -EINVAL,
          "field 'root.readonly' must be true or false", false },
        { "annotations non-string", "/b",
          "{\"root\":{\"path\":\"r\"},\"annotations\":{\"io.kubernetes.cri-o.ImageName\":[\"a\"]}}", -EINVAL,
          "config.json: annotation 'io.kubernetes.cri-o.ImageName' must have a string value", false },
        { "duplicate root", "/b", "{\"root\":{\"path\":\"a\"},\"root\":{\"path\":\"/\"}}", -EINVAL, "duplicate",
          false },
        { "not JSON", "/b", "ociVersion: 1.0.0\nroot:\n  path: rootfs\n", -EINVAL,
          "config.json: not valid JSON at line 1, column 1", false },
        { "truncated", "/b", "{\"root\":{\"path\":\"rootfs\"", -EINVAL, "not valid JSON", false },
};

static void test_config_rows(void) {
        for (size_t i = 0; i < ELEMENTSOF(config_rows); i++) {
                const struct config_row *row = &config_rows[i];
                struct oci_config c = { .root_readonly = true };
                struct error err = {};
                int r;

                r = oci_config_parse(row->json, strlen(row->json), "config.json", row->bundle, &c, &err);
                CHECK_MSG(r == row->code, "%s: r=%d %s", row->name, r, err.msg);
                if (row->code == 0) {
                        CHECK_MSG(streq_ptr(c.rootfs, row->rootfs), "%s: rootfs %s", row->name, strna(c.rootfs));
                        CHECK_MSG(c.root_readonly == row->readonly, "%s: readonly", row->name);
                        CHECK_MSG(c.root_path && c.annotations, "%s", row->name);
                } else {
                        CHECK_MSG(strstr(err.msg, row->rootfs), "%s: message \"%s\"", row->name, err.msg);
                        CHECK_MSG(c.root_readonly && !c.rootfs, "%s: output written on failure", row->name);
                }
                oci_config_done(&c);
        }
}

static void test_config_limits(void) {
        struct oci_config c = {};
        struct error err = {};
        struct strbuf b = { .max = 2 * PATH_MAX };

        (void) strbuf_puts(&b, "{\"root\":{\"path\":\"");
        for (int i = 0; i < PATH_MAX / 2; i++)
                (void) strbuf_puts(&b, "a/");
        (void) strbuf_puts(&b, "\"}}");
        CHECK(oci_config_parse(b.s, b.len, NULL, "/b", &c, &err) == -ENAMETOOLONG);
        CHECK(strstr(err.msg, "config.json: field 'root.path' resolves to a path longer than"));
        strbuf_done(&b);
        CHECK(oci_config_parse("{}", OCI_CONFIG_MAX + 1, NULL, "/b", &c, &err) == -E2BIG);
        oci_config_done(NULL);
}

/* The mounts that put another image's files in (oci_config_image_mounts()):
 * the shapes Podman writes for --mount type=image (overlay and vfs
 * drivers, read-only and rw=true) and CRI-O for a Kubernetes image volume
 * (a bind of the image's mounted view), beside the mounts that are not
 * images (Podman's :O overlay volume, a plain volume, /proc). */
#define ID64 "4ca8d04985693bcf08e73cb33567153fcff29280d59e11809a0e0924458e673f"
static const struct image_mount_row {
        const char *mount;      /* one element of "mounts" */
        const char *path;       /* the image's path, or NULL: not an image */
} image_mount_rows[] = {
        { "{\"destination\":\"/img\",\"type\":\"overlay\",\"source\":\"/s/userdata/overlay/35/merge\","
          "\"options\":[\"lowerdir=/var/lib/containers/storage/overlay/" ID64 "/merged:/s/userdata/overlay/35/lower\","
          "\"private\"]}", "/var/lib/containers/storage/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/img\",\"type\":\"overlay\",\"source\":\"/s/m\",\"options\":["
          "\"lowerdir=/var/lib/containers/storage/vfs/dir/" ID64 "\",\"upperdir=/s/u\",\"workdir=/s/w\"]}",
          "/var/lib/containers/storage/vfs/dir/" ID64 },
        { "{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"/var/lib/containers/storage/overlay/" ID64
          "/merged\",\"options\":[\"ro\"]}", "/var/lib/containers/storage/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/vol\",\"source\":\"/var/lib/containers/storage/overlay/" ID64 "/merged\","
          "\"options\":[\"rbind\",\"ro\"]}", "/var/lib/containers/storage/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/x\",\"type\":\"overlay\",\"source\":\"/m\",\"options\":["
          "\"lowerdir=/a\\\\:b/overlay/" ID64 "/merged\"]}", "/a\\:b/overlay/" ID64 "/merged" },
        /* a folder inside the image (a Kubernetes image volume's subPath,
         * Podman's subpath=): the image's, judged whole */
        { "{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"/var/lib/containers/storage/overlay/" ID64
          "/merged/usr/lib\",\"options\":[\"rbind\",\"ro\"]}", "/var/lib/containers/storage/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"/var/lib/containers/storage/overlay/" ID64
          "/merged/\",\"options\":[\"rbind\",\"ro\"]}", "/var/lib/containers/storage/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"/s/vfs/dir/" ID64 "/etc/ssl\"}",
          "/s/vfs/dir/" ID64 },
        { "{\"destination\":\"/img\",\"type\":\"overlay\",\"source\":\"/s/m\",\"options\":["
          "\"lowerdir=/s/overlay/" ID64 "/merged/opt:/s/l\"]}", "/s/overlay/" ID64 "/merged" },
        { "{\"destination\":\"/vol\",\"type\":\"bind\",\"source\":\"/s/overlay/" ID64 "/merged/x/vfs/dir/"
          ID64 "\"}", "/s/overlay/" ID64 "/merged" },
        /* not images */
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/s/overlay/" ID64 "/mergedx/y\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/s/vfs/dir/" ID64 "0/y\"}", NULL },
        { "{\"destination\":\"/vol\",\"type\":\"overlay\",\"source\":\"/s/m\",\"options\":["
          "\"lowerdir=/var/tmp/data\",\"upperdir=/s/u\",\"workdir=/s/w\"]}", NULL },
        { "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\"]}",
          NULL },
        { "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"source\":\"/var/lib/containers/storage/overlay/" ID64
          "/merged\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/s/overlay/" ID64 "/diff\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/s/overlay/4CA8" ID64 "/merged\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/s/overlay/" ID64 "x/merged\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"overlay/" ID64 "/merged\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/merged\"}", NULL },
        { "{\"destination\":3,\"type\":\"bind\",\"source\":\"/s/overlay/" ID64 "/merged\"}", NULL },
        { "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":[]}", NULL },
        { "\"not a mount\"", NULL },
};

static void test_image_mounts(void) {
        for (size_t i = 0; i < ELEMENTSOF(image_mount_rows); i++) {
                const struct image_mount_row *row = &image_mount_rows[i];
                _cleanup_free_ char *json = NULL;
                struct oci_config c = {};
                struct error err = {};

                CHECK(asprintf(&json, "{\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/proc\","
                               "\"type\":\"proc\",\"source\":\"proc\"},%s]}", row->mount) > 0);
                CHECK_MSG(oci_config_parse(json, strlen(json), NULL, "/b", &c, &err) == 0, "%s: %s", row->mount,
                          err.msg);
                if (row->path)
                        CHECK_MSG(strv_length(c.image_mounts) == 2 && streq_ptr(c.image_mounts[1], row->path),
                                  "%s: %s", row->mount, c.image_mounts ? strna(c.image_mounts[1]) : "none");
                else
                        CHECK_MSG(!c.image_mounts, "%s: taken as an image at %s", row->mount, c.image_mounts[1]);
                oci_config_done(&c);
        }
}

/* --- config.json from a bundle on disk ------------------------------------------- */

static void on_alarm(int sig) {
        (void) sig;
        (void) !write(STDERR_FILENO, "test-oci: config load hung on a FIFO\n", 38);
        _exit(1);
}

static const char *make_bundle(const char *name) {
        const char *dir = test_path(test_tmpdir(), name);

        (void) mkdir(dir, 0755);
        return dir;
}

static void test_config_load(void) {
        struct oci_config c = {};
        struct error err = {};
        const char *b;
        int fd;

        b = make_bundle("good");
        test_write_file(test_path(b, "config.json"),
                        "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                        "\"annotations\":{\"io.kubernetes.pod.namespace\":\"prod\"}}");
        CHECK_MSG(oci_config_load(b, &c, &err) == 0, "%s", err.msg);
        CHECK_STREQ(c.rootfs, test_path(b, "rootfs"));
        CHECK_STREQ(c.root_path, "rootfs");
        CHECK_STREQ(oci_namespace(NULL, c.annotations), "prod");
        oci_config_done(&c);

        /* config.json a symlink (to a perfectly good file): refused. */
        b = make_bundle("symlink");
        CHECK(symlink(test_path(test_path(test_tmpdir(), "good"), "config.json"), test_path(b, "config.json")) == 0);
        CHECK(oci_config_load(b, &c, &err) == -ELOOP);
        CHECK_MSG(strstr(err.msg, "config.json is a symbolic link") && strstr(err.msg, test_path(b, "config.json")),
                  "%s", err.msg);

        /* A FIFO with no writer: must not block. */
        b = make_bundle("fifo");
        CHECK(mkfifo(test_path(b, "config.json"), 0644) == 0);
        signal(SIGALRM, on_alarm);
        alarm(10);
        CHECK(oci_config_load(b, &c, &err) == -EBADFD);
        alarm(0);
        CHECK_MSG(strstr(err.msg, "must be a regular file") && strstr(err.msg, "is not a regular file"), "%s", err.msg);

        /* A directory in its place. */
        b = make_bundle("dir");
        (void) mkdir(test_path(b, "config.json"), 0755);
        CHECK(oci_config_load(b, &c, &err) == -EBADFD);

        /* Larger than OCI_CONFIG_MAX (sparse): refused from fstat, not read. */
        b = make_bundle("big");
        fd = open(test_path(b, "config.json"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0 && ftruncate(fd, (off_t) OCI_CONFIG_MAX + 1) == 0);
        close(fd);
        CHECK(oci_config_load(b, &c, &err) == -EFBIG);
        CHECK(strstr(err.msg, "more than the limit"));

        /* Bundle that does not exist; bundle that is a file; relative bundle. */
        CHECK(oci_config_load(test_path(test_tmpdir(), "nonexistent"), &c, &err) == -ENOENT);
        CHECK_MSG(strstr(err.msg, "nonexistent/config.json") && strstr(err.msg, "bundle path"), "%s", err.msg);
        CHECK(oci_config_load(test_path(test_path(test_tmpdir(), "good"), "config.json"), &c, &err) == -ENOTDIR);
        CHECK(oci_config_load("relative/bundle", &c, &err) == -EINVAL);
        CHECK(strstr(err.msg, "not absolute"));
        CHECK(oci_config_load(NULL, &c, &err) == -EINVAL);

        /* Broken content names the file. */
        b = make_bundle("broken");
        test_write_file(test_path(b, "config.json"), "{\"root\":{\"path\":7}}");
        CHECK(oci_config_load(b, &c, &err) == -EINVAL);
        CHECK_MSG(strstr(err.msg, test_path(b, "config.json: field 'root.path' must be a string")), "%s", err.msg);
        CHECK(!c.rootfs);
}

/* --- annotation lookups ---------------------------------------------------------- */

static void test_lookups(void) {
        char *state[] = { "io.kubernetes.cri-o.ImageRef", "ref-from-state", "io.kubernetes.cri.sandbox-namespace",
                          "ns-from-state", "dangling", NULL };
        char *config[] = { "io.kubernetes.cri-o.ImageName", "name-from-config", "io.kubernetes.pod.namespace",
                           "ns-from-config", "org.opencontainers.image.ref.name", "ref", NULL };
        char *empty[] = { NULL };
        char *blank[] = { "io.kubernetes.cri.image-name", "", NULL };

        CHECK(!oci_annotation(state, "dangling"));              /* odd entry: no value */
        CHECK(!oci_annotation(NULL, "k"));
        CHECK(!oci_annotation(state, NULL));
        CHECK(!oci_annotation(state, "ref-from-state"));        /* values aren't keys */
        /* A better key in the config beats a worse one in the state. */
        CHECK_STREQ(oci_image_name(state, config), "name-from-config");
        CHECK_STREQ(oci_namespace(state, config), "ns-from-config");
        CHECK_STREQ(oci_image_name(state, NULL), "ref-from-state");
        CHECK_STREQ(oci_namespace(state, NULL), "ns-from-state");
        CHECK_STREQ(oci_image_name(empty, config + 4), "ref");
        CHECK_STREQ(oci_image_name(blank, config + 4), "ref"); /* empty counts as absent */
        CHECK(!oci_image_name(NULL, NULL));
        CHECK(!oci_namespace(empty, blank));
}

/* A pod's sandbox as containerd (2.0 on: its image named) and CRI-O say
 * it; a key that says anything else, in either list, makes it none. */
static void test_pod_sandbox(void) {
        char *cd2[] = { "io.kubernetes.cri.container-type", "sandbox", "io.kubernetes.cri.podsandbox.image-name",
                        "registry.k8s.io/pause:3.10", NULL };
        char *crio[] = { "io.kubernetes.cri-o.ContainerType", "sandbox", "io.kubernetes.cri-o.ImageName",
                         "registry.k8s.io/pause:3.10", NULL };
        char *ctr[] = { "io.kubernetes.cri.container-type", "container", "io.kubernetes.cri.podsandbox.image-name",
                        "registry.k8s.io/pause:3.10", NULL };
        char *crio_ctr[] = { "io.kubernetes.cri-o.ContainerType", "container", NULL };
        char *other[] = { "io.kubernetes.cri.container-type", "Sandbox", NULL };
        char *named[] = { "io.kubernetes.cri.container-type", "sandbox", "io.kubernetes.cri.image-name", "app:1",
                          "io.kubernetes.cri.podsandbox.image-name", "registry.k8s.io/pause:3.10", NULL };
        char *none[] = { "io.kubernetes.cri.sandbox-id", "0123", NULL };

        CHECK(oci_pod_sandbox(cd2, NULL));
        CHECK(oci_pod_sandbox(NULL, cd2));
        CHECK(oci_pod_sandbox(crio, NULL));
        CHECK(oci_pod_sandbox(cd2, crio));
        CHECK(!oci_pod_sandbox(ctr, NULL));
        CHECK(!oci_pod_sandbox(cd2, ctr));              /* the state says sandbox, the config container */
        CHECK(!oci_pod_sandbox(crio, crio_ctr));
        CHECK(!oci_pod_sandbox(cd2, crio_ctr));         /* one runtime's key against the other's */
        CHECK(!oci_pod_sandbox(other, NULL));           /* exactly "sandbox" */
        CHECK(!oci_pod_sandbox(none, NULL));
        CHECK(!oci_pod_sandbox(NULL, NULL));
        /* a rootfs a Kubernetes runtime made for this start (either type,
         * either list), or read-only: a digest stands for it */
        CHECK(!oci_rootfs_reused(false, cd2, NULL));
        CHECK(!oci_rootfs_reused(false, NULL, ctr));
        CHECK(!oci_rootfs_reused(false, crio_ctr, NULL));
        CHECK(!oci_rootfs_reused(false, cd2, crio));
        CHECK(!oci_rootfs_reused(false, ctr, cd2));     /* both CRI's: made by it either way */
        CHECK(!oci_rootfs_reused(true, NULL, NULL));
        CHECK(!oci_rootfs_reused(true, other, NULL));
        /* else it may be one an earlier run changed */
        CHECK(oci_rootfs_reused(false, NULL, NULL));
        CHECK(oci_rootfs_reused(false, none, NULL));
        CHECK(oci_rootfs_reused(false, named + 2, NULL)); /* an image name is no container type */
        CHECK(oci_rootfs_reused(false, other, NULL));   /* exactly "container" or "sandbox" */
        CHECK(oci_rootfs_reused(false, ctr, other));    /* any key saying something else */
        /* Podman's pod containers carry CRI-O's key, and restart in place */
        CHECK(oci_rootfs_reused(false, crio_ctr, (char *[]) { "io.container.manager", "libpod", NULL }));
        CHECK(oci_rootfs_reused(false, (char *[]) { "io.container.manager", "libpod", NULL }, crio_ctr));
        CHECK(!oci_rootfs_reused(true, crio_ctr, (char *[]) { "io.container.manager", "libpod", NULL }));
        CHECK(strstr(oci_rootfs_reused(false, NULL, NULL), "root.readonly"));
        /* the sandbox image's name, for a sandbox only, after the others */
        CHECK_STREQ(oci_image_name(cd2, NULL), "registry.k8s.io/pause:3.10");
        CHECK_STREQ(oci_image_name(NULL, cd2), "registry.k8s.io/pause:3.10");
        CHECK_STREQ(oci_image_name(crio, NULL), "registry.k8s.io/pause:3.10");
        CHECK(!oci_image_name(ctr, NULL));
        CHECK_STREQ(oci_image_name(named, NULL), "app:1");
}

/* --- deployment files --------------------------------------------------------------- */

/* The deployment files are made from the configured prefix at build time
 * (config/meson.build). */
static json_t *load_build_json(const char *rel) {
        const char *root = getenv("PC_BUILD_ROOT");
        json_error_t jerr;
        json_t *j;

        if (!root) {
                fprintf(stderr, "PC_BUILD_ROOT is not set\n");
                test_failures++;
                return NULL;
        }
        j = json_load_file(test_path(root, rel), JSON_REJECT_DUPLICATES, &jerr);
        CHECK_MSG(j, "%s:%d:%d: %s", rel, jerr.line, jerr.column, jerr.text);
        return j;
}

static bool array_has(json_t *a, const char *s) {
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        return false;
}

/* oci-hooks(5), schema 1.0.0 (containers/common pkg/hooks). */
static void test_hooks_d(void) {
        json_auto_t *j = load_build_json("config/portcullis.json");
        json_t *hook, *when;
        const char *path;

        if (!j)
                return;
        hook = json_object_get(j, "hook");
        when = json_object_get(j, "when");
        CHECK_STREQ(json_string_value(json_object_get(j, "version")), "1.0.0");
        path = json_string_value(json_object_get(hook, "path"));
        CHECK(path && path[0] == '/');
        CHECK(path && strstr(path, "/libexec/portcullis/portcullis-hook"));
        CHECK(json_is_array(json_object_get(hook, "args")));
        CHECK_STREQ(json_string_value(json_array_get(json_object_get(hook, "args"), 0)), "portcullis-hook");
        CHECK(json_integer_value(json_object_get(hook, "timeout")) >= 10);
        CHECK(json_is_true(json_object_get(when, "always")));
        CHECK(array_has(json_object_get(j, "stages"), "createRuntime"));
        CHECK(json_array_size(json_object_get(j, "stages")) == 1);
}

/* The fragment for a runc/crun config.json: runtime-spec config.md
 * "POSIX-platform Hooks". */
static void test_runc_hook(void) {
        json_auto_t *j = load_build_json("config/runc-hook.json");
        json_t *hooks, *h;

        if (!j)
                return;
        hooks = json_object_get(json_object_get(j, "hooks"), "createRuntime");
        CHECK(json_array_size(hooks) == 1);
        h = json_array_get(hooks, 0);
        CHECK(json_string_value(json_object_get(h, "path")) && json_string_value(json_object_get(h, "path"))[0] == '/');
        CHECK_STREQ(json_string_value(json_array_get(json_object_get(h, "args"), 0)), "portcullis-hook");
        CHECK(json_integer_value(json_object_get(h, "timeout")) >= 10);
        CHECK(json_object_size(json_object_get(j, "hooks")) == 1);
}

/* tests/podman-hook.sh: `test-oci --state FILE` parses a state a real
 * runtime wrote, loads its bundle's config.json (still there while the hook
 * runs) and prints what the hook would use, one "key=value" a line. */
static int dump_state(const char *path) {
        _cleanup_free_ char *buf = NULL;
        struct oci_state s = {};
        struct oci_config c = {};
        struct error err = {};
        size_t len;

        if (read_full_file(path, OCI_STATE_MAX, &buf, &len, &err) < 0 || oci_state_parse(buf, len, &s, &err) < 0 ||
            oci_config_load(s.bundle, &c, &err) < 0) {
                printf("error=%s\n", err.msg);
                oci_state_done(&s);
                return 1;
        }
        printf("id=%s\nstatus=%s\nbundle=%s\npid=%d\nrootfs=%s\nreadonly=%d\n", s.id, s.status, s.bundle, s.pid,
               c.rootfs, c.root_readonly);
        printf("image=%s\nnamespace=%s\n", strempty(oci_image_name(s.annotations, c.annotations)),
               strempty(oci_namespace(s.annotations, c.annotations)));
        printf("busybox=%s\n", access(test_path(c.rootfs, "bin/busybox"), X_OK) == 0 ? "yes" : "no");
        for (char **kv = s.annotations; kv && *kv; kv += 2)
                printf("state.annotation.%s=%s\n", kv[0], kv[1]);
        for (char **kv = c.annotations; kv && *kv; kv += 2)
                printf("config.annotation.%s=%s\n", kv[0], kv[1]);
        oci_state_done(&s);
        oci_config_done(&c);
        return 0;
}

int main(int argc, char **argv) {
        if (argc == 3 && strcmp(argv[1], "--state") == 0)
                return dump_state(argv[2]);
        test_state_rows();
        test_state_bad();
        test_state_limits();
        test_config_rows();
        test_config_limits();
        test_image_mounts();
        test_config_load();
        test_lookups();
        test_pod_sandbox();
        test_hooks_d();
        test_runc_hook();
        return test_end();
}
