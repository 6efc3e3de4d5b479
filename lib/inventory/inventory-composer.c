/* SPDX-License-Identifier: Apache-2.0 */
/* Composer (Packagist) packages as installed: vendor/composer/installed.json,
 * which `composer install` writes beside the packages it put in vendor/
 * (or in the folder the project's "config": {"vendor-dir": ...} names:
 * any <vendor-dir>/composer/installed.json).
 * Composer 1 writes an array of package objects; Composer 2 an object
 * {"packages": [...], "dev": bool, "dev-package-names": [...]}.  Packages
 * installed for require-dev are there too: they are listed like the others
 * (their code is in the image) and one warning per file says how many. */
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

#define COMPOSER_INSTALLED_MAX ((size_t) 32 * 1024 * 1024)
#define COMPOSER_FIELD_MAX 256

/* "vendor/name": one '/', each side Composer's characters
 * (getcomposer.org/doc/04-schema.md#name: lower case alphanumerics, "-",
 * "_", "." — loosened to the upper case old packages still carry). */
static bool name_valid(const char *s, const char **ret_slash) {
        const char *slash = strchr(s, '/');
        size_t n = strlen(s);

        if (!slash || slash == s || slash[1] == '\0' || strchr(slash + 1, '/') ||
            !inventory_field_printable(s, n, COMPOSER_FIELD_MAX))
                return false;
        for (const char *p = s; *p; p++)
                if (p != slash && !isalnum_ascii(*p) && !strchr("-_.", *p))
                        return false;
        *ret_slash = slash;
        return true;
}

/* dev-package-names as a set: a hostile file could pair many packages with
 * many names, so no search of the array per package. */
static json_t *dev_set(json_t *dev_names) {
        json_t *set = json_object(), *v;
        size_t i;

        json_array_foreach(dev_names, i, v)
                if (set && json_is_string(v) && json_object_set_new(set, json_string_value(v), json_true()) < 0) {
                        json_decref(set);
                        return NULL;
                }
        return set;
}

static int add_package(struct inventory *inv, const char *origin, size_t i, json_t *pkg) {
        const char *name = json_string_value(json_object_get(pkg, "name"));
        const char *version = json_string_value(json_object_get(pkg, "version"));
        const char *slash = NULL;
        char vendor[COMPOSER_FIELD_MAX + 1];

        if (!name || !version)
                return inventory_not_read(inv, "%s: packages[%zu] has no %s string; skipped", origin, i,
                                          name ? "version" : "name");
        if (!name_valid(name, &slash))
                return inventory_not_read(inv, "%s: packages[%zu]: an invalid Composer package name in field name; "
                                          "skipped", origin, i);
        if (!inventory_field_printable(version, strlen(version), COMPOSER_FIELD_MAX))
                return inventory_not_read(inv, "%s: packages[%zu] (%s): an invalid value in field version; skipped",
                                          origin, i, name);
        /* purl-spec PURL-TYPES "composer": the vendor is the namespace */
        memcpy(vendor, name, (size_t) (slash - name));
        vendor[slash - name] = '\0';
        return inventory_add_lang(inv, origin, "Packagist", name, version, "composer", vendor, slash + 1);
}

int composer_installed_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *pkgs = json_is_array(root) ? root : json_object_get(root, "packages");
        json_t *dev = dev_set(json_object_get(root, "dev-package-names")), *pkg;
        const char *name;
        size_t i, n_dev = 0;
        int r = 0;

        if (!dev)
                r = -ENOMEM;
        else if (!json_is_array(pkgs))
                r = inventory_not_read(inv, "%s: neither an array of packages (Composer 1) nor an object with a "
                                       "\"packages\" array (Composer 2); not read", origin);
        json_array_foreach(pkgs, i, pkg) {
                if (r < 0)
                        break;
                if (!json_is_object(pkg)) {
                        r = inventory_not_read(inv, "%s: packages[%zu] is not an object; skipped", origin, i);
                        continue;
                }
                name = json_string_value(json_object_get(pkg, "name"));
                n_dev += name && json_object_get(dev, name);
                r = add_package(inv, origin, i, pkg);
        }
        if (r >= 0 && n_dev > 0)
                r = inventory_warn(inv, "%s: %zu of the %zu packages were installed for require-dev "
                                   "(dev-package-names); they are listed and checked like the others", origin,
                                   n_dev, json_array_size(pkgs));
        json_decref(dev);
        json_decref(root);
        return r;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        /* composer/ of any vendor-dir, not only of vendor/ */
        if (e->type != DT_REG || strcmp(e->name, "installed.json") != 0 ||
            !(endswith(e->dir, "/composer") || streq_ptr(e->dir, "composer")))
                return 0;
        return inventory_walk_parse(inv, e, NULL, e->name, COMPOSER_INSTALLED_MAX, false, composer_installed_parse,
                                    err);
}

const struct inventory_reader inventory_reader_composer = {
        .name = "composer",
        .what = "Composer packages",
        .visit = visit,
};
