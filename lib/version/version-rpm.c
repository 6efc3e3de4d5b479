/* SPDX-License-Identifier: Apache-2.0 */
/* RPM version ordering, written from the rules of rpm's rpmvercmp() and
 * rpmverCmp() (rpm 4.18, lib/rpmvercmp.c and lib/rpmver.c; docs/manual/
 * tags.md "Version comparison") to give exactly the answers of rpm's own
 * `rpm.vercmp()` and `rpm.ver()` comparisons.  No code is taken from rpm.
 *
 * An EVR is [epoch:]version[-release].  Like dpkg's, the parse works on
 * spans of the caller's strings and never allocates, so a comparison can't
 * fail for lack of memory and costs time linear in the input. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

/* rpm's risdigit()/risalpha() are ASCII only: any other byte (punctuation,
 * UTF-8) is a separator, so "1.1.α" equals "1.1.β" (rpmvercmp.at). */
static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c) {
        return is_digit(c) || is_alpha(c);
}

struct span {
        const char *p;
        size_t n;
};

static char at(const struct span *s, size_t i) {
        return i < s->n ? s->p[i] : '\0';
}

/* Skips what separates segments: anything but ASCII letters, digits, '~'
 * and '^'. */
static void skip_separators(const struct span *s, size_t *i) {
        while (*i < s->n && !is_alnum(s->p[*i]) && s->p[*i] != '~' && s->p[*i] != '^')
                (*i)++;
}

static size_t run_length(const struct span *s, size_t i, bool (*pred)(char)) {
        size_t n = 0;

        while (i + n < s->n && pred(s->p[i + n]))
                n++;
        return n;
}

static int sign(int x) {
        return (x > 0) - (x < 0);
}

/* Two segments of the same kind: numbers by value (leading zeros dropped,
 * then the longer is bigger, then digit by digit), letters as bytes. */
static int compare_segment(const char *a, size_t la, const char *b, size_t lb, bool numeric) {
        int r;

        if (numeric) {
                while (la > 0 && *a == '0')
                        a++, la--;
                while (lb > 0 && *b == '0')
                        b++, lb--;
                if (la != lb)
                        return la > lb ? 1 : -1;
        }
        r = memcmp(a, b, la < lb ? la : lb);
        if (r != 0)
                return sign(r);
        return la == lb ? 0 : la > lb ? 1 : -1;
}

/* One step of the walk over '~' or '^' at the cursors: returns 2 when both
 * sit on the same one (step over it and go on), else the result. */
#define STEP_ON 2

static int compare_tilde_caret(const struct span *a, size_t *ia, const struct span *b, size_t *ib) {
        char ca = at(a, *ia), cb = at(b, *ib);

        /* '~' sorts before anything, even the end: 1.0~rc1 < 1.0. */
        if (ca == '~' || cb == '~') {
                if (ca != '~')
                        return 1;
                if (cb != '~')
                        return -1;
                (*ia)++, (*ib)++;
                return STEP_ON;
        }
        /* '^' sorts after the end but before anything else: 1.0 < 1.0^git1
         * < 1.0.1. */
        if (ca == '^' || cb == '^') {
                if (ca == '\0')
                        return -1;
                if (cb == '\0')
                        return 1;
                if (ca != '^')
                        return 1;
                if (cb != '^')
                        return -1;
                (*ia)++, (*ib)++;
                return STEP_ON;
        }
        return 0;
}

/* rpmvercmp() over two spans. */
static int vercmp_span(const struct span *a, const struct span *b) {
        size_t ia = 0, ib = 0;

        /* rpm first checks for identical strings. */
        if (a->n == b->n && memcmp(a->p, b->p, a->n) == 0)
                return 0;
        while (ia < a->n || ib < b->n) {
                bool numeric;
                size_t la, lb;
                int r;

                skip_separators(a, &ia);
                skip_separators(b, &ib);
                r = compare_tilde_caret(a, &ia, b, &ib);
                if (r == STEP_ON)
                        continue;
                if (r != 0)
                        return r;
                if (ia >= a->n || ib >= b->n)
                        break;
                /* The segment's kind is that of a's first byte; a segment of
                 * the other kind in b is empty, and numbers beat letters. */
                numeric = is_digit(a->p[ia]);
                la = run_length(a, ia, numeric ? is_digit : is_alpha);
                lb = run_length(b, ib, numeric ? is_digit : is_alpha);
                if (lb == 0)
                        return numeric ? 1 : -1;
                r = compare_segment(a->p + ia, la, b->p + ib, lb, numeric);
                if (r != 0)
                        return r;
                ia += la;
                ib += lb;
        }
        /* Equal segments but different separators compare equal; otherwise
         * whichever has something left wins. */
        if (ia >= a->n && ib >= b->n)
                return 0;
        return ia >= a->n ? -1 : 1;
}

int version_rpm_vercmp(const char *a, const char *b) {
        struct span sa = { a, strlen(a) }, sb = { b, strlen(b) };

        return vercmp_span(&sa, &sb);
}

/* The parts of an EVR; a part that is absent has p == NULL. */
struct evr {
        struct span epoch, version, release;
};

/* As rpm's parseEVR(): the epoch is the leading digits when a ':' follows
 * them (an empty one, ":1.0", counts as "0"); the release is what follows
 * the last '-' after that. */
static void parse_evr(const char *v, struct evr *ret) {
        size_t n = strlen(v), d = 0;
        struct span rest;
        const char *hyphen;

        *ret = (struct evr) {};
        while (is_digit(v[d]))
                d++;
        rest = (struct span) { v + d, n - d };
        hyphen = memrchr(rest.p, '-', rest.n);
        if (v[d] == ':') {
                ret->epoch = d > 0 ? (struct span) { v, d } : (struct span) { "0", 1 };
                ret->version = (struct span) { v + d + 1, n - d - 1 };
        } else
                ret->version = (struct span) { v, n };
        if (hyphen) {
                ret->version.n = (size_t) (hyphen - ret->version.p);
                ret->release = (struct span) { hyphen + 1, (size_t) (v + n - hyphen - 1) };
        }
}

/* rpmverCmp(): epochs (a missing one is 0) and versions with rpmvercmp,
 * then releases; when only one side has a release, even an empty or "~"
 * one, that side is the greater (checked against rpm 4.18's rpm.ver(): "1.0"
 * < "1.0-", "1.0-~" > "1.0"). */
static int compare_evr(const struct evr *a, const struct evr *b) {
        static const struct span zero = { "0", 1 };
        int r;

        r = vercmp_span(a->epoch.p ? &a->epoch : &zero, b->epoch.p ? &b->epoch : &zero);
        if (r != 0)
                return r;
        r = vercmp_span(&a->version, &b->version);
        if (r != 0)
                return r;
        if (!a->release.p || !b->release.p)
                return (a->release.p != NULL) - (b->release.p != NULL);
        return vercmp_span(&a->release, &b->release);
}

int version_rpm_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct evr ea, eb;

        /* rpm.ver() refuses an empty string; everything else is an EVR. */
        if (!a || !b || !*a || !*b)
                return error_set(err, EINVAL, "invalid RPM version: empty");
        parse_evr(a, &ea);
        parse_evr(b, &eb);
        *ret_cmp = compare_evr(&ea, &eb);
        return 0;
}
