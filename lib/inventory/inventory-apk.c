/* SPDX-License-Identifier: Apache-2.0 */
/* apk's database of installed packages: lib/apk/db/installed (apk-tools'
 * "installed database", the same format as an APKINDEX): stanzas separated
 * by blank lines, one "K:value" line per field, the key a single character.
 * We keep P (name), V (version), A (architecture) and o (origin, the
 * aports package the binary was built from, which is what OSV's Alpine
 * records name), and a kept package's files (F: a folder, R: a file in the
 * last folder) as owned (inventory_own()); the other keys (Z, D, p, ...)
 * are skipped.  Parsed from a buffer with a cursor and named caps. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "version.h"

#define APK_INSTALLED_PATH "lib/apk/db/installed"
/* Names, versions, arches and origins are short (apk's names are < 100
 * bytes in practice). */
#define APK_FIELD_MAX 1024
/* Stanzas in one file, kept or not (see DPKG_STANZAS_MAX). */
#define APK_STANZAS_MAX ((unsigned) (4 * INVENTORY_PACKAGES_MAX))

enum field {
        F_NAME,
        F_VERSION,
        F_ARCH,
        F_ORIGIN,
        _F_MAX,
        _F_INVALID = -EINVAL,
};

static const char field_keys[_F_MAX] = {
        [F_NAME] = 'P',
        [F_VERSION] = 'V',
        [F_ARCH] = 'A',
        [F_ORIGIN] = 'o',
};

/* How messages name a field: "P (name)". */
static const char *const field_names[_F_MAX] = {
        [F_NAME] = "P (name)",
        [F_VERSION] = "V (version)",
        [F_ARCH] = "A (arch)",
        [F_ORIGIN] = "o (origin)",
};

struct stanza {
        unsigned line;                 /* first line, for messages */
        const char *start, *end;       /* its text */
        struct slice f[_F_MAX];        /* .s NULL when absent */
        const char *bad;               /* why it is malformed, or NULL */
        enum field bad_field;
};

struct cursor {
        const char *p, *end;
        unsigned line;
};

/* Returns the next line (without "\n") and advances. */
static struct slice next_line(struct cursor *c) {
        const char *nl = memchr(c->p, '\n', (size_t) (c->end - c->p));
        struct slice l = { c->p, (size_t) ((nl ? nl : c->end) - c->p) };

        c->p = nl ? nl + 1 : c->end;
        c->line++;
        return l;
}

static bool line_is_blank(struct slice l) {
        for (size_t i = 0; i < l.n; i++)
                if (l.s[i] != ' ' && l.s[i] != '\t' && l.s[i] != '\r')
                        return false;
        return true;
}

static enum field field_lookup(char key) {
        for (int i = 0; i < _F_MAX; i++)
                if (field_keys[i] == key)
                        return (enum field) i;
        return _F_INVALID;
}

static void stanza_mark_bad(struct stanza *st, const char *why, enum field f) {
        if (!st->bad) {
                st->bad = why;
                st->bad_field = f;
        }
}

/* One "K:value" line. */
static void stanza_add_line(struct stanza *st, struct slice l) {
        struct slice value;
        enum field f;

        if (l.n < 2 || l.s[1] != ':') {
                stanza_mark_bad(st, "a line that is not 'K:value'", _F_INVALID);
                return;
        }
        f = field_lookup(l.s[0]);
        if (f < 0)
                return;
        value = (struct slice) { l.s + 2, l.n - 2 };
        if (st->f[f].s) {              /* keep the first, for messages */
                stanza_mark_bad(st, "a repeated field", f);
                return;
        }
        if (value.n > APK_FIELD_MAX)
                stanza_mark_bad(st, "a field longer than the limit", f);
        else if (memchr(value.s, '\0', value.n))
                stanza_mark_bad(st, "a NUL byte", f);
        st->f[f] = value;
}

/* Reads the next stanza: 1 with *st filled, 0 at the end of the buffer. */
static int read_stanza(struct cursor *c, struct stanza *st) {
        *st = (struct stanza) {};
        for (;;) {                     /* skip the blank lines before it */
                const char *before = c->p;
                unsigned line = c->line;

                if (c->p >= c->end)
                        return 0;
                if (!line_is_blank(next_line(c))) {
                        c->p = before;
                        c->line = line;
                        break;
                }
        }
        st->line = c->line + 1;
        st->start = c->p;
        while (c->p < c->end) {
                const char *before = c->p;
                struct slice l = next_line(c);

                st->end = before;
                if (line_is_blank(l))
                        break;
                stanza_add_line(st, l);
                st->end = c->p;
        }
        return 1;
}

/* A kept package's files: "F:usr/bin" then "R:busybox" lines. */
static int own_files(struct inventory *inv, const struct stanza *st) {
        struct cursor c = { st->start, st->end, 0 };
        struct slice dir = {};
        char path[INVENTORY_WALK_PATH_MAX];
        int k = 0;

        while (k >= 0 && c.p < c.end) {
                struct slice l = next_line(&c);

                if (l.n > 0 && l.s[l.n - 1] == '\r')
                        l.n--;
                if (l.n < 3 || l.s[1] != ':' || (l.s[0] != 'F' && l.s[0] != 'R'))
                        continue;
                if (l.s[0] == 'F')
                        dir = (struct slice) { l.s + 2, l.n - 2 };
                if (l.s[0] == 'F' && dir.n + 1 < sizeof(path))
                        k = snprintf(path, sizeof(path), "/%.*s", (int) dir.n, dir.s) > 0 ?
                            inventory_own(inv, path, dir.n + 1) : 0;
                else if (l.s[0] == 'R' && dir.s && dir.n + l.n < sizeof(path))
                        k = snprintf(path, sizeof(path), "/%.*s/%.*s", (int) dir.n, dir.s, (int) (l.n - 2),
                                     l.s + 2) > 0 ? inventory_own(inv, path, dir.n + l.n) : 0;
        }
        return k < 0 ? k : 0;
}

/* apk-tools' names: we take the conservative set that aports uses
 * (alphanumeric first, then [A-Za-z0-9+._-]), which also keeps names safe
 * in purls, JSON and terminals. */
static bool name_is_valid(struct slice n) {
        if (n.n == 0 || !isalnum((unsigned char) n.s[0]))
                return false;
        for (size_t i = 1; i < n.n; i++)
                if (!isalnum((unsigned char) n.s[i]) && !strchr("-+._", n.s[i]))
                        return false;
        return true;
}

static bool arch_is_valid(struct slice a) {
        if (a.n == 0)
                return false;
        for (size_t i = 0; i < a.n; i++)
                if (!isalnum((unsigned char) a.s[i]) && a.s[i] != '_' && a.s[i] != '-')
                        return false;
        return true;
}

static int warn_stanza(struct inventory *inv, const char *origin, const struct stanza *st, const char *what,
                       enum field f) {
        const struct slice *pkg = &st->f[F_NAME];
        bool named = pkg->s && pkg->n > 0 && pkg->n <= APK_FIELD_MAX;

        return inventory_not_read(inv, "%s: stanza at line %u%s%.*s%s: %s%s%s; skipped", origin, st->line,
                                  named ? " (P:" : "", named ? (int) pkg->n : 0, named ? pkg->s : "", named ? ")" : "",
                                  what, f >= 0 ? " in field " : "", f >= 0 ? field_names[f] : "");
}

/* Keeps one stanza or drops it with a warning.  Returns <0 only for
 * ENOMEM/E2BIG. */
static int handle_stanza(struct inventory *inv, const char *origin, const struct stanza *st) {
        if (st->bad)
                return warn_stanza(inv, origin, st, st->bad, st->bad_field);
        if (!st->f[F_NAME].s)
                return warn_stanza(inv, origin, st, "no P (name) field", _F_INVALID);
        if (!name_is_valid(st->f[F_NAME]))
                return warn_stanza(inv, origin, st, "an invalid package name", F_NAME);
        if (!st->f[F_VERSION].s)
                return warn_stanza(inv, origin, st, "no V (version) field", _F_INVALID);
        if (st->f[F_VERSION].n == 0)
                return warn_stanza(inv, origin, st, "an empty value", F_VERSION);
        /* A version apk-tools would reject is kept as written: the match
         * lists the package as not checked, with the reason. */
        if (st->f[F_ARCH].s && !arch_is_valid(st->f[F_ARCH]))
                return warn_stanza(inv, origin, st, "an invalid value", F_ARCH);
        if (st->f[F_ORIGIN].s && !name_is_valid(st->f[F_ORIGIN]))
                return warn_stanza(inv, origin, st, "an invalid package name", F_ORIGIN);
        /* purl-spec PURL-TYPES "apk": pkg:apk/<id>/<name>@<version>?arch=..
         * &distro=<version_id>, the namespace the vendor (alpine, wolfi, ...). */
        return inventory_add_slices(inv, origin, st->f[F_NAME], st->f[F_VERSION],
                                    st->f[F_ORIGIN].s ? st->f[F_ORIGIN] : st->f[F_NAME], (struct slice) {},
                                    st->f[F_ARCH], "apk", inv->os.id, inv->os.id ? inv->os.version_id : NULL);
}

int apk_installed_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err) {
        struct cursor c = { buf, buf + len, 0 };
        unsigned n = 0;
        struct stanza st;
        int r;

        bool owning = true;

        while (read_stanza(&c, &st) > 0) {
                size_t before = inv->n_pkgs;

                if (++n > APK_STANZAS_MAX)
                        return error_set(err, E2BIG, "%s has more than %u stanzas", origin, APK_STANZAS_MAX);
                r = handle_stanza(inv, origin, &st);
                if (r == -E2BIG)
                        return error_set(err, r, "%s: more than %d packages", origin, INVENTORY_PACKAGES_MAX);
                if (r >= 0 && owning && inv->n_pkgs > before && (r = own_files(inv, &st)) == -E2BIG) {
                        owning = false;
                        r = inventory_warn(inv, "%s: more installed files than Portcullis keeps (%d); the rest "
                                           "are read as anyone's", origin, INVENTORY_OWNED_MAX);
                }
                if (r < 0)
                        return error_set(err, r, "parse %s: out of memory", origin);
        }
        return 0;
}

int inventory_apk(struct rootfs *r, struct inventory *inv, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int k;

        k = rootfs_read_file(r, APK_INSTALLED_PATH, APK_INSTALLED_MAX, &buf, &len, err);
        if (k == -ENOENT) {            /* not an apk-based image */
                error_clear(err);
                return 0;
        }
        if (k < 0)
                return k;
        return apk_installed_parse(buf, len, "/" APK_INSTALLED_PATH, inv, err);
}

const struct inventory_reader inventory_reader_apk = {
        .name = "apk",
        .what = "apk database",
        .read = inventory_apk,
};
