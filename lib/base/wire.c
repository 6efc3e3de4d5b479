/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis children's messages, piece by piece (wire.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/wire.h"

/* ---- writing ------------------------------------------------------------- */

size_t wire_str_size(const char *s) {
        return 4 + (s ? strlen(s) : 0);
}

int wire_put_u32(struct strbuf *b, uint32_t v) {
        const char le[4] = { (char) v, (char) (v >> 8), (char) (v >> 16), (char) (v >> 24) };

        return strbuf_append(b, le, sizeof(le));
}

int wire_put_f64(struct strbuf *b, double v) {
        uint64_t bits;
        int r;

        memcpy(&bits, &v, sizeof(bits));
        r = wire_put_u32(b, (uint32_t) bits);
        return r < 0 ? r : wire_put_u32(b, (uint32_t) (bits >> 32));
}

int wire_put_str(struct strbuf *b, const char *s) {
        size_t n = s ? strlen(s) : 0;
        int r;

        if (!s)
                return wire_put_u32(b, WIRE_NULL);
        if (n >= WIRE_NULL)
                return -E2BIG;
        r = wire_put_u32(b, (uint32_t) n);
        return r < 0 ? r : strbuf_append(b, s, n);
}

int wire_put_strv(struct strbuf *b, char *const *v) {
        size_t n = strv_length(v);
        int r = n >= WIRE_NULL ? -E2BIG : wire_put_u32(b, (uint32_t) n);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = wire_put_str(b, v[i]);
        return r;
}

/* ---- reading -------------------------------------------------------------- */

const char *wire_field_name(const struct wire_field *f, char *buf, size_t size) {
        if (!f->list)
                snprintf(buf, size, "%s", f->key);
        else if (!f->key)
                snprintf(buf, size, "%s[%zu]", f->list, f->i);
        else
                snprintf(buf, size, "%s %zu '%s'", f->list, f->i, f->key);
        return buf;
}

int wire_error(const struct wire_cursor *c, struct error *err, const char *fmt, ...) {
        char msg[ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return error_set(err, EBADMSG, "%s: %s", c->doc, msg);
}

int wire_get_u32(struct wire_cursor *c, uint32_t *ret, const struct wire_field *f, struct error *err) {
        const unsigned char *p = c->buf + c->at;
        char name[96];

        if (c->len - c->at < 4)
                return wire_error(c, err, "%s: cut short at byte %zu", wire_field_name(f, name, sizeof(name)), c->at);
        *ret = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
        c->at += 4;
        return 0;
}

int wire_get_f64(struct wire_cursor *c, double *ret, const struct wire_field *f, struct error *err) {
        const unsigned char *p = c->buf + c->at;
        uint64_t bits = 0;
        char name[96];

        if (c->len - c->at < 8)
                return wire_error(c, err, "%s: cut short at byte %zu", wire_field_name(f, name, sizeof(name)), c->at);
        for (int k = 7; k >= 0; k--)
                bits = bits << 8 | p[k];
        memcpy(ret, &bits, sizeof(*ret));
        c->at += 8;
        return 0;
}

int wire_get_str(struct wire_cursor *c, char **ret, const struct wire_field *f, struct error *err) {
        uint32_t n = 0;
        char *s, name[96];
        int r;

        *ret = NULL;
        if ((r = wire_get_u32(c, &n, f, err)) < 0)
                return r;
        if (n == WIRE_NULL)
                return 0;
        if (n > c->len - c->at)
                return wire_error(c, err, "%s: %" PRIu32 " bytes at byte %zu, past its end (%zu bytes)",
                                  wire_field_name(f, name, sizeof(name)), n, c->at, c->len);
        if (memchr(c->buf + c->at, '\0', n))
                return wire_error(c, err, "%s: a NUL byte inside the string at byte %zu",
                                  wire_field_name(f, name, sizeof(name)), c->at);
        if (!(s = malloc((size_t) n + 1)))
                return error_set(err, ENOMEM, "out of memory");
        memcpy(s, c->buf + c->at, n);
        s[n] = '\0';
        c->at += n;
        str_make_utf8(s, n);
        *ret = s;
        return 0;
}

int wire_get_count(struct wire_cursor *c, size_t max, size_t min_size, size_t *ret, const char *what,
                   struct error *err) {
        uint32_t n = 0;
        int r = wire_get_u32(c, &n, &(struct wire_field) { .key = what }, err);

        if (r < 0)
                return r;
        if (n > max)
                return wire_error(c, err, "%" PRIu32 " %s, more than %zu", n, what, max);
        if ((size_t) n * min_size > c->len - c->at)
                return wire_error(c, err, "%" PRIu32 " %s in %zu bytes: cut short", n, what, c->len - c->at);
        *ret = n;
        return 0;
}

int wire_get_strv(struct wire_cursor *c, size_t max, bool printable, char ***ret, size_t *ret_n, const char *what,
                  struct error *err) {
        size_t n;
        int r = wire_get_count(c, max, 4, &n, what, err);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct wire_field f = { .list = what, .i = i };
                char *s, name[96];

                if ((r = wire_get_str(c, &s, &f, err)) < 0)
                        break;
                if (!s)
                        return wire_error(c, err, "%s is null", wire_field_name(&f, name, sizeof(name)));
                if (printable)
                        str_make_printable(s);
                if (strv_push(ret, s) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (r >= 0 && ret_n)
                *ret_n = n;
        return r;
}
