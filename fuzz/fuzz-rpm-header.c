/* SPDX-License-Identifier: Apache-2.0 */
/* An rpm header blob comes from an image's rpmdb: any bytes must parse or
 * give an error naming the blob, never crash, read out of bounds or loop.
 * A parsed header has NAME, VERSION and RELEASE, all printable ASCII
 * without blanks; a source rpm name that splits gives non-empty parts; its
 * files are absolute paths of their length, no more of them than its
 * lists hold, and none when the lists don't agree. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpm-header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s, bool required) {
        if (!s) {
                if (required)
                        abort();
                return;
        }
        if (!*s || strlen(s) > RPM_HEADER_FIELD_MAX)
                abort();
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
                        abort();
}

static void check_source(const char *srpm) {
        char *name = NULL, *vr = NULL;

        if (!srpm || rpm_sourcerpm_split(srpm, &name, &vr) < 0)
                return;
        if (!*name || !strchr(vr, '-') || vr[0] == '-' || strstr(srpm, name) != srpm)
                abort();
        free(name);
        free(vr);
}

static int on_file(const char *path, size_t len, const char *digest, void *userdata) {
        size_t *n = userdata;

        if (path[0] != '/' || strlen(path) != len || len >= PATH_MAX || (digest && strlen(digest) > 1 << 30))
                abort();
        (*n)++;
        return 0;
}

static void check_files(const struct rpm_header *h) {
        size_t n = 0;

        if (rpm_header_files(h, on_file, &n) < 0)
                abort();
        if ((h->bad_files && n > 0) || n > (h->basenames ? h->n_basenames : h->n_oldfilenames))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct rpm_header h = {};
        struct error err = {};
        int r;

        r = rpm_header_parse(data, size, "fuzz blob", &h, &err);
        if (r < 0) {
                if (!strstr(err.msg, "fuzz blob"))
                        abort();
                return 0;
        }
        check_field(h.name, true);
        check_field(h.version, true);
        check_field(h.release, true);
        check_field(h.arch, false);
        check_field(h.sourcerpm, false);
        check_field(h.modularitylabel, false);
        check_source(h.sourcerpm);
        check_files(&h);
        rpm_header_done(&h);
        return 0;
}
