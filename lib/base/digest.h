/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sha256 of buf as 64 lowercase hex digits and a NUL.  Never fails: small
 * inputs (the hook's hit path: an overlay identity, a policy) are hashed
 * in portable C, so they never load libcrypto (about 1.5 ms at its first
 * use, more than the hit's whole budget, and a static hook's dlopen of it
 * depends on the host's glibc); big ones through libcrypto when it loads. */
void sha256_hex(const void *buf, size_t len, char ret[65]);

/* FIPS 180-4 SHA-256 in portable C (lib/base/sha256.c). */
void sha256_portable(const void *buf, size_t len, unsigned char ret[32]);

/* Incremental SHA-256, for a stream read once (an image's layer, hashed
 * as libarchive reads it): through libcrypto when it loads, else in
 * portable C.  sha256_final_hex() fails (-EIO) only when libcrypto
 * refused an update midway, which leaves no digest to give;
 * sha256_done() frees what sha256_init() took (after a final too). */
struct sha256 {
        void *evp;              /* EVP_MD_CTX, or NULL: the portable state below */
        bool failed;
        uint32_t h[8];
        uint64_t len;
        unsigned char buf[64];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *buf, size_t len);
int sha256_final_hex(struct sha256 *s, char ret[65]);
void sha256_done(struct sha256 *s);
/* SHA-256 of many small inputs one after another (an import's records,
 * a few hundred bytes each): libcrypto's context and its SHA-256 fetched
 * once, where EVP_Digest() fetches them again for every input (0.68 ->
 * 0.38 us a record).  -EIO when libcrypto can't give a digest. */
struct sha256_many {
        void *evp;              /* EVP_MD_CTX, made at the first input */
        void *md;               /* EVP_MD */
};

int sha256_many_hex(struct sha256_many *s, const void *buf, size_t len, char ret[65]);
void sha256_many_done(struct sha256_many *s);

/* Loads libcrypto and initialises its SHA-256 now, for a process that is
 * about to fork a child that hashes from a chroot or sandbox where the
 * library and OpenSSL's configuration can't be opened. */
void sha256_preload(void);

/* The 64-byte blocks of SHA-256 and MD5 (lib/base/sha256.c): len bytes of
 * data fed to block_fn() through buf, which holds the *total % 64 bytes not
 * taken yet; then the padding, the length in bits in the byte order
 * given, and the last block or two. */
typedef void (*digest_block_fn)(uint32_t *h, const unsigned char *p);
void digest_blocks_update(uint32_t *h, digest_block_fn block_fn, unsigned char buf[64], uint64_t *total,
                          const void *data, size_t len);
void digest_blocks_final(uint32_t *h, digest_block_fn block_fn, const unsigned char buf[64], uint64_t total,
                         bool big_endian);

/* The portable state alone (lib/base/sha256.c). */
void sha256_portable_init(struct sha256 *s);
void sha256_portable_update(struct sha256 *s, const void *buf, size_t len);
void sha256_portable_final(struct sha256 *s, unsigned char ret[32]);

/* MD5 (RFC 1321) in portable C (lib/base/md5.c), incremental: dpkg's
 * md5sums, checked, never a digest Portcullis relies on for itself. */
struct md5 {
        uint32_t h[4];
        uint64_t len;
        unsigned char buf[64];
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *buf, size_t len);
void md5_final(struct md5 *m, unsigned char ret[16]);
