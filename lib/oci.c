/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state a runtime writes to a hook's stdin (runtime-spec runtime.md
 * "State") and the few fields of the bundle's config.json (config.md "Root",
 * "Annotations") that the hook needs.  Both are parsed leniently about keys
 * we don't use, because the spec grows, and strictly about the ones we do. */
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "oci.h"

#define OCI_CONFIG_NAME "config.json"
#define PRINTABLE_MAX 64

/* A key from the input, made safe to put in a one-line message: control and
 * non-ASCII bytes become '?', and long keys are cut. */
static const char *printable(const char *s, char buf[static PRINTABLE_MAX + 4]) {
        size_t i;

        for (i = 0; s[i] && i < PRINTABLE_MAX; i++)
                buf[i] = (unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f ? '?' : s[i];
        strcpy(buf + i, s[i] ? "..." : "");
        return buf;
}

/* jansson rejects "\u0000" unless JSON_ALLOW_NUL, but a C string that is
 * shorter than its JSON string would silently mean something else. */
static bool json_is_c_string(json_t *v) {
        return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

/* hint says what was expected, for input that isn't even a JSON object. */
static int load_json(const char *buf, size_t len, size_t max, const char *what, const char *hint, json_t **ret,
                     struct error *err) {
        json_error_t jerr;
        json_t *j;

        if (len > max)
                return error_set(err, E2BIG, "%s is %zu bytes, more than the limit of %zu", what, len, max);
        /* jansson caps nesting itself (JSON_PARSER_MAX_DEPTH), so a deep
         * document is a parse error, not a stack overflow. */
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                str_make_printable(jerr.text); /* jansson quotes the offending token */
                return error_set(err, EINVAL, "%s: not valid JSON at line %d, column %d: %s (%s)", what, jerr.line,
                                 jerr.column, jerr.text, hint);
        }
        if (!json_is_object(j)) {
                json_decref(j);
                return error_set(err, EINVAL, "%s: must be a JSON object (%s)", what, hint);
        }
        *ret = j;
        return 0;
}

/* key is looked up in obj; field is its name in messages ("root.path"). */
static int get_string(json_t *obj, const char *key, const char *field, const char *what, char **ret,
                      struct error *err) {
        json_t *v = json_object_get(obj, key);
        char *s;

        if (!v)
                return error_set(err, EINVAL, "%s: field '%s' is missing", what, field);
        if (!json_is_c_string(v))
                return error_set(err, EINVAL, "%s: field '%s' must be a string", what, field);
        s = strdup(json_string_value(v));
        if (!s)
                return error_set(err, ENOMEM, "%s: out of memory", what);
        *ret = s;
        return 0;
}

/* "annotations" (config.md "Annotations"): an object of string values with
 * non-empty keys.  The result is a key, value, ..., NULL vector, empty (not
 * NULL) when the field is absent or null. */
static int annotations_parse(json_t *obj, const char *what, char ***ret, struct error *err) {
        json_t *a = json_object_get(obj, "annotations"), *v;
        char buf[PRINTABLE_MAX + 4];
        _cleanup_strv_free_ char **kv = NULL;
        const char *key;
        size_t n = 0;

        if (a && !json_is_null(a) && !json_is_object(a))
                return error_set(err, EINVAL, "%s: field 'annotations' must be an object of strings", what);
        if (json_object_size(a) > OCI_ANNOTATIONS_MAX)
                return error_set(err, E2BIG, "%s: field 'annotations' has %zu entries, more than the limit of %d",
                                 what, json_object_size(a), OCI_ANNOTATIONS_MAX);
        kv = calloc(2 * json_object_size(a) + 1, sizeof(char *));
        if (!kv)
                return error_set(err, ENOMEM, "%s: out of memory", what);
        json_object_foreach(a, key, v) {
                if (!*key)
                        return error_set(err, EINVAL, "%s: an annotation has an empty key (config.md: keys MUST NOT be empty)",
                                         what);
                if (!json_is_c_string(v))
                        return error_set(err, EINVAL, "%s: annotation '%s' must have a string value", what,
                                         printable(key, buf));
                kv[n] = strdup(key);
                if (!kv[n])
                        return error_set(err, ENOMEM, "%s: out of memory", what);
                kv[++n] = strdup(json_string_value(v));
                if (!kv[n++])
                        return error_set(err, ENOMEM, "%s: out of memory", what);
        }
        *ret = TAKE_PTR(kv);
        return 0;
}

static int get_pid(json_t *obj, const char *what, int *ret, struct error *err) {
        json_t *v = json_object_get(obj, "pid");

        if (!v || json_is_null(v)) {
                *ret = 0;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT_MAX)
                return error_set(err, EINVAL, "%s: field 'pid' must be a non-negative integer", what);
        *ret = (int) json_integer_value(v);
        return 0;
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* The id and the bundle go into one-line messages and audit lines.  runc
 * accepts only [A-Za-z0-9_+.-] in ids, other runtimes are no wider, and no
 * runtime makes bundle paths with control bytes: such input is not from a
 * runtime. */
static int check_printable(const char *field, const char *value, const char *what, struct error *err) {
        if (has_control(value))
                return error_set(err, EINVAL, "%s: field '%s' contains control characters", what, field);
        return 0;
}

#define STATE_HINT "the hook expects the runtime's state JSON on stdin, runtime-spec \"State\""

static int state_fields(json_t *j, struct oci_state *s, struct error *err) {
        static const char what[] = "OCI state";
        int r;

        if ((r = get_string(j, "ociVersion", "ociVersion", what, &s->oci_version, err)) < 0 ||
            (r = get_string(j, "id", "id", what, &s->id, err)) < 0 ||
            (r = check_printable("id", s->id, what, err)) < 0 ||
            (r = get_string(j, "status", "status", what, &s->status, err)) < 0 ||
            (r = get_string(j, "bundle", "bundle", what, &s->bundle, err)) < 0 ||
            (r = check_printable("bundle", s->bundle, what, err)) < 0)
                return r;
        if (!s->id[0])
                return error_set(err, EINVAL, "%s: field 'id' must not be empty", what);
        if (s->bundle[0] != '/')
                return error_set(err, EINVAL, "%s: field 'bundle' must be an absolute path", what);
        if ((r = get_pid(j, what, &s->pid, err)) < 0)
                return r;
        return annotations_parse(j, what, &s->annotations, err);
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct error *err) {
        json_auto_t *j = NULL;
        int r;

        r = load_json(buf, len, OCI_STATE_MAX, "OCI state", STATE_HINT, &j, err);
        if (r < 0)
                return r;
        return oci_state_from_json(j, ret, err);
}

int oci_state_from_json(json_t *j, struct oci_state *ret, struct error *err) {
        struct oci_state s = {};
        int r;

        if (!json_is_object(j))
                return error_set(err, EINVAL, "OCI state: must be a JSON object (%s)", STATE_HINT);
        r = state_fields(j, &s, err);
        if (r < 0) {
                oci_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void oci_state_done(struct oci_state *s) {
        if (!s)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->status);
        free(s->bundle);
        strv_free(s->annotations);
        *s = (struct oci_state) {};
}

/* Appends the components of path to out (of length *n), lexically: empty
 * components and "." vanish, ".." drops the last one and stops at "/".  This
 * is what runc does (Go's filepath.Join, which Cleans) when it resolves a
 * relative root.path against the bundle. */
static void push_components(char *out, size_t *n, const char *path) {
        while (*path) {
                size_t len = strcspn(path, "/");

                if (len == 2 && path[0] == '.' && path[1] == '.') {
                        while (*n > 0 && out[--*n] != '/')
                                ;
                } else if (len > 0 && !(len == 1 && path[0] == '.')) {
                        out[(*n)++] = '/';
                        memcpy(out + *n, path, len);
                        *n += len;
                }
                path += len;
                path += *path == '/';
        }
}

/* base (absolute, or NULL when path is absolute) joined with path, normalised. */
static char *path_join_normalize(const char *base, const char *path) {
        size_t n = 0;
        char *out;

        out = malloc(strlen(strempty(base)) + strlen(path) + 3);
        if (!out)
                return NULL;
        if (path[0] != '/' && base)
                push_components(out, &n, base);
        push_components(out, &n, path);
        if (n == 0)
                out[n++] = '/';
        out[n] = '\0';
        return out;
}

static int config_root(json_t *j, const char *name, const char *bundle, struct oci_config *c, struct error *err) {
        json_t *root = json_object_get(j, "root"), *ro;
        char buf[PRINTABLE_MAX + 4];
        int r;

        if (!json_is_object(root))
                return error_set(err, EINVAL, "%s: field 'root' %s; the hook needs the container's root filesystem", name,
                                 root ? "must be an object" : "is missing");
        r = get_string(root, "path", "root.path", name, &c->root_path, err);
        if (r < 0)
                return r;
        if (!c->root_path[0])
                return error_set(err, EINVAL, "%s: field 'root.path' must not be empty", name);
        ro = json_object_get(root, "readonly");
        if (ro && !json_is_boolean(ro))
                return error_set(err, EINVAL, "%s: field 'root.readonly' must be true or false", name);
        c->root_readonly = json_is_true(ro);
        if (c->root_path[0] != '/' && (!bundle || bundle[0] != '/'))
                return error_set(err, EINVAL, "%s: field 'root.path' is relative (\"%s\") and the bundle path is not absolute",
                                 name, printable(c->root_path, buf));
        c->rootfs = path_join_normalize(bundle, c->root_path);
        if (!c->rootfs)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        if (strlen(c->rootfs) >= PATH_MAX)
                return error_set(err, ENAMETOOLONG, "%s: field 'root.path' resolves to a path longer than %d bytes",
                                 name, PATH_MAX - 1);
        return 0;
}

/* The length of the image's folder in p[0..len) when p is containers/
 * storage's image layer, mounted or as a folder (<root>/overlay/<id>/merged
 * or <root>/vfs/dir/<id>, id 64 lowercase hex digits), or a folder inside
 * it (a Kubernetes image volume's subPath, Podman's subpath=: the image's
 * files all the same, judged whole); else 0.  The first such folder from
 * the left: the storage root comes before the image's own paths. */
static size_t storage_image_root(const char *p, size_t len) {
        static const char *const shapes[][2] = { { "/overlay/", "/merged" }, { "/vfs/dir/", "" } };

        for (size_t at = 0; at < len; at++)
                for (size_t i = 0; i < ELEMENTSOF(shapes); i++) {
                        size_t a = strlen(shapes[i][0]), b = strlen(shapes[i][1]), end = at + a + 64 + b;
                        size_t n = 0;

                        if (end > len || memcmp(p + at, shapes[i][0], a) != 0 ||
                            memcmp(p + at + a + 64, shapes[i][1], b) != 0 || (end < len && p[end] != '/'))
                                continue;
                        while (n < 64 && ((p[at + a + n] >= '0' && p[at + a + n] <= '9') ||
                                          (p[at + a + n] >= 'a' && p[at + a + n] <= 'f')))
                                n++;
                        if (n == 64)
                                return end;
                }
        return 0;
}

/* The host path of a mount's files when they are an image's: a bind
 * mount's source, an overlay mount's first lowerdir (up to a ':' that is
 * not escaped); else NULL. */
static const char *image_mount_path(json_t *m, size_t *ret_len) {
        const char *type = json_string_value(json_object_get(m, "type")), *src;
        json_t *opts = json_object_get(m, "options"), *o;
        bool bind = type && strcmp(type, "bind") == 0;
        size_t i;

        json_array_foreach(opts, i, o) {
                const char *s = json_string_value(o);

                if (!s)
                        continue;
                if (type && strcmp(type, "overlay") == 0 && startswith(s, "lowerdir=")) {
                        size_t n = 0;

                        s += strlen("lowerdir=");
                        while (s[n] && s[n] != ':')
                                n += s[n] == '\\' && s[n + 1] ? 2 : 1;
                        *ret_len = n;
                        return s;
                }
                bind = bind || strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0;
        }
        src = json_string_value(json_object_get(m, "source"));
        if (!bind || !src)
                return NULL;
        *ret_len = strlen(src);
        return src;
}

int oci_config_image_mounts(json_t *config, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;
        json_t *m;
        size_t i;

        json_array_foreach(json_object_get(config, "mounts"), i, m) {
                const char *dst = json_string_value(json_object_get(m, "destination")), *p;
                size_t len = 0;

                if (!dst || !(p = image_mount_path(m, &len)) || !(len = storage_image_root(p, len)))
                        continue;
                if (strv_push(&v, strdup(dst)) < 0 || strv_push(&v, strndup(p, len)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

int oci_config_parse(const char *buf, size_t len, const char *name, const char *bundle, struct oci_config *ret,
                     struct error *err) {
        json_auto_t *j = NULL;
        struct oci_config c = {};
        int r;

        name = name ? name : OCI_CONFIG_NAME;
        r = load_json(buf, len, OCI_CONFIG_MAX, name, "an OCI runtime config, runtime-spec config.md", &j, err);
        if (r >= 0)
                r = config_root(j, name, bundle, &c, err);
        if (r >= 0)
                r = annotations_parse(j, name, &c.annotations, err);
        if (r >= 0 && oci_config_image_mounts(j, &c.image_mounts) < 0)
                r = error_set(err, ENOMEM, "%s: out of memory", name);
        if (r < 0) {
                oci_config_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static int open_config(const char *path, struct error *err) {
        int fd;

        /* O_NOFOLLOW: a runtime writes config.json as a plain file; a symlink
         * there is someone redirecting us.  O_NONBLOCK: a FIFO in its place
         * must not hang the container start (read_small_fd reads nothing
         * from it, or refuses it). */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0)
                return fd;
        if (errno == ELOOP)
                return error_set(err, ELOOP, "%s is a symbolic link, not a file; refusing to follow it: check the bundle",
                                 path);
        if (errno == ENOENT || errno == ENOTDIR)
                return error_set(err, errno, "open %s: %s; is the bundle path right? It must hold the container's config.json",
                                 path, strerror(errno));
        return error_set_errno(err, errno, "open %s", path);
}

int oci_config_load(const char *bundle, struct oci_config *ret, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;
        int r;

        if (!bundle || bundle[0] != '/')
                return error_set(err, EINVAL, "bundle path \"%s\" is not absolute", strempty(bundle));
        path = path_join_normalize(bundle, OCI_CONFIG_NAME);
        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        fd = open_config(path, err);
        if (fd < 0)
                return fd;
        r = read_small_fd(fd, OCI_CONFIG_MAX, path, &buf, &len, err);
        if (r < 0)
                return r == -EBADFD ? error_wrap(err, "the bundle's config.json must be a regular file") : r;
        return oci_config_parse(buf, len, path, bundle, ret, err);
}

void oci_config_done(struct oci_config *c) {
        if (!c)
                return;
        free(c->root_path);
        free(c->rootfs);
        strv_free(c->annotations);
        strv_free(c->image_mounts);
        *c = (struct oci_config) {};
}

const char *oci_annotation(char *const *kv, const char *key) {
        if (!kv || !key)
                return NULL;
        for (; kv[0] && kv[1]; kv += 2)
                if (strcmp(kv[0], key) == 0)
                        return kv[1];
        return NULL;
}

/* The first non-empty value of keys, each looked up in a then b. */
static const char *first_annotation(const char *const *keys, size_t n, char *const *a, char *const *b) {
        for (size_t i = 0; i < n; i++) {
                const char *v = oci_annotation(a, keys[i]);

                if (!v || !*v)
                        v = oci_annotation(b, keys[i]);
                if (v && *v)
                        return v;
        }
        return NULL;
}

const char *oci_image_name(char *const *state_annotations, char *const *config_annotations) {
        static const char *const keys[] = {
                "io.kubernetes.cri.image-name",
                "io.kubernetes.cri-o.ImageName",
                "io.kubernetes.cri-o.ImageRef",
                "org.opencontainers.image.ref.name",
        };
        static const char *const sandbox_keys[] = { "io.kubernetes.cri.podsandbox.image-name" };
        const char *v = first_annotation(keys, ELEMENTSOF(keys), state_annotations, config_annotations);

        if (!v && oci_pod_sandbox(state_annotations, config_annotations))
                v = first_annotation(sandbox_keys, ELEMENTSOF(sandbox_keys), state_annotations, config_annotations);
        return v;
}

/* Whether a CRI runtime's container-type key (containerd's, CRI-O's) is
 * in either list and each one there says one of want (NULL-terminated). */
static bool container_type_in(char *const *state_annotations, char *const *config_annotations,
                              const char *const *want) {
        static const char *const keys[] = { "io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType" };
        char *const *lists[] = { state_annotations, config_annotations };
        bool found = false;

        for (size_t l = 0; l < ELEMENTSOF(lists); l++)
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        const char *v = oci_annotation(lists[l], keys[i]);

                        if (v && !strv_contains((char *const *) want, v))
                                return false;
                        found = found || v;
                }
        return found;
}

bool oci_pod_sandbox(char *const *state_annotations, char *const *config_annotations) {
        return container_type_in(state_annotations, config_annotations, (const char *const[]) { "sandbox", NULL });
}

const char *oci_rootfs_reused(bool root_readonly, char *const *state_annotations, char *const *config_annotations) {
        /* Podman writes CRI-O's container type on a pod's containers too,
         * and restarts them in place; it names itself, CRI-O does not */
        const char *manager = first_annotation((const char *const[]) { "io.container.manager" }, 1,
                                               state_annotations, config_annotations);

        if (root_readonly ||
            (!manager && container_type_in(state_annotations, config_annotations,
                                           (const char *const[]) { "container", "sandbox", NULL })))
                return NULL;
        return "its rootfs is no overlay that tells the container's own changes from the image, not read-only "
               "(root.readonly) and not one a Kubernetes runtime made for this start "
               "(io.kubernetes.cri.container-type, io.kubernetes.cri-o.ContainerType, without Podman's "
               "io.container.manager): a restart of the container reads it with what the container changed, so "
               "nothing is kept under the image's digest";
}

const char *oci_namespace(char *const *state_annotations, char *const *config_annotations) {
        static const char *const keys[] = {
                "io.kubernetes.pod.namespace",
                "io.kubernetes.cri.sandbox-namespace",
        };

        return first_annotation(keys, ELEMENTSOF(keys), state_annotations, config_annotations);
}

char *oci_image_digest(char *const *annotations) {
        static const char *const keys[] = { "io.kubernetes.cri-o.ImageRef", "io.kubernetes.cri.image-name",
                                            "io.kubernetes.cri-o.ImageName", "org.opencontainers.image.ref.name" };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *v = oci_annotation(annotations, keys[i]), *d;
                size_t n;

                if (!v)
                        continue;
                d = strstr(v, "sha256:");
                if (!d)
                        d = strlen(v) == 64 ? v : NULL;
                else
                        d += STRLEN("sha256:");
                if (!d)
                        continue;
                n = strspn(d, "0123456789abcdef");
                if (n == 64 && d[64] == '\0') {
                        char *s = NULL;

                        return asprintf(&s, "sha256:%.64s", d) < 0 ? NULL : s;
                }
        }
        return NULL;
}
