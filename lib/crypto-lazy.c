/* SPDX-License-Identifier: Apache-2.0 */
/* libcrypto, loaded when first used, as lib/curl-lazy.c loads libcurl.
 * Linked, it is more than half of the CLI's relocations at every exec
 * (21,000 of 38,000 entries; see BENCHMARKS.md, "The miss"), and only an
 * import's digest, a manifest's signature check and `db sign` use it.
 * These definitions have OpenSSL's own names and signatures (the compiler
 * checks them against the OpenSSL headers), so lib/update.c, lib/update-sign.c
 * and lib/vulndb/vulndb-import.c are written against the ordinary API and
 * the binaries do not link libcrypto.  When it can't be loaded, every call
 * fails the way OpenSSL reports a failure (0, NULL), which the callers
 * already turn into an error. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>

#include "base/lazy.h"

static struct {
        int (*bio_free)(BIO *);
        BIO *(*bio_new_mem_buf)(const void *, int);
        void (*err_clear_error)(void);
        int (*digest)(const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *, ENGINE *);
        int (*digest_init_ex)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
        int (*digest_update)(EVP_MD_CTX *, const void *, size_t);
        int (*digest_final_ex)(EVP_MD_CTX *, unsigned char *, unsigned int *);
        int (*digest_sign_init)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
        int (*digest_sign)(EVP_MD_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
        int (*digest_verify_init)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *, ENGINE *, EVP_PKEY *);
        int (*digest_verify)(EVP_MD_CTX *, const unsigned char *, size_t, const unsigned char *, size_t);
        EVP_MD_CTX *(*md_ctx_new)(void);
        void (*md_ctx_free)(EVP_MD_CTX *);
        void (*pkey_free)(EVP_PKEY *);
        const char *(*pkey_get0_type_name)(const EVP_PKEY *);
        int (*pkey_get_base_id)(const EVP_PKEY *);
        const EVP_MD *(*sha256)(void);
        EVP_MD *(*md_fetch)(OSSL_LIB_CTX *, const char *, const char *);
        void (*md_free)(EVP_MD *);
        EVP_PKEY *(*pem_read_bio_private_key)(BIO *, EVP_PKEY **, pem_password_cb *, void *);
        EVP_PKEY *(*pem_read_bio_pubkey)(BIO *, EVP_PKEY **, pem_password_cb *, void *);
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

#define LOAD(field, name) LAZY_LOAD(h, api, field, name)

static void load(void) {
        void *h = lazy_dlopen("libcrypto.so.3", "libcrypto.so");

        if (!h)
                return;
        LOAD(bio_free, "BIO_free");
        LOAD(bio_new_mem_buf, "BIO_new_mem_buf");
        LOAD(err_clear_error, "ERR_clear_error");
        LOAD(digest, "EVP_Digest");
        LOAD(digest_init_ex, "EVP_DigestInit_ex");
        LOAD(digest_update, "EVP_DigestUpdate");
        LOAD(digest_final_ex, "EVP_DigestFinal_ex");
        LOAD(digest_sign_init, "EVP_DigestSignInit");
        LOAD(digest_sign, "EVP_DigestSign");
        LOAD(digest_verify_init, "EVP_DigestVerifyInit");
        LOAD(digest_verify, "EVP_DigestVerify");
        LOAD(md_ctx_new, "EVP_MD_CTX_new");
        LOAD(md_ctx_free, "EVP_MD_CTX_free");
        LOAD(pkey_free, "EVP_PKEY_free");
        LOAD(pkey_get0_type_name, "EVP_PKEY_get0_type_name");
        LOAD(pkey_get_base_id, "EVP_PKEY_get_base_id");
        LOAD(sha256, "EVP_sha256");
        LOAD(md_fetch, "EVP_MD_fetch");
        LOAD(md_free, "EVP_MD_free");
        LOAD(pem_read_bio_private_key, "PEM_read_bio_PrivateKey");
        LOAD(pem_read_bio_pubkey, "PEM_read_bio_PUBKEY");
        loaded = 1;
}

static int ready(void) {
        pthread_once(&once, load);
        return loaded;
}

int BIO_free(BIO *a) {
        return ready() ? api.bio_free(a) : 0;
}

BIO *BIO_new_mem_buf(const void *buf, int len) {
        return ready() ? api.bio_new_mem_buf(buf, len) : NULL;
}

void ERR_clear_error(void) {
        if (ready())
                api.err_clear_error();
}

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type,
               ENGINE *impl) {
        return ready() ? api.digest(data, count, md, size, type, impl) : 0;
}

int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl) {
        return ready() ? api.digest_init_ex(ctx, type, impl) : 0;
}

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt) {
        return ready() ? api.digest_update(ctx, d, cnt) : 0;
}

int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s) {
        return ready() ? api.digest_final_ex(ctx, md, s) : 0;
}

int EVP_DigestSignInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey) {
        return ready() ? api.digest_sign_init(ctx, pctx, type, e, pkey) : 0;
}

int EVP_DigestSign(EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs,
                   size_t tbslen) {
        return ready() ? api.digest_sign(ctx, sigret, siglen, tbs, tbslen) : 0;
}

int EVP_DigestVerifyInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey) {
        return ready() ? api.digest_verify_init(ctx, pctx, type, e, pkey) : 0;
}

int EVP_DigestVerify(EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs,
                     size_t tbslen) {
        return ready() ? api.digest_verify(ctx, sigret, siglen, tbs, tbslen) : 0;
}

EVP_MD_CTX *EVP_MD_CTX_new(void) {
        return ready() ? api.md_ctx_new() : NULL;
}

void EVP_MD_CTX_free(EVP_MD_CTX *ctx) {
        if (ctx && ready())
                api.md_ctx_free(ctx);
}

void EVP_PKEY_free(EVP_PKEY *pkey) {
        if (pkey && ready())
                api.pkey_free(pkey);
}

const char *EVP_PKEY_get0_type_name(const EVP_PKEY *key) {
        return ready() ? api.pkey_get0_type_name(key) : NULL;
}

int EVP_PKEY_get_base_id(const EVP_PKEY *pkey) {
        return ready() ? api.pkey_get_base_id(pkey) : 0;
}

const EVP_MD *EVP_sha256(void) {
        return ready() ? api.sha256() : NULL;
}

EVP_MD *EVP_MD_fetch(OSSL_LIB_CTX *ctx, const char *algorithm, const char *properties) {
        return ready() ? api.md_fetch(ctx, algorithm, properties) : NULL;
}

void EVP_MD_free(EVP_MD *md) {
        if (md && ready())
                api.md_free(md);
}

EVP_PKEY *PEM_read_bio_PrivateKey(BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u) {
        return ready() ? api.pem_read_bio_private_key(out, x, cb, u) : NULL;
}

EVP_PKEY *PEM_read_bio_PUBKEY(BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u) {
        return ready() ? api.pem_read_bio_pubkey(out, x, cb, u) : NULL;
}
