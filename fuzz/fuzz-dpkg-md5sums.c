/* SPDX-License-Identifier: Apache-2.0 */
/* A dpkg info/<package>.md5sums and its .list come from the image: any
 * bytes must become digests of owned paths (or a capped error), never
 * crash, read out of bounds or loop.  The input is the md5sums, a NUL,
 * then the list.  Every md5sums line "<32 hex>  <path>.jar" (no NUL) must
 * have a record afterwards, of that digest unless a line before named the
 * path; every ".jar" path of the list a record; a path never named none.
 * A broken invariant aborts so that the fuzzer reports it. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex32(const char *p) {
        for (size_t i = 0; i < 32; i++)
                if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return false;
        return true;
}

/* The path of a line that ends in ".jar", NUL-terminated in buf, slash
 * first; its last component a file name (at most NAME_MAX bytes). */
static bool jar_path(const char *p, size_t n, char *buf, size_t size) {
        bool slash = p && n > 0 && p[0] == '/';
        const char *last = p && n > 0 ? memrchr(p, '/', n) : NULL;

        if (!p || n < 5 || memchr(p, '\0', n) || n + 2 > size || memcmp(p + n - 4, ".jar", 4) != 0 || !last ||
            p[n - 5] == '/' || (size_t) (p + n - last - 1) > NAME_MAX)
                return false;
        buf[0] = '/';
        memcpy(buf + 1, p + slash, n - slash);
        buf[n - slash + 1] = '\0';
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct inventory *inv = inventory_new();
        const char *sums = (const char *) data, *nul = memchr(sums, '\0', size);
        size_t sums_len = nul ? (size_t) (nul - sums) : size;
        const char *list = nul ? nul + 1 : sums + size, *end = sums + size;
        char path[INVENTORY_WALK_PATH_MAX + 8];
        const unsigned char *md5;
        int r, algo;

        if (!inv)
                return 0;
        r = dpkg_md5sums_parse(sums, sums_len, list, (size_t) (end - list), 0, inv);
        if (r < 0 && r != -ENOMEM && r != -E2BIG)
                abort();
        for (const char *p = sums; r == 0 && p < sums + sums_len;) {
                const char *nl = memchr(p, '\n', (size_t) (sums + sums_len - p));
                size_t n = (size_t) ((nl ? nl : sums + sums_len) - p);
                size_t i = 32;

                if (n > 0 && p[n - 1] == '\r')
                        n--;
                if (n > 34 && hex32(p) && p[32] == ' ') {
                        while (i < n && p[i] == ' ')
                                i++;
                        if (i < n && p[i] == '*')
                                i++;
                        if (jar_path(p + i, n - i, path, sizeof(path)) && strlen(path) < INVENTORY_WALK_PATH_MAX - 1 &&
                            (inventory_owned_digest(inv, path, &algo, &md5) != 1 || !md5 || algo != INVENTORY_DIGEST_MD5 ||
                             !inventory_owned(inv, path)))
                                abort();
                }
                p = nl ? nl + 1 : sums + sums_len;
        }
        for (const char *p = list; r == 0 && p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = (size_t) ((nl ? nl : end) - p);

                if (n > 0 && p[n - 1] == '\r')
                        n--;
                if (n > 0 && p[0] == '/' && jar_path(p, n, path, sizeof(path)) &&
                    strlen(path) < INVENTORY_WALK_PATH_MAX - 1 && inventory_owned_digest(inv, path, &algo, &md5) != 1)
                        abort();
                p = nl ? nl + 1 : end;
        }
        if (r == 0 && dpkg_list_has_digested(list, (size_t) (end - list)) && !inv->owned)
                abort();
        if (inventory_owned_digest(inv, "/never/named/\x01.jar", &algo, &md5) != 0)
                abort();
        inventory_free(inv);
        return 0;
}
