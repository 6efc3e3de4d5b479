/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis-hook: the OCI createRuntime (or prestart) hook.  The runtime
 * gives it the container's state on stdin; it decides from the container's
 * root filesystem and the policy whether the container may start, and says
 * so with its exit status (0 start, non-zero don't) and, when it blocks, one
 * line on stderr, which runc puts into the error kubelet and podman show.
 *
 * Every path ends in a decision within the policy's deadline: errors and
 * timeouts are decided by the policy's on_error / on_timeout. */
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "audit.h"
#include "base/strutil.h"
#include "config.h"
#include "oci.h"
#include "policy.h"

enum { EXIT_START = 0, EXIT_BLOCK = 1 };

struct hook_args {
        const char *config;
        const char *policy;
        const char *db;
        const char *log_file;
        bool no_syslog;
};

struct hook {
        long long t0;
        struct hook_args args;
        struct config *cfg;
        struct policy *policy;
        struct oci_state state;
        struct oci_config oci;
        char **annotations;             /* the state's, then the config's */
        struct policy_context ctx;
        const char *name;               /* image, else "container <id>" */
        char name_buf[512];
};

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_args(int argc, char **argv, struct hook_args *a) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "policy", required_argument, NULL, 'p' },
                { "db", required_argument, NULL, 'd' },
                { "log-file", required_argument, NULL, 'l' },
                { "no-syslog", no_argument, NULL, 'n' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        a->config = optarg;
                        break;
                case 'p':
                        a->policy = optarg;
                        break;
                case 'd':
                        a->db = optarg;
                        break;
                case 'l':
                        a->log_file = optarg;
                        break;
                case 'n':
                        a->no_syslog = true;
                        break;
                default:
                        return -1;
                }
        return 0;
}

/* stdin, capped, within the deadline: a runtime that never closes it must
 * not hang the start. */
static int read_state(long long deadline, char **ret, size_t *ret_len, struct error *err) {
        struct strbuf b = { .max = OCI_STATE_MAX };
        char chunk[8192];

        for (;;) {
                struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t n;
                int k;

                if (left <= 0) {
                        strbuf_done(&b);
                        return error_set(err, ETIMEDOUT, "the OCI state on stdin did not end in time");
                }
                k = poll(&p, 1, (int) left);
                if (k < 0 && errno != EINTR) {
                        strbuf_done(&b);
                        return error_set_errno(err, errno, "read the OCI state from stdin");
                }
                if (k <= 0)
                        continue;
                n = read(STDIN_FILENO, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        strbuf_done(&b);
                        return error_set_errno(err, errno, "read the OCI state from stdin");
                }
                if (n == 0)
                        break;
                if (strbuf_append(&b, chunk, (size_t) n) < 0) {
                        strbuf_done(&b);
                        return error_set(err, EMSGSIZE, "the OCI state on stdin is larger than %zu bytes",
                                         OCI_STATE_MAX);
                }
        }
        *ret_len = b.len;
        *ret = strbuf_steal(&b);
        return 0;
}

static int merge_annotations(struct hook *h) {
        char *const *lists[] = { h->state.annotations, h->oci.annotations };

        for (size_t l = 0; l < ELEMENTSOF(lists); l++)
                for (char *const *kv = lists[l]; kv && kv[0] && kv[1]; kv += 2)
                        if (strv_push(&h->annotations, strdup(kv[0])) < 0 ||
                            strv_push(&h->annotations, strdup(kv[1])) < 0)
                                return -ENOMEM;
        return 0;
}

static void set_name(struct hook *h) {
        const char *image = oci_image_name(h->state.annotations, h->oci.annotations);

        h->ctx.image = image;
        h->ctx.namespace = oci_namespace(h->state.annotations, h->oci.annotations);
        h->ctx.annotations = h->annotations;
        h->ctx.now = time(NULL);
        if (image)
                h->name = image;
        else {
                snprintf(h->name_buf, sizeof(h->name_buf), "container %s", strna(h->state.id));
                h->name = h->name_buf;
        }
}

/* Loads the config and the policy.  A policy missing at the configured
 * default path means the built-in default; one that was named but can't be
 * read is an error (decided by config.json's on_error). */
static int load_settings(struct hook *h, struct error *err) {
        int k;

        k = config_load(h->args.config ? h->args.config : PORTCULLIS_CONFIG_DEFAULT, h->args.config != NULL,
                        &h->cfg, err);
        if (k < 0)
                return k;
        if (h->args.policy)
                return policy_load(h->args.policy, &h->policy, err);
        k = policy_load(h->cfg->policy, &h->policy, err);
        if (k == -ENOENT && streq_ptr(h->cfg->policy, PORTCULLIS_POLICY_DEFAULT)) {
                error_clear(err);
                return policy_default(&h->policy);
        }
        return k;
}

static const char *policy_path(const struct hook *h) {
        return h->policy && h->policy->path ? h->policy->path : "(built-in default)";
}

static void summarize(const struct verdict *v, struct strbuf *b) {
        bool first = true;

        for (int s = _SEVERITY_MAX - 1; s >= 0; s--)
                if (v->counts[s] > 0) {
                        (void) strbuf_printf(b, "%s%zu %s", first ? "" : ", ", v->counts[s], severity_to_string(s));
                        first = false;
                }
        (void) strbuf_printf(b, " at or above %s", severity_to_string(v->rule.threshold));
        for (size_t i = 0; v->worst && v->worst[i]; i++)
                (void) strbuf_printf(b, "%s%s", i == 0 ? " (" : ", ", v->worst[i]);
        if (v->worst && v->worst[0])
                (void) strbuf_puts(b, ")");
}

static void audit(struct hook *h, const char *decision, const char *reason, const struct analysis_result *r) {
        _cleanup_free_ char *line = NULL;
        struct error err = {};
        struct audit_record rec = {
                .container = h->state.id,
                .image = h->ctx.image,
                .namespace = h->ctx.namespace,
                .mode = r ? policy_mode_to_string(r->verdict.rule.mode) : NULL,
                .scope = r ? r->verdict.scope : NULL,
                .decision = decision,
                .reason = reason,
                .counts = r ? r->verdict.counts : NULL,
                .worst = r ? r->verdict.worst : NULL,
                .notes = r ? r->verdict.notes : NULL,
                .db_revision = r ? r->db_revision : NULL,
                .policy = h->policy ? policy_path(h) : NULL,
                .duration_ms = now_ms() - h->t0,
        };
        bool use_syslog = !h->args.no_syslog && (!h->cfg || h->cfg->log_syslog);
        const char *file = h->args.log_file ? h->args.log_file : h->cfg ? h->cfg->log_file : NULL;

        if (audit_format(&rec, &line, &err) < 0 || audit_emit(line, decision, use_syslog, file, &err) < 0)
                fprintf(stderr, "portcullis: warning: audit log: %s\n", err.msg);
}

/* An error or a timeout before a verdict: the policy's on_error/on_timeout
 * decides (config.json's on_error when there is no policy). */
static int decide_failure(struct hook *h, int code, const struct error *err) {
        bool timeout = code == -ETIMEDOUT;
        enum policy_action action = !h->policy ? (h->cfg ? h->cfg->on_error : POLICY_ACTION_DENY)
                                    : timeout ? h->policy->on_timeout : h->policy->on_error;
        const char *what = timeout ? "on_timeout" : "on_error";
        const char *where = h->policy ? policy_path(h) : h->cfg && h->cfg->path ? h->cfg->path : "the built-in config";
        bool deny = action == POLICY_ACTION_DENY;

        audit(h, deny ? "deny" : "allow", err->msg, NULL);
        fprintf(stderr, "portcullis: %s %s: %s; %s is %s in %s\n", deny ? "blocked" : "warning: not checked",
                h->name ? h->name : "container", err->msg, what, policy_action_to_string(action), where);
        return deny ? EXIT_BLOCK : EXIT_START;
}

static int decide(struct hook *h, const struct analysis_result *r) {
        const struct verdict *v = &r->verdict;
        struct strbuf b = {};
        int code = EXIT_START;

        audit(h, verdict_decision_to_string(v->decision), NULL, r);
        for (char **n = v->notes; n && *n; n++)
                fprintf(stderr, "portcullis: note: %s: %s\n", h->name, *n);
        if (v->decision == VERDICT_ALLOW || v->decision == VERDICT_AUDIT)
                return EXIT_START;
        summarize(v, &b);
        if (v->decision == VERDICT_DENY) {
                fprintf(stderr, "portcullis: blocked %s: %s; policy %s\n", h->name, strempty(b.s), policy_path(h));
                code = EXIT_BLOCK;
        } else
                fprintf(stderr, "portcullis: warning: %s: %s; starting anyway (mode warn, policy %s)\n", h->name,
                        strempty(b.s), policy_path(h));
        strbuf_done(&b);
        return code;
}

static int run(struct hook *h) {
        _cleanup_free_ char *buf = NULL;
        struct analysis_result r = {};
        struct error err = {};
        long long deadline;
        size_t len = 0;
        int k;

        if ((k = load_settings(h, &err)) < 0)
                return decide_failure(h, k, &err);
        deadline = h->t0 + h->policy->deadline_ms;
        if ((k = read_state(deadline, &buf, &len, &err)) < 0 ||
            (k = oci_state_parse(buf, len, &h->state, &err)) < 0 ||
            (k = oci_config_load(h->state.bundle, &h->oci, &err)) < 0 ||
            (k = merge_annotations(h)) < 0) {
                if (k == -ENOMEM)
                        error_set(&err, ENOMEM, "out of memory");
                set_name(h);
                return decide_failure(h, k, &err);
        }
        set_name(h);
        k = analyze_with_deadline(&(struct analysis_request) {
                                          .rootfs = h->oci.rootfs,
                                          .db = h->args.db ? h->args.db : h->cfg->db,
                                          .policy = h->policy,
                                          .ctx = &h->ctx,
                                  },
                                  (unsigned) (deadline > now_ms() ? deadline - now_ms() : 0), &r, &err);
        if (k < 0)
                return decide_failure(h, k, &err);
        k = decide(h, &r);
        analysis_result_done(&r);
        return k;
}

int main(int argc, char **argv) {
        struct hook h = { .t0 = now_ms() };
        int code;

        if (!getenv("TZ"))
                (void) setenv("TZ", ":/etc/localtime", 0);
        if (parse_args(argc, argv, &h.args) < 0) {
                fprintf(stderr, "portcullis: blocked: usage: portcullis-hook [--config FILE] [--policy FILE] "
                        "[--db FILE] [--log-file FILE] [--no-syslog] < OCI state\n");
                return EXIT_BLOCK;
        }
        code = run(&h);
        policy_free(h.policy);
        config_free(h.cfg);
        oci_state_done(&h.state);
        oci_config_done(&h.oci);
        strv_free(h.annotations);
        return code;
}
