/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/digest.h"

typedef const void *(*evp_md_fn)(void);
typedef int (*evp_digest_fn)(const void *data, size_t count, unsigned char *md, unsigned int *size,
                             const void *type, void *impl);

static evp_md_fn evp_sha256;
static evp_digest_fn evp_digest;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
        static const char *const names[] = { "libcrypto.so.3", "libcrypto.so" };
        void *h = NULL;

        for (size_t i = 0; !h && i < sizeof(names) / sizeof(names[0]); i++)
                h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return;
        /* The dlsym result goes through a union: ISO C has no cast from
         * void * to a function pointer. */
        union {
                void *p;
                evp_md_fn md;
                evp_digest_fn digest;
        } u;
        u.p = dlsym(h, "EVP_sha256");
        evp_sha256 = u.md;
        u.p = dlsym(h, "EVP_Digest");
        evp_digest = u.digest;
}

int sha256_hex(const void *buf, size_t len, char ret[65]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[64];
        unsigned int n = 0;

        pthread_once(&once, load);
        if (!evp_sha256 || !evp_digest)
                return -ELIBACC;
        if (!evp_digest(buf, len, md, &n, evp_sha256(), NULL) || n != 32)
                return -EIO;
        for (unsigned i = 0; i < 32; i++) {
                ret[2 * i] = hex[md[i] >> 4];
                ret[2 * i + 1] = hex[md[i] & 15];
        }
        ret[64] = '\0';
        return 0;
}
