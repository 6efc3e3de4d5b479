/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* Strict reading of our own JSON files (config.json, policy.json), with
 * messages that name file, line and column.  jansson keeps no positions for
 * parsed nodes, so positions are found again in the raw buffer: a small
 * scanner walks from a value's first byte to one member of an object (or
 * one element of an array), skipping string contents correctly, so a key
 * spelled inside a string value or inside another object never matches.
 * Lines and columns count from 1; columns count characters, as jansson's
 * own error positions do. */

#define JSON_POS_UNKNOWN ((size_t) -1)

struct json_doc {
        const char *name;               /* file name for messages */
        const char *buf;
        size_t len;
        json_t *root;
};

/* One value of a document: where its first byte is, where its key is (the
 * element's own position for array elements), and how messages call it. */
struct json_node {
        const struct json_doc *doc;
        json_t *v;
        size_t pos;
        size_t key_pos;
        char where[160];                /* "the policy", "scope 'prod'", "allowlist[2]" */
};

/* json_loadb(JSON_REJECT_DUPLICATES); a syntax error is "NAME:LINE:COLUMN:
 * text".  The root must be an object; *ret_root describes it. */
int json_doc_load(struct json_doc *doc, const char *buf, size_t len, const char *name, const char *where,
                  struct json_node *ret_root, struct error *err);
void json_doc_done(struct json_doc *doc);

/* Line and column (from 1) of byte offset pos. */
void json_line_col(const char *buf, size_t len, size_t pos, int *ret_line, int *ret_col);

/* Sets err to "NAME:LINE:COLUMN: message" (or "NAME: message" when pos is
 * JSON_POS_UNKNOWN) and returns -EINVAL. */
int json_error_at(const struct json_doc *doc, size_t pos, struct error *err, const char *fmt, ...) _printf_(4, 5);

/* Positions inside the raw buffer: the member key of the object starting at
 * obj_pos (JSON_POS_UNKNOWN if not found, also *ret_val_pos), and element
 * idx of the array starting at arr_pos. */
size_t json_find_member(const char *buf, size_t len, size_t obj_pos, const char *key, size_t *ret_val_pos);
size_t json_find_element(const char *buf, size_t len, size_t arr_pos, size_t idx);

/* Where key is in obj (its opening quote), else obj's own position. */
size_t json_key_pos(const struct json_node *obj, const char *key);

/* For a document parsed with JSON_ALLOW_NUL (a feed's "\u0000" in one
 * string must not cost the whole document): every string value that holds
 * U+0000 gets U+0001 in its place, so that a check for control characters
 * sees it, where a C string would end at the NUL ("1.0\u0000junk" read as
 * "1.0").  -ENOMEM. */
int json_nul_to_soh(json_t *v);

/* s as it can be shown in a message: printable ASCII ('?' for other bytes),
 * cut to size with "..." */
void json_printable(const char *s, char *ret, size_t size);

/* Every key of obj must be one of allowed (NULL-terminated); otherwise
 * "NAME:L:C: unknown key 'moed' in <where>; expected one of mode, ...". */
int json_check_keys(const struct json_node *obj, const char *const *allowed, struct error *err);
/* The same, where a key of others (NULL-terminated), which belongs
 * elsewhere, is said so with hint, what to do ("NAME:L:C: 'on_timeout' in
 * the configuration is not a key of it: <hint>"). */
int json_check_keys_hint(const struct json_node *obj, const char *const *allowed, const char *const *others,
                         const char *hint, struct error *err);
/* Whether buf holds nothing but JSON white space: an empty file, which
 * the caller says what to write into. */
bool json_blank(const char *buf, size_t len);

/* Member key of obj, which must have the given type (JSON_TRUE stands for
 * either boolean).  Returns 0 when absent, 1 when present (*ret filled, its
 * where is "<obj where> '<key>'"), or -EINVAL naming the key's position. */
int json_member(const struct json_node *obj, const char *key, json_type type, struct json_node *ret,
                struct error *err);
/* Element idx of the array arr; its where is "<arr where>[idx]". */
void json_element(const struct json_node *arr, size_t idx, struct json_node *ret);

/* Convenience wrappers over json_member(): 0 absent (*ret untouched), 1
 * set, negative on a wrong type.  A string must be non-empty. */
int json_get_string(const struct json_node *obj, const char *key, const char **ret, struct error *err);
int json_get_bool(const struct json_node *obj, const char *key, bool *ret, struct error *err);
/* One of the words names[0..n): *ret is its index (or parse's answer when
 * parse is given); otherwise an error listing the words.  1 when present,
 * 0 when absent. */
int json_get_word(const struct json_node *obj, const char *key, const char *const *names, int n,
                  int (*parse)(const char *), int *ret, struct error *err);
/* An integer in [min, max]. */
int json_get_uint(const struct json_node *obj, const char *key, unsigned min, unsigned max, unsigned *ret,
                  struct error *err);

/* A string or JSON null for NULL; an array of the strings of v (NULL-
 * terminated, may be NULL).  New references, NULL only when out of
 * memory: bytes that are not well-formed UTF-8 (a file name or a package
 * database's text from an image; jansson takes UTF-8 only) become '?'. */
json_t *json_str_or_null(const char *s);
/* Each byte of s (len bytes, NUL-terminated there) that starts no
 * well-formed UTF-8 sequence becomes '?' (what json_str_or_null()
 * sends), in place. */
void str_make_utf8(char *s, size_t len);
/* s as a JSON string (null for NULL), escaped and its bad UTF-8 made '?'
 * exactly as json_str_or_null() and json_dumps() would write it: for
 * documents written without building a jansson tree.  0, -ENOMEM, -E2BIG. */
struct strbuf;
int strbuf_append_json_string(struct strbuf *b, const char *s);
/* text, a JSON document in UTF-8 (as jansson and strbuf_append_json_string()
 * write it), with each code point utf8_hidden() finds (C1 and bidirectional
 * controls, invisible characters, U+2028, U+2029) written as \uXXXX (a
 * surrogate pair above U+FFFF), in place: RFC 8259 section 7 lets any
 * character be escaped, so the document means the same to a parser, while
 * a terminal showing it (`cat`, `less -R`, a log viewer) gets no CSI and
 * no reordering, and a JSON-lines reader that splits on U+2028 no extra
 * line.  SARIF, CycloneDX and SPDX documents are JSON texts too.  0 or
 * -ENOMEM (*text unchanged). */
int json_escape_hidden(char **text);
/* json_dumps() then json_escape_hidden(): every JSON document Portcullis
 * prints or writes for people and their tools.  NULL when out of memory. */
char *json_dumps_escaped(const json_t *v, size_t flags);
/* Whether every byte of s belongs to a well-formed UTF-8 sequence: what
 * json_string() takes (json_pack()'s "s" fails on anything else). */
bool utf8_valid(const char *s);
/* v as json_dumps(JSON_REAL_PRECISION(precision)) writes a real (jansson's
 * jsonp_dtostr()): "%.*g", then ".0" when that has neither '.' nor 'e',
 * the exponent without '+' and leading zeros: 0.1, 7.0, 1e21, 1e-7.  0,
 * -EINVAL for a value that is not finite (json_real() refuses those, so
 * jansson writes nothing), -ENOMEM, -E2BIG. */
int strbuf_append_json_real(struct strbuf *b, double v, int precision);
json_t *json_strv(char *const *v);
