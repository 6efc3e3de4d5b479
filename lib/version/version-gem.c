/* SPDX-License-Identifier: Apache-2.0 */
/* RubyGems version ordering: Gem::Version#<=> (rubygems 3.3, Ruby 3.1 in
 * Debian 12), written from its documented rules and checked against Ruby
 * (tests/gem-differential.sh), not from its code.
 *
 * Valid versions (Gem::Version::ANCHORED_VERSION_PATTERN): blanks around,
 * then digits, then ".alnum" parts, then optionally "-" and
 * [alnum-] parts joined by '.'; a blank string is "0".  Every '-' reads as
 * ".pre.".  Segments are the runs of digits (numbers) and of letters
 * (strings); "1.0a-1" is 1, 0, "a", "pre", 1.  Canonical segments: the
 * numbers before the first string and the segments from it on, each with
 * its trailing zeros dropped ("1.0.a.0" is 1, "a").  Two versions compare
 * segment by segment, a missing one being 0: numbers by value (any
 * length), strings by bytes, and a string is below a number, so a letter
 * makes a pre-release ("1.0.a" < "1.0"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "version-number.h"
#include "version.h"

struct segment {
        bool number;
        const char *p;          /* digits or letters, in the caller's string */
        size_t n;
};

struct gversion {
        struct segment *segs;
        size_t n;
};

static void gversion_done(struct gversion *v) {
        free(v->segs);
}

static bool is_alnum(char c) {
        return version_is_digit(c) || version_is_alpha(c);
}

static bool is_alnum_dash(char c) {
        return is_alnum(c) || c == '-';
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static size_t span(const char *p, size_t n, bool (*ok)(char)) {
        size_t i = 0;

        while (i < n && ok(p[i]))
                i++;
        return i;
}

/* Checks the body (blanks trimmed) against the pattern; returns the
 * offset of the first byte that breaks it, or n. */
static size_t pattern_end(const char *p, size_t n) {
        size_t i = span(p, n, version_is_digit), k;

        if (i == 0)
                return 0;
        while (i < n && p[i] == '.' && (k = span(p + i + 1, n - i - 1, is_alnum)) > 0)
                i += 1 + k;
        if (i < n && p[i] == '-' && (k = span(p + i + 1, n - i - 1, is_alnum_dash)) > 0) {
                i += 1 + k;
                while (i < n && p[i] == '.' && (k = span(p + i + 1, n - i - 1, is_alnum_dash)) > 0)
                        i += 1 + k;
        }
        return i;
}

/* The segments in order, a "pre" for every '-'. */
static void segments(const char *p, size_t n, struct gversion *v) {
        for (size_t i = 0; i < n;) {
                size_t k;

                if (p[i] == '-') {
                        v->segs[v->n++] = (struct segment) { .p = "pre", .n = 3 };
                        i++;
                } else if ((k = span(p + i, n - i, version_is_digit)) > 0) {
                        v->segs[v->n++] = (struct segment) { .number = true, .p = p + i, .n = k };
                        i += k;
                } else if ((k = span(p + i, n - i, version_is_alpha)) > 0) {
                        v->segs[v->n++] = (struct segment) { .p = p + i, .n = k };
                        i += k;
                } else
                        i++;
        }
}

static bool is_zero(const struct segment *s) {
        return s->number && version_number_compare_n(s->p, s->n, "0", 1) == 0;
}

/* Drops the trailing zeros of the numeric part and of the rest. */
static void canonicalize(struct gversion *v) {
        size_t first_string = 0, numeric_end, n = 0;

        while (first_string < v->n && v->segs[first_string].number)
                first_string++;
        numeric_end = first_string;
        while (numeric_end > 0 && is_zero(&v->segs[numeric_end - 1]))
                numeric_end--;
        for (size_t i = 0; i < numeric_end; i++)
                v->segs[n++] = v->segs[i];
        while (v->n > first_string && is_zero(&v->segs[v->n - 1]))
                v->n--;
        for (size_t i = first_string; i < v->n; i++)
                v->segs[n++] = v->segs[i];
        v->n = n;
}

static int gversion_parse(const char *s, struct gversion *ret, struct error *err) {
        char shown[VERSION_SHOWN_SIZE];
        struct gversion v = {};
        size_t n = strlen(s), end;
        const char *p = s;

        version_shown(s, shown);
        if (n > VERSION_LANG_MAX)
                return error_set(err, EINVAL, "RubyGems version '%s' is longer than %d bytes", shown, VERSION_LANG_MAX);
        while (n > 0 && is_blank(*p))
                p++, n--;
        while (n > 0 && is_blank(p[n - 1]))
                n--;
        if (n == 0) {           /* Gem::Version.new("") is version 0 */
                p = "0";
                n = 1;
        }
        end = pattern_end(p, n);
        if (end != n)
                return error_set(err, EINVAL,
                                 "malformed RubyGems version '%s' at offset %zu (expected digits, then .parts of "
                                 "letters and digits, then an optional -prerelease)",
                                 shown, (size_t) (p - s) + end);
        v.segs = calloc(n, sizeof(struct segment));
        if (!v.segs)
                return error_set(err, ENOMEM, "out of memory parsing a RubyGems version");
        segments(p, n, &v);
        canonicalize(&v);
        *ret = v;
        return 0;
}

static int segment_compare(const struct segment *a, const struct segment *b) {
        if (a->number != b->number)
                return a->number ? 1 : -1;
        if (a->number)
                return version_number_compare_n(a->p, a->n, b->p, b->n);
        return version_bytes_compare(a->p, a->n, b->p, b->n);
}

int version_gem_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        _cleanup_(gversion_done) struct gversion x = {}, y = {};
        static const struct segment zero = { .number = true, .p = "0", .n = 1 };
        int r;

        r = gversion_parse(a, &x, err);
        if (r < 0)
                return r;
        r = gversion_parse(b, &y, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < x.n || i < y.n; i++) {
                r = segment_compare(i < x.n ? &x.segs[i] : &zero, i < y.n ? &y.segs[i] : &zero);
                if (r != 0) {
                        *ret_cmp = r;
                        return 0;
                }
        }
        *ret_cmp = 0;
        return 0;
}
