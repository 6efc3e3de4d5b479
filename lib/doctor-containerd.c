/* SPDX-License-Identifier: Apache-2.0 */
/* What portcullis doctor reads of containerd's config.toml and of the
 * drop-in `portcullis install containerd` writes: a line scanner over the
 * TOML subset containerd's files use (tables, `key = "string"`, arrays of
 * strings, comments), not a TOML parser.  Anything else is skipped: the
 * doctor only looks for the keys that name our runtime (its runtime_type,
 * its options' BinaryName, the default runtime's name, the imports), and
 * of containers.conf the one key that says where Podman reads hooks.d. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "doctor.h"
#include "install.h"

/* The runtime's table, wherever containerd's CRI plugin puts it: config
 * version 2 [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis],
 * version 3 [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.portcullis]
 * (compared with the quotes taken out).  A table of that name under any
 * other one is no CRI runtime containerd uses. */
#define RUNTIME_TABLE_SUFFIX ".containerd.runtimes.portcullis"
#define OPTIONS_TABLE_SUFFIX RUNTIME_TABLE_SUFFIX ".options"
#define CRI_TABLE_SUFFIX ".containerd"
#define CRI_V2 "plugins.io.containerd.grpc.v1.cri"
#define CRI_V3 "plugins.io.containerd.cri.v1.runtime"
#define CRI_V1 "plugins.cri"
#define LINE_MAX_LEN 4096

struct scan {
        struct containerd_config *c;
        int version;                    /* the file's top-level version; 1 without one, as containerd reads it */
        char table[LINE_MAX_LEN];       /* the current table, quotes and blanks out; "" at the top */
        char ***array;                  /* an array of strings (imports, hooks_dir) continues on the next line */
};

static const char *skip_blank(const char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

/* The end of the line's content: a '#' outside a string starts a comment. */
static size_t content_len(const char *s, size_t n) {
        char quote = 0;

        for (size_t i = 0; i < n; i++) {
                if (quote == '"' && s[i] == '\\' && i + 1 < n)
                        i++;
                else if (quote && s[i] == quote)
                        quote = 0;
                else if (!quote && (s[i] == '"' || s[i] == '\''))
                        quote = s[i];
                else if (!quote && s[i] == '#')
                        return i;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                n--;
        return n;
}

/* A quoted string at s ("basic" with \" and \\, or 'literal'): *ret is its
 * value, *ret_end the byte after it.  -EINVAL when s holds none. */
static int string_at(const char *s, char **ret, const char **ret_end) {
        struct strbuf b = { .max = LINE_MAX_LEN };
        char quote = *s;
        const char *p;

        if (quote != '"' && quote != '\'')
                return -EINVAL;
        for (p = s + 1; *p && *p != quote; p++) {
                if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                if (strbuf_append(&b, p, 1) < 0) {
                        strbuf_done(&b);
                        return -ENOMEM;
                }
        }
        if (*p != quote) {
                strbuf_done(&b);
                return -EINVAL;
        }
        *ret = strbuf_steal(&b);
        *ret_end = p + 1;
        return *ret ? 0 : -ENOMEM;
}

/* "[a."b".c]" → "a.b.c": quotes and blanks taken out. */
static void set_table(struct scan *s, const char *line) {
        size_t j = 0;

        for (const char *p = line + 1; *p && *p != ']' && j + 1 < sizeof(s->table); p++)
                if (*p != '"' && *p != '\'' && *p != ' ' && *p != '\t')
                        s->table[j++] = *p;
        s->table[j] = '\0';
}

/* The strings of an array, from p to its ']' or the end of the line, into
 * *s->array. */
static int array_from(struct scan *s, const char *p) {
        for (;;) {
                char *v = NULL;
                int r;

                p = skip_blank(p);
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (*p == ']') {
                        s->array = NULL;
                        return 0;
                }
                if (!*p)
                        return 0;
                r = string_at(p, &v, &p);
                if (r == -EINVAL) {
                        s->array = NULL;
                        return 0;               /* not an array of strings: not one containerd reads either */
                }
                if (r < 0 || strv_push(s->array, v) < 0)
                        return -ENOMEM;
        }
}

/* Whether table is the CRI plugin's table + suffix under a name containerd
 * reads in a file of this version: version 2's in any (containerd 1.x
 * reads a version 3 file's tables as version 2's, and 2.x migrates a
 * version 2 file), version 3's in version 3, version 1's "cri" without a
 * version (config.toml only: an imported file's isn't migrated). */
static bool cri_table(const struct scan *s, const char *suffix) {
        const char *const names[] = { CRI_V2, s->version >= 3 ? CRI_V3 : NULL, s->version <= 1 ? CRI_V1 : NULL };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                size_t n = names[i] ? strlen(names[i]) : 0;

                if (n && strncmp(s->table, names[i], n) == 0 && streq_ptr(s->table + n, suffix))
                        return true;
        }
        return false;
}

/* A runtime table of our name that containerd does not read: the first is kept. */
static int runtime_table_seen(struct scan *s) {
        if (cri_table(s, RUNTIME_TABLE_SUFFIX)) {
                s->c->has_runtime = true;
                return 0;
        }
        if (s->c->misplaced_table || !endswith(s->table, RUNTIME_TABLE_SUFFIX))
                return 0;
        s->c->misplaced_table = strdup(s->table);
        return s->c->misplaced_table ? 0 : -ENOMEM;
}

/* key = value on one line: the keys the doctor wants. */
static int key_value(struct scan *s, const char *line) {
        const char *eq = strchr(line, '='), *v, *end;
        char key[64];
        size_t n;

        if (!eq)
                return 0;
        n = (size_t) (eq - line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
                n--;
        if (n == 0 || n >= sizeof(key))
                return 0;
        memcpy(key, line, n);
        key[n] = '\0';
        v = skip_blank(eq + 1);
        if (!s->table[0] && streq_ptr(key, "version")) {
                s->version = atoi(v);
                return 0;
        }
        if (!s->table[0] && streq_ptr(key, "imports") && *v == '[') {
                s->array = &s->c->imports;
                return array_from(s, v + 1);
        }
        if (!s->table[0] && streq_ptr(key, "disabled_plugins") && *v == '[') {
                s->array = &s->c->disabled_plugins;
                return array_from(s, v + 1);
        }
        if ((streq_ptr(s->table, "engine") || streq_ptr(s->table, "crio.runtime")) && streq_ptr(key, "hooks_dir") &&
            *v == '[') {
                /* containers.conf's [engine], crio.conf's [crio.runtime]:
                 * the last file that sets it decides, and an empty list is
                 * set too */
                strv_free(s->c->hooks_dir);
                s->c->hooks_dir = NULL;
                s->c->hooks_dir_set = true;
                s->array = &s->c->hooks_dir;
                return array_from(s, v + 1);
        }
        if (endswith(s->table, RUNTIME_TABLE_SUFFIX) && streq_ptr(key, "runtime_type")) {
                char *t = NULL;

                if (runtime_table_seen(s) < 0)
                        return -ENOMEM;
                if (!s->c->has_runtime || !cri_table(s, RUNTIME_TABLE_SUFFIX))
                        return 0;
                if (string_at(v, &t, &end) == -ENOMEM)
                        return -ENOMEM;
                free(s->c->runtime_type);
                s->c->runtime_type = t;
                return 0;
        }
        if ((cri_table(s, OPTIONS_TABLE_SUFFIX) && streq_ptr(key, "BinaryName")) ||
            (cri_table(s, RUNTIME_TABLE_SUFFIX) && streq_ptr(key, "options.BinaryName"))) {
                char *t = NULL;

                if (string_at(v, &t, &end) == -ENOMEM)
                        return -ENOMEM;
                free(s->c->binary_name);
                s->c->binary_name = t;
                return 0;
        }
        if (cri_table(s, CRI_TABLE_SUFFIX) && streq_ptr(key, "default_runtime_name")) {
                _cleanup_free_ char *t = NULL;

                if (string_at(v, &t, &end) == -ENOMEM)
                        return -ENOMEM;
                s->c->default_runtime = streq_ptr(t, "portcullis");
        }
        return 0;
}

static int scan_line(struct scan *s, const char *line) {
        line = skip_blank(line);
        if (s->array)
                return array_from(s, line);
        if (line[0] == '[') {
                set_table(s, line[1] == '[' ? line + 1 : line);
                return runtime_table_seen(s);
        }
        return key_value(s, line);
}

int containerd_config_parse(const char *buf, size_t len, struct containerd_config *ret, struct error *err) {
        struct containerd_config c = {};
        struct scan s = { .c = &c, .version = 1 };
        size_t lineno = 0;

        if (len > CONTAINERD_CONFIG_MAX)
                return error_set(err, EFBIG, "larger than %zu bytes", CONTAINERD_CONFIG_MAX);
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(buf + i, '\n', len - i);
                size_t n = nl ? (size_t) (nl - (buf + i)) : len - i;
                char line[LINE_MAX_LEN];
                int r;

                lineno++;
                if (n >= sizeof(line)) {
                        containerd_config_done(&c);
                        return error_set(err, EINVAL, "line %zu: longer than %d bytes", lineno, LINE_MAX_LEN - 1);
                }
                n = content_len(buf + i, n);
                memcpy(line, buf + i, n);
                line[n] = '\0';
                if (memchr(line, '\0', n)) {
                        containerd_config_done(&c);
                        return error_set(err, EINVAL, "line %zu: a NUL byte", lineno);
                }
                r = scan_line(&s, line);
                if (r < 0) {
                        containerd_config_done(&c);
                        return error_set(err, r, "out of memory");
                }
                i += (nl ? (size_t) (nl - (buf + i)) + 1 : len - i);
        }
        if (s.array) {
                containerd_config_done(&c);
                return error_set(err, EINVAL, "%s: the array has no closing ']'",
                                 s.array == &c.imports ? "imports" :
                                 s.array == &c.disabled_plugins ? "disabled_plugins" : "hooks_dir");
        }
        *ret = c;
        return 0;
}

void containerd_config_done(struct containerd_config *c) {
        if (!c)
                return;
        strv_free(c->imports);
        strv_free(c->hooks_dir);
        strv_free(c->disabled_plugins);
        free(c->misplaced_table);
        free(c->runtime_type);
        free(c->binary_name);
        *c = (struct containerd_config) {};
}

/* One config file of the runtime's, when it is there: its hooks_dir, when
 * it sets one, replaces *dirs. */
static int hooks_dirs_from(const char *root, const char *file, char ***dirs, char **from, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        struct containerd_config c = {};
        size_t len;
        int r;

        if ((r = install_host_path(root, file, true, &path, err)) < 0)
                return r;
        if (access(path, F_OK) < 0)
                return 0;
        if ((r = read_full_file(path, CONTAINERD_CONFIG_MAX, &buf, &len, err)) < 0)
                return r;
        if ((r = containerd_config_parse(buf, len, &c, err)) < 0)
                return error_wrap(err, "%s", path);
        if (c.hooks_dir_set) {
                strv_free(*dirs);
                *dirs = TAKE_PTR(c.hooks_dir);
                free(*from);
                if (!(*from = strdup(file))) {
                        containerd_config_done(&c);
                        return error_set(err, ENOMEM, "out of memory");
                }
        }
        containerd_config_done(&c);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int oci_hooks_dirs(const char *root, bool crio, char ***ret_dirs, char **ret_from, struct error *err) {
        /* containers/common's order (Podman 4: CONTAINERS_CONF aside, which
         * is a caller's, not the node's), and CRI-O's */
        static const char *const podman_files[] = { "/usr/share/containers/containers.conf",
                                                    "/etc/containers/containers.conf" };
        static const char *const crio_files[] = { "/etc/crio/crio.conf" };
        const char *const *files = crio ? crio_files : podman_files;
        size_t n_files = crio ? ELEMENTSOF(crio_files) : ELEMENTSOF(podman_files);
        const char *dropins = crio ? "/etc/crio/crio.conf.d" : "/etc/containers/containers.conf.d";
        _cleanup_strv_free_ char **dirs = NULL, **names = NULL;
        _cleanup_free_ char *from = NULL, *dir = NULL;
        struct dirent *de;
        DIR *ds;
        int r;

        for (size_t i = 0; i < n_files; i++)
                if ((r = hooks_dirs_from(root, files[i], &dirs, &from, err)) < 0)
                        return r;
        if ((r = install_host_path(root, dropins, true, &dir, err)) < 0)
                return r;
        ds = opendir(dir);
        while (ds && (de = readdir(ds)))
                if (de->d_name[0] != '.' && endswith(de->d_name, ".conf") &&
                    strv_pushf(&names, "%s/%s", dropins, de->d_name) < 0) {
                        closedir(ds);
                        return error_set(err, ENOMEM, "out of memory");
                }
        if (ds)
                closedir(ds);
        if (names)
                qsort(names, strv_length(names), sizeof(*names), cmp_str);
        for (char **n = names; n && *n; n++)
                if ((r = hooks_dirs_from(root, *n, &dirs, &from, err)) < 0)
                        return r;
        if (!from && strv_push(&dirs, strdup(OCI_HOOKS_DIR_DEFAULT)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        *ret_dirs = TAKE_PTR(dirs);
        *ret_from = TAKE_PTR(from);
        return 0;
}
