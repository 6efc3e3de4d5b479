/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <string.h>

#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "config.h"
#include "update.h"

static const char *const top_keys[] = { "db", "cache", "lock_dir", "policy", "log", "on_error", "rootless",
                                        "trust_image_digest", "update", "state_roots", NULL };
static const char *const log_keys[] = { "syslog", "syslog_socket", "file", NULL };
static const char *const update_keys[] = { "sources", "ecosystems", "cve_sources", "proxy", "ca_file", "timeout_s",
                                           "state_dir", "public_key", "auth_file", "max_layer_mib", "kev_sources",
                                           "epss_sources", NULL };

void config_free(struct config *c) {
        if (!c)
                return;
        free(c->path);
        free(c->db);
        free(c->cache);
        free(c->lock_dir);
        free(c->policy);
        free(c->log_file);
        free(c->log_syslog_socket);
        strv_free(c->state_roots);
        strv_free(c->update.sources);
        strv_free(c->update.ecosystems);
        strv_free(c->update.cve_sources);
        strv_free(c->update.kev_sources);
        strv_free(c->update.epss_sources);
        free(c->update.proxy);
        free(c->update.ca_file);
        free(c->update.state_dir);
        free(c->update.public_key);
        free(c->update.auth_file);
        free(c);
}

static int config_defaults(struct config **ret) {
        _cleanup_(config_freep) struct config *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->db = strdup(PORTCULLIS_DB_DEFAULT);
        c->cache = strdup(PORTCULLIS_CACHE_DEFAULT);
        c->lock_dir = strdup(PORTCULLIS_LOCK_DIR);
        c->policy = strdup(PORTCULLIS_POLICY_DEFAULT);
        c->update.state_dir = strdup(PORTCULLIS_UPDATE_STATE_DIR);
        c->update.timeout_s = 30;
        c->update.max_layer_mib = 4096;
        if (!c->db || !c->cache || !c->lock_dir || !c->policy || !c->update.state_dir ||
            strv_push(&c->update.sources, strdup(PORTCULLIS_UPDATE_SOURCE)) < 0 ||
            strv_push(&c->update.cve_sources, strdup(UPDATE_CVE_SOURCE_DEFAULT)) < 0)
                return -ENOMEM;
        c->log_syslog = true;
        c->on_error = POLICY_ACTION_DENY;
        c->rootless = POLICY_ACTION_DENY;
        c->trust_image_digest = true;
        *ret = TAKE_PTR(c);
        return 0;
}

/* A path setting: absolute, since the hook runs with whatever working
 * directory the runtime gives it.  Replaces *dst when present. */
static int get_path(const struct json_node *obj, const char *key, char **dst, struct error *err) {
        const char *v = NULL;
        char *copy;
        int r = json_get_string(obj, key, &v, err);

        if (r <= 0)
                return r;
        if (v[0] != '/')
                return json_error_at(obj->doc, json_key_pos(obj, key), err,
                                     "'%s' in %s must be an absolute path", key, obj->where);
        if (!(copy = strdup(v)))
                return -ENOMEM;
        free(*dst);
        *dst = copy;
        return 1;
}

const char *const *config_top_keys(void) {
        return top_keys;
}

static int get_action(const struct json_node *obj, const char *key, enum policy_action *ret, struct error *err) {
        static const char *const names[] = { [POLICY_ACTION_ALLOW] = "allow", [POLICY_ACTION_DENY] = "deny" };
        int v = 0, r = json_get_word(obj, key, names, ELEMENTSOF(names), NULL, &v, err);

        if (r > 0)
                *ret = v;
        return r;
}

static int parse_log(const struct json_node *root, struct config *c, struct error *err) {
        struct json_node log;
        int r = json_member(root, "log", JSON_OBJECT, &log, err);

        if (r <= 0)
                return r;
        (void) snprintf(log.where, sizeof(log.where), "'log'");
        if ((r = json_check_keys(&log, log_keys, err)) < 0 ||
            (r = json_get_bool(&log, "syslog", &c->log_syslog, err)) < 0 ||
            (r = get_path(&log, "syslog_socket", &c->log_syslog_socket, err)) < 0 ||
            (r = get_path(&log, "file", &c->log_file, err)) < 0)
                return r;
        return 0;
}

/* A non-empty array of non-empty strings; replaces *dst when present. */
static int get_strv(const struct json_node *obj, const char *key, char ***dst, struct error *err) {
        _cleanup_strv_free_ char **v = NULL;
        struct json_node arr, e;
        int r = json_member(obj, key, JSON_ARRAY, &arr, err);

        if (r <= 0)
                return r;
        if (json_array_size(arr.v) == 0)
                return json_error_at(obj->doc, arr.key_pos, err, "'%s' in %s must not be empty", key, obj->where);
        for (size_t i = 0; i < json_array_size(arr.v); i++) {
                json_element(&arr, i, &e);
                if (!json_is_string(e.v) || json_string_length(e.v) == 0)
                        return json_error_at(obj->doc, e.pos, err, "%s in %s must be a non-empty string", e.where,
                                             obj->where);
                if (strv_push(&v, strdup(json_string_value(e.v))) < 0)
                        return -ENOMEM;
        }
        strv_free(*dst);
        *dst = TAKE_PTR(v);
        return 1;
}

/* A list that may be empty ([] turns a default list off). */
static int get_strv_or_none(const struct json_node *obj, const char *key, char ***dst, struct error *err) {
        json_t *a = json_object_get(obj->v, key);

        if (!json_is_array(a) || json_array_size(a) > 0)
                return get_strv(obj, key, dst, err);
        strv_free(*dst);
        *dst = calloc(1, sizeof(**dst));
        return *dst ? 1 : -ENOMEM;
}

static int get_string(const struct json_node *obj, const char *key, char **dst, struct error *err) {
        const char *v = NULL;
        int r = json_get_string(obj, key, &v, err);

        if (r <= 0)
                return r;
        free(*dst);
        *dst = strdup(v);
        return *dst ? 1 : -ENOMEM;
}

static int parse_update(const struct json_node *root, struct config_update *u, struct error *err) {
        struct json_node n;
        int r = json_member(root, "update", JSON_OBJECT, &n, err);

        if (r <= 0)
                return r;
        (void) snprintf(n.where, sizeof(n.where), "'update'");
        if ((r = json_check_keys(&n, update_keys, err)) < 0 || (r = get_strv(&n, "sources", &u->sources, err)) < 0 ||
            (r = get_strv(&n, "ecosystems", &u->ecosystems, err)) < 0 ||
            (r = get_strv_or_none(&n, "cve_sources", &u->cve_sources, err)) < 0 ||
            (r = get_strv_or_none(&n, "kev_sources", &u->kev_sources, err)) < 0 ||
            (r = get_strv_or_none(&n, "epss_sources", &u->epss_sources, err)) < 0 ||
            (r = get_string(&n, "proxy", &u->proxy, err)) < 0 ||
            (r = get_path(&n, "ca_file", &u->ca_file, err)) < 0 ||
            (r = json_get_uint(&n, "timeout_s", 1, 3600, &u->timeout_s, err)) < 0 ||
            (r = get_path(&n, "state_dir", &u->state_dir, err)) < 0 ||
            (r = get_path(&n, "public_key", &u->public_key, err)) < 0 ||
            (r = get_path(&n, "auth_file", &u->auth_file, err)) < 0 ||
            (r = json_get_uint(&n, "max_layer_mib", 1, 1u << 20, &u->max_layer_mib, err)) < 0)
                return r;
        return 0;
}

/* A list of absolute paths (get_strv's, each starting with '/'). */
static int get_paths(const struct json_node *obj, const char *key, char ***dst, struct error *err) {
        int r = get_strv(obj, key, dst, err);

        for (char **p = r > 0 ? *dst : NULL; p && *p; p++)
                if (**p != '/')
                        return json_error_at(obj->doc, json_key_pos(obj, key), err,
                                             "'%s' in %s: '%s' must be an absolute path", key, obj->where, *p);
        return r;
}

/* Every key known, and a policy key written here ("on_timeout": "deny",
 * "deadline_ms") said to belong to the policy, which it names: else the
 * setting it was meant to make stays at its default. */
static int check_top_keys(const struct json_node *root, const struct config *c, struct error *err) {
        char hint[PATH_MAX + 128];

        (void) snprintf(hint, sizeof(hint), "it is a policy key; set it in the policy file, %s ('policy' names it)",
                        c->policy);
        return json_check_keys_hint(root, top_keys, policy_top_keys(), hint, err);
}

static int parse_top(const struct json_node *root, struct config *c, struct error *err) {
        int r;

        if ((r = get_path(root, "policy", &c->policy, err)) < 0 || (r = check_top_keys(root, c, err)) < 0 ||
            (r = get_path(root, "db", &c->db, err)) < 0 || (r = get_path(root, "cache", &c->cache, err)) < 0 ||
            (r = get_path(root, "lock_dir", &c->lock_dir, err)) < 0 || (r = parse_log(root, c, err)) < 0 ||
            (r = get_action(root, "on_error", &c->on_error, err)) < 0 ||
            (r = get_action(root, "rootless", &c->rootless, err)) < 0 ||
            (r = json_get_bool(root, "trust_image_digest", &c->trust_image_digest, err)) < 0 ||
            (r = parse_update(root, &c->update, err)) < 0 ||
            (r = get_paths(root, "state_roots", &c->state_roots, err)) < 0)
                return r;
        return 0;
}

int config_parse(const char *buf, size_t len, const char *name, struct config **ret, struct error *err) {
        _cleanup_(config_freep) struct config *c = NULL;
        struct json_doc doc;
        struct json_node root;
        int r;

        if (config_defaults(&c) < 0 || !(c->path = strdup(name)))
                return error_set(err, ENOMEM, "%s: out of memory", name);
        if (json_blank(buf, len))
                return error_set(err, EINVAL, "%s: the file is empty; write a configuration into it ({} takes every "
                                 "default; see README.md, Configuration), or remove it (and the --config option "
                                 "that names it): with no configuration file the defaults apply", name);
        r = json_doc_load(&doc, buf, len, name, "the configuration", &root, err);
        if (r >= 0)
                r = parse_top(&root, c, err);
        json_doc_done(&doc);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *path, bool explicit_path, struct config **ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (!path)
                path = PORTCULLIS_CONFIG_DEFAULT;
        r = read_small_file(path, CONFIG_FILE_MAX, &buf, &len, err);
        if (r == -ENOENT && !explicit_path) {
                error_clear(err);
                if ((r = check_dangling_link(path, "the defaults", err)) < 0)
                        return error_wrap(err, "configuration");
                if (config_defaults(ret) < 0)
                        return error_set(err, ENOMEM, "configuration: out of memory");
                return 0;
        }
        if (r < 0)
                return error_wrap(err, "configuration");
        return config_parse(buf, len, path, ret, err);
}
