/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Decimal numbers inside versions, compared as digit strings so that any
 * length works and nothing overflows: leading zeros dropped, then the
 * longer is the larger, then byte order.  Shared by the PEP 440, SemVer,
 * Maven, RubyGems, Composer, NuGet and Bitnami comparators (the dpkg, rpm
 * and apk ones keep their own, which differ). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A piece of a caller's version string; never NUL-terminated. */
struct version_span {
        const char *p;
        size_t n;
};

static inline bool version_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static inline bool version_is_alnum(char c) {
        return version_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline size_t version_digits(const char *p) {
        size_t n = 0;

        while (version_is_digit(p[n]))
                n++;
        return n;
}

static inline struct version_span version_strip_zeros(struct version_span s) {
        while (s.n > 0 && s.p[0] == '0') {
                s.p++;
                s.n--;
        }
        return s;
}

static inline int version_number_compare(struct version_span a, struct version_span b) {
        int c;

        a = version_strip_zeros(a);
        b = version_strip_zeros(b);
        if (a.n != b.n)
                return a.n < b.n ? -1 : 1;
        c = a.n ? memcmp(a.p, b.p, a.n) : 0;
        return (c > 0) - (c < 0);
}

/* The same on a digit run given as pointer and length. */
static inline int version_number_compare_n(const char *a, size_t an, const char *b, size_t bn) {
        return version_number_compare((struct version_span) { a, an }, (struct version_span) { b, bn });
}

static inline bool version_is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline char version_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Compares bytes as strings (memcmp order, a prefix first): <0, 0 or >0. */
static inline int version_bytes_compare(const char *a, size_t an, const char *b, size_t bn) {
        int r = memcmp(a, b, an < bn ? an : bn);

        if (r != 0)
                return (r > 0) - (r < 0);
        return (an > bn) - (an < bn);
}

/* The longest Maven, RubyGems, Composer or NuGet version accepted, in
 * bytes: real ones are under 100; a longer one is an error, never cut. */
#define VERSION_LANG_MAX 4096
