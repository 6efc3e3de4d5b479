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
struct inventory;
struct error;

/* How long the CLI lets an analysis child run (the hook has deadline_ms):
 * a big image's rpmdb takes seconds, not half an hour. */
#define CLI_ANALYSIS_DEADLINE_MS (30u * 60 * 1000)

/* What a scan or inventory reads: an unpacked rootfs, or an image file
 * (docker save, OCI layout) materialised into a temporary folder, which
 * *ret_img owns (NULL for a rootfs; free it with image_free()).  The
 * parsing runs in the sandboxed children of lib/analyze.h, as in the hook
 * (the image reader in one, the inventory in another); the warnings of
 * both are printed here. */
int cli_collect(const char *arg, struct image **ret_img, struct inventory **ret_inv, struct error *err);
