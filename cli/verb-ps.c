/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis ps: the containers running on the node and the verdict each
 * would get now (lib/running.h); and the recheck that 'db update', 'db
 * import' and 'cache rescan' run after they change what verdicts rest on. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "common.h"
#include "config.h"
#include "running.h"
#include "verbs.h"

/* The config, and the policy it names (the built-in one when the default
 * path holds none, as the hook does). */
static int load_settings(const char *config, struct config **ret_cfg, struct policy **ret_policy,
                         struct error *err) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        int r;

        if ((r = config_load(config, config != NULL, &cfg, err)) < 0)
                return r;
        r = policy_load_configured(cfg->policy, ret_policy, err);
        if (r < 0)
                return r;
        *ret_cfg = TAKE_PTR(cfg);
        return 0;
}

/* "1 CRITICAL, 2 HIGH", or "-" when nothing counts. */
static void counts_text(const size_t *counts, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = '\0';
        for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                if (counts[s] > 0 && n < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s%zu %s", n ? ", " : "", counts[s],
                                               severity_to_string(s));
        if (!buf[0])
                snprintf(buf, size, "-");
}

static const char *verdict_text(const struct running_container *c) {
        if (!c->identity)
                return "no identity";
        if (c->error)
                return "error";
        if (!c->judged)
                return "not cached";
        return verdict_decision_to_string(c->decision);
}

static bool wanted(const struct running_container *c, char *const *keys, bool filter) {
        if (!filter)
                return true;
        for (; keys && *keys; keys++)
                if (strcmp(*keys, c->key) == 0)
                        return true;
        return false;
}

/* A row shows what str_make_printable() shows of its cells: the image and
 * namespace are annotations, which a container's owner sets. */
static int print_table(const struct running_list *l, char *const *keys, bool filter) {
        printf("%-20s  %-12s  %-36s  %-22s  %-7s  %-11s  %s\n", "CONTAINER", "NAMESPACE", "IMAGE", "IDENTITY", "MODE",
               "VERDICT", "FINDINGS");
        for (size_t i = 0; i < l->n; i++) {
                const struct running_container *c = &l->v[i];
                _cleanup_free_ char *row = NULL;
                char counts[128], ident[32];

                if (!wanted(c, keys, filter))
                        continue;
                counts_text(c->counts, counts, sizeof(counts));
                snprintf(ident, sizeof(ident), "%s", c->identity ? c->identity : "-");
                if (asprintf(&row, "%-20.64s  %-12s  %-36s  %-22s  %-7s  %-11s  %s", c->id,
                             c->namespace ? c->namespace : c->containerd_namespace ? c->containerd_namespace : "-",
                             c->image ? c->image : "-", ident, c->judged ? policy_mode_to_string(c->mode) : "-",
                             verdict_text(c), c->judged ? counts : c->error ? c->error : strempty(c->identity_note)) < 0) {
                        log_error("ps: out of memory");
                        return EXIT_ERROR;
                }
                str_make_printable(row);
                puts(row);
        }
        return EXIT_PASS;
}

static json_t *counts_json(const size_t *counts) {
        json_t *o = json_object();

        for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                json_object_set_new(o, severity_to_string(s), json_integer((json_int_t) counts[s]));
        return o;
}

static json_t *container_json(const struct running_container *c) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s}",
                              "id", c->id, "key", c->key, "runtime", c->runtime, "state_root", c->state_root,
                              "containerd_namespace", json_str_or_null(c->containerd_namespace), "pid", c->pid,
                              "created", json_str_or_null(c->created), "rootfs", json_str_or_null(c->rootfs),
                              "image", json_str_or_null(c->image), "namespace", json_str_or_null(c->namespace),
                              "identity", json_str_or_null(c->identity), "identity_source",
                              json_str_or_null(c->identity ? c->identity_source : NULL), "identity_note",
                              json_str_or_null(c->identity_note), "cached", c->cached, "verdict", verdict_text(c));

        if (o && c->judged)
                json_object_update_new(o, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "mode",
                                                    policy_mode_to_string(c->mode), "scope",
                                                    json_str_or_null(c->scope), "counts", counts_json(c->counts),
                                                    "findings", json_strv(c->counting), "worst", json_strv(c->worst),
                                                    "entry_revision", json_str_or_null(c->entry_revision)));
        if (o && c->error)
                json_object_set_new(o, "error", json_string(c->error));
        return o;
}

static int print_json(const struct running_list *l, char *const *keys, bool filter) {
        _cleanup_free_ char *text = NULL;
        json_t *arr = json_array(), *root;

        for (size_t i = 0; i < l->n; i++)
                if (wanted(&l->v[i], keys, filter))
                        json_array_append_new(arr, container_json(&l->v[i]));
        root = json_pack("{s:s, s:o, s:I, s:o}", "db_revision", l->db_revision, "containers", arr, "now_violating",
                         (json_int_t) running_now_violating(l), "warnings", json_strv(l->warnings));
        text = root ? json_dumps_escaped(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (!text) {
                log_error("ps: out of memory");
                return EXIT_ERROR;
        }
        cli_print(text);
        return EXIT_PASS;
}

static struct running_options options_of(const struct config *cfg, const struct policy *p, char *const *roots) {
        return (struct running_options) { .state_roots = roots ? roots : cfg->state_roots, .cache = cfg->cache,
                                          .db = cfg->db, .policy = p, .trust_image_digest = cfg->trust_image_digest };
}

int verb_ps(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-root", required_argument, NULL, 'r' },
                { "format", required_argument, NULL, 'F' },
                { "changed-since", required_argument, NULL, 's' },
                { "no-inventory", no_argument, NULL, 'N' },
                {}
        };
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_(policy_freep) struct policy *policy = NULL;
        _cleanup_strv_free_ char **roots = NULL, **keys = NULL;
        _cleanup_free_ char *state_file = NULL;
        struct running_options o;
        struct running_list l = {};
        const char *config = NULL, *since = NULL;
        struct error err = {};
        struct stat st;
        bool json = false, no_inventory = false;
        int c, r;

        while ((c = cli_getopt(argc, argv, "ps", opts)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'r':
                        if (optarg[0] != '/') {
                                log_error("ps: --state-root '%s' must be an absolute path", optarg);
                                return EXIT_ERROR;
                        }
                        if (strv_push(&roots, strdup(optarg)) < 0)
                                return EXIT_ERROR;
                        break;
                case 'F':
                        if (cli_parse_format(optarg, &json) < 0)
                                return EXIT_ERROR;
                        break;
                case 's':
                        since = optarg;
                        break;
                case 'N':
                        no_inventory = true;
                        break;
                default:
                        return EXIT_ERROR;
                }
        if (optind < argc) {
                log_error("ps: unexpected argument '%s'", argv[optind]);
                return EXIT_ERROR;
        }
        if (load_settings(config, &cfg, &policy, &err) < 0) {
                log_error("ps: %s", err.msg);
                return EXIT_ERROR;
        }
        if (since && (running_state_file(cfg->cache, &state_file) < 0 ||
                      running_changed_since(state_file, since, &keys, &err) < 0)) {
                log_error("ps: --changed-since: %s", err.msg[0] ? err.msg : "out of memory");
                return EXIT_ERROR;
        }
        o = options_of(cfg, policy, roots);
        o.no_inventory = no_inventory;
        log_debug("ps: configuration %s, policy %s, database %s, cache %s", cfg->path ? cfg->path : "(built-in)",
                  policy->path ? policy->path : "(built-in default)", cfg->db, cfg->cache);
        for (char *const *d = o.state_roots ? o.state_roots : (char *const *) running_default_roots; *d; d++)
                log_debug("ps: state folder %s", *d);
        if (running_list(&o, &l, &err) < 0) {
                log_error("ps: %s", err.msg);
                return EXIT_ERROR;
        }
        /* A default root that is absent is a runtime this node lacks; one
         * the user named is a typo or a runtime that is not there, and an
         * empty list must not read as "nothing is running". */
        for (char **d = roots; d && *d; d++)
                if (stat(*d, &st) < 0 && errno == ENOENT &&
                    strv_pushf(&l.warnings, "--state-root %s: no such folder, so no container was read from it",
                               *d) < 0) {
                        running_list_done(&l);
                        return EXIT_ERROR;
                }
        for (char **w = l.warnings; w && *w; w++)
                log_warning("%s", *w);
        if (json)
                r = print_json(&l, keys, since != NULL);
        else
                r = print_table(&l, keys, since != NULL);
        running_list_done(&l);
        return r;
}

/* The recheck's settings: 0, or 1 when the running containers are not
 * to be re-judged (said). */
static int recheck_settings(const char *cmd, const char *config, const char *db, const char *cache,
                            struct config **ret_cfg, struct policy **ret_policy, char **ret_state_file) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_(policy_freep) struct policy *policy = NULL;
        struct error err = {};
        struct stat st;

        if (load_settings(config, &cfg, &policy, &err) < 0) {
                log_warning("%s: running containers not re-judged: %s", cmd, err.msg);
                return 1;
        }
        /* Running containers are judged by the configured DB and cache
         * only: an import into another file changes no verdict. */
        if ((db && !streq_ptr(db, cfg->db)) || (cache && !streq_ptr(cache, cfg->cache)) ||
            stat(cfg->cache, &st) < 0) {
                log_debug("%s: running containers not re-judged (another DB or cache than %s names, or no cache)",
                          cmd, strna(cfg->path));
                return 1;
        }
        if (running_state_file(cfg->cache, ret_state_file) < 0) {
                log_warning("%s: running containers not re-judged: out of memory", cmd);
                return 1;
        }
        *ret_cfg = TAKE_PTR(cfg);
        *ret_policy = TAKE_PTR(policy);
        return 0;
}

/* The recheck (pending: of the containers a recheck left to 'cache
 * fill' alone) with the settings of config: 0, 1 when not run (said). */
static int recheck_run(const char *cmd, const char *config, const char *db, const char *cache, bool pending,
                       struct running_recheck_result *ret) {
        _cleanup_(config_freep) struct config *cfg = NULL;
        _cleanup_(policy_freep) struct policy *policy = NULL;
        _cleanup_free_ char *state_file = NULL;
        struct running_options o;
        struct running_sink sink;
        struct error err = {};

        if (recheck_settings(cmd, config, db, cache, &cfg, &policy, &state_file) != 0)
                return 1;
        o = options_of(cfg, policy, NULL);
        sink = (struct running_sink) { .log_file = cfg->log_file, .syslog = cfg->log_syslog,
                                       .syslog_socket = cfg->log_syslog_socket,
                                       .policy_path = policy->path ? policy->path : "(built-in default)" };
        if ((pending ? running_recheck_pending : running_recheck)(&o, &sink, state_file, ret, &err) < 0) {
                log_warning("%s: running containers not re-judged: %s", cmd, err.msg[0] ? err.msg : "out of memory");
                return 1;
        }
        for (char **w = ret->warnings; w && *w; w++)
                log_warning("%s: %s", cmd, *w);
        return 0;
}

/* The containers a recheck left to 'cache fill' named in its line. */
#define RECHECK_LEFT_NAMED 20

void ps_recheck(const char *cmd, const char *config, const char *db, const char *cache) {
        struct running_recheck_result res = {};

        if (recheck_run(cmd, config, db, cache, false, &res) != 0)
                return;
        printf("running containers: %zu, %zu not allowed now, %zu now violating since the last check (%s), %zu not "
               "judged (no identity, or not in the cache: see portcullis ps)\n", res.containers, res.violating,
               res.logged, res.logged ? "one now_violates audit line each" : "none new", res.unjudged);
        /* where the analysis sandbox can't run (the update's unit): said,
         * and for whom, not left for ever */
        if (res.left) {
                printf("%zu of them left to 'portcullis cache fill' (portcullis-fill.timer), which reads their "
                       "inventories in the analysis sandbox this process could not run (%s):", res.left,
                       res.left_reason);
                for (size_t i = 0; i < res.left && i < RECHECK_LEFT_NAMED; i++)
                        printf(" %s", res.left_ids[i]);
                if (res.left > RECHECK_LEFT_NAMED)
                        printf(" and %zu more (see portcullis ps)", res.left - RECHECK_LEFT_NAMED);
                printf("\n");
        }
        running_recheck_result_done(&res);
}

void ps_recheck_pending(const char *cmd, const char *config) {
        struct running_recheck_result res = {};

        if (recheck_run(cmd, config, NULL, NULL, true, &res) != 0)
                return;
        if (res.taken)
                printf("%s: judged %zu running %s the recheck after the DB update left to it: %zu now violating "
                       "since the last check (%s), %zu still not judged\n", cmd, res.taken - res.unjudged,
                       res.taken == 1 ? "container" : "containers", res.logged,
                       res.logged ? "one now_violates audit line each" : "none new", res.unjudged);
        running_recheck_result_done(&res);
}
