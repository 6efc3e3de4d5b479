/* SPDX-License-Identifier: Apache-2.0 */
/* The recheck after a DB update (running.h): the running containers judged
 * now, compared with what the last recheck remembered of them, one
 * now_violates audit line for each that got worse, and the state file
 * (running.json beside the verdict cache) that remembers the verdicts, the
 * DB revisions seen in order and the events, for 'ps --changed-since'.
 *
 * running.json: {"revisions": [REV, ...] (oldest first),
 *   "containers": {KEY: {"revision", "verdict", "counting": ["ID pkg", ...]}},
 *   "pending": {KEY: REVISION} (left to 'cache fill': running_recheck_pending()),
 *   "events": [{"revision", "since", "time", "key", "container", "image",
 *               "verdict", "previous_verdict", "findings"}]} */
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "running.h"

/* How bad a decision is: allow < audit < warn < deny. */
static int rank(const char *verdict) {
        static const char *const order[] = { "allow", "audit", "warn", "deny" };

        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (streq_ptr(verdict, order[i]))
                        return (int) i;
        return -1;
}

/* A state file is ours when it is a JSON object with these members of
 * these types; anything else is an error that says what to do. */
static int state_read(const char *path, json_t **ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len;
        json_t *root;
        int r;

        r = read_full_file(path, RUNNING_HISTORY_MAX, &buf, &len, err);
        if (r == -ENOENT) {
                error_clear(err);
                *ret = json_pack("{s:[], s:{}, s:[]}", "revisions", "containers", "events");
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        if (r < 0)
                return r;
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root) || !json_is_array(json_object_get(root, "revisions")) ||
            !json_is_object(json_object_get(root, "containers")) || !json_is_array(json_object_get(root, "events"))) {
                json_decref(root);
                return error_set(err, EBADMSG, "%s is not the state 'portcullis ps' keeps (line %d: %s); remove it "
                                 "(the next recheck starts anew)", path, jerr.line, root ? "wrong members" : jerr.text);
        }
        *ret = root;
        return 0;
}

static bool strv_has(json_t *arr, const char *s) {
        size_t i;
        json_t *v;

        json_array_foreach(arr, i, v)
                if (streq_ptr(json_string_value(v), s))
                        return true;
        return false;
}

/* Appends rev to the revisions unless it is already there; the oldest go
 * past RUNNING_REVISIONS_MAX. */
static void remember_revision(json_t *state, const char *rev) {
        json_t *revs = json_object_get(state, "revisions");

        if (!rev || strv_has(revs, rev))
                return;
        json_array_append_new(revs, json_string(rev));
        while (json_array_size(revs) > RUNNING_REVISIONS_MAX)
                json_array_remove(revs, 0);
}

/* What a container's verdict was: the recheck's memory of this run of it,
 * else its baseline (the cache's entry of an earlier revision). */
struct before {
        const char *verdict;
        const char *revision;
        json_t *counting;               /* borrowed or owned (owned_counting) */
        bool owned_counting;
};

static bool find_before(json_t *state, const struct running_container *c, struct before *ret) {
        json_t *prev = json_object_get(json_object_get(state, "containers"), c->key);

        if (json_is_object(prev)) {
                *ret = (struct before) { .verdict = json_string_value(json_object_get(prev, "verdict")),
                                         .revision = json_string_value(json_object_get(prev, "revision")),
                                         .counting = json_object_get(prev, "counting") };
                return true;
        }
        if (!c->has_baseline)
                return false;
        *ret = (struct before) { .verdict = verdict_decision_to_string(c->baseline_decision),
                                 .revision = c->baseline_revision, .counting = json_strv(c->baseline_counting),
                                 .owned_counting = true };
        return true;
}

/* The findings that count now and did not before. */
static int new_findings(const struct running_container *c, json_t *before, char ***ret) {
        for (char **f = c->counting; f && *f; f++)
                if (!strv_has(before, *f) && strv_push(ret, strdup(*f)) < 0)
                        return -ENOMEM;
        return 0;
}

static int emit(const struct running_sink *sink, const char *revision, const struct running_container *c,
                const struct before *b, char **fresh, struct error *err) {
        _cleanup_free_ char *line = NULL;
        size_t n = strv_length(fresh);
        char *saved = NULL;
        int r;

        if (n > RUNNING_FINDINGS_LOGGED) {      /* listed up to the cap, the rest counted */
                saved = fresh[RUNNING_FINDINGS_LOGGED];
                fresh[RUNNING_FINDINGS_LOGGED] = NULL;
        }
        r = audit_now_violates_format(&(struct audit_now_violates) {
                        .container = c->id, .containerd_namespace = c->containerd_namespace, .image = c->image,
                        .namespace = c->namespace, .mode = policy_mode_to_string(c->mode), .scope = c->scope,
                        .verdict = verdict_decision_to_string(c->decision), .previous_verdict = b->verdict,
                        .counts = c->counts, .findings = fresh,
                        .findings_more = n > RUNNING_FINDINGS_LOGGED ? n - RUNNING_FINDINGS_LOGGED : 0,
                        .identity = c->identity, .identity_source = c->identity_source, .db_revision = revision,
                        .previous_db_revision = b->revision, .policy = sink->policy_path },
                &line, err);
        if (saved)
                fresh[RUNNING_FINDINGS_LOGGED] = saved;
        if (r < 0)
                return r;
        return audit_emit(sink->log_file, sink->syslog, sink->syslog_socket, line, err);
}

static void add_event(json_t *state, const char *revision, const struct running_container *c,
                      const struct before *b, char **fresh) {
        json_t *events = json_object_get(state, "events");

        json_array_append_new(events, json_pack("{s:s, s:o, s:I, s:s, s:s, s:o, s:s, s:o, s:o}", "revision", revision,
                                                "since", json_str_or_null(b->revision), "time",
                                                (json_int_t) time(NULL), "key", c->key, "container", c->id, "image",
                                                json_str_or_null(c->image), "verdict",
                                                verdict_decision_to_string(c->decision), "previous_verdict",
                                                json_str_or_null(b->verdict), "findings", json_strv(fresh)));
        while (json_array_size(events) > RUNNING_EVENTS_MAX)
                json_array_remove(events, 0);
}

static json_t *memory_of(const char *revision, const struct running_container *c) {
        return json_pack("{s:s, s:s, s:o}", "revision", revision, "verdict", verdict_decision_to_string(c->decision),
                         "counting", json_strv(c->counting));
}

/* One container: compared, logged when worse, remembered in next unless
 * its line reached no sink (then the old memory stays, and the next recheck
 * tries again). */
static int recheck_one(json_t *state, json_t *next, const struct running_sink *sink, const char *revision,
                       const struct running_container *c, struct running_recheck_result *res) {
        _cleanup_strv_free_ char **fresh = NULL;
        struct before b = {};
        struct error err = {};
        bool worse;
        int r = 0;

        if (!find_before(state, c, &b)) {
                json_object_set_new(next, c->key, memory_of(revision, c));
                return 0;
        }
        if (new_findings(c, b.counting, &fresh) < 0)
                r = -ENOMEM;
        worse = r >= 0 && (rank(verdict_decision_to_string(c->decision)) > rank(b.verdict) || fresh);
        if (worse && (r = emit(sink, revision, c, &b, fresh, &err)) < 0 && r != -ENOTCONN) {
                json_t *old = json_object_get(json_object_get(state, "containers"), c->key);
                char *w = NULL;

                if (asprintf(&w, "%s: the now_violates line reached no audit sink: %s", c->id, err.msg) >= 0)
                        (void) strv_push(&res->warnings, w);
                if (old)
                        json_object_set(next, c->key, old);
                r = 0;
        } else if (r >= 0 || r == -ENOTCONN) {
                char *w = NULL;

                if (r == -ENOTCONN && asprintf(&w, "%s: the now_violates line is in the log file but not in the "
                                               "journal: %s", c->id, err.msg) >= 0)
                        (void) strv_push(&res->warnings, w);
                if (worse) {
                        add_event(state, revision, c, &b, fresh);
                        remember_revision(state, b.revision);
                        res->logged++;
                }
                json_object_set_new(next, c->key, memory_of(revision, c));
                r = 0;
        }
        if (b.owned_counting)
                json_decref(b.counting);
        return r;
}

/* An flock on "<state file>.lock": two rechecks (a timer's update and a
 * person's rescan) take turns. */
static int lock_state(const char *state_file, int *ret_fd, struct error *err) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&path, "%s.lock", state_file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
                return error_set_errno(err, errno, "lock %s", path);
        /* what a recheck killed before its rename left */
        (void) write_file_atomic_leftovers(state_file);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* 0600, as the cache beside it: it says which running containers count
 * which findings, and the cache's folder may be an older install's 0755. */
static int state_write(const char *path, json_t *state, struct error *err) {
        _cleanup_free_ char *text = json_dumps(state, JSON_INDENT(1) | JSON_PRESERVE_ORDER);

        if (!text)
                return error_set(err, ENOMEM, "out of memory");
        return write_file_atomic_mode(path, text, strlen(text), 0600, err);
}

/* The keys of the containers a recheck left to 'cache fill'. */
static int pending_keys(json_t *state, char ***ret) {
        const char *key;
        json_t *v;

        json_object_foreach(json_object_get(state, "pending"), key, v)
                if (strv_push(ret, strdup(key)) < 0)
                        return -ENOMEM;
        return 0;
}

/* Remembers, for 'cache fill', the containers whose inventory could not
 * be read here (the analysis sandbox refused), and says them. */
static int leave_pending(json_t *state, const struct running_list *l, struct running_recheck_result *res) {
        json_t *pending = json_object();

        if (!pending || json_object_set_new(state, "pending", pending) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                const struct running_container *c = &l->v[i];

                if (c->judged || !c->inventory_unread)
                        continue;
                if (json_object_set_new(pending, c->key, json_string(l->db_revision)) < 0 ||
                    strv_push(&res->left_ids, strdup(c->id)) < 0 ||
                    (!res->left_reason && !(res->left_reason = strdup(strempty(c->identity_note)))))
                        return -ENOMEM;
                res->left++;
        }
        return 0;
}

/* Each container left to this recheck and still not judged, said; the
 * pending ones forgotten (tried once). */
static int take_pending(json_t *state, const struct running_list *l, char *const *keys,
                        struct running_recheck_result *res) {
        for (size_t i = 0; i < l->n; i++) {
                const struct running_container *c = &l->v[i];

                if (!strv_contains(keys, c->key))
                        continue;
                res->taken++;
                if (!c->judged && strv_pushf(&res->warnings, "%s: still not judged: %s", c->id,
                                             c->error ? c->error : strna(c->identity_note)) < 0)
                        return -ENOMEM;
        }
        return json_object_set_new(state, "pending", json_object()) < 0 ? -ENOMEM : 0;
}

/* The recheck; with pending_only, of the containers a recheck left to
 * 'cache fill' alone (nothing when none). */
static int recheck(const struct running_options *o, const struct running_sink *sink, const char *state_file,
                   bool pending_only, struct running_recheck_result *ret, struct error *err) {
        _cleanup_strv_free_ char **keys = NULL;
        struct running_options ob = *o;
        struct running_recheck_result res = {};
        struct running_list l = {};
        _cleanup_close_ int lock = -EBADF;
        json_t *state = NULL, *next = NULL;
        int r;

        ob.baseline = true;
        if ((r = lock_state(state_file, &lock, err)) < 0 || (r = state_read(state_file, &state, err)) < 0)
                goto done;
        if (pending_only) {
                if (pending_keys(state, &keys) < 0) {
                        r = error_set(err, ENOMEM, "out of memory");
                        goto done;
                }
                if (!keys) {
                        *ret = res;
                        goto done;
                }
                ob.only_keys = keys;
        }
        if ((r = running_list(&ob, &l, err)) < 0)
                goto done;
        next = json_object();
        for (size_t i = 0; r >= 0 && i < l.n; i++) {
                json_t *old = json_object_get(json_object_get(state, "containers"), l.v[i].key);

                if (l.v[i].judged)
                        r = recheck_one(state, next, sink, l.db_revision, &l.v[i], &res);
                else if (old)   /* not judged this time: what was seen stays, for the next time */
                        json_object_set(next, l.v[i].key, old);
        }
        if (r >= 0)
                r = pending_only ? take_pending(state, &l, keys, &res) : leave_pending(state, &l, &res);
        if (r < 0) {
                r = error_set(err, ENOMEM, "out of memory");
                goto done;
        }
        json_object_set(state, "containers", next);
        remember_revision(state, l.db_revision);
        if ((r = state_write(state_file, state, err)) < 0)
                goto done;
        res.containers = l.n;
        res.violating = running_now_violating(&l);
        for (size_t i = 0; i < l.n; i++)
                res.unjudged += !l.v[i].judged && (!keys || strv_contains(keys, l.v[i].key));
        for (char **w = l.warnings; w && *w; w++)
                (void) strv_push(&res.warnings, strdup(*w));
        *ret = res;
        res = (struct running_recheck_result) {};
done:
        running_recheck_result_done(&res);
        running_list_done(&l);
        json_decref(next);
        json_decref(state);
        return r;
}

int running_recheck(const struct running_options *o, const struct running_sink *sink, const char *state_file,
                    struct running_recheck_result *ret, struct error *err) {
        return recheck(o, sink, state_file, false, ret, err);
}

int running_recheck_pending(const struct running_options *o, const struct running_sink *sink,
                            const char *state_file, struct running_recheck_result *ret, struct error *err) {
        return recheck(o, sink, state_file, true, ret, err);
}

void running_recheck_result_done(struct running_recheck_result *r) {
        strv_free(r->warnings);
        strv_free(r->left_ids);
        free(r->left_reason);
        *r = (struct running_recheck_result) {};
}

/* The index of the revision rev names (itself or a unique prefix of at
 * least 6 characters, with or without "sha256:") among revs; -ENOENT / -ENOTUNIQ. */
static int find_revision(json_t *revs, const char *rev) {
        size_t i, n = strlen(rev);
        int found = -ENOENT;
        json_t *v;

        json_array_foreach(revs, i, v) {
                const char *s = json_string_value(v), *hex = s && startswith(s, "sha256:") ? s + 7 : s;

                if (!s || (strcmp(s, rev) != 0 && (n < 6 || (strncmp(s, rev, n) != 0 && strncmp(hex, rev, n) != 0))))
                        continue;
                if (strcmp(s, rev) == 0)
                        return (int) i;
                found = found == -ENOENT ? (int) i : -ENOTUNIQ;
        }
        return found;
}

int running_changed_since(const char *state_file, const char *revision, char ***ret_keys, struct error *err) {
        _cleanup_strv_free_ char **keys = NULL;
        json_t *state = NULL, *revs, *ev;
        size_t i;
        int at, r;

        r = access(state_file, F_OK) < 0 && errno == ENOENT
                    ? error_set(err, ENOENT, "no recheck has run yet (%s is absent): it runs after 'portcullis db "
                                "update', 'db import' into the configured DB and 'cache rescan'", state_file)
                    : state_read(state_file, &state, err);
        if (r < 0)
                return r;
        revs = json_object_get(state, "revisions");
        at = find_revision(revs, revision);
        if (at == -ENOENT && strlen(revision) < 6) {     /* find_revision() takes no shorter prefix */
                json_decref(state);
                return error_set(err, EINVAL, "DB revision '%s' is too short: give a prefix of 6 or more "
                                 "characters, or the whole revision 'portcullis db status' shows", revision);
        }
        if (at < 0) {
                json_decref(state);
                return error_set(err, at == -ENOTUNIQ ? ENOTUNIQ : ENOENT, "DB revision '%s' is %s the rechecks "
                                 "remember in %s; 'portcullis db status' shows the current one", revision,
                                 at == -ENOTUNIQ ? "the prefix of more than one of those" : "not among those",
                                 state_file);
        }
        json_array_foreach(json_object_get(state, "events"), i, ev) {
                const char *key = json_string_value(json_object_get(ev, "key"));
                int when = find_revision(revs, strempty(json_string_value(json_object_get(ev, "revision"))));

                if (key && when > at && strv_push_unique(&keys, key) < 0) {
                        json_decref(state);
                        return error_set(err, ENOMEM, "out of memory");
                }
        }
        json_decref(state);
        *ret_keys = TAKE_PTR(keys);
        return 0;
}
