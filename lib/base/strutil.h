/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/macro.h"

/* A growable string (curl's dynbuf idea): every append checks a hard cap so
 * that hostile input can't make it grow without bound. */
struct strbuf {
        char *s;        /* always NUL-terminated once anything was appended */
        size_t len;
        size_t cap;
        size_t max;     /* 0 = STRBUF_DEFAULT_MAX */
};
#define STRBUF_DEFAULT_MAX ((size_t) 256 * 1024 * 1024)

/* Room for extra more bytes (and the NUL) without another allocation. */
int strbuf_reserve(struct strbuf *b, size_t extra);
int strbuf_append_grow(struct strbuf *b, const char *s, size_t n);
/* Inline while the bytes and the NUL fit with a byte to spare (so that
 * the cap, at most max + 1, is kept to as strbuf_reserve() keeps it):
 * most appends of a report, a key, a quote, a comma; else
 * strbuf_append_grow(), which also takes an empty strbuf. */
static inline int strbuf_append(struct strbuf *b, const char *s, size_t n) {
        if (b->cap <= b->len + 1 || n >= b->cap - b->len - 1)
                return strbuf_append_grow(b, s, n);
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
        return 0;
}
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
char *strbuf_steal(struct strbuf *b);   /* returns "" (allocated) when empty */
void strbuf_done(struct strbuf *b);

bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
/* The same in any case of ASCII letters. */
bool endswith_nocase(const char *s, const char *suffix);
/* ASCII classes, whatever the locale: the bytes come from image files. */
static inline bool isalnum_ascii(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
/* The value of a hex digit (either case), -1 for anything else. */
static inline int hexval(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                                                         : -1;
}
static inline char tolower_ascii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}
bool streq_ptr(const char *a, const char *b);
/* Case-insensitive ASCII comparison. */
bool strcaseeq(const char *a, const char *b);
/* strndup() that returns NULL only on allocation failure. */
char *strndup_or_null(const char *s, size_t n);
/* Returns a copy of s with leading/trailing ASCII whitespace removed. */
char *strdup_strip(const char *s, size_t n);

/* The length of the well-formed UTF-8 sequence at p (1 to 4; an ASCII
 * byte, NUL too, is 1), or 0 when p starts none. */
size_t utf8_char_len(const unsigned char *p);
/* The byte b in each byte of a word, and whether a word has a zero byte
 * (the high bit of the result's bytes, from the first zero byte on). */
static inline uint64_t bytes_of(unsigned char b) {
        return UINT64_C(0x0101010101010101) * b;
}
static inline uint64_t zero_bytes(uint64_t w) {
        return (w - bytes_of(0x01)) & ~w & bytes_of(0x80);
}
/* p past its ASCII (bytes 0x01..0x7f): at its NUL or its first byte past
 * ASCII; end is where the NUL is (or before it).  The loops over UTF-8
 * take most text eight bytes a step this way, without a call per byte (a
 * scan's JSON report is ~230 KiB of it, gone over three times between
 * the child's result and the output). */
static inline const unsigned char *utf8_skip_ascii(const unsigned char *p, const unsigned char *end) {
        uint64_t w;

        for (; end - p >= 8; p += 8) {
                memcpy(&w, p, sizeof(w));
                if ((w & bytes_of(0x80)) | zero_bytes(w))
                        break;
        }
        while ((unsigned) *p - 1u < 0x7fu)
                p++;
        return p;
}
/* The code point of the well-formed UTF-8 sequence of n bytes at p when it
 * is one that shows as nothing or changes how the text around it shows,
 * else 0: the C1 controls U+0080..U+009F (U+009B is CSI to some
 * terminals), Unicode's default-ignorable code points -- among them the
 * bidirectional controls U+061C, U+200E, U+200F, U+202A..U+202E and
 * U+2066..U+2069 ("Trojan Source", CVE-2021-42574: a name that reads as
 * another), the zero-width characters U+200B..U+200D and U+2060, the soft
 * hyphen U+00AD, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the
 * variation selectors, U+FEFF and the tags U+E0000.. -- and the line and
 * paragraph separators U+2028, U+2029 (a new line to some viewers). */
uint32_t utf8_hidden(const unsigned char *p, size_t n);
/* Control characters (below 0x20, DEL), the code points utf8_hidden()
 * finds and bytes that start no well-formed UTF-8 sequence become '?',
 * byte for byte: for messages and tables that quote input, which must stay
 * one line, keep terminal escapes out and read as what they are. */
void str_make_printable(char *s);
/* strbuf_append() of n bytes of s (no NUL among them), made printable as
 * str_make_printable() makes them. */
int strbuf_append_printable(struct strbuf *b, const char *s, size_t n);

/* NULL-terminated string vectors. */
void strv_free(char **v);
size_t strv_length(char *const *v);
int strv_push(char ***v, char *s);   /* takes ownership of s, also on failure */
char **strv_copy(char *const *v);     /* v (not NULL) and its strings copied; NULL: out of memory */
bool strv_contains(char *const *v, const char *s);      /* v may be NULL */
/* strv_push() of a copy of s unless *v holds it already; 0 or -ENOMEM. */
int strv_push_unique(char ***v, const char *s);
/* v's strings with sep between them (malloc'ed; "" for none); NULL when
 * out of memory. */
char *strv_join(char *const *v, const char *sep);
/* Pushes s (taken, freed when not kept) while *v holds fewer than max
 * strings, then once a copy of more instead, then nothing.  0 or -ENOMEM. */
int strv_push_capped(char ***v, char *s, size_t max, const char *more);
/* strv_push() of the formatted string; -ENOMEM. */
int strv_pushf(char ***v, const char *fmt, ...) _printf_(2, 3);
int strv_pushfv(char ***v, const char *fmt, va_list ap) _printf_(2, 0);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Appends s to b percent-encoded as a purl component (purl-spec: everything
 * but ALPHA DIGIT . - _ ~ is encoded). */
int strbuf_append_purl_escaped(struct strbuf *b, const char *s);

/* FNV-1a, 64 bits, over n bytes from h (FNV1A64_OFFSET to start): the
 * verdict index's checksums and shards, the owned-path set's hash. */
#define FNV1A64_OFFSET 0xcbf29ce484222325ULL
uint64_t fnv1a64(uint64_t h, const void *p, size_t n);
