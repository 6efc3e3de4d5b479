/* SPDX-License-Identifier: Apache-2.0 */
/* An OSV archive comes from a mirror: any bytes give entries, an error or
 * nothing, never a crash, an out-of-bounds read or a loop.  Every entry
 * read inflates to exactly the size it declared, within the limits; an
 * error is one of the documented codes with a message naming the archive.
 * A broken invariant aborts. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "zip-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct zip_reader *z = NULL;
        struct error err = {};
        struct zip_entry e;
        char *buf = NULL;
        size_t cap = 0, len;
        uint64_t total = 0;
        int fd = memfd_create("fuzz-zip", MFD_CLOEXEC), r;

        if (fd < 0 || write_all(fd, data, size) < 0)
                abort();
        r = zip_open_fd(fd, "x.zip", "try again", &z, &err);
        if (r < 0 && ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || !startswith(err.msg, "x.zip")))
                abort();
        while (r >= 0 && (r = zip_next(z, &e, &err)) > 0) {
                if (!e.name || strlen(e.name) > 0xffff || e.size > ZIP_ENTRY_INFLATED_MAX)
                        abort();
                r = zip_read(z, &buf, &cap, &len, &err);
                if (r == 0 && (len != e.size || buf[len] != '\0'))
                        abort();
                total += r == 0 ? len : 0;
                if (total > ZIP_RATIO_FLOOR + (uint64_t) size * ZIP_RATIO_MAX)
                        abort();
        }
        if (r < 0 && ((r != -EBADMSG && r != -EFBIG && r != -E2BIG && r != -ENOMEM) || !startswith(err.msg, "x.zip")))
                abort();
        zip_close(z);
        free(buf);
        close(fd);
        return 0;
}
