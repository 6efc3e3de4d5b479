/* SPDX-License-Identifier: Apache-2.0 */
/* NuGet packages of a .NET application: its <app>.deps.json, which the SDK
 * writes beside the application at build and publish time.  Its
 * "libraries" object names every library the application loads as
 * "<id>/<version>" with a "type": "package" comes from NuGet, "project" is
 * the application's own code (and its project references), "reference",
 * "runtimepack" and the others are not NuGet packages — only "package" is
 * read (dotnet/sdk documentation/specs/runtime-configuration-file.md).
 * A single-file application carries its deps.json inside the executable:
 * dotnet_bundle_read() finds it. */
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

#define DOTNET_DEPS_MAX ((size_t) 32 * 1024 * 1024)
#define NUGET_ID_MAX 100        /* nuget.org's limit on a package id */
#define NUGET_VERSION_MAX 256

/* NuGet ids: letters, digits, '.', '_', '-' (NuGet.Packaging's
 * PackageIdValidator), at most 100 bytes. */
static bool id_valid(const char *s, size_t n) {
        if (!inventory_field_printable(s, n, NUGET_ID_MAX))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum_ascii(s[i]) && !strchr("._-", s[i]))
                        return false;
        return true;
}

static int add_library(struct inventory *inv, const char *origin, const char *key) {
        const char *slash = strchr(key, '/');
        char id[NUGET_ID_MAX + 1];
        size_t n;

        if (!slash || strchr(slash + 1, '/'))
                return inventory_not_read(inv, "%s: library key is not \"<id>/<version>\"; skipped", origin);
        n = (size_t) (slash - key);
        if (!id_valid(key, n))
                return inventory_not_read(inv, "%s: library key: an invalid NuGet id; skipped", origin);
        if (!inventory_field_printable(slash + 1, strlen(slash + 1), NUGET_VERSION_MAX))
                return inventory_not_read(inv, "%s: library key: an invalid version; skipped", origin);
        memcpy(id, key, n);
        id[n] = '\0';
        return inventory_add_lang(inv, origin, "NuGet", id, slash + 1, "nuget", NULL, NULL);
}

int dotnet_deps_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *libraries = json_object_get(root, "libraries"), *lib;
        const char *key, *type;
        int r = 0;

        if (!json_is_object(libraries))
                r = inventory_not_read(inv, "%s: not a deps.json (no \"libraries\" object); not read", origin);
        json_object_foreach(libraries, key, lib) {
                type = json_string_value(json_object_get(lib, "type"));
                if (!type)
                        r = inventory_not_read(inv, "%s: library has no \"type\" string; skipped", origin);
                else if (streq_ptr(type, "package"))
                        r = add_library(inv, origin, key);
                if (r < 0)
                        break;
        }
        json_decref(root);
        return r;
}

/* The apphost's bundle signature (the SHA-256 of ".net core bundle"),
 * preceded by the bundle header's file offset, 0 in an apphost that
 * carries no bundle (bundle.md). */
static const unsigned char bundle_marker[32] = {
        0x8b, 0x12, 0x02, 0xb9, 0x6a, 0x61, 0x20, 0x38, 0x72, 0x7b, 0x93, 0x02, 0x14, 0xd7, 0xa0, 0x32,
        0x13, 0xf5, 0xb9, 0xe6, 0xef, 0xae, 0x33, 0x18, 0xee, 0x3b, 0x2d, 0xce, 0x24, 0xb3, 0x6a, 0xae,
};

/* The bundle header: major and minor version (uint32), the file count
 * (int32), the bundle id (its length 7 bits a byte, low first, then its
 * bytes) and, from version 2 on, the deps.json's offset and size (int64),
 * all little-endian.  *ret_off and *ret_size are 0 when there is none. */
static int bundle_header(const char *h, size_t n, const char *origin, uint64_t *ret_off, uint64_t *ret_size,
                         struct error *err) {
        uint64_t idlen = 0;
        size_t p = 12;

        if (n < p)
                return error_set(err, EINVAL, "%s: .NET bundle header: cut short", origin);
        for (unsigned shift = 0; ; shift += 7, p++) {
                if (p >= n || shift > 28)
                        return error_set(err, EINVAL, "%s: .NET bundle header: a bad bundle id length", origin);
                idlen |= (uint64_t) (h[p] & 0x7f) << shift;
                if (!(h[p] & 0x80))
                        break;
        }
        p++;
        if (idlen > DOTNET_BUNDLE_ID_MAX)
                return error_set(err, EINVAL, "%s: .NET bundle header: a bundle id of %llu bytes (at most %d)",
                                 origin, (unsigned long long) idlen, DOTNET_BUNDLE_ID_MAX);
        if (n - p < idlen)
                return error_set(err, EINVAL, "%s: .NET bundle header: cut short in the bundle id", origin);
        p += (size_t) idlen;
        *ret_off = *ret_size = 0;
        if (elf_uint(h, 4, false) < 2)
                return 0;
        if (n - p < 16)
                return error_set(err, EINVAL, "%s: .NET bundle header: cut short before the deps.json's place", origin);
        *ret_off = elf_uint(h + p, 8, false);
        *ret_size = elf_uint(h + p + 8, 8, false);
        return 0;
}

int dotnet_bundle_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err) {
        _cleanup_free_ char *head = NULL, *hdr = NULL, *deps = NULL;
        uint64_t extent, at, off, size;
        int r;

        if ((r = elf_extent(f, &extent, err)) < 0)
                return r;
        if (extent >= f->src.size)
                return 0;               /* nothing appended to the executable: no bundle */
        r = elf_find_writable(f, bundle_marker, sizeof(bundle_marker), DOTNET_APPHOST_SEGMENT_MAX, &at, err);
        if (r <= 0 || at < 8)
                return r;
        if ((r = elf_read_at(f, at - 8, 8, &head, err)) < 0)
                return r;
        off = elf_uint(head, 8, false);
        if (off == 0)
                return 0;               /* an apphost without a bundle */
        if (off < extent || off >= f->src.size)
                return error_set(err, EINVAL, "%s: .NET bundle header offset %llu is not among the bytes appended "
                                 "to the executable", origin, (unsigned long long) off);
        size = f->src.size - off < 12 + 5 + DOTNET_BUNDLE_ID_MAX + 16 ? f->src.size - off
                                                                     : 12 + 5 + DOTNET_BUNDLE_ID_MAX + 16;
        if ((r = elf_read_at(f, off, (size_t) size, &hdr, err)) < 0 ||
            (r = bundle_header(hdr, (size_t) size, origin, &off, &size, err)) < 0)
                return r;
        if (elf_uint(hdr, 4, false) < 2)
                return inventory_not_read(inv, "%s: a .NET Core 3 single-file bundle (header version %u), whose "
                                          "deps.json is not read; not checked", origin,
                                          (unsigned) elf_uint(hdr, 4, false));
        if (size == 0)
                return 0;               /* published without a deps.json */
        if (size > DOTNET_DEPS_MAX)
                return error_set(err, EFBIG, "%s: the bundle's deps.json is %llu bytes, more than the %zu read",
                                 origin, (unsigned long long) size, DOTNET_DEPS_MAX);
        if ((r = elf_read_at(f, off, (size_t) size, &deps, err)) < 0)
                return r;
        return dotnet_deps_parse(deps, (size_t) size, origin, inv);
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        if (e->type != DT_REG || !endswith(e->name, ".deps.json"))
                return 0;
        return inventory_walk_parse(inv, e, NULL, e->name, DOTNET_DEPS_MAX, false, dotnet_deps_parse, err);
}

const struct inventory_reader inventory_reader_dotnet = {
        .name = "dotnet",
        .what = ".NET dependencies",
        .visit = visit,
};
