/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json is written by whoever set up the container.  Any
 * bytes must parse or fail with a one-line message; a parsed rootfs must be
 * absolute and lexically clean (no "", "." or ".." components, no "//", no
 * trailing "/"), whatever root.path and the bundle said.  An input that
 * starts with '/' gives its first line as the bundle, so the fuzzer reaches
 * the join too.  Image mounts come in destination, path pairs, each path
 * ending in an image's folder name.  A broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *p) {
        if (p[0] != '/')
                abort();
        if (strcmp(p, "/") == 0)
                return;
        for (const char *c = p; *c; ) {
                size_t n;

                c++; /* the '/' */
                n = strcspn(c, "/");
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        abort();
                c += n;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data, *nl;
        char *bundle = NULL;
        struct oci_config c = {};
        struct error err = {};

        if (size > 0 && buf[0] == '/' && (nl = memchr(buf, '\n', size))) {
                bundle = strndup(buf, (size_t) (nl - buf));
                if (!bundle)
                        return 0;
                size -= (size_t) (nl - buf) + 1;
                buf = nl + 1;
        }
        if (oci_config_parse(buf, size, "config.json", bundle ? bundle : "/run/bundle", &c, &err) < 0) {
                if (!err.msg[0] || strchr(err.msg, '\n') || c.rootfs || c.root_path)
                        abort();
                free(bundle);
                return 0;
        }
        check_clean(c.rootfs);
        if (!c.root_path[0] || !c.annotations || strv_length(c.annotations) % 2 != 0)
                abort();
        if (strv_length(c.image_mounts) % 2 != 0)
                abort();
        for (char **m = c.image_mounts; m && *m; m += 2)
                if (!endswith(m[1], "/merged") && !strstr(m[1], "/vfs/dir/"))
                        abort();
        (void) oci_image_name(NULL, c.annotations);
        oci_config_done(&c);
        free(bundle);
        return 0;
}
