/* SPDX-License-Identifier: Apache-2.0 */
/* The analysis child's inventory on its way to the parent
 * (inventory-wire.h): what is read is what was written, as the JSON it
 * replaced gave it; anything malformed (and every prefix of a good one) is
 * an error with a message, never a shorter inventory. */
#include <stdint.h>
#include <string.h>

#include "base/jsonutil.h"
#include "inventory-wire.h"
#include "report.h"
#include "test.h"

static void add(struct inventory *inv, const char *name, const char *version, const char *arch,
                const char *guessed_from) {
        struct package p = {
                .name = strdup(name), .version = strdup(version), .source_name = strdup(name),
                .source_version = strdup(version), .arch = arch ? strdup(arch) : NULL,
                .ecosystem = strdup("Azure Linux:2"), .purl = strdup("pkg:rpm/mariner/x@1"),
                .origin_file = strdup("/var/lib/rpm/rpmdb.sqlite"),
                .guessed_from = guessed_from ? strdup(guessed_from) : NULL,
        };

        CHECK(inventory_add(inv, &p) == 0);
}

static struct inventory *make(void) {
        struct inventory *inv = inventory_new();

        CHECK(inv != NULL);
        inv->os = (struct os_info) { .id = strdup("mariner"), .version_id = strdup("2.0"),
                                     .ecosystem = strdup("Azure Linux:2"),
                                     .pretty_name = strdup("CBL-Mariner \x1b[31m\xff") };
        add(inv, "bash", "5.1.8-2.cm2", "x86_64", NULL);
        add(inv, "caf\xc3\xa9\xff\x01\"\\", "0:1.0-1", NULL, "file name");
        CHECK(inventory_warn(inv, "/var/lib/rpm/rpmdb.sqlite: record 3: bad header; skipped") == 0);
        CHECK(strv_push(&inv->skipped, strdup("/deep: past the walk's depth \xff")) == 0);
        return inv;
}

static void test_round_trip(void) {
        _cleanup_(inventory_freep) struct inventory *inv = make(), *got = NULL, *empty = inventory_new(),
                                                    *got_empty = NULL;
        _cleanup_free_ char *want = NULL, *json = NULL;
        struct strbuf b = {};
        struct error err = {};
        size_t used = 0;

        CHECK(inventory_wire_write(inv, &b) == 0);
        /* trailing bytes are the caller's (the match's JSON follows) */
        CHECK(strbuf_puts(&b, "{}") == 0);
        CHECK(inventory_wire_read(b.s, b.len, &got, &used, &err) == 0);
        CHECK(used == b.len - 2);
        CHECK(report_inventory_json(inv, &want, &err) == 0 && report_inventory_json(got, &json, &err) == 0);
        CHECK_STREQ(json, want);
        /* as the JSON it replaces: bad UTF-8 is '?', and the pretty name
         * and warnings are printable */
        CHECK(got && got->n_pkgs == 2);
        CHECK_STREQ(got->pkgs[1].name, "caf\xc3\xa9?\x01\"\\");
        CHECK(got->pkgs[1].arch == NULL);
        CHECK_STREQ(got->pkgs[1].guessed_from, "file name");
        CHECK_STREQ(got->os.pretty_name, "CBL-Mariner ?[31m?");
        CHECK(got->n_warnings == 1 && strv_length(got->warnings) == 1);
        CHECK_STREQ(got->warnings[0], inv->warnings[0]);
        CHECK_STREQ(got->skipped[0], "/deep: past the walk's depth ?");
        CHECK(!got->transient);
        strbuf_done(&b);

        /* what the node failed to read travels as such (not cached, gate.c) */
        inventory_free(got);
        got = NULL;
        inv->transient = true;
        CHECK(inventory_wire_write(inv, &b) == 0);
        CHECK(inventory_wire_read(b.s, b.len, &got, &used, &err) == 0 && used == b.len);
        CHECK(got && got->transient);
        strbuf_done(&b);

        CHECK(inventory_wire_write(empty, &b) == 0);
        CHECK(inventory_wire_read(b.s, b.len, &got_empty, &used, &err) == 0 && used == b.len);
        CHECK(got_empty && got_empty->n_pkgs == 0 && !got_empty->os.id && !got_empty->warnings);
        strbuf_done(&b);
}

/* Every prefix of a good inventory is an error with a message. */
static void test_prefixes(void) {
        _cleanup_(inventory_freep) struct inventory *inv = make();
        struct strbuf b = {};
        size_t failed = 0;

        CHECK(inventory_wire_write(inv, &b) == 0);
        for (size_t n = 0; n < b.len; n++) {
                struct inventory *got = NULL;
                struct error err = {};
                size_t used = 0;

                if (inventory_wire_read(b.s, n, &got, &used, &err) == -EBADMSG && !got &&
                    strstr(err.msg, "inventory from the analysis: "))
                        failed++;
                inventory_free(got);
        }
        CHECK_MSG(failed == b.len, "%zu of %zu prefixes failed as they should", failed, b.len);
        strbuf_done(&b);
}

static void put_u32(struct strbuf *b, uint32_t v) {
        const char le[4] = { (char) v, (char) (v >> 8), (char) (v >> 16), (char) (v >> 24) };

        CHECK(strbuf_append(b, le, 4) == 0);
}

static void put_str(struct strbuf *b, const char *s, size_t n) {
        put_u32(b, s ? (uint32_t) n : UINT32_MAX);
        if (s)
                CHECK(strbuf_append(b, s, n) == 0);
}

/* An inventory of no OS, nothing skipped, one warning w and one package
 * (name, version, the rest NULL); counts as given. */
static void build(struct strbuf *b, uint32_t skipped, const char *w, uint32_t pkgs, const char *name, size_t name_len,
                  const char *version) {
        CHECK(strbuf_append(b, INVENTORY_WIRE_MAGIC, 4) == 0);
        put_u32(b, 0);
        for (int i = 0; i < 4; i++)
                put_str(b, NULL, 0);
        put_u32(b, skipped);
        put_u32(b, 1);
        put_str(b, w, w ? strlen(w) : 0);
        put_u32(b, pkgs);
        put_str(b, name, name_len);
        put_str(b, version, version ? strlen(version) : 0);
        for (int i = 0; i < 7; i++)
                put_str(b, NULL, 0);
}

static void test_malformed(void) {
        static const struct {
                uint32_t skipped;
                const char *warning;
                uint32_t pkgs;
                const char *name;
                size_t name_len;
                const char *version;
                const char *message;
        } rows[] = {
                { 0, "w", 1, "bash", 4, "1.0", NULL },
                { 17, "w", 1, "bash", 4, "1.0", "17 skipped, more than 16" },
                { 0, NULL, 1, "bash", 4, "1.0", "warnings[0] is null" },
                { 0, "w", 200001, "bash", 4, "1.0", "200001 packages, more than 200000" },
                { 0, "w", 2, "bash", 4, "1.0", "2 packages in 43 bytes: cut short" },
                { 0, "w", 1, NULL, 0, "1.0", "package 0 has no 'name'" },
                { 0, "w", 1, "bash", 4, NULL, "package 0 has no 'version'" },
                { 0, "w", 1, "ba\0sh", 5, "1.0", "package 0 'name': a NUL byte inside the string" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct inventory *got = NULL;
                struct strbuf b = {};
                struct error err = {};
                size_t used = 0;
                int r;

                build(&b, rows[i].skipped, rows[i].warning, rows[i].pkgs, rows[i].name, rows[i].name_len,
                      rows[i].version);
                r = inventory_wire_read(b.s, b.len, &got, &used, &err);
                if (!rows[i].message)
                        CHECK(r == 0 && got && got->n_pkgs == 1 && used == b.len);
                else
                        CHECK_MSG(r == -EBADMSG && !got && strstr(err.msg, rows[i].message), "row %zu: %s", i,
                                  err.msg);
                inventory_free(got);
                strbuf_done(&b);
        }
}

static void test_bad_magic_and_length(void) {
        static const char past_end[] = INVENTORY_WIRE_MAGIC "\0\0\0\0" "\xff\xff\xff\x7f" "abc",
                          flags[] = INVENTORY_WIRE_MAGIC "\2\0\0\0";
        struct inventory *got = NULL;
        struct error err = {};
        size_t used = 0;

        CHECK(inventory_wire_read("{\"os\": {}}", 10, &got, &used, &err) == -EBADMSG && !got);
        CHECK(strstr(err.msg, "does not start with 'PCI2'") != NULL);
        CHECK(inventory_wire_read(past_end, sizeof(past_end) - 1, &got, &used, &err) == -EBADMSG && !got);
        CHECK_MSG(strstr(err.msg, "os 'id': 2147483647 bytes at byte 12, past its end (15 bytes)"), "%s", err.msg);
        CHECK(inventory_wire_read(flags, sizeof(flags) - 1, &got, &used, &err) == -EBADMSG && !got);
        CHECK_MSG(strstr(err.msg, "flags 2 unknown"), "%s", err.msg);
}

int main(void) {
        test_round_trip();
        test_prefixes();
        test_malformed();
        test_bad_magic_and_length();
        return test_end();
}
