/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strutil.h"

/* The parts of the messages the sandboxed analysis children send their
 * parent (inventory-wire.h, scan-wire.h), which the parent reads as hostile
 * input: it comes from a process that parsed an image.
 *
 * Integers are 32-bit little-endian; a double is its 64-bit IEEE 754 bits,
 * little-endian; a string is its length and its bytes (no NUL among them),
 * or the length 0xffffffff alone for NULL; a list of strings is its count
 * and the strings.  Every failure to read is -EBADMSG with a message that
 * names the document and the field, never a shorter result. */

#define WIRE_NULL UINT32_MAX

/* The bytes wire_put_str() writes for s: to size a message before writing it. */
size_t wire_str_size(const char *s);
/* 0, -ENOMEM, or -E2BIG for a string or list too long to count. */
int wire_put_u32(struct strbuf *b, uint32_t v);
int wire_put_f64(struct strbuf *b, double v);
int wire_put_str(struct strbuf *b, const char *s);
int wire_put_strv(struct strbuf *b, char *const *v);

struct wire_cursor {
        const char *doc;        /* how messages name it: "inventory from the analysis" */
        const unsigned char *buf;
        size_t len;
        size_t at;
};

/* Which value a message is about, formatted only for the message:
 * "os 'id'", "warnings[3]", "package 12 'purl'". */
struct wire_field {
        const char *list;       /* NULL, or the list: "warnings", "package" */
        size_t i;
        const char *key;        /* NULL for an item of a list of strings */
};

const char *wire_field_name(const struct wire_field *f, char *buf, size_t size);
/* Sets "DOC: message" and returns -EBADMSG. */
int wire_error(const struct wire_cursor *c, struct error *err, const char *fmt, ...) _printf_(3, 4);

int wire_get_u32(struct wire_cursor *c, uint32_t *ret, const struct wire_field *f, struct error *err);
/* Any bits, NaN and infinities too: the caller checks the range. */
int wire_get_f64(struct wire_cursor *c, double *ret, const struct wire_field *f, struct error *err);
/* A string as the JSON it replaces gave it: bad UTF-8 made '?'. */
int wire_get_str(struct wire_cursor *c, char **ret, const struct wire_field *f, struct error *err);
/* A count, at most max, each of whose items takes at least min_size bytes. */
int wire_get_count(struct wire_cursor *c, size_t max, size_t min_size, size_t *ret, const char *what,
                   struct error *err);
/* At most max strings, none NULL, appended to *ret (made printable when
 * printable); *ret_n (may be NULL) is their count. */
int wire_get_strv(struct wire_cursor *c, size_t max, bool printable, char ***ret, size_t *ret_n, const char *what,
                  struct error *err);
