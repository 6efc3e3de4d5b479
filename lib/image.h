/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/* A container image given as a file, not as an unpacked rootfs: a
 * `docker save` tarball (possibly compressed), an OCI image layout as a
 * folder, or an OCI layout in a tar.  Only the paths the inventory reads
 * (os-release and the package databases) are materialised, in a private
 * temporary folder, with the layers applied in order and their whiteouts
 * honoured (OCI image-spec "layer.md": ".wh.<name>" and ".wh..wh..opq");
 * never the whole image. */
struct image;

#define IMAGE_FILE_MAX ((size_t) 512 * 1024 * 1024)     /* one materialised file */
#define IMAGE_TOTAL_MAX ((size_t) 2048 * 1024 * 1024)   /* all of them */
#define IMAGE_JSON_MAX ((size_t) 4 * 1024 * 1024)       /* manifests, configs, index */
#define IMAGE_LAYERS_MAX 512
#define IMAGE_ENTRIES_MAX 2000000                       /* per layer */

/* Whether path looks like an image (a file, or a folder holding oci-layout
 * or manifest.json) rather than an unpacked root filesystem. */
bool image_path_is_image(const char *path);

int image_open(const char *path, struct image **ret, struct error *err);
/* Removes the temporary folder. */
void image_free(struct image *img);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct image *, image_free)

const char *image_rootfs(const struct image *img);     /* the materialised folder */
const char *image_name(const struct image *img);       /* a tag, or NULL */
const char *image_digest(const struct image *img);     /* "sha256:...": manifest digest, or config (image id) */
