/* SPDX-License-Identifier: Apache-2.0 */
/* MD5 as RFC 1321 specifies it, in portable C: the digest dpkg records of
 * every file a package installs (info/<package>.md5sums), against which
 * the walk checks an OS package's Java archive before leaving it to the
 * package (inventory-walk.c).  Not for anything an attacker could gain by
 * colliding: an image author who wants a file passed can as well leave it
 * out of the package database. */
#include <stdint.h>
#include <string.h>

#include "base/digest.h"

/* floor(abs(sin(i + 1)) * 2^32) (RFC 1321 3.4) */
static const uint32_t t[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static uint32_t rol(uint32_t x, unsigned n) {
        return x << n | x >> (32 - n);
}

/* The four rounds (RFC 1321 3.4), every step unrolled: the compiler keeps
 * a, b, c, d in registers (a loop choosing the function per step ran at
 * half the speed). */
#define STEP(f, a, b, c, d, k, sh, i) a = b + rol(a + f(b, c, d) + x[k] + t[i], sh)
#define F(b, c, d) (((c ^ d) & b) ^ d)
#define G(b, c, d) (((b ^ c) & d) ^ c)
#define H(b, c, d) (b ^ c ^ d)
#define I(b, c, d) (c ^ (b | ~d))

static void block(uint32_t *h, const unsigned char *p) {
        uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3];

        for (int i = 0; i < 16; i++)
                x[i] = (uint32_t) p[4 * i] | (uint32_t) p[4 * i + 1] << 8 | (uint32_t) p[4 * i + 2] << 16 |
                       (uint32_t) p[4 * i + 3] << 24;
        for (int i = 0; i < 16; i += 4) {
                STEP(F, a, b, c, d, i, 7, i);
                STEP(F, d, a, b, c, i + 1, 12, i + 1);
                STEP(F, c, d, a, b, i + 2, 17, i + 2);
                STEP(F, b, c, d, a, i + 3, 22, i + 3);
        }
        for (int i = 16; i < 32; i += 4) {
                STEP(G, a, b, c, d, (5 * i + 1) % 16, 5, i);
                STEP(G, d, a, b, c, (5 * i + 6) % 16, 9, i + 1);
                STEP(G, c, d, a, b, (5 * i + 11) % 16, 14, i + 2);
                STEP(G, b, c, d, a, (5 * i + 16) % 16, 20, i + 3);
        }
        for (int i = 32; i < 48; i += 4) {
                STEP(H, a, b, c, d, (3 * i + 5) % 16, 4, i);
                STEP(H, d, a, b, c, (3 * i + 8) % 16, 11, i + 1);
                STEP(H, c, d, a, b, (3 * i + 11) % 16, 16, i + 2);
                STEP(H, b, c, d, a, (3 * i + 14) % 16, 23, i + 3);
        }
        for (int i = 48; i < 64; i += 4) {
                STEP(I, a, b, c, d, (7 * i) % 16, 6, i);
                STEP(I, d, a, b, c, (7 * i + 7) % 16, 10, i + 1);
                STEP(I, c, d, a, b, (7 * i + 14) % 16, 15, i + 2);
                STEP(I, b, c, d, a, (7 * i + 21) % 16, 21, i + 3);
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
}

void md5_init(struct md5 *m) {
        /* RFC 1321 3.3 */
        m->h[0] = 0x67452301;
        m->h[1] = 0xefcdab89;
        m->h[2] = 0x98badcfe;
        m->h[3] = 0x10325476;
        m->len = 0;
}

void md5_update(struct md5 *m, const void *buf, size_t len) {
        digest_blocks_update(m->h, block, m->buf, &m->len, buf, len);
}

void md5_final(struct md5 *m, unsigned char ret[16]) {
        digest_blocks_final(m->h, block, m->buf, m->len, false);
        for (int i = 0; i < 16; i++)
                ret[i] = (unsigned char) (m->h[i / 4] >> (8 * (i % 4)));
}
