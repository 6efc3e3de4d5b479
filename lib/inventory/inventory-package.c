/* SPDX-License-Identifier: Apache-2.0 */
/* What every inventory reader shares: the inventory and its packages, the
 * package constructor, warnings and package URLs.  The dispatcher
 * (inventory.c) and the readers (inventory-*.c) both use it; neither uses
 * the other's internals. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "ecosystem.h"
#include "inventory.h"

struct inventory *inventory_new(void) {
        return calloc(1, sizeof(struct inventory));
}

void package_done(struct package *p) {
        if (!p)
                return;
        free(p->name);
        free(p->version);
        free(p->source_name);
        free(p->source_version);
        free(p->arch);
        free(p->ecosystem);
        free(p->purl);
        free(p->origin_file);
        free(p->guessed_from);
        *p = (struct package) {};
}

void inventory_free(struct inventory *inv) {
        if (!inv)
                return;
        for (size_t i = 0; i < inv->n_pkgs; i++)
                package_done(&inv->pkgs[i]);
        free(inv->pkgs);
        os_info_done(&inv->os);
        strv_free(inv->warnings);
        strv_free(inv->skipped);
        inventory_owned_free(inv);
        free(inv);
}

int inventory_add(struct inventory *inv, struct package *p) {
        if (inv->n_pkgs >= INVENTORY_PACKAGES_MAX) {
                package_done(p);
                return -E2BIG;
        }
        if (inv->n_pkgs == inv->cap_pkgs) {
                size_t cap = inv->cap_pkgs ? inv->cap_pkgs * 2 : 64;
                struct package *np = realloc(inv->pkgs, cap * sizeof(*np));

                if (!np) {
                        package_done(p);
                        return -ENOMEM;
                }
                inv->pkgs = np;
                inv->cap_pkgs = cap;
        }
        inv->pkgs[inv->n_pkgs++] = *p;
        *p = (struct package) {};
        return 0;
}

static char *slice_dup(struct slice s) {
        return strndup_or_null(s.s, s.n);
}

const char *inventory_os_ecosystem(const struct inventory *inv, const char *purl_type) {
        return ecosystem_has_purl_type(inv->os.ecosystem, purl_type) ? inv->os.ecosystem : NULL;
}

int inventory_add_slices(struct inventory *inv, const char *origin, struct slice name, struct slice version,
                         struct slice source_name, struct slice source_version, struct slice arch,
                         const char *purl_type, const char *purl_namespace, const char *purl_distro) {
        const char *ecosystem = inventory_os_ecosystem(inv, purl_type);
        struct package p = {
                .name = slice_dup(name),
                .version = slice_dup(version),
                .source_name = slice_dup(source_name.s ? source_name : name),
                .source_version = slice_dup(source_version.s ? source_version : version),
                .arch = arch.s ? slice_dup(arch) : NULL,
                .ecosystem = ecosystem ? strdup(ecosystem) : NULL,
                .origin_file = strdup(origin),
        };
        int r = -ENOMEM;

        if (p.name && p.version && p.source_name && p.source_version && p.origin_file && (!arch.s || p.arch) &&
            (!ecosystem || p.ecosystem))
                r = purl_build(purl_type, purl_namespace, p.name, p.version, p.arch, purl_distro, NULL, &p.purl);
        if (r < 0) {
                package_done(&p);
                return r;
        }
        return inventory_add(inv, &p);
}

int inventory_add_lang(struct inventory *inv, const char *origin, const char *ecosystem, const char *name,
                       const char *version, const char *purl_type, const char *purl_namespace,
                       const char *purl_name) {
        struct package p = {
                .name = strdup(name),
                .version = strdup(version),
                .source_name = ecosystem_package_name(ecosystem, name),
                .source_version = strdup(version),
                .ecosystem = strdup(ecosystem),
                .origin_file = strdup(origin),
        };
        int r = -ENOMEM;

        if (p.name && p.version && p.source_name && p.source_version && p.ecosystem && p.origin_file)
                r = purl_build(purl_type, purl_namespace, purl_name ? purl_name : name, version, NULL, NULL, NULL,
                               &p.purl);
        if (r < 0) {
                package_done(&p);
                return r;
        }
        return inventory_add(inv, &p);
}

int inventory_warn(struct inventory *inv, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;
        int n;

        /* A hostile database could produce a warning per stanza; past the
         * cap we only count, and say so once. */
        if (inv->n_warnings++ > INVENTORY_WARNINGS_MAX)
                return 0;
        if (inv->n_warnings > INVENTORY_WARNINGS_MAX)
                return strv_push(&inv->warnings, strdup("more warnings were suppressed"));
        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        /* Messages quote image content; keep terminal escapes out. */
        str_make_printable(msg);
        return strv_push(&inv->warnings, msg);
}

_printf_(3, 0) static int not_read(struct inventory *inv, int e, const char *fmt, va_list ap) {
        char *s = NULL;

        if (vasprintf(&s, fmt, ap) < 0)
                return -ENOMEM;
        inv->transient |= e > 0 && inventory_errno_node(e);
        str_make_printable(s);
        if (inventory_warn(inv, "%s", s) < 0) {
                free(s);
                return -ENOMEM;
        }
        return strv_push_capped(&inv->skipped, s, INVENTORY_NOT_READ_MAX,
                                "more parts of the image could not be read; see the warnings");
}

int inventory_not_read(struct inventory *inv, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = not_read(inv, 0, fmt, ap);
        va_end(ap);
        return r;
}

int inventory_not_read_errno(struct inventory *inv, int e, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = not_read(inv, e, fmt, ap);
        va_end(ap);
        return r;
}

bool inventory_errno_node(int e) {
        switch (e) {
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOSPC:
        case EDQUOT:
        case EIO:
        case EINTR:
        case EAGAIN:
        case ETIMEDOUT:
        case ENOSYS:
        case ECHILD:
                return true;
        default:
                return false;
        }
}

static int purl_part(struct strbuf *b, const char *prefix, const char *value) {
        int r = strbuf_puts(b, prefix);

        return r < 0 ? r : strbuf_append_purl_escaped(b, value);
}

int purl_build(const char *type, const char *namespace, const char *name, const char *version, const char *arch,
               const char *distro, const char *epoch, char **ret) {
        const char *quals[][2] = { { "arch", arch }, { "distro", distro }, { "epoch", epoch } };
        struct strbuf b = {};
        char sep[2] = "?";
        int r;

        r = strbuf_reserve(&b, 128);
        if (r >= 0)
                r = strbuf_puts(&b, "pkg:");
        if (r >= 0)
                r = strbuf_puts(&b, type);
        if (r >= 0)
                r = strbuf_puts(&b, "/");
        /* the namespace's segments (golang's github.com/x) each encoded */
        for (const char *seg = namespace; r >= 0 && seg;) {
                const char *slash = strchr(seg, '/');
                _cleanup_free_ char *part = slash ? strndup(seg, (size_t) (slash - seg)) : NULL;

                r = slash && !part ? -ENOMEM : purl_part(&b, "", slash ? part : seg);
                if (r >= 0)
                        r = strbuf_puts(&b, "/");
                seg = slash ? slash + 1 : NULL;
        }
        if (r >= 0)
                r = purl_part(&b, "", name);
        if (r >= 0)
                r = purl_part(&b, "@", version);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(quals); i++) {
                if (!quals[i][1])
                        continue;
                r = strbuf_puts(&b, sep);
                if (r >= 0)
                        r = strbuf_puts(&b, quals[i][0]);
                if (r >= 0)
                        r = purl_part(&b, "=", quals[i][1]);
                sep[0] = '&';
        }
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

char *purl_distro(const struct os_info *os) {
        char *s = NULL;

        if (!os->id || !os->version_id)
                return NULL;
        return asprintf(&s, "%s-%s", os->id, os->version_id) < 0 ? NULL : s;
}

bool inventory_field_printable(const char *s, size_t n, size_t max) {
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}
