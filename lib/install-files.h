/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The files `portcullis install` writes, as the source tree has them
 * (config/, systemd/), compiled in by scripts/embed-files.py so that the
 * installer needs no data folder (the Kubernetes image carries only the
 * binaries).  Templates keep their @bindir@ / @HOOK_PATH@ markers. */
struct install_file {
        const char *name;
        const char *text;
};

/* Ends with { NULL, NULL }. */
extern const struct install_file install_files[];
