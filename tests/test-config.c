/* SPDX-License-Identifier: Apache-2.0 */
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "config.h"
#include "update.h"
#include "test.h"

/* ---- jsonutil: finding keys and elements in the raw buffer ---------------- */

static void test_find_member(void) {
        static const struct {
                const char *json, *key;
                long key_pos, val_pos;  /* -1: not found */
        } rows[] = {
                { "{\"a\": 1}", "a", 1, 6 },
                { "{ \"a\" : 1 , \"b\":2}", "b", 12, 16 },
                /* a key spelled inside a string value, or inside a nested object, is not a member */
                { "{\"x\": \"\\\"b\\\": 1\", \"b\": 2}", "b", 18, 23 },
                { "{\"x\": {\"b\": 1}, \"b\": [\"b\"]}", "b", 16, 21 },
                { "{\"x\": {\"b\": 1}}", "b", -1, -1 },
                { "{\"x\": [{\"b\": 1}, \"}\"], \"b\": null}", "b", 23, 28 },
                /* escapes in the key token */
                { "{\"\\u0062\": 1}", "b", 1, 11 },
                { "{\"a\\\"b\": 1}", "a\"b", 1, 9 },
                { "{\"\\u00e9\": 1, \"b\": 2}", "b", 14, 19 },
                /* not an object / broken input: not found, never out of bounds */
                { "[\"b\", 1]", "b", -1, -1 },
                { "{\"b\"", "b", -1, -1 },
                { "{\"a\": \"unterminated", "b", -1, -1 },
                { "", "b", -1, -1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                size_t v, k = json_find_member(rows[i].json, strlen(rows[i].json), 0, rows[i].key, &v);

                CHECK_MSG((long) k == rows[i].key_pos || (rows[i].key_pos < 0 && k == JSON_POS_UNKNOWN),
                          "row %zu: key at %zu", i, k);
                CHECK_MSG((long) v == rows[i].val_pos || (rows[i].val_pos < 0 && v == JSON_POS_UNKNOWN),
                          "row %zu: value at %zu", i, v);
        }
}

static void test_find_element(void) {
        static const char json[] = "[ 1, \"a,]\", {\"x\": [1, 2]}, [3], true ]";
        static const long want[] = { 2, 5, 12, 27, 32, -1 };

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                size_t p = json_find_element(json, strlen(json), 0, i);

                CHECK_MSG((long) p == want[i] || (want[i] < 0 && p == JSON_POS_UNKNOWN), "element %zu at %zu", i, p);
        }
        CHECK(json_find_element("[]", 2, 0, 0) == JSON_POS_UNKNOWN);
        CHECK(json_find_element("{}", 2, 0, 0) == JSON_POS_UNKNOWN);
}

static void test_line_col(void) {
        static const char buf[] = "ab\n\xc3\xa9x\r\n\tz";
        int line, col;

        json_line_col(buf, strlen(buf), 0, &line, &col);
        CHECK(line == 1 && col == 1);
        json_line_col(buf, strlen(buf), 5, &line, &col);        /* 'x' after a two-byte character */
        CHECK(line == 2 && col == 2);
        json_line_col(buf, strlen(buf), 9, &line, &col);        /* 'z' after a tab */
        CHECK(line == 3 && col == 2);
}

static void test_check_keys(void) {
        static const char *const allowed[] = { "mode", "severity", NULL };
        static const char json[] = "{\"mode\": \"x\",\n  \"moed\\u0000\": 1}";
        static const char json2[] = "{\"mode\": \"moed\",\n  \"moed\": 1}";
        struct json_doc doc;
        struct json_node root;
        struct error err = {};
        char shown[8];

        /* a NUL inside a key is refused by jansson itself */
        CHECK(json_doc_load(&doc, json, strlen(json), "f.json", "the file", &root, &err) < 0);
        json_doc_done(&doc);

        CHECK(json_doc_load(&doc, json2, strlen(json2), "f.json", "the file", &root, &err) == 0);
        CHECK(json_check_keys(&root, allowed, &err) == -EINVAL);
        CHECK_STREQ(err.msg, "f.json:2:3: unknown key 'moed' in the file; expected one of mode, severity");
        json_doc_done(&doc);

        json_printable("a\nb\xc3\xa9long-tail", shown, sizeof(shown));
        CHECK_STREQ(shown, "a?b?...");
}

/* ---- config --------------------------------------------------------------- */

static void test_parse(void) {
        static const char json[] =
                "{\"db\": \"/srv/db.sqlite\", \"cache\": \"/srv/cache.db\", \"policy\": \"/srv/p.json\",\n"
                " \"log\": {\"syslog\": false, \"syslog_socket\": \"/run/log.sock\", \"file\": \"/var/log/portcullis/audit.log\"},\n"
                " \"on_error\": \"allow\", \"rootless\": \"allow\",\n"
                " \"trust_image_digest\": false}";
        struct config *c = NULL;
        struct error err = {};

        CHECK(config_parse(json, strlen(json), "c.json", &c, &err) == 0);
        if (c) {
                CHECK_STREQ(c->db, "/srv/db.sqlite");
                CHECK_STREQ(c->cache, "/srv/cache.db");
                CHECK_STREQ(c->policy, "/srv/p.json");
                CHECK_STREQ(c->log_file, "/var/log/portcullis/audit.log");
                CHECK_STREQ(c->log_syslog_socket, "/run/log.sock");
                CHECK_STREQ(c->path, "c.json");
                CHECK(!c->log_syslog && c->on_error == POLICY_ACTION_ALLOW && !c->trust_image_digest);
                CHECK(c->rootless == POLICY_ACTION_ALLOW);
        }
        config_free(c);
        c = NULL;

        CHECK(config_parse("{}", 2, "c.json", &c, &err) == 0);
        if (c) {
                CHECK_STREQ(c->db, PORTCULLIS_DB_DEFAULT);
                CHECK_STREQ(c->cache, PORTCULLIS_CACHE_DEFAULT);
                CHECK_STREQ(c->policy, PORTCULLIS_POLICY_DEFAULT);
                CHECK(c->log_syslog && !c->log_file && c->on_error == POLICY_ACTION_DENY && c->trust_image_digest);
                CHECK(c->rootless == POLICY_ACTION_DENY);
                CHECK(!c->log_syslog_socket);
                CHECK_STREQ(c->update.state_dir, PORTCULLIS_UPDATE_STATE_DIR);
                CHECK(!c->update.ecosystems && !c->update.public_key);
                CHECK_STREQ(c->update.sources ? c->update.sources[0] : NULL, PORTCULLIS_UPDATE_SOURCE);
                CHECK(c->update.timeout_s == 30 && !c->update.proxy && !c->update.ca_file);
                CHECK_STREQ(c->update.cve_sources ? c->update.cve_sources[0] : NULL, UPDATE_CVE_SOURCE_DEFAULT);
        }
        config_free(c);
        c = NULL;

        static const char upd[] = "{\"update\": {\"sources\": [\"http://a/\", \"https://b\"], \"ecosystems\": "
                                  "[\"Alpine:v3.18\"], \"proxy\": \"http://proxy:3128\", \"ca_file\": \"/etc/ca.pem\", "
                                  "\"timeout_s\": 7, \"state_dir\": \"/srv/update\", \"public_key\": \"/etc/u.pub\"}}";
        CHECK(config_parse(upd, strlen(upd), "c.json", &c, &err) == 0);
        if (c) {
                CHECK(strv_length(c->update.sources) == 2 && strv_length(c->update.ecosystems) == 1);
                CHECK_STREQ(c->update.sources[1], "https://b");
                CHECK_STREQ(c->update.ecosystems[0], "Alpine:v3.18");
                CHECK_STREQ(c->update.proxy, "http://proxy:3128");
                CHECK_STREQ(c->update.ca_file, "/etc/ca.pem");
                CHECK_STREQ(c->update.state_dir, "/srv/update");
                CHECK(c->update.timeout_s == 7);
                CHECK_STREQ(c->update.public_key, "/etc/u.pub");
        }
        config_free(c);
        c = NULL;

        /* cve_sources: a list, or [] for none (the default is one URL). */
        static const char cves[] = "{\"update\": {\"cve_sources\": [\"https://c/cves.zip\"]}}";
        CHECK(config_parse(cves, strlen(cves), "c.json", &c, &err) == 0);
        CHECK(c && strv_length(c->update.cve_sources) == 1 &&
              strcmp(c->update.cve_sources[0], "https://c/cves.zip") == 0);
        config_free(c);
        c = NULL;
        static const char none[] = "{\"update\": {\"cve_sources\": []}}";
        CHECK(config_parse(none, strlen(none), "c.json", &c, &err) == 0);
        CHECK(c && c->update.cve_sources && strv_length(c->update.cve_sources) == 0);
        config_free(c);
        c = NULL;

        /* kev_sources, epss_sources: none by default; mirrors in order */
        static const char feeds[] = "{\"update\": {\"kev_sources\": [\"https://a/kev.json\", \"https://b/kev.json\"], "
                                    "\"epss_sources\": [\"https://e/epss.csv.gz\"]}}";
        CHECK(config_parse(feeds, strlen(feeds), "c.json", &c, &err) == 0);
        CHECK(c && strv_length(c->update.kev_sources) == 2 && strcmp(c->update.kev_sources[1], "https://b/kev.json") == 0 &&
              strv_length(c->update.epss_sources) == 1);
        config_free(c);
        c = NULL;
        CHECK(config_parse(none, strlen(none), "c.json", &c, &err) == 0);
        CHECK(c && !c->update.kev_sources && !c->update.epss_sources && !c->state_roots);
        config_free(c);
        c = NULL;

        /* state_roots: where 'ps' looks, in order */
        static const char roots[] = "{\"state_roots\": [\"/run/runc\", \"/run/k3s/containerd/runc\"]}";
        CHECK(config_parse(roots, strlen(roots), "c.json", &c, &err) == 0);
        CHECK(c && strv_length(c->state_roots) == 2 && strcmp(c->state_roots[1], "/run/k3s/containerd/runc") == 0);
        config_free(c);
}

static void test_errors(void) {
        static const struct {
                const char *json, *msg;
        } rows[] = {
                { "{\"db\": \"/a\",\n \"dbb\": \"/b\"}",
                  "c.json:2:2: unknown key 'dbb' in the configuration; expected one of db, cache, lock_dir, policy, log, on_error, rootless, trust_image_digest, update, state_roots" },
                { "{\"log\": {\"syslog\": true,\n    \"files\": \"/x\"}}",
                  "c.json:2:5: unknown key 'files' in 'log'; expected one of syslog, syslog_socket, file" },
                { "{\"db\": \"relative/db.sqlite\"}", "c.json:1:2: 'db' in the configuration must be an absolute path" },
                { "{\"cache\": \"\"}", "c.json:1:2: 'cache' in the configuration must not be empty" },
                { "{\"policy\": 1}", "c.json:1:2: 'policy' in the configuration must be a string" },
                { "{\"log\": {\"file\": \"audit.log\"}}", "c.json:1:10: 'file' in 'log' must be an absolute path" },
                { "{\"log\": {\"syslog\": \"yes\"}}", "c.json:1:10: 'syslog' in 'log' must be true or false" },
                { "{\"log\": {\"syslog_socket\": \"dev/log\"}}",
                  "c.json:1:10: 'syslog_socket' in 'log' must be an absolute path" },
                { "{\"log\": true}", "c.json:1:2: 'log' in the configuration must be an object" },
                { "{\"on_error\": \"Deny\"}",
                  "c.json:1:2: 'on_error' in the configuration must be one of allow, deny, not 'Deny'" },
                { "{\"rootless\": \"allow-with-warning\"}",
                  "c.json:1:2: 'rootless' in the configuration must be one of allow, deny, not 'allow-with-warning'" },
                { "{\"db\": \"/a\", \"db\": \"/b\"}", "c.json:1:17: duplicate object key near '\"db\"'" },
                { "\"/var/lib\"", "c.json:1:10: '[' or '{' expected near '\"/var/lib\"'" },
                { "[]", "c.json:1:1: the configuration must be a JSON object" },
                { "{\"update\": {\"sorces\": []}}",
                  "c.json:1:13: unknown key 'sorces' in 'update'; expected one of sources, ecosystems, cve_sources, "
                  "proxy, ca_file, timeout_s, state_dir, public_key, auth_file, max_layer_mib, kev_sources, epss_sources" },
                { "{\"update\": {\"kev_sources\": [\"https://k/kev.json\", 7]}}",
                  "c.json:1:51: 'kev_sources'[1] in 'update' must be a non-empty string" },
                { "{\"update\": {\"public_key\": \"u.pub\"}}",
                  "c.json:1:13: 'public_key' in 'update' must be an absolute path" },
                { "{\"update\": {\"sources\": []}}", "c.json:1:13: 'sources' in 'update' must not be empty" },
                { "{\"update\": {\"ecosystems\": [\"Debian:12\", 3]}}",
                  "c.json:1:41: 'ecosystems'[1] in 'update' must be a non-empty string" },
                { "{\"update\": {\"state_dir\": \"var/lib\"}}",
                  "c.json:1:13: 'state_dir' in 'update' must be an absolute path" },
                { "{\"update\": {\"timeout_s\": 0}}",
                  "c.json:1:13: 'timeout_s' in 'update' must be between 1 and 3600, not 0" },
                { "{\"state_roots\": [\"/run/runc\", \"run/crun\"]}",
                  "c.json:1:2: 'state_roots' in the configuration: 'run/crun' must be an absolute path" },
                /* a typo'd key that would leave the default in place: refused */
                { "{\"on_eror\": \"allow\"}",
                  "c.json:1:2: unknown key 'on_eror' in the configuration; expected one of db, cache, lock_dir, policy, log, on_error, rootless, trust_image_digest, update, state_roots" },
                /* a policy key written here: where it belongs (the policy the file names) */
                { "{\"on_timeout\": \"deny\"}", "c.json:1:2: 'on_timeout' in the configuration is not a key of it: "
                  "it is a policy key; set it in the policy file, " PORTCULLIS_POLICY_DEFAULT " ('policy' names it)" },
                { "{\"deadline_ms\": 500, \"policy\": \"/etc/p.json\"}", "c.json:1:2: 'deadline_ms' in the "
                  "configuration is not a key of it: it is a policy key; set it in the policy file, /etc/p.json "
                  "('policy' names it)" },
                { "{\"on_unchecked\": \"deny\"}", "c.json:1:2: 'on_unchecked' in the configuration is not a key of "
                  "it: it is a policy key; set it in the policy file, " PORTCULLIS_POLICY_DEFAULT " ('policy' names it)" },
                /* an empty file: what to write, or what to remove */
                { "", "c.json: the file is empty; write a configuration into it ({} takes every default; see "
                  "README.md, Configuration), or remove it (and the --config option that names it): with no "
                  "configuration file the defaults apply" },
                { "\n \n", "c.json: the file is empty; write a configuration into it ({} takes every default; see "
                  "README.md, Configuration), or remove it (and the --config option that names it): with no "
                  "configuration file the defaults apply" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                struct config *c = NULL;
                struct error err = {};
                int r = config_parse(rows[i].json, strlen(rows[i].json), "c.json", &c, &err);

                CHECK_MSG(r == -EINVAL && !c, "row %zu: r=%d", i, r);
                CHECK_STREQ(err.msg, rows[i].msg);
                config_free(c);
        }
}

static void test_load(void) {
        const char *dir = test_tmpdir(), *missing = test_path(dir, "missing.json");
        _cleanup_(config_freep) struct config *c = NULL;
        _cleanup_(config_freep) struct config *d = NULL;
        struct error err = {};

        /* the default path missing: the defaults; asked for explicitly: an error */
        CHECK(config_load(missing, false, &c, &err) == 0);
        CHECK(c && c->path == NULL && strcmp(c->db, PORTCULLIS_DB_DEFAULT) == 0);
        CHECK(config_load(missing, true, &d, &err) == -ENOENT && !d);
        CHECK(strstr(err.msg, "missing.json") != NULL);

        /* a directory is not a missing file */
        CHECK(config_load(dir, false, &d, &err) < 0 && !d);

        test_write_file(test_path(dir, "c.json"), "{\"db\": \"/x/db\"}");
        CHECK(config_load(test_path(dir, "c.json"), true, &d, &err) == 0);
        CHECK(d && strcmp(d->db, "/x/db") == 0 && d->path && strstr(d->path, "c.json"));
}

int main(void) {
        test_find_member();
        test_find_element();
        test_line_col();
        test_check_keys();
        test_parse();
        test_errors();
        test_load();
        return test_end();
}
