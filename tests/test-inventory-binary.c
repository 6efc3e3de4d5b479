/* SPDX-License-Identifier: Apache-2.0 */
/* Go and cargo-auditable executables: the real Go binaries and trivy's
 * expected results in ../shared/data/langpkg (a Go 1.15 binary in the
 * pre-1.18 pointer format, a Go 1.22 one in the inline format); the ELF
 * reader on small ELF files written here (32/64-bit, both byte orders)
 * holding the build information laid out as Go's and cargo-auditable's
 * formats define them, labelled as such: they check the byte orders and
 * classes no real binary here has, and hostile headers (pointers past the
 * file, huge lengths, truncated varints, a zlib bomb).  Real binaries built
 * on this machine are compared with `go version -m` in
 * tests/binary-inventory.sh. */
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"
#include "rootfs.h"
#include "test.h"

/* Reads an ELF file in a buffer as the walk's reader does: every binary
 * reader in turn.  Returns the first error (its message in err). */
static int read_binary(const char *buf, size_t len, const char *origin, struct inventory *inv, struct error *err) {
        int r = elf_read_memory(buf, len, origin, go_binary_read, inv, err);

        return r < 0 ? r : elf_read_memory(buf, len, origin, cargo_binary_read, inv, err);
}

/* expected.json "go_binary": trivy's packages for go/test.elf (the case
 * without a name) and go/goexperiment.elf.  Trivy lists the main module
 * built from a working tree with an empty version, where we leave it out
 * (nothing to check), and writes stdlib's version with a 'v'. */
static void test_expected(void) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0, i, j;
        json_t *root, *c, *p;

        text = test_read_shared("langpkg/trivy/expected.json", &len);
        root = text ? json_loadb(text, len, 0, NULL) : NULL;
        CHECK(root);
        json_array_foreach(json_object_get(json_object_get(root, "go_binary"), "cases"), i, c) {
                const char *name = json_string_value(json_object_get(c, "name"));
                const char *file = !name ? "langpkg/trivy/go/test.elf"
                                 : streq_ptr(name, "goexperiment") ? "langpkg/trivy/go/goexperiment.elf" : NULL;
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                _cleanup_free_ char *buf = NULL;
                struct error err = {};
                size_t n = 0, want = 0;

                if (!file)
                        continue;       /* trivy's other binaries are not in ../shared/data */
                buf = test_read_shared(file, &n);
                if (!buf)
                        continue;
                CHECK_MSG(read_binary(buf, n, file, inv, &err) == 0, "%s", err.msg);
                json_array_foreach(json_object_get(c, "packages"), j, p) {
                        const char *pn = json_string_value(json_object_get(p, "Name"));
                        const char *pv = json_string_value(json_object_get(p, "Version"));
                        const struct package *got;

                        if (!pv || !*pv)
                                continue;
                        if (streq_ptr(pn, "stdlib") && pv[0] == 'v')
                                pv++;
                        got = test_find_package(inv, pn, pv);
                        CHECK_MSG(got && streq_ptr(got->ecosystem, "Go") && startswith(got->purl, "pkg:golang/") &&
                                  streq_ptr(got->origin_file, file), "%s: %s %s", file, pn, pv);
                        want++;
                }
                CHECK_MSG(inv->n_pkgs == want && inv->n_warnings == 0, "%s: %zu packages, %zu wanted, %zu warnings",
                          file, inv->n_pkgs, want, inv->n_warnings);
        }
        json_decref(root);
}

static void test_toolchain(void) {
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "go1.19.8", "1.19.8" },
                { "go1.22.1 X:loopvar", "1.22.1" },
                { "go1.20", "1.20.0" },
                { "go1.21rc2", "1.21.0-rc.2" },
                { "go1.18beta1", "1.18.0-beta.1" },
                { "go1.20.5 X:boringcrypto", "1.20.5" },
                { "devel go1.23-d1b9f0e Tue Jan 2 10:00:00 2024 +0000", NULL },
                { "go1", NULL },
                { "go1.", NULL },
                { "go1.2.", NULL },
                { "go1.2.3.4", NULL },
                { "go1.21rc", NULL },
                { "go1.2x", NULL },
                { "go1234567890.1", NULL },
                { "1.19.8", NULL },
                { "", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *s = go_toolchain_semver(rows[i].in);

                CHECK_MSG(streq_ptr(s, rows[i].out), "%s: %s", rows[i].in, strna(s));
        }
}

/* ---- small ELF files written here ------------------------------------------ */

struct elf_spec {
        bool is64, big_endian;
        const char *section;
        const char *data;
        size_t len;
        uint64_t base;          /* the load address of file offset 0 */
};

static void put(char *p, uint64_t v, size_t n, bool be) {
        for (size_t i = 0; i < n; i++)
                p[be ? n - 1 - i : i] = (char) (v >> (8 * i));
}

/* ehdr, one writable PT_LOAD over the whole file, the section's data,
 * the section names, and three section headers (null, the section,
 * .shstrtab). */
static size_t elf_data_offset(bool is64) {
        return is64 ? 64 + 56 : 52 + 32;
}

static char *elf_build(const struct elf_spec *s, size_t *ret_len) {
        size_t eh = s->is64 ? 64 : 52, ph = s->is64 ? 56 : 32, sh = s->is64 ? 64 : 40;
        size_t data = eh + ph, names = data + s->len, names_len = strlen(s->section) + 12;
        size_t shoff = (names + names_len + 7) & ~(size_t) 7, total = shoff + 3 * sh;
        char *b = calloc(1, total);
        bool be = s->big_endian;
        size_t w = s->is64 ? 8 : 4;

        memcpy(b, "\177ELF", 4);
        b[4] = s->is64 ? 2 : 1;
        b[5] = be ? 2 : 1;
        b[6] = 1;
        put(b + 16, 2, 2, be);                                  /* ET_EXEC */
        put(b + (s->is64 ? 32 : 28), eh, w, be);                /* e_phoff */
        put(b + (s->is64 ? 40 : 32), shoff, w, be);             /* e_shoff */
        put(b + (s->is64 ? 54 : 42), ph, 2, be);
        put(b + (s->is64 ? 56 : 44), 1, 2, be);
        put(b + (s->is64 ? 58 : 46), sh, 2, be);
        put(b + (s->is64 ? 60 : 48), 3, 2, be);
        put(b + (s->is64 ? 62 : 50), 2, 2, be);                 /* e_shstrndx */
        /* PT_LOAD, PF_R|PF_W, offset 0 at base, the whole file */
        put(b + eh, 1, 4, be);
        put(b + eh + (s->is64 ? 4 : 24), 6, 4, be);
        put(b + eh + (s->is64 ? 16 : 8), s->base, w, be);
        put(b + eh + (s->is64 ? 32 : 16), total, w, be);
        put(b + eh + (s->is64 ? 40 : 20), total, w, be);
        memcpy(b + data, s->data, s->len);
        memcpy(b + names + 1, s->section, strlen(s->section));
        memcpy(b + names + 2 + strlen(s->section), ".shstrtab", 9);
        for (size_t i = 1; i < 3; i++) {
                char *h = b + shoff + i * sh;

                put(h, i == 1 ? 1 : 2 + strlen(s->section), 4, be);            /* sh_name */
                put(h + 4, i == 1 ? 1 : 3, 4, be);                              /* PROGBITS, STRTAB */
                put(h + (s->is64 ? 16 : 12), i == 1 ? s->base + data : 0, w, be);
                put(h + (s->is64 ? 24 : 16), i == 1 ? data : names, w, be);
                put(h + (s->is64 ? 32 : 20), i == 1 ? s->len : names_len, w, be);
        }
        *ret_len = total;
        return b;
}

/* The 32-byte Go build information header. */
static size_t go_header(char *b, unsigned ptr_size, unsigned flags) {
        memcpy(b, "\xff Go buildinf:", 14);
        b[14] = (char) ptr_size;
        b[15] = (char) flags;
        memset(b + 16, 0, 16);
        return 32;
}

static size_t varint(char *b, uint64_t v) {
        size_t n = 0;

        do {
                b[n++] = (char) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
                v >>= 7;
        } while (v);
        return n;
}

#define FRAME "0123456789abcdef"
static const char modinfo[] =
        FRAME "path\texample.com/app\n"
        "mod\texample.com/app\tv1.0.0\th1:aaa=\n"
        "dep\texample.com/lib\tv1.2.3\th1:bbb=\n"
        "=>\texample.com/fork\tv1.2.4\th1:ccc=\n"
        "dep\texample.com/local\tv0.1.0\n"
        "=>\t../local\t(devel)\t\n\n"
        "dep\texample.com/local2\tv0.1.0\n"
        "=>\t/src/local2\t\t\n"
        "dep\tgolang.org/x/text\tv0.3.7\th1:ddd=\n"
        "build\t-compiler=gc\n" FRAME;

static void check_modules(const struct inventory *inv, const char *stdlib, const char *what) {
        const struct package *fork = test_find_package(inv, "example.com/fork", "v1.2.4");

        CHECK_MSG(inv->n_pkgs == 4 && test_find_package(inv, "stdlib", stdlib) && test_find_package(inv, "example.com/app", "v1.0.0") && fork &&
                  test_find_package(inv, "golang.org/x/text", "v0.3.7"), "%s: %zu packages", what, inv->n_pkgs);
        CHECK_MSG(fork && streq_ptr(fork->purl, "pkg:golang/example.com/fork@v1.2.4"), "%s", what);
}

/* Both formats in all four ELF kinds. */
static void test_formats(void) {
        for (int k = 0; k < 4; k++) {
                bool is64 = k & 1, be = k & 2;
                size_t ptr = is64 ? 8 : 4, n, len;
                char blob[1024];
                _cleanup_free_ char *elf = NULL;
                struct error err = {};
                _cleanup_(inventory_freep) struct inventory *in = inventory_new(), *ptrs = inventory_new();
                uint64_t base = is64 ? 0x400000 : 0x8048000, at = base + elf_data_offset(is64);

                /* Go >= 1.18: inline strings */
                n = go_header(blob, (unsigned) ptr, 2 | (be ? 1 : 0));
                n += varint(blob + n, 9);
                memcpy(blob + n, "go1.21rc2", 9);
                n += 9;
                n += varint(blob + n, sizeof(modinfo) - 1);
                memcpy(blob + n, modinfo, sizeof(modinfo) - 1);
                n += sizeof(modinfo) - 1;
                elf = elf_build(&(struct elf_spec) { is64, be, ".go.buildinfo", blob, n, base }, &len);
                CHECK_MSG(read_binary(elf, len, "/bin/a", in, &err) == 0, "%s", err.msg);
                check_modules(in, "1.21.0-rc.2", is64 ? (be ? "inline 64 BE" : "inline 64 LE")
                                                      : (be ? "inline 32 BE" : "inline 32 LE"));
                free(elf);

                /* before Go 1.18: two pointers to string headers {data, len} */
                n = go_header(blob, (unsigned) ptr, be ? 1 : 0);
                put(blob + 16, at + 32 + 2 * ptr + 0, ptr, be);                 /* version's header */
                put(blob + 16 + ptr, at + 32, ptr, be);                         /* modinfo's header */
                n = 32;
                put(blob + n, at + 32 + 4 * ptr, ptr, be);                      /* modinfo data */
                put(blob + n + ptr, sizeof(modinfo) - 1, ptr, be);
                put(blob + n + 2 * ptr, at + 32 + 4 * ptr + sizeof(modinfo) - 1, ptr, be);
                put(blob + n + 3 * ptr, 8, ptr, be);
                n += 4 * ptr;
                memcpy(blob + n, modinfo, sizeof(modinfo) - 1);
                n += sizeof(modinfo) - 1;
                memcpy(blob + n, "go1.16.4", 8);
                n += 8;
                elf = elf_build(&(struct elf_spec) { is64, be, ".go.buildinfo", blob, n, base }, &len);
                CHECK_MSG(read_binary(elf, len, "/bin/a", ptrs, &err) == 0, "%s", err.msg);
                check_modules(ptrs, "1.16.4", is64 ? (be ? "pointers 64 BE" : "pointers 64 LE")
                                                   : (be ? "pointers 32 BE" : "pointers 32 LE"));
        }
}

/* Section headers stripped: the magic is found at the start of the first
 * writable segment, as Go finds it (runc's headers and build information,
 * cut from the Debian binary, in the fuzz corpus). */
static void test_no_sections(void) {
        const char *src = getenv("PC_SOURCE_ROOT");
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len = 0;

        CHECK_MSG(src && read_full_file(test_path(src, "fuzz/corpus/go-buildinfo/debian-runc-no-section-headers.elf"),
                                        1 << 20, &buf, &len, &err) == 0, "%s", err.msg);
        if (!buf)
                return;
        CHECK(len > 64 && buf[40] == 0 && buf[60] == 0);        /* e_shoff, e_shnum: none */
        CHECK_MSG(read_binary(buf, len, "/usr/sbin/runc", inv, &err) == 0, "%s", err.msg);
        CHECK_MSG(inv->n_pkgs == 1 && test_find_package(inv, "stdlib", "1.19.8"), "%zu packages", inv->n_pkgs);
}

/* Hostile build information: each row an error or a warning, no package
 * from the broken part, nothing read outside the buffer (ASan). */
static void test_hostile_go(void) {
        static const struct {
                const char *what;
                const char *tail;       /* after the header */
                size_t tail_len;
                unsigned ptr, flags;
                uint64_t ptr1, ptr2;
        } rows[] = {
                { "a length past the section", "\x08go1.19.8\xff\xff\xff\x7f", 13, 8, 2, 0, 0 },
                { "a huge claimed length", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, 8, 2, 0, 0 },
                { "a truncated varint", "\x08go1.19.8\xff\xff", 11, 8, 2, 0, 0 },
                { "an eleven-byte varint", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 11, 8, 2, 0, 0 },
                { "no strings", "", 0, 8, 2, 0, 0 },
                { "pointers past the file", "", 0, 8, 0, 0xdeadbeef, 0x7fffffffffffffff },
                { "pointer size 3", "", 0, 3, 0, 1, 1 },
                { "pointers wrapping around", "", 0, 8, 0, UINT64_MAX - 3, UINT64_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                _cleanup_free_ char *elf = NULL;
                struct error err = {};
                char blob[64];
                size_t n = go_header(blob, rows[i].ptr, rows[i].flags), len;

                put(blob + 16, rows[i].ptr1, 8, false);
                put(blob + 24, rows[i].ptr2, 8, false);
                memcpy(blob + n, rows[i].tail, rows[i].tail_len);
                n += rows[i].tail_len;
                elf = elf_build(&(struct elf_spec) { true, false, ".go.buildinfo", blob, n, 0x400000 }, &len);
                CHECK_MSG(read_binary(elf, len, "/bin/h", inv, &err) < 0 && inv->n_pkgs == 0 && *err.msg,
                          "%s: %zu packages, %s", rows[i].what, inv->n_pkgs, err.msg);
        }
}

/* Broken ELF headers: each an error naming the file, nothing read past it. */
static void test_hostile_elf(void) {
        static const struct {
                const char *what;
                size_t at64;            /* offset in the ELF64 header or the first section header */
                bool in_section;
                uint64_t value;
                size_t n;
        } rows[] = {
                { "section headers past the end", 40, false, 1ULL << 40, 8 },
                { "60000 sections", 60, false, 60000, 2 },
                { "names index out of range", 62, false, 7, 2 },
                { "section header size 8", 58, false, 8, 2 },
                { "a section past the end", 32, true, 1ULL << 33, 8 },
                { "a section offset past the end", 24, true, UINT64_MAX - 2, 8 },
        };
        char blob[64];
        size_t n = go_header(blob, 8, 2) + varint(blob + 32, 0) + varint(blob + 33, 0);

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                _cleanup_free_ char *elf = NULL;
                struct error err = {};
                size_t len, shoff;

                elf = elf_build(&(struct elf_spec) { true, false, ".go.buildinfo", blob, n, 0x400000 }, &len);
                shoff = len - 3 * 64;
                put(elf + (rows[i].in_section ? shoff + 64 : 0) + rows[i].at64, rows[i].value, rows[i].n, false);
                CHECK_MSG(read_binary(elf, len, "/bin/e", inv, &err) < 0 && strstr(err.msg, "/bin/e") &&
                          inv->n_pkgs == 0, "%s: %s", rows[i].what, err.msg);
        }
        /* a file of the magic only, and one cut inside its header */
        for (size_t cut = 4; cut < 64; cut += 13) {
                struct error err = {};
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();

                CHECK(read_binary("\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0>\0\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                                  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", cut, "/bin/c", inv, &err) < 0);
        }
}

/* ---- cargo-auditable ---------------------------------------------------------- */

static char *deflated(const char *s, size_t len, size_t *ret_len) {
        uLongf n = compressBound(len);
        char *b = malloc(n);

        CHECK(compress2((Bytef *) b, &n, (const Bytef *) s, len, 9) == Z_OK);
        *ret_len = n;
        return b;
}

/* The JSON cargo-auditable writes (auditable-serde's VersionInfo), written
 * here: a local root crate, runtime and build dependencies from crates.io,
 * a git dependency. */
static const char dep_json[] =
        "{\"packages\":["
        "{\"name\":\"hello\",\"version\":\"0.1.0\",\"source\":\"local\",\"dependencies\":[1,2,3],\"root\":true},"
        "{\"name\":\"smallvec\",\"version\":\"1.6.0\",\"source\":\"crates.io\"},"
        "{\"name\":\"time\",\"version\":\"0.1.45\",\"source\":\"crates.io\",\"kind\":\"runtime\"},"
        "{\"name\":\"cc\",\"version\":\"1.0.83\",\"source\":\"crates.io\",\"kind\":\"build\"},"
        "{\"name\":\"forked\",\"version\":\"0.2.0\",\"source\":\"git\"}]}";

static void test_cargo(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new(), *bomb = inventory_new(),
                                                    *junk = inventory_new();
        _cleanup_free_ char *z = NULL, *elf = NULL, *zeros = NULL, *zb = NULL;
        const struct package *p;
        struct error err = {};
        size_t n, len, nb;

        z = deflated(dep_json, sizeof(dep_json) - 1, &n);
        for (int k = 0; k < 4; k++) {
                _cleanup_(inventory_freep) struct inventory *one = inventory_new();

                elf = elf_build(&(struct elf_spec) { k & 1, k & 2, ".dep-v0", z, n, 0x10000 }, &len);
                CHECK_MSG(read_binary(elf, len, "/usr/bin/hello", one, &err) == 0, "%s", err.msg);
                CHECK_MSG(one->n_pkgs == 2 && test_find_package(one, "smallvec", "1.6.0") && test_find_package(one, "time", "0.1.45"),
                          "ELF kind %d: %zu packages", k, one->n_pkgs);
                CHECK(one->n_warnings == 1 && strstr(one->warnings[0], "1 crates from git"));
                /* a crate present that no record can name: not checked */
                CHECK(strv_length(one->skipped) == 1 && strstr(one->skipped[0], "1 crates from git"));
                free(elf);
                elf = NULL;
        }
        CHECK(cargo_auditable_parse(z, n, "/usr/bin/hello", inv) == 0);
        p = test_find_package(inv, "smallvec", "1.6.0");
        CHECK(p && streq_ptr(p->ecosystem, "crates.io") && streq_ptr(p->purl, "pkg:cargo/smallvec@1.6.0") &&
              streq_ptr(p->origin_file, "/usr/bin/hello"));

        /* a zlib bomb: 16 MiB of zeros in 16 kilobytes */
        zeros = calloc(1, 16 << 20);
        zb = deflated(zeros, 16 << 20, &nb);
        CHECK(cargo_auditable_parse(zb, nb, "/usr/bin/bomb", bomb) == 0);
        CHECK_MSG(bomb->n_pkgs == 0 && bomb->n_warnings == 1 && strstr(bomb->warnings[0], "zlib bomb"), "%zu",
                  bomb->n_warnings);
        /* not zlib, cut short, not the format */
        CHECK(cargo_auditable_parse("{\"packages\":[]}", 15, "/j", junk) == 0);
        CHECK(cargo_auditable_parse(z, n / 2, "/j", junk) == 0);
        free(zb);
        zb = deflated("[1,2]", 5, &nb);
        CHECK(cargo_auditable_parse(zb, nb, "/j", junk) == 0);
        CHECK(junk->n_pkgs == 0 && junk->n_warnings == 3);
}

/* ---- the walk ----------------------------------------------------------------- */

static void copy(const char *rel, const char *dest, mode_t mode) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int fd;

        buf = test_read_shared(rel, &len);
        if (!buf)
                return;
        test_write_file(dest, "");
        fd = open(dest, O_WRONLY | O_TRUNC | O_CLOEXEC);
        CHECK(fd >= 0 && write(fd, buf, len) == (ssize_t) len);
        if (fd >= 0)
                close(fd);
        CHECK(chmod(dest, mode) == 0);
}

static void test_walk(void) {
        const char *root = test_path(test_tmpdir(), "rootfs");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        size_t n_go = 0;

        copy("langpkg/trivy/go/test.elf", test_path(root, "usr/local/bin/app"), 0755);
        copy("langpkg/trivy/go/goexperiment.elf", test_path(root, "opt/tool/bin/tool"), 0500);
        /* not executable: not opened, as a data file */
        copy("langpkg/trivy/go/goexperiment.elf", test_path(root, "srv/data/sample.elf"), 0644);
        /* an executable script, and /proc: nothing */
        test_write_file(test_path(root, "usr/bin/script"), "#!/bin/sh\necho hello\n");
        CHECK(chmod(test_path(root, "usr/bin/script"), 0755) == 0);
        /* a symlink to a binary, one out of the root: never followed */
        CHECK(symlink("../local/bin/app", test_path(root, "usr/bin/app")) == 0);
        copy("langpkg/trivy/go/test.elf", test_path(test_tmpdir(), "outside/evil"), 0755);
        CHECK(symlink(test_path(test_tmpdir(), "outside/evil"), test_path(root, "usr/bin/evil")) == 0);
        copy("langpkg/trivy/go/test.elf", test_path(root, "proc/1/exe"), 0755);

        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];

                n_go += streq_ptr(p->ecosystem, "Go");
                CHECK_MSG(streq_ptr(p->origin_file, "/usr/local/bin/app") || streq_ptr(p->origin_file, "/opt/tool/bin/tool"),
                          "%s at %s", p->name, p->origin_file);
        }
        CHECK_MSG(n_go == 4 + 1, "%zu Go packages", n_go);
        CHECK(test_find_package(inv, "stdlib", "1.15.2") && test_find_package(inv, "stdlib", "1.22.1") &&
              test_find_package(inv, "golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1"));
        CHECK_MSG(inv->n_warnings == 0 && !inv->skipped, "%zu warnings: %s", inv->n_warnings,
                  inv->n_warnings ? inv->warnings[0] : "");
}

/* An executable packed by UPX carries no build information to read: said
 * as not checked.  No upx here: a real Go binary with UPX's l_info magic
 * written where upx puts it, after the program headers (a synthetic
 * marker; tests/executable-archives.sh packs one when upx is installed). */
static void test_upx(void) {
        const char *root = test_path(test_tmpdir(), "upx-rootfs"), *bin = test_path(root, "usr/local/bin/packed");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        int fd;

        copy("langpkg/trivy/go/test.elf", bin, 0755);
        fd = open(bin, O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0 && pwrite(fd, "UPX!", 4, 0x200) == 4);
        if (fd >= 0)
                close(fd);
        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        CHECK_MSG(inv->n_pkgs == 0, "%zu packages", inv->n_pkgs);
        CHECK(inv->skipped && inv->skipped[0] &&
              strstr(inv->skipped[0], "/usr/local/bin/packed: an executable compressed with UPX"));
}

int main(void) {
        test_toolchain();
        test_formats();
        test_no_sections();
        test_hostile_go();
        test_hostile_elf();
        test_cargo();
        test_shared_data();
        test_expected();
        test_walk();
        test_upx();
        return test_end();
}
