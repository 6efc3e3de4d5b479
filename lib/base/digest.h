/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* sha256 of buf as 64 lowercase hex digits and a NUL.  Never fails: small
 * inputs (the hook's hit path: an overlay identity, a policy) are hashed
 * in portable C, so they never load libcrypto (about 1.5 ms at its first
 * use, more than the hit's whole budget, and a static hook's dlopen of it
 * depends on the host's glibc); big ones through libcrypto when it loads. */
void sha256_hex(const void *buf, size_t len, char ret[65]);

/* FIPS 180-4 SHA-256 in portable C (lib/base/sha256.c). */
void sha256_portable(const void *buf, size_t len, unsigned char ret[32]);
