/* SPDX-License-Identifier: Apache-2.0 */
/* toml_imports_edit(): containerd config.toml files (as Debian 12's
 * containerd 1.6 and kubeadm/k3s-style nodes have them) in, the exact bytes
 * out; a second add changes nothing; remove undoes add byte for byte where
 * the list existed; files it must refuse, with the message naming the file
 * and line.  And toml_configures_plugin() on the shapes of a CRI section. */
#include "base/strutil.h"
#include "test.h"
#include "toml-imports.h"

#define E "/etc/containerd/conf.d/portcullis.toml"
#define Q "\"" E "\""

struct row {
        const char *name, *in;
        const char *out;        /* after add; NULL = unchanged */
        const char *error;      /* substring of the message; NULL = success */
};

static const struct row rows[] = {
        { "Debian 12's config.toml",
          "version = 2\n\n[plugins]\n  [plugins.\"io.containerd.internal.v1.opt\"]\n    path = \"/var/lib/containerd/opt\"\n",
          "version = 2\nimports = [" Q "] # added by portcullis install\n\n[plugins]\n  [plugins.\"io.containerd.internal.v1.opt\"]\n"
          "    path = \"/var/lib/containerd/opt\"\n", NULL },
        { "version last at EOF without newline", "root = \"/r\"\nversion = 2",
          "root = \"/r\"\nversion = 2\nimports = [" Q "] # added by portcullis install", NULL },
        { "version with a comment, CRLF", "version = 2 # v2\r\nroot = \"/r\"\r\n",
          "version = 2 # v2\r\nimports = [" Q "] # added by portcullis install\nroot = \"/r\"\r\n", NULL },
        { "empty list", "version = 2\nimports = []\n", "version = 2\nimports = [" Q "]\n", NULL },
        { "one entry", "imports = ['/etc/a.toml']\nversion = 2\n",
          "imports = ['/etc/a.toml', " Q "]\nversion = 2\n", NULL },
        { "multi-line list, trailing comma, comments",
          "version = 2\nimports = [\n  \"/etc/containerd/a/*.toml\", # mirrors\n  \"b.toml\",\n]\n[grpc]\naddress = \"/s\"\n",
          "version = 2\nimports = [\n  \"/etc/containerd/a/*.toml\", # mirrors\n  \"b.toml\", " Q ",\n]\n[grpc]\naddress = \"/s\"\n",
          NULL },
        { "already there", "version = 2\nimports = [" Q "]\n", NULL, NULL },
        { "tables, inline tables, multi-line strings elsewhere",
          "version = 2\nx = \"\"\"\nimports = [1]\n[a]\n\"\"\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors]\n"
          "  \"docker.io\" = { endpoint = [\"https://m\"], n = 1.5e3 }\n[[proxy_plugins.x]]\n  y = '''\nz'''\n",
          "version = 2\nimports = [" Q "] # added by portcullis install\nx = \"\"\"\nimports = [1]\n[a]\n\"\"\"\n"
          "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors]\n"
          "  \"docker.io\" = { endpoint = [\"https://m\"], n = 1.5e3 }\n[[proxy_plugins.x]]\n  y = '''\nz'''\n", NULL },
        { "imports in a table is not the top-level key", "version = 2\n[a]\nimports = 5\n",
          "version = 2\nimports = [" Q "] # added by portcullis install\n[a]\nimports = 5\n", NULL },
        /* refusals */
        { "no version", "root = \"/r\"\n", NULL, "config.toml: no top-level 'version'" },
        { "version 3 (containerd 2)", "version = 3\n", NULL, "config.toml: config version 3" },
        { "version 1", "version = 1\n", NULL, "config version 1" },
        { "not TOML", "version = 2\nthis is not toml\n", NULL, "config.toml: line 2: unexpected 'i' after a key" },
        { "unterminated string", "version = 2\nroot = \"/r\n", NULL, "line 2: a string that does not end on its line" },
        { "unclosed table header", "version = 2\n[grpc\n", NULL, "line 2: a table header without its closing ']'" },
        { "unclosed array", "version = 2\nx = [1, 2\n", NULL, "line 3: an array whose items are not separated" },
        { "imports a string", "version = 2\nimports = \"/etc/a.toml\"\n", NULL, "line 2: 'imports' is not an array" },
        { "imports of numbers", "version = 2\nimports = [1]\n", NULL, "'imports' is not a list of one-line strings" },
        { "imports with escapes", "version = 2\nimports = [\"/etc/\\u0061.toml\"]\n", NULL, "with escapes" },
        { "imports twice", "version = 2\nimports = []\nimports = []\n", NULL, "line 3: 'imports' is set twice" },
        { "imports quoted", "version = 2\n\"imports\" = []\n", NULL, "quoted or dotted key" },
        { "imports nested", "version = 2\nimports = [[\"a\"]]\n", NULL, "not a list of one-line strings" },
        { "NUL byte", "version = 2\n\0x = 1\n", NULL, "line 2" },
};

static void check_row(const struct row *r, size_t len) {
        _cleanup_free_ char *out = NULL, *again = NULL, *back = NULL;
        struct error err = {};
        int rc = toml_imports_edit(r->in, len, "/etc/containerd/config.toml", E, true, &out, &err);

        if (r->error) {
                CHECK_MSG(rc < 0 && strstr(err.msg, r->error) && !out, "%s: rc %d msg '%s'", r->name, rc, err.msg);
                CHECK_MSG(!strchr(err.msg, '\n'), "%s: message on more than one line", r->name);
                return;
        }
        CHECK_MSG(rc == 0, "%s: %s", r->name, err.msg);
        if (!r->out) {
                CHECK_MSG(!out, "%s: changed: %s", r->name, out);
                return;
        }
        CHECK_MSG(out && strcmp(out, r->out) == 0, "%s: got\n%s", r->name, strna(out));
        if (!out)
                return;
        CHECK_MSG(toml_imports_edit(out, strlen(out), "c", E, true, &again, &err) == 0 && !again,
                  "%s: a second add changed it", r->name);
        CHECK_MSG(toml_imports_edit(out, strlen(out), "c", E, false, &back, &err) == 0 && back, "%s: remove: %s",
                  r->name, err.msg);
        /* remove undoes add byte for byte when the list was there */
        if (back)
                CHECK_MSG(strcmp(back, r->in) == 0, "%s: remove gave\n%s", r->name, back);
}

static void test_remove(void) {
        static const struct {
                const char *in, *out;
        } rem[] = {
                { "version = 2\nimports = [" Q ", \"/a\"]\n", "version = 2\nimports = [\"/a\"]\n" },
                { "version = 2\nimports = [\"/a\", " Q ", \"/b\"]\n", "version = 2\nimports = [\"/a\", \"/b\"]\n" },
                { "version = 2\nimports = [" Q "]\n", "version = 2\nimports = []\n" },
                { "version = 2\nimports = [" Q "] # added by portcullis install\nx = 1\n", "version = 2\nx = 1\n" },
                { "version = 2\n  imports = [" Q "] # added by portcullis install\n", "version = 2\n  imports = [] # added by portcullis install\n" },
                { "version = 2\nimports = [" Q ", " Q "]\n", "version = 2\nimports = []\n" },
                { "version = 2\nimports = [\"/a\", # keep\n  " Q "\n]\n", "version = 2\nimports = [\"/a\", # keep\n  \n]\n" },
                { "version = 2\nimports = [\"/a\"]\n", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(rem); i++) {
                _cleanup_free_ char *out = NULL;
                struct error err = {};

                CHECK_MSG(toml_imports_edit(rem[i].in, strlen(rem[i].in), "c", E, false, &out, &err) == 0, "%s", err.msg);
                if (rem[i].out)
                        CHECK_MSG(out && strcmp(out, rem[i].out) == 0, "remove %zu: %s", i, strna(out));
                else
                        CHECK_MSG(!out, "remove %zu changed it", i);
        }
}

static void test_plugin(void) {
        static const struct {
                const char *in;
                int want;
                unsigned line;
        } pl[] = {
                { "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"p\"\n", 1, 2 },
                { "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  bin_dir = \"/usr/lib/cni\"\n", 1, 2 },
                { "version = 2\n[plugins]\n  \"io.containerd.grpc.v1.cri\".sandbox_image = \"p\"\n", 1, 3 },
                { "version = 2\nplugins = { x = 1 }\n", 1, 2 },
                { "version = 2\n[plugins.'io.containerd.grpc.v1.cri'.containerd]\n", 1, 2 },
                { "version = 2\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"/o\"\n[plugins]\n", 0, 0 },
                { "version = 2\n[plugins.\"io.containerd.grpc.v1.cri-x\"]\n", 0, 0 },
                { "version = 2\nx = \"[plugins.\\\"io.containerd.grpc.v1.cri\\\"]\"\n", 0, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(pl); i++) {
                struct error err = {};
                unsigned line = 0;
                int r = toml_configures_plugin(pl[i].in, strlen(pl[i].in), "c", "io.containerd.grpc.v1.cri", &line, &err);

                CHECK_MSG(r == pl[i].want && line == pl[i].line, "plugin row %zu: %d line %u (%s)", i, r, line, err.msg);
        }
}

/* toml_runtime_edit(): Debian 12's config.toml and its variants in, the
 * exact bytes out; a second add changes nothing; remove gives the input
 * back; the files it must refuse, naming the line. */
#define CRI "[plugins.\"io.containerd.grpc.v1.cri\""
#define DEB12 "version = 2\n\n[plugins]\n  " CRI "]\n    " CRI ".cni]\n      bin_dir = \"/usr/lib/cni\"\n" \
              "      conf_dir = \"/etc/cni/net.d\"\n  [plugins.\"io.containerd.internal.v1.opt\"]\n" \
              "    path = \"/var/lib/containerd/opt\"\n"
#define MARK "\n# added by portcullis install\n"
#define RUNC CRI ".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n"
#define OURS CRI ".containerd.runtimes.portcullis]\n  runtime_type = \"io.containerd.portcullis.v2\"\n"
#define DEFAULT_LINE "default_runtime_name = \"portcullis\" # added by portcullis install\n"

static void test_runtime(void) {
        static const struct {
                const char *name, *in;
                bool make_default;
                const char *out, *error;
        } rt[] = {
                { "Debian 12", DEB12, false, DEB12 MARK RUNC OURS, NULL },
                { "Debian 12, default", DEB12, true,
                  DEB12 MARK CRI ".containerd]\n  default_runtime_name = \"portcullis\"\n" RUNC OURS, NULL },
                { "runc defined, no newline at the end", "version = 2\n" CRI ".containerd.runtimes.runc.options]\n  SystemdCgroup = true", false,
                  "version = 2\n" CRI ".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n" MARK OURS, NULL },
                { "a containerd table: the default goes in it",
                  "version = 2\n  " CRI ".containerd]\n    snapshotter = \"overlayfs\"\n" RUNC, true,
                  "version = 2\n  " CRI ".containerd]\n    " DEFAULT_LINE "    snapshotter = \"overlayfs\"\n" RUNC MARK OURS, NULL },
                { "the default already ours", "version = 2\n" CRI ".containerd]\n default_runtime_name = 'portcullis'\n", true,
                  "version = 2\n" CRI ".containerd]\n default_runtime_name = 'portcullis'\n" MARK RUNC OURS, NULL },
                { "already there", DEB12 MARK RUNC OURS, false, NULL, NULL },
                { "a string holding the table", "version = 2\nx = '''\n" OURS "'''\n", false,
                  "version = 2\nx = '''\n" OURS "'''\n" MARK RUNC OURS, NULL },
                /* refusals */
                { "defined by hand", DEB12 OURS, false, NULL, "line 10: already defines the runtime's table" },
                { "a sub-table of it", "version = 2\n" CRI ".containerd.runtimes.portcullis.options]\n", false, NULL,
                  "line 2: already defines" },
                { "quoted key in a runtimes table", "version = 2\n" CRI ".containerd.runtimes]\n'portcullis' = {}\n",
                  false, NULL, "line 3: already defines" },
                { "runtimes inline", "version = 2\n" CRI ".containerd]\nruntimes = { runc = {} }\n", false, NULL,
                  "line 3: a table on the way to" },
                { "dotted keys", "version = 2\n" CRI "]\ncontainerd.snapshotter = \"x\"\n", false, NULL,
                  "line 3: a table on the way to" },
                { "an array of tables", "version = 2\n[[plugins.\"io.containerd.grpc.v1.cri\".containerd]]\n", false,
                  NULL, "line 2: a table on the way to" },
                { "plugins inline", "version = 2\nplugins = {}\n", false, NULL, "line 2: a table on the way to" },
                { "another default", "version = 2\n" CRI ".containerd]\n  default_runtime_name = \"crun\"\n", true, NULL,
                  "line 3: sets CRI's default_runtime_name to another runtime" },
                { "our block followed by a key of someone's", DEB12 MARK OURS "  x = 1\n", false, NULL,
                  "line 12: already defines" },
                { "version 3", "version = 3\n", false, NULL, "config version 3" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rt); i++) {
                _cleanup_free_ char *out = NULL, *again = NULL, *back = NULL;
                struct toml_runtime r = { "io.containerd.grpc.v1.cri", "portcullis", "io.containerd.portcullis.v2",
                                          rt[i].make_default };
                struct error err = {};
                int rc = toml_runtime_edit(rt[i].in, strlen(rt[i].in), "c", &r, true, &out, &err);

                if (rt[i].error) {
                        CHECK_MSG(rc < 0 && strstr(err.msg, rt[i].error) && !out, "%s: rc %d '%s'", rt[i].name, rc,
                                  err.msg);
                        continue;
                }
                CHECK_MSG(rc == 0, "%s: %s", rt[i].name, err.msg);
                if (!rt[i].out) {
                        CHECK_MSG(!out, "%s: changed: %s", rt[i].name, out);
                        continue;
                }
                CHECK_MSG(out && strcmp(out, rt[i].out) == 0, "%s: got\n%s", rt[i].name, strna(out));
                if (!out)
                        continue;
                CHECK_MSG(toml_runtime_edit(out, strlen(out), "c", &r, true, &again, &err) == 0 && !again,
                          "%s: a second add changed it: %s", rt[i].name, strna(again));
                CHECK_MSG(toml_runtime_edit(out, strlen(out), "c", &r, false, &back, &err) == 0 && back,
                          "%s: remove: %s", rt[i].name, err.msg);
                if (back && endswith(rt[i].in, "\n"))
                        CHECK_MSG(strcmp(back, rt[i].in) == 0, "%s: remove gave\n%s", rt[i].name, back);
        }
}

int main(void) {
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                check_row(&rows[i], strcmp(rows[i].name, "NUL byte") == 0 ? 19 : strlen(rows[i].in));
        test_remove();
        test_plugin();
        test_runtime();
        return test_end();
}
