/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo and overlay's options (as statmount() gives them,
 * and as mount(2) takes them: an overlay_probe's lowers_options read back
 * for the mount API): whatever the bytes, the mount of each id found in
 * the text parses or fails with a message, never crashes or leaks; what
 * parses holds only non-empty layer paths without NUL, within the layer
 * limit, the data-only ones last. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_mount(const struct overlay_mount *m) {
        bool data = false;

        if (m->n_lowers > OVERLAY_LAYERS_MAX)
                abort();
        for (size_t i = 0; i < m->n_lowers; i++) {
                if (!m->lowers[i].path || !m->lowers[i].path[0])
                        abort();
                if (data && !m->lowers[i].data_only)
                        abort();
                data = m->lowers[i].data_only;
        }
        if (m->n_lowers > 0 && m->lowers[0].data_only)
                abort();
}

static void check_error(int k, const struct error *err) {
        if (k != -ENOENT && !err->msg[0])
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        unsigned long long ids[4] = { 0 };
        size_t n_ids = 1;

        /* the ids the text starts its first lines with */
        for (size_t i = 0; i < size && n_ids < ELEMENTSOF(ids); i++)
                if (i == 0 || buf[i - 1] == '\n') {
                        unsigned long long v = 0;

                        for (size_t j = i; j < size && j < i + 20 && buf[j] >= '0' && buf[j] <= '9'; j++)
                                v = v * 10 + (unsigned) (buf[j] - '0');
                        ids[n_ids++] = v;
                }
        for (size_t i = 0; i < n_ids; i++) {
                struct overlay_mount m = {};
                struct error err = {};
                int k = overlay_mountinfo_find(buf, size, ids[i], &m, &err);

                if (k < 0)
                        check_error(k, &err);
                else
                        check_mount(&m);
                overlay_mount_done(&m);
        }
        {
                struct overlay_mount m = {};
                struct error err = {};
                int k = overlay_parse_options(buf, size, &m, &err);
                char *u = overlay_unescape(buf, size);

                if (k < 0)
                        check_error(k, &err);
                else
                        check_mount(&m);
                if (u && strlen(u) > size)
                        abort();
                free(u);
                overlay_mount_done(&m);
        }
        {
                struct overlay_mount m = {};
                struct error err = {};
                char *s = strndup(buf, size);
                int k = s ? overlay_parse_mount_options(s, &m, &err) : 0;

                if (k < 0)
                        check_error(k, &err);
                else
                        check_mount(&m);
                free(s);
                overlay_mount_done(&m);
        }
        return 0;
}
