/* SPDX-License-Identifier: Apache-2.0 */
/* sha256 through libcrypto, which lib/crypto-lazy.c loads at the first
 * call: a hit that never hashes never loads it. */
#include <errno.h>
#include <openssl/evp.h>

#include "base/digest.h"

int sha256_hex(const void *buf, size_t len, char ret[65]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        const EVP_MD *sha256 = EVP_sha256();

        if (!sha256)
                return -ELIBACC;        /* libcrypto could not be loaded */
        if (!EVP_Digest(buf, len, md, &n, sha256, NULL) || n != 32)
                return -EIO;
        for (unsigned i = 0; i < 32; i++) {
                ret[2 * i] = hex[md[i] >> 4];
                ret[2 * i + 1] = hex[md[i] & 15];
        }
        ret[64] = '\0';
        return 0;
}
