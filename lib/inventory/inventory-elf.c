/* SPDX-License-Identifier: Apache-2.0 */
/* ELF executables that carry their own dependency list: Go binaries (the
 * build information, .go.buildinfo) and Rust binaries built with
 * cargo-auditable (.dep-v0).  A file is judged by its mode and its first
 * bytes: only a regular file with an execute bit and the ELF magic is read
 * further, and then only its headers and the one section each reader wants,
 * never the whole binary.  Layouts: the System V ABI's "ELF header",
 * "Sections" and "Program header" chapters (gABI 4.1 and its 64-bit
 * update); extended numbering (e_shnum 0, e_shstrndx SHN_XINDEX) as there. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

#define SHN_XINDEX 0xffff
#define SHT_NOBITS 8
#define PT_LOAD 1
#define PF_W 2
#define ELF_ENTSIZE_MAX 256

uint64_t elf_uint(const void *p, size_t n, bool big_endian) {
        const unsigned char *b = p;
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint64_t) b[big_endian ? n - 1 - i : i] << (8 * i);
        return v;
}

static uint64_t get(const struct elf_file *f, const void *p, size_t n) {
        return elf_uint(p, n, f->big_endian);
}

/* A field that is 4 bytes in ELF32 and 8 in ELF64, at its offset in each. */
static uint64_t word(const struct elf_file *f, const char *p, size_t off32, size_t off64) {
        return f->is64 ? get(f, p + off64, 8) : get(f, p + off32, 4);
}

bool elf_magic(const void *head, size_t n) {
        return n >= 4 && memcmp(head, "\177ELF", 4) == 0;
}

/* offset + n within the file, without overflow. */
static bool in_file(const struct elf_file *f, uint64_t offset, uint64_t n) {
        return offset <= f->src.size && n <= f->src.size - offset;
}

int elf_read_at(const struct elf_file *f, uint64_t offset, size_t n, char **ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        int r;

        if (!in_file(f, offset, n))
                return error_set(err, EINVAL, "%s: %zu bytes at offset %llu are past the end of the file (%llu "
                                 "bytes): a damaged ELF file", f->src.path, n, (unsigned long long) offset,
                                 (unsigned long long) f->src.size);
        buf = malloc(n + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        r = f->src.pread(f->src.ctx, offset, buf, n, err);
        if (r < 0)
                return r;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

static int bad(const struct elf_file *f, const char *what, struct error *err) {
        return error_set(err, EINVAL, "%s: %s; not an ELF file we read", f->src.path, what);
}

int elf_open(const struct elf_source *src, struct elf_file *ret, struct error *err) {
        struct elf_file f = { .src = *src };
        unsigned char h[ELF_HEADER_MAX] = {};
        size_t n = src->size < sizeof(h) ? (size_t) src->size : sizeof(h);
        int r;

        r = src->pread(src->ctx, 0, h, n, err);
        if (r < 0)
                return r;
        if (!elf_magic(h, n) || n < 52)
                return bad(&f, "no ELF header", err);
        if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
                return bad(&f, "an unknown ELF class or byte order", err);
        f.is64 = h[4] == 2;
        f.big_endian = h[5] == 2;
        if (f.is64 && n < 64)
                return bad(&f, "a truncated ELF header", err);
        f.phoff = word(&f, (char *) h, 28, 32);
        f.shoff = word(&f, (char *) h, 32, 40);
        f.phentsize = (uint16_t) get(&f, h + (f.is64 ? 54 : 42), 2);
        f.phnum = (uint32_t) get(&f, h + (f.is64 ? 56 : 44), 2);
        f.shentsize = (uint16_t) get(&f, h + (f.is64 ? 58 : 46), 2);
        f.shnum = (uint32_t) get(&f, h + (f.is64 ? 60 : 48), 2);
        f.shstrndx = (uint32_t) get(&f, h + (f.is64 ? 62 : 50), 2);
        if (f.phnum > 0 && (f.phentsize < (f.is64 ? 56 : 32) || f.phentsize > ELF_ENTSIZE_MAX))
                return bad(&f, "an invalid program header size", err);
        if (f.shoff != 0 && (f.shentsize < (f.is64 ? 64 : 40) || f.shentsize > ELF_ENTSIZE_MAX))
                return bad(&f, "an invalid section header size", err);
        *ret = f;
        return 0;
}

void elf_file_done(struct elf_file *f) {
        free(f->ph);
        free(f->sh);
        free(f->shstrtab);
        f->ph = f->sh = f->shstrtab = NULL;
}

/* A section header's fields. */
static struct elf_section section_at(const struct elf_file *f, const char *sh, uint32_t *ret_name,
                                     uint32_t *ret_type) {
        *ret_name = (uint32_t) get(f, sh, 4);
        *ret_type = (uint32_t) get(f, sh + 4, 4);
        return (struct elf_section) { .addr = word(f, sh, 12, 16), .offset = word(f, sh, 16, 24),
                                      .size = word(f, sh, 20, 32) };
}

/* The section header table and the section names, read once. */
static int load_sections(struct elf_file *f, struct error *err) {
        struct elf_section names;
        uint32_t name, type;
        char *first = NULL;
        int r;

        if (f->sh || f->shoff == 0)
                return 0;
        /* Extended numbering: the real count and name index in section 0. */
        if (f->shnum == 0 || f->shstrndx == SHN_XINDEX) {
                r = elf_read_at(f, f->shoff, f->shentsize, &first, err);
                if (r < 0)
                        return r;
                if (f->shnum == 0)
                        f->shnum = word(f, first, 20, 32) > UINT32_MAX ? UINT32_MAX : (uint32_t) word(f, first, 20, 32);
                if (f->shstrndx == SHN_XINDEX)
                        f->shstrndx = (uint32_t) get(f, first + (f->is64 ? 40 : 24), 4);
                free(first);
        }
        if (f->shnum > ELF_SECTIONS_MAX)
                return error_set(err, EFBIG, "%s: %u sections, more than the %d read", f->src.path, f->shnum,
                                 ELF_SECTIONS_MAX);
        if (f->shstrndx >= f->shnum)
                return bad(f, "the section names are not a section", err);
        r = elf_read_at(f, f->shoff, (size_t) f->shnum * f->shentsize, &f->sh, err);
        if (r < 0)
                return r;
        names = section_at(f, f->sh + (size_t) f->shstrndx * f->shentsize, &name, &type);
        if (type == SHT_NOBITS || names.size > ELF_SHSTRTAB_MAX)
                return bad(f, "the section names are missing or too large", err);
        r = elf_read_at(f, names.offset, (size_t) names.size, &f->shstrtab, err);
        if (r < 0)
                return r;
        f->shstrtab_len = (size_t) names.size;
        return 0;
}

int elf_find_section(struct elf_file *f, const char *name, struct elf_section *ret, struct error *err) {
        size_t n = strlen(name);
        int r = load_sections(f, err);

        if (r < 0 || !f->sh)
                return r;
        for (uint32_t i = 0; i < f->shnum; i++) {
                uint32_t off, type;
                struct elf_section s = section_at(f, f->sh + (size_t) i * f->shentsize, &off, &type);

                /* the name, NUL-terminated inside the table */
                if (off >= f->shstrtab_len || f->shstrtab_len - off < n + 1 ||
                    memcmp(f->shstrtab + off, name, n + 1) != 0)
                        continue;
                if (type == SHT_NOBITS || !in_file(f, s.offset, s.size))
                        return bad(f, "a section reaches past the end of the file", err);
                *ret = s;
                return 1;
        }
        return 0;
}

int elf_read_section(struct elf_file *f, const struct elf_section *s, size_t max, char **ret, struct error *err) {
        if (s->size > max)
                return error_set(err, EFBIG, "%s: a section of %llu bytes, more than the %zu read",
                                 f->src.path, (unsigned long long) s->size, max);
        return elf_read_at(f, s->offset, (size_t) s->size, ret, err);
}

static int load_segments(struct elf_file *f, struct error *err) {
        if (f->ph || f->phnum == 0)
                return 0;
        if (f->phnum > ELF_SEGMENTS_MAX)
                return error_set(err, EFBIG, "%s: %u program headers, more than the %d read", f->src.path,
                                 f->phnum, ELF_SEGMENTS_MAX);
        return elf_read_at(f, f->phoff, (size_t) f->phnum * f->phentsize, &f->ph, err);
}

/* A loaded segment's file range, and whether it is writable. */
static bool segment_at(const struct elf_file *f, uint32_t i, struct elf_section *ret, bool *ret_writable) {
        const char *p = f->ph + (size_t) i * f->phentsize;
        uint32_t flags = (uint32_t) get(f, p + (f->is64 ? 4 : 24), 4);

        if (get(f, p, 4) != PT_LOAD)
                return false;
        *ret = (struct elf_section) { .offset = word(f, p, 4, 8), .addr = word(f, p, 8, 16),
                                      .size = word(f, p, 16, 32) };
        *ret_writable = flags & PF_W;
        return true;
}

int elf_data_segment(struct elf_file *f, struct elf_section *ret, struct error *err) {
        struct elf_section s;
        bool w;
        int r = load_segments(f, err);

        if (r < 0 || !f->ph)
                return r;
        for (uint32_t i = 0; i < f->phnum; i++)
                if (segment_at(f, i, &s, &w) && w) {
                        if (!in_file(f, s.offset, s.size))
                                return bad(f, "a segment reaches past the end of the file", err);
                        *ret = s;
                        return 1;
                }
        return 0;
}

/* a + b, or UINT64_MAX where it overflows */
static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a + b < a ? UINT64_MAX : a + b;
}

int elf_extent(struct elf_file *f, uint64_t *ret, struct error *err) {
        struct elf_section s;
        uint64_t end = add_sat(f->phoff, (uint64_t) f->phnum * f->phentsize);
        bool w;
        int r = load_segments(f, err);

        if (r < 0)
                return r;
        if (f->shnum > 0 && add_sat(f->shoff, (uint64_t) f->shnum * f->shentsize) > end)
                end = add_sat(f->shoff, (uint64_t) f->shnum * f->shentsize);
        for (uint32_t i = 0; f->ph && i < f->phnum; i++)
                if (segment_at(f, i, &s, &w) && add_sat(s.offset, s.size) > end)
                        end = add_sat(s.offset, s.size);
        *ret = end;
        return 0;
}

int elf_find_writable(struct elf_file *f, const void *needle, size_t n, size_t max, uint64_t *ret_offset,
                      struct error *err) {
        struct elf_section s;
        bool w;
        int r = load_segments(f, err);

        for (uint32_t i = 0; r >= 0 && f->ph && i < f->phnum; i++) {
                _cleanup_free_ char *buf = NULL;
                const char *hit;

                if (!segment_at(f, i, &s, &w) || !w || s.size < n)
                        continue;
                if (s.size > max)
                        return error_set(err, EFBIG, "%s: a writable segment of %llu bytes, more than the %zu "
                                         "searched", f->src.path, (unsigned long long) s.size, max);
                if ((r = elf_read_at(f, s.offset, (size_t) s.size, &buf, err)) < 0)
                        return r;
                if ((hit = memmem(buf, (size_t) s.size, needle, n))) {
                        *ret_offset = s.offset + (uint64_t) (hit - buf);
                        return 1;
                }
        }
        return r < 0 ? r : 0;
}

int elf_read_vaddr(struct elf_file *f, uint64_t addr, uint64_t n, size_t max, char **ret, struct error *err) {
        struct elf_section s;
        bool w;
        int r = load_segments(f, err);

        if (r < 0)
                return r;
        if (n > max)
                return error_set(err, EFBIG, "%s: %llu bytes claimed at address 0x%llx, more than the %zu read",
                                 f->src.path, (unsigned long long) n, (unsigned long long) addr, max);
        for (uint32_t i = 0; f->ph && i < f->phnum; i++)
                if (segment_at(f, i, &s, &w) && addr >= s.addr && addr - s.addr <= s.size &&
                    n <= s.size - (addr - s.addr))
                        return elf_read_at(f, s.offset + (addr - s.addr), (size_t) n, ret, err);
        return error_set(err, EINVAL, "%s: address 0x%llx (%llu bytes) is in no loaded segment of the file",
                         f->src.path, (unsigned long long) addr, (unsigned long long) n);
}

static int memory_pread(void *ctx, uint64_t offset, void *buf, size_t n, struct error *err) {
        const struct elf_memory *m = ctx;

        if (offset > m->len || n > m->len - offset)
                return error_set(err, EFBIG, "read past the end of the buffer");
        memcpy(buf, m->buf + offset, n);
        return 0;
}

struct elf_source elf_source_memory(struct elf_memory *m, const void *buf, size_t len, const char *path) {
        *m = (struct elf_memory) { buf, len };
        return (struct elf_source) { .pread = memory_pread, .ctx = m, .size = len, .path = path };
}

/* The build information each kind of executable carries, read from one
 * open ELF file in turn: a new kind is a row here. */
static const struct {
        const char *what;
        elf_reader_fn read;
} binary_readers[] = {
        { "Go build information", go_binary_read },
        { "cargo-auditable dependency list", cargo_binary_read },
        { ".NET single-file bundle", dotnet_bundle_read },
};

/* An executable read through two windows: its first and its last
 * ELF_WINDOW bytes, each read once.  The first holds the magic, the ELF
 * header and (as linkers lay them out) the program headers; the last the
 * section header table and, just before it, the section names.  So a
 * typical executable, found to carry no build information, costs two
 * preads instead of five; anything outside the windows is read as asked. */
#define ELF_WINDOW ((size_t) 4096)

struct windowed {
        struct inventory_walk_file *file;
        char head[ELF_WINDOW], tail[ELF_WINDOW];
        size_t head_len, tail_len;
        uint64_t tail_off;
        bool tail_read;
};

/* The window [off, off + len) of w holding n bytes at offset, if any. */
static bool in_window(uint64_t off, size_t len, uint64_t offset, size_t n) {
        return offset >= off && offset - off <= len && n <= len - (offset - off);
}

static int windowed_pread(void *ctx, uint64_t offset, void *buf, size_t n, struct error *err) {
        struct windowed *w = ctx;
        int r;

        if (in_window(0, w->head_len, offset, n)) {
                memcpy(buf, w->head + offset, n);
                return 0;
        }
        if (!w->tail_read && in_window(w->tail_off, w->tail_len, offset, n)) {
                r = inventory_walk_pread(w->file, w->tail_off, w->tail, w->tail_len, err);
                if (r < 0)
                        return r;
                w->tail_read = true;
        }
        if (w->tail_read && in_window(w->tail_off, w->tail_len, offset, n)) {
                memcpy(buf, w->tail + (offset - w->tail_off), n);
                return 0;
        }
        return inventory_walk_pread(w->file, offset, buf, n, err);
}

/* Name endings of sources, scripts, data and archives: most of an image's
 * files, none of them an ELF executable unless misnamed, so passed over
 * without even a stat (the walk itself takes types from getdents).  Object
 * files and archives (.o, .a) are ELF but never run. */
static const char *const not_executable[] = {
        ".gz", ".xz", ".bz2", ".zst", ".zip", ".tar", ".jar", ".whl", ".py", ".pyc", ".pyi", ".js", ".mjs",
        ".cjs", ".ts", ".map", ".json", ".go", ".mod", ".sum", ".rs", ".rb", ".php", ".pl", ".pm", ".java",
        ".class", ".c", ".h", ".hpp", ".cc", ".inc", ".txt", ".md", ".rst", ".html", ".htm", ".css", ".xml",
        ".yaml", ".yml", ".toml", ".conf", ".cfg", ".ini", ".mo", ".po", ".png", ".jpg", ".gif", ".svg",
        ".ico", ".ttf", ".woff", ".woff2", ".pem", ".crt", ".vim", ".cmake", ".o", ".a", ".sh", ".s",
        ".pyo", ".pxd", ".pyx", ".rbs", ".gemspec", ".pom", ".sql", ".log", ".lock", ".patch", ".pc", ".in",
        ".deb", ".list", ".md5sums", ".triggers", ".shlibs", ".symbols", ".preinst", ".postinst", ".prerm", ".postrm",
        ".templates", ".conffiles",
        ".service", ".debug", ".pas", ".pp", ".ppu", ".bc", ".ads", ".adb", ".ali",
};

/* Executables only: a file without an execute bit is not run; a name
 * above is not even looked at. */
static bool executable(const struct inventory_walk_entry *e) {
        const char *dot = strrchr(e->name, '.');
        struct stat st;

        for (size_t i = 0; dot && i < ELEMENTSOF(not_executable); i++)
                if (strcmp(dot, not_executable[i]) == 0)
                        return false;
        return fstatat(inventory_walk_dirfd(e), e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
               (st.st_mode & 0111) && st.st_size >= 52;
}

/* A reader's failure on one binary: the walk's byte cap (already noted in
 * inv->skipped) ends it quietly, running out of memory ends the inventory,
 * anything else is a warning naming the file, and the next file is read. */
static int failed(struct inventory *inv, int r, struct error *err) {
        if (r == -ENOMEM || r == -E2BIG)
                return r;
        if (r != -ECANCELED)
                r = inventory_not_read_errno(inv, -r, "%s; skipped", err->msg);
        else
                r = 0;
        error_clear(err);
        return r;
}

/* An executable that is a zip archive: a jar made executable under a name
 * of no Java archive (`java -jar`, or binfmt_misc's jarwrapper, runs it
 * whatever its name), or a launch script with the zip after it (Spring
 * Boot's "fully executable" jar, a Python zipapp): its head a zip's local
 * header, or "#!" and its last 22 bytes a zip's end of central directory
 * (APPNOTE 4.3.16, without a comment).  The Java reader reads it; one in
 * which it finds no package is said as not checked, never passed over. */
#define ZIP_EOCD_SIZE 22

static int executable_zip(struct inventory *inv, const struct inventory_walk_entry *e, struct windowed *w,
                          struct error *err) {
        size_t before = inv->n_pkgs;
        char eocd[4];
        int r;

        if (jar_archive_name(e->name))
                return 0;       /* the Java reader's already */
        if (w->head_len < 4 || memcmp(w->head, "PK\3\4", 4) != 0) {
                if (memcmp(w->head, "#!", 2) != 0 || w->file->size < 2 + ZIP_EOCD_SIZE)
                        return 0;
                r = inventory_walk_pread(w->file, w->file->size - ZIP_EOCD_SIZE, eocd, sizeof(eocd), err);
                if (r < 0)
                        return failed(inv, r, err);
                if (memcmp(eocd, "PK\5\6", 4) != 0)
                        return 0;       /* a script */
        }
        if ((r = jar_read_walked(inv, e, err)) < 0 || inv->n_pkgs > before)
                return r;
        return inventory_not_read(inv, "%s: an executable zip archive in which no package was found; not checked",
                                  w->file->path) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* UPX's packed executables carry its l_info block ("UPX!") just after
 * their program headers, and the program they run compressed: no build
 * information to read (upx's src/stub/src/include/linux.h). */
#define UPX_HEAD_MAX ((size_t) 1024)

static bool upx_packed(const struct windowed *w) {
        return memmem(w->head, w->head_len < UPX_HEAD_MAX ? w->head_len : UPX_HEAD_MAX, "UPX!", 4) != NULL;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        _cleanup_(inventory_walk_file_done) struct inventory_walk_file file = { .fd = -EBADF };
        _cleanup_free_ struct windowed *w = NULL;
        struct elf_file f = {};
        int r;

        if (e->type != DT_REG || !executable(e))
                return 0;
        r = inventory_walk_open(e, &file, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return failed(inv, r, err);
        w = malloc(sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (struct windowed) { .file = &file, .head_len = file.size < ELF_WINDOW ? (size_t) file.size : ELF_WINDOW };
        /* The tail window starts after the head: no byte is read twice. */
        w->tail_off = file.size > 2 * ELF_WINDOW ? file.size - ELF_WINDOW : w->head_len;
        w->tail_len = (size_t) (file.size - w->tail_off);
        if ((r = inventory_walk_pread(&file, 0, w->head, w->head_len, err)) < 0)
                return failed(inv, r, err);
        if (!elf_magic(w->head, w->head_len))
                return executable_zip(inv, e, w, err);  /* else a script, not an ELF executable */
        if (upx_packed(w))
                return inventory_not_read(inv, "%s: an executable compressed with UPX, whose build information "
                                          "Portcullis can't read; not checked", file.path) < 0
                       ? error_set(err, ENOMEM, "out of memory") : 0;
        r = elf_open(&(struct elf_source) { .pread = windowed_pread, .ctx = w, .size = file.size,
                                            .path = file.path }, &f, err);
        if (r < 0)
                return failed(inv, r, err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(binary_readers); i++) {
                int k = binary_readers[i].read(&f, file.path, inv, err);

                r = k < 0 ? failed(inv, k, err) : 0;
                if (k == -ECANCELED)
                        break;          /* the walk's byte cap: nothing more is read */
        }
        elf_file_done(&f);
        return r < 0 ? r : 0;
}

const struct inventory_reader inventory_reader_binaries = {
        .name = "binaries",
        .what = "Go, Rust (cargo-auditable) and .NET single-file executables",
        .visit = visit,
};

int elf_read_memory(const void *buf, size_t len, const char *origin, elf_reader_fn read, struct inventory *inv,
                    struct error *err) {
        struct elf_memory m;
        struct elf_source src = elf_source_memory(&m, buf, len, origin);
        struct elf_file f = {};
        int r = elf_open(&src, &f, err);

        if (r >= 0)
                r = read(&f, origin, inv, err);
        elf_file_done(&f);
        return r;
}
