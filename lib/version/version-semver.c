/* SPDX-License-Identifier: Apache-2.0 */
/* SemVer 2.0.0 precedence (semver.org, section 11) as three registries'
 * tools read versions, written from their documented grammars:
 *
 *   npm        node-semver with loose: true, which is how npm reads an
 *              installed package.json (@npmcli/package-json's
 *              fixVersionField: valid(v, loose), then clean()):
 *              at most 256 characters; surrounding whitespace and any run
 *              of 'v', '=' and blanks first; numbers with leading zeros;
 *              the '-' before a pre-release optional ("1.2.3beta");
 *              major/minor/patch at most 2^53-1 (Number.MAX_SAFE_INTEGER).
 *   Go         golang.org/x/mod/semver: 'v' (optional here: OSV's Go
 *              records and Go's stdlib versions have none), "v1" and
 *              "v1.2" shorthands for v1.0.0 and v1.2.0, no leading zeros.
 *   SemVer     (crates.io) the semver crate: exactly MAJOR.MINOR.PATCH, no 'v', no
 *              whitespace, no leading zeros, numbers at most 2^64-1.
 *
 * All three: identifiers [0-9A-Za-z-]+, numeric pre-release identifiers
 * without leading zeros (npm: with), build metadata parsed and then
 * ignored ("1.0.0+a" == "1.0.0+b"; "+incompatible" is build metadata).
 * The semver crate's own Ord also orders build metadata; OSV's SEMVER
 * ranges and its cmp_precedence() don't, and neither do we.
 *
 * Numbers compare as digit strings (version-number.h), except where
 * node-semver itself compares doubles: numeric pre-release identifiers
 * from 2^53-1 on (see npm_compare_numeric_ids()).  Parsing works on the
 * caller's string and never allocates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "version-number.h"
#include "version.h"

/* One registry's reading of a version. */
struct semver_rules {
        const char *ecosystem;  /* for messages */
        size_t max_len;         /* longer is invalid */
        const char *num_max;    /* largest major/minor/patch, or NULL: any */
        bool loose;             /* npm: blanks, 'v'/'=' runs, leading zeros, optional '-' */
        bool optional_v;        /* Go: a leading 'v' is allowed */
        bool shorthand;         /* Go: "1" and "1.2" */
};

/* Go and the semver crate have no length limit; ours keeps a hostile
 * version bounded. */
#define SEMVER_VERSION_MAX 1024
/* node-semver's MAX_LENGTH and Number.MAX_SAFE_INTEGER. */
#define NPM_VERSION_MAX 256
#define NPM_NUMBER_MAX "9007199254740991"

static const struct semver_rules rules_table[_VERSION_KIND_MAX] = {
        [VERSION_NPM] = { "npm", NPM_VERSION_MAX, NPM_NUMBER_MAX, .loose = true },
        [VERSION_GO] = { "Go", SEMVER_VERSION_MAX, NULL, .optional_v = true, .shorthand = true },
        [VERSION_SEMVER] = { "SemVer", SEMVER_VERSION_MAX, "18446744073709551615" },
};

struct semver {
        struct version_span num[3];     /* empty: a Go shorthand's missing 0 */
        struct version_span pre;        /* identifiers, without the '-' */
};

/* JavaScript's \s and String.prototype.trim() on ASCII. */
static bool is_js_space(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_ident_char(char c) {
        return version_is_alnum(c) || c == '-';
}

static size_t ident_len(const char *p) {
        size_t n = 0;

        while (is_ident_char(p[n]))
                n++;
        return n;
}

static bool bad_leading_zero(struct version_span s) {
        return s.n > 1 && s.p[0] == '0';
}

static bool is_numeric(struct version_span s) {
        return s.n > 0 && version_digits(s.p) >= s.n;
}

static int invalid(const struct semver_rules *r, struct error *err, const char *v, const char *why) {
        return version_invalid(err, r->ecosystem, v, "%s", why);
}

/* MAJOR.MINOR.PATCH, or with shorthand MAJOR[.MINOR[.PATCH]]. */
static int parse_numbers(const struct semver_rules *r, const char *v, const char **p, struct semver *ret, struct error *err) {
        static const char *const names[3] = { "major", "minor", "patch" };

        for (size_t i = 0; i < 3; i++) {
                struct version_span n = { *p, version_digits(*p) };

                if (n.n == 0)
                        return version_invalid_at(err, r->ecosystem, v, *p);
                /* node-semver's loose regex backtracks into the patch when
                 * a '.' follows it: "2.1.99.1" is 2.1.9 with pre-release
                 * "9.1" (the '-' being optional), which npm accepts. */
                if (r->loose && i == 2 && n.p[n.n] == '.' && n.n > 1)
                        n.n--;
                if (!r->loose && bad_leading_zero(n))
                        return version_invalid(err, r->ecosystem, v, "%s version has a leading zero", names[i]);
                if (r->num_max && version_number_compare(n, (struct version_span) { r->num_max, strlen(r->num_max) }) > 0)
                        return version_invalid(err, r->ecosystem, v, "%s version is larger than %s", names[i], r->num_max);
                ret->num[i] = n;
                *p += n.n;
                if (i == 2)
                        break;
                if (r->shorthand && **p == '\0')
                        return 0;
                if (**p != '.')
                        return version_invalid_at(err, r->ecosystem, v, *p);
                (*p)++;
        }
        return 0;
}

/* Dot-separated non-empty identifiers up to '+' or the end. */
static int parse_idents(const struct semver_rules *r, const char *v, const char **p, bool pre,
                        struct version_span *ret, struct error *err) {
        const char *start = *p;

        for (;;) {
                struct version_span id = { *p, ident_len(*p) };

                if (id.n == 0)
                        return version_invalid(err, r->ecosystem, v, "empty %s identifier",
                                               pre ? "pre-release" : "build metadata");
                if (pre && !r->loose && is_numeric(id) && bad_leading_zero(id))
                        return version_invalid(err, r->ecosystem, v, "numeric pre-release identifier has a leading zero");
                *p += id.n;
                if (**p != '.')
                        break;
                (*p)++;
        }
        *ret = (struct version_span) { start, (size_t) (*p - start) };
        return 0;
}

/* npm's optional '-': node-semver's regex takes it as the separator when
 * an identifier follows, and else as the identifier ("1.2.3-" is 1.2.3
 * with pre-release "-"). */
static bool has_pre(const struct semver_rules *r, const char **p) {
        if (**p == '-' && (!r->loose || is_ident_char((*p)[1]))) {
                (*p)++;
                return true;
        }
        return r->loose && is_ident_char(**p);
}

static int semver_parse(enum version_kind k, const char *v, struct semver *ret, struct error *err) {
        const struct semver_rules *r;
        struct version_span build;
        const char *p = v, *end;
        int e;

        if (k < 0 || k >= _VERSION_KIND_MAX || !rules_table[k].ecosystem)
                return error_set(err, EINVAL, "version kind %d is no SemVer kind", (int) k);
        r = &rules_table[k];
        if (!v)
                return error_set(err, EINVAL, "invalid %s version: missing", r->ecosystem);
        if (strnlen(v, r->max_len + 1) > r->max_len)
                return version_invalid(err, r->ecosystem, v, "longer than %zu characters", r->max_len);
        *ret = (struct semver) {};
        end = v + strlen(v);
        if (r->loose) {
                while (is_js_space(*p))
                        p++;
                while (end > p && is_js_space(end[-1]))
                        end--;
                while (*p == 'v' || *p == '=' || is_js_space(*p))
                        p++;
        } else if (r->optional_v && *p == 'v')
                p++;
        e = parse_numbers(r, v, &p, ret, err);
        if (e < 0)
                return e;
        if (p < end && has_pre(r, &p)) {
                e = parse_idents(r, v, &p, true, &ret->pre, err);
                if (e < 0)
                        return e;
        }
        if (p < end && *p == '+') {
                p++;
                e = parse_idents(r, v, &p, false, &build, err);
                if (e < 0)
                        return e;
        }
        if (p != end)
                return p < end ? version_invalid_at(err, r->ecosystem, v, p) : invalid(r, err, v, "ends too early");
        return 0;
}

/* Splits off the next identifier of a pre-release: s is advanced past it
 * and its '.'. */
static struct version_span next_ident(struct version_span *s) {
        struct version_span id = { s->p, 0 };

        while (id.n < s->n && s->p[id.n] != '.')
                id.n++;
        s->p += id.n < s->n ? id.n + 1 : id.n;
        s->n -= id.n < s->n ? id.n + 1 : id.n;
        return id;
}

static bool below_max_safe(struct version_span s) {
        return version_number_compare(s, (struct version_span) { NPM_NUMBER_MAX, STRLEN(NPM_NUMBER_MAX) }) < 0;
}

static double to_double(struct version_span s) {
        char buf[NPM_VERSION_MAX + 1];

        memcpy(buf, s.p, s.n);
        buf[s.n] = '\0';
        return strtod(buf, NULL);
}

/* node-semver stores a numeric identifier below 2^53-1 as a Number and any
 * other as its string; unequal ones compare as doubles (+a < +b), and when
 * those are equal its comparePre() stops and calls the versions equal.
 * *ret_stop says so.  Identical strings and equal Numbers go on. */
static int npm_compare_numeric_ids(struct version_span a, struct version_span b, bool *ret_stop) {
        double da, db;

        *ret_stop = false;
        if (below_max_safe(a) && below_max_safe(b))
                return version_number_compare(a, b);
        if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
                return 0;
        da = to_double(a);
        db = to_double(b);
        *ret_stop = da == db;
        return (da > db) - (da < db);
}

static int compare_alnum_ids(struct version_span a, struct version_span b) {
        int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);

        if (c)
                return c < 0 ? -1 : 1;
        return (a.n > b.n) - (a.n < b.n);
}

/* semver.org 11.4: identifier by identifier, numeric ones below the
 * others, and a longer list above its own prefix. */
static int compare_pre(enum version_kind k, struct version_span a, struct version_span b) {
        if (a.n == 0 || b.n == 0)
                return (a.n == 0) - (b.n == 0);
        while (a.n > 0 && b.n > 0) {
                struct version_span ia = next_ident(&a), ib = next_ident(&b);
                bool na = is_numeric(ia), nb = is_numeric(ib), stop = false;
                int c;

                if (na != nb)
                        return na ? -1 : 1;
                if (!na)
                        c = compare_alnum_ids(ia, ib);
                else if (k == VERSION_NPM)
                        c = npm_compare_numeric_ids(ia, ib, &stop);
                else
                        c = version_number_compare(ia, ib);
                if (c || stop)
                        return c;
        }
        return (a.n > 0) - (b.n > 0);
}

static int semver_cmp(enum version_kind k, const struct semver *a, const struct semver *b) {
        for (size_t i = 0; i < 3; i++) {
                int c = version_number_compare(a->num[i], b->num[i]);

                if (c)
                        return c;
        }
        return compare_pre(k, a->pre, b->pre);
}

int version_semver_check(enum version_kind k, const char *v, struct error *err) {
        struct semver parsed;

        return semver_parse(k, v, &parsed, err);
}

int version_semver_compare(enum version_kind k, const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct semver pa, pb;
        int r;

        r = semver_parse(k, a, &pa, err);
        if (r < 0)
                return r;
        r = semver_parse(k, b, &pb, err);
        if (r < 0)
                return r;
        *ret_cmp = semver_cmp(k, &pa, &pb);
        return 0;
}
