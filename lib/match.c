/* SPDX-License-Identifier: Apache-2.0 */
/* inventory × vulndb → findings, with OSV's range semantics
 * (https://ossf.github.io/osv-schema/#evaluation). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "match.h"
#include "version.h"
#include "vulndb.h"

#define RANGE_EVENTS_MAX 4096
#define MATCH_WARNINGS_MAX 50

enum event_kind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

struct event {
        enum event_kind kind;
        const char *version;
};

static const char *const event_names[] = { "introduced", "fixed", "last_affected", "limit" };

const char *finding_status_to_string(enum finding_status s) {
        static const char *const names[_FINDING_STATUS_MAX] = { "fixed", "affected" };

        return s >= 0 && s < _FINDING_STATUS_MAX ? names[s] : NULL;
}

/* "0" as introduced means "every version" and sorts first whatever the
 * ecosystem's rules would make of it. */
static int event_cmp(int kind, const struct event *a, const struct event *b, int *ret, struct error *err) {
        bool za = a->kind == EV_INTRODUCED && strcmp(a->version, "0") == 0;
        bool zb = b->kind == EV_INTRODUCED && strcmp(b->version, "0") == 0;

        if (za || zb) {
                *ret = za && zb ? 0 : za ? -1 : 1;
                return 0;
        }
        return version_compare(kind, a->version, b->version, ret, err);
}

/* Insertion sort: event lists are short and a comparison can fail. */
static int sort_events(int kind, struct event *ev, size_t n, struct error *err) {
        for (size_t i = 1; i < n; i++) {
                struct event cur = ev[i];
                size_t j = i;

                while (j > 0) {
                        int c, r = event_cmp(kind, &ev[j - 1], &cur, &c, err);

                        if (r < 0)
                                return r;
                        if (c <= 0)
                                break;
                        ev[j] = ev[j - 1];
                        j--;
                }
                ev[j] = cur;
        }
        return 0;
}

static int collect_events(json_t *events, struct event *ev, size_t *ret_n, struct error *err) {
        json_t *e;
        size_t i, n = 0;

        if (json_array_size(events) > RANGE_EVENTS_MAX)
                return error_set(err, E2BIG, "more than %d events in one range", RANGE_EVENTS_MAX);
        json_array_foreach(events, i, e)
                for (int k = EV_INTRODUCED; k <= EV_LIMIT; k++) {
                        const char *v = json_string_value(json_object_get(e, event_names[k]));

                        if (v) {
                                ev[n++] = (struct event) { .kind = k, .version = v };
                                break;
                        }
                }
        *ret_n = n;
        return 0;
}

/* Evaluates one sorted range; *ret_fixed points into the events. */
static int eval_range(int kind, const char *version, const struct event *ev, size_t n, bool *ret_affected,
                      const char **ret_fixed, struct error *err) {
        bool affected = false, below_limit = true, has_limit = false;
        const char *fixed = NULL;
        int c, r;

        for (size_t i = 0; i < n; i++) {
                if (ev[i].kind == EV_INTRODUCED && strcmp(ev[i].version, "0") == 0) {
                        affected = true, fixed = NULL;
                        continue;
                }
                if (ev[i].kind == EV_LIMIT && strcmp(ev[i].version, "*") == 0) {
                        has_limit = true;
                        continue;
                }
                r = version_compare(kind, version, ev[i].version, &c, err);
                if (r < 0)
                        return r;
                switch (ev[i].kind) {
                case EV_INTRODUCED:
                        if (c >= 0)
                                affected = true, fixed = NULL;
                        break;
                case EV_FIXED:
                        if (c >= 0)
                                affected = false;
                        else if (affected && !fixed)
                                fixed = ev[i].version;
                        break;
                case EV_LAST_AFFECTED:
                        if (c > 0)
                                affected = false;
                        break;
                case EV_LIMIT:
                        /* A version at or past every limit is outside the range. */
                        if (!has_limit)
                                below_limit = false;
                        has_limit = true;
                        if (c < 0)
                                below_limit = true;
                        break;
                }
        }
        *ret_affected = affected && below_limit;
        *ret_fixed = *ret_affected ? fixed : NULL;
        return 0;
}

static int range_kind(const char *type, int eco_kind) {
        if (strcmp(type, "ECOSYSTEM") == 0)
                return eco_kind;
        if (strcmp(type, "SEMVER") == 0)
                return VERSION_SEMVER;
        return -EOPNOTSUPP; /* GIT: commit ranges don't apply to installed packages */
}

static int in_versions_list(int kind, const char *version, json_t *versions, bool *ret) {
        json_t *v;
        size_t i;

        *ret = false;
        json_array_foreach(versions, i, v) {
                const char *s = json_string_value(v);
                int c;

                if (!s)
                        continue;
                if (strcmp(s, version) == 0 || (version_compare(kind, s, version, &c, NULL) == 0 && c == 0)) {
                        *ret = true;
                        return 0;
                }
        }
        return 0;
}

static int match_ranges(int kind, const char *version, json_t *ranges, bool *ret_affected, char **ret_fixed,
                        struct error *err) {
        struct event *ev = NULL;
        json_t *range;
        size_t i;
        int r = 0;

        *ret_affected = false;
        *ret_fixed = NULL;
        ev = calloc(RANGE_EVENTS_MAX, sizeof(*ev));
        if (!ev)
                return -ENOMEM;
        json_array_foreach(ranges, i, range) {
                const char *type = json_string_value(json_object_get(range, "type"));
                const char *fixed = NULL;
                bool affected = false;
                size_t n = 0;
                int rk = range_kind(strempty(type), kind);

                if (rk < 0)
                        continue;
                if ((r = collect_events(json_object_get(range, "events"), ev, &n, err)) < 0 ||
                    (r = sort_events(rk, ev, n, err)) < 0 ||
                    (r = eval_range(rk, version, ev, n, &affected, &fixed, err)) < 0)
                        break;
                if (!affected)
                        continue;
                *ret_affected = true;
                if (fixed && !*ret_fixed) {
                        *ret_fixed = strdup(fixed);
                        if (!*ret_fixed)
                                r = -ENOMEM;
                }
        }
        free(ev);
        return r;
}

int match_affected(const char *ecosystem, const char *version, const char *ranges_json, const char *versions_json,
                   int *ret_affected, char **ret_fixed, struct error *err) {
        json_t *ranges = NULL, *versions = NULL;
        bool in_list = false, in_range = false;
        char *fixed = NULL;
        int kind, r;

        kind = version_kind_from_ecosystem(ecosystem);
        if (kind < 0)
                return error_set(err, EOPNOTSUPP, "no version comparison for ecosystem '%s'", ecosystem);
        if (ranges_json && !(ranges = json_loads(ranges_json, 0, NULL)))
                return error_set(err, EBADMSG, "stored ranges are not JSON");
        if (versions_json && !(versions = json_loads(versions_json, 0, NULL))) {
                json_decref(ranges);
                return error_set(err, EBADMSG, "stored versions are not JSON");
        }
        r = in_versions_list(kind, version, versions, &in_list);
        if (r >= 0)
                r = match_ranges(kind, version, ranges, &in_range, &fixed, err);
        json_decref(ranges);
        json_decref(versions);
        if (r < 0) {
                free(fixed);
                return r;
        }
        *ret_affected = in_list || in_range;
        *ret_fixed = fixed;
        return 0;
}

/* ---- findings ------------------------------------------------------------ */

struct matcher {
        const struct package *pkg;
        struct scan_result *res;
        size_t first;           /* findings of this package start here */
};

static void finding_done(struct finding *f) {
        free(f->id);
        strv_free(f->aliases);
        free(f->summary);
        free(f->package);
        free(f->installed_version);
        free(f->source_name);
        free(f->fixed_version);
        free(f->severity_source);
        free(f->cvss_vector);
}

void scan_result_free(struct scan_result *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_findings; i++)
                finding_done(&r->findings[i]);
        free(r->findings);
        free(r->db_revision);
        strv_free(r->warnings);
        free(r);
}

static int add_warning(struct scan_result *res, const char *id, const struct package *p, const char *msg) {
        char *s = NULL;

        if (res->n_warnings++ >= MATCH_WARNINGS_MAX)
                return 0;
        if (asprintf(&s, "%s: package %s %s: %s", id, p->name, strempty(p->version), msg) < 0)
                return -ENOMEM;
        return strv_push(&res->warnings, s);
}

static int push_aliases(char ***v, const char *json) {
        json_t *a = json ? json_loads(json, 0, NULL) : NULL, *s;
        size_t i;
        int r = 0;

        json_array_foreach(a, i, s)
                if (json_is_string(s) && (r = strv_push(v, strdup(json_string_value(s)))) < 0)
                        break;
        json_decref(a);
        return r;
}

/* CVSS preference: the newest version of the standard the record carries. */
static int cvss_rank(int version) {
        return version == 40 ? 4 : version == 31 ? 3 : version == 30 ? 2 : version == 2 ? 1 : 0;
}

static void pick_cvss(struct finding *f, const char *severity_json) {
        json_t *a = severity_json ? json_loads(severity_json, 0, NULL) : NULL, *s;
        size_t i;

        json_array_foreach(a, i, s) {
                const char *type = json_string_value(json_object_get(s, "type"));
                const char *score = json_string_value(json_object_get(s, "score"));
                struct cvss_score cs;

                if (!type || !score || !startswith(type, "CVSS_"))
                        continue;
                if (cvss_score(score, &cs, NULL) < 0)
                        continue;
                if (f->cvss_vector && cvss_rank(cs.version) <= cvss_rank(f->cvss_version))
                        continue;
                free(f->cvss_vector);
                f->cvss_vector = strdup(score);
                f->cvss_score = cs.base_score;
                f->cvss_version = cs.version;
        }
        json_decref(a);
}

/* Severity precedence: the distribution's (or GHSA's) own rating when it
 * has one, because it judges the package as built and shipped; else the
 * newest CVSS version's base score; else UNKNOWN. */
static int set_severity(struct finding *f, const struct vulndb_affected *a) {
        enum severity vendor = SEVERITY_UNKNOWN;
        char src[32];

        pick_cvss(f, a->severity);
        if (a->vendor_rating && a->vendor_source)
                vendor = severity_from_vendor(a->vendor_source, a->vendor_rating);
        if (vendor != SEVERITY_UNKNOWN) {
                f->severity = vendor;
                f->severity_source = strdup(a->vendor_source);
                return f->severity_source ? 0 : -ENOMEM;
        }
        if (!f->cvss_vector) {
                f->severity = SEVERITY_UNKNOWN;
                return 0;
        }
        f->severity = severity_from_score(f->cvss_score);
        snprintf(src, sizeof(src), "cvss_v%d", f->cvss_version == 2 ? 2 : f->cvss_version / 10);
        f->severity_source = strdup(src);
        return f->severity_source ? 0 : -ENOMEM;
}

static int grow(struct scan_result *res) {
        struct finding *n;
        size_t cap;

        if (res->n_findings < res->cap_findings)
                return 0;
        cap = res->cap_findings ? res->cap_findings * 2 : 64;
        n = realloc(res->findings, cap * sizeof(*n));
        if (!n)
                return -ENOMEM;
        res->findings = n;
        res->cap_findings = cap;
        return 0;
}

static bool already_found(const struct matcher *m, const char *id) {
        for (size_t i = m->first; i < m->res->n_findings; i++)
                if (strcmp(m->res->findings[i].id, id) == 0)
                        return true;
        return false;
}

static int on_affected(const struct vulndb_affected *a, void *userdata, struct error *err) {
        struct matcher *m = userdata;
        const struct package *p = m->pkg;
        const char *version = p->source_version ? p->source_version : p->version;
        _cleanup_free_ char *fixed = NULL;
        struct error merr = {};
        struct finding *f;
        int affected = 0, r;

        if (a->withdrawn || already_found(m, a->id))
                return 0;
        r = match_affected(p->ecosystem, version, a->ranges, a->versions, &affected, &fixed, &merr);
        if (r == -ENOMEM)
                return error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return add_warning(m->res, a->id, p, merr.msg);
        if (!affected)
                return 0;
        if ((r = grow(m->res)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        f = &m->res->findings[m->res->n_findings];
        *f = (struct finding) {
                .id = strdup(a->id),
                .summary = a->summary ? strdup(a->summary) : NULL,
                .package = strdup(p->name),
                .installed_version = strdup(strempty(p->version)),
                .source_name = p->source_name ? strdup(p->source_name) : NULL,
                .fixed_version = TAKE_PTR(fixed),
                .cvss_score = -1,
        };
        m->res->n_findings++;
        f->status = f->fixed_version ? FINDING_FIXED : FINDING_AFFECTED;
        if (!f->id || !f->package || !f->installed_version || push_aliases(&f->aliases, a->aliases) < 0 ||
            push_aliases(&f->aliases, a->upstream) < 0 || set_severity(f, a) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static void recount(struct scan_result *res) {
        memset(res->counts, 0, sizeof(res->counts));
        res->fixable = 0;
        for (size_t i = 0; i < res->n_findings; i++) {
                res->counts[res->findings[i].severity]++;
                if (res->findings[i].fixed_version)
                        res->fixable++;
        }
}

void scan_result_filter(struct scan_result *res, unsigned severity_mask, bool ignore_unfixed) {
        size_t keep = 0;

        for (size_t i = 0; i < res->n_findings; i++) {
                struct finding *f = &res->findings[i];

                if (!(severity_mask & (1u << f->severity)) || (ignore_unfixed && !f->fixed_version)) {
                        finding_done(f);
                        continue;
                }
                res->findings[keep++] = *f;
        }
        res->n_findings = keep;
        recount(res);
}

static int finding_cmp(const void *x, const void *y) {
        const struct finding *a = x, *b = y;
        int c;

        if (a->severity != b->severity)
                return a->severity > b->severity ? -1 : 1;
        if ((c = strcmp(a->id, b->id)) != 0)
                return c;
        return strcmp(a->package, b->package);
}

int match_inventory(struct vulndb *db, const struct inventory *inv, struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = NULL;
        int r;

        res = calloc(1, sizeof(*res));
        if (!res)
                return -ENOMEM;
        if (vulndb_revision(db) && !(res->db_revision = strdup(vulndb_revision(db))))
                return -ENOMEM;
        for (size_t i = 0; i < inv->n_pkgs; i++) {
                const struct package *p = &inv->pkgs[i];
                struct matcher m = { .pkg = p, .res = res, .first = res->n_findings };
                int kind;

                if (!p->ecosystem)
                        continue;
                /* Distro records name the source package; language
                 * ecosystems name the package itself. */
                kind = version_kind_from_ecosystem(p->ecosystem);
                r = vulndb_lookup(db, p->ecosystem,
                                  (kind == VERSION_DPKG || kind == VERSION_APK || kind == VERSION_RPM) && p->source_name
                                          ? p->source_name : p->name,
                                  on_affected, &m, err);
                if (r < 0)
                        return error_wrap(err, "match package %s", p->name);
        }
        if (res->n_warnings > MATCH_WARNINGS_MAX) {
                char *s = NULL;

                if (asprintf(&s, "... and %zu more records that could not be evaluated",
                             res->n_warnings - MATCH_WARNINGS_MAX) < 0 || strv_push(&res->warnings, s) < 0)
                        return -ENOMEM;
        }
        qsort(res->findings, res->n_findings, sizeof(*res->findings), finding_cmp);
        recount(res);
        *ret = TAKE_PTR(res);
        return 0;
}
