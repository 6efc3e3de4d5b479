/* SPDX-License-Identifier: Apache-2.0 */
/* Language packages: the METADATA/PKG-INFO and package.json parsers on the
 * real files and expected results in ../shared/data/langpkg (trivy's test
 * data), and the walk over a rootfs: nested and scoped node_modules, a
 * project's own package.json left out, symlinks (a loop, one out of the
 * root) never followed, a FIFO and a 1 GB METADATA read safely, and a tree
 * deeper than the walk's cap reported as skipped; each the same with the
 * walk's lister in a thread of its own and without one, and with the
 * lister far ahead of the walk (its queue full); Yarn Plug'n'Play's cache
 * zips, written here with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "inventory.h"
#include "report.h"
#include "rootfs.h"
#include "test.h"

/* expected.json: {"python": {"cases": [{"inputs": ["testdata/X"], "packages": [{"Name", "Version"}]}]},
 * "npm_packagejson": {...}} */
static void test_expected(const char *key, const char *dir,
                          int (*parse)(const char *, size_t, const char *, struct inventory *)) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0, i;
        json_t *root, *c;

        text = test_read_shared("langpkg/trivy/expected.json", &len);
        root = text ? json_loadb(text, len, 0, NULL) : NULL;
        CHECK(root);
        json_array_foreach(json_object_get(json_object_get(root, key), "cases"), i, c) {
                const char *input = json_string_value(json_array_get(json_object_get(c, "inputs"), 0));
                json_t *want = json_array_get(json_object_get(c, "packages"), 0);
                const char *name = json_string_value(json_object_get(want, "Name"));
                const char *version = json_string_value(json_object_get(want, "Version"));
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                _cleanup_free_ char *buf = NULL, *rel = NULL;
                size_t n = 0;

                if (!input)
                        continue;
                CHECK(asprintf(&rel, "langpkg/trivy/%s/%s", dir, strrchr(input, '/') + 1) > 0);
                buf = test_read_shared(rel, &n);
                if (!buf)
                        continue;
                CHECK(parse(buf, n, rel, inv) == 0);
                if (name && version)
                        /* the package as its own tool reports it */
                        CHECK_MSG(inv->n_pkgs == 1 && test_find_package(inv, name, version), "%s: %zu packages", rel, inv->n_pkgs);
                else if (name)
                        /* no version: not a package we can check, and said so */
                        CHECK_MSG(inv->n_pkgs == 0 && inv->n_warnings == 1, "%s", rel);
                else
                        CHECK_MSG(inv->n_pkgs == 0 && inv->n_warnings == 0, "%s", rel);
        }
        json_decref(root);
}

static void test_parsers(void) {
        static const struct {
                const char *in;
                const char *name, *version, *source_name, *purl;
        } py[] = {
                { "Metadata-Version: 2.1\nName: Foo_Bar.baz\nVersion: 1.0.post1\n\nName: other\n", "Foo_Bar.baz",
                  "1.0.post1", "foo-bar-baz", "pkg:pypi/foo-bar.baz@1.0.post1" },
                { "name: requests\r\nversion:   2.28.1  \r\n", "requests", "2.28.1", "requests", "pkg:pypi/requests@2.28.1" },
                { "Name: a\n\nVersion: 1\n", NULL, NULL, NULL, NULL },          /* Version after the headers */
                { "Name: -a\nVersion: 1\n", NULL, NULL, NULL, NULL },
                { "Name: a\nVersion: 1 2\n", NULL, NULL, NULL, NULL },
                { "Name: a\x1b[2J\nVersion: 1\n", NULL, NULL, NULL, NULL },
        };
        static const struct {
                const char *in;
                const char *name, *version, *purl;
        } npm[] = {
                { "{\"name\": \"@babel/parser\", \"version\": \"7.23.6\"}", "@babel/parser", "7.23.6",
                  "pkg:npm/%40babel/parser@7.23.6" },
                { "{\"name\": \"minimist\", \"version\": \"1.2.0\"}", "minimist", "1.2.0", "pkg:npm/minimist@1.2.0" },
                { "{\"name\": \"../x\", \"version\": \"1\"}", NULL, NULL, NULL },
                { "{\"name\": \"@scope\", \"version\": \"1\"}", NULL, NULL, NULL },
                { "{\"name\": \"a\", \"version\": \"1\\n\"}", NULL, NULL, NULL },
                { "[1]", NULL, NULL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(py); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();

                CHECK(python_metadata_parse(py[i].in, strlen(py[i].in), "/m/METADATA", inv) == 0);
                if (!py[i].name) {
                        CHECK_MSG(inv->n_pkgs == 0 && inv->n_warnings == 1, "python row %zu", i);
                        continue;
                }
                CHECK_MSG(inv->n_pkgs == 1, "python row %zu", i);
                if (inv->n_pkgs != 1)
                        continue;
                CHECK_STREQ(inv->pkgs[0].name, py[i].name);
                CHECK_STREQ(inv->pkgs[0].version, py[i].version);
                CHECK_STREQ(inv->pkgs[0].source_name, py[i].source_name);      /* PEP 503, as records are kept */
                CHECK_STREQ(inv->pkgs[0].purl, py[i].purl);
                CHECK_STREQ(inv->pkgs[0].ecosystem, "PyPI");
                CHECK_STREQ(inv->pkgs[0].origin_file, "/m/METADATA");
        }
        for (size_t i = 0; i < ELEMENTSOF(npm); i++) {
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();

                CHECK(npm_package_json_parse(npm[i].in, strlen(npm[i].in), "/p.json", inv) == 0);
                if (!npm[i].name) {
                        CHECK_MSG(inv->n_pkgs == 0 && inv->n_warnings == 1, "npm row %zu", i);
                        continue;
                }
                CHECK_MSG(inv->n_pkgs == 1, "npm row %zu", i);
                if (inv->n_pkgs != 1)
                        continue;
                CHECK_STREQ(inv->pkgs[0].name, npm[i].name);
                CHECK_STREQ(inv->pkgs[0].version, npm[i].version);
                CHECK_STREQ(inv->pkgs[0].purl, npm[i].purl);
                CHECK_STREQ(inv->pkgs[0].ecosystem, "npm");
        }
}

static void copy(const char *rel, const char *dest) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        buf = test_read_shared(rel, &len);
        if (buf)
                test_write_file(dest, buf);
}

/* The inventory, its warnings and notes as one text, to compare. */
static char *inventory_text(const struct inventory *inv) {
        _cleanup_free_ char *json = NULL;
        struct strbuf b = {};
        struct error err = {};

        CHECK(report_inventory_json(inv, &json, &err) == 0);
        CHECK(strbuf_puts(&b, strempty(json)) >= 0);
        for (char **w = inv->warnings; w && *w; w++)
                CHECK(strbuf_puts(&b, "\nwarning: ") >= 0 && strbuf_puts(&b, *w) >= 0);
        CHECK(strbuf_printf(&b, "\n%zu warnings, %zu owned left", inv->n_warnings, inv->owned_left) >= 0);
        return strbuf_steal(&b);
}

/* inventory_collect() with a lister thread and without: the same. */
/* Packages of the tree in the walk's both halves (usr/lib, usr/share, app,
 * opt): found beside a folder the walk did not go into. */
static bool beside_found(const struct inventory *inv) {
        return test_find_package(inv, "left-pad", "1.3.0") && test_find_package(inv, "right-pad", "2.0.0") &&
               test_find_package(inv, "lodash", "4.17.20") && test_find_package(inv, "Django", "4.2.1");
}

/* Whether a string of v holds s. */
static bool strv_contains_substr(char *const *v, const char *s) {
        for (; v && *v; v++)
                if (strstr(*v, s))
                        return true;
        return false;
}

/* Whether a note in inv->skipped holds a (and b, unless NULL). */
static bool has_note(const struct inventory *inv, const char *a, const char *b) {
        for (char **s = inv->skipped; s && *s; s++)
                if (strstr(*s, a) && (!b || strstr(*s, b)))
                        return true;
        return false;
}

static struct inventory *collect_both(struct rootfs *r, const char *what) {
        _cleanup_(inventory_freep) struct inventory *inv = NULL, *threaded = NULL;
        _cleanup_(inventory_lister_freep) struct inventory_lister *l = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        struct error err = {};

        CHECK_MSG(inventory_collect(r, NULL, &inv, &err) == 0, "%s: %s", what, err.msg);
        CHECK(inventory_lister_new(true, &l) == 0);
        CHECK_MSG(inventory_collect(r, l, &threaded, &err) == 0, "%s, threaded: %s", what, err.msg);
        if (!inv || !threaded)
                return NULL;
        a = inventory_text(inv);
        b = inventory_text(threaded);
        CHECK_MSG(streq_ptr(a, b), "%s: without a thread:\n%s\nwith one:\n%s", what, a, b);
        return TAKE_PTR(inv);
}

/* n empty files in folder dir, named prefix and their number in 4 digits. */
static void make_files(const char *dir, const char *prefix, int n) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char name[64];

        CHECK(dfd >= 0);
        for (int i = 0; dfd >= 0 && i < n; i++) {
                snprintf(name, sizeof(name), "%s%04d", prefix, i);
                int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                CHECK(fd >= 0);
                close(fd);
        }
        if (dfd >= 0)
                close(dfd);
}

/* 64 folders, half of them in usr/share (the second lister's), each with
 * an npm package and files empty files. */
static void make_tree_of_64(const char *root, int files) {
        char name[64];

        for (int i = 0; i < 64; i++) {
                snprintf(name, sizeof(name), "%sd%02d/node_modules/p%d/package.json", i % 2 ? "usr/share/" : "", i,
                         i);
                test_write_file(test_path(root, name), "{\"name\": \"p\", \"version\": \"1.0.0\"}");
                snprintf(name, sizeof(name), "%sd%02d", i % 2 ? "usr/share/" : "", i);
                make_files(test_path(root, name), "a-file-with-a-longish-name-", files);
        }
}

/* A lister far ahead: its queue full before the walk takes anything. */
static void test_lister_ahead(void) {
        const char *root = test_path(test_tmpdir(), "wide");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL, *ahead = NULL;
        _cleanup_(inventory_lister_freep) struct inventory_lister *l = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        struct error err = {};

        /* 800 files in each folder: about 3 MiB of the listers' events */
        make_tree_of_64(root, 800);
        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        if (!r)
                return;
        inv = collect_both(r, "a wide tree");
        CHECK(inventory_lister_new(true, &l) == 0 && (ahead = inventory_new()));
        if (!l || !ahead)
                return;
        CHECK(inventory_lister_go(l, rootfs_openat(r, "/", O_RDONLY | O_DIRECTORY, NULL)) == 0);
        usleep(300 * 1000);
        CHECK_MSG(inventory_walk(r, ahead, (const struct inventory_reader *const[]) { &inventory_reader_npm, NULL },
                                 l, &err) == 0, "%s", err.msg);
        CHECK(inv && (a = inventory_text(inv)) && (b = inventory_text(ahead)));
        CHECK_MSG(streq_ptr(a, b), "lister ahead:\n%s\nwalk as it went:\n%s", b, a);
        CHECK_MSG(inv && inv->n_pkgs == 64, "%zu packages", inv ? inv->n_pkgs : 0);
}

struct job_probe {
        int runs;
        unsigned sleep_ms;
};

static int probe_job(void *userdata) {
        struct job_probe *p = userdata;

        __atomic_add_fetch(&p->runs, 1, __ATOMIC_SEQ_CST);
        if (p->sleep_ms)
                usleep(p->sleep_ms * 1000);
        return 42;
}

/* The lister's job (inventory_lister_run()): run once, whoever takes it
 * (the lister's thread once done, the walk while it waits, the wait
 * itself), its result returned, the walk's result unchanged; none without
 * a thread. */
static void test_lister_job(void) {
        const char *root = test_path(test_tmpdir(), "small");
        static const struct inventory_reader *const npm[] = { &inventory_reader_npm, NULL };
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        struct error err = {};

        make_tree_of_64(root, 0);       /* listed well within the listers' queue: done before the walk */
        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        for (int c = 0; r && c < 4; c++) {
                _cleanup_(inventory_lister_freep) struct inventory_lister *l = NULL;
                _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
                struct job_probe p = { .sleep_ms = c == 2 ? 200 : 0 };

                CHECK(inventory_lister_new(c < 3, &l) == 0 && inv);
                if (!l || !inv)
                        return;
                if (c == 3) {           /* no thread: the caller's to run */
                        CHECK(!inventory_lister_run(l, probe_job, &p) && p.runs == 0);
                        continue;
                }
                if (c == 0)             /* before the listing: the walk or the lister takes it */
                        CHECK(inventory_lister_run(l, probe_job, &p));
                CHECK(inventory_lister_go(l, rootfs_openat(r, "/", O_RDONLY | O_DIRECTORY, NULL)) == 0);
                if (c > 0) {            /* once the listing is done (mostly: the lister's thread takes it) */
                        usleep(300 * 1000);
                        CHECK(inventory_lister_run(l, probe_job, &p));
                        CHECK(!inventory_lister_run(l, probe_job, &p));         /* one job */
                }
                CHECK_MSG(inventory_walk(r, inv, npm, l, &err) == 0, "%s", err.msg);
                CHECK_MSG(inventory_lister_job_wait(l) == 42, "case %d", c);
                CHECK_MSG(p.runs == 1, "case %d: the job ran %d times", c, p.runs);
                CHECK_MSG(inv->n_pkgs == 64, "case %d: %zu packages", c, inv->n_pkgs);
        }
        /* a lister freed with its job not yet taken runs it first */
        if (r) {
                struct inventory_lister *l = NULL;
                struct job_probe p = {};

                CHECK(inventory_lister_new(true, &l) == 0);
                CHECK(inventory_lister_run(l, probe_job, &p));
                inventory_lister_free(l);
                CHECK_MSG(p.runs == 1, "freed: the job ran %d times", p.runs);
        }
}

struct want {
        const char *name, *version, *origin;
};

/* Each package of want is in inv, read from its origin. */
static void check_found(const struct inventory *inv, const struct want *want, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const struct package *p = test_find_package(inv, want[i].name, want[i].version);

                CHECK_MSG(p && streq_ptr(p->origin_file, want[i].origin), "%s %s at %s: %s", want[i].name,
                          want[i].version, want[i].origin, p ? p->origin_file : "missing");
        }
}

static void test_walk(void) {
        const char *root = test_path(test_tmpdir(), "rootfs");
        const char *npm = "langpkg/trivy/npm/npm-analyzer-happy/node_modules";
        static const char *const npm_files[] = {
                "@babel/parser", "body-parser/node_modules/debug", "body-parser/node_modules/ms", "body-parser",
                "express/node_modules/debug", "express/node_modules/ms", "express", "ms",
        };
        static const struct want want[] = {
                { "@babel/parser", "7.23.6", "/app/node_modules/@babel/parser/package.json" },
                { "debug", "2.6.9", "/app/node_modules/body-parser/node_modules/debug/package.json" },
                { "ms", "2.0.0", "/app/node_modules/body-parser/node_modules/ms/package.json" },
                { "body-parser", "1.18.3", "/app/node_modules/body-parser/package.json" },
                { "express", "4.16.4", "/app/node_modules/express/package.json" },
                { "ms", "2.1.1", "/app/node_modules/ms/package.json" },
                { "left-pad", "1.3.0", "/usr/lib/node_modules/left-pad/package.json" },
                { "right-pad", "2.0.0", "/usr/share/app/node_modules/right-pad/package.json" },
                { "asyncssh", "2.14.2", "/usr/lib/python3/dist-packages/asyncssh-2.14.2.dist-info/METADATA" },
                { "setuptools", "51.3.3", "/usr/local/lib/python3.11/site-packages/setuptools-51.3.3-py3.8.egg-info" },
                { "distlib", "0.3.1", "/opt/venv/lib/python3.11/site-packages/distlib-0.3.1-py3.9.egg-info/PKG-INFO" },
                { "big", "1.0", "/app/site-packages/big-1.0.dist-info/METADATA" },
                /* as importlib.metadata finds them: the suffix in any case,
                 * METADATA or PKG-INFO in either kind of folder */
                { "Upper", "2.0", "/app/site-packages/Upper-2.0.DIST-INFO/METADATA" },
                { "pkginfo", "3.0", "/app/site-packages/pkginfo-3.0.dist-info/PKG-INFO" },
                { "meta", "4.0", "/app/site-packages/meta-4.0.egg-info/METADATA" },
                /* through symlinks a package manager made, by the link's path */
                { "lodash", "4.17.20", "/app/node_modules/lodash/package.json" },
                { "@corp/tool", "2.0.0", "/app/node_modules/@corp/tool/package.json" },
                { "linked-json", "3.0.0", "/app/node_modules/linked-json/package.json" },
                { "Django", "4.2.1", "/opt/venv/lib/python3.11/site-packages/Django-4.2.1-py3.11.egg/EGG-INFO/PKG-INFO" },
                /* node_modules itself, and an @scope folder, symlinked; a
                 * target whose text names node_modules but that is not in one */
                { "linked-dir", "4.0.0", "/app2/node_modules/linked-dir/package.json" },
                { "@myorg/inner", "5.0.0", "/app/node_modules/@myorg/inner/package.json" },
                { "p2", "6.0.0", "/app/node_modules/pkg-dotdot/package.json" },
                /* a pnpm link into its store: read once, where it is */
                { "chalk", "5.0.0", "/app/node_modules/.pnpm/chalk@5.0.0/node_modules/chalk/package.json" },
                /* links into a node_modules folder where the walk reads no
                 * package, but Node loads one: read through the link */
                { "hid-json", "1.0.0", "/app/node_modules/hid-json/package.json" },
                { "hid-dir", "2.0.0", "/app/node_modules/hid-dir/package.json" },
        };
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};
        char deep[INVENTORY_WALK_DEPTH_MAX * 3 + 32] = "deep";
        size_t n_lang = 0;

        for (size_t i = 0; i < ELEMENTSOF(npm_files); i++)
                copy(test_path(test_path(npm, npm_files[i]), "package.json"),
                     test_path(test_path(test_path(root, "app/node_modules"), npm_files[i]), "package.json"));
        test_write_file(test_path(root, "app/package.json"), "{\"name\": \"my-app\", \"version\": \"0.0.1\"}");
        test_write_file(test_path(root, "usr/lib/node_modules/left-pad/package.json"),
                        "{\"name\": \"left-pad\", \"version\": \"1.3.0\"}");
        /* listed by the second lister thread: usr/share */
        test_write_file(test_path(root, "usr/share/app/node_modules/right-pad/package.json"),
                        "{\"name\": \"right-pad\", \"version\": \"2.0.0\"}");
        copy("langpkg/trivy/python/asyncssh-2.14.2.METADATA",
             test_path(root, "usr/lib/python3/dist-packages/asyncssh-2.14.2.dist-info/METADATA"));
        copy("langpkg/trivy/python/setuptools-51.3.3-py3.8.egg-info.PKG-INFO",
             test_path(root, "usr/local/lib/python3.11/site-packages/setuptools-51.3.3-py3.8.egg-info"));
        copy("langpkg/trivy/python/distlib-0.3.1-py3.9.egg-info",
             test_path(root, "opt/venv/lib/python3.11/site-packages/distlib-0.3.1-py3.9.egg-info/PKG-INFO"));
        test_write_file(test_path(root, "opt/venv/lib/python3.11/site-packages/zipped-1.0-py3.11.egg"), "PK\3\4");
        test_write_file(test_path(root, "opt/venv/lib/python3.11/site-packages/Django-4.2.1-py3.11.egg/EGG-INFO/PKG-INFO"),
                        "Metadata-Version: 2.1\nName: Django\nVersion: 4.2.1\n");
        /* `npm install ./vendor/lodash`, a workspace, a linked package.json,
         * pnpm's layout */
        test_write_file(test_path(root, "app/vendor/lodash/package.json"),
                        "{\"name\": \"lodash\", \"version\": \"4.17.20\"}");
        CHECK(symlink("../vendor/lodash", test_path(root, "app/node_modules/lodash")) == 0);
        test_write_file(test_path(root, "packages/tool/package.json"), "{\"name\": \"@corp/tool\", \"version\": \"2.0.0\"}");
        test_write_file(test_path(root, "app/node_modules/@corp/.keep"), "");
        CHECK(symlink("/packages/tool", test_path(root, "app/node_modules/@corp/tool")) == 0);
        test_write_file(test_path(root, "app/manifests/linked.json"),
                        "{\"name\": \"linked-json\", \"version\": \"3.0.0\"}");
        test_write_file(test_path(root, "app/node_modules/linked-json/index.js"), "");
        CHECK(symlink("../../manifests/linked.json", test_path(root, "app/node_modules/linked-json/package.json")) == 0);
        test_write_file(test_path(root, "app/node_modules/.pnpm/chalk@5.0.0/node_modules/chalk/package.json"),
                        "{\"name\": \"chalk\", \"version\": \"5.0.0\"}");
        CHECK(symlink(".pnpm/chalk@5.0.0/node_modules/chalk", test_path(root, "app/node_modules/chalk")) == 0);
        test_write_file(test_path(root, "app/node_modules/hid-json/real.json"),
                        "{\"name\": \"hid-json\", \"version\": \"1.0.0\"}");
        CHECK(symlink("real.json", test_path(root, "app/node_modules/hid-json/package.json")) == 0);
        test_write_file(test_path(root, "app/node_modules/.store/hid-dir/pkg/package.json"),
                        "{\"name\": \"hid-dir\", \"version\": \"2.0.0\"}");
        CHECK(symlink(".store/hid-dir/pkg", test_path(root, "app/node_modules/hid-dir")) == 0);
        test_write_file(test_path(root, "opt/deps/README"), "a file beside the packages: not one\n");
        test_write_file(test_path(root, "opt/deps/linked-dir/package.json"),
                        "{\"name\": \"linked-dir\", \"version\": \"4.0.0\"}");
        test_write_file(test_path(root, "app2/.keep"), "");
        CHECK(symlink("../opt/deps", test_path(root, "app2/node_modules")) == 0);
        test_write_file(test_path(root, "vendor/scope/inner/package.json"),
                        "{\"name\": \"@myorg/inner\", \"version\": \"5.0.0\"}");
        CHECK(symlink("../../vendor/scope", test_path(root, "app/node_modules/@myorg")) == 0);
        test_write_file(test_path(root, "vendor/p2/package.json"), "{\"name\": \"p2\", \"version\": \"6.0.0\"}");
        test_write_file(test_path(root, "vendor/node_modules/.keep"), "");
        CHECK(symlink("../../vendor/node_modules/../p2", test_path(root, "app/node_modules/pkg-dotdot")) == 0);
        /* a workspace's own package, linked, without a version: not a package */
        test_write_file(test_path(root, "packages/own/package.json"), "{\"name\": \"own\", \"private\": true}");
        CHECK(symlink("../../packages/own", test_path(root, "app/node_modules/own")) == 0);
        /* 1 GB (sparse) METADATA: only its head is read */
        test_write_file(test_path(root, "app/site-packages/big-1.0.dist-info/METADATA"), "Name: big\nVersion: 1.0\n\n");
        CHECK(truncate(test_path(root, "app/site-packages/big-1.0.dist-info/METADATA"), 1L << 30) == 0);
        test_write_file(test_path(root, "app/site-packages/Upper-2.0.DIST-INFO/METADATA"), "Name: Upper\nVersion: 2.0\n");
        test_write_file(test_path(root, "app/site-packages/pkginfo-3.0.dist-info/PKG-INFO"),
                        "Name: pkginfo\nVersion: 3.0\n");
        test_write_file(test_path(root, "app/site-packages/meta-4.0.egg-info/METADATA"), "Name: meta\nVersion: 4.0\n");
        /* a distribution folder Python lists with no name: not checked */
        test_write_file(test_path(root, "app/site-packages/empty-5.0.dist-info/RECORD"), "");
        /* a FIFO where METADATA should be: skipped with a warning, no hang */
        (void) mkdir(test_path(root, "app/site-packages/fifo-1.0.dist-info"), 0755);
        CHECK(mkfifo(test_path(root, "app/site-packages/fifo-1.0.dist-info/METADATA"), 0644) == 0);
        /* a distribution folder symlinked: importlib.metadata follows it, the
         * walk does not; to a folder named so, read where it points; to any
         * other, not checked */
        test_write_file(test_path(root, "opt/meta/linked/METADATA"), "Name: linked\nVersion: 1.0\n");
        CHECK(symlink("../../opt/meta/linked", test_path(root, "app/site-packages/linked-1.0.dist-info")) == 0);
        CHECK(symlink("Upper-2.0.DIST-INFO/", test_path(root, "app/site-packages/alias-2.0.dist-info")) == 0);
        /* symlinks: a loop, and out of the root to a package that must not be seen */
        CHECK(symlink("..", test_path(root, "app/node_modules/loop")) == 0);
        test_write_file(test_path(test_tmpdir(), "outside/node_modules/evil/package.json"),
                        "{\"name\": \"evil\", \"version\": \"6.6.6\"}");
        CHECK(symlink(test_path(test_tmpdir(), "outside/node_modules"), test_path(root, "app/node_modules/out")) == 0);
        CHECK(symlink(test_path(test_tmpdir(), "outside/node_modules/evil"), test_path(root, "app/node_modules/evil")) == 0);
        /* /proc is not walked */
        test_write_file(test_path(root, "proc/node_modules/p/package.json"), "{\"name\": \"p\", \"version\": \"1\"}");

        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        inv = r ? collect_both(r, "the language tree") : NULL;
        if (!inv)
                return;
        check_found(inv, want, ELEMENTSOF(want));
        for (size_t i = 0; i < inv->n_pkgs; i++)
                n_lang += streq_ptr(inv->pkgs[i].ecosystem, "npm") || streq_ptr(inv->pkgs[i].ecosystem, "PyPI");
        /* the 2nd debug and ms of express; chalk once */
        CHECK_MSG(n_lang == 8 + 2 + 4 + 4 + 1 + 3 + 3 + 2, "%zu language packages", n_lang);
        CHECK(!test_find_package(inv, "my-app", "0.0.1") && !test_find_package(inv, "evil", "6.6.6") && !test_find_package(inv, "p", "1"));
        CHECK_MSG(inv->n_warnings == 4 && strv_contains_substr(inv->warnings, "fifo-1.0.dist-info/METADATA is not a "
                                                                "regular file"),
                  "%zu warnings: %s | %s", inv->n_warnings, inv->n_warnings ? inv->warnings[0] : "",
                  inv->n_warnings > 1 ? inv->warnings[1] : "");
        /* the FIFO, the zipped egg, the folder without metadata and the
         * symlinked one: not read, so not checked */
        CHECK_MSG(strv_length(inv->skipped) == 4 && has_note(inv, "fifo-1.0.dist-info/METADATA", NULL) &&
                  has_note(inv, "/app/site-packages/linked-1.0.dist-info: a symlink where Python finds a "
                           "distribution (to ../../opt/meta/linked)", NULL) &&
                  has_note(inv, "zipped-1.0-py3.11.egg: a zipped Python egg", NULL) &&
                  has_note(inv, "empty-5.0.dist-info: a Python distribution folder with neither METADATA nor "
                           "PKG-INFO", NULL), "%zu notes", strv_length(inv->skipped));

        /* deeper than the walk goes: said, not passed over */
        for (int i = 0; i < INVENTORY_WALK_DEPTH_MAX; i++)
                strcat(deep, "/d");
        test_write_file(test_path(test_path(root, deep), "node_modules/x/package.json"),
                        "{\"name\": \"x\", \"version\": \"1\"}");
        inventory_free(inv);
        inv = collect_both(r, "a tree deeper than the walk goes");
        CHECK(inv && has_note(inv, "deeper than the walk descends", NULL));
        /* beside it the walk goes on: every package of the tree is there */
        CHECK(inv && beside_found(inv));
        /* the same tree moved into the second lister's folder (usr/share):
         * said there, in its place in the walk */
        CHECK(rename(test_path(root, "deep"), test_path(root, "usr/share/deep")) == 0);
        inventory_free(inv);
        inv = collect_both(r, "a tree under usr/share deeper than the walk goes");
        CHECK(inv && has_note(inv, "usr/share/deep/d/d", "deeper than the walk descends (48 folders)"));
        CHECK(inv && beside_found(inv));
        /* a path longer than the walk follows (17 folders of 250 bytes),
         * made by fd: said with the cap, the walk going on beside it */
        {
                char name[251];
                int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;

                memset(name, 'p', 250);
                name[250] = '\0';
                CHECK(fd >= 0 && mkdirat(fd, "long", 0755) == 0);
                next = openat(fd, "long", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                for (int i = 0; i < 17 && next >= 0; i++) {
                        close(fd);
                        fd = next;
                        CHECK(mkdirat(fd, name, 0755) == 0);
                        next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                }
                CHECK(next >= 0 && mkdirat(next, "node_modules", 0755) == 0);
                if (next >= 0)
                        close(next);
                if (fd >= 0)
                        close(fd);
        }
        inventory_free(inv);
        inv = collect_both(r, "a path longer than the walk follows");
        CHECK(inv && has_note(inv, "long/ppp", "a path longer than the walk follows (4096 bytes)"));
        CHECK(inv && beside_found(inv));
}

/* A zip at path of the entries names[i] with data texts[i] (NULL ends). */
static void write_zip(const char *path, const char *const *names, const char *const *texts) {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();

        CHECK(a && e && archive_write_set_format_zip(a) == ARCHIVE_OK);
        test_write_file(path, "");
        CHECK(archive_write_open_filename(a, path) == ARCHIVE_OK);
        for (size_t i = 0; names[i]; i++) {
                archive_entry_clear(e);
                archive_entry_set_pathname(e, names[i]);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, 0644);
                archive_entry_set_size(e, (la_int64_t) strlen(texts[i]));
                CHECK(archive_write_header(a, e) == ARCHIVE_OK);
                CHECK(archive_write_data(a, texts[i], strlen(texts[i])) == (la_ssize_t) strlen(texts[i]));
        }
        CHECK(archive_write_close(a) == ARCHIVE_OK);
        archive_write_free(a);
        archive_entry_free(e);
}

/* Yarn Plug'n'Play: no node_modules, each package in a zip of the
 * project's .yarn/cache or Yarn's global cache, node_modules/<name> inside;
 * a zip elsewhere is none of Yarn's, a damaged one is said. */
static void test_yarn_zip(void) {
        const char *root = test_path(test_tmpdir(), "yarn");
        static const char *const lodash[] = { "node_modules/lodash/package.json", "node_modules/lodash/README.md",
                                              "node_modules/lodash/fp/package.json", NULL };
        static const char *const lodash_text[] = { "{\"name\": \"lodash\", \"version\": \"4.17.20\"}", "lodash",
                                                   "{\"main\": \"../fp.js\"}", NULL };
        static const char *const parser[] = { "node_modules/@babel/parser/package.json",
                                              "node_modules/@babel/parser/node_modules/ms/package.json", NULL };
        static const char *const parser_text[] = { "{\"name\": \"@babel/parser\", \"version\": \"7.23.6\"}",
                                                   "{\"name\": \"ms\", \"version\": \"2.0.0\"}", NULL };
        static const struct want want[] = {
                { "lodash", "4.17.20",
                  "/app/.yarn/cache/lodash-npm-4.17.20-c0db62021c.zip!node_modules/lodash/package.json" },
                { "@babel/parser", "7.23.6",
                  "/root/.yarn/berry/cache/@babel-parser-npm-7.23.6-2fad283d6e.zip!node_modules/@babel/parser/package.json" },
                { "ms", "2.0.0", "/root/.yarn/berry/cache/@babel-parser-npm-7.23.6-2fad283d6e.zip!node_modules/@babel/"
                                 "parser/node_modules/ms/package.json" },
        };
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};

        write_zip(test_path(root, "app/.yarn/cache/lodash-npm-4.17.20-c0db62021c.zip"), lodash, lodash_text);
        write_zip(test_path(root, "root/.yarn/berry/cache/@babel-parser-npm-7.23.6-2fad283d6e.zip"), parser,
                  parser_text);
        write_zip(test_path(root, "app/dist/bundle.zip"), lodash, lodash_text);
        test_write_file(test_path(root, "app/.yarn/cache/broken-npm-1.0.0-0.zip"), "PK\3\4 cut short");
        test_write_file(test_path(root, "app/.pnp.cjs"), "");
        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        inv = r ? collect_both(r, "a Yarn PnP tree") : NULL;
        if (!inv)
                return;
        check_found(inv, want, ELEMENTSOF(want));
        CHECK_MSG(inv->n_pkgs == ELEMENTSOF(want), "%zu packages", inv->n_pkgs);
        CHECK(strv_length(inv->skipped) == 1 && has_note(inv, "broken-npm-1.0.0-0.zip", "not looked into"));
}

/* A symlinked node_modules that can't be listed whole (more entries than
 * NPM_LINKED_ENTRIES_MAX): Node still loads lodash through it, so what was
 * not listed is not checked, never nothing. */
static void test_linked_folder_cap(void) {
        const char *root = test_path(test_tmpdir(), "linkcap");
        _cleanup_(rootfs_freep) struct rootfs *r = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        struct error err = {};

        test_write_file(test_path(root, "deps/lodash/package.json"),
                        "{\"name\": \"lodash\", \"version\": \"4.17.20\"}");
        test_write_file(test_path(root, "app/package.json"), "{\"name\": \"app\", \"version\": \"1.0.0\"}");
        CHECK(symlink("../deps", test_path(root, "app/node_modules")) == 0);
        make_files(test_path(root, "deps"), "f", 100000);
        CHECK_MSG(rootfs_open(root, 0, &r, &err) == 0, "%s", err.msg);
        inv = r ? collect_both(r, "a symlinked node_modules past its cap") : NULL;
        if (!inv)
                return;
        CHECK_MSG(strv_length(inv->skipped) == 1 &&
                  has_note(inv, "/app/node_modules has more than 100000 entries (through the symlink ../deps); its "
                           "packages were not looked into", NULL),
                  "%zu notes: %s", strv_length(inv->skipped), inv->skipped ? inv->skipped[0] : "");
}

int main(void) {
        test_shared_data();
        test_parsers();
        test_expected("python", "python", python_metadata_parse);
        test_expected("npm_packagejson", "npm/packagejson", npm_package_json_parse);
        test_walk();
        test_yarn_zip();
        test_lister_ahead();
        test_lister_job();
        test_linked_folder_cap();
        return test_end();
}
