/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/strutil.h"

int strbuf_reserve(struct strbuf *b, size_t extra) {
        size_t max = b->max ? b->max : STRBUF_DEFAULT_MAX;
        size_t need, cap;
        char *p;

        if (extra > max || b->len > max - extra - 1)
                return -E2BIG;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : 64 < max + 1 ? 64 : max + 1;  /* never past max + 1: strbuf_append() */
        while (cap < need)
                cap = cap > max / 2 ? max + 1 : cap * 2;
        p = realloc(b->s, cap);
        if (!p)
                return -ENOMEM;
        b->s = p;
        b->cap = cap;
        return 0;
}

int strbuf_append_grow(struct strbuf *b, const char *s, size_t n) {
        int r = strbuf_reserve(b, n);

        if (r < 0)
                return r;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
        return 0;
}

int strbuf_puts(struct strbuf *b, const char *s) {
        return strbuf_append(b, s, strlen(s));
}

int strbuf_printf(struct strbuf *b, const char *fmt, ...) {
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        r = strbuf_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        (void) vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
        return 0;
}

char *strbuf_steal(struct strbuf *b) {
        char *s = b->s ? b->s : strdup("");

        b->s = NULL;
        b->len = b->cap = 0;
        return s;
}

void strbuf_done(struct strbuf *b) {
        free(b->s);
        b->s = NULL;
        b->len = b->cap = 0;
}

bool endswith(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

bool endswith_nocase(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool strcaseeq(const char *a, const char *b) {
        for (; *a && *b; a++, b++)
                if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
                        return false;
        return *a == *b;
}

char *strndup_or_null(const char *s, size_t n) {
        char *p = malloc(n + 1);

        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

char *strdup_strip(const char *s, size_t n) {
        while (n > 0 && isspace((unsigned char) *s))
                s++, n--;
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        return strndup_or_null(s, n);
}

size_t utf8_char_len(const unsigned char *p) {
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                return (p[1] & 0xc0) == 0x80 ? 2 : 0;
        if (p[0] >= 0xe0 && p[0] <= 0xef) {
                unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;

                return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
        }
        if (p[0] >= 0xf0 && p[0] <= 0xf4) {
                unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;

                return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
        }
        return 0;
}

uint32_t utf8_hidden(const unsigned char *p, size_t n) {
        uint32_t c = n == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                     : n == 3 ? (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu)
                     : n == 4 ? (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu)
                              : 0;
        /* C1; Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties),
         * which shows as nothing; U+2028, U+2029 */
        static const uint32_t ranges[][2] = {
                { 0x80, 0x9f }, { 0xad, 0xad }, { 0x34f, 0x34f }, { 0x61c, 0x61c }, { 0x115f, 0x1160 },
                { 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f }, { 0x2028, 0x202e },
                { 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
                { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
        };

        for (size_t i = 0; i < ELEMENTSOF(ranges); i++)
                if (c >= ranges[i][0] && c <= ranges[i][1])
                        return c;
        return 0;
}

void str_make_printable(char *s) {
        for (unsigned char *p = (unsigned char *) s; *p;) {
                size_t n = utf8_char_len(p);

                if (n == 0 || *p < 0x20 || *p == 0x7f)
                        *p++ = '?';
                else if (utf8_hidden(p, n))
                        for (; n > 0; n--)
                                *p++ = '?';
                else
                        p += n;
        }
}

int strbuf_append_printable(struct strbuf *b, const char *s, size_t n) {
        size_t at = b->len;
        int r = strbuf_append(b, s, n);

        if (r >= 0)
                str_make_printable(b->s + at);
        return r;
}

void strv_free(char **v) {
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t strv_length(char *const *v) {
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

bool strv_contains(char *const *v, const char *s) {
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

int strv_push_unique(char ***v, const char *s) {
        return strv_contains(*v, s) ? 0 : strv_push(v, strdup(s));
}

int strv_pushfv(char ***v, const char *fmt, va_list ap) {
        char *s = NULL;

        return vasprintf(&s, fmt, ap) < 0 ? -ENOMEM : strv_push(v, s);
}

int strv_pushf(char ***v, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = strv_pushfv(v, fmt, ap);
        va_end(ap);
        return r;
}

int strv_push(char ***v, char *s) {
        size_t n = strv_length(*v);
        char **nv;

        if (!s)
                return -ENOMEM;
        nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[n] = s;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

char *strv_join(char *const *v, const char *sep) {
        struct strbuf b = {};

        for (char *const *p = v; p && *p; p++)
                if (strbuf_printf(&b, "%s%s", p == v ? "" : sep, *p) < 0) {
                        strbuf_done(&b);
                        return NULL;
                }
        return strbuf_steal(&b);
}

char **strv_copy(char *const *v) {
        size_t n = strv_length(v);
        char **c = calloc(n + 1, sizeof(char *));

        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

int strv_push_capped(char ***v, char *s, size_t max, const char *more) {
        size_t n = strv_length(*v);

        if (!s)
                return -ENOMEM;
        if (n >= max) {
                free(s);
                return n == max ? strv_push(v, strdup(more)) : 0;
        }
        return strv_push(v, s);
}

static bool purl_unreserved(char c) {
        return isalnum_ascii(c) || c == '.' || c == '-' || c == '_' || c == '~';
}

int strbuf_append_purl_escaped(struct strbuf *b, const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        int r = 0;

        while (r >= 0 && *s) {
                size_t n = 0;
                unsigned char c;

                /* a run of what stays as it is, in one append */
                while (s[n] && purl_unreserved(s[n]))
                        n++;
                if (n > 0) {
                        r = strbuf_append(b, s, n);
                        s += n;
                        continue;
                }
                c = (unsigned char) *s++;
                r = strbuf_append(b, (const char[]) { '%', hex[c >> 4], hex[c & 15] }, 3);
        }
        return r;
}

uint64_t fnv1a64(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;

        for (size_t i = 0; i < n; i++) {
                h ^= s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}
