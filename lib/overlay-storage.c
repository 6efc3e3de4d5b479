/* SPDX-License-Identifier: Apache-2.0 */
/* The image's name from containers/storage's own metadata (Podman, CRI-O):
 * <root>/overlay-containers/containers.json lists the containers with their
 * read-write layer, image id and the image name they were created from
 * (metadata), <root>/overlay-images/images.json the images with their
 * names.  The mount says which layer is the container's
 * (<root>/overlay/<layer>/merged), so the name comes from files only root
 * can write, not from anything the container says; it serves as the name
 * shown and matched by scopes, never as the identity.
 *
 * Docker (overlay2) keeps the same facts per container: the mount is
 * <data-root>/overlay2/<mount id>/merged, <data-root>/image/overlay2/
 * layerdb/mounts/<container id>/mount-id names that mount's layer, and
 * <data-root>/containers/<container id>/config.v2.json the image the
 * container was made from (Config.Image, as `docker run` was given it). */
#include <fcntl.h>
#include <stddef.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "overlay.h"

#define STORAGE_NAME_MAX 512

static int load_array(const char *buf, size_t len, const char *what, json_t **ret, struct error *err) {
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

        if (!root)
                return error_set(err, EINVAL, "%s:%d:%d: %s", what, jerr.line, jerr.column, jerr.text);
        if (!json_is_array(root)) {
                json_decref(root);
                return error_set(err, EINVAL, "%s: not a JSON array (is this containers/storage's file?)", what);
        }
        *ret = root;
        return 0;
}

/* The element of arr whose string member key is value. */
static json_t *find_by(json_t *arr, const char *key, const char *value) {
        size_t i;
        json_t *e;

        json_array_foreach(arr, i, e) {
                const char *v = json_string_value(json_object_get(e, key));

                if (v && streq_ptr(v, value))
                        return e;
        }
        return NULL;
}

static bool printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

/* The name the container was created from, as `podman ps` shows it: its
 * "metadata" (a JSON string Podman and CRI-O write) holds "image-name" and
 * "image-id"; the name only when the id is the container's image.  NULL
 * when there is none. */
static char *created_from(json_t *c, const char *image) {
        const char *meta = json_string_value(json_object_get(c, "metadata")), *name;
        json_t *m = meta ? json_loads(meta, JSON_REJECT_DUPLICATES, NULL) : NULL;
        char *ret = NULL;

        name = json_string_value(json_object_get(m, "image-name"));
        if (name && name[0] && strlen(name) <= STORAGE_NAME_MAX && printable(name) &&
            streq_ptr(json_string_value(json_object_get(m, "image-id")), image))
                ret = strdup(name);
        json_decref(m);
        return ret;
}

int overlay_storage_container_image(const char *buf, size_t len, const char *layer, char **ret_image,
                                    char **ret_name, struct error *err) {
        json_t *root = NULL, *c;
        const char *image;
        int k;

        k = load_array(buf, len, "containers.json", &root, err);
        if (k < 0)
                return k;
        c = find_by(root, "layer", layer);
        image = c ? json_string_value(json_object_get(c, "image")) : NULL;
        if (!image || !image[0] || strlen(image) > STORAGE_NAME_MAX || !printable(image)) {
                json_decref(root);
                return error_set(err, ENOENT, "containers.json: no container with layer %s and an image id", layer);
        }
        *ret_image = strdup(image);
        *ret_name = *ret_image ? created_from(c, image) : NULL;
        json_decref(root);
        return *ret_image ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* The length of name's repository: without ":tag" or "@digest". */
static size_t repository_len(const char *name) {
        const char *slash = strrchr(name, '/'), *at = strchr(name, '@');
        const char *colon = strrchr(slash ? slash : name, ':');

        return at ? (size_t) (at - name) : colon ? (size_t) (colon - name) : strlen(name);
}

/* Whether the image i is still called name: one of its names, or
 * <repository>@<digest> with the repository of one of its names and one of
 * its digests (a container created by digest).  A name moved to another
 * image since (podman tag) is not, nor a repository it never had. */
static bool holds_name(json_t *i, const char *name) {
        const char *at = strrchr(name, '@');
        bool digest = false, repository = false;
        size_t k;
        json_t *v;

        json_array_foreach(json_object_get(i, "names"), k, v) {
                const char *n = json_string_value(v);

                if (streq_ptr(n, name))
                        return true;
                repository = repository || (n && at && repository_len(n) == (size_t) (at - name) &&
                                            strncmp(n, name, (size_t) (at - name)) == 0);
        }
        if (!at || !repository)
                return false;
        digest = streq_ptr(json_string_value(json_object_get(i, "digest")), at + 1);
        json_array_foreach(json_object_get(i, "digests"), k, v)
                digest = digest || streq_ptr(json_string_value(v), at + 1);
        return digest;
}

int overlay_storage_image_name(const char *buf, size_t len, const char *image, const char *prefer, char **ret_name,
                               struct error *err) {
        json_t *root = NULL, *i;
        const char *name;
        int k;

        k = load_array(buf, len, "images.json", &root, err);
        if (k < 0)
                return k;
        i = find_by(root, "id", image);
        name = i && prefer && holds_name(i, prefer) ? prefer
               : i ? json_string_value(json_array_get(json_object_get(i, "names"), 0)) : NULL;
        if (!name || !name[0] || strlen(name) > STORAGE_NAME_MAX || !printable(name)) {
                json_decref(root);
                return error_set(err, ENOENT, "images.json: image %s has no name", image);
        }
        *ret_name = strdup(name);
        json_decref(root);
        return *ret_name ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* overlay_storage_layer_digest() in images.json's array. */
static int layer_digest(json_t *root, const char *layer, char **ret_digest, struct error *err) {
        json_t *i, *found = NULL;
        const char *digest = NULL;
        size_t k, n = 0;
        int r = 0;

        json_array_foreach(root, k, i)
                if (streq_ptr(json_string_value(json_object_get(i, "layer")), layer) && n++ == 0)
                        found = i;
        if (found)
                digest = json_string_value(json_object_get(found, "digest"));
        if (n == 0)
                r = error_set(err, ENOENT, "images.json: no image has the layer %s", layer);
        else if (n > 1)
                r = error_set(err, ENOENT, "images.json: %zu images have the layer %s, so which one is mounted is "
                              "not known", n, layer);
        else if (!digest || !startswith(digest, "sha256:") || strlen(digest) != STRLEN("sha256:") + 64 ||
                 strspn(digest + STRLEN("sha256:"), "0123456789abcdef") != 64)
                r = error_set(err, ENOENT, "images.json: the image of layer %s has no sha256 digest", layer);
        else if (!(*ret_digest = strdup(digest)))
                r = error_set(err, ENOMEM, "out of memory");
        return r;
}

int overlay_storage_layer_digest(const char *buf, size_t len, const char *layer, char **ret_digest,
                                 struct error *err) {
        json_t *root = NULL;
        int r = load_array(buf, len, "images.json", &root, err);

        if (r >= 0)
                r = layer_digest(root, layer, ret_digest, err);
        json_decref(root);
        return r;
}

struct storage_images {
        char *dir;              /* <root>/<driver>-images */
        json_t *root;           /* its images.json, parsed; NULL when it could not be (error) */
        int error;
};

void storage_images_free(struct storage_images *m) {
        if (!m)
                return;
        free(m->dir);
        json_decref(m->root);
        free(m);
}

/* folder/file, read when folder passes overlay_trusted_folder() and the
 * file is root's and writable by root alone. */
static int read_trusted(const char *folder, const char *file, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *real = NULL, *why = NULL, *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int k;

        k = overlay_trusted_folder(folder, &real, &why);
        if (k == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (k < 0)
                return error_set(err, k, "containers/storage's %s is not trusted: %s", folder, strempty(why));
        if (asprintf(&path, "%s/%s", real, file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s", path);
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return error_set(err, EPERM, "%s is not root's alone (uid %u, mode %04o)", path, st.st_uid,
                                 (unsigned) (st.st_mode & 07777));
        return read_full_fd(fd, OVERLAY_STORAGE_JSON_MAX, path, ret, ret_len, err);
}

int overlay_docker_image_name(const char *buf, size_t len, const char *id, char **ret_name, char **ret_image_id,
                              struct error *err) {
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        const char *name, *image_id;

        if (!root)
                return error_set(err, EINVAL, "config.v2.json:%d:%d: %s", jerr.line, jerr.column, jerr.text);
        if (!json_is_object(root) || !streq_ptr(json_string_value(json_object_get(root, "ID")), id)) {
                json_decref(root);
                return error_set(err, EINVAL, "config.v2.json: not Docker's file for container %s", id);
        }
        name = json_string_value(json_object_get(json_object_get(root, "Config"), "Image"));
        if (!name || !name[0] || strlen(name) > STORAGE_NAME_MAX || !printable(name)) {
                json_decref(root);
                return error_set(err, ENOENT, "config.v2.json: container %s names no image", id);
        }
        image_id = json_string_value(json_object_get(root, "Image"));
        *ret_name = strdup(name);
        *ret_image_id = image_id ? strdup(image_id) : NULL;
        json_decref(root);
        if (!*ret_name || (image_id && !*ret_image_id)) {
                free(*ret_name);
                *ret_name = NULL;
                return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* name as Docker resolves it (distribution's ParseNormalizedNamed, then
 * the default tag): "nginx" is docker.io/library/nginx:latest; a first
 * component with a '.' or ':', or "localhost", is a registry. */
static char *docker_normalize(const char *name) {
        size_t n = strcspn(name, "@"), d;       /* the repository and its tag; name + n: "@<digest>" or "" */
        const char *slash = memchr(name, '/', n), *path = name, *domain = "docker.io", *tag;
        char *ret = NULL;

        d = slash ? (size_t) (slash - name) : 0;
        if (slash && (memchr(name, '.', d) || memchr(name, ':', d) || (d == 9 && startswith(name, "localhost")))) {
                path = slash + 1;
                if (!(d == 15 && startswith(name, "index.docker.io")))
                        domain = strndupa(name, d);
        }
        tag = memrchr(path, ':', n - (size_t) (path - name));
        if (tag && memchr(tag, '/', n - (size_t) (tag - name)))
                tag = NULL;
        if (asprintf(&ret, "%s/%s%.*s%s%s", domain,
                     streq_ptr(domain, "docker.io") && !memchr(path, '/', n - (size_t) (path - name)) ? "library/" : "",
                     (int) (n - (size_t) (path - name)), path, tag || name[n] ? "" : ":latest", name + n) < 0)
                return NULL;
        return ret;
}

/* Whether repositories.json's key names the same reference as name. */
static bool same_reference(const char *key, const char *name) {
        _cleanup_free_ char *a = docker_normalize(key), *b = docker_normalize(name);

        return a && b && streq_ptr(a, b);
}

int overlay_docker_held_name(const char *buf, size_t len, const char *name, const char *image_id, char **ret_name,
                             struct error *err) {
        json_error_t jerr;
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr), *repo, *v;
        const char *first = NULL, *repo_name, *key, *hex = image_id ? image_id + STRLEN("sha256:") : NULL;
        bool held = false;

        if (!root)
                return error_set(err, EINVAL, "repositories.json:%d:%d: %s", jerr.line, jerr.column, jerr.text);
        if (!image_id || !startswith(image_id, "sha256:")) {
                json_decref(root);
                return error_set(err, ENOENT, "config.v2.json names no image id");
        }
        /* run by the image's id (or a prefix of it), as `docker run a5fd8e94` */
        held = strspn(name, "0123456789abcdef") == strlen(name) && startswith(hex, name);
        held = held || (startswith(name, "sha256:") && startswith(image_id, name) && strlen(name) > STRLEN("sha256:"));
        json_object_foreach(json_object_get(root, "Repositories"), repo_name, repo)
                json_object_foreach(repo, key, v) {
                        if (!streq_ptr(json_string_value(v), image_id))
                                continue;
                        if (!first && key[0] && strlen(key) <= STORAGE_NAME_MAX && printable(key))
                                first = key;
                        held = held || same_reference(key, name);
                }
        if (!held && !first) {
                json_decref(root);
                return error_set(err, ENOENT, "repositories.json: image %s has no name (%s names another image now)",
                                 image_id, name);
        }
        *ret_name = strdup(held ? name : first);
        json_decref(root);
        return *ret_name ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* Docker's ids: 64 lowercase hex digits (also what keeps them one path
 * component). */
static bool docker_id(const char *s, size_t n) {
        if (n != 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

/* <data-root>/overlay2/<mount id>/merged: Docker's, with its data root and
 * mount id; else 0. */
static int docker_mount(const char *mount_point, char **ret_root, char **ret_mount_id) {
        const char *end, *s;

        if (!endswith(mount_point, "/merged"))
                return 0;
        end = mount_point + strlen(mount_point) - STRLEN("/merged");
        for (s = end; s > mount_point && s[-1] != '/'; s--)
                ;
        if (!docker_id(s, (size_t) (end - s)) || s - mount_point < (ptrdiff_t) STRLEN("/overlay2/") ||
            strncmp(s - STRLEN("/overlay2/"), "/overlay2/", STRLEN("/overlay2/")) != 0)
                return 0;
        *ret_root = strndup(mount_point, (size_t) (s - STRLEN("/overlay2/") - mount_point));
        *ret_mount_id = strndup(s, 64);
        return *ret_root && *ret_mount_id ? 1 : -ENOMEM;
}

int overlay_docker_name(const char *mount_point, const char *id, char **ret_name, struct error *err) {
        _cleanup_free_ char *root = NULL, *mount_id = NULL, *dir = NULL, *buf = NULL, *name = NULL, *image_id = NULL;
        size_t len;
        int k;

        k = docker_mount(mount_point, &root, &mount_id);
        if (k == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (k == 0 || !id || !docker_id(id, strlen(id)))
                return error_set(err, ENOENT, "%s is not a Docker overlay2 mount", mount_point);
        if (asprintf(&dir, "%s/image/overlay2/layerdb/mounts/%s", root, id) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = read_trusted(dir, "mount-id", &buf, &len, err)) < 0)
                return k;
        if (len != 64 || memcmp(buf, mount_id, 64) != 0)
                return error_set(err, EINVAL, "%s/mount-id does not name the mount %s", dir, mount_point);
        free(TAKE_PTR(buf));
        free(dir);
        if (asprintf(&dir, "%s/containers/%s", root, id) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = read_trusted(dir, "config.v2.json", &buf, &len, err)) < 0 ||
            (k = overlay_docker_image_name(buf, len, id, &name, &image_id, err)) < 0)
                return k;
        /* the name it was run by while the image still holds it (`docker
         * tag` may have moved it to another image since) */
        free(TAKE_PTR(buf));
        free(dir);
        if (asprintf(&dir, "%s/image/overlay2", root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = read_trusted(dir, "repositories.json", &buf, &len, err)) < 0)
                return k;
        return overlay_docker_held_name(buf, len, name, image_id, ret_name, err);
}

/* The name of the image of the container whose layer is layer, from
 * <root>/<driver>-containers/containers.json and
 * <root>/<driver>-images/images.json. */
static int storage_name(const char *root, const char *driver, const char *layer, char **ret_name,
                        struct error *err) {
        _cleanup_free_ char *buf = NULL, *image = NULL, *dir = NULL, *name = NULL;
        size_t len;
        int k;

        if (asprintf(&dir, "%s/%s-containers", root, driver) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = read_trusted(dir, "containers.json", &buf, &len, err)) < 0 ||
            (k = overlay_storage_container_image(buf, len, layer, &image, &name, err)) < 0)
                return k;
        free(buf);
        buf = NULL;
        free(dir);
        if (asprintf(&dir, "%s/%s-images", root, driver) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((k = read_trusted(dir, "images.json", &buf, &len, err)) < 0)
                return k;
        /* the name it was run by while the image still holds it, not
         * whichever of the image's names is first */
        return overlay_storage_image_name(buf, len, image, name, ret_name, err);
}

int overlay_storage_name(const char *mount_point, char **ret_name, struct error *err) {
        _cleanup_free_ char *root = NULL, *layer = NULL;
        const char *end, *s, *o;

        /* <root>/overlay/<layer>/merged */
        if (!endswith(mount_point, "/merged"))
                return error_set(err, ENOENT, "%s is not a containers/storage mount", mount_point);
        end = mount_point + strlen(mount_point) - STRLEN("/merged");
        for (s = end; s > mount_point && s[-1] != '/'; s--)
                ;
        if (s <= mount_point + 1 || s == end || !(o = s - 1 - STRLEN("/overlay")) || o < mount_point ||
            strncmp(o, "/overlay/", STRLEN("/overlay/")) != 0)
                return error_set(err, ENOENT, "%s is not a containers/storage overlay mount", mount_point);
        layer = strndup(s, (size_t) (end - s));
        root = strndup(mount_point, (size_t) (o - mount_point));
        if (!layer || !root)
                return error_set(err, ENOMEM, "out of memory");
        return storage_name(root, "overlay", layer, ret_name, err);
}

int overlay_storage_vfs_name(const char *rootfs, char **ret_name, struct error *err) {
        _cleanup_free_ char *root = NULL;
        const char *s = strrchr(rootfs, '/');

        /* <root>/vfs/dir/<layer>: the vfs driver's copy of the image, the
         * container's own */
        if (!s || !s[1] || s - rootfs < (ptrdiff_t) STRLEN("/vfs/dir") ||
            strncmp(s - STRLEN("/vfs/dir"), "/vfs/dir", STRLEN("/vfs/dir")) != 0)
                return error_set(err, ENOENT, "%s is not a containers/storage vfs folder", rootfs);
        root = strndup(rootfs, (size_t) (s - STRLEN("/vfs/dir") - rootfs));
        if (!root)
                return error_set(err, ENOMEM, "out of memory");
        return storage_name(root, "vfs", s + 1, ret_name, err);
}

int overlay_storage_image_digest(const char *path, struct storage_images **memo, char **ret_digest,
                                 struct error *err) {
        static const char *const shapes[][3] = {        /* before the layer, after it, the driver */
                { "/overlay/", "/merged", "overlay" },
                { "/vfs/dir/", "", "vfs" },
        };
        _cleanup_free_ char *root = NULL, *layer = NULL, *dir = NULL, *buf = NULL;
        size_t n = strlen(path), len;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(shapes); i++) {
                size_t a = strlen(shapes[i][0]), b = strlen(shapes[i][1]);
                const char *id;

                if (n < a + 64 + b)
                        continue;
                id = path + n - b - 64;
                if (!endswith(path, shapes[i][1]) || strncmp(id - a, shapes[i][0], a) != 0 ||
                    strspn(id, "0123456789abcdef") != 64)
                        continue;
                root = strndup(path, (size_t) (id - a - path));
                layer = strndup(id, 64);
                if (!root || !layer || asprintf(&dir, "%s/%s-images", root, shapes[i][2]) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (*memo && strcmp((*memo)->dir, dir) == 0) {
                        if ((*memo)->error < 0)
                                return error_set(err, -(*memo)->error, "%s/images.json could not be read", dir);
                        return layer_digest((*memo)->root, layer, ret_digest, err);
                }
                storage_images_free(*memo);
                if (!(*memo = calloc(1, sizeof(**memo))))
                        return error_set(err, ENOMEM, "out of memory");
                (*memo)->dir = TAKE_PTR(dir);
                k = read_trusted((*memo)->dir, "images.json", &buf, &len, err);
                if (k >= 0)
                        k = load_array(buf, len, "images.json", &(*memo)->root, err);
                (*memo)->error = k < 0 ? k : 0;
                return k < 0 ? k : layer_digest((*memo)->root, layer, ret_digest, err);
        }
        return error_set(err, ENOENT, "%s is not a containers/storage image layer", path);
}
