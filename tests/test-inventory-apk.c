/* SPDX-License-Identifier: Apache-2.0 */
/* apk installed-database parsing against trivy's expectations
 * (pkgdb/expected/trivy_apk_expected.json), the real files of syft's and
 * osv-scalibr's test suites, malformed inputs, inventory_collect() over an
 * Alpine and a Wolfi rootfs, and one match by origin through the vulndb. */
#include <errno.h>
#include <jansson.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "match.h"
#include "rootfs.h"
#include "test.h"
#include "vulndb.h"

#define FIXTURE_MAX ((size_t) 1024 * 1024)

static unsigned files_checked, packages_checked;

static struct inventory *new_inventory(const char *id, const char *version_id) {
        struct inventory *inv = inventory_new();

        if (!inv)
                exit(1);
        inv->os.id = id ? strdup(id) : NULL;
        inv->os.version_id = version_id ? strdup(version_id) : NULL;
        (void) osrelease_ecosystem(&inv->os);
        return inv;
}

static const struct package *find_pkg(const struct inventory *inv, const char *name) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (strcmp(inv->pkgs[i].name, name) == 0)
                        return &inv->pkgs[i];
        return NULL;
}

static bool has_warning(const struct inventory *inv, const char *needle) {
        for (size_t i = 0; i < inv->n_warnings && inv->warnings && inv->warnings[i]; i++)
                if (strstr(inv->warnings[i], needle))
                        return true;
        return false;
}

static struct inventory *parse_buf(const char *buf, size_t len, const char *origin) {
        struct inventory *inv = new_inventory("alpine", "3.11.5");
        struct error err = {};

        CHECK_MSG(apk_installed_parse(buf, len, origin, inv, &err) == 0, "%s: %s", origin, err.msg);
        return inv;
}

static struct inventory *parse_file(const char *path) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len = 0;

        if (read_full_file(path, FIXTURE_MAX, &buf, &len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                exit(1);
        }
        files_checked++;
        return parse_buf(buf, len, path);
}

static void check_pkg(const struct inventory *inv, const char *name, const char *version, const char *src,
                      const char *src_version, const char *arch, const char *where) {
        const struct package *p = find_pkg(inv, name);

        CHECK_MSG(p, "%s: package %s missing", where, name);
        if (!p)
                return;
        CHECK_STREQ(p->version, version);
        CHECK_STREQ(p->source_name, src);
        CHECK_STREQ(p->source_version, src_version);
        CHECK_MSG(streq_ptr(p->arch, arch), "%s: %s arch %s, want %s", where, name, strna(p->arch), strna(arch));
        packages_checked++;
}

/* --- trivy's expectations ------------------------------------------------- */

static const char *json_str(json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

static void test_trivy_expected(const char *data) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        json_error_t jerr;
        json_t *j, *cases;
        size_t i, expected = 0;
        json_t *c;

        j = json_load_file(test_path(data, "pkgdb/expected/trivy_apk_expected.json"), JSON_REJECT_DUPLICATES, &jerr);
        CHECK_MSG(j, "%s", jerr.text);
        if (!j)
                return;
        /* The _note names the input: ../trivy/apk/installed. */
        CHECK(strstr(strempty(json_str(j, "_note")), "../trivy/apk/installed") != NULL);
        inv = parse_file(test_path(data, "pkgdb/trivy/apk/installed"));
        cases = json_object_get(j, "cases");
        json_array_foreach(cases, i, c) {
                json_t *pkgs = json_object_get(c, "packages"), *p;
                size_t k;

                json_array_foreach(pkgs, k, p) {
                        check_pkg(inv, json_str(p, "Name"), json_str(p, "Version"), json_str(p, "SrcName"),
                                  json_str(p, "SrcVersion"), json_str(p, "Arch"), "trivy");
                        expected++;
                }
        }
        /* Exactly those: the stanza "P:invalidPackageWithoutAVersion" is
         * skipped (trivy skips it too), with a warning naming the field. */
        CHECK_MSG(inv->n_pkgs == expected, "trivy: %zu packages, expected %zu", inv->n_pkgs, expected);
        CHECK(inv->n_warnings == 1 && has_warning(inv, "(P:invalidPackageWithoutAVersion): no V (version) field"));
        CHECK(expected == 15);
        json_decref(j);
}

/* --- syft's and osv-scalibr's files ----------------------------------------- */

/* An independent, simpler reading of the same files: every P/V/A/o line in
 * order, a new package at each P.  Valid only for well-formed files, which
 * is what it is used on. */
struct naive {
        char name[128], version[128], arch[64], origin[128];
};

static size_t naive_read(const char *buf, struct naive *out, size_t max) {
        size_t n = 0;

        for (const char *l = buf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
                size_t len = strcspn(l, "\n");
                char *dst = NULL;
                size_t cap = 0;

                if (len < 2 || l[1] != ':')
                        continue;
                if (l[0] == 'P' && n < max)
                        out[n++] = (struct naive) {};
                if (n == 0)
                        continue;
                switch (l[0]) {
                case 'P': dst = out[n - 1].name, cap = sizeof(out[n - 1].name); break;
                case 'V': dst = out[n - 1].version, cap = sizeof(out[n - 1].version); break;
                case 'A': dst = out[n - 1].arch, cap = sizeof(out[n - 1].arch); break;
                case 'o': dst = out[n - 1].origin, cap = sizeof(out[n - 1].origin); break;
                }
                if (dst)
                        snprintf(dst, cap, "%.*s", (int) len - 2, l + 2);
        }
        return n;
}

static void check_against_naive(const char *path) {
        _cleanup_(inventory_freep) struct inventory *inv = parse_file(path);
        _cleanup_free_ char *buf = NULL;
        struct naive pkgs[64];
        struct error err = {};
        size_t len, n;

        CHECK(read_full_file(path, FIXTURE_MAX, &buf, &len, &err) == 0);
        n = buf ? naive_read(buf, pkgs, ELEMENTSOF(pkgs)) : 0;
        CHECK_MSG(n > 0 && inv->n_pkgs == n && inv->n_warnings == 0, "%s: %zu packages (%zu warnings), want %zu",
                  path, inv->n_pkgs, inv->n_warnings, n);
        for (size_t i = 0; i < n; i++)
                check_pkg(inv, pkgs[i].name, pkgs[i].version, pkgs[i].origin[0] ? pkgs[i].origin : pkgs[i].name,
                          pkgs[i].version, pkgs[i].arch[0] ? pkgs[i].arch : NULL, path);
}

static void test_other_tools(const char *data) {
        static const char *const well_formed[] = {
                "pkgdb/syft/apk/base",
                "pkgdb/syft/apk/single",
                "pkgdb/syft/apk/empty-deps-and-provides",
                "pkgdb/syft/apk/extra-file-attributes",
                "pkgdb/syft/apk/multiple-1/lib/apk/db/installed",
                "pkgdb/syft/apk/multiple-2/lib/apk/db/installed",
                "pkgdb/osv-scalibr/apk/installed",
                "pkgdb/osv-scalibr/apk/single",
                "pkgdb/osv-scalibr/apk/different-arch",
                "pkgdb/osv-scalibr/apk/no-origin",
        };
        struct inventory *inv;

        for (size_t i = 0; i < ELEMENTSOF(well_formed); i++)
                check_against_naive(test_path(data, well_formed[i]));

        /* The cases those suites name, field by field. */
        inv = parse_file(test_path(data, "pkgdb/osv-scalibr/apk/no-origin"));
        check_pkg(inv, "pkgname", "1.2.3", "pkgname", "1.2.3", "x86_64", "no-origin");
        inventory_free(inv);
        inv = parse_file(test_path(data, "pkgdb/osv-scalibr/apk/different-arch"));
        check_pkg(inv, "alpine-baselayout-data", "3.4.3-r1", "alpine-baselayout", "3.4.3-r1", "noarch", "different-arch");
        inventory_free(inv);
        inv = parse_file(test_path(data, "pkgdb/syft/apk/single"));
        check_pkg(inv, "musl-utils", "1.1.24-r2", "musl", "1.1.24-r2", "x86_64", "syft single");
        CHECK_STREQ(inv->pkgs[0].purl, "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=3.11.5");
        CHECK_STREQ(inv->pkgs[0].ecosystem, "Alpine:v3.11");
        inventory_free(inv);

        /* "asdf" and "yolo" are two stanzas of one line without a key. */
        inv = parse_file(test_path(data, "pkgdb/osv-scalibr/apk/invalid"));
        CHECK(inv->n_pkgs == 0 && inv->n_warnings == 2);
        CHECK(has_warning(inv, "invalid: stanza at line 1: a line that is not 'K:value'; skipped"));
        CHECK(has_warning(inv, "stanza at line 3: a line that is not 'K:value'"));
        inventory_free(inv);

        /* syft's corrupt database: a stray first line, then one package. */
        inv = parse_file(test_path(data, "pkgdb/syft/apk/corrupt/lib/apk/db/installed"));
        CHECK(inv->n_pkgs == 1 && inv->n_warnings == 1 && has_warning(inv, "stanza at line 1"));
        check_pkg(inv, "alpine-baselayout-data", "3.2.0-r22", "alpine-baselayout", "3.2.0-r22", "x86_64", "corrupt");
        inventory_free(inv);
}

/* --- malformed input ---------------------------------------------------------- */

static void test_malformed(void) {
        static const struct {
                const char *input;
                size_t n_pkgs;
                const char *warning;    /* NULL: no warning */
        } rows[] = {
                { "", 0, NULL },
                { "\n\n \n", 0, NULL },
                { "P:a\nV:1.0-r0", 1, NULL },                          /* no trailing newline */
                { "P:a\nV:1.0-r0\n\n\n\nP:b\nV:2\n", 2, NULL },
                { "P:a\nV:1.0\nA:x86_64\no:b\nX:whatever\nF:usr\nR:x\nZ:Q1=\n", 1, NULL },
                { "V:1.0\nA:x86_64\n", 0, "stanza at line 1: no P (name) field; skipped" },
                { "P:a\nA:x86_64\n\nP:b\nV:1\n", 1, "stanza at line 1 (P:a): no V (version) field" },
                { "P:a\nV:1.0\nP:b\n", 0, "(P:a): a repeated field in field P (name)" },
                /* kept as written: the match lists them as not checked (an invalid version) */
                { "P:a\nV:1.0 \n", 1, NULL },
                { "P:a\nV:1.0\r\n", 1, NULL },
                { "P:a\nV:1:1.0\n", 1, NULL },
                { "P:\nV:1.0\n", 0, "an invalid package name in field P (name)" },
                { "P:a b\nV:1.0\n", 0, "an invalid package name in field P (name)" },
                { "P:a\nV:1.0\nA:x 86\n", 0, "an invalid value in field A (arch)" },
                { "P:a\nV:1.0\no:../x\n", 0, "an invalid package name in field o (origin)" },
                { "P:a\nV:1.0\nno colon\n", 0, "a line that is not 'K:value'" },
                { "P:a\nV:1.0\nPP:b\n", 0, "a line that is not 'K:value'" },
                { "P:a\nV:1.0\n::\n", 1, NULL },                        /* key ':' is just another key */
                { "P:a\nV:1.0\n:\n", 0, "a line that is not 'K:value'" },
                { "P:a\n V:1.0\n", 0, "a line that is not 'K:value'" },
                { "P:\x1b[2Jevil\nV:1\n", 0, "(P:?[2Jevil): an invalid package name" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                size_t len = strlen(rows[i].input);
                _cleanup_(inventory_freep) struct inventory *inv = NULL;

                inv = parse_buf(rows[i].input, len, "/lib/apk/db/installed");
                CHECK_MSG(inv->n_pkgs == rows[i].n_pkgs, "row %zu: %zu packages, want %zu", i, inv->n_pkgs,
                          rows[i].n_pkgs);
                if (rows[i].warning)
                        CHECK_MSG(inv->n_warnings == 1 && has_warning(inv, rows[i].warning) &&
                                          startswith(inv->warnings[0], "/lib/apk/db/installed: stanza at line "),
                                  "row %zu: warnings %zu: %s", i, inv->n_warnings,
                                  inv->n_warnings ? inv->warnings[0] : "(none)");
                else
                        CHECK_MSG(inv->n_warnings == 0, "row %zu: unexpected warning %s", i, inv->warnings[0]);
        }
}

static void test_nul(void) {
        static const char buf[] = "P:a\nV:1.0\0\n\nP:b\nV:2\n";
        _cleanup_(inventory_freep) struct inventory *inv = parse_buf(buf, sizeof(buf) - 1, "/lib/apk/db/installed");

        CHECK(inv->n_pkgs == 1 && inv->n_warnings == 1);
        CHECK(has_warning(inv, "(P:a): a NUL byte in field V (version); skipped"));
}

static void test_huge(void) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_free_ char *buf = NULL;
        struct strbuf b = {};

        /* A name past the field limit is named, not copied into messages. */
        CHECK(strbuf_puts(&b, "P:") == 0);
        for (int i = 0; i < 5000; i++)
                CHECK(strbuf_puts(&b, "a") == 0);
        CHECK(strbuf_puts(&b, "\nV:1.0\n\nP:ok\nV:1.0\n") == 0);
        buf = strbuf_steal(&b);
        inv = parse_buf(buf, strlen(buf), "/lib/apk/db/installed");
        CHECK(inv->n_pkgs == 1 && inv->n_warnings == 1);
        CHECK(has_warning(inv, "stanza at line 1: a field longer than the limit in field P (name); skipped"));
        inventory_free(TAKE_PTR(inv));
        free(TAKE_PTR(buf));

        /* A long file list is fine: only the four kept fields are capped. */
        CHECK(strbuf_puts(&b, "P:big\nV:1.0\n") == 0);
        for (int i = 0; i < 20000; i++)
                CHECK(strbuf_printf(&b, "R:file-%d\nZ:Q1abcdefghijklmnopqrstuvwxyz0=\n", i) == 0);
        CHECK(strbuf_printf(&b, "D:%0*d\n", 100000, 0) == 0);
        buf = strbuf_steal(&b);
        inv = parse_buf(buf, strlen(buf), "/lib/apk/db/installed");
        CHECK(inv->n_pkgs == 1 && inv->n_warnings == 0);
}

/* --- over a rootfs ---------------------------------------------------------------- */

#define MUSL_STANZA "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\n"
#define LIBCRYPTO_STANZA "P:libcrypto3\nV:3.1.4-r0\nA:aarch64\no:openssl\n"

static void collect(const char *id_line, const char *version_line, const char *db, struct inventory **ret) {
        const char *root = test_path(test_tmpdir(), id_line + 3);
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct error err = {};
        char osr[256];

        snprintf(osr, sizeof(osr), "%s\n%s\n", id_line, version_line);
        test_write_file(test_path(root, "etc/os-release"), osr);
        if (db)
                test_write_file(test_path(root, "lib/apk/db/installed"), db);
        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        *ret = NULL;
        CHECK_MSG(r && inventory_collect(r, NULL, ret, &err) == 0, "%s", err.msg);
}

static void test_collect(void) {
        struct inventory *inv;

        collect("ID=alpine", "VERSION_ID=3.18.4", MUSL_STANZA LIBCRYPTO_STANZA, &inv);
        CHECK(inv && inv->n_pkgs == 2 && inv->n_warnings == 0);
        if (inv && inv->n_pkgs == 2) {
                CHECK_STREQ(inv->os.ecosystem, "Alpine:v3.18");
                CHECK_STREQ(inv->pkgs[0].ecosystem, "Alpine:v3.18");
                CHECK_STREQ(inv->pkgs[0].origin_file, "/lib/apk/db/installed");
                CHECK_STREQ(inv->pkgs[0].purl, "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.18.4");
                CHECK_STREQ(inv->pkgs[1].source_name, "openssl");
                CHECK_STREQ(inv->pkgs[1].purl, "pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=aarch64&distro=3.18.4");
        }
        inventory_free(inv);

        collect("ID=wolfi", "VERSION_ID=20230201", MUSL_STANZA, &inv);
        CHECK(inv && inv->n_pkgs == 1);
        if (inv && inv->n_pkgs == 1) {
                CHECK_STREQ(inv->pkgs[0].ecosystem, "Wolfi");
                CHECK_STREQ(inv->pkgs[0].purl, "pkg:apk/wolfi/musl@1.2.4-r2?arch=x86_64&distro=20230201");
        }
        inventory_free(inv);

        collect("ID=chainguard", "VERSION_ID=20230214", MUSL_STANZA, &inv);
        CHECK(inv && inv->n_pkgs == 1);
        if (inv && inv->n_pkgs == 1) {
                CHECK_STREQ(inv->pkgs[0].ecosystem, "Chainguard");
                CHECK(startswith(inv->pkgs[0].purl, "pkg:apk/chainguard/musl@"));
        }
        inventory_free(inv);

        /* No apk database: nothing, and no error. */
        collect("ID=alpinex", "VERSION_ID=3.18.4", NULL, &inv);
        CHECK(inv && inv->n_pkgs == 0 && inv->n_warnings == 0);
        inventory_free(inv);
}

/* --- one match by origin ------------------------------------------------------------ */

static void test_match_by_origin(void) {
        const char *dir = test_path(test_tmpdir(), "alpine-feed");
        const char *db = test_path(test_tmpdir(), "alpine.sqlite");
        char *paths[] = { (char *) dir, NULL };
        _cleanup_(inventory_freep) struct inventory *inv = new_inventory("alpine", "3.11.5");
        struct scan_result *res = NULL;
        struct vulndb *v = NULL;
        struct error err = {};
        static const char db_text[] = "P:libcrypto1.1\nV:1.1.1d-r3\nA:x86_64\no:openssl\n\n"
                                      "P:libssl1.1\nV:1.1.1d-r3\nA:x86_64\no:openssl\n\n"
                                      "P:musl\nV:1.1.24-r2\nA:x86_64\no:musl\n";

        /* openssl: fixed later than installed (affected, by origin); musl:
         * fixed by a _pre release of what is installed (not affected). */
        test_write_file(test_path(dir, "openssl.json"),
                        "{\"id\":\"ALPINE-CVE-2020-1967\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2020-1967\"],"
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Alpine:v3.11\",\"name\":\"openssl\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.1.1g-r0\"}]}]}]}");
        test_write_file(test_path(dir, "musl.json"),
                        "{\"id\":\"ALPINE-CVE-2019-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
                        "\"affected\":[{\"package\":{\"ecosystem\":\"Alpine:v3.11\",\"name\":\"musl\"},"
                        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.1.24_pre1-r0\"}]}]}]}");
        CHECK_MSG(vulndb_import(db, paths, false, NULL, NULL, NULL, &err) == 0, "%s", err.msg);
        CHECK_MSG(vulndb_open(db, &v, &err) == 0, "%s", err.msg);
        CHECK_MSG(apk_installed_parse(db_text, strlen(db_text), "/lib/apk/db/installed", inv, &err) == 0, "%s",
                  err.msg);
        CHECK_STREQ(inv->os.ecosystem, "Alpine:v3.11");
        CHECK_MSG(v && match_inventory(v, inv, &res, &err) == 0, "%s", err.msg);
        if (res) {
                CHECK_MSG(res->n_findings == 2, "%zu findings", res->n_findings);
                for (size_t i = 0; i < res->n_findings; i++) {
                        CHECK_STREQ(res->findings[i].id, "ALPINE-CVE-2020-1967");
                        CHECK_STREQ(res->findings[i].source_name, "openssl");
                        CHECK_STREQ(res->findings[i].installed_version, "1.1.1d-r3");
                        CHECK_STREQ(res->findings[i].fixed_version, "1.1.1g-r0");
                }
                CHECK(res->n_findings == 2 && strcmp(res->findings[0].package, res->findings[1].package) != 0 &&
                      startswith(res->findings[0].package, "lib") && startswith(res->findings[1].package, "lib"));
                scan_result_free(res);
        }
        vulndb_close(v);
}

int main(void) {
        const char *data = test_shared_data();

        test_trivy_expected(data);
        test_other_tools(data);
        test_malformed();
        test_nul();
        test_huge();
        test_collect();
        test_match_by_origin();
        fprintf(stderr, "checked %u packages in %u real database files\n", packages_checked, files_checked);
        return test_end();
}
