/* SPDX-License-Identifier: Apache-2.0 */
/* yajl's parse events into a reused flat tree; see json-flat.h for what it
 * accepts (a subset of what jansson accepts, read the same way). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "base/json-flat.h"
#include "base/jsonutil.h"
#include "base/macro.h"

#define JF_DEPTH_MAX 512        /* deeper goes to jansson (its limit is 2048) */
#define JF_DUP_LINEAR 16        /* objects up to this size: duplicates found pairwise */

struct builder {
        struct jf_doc *d;
        size_t stack[JF_DEPTH_MAX];     /* open containers */
        size_t depth;
        const char *key;                /* the pending member name (its parent an object) */
        uint32_t key_len;
        int r;                          /* why a callback stopped the parse */
        yajl_handle h;
        size_t root_end;                /* the offset just past the top value */
};

/* Well-formed UTF-8 as jansson checks it (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), and no NUL. */
static bool utf8_ok(const unsigned char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                unsigned c = s[i], need, cp;

                if (c < 0x80) {
                        if (c == 0)
                                return false;
                        i++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF)
                        need = 1, cp = c & 0x1F;
                else if (c >= 0xE0 && c <= 0xEF)
                        need = 2, cp = c & 0x0F;
                else if (c >= 0xF0 && c <= 0xF4)
                        need = 3, cp = c & 0x07;
                else
                        return false;
                if (n - i <= need)
                        return false;
                for (unsigned k = 1; k <= need; k++) {
                        if ((s[i + k] & 0xC0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3F);
                }
                if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                i += need + 1;
        }
        return true;
}

/* A copy of s in d->text, which was sized for the whole document before
 * the parse (so pointers into it stay valid). */
static const char *put(struct builder *b, const char *s, size_t n) {
        struct jf_doc *d = b->d;
        char *at;

        if (n >= d->text_cap - d->text_len) {
                b->r = -EINVAL;
                return NULL;
        }
        at = d->text + d->text_len;
        memcpy(at, s, n);
        at[n] = '\0';
        d->text_len += n + 1;
        return at;
}

/* A new value at the current position; NULL (b->r set) when it cannot be. */
static struct jf_node *add(struct builder *b, enum jf_type type) {
        struct jf_doc *d = b->d;
        struct jf_node *n;

        if (b->depth == 0 && type != JF_ARRAY && type != JF_OBJECT) {
                b->r = -EINVAL; /* jansson takes an object or array at the top only */
                return NULL;
        }
        if (d->n == d->cap) {
                size_t ncap = d->cap ? d->cap * 2 : 256;

                if (ncap > UINT32_MAX || !(n = reallocarray(d->nodes, ncap, sizeof(*n)))) {
                        b->r = -ENOMEM;
                        return NULL;
                }
                d->nodes = n;
                d->cap = ncap;
        }
        if (b->depth > 0) {
                struct jf_node *parent = &d->nodes[b->stack[b->depth - 1]];

                parent->count++;
                if (parent->type == JF_OBJECT && !b->key) {
                        b->r = -EINVAL;
                        return NULL;
                }
        }
        n = &d->nodes[d->n];
        *n = (struct jf_node) { .type = (uint8_t) type, .key = b->key, .key_len = b->key_len };
        n->end = (uint32_t) ++d->n;
        b->key = NULL;
        b->key_len = 0;
        return n;
}

static int on_null(void *ctx) {
        return add(ctx, JF_NULL) != NULL;
}

static int on_boolean(void *ctx, int v) {
        return add(ctx, v ? JF_TRUE : JF_FALSE) != NULL;
}

/* jansson's rules: an integer (no fraction, no exponent) must fit 64 bits,
 * a real must not overflow (an underflow goes to jansson too). */
static int on_number(void *ctx, const char *s, size_t len) {
        struct builder *b = ctx;
        bool real = memchr(s, '.', len) || memchr(s, 'e', len) || memchr(s, 'E', len);
        struct jf_node *n = add(b, real ? JF_REAL : JF_INTEGER);
        char *end;

        if (!n || !(n->str = put(b, s, len)))
                return 0;
        n->len = (uint32_t) len;
        errno = 0;
        if (real)
                (void) strtod(n->str, &end);
        else
                (void) strtoll(n->str, &end, 10);
        if (errno != 0 || end != n->str + len) {
                b->r = -EINVAL;
                return 0;
        }
        return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
        struct builder *b = ctx;
        struct jf_node *n;

        if (len >= UINT32_MAX || !utf8_ok(s, len)) {
                b->r = -EINVAL;
                return 0;
        }
        n = add(b, JF_STRING);
        if (!n || !(n->str = put(b, (const char *) s, len)))
                return 0;
        n->len = (uint32_t) len;
        return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t len) {
        struct builder *b = ctx;

        if (len >= UINT32_MAX || !utf8_ok(s, len)) {
                b->r = -EINVAL;
                return 0;
        }
        b->key = put(b, (const char *) s, len);
        b->key_len = (uint32_t) len;
        return b->key != NULL;
}

static int open_container(struct builder *b, enum jf_type type) {
        struct jf_node *n;

        if (b->depth == JF_DEPTH_MAX) {
                b->r = -EINVAL;
                return 0;
        }
        n = add(b, type);
        if (!n)
                return 0;
        b->stack[b->depth++] = (size_t) (n - b->d->nodes);
        return 1;
}

static int on_start_map(void *ctx) {
        return open_container(ctx, JF_OBJECT);
}

static int on_start_array(void *ctx) {
        return open_container(ctx, JF_ARRAY);
}

static int key_cmp(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Whether the object at index obj (complete) names a member twice. */
static int find_duplicates(const struct jf_doc *d, size_t obj) {
        const struct jf_node *o = &d->nodes[obj], *a, *c;
        _cleanup_free_ const char **keys = NULL;
        size_t i = 0;

        if (o->count <= 1)
                return 0;
        if (o->count <= JF_DUP_LINEAR) {
                for (a = o + 1; a; a = jf_next(d, o, a))
                        for (c = jf_next(d, o, a); c; c = jf_next(d, o, c))
                                if (a->key_len == c->key_len && memcmp(a->key, c->key, a->key_len) == 0)
                                        return -EINVAL;
                return 0;
        }
        keys = malloc(o->count * sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        for (a = o + 1; a; a = jf_next(d, o, a))
                keys[i++] = a->key;
        qsort(keys, i, sizeof(*keys), key_cmp);
        for (size_t k = 1; k < i; k++)
                if (strcmp(keys[k - 1], keys[k]) == 0)
                        return -EINVAL;
        return 0;
}

static int on_end(void *ctx) {
        struct builder *b = ctx;
        size_t at;

        if (b->depth == 0) {
                b->r = -EINVAL;
                return 0;
        }
        at = b->stack[--b->depth];
        if (b->depth == 0)
                b->root_end = yajl_get_bytes_consumed(b->h);
        b->d->nodes[at].end = (uint32_t) b->d->n;
        if (b->d->nodes[at].type == JF_OBJECT && (b->r = find_duplicates(b->d, at)) < 0)
                return 0;
        return 1;
}

static const yajl_callbacks callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_boolean,
        .yajl_number = on_number,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_key,
        .yajl_end_map = on_end,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end,
};

/* yajl turns an escaped lone surrogate into '?' where jansson rejects it:
 * a document with any escaped surrogate (\uD800-\uDFFF) is left to
 * jansson. */
static bool has_surrogate_escape(const char *buf, size_t len) {
        const char *p = buf, *end = buf + len;

        while ((p = memchr(p, '\\', (size_t) (end - p))) && end - p >= 4) {
                if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && p[3] && strchr("89abcdefABCDEF", p[3]))
                        return true;
                p += 2;
        }
        return false;
}

int jf_parse(struct jf_doc *d, const char *buf, size_t len) {
        struct builder b = { .d = d };
        yajl_handle h;
        yajl_status st;

        d->n = 0;
        d->text_len = 0;
        /* a NUL is never JSON (jansson's lexer drops one after a number);
         * yajl takes \v and \f for whitespace, where JSON and jansson do
         * not (nor inside a string) */
        if (len == 0 || len >= UINT32_MAX || memchr(buf, '\0', len) || memchr(buf, '\v', len) ||
            memchr(buf, '\f', len) || has_surrogate_escape(buf, len))
                return -EINVAL;
        /* every key, string and number is shorter than its text in buf plus
         * the byte after it, so text never moves while nodes point into it */
        if (d->text_cap < len + 1) {
                char *t = realloc(d->text, len + 1);

                if (!t)
                        return -ENOMEM;
                d->text = t;
                d->text_cap = len + 1;
        }
        h = b.h = yajl_alloc(&callbacks, NULL, &b);
        if (!h)
                return -ENOMEM;
        st = yajl_parse(h, (const unsigned char *) buf, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        yajl_free(h);
        if (st != yajl_status_ok)
                return b.r < 0 ? b.r : -EINVAL;
        if (b.depth != 0 || d->n == 0 || b.root_end > len)
                return -EINVAL;
        /* only whitespace after the top value (yajl takes the start of an
         * unfinished string there for input still to come) */
        for (size_t i = b.root_end; i < len; i++)
                if (!strchr(" \t\n\r", buf[i]))
                        return -EINVAL;
        return 0;
}

void jf_doc_done(struct jf_doc *d) {
        free(d->nodes);
        free(d->text);
        *d = (struct jf_doc) {};
}

const struct jf_node *jf_get_n(const struct jf_doc *d, const struct jf_node *obj, const char *key, size_t key_len) {
        if (!jf_is(obj, JF_OBJECT) || obj->count == 0)
                return NULL;
        /* the first byte before a call of memcmp(): most members differ there */
        for (const struct jf_node *c = obj + 1; c; c = jf_next(d, obj, c))
                if (c->key_len == key_len && (key_len == 0 || c->key[0] == key[0]) &&
                    memcmp(c->key, key, key_len) == 0)
                        return c;
        return NULL;
}

int jf_dump(const struct jf_doc *d, const struct jf_node *n, struct strbuf *b) {
        static const char *const words[] = { [JF_NULL] = "null", [JF_FALSE] = "false", [JF_TRUE] = "true" };
        const struct jf_node *c;
        bool object;
        int r;

        switch (n->type) {
        case JF_STRING:
                return strbuf_append_json_string(b, n->str);
        case JF_INTEGER:
        case JF_REAL:
                return 1; /* jansson writes its own number, not the text read */
        case JF_ARRAY:
        case JF_OBJECT:
                break;
        default:
                return strbuf_puts(b, words[n->type]);
        }
        object = n->type == JF_OBJECT;
        r = strbuf_append(b, object ? "{" : "[", 1);
        for (c = n->count ? n + 1 : NULL; r == 0 && c; c = jf_next(d, n, c)) {
                if (c != n + 1)
                        r = strbuf_append(b, ",", 1);
                if (r == 0 && object && (r = strbuf_append_json_string(b, c->key)) == 0)
                        r = strbuf_append(b, ":", 1);
                if (r == 0)
                        r = jf_dump(d, c, b);
        }
        return r != 0 ? r : strbuf_append(b, object ? "}" : "]", 1);
}
