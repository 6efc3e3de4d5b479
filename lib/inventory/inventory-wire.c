/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's inventory for its parent (inventory-wire.h). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonutil.h"
#include "inventory-wire.h"

#define WIRE_NULL UINT32_MAX
#define PACKAGE_FIELDS 9

/* The fields of a package in their order on the wire. */
#define FIELDS_OF(p)                                                                                    \
        { &(p)->name, &(p)->version, &(p)->source_name, &(p)->source_version, &(p)->arch, &(p)->ecosystem, \
          &(p)->purl, &(p)->origin_file, &(p)->guessed_from }

static const char *const field_names[PACKAGE_FIELDS] = {
        "name", "version", "source_name", "source_version", "arch", "ecosystem", "purl", "origin_file",
        "guessed_from",
};

/* ---- writing ------------------------------------------------------------- */

static size_t str_size(const char *s) {
        return 4 + (s ? strlen(s) : 0);
}

static int put_u32(struct strbuf *b, uint32_t v) {
        const char le[4] = { (char) v, (char) (v >> 8), (char) (v >> 16), (char) (v >> 24) };

        return strbuf_append(b, le, sizeof(le));
}

static int put_str(struct strbuf *b, const char *s) {
        size_t n = s ? strlen(s) : 0;
        int r;

        if (!s)
                return put_u32(b, WIRE_NULL);
        if (n >= WIRE_NULL)
                return -E2BIG;
        r = put_u32(b, (uint32_t) n);
        return r < 0 ? r : strbuf_append(b, s, n);
}

static int put_strv(struct strbuf *b, char *const *v) {
        size_t n = strv_length(v);
        int r = n >= WIRE_NULL ? -E2BIG : put_u32(b, (uint32_t) n);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = put_str(b, v[i]);
        return r;
}

int inventory_wire_write(const struct inventory *inv, struct strbuf *b) {
        const char *os[] = { inv->os.id, inv->os.version_id, inv->os.ecosystem, inv->os.pretty_name };
        size_t size = STRLEN(INVENTORY_WIRE_MAGIC) + 3 * 4;
        int r;

        /* one allocation: the size first */
        for (size_t i = 0; i < ELEMENTSOF(os); i++)
                size += str_size(os[i]);
        for (char *const *v = inv->skipped; v && *v; v++)
                size += str_size(*v);
        for (char *const *v = inv->warnings; v && *v; v++)
                size += str_size(*v);
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                struct package *p = &inv->pkgs[i];
                char **f[] = FIELDS_OF(p);

                for (size_t k = 0; k < PACKAGE_FIELDS; k++)
                        size += str_size(*f[k]);
        }
        if (inv->n_pkgs >= WIRE_NULL)
                return -E2BIG;
        r = strbuf_reserve(b, size);
        if (r >= 0)
                r = strbuf_append(b, INVENTORY_WIRE_MAGIC, STRLEN(INVENTORY_WIRE_MAGIC));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(os); i++)
                r = put_str(b, os[i]);
        if (r >= 0)
                r = put_strv(b, inv->skipped);
        if (r >= 0)
                r = put_strv(b, inv->warnings);
        if (r >= 0)
                r = put_u32(b, (uint32_t) inv->n_pkgs);
        for (size_t i = 0; r >= 0 && i < inv->n_pkgs; i++) {
                struct package *p = &inv->pkgs[i];
                char **f[] = FIELDS_OF(p);

                for (size_t k = 0; r >= 0 && k < PACKAGE_FIELDS; k++)
                        r = put_str(b, *f[k]);
        }
        return r;
}

/* ---- reading -------------------------------------------------------------- */

struct cursor {
        const unsigned char *buf;
        size_t len;
        size_t at;
};

/* Which string a message is about, formatted only for the message:
 * "os 'id'", "warnings[3]", "package 12 'purl'". */
struct field {
        const char *list;       /* NULL, "skipped", "warnings", "package" */
        size_t i;
        const char *key;        /* NULL for an item of skipped or warnings */
};

static const char *field_name(const struct field *f, char *buf, size_t size) {
        if (!f->list)
                snprintf(buf, size, "%s", f->key);
        else if (!f->key)
                snprintf(buf, size, "%s[%zu]", f->list, f->i);
        else
                snprintf(buf, size, "%s %zu '%s'", f->list, f->i, f->key);
        return buf;
}

static int get_u32(struct cursor *c, uint32_t *ret, const struct field *f, struct error *err) {
        const unsigned char *p = c->buf + c->at;
        char name[96];

        if (c->len - c->at < 4)
                return error_set(err, EBADMSG, "inventory from the analysis: %s: cut short at byte %zu",
                                 field_name(f, name, sizeof(name)), c->at);
        *ret = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
        c->at += 4;
        return 0;
}

/* A string as the JSON it replaces gave it: bad UTF-8 made '?'. */
static int get_str(struct cursor *c, char **ret, const struct field *f, struct error *err) {
        uint32_t n = 0;
        char *s, name[96];
        int r;

        *ret = NULL;
        if ((r = get_u32(c, &n, f, err)) < 0)
                return r;
        if (n == WIRE_NULL)
                return 0;
        if (n > c->len - c->at)
                return error_set(err, EBADMSG, "inventory from the analysis: %s: %" PRIu32 " bytes at byte %zu, "
                                 "past its end (%zu bytes)", field_name(f, name, sizeof(name)), n, c->at, c->len);
        if (memchr(c->buf + c->at, '\0', n))
                return error_set(err, EBADMSG, "inventory from the analysis: %s: a NUL byte inside the string at "
                                 "byte %zu", field_name(f, name, sizeof(name)), c->at);
        if (!(s = malloc((size_t) n + 1)))
                return error_set(err, ENOMEM, "out of memory");
        memcpy(s, c->buf + c->at, n);
        s[n] = '\0';
        c->at += n;
        str_make_utf8(s);
        *ret = s;
        return 0;
}

/* A count, at most max, each of whose items takes at least min_size bytes. */
static int get_count(struct cursor *c, size_t max, size_t min_size, size_t *ret, const char *what,
                     struct error *err) {
        uint32_t n = 0;
        int r = get_u32(c, &n, &(struct field) { .key = what }, err);

        if (r < 0)
                return r;
        if (n > max)
                return error_set(err, EBADMSG, "inventory from the analysis: %" PRIu32 " %s, more than %zu", n, what,
                                 max);
        if ((size_t) n * min_size > c->len - c->at)
                return error_set(err, EBADMSG, "inventory from the analysis: %" PRIu32 " %s in %zu bytes: cut short",
                                 n, what, c->len - c->at);
        *ret = n;
        return 0;
}

static int get_strv(struct cursor *c, size_t max, bool printable, char ***ret, size_t *ret_n, const char *what,
                    struct error *err) {
        size_t n;
        int r = get_count(c, max, 4, &n, what, err);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct field f = { .list = what, .i = i };
                char *s, name[96];

                if ((r = get_str(c, &s, &f, err)) < 0)
                        break;
                if (!s)
                        return error_set(err, EBADMSG, "inventory from the analysis: %s is null",
                                         field_name(&f, name, sizeof(name)));
                if (printable)
                        str_make_printable(s);
                if (strv_push(ret, s) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (r >= 0 && ret_n)
                *ret_n = n;
        return r;
}

static int get_package(struct cursor *c, size_t i, struct package *p, struct error *err) {
        char **f[] = FIELDS_OF(p);
        int r = 0;

        for (size_t k = 0; r >= 0 && k < PACKAGE_FIELDS; k++)
                r = get_str(c, f[k], &(struct field) { .list = "package", .i = i, .key = field_names[k] }, err);
        if (r >= 0 && (!p->name || !p->version))
                r = error_set(err, EBADMSG, "inventory from the analysis: package %zu has no '%s'", i,
                              p->name ? "version" : "name");
        return r;
}

/* Everything after the magic. */
static int get_inventory(struct cursor *c, struct inventory *inv, struct error *err) {
        static const char *const os_names[] = { "os 'id'", "os 'version'", "os 'ecosystem'", "os 'pretty_name'" };
        char **os[] = { &inv->os.id, &inv->os.version_id, &inv->os.ecosystem, &inv->os.pretty_name };
        size_t n;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(os); i++)
                r = get_str(c, os[i], &(struct field) { .key = os_names[i] }, err);
        if (r >= 0 && inv->os.pretty_name)
                str_make_printable(inv->os.pretty_name);
        if (r >= 0)
                r = get_strv(c, INVENTORY_WIRE_SKIPPED_MAX, false, &inv->skipped, NULL, "skipped", err);
        if (r >= 0)
                r = get_strv(c, INVENTORY_WARNINGS_MAX + 1, true, &inv->warnings, &inv->n_warnings, "warnings", err);
        if (r >= 0)
                r = get_count(c, INVENTORY_PACKAGES_MAX, PACKAGE_FIELDS * 4, &n, "packages", err);
        if (r < 0)
                return r;
        if (n > 0 && !(inv->pkgs = calloc(n, sizeof(struct package))))
                return error_set(err, ENOMEM, "out of memory");
        inv->cap_pkgs = n;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                /* counted before it is complete: inventory_free() frees what it got */
                inv->n_pkgs++;
                r = get_package(c, i, &inv->pkgs[i], err);
        }
        return r;
}

int inventory_wire_read(const char *buf, size_t len, struct inventory **ret, size_t *ret_used,
                        struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct cursor c = { .buf = (const unsigned char *) buf, .len = len, .at = STRLEN(INVENTORY_WIRE_MAGIC) };
        int r;

        if (!inv)
                return error_set(err, ENOMEM, "out of memory");
        if (len < STRLEN(INVENTORY_WIRE_MAGIC) || memcmp(buf, INVENTORY_WIRE_MAGIC, STRLEN(INVENTORY_WIRE_MAGIC)) != 0)
                return error_set(err, EBADMSG, "inventory from the analysis: does not start with '%s'",
                                 INVENTORY_WIRE_MAGIC);
        r = get_inventory(&c, inv, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(inv);
        *ret_used = c.at;
        return 0;
}
