/* SPDX-License-Identifier: Apache-2.0 */
/* The record of `db update`'s runs (update.h, UPDATE_RECORD_FILE): a
 * separate file from state.json, since state.json describes the state
 * folder's downloads and is written only by a run of the http(s) sources
 * that gets that far; this one is written by every run, oci:// or http(s),
 * when it starts and when it ends. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strutil.h"
#include "update.h"
#include "update-internal.h"

#define RECORD_VERSION 1

void update_run_info_done(struct update_run_info *i) {
        if (!i)
                return;
        free(i->error);
        for (int k = 0; k < _VULNDB_FEED_MAX; k++)
                free(i->feeds[k].error);
        *i = (struct update_run_info) {};
}

static int64_t time_of(const char *s) {
        struct osv_time t = {};

        return s && update_parse_time(s, strlen(s), &t) == 0 && t.s > 0 ? t.s : 0;
}

static int record_path(const char *state_dir, char **ret) {
        return asprintf(ret, "%s/" UPDATE_RECORD_FILE, state_dir) < 0 ? -ENOMEM : 0;
}

/* run.json's "feeds": {"kev": {"checked", "last_success", "error"}, ...}. */
static int feeds_load(json_t *o, struct update_feed_run ret[static _VULNDB_FEED_MAX]) {
        for (int k = VULNDB_FEED_KEV; k < _VULNDB_FEED_MAX; k++) {
                json_t *f = json_object_get(json_object_get(o, "feeds"), update_feed_key(k));
                const char *e = json_string_value(json_object_get(f, "error"));

                if (!json_is_object(f))
                        continue;
                ret[k].known = true;
                ret[k].checked = time_of(json_string_value(json_object_get(f, "checked")));
                ret[k].last_success = time_of(json_string_value(json_object_get(f, "last_success")));
                if (e && !(ret[k].error = strdup(e)))
                        return -ENOMEM;
        }
        return 0;
}

json_t *update_feeds_json(const struct update_feed_run feeds[static _VULNDB_FEED_MAX]) {
        json_t *o = json_object();

        for (int k = VULNDB_FEED_KEV; o && k < _VULNDB_FEED_MAX; k++) {
                const struct update_feed_run *f = &feeds[k];
                char checked[32], success[32];

                if (!f->known)
                        continue;
                update_format_time(f->checked, checked);
                update_format_time(f->last_success, success);
                if (json_object_set_new(o, update_feed_key(k),
                                        json_pack("{s:s?, s:s?, s:s?}", "checked", f->checked ? checked : NULL,
                                                  "last_success", f->last_success ? success : NULL, "error",
                                                  f->error)) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

int update_record_parse(const char *buf, size_t len, const char *path, struct update_run_info *ret,
                        struct error *err) {
        struct update_run_info i = {};
        json_error_t jerr;
        json_t *o, *e;

        o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(o) || json_integer_value(json_object_get(o, "version")) != RECORD_VERSION ||
            !(i.started = time_of(json_string_value(json_object_get(o, "started"))))) {
                json_decref(o);
                return error_set(err, EBADMSG, "%s: not a record of runs of version %d (%s); the next "
                                 "'portcullis db update' writes it anew", path, RECORD_VERSION,
                                 o ? "no time in \"started\"" : jerr.text);
        }
        i.ended = time_of(json_string_value(json_object_get(o, "ended")));
        i.pid = json_integer_value(json_object_get(o, "pid"));
        i.last_success = time_of(json_string_value(json_object_get(o, "last_success")));
        e = json_object_get(o, "error");
        if ((json_is_string(e) && !(i.error = strdup(json_string_value(e)))) || feeds_load(o, i.feeds) < 0) {
                json_decref(o);
                update_run_info_done(&i);
                return error_set(err, ENOMEM, "out of memory");
        }
        json_decref(o);
        *ret = i;
        return 0;
}

/* run.json as written; -ENOENT (err untouched) when there is none. */
static int record_load(const char *state_dir, struct update_run_info *ret, struct error *err) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        struct error rerr = {};
        size_t len;
        int q;

        if (record_path(state_dir, &path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        q = read_full_file(path, UPDATE_RECORD_MAX, &buf, &len, &rerr);
        if (q == -ENOENT)
                return q;
        if (q < 0) {
                *err = rerr;
                return q;
        }
        return update_record_parse(buf, len, path, ret, err);
}

/* A state folder of a version before run.json: its last run as state.json
 * says (the run's end is its only time). */
static int record_from_state(const char *state_dir, struct update_run_info *ret, struct error *err) {
        _cleanup_(update_state_info_done) struct update_state_info s = {};
        struct update_run_info i = {};
        int q = update_state_read(state_dir, &s, err);

        if (q < 0)
                return q;
        i.started = i.ended = time_of(s.last_run);
        i.last_success = time_of(s.last_success);
        if (!i.started)
                return -ENOENT;
        if (s.last_error && !(i.error = strdup(s.last_error)))
                return error_set(err, ENOMEM, "out of memory");
        *ret = i;
        return 0;
}

/* Whether the run of pid still goes on.  Its lock tells best (a pid may
 * be reused): a run holds <state_dir>/lock (flock) until it ends, and the
 * kernel drops it when the process dies, however it dies. */
static bool run_alive(const char *state_dir, long long pid) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&path, "%s/lock", state_dir) >= 0 &&
            (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
                if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                        return false;           /* nobody holds it */
                if (errno == EWOULDBLOCK)
                        return true;
        }
        return pid > 0 && (kill((pid_t) pid, 0) == 0 || errno == EPERM);
}

int update_record_read(const char *state_dir, struct update_run_info *ret, struct error *err) {
        int q = record_load(state_dir, ret, err);

        if (q >= 0 && !ret->ended)
                ret->killed = !run_alive(state_dir, ret->pid);
        return q;
}

int update_run_info_read(const char *state_dir, struct update_run_info *ret, struct error *err) {
        int q = update_record_read(state_dir, ret, err);

        return q == -ENOENT ? record_from_state(state_dir, ret, err) : q;
}

static int record_write(const char *state_dir, const struct update_run_info *i, struct error *err) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char started[32], ended[32], success[32];
        json_t *o;

        update_format_time(i->started, started);
        update_format_time(i->ended, ended);
        update_format_time(i->last_success, success);
        o = json_pack("{s:i, s:s, s:I, s:s?, s:s?, s:s?, s:o*}", "version", RECORD_VERSION, "started", started,
                      "pid", (json_int_t) i->pid, "ended", i->ended ? ended : NULL, "error", i->error,
                      "last_success", i->last_success ? success : NULL, "feeds", update_feeds_json(i->feeds));
        if (!o || record_path(state_dir, &path) < 0 || !(text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS))) {
                json_decref(o);
                return error_set(err, ENOMEM, "out of memory");
        }
        json_decref(o);
        return write_file_atomic(path, text, strlen(text), err);
}

int update_record_start(const char *state_dir, struct update_run_info *ret_prev, struct update_run_info *ret_now,
                        struct error *err) {
        struct update_run_info prev = {}, now = { .started = (int64_t) time(NULL), .pid = getpid() };
        struct error ignored = {};
        bool copied = true;
        int q;

        /* under the lock: a run that did not end is not running */
        q = record_load(state_dir, &prev, &ignored);
        if (q == -ENOENT)
                q = record_from_state(state_dir, &prev, &ignored);
        if (q >= 0)
                prev.killed = !prev.ended;
        now.last_success = prev.last_success;
        /* each feed's as it was until this run tries it */
        for (int k = 0; k < _VULNDB_FEED_MAX; k++) {
                now.feeds[k] = prev.feeds[k];
                if (prev.feeds[k].error && !(now.feeds[k].error = strdup(prev.feeds[k].error)))
                        copied = false;
        }
        q = copied ? record_write(state_dir, &now, err) : error_set(err, ENOMEM, "out of memory");
        if (q < 0) {
                update_run_info_done(&prev);
                update_run_info_done(&now);
                return error_wrap(err, "record the run's start");
        }
        *ret_prev = prev;
        *ret_now = now;
        return 0;
}

int update_record_end(const char *state_dir, const struct update_run_info *run, const char *error,
                      struct error *err) {
        struct update_run_info i = *run;

        i.ended = (int64_t) time(NULL);
        i.error = (char *) error;
        if (!error)
                i.last_success = i.ended;
        return record_write(state_dir, &i, err);
}
