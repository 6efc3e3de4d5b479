/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/macro.h"

/* The image's identity from the container's overlay mount, without reading
 * the rootfs: containerd's overlayfs snapshotter and containers/storage's
 * overlay driver (Podman, CRI-O) mount the image as an ordered list of lower
 * layers plus an upper layer for the container's own changes.  The lower
 * layers are root-owned folders the container can't reach, and a layer's
 * folder is never changed once committed; so the ordered list of their real
 * paths, devices and inodes names the image content, and nothing a container
 * or its annotations say can forge it.  The upper layer must hold nothing
 * but the empty mountpoints the runtime created, or the container's view is
 * not the image's (a restarted container that installed a package). */

#define OVERLAY_MOUNTINFO_MAX ((size_t) 16 * 1024 * 1024)
#define OVERLAY_LAYERS_MAX 512                  /* overlayfs's own limit is 500 lower layers */
#define OVERLAY_UPPER_ENTRIES_MAX 256           /* what the upper walk looks at before giving up */
#define OVERLAY_UPPER_DEPTH_MAX 8
#define OVERLAY_STORAGE_JSON_MAX ((size_t) 16 * 1024 * 1024)

struct overlay_layer {
        char *path;             /* as the mount names it, unescaped */
        bool data_only;         /* after "::" (or datadir+): only reached through metacopy redirects */
};

/* One mount, as mountinfo or statmount() tells it. */
struct overlay_mount {
        unsigned long long id;
        char *root;             /* the mount's root inside its file system ("/" for a whole overlay) */
        char *mount_point;
        char *fs_type;
        struct overlay_layer *lowers;
        size_t n_lowers;
        char *upperdir;
        char *workdir;
        unsigned long long root_ino;    /* the merged root's inode (the upper's when there is one); 0: unknown */
        char *submount;         /* where a mount inside it is mounted (the first found), or NULL */
        char *view;             /* the options that decide how the layers' own overlay xattrs read
                                 * (redirect_dir, metacopy, userxattr), as given; NULL for the defaults */
};

void overlay_mount_done(struct overlay_mount *m);

/* Decodes mountinfo's octal escapes (\040 space, \011, \012, \134 backslash,
 * \054 comma) of s[0..n) into a new string; a backslash not followed by
 * three octal digits stays as it is. */
char *overlay_unescape(const char *s, size_t n);

/* The super options of an overlay mount (mountinfo's last field, or
 * statmount()'s mnt_opts; still escaped): lowerdir= (':'-separated, '\'
 * escapes the next character, "::" starts the data-only layers), or the
 * lowerdir+= / datadir+= options of newer mounts, upperdir=, workdir=.
 * -EINVAL with a message when there is no lower layer, too many, or an
 * empty one. */
int overlay_parse_options(const char *opts, size_t len, struct overlay_mount *m, struct error *err);

/* The same for options as mount(2) takes them (an overlay_probe's
 * lowers_options): no octal escapes; a backslash takes the next character
 * as it is, ',' included. */
int overlay_parse_mount_options(const char *opts, struct overlay_mount *m, struct error *err);

/* The line of mountinfo (buf[0..len)) whose mount id is id, parsed.
 * -ENOENT when there is none; -EINVAL with a message for a malformed one. */
int overlay_mountinfo_find(const char *buf, size_t len, unsigned long long id, struct overlay_mount *ret,
                           struct error *err);

/* The result of looking at a rootfs: an identity "overlay:sha256:<hex>",
 * or why there is none (a sentence for the audit line). */
struct overlay_probe {
        char *identity;
        char *why_not;
        /* the rootfs is an overlay mount's root, yet its layers don't vouch
         * for an image: the upper holds the container's own changes, or a
         * layer others could change (why_not says which); the image the
         * runtime names is then not this rootfs */
        bool refused;
        /* refused for the upper alone: the identity of its (trusted)
         * lowers, the image the container was started from, which the
         * hook's verdict is kept under; `portcullis ps` compares with it
         * (the hook never uses it: this rootfs is not that image) */
        char *layers_identity;
        /* with layers_identity: the options of a read-only
         * overlay of the same lowers alone, their resolved paths in order
         * ("lowerdir=L1:L2::D1", ':' ',' and backslash escaped, the options
         * of the view), for overlay_mount_lowers() */
        char *lowers_options;
        char *image_name;       /* containers/storage's name for the image, or NULL */
        char *name_note;        /* why containers/storage named none, when it was asked */
};

void overlay_probe_done(struct overlay_probe *p);

/* Looks at rootfs (a host path, the bundle's root.path): is it the root of
 * an overlay mount whose lowers are root-owned private folders and whose
 * upper holds only the runtime's empty mountpoints?  Then ret->identity is
 * set.  With want_name, the image's name is looked up in containers/storage
 * when the mount is one of its layers (or rootfs its vfs driver's folder),
 * or in Docker's metadata for container_id (the runtime's id of the
 * container) when it is Docker's.  Never fails: every reason is in
 * ret->why_not / ret->name_note (-ENOMEM only when memory runs out). */
int overlay_probe(const char *rootfs, bool want_name, const char *container_id, struct overlay_probe *ret);

/* A read-only overlay of the lowers that options name (an overlay_probe's
 * lowers_options) with no upper, mounted in the private mount namespace
 * of a short-lived child and looked at there by overlay_probe(): when its
 * identity is identity, *ret_fd is an O_PATH fd of its root, the mount's
 * last reference (it is in no namespace any more: closing the fd, or the
 * process ending, frees it).  Mounted through the mount API, a layer at a
 * time (fsopen(), fsconfig() lowerdir+ and datadir+: Linux 6.8), else by
 * mount(2), whose options are a page at most.  -EPERM when this process
 * can't make a mount namespace or mount (no CAP_SYS_ADMIN, a system call
 * filter); -ESTALE when the layers mounted are not those of identity;
 * -E2BIG when the mount API can't serve and options are longer than
 * mount(2) takes; another errno when the mount fails; each with a
 * message. */
int overlay_mount_lowers(const char *options, const char *identity, int *ret_fd, struct error *err);

/* containers/storage metadata (lib/overlay-storage.c): in containers.json
 * (an array of containers), the image id of the container whose "layer" is
 * layer, and *ret_name the name it was created from (its metadata's
 * image-name, as `podman ps` shows it) or NULL; in images.json (an array of
 * images), the name of the image with that id: prefer when the image still
 * holds it (one of its names, or <repository>@ one of its digests), else
 * its first.  -ENOENT when there is none; -EINVAL with a message when the file is not what
 * containers/storage writes. */
int overlay_storage_container_image(const char *buf, size_t len, const char *layer, char **ret_image,
                                    char **ret_name, struct error *err);
int overlay_storage_image_name(const char *buf, size_t len, const char *image, const char *prefer, char **ret_name,
                               struct error *err);

/* In images.json (an array of images), the digest ("sha256:<64 hex>", the
 * manifest's, as pkg:oci purls name an image) of the one image whose top
 * layer is layer.  -ENOENT with a message when no image, or more than one
 * (which of them is mounted is then not known), has it, or when its digest
 * is not of that form; -EINVAL when the file is not containers/storage's. */
int overlay_storage_layer_digest(const char *buf, size_t len, const char *layer, char **ret_digest,
                                 struct error *err);

/* The digest of the image whose top layer's files are at path, as
 * containers/storage mounts an image into a container (Podman's --mount
 * type=image, CRI-O's image volumes: <root>/overlay/<layer>/merged, or the
 * vfs driver's <root>/vfs/dir/<layer>), from <root>/<driver>-images/
 * images.json, read only when root's alone (the files that name it).
 * *memo (NULL at first; storage_images_free() it) keeps the file read and
 * parsed for the next call: a container with a hundred images mounted from
 * one store reads its images.json (megabytes with thousands of images)
 * once, not a hundred times. */
struct storage_images;
void storage_images_free(struct storage_images *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct storage_images *, storage_images_free)
int overlay_storage_image_digest(const char *path, struct storage_images **memo, char **ret_digest,
                                 struct error *err);

/* The name of the image of the containers/storage layer mounted at
 * mount_point (<root>/overlay/<layer>/merged), read from <root>'s own
 * root-owned metadata: the name the container was created from while the
 * image still holds it, else the image's first name. */
int overlay_storage_name(const char *mount_point, char **ret_name, struct error *err);

/* The same for a container of containers/storage's vfs driver, whose
 * rootfs is <root>/vfs/dir/<layer> (no overlay mount); -ENOENT when rootfs
 * is not such a folder. */
int overlay_storage_vfs_name(const char *rootfs, char **ret_name, struct error *err);

/* Docker's config.v2.json for container id: Config.Image, the image it was
 * made from as `docker run` was given it, and *ret_image_id its "Image"
 * (sha256:<id>, or NULL).  -EINVAL when the file is not Docker's for that
 * container, -ENOENT when it names no image. */
int overlay_docker_image_name(const char *buf, size_t len, const char *id, char **ret_name, char **ret_image_id,
                              struct error *err);

/* Docker's image/<driver>/repositories.json: name when it still names
 * image_id (a key naming the same reference once Docker's defaults are
 * applied -- docker.io/library/, :latest -- maps to it), or names it by id;
 * else the first key that maps to image_id.  -ENOENT when none does. */
int overlay_docker_held_name(const char *buf, size_t len, const char *name, const char *image_id, char **ret_name,
                             struct error *err);

/* The name of the image of Docker container id (its 64-digit id), whose
 * overlay2 mount is mount_point (<data-root>/overlay2/<mount id>/merged),
 * from <data-root>'s own root-owned metadata: the container's mount-id
 * must name that mount; the name it was run by while the image still holds
 * it, else one the image holds. */
int overlay_docker_name(const char *mount_point, const char *id, char **ret_name, struct error *err);

/* path resolved to a folder whose every step is root's and writable by root
 * alone, behind a folder closed to other users (what a layer must be);
 * else a negative errno and *why. */
int overlay_trusted_folder(const char *path, char **ret_real, char **why);
