/* SPDX-License-Identifier: Apache-2.0 */
/* NuGet version ordering: NuGet.Versioning's NuGetVersion with
 * VersionComparer.Default, written from its documented rules (SemVer 2.0
 * plus legacy four-part versions).  No .NET reference runs on our
 * machines: tests/nuget-differential.sh checks the SemVer 2.0 subset
 * against node-semver, the rest is table-tested from the rules.
 *
 *   VERSION [-LABEL(.LABEL)*] [+META(.META)*]
 *
 * VERSION is 1 to 4 dot-separated numbers (System.Version with ".0"
 * appended to a lone number), each 0..2147483647, leading zeros allowed;
 * missing parts are 0, so 1.0 = 1.0.0 = 1.0.0.0.  Labels and metadata
 * parts are non-empty [0-9A-Za-z-]; a label of digits has no leading
 * zero.  Blanks around the version are trimmed.
 *
 * Order: the four numbers; then a version with labels is below one
 * without; then labels one by one, a missing one first: two numeric
 * labels (what Int32.TryParse takes: -?digits within 32 bits) by value, a
 * numeric one below any other, others case-insensitively (ordinal on
 * upper-cased ASCII).  Metadata is ignored. */
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "version-number.h"
#include "version.h"

#define NUGET_PARTS_MAX 4
#define INT32_MAX_DIGITS "2147483647"
#define INT32_MIN_MAGNITUDE "2147483648"

struct nversion {
        struct {
                const char *p;
                size_t n;
        } part[NUGET_PARTS_MAX];
        const char *labels;     /* after '-', up to '+' or the end; NULL when none */
        size_t labels_n;
};

static bool is_label_char(char c) {
        return version_is_digit(c) || version_is_alpha(c) || c == '-';
}

static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
}

static bool is_blank(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Does the digit run fit in 0..limit (leading zeros allowed)? */
static bool fits(const char *p, size_t n, const char *limit) {
        return version_number_compare_n(p, n, limit, strlen(limit)) <= 0;
}

/* Checks dot-separated parts of [0-9A-Za-z-]; labels also refuse numeric
 * parts with a leading zero.  Returns the offset of a bad part or -1. */
static ssize_t bad_part(const char *p, size_t n, bool label) {
        for (size_t i = 0; i <= n;) {
                size_t k = 0, digits;

                while (i + k < n && p[i + k] != '.')
                        k++;
                digits = version_digits(p + i) < k ? version_digits(p + i) : k;
                if (k == 0 || (label && k > 1 && p[i] == '0' && digits == k))
                        return (ssize_t) i;
                for (size_t j = 0; j < k; j++)
                        if (!is_label_char(p[i + j]))
                                return (ssize_t) (i + j);
                i += k + 1;
        }
        return -1;
}

/* The numbers before the first '-' or '+' (core_end). */
static int parse_numbers(const char *s, const char *p, const char *core_end, struct nversion *v, const char *shown,
                         struct error *err) {
        size_t parts = 0;

        for (const char *q = p;; q++) {
                size_t k = version_digits(q);

                if (k == 0 || q + k > core_end || parts == NUGET_PARTS_MAX)
                        return error_set(err, EINVAL,
                                         "invalid NuGet version '%s' (expected 1 to 4 dot-separated numbers, then "
                                         "an optional -prerelease and +metadata)", shown);
                if (!fits(q, k, INT32_MAX_DIGITS))
                        return error_set(err, EINVAL, "NuGet version '%s' has a number above 2147483647", shown);
                v->part[parts].p = q;
                v->part[parts++].n = k;
                q += k;
                if (q == core_end)
                        return 0;
                if (*q != '.')
                        return error_set(err, EINVAL, "invalid NuGet version '%s': unexpected '%c' at offset %zu",
                                         shown, *q, (size_t) (q - s));
        }
}

/* "-labels" and "+metadata" from core_end to end. */
static int parse_suffixes(const char *s, const char *core_end, const char *end, struct nversion *v,
                          const char *shown, struct error *err) {
        ssize_t bad;

        if (core_end < end && *core_end == '-') {
                const char *plus = memchr(core_end, '+', (size_t) (end - core_end));

                v->labels = core_end + 1;
                v->labels_n = (size_t) ((plus ? plus : end) - v->labels);
                bad = bad_part(v->labels, v->labels_n, true);
                if (bad >= 0)
                        return error_set(err, EINVAL,
                                         "invalid NuGet version '%s': bad pre-release label at offset %zu (labels are "
                                         "[0-9A-Za-z-], numbers without leading zeros)",
                                         shown, (size_t) (v->labels - s) + (size_t) bad);
                core_end = plus ? plus : end;
        }
        if (core_end < end) {   /* '+' */
                bad = bad_part(core_end + 1, (size_t) (end - core_end - 1), false);
                if (bad >= 0)
                        return error_set(err, EINVAL, "invalid NuGet version '%s': bad metadata at offset %zu", shown,
                                         (size_t) (core_end + 1 - s) + (size_t) bad);
        }
        return 0;
}

static int nversion_parse(const char *s, struct nversion *ret, struct error *err) {
        char shown[VERSION_SHOWN_SIZE];
        struct nversion v = {};
        const char *p = s, *end, *core_end;
        size_t n = strlen(s);
        int r;

        version_shown(s, shown);
        if (n > VERSION_LANG_MAX)
                return error_set(err, EINVAL, "NuGet version '%s' is longer than %d bytes", shown, VERSION_LANG_MAX);
        while (n > 0 && is_blank(*p))
                p++, n--;
        while (n > 0 && is_blank(p[n - 1]))
                n--;
        end = p + n;
        core_end = p + strcspn(p, "-+");
        if (core_end > end)
                core_end = end;
        r = parse_numbers(s, p, core_end, &v, shown, err);
        if (r < 0)
                return r;
        r = parse_suffixes(s, core_end, end, &v, shown, err);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

/* What Int32.TryParse takes of a label: -?digits within 32 bits. */
static bool label_number(const char *p, size_t n, bool *ret_negative, const char **ret_digits, size_t *ret_n) {
        bool negative = n > 0 && p[0] == '-';
        size_t k = negative ? 1 : 0;

        if (n == k || version_digits(p + k) < n - k)
                return false;
        if (!fits(p + k, n - k, negative ? INT32_MIN_MAGNITUDE : INT32_MAX_DIGITS))
                return false;
        *ret_digits = p + k;
        *ret_n = n - k;
        /* -0 is 0 */
        *ret_negative = negative && version_number_compare_n(p + k, n - k, "0", 1) != 0;
        return true;
}

static int label_compare(const char *a, size_t an, const char *b, size_t bn) {
        const char *da, *db;
        size_t dan, dbn;
        bool na, nb, ia, ib;

        ia = label_number(a, an, &na, &da, &dan);
        ib = label_number(b, bn, &nb, &db, &dbn);
        if (ia && ib) {
                if (na != nb)
                        return na ? -1 : 1;
                return na ? -version_number_compare_n(da, dan, db, dbn) : version_number_compare_n(da, dan, db, dbn);
        }
        if (ia || ib)
                return ia ? -1 : 1;
        for (size_t i = 0; i < an && i < bn; i++) {
                char x = upper(a[i]), y = upper(b[i]);

                if (x != y)
                        return x < y ? -1 : 1;
        }
        return (an > bn) - (an < bn);
}

/* Labels one by one; a version with fewer (all equal so far) is lower. */
static int labels_compare(const struct nversion *a, const struct nversion *b) {
        size_t i = 0, j = 0;

        for (;;) {
                size_t k = 0, l = 0;
                int r;

                if (i > a->labels_n || j > b->labels_n)
                        return (i <= a->labels_n) - (j <= b->labels_n);
                while (i + k < a->labels_n && a->labels[i + k] != '.')
                        k++;
                while (j + l < b->labels_n && b->labels[j + l] != '.')
                        l++;
                r = label_compare(a->labels + i, k, b->labels + j, l);
                if (r != 0)
                        return r;
                i += k + 1;
                j += l + 1;
        }
}

int version_nuget_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct nversion x, y;
        int r;

        r = nversion_parse(a, &x, err);
        if (r < 0)
                return r;
        r = nversion_parse(b, &y, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < NUGET_PARTS_MAX; i++) {
                r = version_number_compare_n(x.part[i].p ? x.part[i].p : "0", x.part[i].p ? x.part[i].n : 1,
                                   y.part[i].p ? y.part[i].p : "0", y.part[i].p ? y.part[i].n : 1);
                if (r != 0) {
                        *ret_cmp = r;
                        return 0;
                }
        }
        if (!x.labels != !y.labels)
                *ret_cmp = x.labels ? -1 : 1;
        else
                *ret_cmp = x.labels ? labels_compare(&x, &y) : 0;
        return 0;
}
