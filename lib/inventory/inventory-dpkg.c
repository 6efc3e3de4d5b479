/* SPDX-License-Identifier: Apache-2.0 */
/* dpkg's database: var/lib/dpkg/status (deb-status(5)) and, in distroless
 * images, one file per package in var/lib/dpkg/status.d/.  Both are
 * deb822-style stanzas: "Field: value" lines, continuation lines starting
 * with a space or tab, stanzas separated by blank lines.  We parse from a
 * buffer with a cursor and named caps, and keep five fields. */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "version.h"

/* The largest real stanzas (texlive's Conffiles, long Descriptions) are
 * tens of KiB; 4 MiB is "not a status file". */
#define DPKG_STANZA_MAX ((size_t) 4 * 1024 * 1024)
/* Package, Version, Architecture, Source, Status are short (dpkg names and
 * versions are < 100 bytes in practice). */
#define DPKG_FIELD_MAX 1024
/* Stanzas in one file, kept or not: a 64 MiB file of two-line stanzas is
 * ~5 million; a real status file has a few thousand. */
#define DPKG_STANZAS_MAX ((unsigned) (4 * INVENTORY_PACKAGES_MAX))

enum field {
        F_PACKAGE,
        F_VERSION,
        F_ARCH,
        F_SOURCE,
        F_STATUS,
        _F_MAX,
        _F_INVALID = -EINVAL,
};

static const char *const field_names[_F_MAX] = {
        [F_PACKAGE] = "Package",
        [F_VERSION] = "Version",
        [F_ARCH] = "Architecture",
        [F_SOURCE] = "Source",
        [F_STATUS] = "Status",
};

struct stanza {
        unsigned line;                 /* first line, for messages */
        struct slice f[_F_MAX];        /* .s NULL when absent */
        unsigned n_fields;             /* all fields, tracked or not */
        const char *bad;               /* why it is malformed, or NULL */
        enum field bad_field;
};

struct cursor {
        const char *p, *end;
        unsigned line;
};

/* Returns the next line (without "\n" or "\r\n") and advances. */
static struct slice next_line(struct cursor *c) {
        const char *nl = memchr(c->p, '\n', (size_t) (c->end - c->p));
        struct slice l = { c->p, (size_t) ((nl ? nl : c->end) - c->p) };

        c->p = nl ? nl + 1 : c->end;
        c->line++;
        if (l.n > 0 && l.s[l.n - 1] == '\r')
                l.n--;
        return l;
}

static bool slice_eq(struct slice a, const char *b) {
        return strlen(b) == a.n && memcmp(a.s, b, a.n) == 0;
}

static bool line_is_blank(struct slice l) {
        for (size_t i = 0; i < l.n; i++)
                if (l.s[i] != ' ' && l.s[i] != '\t')
                        return false;
        return true;
}

static struct slice strip(struct slice v) {
        while (v.n > 0 && (v.s[0] == ' ' || v.s[0] == '\t'))
                v.s++, v.n--;
        while (v.n > 0 && (v.s[v.n - 1] == ' ' || v.s[v.n - 1] == '\t'))
                v.n--;
        return v;
}

static enum field field_lookup(struct slice name) {
        for (int i = 0; i < _F_MAX; i++)
                if (strlen(field_names[i]) == name.n && strncasecmp(field_names[i], name.s, name.n) == 0)
                        return (enum field) i;
        return _F_INVALID;
}

static void stanza_mark_bad(struct stanza *st, const char *why, enum field f) {
        if (!st->bad) {
                st->bad = why;
                st->bad_field = f;
        }
}

/* One "Name: value" line of a stanza. */
static void stanza_add_line(struct stanza *st, struct slice l, enum field *last) {
        const char *colon = memchr(l.s, ':', l.n);
        struct slice name, value;
        enum field f;

        if (!colon) {
                stanza_mark_bad(st, "a line without a colon", _F_INVALID);
                *last = _F_INVALID;
                return;
        }
        st->n_fields++;
        name = (struct slice) { l.s, (size_t) (colon - l.s) };
        value = strip((struct slice) { colon + 1, l.n - name.n - 1 });
        *last = f = field_lookup(name);
        if (f < 0)
                return;
        if (st->f[f].s)
                stanza_mark_bad(st, "a repeated field", f);
        else if (value.n > DPKG_FIELD_MAX)
                stanza_mark_bad(st, "a field longer than the limit", f);
        else if (memchr(value.s, '\0', value.n))
                stanza_mark_bad(st, "a NUL byte", f);
        st->f[f] = value;
}

/* Reads the next stanza.  Returns 1 with *st filled, 0 at the end of the
 * buffer, -E2BIG when a stanza is larger than DPKG_STANZA_MAX. */
static int read_stanza(struct cursor *c, struct stanza *st) {
        enum field last = _F_INVALID;
        const char *start;

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
        start = c->p;
        st->line = c->line + 1;
        while (c->p < c->end) {
                struct slice l = next_line(c);

                if ((size_t) (c->p - start) > DPKG_STANZA_MAX)
                        return -E2BIG;
                if (line_is_blank(l))
                        break;
                if (l.s[0] == '#')     /* deb822 comment */
                        continue;
                if (l.s[0] == ' ' || l.s[0] == '\t') {
                        /* The five fields we keep are one-line fields. */
                        if (last >= 0)
                                stanza_mark_bad(st, "a continuation line", last);
                        continue;
                }
                stanza_add_line(st, l, &last);
        }
        return 1;
}

/* dpkg's pkg_name_is_illegal(): starts alphanumeric, then [A-Za-z0-9+._-]. */
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
                if (!isalnum((unsigned char) a.s[i]) && a.s[i] != '-')
                        return false;
        return true;
}

/* deb-status(5): "Status: want flag state".  What counts is the state,
 * whatever the want ("deinstall ok installed" is installed, just marked
 * for removal): the package's files are on disk from "unpacked" on
 * (unpacked, half-configured, triggers-awaited, triggers-pending,
 * installed; dpkg(1) "Package states"), and may be, old or new, in
 * "half-installed" (an installation or removal cut short), which is
 * checked too: an image built with `dpkg --unpack`, or whose postinst
 * failed, runs those files.  Only "not-installed" and "config-files"
 * leave none.  Returns 1 on disk, 0 not, -EINVAL for a value dpkg never
 * writes. */
static int status_installed(struct slice s) {
        static const char *const on_disk[] = { "installed", "unpacked", "half-configured", "half-installed",
                                               "triggers-awaited", "triggers-pending" };
        struct slice words[3];
        size_t n = 0, i = 0;

        while (i < s.n) {
                size_t start;

                while (i < s.n && (s.s[i] == ' ' || s.s[i] == '\t'))
                        i++;
                if (i == s.n)
                        break;
                if (n == ELEMENTSOF(words))
                        return -EINVAL;
                start = i;
                while (i < s.n && s.s[i] != ' ' && s.s[i] != '\t')
                        i++;
                words[n++] = (struct slice) { s.s + start, i - start };
        }
        if (n != 3)
                return -EINVAL;
        for (size_t k = 0; k < ELEMENTSOF(on_disk); k++)
                if (slice_eq(words[2], on_disk[k]))
                        return 1;
        return slice_eq(words[2], "not-installed") || slice_eq(words[2], "config-files") ? 0 : -EINVAL;
}

/* "Source: name" or "Source: name (version)" (deb-control(5)). */
static int split_source(struct slice src, struct slice *ret_name, struct slice *ret_version) {
        const char *sp = memchr(src.s, ' ', src.n);
        struct slice rest;

        *ret_version = (struct slice) {};
        if (!sp) {
                *ret_name = src;
                return 0;
        }
        *ret_name = (struct slice) { src.s, (size_t) (sp - src.s) };
        rest = strip((struct slice) { sp, src.n - ret_name->n });
        if (rest.n < 3 || rest.s[0] != '(' || rest.s[rest.n - 1] != ')')
                return -EINVAL;
        *ret_version = strip((struct slice) { rest.s + 1, rest.n - 2 });
        return ret_version->n > 0 ? 0 : -EINVAL;
}

static int warn_stanza(struct inventory *inv, const char *origin, const struct stanza *st, const char *what,
                       enum field f) {
        const struct slice *pkg = &st->f[F_PACKAGE];
        bool named = pkg->s && pkg->n > 0;

        return inventory_not_read(inv, "%s: stanza at line %u%s%.*s%s: %s%s%s; skipped", origin, st->line,
                                  named ? " (Package: " : "", named ? (int) pkg->n : 0, named ? pkg->s : "",
                                  named ? ")" : "", what, f >= 0 ? " in field " : "", f >= 0 ? field_names[f] : "");
}

/* Decides about one stanza: keep it, drop it quietly (not installed), or
 * drop it with a warning and a note that the image was not completely
 * checked (malformed).  Returns <0 only for ENOMEM/E2BIG. */
static int handle_stanza(struct inventory *inv, const char *origin, bool status_optional, const struct stanza *st) {
        struct slice src_name = {}, src_version = {};
        _cleanup_free_ char *distro = NULL;
        int k;

        if (st->bad)
                return warn_stanza(inv, origin, st, st->bad, st->bad_field);
        if (!st->f[F_PACKAGE].s)
                return warn_stanza(inv, origin, st, "no Package field", _F_INVALID);
        if (st->f[F_PACKAGE].n == 0)
                return warn_stanza(inv, origin, st, "an empty value", F_PACKAGE);
        if (!name_is_valid(st->f[F_PACKAGE]))
                return warn_stanza(inv, origin, st, "an invalid package name", F_PACKAGE);
        if (st->f[F_STATUS].s) {
                k = status_installed(st->f[F_STATUS]);
                if (k < 0)
                        return warn_stanza(inv, origin, st, "an invalid value", F_STATUS);
                if (k == 0)
                        return 0;
        } else if (!status_optional)
                /* dpkg writes Status for every entry of its status file. */
                return warn_stanza(inv, origin, st, "no Status field", _F_INVALID);
        if (!st->f[F_VERSION].s)
                return warn_stanza(inv, origin, st, "no Version field", _F_INVALID);
        if (st->f[F_VERSION].n == 0)
                return warn_stanza(inv, origin, st, "an empty value", F_VERSION);
        /* A version dpkg would reject is kept as written: the match lists the
         * package as not checked, with the reason (never dropped in silence). */
        if (st->f[F_ARCH].s && !arch_is_valid(st->f[F_ARCH]))
                return warn_stanza(inv, origin, st, "an invalid value", F_ARCH);
        if (st->f[F_SOURCE].s) {
                if (split_source(st->f[F_SOURCE], &src_name, &src_version) < 0 || !name_is_valid(src_name))
                        return warn_stanza(inv, origin, st, "an invalid value", F_SOURCE);
        }
        /* purl-spec PURL-TYPES "deb": pkg:deb/<id>/<name>@<version>?arch=..
         * &distro=<id>-<version_id>. */
        distro = purl_distro(&inv->os);
        return inventory_add_slices(inv, origin, st->f[F_PACKAGE], st->f[F_VERSION], src_name, src_version,
                                    st->f[F_ARCH], "deb", inv->os.id, distro);
}

/* Distroless status.d files carry no Status line: being there means being
 * installed.  In the status file itself dpkg always writes one. */
static bool origin_is_status_d(const char *origin) {
        return strstr(origin, "status.d/") != NULL;
}

int dpkg_status_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err) {
        struct cursor c = { buf, buf + len, 0 };
        bool status_optional = origin_is_status_d(origin);
        unsigned n = 0;
        struct stanza st;
        int r;

        while ((r = read_stanza(&c, &st)) > 0) {
                if (++n > DPKG_STANZAS_MAX)
                        return error_set(err, E2BIG, "%s has more than %u stanzas", origin, DPKG_STANZAS_MAX);
                r = handle_stanza(inv, origin, status_optional, &st);
                if (r == -E2BIG)
                        return error_set(err, r, "%s: more than %d packages", origin, INVENTORY_PACKAGES_MAX);
                if (r < 0)
                        return error_set(err, r, "parse %s: out of memory", origin);
        }
        if (r < 0)
                return error_set(err, r, "%s: stanza at line %u is larger than %zu bytes", origin, st.line,
                                 DPKG_STANZA_MAX);
        return 0;
}

/* --- reading the database from a rootfs ------------------------------------ */

#define DPKG_STATUS_PATH "var/lib/dpkg/status"
#define DPKG_STATUS_D_PATH "var/lib/dpkg/status.d"

/* Reads path (at most max bytes) and parses it; its length is added to
 * *total when total is not NULL. */
static int read_and_parse(struct rootfs *r, const char *path, size_t max, size_t *total, struct inventory *inv,
                          struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL;
        size_t len = 0;
        int k;

        k = rootfs_read_file(r, path, max, &buf, &len, err);
        if (k < 0)
                return k;
        if (total)
                *total += len;
        if (asprintf(&origin, "/%s", path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return dpkg_status_parse(buf, len, origin, inv, err);
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool name_is_printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f)
                        return false;
        return true;
}

static int read_status_d(struct rootfs *r, struct inventory *inv, struct error *err) {
        _cleanup_strv_free_ char **names = NULL;
        size_t total = 0;
        int k;

        k = rootfs_list_dir(r, DPKG_STATUS_D_PATH, DPKG_STATUS_D_ENTRIES_MAX, &names, err);
        if (k == -ENOENT || k == -ENOTDIR) {
                error_clear(err);
                return 0;
        }
        if (k < 0)
                return k;
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *path = NULL;

                /* distroless ships <pkg>.md5sums beside <pkg>; any other
                 * file, hidden or not, may list a package. */
                if (ends_with(*n, ".md5sums"))
                        continue;
                /* The name ends up in origin_file, JSON and terminals. */
                if (!name_is_printable(*n)) {
                        if (inventory_not_read(inv, "/%s: a file name with unprintable bytes; not read",
                                               DPKG_STATUS_D_PATH) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        continue;
                }
                if (asprintf(&path, "%s/%s", DPKG_STATUS_D_PATH, *n) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                k = read_and_parse(r, path, DPKG_STATUS_D_FILE_MAX, &total, inv, err);
                /* each file's cap alone would let 100,000 of them cost minutes */
                if (k >= 0 && total > DPKG_STATUS_D_TOTAL_MAX)
                        return error_set(err, E2BIG, "/%s: its files hold more than %zu bytes in all, the limit of "
                                         "a status file", DPKG_STATUS_D_PATH, DPKG_STATUS_D_TOTAL_MAX);
                /* A directory, FIFO or dangling link in status.d is odd but
                 * not a reason to give up on the other packages. */
                if (k == -EBADFD || k == -ENOENT) {
                        k = inventory_not_read(inv, "%s; not read", err->msg);
                        error_clear(err);
                        if (k < 0)
                                return error_set(err, k, "out of memory");
                        continue;
                }
                if (k < 0)
                        return k;
        }
        return 0;
}

static int origin_rank(const char *origin) {
        return strcmp(origin, "/" DPKG_STATUS_PATH) == 0 ? 0 : 1;
}

static int cmp_packages(const void *a, const void *b) {
        const struct package *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c == 0)
                c = strcmp(strempty(x->arch), strempty(y->arch));
        if (c == 0)
                c = strcmp(x->version, y->version);
        if (c == 0)
                c = origin_rank(x->origin_file) - origin_rank(y->origin_file);
        if (c == 0)
                c = strcmp(x->origin_file, y->origin_file);
        return c;
}

/* Sorts the dpkg packages [from, n) and drops repeated name+arch+version,
 * keeping the one from the status file (then the first status.d file by
 * name).  The same name+arch at two versions (an image dpkg could not have
 * made) keeps both, each matched: which one runs is not known. */
static int dedup(struct inventory *inv, size_t from) {
        size_t out = from;

        if (inv->n_pkgs - from < 2)
                return 0;
        qsort(inv->pkgs + from, inv->n_pkgs - from, sizeof(struct package), cmp_packages);
        for (size_t i = from; i < inv->n_pkgs; i++) {
                struct package *p = &inv->pkgs[i];
                const struct package *q = out > from ? &inv->pkgs[out - 1] : NULL;

                if (q && strcmp(q->name, p->name) == 0 && streq_ptr(q->arch, p->arch)) {
                        if (strcmp(q->version, p->version) == 0) {
                                package_done(p);
                                continue;
                        }
                        if (inventory_warn(inv, "%s: package %s at version %s is also listed in %s at version %s; "
                                           "both are checked", p->origin_file, p->name, p->version, q->origin_file,
                                           q->version) < 0)
                                return -ENOMEM;
                }
                if (out != i) {
                        inv->pkgs[out] = *p;
                        *p = (struct package) {};
                }
                out++;
        }
        inv->n_pkgs = out;
        return 0;
}

/* ---- the files each package installed: info/<package>.list ---------------- */

#define DPKG_INFO_PATH "var/lib/dpkg/info"
#define DPKG_INFO_ENTRIES_MAX 400000
#define DPKG_LIST_MAX ((size_t) 64 * 1024 * 1024)
/* All the lists together (a large Debian image holds tens of MiB): each
 * list's cap alone let 1,000 packages' lists be 64 GB to read. */
#define DPKG_LISTS_TOTAL_MAX ((size_t) 512 * 1024 * 1024)

int dpkg_list_parse(const char *buf, size_t len, unsigned merged, struct inventory *inv) {
        struct cursor c = { buf, buf + len };

        while (c.p < c.end) {
                struct slice l = next_line(&c);
                int k;

                if (l.n < 2 || l.s[0] != '/' || (l.n == 2 && l.s[1] == '.'))
                        continue;
                if ((k = inventory_own_installed(inv, l.s, l.n, merged)) < 0)
                        return k;
        }
        return 0;
}

/* ---- what the packages installed there: info/<package>.md5sums ------------- */

/* Whether l, a path a .list or md5sums names (with or without its leading
 * slash), is one inventory_own_digest() keeps: a Java archive's. */
static bool digested(struct slice l) {
        char name[NAME_MAX + 1];
        const char *slash = memrchr(l.s, '/', l.n);
        size_t off = slash ? (size_t) (slash + 1 - l.s) : 0;

        if (l.n - off == 0 || l.n - off > NAME_MAX || memchr(l.s, '\0', l.n))
                return false;   /* no path of the walk's */
        memcpy(name, l.s + off, l.n - off);
        name[l.n - off] = '\0';
        return jar_archive_name(name);
}

bool dpkg_list_has_digested(const char *list, size_t list_len) {
        struct cursor c = { list, list + list_len };

        while (c.p < c.end) {
                struct slice l = next_line(&c);

                if (l.n >= 2 && l.s[0] == '/' && digested(l))
                        return true;
        }
        return false;
}

/* "<32 hex digits>  <path>": the MD5 and the path with its slash (in
 * path, at most INVENTORY_WALK_PATH_MAX bytes), else false. */
static bool md5sums_line(struct slice l, unsigned char md5[16], char path[INVENTORY_WALK_PATH_MAX],
                         size_t *ret_len) {
        size_t i = 32;

        if (l.n < 34)
                return false;
        for (size_t k = 0; k < 16; k++) {
                int hi = hexval(l.s[2 * k]), lo = hexval(l.s[2 * k + 1]);

                if (hi < 0 || lo < 0)
                        return false;
                md5[k] = (unsigned char) (hi << 4 | lo);
        }
        if (l.s[i] != ' ')
                return false;
        while (i < l.n && l.s[i] == ' ')
                i++;
        if (i < l.n && l.s[i] == '*')   /* md5sum's binary mark */
                i++;
        if (i < l.n && l.s[i] == '/')
                i++;
        if (i >= l.n || l.n - i + 1 >= INVENTORY_WALK_PATH_MAX || memchr(l.s + i, '\0', l.n - i))
                return false;
        path[0] = '/';
        memcpy(path + 1, l.s + i, l.n - i);
        *ret_len = l.n - i + 1;
        return true;
}

int dpkg_md5sums_parse(const char *sums, size_t sums_len, const char *list, size_t list_len, unsigned merged,
                       struct inventory *inv) {
        struct cursor c = { sums, sums + sums_len };
        char path[INVENTORY_WALK_PATH_MAX];
        unsigned char md5[16];
        size_t n;
        int k;

        while (c.p < c.end) {
                struct slice l = next_line(&c);

                if (md5sums_line(l, md5, path, &n) && digested((struct slice) { path, n }) &&
                    (k = inventory_own_digest(inv, path, n, merged, INVENTORY_DIGEST_MD5, md5)) < 0)
                        return k;
        }
        /* the list's others: a symlink, a folder, a conffile (whose MD5 is
         * in the status file's Conffiles: not a Java archive's) */
        c = (struct cursor) { list, list + list_len };
        while (c.p < c.end) {
                struct slice l = next_line(&c);

                if (l.n >= 2 && l.s[0] == '/' && digested(l) && (k = inventory_own_digest(inv, l.s, l.n, merged, 0,
                                                                                         NULL)) < 0)
                        return k;
        }
        return 0;
}

/* The md5sums beside a .list naming a Java archive, into
 * dpkg_md5sums_parse(); none (or one that can't be read: said) leaves its
 * files owned unchecked, as before md5sums was read. */
static int read_md5sums(struct inventory *inv, int dfd, const char *list_name, const char *list, size_t list_len,
                        unsigned merged, size_t *total, struct error *err) {
        _cleanup_free_ char *name = NULL, *what = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;
        int k;

        if (!dpkg_list_has_digested(list, list_len))
                return 0;
        if (asprintf(&name, "%.*s.md5sums", (int) (strlen(list_name) - strlen(".list")), list_name) < 0 ||
            asprintf(&what, "/%s/%s", DPKG_INFO_PATH, name) < 0)
                return -ENOMEM;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0)
                k = error_set_errno(err, errno, "%s: not a file that can be read", what);
        else
                k = read_full_fd(fd, DPKG_LIST_MAX, what, &buf, &len, err);
        *total += len;
        if (k >= 0)
                return dpkg_md5sums_parse(buf, len, list, list_len, merged, inv);
        if (k == -ENOMEM)
                return k;
        k = inventory_warn(inv, "%s; its package's Java archives are taken as installed, unchecked", err->msg);
        error_clear(err);
        return k;
}

/* Whether "<name>.list" or "<name>:<arch>.list" is the list of a package
 * of the inventory (pkgs[from, to), sorted by name): a package the status
 * file does not hold as installed, or skipped with a warning, owns
 * nothing. */
static bool listed_package(const struct inventory *inv, size_t from, size_t to, const char *file) {
        size_t n = strlen(file) - strlen(".list"), lo = from, hi = to;
        const char *colon = memchr(file, ':', n);
        size_t name_n = colon ? (size_t) (colon - file) : n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *name = inv->pkgs[mid].name;
                int c = strncmp(name, file, name_n);

                if (c == 0 && name[name_n] != '\0')
                        c = 1;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < to; lo++) {
                const struct package *p = &inv->pkgs[lo];

                if (strncmp(p->name, file, name_n) != 0 || p->name[name_n] != '\0')
                        return false;
                if (!colon || (p->arch && strlen(p->arch) == n - name_n - 1 &&
                               memcmp(p->arch, colon + 1, n - name_n - 1) == 0))
                        return true;
        }
        return false;
}

/* The info/<package>.list of every package kept: what the walk then
 * leaves to the packages.  A list that can't be read is said and its
 * files are read by the walk as anyone's (more work, never less
 * checked). */
static int read_lists(struct rootfs *r, struct inventory *inv, size_t from, size_t to, struct error *err) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_close_ int dfd = -EBADF;
        size_t total = 0;
        unsigned merged;
        int k;

        if (inv->left_out & INVENTORY_PKG_LIBRARY)      /* no walk to leave them to */
                return 0;
        k = rootfs_list_dir(r, DPKG_INFO_PATH, DPKG_INFO_ENTRIES_MAX, &names, err);
        if (k == -ENOENT || k == -ENOTDIR) {
                error_clear(err);
                return 0;
        }
        if (k >= 0)
                k = dfd = rootfs_openat(r, DPKG_INFO_PATH, O_RDONLY | O_DIRECTORY, err);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {                    /* nothing owned: every file is read */
                k = inventory_warn(inv, "%s; no file is taken as an OS package's", err->msg);
                error_clear(err);
                return k < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        }
        merged = inventory_merged_usr(r, inv);
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *buf = NULL, *what = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t len = 0;

                if (!ends_with(*n, ".list") || (*n)[0] == '.' || !listed_package(inv, from, to, *n))
                        continue;
                if (total > DPKG_LISTS_TOTAL_MAX) {
                        k = inventory_warn(inv, "/%s: its .list files hold more than %zu bytes in all; the lists "
                                           "past that point were not read, so their packages' files are read as "
                                           "anyone's", DPKG_INFO_PATH, DPKG_LISTS_TOTAL_MAX);
                        return k < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
                }
                if (asprintf(&what, "/%s/%s", DPKG_INFO_PATH, *n) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                fd = openat(dfd, *n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        k = error_set_errno(err, errno, "%s: not a file that can be read", what);
                else    /* which refuses what is not a regular file */
                        k = read_full_fd(fd, DPKG_LIST_MAX, what, &buf, &len, err);
                total += len;
                if (k >= 0)
                        k = dpkg_list_parse(buf, len, merged, inv);
                if (k >= 0)
                        k = read_md5sums(inv, dfd, *n, buf, len, merged, &total, err);
                if (k == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                if (k == -E2BIG) {
                        error_clear(err);
                        k = inventory_warn(inv, "%s: more installed files than Portcullis keeps (%d); the rest are "
                                           "read as anyone's files", what, INVENTORY_OWNED_MAX);
                        return k < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
                }
                if (k < 0) {
                        k = inventory_warn(inv, "%s; its files are read as anyone's", err->msg);
                        error_clear(err);
                        if (k < 0)
                                return error_set(err, ENOMEM, "out of memory");
                }
        }
        return 0;
}

int inventory_dpkg(struct rootfs *r, struct inventory *inv, struct error *err) {
        size_t from = inv->n_pkgs;
        int k;

        k = read_and_parse(r, DPKG_STATUS_PATH, DPKG_STATUS_MAX, NULL, inv, err);
        if (k == -ENOENT)
                error_clear(err);
        else if (k < 0)
                return k;
        k = read_status_d(r, inv, err);
        if (k < 0)
                return k;
        k = dedup(inv, from);
        if (k < 0)
                return error_set(err, k, "out of memory");
        /* Only beside a package database: the lists of a dpkg whose
         * status is gone own nothing. */
        if (inv->n_pkgs <= from)
                return 0;
        if (inv->defer_owned) {         /* inventory_collect_owned()'s */
                inv->dpkg_lists = (struct inventory_range) { from, inv->n_pkgs };
                return 0;
        }
        return read_lists(r, inv, from, inv->n_pkgs, err);
}

int inventory_dpkg_lists(struct rootfs *r, struct inventory *inv, struct error *err) {
        struct inventory_range l = inv->dpkg_lists;

        inv->dpkg_lists = (struct inventory_range) {};
        return l.to > l.from ? read_lists(r, inv, l.from, l.to, err) : 0;
}

const struct inventory_reader inventory_reader_dpkg = {
        .name = "dpkg",
        .what = "dpkg database",
        .read = inventory_dpkg,
};
