/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 as FIPS 180-4 specifies it (section 6.2), in portable C: for
 * the small digests of the hook's hit path (an overlay identity, a policy
 * text), which then need no libcrypto, and as the fallback when libcrypto
 * can't be loaded.  About 200 MB/s; libcrypto takes the big inputs. */
#include <stdint.h>
#include <string.h>

#include "base/digest.h"

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4 4.2.2). */
static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) {
        return x >> n | x << (32 - n);
}

static uint32_t be32(const unsigned char *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void block(uint32_t *h, const unsigned char *p) {
        uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];

        for (int t = 0; t < 16; t++)
                w[t] = be32(p + 4 * t);
        for (int t = 16; t < 64; t++)
                w[t] = (ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ w[t - 2] >> 10) + w[t - 7] +
                       (ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ w[t - 15] >> 3) + w[t - 16];
        for (int t = 0; t < 64; t++) {
                uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
                uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

                hh = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
}

void sha256_portable_init(struct sha256 *s) {
        /* FIPS 180-4 5.3.3 */
        static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

        memcpy(s->h, h0, sizeof(h0));
        s->len = 0;
}

void digest_blocks_update(uint32_t *h, digest_block_fn block_fn, unsigned char buf[64], uint64_t *total,
                          const void *data, size_t len) {
        const unsigned char *p = data;
        size_t have = (size_t) (*total % 64);

        *total += len;
        if (have) {
                size_t take = len < 64 - have ? len : 64 - have;

                memcpy(buf + have, p, take);
                p += take;
                len -= take;
                if (have + take < 64)
                        return;
                block_fn(h, buf);
        }
        for (; len >= 64; p += 64, len -= 64)
                block_fn(h, p);
        if (len)
                memcpy(buf, p, len);
}

void digest_blocks_final(uint32_t *h, digest_block_fn block_fn, const unsigned char buf[64], uint64_t total,
                         bool big_endian) {
        /* the padding (FIPS 180-4 5.1.1, RFC 1321 3.1-3.2): a 1 bit, zeros,
         * the length in bits */
        size_t rest = (size_t) (total % 64), n = rest < 56 ? 64 : 128;
        uint64_t bits = total * 8;
        unsigned char last[128] = {};

        memcpy(last, buf, rest);
        last[rest] = 0x80;
        for (int i = 0; i < 8; i++)
                last[big_endian ? n - 1 - i : n - 8 + i] = (unsigned char) (bits >> (8 * i));
        block_fn(h, last);
        if (n == 128)
                block_fn(h, last + 64);
}

void sha256_portable_update(struct sha256 *s, const void *buf, size_t len) {
        digest_blocks_update(s->h, block, s->buf, &s->len, buf, len);
}

void sha256_portable_final(struct sha256 *s, unsigned char ret[32]) {
        digest_blocks_final(s->h, block, s->buf, s->len, true);
        for (int i = 0; i < 8; i++) {
                ret[4 * i] = (unsigned char) (s->h[i] >> 24);
                ret[4 * i + 1] = (unsigned char) (s->h[i] >> 16);
                ret[4 * i + 2] = (unsigned char) (s->h[i] >> 8);
                ret[4 * i + 3] = (unsigned char) s->h[i];
        }
}

void sha256_portable(const void *buf, size_t len, unsigned char ret[32]) {
        struct sha256 s;

        sha256_portable_init(&s);
        sha256_portable_update(&s, buf, len);
        sha256_portable_final(&s, ret);
}
