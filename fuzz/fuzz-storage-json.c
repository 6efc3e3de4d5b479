/* SPDX-License-Identifier: Apache-2.0 */
/* containers/storage's containers.json and images.json, and Docker's
 * config.v2.json: whatever the bytes, the image of layer "L1" (and the name
 * its container was created from), the name of image "i1", the digest of
 * the one image whose top layer is "L1", the image of
 * Docker container "c1" and the name image sha256:ab holds in Docker's
 * repositories.json are found, absent (-ENOENT) or refused with a message; what is found is printable, without
 * spaces, and within the name limit. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "overlay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int k, char *s, const struct error *err) {
        if (k < 0) {
                if (s || !err->msg[0])
                        abort();
                return;
        }
        if (!s || !s[0] || strlen(s) > 512)
                abort();
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
                        abort();
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct error err = {};
        char *s = NULL, *name = NULL;
        int k;

        k = overlay_storage_container_image((const char *) data, size, "L1", &s, &name, &err);
        check(k, s, &err);
        if (name)       /* the name it was created from: found only with the image */
                check(k < 0 ? -EINVAL : 0, name, &err);
        s = name = NULL;
        err = (struct error) {};
        k = overlay_storage_image_name((const char *) data, size, "i1", "x@sha256:0", &s, &err);
        check(k, s, &err);
        s = NULL;
        err = (struct error) {};
        k = overlay_storage_layer_digest((const char *) data, size, "L1", &s, &err);
        if (k >= 0 && strlen(s) != 71)  /* sha256:<64 hex> */
                abort();
        check(k, s, &err);
        s = NULL;
        err = (struct error) {};
        k = overlay_docker_image_name((const char *) data, size, "c1", &s, &name, &err);
        check(k, s, &err);
        free(name);
        s = NULL;
        err = (struct error) {};
        k = overlay_docker_held_name((const char *) data, size, "nginx", "sha256:ab", &s, &err);
        check(k, s, &err);
        return 0;
}
