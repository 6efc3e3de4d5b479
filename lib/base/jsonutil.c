/* SPDX-License-Identifier: Apache-2.0 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/strutil.h"

/* ---- the raw-buffer scanner ---------------------------------------------
 * It runs after jansson accepted the buffer, so the input is valid JSON;
 * still every step is bounded by len, so a mismatch can only give "not
 * found", never a read out of bounds. */

static size_t skip_ws(const char *b, size_t len, size_t i) {
        while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
                i++;
        return i;
}

/* i at the opening quote; returns the offset just past the closing one. */
static size_t skip_string(const char *b, size_t len, size_t i) {
        for (i++; i < len; i++) {
                if (b[i] == '\\')
                        i++;
                else if (b[i] == '"')
                        return i + 1;
        }
        return len;
}

/* i at a value's first byte; returns the offset just past it.  Containers
 * are skipped by counting brackets outside strings, without recursion. */
static size_t skip_value(const char *b, size_t len, size_t i) {
        size_t depth = 0;

        while (i < len) {
                char c = b[i];

                if (c == '"') {
                        i = skip_string(b, len, i);
                        if (depth == 0)
                                return i;
                        continue;
                }
                if (c == '{' || c == '[')
                        depth++;
                else if (c == '}' || c == ']') {
                        if (depth == 0)
                                return i;       /* end of a scalar at a closing bracket */
                        if (--depth == 0)
                                return i + 1;
                } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'))
                        return i;
                i++;
        }
        return len;
}

/* Decodes one character of a string token at b[*i] (an escape or a byte);
 * -1 for escapes beyond ASCII, which our keys never need. */
static int token_char(const char *b, size_t end, size_t *i) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *p;
        int v = 0;

        if (b[*i] != '\\')
                return (unsigned char) b[(*i)++];
        if (*i + 1 >= end)
                return -1;
        if (b[*i + 1] != 'u') {
                p = strchr(from, b[*i + 1]);
                *i += 2;
                return p && *p ? to[p - from] : -1;
        }
        if (*i + 6 > end)
                return -1;
        for (size_t k = 2; k < 6; k++) {
                int h = hexval(b[*i + k]);

                if (h < 0)
                        return -1;
                v = v * 16 + h;
        }
        *i += 6;
        return v > 0 && v < 0x80 ? v : -1;
}

/* Whether the string token [start, end) (quotes included) spells key. */
static bool token_equals(const char *b, size_t start, size_t end, const char *key) {
        size_t i = start + 1;

        if (end < start + 2 || b[end - 1] != '"')
                return false;
        end--;
        for (; *key; key++)
                if (i >= end || token_char(b, end, &i) != (unsigned char) *key)
                        return false;
        return i == end;
}

size_t json_find_member(const char *buf, size_t len, size_t obj_pos, const char *key, size_t *ret_val_pos) {
        size_t i = obj_pos, kstart, v;

        *ret_val_pos = JSON_POS_UNKNOWN;
        if (i >= len || buf[i] != '{')
                return JSON_POS_UNKNOWN;
        for (i = skip_ws(buf, len, i + 1); i < len && buf[i] == '"'; i = skip_ws(buf, len, i + 1)) {
                kstart = i;
                i = skip_string(buf, len, i);
                v = skip_ws(buf, len, i);
                if (v >= len || buf[v] != ':')
                        return JSON_POS_UNKNOWN;
                v = skip_ws(buf, len, v + 1);
                if (token_equals(buf, kstart, i, key)) {
                        *ret_val_pos = v < len ? v : JSON_POS_UNKNOWN;
                        return kstart;
                }
                i = skip_ws(buf, len, skip_value(buf, len, v));
                if (i >= len || buf[i] != ',')
                        return JSON_POS_UNKNOWN;
        }
        return JSON_POS_UNKNOWN;
}

size_t json_find_element(const char *buf, size_t len, size_t arr_pos, size_t idx) {
        size_t i = arr_pos;

        if (i >= len || buf[i] != '[')
                return JSON_POS_UNKNOWN;
        for (i = skip_ws(buf, len, i + 1); i < len && buf[i] != ']'; idx--) {
                if (idx == 0)
                        return i;
                i = skip_ws(buf, len, skip_value(buf, len, i));
                if (i >= len || buf[i] != ',')
                        return JSON_POS_UNKNOWN;
                i = skip_ws(buf, len, i + 1);
        }
        return JSON_POS_UNKNOWN;
}

void json_line_col(const char *buf, size_t len, size_t pos, int *ret_line, int *ret_col) {
        int line = 1, col = 1;

        for (size_t i = 0; i < pos && i < len; i++) {
                unsigned char c = (unsigned char) buf[i];

                if (c == '\n')
                        line++, col = 1;
                else if ((c & 0xc0) != 0x80)    /* not a UTF-8 continuation byte */
                        col++;
        }
        *ret_line = line;
        *ret_col = col;
}

/* ---- messages and typed access ------------------------------------------ */

int json_error_at(const struct json_doc *doc, size_t pos, struct error *err, const char *fmt, ...) {
        char msg[ERROR_MSG_MAX];
        int line, col;
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (pos == JSON_POS_UNKNOWN)
                return error_set(err, EINVAL, "%s: %s", doc->name, msg);
        json_line_col(doc->buf, doc->len, pos, &line, &col);
        return error_set(err, EINVAL, "%s:%d:%d: %s", doc->name, line, col, msg);
}

int json_doc_load(struct json_doc *doc, const char *buf, size_t len, const char *name, const char *where,
                  struct json_node *ret_root, struct error *err) {
        json_error_t jerr;

        *doc = (struct json_doc) { .name = name, .buf = buf, .len = len };
        doc->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc->root)
                return error_set(err, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        *ret_root = (struct json_node) { .doc = doc, .v = doc->root };
        ret_root->pos = ret_root->key_pos = skip_ws(buf, len, 0);
        (void) snprintf(ret_root->where, sizeof(ret_root->where), "%s", where);
        if (!json_is_object(doc->root))
                return json_error_at(doc, ret_root->pos, err, "%s must be a JSON object", where);
        return 0;
}

void json_doc_done(struct json_doc *doc) {
        json_decref(doc->root);
        doc->root = NULL;
}

int json_nul_to_soh(json_t *v) {
        const char *key;
        json_t *e;
        size_t i, n;

        if (json_is_string(v) && strlen(json_string_value(v)) != (n = json_string_length(v))) {
                _cleanup_free_ char *s = malloc(n);

                if (!s)
                        return -ENOMEM;
                memcpy(s, json_string_value(v), n);
                for (i = 0; i < n; i++)
                        if (s[i] == '\0')
                                s[i] = '\x01';
                return json_string_setn_nocheck(v, s, n) < 0 ? -ENOMEM : 0;
        }
        /* (jansson's parser nests at most JSON_PARSER_MAX_DEPTH deep) */
        json_object_foreach(v, key, e)
                if (json_nul_to_soh(e) < 0)
                        return -ENOMEM;
        json_array_foreach(v, i, e)
                if (json_nul_to_soh(e) < 0)
                        return -ENOMEM;
        return 0;
}

void json_printable(const char *key, char *ret, size_t size) {
        size_t n = 0;

        for (; *key && n + 4 < size; key++)
                ret[n++] = *key >= 0x20 && *key < 0x7f ? *key : '?';
        if (*key)
                ret[n++] = '.', ret[n++] = '.', ret[n++] = '.';
        ret[n] = '\0';
}

size_t json_key_pos(const struct json_node *obj, const char *key) {
        size_t v, pos = json_find_member(obj->doc->buf, obj->doc->len, obj->pos, key, &v);

        return pos != JSON_POS_UNKNOWN ? pos : obj->pos;
}

static bool strv_has(const char *const *v, const char *s) {
        for (; *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

int json_check_keys(const struct json_node *obj, const char *const *allowed, struct error *err) {
        const char *key;
        json_t *value;

        json_object_foreach(obj->v, key, value) {
                struct strbuf list = { .max = 1024 };
                char shown[80];
                int r;

                if (strv_has(allowed, key))
                        continue;
                for (const char *const *a = allowed; *a; a++)
                        (void) strbuf_printf(&list, "%s%s", a == allowed ? "" : ", ", *a);
                json_printable(key, shown, sizeof(shown));
                r = json_error_at(obj->doc, json_key_pos(obj, key), err,
                                  "unknown key '%s' in %s; expected one of %s", shown, obj->where,
                                  strempty(list.s));
                strbuf_done(&list);
                return r;
        }
        return 0;
}

int json_check_keys_hint(const struct json_node *obj, const char *const *allowed, const char *const *others,
                         const char *hint, struct error *err) {
        const char *key;
        json_t *value;

        json_object_foreach(obj->v, key, value)
                if (!strv_has(allowed, key) && strv_has(others, key))
                        return json_error_at(obj->doc, json_key_pos(obj, key), err, "'%s' in %s is not a key of it: %s",
                                             key, obj->where, hint);
        return json_check_keys(obj, allowed, err);
}

bool json_blank(const char *buf, size_t len) {
        return skip_ws(buf, len, 0) == len;
}

static const char *type_name(json_type type) {
        switch (type) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_TRUE:
        case JSON_FALSE:
                return "true or false";
        default:
                return "a value";
        }
}

static bool has_type(json_t *v, json_type type) {
        if (type == JSON_TRUE || type == JSON_FALSE)
                return json_is_boolean(v);
        return json_typeof(v) == type;
}

int json_member(const struct json_node *obj, const char *key, json_type type, struct json_node *ret,
                struct error *err) {
        json_t *v = json_object_get(obj->v, key);
        size_t kpos, vpos = JSON_POS_UNKNOWN;

        if (!v)
                return 0;
        kpos = json_find_member(obj->doc->buf, obj->doc->len, obj->pos, key, &vpos);
        if (!has_type(v, type))
                return json_error_at(obj->doc, kpos, err, "'%s' in %s must be %s", key, obj->where,
                                     type_name(type));
        *ret = (struct json_node) { .doc = obj->doc, .v = v, .pos = vpos, .key_pos = kpos };
        (void) snprintf(ret->where, sizeof(ret->where), "'%.100s'", key);
        return 1;
}

void json_element(const struct json_node *arr, size_t idx, struct json_node *ret) {
        *ret = (struct json_node) { .doc = arr->doc, .v = json_array_get(arr->v, idx) };
        ret->pos = ret->key_pos = json_find_element(arr->doc->buf, arr->doc->len, arr->pos, idx);
        (void) snprintf(ret->where, sizeof(ret->where), "%.120s[%zu]", arr->where, idx);
}

int json_get_string(const struct json_node *obj, const char *key, const char **ret, struct error *err) {
        struct json_node n;
        int r = json_member(obj, key, JSON_STRING, &n, err);

        if (r <= 0)
                return r;
        if (json_string_length(n.v) == 0)
                return json_error_at(obj->doc, n.key_pos, err, "'%s' in %s must not be empty", key, obj->where);
        *ret = json_string_value(n.v);
        return 1;
}

int json_get_bool(const struct json_node *obj, const char *key, bool *ret, struct error *err) {
        struct json_node n;
        int r = json_member(obj, key, JSON_TRUE, &n, err);

        if (r <= 0)
                return r;
        *ret = json_is_true(n.v);
        return 1;
}

int json_get_uint(const struct json_node *obj, const char *key, unsigned min, unsigned max, unsigned *ret,
                  struct error *err) {
        struct json_node n;
        json_int_t v;
        int r = json_member(obj, key, JSON_INTEGER, &n, err);

        if (r <= 0)
                return r;
        v = json_integer_value(n.v);
        if (v < (json_int_t) min || v > (json_int_t) max)
                return json_error_at(obj->doc, n.key_pos, err, "'%s' in %s must be between %u and %u, not %lld",
                                     key, obj->where, min, max, (long long) v);
        *ret = (unsigned) v;
        return 1;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0. */

void str_make_utf8(char *s, size_t len) {
        const unsigned char *end = (const unsigned char *) s + len;

        for (unsigned char *p = (unsigned char *) s; *(p = (unsigned char *) utf8_skip_ascii(p, end));) {
                size_t n = utf8_char_len(p);

                if (n == 0)
                        *p++ = '?';
                else
                        p += n;
        }
}

json_t *json_str_or_null(const char *s) {
        _cleanup_free_ char *copy = NULL;
        json_t *v;

        if (!s)
                return json_null();
        if ((v = json_string(s)))
                return v;
        /* Not UTF-8 (a file name, a package database's bytes): each byte
         * that starts no well-formed sequence becomes '?'. */
        if (!(copy = strdup(s)))
                return NULL;
        str_make_utf8(copy, strlen(copy));
        return json_string(copy);
}

/* p past the bytes a JSON string holds as they are, ASCII from ' ' on
 * but '"' and '\\': at the first other byte (the NUL at end at the
 * latest), eight bytes a step while end allows. */
static const unsigned char *json_skip_plain(const unsigned char *p, const unsigned char *end) {
        uint64_t w;

        for (; end - p >= 8; p += 8) {
                memcpy(&w, p, sizeof(w));
                if ((w & bytes_of(0x80)) | zero_bytes(w ^ bytes_of('"')) | zero_bytes(w ^ bytes_of('\\')) |
                    ((w - bytes_of(0x20)) & ~w & bytes_of(0x80)))
                        break;
        }
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
                p++;
        return p;
}

/* jansson's escapes (dump.c): \\ \" \b \f \n \r \t, \uXXXX (upper-case
 * hex) for the other control characters; '/', DEL and everything past
 * ASCII as they are. */
int strbuf_append_json_string(struct strbuf *b, const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        static const char short_escape[128] = {
                ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['"'] = '"', ['\\'] = '\\',
        };
        const unsigned char *p = (const unsigned char *) s, *run, *end;
        int r;

        if (!s)
                return strbuf_append(b, "null", 4);
        end = p + strlen(s);
        r = strbuf_append(b, "\"", 1);
        while (r >= 0 && *p) {
                size_t n;

                /* the longest run written as it is: ASCII that needs no
                 * escape, well-formed UTF-8 */
                for (run = p; *(p = json_skip_plain(p, end)) >= 0x80 && (n = utf8_char_len(p)) > 0; p += n)
                        ;
                if (p > run)
                        r = strbuf_append(b, (const char *) run, (size_t) (p - run));
                if (r < 0 || !*p)
                        break;
                if (*p >= 0x80)                 /* starts no well-formed sequence */
                        r = strbuf_append(b, "?", 1);
                else if (short_escape[*p])
                        r = strbuf_append(b, (const char[]) { '\\', short_escape[*p] }, 2);
                else
                        r = strbuf_append(b, (const char[]) { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf] }, 6);
                p++;
        }
        return r < 0 ? r : strbuf_append(b, "\"", 1);
}

int json_escape_hidden(char **text) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        const unsigned char *start = (const unsigned char *) *text, *run = start, *p = start;
        const unsigned char *end = start + strlen(*text);
        int r = 0;

        while (r >= 0 && *(p = utf8_skip_ascii(p, end))) {
                size_t n = utf8_char_len(p);
                uint32_t c = n > 1 ? utf8_hidden(p, n) : 0;

                if (!c) {
                        p += n ? n : 1;
                        continue;
                }
                r = strbuf_append(&b, (const char *) run, (size_t) (p - run));
                c -= c > 0xffff ? 0x10000 : 0;
                if (r >= 0)
                        r = n == 4 ? strbuf_printf(&b, "\\u%04X\\u%04X", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff))
                                   : strbuf_printf(&b, "\\u%04X", c);
                p += n;
                run = p;
        }
        if (r >= 0 && run != start)
                r = strbuf_puts(&b, (const char *) run);
        if (r < 0)
                return r;
        if (run != start) {
                free(*text);
                *text = strbuf_steal(&b);
        }
        return 0;
}

char *json_dumps_escaped(const json_t *v, size_t flags) {
        char *text = json_dumps(v, flags);

        if (text && json_escape_hidden(&text) < 0) {
                free(text);
                return NULL;
        }
        return text;
}

bool utf8_valid(const char *s) {
        const unsigned char *end = (const unsigned char *) s + strlen(s);

        for (const unsigned char *p = (const unsigned char *) s; *(p = utf8_skip_ascii(p, end));) {
                size_t n = utf8_char_len(p);

                if (n == 0)
                        return false;
                p += n;
        }
        return true;
}

int strbuf_append_json_real(struct strbuf *b, double v, int precision) {
        const char *point = localeconv()->decimal_point;
        char buf[64], *e, *from, *to;
        long k;
        int n;

        if (!isfinite(v))
                return -EINVAL;
        k = v >= 0 && v < 1000 && !signbit(v) ? lround(v * 10) : -1;
        /* a score, d.d (the double nearest it): what "%.*g" and the ".0"
         * below make of it when precision keeps its 4 digits, without
         * printf's conversion of the double's exact value */
        if (k >= 0 && precision >= 4 && (double) k / 10 == v) {
                n = snprintf(buf, sizeof(buf), "%ld.%ld", k / 10, k % 10);
                return strbuf_append(b, buf, (size_t) n);
        }
        n = snprintf(buf, sizeof(buf) - STRLEN(".0"), "%.*g", precision, v);
        if (n < 0 || (size_t) n >= sizeof(buf) - STRLEN(".0"))
                return -EINVAL;
        /* jansson's from_locale(): the locale's decimal point becomes '.' */
        if (*point != '.' && (e = strchr(buf, *point)))
                *e = '.';
        /* so that a reader takes it for a real again, not an integer */
        if (!strpbrk(buf, ".e")) {
                memcpy(buf + n, ".0", sizeof(".0"));
                n += STRLEN(".0");
        }
        /* the exponent without '+' and leading zeros: "1e+21" is 1e21,
         * "1e-07" 1e-7 */
        e = strchr(buf, 'e');
        if (e) {
                to = e + 1;
                from = to + 1;
                if (*to == '-')
                        to++;
                while (*from == '0')
                        from++;
                if (from != to) {
                        memmove(to, from, (size_t) (buf + n - from) + 1);
                        n -= (int) (from - to);
                }
        }
        return strbuf_append(b, buf, (size_t) n);
}

json_t *json_strv(char *const *v) {
        json_t *a = json_array();

        for (; a && v && *v; v++)
                json_array_append_new(a, json_str_or_null(*v));
        return a;
}

int json_get_word(const struct json_node *obj, const char *key, const char *const *names, int n,
                    int (*parse)(const char *), int *ret, struct error *err) {
        struct json_node v;
        char shown[80];
        int r = json_member(obj, key, JSON_STRING, &v, err), x;

        if (r <= 0)
                return r;
        x = -EINVAL;
        if (parse)
                x = parse(json_string_value(v.v));
        else
                for (int i = 0; i < n && x < 0; i++)
                        if (strcmp(names[i], json_string_value(v.v)) == 0)
                                x = i;
        if (x < 0) {
                struct strbuf list = { .max = 256 };

                for (int i = 0; i < n; i++)
                        (void) strbuf_printf(&list, "%s%s", i ? ", " : "", names[i]);
                json_printable(json_string_value(v.v), shown, sizeof(shown));
                r = json_error_at(obj->doc, v.key_pos, err, "'%s' in %s must be one of %s, not '%s'", key,
                                  obj->where, strempty(list.s), shown);
                strbuf_done(&list);
                return r;
        }
        *ret = x;
        return 1;
}
