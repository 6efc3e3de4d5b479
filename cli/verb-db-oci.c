/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/jsonutil.h"
#include "base/macro.h"
#include "common.h"
#include "config.h"
#include "registry.h"
#include "verb-db-oci.h"
#include "verbs.h"
#include "vulndb.h"

int db_publish(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "key", required_argument, NULL, 'k' },
                { "authfile", required_argument, NULL, 'a' },
                { "ca-file", required_argument, NULL, 'C' },
                { "created", required_argument, NULL, 'T' },
                { "expires", required_argument, NULL, 'e' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        const char *db = NULL, *config = NULL, *auth = NULL, *ca = NULL, *env = getenv("PORTCULLIS_DB");
        struct publish_settings s = {};
        struct publish_result res = {};
        struct error err = {};
        int c;

        while ((c = cli_getopt(argc, argv, "db publish", opts)) >= 0)
                switch (c) {
                case 'd': db = optarg; break;
                case 'c': config = optarg; break;
                case 'k': s.key_path = optarg; break;
                case 'a': auth = optarg; break;
                case 'C': ca = optarg; break;
                case 'T': s.created = optarg; break;
                case 'e': s.expires = optarg; break;
                default: return EXIT_ERROR;
                }
        if (!s.key_path || optind + 1 != argc) {
                log_error("db publish: usage: portcullis db publish --key KEY.pem [--db DB] [--authfile FILE] "
                          "[--ca-file FILE] [--created TIME] [--expires TIME] oci://HOST[:PORT]/REPOSITORY[:TAG]");
                return EXIT_ERROR;
        }
        if (config_load(config, config != NULL, &cfg, &err) < 0) {
                log_error("db publish: %s", err.msg);
                return EXIT_ERROR;
        }
        s.db_path = db ? db : env && *env ? env : cfg->db;
        s.reg = (struct registry_settings) { .ca_file = ca ? ca : cfg->update.ca_file,
                                             .auth_file = auth ? auth : cfg->update.auth_file,
                                             .proxy = cfg->update.proxy, .timeout_s = cfg->update.timeout_s };
        if (registry_publish(argv[optind], &s, &res, &err) < 0) {
                log_error("db publish: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("published %s (revision %s, %llu bytes, %llu compressed) as %s@%s; %u blobs uploaded, %u already "
               "there\n", s.db_path, res.revision, (unsigned long long) res.db_size,
               (unsigned long long) res.layer_size, argv[optind], res.manifest_digest, res.blobs_uploaded,
               res.blobs_present);
        return EXIT_PASS;
}

int db_export(int argc, char **argv) {
        static const struct option opts[] = {
                { "db", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "key", required_argument, NULL, 'k' },
                { "tag", required_argument, NULL, 't' },
                { "created", required_argument, NULL, 'T' },
                { "expires", required_argument, NULL, 'e' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        const char *db = NULL, *config = NULL, *env = getenv("PORTCULLIS_DB");
        struct export_settings s = {};
        struct publish_result res = {};
        struct error err = {};
        int c;

        while ((c = cli_getopt(argc, argv, "db export", opts)) >= 0)
                switch (c) {
                case 'd': db = optarg; break;
                case 'c': config = optarg; break;
                case 'k': s.key_path = optarg; break;
                case 't': s.tag = optarg; break;
                case 'T': s.created = optarg; break;
                case 'e': s.expires = optarg; break;
                default: return EXIT_ERROR;
                }
        if (!s.key_path || optind + 1 != argc) {
                log_error("db export: usage: portcullis db export --key KEY.pem [--db DB] [--tag TAG] [--created TIME] "
                          "[--expires TIME] FILE (an OCI archive: 'skopeo copy oci-archive:FILE docker://...' "
                          "carries it to a registry)");
                return EXIT_ERROR;
        }
        if (config_load(config, config != NULL, &cfg, &err) < 0) {
                log_error("db export: %s", err.msg);
                return EXIT_ERROR;
        }
        s.db_path = db ? db : env && *env ? env : cfg->db;
        if (registry_export(argv[optind], &s, &res, &err) < 0) {
                log_error("db export: %s", err.msg);
                return EXIT_ERROR;
        }
        printf("exported %s (revision %s, %llu bytes, %llu compressed) to %s, manifest %s\n", s.db_path, res.revision,
               (unsigned long long) res.db_size, (unsigned long long) res.layer_size, argv[optind],
               res.manifest_digest);
        return EXIT_PASS;
}

static void on_event(const struct update_event *ev, void *userdata) {
        (void) userdata;
        if (ev->type == UPDATE_EVENT_STEP)
                printf("%s\n", ev->message);
}

int db_import_oci(const char *path, const char *db, const char *config, bool allow_shrink) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        struct pcdb_install_result res = {};
        struct error err = {};

        if (config_load(config, config != NULL, &cfg, &err) < 0) {
                log_error("db import: %s", err.msg);
                return EXIT_ERROR;
        }
        if (registry_import(path, &(struct registry_pull_settings) {
                                    .db_path = db, .state_dir = cfg->update.state_dir,
                                    .public_key = cfg->update.public_key,
                                    .max_layer = (uint64_t) cfg->update.max_layer_mib << 20,
                                    .allow_shrink = allow_shrink },
                            on_event, NULL, &res, &err) < 0) {
                if (res.changed)
                        log_error("db import: %s", err.msg);
                else
                        log_error("db import: %s (%s)", err.msg, vulndb_failed_note(db));
                if (res.changed)
                        ps_recheck("db import", config, db, NULL);
                return EXIT_ERROR;
        }
        printf("%s %s from the OCI archive %s: revision %s\n", res.changed ? "imported" : "unchanged:", db, path,
               res.revision);
        return EXIT_PASS;
}

void db_status_oci(const char *config, json_t *root) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        struct registry_state_info o = {};
        struct error err = {};
        int r;

        if (config_load(config, config != NULL, &cfg, &err) < 0)
                return;         /* said once by the update state's lines */
        r = registry_state_read(cfg->update.state_dir, &o, &err);
        if (r < 0) {
                if (r != -ENOENT)
                        log_warning("no OCI pull state shown: %s", err.msg);
                return;
        }
        if (root)
                json_object_set_new(root, "oci",
                                    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "source",
                                              json_str_or_null(o.source), "manifest_digest",
                                              json_str_or_null(o.manifest_digest), "revision",
                                              json_str_or_null(o.revision), "installed", json_str_or_null(o.installed),
                                              "created", json_str_or_null(o.created), "expires",
                                              json_str_or_null(o.expires), "db", json_str_or_null(o.db), "last_run",
                                              json_str_or_null(o.last_run), "last_error",
                                              json_str_or_null(o.last_error)));
        else {
                if (o.revision)
                        printf("OCI pull:    revision %s from %s at %s\n  manifest:  %s, built %s, expires %s\n",
                               strna(o.revision), strna(o.source), strna(o.installed), strna(o.manifest_digest),
                               strna(o.created), strna(o.expires));
                if (o.last_error)
                        printf("%s %s, failed: %s\n", o.revision ? "  last pull:" : "OCI pull:   ", strna(o.last_run),
                               o.last_error);
        }
        if (o.last_error)
                log_warning("the last OCI pull, at %s, failed: %s", strna(o.last_run), o.last_error);
        registry_state_info_done(&o);
}

void db_update_oci_summary(const struct update_result *res, const char *db, double seconds) {
        if (res->changed)
                printf("pulled revision %s from %s into %s in %.2f s\n", res->revision, res->oci_source, db, seconds);
        else
                printf("unchanged: %s is current (revision %s, the manifest of %s unchanged), checked in %.2f s\n", db,
                       res->revision, res->oci_source, seconds);
}
