/* SPDX-License-Identifier: Apache-2.0 */
/* An image file (docker save or OCI layout tar) is the image author's: the
 * reader must turn anything into an image or a clear error, and never
 * write outside its temporary folder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char path[] = "/tmp/pc-fuzz-image-XXXXXX";
        struct image *img = NULL;
        struct error err = {};
        int fd = mkstemp(path);

        if (fd < 0)
                return 0;
        if (write(fd, data, size) == (ssize_t) size && image_open(path, &img, &err) == 0) {
                if (!image_rootfs(img) || !image_digest(img))
                        abort();
                image_free(img);
        }
        close(fd);
        unlink(path);
        return 0;
}
