/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* sha256 of buf as 64 lowercase hex digits and a NUL.
 *
 * OpenSSL's libcrypto is loaded on first use (dlopen) instead of linked:
 * linking it costs every process about 1.5 ms at exec for libcrypto's own
 * initialisation, which the hook cannot pay on its cache-hit path (a budget
 * of 2 ms, most of which /bin/true already takes), and most hook runs need
 * no digest at all.  Returns -ELIBACC when libcrypto can't be loaded. */
int sha256_hex(const void *buf, size_t len, char ret[65]);
