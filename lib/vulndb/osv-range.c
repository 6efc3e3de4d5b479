/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "base/strutil.h"
#include "osv-range.h"
#include "version.h"

enum event_kind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT, _EV_MAX };

static const char event_letters[_EV_MAX] = { 'i', 'f', 'l', 'x' };
static const char *const event_names[_EV_MAX] = { "introduced", "fixed", "last_affected", "limit" };

struct event {
        enum event_kind kind;
        const char *version;
};

bool osv_text_ok(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
                        return false;
        return true;
}

int osv_ranges_append(json_t *ranges, struct strbuf *b) {
        json_t *range, *e;
        size_t i, j;
        int r = 0;

        json_array_foreach(ranges, i, range) {
                if (i > 0)
                        r = strbuf_append(b, (const char[]) { OSV_RS }, 1);
                if (r >= 0)
                        r = strbuf_puts(b, strempty(json_string_value(json_object_get(range, "type"))));
                json_array_foreach(json_object_get(range, "events"), j, e)
                        for (int k = 0; r >= 0 && k < _EV_MAX; k++) {
                                const char *v = json_string_value(json_object_get(e, event_names[k]));

                                if (v) {
                                        char sep[2] = { OSV_US, event_letters[k] };

                                        r = strbuf_append(b, sep, 2);
                                        if (r >= 0)
                                                r = strbuf_puts(b, v);
                                }
                        }
                if (r < 0)
                        return r;
        }
        return 0;
}

int osv_versions_append(json_t *versions, struct strbuf *b) {
        json_t *v;
        size_t i;
        int r = 0;

        json_array_foreach(versions, i, v) {
                if (i > 0)
                        r = strbuf_append(b, (const char[]) { OSV_US }, 1);
                if (r >= 0)
                        r = strbuf_puts(b, strempty(json_string_value(v)));
                if (r < 0)
                        return r;
        }
        return 0;
}

int osv_ranges_append_flat(const struct jf_doc *d, const struct jf_node *ranges, struct strbuf *b) {
        const struct jf_node *range, *e, *v;
        size_t i, j;
        int r = 0;

        jf_array_foreach(d, ranges, i, range) {
                if (i > 0)
                        r = strbuf_append(b, (const char[]) { OSV_RS }, 1);
                if (r >= 0)
                        r = strbuf_puts(b, strempty(jf_string(jf_get(d, range, "type"))));
                jf_array_foreach(d, jf_get(d, range, "events"), j, e)
                        for (int k = 0; r >= 0 && k < _EV_MAX; k++)
                                if ((v = jf_get(d, e, event_names[k])) && v->type == JF_STRING) {
                                        r = strbuf_append(b, (const char[]) { OSV_US, event_letters[k] }, 2);
                                        if (r >= 0)
                                                r = strbuf_append(b, v->str, v->len);
                                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int osv_versions_append_flat(const struct jf_doc *d, const struct jf_node *versions, struct strbuf *b) {
        const struct jf_node *v;
        size_t i;
        int r = 0;

        jf_array_foreach(d, versions, i, v) {
                if (i > 0)
                        r = strbuf_append(b, (const char[]) { OSV_US }, 1);
                if (r >= 0)
                        r = strbuf_puts(b, strempty(jf_string(v)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int encode(int (*append)(json_t *, struct strbuf *), json_t *a, char **ret) {
        struct strbuf b = {};
        int r = append(a, &b);

        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = b.s;
        return 0;
}

int osv_ranges_encode(json_t *ranges, char **ret) {
        return encode(osv_ranges_append, ranges, ret);
}

int osv_versions_encode(json_t *versions, char **ret) {
        return encode(osv_versions_append, versions, ret);
}

/* "0" as introduced means "every version" and sorts first whatever the
 * ecosystem's rules would make of it. */
static bool is_zero(const struct event *e) {
        return e->kind == EV_INTRODUCED && strcmp(e->version, "0") == 0;
}

static int event_cmp(int kind, const struct event *a, const struct event *b, int *ret, struct error *err) {
        if (is_zero(a) || is_zero(b)) {
                *ret = is_zero(a) && is_zero(b) ? 0 : is_zero(a) ? -1 : 1;
                return 0;
        }
        return version_compare(kind, a->version, b->version, ret, err);
}

/* Insertion sort: event lists are short, usually sorted, and a comparison
 * can fail. */
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

/* PEP 440, "Local version identifiers": a specifier without a local label
 * ignores the candidate's, and the advisories behind PyPI's OSV ranges are
 * such specifiers ("<= 2.0.0").  So a build its distributor labels locally
 * (torch's 2.0.0+cpu, 2.0.0+cu118) is 2.0.0 for a last_affected or a
 * versions entry without a label: else every local build of a version that
 * has no fix would pass as not affected.  The other events keep PEP 440's
 * order (2.0.0 < 2.0.0+cpu), which answers the same for them.  version
 * itself, or its public part in buf. */
#define PUBLIC_PART_MAX 1025     /* PEP 440 versions are capped at 1,024 bytes */

static const char *public_part(int kind, const char *version, const char *bound, char *buf, size_t size) {
        const char *plus = version && kind == VERSION_PEP440 && !strchr(bound, '+') ? strchr(version, '+') : NULL;

        if (!plus || plus == version || (size_t) (plus - version) >= size)
                return version;
        memcpy(buf, version, (size_t) (plus - version));
        buf[plus - version] = '\0';
        return buf;
}

/* Evaluates one sorted range; *ret_fixed points into the events.  version
 * NULL stands for one above every event's (osv_affected_upper()). */
static int eval_range(int kind, const char *version, const struct event *ev, size_t n, bool *ret_affected,
                      const char **ret_fixed, struct error *err) {
        bool affected = false, below_limit = true, has_limit = false;
        const char *fixed = NULL;
        int c, r;

        for (size_t i = 0; i < n; i++) {
                if (is_zero(&ev[i])) {
                        affected = true, fixed = NULL;
                        continue;
                }
                if (ev[i].kind == EV_LIMIT && strcmp(ev[i].version, "*") == 0) {
                        has_limit = below_limit = true;
                        continue;
                }
                c = 1;
                if (version && (r = version_compare(kind, version, ev[i].version, &c, err)) < 0)
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
                case EV_LAST_AFFECTED: {
                        char buf[PUBLIC_PART_MAX];
                        const char *pub = public_part(kind, version, ev[i].version, buf, sizeof(buf));

                        if (pub != version && (r = version_compare(kind, pub, ev[i].version, &c, err)) < 0)
                                return r;
                        if (c > 0)
                                affected = false;
                        break;
                }
                default: /* EV_LIMIT: a version at or past every limit is outside */
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

/* Splits one range (NUL-terminated, modified in place) into its events. */
static int split_range(char *s, const char **ret_type, struct event *ev, size_t *ret_n, struct error *err) {
        size_t n = 0;
        char *p = strchr(s, OSV_US);

        *ret_type = s;
        while (p) {
                char *next = strchr(p + 1, OSV_US);
                const char *k = memchr(event_letters, p[1], _EV_MAX);

                *p = '\0';
                if (!k || p[1] == '\0' || n == RANGE_EVENTS_MAX)
                        return error_set(err, EBADMSG, "stored range is damaged; re-import the database");
                ev[n++] = (struct event) { .kind = (enum event_kind) (k - event_letters), .version = p + 2 };
                p = next;
        }
        *ret_n = n;
        return 0;
}

/* Most entries have a handful of events, and most ranges are short: those
 * live on the stack. */
#define EVENTS_ON_STACK 16
#define RANGES_ON_STACK 512

/* What each_range() calls for a range: rk its comparator kind, ev its n
 * events sorted.  Negative: an error; positive: stop, returned as it is. */
typedef int (*range_fn)(int rk, const struct event *ev, size_t n, void *userdata, struct error *err);

static bool has_introduced(const struct event *ev, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (ev[i].kind == EV_INTRODUCED)
                        return true;
        return false;
}

/* Calls fn for every range of ranges (the compact form) that can place a
 * version: ECOSYSTEM ranges with kind, SEMVER ranges with its SemVer
 * reading; GIT ranges name commits and are skipped.  A range of another
 * type, or one without an "introduced" event (which the schema requires:
 * without it nothing is ever affected), is an error, not a range that
 * silently holds for no version.  The events are split in a copy of
 * ranges. */
static int each_range(int kind, const char *ranges, range_fn fn, void *userdata, struct error *err) {
        _cleanup_free_ char *heap = NULL;
        _cleanup_free_ struct event *heap_ev = NULL;
        char stack[RANGES_ON_STACK], *copy = stack;
        struct event stack_ev[EVENTS_ON_STACK], *ev = stack_ev;
        size_t cap = 1, len = strlen(ranges) + 1;

        for (const char *p = ranges; *p; p++)
                cap += *p == OSV_US;
        if (cap > RANGE_EVENTS_MAX)
                return error_set(err, E2BIG, "more than %d events", RANGE_EVENTS_MAX);
        if (cap > EVENTS_ON_STACK && !(ev = heap_ev = calloc(cap, sizeof(*ev))))
                return -ENOMEM;
        if (len <= sizeof(stack))
                memcpy(stack, ranges, len);
        else if (!(copy = heap = strdup(ranges)))
                return -ENOMEM;
        for (char *range = copy, *next; range; range = next) {
                const char *type;
                size_t n = 0;
                int r, rk;

                if ((next = strchr(range, OSV_RS)))
                        *next++ = '\0';
                if ((r = split_range(range, &type, ev, &n, err)) < 0)
                        return r;
                if (type[0] == OSV_UNREADABLE)
                        return error_set(err, EBADMSG, "%s", type + 1);
                if (strcmp(type, "GIT") == 0)
                        continue;
                rk = strcmp(type, "ECOSYSTEM") == 0 ? kind : strcmp(type, "SEMVER") == 0 ? version_kind_semver(kind) : -1;
                if (rk < 0)
                        return error_set(err, EBADMSG, "ranges[].type '%.64s' is none of OSV's (ECOSYSTEM, SEMVER, "
                                         "GIT)", type);
                if (!has_introduced(ev, n))
                        return error_set(err, EBADMSG, "a range of type %s has no 'introduced' event (the OSV schema "
                                         "requires one)", type);
                if ((r = sort_events(rk, ev, n, err)) < 0 || (r = fn(rk, ev, n, userdata, err)) != 0)
                        return r;
        }
        return 0;
}

struct eval {
        const char *version;
        bool placed;            /* a range could place the version */
        bool affected;
        char *fixed;            /* the first an affected range gives */
};

static int eval_one(int rk, const struct event *ev, size_t n, void *userdata, struct error *err) {
        struct eval *e = userdata;
        const char *fixed = NULL;
        bool affected = false;
        int r = eval_range(rk, e->version, ev, n, &affected, &fixed, err);

        e->placed = true;
        if (r < 0 || !affected)
                return r;
        if (!e->fixed && fixed && !(e->fixed = strdup(fixed)))
                return -ENOMEM;
        e->affected = true;
        return 0;
}

static bool in_versions(int kind, const char *version, const char *versions) {
        const char *p = versions;

        while (p && *p) {
                const char *end = strchrnul(p, OSV_US);
                _cleanup_free_ char *v = strndup_or_null(p, (size_t) (end - p));
                char buf[PUBLIC_PART_MAX];
                const char *pub = v ? public_part(kind, version, v, buf, sizeof(buf)) : version;
                int c;

                if (v && (strcmp(v, pub) == 0 || (version_compare(kind, v, pub, &c, NULL) == 0 && c == 0)))
                        return true;
                p = *end ? end + 1 : NULL;
        }
        return false;
}

int osv_affected_eval(int kind, const char *version, const char *ranges, const char *versions, bool *ret_affected,
                      char **ret_fixed, struct error *err) {
        struct eval e = { .version = version };
        int r = ranges ? each_range(kind, ranges, eval_one, &e, err) : 0;

        /* An entry that names the package but no version of it (GIT ranges
         * alone, which name commits, or nothing at all) can't say whether
         * this version is affected: an error, not "not affected". */
        if (r >= 0 && !e.placed && !versions)
                r = error_set(err, EBADMSG, "the entry has %s and no 'versions' list, so no version can be placed in it",
                              ranges ? "only GIT ranges (commits)" : "no ranges");
        if (r < 0) {
                free(e.fixed);
                return r;
        }
        if (!e.affected && versions)
                e.affected = in_versions(kind, version, versions);
        *ret_fixed = e.fixed;
        *ret_affected = e.affected;
        return 0;
}

/* The bound osv_affected_upper() builds: the highest key so far (kind's). */
struct upper {
        int kind;
        char best[VERSION_KEY_MAX];     /* "": none yet */
};

/* Raises u's bound to v's key; false when v has none. */
static bool raise_upper(struct upper *u, const char *v) {
        char k[VERSION_KEY_MAX];

        if (version_key(u->kind, v, k, sizeof(k)) < 0)
                return false;
        if (strcmp(k, u->best) > 0)
                strcpy(u->best, k);
        return true;
}

/* A range's part of the bound: its highest event, when the range is not
 * affected above all of them.  1 (no bound) when it is, when the range is
 * of another order than the keys' (SEMVER), or when an event has no key. */
static int upper_one(int rk, const struct event *ev, size_t n, void *userdata, struct error *err) {
        struct upper *u = userdata;
        const char *fixed;
        bool affected = false;

        if (rk != u->kind || eval_range(rk, NULL, ev, n, &affected, &fixed, err) < 0 || affected)
                return 1;
        for (size_t i = 0; i < n; i++)
                if (!is_zero(&ev[i]) && !(ev[i].kind == EV_LIMIT && strcmp(ev[i].version, "*") == 0) &&
                    !raise_upper(u, ev[i].version))
                        return 1;
        return 0;
}

int osv_affected_upper(int kind, const char *ranges, const char *versions, char *buf, size_t size) {
        struct upper u = { .kind = kind };
        struct error err = {};

        if (!version_has_key(kind) || (ranges && each_range(kind, ranges, upper_one, &u, &err) != 0))
                return 0;
        for (const char *p = versions; p && *p;) {
                const char *end = strchrnul(p, OSV_US);
                char v[VERSION_KEY_MAX];

                if ((size_t) (end - p) >= sizeof(v))
                        return 0;
                memcpy(v, p, (size_t) (end - p));
                v[end - p] = '\0';
                if (!raise_upper(&u, v))
                        return 0;
                p = *end ? end + 1 : NULL;
        }
        if (!u.best[0] || strlen(u.best) >= size)
                return 0;       /* nothing bounds it (no event, no version): left to the evaluation */
        strcpy(buf, u.best);
        return (int) strlen(buf);
}
