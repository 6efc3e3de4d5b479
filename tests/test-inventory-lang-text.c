/* SPDX-License-Identifier: Apache-2.0 */
/* RubyGems specifications, Composer's installed.json, .NET deps.json and
 * Bitnami's .spdx-<component>.spdx:
 * the parsers row by row (the forms RubyGems, Composer 1 and 2 and the .NET
 * SDK write, and what is refused: Ruby that would need evaluating, bad
 * names, odd bytes, deep JSON nesting, duplicate keys), and the walk over a
 * rootfs: only installed specifications and a vendor-dir's composer/ are read, caps
 * on size give a warning naming the file, a FIFO never blocks. */
#include <sys/stat.h>
#include <unistd.h>

#include "base/strutil.h"
#include "inventory.h"
#include "rootfs.h"
#include "test.h"

struct row {
        const char *in;
        const char *name, *version, *purl;      /* NULL: refused with one warning */
};

static const struct package *find(const struct inventory *inv, const char *name, const char *version) {
        for (size_t i = 0; i < inv->n_pkgs; i++)
                if (streq_ptr(inv->pkgs[i].name, name) && streq_ptr(inv->pkgs[i].version, version))
                        return &inv->pkgs[i];
        return NULL;
}

static void check_rows(const char *what, const struct row *rows, size_t n, const char *ecosystem,
                       int (*parse)(const char *, size_t, const char *, struct inventory *)) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                const struct package *p;

                CHECK(parse(rows[i].in, strlen(rows[i].in), "/f", inv) == 0);
                if (!rows[i].name) {
                        CHECK_MSG(inv->n_pkgs == 0 && inv->n_warnings == 1, "%s row %zu: %zu packages, %zu warnings",
                                  what, i, inv->n_pkgs, inv->n_warnings);
                        continue;
                }
                p = find(inv, rows[i].name, rows[i].version);
                CHECK_MSG(p && inv->n_pkgs == 1, "%s row %zu: %zu packages, %s", what, i, inv->n_pkgs,
                          inv->n_warnings ? inv->warnings[0] : "no warning");
                if (!p)
                        continue;
                CHECK_STREQ(p->purl, rows[i].purl);
                CHECK_STREQ(p->ecosystem, ecosystem);
                CHECK_STREQ(p->origin_file, "/f");
        }
}

#define SPEC "Gem::Specification.new do |s|\n"

static void test_gemspec(void) {
        static const struct row rows[] = {
                /* as RubyGems 3 writes an installed spec (to_ruby) */
                { "# -*- encoding: utf-8 -*-\n# stub: rake 13.0.6 ruby lib\n\n" SPEC "  s.name = \"rake\".freeze\n"
                  "  s.version = \"13.0.6\"\n\n  s.required_rubygems_version = Gem::Requirement.new(\">= 0\".freeze) "
                  "if s.respond_to? :required_rubygems_version=\n  s.authors = [\"Jim\".freeze]\nend\n",
                  "rake", "13.0.6", "pkg:gem/rake@13.0.6" },
                /* a platform gem, CRLF lines */
                { "# stub: nokogiri 1.15.4 x86_64-linux lib\r\n" SPEC "  s.name = \"nokogiri\".freeze\r\n"
                  "  s.version = \"1.15.4\"\r\n  s.platform = \"x86_64-linux\".freeze\r\nend\r\n",
                  "nokogiri", "1.15.4", "pkg:gem/nokogiri@1.15.4" },
                /* RubyGems 1.x: %q{} */
                { SPEC "  s.name = %q{rack}\n  s.version = \"1.1.0\"\nend\n", "rack", "1.1.0", "pkg:gem/rack@1.1.0" },
                /* another block variable, single quotes, a pre-release */
                { "Gem::Specification.new do |spec|\n  spec.name    = 'my_gem-x'\n  spec.version = '2.0.0.pre.1'\nend\n",
                  "my_gem-x", "2.0.0.pre.1", "pkg:gem/my_gem-x@2.0.0.pre.1" },
                /* s.names, s.version_x: other attributes */
                { SPEC "  s.names = [\"x\"]\n  s.name = \"foo\"\n  s.version_x = 3\n  s.version = \"1\"\nend\n", "foo",
                  "1", "pkg:gem/foo@1" },
                /* what would need evaluating: refused, never guessed */
                { SPEC "  s.name = \"foo\"\n  s.version = Foo::VERSION\nend\n" },
                { SPEC "  s.name = \"foo#{x}\"\n  s.version = \"1\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.version = \"1\" if ENV[\"X\"]\nend\n" },
                { SPEC "  s.name = \"fo\\x6f\"\n  s.version = \"1\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.version = \"1\"\n  s.version = \"2\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.name += \"bar\"\n  s.version = \"1\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.version = \"1\"\n  s.version.replace \"2\"\nend\n" },
                { SPEC "  s.name = \"foo\"\nend\n" },
                { "# stub: foo 9.9 ruby lib\n" SPEC "  s.name = \"foo\"\n  s.version = \"1.0\"\nend\n" },
                { "s.name = \"foo\"\ns.version = \"1\"\n" },
                { "" },
                /* odd bytes */
                { SPEC "  s.name = \"fo\x1bo\"\n  s.version = \"1\"\nend\n" },
                { SPEC "  s.name = \"fo/o\"\n  s.version = \"1\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.version = \"1 2\"\nend\n" },
                { SPEC "  s.name = \"foo\"\n  s.version = \"1\xc3\xa9\"\nend\n" },
                { SPEC "  s.name = \"foo\n  s.version = \"1\"\nend\n" },
        };

        check_rows("gemspec", rows, ELEMENTSOF(rows), "RubyGems", gemspec_parse);
}

static void test_composer(void) {
        static const struct row rows[] = {
                /* Composer 2 */
                { "{\"packages\": [{\"name\": \"symfony/http-kernel\", \"version\": \"v5.4.20\", "
                  "\"version_normalized\": \"5.4.20.0\", \"type\": \"library\"}], \"dev\": true, "
                  "\"dev-package-names\": []}",
                  "symfony/http-kernel", "v5.4.20", "pkg:composer/symfony/http-kernel@v5.4.20" },
                /* Composer 1 */
                { "[{\"name\": \"guzzlehttp/psr7\", \"version\": \"1.8.3\"}]", "guzzlehttp/psr7", "1.8.3",
                  "pkg:composer/guzzlehttp/psr7@1.8.3" },
                { "[{\"name\": \"Monolog/Monolog\", \"version\": \"dev-main\"}]", "Monolog/Monolog", "dev-main",
                  "pkg:composer/Monolog/Monolog@dev-main" },
                { "[{\"name\": \"nolog\", \"version\": \"1\"}]" },
                { "[{\"name\": \"a/b/c\", \"version\": \"1\"}]" },
                { "[{\"name\": \"a/b\\u0000\", \"version\": \"1\"}]" },
                { "[{\"name\": \"a/b\", \"version\": \"1\\n\"}]" },
                { "[{\"name\": \"a/b\"}]" },
                { "[1]" },
                { "{\"packages\": {}}" },
                { "\"x\"" },
                { "{\"packages\": [], \"packages\": [{\"name\": \"a/b\", \"version\": \"1\"}]}" },
        };

        check_rows("composer", rows, ELEMENTSOF(rows), "Packagist", composer_installed_parse);
}

static void test_composer_dev(void) {
        static const char in[] = "{\"packages\": [{\"name\": \"psr/log\", \"version\": \"1.1.4\"}, "
                                 "{\"name\": \"phpunit/phpunit\", \"version\": \"9.6.0\"}], \"dev\": true, "
                                 "\"dev-package-names\": [\"phpunit/phpunit\", 7]}";
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();

        /* the require-dev package is listed, and said */
        CHECK(composer_installed_parse(in, strlen(in), "/v/installed.json", inv) == 0);
        CHECK(inv->n_pkgs == 2 && find(inv, "phpunit/phpunit", "9.6.0"));
        CHECK_MSG(inv->n_warnings == 1 && strstr(inv->warnings[0], "1 of the 2 packages were installed for require-dev"),
                  "%s", inv->n_warnings ? inv->warnings[0] : "no warning");
}

static void test_dotnet(void) {
        static const struct row rows[] = {
                { "{\"runtimeTarget\": {\"name\": \".NETCoreApp,Version=v8.0\"}, \"libraries\": {"
                  "\"MyApp/1.0.0\": {\"type\": \"project\", \"serviceable\": false, \"sha512\": \"\"}, "
                  "\"Newtonsoft.Json/13.0.1\": {\"type\": \"package\", \"serviceable\": true, "
                  "\"path\": \"newtonsoft.json/13.0.1\"}, "
                  "\"System.Runtime/4.3.0.0\": {\"type\": \"reference\"}, "
                  "\"runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0\": {\"type\": \"runtimepack\"}}}",
                  "Newtonsoft.Json", "13.0.1", "pkg:nuget/Newtonsoft.Json@13.0.1" },
                { "{\"libraries\": {\"A/1.0.0-beta.1+sha.5\": {\"type\": \"package\"}}}", "A", "1.0.0-beta.1+sha.5",
                  "pkg:nuget/A@1.0.0-beta.1%2Bsha.5" },
                { "{\"libraries\": {\"A/B/1\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A/\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"/1\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A\\u001b[2J/1\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A/1 2\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A/1\": {}}}" },
                { "{\"libraries\": [\"A/1\"]}" },
                { "{\"targets\": {}}" },
                { "{\"libraries\": {\"A/1\": {\"type\": \"package\"}, \"A/1\": {\"type\": \"package\"}}}" },
                { "{\"libraries\": {\"A/1\": {\"type\": \"package\"}}" },
        };

        check_rows("deps.json", rows, ELEMENTSOF(rows), "NuGet", dotnet_deps_parse);
}

#define SPDX_DOC(pkgs) "{\"spdxVersion\": \"SPDX-2.3\", \"SPDXID\": \"SPDXRef-DOCUMENT\", \"packages\": [" pkgs "]}"
#define SPDX_PURL(p) "{\"referenceCategory\": \"PACKAGE-MANAGER\", \"referenceType\": \"purl\", " \
                     "\"referenceLocator\": \"" p "\"}"
#define SPDX_PKG(p) "{\"name\": \"x\", \"versionInfo\": \"1\", \"SPDXID\": \"SPDXRef-x\", \"externalRefs\": [" p "]}"

/* Bitnami's .spdx-<component>.spdx (inventory-bitnami.c): the pkg:bitnami
 * purls, the version the purl's, its qualifiers kept; what names a package
 * but can't be read is one warning (and a note), never passed over. */
static void test_bitnami(void) {
        static const struct row rows[] = {
                { SPDX_DOC(SPDX_PKG("{\"referenceCategory\": \"SECURITY\", \"referenceType\": \"cpe23Type\", "
                                    "\"referenceLocator\": \"cpe:2.3:*:postgresql:postgresql:17.2.0:*:*:*:*:*:*:*\"}, "
                                    SPDX_PURL("pkg:bitnami/postgresql@17.2.0-8?arch=arm64&distro=debian-12"))),
                  "postgresql", "17.2.0-8", "pkg:bitnami/postgresql@17.2.0-8?arch=arm64&distro=debian-12" },
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/postgresql@15.3.0"))), "postgresql", "15.3.0",
                  "pkg:bitnami/postgresql@15.3.0" },
                /* SPDX 2.2 spells the category PACKAGE_MANAGER: the type says it */
                { "{\"spdxVersion\": \"SPDX-2.2\", \"packages\": [{\"externalRefs\": [{\"referenceCategory\": "
                  "\"PACKAGE_MANAGER\", \"referenceType\": \"purl\", \"referenceLocator\": \"pkg:bitnami/redis@7.0.11\"}]}]}",
                  "redis", "7.0.11", "pkg:bitnami/redis@7.0.11" },
                /* the version is the purl's, whatever versionInfo says; an odd one is the match's to refuse */
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/nginx@1.25.0-rc1"))), "nginx", "1.25.0-rc1",
                  "pkg:bitnami/nginx@1.25.0-rc1" },
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/postgresql"))) },           /* no version */
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/x/postgresql@1.0.0"))) },   /* a namespace */
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("bitnami/postgresql@1.0.0"))) },         /* not a purl */
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/a%20b@1.0.0"))) },          /* a blank in the name */
                { SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/a@1.0.0?arch=%1b[2J"))) },  /* a control byte */
                { SPDX_DOC(SPDX_PKG("{\"referenceType\": \"purl\", \"referenceLocator\": 7}")) },
                { SPDX_DOC(SPDX_PKG("")) },                                            /* no purl at all */
                { SPDX_DOC("{\"name\": \"x\"}") },
                { SPDX_DOC("7") },
                { SPDX_DOC("{\"externalRefs\": {}}") },
                { "{\"spdxVersion\": \"SPDX-3.0\", \"packages\": []}" },
                { "{\"packages\": []}" },
                { "{\"spdxVersion\": \"SPDX-2.3\"}" },
                { "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [], \"packages\": []}" },
                { "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [" },
                { "" },
        };
        static const char both[] = SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/postgresql@15.3.0")) ", "
                                            SPDX_PKG(SPDX_PURL("pkg:bitnami/geos@3.8.3")) ", "
                                            SPDX_PKG(SPDX_PURL("pkg:maven/org.postgresql/pljava@1.6.10")) ", "
                                            SPDX_PKG(SPDX_PURL("pkg:generic/other@1")));
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();

        check_rows(".spdx", rows, ELEMENTSOF(rows), "Bitnami", bitnami_spdx_parse);
        /* the bundled ones too; the jar left to the Java reader, said once */
        CHECK(bitnami_spdx_parse(both, strlen(both), "/f", inv) == 0);
        CHECK(inv->n_pkgs == 2 && find(inv, "postgresql", "15.3.0") && find(inv, "geos", "3.8.3"));
        CHECK(!inv->skipped);
        CHECK_MSG(inv->n_warnings == 1 && strstr(inv->warnings[0], "2 packages of other purl types "
                                                                   "(pkg:maven/org.postgresql/pljava@1.6.10, ...) are left to"),
                  "%s", inv->n_warnings ? inv->warnings[0] : "no warning");
}

/* JSON nested deeper than jansson parses (JSON_PARSER_MAX_DEPTH): a
 * warning, no stack exhaustion. */
static void test_deep_json(void) {
        size_t depth = 100000, len = 0;
        _cleanup_free_ char *buf = malloc(2 * depth + 64);
        _cleanup_(inventory_freep) struct inventory *a = inventory_new();
        _cleanup_(inventory_freep) struct inventory *b = inventory_new();

        CHECK(buf);
        if (!buf)
                return;
        len += (size_t) sprintf(buf, "{\"libraries\": ");
        for (size_t i = 0; i < depth; i++)
                buf[len++] = '[';
        for (size_t i = 0; i < depth; i++)
                buf[len++] = ']';
        buf[len++] = '}';
        CHECK(dotnet_deps_parse(buf, len, "/d.deps.json", a) == 0 && a->n_pkgs == 0 && a->n_warnings == 1);
        CHECK(composer_installed_parse(buf + 14, len - 15, "/installed.json", b) == 0 && b->n_pkgs == 0 &&
              b->n_warnings == 1);
}

static void test_walk(void) {
        const char *root = test_path(test_tmpdir(), "rootfs");
        static const struct {
                const char *name, *version, *origin;
        } want[] = {
                { "rake", "13.0.6", "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec" },
                { "json", "2.6.1", "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec" },
                { "rack", "2.2.4", "/srv/app/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.4.gemspec" },
                { "foo", "0.2.0", "/srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/foo-0123abcd/foo.gemspec" },
                { "foo-sub", "0.3.0", "/srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/foo-0123abcd/sub/foo-sub.gemspec" },
                { "big", "1.0", "/usr/local/lib/ruby/gems/3.1.0/specifications/big-1.0.gemspec" },
                { "psr/log", "1.1.4", "/var/www/vendor/composer/installed.json" },
                { "guzzlehttp/guzzle", "7.4.0", "/var/www/wp/lib/composer/installed.json" },
                { "Newtonsoft.Json", "13.0.1", "/app/MyApp.deps.json" },
        };
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        size_t n = 0;

#define GEM(path, name, version)                                                                          \
        test_write_file(test_path(root, path), "# stub: " name " " version " ruby lib\n" SPEC "  s.name = \"" name \
                        "\".freeze\n  s.version = \"" version "\"\nend\n")
        GEM("usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec", "rake", "13.0.6");
        GEM("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec", "json", "2.6.1");
        GEM("srv/app/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.4.gemspec", "rack", "2.2.4");
        /* a Bundler git checkout's, at its top and one folder below, as
         * Bundler loads them (tests/gem-bundler-git.sh: a real one) */
        GEM("srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/foo-0123abcd/foo.gemspec", "foo", "0.2.0");
        GEM("srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/foo-0123abcd/sub/foo-sub.gemspec", "foo-sub", "0.3.0");
        /* deeper in it, in bundler/gems itself, in a folder only ending so, and a project's own gemspec: none */
        GEM("srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/foo-0123abcd/a/b/deep.gemspec", "deep", "1");
        GEM("srv/app/vendor/bundle/ruby/3.1.0/bundler/gems/loose.gemspec", "loose", "1");
        GEM("srv/app/notbundler/gems/x-1/x.gemspec", "x", "1");
        GEM("srv/app/myapp.gemspec", "myapp", "0.1.0");
        GEM("srv/app/specifications.bak/default/bar-1.gemspec", "bar", "1");
        /* 1 GB (sparse) gemspec: only its head is read */
        GEM("usr/local/lib/ruby/gems/3.1.0/specifications/big-1.0.gemspec", "big", "1.0");
        CHECK(truncate(test_path(root, "usr/local/lib/ruby/gems/3.1.0/specifications/big-1.0.gemspec"), 1L << 30) == 0);
        test_write_file(test_path(root, "var/www/vendor/composer/installed.json"),
                        "{\"packages\": [{\"name\": \"psr/log\", \"version\": \"1.1.4\"}]}");
        /* a project's "vendor-dir": "lib": lib/composer/installed.json */
        test_write_file(test_path(root, "var/www/wp/lib/composer/installed.json"),
                        "{\"packages\": [{\"name\": \"guzzlehttp/guzzle\", \"version\": \"7.4.0\"}]}");
        /* installed.json elsewhere is not Composer's */
        test_write_file(test_path(root, "var/www/installed.json"), "[{\"name\": \"x/y\", \"version\": \"1\"}]");
        /* 1 GB (sparse) installed.json: over the cap, a warning naming it */
        test_write_file(test_path(root, "opt/big/vendor/composer/installed.json"), "[");
        CHECK(truncate(test_path(root, "opt/big/vendor/composer/installed.json"), 1L << 30) == 0);
        test_write_file(test_path(root, "app/MyApp.deps.json"),
                        "{\"libraries\": {\"MyApp/1.0.0\": {\"type\": \"project\"}, "
                        "\"Newtonsoft.Json/13.0.1\": {\"type\": \"package\"}}}");
        /* a FIFO named like a deps.json: not a file the walk offers, no hang */
        CHECK(mkfifo(test_path(root, "app/fifo.deps.json"), 0644) == 0);

        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const struct package *p = find(inv, want[i].name, want[i].version);

                CHECK_MSG(p && streq_ptr(p->origin_file, want[i].origin), "%s %s at %s: %s", want[i].name,
                          want[i].version, want[i].origin, p ? p->origin_file : "missing");
        }
        for (size_t i = 0; i < inv->n_pkgs; i++)
                n += streq_ptr(inv->pkgs[i].ecosystem, "RubyGems") || streq_ptr(inv->pkgs[i].ecosystem, "Packagist") ||
                     streq_ptr(inv->pkgs[i].ecosystem, "NuGet");
        CHECK_MSG(n == ELEMENTSOF(want), "%zu packages", n);
        CHECK_MSG(inv->n_warnings == 1 && strstr(inv->warnings[0], "/opt/big/vendor/composer/installed.json is ") &&
                          strstr(inv->warnings[0], "more than the limit"),
                  "%zu warnings: %s", inv->n_warnings, inv->n_warnings ? inv->warnings[0] : "");
}

static bool noted(char *const *notes, const char *s) {
        for (; notes && *notes; notes++)
                if (strstr(*notes, s))
                        return true;
        return false;
}

/* The walk reads .spdx-*.spdx in a component's folder, opt/bitnami/<c>/,
 * and nowhere else; one past the cap is a note naming it. */
static void test_bitnami_walk(void) {
        const char *root = test_path(test_tmpdir(), "bitnami");
        static const char *const elsewhere[] = {
                "opt/bitnami/.spdx-top.spdx", "opt/bitnami/a/b/.spdx-deep.spdx", "opt/other/c/.spdx-c.spdx",
                "opt/bitnami/d/spdx-d.spdx", "opt/bitnami/e/.spdx-e.json", "bitnami/f/.spdx-f.spdx",
        };
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        const struct package *p;

        test_write_file(test_path(root, "opt/bitnami/postgresql/.spdx-postgresql.spdx"),
                        SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/postgresql@15.3.0"))));
        for (size_t i = 0; i < ELEMENTSOF(elsewhere); i++)
                test_write_file(test_path(root, elsewhere[i]), SPDX_DOC(SPDX_PKG(SPDX_PURL("pkg:bitnami/no@1.0.0"))));
        test_write_file(test_path(root, "opt/bitnami/cut/.spdx-cut.spdx"), "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": [");
        test_write_file(test_path(root, "opt/bitnami/big/.spdx-big.spdx"), "{");
        CHECK(truncate(test_path(root, "opt/bitnami/big/.spdx-big.spdx"), 1L << 30) == 0);

        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        CHECK_MSG(r && inventory_collect(r, NULL, &inv, &err) == 0, "%s", err.msg);
        if (!inv)
                return;
        p = find(inv, "postgresql", "15.3.0");
        CHECK_MSG(inv->n_pkgs == 1 && p && streq_ptr(p->ecosystem, "Bitnami") &&
                          streq_ptr(p->origin_file, "/opt/bitnami/postgresql/.spdx-postgresql.spdx"),
                  "%zu packages", inv->n_pkgs);
        CHECK_MSG(strv_length(inv->skipped) == 2 && noted(inv->skipped, "/opt/bitnami/big/.spdx-big.spdx") &&
                          noted(inv->skipped, "/opt/bitnami/cut/.spdx-cut.spdx: not JSON (line 1"),
                  "%zu notes: %s", strv_length(inv->skipped), inv->skipped && inv->skipped[0] ? inv->skipped[0] : "");
}

int main(void) {
        test_gemspec();
        test_composer();
        test_composer_dev();
        test_dotnet();
        test_bitnami();
        test_deep_json();
        test_walk();
        test_bitnami_walk();
        return test_end();
}
