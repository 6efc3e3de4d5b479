/* SPDX-License-Identifier: Apache-2.0 */
/* Chiseled Ubuntu images (canonical/chisel) have no dpkg database: chisel
 * writes var/lib/chisel/manifest.wall, a zstd-compressed "jsonwall" (one
 * JSON object per line: a header, then entries of kind "package", "slice",
 * "path", "content").  Only the packages are read.
 *
 * A chisel manifest names binary packages without their source package;
 * OSV's Ubuntu records name source packages, so a package whose source has
 * another name can't be matched: the inventory says so in a warning. */
#include <jansson.h>
#include <string.h>
#include <zstd.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"

#define CHISEL_MANIFEST "var/lib/chisel/manifest.wall"
#define CHISEL_COMPRESSED_MAX ((size_t) 64 * 1024 * 1024)
#define CHISEL_MANIFEST_MAX ((size_t) 512 * 1024 * 1024)
#define CHISEL_LINE_MAX ((size_t) 1024 * 1024)

/* zstd frames (RFC 8878) start with this magic number, little-endian. */
static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* libzstd directly, not libarchive: the hook carries this code, and
 * linking libarchive (libxml2, ICU, ...) cost it 1.5 ms at every exec. */
int chisel_decompress(const char *buf, size_t len, char **ret, size_t *ret_len, struct error *err) {
        struct strbuf b = { .max = CHISEL_MANIFEST_MAX };
        ZSTD_inBuffer in = { .src = buf, .size = len };
        ZSTD_DStream *ds;
        char chunk[65536];
        size_t left = 1;
        int r = 0;

        if (len < sizeof(zstd_magic) || memcmp(buf, zstd_magic, sizeof(zstd_magic)) != 0)
                return error_set(err, EBADMSG, "%s: not zstd-compressed", CHISEL_MANIFEST);
        ds = ZSTD_createDStream();
        if (!ds)
                return -ENOMEM;
        while (r >= 0 && in.pos < in.size) {
                ZSTD_outBuffer out = { .dst = chunk, .size = sizeof(chunk) };

                left = ZSTD_decompressStream(ds, &out, &in);
                if (ZSTD_isError(left))
                        r = error_set(err, EBADMSG, "%s: damaged: %s", CHISEL_MANIFEST, ZSTD_getErrorName(left));
                else if (strbuf_append(&b, chunk, out.pos) < 0)
                        r = error_set(err, EFBIG, "%s: more than %zu bytes when decompressed", CHISEL_MANIFEST,
                                      CHISEL_MANIFEST_MAX);
        }
        /* Output still buffered in the decoder. */
        while (r >= 0 && left > 0 && !ZSTD_isError(left)) {
                ZSTD_outBuffer out = { .dst = chunk, .size = sizeof(chunk) };

                left = ZSTD_decompressStream(ds, &out, &in);
                if (ZSTD_isError(left) || (out.pos == 0 && left > 0))
                        r = error_set(err, EBADMSG, "%s: truncated", CHISEL_MANIFEST);
                else if (strbuf_append(&b, chunk, out.pos) < 0)
                        r = error_set(err, EFBIG, "%s: more than %zu bytes when decompressed", CHISEL_MANIFEST,
                                      CHISEL_MANIFEST_MAX);
        }
        ZSTD_freeDStream(ds);
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret_len = b.len;
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

static struct slice slice_of(const char *s) {
        return (struct slice) { s, s ? strlen(s) : 0 };
}

static int add_package(struct inventory *inv, json_t *o, const char *origin) {
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *version = json_string_value(json_object_get(o, "version"));
        const char *arch = json_string_value(json_object_get(o, "arch"));
        _cleanup_free_ char *distro = purl_distro(&inv->os);

        if (!name || !*name || !version || !*version)
                return inventory_not_read(inv, "%s: a package entry without name or version was skipped", origin);
        /* Binary packages only: the source is the binary's. */
        return inventory_add_slices(inv, origin, slice_of(name), slice_of(version), (struct slice) {},
                                    (struct slice) {}, slice_of(arch), "deb", inv->os.id ? inv->os.id : "ubuntu",
                                    distro);
}

int chisel_manifest_parse(const char *buf, size_t len, const char *origin, struct inventory *inv,
                          struct error *err) {
        const char *p = buf, *end = buf + len;
        size_t line = 0, found = 0;
        int r = 0;

        while (p < end && r >= 0) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                json_t *o;

                line++;
                if (n > CHISEL_LINE_MAX)
                        return error_set(err, E2BIG, "%s:%zu: a line longer than %zu bytes", origin, line,
                                         CHISEL_LINE_MAX);
                o = n ? json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
                if (n && !json_is_object(o))
                        r = inventory_not_read(inv, "%s:%zu: not a JSON object; skipped", origin, line);
                else if (streq_ptr(json_string_value(json_object_get(o, "kind")), "package")) {
                        if (inv->n_pkgs >= INVENTORY_PACKAGES_MAX)
                                r = error_set(err, E2BIG, "%s: more than %d packages", origin, INVENTORY_PACKAGES_MAX);
                        else
                                r = add_package(inv, o, origin);
                        found++;
                }
                json_decref(o);
                p += n + 1;
        }
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "%s: out of memory", origin);
        if (r >= 0 && found > 0)
                r = inventory_warn(inv, "%s: chisel names binary packages only; vulnerability records of a source "
                                   "package with another name can't be matched", origin);
        return r < 0 ? r : 0;
}

int inventory_chisel(struct rootfs *r, struct inventory *inv, struct error *err) {
        _cleanup_free_ char *z = NULL, *text = NULL;
        size_t zlen = 0, len = 0;
        int k;

        k = rootfs_read_file(r, CHISEL_MANIFEST, CHISEL_COMPRESSED_MAX, &z, &zlen, err);
        if (k == -ENOENT) {
                error_clear(err);
                return 0;
        }
        if (k < 0 || (k = chisel_decompress(z, zlen, &text, &len, err)) < 0)
                return k;
        return chisel_manifest_parse(text, len, CHISEL_MANIFEST, inv, err);
}

const struct inventory_reader inventory_reader_chisel = {
        .name = "chisel",
        .what = "chisel manifest",
        .read = inventory_chisel,
};
