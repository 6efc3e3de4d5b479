/* SPDX-License-Identifier: Apache-2.0 */
/* RubyGems specifications, Composer's installed.json and .NET deps.json:
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

int main(void) {
        test_gemspec();
        test_composer();
        test_composer_dev();
        test_dotnet();
        test_deep_json();
        test_walk();
        return test_end();
}
