/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>

#include "archive-write-lazy.h"
#include "base/lazy.h"

static struct archive_writer api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

#define LOAD(field, name) LAZY_LOAD(h, api, field, name)

static void load(void) {
        void *h = lazy_dlopen("libarchive.so.13", "libarchive.so");

        if (!h)
                return;
        LOAD(write_new, "archive_write_new");
        LOAD(set_format_pax_restricted, "archive_write_set_format_pax_restricted");
        LOAD(open_fd, "archive_write_open_fd");
        LOAD(write_header, "archive_write_header");
        LOAD(write_data, "archive_write_data");
        LOAD(close, "archive_write_close");
        LOAD(free, "archive_write_free");
        LOAD(error_string, "archive_error_string");
        LOAD(entry_new, "archive_entry_new");
        LOAD(entry_free, "archive_entry_free");
        LOAD(entry_set_pathname, "archive_entry_set_pathname");
        LOAD(entry_set_size, "archive_entry_set_size");
        LOAD(entry_set_filetype, "archive_entry_set_filetype");
        LOAD(entry_set_perm, "archive_entry_set_perm");
        LOAD(entry_set_mtime, "archive_entry_set_mtime");
        loaded = 1;
}

const struct archive_writer *archive_writer(struct error *err) {
        pthread_once(&once, load);
        if (!loaded) {
                error_set(err, ELIBACC, "libarchive (libarchive.so.13), which writes the archive, could not be "
                          "loaded: install it (Debian: libarchive13)");
                return NULL;
        }
        return &api;
}
