/* SPDX-License-Identifier: Apache-2.0 */
/* Python distributions as installed by pip and by distributions' python3-*
 * packages: a "*.dist-info" folder with METADATA (wheels, PEP 376/566), a
 * "*.egg-info" folder with PKG-INFO (either folder with the other's file
 * too, as importlib.metadata reads them), a "*.egg-info" file that is
 * itself PKG-INFO (setuptools), or an unzipped "*.egg" folder's
 * EGG-INFO/PKG-INFO.  Both are RFC 822 headers; Name and Version are all
 * we need, so only the head of the file is read (the description after the
 * headers can be megabytes). */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/strutil.h"
#include "inventory.h"

#define PYTHON_METADATA_HEAD_MAX ((size_t) 64 * 1024)
#define PYTHON_FIELD_MAX 256
_Static_assert(INVENTORY_LANG_FIELD_MAX <= PYTHON_FIELD_MAX, "a version fits the copy below");

/* A header value: "Key: value" at the start of a line of the head, up to
 * the blank line that ends the headers.  Keys are case-insensitive. */
static bool header(const char *buf, size_t len, const char *key, struct slice *ret) {
        size_t k = strlen(key);

        for (const char *p = buf, *end = buf + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *eol = nl ? nl : end;
                size_t n = (size_t) (eol - p);

                if (n > 0 && p[n - 1] == '\r')
                        n--;
                if (n == 0)
                        return false;   /* the end of the headers */
                if (n > k && strncasecmp(p, key, k) == 0 && p[k] == ':') {
                        const char *v = p + k + 1, *e = p + n;

                        while (v < e && (*v == ' ' || *v == '\t'))
                                v++;
                        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                                e--;
                        *ret = (struct slice) { v, (size_t) (e - v) };
                        return true;
                }
                p = eol + 1;
        }
        return false;
}

/* PEP 508 names: letters, digits, '.', '_', '-', starting and ending with a
 * letter or digit. */
static bool name_valid(struct slice s) {
        if (s.n == 0 || s.n > PYTHON_FIELD_MAX || !isalnum_ascii(s.s[0]) || !isalnum_ascii(s.s[s.n - 1]))
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (!isalnum_ascii(s.s[i]) && !strchr("._-", s.s[i]))
                        return false;
        return true;
}

/* The purl name: lower case, '_' as '-' (purl-spec PURL-TYPES "pypi"). */
static void purl_name(struct slice s, char buf[PYTHON_FIELD_MAX + 1]) {
        for (size_t i = 0; i < s.n; i++)
                buf[i] = s.s[i] == '_' ? '-' : (char) tolower_ascii(s.s[i]);
        buf[s.n] = '\0';
}

int python_metadata_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        char name[PYTHON_FIELD_MAX + 1], version[PYTHON_FIELD_MAX + 1], purl[PYTHON_FIELD_MAX + 1];
        struct slice n, v;

        if (!header(buf, len, "Name", &n) || !header(buf, len, "Version", &v))
                return inventory_not_read(inv, "%s: no Name or Version header; skipped", origin);
        if (!name_valid(n))
                return inventory_not_read(inv, "%s: an invalid Name (PEP 508); skipped", origin);
        if (!inventory_field_printable(v.s, v.n, INVENTORY_LANG_FIELD_MAX))
                return inventory_not_read(inv, "%s: an invalid Version; skipped", origin);
        memcpy(name, n.s, n.n);
        name[n.n] = '\0';
        memcpy(version, v.s, v.n);
        version[v.n] = '\0';
        purl_name(n, purl);
        return inventory_add_lang(inv, origin, "PyPI", name, version, "pypi", NULL, purl);
}

/* The metadata file of a *.dist-info or *.egg-info folder, as Python's
 * importlib.metadata finds it: METADATA, else PKG-INFO (whichever the tool
 * that wrote the folder named it); 1 and its text, 0 when it has neither
 * (said: the folder makes Python list a distribution no one can name). */
static int read_folder_metadata(struct inventory *inv, const struct inventory_walk_entry *e, const char *subdir,
                                char **ret, size_t *ret_len, const char **ret_file, struct error *err) {
        static const char *const files[] = { "METADATA", "PKG-INFO" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                int r = inventory_walk_read(e, subdir, files[i], PYTHON_METADATA_HEAD_MAX, true, ret, ret_len, err);

                if (r == -ENOENT)
                        continue;
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {    /* as inventory_walk_read_or_warn() */
                        r = inventory_not_read_errno(inv, -r, "%s; skipped", err->msg);
                        error_clear(err);
                        return r;
                }
                *ret_file = files[i];
                return 1;
        }
        return inventory_not_read(inv, "/%s%s%s: a Python distribution folder with neither METADATA nor PKG-INFO; "
                                  "not checked", e->dir, *e->dir ? "/" : "", subdir) < 0
               ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* Named as importlib.metadata finds a distribution (the suffixes in any case). */
static bool distribution_name(const char *name) {
        return endswith_nocase(name, ".dist-info") || endswith_nocase(name, ".egg-info") ||
               endswith_nocase(name, ".egg");
}

/* A symlink so named: importlib.metadata (and pip) follow it, the walk
 * does not.  One to a folder or file itself named so is read where it
 * points, the walk finds it there; any other target (a dist-info linked to
 * .../meta/requests) is said as not checked, never passed over. */
static int visit_link(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        char target[PATH_MAX];
        const char *base;
        ssize_t n;

        n = readlinkat(inventory_walk_dirfd(e), e->name, target, sizeof(target) - 1);
        if (n < 0)
                return 0;       /* gone since it was listed */
        while (n > 1 && target[n - 1] == '/')
                n--;
        target[n] = '\0';
        base = strrchr(target, '/');
        if (distribution_name(base ? base + 1 : target))
                return 0;
        return inventory_not_read(inv, "/%s%s%s: a symlink where Python finds a distribution (to %s), which the "
                                  "walk does not follow; not checked", e->dir, *e->dir ? "/" : "", e->name,
                                  target) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL, *egg = NULL;
        const char *subdir = NULL, *file = NULL;
        size_t len = 0;
        int r;

        if (e->type == DT_LNK)
                return distribution_name(e->name) ? visit_link(inv, e, err) : 0;
        /* the suffixes in any case, as importlib.metadata matches them */
        if (e->type == DT_DIR && (endswith_nocase(e->name, ".dist-info") || endswith_nocase(e->name, ".egg-info")))
                subdir = e->name;
        else if (e->type == DT_REG && endswith_nocase(e->name, ".egg-info"))
                file = e->name;
        else if (e->type == DT_REG && endswith_nocase(e->name, ".egg"))
                /* a zipped egg, importable as it is (zipimport): its
                 * EGG-INFO/PKG-INFO inside the zip is not read here */
                return inventory_not_read(inv, "/%s%s%s: a zipped Python egg, whose PKG-INFO Portcullis does not "
                                          "read; not checked", e->dir, *e->dir ? "/" : "", e->name) < 0
                       ? error_set(err, ENOMEM, "out of memory") : 0;
        else if (e->type == DT_DIR && endswith_nocase(e->name, ".egg")) {
                /* an egg unzipped (easy_install, `setup.py install`) */
                if (asprintf(&egg, "%s/EGG-INFO", e->name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                subdir = egg;
                file = "PKG-INFO";
        } else
                return 0;
        if (file)
                r = inventory_walk_read_or_warn(inv, e, subdir, file, PYTHON_METADATA_HEAD_MAX, true, &buf, &len, err);
        else
                r = read_folder_metadata(inv, e, subdir, &buf, &len, &file, err);
        if (r <= 0)
                return r;
        if (asprintf(&origin, "/%s%s%s%s%s", e->dir, *e->dir ? "/" : "", subdir ? subdir : "", subdir ? "/" : "",
                     file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = python_metadata_parse(buf, len, origin, inv);
        return r == -ENOMEM || r == -E2BIG ? error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY
                                                                                              : "out of memory")
                                           : r;
}

const struct inventory_reader inventory_reader_python = {
        .name = "python",
        .what = "Python distributions",
        .visit = visit,
};
