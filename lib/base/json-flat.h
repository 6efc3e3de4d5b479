/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "base/strutil.h"

/* A read-only JSON tree in two buffers reused from one document to the
 * next (no allocation per value, nothing to free per document), built from
 * yajl's parse events.  Made for the OSV import, where jansson's tree (a
 * value allocated at a time, its input read a character at a time) was
 * most of the reader's time.
 *
 * It accepts only documents that jansson's json_loadb(...,
 * JSON_REJECT_DUPLICATES) accepts too, and reads them the same: an object
 * or array at the top, well-formed UTF-8 without NUL, no duplicate keys,
 * integers that fit 64 bits, finite reals.  Where yajl is laxer than
 * jansson or where it could not tell (a lone surrogate escape, which yajl
 * turns into '?'), it rejects: a caller goes back to jansson then, for the
 * document or for its error message (fuzz/fuzz-json-flat.c holds the two
 * to this).
 *
 * Nodes are in document order: a container's members follow it, and each
 * node records where its subtree ends, so siblings are one step apart. */
enum jf_type { JF_NULL, JF_FALSE, JF_TRUE, JF_INTEGER, JF_REAL, JF_STRING, JF_ARRAY, JF_OBJECT };

struct jf_node {
        uint8_t type;           /* enum jf_type */
        uint32_t end;           /* index one past this node's subtree */
        uint32_t count;         /* members of an array or object */
        uint32_t len;           /* bytes of str */
        uint32_t key_len;       /* bytes of key */
        const char *key;        /* the member's name when its parent is an object, else NULL */
        const char *str;        /* a string unescaped, a number as written; NUL-terminated */
};

struct jf_doc {
        struct jf_node *nodes;
        size_t n, cap;
        char *text;             /* keys, strings and numbers, each with a NUL */
        size_t text_len, text_cap;
};

/* 0, -EINVAL (not accepted, see above) or -ENOMEM.  The tree is valid until
 * the next jf_parse() on d. */
int jf_parse(struct jf_doc *d, const char *buf, size_t len);
void jf_doc_done(struct jf_doc *d);

static inline const struct jf_node *jf_root(const struct jf_doc *d) {
        return d->n ? &d->nodes[0] : NULL;
}

static inline bool jf_is(const struct jf_node *n, enum jf_type t) {
        return n && n->type == t;
}

/* The members of an array (nothing for NULL or anything else), as
 * jansson's json_array_foreach. */
static inline const struct jf_node *jf_first(const struct jf_node *array) {
        return jf_is(array, JF_ARRAY) && array->count ? array + 1 : NULL;
}

static inline const struct jf_node *jf_next(const struct jf_doc *d, const struct jf_node *parent,
                                            const struct jf_node *child) {
        return child->end < parent->end ? &d->nodes[child->end] : NULL;
}

#define jf_array_foreach(d, array, i, child)                                                              \
        for ((i) = 0, (child) = jf_first(array); (child); (i)++, (child) = jf_next((d), (array), (child)))

static inline size_t jf_array_size(const struct jf_node *n) {
        return jf_is(n, JF_ARRAY) ? n->count : 0;
}

/* The member of an object named key (of key_len bytes); NULL when obj is
 * NULL, not an object, or has no such member (json_object_get()). */
const struct jf_node *jf_get_n(const struct jf_doc *d, const struct jf_node *obj, const char *key, size_t key_len);

/* inline, so that the length of a literal key is the compiler's (the
 * import looks up some 30 keys a record) */
static inline const struct jf_node *jf_get(const struct jf_doc *d, const struct jf_node *obj, const char *key) {
        return jf_get_n(d, obj, key, strlen(key));
}

/* The text of a string node; NULL for anything else or NULL
 * (json_string_value()). */
static inline const char *jf_string(const struct jf_node *n) {
        return jf_is(n, JF_STRING) ? n->str : NULL;
}

/* Appends n as compact JSON, byte for byte what jansson's
 * json_dump_callback(JSON_COMPACT | JSON_ENCODE_ANY) writes for the same
 * value (members in document order, strings by
 * strbuf_append_json_string()), or returns 1 and appends nothing usable
 * when n holds a number (jansson writes its own text for it, not the one
 * read): the caller asks jansson then.  -ENOMEM, -E2BIG. */
int jf_dump(const struct jf_doc *d, const struct jf_node *n, struct strbuf *b);
