/* SPDX-License-Identifier: Apache-2.0 */
/* dpkg status parsing against other scanners' expectations (trivy, syft,
 * osv-scalibr test suites, pkgdb/expected/), claircore's real status
 * files, malformed inputs, and inventory_dpkg() over a rootfs. */
#include <errno.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "test.h"

static unsigned expected_total, expected_checked, expected_deliberate;

static struct inventory *new_inventory(const char *id, const char *version_id) {
        struct inventory *inv = inventory_new();

        if (!inv)
                exit(1);
        inv->os.id = id ? strdup(id) : NULL;
        inv->os.version_id = version_id ? strdup(version_id) : NULL;
        (void) osrelease_ecosystem(&inv->os);
        return inv;
}

static const struct package *find_pkg(const struct inventory *inv, const char *name, const char *arch) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (strcmp(inv->pkgs[i].name, name) == 0 && (!arch || streq_ptr(inv->pkgs[i].arch, arch)))
                        return &inv->pkgs[i];
        return NULL;
}

/* Returns a copy of section "-- name --" of a txtar archive, or NULL. */
static char *txtar_section(const char *archive, const char *name) {
        char marker[256];
        const char *start, *end;

        snprintf(marker, sizeof(marker), "-- %s --\n", name);
        for (start = strstr(archive, marker); start && start != archive && start[-1] != '\n';
             start = strstr(start + 1, marker))
                ;
        if (!start)
                return NULL;
        start += strlen(marker);
        end = strstr(start, "\n-- ");
        end = end ? end + 1 : start + strlen(start);
        return strndup_or_null(start, (size_t) (end - start));
}

/* --- deliberate differences -------------------------------------------------- */

/* Packages another tool's test expects that we deliberately don't report
 * (or, extra, that we report and it does not), and why.  Anything missing
 * or extra that isn't listed here fails the test. */
static const struct {
        const char *tool, *case_name, *package, *why;
        bool extra;
} deliberate[] = {
        /* syft keeps a status.d stanza that has a Package but no Version;
         * a package without a version can't be matched against any
         * advisory, so we skip it, saying it was not checked. */
        { "syft", "multiple entries", "no-version", "no Version field" },
        /* scalibr's IncludeNotInstalled option; we report the packages
         * whose files are on disk: not "config-files", but "unpacked" and
         * "half-installed", which scalibr leaves out by default. */
        { "osv-scalibr", "statusfield including not installed", "wantdeinstall_configfiles", "not installed" },
        { "osv-scalibr", "statusfield including not installed", "wantnostatus", "no Status in the status file" },
        { "osv-scalibr", "statusfield", "wantinstall_unpacked", "its files are on disk", true },
        { "osv-scalibr", "statusfield", "wantinstall_halfinstalled", "its files may be on disk", true },
};

static const char *deliberate_why(const char *tool, const char *case_name, const char *package) {
        for (size_t i = 0; i < ELEMENTSOF(deliberate); i++)
                if (!deliberate[i].extra && strcmp(deliberate[i].tool, tool) == 0 &&
                    strcmp(deliberate[i].case_name, case_name) == 0 && strcmp(deliberate[i].package, package) == 0)
                        return deliberate[i].why;
        return NULL;
}

/* --- one expected package ---------------------------------------------------- */

struct want {
        const char *name, *version, *source_name, *source_version, *arch;
};

static void check_want(const char *tool, const char *case_name, const struct inventory *inv, const struct want *w) {
        const struct package *p = find_pkg(inv, w->name, w->arch);
        const char *why = deliberate_why(tool, case_name, w->name);

        expected_total++;
        if (why) {
                CHECK_MSG(!p, "%s/%s: %s is listed as a deliberate difference (%s) but we report it", tool,
                          case_name, w->name, why);
                expected_deliberate++;
                return;
        }
        CHECK_MSG(p, "%s/%s: expected package %s %s is missing", tool, case_name, w->name, strna(w->version));
        if (!p)
                return;
        expected_checked++;
        if (w->version)
                CHECK_MSG(streq_ptr(p->version, w->version), "%s/%s: %s version %s, want %s", tool, case_name,
                          w->name, p->version, w->version);
        if (w->source_name)
                CHECK_MSG(streq_ptr(p->source_name, w->source_name), "%s/%s: %s source %s, want %s", tool,
                          case_name, w->name, p->source_name, w->source_name);
        if (w->source_version)
                CHECK_MSG(streq_ptr(p->source_version, w->source_version), "%s/%s: %s source version %s, want %s",
                          tool, case_name, w->name, p->source_version, w->source_version);
        if (w->arch)
                CHECK_MSG(streq_ptr(p->arch, w->arch), "%s/%s: %s arch %s, want %s", tool, case_name, w->name,
                          strna(p->arch), w->arch);
}

static const char *jstr(json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

/* Trivy splits versions: [Epoch:]Version[-Release]; put them together. */
static char *trivy_version(json_t *o, const char *epoch_key, const char *ver_key, const char *rel_key) {
        json_int_t epoch = json_integer_value(json_object_get(o, epoch_key));
        const char *v = jstr(o, ver_key), *rel = jstr(o, rel_key);
        struct strbuf b = {};

        if (!v)
                return NULL;
        if (epoch)
                (void) strbuf_printf(&b, "%lld:", (long long) epoch);
        (void) strbuf_puts(&b, v);
        if (rel)
                (void) strbuf_printf(&b, "-%s", rel);
        return strbuf_steal(&b);
}

/* Every package of every case whose counts must match exactly, beside the
 * per-package checks. */
static void check_count(const char *tool, const char *case_name, const struct inventory *inv, size_t n_expected) {
        size_t n_deliberate = 0, n_extra = 0;

        for (size_t i = 0; i < ELEMENTSOF(deliberate); i++) {
                if (strcmp(deliberate[i].tool, tool) != 0 || strcmp(deliberate[i].case_name, case_name) != 0)
                        continue;
                if (!deliberate[i].extra) {
                        n_deliberate++;
                        continue;
                }
                n_extra++;
                CHECK_MSG(find_pkg(inv, deliberate[i].package, NULL), "%s/%s: %s is listed as an extra (%s) but we "
                          "don't report it", tool, case_name, deliberate[i].package, deliberate[i].why);
        }
        CHECK_MSG(inv->n_pkgs == n_expected - n_deliberate + n_extra, "%s/%s: %zu packages, want %zu - %zu deliberate "
                  "+ %zu extra", tool, case_name, inv->n_pkgs, n_expected, n_deliberate, n_extra);
}

static json_t *load_expected(const char *tool) {
        char path[4096];
        json_error_t jerr;
        json_t *j;

        snprintf(path, sizeof(path), "%s/pkgdb/expected/%s_dpkg_expected.json", test_shared_data(), tool);
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
                fprintf(stderr, "%s: %s\n", path, jerr.text);
                exit(1);
        }
        return j;
}

static void parse_file(const char *path, const char *origin, struct inventory *inv) {
        _cleanup_free_ char *buf = NULL;
        struct error err = {};
        size_t len = 0;

        CHECK_MSG(read_full_file(path, 64 << 20, &buf, &len, &err) == 0, "%s", err.msg);
        if (buf)
                CHECK_MSG(dpkg_status_parse(buf, len, origin, inv, &err) == 0, "%s: %s", path, err.msg);
}

/* --- trivy ----------------------------------------------------------------- */

static void test_trivy(void) {
        json_t *j = load_expected("trivy"), *c;
        size_t i;

        json_array_foreach(json_object_get(j, "cases"), i, c) {
                const char *case_name = jstr(c, "name");
                const char *input = json_string_value(json_array_get(json_object_get(c, "inputs"), 0));
                _cleanup_(inventory_freep) struct inventory *inv = new_inventory("debian", "12");
                _cleanup_free_ char *buf = NULL, *status = NULL;
                struct error err = {};
                char path[4096];
                json_t *p;
                size_t k;

                /* "testdata/valid.txtar" -> ../trivy/dpkg/valid.txtar */
                snprintf(path, sizeof(path), "%s/pkgdb/trivy/dpkg/%s", test_shared_data(), strrchr(input, '/') + 1);
                CHECK_MSG(read_full_file(path, 1 << 20, &buf, NULL, &err) == 0, "%s", err.msg);
                if (!buf)
                        continue;
                status = txtar_section(buf, "var/lib/dpkg/status");
                CHECK_MSG(status, "%s: no status section", path);
                if (!status)
                        continue;
                CHECK_MSG(dpkg_status_parse(status, strlen(status), "/var/lib/dpkg/status", inv, &err) == 0, "%s",
                          err.msg);
                json_array_foreach(json_object_get(c, "packages"), k, p) {
                        _cleanup_free_ char *v = trivy_version(p, "Epoch", "Version", "Release");
                        _cleanup_free_ char *sv = trivy_version(p, "SrcEpoch", "SrcVersion", "SrcRelease");
                        struct want w = { jstr(p, "Name"), v, jstr(p, "SrcName"), sv, jstr(p, "Arch") };

                        check_want("trivy", case_name, inv, &w);
                }
                check_count("trivy", case_name, inv, json_array_size(json_object_get(c, "packages")));
                /* corrupsed: a stanza without Version, and one whose version
                 * "1:5.#" dpkg rejects; both skipped with a warning. */
                if (strcmp(case_name, "corrupsed") == 0)
                        CHECK_MSG(inv->n_warnings == 2, "corrupsed: %zu warnings", inv->n_warnings);
                else
                        CHECK_MSG(inv->n_warnings == 0, "%s: %zu warnings, first: %s", case_name, inv->n_warnings,
                                  inv->warnings ? inv->warnings[0] : "");
        }
        json_decref(j);
}

/* --- syft ------------------------------------------------------------------ */

static void test_syft(void) {
        json_t *j = load_expected("syft"), *c;
        size_t i;

        json_array_foreach(json_object_get(j, "cases"), i, c) {
                const char *case_name = jstr(c, "name");
                _cleanup_(inventory_freep) struct inventory *inv = new_inventory("debian", "12");
                json_t *in, *p;
                size_t k;

                /* Cases without input files test syft's internals; opkg is
                 * another package manager (OpenWrt), not read by us. */
                if (json_array_size(json_object_get(c, "inputs")) == 0 ||
                    strstr(json_string_value(json_array_get(json_object_get(c, "inputs"), 0)), "opkg"))
                        continue;
                json_array_foreach(json_object_get(c, "inputs"), k, in) {
                        const char *rel = strstr(json_string_value(in), "var/lib/dpkg/");
                        char path[4096], origin[4096];

                        snprintf(path, sizeof(path), "%s/pkgdb/syft/dpkg/%s", test_shared_data(), rel);
                        snprintf(origin, sizeof(origin), "/%s", rel);
                        parse_file(path, origin, inv);
                }
                json_array_foreach(json_object_get(c, "packages"), k, p) {
                        struct want w = { jstr(p, "Package"), jstr(p, "Version"), jstr(p, "Source"), NULL,
                                          jstr(p, "Architecture") };

                        check_want("syft", case_name, inv, &w);
                }
                check_count("syft", case_name, inv, json_array_size(json_object_get(c, "packages")));
        }
        json_decref(j);
}

/* --- osv-scalibr ----------------------------------------------------------- */

static void test_scalibr(void) {
        json_t *j = load_expected("osv-scalibr"), *c;
        size_t i;

        json_array_foreach(json_object_get(j, "cases"), i, c) {
                const char *case_name = jstr(c, "name");
                _cleanup_(inventory_freep) struct inventory *inv = new_inventory("debian", "12");
                bool opkg = false;
                json_t *in, *p;
                size_t k;

                json_array_foreach(json_object_get(c, "inputs"), k, in)
                        opkg |= strstr(json_string_value(in), "opkg") != NULL;
                if (opkg)       /* not copied locally, and not dpkg */
                        continue;
                json_array_foreach(json_object_get(c, "inputs"), k, in) {
                        const char *rel = json_string_value(in) + STRLEN("testdata/dpkg/");
                        char path[4096], origin[4096];

                        snprintf(path, sizeof(path), "%s/pkgdb/osv-scalibr/dpkg/%s", test_shared_data(), rel);
                        snprintf(origin, sizeof(origin), "/var/lib/dpkg/%s", startswith(rel, "status.d/") ? rel : "status");
                        parse_file(path, origin, inv);
                }
                json_array_foreach(json_object_get(c, "packages"), k, p) {
                        struct want w = { jstr(p, "Name"), jstr(p, "Version"), jstr(p, "SourceName"),
                                          jstr(p, "SourceVersion"), jstr(p, "Architecture") };

                        check_want("osv-scalibr", case_name, inv, &w);
                }
                check_count("osv-scalibr", case_name, inv, json_array_size(json_object_get(c, "packages")));
        }
        json_decref(j);
}

/* --- claircore's status files: no expectations, so sanity -------------------- */

static void test_claircore(void) {
        static const struct {
                const char *file;
                size_t n, n_pkgs, n_warnings;
        } files[] = {
                { "debian-only.status", 1, 1, 0 },
                { "postgresql.status", 3, 3, 0 },
                { "texlive.status", 357, 357, 0 },
                /* vcpkg (Windows) reuses the format: its 9 "Feature:"
                 * stanzas have no Version and are skipped with a warning. */
                { "vcpkg.status", 24, 15, 9 },
        };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = new_inventory("ubuntu", "22.04");
                char path[4096];

                snprintf(path, sizeof(path), "%s/pkgdb/claircore/dpkg/%s", test_shared_data(), files[i].file);
                parse_file(path, "/var/lib/dpkg/status", inv);
                CHECK_MSG(inv->n_pkgs == files[i].n_pkgs, "%s: %zu packages", files[i].file, inv->n_pkgs);
                CHECK_MSG(inv->n_warnings == files[i].n_warnings, "%s: %zu warnings, first %s", files[i].file,
                          inv->n_warnings, inv->warnings ? inv->warnings[0] : "");
                for (size_t k = 0; k < inv->n_pkgs; k++) {
                        CHECK(startswith(inv->pkgs[k].purl, "pkg:deb/ubuntu/"));
                        CHECK(strstr(inv->pkgs[k].purl, "distro=ubuntu-22.04"));
                        CHECK_STREQ(inv->pkgs[k].ecosystem, "Ubuntu:22.04:LTS");
                }
                fprintf(stderr, "claircore %s: %zu of %zu stanzas installed\n", files[i].file, inv->n_pkgs,
                        files[i].n);
        }
}

/* --- table: malformed and edge inputs --------------------------------------- */

struct row {
        const char *name;
        const char *in;
        size_t n_pkgs, n_warnings;
        const char *first_name, *first_version, *first_source, *first_source_version;
};

static const struct row rows[] = {
        { "empty", "", 0, 0, NULL, NULL, NULL, NULL },
        { "blank lines only", "\n\n  \n\t\n", 0, 0, NULL, NULL, NULL, NULL },
        { "no trailing newline", "Package: a\nStatus: install ok installed\nVersion: 1.0", 1, 0, "a", "1.0", "a", "1.0" },
        { "CRLF", "Package: a\r\nStatus: install ok installed\r\nVersion: 1:1.0-1\r\n\r\nPackage: b\r\n"
                  "Status: install ok installed\r\nVersion: 2\r\n", 2, 0, "a", "1:1.0-1", "a", "1:1.0-1" },
        { "case-insensitive names", "package: a\nSTATUS: hold ok installed\nversion: 1\nsource: s (0.9)\n", 1, 0,
          "a", "1", "s", "0.9" },
        { "source without version", "Package: a\nStatus: install ok installed\nVersion: 1-2+b1\nSource: s\n", 1, 0,
          "a", "1-2+b1", "s", "1-2+b1" },
        { "no Package", "Status: install ok installed\nVersion: 1\n", 0, 1, NULL, NULL, NULL, NULL },
        { "no Version", "Package: a\nStatus: install ok installed\n", 0, 1, NULL, NULL, NULL, NULL },
        { "no Status in status", "Package: a\nVersion: 1\n", 0, 1, NULL, NULL, NULL, NULL },
        /* kept as written: the match lists it as not checked (an invalid version) */
        { "bad version", "Package: a\nStatus: install ok installed\nVersion: 1:\n", 1, 0, "a", "1:", "a", "1:" },
        { "bad source version", "Package: a\nStatus: install ok installed\nVersion: 1\nSource: s (x:y)\n", 1, 0, "a",
          "1", "s", "x:y" },
        { "bad source", "Package: a\nStatus: install ok installed\nVersion: 1\nSource: s (1\n", 0, 1,
          NULL, NULL, NULL, NULL },
        { "bad status", "Package: a\nStatus: installed\nVersion: 1\n", 0, 1, NULL, NULL, NULL, NULL },
        { "not installed", "Package: a\nStatus: deinstall ok config-files\nVersion: 1\n", 0, 0,
          NULL, NULL, NULL, NULL },
        { "triggers-pending", "Package: a\nStatus: install ok triggers-pending\nVersion: 1\n", 1, 0,
          "a", "1", "a", "1" },
        /* files on disk from "unpacked" on, maybe in "half-installed" */
        { "triggers-awaited", "Package: a\nStatus: install ok triggers-awaited\nVersion: 1\n", 1, 0,
          "a", "1", "a", "1" },
        { "unpacked", "Package: a\nStatus: install ok unpacked\nVersion: 1\n", 1, 0, "a", "1", "a", "1" },
        { "half-configured", "Package: a\nStatus: install ok half-configured\nVersion: 1\n", 1, 0,
          "a", "1", "a", "1" },
        { "half-installed", "Package: a\nStatus: install reinstreq half-installed\nVersion: 1\n", 1, 0,
          "a", "1", "a", "1" },
        { "not-installed", "Package: a\nStatus: purge ok not-installed\nVersion: 1\n", 0, 0,
          NULL, NULL, NULL, NULL },
        { "unknown state", "Package: a\nStatus: install ok instaled\nVersion: 1\n", 0, 1,
          NULL, NULL, NULL, NULL },
        { "repeated field", "Package: a\nPackage: b\nStatus: install ok installed\nVersion: 1\n", 0, 1,
          NULL, NULL, NULL, NULL },
        { "continuation of Version", "Package: a\nStatus: install ok installed\nVersion: 1\n 2\n", 0, 1,
          NULL, NULL, NULL, NULL },
        { "continuation of Description", "Package: a\nStatus: install ok installed\nVersion: 1\n"
          "Description: x\n more\n .\n", 1, 0, "a", "1", "a", "1" },
        { "line without colon", "Package: a\nStatus: install ok installed\nVersion: 1\ngarbage\n", 0, 1,
          NULL, NULL, NULL, NULL },
        { "bad name", "Package: -a\nStatus: install ok installed\nVersion: 1\n", 0, 1, NULL, NULL, NULL, NULL },
        { "one bad one good", "Package: a\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n", 1, 1,
          "b", "2", "b", "2" },
};

static void test_rows(void) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = new_inventory("debian", "12");
                struct error err = {};

                CHECK_MSG(dpkg_status_parse(rows[i].in, strlen(rows[i].in), "/var/lib/dpkg/status", inv, &err) == 0,
                          "%s: %s", rows[i].name, err.msg);
                CHECK_MSG(inv->n_pkgs == rows[i].n_pkgs, "%s: %zu packages", rows[i].name, inv->n_pkgs);
                CHECK_MSG(inv->n_warnings == rows[i].n_warnings, "%s: %zu warnings", rows[i].name, inv->n_warnings);
                /* a stanza skipped is said as not checked too */
                CHECK_MSG(strv_length(inv->skipped) == rows[i].n_warnings, "%s: %zu notes", rows[i].name,
                          strv_length(inv->skipped));
                for (size_t k = 0; k < inv->n_warnings && k < 1; k++)
                        CHECK_MSG(strstr(inv->warnings[k], "/var/lib/dpkg/status: stanza at line"), "%s: %s",
                                  rows[i].name, inv->warnings[k]);
                if (!rows[i].first_name || inv->n_pkgs == 0)
                        continue;
                CHECK_STREQ(inv->pkgs[0].name, rows[i].first_name);
                CHECK_STREQ(inv->pkgs[0].version, rows[i].first_version);
                CHECK_STREQ(inv->pkgs[0].source_name, rows[i].first_source);
                CHECK_STREQ(inv->pkgs[0].source_version, rows[i].first_source_version);
        }
}

static void test_caps(void) {
        _cleanup_(inventory_freep) struct inventory *inv = new_inventory("debian", "12");
        struct error err = {};
        struct strbuf b = {};

        /* A huge Description is fine below the stanza cap ... */
        (void) strbuf_puts(&b, "Package: a\nStatus: install ok installed\nVersion: 1\nDescription: x\n");
        for (int i = 0; i < 20000; i++)
                (void) strbuf_puts(&b, " a long description line, twenty thousand times over\n");
        CHECK(dpkg_status_parse(b.s, b.len, "/var/lib/dpkg/status", inv, &err) == 0);
        CHECK(inv->n_pkgs == 1);
        /* ... and an error above it, never a silent truncation. */
        for (int i = 0; i < 80000; i++)
                (void) strbuf_puts(&b, " a long description line, eighty thousand times over\n");
        CHECK(dpkg_status_parse(b.s, b.len, "/var/lib/dpkg/status", inv, &err) == -E2BIG);
        CHECK(strstr(err.msg, "larger than"));
        strbuf_done(&b);

        /* A huge tracked field: that stanza is skipped with a warning. */
        (void) strbuf_puts(&b, "Package: a\nStatus: install ok installed\nVersion: 1");
        for (int i = 0; i < 5000; i++)
                (void) strbuf_puts(&b, "0");
        (void) strbuf_puts(&b, "\n");
        inventory_free(inv);
        inv = new_inventory("debian", "12");
        CHECK(dpkg_status_parse(b.s, b.len, "/var/lib/dpkg/status", inv, &err) == 0);
        CHECK(inv->n_pkgs == 0 && inv->n_warnings == 1);
        strbuf_done(&b);

        /* A flood of bad stanzas: warnings are capped. */
        for (int i = 0; i < 1000; i++)
                (void) strbuf_puts(&b, "Package: \033[31mx\n\n");
        inventory_free(inv);
        inv = new_inventory("debian", "12");
        CHECK(dpkg_status_parse(b.s, b.len, "/var/lib/dpkg/status", inv, &err) == 0);
        CHECK(strv_length(inv->warnings) == INVENTORY_WARNINGS_MAX + 1);
        CHECK(!strchr(inv->warnings[0], '\033'));
        strbuf_done(&b);
}

static void test_purl(void) {
        static const char in[] = "Package: libstdc++6\nStatus: install ok installed\nArchitecture: amd64\n"
                                 "Version: 1:12.2.0-14\nSource: gcc-12 (12.2.0-14)\n";
        _cleanup_(inventory_freep) struct inventory *deb = new_inventory("debian", "12");
        _cleanup_(inventory_freep) struct inventory *ubu = new_inventory("ubuntu", "22.04");
        _cleanup_(inventory_freep) struct inventory *unk = new_inventory(NULL, NULL);
        struct error err = {};

        CHECK(dpkg_status_parse(in, strlen(in), "/var/lib/dpkg/status", deb, &err) == 0);
        CHECK(dpkg_status_parse(in, strlen(in), "/var/lib/dpkg/status", ubu, &err) == 0);
        CHECK(dpkg_status_parse(in, strlen(in), "/var/lib/dpkg/status", unk, &err) == 0);
        if (deb->n_pkgs != 1 || ubu->n_pkgs != 1 || unk->n_pkgs != 1) {
                CHECK(false);
                return;
        }
        CHECK_STREQ(deb->pkgs[0].purl, "pkg:deb/debian/libstdc%2B%2B6@1%3A12.2.0-14?arch=amd64&distro=debian-12");
        CHECK_STREQ(deb->pkgs[0].ecosystem, "Debian:12");
        CHECK_STREQ(deb->pkgs[0].origin_file, "/var/lib/dpkg/status");
        CHECK_STREQ(ubu->pkgs[0].purl, "pkg:deb/ubuntu/libstdc%2B%2B6@1%3A12.2.0-14?arch=amd64&distro=ubuntu-22.04");
        CHECK_STREQ(ubu->pkgs[0].ecosystem, "Ubuntu:22.04:LTS");
        CHECK_STREQ(unk->pkgs[0].purl, "pkg:deb/libstdc%2B%2B6@1%3A12.2.0-14?arch=amd64");
        CHECK(!unk->pkgs[0].ecosystem);
}

/* --- inventory_dpkg() / inventory_collect() over a rootfs ------------------- */

static void test_rootfs(unsigned flags) {
        const char *tmp = test_tmpdir();
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct error err = {};
        char root[1024];

        snprintf(root, sizeof(root), "%s/rootfs%u", tmp, flags);
        test_write_file(test_path(root, "usr/lib/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        test_write_file(test_path(root, "etc/.keep"), "");
        CHECK(symlink("../usr/lib/os-release", test_path(root, "etc/os-release")) == 0);
        test_write_file(test_path(root, "var/lib/dpkg/status"),
                        "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13\n\n"
                        "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\n");
        /* distroless layout: no Status; zlib1g repeats the status file,
         * at another version; base-files at the same one. */
        test_write_file(test_path(root, "var/lib/dpkg/status.d/libc6"),
                        "Package: libc6\nArchitecture: amd64\nVersion: 2.36-9\nSource: glibc\n");
        test_write_file(test_path(root, "var/lib/dpkg/status.d/libc6.md5sums"), "0123  lib/x\n");
        test_write_file(test_path(root, "var/lib/dpkg/status.d/zlib"),
                        "Package: zlib1g\nArchitecture: amd64\nVersion: 1:1.2.0\n");
        test_write_file(test_path(root, "var/lib/dpkg/status.d/.base"),
                        "Package: base-files\nArchitecture: amd64\nVersion: 12.4\n");
        test_write_file(test_path(root, "var/lib/dpkg/status.d/.hidden"),
                        "Package: libssl3\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\nSource: openssl\n");
        CHECK(mkdir(test_path(root, "var/lib/dpkg/status.d/adir"), 0755) == 0);
        CHECK(symlink("/../../../../etc/passwd", test_path(root, "var/lib/dpkg/status.d/escape")) == 0);

        CHECK(rootfs_open(root, flags, &r, &err) == 0);
        CHECK_MSG(inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        CHECK_STREQ(inv->os.ecosystem, "Debian:12");
        CHECK_MSG(inv->n_pkgs == 5, "%zu packages", inv->n_pkgs);
        if (inv->n_pkgs == 5) {       /* sorted by name */
                CHECK_STREQ(inv->pkgs[0].name, "base-files");
                CHECK_STREQ(inv->pkgs[0].origin_file, "/var/lib/dpkg/status");
                CHECK_STREQ(inv->pkgs[1].name, "libc6");
                CHECK_STREQ(inv->pkgs[1].source_name, "glibc");
                CHECK_STREQ(inv->pkgs[1].origin_file, "/var/lib/dpkg/status.d/libc6");
                CHECK_STREQ(inv->pkgs[2].name, "libssl3");     /* a hidden file is read too */
                CHECK_STREQ(inv->pkgs[2].origin_file, "/var/lib/dpkg/status.d/.hidden");
                /* zlib1g at two versions: both kept */
                CHECK_STREQ(inv->pkgs[3].name, "zlib1g");
                CHECK_STREQ(inv->pkgs[3].version, "1:1.2.0");
                CHECK_STREQ(inv->pkgs[3].origin_file, "/var/lib/dpkg/status.d/zlib");
                CHECK_STREQ(inv->pkgs[4].name, "zlib1g");
                CHECK_STREQ(inv->pkgs[4].version, "1:1.2.13");
                CHECK_STREQ(inv->pkgs[4].origin_file, "/var/lib/dpkg/status");
        }
        /* adir (not a file) and escape (ENOENT inside the root): not read,
         * so not checked; zlib (two versions): a warning. */
        CHECK_MSG(inv->n_warnings == 3, "%zu warnings", inv->n_warnings);
        CHECK_MSG(strv_length(inv->skipped) == 2, "%zu notes", strv_length(inv->skipped));
        for (char **s = inv->skipped; s && *s; s++)
                CHECK_MSG(strstr(*s, "status.d/adir") || strstr(*s, "status.d/escape"), "%s", *s);
        for (char **w = inv->warnings; w && *w; w++)
                fprintf(stderr, "  warning: %s\n", *w);
}

/* status.d's files together are capped as the status file is: 17 files of
 * 4 MiB (sparse), each under its own cap, are refused, not read for
 * minutes (100,000 of them were 400 GB). */
static void test_status_d_total(void) {
        const char *root = test_path(test_tmpdir(), "status-d-total");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        char name[64];

        test_write_file(test_path(root, "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        for (int i = 0; i < 17; i++) {
                snprintf(name, sizeof(name), "var/lib/dpkg/status.d/p%02d", i);
                test_write_file(test_path(root, name), "Package: p\nArchitecture: amd64\nVersion: 1\n\n");
                CHECK(truncate(test_path(root, name), (off_t) DPKG_STATUS_D_FILE_MAX) == 0);
        }
        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        CHECK(r && inventory_collect(r, NULL, &inv, &err) == -E2BIG);
        CHECK_MSG(strstr(err.msg, "/var/lib/dpkg/status.d: its files hold more than 67108864 bytes in all"), "%s",
                  err.msg);
}

/* The info/<package>.list files together are capped too: 10 packages with lists of
 * 63 MiB (sparse) each, every one under its own cap.  Past the total the
 * rest own nothing (their files are read as anyone's: more read, never
 * less), said in a warning. */
static void test_lists_total(void) {
        const char *root = test_path(test_tmpdir(), "lists-total");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct strbuf status = {};
        struct error err = {};
        char name[64];

        test_write_file(test_path(root, "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        for (int i = 0; i < 10; i++) {
                CHECK(strbuf_printf(&status, "Package: p%d\nStatus: install ok installed\nArchitecture: amd64\n"
                                    "Version: 1\n\n", i) >= 0);
                snprintf(name, sizeof(name), "var/lib/dpkg/info/p%d.list", i);
                test_write_file(test_path(root, name), "/usr/bin/p\n");
                CHECK(truncate(test_path(root, name), (off_t) 63 << 20) == 0);
        }
        test_write_file(test_path(root, "var/lib/dpkg/status"), status.s);
        strbuf_done(&status);
        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        CHECK(inv && inv->n_pkgs == 10);
        CHECK_MSG(inv && inv->n_warnings == 1 && strstr(inv->warnings[0], "/var/lib/dpkg/info: its .list files hold "
                                                        "more than 536870912 bytes in all"),
                  "%zu warnings", inv ? inv->n_warnings : 0);
}

/* The inventory of the folder root, which the caller filled. */
static struct inventory *collect(const char *root) {
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct inventory *inv = NULL;
        struct error err = {};

        CHECK(rootfs_open(root, 0, &r, &err) == 0);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        return inv;
}

/* A dpkg database in an image whose os-release says Alpine: its packages
 * are none of Alpine's, so they get no ecosystem (not checked, said),
 * never Alpine's records and version order. */
static void test_foreign_os(void) {
        const char *root = test_path(test_tmpdir(), "foreign");
        _cleanup_(inventory_freep) struct inventory *inv = NULL;

        test_write_file(test_path(root, "etc/os-release"), "ID=alpine\nVERSION_ID=3.18.4\n");
        test_write_file(test_path(root, "var/lib/dpkg/status"),
                        "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13\n");
        inv = collect(root);
        if (!inv)
                return;
        CHECK_STREQ(inv->os.ecosystem, "Alpine:v3.18");
        CHECK(inv->n_pkgs == 1 && !inv->pkgs[0].ecosystem);
        CHECK(inv->n_pkgs == 1 && startswith(strempty(inv->pkgs[0].purl), "pkg:deb/"));
        CHECK(inv->n_warnings == 1 &&
              strstr(inv->warnings[0], "1 packages not checked: their package database is another distribution's "
                     "than Alpine:v3.18, which etc/os-release (ID=alpine, VERSION_ID=3.18.4) names") != NULL);
}

static void test_empty_rootfs(void) {
        const char *root = test_path(test_tmpdir(), "scratch");
        _cleanup_(inventory_freep) struct inventory *inv = NULL;

        test_write_file(test_path(root, "app"), "");
        inv = collect(root);
        CHECK(inv && inv->n_pkgs == 0 && !inv->os.id && !inv->os.ecosystem && inv->n_warnings == 0);
}

/* The owned-path set's hash as it was without a seed (the key an image
 * author could build paths against offline). */
static uint64_t unseeded_mix(uint64_t h) {
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebULL;
        return h ^ (h >> 31);
}

static uint64_t unseeded_hash(const char *s, size_t n) {
        uint64_t h = 0x9e3779b97f4a7c15ULL, w;
        size_t len = n;

        for (; n >= 8; s += 8, n -= 8) {
                memcpy(&w, s, 8);
                h = unseeded_mix(h ^ w);
        }
        w = 0;
        memcpy(&w, s, n);
        h = unseeded_mix(unseeded_mix(h ^ w) ^ len);
        return h ? h : 1;
}

/* 3,000 paths whose unseeded hashes share their low 13 bits (one slot of
 * the set's table of 8,192, which holds up to 4,096): unseeded, each
 * insert probed past all the others, about n^2/2 = 4.5 million slots;
 * seeded (AT_RANDOM), a few per insert. */
static void test_owned_collisions(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        const size_t n = 3000;
        size_t found = 0;
        char p[64];

        for (uint64_t k = 0; inv && found < n; k++) {
                int len = snprintf(p, sizeof(p), "/usr/share/doc/x%llx", (unsigned long long) k);

                if ((unseeded_hash(p, (size_t) len) & 0x1fff) != 0)
                        continue;
                CHECK(inventory_own(inv, p, (size_t) len) == 1);
                found++;
        }
        CHECK(inventory_owned_count(inv) == n);
        CHECK(inventory_owned(inv, p));
        CHECK_MSG(inventory_owned_probes(inv) < 10 * n, "%llu probes for %zu colliding paths",
                  (unsigned long long) inventory_owned_probes(inv), n);
}

/* The owned set's lookup in two steps (the walk's: a folder's prefix
 * hashed once) finds what the one-step lookup finds, wherever it splits. */
static void test_owned_from(void) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        static const char *const paths[] = { "/a", "/usr/bin/bash", "/usr/share/doc/libc6/changelog.Debian.gz",
                                             "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/etc/" };

        for (size_t i = 0; inv && i < ELEMENTSOF(paths); i++)
                CHECK(inventory_own(inv, paths[i], strlen(paths[i])) == 1);
        for (size_t i = 0; inv && i < ELEMENTSOF(paths); i++) {
                const char *p = paths[i];
                size_t n = strlen(p);
                char other[64];

                snprintf(other, sizeof(other), "%sx", p);
                for (size_t at = 0; at <= n; at++) {
                        struct owned_prefix from;

                        inventory_owned_prefix(inv, p, at, &from);
                        CHECK_MSG(inventory_owned_from(inv, &from, p, n), "%s split at %zu", p, at);
                        CHECK_MSG(!inventory_owned_from(inv, &from, other, n + 1), "%s split at %zu", other, at);
                }
        }
}

int main(void) {
        test_owned_collisions();
        test_owned_from();
        test_rows();
        test_caps();
        test_purl();
        test_rootfs(0);
        test_rootfs(ROOTFS_FORCE_WALK);
        test_empty_rootfs();
        test_status_d_total();
        test_lists_total();
        test_foreign_os();
        test_trivy();
        test_syft();
        test_scalibr();
        test_claircore();
        fprintf(stderr, "expected packages: %u listed, %u checked field by field, %u deliberate differences\n",
                expected_total, expected_checked, expected_deliberate);
        CHECK(expected_checked + expected_deliberate == expected_total);
        return test_end();
}
