/* SPDX-License-Identifier: Apache-2.0 */
/* Java archives (.jar, .war, .ear, .par and the others archive_ext() names), read with libarchive's seekable
 * zip reader from the open file (or, for an archive inside one, from
 * memory).  Every META-INF/.../pom.properties is one package (a shaded jar
 * holds several), named groupId:artifactId as OSV's Maven ecosystem names
 * it.  Archives inside (Spring Boot's BOOT-INF/lib, WEB-INF/lib, the jars
 * and wars of an ear) are read in turn, down to JAR_NESTED_DEPTH_MAX.  An
 * archive without pom.properties is named from META-INF/MANIFEST.MF, else
 * from its file name (name-1.2.3.jar): a guess, which the package carries in
 * guessed_from and a warning says.  A package's origin names the file and
 * the archives inside it: /app/app.jar!BOOT-INF/lib/log4j-core-2.14.1.jar.
 *
 * An archive is untrusted: entries per archive, bytes inflated per entry,
 * per file and per byte of archive (a zip bomb) are capped while inflating,
 * not only against the sizes the headers declare.  A cap reached is a
 * warning and a note in inv->skipped (the match reports the image as not
 * completely checked), never a silent gap. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strutil.h"
#include "inventory.h"

#define JAR_NESTED_DEPTH_MAX 3                          /* archives in archives below the file */
#define JAR_ENTRIES_MAX 200000                          /* per archive */
#define JAR_META_MAX ((uint64_t) 1 << 20)               /* a pom.properties or MANIFEST.MF */
/* An archive inside one, held in memory while read: with the nesting cap,
 * at most 192 MiB at once, well inside the analysis child's RLIMIT_AS (an
 * out-of-memory failure must not be something an image can cause). */
#define JAR_NESTED_MAX ((uint64_t) 64 << 20)
#define JAR_INFLATED_MAX ((uint64_t) 512 << 20)         /* everything inflated from one file */
/* Inflated bytes per byte of archive: jars deflate class files 2-3x and
 * text 10x; we inflate only metadata and nested archives (stored, mostly),
 * while a run of one byte deflates 1000x. */
#define JAR_RATIO_MAX 100
#define JAR_RATIO_FLOOR ((uint64_t) 1 << 20)            /* small archives may inflate this much */
#define JAR_FIELD_MAX 256

struct jar_file {                       /* a file on disk and every archive in it */
        struct inventory *inv;
        uint64_t inflated;
        uint64_t *total;                /* by every file of the walk */
        bool stopped;                   /* a cap of the whole file was reached */
};

struct jar_level {                      /* one archive being read */
        struct jar_file *file;
        struct archive *a;
        const char *origin;             /* "/app/app.jar!BOOT-INF/lib/x.jar" */
        const char *base;               /* its file name, for the fallback */
        uint64_t size;                  /* bytes of the archive itself */
        uint64_t inflated;              /* from it (not from archives inside it) */
        unsigned depth;                 /* 0: the file on disk */
        size_t poms;                    /* packages its pom.properties gave */
        size_t unnamed;                 /* entries with a name libarchive can't give */
        char *manifest;
        size_t manifest_len;
};

/* The length of name's extension when it names a Java archive, in any
 * case, else 0: .jar, .war, .ear, .par; Jenkins plugins (.hpi, .jpi);
 * JBoss service archives (.sar), NiFi's (.nar, which carry their jars in
 * META-INF/bundled-dependencies), Karaf's (.kar) and Liferay's (.lpkg), as
 * Syft's java-archive-cataloger finds them; and a Java EE resource adapter
 * (.rar), which *ret_if_zip marks: RAR's own archives share its name, so
 * it is read only when its data starts as a zip. */
static size_t archive_ext(const char *name, bool *ret_if_zip) {
        static const char *const exts[] = { ".jar", ".war", ".ear", ".par", ".hpi", ".jpi",
                                            ".sar", ".nar", ".kar", ".lpkg", ".rar" };
        size_t n = strlen(name);

        /* most names asked about (every line of dpkg's lists) end in no
         * such dot: not compared eleven times */
        if (!(n > 4 && name[n - 4] == '.') && !(n > 5 && name[n - 5] == '.'))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(exts); i++) {
                size_t k = strlen(exts[i]);

                if (n > k && strcasecmp(name + n - k, exts[i]) == 0) {
                        if (ret_if_zip)
                                *ret_if_zip = strcasecmp(exts[i], ".rar") == 0;
                        return k;
                }
        }
        return 0;
}

/* META-INF/maven/<groupId>/<artifactId>/pom.properties as Maven writes
 * it, and anywhere else below META-INF, as other build tools do. */
static bool pom_properties_name(const char *name) {
        return startswith(name, "META-INF/") && endswith(name, "/pom.properties");
}

/* ---- pom.properties, MANIFEST.MF and file names ---------------------------- */

/* Maven's own rule for groupId and artifactId: [A-Za-z0-9_.-]+. */
static bool coordinate_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > JAR_FIELD_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum_ascii(s[i]) && !strchr("_.-", s[i]))
                        return false;
        return true;
}

/* A guessed name part (a MANIFEST.MF title may hold spaces): printable. */
static bool guess_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > JAR_FIELD_MAX || s[0] == ' ')
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < ' ' || (unsigned char) s[i] >= 0x7f || s[i] == ':')
                        return false;
        return true;
}

/* One line of buf from *pos (CR, LF or CRLF ends it). */
static bool next_line(const char *buf, size_t len, size_t *pos, struct slice *ret) {
        size_t s = *pos, e = s;

        if (s >= len)
                return false;
        while (e < len && buf[e] != '\n' && buf[e] != '\r')
                e++;
        *ret = (struct slice) { buf + s, e - s };
        if (e < len && buf[e] == '\r')
                e++;
        if (e < len && buf[e] == '\n' && (e == s || buf[e - 1] != '\n'))
                e++;
        *pos = e;
        return true;
}

static void copy_field(char dst[JAR_FIELD_MAX + 1], const char *s, size_t n) {
        if (n > JAR_FIELD_MAX)
                n = 0;          /* too long for any name or version: absent */
        memcpy(dst, s, n);
        dst[n] = '\0';
}

/* java.util.Properties' line format, the part Maven writes: "key=value",
 * "key: value" or "key value", comments starting with '#' or '!'.  Escapes
 * are not decoded: a value that uses one is refused by the caller. */
static void properties_get(const char *buf, size_t len, const char *key, char ret[JAR_FIELD_MAX + 1]) {
        size_t k = strlen(key), pos = 0;
        struct slice l;

        ret[0] = '\0';
        while (next_line(buf, len, &pos, &l)) {
                const char *p = l.s, *e = l.s + l.n;

                while (p < e && (*p == ' ' || *p == '\t' || *p == '\f'))
                        p++;
                if (p == e || *p == '#' || *p == '!' || (size_t) (e - p) < k || memcmp(p, key, k) != 0)
                        continue;
                p += k;
                if (p < e && !strchr("=: \t\f", *p))
                        continue;       /* a longer key */
                while (p < e && (*p == ' ' || *p == '\t' || *p == '\f'))
                        p++;
                if (p < e && (*p == '=' || *p == ':'))
                        p++;
                while (p < e && (*p == ' ' || *p == '\t' || *p == '\f'))
                        p++;
                copy_field(ret, p, (size_t) (e - p));   /* the last one wins, as in Java */
        }
}

/* A Maven property the build left as it was ("${project.version}"): Maven
 * would order it as a version (below every release), and a range from 1.0
 * on would pass it in silence. */
static bool unresolved(const char *version) {
        return strstr(version, "${") != NULL;
}

int jar_pom_properties_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        char group[JAR_FIELD_MAX + 1], artifact[JAR_FIELD_MAX + 1], version[JAR_FIELD_MAX + 1];
        _cleanup_free_ char *name = NULL;

        properties_get(buf, len, "groupId", group);
        properties_get(buf, len, "artifactId", artifact);
        properties_get(buf, len, "version", version);
        if (!group[0] || !artifact[0] || !version[0])
                return inventory_not_read(inv, "%s: pom.properties without %s; skipped", origin,
                                          !group[0] ? "groupId" : !artifact[0] ? "artifactId" : "version");
        if (!coordinate_valid(group) || !coordinate_valid(artifact))
                return inventory_not_read(inv, "%s: pom.properties with an invalid %s (Maven allows A-Z a-z 0-9 _ . "
                                          "-); skipped", origin, coordinate_valid(group) ? "artifactId" : "groupId");
        if (!inventory_field_printable(version, strlen(version), INVENTORY_LANG_FIELD_MAX) || strchr(version, '\\'))
                return inventory_not_read(inv, "%s: pom.properties with an invalid version; skipped", origin);
        if (unresolved(version))
                return inventory_not_read(inv, "%s: pom.properties with the version %s, a property the build did not "
                                          "fill in; skipped", origin, version);
        if (asprintf(&name, "%s:%s", group, artifact) < 0)
                return -ENOMEM;
        return inventory_add_lang(inv, origin, "Maven", name, version, "maven", group, artifact);
}

/* The MANIFEST.MF fields a guess uses (JAR File Specification, "Manifest
 * Specification"; OSGi Core "Bundle Manifest Headers"). */
struct manifest {
        char title[JAR_FIELD_MAX + 1];          /* Implementation-Title */
        char version[JAR_FIELD_MAX + 1];        /* Implementation-Version */
        char vendor_id[JAR_FIELD_MAX + 1];      /* Implementation-Vendor-Id */
        char symbolic[JAR_FIELD_MAX + 1];       /* Bundle-SymbolicName */
        char bundle_name[JAR_FIELD_MAX + 1];    /* Bundle-Name */
        char bundle_version[JAR_FIELD_MAX + 1]; /* Bundle-Version */
};

static const struct {
        const char *key;
        size_t offset;
} manifest_keys[] = {
        { "Implementation-Title", offsetof(struct manifest, title) },
        { "Implementation-Version", offsetof(struct manifest, version) },
        { "Implementation-Vendor-Id", offsetof(struct manifest, vendor_id) },
        { "Bundle-SymbolicName", offsetof(struct manifest, symbolic) },
        { "Bundle-Name", offsetof(struct manifest, bundle_name) },
        { "Bundle-Version", offsetof(struct manifest, bundle_version) },
};

static char *manifest_field(struct manifest *m, struct slice key) {
        for (size_t i = 0; i < ELEMENTSOF(manifest_keys); i++)
                if (strlen(manifest_keys[i].key) == key.n && strncasecmp(manifest_keys[i].key, key.s, key.n) == 0)
                        return (char *) m + manifest_keys[i].offset;
        return NULL;
}

/* The main section: "Name: value" lines up to the first blank line, a
 * line starting with one space continuing the value before it; names are
 * case-insensitive. */
static void manifest_parse(const char *buf, size_t len, struct manifest *ret) {
        char *cur = NULL;
        size_t pos = 0;
        struct slice l;

        *ret = (struct manifest) {};
        while (next_line(buf, len, &pos, &l) && l.n > 0) {
                const char *colon;
                size_t have;

                if (l.s[0] == ' ') {
                        have = cur ? strlen(cur) : 0;
                        if (cur && have + l.n - 1 <= JAR_FIELD_MAX) {
                                memcpy(cur + have, l.s + 1, l.n - 1);
                                cur[have + l.n - 1] = '\0';
                        } else if (cur)
                                cur[0] = '\0';  /* too long for any name or version: absent */
                        continue;
                }
                colon = memchr(l.s, ':', l.n);
                cur = colon ? manifest_field(ret, (struct slice) { l.s, (size_t) (colon - l.s) }) : NULL;
                if (!cur)
                        continue;
                colon++;
                if (colon < l.s + l.n && *colon == ' ')
                        colon++;
                copy_field(cur, colon, (size_t) (l.s + l.n - colon));
        }
}

/* "log4j-core-2.14.1.jar" → "log4j-core" and "2.14.1": the version starts
 * after the last '-' followed by a digit whose rest holds a '.' (so that
 * "log4j-1.2-api-2.19.0" is log4j-1.2-api 2.19.0), else after the last '-'
 * followed by a digit. */
static bool file_name_split(const char *file_name, char artifact[JAR_FIELD_MAX + 1],
                            char version[JAR_FIELD_MAX + 1]) {
        size_t n = strlen(file_name);
        const char *dash = NULL, *any = NULL;

        n -= archive_ext(file_name, NULL);
        if (n == 0 || n > JAR_FIELD_MAX)
                return false;
        for (const char *p = file_name + n - 1; p > file_name; p--) {
                if (p[0] != '-' || p + 1 >= file_name + n || p[1] < '0' || p[1] > '9')
                        continue;
                if (!any)
                        any = p;
                if (memchr(p, '.', (size_t) (file_name + n - p))) {
                        dash = p;
                        break;
                }
        }
        if (!dash)
                dash = any;
        if (!dash)
                return false;
        copy_field(artifact, file_name, (size_t) (dash - file_name));
        copy_field(version, dash + 1, (size_t) (file_name + n - dash - 1));
        return true;
}

/* The groupId a manifest suggests: Implementation-Vendor-Id, else the
 * Bundle-SymbolicName up to its last '.' (OSGi bundles are often named
 * <groupId>.<artifactId>), without its ";" directives. */
static void manifest_group(const struct manifest *m, char group[JAR_FIELD_MAX + 1]) {
        const char *end;

        if (m->vendor_id[0]) {
                copy_field(group, m->vendor_id, strlen(m->vendor_id));
                return;
        }
        end = m->symbolic + strcspn(m->symbolic, ";");
        while (end > m->symbolic && end[-1] != '.')
                end--;
        /* no '.' before the directives: no groupId in it */
        copy_field(group, m->symbolic, end > m->symbolic ? (size_t) (end - 1 - m->symbolic) : 0);
}

static int add_guess(struct inventory *inv, const char *origin, const char *group, const char *artifact,
                     const char *version, const char *from) {
        _cleanup_free_ char *name = NULL;
        int r;

        if ((group[0] && !guess_valid(group)) || !guess_valid(artifact) ||
            !inventory_field_printable(version, strlen(version), INVENTORY_LANG_FIELD_MAX) || unresolved(version))
                return inventory_warn(inv, "%s: no pom.properties, and %s gives no usable name and version; "
                                      "not checked", origin, from);
        if (asprintf(&name, "%s%s%s", group, group[0] ? ":" : "", artifact) < 0)
                return -ENOMEM;
        r = inventory_add_lang(inv, origin, "Maven", name, version, "maven", group[0] ? group : NULL, artifact);
        if (r < 0)
                return r;
        inv->pkgs[inv->n_pkgs - 1].guessed_from = strdup(from);
        if (!inv->pkgs[inv->n_pkgs - 1].guessed_from)
                return -ENOMEM;
        return inventory_warn(inv, "%s: no pom.properties; named %s %s from its %s, a guess%s", origin, name, version,
                              from, group[0] ? "" : " without a groupId, which no Maven record can match");
}

int jar_fallback(const char *manifest, size_t len, const char *file_name, const char *origin,
                 struct inventory *inv) {
        char group[JAR_FIELD_MAX + 1] = "", artifact[JAR_FIELD_MAX + 1] = "", fversion[JAR_FIELD_MAX + 1] = "";
        bool named = file_name_split(file_name, artifact, fversion);
        struct manifest m = {};
        const char *version;

        if (manifest)
                manifest_parse(manifest, len, &m);
        version = m.version[0] ? m.version : m.bundle_version;
        if (version[0]) {
                manifest_group(&m, group);
                /* The file name spells the artifactId when it ends in the
                 * manifest's version; a title is a product's name. */
                if (named && strcmp(fversion, version) == 0)
                        return add_guess(inv, origin, group, artifact, version, "MANIFEST.MF and file name");
                if (m.title[0] || m.bundle_name[0])
                        return add_guess(inv, origin, group, m.title[0] ? m.title : m.bundle_name, version,
                                         "MANIFEST.MF");
        }
        if (named && artifact[0] && fversion[0])
                return add_guess(inv, origin, "", artifact, fversion, "file name");
        return inventory_warn(inv, "%s: no pom.properties, no version in MANIFEST.MF and none in the file name; "
                              "not checked", origin);
}

/* ---- archives --------------------------------------------------------------- */

static int read_archive(struct jar_file *f, const char *origin, const char *base, int fd, const char *buf,
                        size_t len, unsigned depth, struct error *err);

static uint64_t ratio_cap(const struct jar_level *l) {
        uint64_t cap = l->size > UINT64_MAX / JAR_RATIO_MAX ? UINT64_MAX : l->size * JAR_RATIO_MAX;

        return cap < JAR_RATIO_FLOOR ? JAR_RATIO_FLOOR : cap;
}

/* Counts n more inflated bytes of entry name; 0 while within every cap. */
static int count_inflated(struct jar_level *l, const char *name, size_t n, uint64_t entry, uint64_t max) {
        struct jar_file *f = l->file;

        l->inflated += n;
        f->inflated += n;
        *f->total += n;
        if (entry > max)
                return inventory_not_read(f->inv, "%s!%s: inflates to more than %llu bytes, the cap for it; not "
                                          "looked into", l->origin, name, (unsigned long long) max) ?: 1;
        if (f->inflated > JAR_INFLATED_MAX) {
                f->stopped = true;
                return inventory_not_read(f->inv, "%s!%s: the file's archives inflate to more than %llu bytes; the "
                                          "rest of it was not looked into", l->origin, name,
                                          (unsigned long long) JAR_INFLATED_MAX) ?: 1;
        }
        if (*f->total > INVENTORY_WALK_INFLATED_MAX) {
                f->stopped = true;
                return inventory_not_read(f->inv, "%s!%s: the image's archives inflate to more than %llu bytes; the "
                                          "rest of them was not looked into", l->origin, name,
                                          (unsigned long long) INVENTORY_WALK_INFLATED_MAX) ?: 1;
        }
        if (l->inflated > ratio_cap(l)) {
                f->stopped = true;
                return inventory_not_read(f->inv, "%s!%s: inflates to more than %d times the archive's %llu bytes "
                                          "(a zip bomb?); the rest of it was not looked into", l->origin, name,
                                          JAR_RATIO_MAX, (unsigned long long) l->size) ?: 1;
        }
        return 0;
}

static bool zip_magic(const char *buf, size_t len) {
        return len >= 4 && memcmp(buf, "PK\3\4", 4) == 0;
}

/* Inflates the current entry into memory, at most max bytes: 1 when read,
 * 0 when a cap or damage kept it unread (said by inventory_not_read()), or when only_zip
 * and it does not start as a zip archive does, -ENOMEM. */
static int read_entry(struct jar_level *l, struct archive_entry *e, const char *name, uint64_t max, bool only_zip,
                      char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        int r;

        if (archive_entry_size_is_set(e) && (uint64_t) archive_entry_size(e) > max)
                return inventory_not_read(l->file->inv, "%s!%s: declares %lld bytes, more than the %llu read of it; "
                                          "not looked into", l->origin, name, (long long) archive_entry_size(e),
                                          (unsigned long long) max);
        for (;;) {
                ssize_t n;

                if (len == cap) {
                        size_t ncap = cap ? cap * 2 : 16384;
                        char *nb;

                        if (ncap > max + 1)
                                ncap = (size_t) max + 1;        /* one byte more shows an overrun */
                        nb = realloc(buf, ncap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                n = archive_read_data(l->a, buf + len, cap - len);
                if (n == 0 && only_zip && !zip_magic(buf, len))
                        return 0;
                if (n == 0)
                        break;
                if (n < 0)
                        return inventory_not_read_errno(l->file->inv, archive_errno(l->a), "%s!%s: damaged (%s); "
                                                        "not looked into", l->origin, name,
                                                        strna(archive_error_string(l->a)));
                len += (size_t) n;
                if (only_zip && len >= 4 && len - (size_t) n < 4 && !zip_magic(buf, len))
                        return 0;
                r = count_inflated(l, name, (size_t) n, len, max);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 1;
}

/* One package per pom.properties; its origin is the archive. */
static int on_pom(struct jar_level *l, struct archive_entry *e, const char *name) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, before = l->file->inv->n_pkgs;
        int r = read_entry(l, e, name, JAR_META_MAX, false, &buf, &len);

        if (r <= 0)
                return r;
        r = jar_pom_properties_parse(buf, len, l->origin, l->file->inv);
        l->poms += l->file->inv->n_pkgs - before;
        return r;
}

/* Whether the current entry starts as a zip archive does. */
static bool sniff_zip(struct jar_level *l) {
        char head[4];
        size_t len = 0;
        ssize_t n;

        while (len < sizeof(head) && (n = archive_read_data(l->a, head + len, sizeof(head) - len)) > 0)
                len += (size_t) n;
        return zip_magic(head, len);
}

/* An archive inside this one; only_zip for an entry whose name we could
 * not read, or a .rar: it is one if its data says so. */
static int on_nested(struct jar_level *l, struct archive_entry *e, const char *name, bool only_zip,
                     struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL;
        const char *slash = strrchr(name, '/');
        size_t len = 0;
        int r;

        /* exact, as every reader's origin (the reports escape it) */
        if (asprintf(&origin, "%s!%s", l->origin, name) < 0)
                return -ENOMEM;
        if (l->depth + 1 > JAR_NESTED_DEPTH_MAX && only_zip && !sniff_zip(l))
                return 0;
        if (l->depth + 1 > JAR_NESTED_DEPTH_MAX)
                return inventory_not_read(l->file->inv, "%s: an archive nested more than %d deep; not looked into",
                                          origin, JAR_NESTED_DEPTH_MAX);
        r = read_entry(l, e, name, JAR_NESTED_MAX, only_zip, &buf, &len);
        if (r <= 0)
                return r;
        return read_archive(l->file, origin, slash ? slash + 1 : name, -EBADF, buf, len, l->depth + 1, err);
}

static int on_entry(struct jar_level *l, struct archive_entry *e, const char *name, struct error *err) {
        bool if_zip = false;

        if (pom_properties_name(name))
                return on_pom(l, e, name);
        /* in any case, as java.util.jar.JarFile finds it */
        if (strcasecmp(name, "META-INF/MANIFEST.MF") == 0 && !l->manifest)
                return read_entry(l, e, name, JAR_META_MAX, false, &l->manifest, &l->manifest_len) < 0
                               ? -ENOMEM : 0;
        if (archive_ext(name, &if_zip) > 0)
                return on_nested(l, e, name, if_zip, err);
        return 0;
}

static int scan(struct jar_level *l, struct error *err) {
        struct archive_entry *e;
        size_t entries = 0;
        int rc = ARCHIVE_EOF, r;

        while (!l->file->stopped && ((rc = archive_read_next_header(l->a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN)) {
                const char *name = archive_entry_pathname(e);
                char unnamed[64];

                if (++entries > JAR_ENTRIES_MAX)
                        return inventory_not_read(l->file->inv, "%s: more than %d entries; the rest was not looked "
                                                  "into", l->origin, JAR_ENTRIES_MAX);
                if (archive_entry_filetype(e) != AE_IFREG)
                        continue;
                /* libarchive gives no name for a UTF-8 one the C locale can't
                 * spell: such an entry can still be a jar, which the JVM
                 * loads whatever its name, so its data decides */
                if (!name) {
                        l->unnamed++;
                        snprintf(unnamed, sizeof(unnamed), "(entry %zu, a name not in ASCII)", entries);
                        r = on_nested(l, e, unnamed, true, err);
                } else
                        r = on_entry(l, e, name, err);
                if (r < 0)
                        return r;
        }
        if (!l->file->stopped && rc != ARCHIVE_EOF)
                return inventory_not_read_errno(l->file->inv, archive_errno(l->a), "%s: damaged after %zu entries (%s); the rest was not looked "
                                          "into", l->origin, entries, strna(archive_error_string(l->a)));
        if (l->unnamed > 0)
                return inventory_warn(l->file->inv, "%s: %zu entries have UTF-8 names this reader can't spell; they "
                                      "were read as archives where they are one, not as pom.properties", l->origin,
                                      l->unnamed);
        return 0;
}

static void level_done(struct jar_level *l) {
        if (l->a)
                archive_read_free(l->a);
        free(l->manifest);
}

/* Reads one archive, from fd or (fd < 0) from buf: its packages, those of
 * the archives inside it, and the guess when it has no pom.properties. */
static int read_archive(struct jar_file *f, const char *origin, const char *base, int fd, const char *buf,
                        size_t len, unsigned depth, struct error *err) {
        _cleanup_(level_done) struct jar_level l = { .file = f, .origin = origin, .base = base, .size = len,
                                                     .depth = depth };
        struct stat st;
        int r, e;

        l.a = archive_read_new();
        if (!l.a || archive_read_support_format_zip_seekable(l.a) != ARCHIVE_OK)
                return error_set(err, ENOMEM, "%s: out of memory", origin);
        if (fd >= 0 && fstat(fd, &st) == 0)
                l.size = (uint64_t) st.st_size;
        r = fd >= 0 ? archive_read_open_fd(l.a, fd, 65536) : archive_read_open_memory(l.a, buf, len);
        e = r != ARCHIVE_OK ? archive_errno(l.a) : 0;
        if (e > 0 && inventory_errno_node(e))  /* not read (EIO): not known not to be a zip */
                r = inventory_not_read_errno(f->inv, e, "%s: not read (%s: %s); skipped", origin,
                                             strna(archive_error_string(l.a)), strerror(e));
        else if (r != ARCHIVE_OK)     /* nothing a JVM would load either */
                r = inventory_warn(f->inv, "%s: not a zip archive (%s); skipped", origin,
                                   strna(archive_error_string(l.a)));
        else {
                r = scan(&l, err);
                if (r >= 0 && l.poms == 0)
                        r = jar_fallback(l.manifest, l.manifest_len, l.base, origin, f->inv);
        }
        if (r == -ENOMEM || r == -E2BIG)
                return error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory");
        return r;
}

int jar_archive_parse(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err) {
        uint64_t total = 0;
        struct jar_file f = { .inv = inv, .total = &total };
        const char *slash = strrchr(origin, '/');

        return read_archive(&f, origin, slash ? slash + 1 : origin, -EBADF, buf, len, 0, err);
}

bool jar_archive_name(const char *name) {
        return archive_ext(name, NULL) > 0;
}

/* The archive at the walk's entry e; if_zip: only when its data starts as
 * a zip (a .rar). */
static int read_walked(struct inventory *inv, const struct inventory_walk_entry *e, bool if_zip, struct error *err) {
        _cleanup_free_ char *origin = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct jar_file f = { .inv = inv, .total = inventory_walk_inflated(e) };
        char head[4];
        struct stat st;
        ssize_t n = 0;
        int dfd, k;

        if (asprintf(&origin, "/%s%s%s", e->dir, *e->dir ? "/" : "", e->name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (*f.total > INVENTORY_WALK_INFLATED_MAX)
                return inventory_not_read(inv, "%s: the image's archives inflated more than %llu bytes before it; not "
                                          "looked into", origin, (unsigned long long) INVENTORY_WALK_INFLATED_MAX) < 0
                               ? error_set(err, ENOMEM, "out of memory") : 0;
        /* never through a symlink: the walk offers regular files only, and
         * O_NOFOLLOW holds if one was swapped in since */
        dfd = inventory_walk_dirfd(e);
        fd = dfd < 0 ? dfd : openat(dfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && dfd >= 0)
                fd = -errno;
        if (fd < 0)
                return inventory_not_read_errno(inv, -fd, "open %s: %s; skipped", origin, strerror(-fd)) < 0
                               ? error_set(err, ENOMEM, "out of memory") : 0;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return inventory_not_read(inv, "%s is not a regular file; skipped", origin) < 0
                               ? error_set(err, ENOMEM, "out of memory") : 0;
        if (if_zip && (n = pread(fd, head, sizeof(head), 0)) < 0) {
                /* not known to be a RAR archive: it may be a resource
                 * adapter with jars inside */
                k = errno;
                return inventory_not_read_errno(inv, k, "read %s: %s; skipped", origin, strerror(k)) < 0
                               ? error_set(err, ENOMEM, "out of memory") : 0;
        }
        if (if_zip && (n != (ssize_t) sizeof(head) || !zip_magic(head, sizeof(head))))
                return 0;       /* a RAR archive, no resource adapter */
        return read_archive(&f, origin, e->name, fd, NULL, 0, 0, err);
}

int jar_read_walked(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        return read_walked(inv, e, false, err);
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        bool if_zip = false;

        if (e->type != DT_REG || archive_ext(e->name, &if_zip) == 0)
                return 0;
        return read_walked(inv, e, if_zip, err);
}

const struct inventory_reader inventory_reader_java = {
        .name = "java",
        .what = "Java archives",
        .visit = visit,
};
