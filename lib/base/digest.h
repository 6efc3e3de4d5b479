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
/* Loads libcrypto and initialises its SHA-256 now, for a process that is
 * about to fork a child that hashes from a chroot or sandbox where the
 * library and OpenSSL's configuration can't be opened. */
void sha256_preload(void);

/* The portable state alone (lib/base/sha256.c). */
void sha256_portable_init(struct sha256 *s);
void sha256_portable_update(struct sha256 *s, const void *buf, size_t len);
void sha256_portable_final(struct sha256 *s, unsigned char ret[32]);
