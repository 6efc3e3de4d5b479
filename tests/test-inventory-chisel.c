/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "test.h"

/* A chiseled Ubuntu 22.04 image's manifest as chisel writes it: a jsonwall
 * header, then packages, slices, paths (one JSON object per line). */
static const char manifest[] =
        "{\"jsonwall\":\"1.0\",\"schema\":\"1.0\",\"count\":9}\n"
        "{\"kind\":\"content\",\"slice\":\"libc6_libs\",\"path\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"}\n"
        "{\"kind\":\"package\",\"name\":\"base-files\",\"version\":\"12ubuntu4.6\",\"sha256\":\"aa\",\"arch\":\"amd64\"}\n"
        "{\"kind\":\"package\",\"name\":\"libc6\",\"version\":\"2.35-0ubuntu3.8\",\"sha256\":\"bb\",\"arch\":\"amd64\"}\n"
        "{\"kind\":\"package\",\"name\":\"openssl\",\"version\":\"3.0.2-0ubuntu1.18\",\"sha256\":\"cc\",\"arch\":\"amd64\"}\n"
        "{\"kind\":\"package\",\"name\":\"broken\"}\n"
        "this line is not JSON\n"
        "{\"kind\":\"path\",\"path\":\"/etc/ssl/\",\"mode\":\"0755\",\"slices\":[\"openssl_config\"]}\n"
        "{\"kind\":\"slice\",\"name\":\"openssl_config\"}\n";

static void write_zstd(const char *path, const char *data, size_t len) {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();

        archive_write_add_filter_zstd(a);
        archive_write_set_format_raw(a);
        archive_write_open_filename(a, path);
        archive_entry_set_pathname(e, "manifest.wall");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, (la_int64_t) len);
        archive_write_header(a, e);
        archive_write_data(a, data, len);
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
}

static void test_chiseled_rootfs(void) {
        const char *root = test_path(test_tmpdir(), "chiseled");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        bool warned = false;

        test_write_file(test_path(root, "etc/os-release"), "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
        test_write_file(test_path(root, "var/lib/chisel/placeholder"), "");
        write_zstd(test_path(root, "var/lib/chisel/manifest.wall"), manifest, strlen(manifest));
        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        CHECK_STREQ(inv->os.ecosystem, "Ubuntu:22.04:LTS");
        CHECK(inv->n_pkgs == 3);
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (streq_ptr(inv->pkgs[i].name, "libc6")) {
                        CHECK_STREQ(inv->pkgs[i].version, "2.35-0ubuntu3.8");
                        CHECK_STREQ(inv->pkgs[i].source_name, "libc6");
                        CHECK_STREQ(inv->pkgs[i].ecosystem, "Ubuntu:22.04:LTS");
                        CHECK_STREQ(inv->pkgs[i].purl, "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.8?arch=amd64&distro=ubuntu-22.04");
                        CHECK_STREQ(inv->pkgs[i].origin_file, "var/lib/chisel/manifest.wall");
                }
        for (char **w = inv->warnings; w && *w; w++)
                warned |= strstr(*w, "binary packages only") != NULL;
        CHECK(warned);
        CHECK(strv_length(inv->warnings) == 3); /* broken, not JSON, binary-only */
}

static void test_bad_input(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        struct error err = {};
        char *out = NULL;
        size_t len = 0;

        CHECK(chisel_decompress("plain text, not zstd", 20, &out, &len, &err) == -EBADMSG);
        CHECK(strstr(err.msg, "manifest.wall") != NULL);
        CHECK(chisel_manifest_parse("", 0, "m", inv, &err) == 0 && inv->n_pkgs == 0);
        CHECK(chisel_manifest_parse("{\"kind\":\"package\"}\n{", 20, "m", inv, &err) == 0 && inv->n_pkgs == 0);
}

int main(void) {
        test_chiseled_rootfs();
        test_bad_input();
        return test_end();
}
