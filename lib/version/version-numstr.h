/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Numbers in language-ecosystem versions are kept as the digit runs they
 * were written as, so that any length compares exactly (no strtoul, no
 * overflow).  Internal to lib/version-*.c. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The longest version any language comparator accepts, in bytes: real ones
 * are under 100; a longer one is an error, never truncated. */
#define VERSION_LANG_MAX 4096

static inline bool numstr_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static inline bool numstr_is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline char numstr_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Length of the run of digits at p. */
static inline size_t numstr_span(const char *p) {
        size_t n = 0;

        while (numstr_is_digit(p[n]))
                n++;
        return n;
}

/* Skips leading zeros of a digit run of n bytes; "000" becomes "" (zero). */
static inline void numstr_strip(const char **p, size_t *n) {
        while (*n > 0 && **p == '0') {
                (*p)++;
                (*n)--;
        }
}

/* Compares two digit runs by value, any length: <0, 0 or >0. */
static inline int numstr_compare(const char *a, size_t an, const char *b, size_t bn) {
        int r;

        numstr_strip(&a, &an);
        numstr_strip(&b, &bn);
        if (an != bn)
                return an < bn ? -1 : 1;
        r = an ? memcmp(a, b, an) : 0;
        return (r > 0) - (r < 0);
}

/* Compares bytes as strings (memcmp order, a prefix first): <0, 0 or >0. */
static inline int numstr_bytes_compare(const char *a, size_t an, const char *b, size_t bn) {
        int r = memcmp(a, b, an < bn ? an : bn);

        if (r != 0)
                return (r > 0) - (r < 0);
        return (an > bn) - (an < bn);
}
