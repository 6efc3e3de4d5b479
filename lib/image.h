/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "base/error.h"
#include "rootfs.h"

/* A container image given as a file, not as an unpacked rootfs: a
 * `docker save` tarball (possibly compressed), an OCI image layout as a
 * folder, or an OCI layout in a tar.  Only the paths the inventory reads
 * (os-release and the package databases) are materialised, in a private
 * temporary folder, with the layers applied in order and their whiteouts
 * honoured (OCI image-spec "layer.md": ".wh.<name>" and ".wh..wh..opq");
 * never the whole image.
 *
 * Every path the reader creates, links or removes is resolved below the
 * temporary folder's fd without following any symlink
 * (rootfs_open_beneath()): a symlink an earlier layer left where a folder
 * is expected makes a whiteout or an entry below it ignored, with a
 * warning; a hard link is made only to a regular file already written
 * there.  Front ends run image_materialise() in a sandboxed child
 * (analyze_image() in lib/analyze.h), image_prepare() and image_free() in
 * the parent. */
struct image;

#define IMAGE_FILE_MAX ((size_t) 512 * 1024 * 1024)     /* one materialised file */
#define IMAGE_TOTAL_MAX ((size_t) 2048 * 1024 * 1024)   /* all of them */
#define IMAGE_JSON_MAX ((size_t) 4 * 1024 * 1024)       /* manifests, configs, index */
#define IMAGE_JSON_TOTAL_MAX ((size_t) 256 * 1024 * 1024) /* all of them, held in memory */
#define IMAGE_LAYERS_MAX 512
#define IMAGE_ENTRIES_MAX 2000000                       /* per layer */
#define IMAGE_WARNINGS_MAX 100
#define IMAGE_SKIPPED_MAX 8                             /* notes of files kept out, then one more */
#define IMAGE_WARNING_LEN_MAX 8192
#define IMAGE_NAME_MAX 1024
/* Folders deep an entry is written out: as deep as lib/rootfs.c's walk,
 * which the sandboxed reader resolves with, keeps folders open; deeper
 * than the inventory's walk looks (INVENTORY_WALK_DEPTH_MAX).  Deeper:
 * noted. */
#define IMAGE_DEPTH_MAX ROOTFS_WALK_DEPTH_MAX

/* Whether path looks like an image (a file, or a folder holding oci-layout
 * or manifest.json) rather than an unpacked root filesystem. */
bool image_path_is_image(const char *path);

/* Opens the image file or layout folder and creates the empty temporary
 * folder; parses nothing. */
int image_prepare(const char *path, struct image **ret, struct error *err);
/* Parses the image and writes the wanted files of its layers into the
 * temporary folder; uses only image_source_fd() and image_root_fd(). */
int image_materialise(struct image *img, struct error *err);
/* Both, in this process (the fuzz target; front ends use analyze_image()). */
int image_open(const char *path, struct image **ret, struct error *err);
/* Removes the temporary folder (by fd, never through a symlink). */
void image_free(struct image *img);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct image *, image_free)

int image_source_fd(const struct image *img);          /* the archive, or the layout folder (O_PATH) */
int image_root_fd(const struct image *img);            /* the temporary folder */
const char *image_rootfs(const struct image *img);     /* the materialised folder */
const char *image_name(const struct image *img);       /* a tag, or NULL */
/* "sha256:...": the manifest digest, or the config's (the image id) of a
 * docker save; bound to what was read (every blob and layer hashed to the
 * digest that names it, else image_materialise() refuses the image); NULL
 * when a layer could not be checked (noted in image_skipped()). */
const char *image_digest(const struct image *img);
char *const *image_warnings(const struct image *img);  /* what was ignored and why, or NULL */
/* Files of the image the caps kept out: what they hold was not checked. */
char *const *image_skipped(const struct image *img);

/* The name, digest and warnings as the child's JSON document, and back in
 * the parent, checked as untrusted (a digest is "sha256:" + 64 hex, the
 * rest capped and made printable). */
int image_result_json(const struct image *img, char **ret, struct error *err);
int image_result_parse(struct image *img, const char *buf, size_t len, struct error *err);
