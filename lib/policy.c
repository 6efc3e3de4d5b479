/* SPDX-License-Identifier: Apache-2.0 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/digest.h"
#include "config.h"
#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "policy.h"
#include "vex.h"

/* The policy file format is documented in docs/policy.md. */

static const char *const mode_names[_POLICY_MODE_MAX] = {
        [POLICY_ENFORCE] = "enforce",
        [POLICY_WARN] = "warn",
        [POLICY_AUDIT] = "audit",
};

static const char *const action_names[_POLICY_ACTION_MAX] = {
        [POLICY_ACTION_ALLOW] = "allow",
        [POLICY_ACTION_DENY] = "deny",
};

static const char *const decision_names[_VERDICT_DECISION_MAX] = {
        [VERDICT_ALLOW] = "allow",
        [VERDICT_WARN] = "warn",
        [VERDICT_AUDIT] = "audit",
        [VERDICT_DENY] = "deny",
};

static const char *const unchecked_names[_POLICY_UNCHECKED_MAX] = {
        [POLICY_UNCHECKED_ALLOW] = "allow",
        [POLICY_UNCHECKED_WARN] = "warn",
        [POLICY_UNCHECKED_DENY] = "deny",
};

const char *policy_unchecked_to_string(enum policy_unchecked u) {
        return u >= 0 && u < _POLICY_UNCHECKED_MAX ? unchecked_names[u] : NULL;
}

static const char *const top_keys[] = { "mode", "severity", "ignore_unfixed", "ignore_ecosystems", "ignore_paths",
                                        "on_unchecked", "unknown_as",
                                        "on_error", "on_timeout",
                                        "deadline_ms", "max_db_age_hours", "on_stale_db", "allowlist", "scopes",
                                        "on_audit_failure", "block_kev", "min_epss", "vex", "enforce_from", NULL };
static const char *const stale_names[_POLICY_STALE_MAX] = { "allow", "warn", "deny" };

const char *policy_stale_to_string(enum policy_stale s) {
        return s >= 0 && s < _POLICY_STALE_MAX ? stale_names[s] : NULL;
}
static const char *const scope_keys[] = { "name", "match", "mode", "severity", "ignore_unfixed",
                                          "ignore_ecosystems", "ignore_paths", "on_unchecked", "unknown_as",
                                          "block_kev", "min_epss", "enforce_from", NULL };
static const char *const match_keys[] = { "namespaces", "annotations", "images", NULL };
static const char *const allow_keys[] = { "id", "expires", "reason", "image", NULL };

/* What policy_default() parses: the built-in policy is spelled like a file,
 * so that it has a digest like any other. */
static const char default_policy[] = "{\"mode\": \"enforce\", \"severity\": \"CRITICAL\"}\n";

const char *policy_mode_to_string(enum policy_mode m) {
        return m >= 0 && m < _POLICY_MODE_MAX ? mode_names[m] : NULL;
}

static int lookup(const char *const *names, int n, const char *s) {
        for (int i = 0; s && i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return i;
        return -EINVAL;
}

enum policy_mode policy_mode_from_string(const char *s) {
        return lookup(mode_names, _POLICY_MODE_MAX, s);
}

const char *policy_action_to_string(enum policy_action a) {
        return a >= 0 && a < _POLICY_ACTION_MAX ? action_names[a] : NULL;
}

const char *verdict_decision_to_string(enum verdict_decision d) {
        return d >= 0 && d < _VERDICT_DECISION_MAX ? decision_names[d] : NULL;
}

/* ---- freeing -------------------------------------------------------------- */

static void scope_done(struct policy_scope *s) {
        free(s->name);
        strv_free(s->ignore_ecosystems);
        strv_free(s->ignore_paths);
        strv_free(s->namespaces);
        strv_free(s->annotations);
        strv_free(s->images);
}

static void allow_done(struct policy_allow *a) {
        free(a->id);
        free(a->reason);
        free(a->image);
}

void policy_free(struct policy *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->n_scopes; i++)
                scope_done(&p->scopes[i]);
        for (size_t i = 0; i < p->n_allow; i++)
                allow_done(&p->allow[i]);
        free(p->scopes);
        free(p->allow);
        strv_free(p->ignore_ecosystems);
        strv_free(p->ignore_paths);
        strv_free(p->vex_files);
        vex_free(p->vex);
        free(p->path);
        free(p->text);
        free(p);
}

const char *policy_digest(const struct policy *p) {
        struct policy *mut = (struct policy *) p; /* a cache, not a change */

        if (!mut->digest[0])
                sha256_hex(p->text, p->text_len, mut->digest);
        return p->digest;
}

void verdict_done(struct verdict *v) {
        if (!v)
                return;
        free(v->scope);
        strv_free(v->worst);
        strv_free(v->notes);
        free(v->unchecked);
        v->scope = v->unchecked = NULL;
        v->worst = v->notes = NULL;
}

/* ---- time ----------------------------------------------------------------- */

/* n decimal digits at *p into *ret; advances *p. */
static bool digits(const char **p, int n, int *ret) {
        int v = 0;

        for (int i = 0; i < n; i++) {
                if ((*p)[i] < '0' || (*p)[i] > '9')
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static bool expect(const char **p, char c) {
        if (**p != c)
                return false;
        (*p)++;
        return true;
}

/* The zone of an RFC 3339 date-time: "Z" or "+HH:MM"/"-HH:MM", in seconds
 * east of UTC. */
static bool parse_zone(const char **p, int *ret) {
        int sign, h, m;

        if (**p == 'Z' || **p == 'z') {
                (*p)++;
                *ret = 0;
                return true;
        }
        if (**p != '+' && **p != '-')
                return false;
        sign = *(*p)++ == '-' ? -1 : 1;
        if (!digits(p, 2, &h) || !expect(p, ':') || !digits(p, 2, &m) || h > 23 || m > 59)
                return false;
        *ret = sign * (h * 3600 + m * 60);
        return true;
}

/* "YYYY-MM-DD" (00:00:00 UTC of that day) or an RFC 3339 date-time
 * ("2026-12-31T12:00:00Z", "…T12:00:00.5+02:00"). */
static int parse_expires(const char *s, time_t *ret) {
        int y, mo, d, h = 0, mi = 0, sec = 0, zone = 0;
        const char *p = s;
        int64_t t;

        if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
            !digits(&p, 2, &d))
                return -EINVAL;
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > clock_days_in_month(y, mo))
                return -EINVAL;
        if (*p == 'T' || *p == 't') {
                p++;
                if (!digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) || !expect(&p, ':') ||
                    !digits(&p, 2, &sec) || h > 23 || mi > 59 || sec > 60)
                        return -EINVAL;
                if (*p == '.' && p[1] >= '0' && p[1] <= '9')
                        for (p++; *p >= '0' && *p <= '9'; p++)
                                ;
                if (!parse_zone(&p, &zone))
                        return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        t = clock_days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - zone;
        if (t <= 0)
                return -EINVAL;         /* 0 means "never" */
        *ret = (time_t) t;
        return 0;
}

/* "2026-12-31", or "2026-12-31T12:00:00Z" when not at midnight UTC. */
void policy_format_time(time_t t, char ret[static 32]) {
        struct tm tm;

        if (!gmtime_r(&t, &tm)) {
                (void) snprintf(ret, 32, "@%lld", (long long) t);
                return;
        }
        (void) strftime(ret, 32, t % 86400 == 0 ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- parsing -------------------------------------------------------------- */

/* A string member that must be one of a few words: "'mode' in scope 'x'
 * must be one of enforce, warn, audit, not 'enforec'". */
static int parse_severity_word(const char *s) {
        return severity_from_string(s);
}

static int get_severity(const struct json_node *obj, enum severity *ret, struct error *err) {
        static const char *const names[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN" };
        int v = 0, r = json_get_word(obj, "severity", names, ELEMENTSOF(names), parse_severity_word, &v, err);

        if (r > 0)
                *ret = v;
        return r;
}

/* unknown_as: a severity, or "unchecked". */
static int parse_unknown_as_word(const char *s) {
        return strcmp(s, "unchecked") == 0 ? 0 : severity_from_string(s) + 1;
}

static int get_unknown_as(const struct json_node *obj, int *ret, struct error *err) {
        static const char *const names[] = { "unchecked", "CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN" };
        int v = 0, r = json_get_word(obj, "unknown_as", names, ELEMENTSOF(names), parse_unknown_as_word, &v, err);

        if (r > 0)
                *ret = v - 1;   /* "unchecked" is POLICY_UNKNOWN_AS_UNCHECKED */
        return r;
}

static int get_on_unchecked(const struct json_node *obj, enum policy_unchecked *ret, struct error *err) {
        int v = 0, r = json_get_word(obj, "on_unchecked", unchecked_names, _POLICY_UNCHECKED_MAX, NULL, &v, err);

        if (r > 0)
                *ret = v;
        return r;
}

static int get_mode(const struct json_node *obj, enum policy_mode *ret, struct error *err) {
        int v = 0, r = json_get_word(obj, "mode", mode_names, _POLICY_MODE_MAX, NULL, &v, err);

        if (r > 0)
                *ret = v;
        return r;
}

static int get_action(const struct json_node *obj, const char *key, enum policy_action *ret, struct error *err) {
        int v = 0, r = json_get_word(obj, key, action_names, _POLICY_ACTION_MAX, NULL, &v, err);

        if (r > 0)
                *ret = v;
        return r;
}

static int parse_globs(const struct json_node *obj, const char *key, char ***ret, struct error *err);

/* Every error of the file, for `policy check`: a part of the file (a key,
 * an allowlist entry, a scope) that is wrong is noted and the parse goes on
 * with the next; only running out of memory stops it. */
struct errlist {
        char **msgs;
        size_t n;
};

/* r of one part: 0 or more passes through; an error is noted (err is
 * cleared for the next part) and becomes 0; -ENOMEM stays. */
static int keep(struct errlist *el, int r, struct error *err) {
        if (r >= 0 || r == -ENOMEM)
                return r;
        if (strv_push(&el->msgs, strdup(err && err->msg[0] ? err->msg : "invalid policy")) < 0)
                return -ENOMEM;
        el->n++;
        if (err)
                *err = (struct error) {};
        return 0;
}

/* min_epss: FIRST's EPSS probability (the "epss" column, not the
 * percentile), above 0 and at most 1. */
static int get_min_epss(const struct json_node *obj, double *ret, struct error *err) {
        json_t *v = json_object_get(obj->v, "min_epss");

        if (!v)
                return 0;
        if (!json_is_number(v) || !(json_number_value(v) > 0 && json_number_value(v) <= 1))
                return json_error_at(obj->doc, json_key_pos(obj, "min_epss"), err,
                                     "'min_epss' in %s must be an EPSS probability above 0 and at most 1 (0.5 "
                                     "counts findings whose CVE FIRST scores 50%% likely to be exploited in 30 "
                                     "days)", obj->where);
        *ret = json_number_value(v);
        return 1;
}

/* enforce_from: a date or an RFC 3339 time, like an allowlist entry's
 * expires. */
static int get_enforce_from(const struct json_node *obj, time_t *ret, struct error *err) {
        const char *s = NULL;
        char shown[80];
        int r = json_get_string(obj, "enforce_from", &s, err);

        if (r <= 0 || !s)
                return r < 0 ? r : 0;
        json_printable(s, shown, sizeof(shown));
        if (parse_expires(s, ret) < 0)
                return json_error_at(obj->doc, json_key_pos(obj, "enforce_from"), err,
                                     "'enforce_from' in %s must be a date (2027-01-15, midnight UTC) or an RFC 3339 "
                                     "time (2027-01-15T08:00:00Z), not '%s'", obj->where, shown);
        return 1;
}

/* enforce_from only means something under mode enforce: named beside
 * another mode (its own or the top level's) it would never take effect, so
 * it is an error; one a scope inherits into its own warn or audit is
 * dropped. */
static int check_enforce_from(const struct json_node *obj, struct policy_rule *rule, unsigned set,
                              struct error *err) {
        if (rule->mode == POLICY_ENFORCE)
                return 0;
        if (!(set & POLICY_SET_ENFORCE_FROM)) {
                rule->enforce_from = 0;
                return 0;
        }
        rule->enforce_from = 0;
        return json_error_at(obj->doc, json_key_pos(obj, "enforce_from"), err,
                             "'enforce_from' in %s needs mode enforce, but the mode is %s%s; set \"mode\": "
                             "\"enforce\" or remove enforce_from", obj->where, policy_mode_to_string(rule->mode),
                             set & POLICY_SET_MODE ? "" : " (from the top level)");
}

/* unknown_as "UNKNOWN" under a threshold above UNKNOWN: a finding of
 * UNKNOWN severity would be compared as below it, so it would never count
 * and never be said (not even as not checked); refused, as a value that
 * looks like "count it" but silences it.  Under "severity": "UNKNOWN" every
 * finding counts, which the value can't change: accepted. */
static int check_unknown_as(const struct json_node *obj, const struct policy_rule *rule, unsigned set,
                            bool in_scope, struct error *err) {
        const char *t = severity_to_string(rule->threshold);

        if (rule->unknown_as != SEVERITY_UNKNOWN || rule->threshold <= SEVERITY_UNKNOWN)
                return 0;
        if (set & POLICY_SET_UNKNOWN_AS)
                return json_error_at(obj->doc, json_key_pos(obj, "unknown_as"), err,
                                     "'unknown_as' \"UNKNOWN\" in %s never counts: under the threshold %s%s a "
                                     "finding of UNKNOWN severity would be neither counted nor said to be not "
                                     "checked; use \"unchecked\" (the default: on_unchecked decides) or the severity "
                                     "to count it as (\"%s\" counts it)", obj->where, t,
                                     set & POLICY_SET_THRESHOLD ? "" : in_scope ? " (from the top level)"
                                                                                : " (the default)", t);
        if (!(set & POLICY_SET_THRESHOLD))
                return 0;       /* both from the top level, which is refused there */
        return json_error_at(obj->doc, json_key_pos(obj, "severity"), err,
                             "'severity' %s in %s makes unknown_as \"UNKNOWN\" (from the top level) never count: a "
                             "finding of UNKNOWN severity would be neither counted nor said to be not checked; set "
                             "'unknown_as' in %s to \"unchecked\" (on_unchecked decides) or the severity to count "
                             "it as (\"%s\" counts it)", t, obj->where, obj->where, t);
}

/* The rule of the top level or a scope; *ret_set says which keys the
 * object names; the ignore lists are kept in *ret_ecosystems and *ret_paths,
 * which the rule borrows. */
static int parse_rule(const struct json_node *obj, bool in_scope, struct policy_rule *rule, unsigned *ret_set,
                      char ***ret_ecosystems, char ***ret_paths, struct errlist *el, struct error *err) {
        unsigned set = 0;
        int r;

        if ((r = keep(el, parse_globs(obj, "ignore_ecosystems", ret_ecosystems, err), err)) < 0)
                return r;
        if (r > 0) {
                rule->ignore_ecosystems = *ret_ecosystems;
                set |= POLICY_SET_IGNORE_ECOSYSTEMS;
        }
        if ((r = keep(el, parse_globs(obj, "ignore_paths", ret_paths, err), err)) < 0)
                return r;
        if (r > 0) {
                rule->ignore_paths = *ret_paths;
                set |= POLICY_SET_IGNORE_PATHS;
        }

        if ((r = keep(el, get_mode(obj, &rule->mode, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_MODE : 0;
        if ((r = keep(el, get_severity(obj, &rule->threshold, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_THRESHOLD : 0;
        if ((r = keep(el, json_get_bool(obj, "ignore_unfixed", &rule->ignore_unfixed, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_IGNORE_UNFIXED : 0;
        if ((r = keep(el, get_on_unchecked(obj, &rule->on_unchecked, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_ON_UNCHECKED : 0;
        if ((r = keep(el, get_unknown_as(obj, &rule->unknown_as, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_UNKNOWN_AS : 0;
        if ((r = keep(el, json_get_bool(obj, "block_kev", &rule->block_kev, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_BLOCK_KEV : 0;
        if ((r = keep(el, get_min_epss(obj, &rule->min_epss, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_MIN_EPSS : 0;
        if ((r = keep(el, get_enforce_from(obj, &rule->enforce_from, err), err)) < 0)
                return r;
        set |= r ? POLICY_SET_ENFORCE_FROM : 0;
        if ((r = keep(el, check_enforce_from(obj, rule, set, err), err)) < 0)
                return r;
        if ((r = keep(el, check_unknown_as(obj, rule, set, in_scope, err), err)) < 0)
                return r;
        *ret_set = set;
        return 0;
}

/* An array of non-empty strings (what: "glob"), at least one and at most
 * max: an empty list would match nothing, which is never what was meant
 * (leave the key out to match any). */
static int parse_strings(const struct json_node *obj, const char *key, const char *what, size_t max, char ***ret,
                         struct error *err) {
        _cleanup_strv_free_ char **v = NULL;
        struct json_node arr, e;
        int r = json_member(obj, key, JSON_ARRAY, &arr, err);

        if (r <= 0)
                return r;
        if (json_array_size(arr.v) == 0)
                return json_error_at(obj->doc, arr.key_pos, err,
                                     "'%s' in %s is empty; name at least one %s or leave the key out", key,
                                     obj->where, what);
        if (json_array_size(arr.v) > max)
                return json_error_at(obj->doc, arr.key_pos, err, "'%s' in %s names more than %zu, the most allowed; "
                                     "keep at most %zu", key, obj->where, max, max);
        (void) snprintf(arr.where, sizeof(arr.where), "%s", key);
        for (size_t i = 0; i < json_array_size(arr.v); i++) {
                json_element(&arr, i, &e);
                if (!json_is_string(e.v) || json_string_length(e.v) == 0)
                        return json_error_at(obj->doc, e.pos, err, "%s in %s must be a non-empty string", e.where,
                                             obj->where);
                if (strv_push(&v, strdup(json_string_value(e.v))) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 1;
}

static int parse_globs(const struct json_node *obj, const char *key, char ***ret, struct error *err) {
        return parse_strings(obj, key, "glob", SIZE_MAX, ret, err);
}

/* {"key": "glob", ...} → "key=glob" strings. */
static int parse_annotations(const struct json_node *obj, char ***ret, struct error *err) {
        _cleanup_strv_free_ char **v = NULL;
        struct json_node o;
        const char *key;
        json_t *val;
        int r = json_member(obj, "annotations", JSON_OBJECT, &o, err);

        if (r <= 0)
                return r;
        if (json_object_size(o.v) == 0)
                return json_error_at(obj->doc, o.key_pos, err,
                                     "'annotations' in %s is empty; name at least one or leave the key out",
                                     obj->where);
        json_object_foreach(o.v, key, val) {
                size_t kpos = json_key_pos(&o, key);
                char shown[80], *s = NULL;

                json_printable(key, shown, sizeof(shown));
                if (!*key || strchr(key, '='))
                        return json_error_at(obj->doc, kpos, err,
                                             "annotation key '%s' in %s must be non-empty and without '='", shown,
                                             obj->where);
                if (!json_is_string(val) || json_string_length(val) == 0)
                        return json_error_at(obj->doc, kpos, err,
                                             "annotation '%s' in %s must be a non-empty string (a glob)", shown,
                                             obj->where);
                if (asprintf(&s, "%s=%s", key, json_string_value(val)) < 0 || strv_push(&v, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 1;
}

static int parse_match(const struct json_node *scope, struct policy_scope *s, struct error *err) {
        struct json_node m;
        int r = json_member(scope, "match", JSON_OBJECT, &m, err);

        if (r <= 0)
                return r;
        (void) snprintf(m.where, sizeof(m.where), "the match of %.120s", scope->where);
        if ((r = json_check_keys(&m, match_keys, err)) < 0 ||
            (r = parse_globs(&m, "namespaces", &s->namespaces, err)) < 0 ||
            (r = parse_annotations(&m, &s->annotations, err)) < 0 ||
            (r = parse_globs(&m, "images", &s->images, err)) < 0)
                return r;
        return 0;
}

static bool scope_name_taken(const struct policy *p, const char *name) {
        for (size_t i = 0; i < p->n_scopes; i++)
                if (strcmp(p->scopes[i].name, name) == 0)
                        return true;
        return false;
}

/* Parses scope e into p->scopes[p->n_scopes]; the rule starts as the top
 * level's, so that what the scope leaves out is inherited. */
/* Parses scope e into p->scopes[p->n_scopes]; the rule starts as the top
 * level's, so that what the scope leaves out is inherited.  The name is
 * read first so that every later message can use it. */
static int parse_scope(struct json_node *e, struct policy *p, struct errlist *el, struct error *err) {
        struct policy_scope *s = &p->scopes[p->n_scopes];
        const char *name = NULL;
        char shown[80];
        int r;

        if (!json_is_object(e->v))
                return json_error_at(e->doc, e->pos, err, "%s must be an object", e->where);
        if ((r = json_get_string(e, "name", &name, err)) < 0)
                return r;
        json_printable(name ? name : "", shown, sizeof(shown));
        if (name)
                (void) snprintf(e->where, sizeof(e->where), "scope '%s'", shown);
        if ((r = keep(el, json_check_keys_hint(e, scope_keys, top_keys, "it applies to the whole policy, not to a "
                                               "scope; set it at the policy's top level", err), err)) < 0)
                return r;
        if (!name)
                return json_error_at(e->doc, e->pos, err, "%s has no 'name'; give it one (\"name\": \"prod\"): "
                                     "messages and the audit line name the scope that decided", e->where);
        if (scope_name_taken(p, name))
                return json_error_at(e->doc, json_key_pos(e, "name"), err, "a scope named '%s' comes earlier; give "
                                     "each scope a name of its own", shown);
        *s = (struct policy_scope) { .rule = p->rule };
        if (!(s->name = strdup(name)))
                return -ENOMEM;
        p->n_scopes++;
        if ((r = keep(el, parse_match(e, s, err), err)) < 0 ||
            (r = parse_rule(e, true, &s->rule, &s->set, &s->ignore_ecosystems, &s->ignore_paths, el, err)) < 0)
                return r;
        return 0;
}

static int parse_allow(struct json_node *e, struct policy_allow *a, struct error *err) {
        const char *id = NULL, *reason = NULL, *expires = NULL, *image = NULL;
        _cleanup_free_ char *copy = NULL;
        char shown[80];
        int r;

        if (!json_is_object(e->v))
                return json_error_at(e->doc, e->pos, err, "%s must be an object", e->where);
        if ((r = json_get_string(e, "id", &id, err)) < 0)
                return r;
        json_printable(id ? id : "", shown, sizeof(shown));
        if (id)
                (void) snprintf(e->where, sizeof(e->where), "allowlist entry '%s'", shown);
        if ((r = json_check_keys(e, allow_keys, err)) < 0 ||
            (r = json_get_string(e, "reason", &reason, err)) < 0 ||
            (r = json_get_string(e, "expires", &expires, err)) < 0 ||
            (r = json_get_string(e, "image", &image, err)) < 0)
                return r;
        if (!id)
                return json_error_at(e->doc, e->pos, err, "%s has no 'id'; name the vulnerability it excuses "
                                     "(\"id\": \"CVE-2023-38545\")", e->where);
        /* ids are single words (CVE-2023-38545, GHSA-…): one with a space
         * or a control character matches no finding, and the finding it
         * was meant to excuse blocks with nothing to say why */
        if (!(copy = strdup(id)))
                return -ENOMEM;
        str_make_printable(copy);
        if (!*id || strchr(id, ' ') || strcmp(copy, id) != 0)
                return json_error_at(e->doc, json_key_pos(e, "id"), err,
                                     "'id' in %s is not a vulnerability id: it is empty or holds a space or a control "
                                     "character, and would match no finding; write the id alone (CVE-2023-38545)",
                                     e->where);
        if (!reason || !reason[strspn(reason, " \t\r\n")])
                return json_error_at(e->doc, json_key_pos(e, "reason"), err,
                                     "%s needs a 'reason': why is it accepted?", e->where);
        json_printable(expires ? expires : "", shown, sizeof(shown));
        if (expires && parse_expires(expires, &a->expires) < 0)
                return json_error_at(e->doc, json_key_pos(e, "expires"), err,
                                     "'expires' in %s must be a date (2026-12-31) or an RFC 3339 time "
                                     "(2026-12-31T12:00:00Z), not '%s'",
                                     e->where, shown);
        if (!(a->id = strdup(id)) || !(a->reason = strdup(reason)) || (image && !(a->image = strdup(image))))
                return -ENOMEM;
        return 0;
}

static int parse_list(const struct json_node *root, const char *key, size_t elem_size, void **ret_items,
                      struct json_node *ret_arr, struct error *err) {
        int r = json_member(root, key, JSON_ARRAY, ret_arr, err);

        if (r <= 0)
                return r;
        (void) snprintf(ret_arr->where, sizeof(ret_arr->where), "%s", key);
        *ret_items = calloc(json_array_size(ret_arr->v) + 1, elem_size);
        return *ret_items ? 1 : -ENOMEM;
}

static int parse_allowlist(const struct json_node *root, struct policy *p, struct errlist *el, struct error *err) {
        struct json_node arr, e;
        int r = parse_list(root, "allowlist", sizeof(*p->allow), (void **) &p->allow, &arr, err);

        for (size_t i = 0; r > 0 && i < json_array_size(arr.v); i++) {
                json_element(&arr, i, &e);
                /* counted first, so that a half-filled entry is freed too */
                p->n_allow++;
                if ((r = keep(el, parse_allow(&e, &p->allow[i], err), err)) < 0)
                        return r;
                r = 1;
        }
        return r < 0 ? r : 0;
}

static int parse_scopes(const struct json_node *root, struct policy *p, struct errlist *el, struct error *err) {
        struct json_node arr, e;
        int r = parse_list(root, "scopes", sizeof(*p->scopes), (void **) &p->scopes, &arr, err);

        for (size_t i = 0; r > 0 && i < json_array_size(arr.v); i++) {
                json_element(&arr, i, &e);
                if ((r = keep(el, parse_scope(&e, p, el, err), err)) < 0)
                        return r;
                r = 1;
        }
        return r < 0 ? r : 0;
}

static int parse_top(const struct json_node *root, struct policy *p, struct errlist *el, struct error *err) {
        unsigned set;
        int r, v = 0;

        if ((r = keep(el, json_check_keys_hint(root, top_keys, config_top_keys(), "it is a key of config.json, the "
                                               "hook's configuration (" PORTCULLIS_CONFIG_DEFAULT " by default); set "
                                               "it there", err), err)) < 0 ||
            (r = parse_rule(root, false, &p->rule, &set, &p->ignore_ecosystems, &p->ignore_paths, el, err)) < 0 ||
            (r = keep(el, get_action(root, "on_error", &p->on_error, err), err)) < 0 ||
            (r = keep(el, get_action(root, "on_timeout", &p->on_timeout, err), err)) < 0 ||
            (r = keep(el, get_action(root, "on_audit_failure", &p->on_audit_failure, err), err)) < 0 ||
            (r = keep(el, json_get_uint(root, "deadline_ms", 1, POLICY_DEADLINE_MAX_MS, &p->deadline_ms, err), err)) < 0 ||
            (r = keep(el, json_get_uint(root, "max_db_age_hours", 0, POLICY_DB_AGE_MAX_HOURS, &p->max_db_age_hours,
                                        err), err)) < 0 ||
            (r = keep(el, json_get_word(root, "on_stale_db", stale_names, _POLICY_STALE_MAX, NULL, &v, err), err)) < 0)
                return r;
        if (r > 0)
                p->on_stale_db = v;
        if ((r = keep(el, parse_strings(root, "vex", "VEX document", VEX_FILES_MAX, &p->vex_files, err), err)) < 0)
                return r;
        /* scopes after the top level's rule: they inherit from it */
        if ((r = keep(el, parse_allowlist(root, p, el, err), err)) < 0 ||
            (r = keep(el, parse_scopes(root, p, el, err), err)) < 0)
                return r;
        return 0;
}

static int by_position(const void *a, const void *b) {
        return strverscmp(*(char *const *) a, *(char *const *) b);
}

const char *const *policy_top_keys(void) {
        return top_keys;
}

int policy_parse_all(const char *buf, size_t len, const char *name, struct policy **ret, char ***ret_errors,
                     struct error *err) {
        _cleanup_(policy_freep) struct policy *p = NULL;
        _cleanup_strv_free_ char **msgs = NULL;
        struct errlist el = {};
        struct json_doc doc;
        struct json_node root;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p || !(p->path = strdup(name)))
                return error_set(err, ENOMEM, "%s: out of memory", name);
        /* on_unchecked warn: what could not be checked starts, but loudly; deny
         * would block every static and distroless image of a new node, allow
         * would be silent.  unknown_as unchecked: a finding without a
         * severity can't be said to be below the threshold. */
        p->rule = (struct policy_rule) { .mode = POLICY_ENFORCE, .threshold = SEVERITY_CRITICAL,
                                         .on_unchecked = POLICY_UNCHECKED_WARN,
                                         .unknown_as = POLICY_UNKNOWN_AS_UNCHECKED, .min_epss = -1 };
        p->on_error = p->on_timeout = POLICY_ACTION_ALLOW;
        p->on_audit_failure = POLICY_ACTION_ALLOW;
        p->deadline_ms = POLICY_DEADLINE_DEFAULT_MS;
        p->max_db_age_hours = POLICY_DB_AGE_DEFAULT_HOURS;
        p->on_stale_db = POLICY_STALE_WARN;
        if (json_blank(buf, len))
                return error_set(err, EINVAL, "%s: the file is empty; write a policy into it (the smallest, {}, is "
                                 "the built-in policy: mode enforce at severity CRITICAL; see docs/policy.md), or "
                                 "remove it (and config.json's 'policy' key, where one names it): with no policy "
                                 "file the built-in policy applies", name);
        r = json_doc_load(&doc, buf, len, name, "the policy", &root, err);
        if (r >= 0)
                r = parse_top(&root, p, &el, err);
        json_doc_done(&doc);
        msgs = TAKE_PTR(el.msgs);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        if (r < 0)
                return r;
        if (el.n > 0) {
                /* in the file's order ("FILE:LINE:COLUMN: ...", numbers
                 * compared as numbers); the first in err, every one in
                 * *ret_errors */
                qsort(msgs, el.n, sizeof(*msgs), by_position);
                r = error_set(err, EINVAL, "%s%s", msgs[0], el.n > 1 ? " (and more errors: see 'portcullis policy "
                              "check')" : "");
                if (ret_errors)
                        *ret_errors = TAKE_PTR(msgs);
                return r;
        }
        /* The digest is computed when asked for (policy_digest()): the hook
         * loads a policy at every start and rarely needs it. */
        p->text = strndup_or_null(buf, len);
        if (!p->text)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        p->text_len = len;
        *ret = TAKE_PTR(p);
        return 0;
}

int policy_parse(const char *buf, size_t len, const char *name, struct policy **ret, struct error *err) {
        return policy_parse_all(buf, len, name, ret, NULL, err);
}

/* "vex": each document read once per load (the hook: once per decision,
 * and only when the policy names some); every error is kept, each naming
 * the policy and the document.  Never -ENOENT: that would read as a
 * missing policy. */
static int load_vex(struct policy *p, char ***ret_errors, struct error *err) {
        _cleanup_strv_free_ char **msgs = NULL;
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(p->path, '/');
        size_t n = 0;

        if (!p->vex_files)
                return 0;
        if (!(p->vex = vex_new()) || !(dir = slash ? strndup(p->path, (size_t) (slash - p->path)) : strdup(".")))
                return error_set(err, ENOMEM, "%s: out of memory", p->path);
        for (size_t i = 0; p->vex_files[i]; i++) {
                _cleanup_free_ char *path = NULL;
                struct error e = {};
                char *msg = NULL;

                if ((p->vex_files[i][0] == '/' ? !(path = strdup(p->vex_files[i]))
                                               : asprintf(&path, "%s/%s", dir, p->vex_files[i]) < 0))
                        return error_set(err, ENOMEM, "%s: out of memory", p->path);
                if (vex_load(p->vex, path, &e) >= 0)
                        continue;
                if (e.code == -ENOMEM)
                        return error_set(err, ENOMEM, "%s", e.msg);
                if (asprintf(&msg, "%s: vex[%zu]: %s", p->path, i, e.msg) < 0 || strv_push(&msgs, msg) < 0)
                        return error_set(err, ENOMEM, "%s: out of memory", p->path);
                n++;
        }
        if (n == 0)
                return 0;
        error_set(err, EINVAL, "%s%s", msgs[0], n > 1 ? " (and more errors: see 'portcullis policy check')" : "");
        if (ret_errors)
                *ret_errors = TAKE_PTR(msgs);
        return -EINVAL;
}

int policy_load_all(const char *path, struct policy **ret, char ***ret_errors, struct error *err) {
        _cleanup_(policy_freep) struct policy *p = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_small_file(path, POLICY_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return error_wrap(err, "policy");
        if ((r = policy_parse_all(buf, len, path, &p, ret_errors, err)) < 0 ||
            (r = load_vex(p, ret_errors, err)) < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int policy_load(const char *path, struct policy **ret, struct error *err) {
        return policy_load_all(path, ret, NULL, err);
}

int policy_load_configured(const char *path, struct policy **ret, struct error *err) {
        int r = policy_load(path, ret, err);

        if (r == -ENOENT && streq_ptr(path, PORTCULLIS_POLICY_DEFAULT)) {
                error_clear(err);
                if ((r = check_dangling_link(path, "the built-in policy", err)) < 0)
                        return error_wrap(err, "policy");
                return policy_default(ret);
        }
        return r;
}

int policy_default(struct policy **ret) {
        struct policy *p = NULL;
        int r = policy_parse(default_policy, STRLEN(default_policy), "(built-in policy)", &p, NULL);

        if (r < 0)
                return r;
        free(p->path);
        p->path = NULL;
        *ret = p;
        return 0;
}

/* ---- selection ------------------------------------------------------------ */

static bool glob_matches(const char *glob, const char *s) {
        return fnmatch(glob, s, 0) == 0;
}

/* Whether any of globs matches s (no globs: no matcher, so yes). */
static bool any_matches(char *const *globs, const char *s, bool (*matches)(const char *glob, const char *s)) {
        if (!globs)
                return true;
        if (!s)
                return false;
        for (; *globs; globs++)
                if (matches(*globs, s))
                        return true;
        return false;
}

/* Whether s's n bytes hold an upper-case letter. */
static bool has_upper(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

/* An image's name in the two spellings Docker's reference grammar gives
 * it: full ("docker.io/library/nginx:1.25") and familiar ("nginx:1.25").
 * The runtime passes the name as the user wrote it (containerd's CRI now
 * the pod spec's own string), so a glob written in one spelling must meet
 * a name in the other: else "nginx:1.25" escapes a scope whose glob is
 * "docker.io/library/" and a star, or an allowlist entry for it.  The first
 * component is a registry when it holds a '.' or a ':', is "localhost" or
 * has an upper-case letter (distribution/reference's splitDockerDomain());
 * without one the registry is docker.io, and a one-component path there
 * is under library/.  The registry is a host name, which DNS reads in any
 * case (RFC 4343): it is spelled in lower case, else
 * "REGISTRY.EXAMPLE.COM/team/app" pulls what "registry.example.com/team/app"
 * does and escapes the scope whose glob names that.  An image id
 * ("sha256:...") has no other spelling: false. */
static bool image_spellings(const char *image, char *full, size_t full_size, char *familiar, size_t familiar_size) {
        const char *slash = strchr(image, '/'), *path = image;
        char domain[256] = "docker.io";
        size_t n;

        if (startswith(image, "sha256:") || !*image)
                return false;
        if (slash) {
                n = (size_t) (slash - image);
                if (memchr(image, '.', n) || memchr(image, ':', n) || (n == 9 && strncmp(image, "localhost", 9) == 0) ||
                    has_upper(image, n)) {
                        if (n >= sizeof(domain))
                                return false;
                        for (size_t i = 0; i < n; i++)
                                domain[i] = tolower_ascii(image[i]);
                        domain[n] = '\0';
                        path = slash + 1;
                }
        }
        if (streq_ptr(domain, "index.docker.io"))
                strcpy(domain, "docker.io");
        if (!streq_ptr(domain, "docker.io"))
                return snprintf(full, full_size, "%s/%s", domain, path) < (int) full_size &&
                       snprintf(familiar, familiar_size, "%s", full) < (int) familiar_size;
        if (snprintf(full, full_size, "docker.io/%s%s", strchr(path, '/') ? "" : "library/", path) >= (int) full_size)
                return false;
        path = full + STRLEN("docker.io/");
        return snprintf(familiar, familiar_size, "%s",
                        startswith(path, "library/") && !strchr(path + STRLEN("library/"), '/')
                                ? path + STRLEN("library/") : path) < (int) familiar_size;
}

/* glob on an image name, in any of its spellings. */
static bool image_matches(const char *glob, const char *image) {
        char full[1024], familiar[1024];

        if (fnmatch(glob, image, 0) == 0)
                return true;
        return image_spellings(image, full, sizeof(full), familiar, sizeof(familiar)) &&
               (fnmatch(glob, full, 0) == 0 || fnmatch(glob, familiar, 0) == 0);
}


static const char *annotation_value(char *const *kv, const char *key, size_t keylen) {
        for (; kv && kv[0] && kv[1]; kv += 2)
                if (strlen(kv[0]) == keylen && strncmp(kv[0], key, keylen) == 0)
                        return kv[1];
        return NULL;
}

static bool annotations_all(char *const *want, char *const *have) {
        for (; want && *want; want++) {
                const char *eq = strchr(*want, '='), *v;

                if (!eq)
                        return false;
                v = annotation_value(have, *want, (size_t) (eq - *want));
                if (!v || fnmatch(eq + 1, v, 0) != 0)
                        return false;
        }
        return true;
}

static bool scope_applies(const struct policy_scope *s, const struct policy_context *ctx) {
        return any_matches(s->namespaces, ctx ? ctx->namespace : NULL, glob_matches) &&
               annotations_all(s->annotations, ctx ? ctx->annotations : NULL) &&
               any_matches(s->images, ctx ? ctx->image : NULL, image_matches);
}

/* The rule as it applies at now: enforce is warn before enforce_from.
 * Copied whole, then changed, so that two selections compare equal with
 * memcmp (the fuzzer does). */
static void rule_at(const struct policy_rule *rule, const struct policy_context *ctx, struct policy_rule *ret) {
        time_t now = ctx && ctx->now ? ctx->now : time(NULL);

        *ret = *rule;
        if (ret->mode == POLICY_ENFORCE && ret->enforce_from != 0 && now < ret->enforce_from) {
                ret->mode = POLICY_WARN;
                ret->enforce_pending = true;
        }
}

const struct policy_scope *policy_select(const struct policy *p, const struct policy_context *ctx,
                                         struct policy_rule *ret_rule) {
        for (size_t i = 0; i < p->n_scopes; i++)
                if (scope_applies(&p->scopes[i], ctx)) {
                        if (ret_rule)
                                rule_at(&p->scopes[i].rule, ctx, ret_rule);
                        return &p->scopes[i];
                }
        if (ret_rule)
                rule_at(&p->rule, ctx, ret_rule);
        return NULL;
}

/* ---- evaluation ----------------------------------------------------------- */

/* In any case: "cve-2021-44228" and "GHSA-JFH8-C2JP-5V3Q" are how people
 * type the ids the feeds spell CVE-2021-44228 and GHSA-jfh8-c2jp-5v3q (GitHub
 * and NVD take either; VEX documents match CVEs so too), and an entry that
 * matched nothing left the finding blocking without a word. */
static bool names_finding(const char *id, const struct finding *f) {
        if (f->id && strcaseeq(id, f->id))
                return true;
        for (char **a = f->aliases; a && *a; a++)
                if (strcaseeq(id, *a))
                        return true;
        return false;
}

static bool allow_matches(const struct policy_allow *a, const struct finding *f, const char *image) {
        if (!names_finding(a->id, f))
                return false;
        return !a->image || (image && image_matches(a->image, image));
}

/* The unexpired entry that excuses f, or NULL; *ret_expired gets the first
 * expired one that would have. */
static const struct policy_allow *find_allow(const struct policy *p, const struct finding *f, const char *image,
                                             time_t now, const struct policy_allow **ret_expired) {
        *ret_expired = NULL;
        for (size_t i = 0; i < p->n_allow; i++) {
                const struct policy_allow *a = &p->allow[i];

                if (!allow_matches(a, f, image))
                        continue;
                if (a->expires == 0 || now < a->expires)
                        return a;
                if (!*ret_expired)
                        *ret_expired = a;
        }
        return NULL;
}

static enum severity finding_severity(const struct finding *f) {
        return f->severity >= 0 && f->severity < _SEVERITY_MAX ? f->severity : SEVERITY_UNKNOWN;
}

/* The severity a finding counts as: UNKNOWN per unknown_as. */
static enum severity counted_severity(const struct policy_rule *rule, const struct finding *f) {
        enum severity s = finding_severity(f);

        return s == SEVERITY_UNKNOWN && rule->unknown_as >= 0 ? (enum severity) rule->unknown_as : s;
}

/* Whether an UNKNOWN finding is left unchecked against the threshold: with
 * unknown_as "unchecked", unless every severity counts anyway. */
static bool unknown_unchecked(const struct policy_rule *rule, const struct finding *f) {
        return finding_severity(f) == SEVERITY_UNKNOWN && rule->unknown_as == POLICY_UNKNOWN_AS_UNCHECKED &&
               rule->threshold > SEVERITY_UNKNOWN;
}

/* An OSV ecosystem name: "Debian" matches "Debian:12" too. */
static bool ecosystem_in(char *const *list, const char *ecosystem) {
        for (; ecosystem && list && *list; list++) {
                size_t n = strlen(*list);

                if (strncmp(ecosystem, *list, n) == 0 && (ecosystem[n] == '\0' || ecosystem[n] == ':'))
                        return true;
        }
        return false;
}

/* ignore_ecosystems / ignore_paths: a finding the scope does not weigh. */
static bool rule_ignores(const struct policy_rule *rule, const struct finding *f) {
        return ecosystem_in(rule->ignore_ecosystems, f->ecosystem) ||
               (rule->ignore_paths && f->path && any_matches(rule->ignore_paths, f->path, glob_matches));
}

/* block_kev / min_epss: a finding that counts whatever its severity. */
static bool exploit_counts(const struct policy_rule *rule, const struct finding *f) {
        return (rule->block_kev && f->kev) || (rule->min_epss > 0 && f->epss >= rule->min_epss);
}

/* ... and only for that: below the threshold, or of UNKNOWN severity that
 * would not be checked. */
static bool only_exploit_counts(const struct policy_rule *rule, const struct finding *f) {
        return exploit_counts(rule, f) &&
               (counted_severity(rule, f) < rule->threshold || unknown_unchecked(rule, f));
}

/* fixable: f has a fixed version, or another record of its package names
 * one for its CVE (scan_result_fixed_by()). */
static bool rule_counts(const struct policy_rule *rule, const struct finding *f, bool fixable) {
        /* a VEX statement suppressed it (not_affected, fixed): listed, never counted */
        if (f->vex_status || rule_ignores(rule, f))
                return false;
        if (counted_severity(rule, f) < rule->threshold && !unknown_unchecked(rule, f) && !exploit_counts(rule, f))
                return false;
        return !rule->ignore_unfixed || fixable;
}

static bool has_cve(const struct finding *f) {
        for (size_t i = 0; i <= strv_length(f->aliases); i++)
                if (finding_new_cve(f, i))
                        return true;
        return false;
}

/* A finding that does not count, but would if its CVE were in CISA KEV
 * (kev) or had the highest EPSS (else), under a rule that asks for that
 * while the DB holds no such data: not checked, never allowed in silence. */
static bool exploit_unchecked(const struct policy_rule *rule, const struct policy_context *ctx,
                              const struct finding *f, bool fixable, bool kev) {
        struct finding g = *f;  /* a shallow copy, only read */

        if (!ctx || !(kev ? rule->block_kev && ctx->no_kev_data : rule->min_epss > 0 && ctx->no_epss_data) ||
            rule_counts(rule, f, fixable) || !has_cve(f))
                return false;
        if (kev)
                g.kev = true;
        else
                g.epss = 1;
        return rule_counts(rule, &g, fixable);
}

/* Takes s; a note already there is not said twice. */
static int push_note(struct verdict *v, char *s) {
        if (strv_contains(v->notes, s)) {
                free(s);
                return 0;
        }
        return strv_push(&v->notes, s);
}

static int add_note(struct verdict *v, const struct policy_allow *a, const struct finding *f) {
        char when[32], *s = NULL;

        if (strv_length(v->notes) >= POLICY_NOTES_MAX)
                return 0;
        policy_format_time(a->expires, when);
        if (asprintf(&s, "allowlist entry %s expired %s (%s); %s counts again", a->id, when, a->reason,
                     strna(f->id)) < 0)
                return -ENOMEM;
        return push_note(v, s);
}

/* The CVEs among a finding's id and aliases but except, ", "-separated,
 * at most max of them ("and 2 more" after them); *ret NULL when none.
 * 0 or -ENOMEM. */
static int finding_cves(const struct finding *f, const char *except, size_t max, char **ret) {
        struct strbuf b = {};
        size_t n = 0, more = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i <= strv_length(f->aliases); i++) {
                const char *id = finding_new_cve(f, i);

                if (!id || (except && strcaseeq(id, except)))
                        continue;
                if (n++ >= max)
                        more++;
                else
                        r = strbuf_printf(&b, "%s%s", b.s ? ", " : "", id);
        }
        if (r >= 0 && more)
                r = strbuf_printf(&b, " and %zu more", more);
        if (r < 0) {
                strbuf_done(&b);
                return -ENOMEM;
        }
        *ret = b.s ? strbuf_steal(&b) : NULL;
        return 0;
}

#define NOTE_CVES_MAX 5

/* The CVE a finding's KEV / EPSS data is of (cve: match_inventory()'s
 * kev_cve / epss_cve); where it was not carried (a scan from the analysis
 * child or the cache), the finding's only CVE, or "one of CVE-a, CVE-b". */
static char *exploit_cve(const struct finding *f, const char *cve) {
        _cleanup_free_ char *all = NULL;
        char *s = NULL;

        if (cve)
                return strdup(cve);
        if (finding_cves(f, NULL, NOTE_CVES_MAX, &all) < 0)
                return NULL;
        if (!all)
                return strdup(strna(f->id));
        if (!strchr(all, ','))
                return TAKE_PTR(all);
        return asprintf(&s, "one of %s", all) < 0 ? NULL : s;
}

/* An entry naming one CVE of an advisory that covers several (a DSA)
 * excuses the whole finding, as documented (docs/policy.md "Allowlist"),
 * but not in silence: "allowlist entry CVE-a excuses DSA-1, which also
 * covers CVE-b".  An entry naming another of its names (the advisory
 * folded into a CVE's finding, a GHSA beside a PYSEC) names all of it. */
static int add_allow_note(struct verdict *v, const struct policy_allow *a, const struct finding *f) {
        _cleanup_free_ char *others = NULL;
        char *s = NULL;

        if (strv_length(v->notes) >= POLICY_NOTES_MAX || (f->id && strcaseeq(a->id, f->id)) ||
            strncasecmp(a->id, "CVE-", 4) != 0)
                return 0;
        if (finding_cves(f, a->id, NOTE_CVES_MAX, &others) < 0)
                return -ENOMEM;
        if (!others)
                return 0;
        if (asprintf(&s, "allowlist entry %s excuses %s, which also covers %s", a->id, strna(f->id), others) < 0)
                return -ENOMEM;
        return push_note(v, s);
}

/* "PYSEC-1 (requests 2.0.0) has no fixed version, but GHSA-x, of the same
 * CVE-1, is fixed in 2.1.0: it counts under ignore_unfixed": why a
 * finding without a fix counts there. */
static int add_fix_note(struct verdict *v, const struct finding *f, const struct finding *by) {
        _cleanup_free_ char *s = NULL;
        char *note = NULL;

        if (strv_length(v->notes) >= POLICY_NOTES_MAX)
                return 0;
        if (finding_fix_elsewhere(f, by, &s) < 0 || asprintf(&note, "%s: it counts under ignore_unfixed", s) < 0)
                return -ENOMEM;
        return push_note(v, note);
}

/* "CVE-2021-44228 is in CISA KEV (block_kev)", "CVE-x has EPSS 0.94,
 * at or above min_epss 0.5": why a finding counts whatever its severity;
 * or, where allowlist entry a excuses it, that the entry does so (written,
 * perhaps, before its CVE was known to be exploited). */
static int add_exploit_note(struct verdict *v, const struct finding *f, const struct policy_allow *a) {
        _cleanup_free_ char *cve = NULL, *what = NULL;
        bool kev = v->rule.block_kev && f->kev;
        char *s = NULL;
        int k;

        if (strv_length(v->notes) >= POLICY_NOTES_MAX)
                return 0;
        if (!(cve = exploit_cve(f, kev ? f->kev_cve : f->epss_cve)))
                return -ENOMEM;
        if (a ? asprintf(&what, "is excused by allowlist entry %s (%s) all the same: review the entry", a->id,
                         a->reason) < 0
              : !(what = strdup("counts whatever its severity")))
                return -ENOMEM;
        if (kev)
                k = asprintf(&s, "%s is in CISA KEV (block_kev): %s %s %s", cve, strna(f->id), strna(f->package), what);
        else
                k = asprintf(&s, "%s has EPSS %.3g, at or above min_epss %g: %s %s %s", cve, f->epss,
                             v->rule.min_epss, strna(f->id), strna(f->package), what);
        if (k < 0)
                return -ENOMEM;
        return push_note(v, s);
}

/* The worst findings, one per id: the first package named, and how many
 * other findings of the same id count too. */
struct worst {
        const char *id;
        const char *package;
        size_t more;
};

static void add_worst(struct worst *w, size_t *n, const struct finding *f) {
        const char *id = strna(f->id);

        for (size_t i = 0; i < *n; i++)
                if (strcmp(w[i].id, id) == 0) {
                        if (!streq_ptr(w[i].package, f->package))
                                w[i].more++;
                        return;
                }
        if (*n < POLICY_WORST_MAX)
                w[(*n)++] = (struct worst) { .id = id, .package = f->package };
}

static int worst_strings(const struct worst *w, size_t n, char ***ret) {
        for (size_t i = 0; i < n; i++) {
                char *s = NULL;
                int k = w[i].more ? asprintf(&s, "%s %s (+%zu)", w[i].id, strna(w[i].package), w[i].more)
                                  : asprintf(&s, "%s %s", w[i].id, strna(w[i].package));

                if (k < 0 || strv_push(ret, s) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static enum verdict_decision decide(struct verdict *v) {
        size_t total = 0;

        for (int s = 0; s < _SEVERITY_MAX; s++)
                total += v->counts[s];
        if (total == 0 && !v->unchecked)
                return VERDICT_ALLOW;
        if (total == 0) {
                v->unchecked_decides = true;
                if (v->rule.on_unchecked == POLICY_UNCHECKED_ALLOW)
                        return VERDICT_ALLOW;
                if (v->rule.on_unchecked == POLICY_UNCHECKED_WARN)
                        return v->rule.mode == POLICY_AUDIT ? VERDICT_AUDIT : VERDICT_WARN;
        }
        switch (v->rule.mode) {
        case POLICY_WARN:
                return VERDICT_WARN;
        case POLICY_AUDIT:
                return VERDICT_AUDIT;
        default:
                return VERDICT_DENY;
        }
}

static int count_findings(const struct policy *p, const struct policy_context *ctx, const struct scan_result *res,
                          struct verdict *v, struct worst *w, size_t *n_worst, struct worst *unknown,
                          size_t *n_unknown) {
        const char *image = ctx ? ctx->image : NULL;
        time_t now = ctx && ctx->now ? ctx->now : time(NULL);
        _cleanup_free_ size_t *fixed_by = NULL;
        int r;

        if (res && v->rule.ignore_unfixed && (r = scan_result_fixed_by(res, &fixed_by)) < 0)
                return r;
        for (size_t i = 0; res && i < res->n_findings; i++) {
                const struct finding *f = &res->findings[i];
                const struct policy_allow *a, *expired;
                bool fixable = fixed_by ? fixed_by[i] != SIZE_MAX : finding_has_fix(f);

                if (!rule_counts(&v->rule, f, fixable)) {
                        bool kev = exploit_unchecked(&v->rule, ctx, f, fixable, true),
                             epss = exploit_unchecked(&v->rule, ctx, f, fixable, false);

                        if ((kev || epss) && !find_allow(p, f, image, now, &expired)) {
                                v->kev_unchecked += kev;
                                v->epss_unchecked += epss;
                        }
                        continue;
                }
                if ((a = find_allow(p, f, image, now, &expired))) {
                        v->allowed++;
                        if ((r = add_allow_note(v, a, f)) < 0 ||
                            (exploit_counts(&v->rule, f) && (r = add_exploit_note(v, f, a)) < 0))
                                return r;
                        continue;
                }
                if (expired && (r = add_note(v, expired, f)) < 0)
                        return r;
                if (fixed_by && fixed_by[i] != i && (r = add_fix_note(v, f, &res->findings[fixed_by[i]])) < 0)
                        return r;
                if (exploit_counts(&v->rule, f) && (r = add_exploit_note(v, f, NULL)) < 0)
                        return r;
                if (only_exploit_counts(&v->rule, f))
                        v->exploited++;
                if (unknown_unchecked(&v->rule, f) && !exploit_counts(&v->rule, f)) {
                        add_worst(unknown, n_unknown, f);
                        v->unknown++;
                        continue;
                }
                v->counts[finding_severity(f)]++;
                add_worst(w, n_worst, f);
        }
        return 0;
}

/* An ecosystem the rule ignores can't leave anything unchecked. */
static bool unchecked_ignored(const struct unchecked *u, const void *userdata) {
        const struct policy_rule *rule = userdata;

        return (u->kind == UNCHECKED_NO_DATA || u->kind == UNCHECKED_NO_COMPARATOR) &&
               ecosystem_in(rule->ignore_ecosystems, u->subject);
}

/* "block_kev: 3 findings below CRITICAL not checked against CISA KEV: the
 * vulnerability database has no KEV catalogue; import it (...)" */
static int exploit_unchecked_line(struct strbuf *b, const struct verdict *v, const char *key, size_t n,
                                  const char *data, const char *missing) {
        return strbuf_printf(b, "%s%s: %zu finding%s below %s not checked against %s: the vulnerability database "
                             "has %s in config.json)", b->s ? "; " : "", key, n, n == 1 ? "" : "s",
                             severity_to_string(v->rule.threshold), data, missing);
}

/* What was not checked, in one line: the scan's unchecked items, then the
 * UNKNOWN findings that unknown_as leaves unchecked. */
static int unchecked_line(const struct scan_result *res, struct verdict *v, const struct worst *unknown,
                          size_t n_unknown) {
        _cleanup_free_ char *items = NULL;
        struct strbuf b = {};
        int r = 0;

        if (res && scan_result_unchecked_line(res, unchecked_ignored, &v->rule, &items) < 0)
                return -ENOMEM;
        if (items)
                r = strbuf_puts(&b, items);
        if (r >= 0 && v->unknown > 0)
                r = strbuf_printf(&b, "%s%zu finding%s of UNKNOWN severity, so not known to be below %s (", b.s ? "; " : "",
                                  v->unknown, v->unknown == 1 ? "" : "s", severity_to_string(v->rule.threshold));
        for (size_t i = 0; r >= 0 && v->unknown > 0 && i < n_unknown; i++)
                r = strbuf_printf(&b, "%s%s %s", i ? ", " : "", unknown[i].id, strna(unknown[i].package));
        if (r >= 0 && v->unknown > 0)
                r = strbuf_printf(&b, "%s); import CVE scores (portcullis db update) or set unknown_as",
                                  v->unknown > n_unknown ? ", ..." : "");
        if (r >= 0 && v->kev_unchecked > 0)
                r = exploit_unchecked_line(&b, v, "block_kev", v->kev_unchecked, "CISA KEV",
                                           "no KEV catalogue; import it (portcullis db import "
                                           "known_exploited_vulnerabilities.json, or update.kev_sources");
        if (r >= 0 && v->epss_unchecked > 0)
                r = exploit_unchecked_line(&b, v, "min_epss", v->epss_unchecked, "EPSS",
                                           "no EPSS scores; import them (portcullis db import "
                                           "epss_scores-DATE.csv.gz, or update.epss_sources");
        if (r < 0) {
                strbuf_done(&b);
                return -ENOMEM;
        }
        v->unchecked = b.s ? strbuf_steal(&b) : NULL;
        return 0;
}

/* Every Kubernetes pod starts a sandbox container from the image the
 * node's admin configured (containerd's sandbox_image, CRI-O's
 * pause_image): one static program, with no package to check.  Left to
 * on_unchecked, it would warn at every pod start (noise that teaches
 * operators to ignore warnings), or under deny block every pod of the
 * namespace.  So a sandbox whose image has nothing at all (the image's
 * no_packages item and nothing else: no finding, no other item) passes;
 * a sandbox image with any package (an old or custom pause image) is
 * judged as any image. */
static bool sandbox_nothing_to_check(const struct policy_context *ctx, const struct scan_result *res) {
        return ctx && ctx->pod_sandbox && res && res->n_findings == 0 && res->n_unchecked == 1 &&
               res->unchecked_more == 0 && res->unchecked[0].kind == UNCHECKED_NO_PACKAGES &&
               res->unchecked[0].packages == 0 && streq_ptr(res->unchecked[0].subject, UNCHECKED_SUBJECT_IMAGE);
}

int policy_evaluate(const struct policy *p, const struct policy_context *ctx, const struct scan_result *res,
                    struct verdict *ret, struct error *err) {
        struct verdict v = {};
        struct worst w[POLICY_WORST_MAX], unknown[POLICY_WORST_MAX];
        const struct policy_scope *s;
        size_t n_worst = 0, n_unknown = 0;
        int r;

        s = policy_select(p, ctx, &v.rule);
        if (s && !(v.scope = strdup(s->name)))
                return error_set(err, ENOMEM, "policy: out of memory");
        r = count_findings(p, ctx, res, &v, w, &n_worst, unknown, &n_unknown);
        if (r >= 0)
                r = worst_strings(w, n_worst, &v.worst);
        v.pod_sandbox = sandbox_nothing_to_check(ctx, res);
        if (r >= 0)
                r = unchecked_line(v.pod_sandbox ? NULL : res, &v, unknown, n_unknown);
        if (r < 0) {
                verdict_done(&v);
                return error_set(err, ENOMEM, "policy: out of memory");
        }
        v.decision = decide(&v);
        *ret = v;
        return 0;
}

/* ---- description ---------------------------------------------------------- */

/* Text being written; the first failure (out of memory) sticks. */
struct text {
        struct strbuf b;
        int r;
};

_printf_(2, 3) static void say(struct text *t, const char *fmt, ...) {
                               _cleanup_free_ char *s = NULL;
        va_list ap;
        int n;

        if (t->r < 0)
                return;
        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        t->r = n < 0 ? -ENOMEM : strbuf_puts(&t->b, s);
}

/* What the VEX documents say that is left out (vex_notes()). */
static void describe_vex_notes(struct text *t, const struct vex *v) {
        size_t more;
        char *const *notes = vex_notes(v, &more);

        for (char *const *n = notes; n && *n; n++)
                say(t, "Warning: VEX: %s.\n", *n);
        if (more)
                say(t, "Warning: VEX: %zu more statements left out as these are.\n", more);
}

static void describe_list(struct text *b, const char *what, char *const *v) {
        say(b, "%s ", what);
        for (char *const *g = v; *g; g++)
                say(b, "%s%s", g == v ? "" : " or ", *g);
}

static void describe_rule(struct text *b, const struct policy_rule *r) {
        static const char *const verbs[_POLICY_MODE_MAX] = {
                [POLICY_ENFORCE] = "block the container",
                [POLICY_WARN] = "let it start with a warning",
                [POLICY_AUDIT] = "only record it",
        };
        const char *verb = r->mode >= 0 && r->mode < _POLICY_MODE_MAX ? verbs[r->mode] : "?";

        say(b, "%s: %s when a finding ", strna(policy_mode_to_string(r->mode)), verb);
        if (r->threshold == SEVERITY_UNKNOWN)
                say(b, "%s", "of any severity");
        else
                say(b, "of severity %s%s", severity_to_string(r->threshold),
                    r->threshold == SEVERITY_CRITICAL ? "" : " or above");
        say(b, "%s", r->ignore_unfixed ? " has a fixed version" : " counts (fixed or not)");
        if (r->unknown_as >= 0)
                say(b, "; a finding of UNKNOWN severity counts as %s", severity_to_string(r->unknown_as));
        else if (r->threshold > SEVERITY_UNKNOWN)
                say(b, "%s", "; a finding of UNKNOWN severity is not checked (unknown_as unchecked)");
        if (r->ignore_ecosystems)
                describe_list(b, "; not weighed: findings of ecosystem", r->ignore_ecosystems);
        if (r->ignore_paths)
                describe_list(b, "; not weighed: findings in files", r->ignore_paths);
        if (r->block_kev)
                say(b, "%s", "; a finding in CISA KEV counts whatever its severity (block_kev)");
        if (r->min_epss > 0)
                say(b, "; a finding whose EPSS probability is %g or more counts whatever its severity (min_epss)",
                    r->min_epss);
        say(b, "; what can't be checked: %s", r->on_unchecked == POLICY_UNCHECKED_ALLOW ? "allow it (a note only)"
            : r->on_unchecked == POLICY_UNCHECKED_WARN ? "start with a warning (on_unchecked warn)"
            : "counts like a finding (on_unchecked deny), and so does an image whose content makes the analysis "
              "fail");
}


/* enforce_from: the schedule, told relative to now. */
static void describe_schedule(struct text *b, const struct policy_rule *r, time_t now, const char *indent) {
        long long days = (long long) ((r->enforce_from - now + 86399) / 86400);
        char when[32];

        if (r->enforce_from == 0)
                return;
        policy_format_time(r->enforce_from, when);
        if (now < r->enforce_from)
                say(b, "\n%sschedule: warn until %s (%lld day%s from now), enforced from %s on (enforce_from); "
                    "now: warn", indent, when, days, days == 1 ? "" : "s", when);
        else
                say(b, "\n%sschedule: enforced from %s (enforce_from; that date has passed); now: enforce", indent,
                    when);
}

static void describe_match(struct text *b, const struct policy_scope *s) {
        bool first = true;

        if (!s->namespaces && !s->annotations && !s->images) {
                say(b, "%s", "every container (the match is empty); scopes after it never apply");
                return;
        }
        if (s->namespaces) {
                describe_list(b, "namespace", s->namespaces);
                first = false;
        }
        for (char **a = s->annotations; a && *a; a++, first = false)
                say(b, "%sannotation %s", first ? "" : ", and ", *a);
        if (s->images) {
                say(b, "%s", first ? "" : ", and ");
                describe_list(b, "image", s->images);
        }
}

/* An image glob with no tag, digest or wildcard ("registry.example.com/app")
 * matches that name only as written without a tag: the runtime passes the
 * name as the pod spec has it, so "…/app:1.4" or "…/app@sha256:…" would
 * escape the scope (or the allowlist entry would excuse nothing there). */
static void warn_untagged(struct text *b, const char *glob, const char *indent) {
        const char *slash = strrchr(glob, '/'), *last = slash ? slash + 1 : glob;

        if (strpbrk(glob, "*?[") || strpbrk(last, ":@"))
                return;
        say(b, "%sWarning: the image glob '%s' has no tag, digest or wildcard: it matches only the name written "
            "without a tag, not %s:1.0 nor %s@sha256:...; write '%s:*' (any tag) or '%s*'\n", indent, glob, glob, glob,
            glob, glob);
}

/* block_kev and min_epss are named as inherited only where they are on. */
static bool inherited_shown(const struct policy_scope *s, unsigned bit) {
        return bit == POLICY_SET_BLOCK_KEV      ? s->rule.block_kev
               : bit == POLICY_SET_MIN_EPSS     ? s->rule.min_epss > 0
               : bit == POLICY_SET_ENFORCE_FROM ? s->rule.enforce_from != 0
                                                : true;
}

static void describe_scope(struct text *b, size_t i, const struct policy_scope *s, time_t now) {
        static const struct {
                unsigned bit;
                const char *name;
        } fields[] = {
                { POLICY_SET_MODE, "mode" },
                { POLICY_SET_THRESHOLD, "severity" },
                { POLICY_SET_IGNORE_UNFIXED, "ignore_unfixed" },
                { POLICY_SET_IGNORE_ECOSYSTEMS, "ignore_ecosystems" },
                { POLICY_SET_IGNORE_PATHS, "ignore_paths" },
                { POLICY_SET_ON_UNCHECKED, "on_unchecked" },
                { POLICY_SET_UNKNOWN_AS, "unknown_as" },
                { POLICY_SET_BLOCK_KEV, "block_kev" },
                { POLICY_SET_MIN_EPSS, "min_epss" },
                { POLICY_SET_ENFORCE_FROM, "enforce_from" },
        };
        bool any = false;

        say(b, "  %zu. %s: applies to ", i + 1, s->name);
        describe_match(b, s);
        say(b, "%s", "\n     ");
        describe_rule(b, &s->rule);
        for (size_t k = 0; k < ELEMENTSOF(fields); k++)
                if (!(s->set & fields[k].bit) && inherited_shown(s, fields[k].bit)) {
                        say(b, "%s%s", any ? ", " : "; from the top level: ", fields[k].name);
                        any = true;
                }
        describe_schedule(b, &s->rule, now, "     ");
        say(b, "%s", "\n");
        for (char **g = s->images; g && *g; g++)
                warn_untagged(b, *g, "     ");
}

static void describe_allow(struct text *b, const struct policy_allow *a, time_t now) {
        char when[32];

        say(b, "  %s for %s%s: ", a->id, a->image ? "images " : "any image", strempty(a->image));
        if (a->expires == 0)
                say(b, "%s", "never expires");
        else {
                policy_format_time(a->expires, when);
                if (now >= a->expires)
                        say(b, "EXPIRED %s, no longer applies", when);
                else
                        say(b, "until %s (%lld days left)", when,
                            (long long) ((a->expires - now + 86399) / 86400));
        }
        say(b, "\n     reason: %s\n", a->reason);
        if (a->image)
                warn_untagged(b, a->image, "     ");
}

int policy_describe_at(const struct policy *p, time_t now, char **ret, struct error *err) {
        struct text t = {};

        say(&t, "Policy %s (sha256 %s)\n\nDefault rule (no scope applies):\n  ",
            p->path ? p->path : "(built-in default)", strna(policy_digest(p)));
        describe_rule(&t, &p->rule);
        describe_schedule(&t, &p->rule, now, "  ");
        if (p->n_scopes == 0)
                say(&t, "%s", "\n\nNo scopes: the default rule applies to every container.\n");
        else
                say(&t, "%s", "\n\nScopes, in order; the first that applies wins:\n");
        for (size_t i = 0; i < p->n_scopes; i++)
                describe_scope(&t, i, &p->scopes[i], now);
        if (p->n_allow == 0)
                say(&t, "%s", "\nAllowlist: empty.\n");
        else
                say(&t, "\nAllowlist (%zu entr%s; an entry matches a finding's id or alias):\n",
                    p->n_allow, p->n_allow == 1 ? "y" : "ies");
        for (size_t i = 0; i < p->n_allow; i++)
                describe_allow(&t, &p->allow[i], now);
        say(&t, "\nWhen the analysis fails: %s the container.\n"
            "Deadline: %u ms for the whole decision; when it passes: %s the container.\n",
            policy_action_to_string(p->on_error), p->deadline_ms,
            policy_action_to_string(p->on_timeout));
        if (p->deadline_ms >= POLICY_HOOK_TIMEOUT_MS)
                say(&t, "Warning: deadline_ms %u is not below the %u s the runtime gives the hook (the \"timeout\" of "
                    "the hook entries portcullis install and the containerd shim write): a decision that takes that "
                    "long is killed by the runtime, the start fails without an audit line, and on_timeout never "
                    "applies; set deadline_ms below %u.\n", p->deadline_ms, POLICY_HOOK_TIMEOUT_MS / 1000,
                    POLICY_HOOK_TIMEOUT_MS);
        if (p->max_db_age_hours)
                say(&t, "A vulnerability database imported more than %u hours ago: %s.\n", p->max_db_age_hours,
                    policy_stale_to_string(p->on_stale_db));
        else
                say(&t, "%s", "The vulnerability database may be of any age (max_db_age_hours 0).\n");
        say(&t, "When a decision can be written neither to the audit log file nor to syslog: %s the container "
            "(on_audit_failure).\n", policy_action_to_string(p->on_audit_failure));
        for (size_t i = 0; p->vex_files && p->vex_files[i]; i++)
                say(&t, "%s%s", i == 0 ? "VEX documents (their not_affected and fixed statements suppress findings): "
                                       : ", ", p->vex_files[i]);
        if (p->vex_files)
                say(&t, "; %zu statements in all.\n", vex_statements(p->vex));
        describe_vex_notes(&t, p->vex);
        if (t.r < 0) {
                strbuf_done(&t.b);
                return error_set(err, t.r, "describe the policy: out of memory");
        }
        *ret = strbuf_steal(&t.b);
        return 0;
}

int policy_describe(const struct policy *p, char **ret, struct error *err) {
        return policy_describe_at(p, time(NULL), ret, err);
}
