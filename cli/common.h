/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* The database path: --db, else $PORTCULLIS_DB, else the default. */
const char *cli_db_path(const char *arg);

/* Colour on a TTY, never with NO_COLOR (https://no-color.org). */
bool cli_use_color(int fd);

/* Prints s to stdout followed by a newline unless it ends with one. */
void cli_print(const char *s);

/* --format table|json: sets *json; -1 with a message for anything else. */
int cli_parse_format(const char *arg, bool *json);

struct image;
struct error;

/* What a scan or inventory reads: an unpacked rootfs as it is, or an image
 * file (docker save, OCI layout) materialised into a temporary folder, which
 * *ret_img owns (free it with image_free()).  *ret_rootfs is the folder. */
int cli_open_target(const char *arg, struct image **ret_img, const char **ret_rootfs, struct error *err);
