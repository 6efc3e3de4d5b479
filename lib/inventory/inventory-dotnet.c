/* SPDX-License-Identifier: Apache-2.0 */
/* NuGet packages of a .NET application: its <app>.deps.json, which the SDK
 * writes beside the application at build and publish time.  Its
 * "libraries" object names every library the application loads as
 * "<id>/<version>" with a "type": "package" comes from NuGet, "project" is
 * the application's own code (and its project references), "reference",
 * "runtimepack" and the others are not NuGet packages — only "package" is
 * read (dotnet/sdk documentation/specs/runtime-configuration-file.md). */
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

#define DOTNET_DEPS_MAX ((size_t) 32 * 1024 * 1024)
#define NUGET_ID_MAX 100        /* nuget.org's limit on a package id */
#define NUGET_VERSION_MAX 256

/* NuGet ids: letters, digits, '.', '_', '-' (NuGet.Packaging's
 * PackageIdValidator), at most 100 bytes. */
static bool id_valid(const char *s, size_t n) {
        if (!inventory_field_printable(s, n, NUGET_ID_MAX))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum_ascii(s[i]) && !strchr("._-", s[i]))
                        return false;
        return true;
}

static int add_library(struct inventory *inv, const char *origin, const char *key) {
        const char *slash = strchr(key, '/');
        char id[NUGET_ID_MAX + 1];
        size_t n;

        if (!slash || strchr(slash + 1, '/'))
                return inventory_warn(inv, "%s: library key is not \"<id>/<version>\"; skipped", origin);
        n = (size_t) (slash - key);
        if (!id_valid(key, n))
                return inventory_warn(inv, "%s: library key: an invalid NuGet id; skipped", origin);
        if (!inventory_field_printable(slash + 1, strlen(slash + 1), NUGET_VERSION_MAX))
                return inventory_warn(inv, "%s: library key: an invalid version; skipped", origin);
        memcpy(id, key, n);
        id[n] = '\0';
        return inventory_add_lang(inv, origin, "NuGet", id, slash + 1, "nuget", NULL, NULL);
}

int dotnet_deps_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        json_t *libraries = json_object_get(root, "libraries"), *lib;
        const char *key, *type;
        int r = 0;

        if (!json_is_object(libraries))
                r = inventory_warn(inv, "%s: not a deps.json (no \"libraries\" object); not read", origin);
        json_object_foreach(libraries, key, lib) {
                type = json_string_value(json_object_get(lib, "type"));
                if (!type)
                        r = inventory_warn(inv, "%s: library has no \"type\" string; skipped", origin);
                else if (streq_ptr(type, "package"))
                        r = add_library(inv, origin, key);
                if (r < 0)
                        break;
        }
        json_decref(root);
        return r;
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        if (e->type != DT_REG || !endswith(e->name, ".deps.json"))
                return 0;
        return inventory_walk_parse(inv, e, NULL, e->name, DOTNET_DEPS_MAX, false, dotnet_deps_parse, err);
}

const struct inventory_reader inventory_reader_dotnet = {
        .name = "dotnet",
        .what = ".NET dependencies",
        .visit = visit,
};
