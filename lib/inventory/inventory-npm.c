/* SPDX-License-Identifier: Apache-2.0 */
/* npm packages as installed: every node_modules/<name>/package.json and
 * node_modules/@scope/<name>/package.json, nested to any depth, including
 * the global modules (/usr/lib/node_modules, /usr/local/lib/node_modules).
 * A package.json outside node_modules is a project's own (the workspace
 * root), not an installed package, and is left out.  Yarn's Plug'n'Play
 * (Yarn 2 on) installs into no node_modules: Node loads each package from
 * its zip in the Yarn cache, node_modules/<name>/package.json inside. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "base/strutil.h"
#include "inventory.h"

#define NPM_PACKAGE_JSON_MAX ((size_t) 4 * 1024 * 1024)
#define NPM_NAME_MAX 214        /* npm's own limit (validate-npm-package-name) */
#define NPM_LINKED_ENTRIES_MAX 100000   /* in a symlinked node_modules or @scope folder */
#define NPM_ZIP_ENTRIES_MAX 200000      /* in a Yarn cache zip: typescript's has ~400 */
#define NPM_ZIP_INFLATED_MAX ((uint64_t) 16 << 20)      /* package.json files inflated from one zip */

/* Whether dir[0..n) is a node_modules folder. */
static bool is_node_modules(const char *dir, size_t n) {
        return (n == 12 || (n > 12 && dir[n - 13] == '/')) && memcmp(dir + n - 12, "node_modules", 12) == 0;
}

/* Whether dir[0..n) holds package folders: a node_modules folder, or an
 * @scope folder in one. */
static bool package_parent(const char *dir, size_t n) {
        const char *last = memrchr(dir, '/', n);

        return is_node_modules(dir, n) || (last && last[1] == '@' && is_node_modules(dir, (size_t) (last - dir)));
}

/* The folder dir[0..n) is node_modules/<name> or node_modules/@scope/<name>. */
static bool installed_folder_n(const char *dir, size_t n) {
        const char *last = memrchr(dir, '/', n);

        return last && package_parent(dir, (size_t) (last - dir));
}

static bool installed_folder(const char *dir) {
        return installed_folder_n(dir, strlen(dir));
}

/* npm names: at most 214 bytes, lower case URL-safe characters, an
 * optional "@scope/" (validate-npm-package-name's rules for new packages,
 * loosened to the upper case old packages still carry). */
static bool name_valid(const char *s, const char **ret_slash) {
        size_t n = strlen(s);
        const char *slash = NULL;

        if (n == 0 || n > NPM_NAME_MAX || s[0] == '.' || s[0] == '_')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '/' && s[0] == '@' && !slash && i > 1 && i + 1 < n) {
                        slash = s + i;
                        continue;
                }
                if (!isalnum_ascii(s[i]) && !strchr("-._~!*'()", s[i]) && !(i == 0 && s[i] == '@'))
                        return false;
        }
        if (s[0] == '@' && !slash)
                return false;
        *ret_slash = slash;
        return true;
}

/* package.json as Node loads it: without a UTF-8 byte order mark. */
static json_t *load(const char *buf, size_t len) {
        bool bom = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0;

        return json_loadb(buf + (bom ? 3 : 0), len - (bom ? 3 : 0), 0, NULL);
}

int npm_package_json_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        json_t *root = load(buf, len);
        const char *name = json_string_value(json_object_get(root, "name"));
        const char *version = json_string_value(json_object_get(root, "version"));
        const char *slash = NULL;
        char scope[NPM_NAME_MAX + 1];
        int r;

        if (!json_is_object(root))
                r = inventory_not_read(inv, "%s: not a JSON object; skipped", origin);
        else if (!name && !version)     /* not a package: a bundled tool's manifest, a test fixture */
                r = 0;
        else if (!name || !version)     /* a package we can't check: said, not passed over */
                r = inventory_not_read(inv, "%s: no %s; skipped", origin, name ? "version" : "name");
        else if (!name_valid(name, &slash))
                r = inventory_not_read(inv, "%s: an invalid npm package name in field name; skipped", origin);
        else if (!inventory_field_printable(version, strlen(version), INVENTORY_LANG_FIELD_MAX))
                r = inventory_not_read(inv, "%s: an invalid value in field version; skipped", origin);
        else if (slash) {
                /* purl-spec PURL-TYPES "npm": the scope is the namespace */
                memcpy(scope, name, (size_t) (slash - name));
                scope[slash - name] = '\0';
                r = inventory_add_lang(inv, origin, "npm", name, version, "npm", scope, slash + 1);
        } else
                r = inventory_add_lang(inv, origin, "npm", name, version, "npm", NULL, NULL);
        json_decref(root);
        return r;
}

/* The path in the rootfs a symlink in folder dir points to, cleaned
 * lexically ("a/b/../c" is "a/c", ".." stays at the top), without a
 * leading "/"; NULL when out of memory. */
static char *link_path(const char *dir, const char *target) {
        _cleanup_free_ char *joined = NULL;
        char *out, *o;

        if (asprintf(&joined, "%s/%s", target[0] == '/' ? "" : dir, target) < 0)
                return NULL;
        out = o = calloc(1, strlen(joined) + 1);
        for (const char *p = joined; out && *p;) {
                size_t n;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > out && *--o != '/')
                                ;
                        *o = '\0';
                } else if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (o > out)
                                *o++ = '/';
                        memcpy(o, p, n);
                        o += n;
                        *o = '\0';
                }
                p += n;
        }
        return out;
}

/* Whether a symlink's target, cleaned (link_path()), is left to the walk:
 * where the walk itself reads what the link stands for (file: a
 * package.json in a package folder; folders: a node_modules or @scope
 * folder; else a package folder, as pnpm's node_modules/.pnpm store holds
 * them), or a folder above the link's own (the project itself: a loop, not
 * a package).  Anywhere else, in a node_modules folder or not
 * (node_modules/x/package.json -> real.json, node_modules/x -> .store/x),
 * the walk reads no package there, but Node loads one through the link. */
static bool left_to_walk(const char *path, const char *dir, bool file, bool folders) {
        size_t n = strlen(path);

        if (n == 0 || (strncmp(dir, path, n) == 0 && (dir[n] == '/' || dir[n] == '\0')))
                return true;
        if (file)
                return endswith(path, "/package.json") && installed_folder_n(path, n - strlen("/package.json"));
        return folders ? package_parent(path, n) : installed_folder(path);
}

/* A linked package without a version (a workspace's own, `"private":
 * true`): the project's code, never published, so no record names it. */
static bool unpublished(const char *buf, size_t len) {
        json_t *root = load(buf, len);
        bool r = json_is_object(root) && json_is_string(json_object_get(root, "name")) &&
                 !json_object_get(root, "version");

        json_decref(root);
        return r;
}

/* One package.json through a symlinked folder: rel below the entry. */
static int read_linked(struct inventory *inv, const struct inventory_walk_entry *e, const char *rel,
                       const char *origin, const char *target, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = inventory_walk_read_in_root(e, rel, NPM_PACKAGE_JSON_MAX, &buf, &len, err);
        if (r == -ENOENT || r == -ENOTDIR) {    /* dangling, a file, or a folder that holds no package */
                error_clear(err);
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = inventory_not_read_errno(inv, -r, "%s (through the symlink %s); skipped", err->msg, target);
                error_clear(err);
                return r < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        }
        if (unpublished(buf, len))
                return 0;
        r = npm_package_json_parse(buf, len, origin, inv);
        return r < 0 ? error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory") : 0;
}

/* A symlinked folder that could not be listed (r): dangling, or not a
 * folder, holds no package; anything else (more than
 * NPM_LINKED_ENTRIES_MAX entries, a loop, no permission) left its packages
 * unread, which is said, as read_linked() says a file it could not read. */
static int list_failed(struct inventory *inv, int r, const char *target, struct error *err) {
        if (r == -ENOMEM)
                return r;
        if (r != -ENOENT && r != -ENOTDIR)
                r = inventory_not_read(inv, "%s (through the symlink %s); its packages were not looked into",
                                       err->msg, target);
        error_clear(err);
        return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* The packages of a symlinked folder that holds package folders (a
 * node_modules, or an @scope in one): each <name>/package.json, and
 * <@scope>/<name>/package.json where scoped is true. */
static int read_linked_folder(struct inventory *inv, const struct inventory_walk_entry *e, const char *folder,
                              const char *target, bool scoped, struct error *err) {
        _cleanup_strv_free_ char **names = NULL;
        int r = inventory_walk_list_in_root(e, NULL, NPM_LINKED_ENTRIES_MAX, &names, err);

        if (r < 0)
                return list_failed(inv, r, target, err);
        for (char **n = names; r >= 0 && n && *n; n++) {
                _cleanup_free_ char *rel = NULL, *origin = NULL;
                _cleanup_strv_free_ char **inner = NULL;

                if ((*n)[0] == '.')
                        continue;
                if (scoped && (*n)[0] == '@') {
                        if ((r = inventory_walk_list_in_root(e, *n, NPM_LINKED_ENTRIES_MAX, &inner, err)) < 0) {
                                r = list_failed(inv, r, target, err);
                                continue;
                        }
                        for (char **m = inner; r >= 0 && m && *m; m++) {
                                _cleanup_free_ char *rel2 = NULL, *origin2 = NULL;

                                if ((*m)[0] == '.')
                                        continue;
                                if (asprintf(&rel2, "%s/%s/package.json", *n, *m) < 0 ||
                                    asprintf(&origin2, "/%s/%s", folder, rel2) < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                                r = read_linked(inv, e, rel2, origin2, target, err);
                        }
                        continue;
                }
                if (asprintf(&rel, "%s/package.json", *n) < 0 || asprintf(&origin, "/%s/%s", folder, rel) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                r = read_linked(inv, e, rel, origin, target, err);
        }
        return r;
}

/* A symlink where Node looks for packages: a package folder in
 * node_modules or its package.json (`npm install ./vendor/x`, `npm link`,
 * workspaces), an @scope folder in one, or node_modules itself.  Node
 * loads the packages through it, so they are read through it, resolved
 * inside the root, and named by the link's path; a link into a
 * node_modules folder is left to the walk, which reads the package where
 * it is. */
static int visit_link(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        _cleanup_free_ char *origin = NULL, *folder = NULL, *path = NULL;
        char target[PATH_MAX];
        size_t dirlen = strlen(e->dir);
        bool file = strcmp(e->name, "package.json") == 0, modules = strcmp(e->name, "node_modules") == 0;
        bool scope = e->name[0] == '@' && is_node_modules(e->dir, dirlen);
        ssize_t n;

        /* most symlinks (a library's .so names) are none of these: no cost */
        if (!modules && !scope && !(file ? installed_folder(e->dir) : package_parent(e->dir, dirlen)))
                return 0;
        if (asprintf(&folder, "%s%s%s", e->dir, *e->dir ? "/" : "", e->name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        n = readlinkat(inventory_walk_dirfd(e), e->name, target, sizeof(target) - 1);
        if (n < 0)
                return 0;
        target[n] = '\0';
        if (!(path = link_path(e->dir, target)))
                return error_set(err, ENOMEM, "out of memory");
        if (left_to_walk(path, e->dir, file, modules || scope))
                return 0;
        if (modules || scope)
                return read_linked_folder(inv, e, folder, target, modules, err);
        if (asprintf(&origin, "/%s%s", folder, file ? "" : "/package.json") < 0)
                return error_set(err, ENOMEM, "out of memory");
        return read_linked(inv, e, file ? NULL : "package.json", origin, target, err);
}

/* A package.json in a Yarn cache zip, where Node's own lookup (through
 * .pnp.cjs) finds one: node_modules/<name>/package.json, and those of the
 * packages a package bundles in its own node_modules. */
static bool zip_package_json(const char *name) {
        char dir[PATH_MAX];
        size_t n = strlen(name);

        if (n <= 13 || n - 13 >= sizeof(dir) || memcmp(name + n - 13, "/package.json", 13) != 0)
                return false;
        memcpy(dir, name, n - 13);
        dir[n - 13] = '\0';
        return installed_folder(dir);
}

/* libarchive's message for a zip it stopped reading, with the errno of a
 * read of the node's that failed ("Error reading fd 12: Input/output
 * error"; said with inventory_not_read_errno(), it is not cached, gate.c
 * store()).  True then: the zip was not read, not found damaged. */
static bool zip_error(struct archive *a, char why[static 256]) {
        int e = archive_errno(a);
        bool node = e > 0 && inventory_errno_node(e);

        snprintf(why, 256, "%s%s%s", strna(archive_error_string(a)), node ? ": " : "", node ? strerror(e) : "");
        return node;
}

/* The current entry of a Yarn cache zip, read whole (at most
 * NPM_PACKAGE_JSON_MAX) and parsed; 1 when a cap stopped the zip (said). */
static int zip_read_package(struct archive *a, const char *origin, const char *name, uint64_t *inflated,
                            uint64_t *total, struct inventory *inv) {
        _cleanup_free_ char *buf = malloc(NPM_PACKAGE_JSON_MAX + 1), *where = NULL;
        char why[256];
        size_t len = 0;
        ssize_t n = 0;

        if (!buf || asprintf(&where, "%s!%s", origin, name) < 0)
                return -ENOMEM;
        while (len <= NPM_PACKAGE_JSON_MAX && (n = archive_read_data(a, buf + len, NPM_PACKAGE_JSON_MAX + 1 - len)) > 0) {
                len += (size_t) n;
                *inflated += (uint64_t) n;
                *total += (uint64_t) n;
                if (*inflated > NPM_ZIP_INFLATED_MAX || *total > INVENTORY_WALK_INFLATED_MAX)
                        return inventory_not_read(inv, "%s: the %s's package.json files inflate to more than %llu "
                                                  "bytes; the rest of it was not looked into", where,
                                                  *total > INVENTORY_WALK_INFLATED_MAX ? "image" : "zip",
                                                  (unsigned long long) (*total > INVENTORY_WALK_INFLATED_MAX
                                                                                ? INVENTORY_WALK_INFLATED_MAX
                                                                                : NPM_ZIP_INFLATED_MAX)) ?: 1;
        }
        if (n < 0) {
                bool node = zip_error(a, why);

                return inventory_not_read_errno(inv, archive_errno(a), "%s: %s (%s); skipped", where,
                                                node ? "not read" : "damaged", why);
        }
        if (len > NPM_PACKAGE_JSON_MAX)
                return inventory_not_read(inv, "%s: more than %zu bytes; skipped", where, NPM_PACKAGE_JSON_MAX);
        buf[len] = '\0';
        return npm_package_json_parse(buf, len, where, inv);
}

/* The packages of a Yarn cache zip opened in a: each package.json Node
 * would find in it, named "<zip>!node_modules/<name>/package.json". */
static int zip_read(struct archive *a, const char *origin, uint64_t *total, struct inventory *inv) {
        struct archive_entry *ae;
        uint64_t inflated = 0;
        size_t entries = 0;
        char why[256];
        int rc, r = 0;

        while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
                const char *name = archive_entry_pathname(ae);

                if (++entries > NPM_ZIP_ENTRIES_MAX)
                        return inventory_not_read(inv, "%s: more than %d entries; the rest was not looked into",
                                                  origin, NPM_ZIP_ENTRIES_MAX);
                if (archive_entry_filetype(ae) != AE_IFREG || !name || !zip_package_json(name))
                        continue;
                if ((r = zip_read_package(a, origin, name, &inflated, total, inv)) != 0)
                        return r < 0 ? r : 0;
        }
        if (rc != ARCHIVE_EOF && zip_error(a, why))
                return inventory_not_read_errno(inv, archive_errno(a), "%s: not read after %zu entries (%s); its packages were not looked "
                                          "into", origin, entries, why);
        if (rc != ARCHIVE_EOF)
                return inventory_not_read(inv, "%s: %s after %zu entries (%s); its packages were not looked into",
                                          origin, entries ? "damaged" : "not a zip archive", entries, why);
        return 0;
}

int npm_yarn_zip_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        struct archive *a = archive_read_new();
        uint64_t total = 0;
        int r;

        if (!a || archive_read_support_format_zip_seekable(a) != ARCHIVE_OK)
                r = -ENOMEM;
        else if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK)
                r = inventory_not_read(inv, "%s: not a zip archive (%s); its packages were not looked into", origin,
                                       strna(archive_error_string(a)));
        else
                r = zip_read(a, origin, &total, inv);
        if (a)
                archive_read_free(a);
        return r;
}

/* A zip of Yarn's cache: a project's .yarn/cache, or Yarn's global one
 * (~/.yarn/berry/cache, where Yarn 4 keeps them by default). */
static bool yarn_cache_zip(const struct inventory_walk_entry *e) {
        return e->type == DT_REG && endswith(e->name, ".zip") &&
               (endswith(e->dir, ".yarn/cache") || endswith(e->dir, ".yarn/berry/cache"));
}

static int visit_yarn_zip(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        struct inventory_walk_file f = { .fd = -EBADF };
        struct archive *a = NULL;
        char why[256];
        int r = inventory_walk_open(e, &f, err);

        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (!(a = archive_read_new()) || archive_read_support_format_zip_seekable(a) != ARCHIVE_OK)
                r = -ENOMEM;
        else if (archive_read_open_fd(a, f.fd, 65536) != ARCHIVE_OK)
                r = inventory_not_read_errno(inv, archive_errno(a), "%s: %s (%s); its packages were not looked "
                                             "into", f.path, zip_error(a, why) ? "not read" : "not a zip archive",
                                             why);
        else
                r = zip_read(a, f.path, inventory_walk_inflated(e), inv);
        if (a)
                archive_read_free(a);
        if (r == -ENOMEM || r == -E2BIG)
                r = error_set(err, -r, "%s: %s", f.path, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory");
        inventory_walk_file_done(&f);
        return r < 0 ? r : 0;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        _cleanup_free_ char *buf = NULL, *origin = NULL;
        size_t len = 0;
        int r;

        if (e->type == DT_LNK)
                return visit_link(inv, e, err);
        if (yarn_cache_zip(e))
                return visit_yarn_zip(inv, e, err);
        if (e->type != DT_REG || strcmp(e->name, "package.json") != 0 || !installed_folder(e->dir))
                return 0;
        if (asprintf(&origin, "/%s/package.json", e->dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = inventory_walk_read_or_warn(inv, e, NULL, "package.json", NPM_PACKAGE_JSON_MAX, false, &buf, &len, err);
        if (r <= 0)
                return r;
        r = npm_package_json_parse(buf, len, origin, inv);
        return r < 0 ? error_set(err, -r, "%s: %s", origin, r == -E2BIG ? INVENTORY_TOO_MANY : "out of memory") : 0;
}

const struct inventory_reader inventory_reader_npm = {
        .name = "npm",
        .what = "npm packages",
        .visit = visit,
};
