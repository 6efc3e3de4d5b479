/* SPDX-License-Identifier: Apache-2.0 */
/* sha256: small inputs in portable C (sha256.c), big ones through
 * libcrypto, which lib/crypto-lazy.c loads at the first call (its
 * assembly is several times faster; loading it costs about 1.5 ms, which
 * an input of SHA256_LIBCRYPTO_MIN bytes repays). */
#include <errno.h>
#include <openssl/evp.h>

#include "base/digest.h"

#define SHA256_LIBCRYPTO_MIN ((size_t) 256 * 1024)

static void hex_of(const unsigned char md[32], char ret[65]) {
        static const char hex[] = "0123456789abcdef";

        for (unsigned i = 0; i < 32; i++) {
                ret[2 * i] = hex[md[i] >> 4];
                ret[2 * i + 1] = hex[md[i] & 15];
        }
        ret[64] = '\0';
}

void sha256_hex(const void *buf, size_t len, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        const EVP_MD *sha256;

        if (len >= SHA256_LIBCRYPTO_MIN && (sha256 = EVP_sha256()) && EVP_Digest(buf, len, md, &n, sha256, NULL) &&
            n == 32) {
                hex_of(md, ret);
                return;
        }
        sha256_portable(buf, len, md);  /* also where libcrypto can't be loaded */
        hex_of(md, ret);
}

void sha256_init(struct sha256 *s) {
        const EVP_MD *sha256 = EVP_sha256();

        *s = (struct sha256) {};
        if (sha256 && (s->evp = EVP_MD_CTX_new()) && !EVP_DigestInit_ex(s->evp, sha256, NULL)) {
                EVP_MD_CTX_free(s->evp);
                s->evp = NULL;
        }
        sha256_portable_init(s);        /* used when evp is NULL */
}

void sha256_update(struct sha256 *s, const void *buf, size_t len) {
        if (!s->evp)
                sha256_portable_update(s, buf, len);
        else if (!s->failed && !EVP_DigestUpdate(s->evp, buf, len))
                s->failed = true;
}

int sha256_final_hex(struct sha256 *s, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        if (!s->evp) {
                sha256_portable_final(s, md);
                hex_of(md, ret);
                return 0;
        }
        if (s->failed || !EVP_DigestFinal_ex(s->evp, md, &n) || n != 32)
                return -EIO;
        hex_of(md, ret);
        return 0;
}

void sha256_done(struct sha256 *s) {
        EVP_MD_CTX_free(s->evp);
        s->evp = NULL;
}

int sha256_many_hex(struct sha256_many *s, const void *buf, size_t len, char ret[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        if (!s->md && !(s->md = EVP_MD_fetch(NULL, "SHA256", NULL)))
                return -EIO;
        if (!s->evp && !(s->evp = EVP_MD_CTX_new()))
                return -EIO;
        if (!EVP_DigestInit_ex(s->evp, s->md, NULL) || !EVP_DigestUpdate(s->evp, buf, len) ||
            !EVP_DigestFinal_ex(s->evp, md, &n) || n != 32)
                return -EIO;
        hex_of(md, ret);
        return 0;
}

void sha256_many_done(struct sha256_many *s) {
        EVP_MD_CTX_free(s->evp);
        EVP_MD_free(s->md);
        *s = (struct sha256_many) {};
}

void sha256_preload(void) {
        struct sha256 s;
        char hex[65];

        sha256_init(&s);        /* a digest through libcrypto: its default provider fetched here */
        (void) sha256_final_hex(&s, hex);
        sha256_done(&s);
}
