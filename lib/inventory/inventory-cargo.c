/* SPDX-License-Identifier: Apache-2.0 */
/* Rust executables built with cargo-auditable: the .dep-v0 section holds
 * the crate graph as zlib-compressed JSON (rust-secure-code/cargo-auditable,
 * auditable-serde's format): {"packages": [{"name", "version", "source",
 * "kind", "dependencies", "root"}]}.  A package's source is "crates.io",
 * "local" (the workspace's own crates), "git", "registry" (another
 * registry) or another word; only crates.io packages are what OSV's
 * crates.io ecosystem (RustSec) names.  "kind": "build" marks build
 * dependencies (build scripts, proc macros), which ran at build time but
 * are not in the executable: left out, as the runtime ones are what runs. */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/strutil.h"
#include "inventory-elf.h"
#include "inventory.h"

#define CARGO_NAME_MAX 64       /* crates.io's limit */
#define CARGO_VERSION_MAX 256

/* Inflates a zlib stream into at most cap bytes: past the cap is an error
 * (a zlib bomb, or not a dependency list), never a truncation. */
static int inflate_capped(const char *buf, size_t len, size_t cap, char **ret, size_t *ret_len) {
        _cleanup_free_ char *out = NULL;
        size_t size = len * 4 < 64 * 1024 ? 64 * 1024 : len * 4;
        z_stream z = {};
        int zr;

        if (size > cap)
                size = cap;
        if (len > UINT_MAX || inflateInit(&z) != Z_OK)
                return -ENOMEM;
        out = malloc(size + 1);
        z.next_in = (unsigned char *) buf;
        z.avail_in = (unsigned) len;
        for (zr = Z_OK; out && zr == Z_OK;) {
                if (z.total_out == size) {
                        char *bigger;

                        if (size == cap) {
                                zr = Z_BUF_ERROR;
                                break;
                        }
                        size = size > cap / 2 ? cap : size * 2;
                        bigger = realloc(out, size + 1);
                        if (!bigger)
                                break;
                        out = bigger;
                }
                z.next_out = (unsigned char *) out + z.total_out;
                z.avail_out = (unsigned) (size - z.total_out);
                zr = inflate(&z, Z_NO_FLUSH);
        }
        inflateEnd(&z);
        if (!out || (zr == Z_OK && z.total_out == size && size != cap))
                return -ENOMEM;
        if (zr == Z_BUF_ERROR && z.total_out == cap)
                return -EFBIG;
        if (zr != Z_STREAM_END)
                return -EINVAL;
        out[z.total_out] = '\0';
        *ret_len = z.total_out;
        *ret = TAKE_PTR(out);
        return 0;
}

static bool name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > CARGO_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum_ascii(s[i]) && s[i] != '-' && s[i] != '_')
                        return false;
        return true;
}

static bool version_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > CARGO_VERSION_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

/* One package of the list: 1 when kept, 0 when left out, <0 on error. */
static int add_package(json_t *p, const char *origin, struct inventory *inv, size_t *other) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *version = json_string_value(json_object_get(p, "version"));
        const char *source = json_string_value(json_object_get(p, "source"));
        const char *kind = json_string_value(json_object_get(p, "kind"));

        if (!name || !version || !source || !name_valid(name) || !version_valid(version))
                return inventory_not_read(inv, "%s: cargo-auditable .dep-v0: a package without a valid name, version "
                                          "or source; skipped", origin);
        if (kind && strcmp(kind, "runtime") != 0)
                return 0;       /* a build dependency: not in the executable */
        if (strcmp(source, "local") == 0)
                return 0;       /* the workspace's own crates: no published version */
        if (strcmp(source, "crates.io") != 0) {
                (*other)++;
                return 0;
        }
        return inventory_add_lang(inv, origin, "crates.io", name, version, "cargo", NULL, NULL);
}

int cargo_auditable_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        size_t cap = len > CARGO_DEP_INFLATED_MAX / CARGO_DEP_RATIO_MAX ? CARGO_DEP_INFLATED_MAX
                                                                        : len * CARGO_DEP_RATIO_MAX;
        _cleanup_free_ char *json = NULL;
        json_t *root, *pkgs;
        size_t json_len = 0, other = 0;
        int r;

        if (cap < CARGO_DEP_RATIO_FLOOR)
                cap = CARGO_DEP_RATIO_FLOOR;
        r = inflate_capped(buf, len, cap, &json, &json_len);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG)
                return inventory_not_read(inv, "%s: cargo-auditable .dep-v0 inflates to more than %zu bytes (a zlib "
                                          "bomb?); its packages were not checked", origin, cap);
        if (r < 0)
                return inventory_not_read(inv, "%s: cargo-auditable .dep-v0 is not a zlib stream; its packages were "
                                          "not checked", origin);
        root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, NULL);
        pkgs = json_object_get(root, "packages");
        if (!json_is_array(pkgs))
                r = inventory_not_read(inv, "%s: cargo-auditable .dep-v0 has no packages array; its packages were not "
                                       "checked", origin);
        for (size_t i = 0; r >= 0 && json_is_array(pkgs) && i < json_array_size(pkgs); i++)
                r = add_package(json_array_get(pkgs, i), origin, inv, &other);
        json_decref(root);
        if (r >= 0 && other > 0)
                r = inventory_not_read(inv, "%s: %zu crates from git or a registry other than crates.io, which no "
                                       "record names, were not checked", origin, other);
        return r;
}

int cargo_binary_read(struct elf_file *f, const char *origin, struct inventory *inv, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        struct elf_section s;
        int r = elf_find_section(f, ".dep-v0", &s, err);

        if (r <= 0)
                return r;
        r = elf_read_section(f, &s, CARGO_DEP_SECTION_MAX, &buf, err);
        if (r < 0)
                return r;
        r = cargo_auditable_parse(buf, (size_t) s.size, origin, inv);
        return r < 0 ? error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory")
                     : 0;
}
