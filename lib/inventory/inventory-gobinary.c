/* SPDX-License-Identifier: Apache-2.0 */
/* Go binaries: the build information the Go linker writes into every
 * executable (Go's debug/buildinfo documents the layout; `go version -m`
 * prints it).  A 32-byte header starts with the magic "\xff Go buildinf:",
 * then the pointer size and a flags byte (bit 0: big-endian, bit 1: the
 * strings follow inline).  Since Go 1.18 the toolchain version and the
 * module information follow the header as two strings each prefixed with
 * its length as an unsigned varint; before, the header holds two pointers
 * to Go string headers {data, len} in the data segments, read here through
 * the ELF program headers.  The module information is lines of tab-separated
 * fields ("mod", "dep", "=>" for the replacement of the line before),
 * framed by 16 bytes on either side. */
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

#define GO_MAGIC "\xff Go buildinf:"
#define GO_MAGIC_LEN 14
#define GO_HEADER_LEN 32
#define GO_FLAG_BIG_ENDIAN 0x1
#define GO_FLAG_INLINE 0x2
#define GO_MODINFO_FRAME 16
#define GO_PATH_MAX 1024        /* a module path (golang.org/x/mod/module checks far less) */
#define GO_MAGIC_SEARCH_MAX ((size_t) 64 * 1024)

/* One "mod" or "dep" line, waiting for a possible "=>" line after it. */
struct module {
        struct slice path, version;
        bool set;
};

/* An unsigned LEB128 varint (Go's encoding/binary Uvarint): at most ten
 * bytes, the tenth at most 1. */
static bool uvarint(const unsigned char **p, const unsigned char *end, uint64_t *ret) {
        uint64_t v = 0;

        for (unsigned i = 0; i < 10 && *p < end; i++) {
                unsigned char b = *(*p)++;

                if (i == 9 && b > 1)
                        return false;
                v |= (uint64_t) (b & 0x7f) << (7 * i);
                if (!(b & 0x80)) {
                        *ret = v;
                        return true;
                }
        }
        return false;
}

static bool inline_string(const unsigned char **p, const unsigned char *end, struct slice *ret) {
        uint64_t n;

        if (!uvarint(p, end, &n) || n > (uint64_t) (end - *p))
                return false;
        *ret = (struct slice) { (const char *) *p, (size_t) n };
        *p += n;
        return true;
}

/* A Go string header {data, len} at addr, then its bytes (at most max). */
static int pointer_string(const struct go_address_space *as, uint64_t addr, size_t ptr_size, bool big_endian,
                          size_t max, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *hdr = NULL;
        uint64_t data, n;
        int r;

        r = as->read(as->ctx, addr, 2 * ptr_size, 2 * ptr_size, &hdr, err);
        if (r < 0)
                return r;
        data = elf_uint((unsigned char *) hdr, ptr_size, big_endian);
        n = elf_uint((unsigned char *) hdr + ptr_size, ptr_size, big_endian);
        if (data == 0 || n == 0) {
                *ret = strdup("");
                *ret_len = 0;
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        r = as->read(as->ctx, data, n, max, ret, err);
        if (r >= 0)
                *ret_len = (size_t) n;
        return r;
}

/* A decimal number of at most 9 digits at *p. */
static bool number(const char **p, unsigned long *ret) {
        unsigned long v = 0;
        size_t n = 0;

        for (; n < 10 && **p >= '0' && **p <= '9'; (*p)++, n++)
                v = v * 10 + (unsigned long) (**p - '0');
        *ret = v;
        return n > 0 && n < 10;
}

char *go_toolchain_semver(const char *v) {
        static const char *const pre_kinds[] = { "rc", "beta", "alpha" };
        unsigned long part[3] = {}, pre_n = 0;
        const char *pre = NULL;
        char *s = NULL;
        int n = 0;

        if (!startswith(v, "go"))
                return NULL;
        v += 2;
        /* major.minor[.patch] */
        while (n < 3 && number(&v, &part[n])) {
                n++;
                if (*v != '.' || n == 3)
                        break;
                v++;
        }
        if (n < 2 || v[-1] == '.')
                return NULL;
        /* go1.21rc2, go1.18beta1: a pre-release of X.Y.0 */
        for (size_t i = 0; n == 2 && !pre && i < ELEMENTSOF(pre_kinds); i++)
                if (startswith(v, pre_kinds[i])) {
                        v += strlen(pre_kinds[i]);
                        if (!number(&v, &pre_n))
                                return NULL;
                        pre = pre_kinds[i];
                }
        /* "go1.22.1 X:loopvar": the experiments the toolchain was built with */
        if (*v != '\0' && *v != ' ')
                return NULL;
        if ((pre ? asprintf(&s, "%lu.%lu.0-%s.%lu", part[0], part[1], pre, pre_n)
                 : asprintf(&s, "%lu.%lu.%lu", part[0], part[1], part[2])) < 0)
                return NULL;
        return s;
}

static bool field_valid(struct slice s, size_t max) {
        if (s.n == 0 || s.n > max)
                return false;
        for (size_t i = 0; i < s.n; i++)
                if ((unsigned char) s.s[i] <= ' ' || (unsigned char) s.s[i] >= 0x7f)
                        return false;
        return true;
}

/* A module as a package: the module path is split at its last '/' into the
 * purl's namespace and name (purl-spec's golang type), case kept as Go's
 * module paths are case-sensitive. */
static int add_module(struct inventory *inv, const char *origin, const struct module *m) {
        char path[GO_PATH_MAX + 1], ns[GO_PATH_MAX + 1], version[GO_VERSION_MAX + 1];
        const char *slash;

        /* "(devel)": the main module built from its working tree, or a
         * module replaced by a local folder ("=> ../lib (devel)"): no
         * published version to check. */
        if (!m->set || m->version.n == 0 || (m->version.n == 7 && memcmp(m->version.s, "(devel)", 7) == 0))
                return 0;
        if (!field_valid(m->path, GO_PATH_MAX) || !field_valid(m->version, GO_VERSION_MAX))
                return inventory_not_read(inv, "%s: Go build information: a module with an invalid path or version; "
                                          "skipped", origin);
        memcpy(path, m->path.s, m->path.n);
        path[m->path.n] = '\0';
        memcpy(version, m->version.s, m->version.n);
        version[m->version.n] = '\0';
        slash = strrchr(path, '/');
        if (!slash || slash == path || !slash[1])
                return inventory_add_lang(inv, origin, "Go", path, version, "golang", NULL, NULL);
        memcpy(ns, path, (size_t) (slash - path));
        ns[slash - path] = '\0';
        return inventory_add_lang(inv, origin, "Go", path, version, "golang", ns, slash + 1);
}

/* The next tab-separated field of a line. */
static struct slice field(const char **p, const char *end) {
        const char *tab = memchr(*p, '\t', (size_t) (end - *p));
        struct slice s = { *p, (size_t) ((tab ? tab : end) - *p) };

        *p = tab ? tab + 1 : end;
        return s;
}

static bool slice_is(struct slice s, const char *word) {
        return s.n == strlen(word) && memcmp(s.s, word, s.n) == 0;
}

/* The module information: "mod" (the main module), "dep" lines, each
 * perhaps followed by "=>" naming what replaced it; "path" and "build"
 * lines name no module. */
static int parse_modinfo(const char *s, size_t len, const char *origin, struct inventory *inv) {
        struct module m = {};
        int r = 0;

        /* the 16-byte frame Go puts around it, recognised as Go does */
        if (len >= 2 * GO_MODINFO_FRAME + 1 && s[len - GO_MODINFO_FRAME - 1] == '\n') {
                s += GO_MODINFO_FRAME;
                len -= 2 * GO_MODINFO_FRAME;
        }
        for (const char *p = s, *end = s + len; p < end && r >= 0;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *eol = nl ? nl : end;
                struct slice kind = field(&p, eol), path = field(&p, eol), version = field(&p, eol);

                if (slice_is(kind, "=>")) {
                        if (!m.set)
                                r = inventory_not_read(inv, "%s: Go build information: a replacement (=>) of no "
                                                       "module; skipped", origin);
                        m.path = path;
                        m.version = version;
                } else if (slice_is(kind, "mod") || slice_is(kind, "dep")) {
                        r = add_module(inv, origin, &m);
                        m = (struct module) { path, version, true };
                }
                p = nl ? nl + 1 : end;
        }
        return r < 0 ? r : add_module(inv, origin, &m);
}

static int add_stdlib(struct slice version, const char *origin, struct inventory *inv) {
        char v[GO_VERSION_MAX + 1];
        _cleanup_free_ char *semver = NULL;

        if (version.n == 0 || version.n > GO_VERSION_MAX || memchr(version.s, '\0', version.n))
                return inventory_not_read(inv, "%s: Go build information without a valid toolchain version; package "
                                          "stdlib not checked", origin);
        memcpy(v, version.s, version.n);
        v[version.n] = '\0';
        semver = go_toolchain_semver(v);
        if (!semver)
                return inventory_not_read(inv, "%s: built by Go toolchain \"%s\", not a release; package stdlib not "
                                          "checked", origin, v);
        return inventory_add_lang(inv, origin, "Go", "stdlib", semver, "golang", NULL, NULL);
}

/* The pre-1.18 format: two pointers after the magic, pointer size and
 * flags. */
static int parse_pointers(const unsigned char *h, size_t ptr_size, bool big_endian,
                          const struct go_address_space *as, const char *origin, struct inventory *inv,
                          struct error *err) {
        _cleanup_free_ char *version = NULL, *modinfo = NULL;
        size_t version_len = 0, modinfo_len = 0;
        int r;

        r = pointer_string(as, elf_uint(h + 16, ptr_size, big_endian), ptr_size, big_endian, GO_VERSION_MAX,
                           &version, &version_len, err);
        if (r >= 0)
                r = pointer_string(as, elf_uint(h + 16 + ptr_size, ptr_size, big_endian), ptr_size, big_endian,
                                   GO_BUILDINFO_MAX, &modinfo, &modinfo_len, err);
        if (r < 0)
                return error_wrap(err, "%s: Go build information (pre-1.18 format)", origin);
        r = add_stdlib((struct slice) { version, version_len }, origin, inv);
        return r < 0 ? r : parse_modinfo(modinfo, modinfo_len, origin, inv);
}

int go_buildinfo_parse(const char *buf, size_t len, const struct go_address_space *as, const char *origin,
                       struct inventory *inv, struct error *err) {
        const unsigned char *h = (const unsigned char *) buf, *p, *end = h + len;
        struct slice version, modinfo;
        size_t ptr_size;
        int r;

        if (len < GO_HEADER_LEN || memcmp(buf, GO_MAGIC, GO_MAGIC_LEN) != 0)
                return error_set(err, EINVAL, "%s: Go build information without its header", origin);
        ptr_size = h[14];
        if (!(h[15] & GO_FLAG_INLINE)) {
                if (ptr_size != 4 && ptr_size != 8)
                        return error_set(err, EINVAL, "%s: Go build information with pointer size %zu", origin,
                                         ptr_size);
                return parse_pointers(h, ptr_size, h[15] & GO_FLAG_BIG_ENDIAN, as, origin, inv, err);
        }
        p = h + GO_HEADER_LEN;
        if (!inline_string(&p, end, &version) || !inline_string(&p, end, &modinfo))
                return error_set(err, EINVAL, "%s: Go build information: a string's length is truncated or "
                                 "reaches past the section", origin);
        r = add_stdlib(version, origin, inv);
        return r < 0 ? r : parse_modinfo(modinfo.s, modinfo.n, origin, inv);
}

static int vaddr_read(void *ctx, uint64_t addr, uint64_t n, size_t max, char **ret, struct error *err) {
        return elf_read_vaddr(ctx, addr, n, max, ret, err);
}

/* Without section headers, Go looks for the magic, 16-byte aligned, at the
 * start of the first writable segment; so do we, in its first 64 KiB. */
static int find_magic(struct elf_file *f, char **ret, size_t *ret_len, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct elf_section s;
        int r = elf_data_segment(f, &s, err);

        if (r <= 0)
                return r;
        if (s.size > GO_MAGIC_SEARCH_MAX)
                s.size = GO_MAGIC_SEARCH_MAX;
        r = elf_read_section(f, &s, GO_MAGIC_SEARCH_MAX, &buf, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i + GO_HEADER_LEN <= s.size; i += 16)
                if (memcmp(buf + i, GO_MAGIC, GO_MAGIC_LEN) == 0) {
                        memmove(buf, buf + i, (size_t) s.size - i);
                        *ret_len = (size_t) s.size - i;
                        *ret = TAKE_PTR(buf);
                        return 1;
                }
        return 0;
}

int go_binary_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err) {
        const struct go_address_space as = { vaddr_read, f };
        _cleanup_free_ char *buf = NULL;
        struct elf_section s;
        size_t len = 0;
        int r;

        r = elf_find_section(f, ".go.buildinfo", &s, err);
        if (r > 0) {
                r = elf_read_section(f, &s, GO_BUILDINFO_MAX, &buf, err);
                len = (size_t) s.size;
        } else if (r == 0 && f->shoff == 0)
                r = find_magic(f, &buf, &len, err);
        if (r < 0)
                return r;
        return buf ? go_buildinfo_parse(buf, len, &as, origin, inv, err) : 0;
}
