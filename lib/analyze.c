/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "analyze.h"
#include "base/strutil.h"
#include "inventory.h"
#include "match.h"
#include "rootfs.h"
#include "vulndb.h"

#define RESULT_LIST_MAX 256

void analysis_result_done(struct analysis_result *r) {
        verdict_done(&r->verdict);
        free(r->db_revision);
        free(r->ecosystem);
        strv_free(r->warnings);
        *r = (struct analysis_result) {};
}

static int copy_warnings(char ***dst, char *const *src) {
        for (; src && *src; src++)
                if (strv_length(*dst) < RESULT_LIST_MAX && strv_push(dst, strdup(*src)) < 0)
                        return -ENOMEM;
        return 0;
}

int analyze(const struct analysis_request *req, struct analysis_result *ret, struct error *err) {
        _cleanup_(rootfs_freep) struct rootfs *root = NULL;
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(vulndb_closep) struct vulndb *db = NULL;
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        struct analysis_result r = {};
        int k;

        if ((k = rootfs_open(req->rootfs, 0, &root, err)) < 0 ||
            (k = inventory_collect(root, &inv, err)) < 0)
                return error_wrap(err, "rootfs %s", req->rootfs);
        if ((k = vulndb_open(req->db, &db, err)) < 0 ||
            (k = match_inventory(db, inv, &res, err)) < 0 ||
            (k = policy_evaluate(req->policy, req->ctx, res, &r.verdict, err)) < 0) {
                analysis_result_done(&r);
                return k;
        }
        r.packages = inv->n_pkgs;
        r.findings = res->n_findings;
        if ((res->db_revision && !(r.db_revision = strdup(res->db_revision))) ||
            (inv->os.ecosystem && !(r.ecosystem = strdup(inv->os.ecosystem))) ||
            copy_warnings(&r.warnings, inv->warnings) < 0 || copy_warnings(&r.warnings, res->warnings) < 0) {
                analysis_result_done(&r);
                return error_set(err, ENOMEM, "out of memory");
        }
        *ret = r;
        return 0;
}

/* ---- the message between child and parent -------------------------------- */

static json_t *strv_json(char *const *v) {
        json_t *a = json_array();

        for (; a && v && *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

static json_t *str_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

int analysis_result_to_json(const struct analysis_result *r, char **ret, struct error *err) {
        const struct verdict *v = &r->verdict;
        json_t *counts = json_object(), *root;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                json_object_set_new(counts, severity_to_string(s), json_integer((json_int_t) v->counts[s]));
        root = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o}",
                         "decision", verdict_decision_to_string(v->decision),
                         "mode", policy_mode_to_string(v->rule.mode),
                         "threshold", severity_to_string(v->rule.threshold),
                         "ignore_unfixed", v->rule.ignore_unfixed,
                         "scope", str_or_null(v->scope),
                         "counts", counts,
                         "allowed", (json_int_t) v->allowed,
                         "worst", strv_json(v->worst),
                         "notes", strv_json(v->notes),
                         "revision", str_or_null(r->db_revision),
                         "ecosystem", str_or_null(r->ecosystem),
                         "packages", (json_int_t) r->packages,
                         "findings", (json_int_t) r->findings,
                         "warnings", strv_json(r->warnings));
        if (!root)
                return error_set(err, ENOMEM, "encode the analysis result");
        *ret = json_dumps(root, JSON_COMPACT);
        json_decref(root);
        return *ret ? 0 : error_set(err, ENOMEM, "encode the analysis result");
}

static int get_strv(json_t *o, const char *key, size_t max, char ***ret, struct error *err) {
        json_t *a = json_object_get(o, key), *s;
        size_t i;

        if (!json_is_array(a) || json_array_size(a) > max)
                return error_set(err, EBADMSG, "analysis result: '%s' must be an array of at most %zu strings", key,
                                 max);
        json_array_foreach(a, i, s) {
                if (!json_is_string(s))
                        return error_set(err, EBADMSG, "analysis result: %s[%zu] is not a string", key, i);
                if (strv_push(ret, strdup(json_string_value(s))) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int get_count(json_t *o, const char *key, size_t *ret, struct error *err) {
        json_t *n = json_object_get(o, key);

        if (!json_is_integer(n) || json_integer_value(n) < 0)
                return error_set(err, EBADMSG, "analysis result: '%s' must be a non-negative integer", key);
        *ret = (size_t) json_integer_value(n);
        return 0;
}

static int get_opt_str(json_t *o, const char *key, char **ret, struct error *err) {
        json_t *s = json_object_get(o, key);

        if (json_is_null(s))
                return 0;
        if (!json_is_string(s))
                return error_set(err, EBADMSG, "analysis result: '%s' must be a string or null", key);
        *ret = strdup(json_string_value(s));
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

static int get_enum(json_t *o, const char *key, int (*parse)(const char *), int *ret, struct error *err) {
        const char *s = json_string_value(json_object_get(o, key));
        int v = s ? parse(s) : -EINVAL;

        if (v < 0)
                return error_set(err, EBADMSG, "analysis result: '%s' is missing or unknown", key);
        *ret = v;
        return 0;
}

static int parse_decision(const char *s) {
        for (int d = 0; d < _VERDICT_DECISION_MAX; d++)
                if (strcmp(s, verdict_decision_to_string(d)) == 0)
                        return d;
        return -EINVAL;
}

static int parse_mode(const char *s) {
        return policy_mode_from_string(s);
}

static int parse_severity(const char *s) {
        return severity_from_string(s);
}

static int fill_result(json_t *o, struct analysis_result *r, struct error *err) {
        struct verdict *v = &r->verdict;
        json_t *counts = json_object_get(o, "counts");
        int k, decision = 0, mode = 0, threshold = 0;

        if ((k = get_enum(o, "decision", parse_decision, &decision, err)) < 0 ||
            (k = get_enum(o, "mode", parse_mode, &mode, err)) < 0 ||
            (k = get_enum(o, "threshold", parse_severity, &threshold, err)) < 0)
                return k;
        v->decision = decision;
        v->rule.mode = mode;
        v->rule.threshold = threshold;
        v->rule.ignore_unfixed = json_is_true(json_object_get(o, "ignore_unfixed"));
        if (!json_is_object(counts))
                return error_set(err, EBADMSG, "analysis result: 'counts' must be an object");
        for (int s = 0; s < _SEVERITY_MAX; s++)
                if ((k = get_count(counts, severity_to_string(s), &v->counts[s], err)) < 0)
                        return k;
        if ((k = get_count(o, "allowed", &v->allowed, err)) < 0 ||
            (k = get_count(o, "packages", &r->packages, err)) < 0 ||
            (k = get_count(o, "findings", &r->findings, err)) < 0 ||
            (k = get_opt_str(o, "scope", &v->scope, err)) < 0 ||
            (k = get_opt_str(o, "revision", &r->db_revision, err)) < 0 ||
            (k = get_opt_str(o, "ecosystem", &r->ecosystem, err)) < 0 ||
            (k = get_strv(o, "worst", POLICY_WORST_MAX, &v->worst, err)) < 0 ||
            (k = get_strv(o, "notes", RESULT_LIST_MAX, &v->notes, err)) < 0 ||
            (k = get_strv(o, "warnings", 2 * RESULT_LIST_MAX, &r->warnings, err)) < 0)
                return k;
        return 0;
}

int analysis_result_from_json(const char *buf, size_t len, struct analysis_result *ret, struct error *err) {
        struct analysis_result r = {};
        json_error_t jerr;
        json_t *o;
        int k;

        if (len > ANALYSIS_RESULT_MAX)
                return error_set(err, EMSGSIZE, "analysis result larger than %zu bytes", ANALYSIS_RESULT_MAX);
        o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(o)) {
                json_decref(o);
                return error_set(err, EBADMSG, "analysis result is not a JSON object: %s", jerr.text);
        }
        if (json_is_string(json_object_get(o, "error"))) {
                json_t *code = json_object_get(o, "code");

                k = error_set(err, json_is_integer(code) ? (int) json_integer_value(code) : EIO, "%s",
                              json_string_value(json_object_get(o, "error")));
                json_decref(o);
                return k;
        }
        k = fill_result(o, &r, err);
        json_decref(o);
        if (k < 0) {
                analysis_result_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

/* ---- the child and the deadline ------------------------------------------ */

static int write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, s, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -errno;
                s += w;
                n -= (size_t) w;
        }
        return 0;
}

static _Noreturn void child_main(const struct analysis_request *req, int fd) {
        struct analysis_result r = {};
        struct error err = {};
        char *msg = NULL;
        int k;

        /* Die with the hook, whatever kills it. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        k = analyze(req, &r, &err);
        if (k >= 0)
                k = analysis_result_to_json(&r, &msg, &err);
        if (k < 0) {
                json_t *e = json_pack("{s:s, s:i}", "error", err.msg, "code", k);

                msg = e ? json_dumps(e, JSON_COMPACT) : NULL;
                json_decref(e);
        }
        _exit(msg && write_all(fd, msg, strlen(msg)) == 0 ? 0 : 1);
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's message until EOF or the deadline; -ETIMEDOUT. */
static int read_until(int fd, long long deadline, struct strbuf *b, struct error *err) {
        char chunk[16384];

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t n;
                int k;

                if (left <= 0)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int) (left > 60000 ? 60000 : left));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "wait for the analysis");
                if (k == 0)
                        continue;
                n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read the analysis result");
                if (n == 0)
                        return 0;
                if (strbuf_append(b, chunk, (size_t) n) < 0)
                        return error_set(err, EMSGSIZE, "analysis result larger than %zu bytes", ANALYSIS_RESULT_MAX);
        }
}

static int reap(pid_t pid, struct error *err) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return error_set_errno(err, errno, "wait for the analysis process");
        if (WIFSIGNALED(status))
                return error_set(err, ECHILD, "the analysis process died of signal %d (%s)", WTERMSIG(status),
                                 strsignal(WTERMSIG(status)));
        if (WEXITSTATUS(status) != 0)
                return error_set(err, ECHILD, "the analysis process failed (exit status %d)", WEXITSTATUS(status));
        return 0;
}

int analyze_with_deadline(const struct analysis_request *req, unsigned deadline_ms, struct analysis_result *ret,
                          struct error *err) {
        struct strbuf b = { .max = ANALYSIS_RESULT_MAX };
        long long deadline = now_ms() + deadline_ms;
        int fds[2], k;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "create a pipe for the analysis");
        pid = fork();
        if (pid < 0) {
                k = -errno;
                close(fds[0]);
                close(fds[1]);
                return error_set_errno(err, k, "start the analysis process");
        }
        if (pid == 0) {
                close(fds[0]);
                child_main(req, fds[1]);
        }
        close(fds[1]);
        k = read_until(fds[0], deadline, &b, err);
        close(fds[0]);
        if (k < 0)
                (void) kill(pid, SIGKILL);
        if (k == -ETIMEDOUT) {
                (void) reap(pid, NULL);
                strbuf_done(&b);
                return error_set(err, ETIMEDOUT, "no decision within %u ms", deadline_ms);
        }
        if (k >= 0)
                k = reap(pid, err);
        else
                (void) reap(pid, NULL);
        if (k >= 0)
                k = analysis_result_from_json(b.s ? b.s : "", b.len, ret, err);
        strbuf_done(&b);
        return k;
}
