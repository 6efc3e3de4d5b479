/* SPDX-License-Identifier: Apache-2.0 */
/* A small bounded ELF reader (32/64-bit, either byte order) for the build
 * information compilers leave in executables: the header, the section
 * headers and one section, every offset and size checked against the file
 * size before anything is read.  The bytes come from a source: a file of the
 * walk (inventory_walk_pread) or, for the fuzzers and tests, a buffer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct inventory;

#define ELF_HEADER_MAX 64               /* an Elf64_Ehdr; an Elf32_Ehdr is 52 */
#define ELF_SECTIONS_MAX 4096           /* section headers read (Go binaries have ~40) */
#define ELF_SEGMENTS_MAX 256            /* program headers read */
#define ELF_SHSTRTAB_MAX ((size_t) 256 * 1024)

struct elf_source {
        /* Exactly n bytes at offset, else an error in err. */
        int (*pread)(void *ctx, uint64_t offset, void *buf, size_t n, struct error *err);
        void *ctx;
        uint64_t size;
        const char *path;       /* for messages */
};

struct elf_file {
        struct elf_source src;
        bool is64;
        bool big_endian;
        uint64_t phoff, shoff;
        uint32_t phnum, shnum, shstrndx;
        uint16_t phentsize, shentsize;
        /* loaded on first use, shared by the section readers */
        char *ph;               /* the program header table */
        char *sh;               /* the section header table */
        char *shstrtab;
        size_t shstrtab_len;
};

struct elf_section {
        uint64_t offset, size, addr;
};

/* An unsigned integer of n (at most 8) bytes in the given byte order. */
uint64_t elf_uint(const void *p, size_t n, bool big_endian);
/* Whether the first bytes of a file are an ELF identification. */
bool elf_magic(const void *head, size_t n);
/* Reads and checks the ELF header (-EINVAL with a message: not one we read). */
int elf_open(const struct elf_source *src, struct elf_file *ret, struct error *err);
void elf_file_done(struct elf_file *f);
/* Finds the section called name: 1 and its place, 0 when absent (also when
 * the file has no section headers). */
int elf_find_section(struct elf_file *f, const char *name, struct elf_section *ret, struct error *err);
/* The first loaded writable segment (where Go puts its build information
 * when the section headers are stripped): 1 and its file range, 0 if none. */
int elf_data_segment(struct elf_file *f, struct elf_section *ret, struct error *err);
/* Reads n bytes at a file offset (checked against the file size); *ret
 * is NUL-terminated. */
int elf_read_at(const struct elf_file *f, uint64_t offset, size_t n, char **ret, struct error *err);
/* Where the ELF file ends: the end of its last segment or header table.
 * Bytes past it were appended (a .NET single-file bundle's files). */
int elf_extent(struct elf_file *f, uint64_t *ret, struct error *err);
/* Searches the writable loaded segments (each at most max bytes) for
 * needle: 1 and its file offset, 0 when absent. */
int elf_find_writable(struct elf_file *f, const void *needle, size_t n, size_t max, uint64_t *ret_offset,
                      struct error *err);
/* Reads n bytes (at most max) at virtual address addr, through the loaded
 * segments (PT_LOAD) that hold them in the file.  *ret is NUL-terminated. */
int elf_read_vaddr(struct elf_file *f, uint64_t addr, uint64_t n, size_t max, char **ret, struct error *err);
/* Reads a section's bytes if it is at most max bytes (-EFBIG otherwise). */
int elf_read_section(struct elf_file *f, const struct elf_section *s, size_t max, char **ret,
                     struct error *err);
/* A source reading from a buffer (fuzzers, tests); m lives as long as it. */
struct elf_memory {
        const char *buf;
        size_t len;
};
struct elf_source elf_source_memory(struct elf_memory *m, const void *buf, size_t len, const char *path);

/* What an executable's build information lists, added to inv (a reader of
 * the table in inventory-elf.c): 0 also when there is none; an error names
 * the file. */
typedef int (*elf_reader_fn)(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err);
/* Reads an ELF file held in a buffer with one such reader (tests, fuzzers). */
int elf_read_memory(const void *buf, size_t len, const char *origin, elf_reader_fn read, struct inventory *inv,
                    struct error *err);

/* Where the pre-1.18 Go format's pointers are read: virtual addresses of
 * the binary (an ELF file's segments, or a test's buffer). */
struct go_address_space {
        int (*read)(void *ctx, uint64_t addr, uint64_t n, size_t max, char **ret, struct error *err);
        void *ctx;
};

#define GO_BUILDINFO_MAX ((size_t) 1024 * 1024)         /* the section, and the module info string */
#define GO_VERSION_MAX 256

/* Parses the Go build information blob (the .go.buildinfo section, or the
 * data from the magic on): the toolchain version as package stdlib, the
 * main module unless (devel), each dependency with its replacement applied.
 * A blob we can't read is an error naming origin (the reader makes it a
 * warning); a bad module line is a warning. */
int go_buildinfo_parse(const char *buf, size_t len, const struct go_address_space *as, const char *origin,
                       struct inventory *inv, struct error *err);
/* The Go toolchain version ("go1.22.1 X:loopvar", "go1.21rc2") as the
 * semantic version OSV's Go ecosystem gives package stdlib ("1.22.1",
 * "1.21.0-rc.2"); NULL when it is not a release (a devel toolchain). */
char *go_toolchain_semver(const char *v);
/* The dependency list of an ELF file: .go.buildinfo, else (no section
 * headers at all) the magic at the start of the first writable segment. */
int go_binary_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err);

#define CARGO_DEP_SECTION_MAX ((size_t) 4 * 1024 * 1024)        /* compressed */
#define CARGO_DEP_INFLATED_MAX ((size_t) 16 * 1024 * 1024)
#define CARGO_DEP_RATIO_MAX 100                 /* inflated / compressed, above the floor */
#define CARGO_DEP_RATIO_FLOOR ((size_t) 1024 * 1024)

/* Parses a cargo-auditable .dep-v0 section (zlib-compressed JSON): each
 * package from crates.io; a bad section is a warning naming origin. */
int cargo_auditable_parse(const char *buf, size_t len, const char *origin, struct inventory *inv);
int cargo_binary_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err);

#define DOTNET_APPHOST_SEGMENT_MAX ((size_t) 8 * 1024 * 1024)  /* a writable segment searched for the marker */
#define DOTNET_BUNDLE_ID_MAX 4096

/* The NuGet packages of a .NET single-file bundle: the deps.json the SDK
 * put among the files appended to the apphost (dotnet/runtime's
 * docs/design/features/bundle.md, header version 2 and later).  0 when the
 * executable is no bundle; a bundle we can't read is an error naming it. */
int dotnet_bundle_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err);
