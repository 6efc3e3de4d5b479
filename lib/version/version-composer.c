/* SPDX-License-Identifier: Apache-2.0 */
/* Composer (Packagist) version ordering: Composer normalises a version
 * (Composer\Semver\VersionParser::normalize(), composer/semver 3.3 as
 * Debian 12's php-composer-semver ships it) and compares the normal forms
 * with PHP's version_compare().  Both written here from their documented
 * rules and checked against PHP running Debian's composer/semver
 * (tests/composer-differential.sh), not from their code.
 *
 * Normalisation, in order: blanks trimmed; "X as Y" is X; an "@stable",
 * "@RC", "@beta", "@alpha" or "@dev" flag is dropped; master, trunk and
 * default are dev-master, ...; a name starting "dev-" is a dev branch and
 * stays one; "+build" is dropped; then the first of
 *   - classic: [v]MAJOR(1-5 digits)[.N][.N][.N] padded to four parts with
 *     ".0", and a modifier;
 *   - date: [v]YYYY then 1-6 two-digit and an optional 1-3 digit group,
 *     each optionally after '.', ':' or '-' (all of which become '.'),
 *     and a modifier;
 *   - numeric branch: [v]N[.N|x|*]... ending in [.-]dev, every missing
 *     or wildcard part 9999999 ("1.x-dev" = "1.9999999.9999999.9999999-dev");
 * else the version is invalid.  A modifier is [._-] then
 * stable|beta|b|RC|alpha|a|patch|pl|p (any case; b = beta, a = alpha,
 * p and pl = patch) with an optional number, then an optional [.-]dev:
 * "1.0.0-rc.2-dev" is "1.0.0.0-RC2-dev"; exactly "stable" drops the rest.
 *
 * version_compare() inserts '.' between digits and non-digits, reads
 * '-', '_', '+' and other non-alphanumerics as '.', and compares the
 * parts: numbers as C longs (saturating at LONG_MAX, as PHP's strtol()
 * does: that is Composer's order too), names by the first of dev < alpha
 * = a < beta = b < RC = rc < (a number) < pl = p they start with, other
 * names below them all; a longer version is above a shorter one if its
 * next part is a number, else that part decides against a number.
 *
 * Dev branches have no order in Composer (its constraints never match
 * them against versions): equal to themselves, an error otherwise.
 * Control bytes are refused (Composer's patterns treat a newline in ways
 * no real version needs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/strutil.h"
#include "version-number.h"
#include "version.h"

/* version_compare() saturates numbers at PHP_INT_MAX (strtol, 64 bits). */
#define PHP_LONG_MAX_DIGITS "9223372036854775807"

/* Composer's classic versions have a major of at most 5 digits (longer
 * ones are dates). */
#define CLASSIC_MAJOR_DIGITS_MAX 5

/* Composer's numeric branch wildcard ("1.x-dev"). */
#define BRANCH_WILDCARD "9999999"

struct span {
        const char *p;
        size_t n;
};

struct modifier {
        struct span word;       /* stability as written; n == 0 when none */
        struct span number;     /* digits after it, separators included */
        bool dev;
};

static bool ci_prefix(struct span s, const char *word) {
        size_t n = strlen(word);

        if (s.n < n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (version_lower(s.p[i]) != version_lower(word[i]))
                        return false;
        return true;
}

static bool ci_equal(struct span s, const char *word) {
        return s.n == strlen(word) && ci_prefix(s, word);
}

static struct span skip(struct span s, size_t k) {
        return (struct span) { s.p + k, s.n - k };
}

static bool starts_with_any(struct span s, const char *set) {
        return s.n > 0 && strchr(set, s.p[0]);
}

static size_t digits(struct span s) {
        size_t i = 0;

        while (i < s.n && version_is_digit(s.p[i]))
                i++;
        return i;
}

/* "" or [.-]?dev, case-insensitive, to the end. */
static bool dev_tail(struct span s, bool *ret_dev) {
        if (s.n == 0) {
                *ret_dev = false;
                return true;
        }
        if (starts_with_any(s, ".-") && ci_equal(skip(s, 1), "dev")) {
                *ret_dev = true;
                return true;
        }
        if (ci_equal(s, "dev")) {
                *ret_dev = true;
                return true;
        }
        return false;
}

/* ([.-]?digits)* taken as far as it goes; returns its length. */
static size_t number_run(struct span s) {
        size_t i = 0, k;

        for (;;) {
                size_t sep = i < s.n && strchr(".-", s.p[i]) ? 1 : 0;

                k = digits(skip(s, i + sep));
                if (k == 0)
                        return i;
                i += sep + k;
        }
}

/* The modifier must cover all of s; tried in the order a backtracking
 * matcher tries it, so that the captures are the ones Composer gets. */
static bool modifier_match(struct span s, struct modifier *ret) {
        static const char *const words[] = { "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p" };

        for (int take_sep = starts_with_any(s, "._-"); take_sep >= 0; take_sep--) {
                struct span q = skip(s, (size_t) take_sep);

                for (size_t w = 0; w < ELEMENTSOF(words); w++) {
                        struct span rest = skip(q, strlen(words[w]));
                        size_t k;

                        if (!ci_prefix(q, words[w]))
                                continue;
                        k = number_run(rest);
                        if (dev_tail(skip(rest, k), &ret->dev)) {
                                ret->word = (struct span) { q.p, strlen(words[w]) };
                                ret->number = (struct span) { rest.p, k };
                                return true;
                        }
                }
                if (dev_tail(q, &ret->dev)) {
                        ret->word = ret->number = (struct span) { q.p, 0 };
                        return true;
                }
        }
        return false;
}

static struct span skip_v(struct span s) {
        return starts_with_any(s, "vV") ? skip(s, 1) : s;
}

/* [v]MAJOR[.N][.N][.N]modifier → "MAJOR.N.N.N" in out, the modifier in *mod. */
static bool classic(struct span s, struct strbuf *out, struct modifier *mod, int *r) {
        struct span parts[3] = {}, m;
        size_t k;

        s = skip_v(s);
        m = (struct span) { s.p, digits(s) };
        if (m.n == 0 || m.n > CLASSIC_MAJOR_DIGITS_MAX)
                return false;
        s = skip(s, m.n);
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                if (!starts_with_any(s, ".") || (k = digits(skip(s, 1))) == 0)
                        break;
                parts[i] = (struct span) { s.p, 1 + k };
                s = skip(s, 1 + k);
        }
        if (!modifier_match(s, mod))
                return false;
        *r = strbuf_append(out, m.p, m.n);
        for (size_t i = 0; i < ELEMENTSOF(parts) && *r >= 0; i++)
                *r = parts[i].n ? strbuf_append(out, parts[i].p, parts[i].n) : strbuf_puts(out, ".0");
        return true;
}

/* Does d (digits and single '.', ':', '-' between them) match
 * YYYY([.:-]?DD){1,6}([.:-]?D{1,3})? — separators only between groups. */
static bool date_groups(struct span d) {
        size_t len = 0, seps[64], nseps = 0;

        for (size_t i = 0; i < d.n; i++) {
                if (version_is_digit(d.p[i])) {
                        len++;
                        continue;
                }
                if (i == 0 || !version_is_digit(d.p[i - 1]) || nseps == ELEMENTSOF(seps))
                        return false;
                seps[nseps++] = len;
        }
        for (size_t k = 1; k <= 6; k++)
                for (size_t t = 0; t <= 3; t++) {
                        bool ok = 4 + 2 * k + t == len;

                        for (size_t i = 0; i < nseps && ok; i++)
                                ok = seps[i] >= 4 && seps[i] % 2 == 0 &&
                                     (seps[i] < 4 + 2 * k || (t > 0 && seps[i] == 4 + 2 * k));
                        if (ok)
                                return true;
                }
        return false;
}

static bool date(struct span s, struct strbuf *out, struct modifier *mod, int *r) {
        size_t e = 0;

        s = skip_v(s);
        while (e < s.n && (version_is_digit(s.p[e]) || strchr(".:-", s.p[e])))
                e++;
        while (e > 0 && !version_is_digit(s.p[e - 1]))
                e--;
        if (e == 0 || !version_is_digit(s.p[0]) || !date_groups((struct span) { s.p, e }) ||
            !modifier_match(skip(s, e), mod))
                return false;
        for (size_t i = 0; i < e && *r >= 0; i++)
                *r = strbuf_append(out, version_is_digit(s.p[i]) ? &s.p[i] : ".", 1);
        return true;
}

static const char *stability_name(struct span word) {
        static const struct {
                const char *word, *name;
        } names[] = {
                { "a", "alpha" }, { "b", "beta" }, { "p", "patch" }, { "pl", "patch" }, { "rc", "RC" },
                { "alpha", "alpha" }, { "beta", "beta" }, { "patch", "patch" }, { "stable", "stable" },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (ci_equal(word, names[i].word))
                        return names[i].name;
        return NULL;    /* not reached: word is one of the modifier's */
}

static int append_modifier(struct strbuf *out, const struct modifier *mod) {
        struct span num = mod->number;
        int r = 0;

        if (mod->word.n > 0) {
                if (mod->word.n == 6 && memcmp(mod->word.p, "stable", 6) == 0)
                        return 0;       /* exactly "stable": a release, "-dev" or not */
                while (num.n > 0 && strchr(".-", num.p[0]))
                        num = skip(num, 1);
                r = strbuf_printf(out, "-%s%.*s", stability_name(mod->word), (int) num.n, num.p);
        }
        if (r >= 0 && mod->dev)
                r = strbuf_puts(out, "-dev");
        return r;
}

/* A numeric branch name: [v]N(.N|.x|.X|.*){0,3}, padded with wildcards. */
static bool numeric_branch(struct span s, struct strbuf *out, int *r) {
        size_t k = 0, parts = 0;

        while (s.n > 0 && s.p[0] == ' ')
                s = skip(s, 1);
        while (s.n > 0 && s.p[s.n - 1] == ' ')
                s.n--;
        s = skip_v(s);
        k = digits(s);
        if (k == 0)
                return false;
        *r = strbuf_append(out, s.p, k);
        for (s = skip(s, k); s.n > 0 && parts < 3 && *r >= 0; parts++) {
                if (s.p[0] != '.')
                        return false;
                k = digits(skip(s, 1));
                if (k > 0)
                        *r = strbuf_append(out, s.p, 1 + k);
                else if (s.n > 1 && strchr("xX*", s.p[1]))
                        *r = strbuf_puts(out, "." BRANCH_WILDCARD), k = 1;
                else
                        return false;
                s = skip(s, 1 + k);
        }
        if (s.n > 0)
                return false;
        for (; parts < 3 && *r >= 0; parts++)
                *r = strbuf_puts(out, "." BRANCH_WILDCARD);
        if (*r >= 0)
                *r = strbuf_puts(out, "-dev");
        return true;
}

/* "X as Y" → X (X and Y without ',' or blanks); "X@stability" → X. */
static struct span strip_alias_and_flag(struct span s) {
        static const char *const flags[] = { "stable", "RC", "beta", "alpha", "dev" };
        size_t a = 0, i, j, b;

        while (a < s.n && !strchr(", ", s.p[a]))
                a++;
        for (i = a; i < s.n && s.p[i] == ' '; i++)
                ;
        if (a > 0 && i > a && s.n - i >= 2 && memcmp(s.p + i, "as", 2) == 0) {
                for (j = i + 2; j < s.n && s.p[j] == ' '; j++)
                        ;
                for (b = j; b < s.n && !strchr(", ", s.p[b]); b++)
                        ;
                if (j > i + 2 && b > j && b == s.n)
                        s.n = a;
        }
        for (size_t f = 0; f < ELEMENTSOF(flags); f++) {
                size_t n = strlen(flags[f]);

                if (s.n > n && s.p[s.n - n - 1] == '@' && ci_equal((struct span) { s.p + s.n - n, n }, flags[f])) {
                        s.n -= n + 1;
                        break;
                }
        }
        return s;
}

/* "X+build" → X (X without ',', ' ' or '+'; build without ' '). */
static struct span strip_build(struct span s) {
        size_t a = 0;

        while (a < s.n && !strchr(", +", s.p[a]))
                a++;
        if (a > 0 && a + 1 < s.n && s.p[a] == '+' && !memchr(s.p + a + 1, ' ', s.n - a - 1))
                s.n = a;
        return s;
}

static int check(const char *v, struct span *ret, struct error *err) {
        char shown[VERSION_SHOWN_SIZE];
        struct span s = { v, strlen(v) };

        version_shown(v, shown);
        if (s.n > VERSION_LANG_MAX)
                return error_set(err, EINVAL, "Composer version '%s' is longer than %d bytes", shown,
                                 VERSION_LANG_MAX);
        /* PHP's trim(): space, \t, \n, \r, \0 and \v */
        while (s.n > 0 && strchr(" \t\n\r\v", s.p[0]))
                s = skip(s, 1);
        while (s.n > 0 && strchr(" \t\n\r\v", s.p[s.n - 1]))
                s.n--;
        for (size_t i = 0; i < s.n; i++)
                if ((unsigned char) s.p[i] < 0x20 || s.p[i] == 0x7f)
                        return error_set(err, EINVAL, "Composer version '%s' holds a control byte", shown);
        *ret = s;
        return 0;
}

/* The name of a "NAME-dev" branch: "dev" and one '.' or '-' before it off. */
static struct span branch_name(struct span s) {
        struct span name = { s.p, s.n - 3 };

        if (name.n > 0 && strchr(".-", name.p[name.n - 1]))
                name.n--;
        return name;
}

/* Composer's normalize() of a trimmed version into out, which stays empty
 * where Composer throws; <0 only when appending fails. */
static int normalize_span(struct span s, struct strbuf *out) {
        static const char *const default_branches[] = { "master", "trunk", "default" };
        struct modifier mod = {};
        int r = 0;

        s = strip_alias_and_flag(s);
        for (size_t i = 0; i < ELEMENTSOF(default_branches); i++)
                if (s.n == strlen(default_branches[i]) && memcmp(s.p, default_branches[i], s.n) == 0)
                        return strbuf_printf(out, "dev-%s", default_branches[i]);
        if (ci_prefix(s, "dev-"))
                return strbuf_printf(out, "dev-%.*s", (int) s.n - 4, s.p + 4);
        s = strip_build(s);
        if (classic(s, out, &mod, &r) || date(s, out, &mod, &r))
                return r < 0 ? r : append_modifier(out, &mod);
        if (s.n >= 3 && ci_equal(skip(s, s.n - 3), "dev") && !numeric_branch(branch_name(s), out, &r))
                strbuf_done(out);       /* a name Composer wants as dev-NAME */
        return r;
}

int version_composer_normalize(const char *v, char **ret, struct error *err) {
        _cleanup_(strbuf_done) struct strbuf out = { .max = 2 * VERSION_LANG_MAX };
        char shown[VERSION_SHOWN_SIZE];
        struct span s = {};
        int r;

        r = check(v, &s, err);
        if (r < 0)
                return r;
        r = normalize_span(s, &out);
        if (r < 0)
                return error_set(err, -r, "normalising a Composer version failed");
        if (out.len == 0) {
                version_shown(v, shown);
                return error_set(err, EINVAL,
                                 "invalid Composer version '%s' (Composer takes [v]1.2.3[.4] with an optional "
                                 "-alpha/-beta/-RC/-patch N and -dev, a date 20240131, or a branch dev-NAME / 1.x-dev)",
                                 shown);
        }
        *ret = strbuf_steal(&out);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* PHP's canonical form: '.' between a digit and a non-digit (which is
 * kept, whatever it is), every other '-', '_', '+' or non-alphanumeric
 * byte a '.', no two '.' in a row; the first byte is kept as it is. */
static char *php_canonicalize(const char *v) {
        size_t n = strlen(v), q = 0;
        char *buf = malloc(2 * n + 1), prev;

        if (!buf || n == 0) {
                if (buf)
                        buf[0] = '\0';
                return buf;
        }
        buf[q++] = prev = v[0];
        for (size_t i = 1; i < n; prev = v[i++]) {
                char c = v[i];
                bool d = version_is_digit(c), pd = version_is_digit(prev);
                bool switch_kind = c != '.' && prev != '.' && d != pd;

                if (switch_kind || strchr("-_+", c) || !(d || version_is_alpha(c))) {
                        if (buf[q - 1] != '.')
                                buf[q++] = '.';
                        if (switch_kind && !strchr("-_+", c))
                                buf[q++] = c;
                } else
                        buf[q++] = c;
        }
        buf[q] = '\0';
        return buf;
}

/* The rank of a name part by the special form it starts with; -1 for none. */
static int special_form(struct span part) {
        static const struct {
                const char *name;
                int rank;
        } forms[] = {
                { "dev", 0 }, { "alpha", 1 }, { "a", 1 }, { "beta", 2 }, { "b", 2 },
                { "RC", 3 },  { "rc", 3 },    { "#", 4 }, { "pl", 5 },   { "p", 5 },
        };

        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                size_t n = strlen(forms[i].name);

                if (part.n >= n && memcmp(part.p, forms[i].name, n) == 0)
                        return forms[i].rank;
        }
        return -1;
}

static int sign(int x) {
        return (x > 0) - (x < 0);
}

/* A number part as strtol() reads it: its leading digits, saturated. */
static struct span php_long(struct span part) {
        struct span d = { part.p, digits(part) };

        if (version_number_compare_n(d.p, d.n, PHP_LONG_MAX_DIGITS, strlen(PHP_LONG_MAX_DIGITS)) > 0)
                return (struct span) { PHP_LONG_MAX_DIGITS, strlen(PHP_LONG_MAX_DIGITS) };
        return d;
}

static int part_compare(struct span a, struct span b) {
        static const struct span number = { "#N#", 3 };
        bool da = a.n > 0 && version_is_digit(a.p[0]), db = b.n > 0 && version_is_digit(b.p[0]);

        if (da && db) {
                struct span x = php_long(a), y = php_long(b);

                return version_number_compare_n(x.p, x.n, y.p, y.n);
        }
        return sign(special_form(da ? number : a) - special_form(db ? number : b));
}

/* The part of s that starts at p and ends before the next '.'; *ret_more
 * tells whether a '.' follows. */
static struct span part_at(const char *p, bool *ret_more) {
        const char *dot = strchr(p, '.');

        *ret_more = dot != NULL;
        return (struct span) { p, dot ? (size_t) (dot - p) : strlen(p) };
}

static int php_compare(const char *a, const char *b, int *ret_cmp, int depth);

/* The rest of a version against a number: compare(rest, "#N#"). */
static int rest_compare(const char *rest, bool rest_is_a, int *ret_cmp, int depth) {
        int r, cmp;

        if (version_is_digit(*rest)) {
                *ret_cmp = rest_is_a ? 1 : -1;
                return 0;
        }
        r = rest_is_a ? php_compare(rest, "#N#", &cmp, depth + 1) : php_compare("#N#", rest, &cmp, depth + 1);
        if (r >= 0)
                *ret_cmp = cmp;
        return r;
}

static int php_compare(const char *a, const char *b, int *ret_cmp, int depth) {
        _cleanup_free_ char *x = NULL, *y = NULL;
        bool more_a = true, more_b = true;
        const char *p, *q;
        int cmp = 0;

        if (!*a || !*b) {
                *ret_cmp = !*a && !*b ? 0 : *a ? 1 : -1;
                return 0;
        }
        if (depth > VERSION_LANG_MAX)
                return -ELOOP;
        x = a[0] == '#' ? strdup(a) : php_canonicalize(a);
        y = b[0] == '#' ? strdup(b) : php_canonicalize(b);
        if (!x || !y)
                return -ENOMEM;
        for (p = x, q = y; *p && *q && more_a && more_b;) {
                struct span pa = part_at(p, &more_a), pb = part_at(q, &more_b);

                cmp = part_compare(pa, pb);
                if (cmp != 0)
                        break;
                if (more_a)
                        p = pa.p + pa.n + 1;
                if (more_b)
                        q = pb.p + pb.n + 1;
        }
        if (cmp == 0 && more_a)
                return rest_compare(p, true, ret_cmp, depth);
        if (cmp == 0 && more_b)
                return rest_compare(q, false, ret_cmp, depth);
        *ret_cmp = cmp;
        return 0;
}

int version_php_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        int r = php_compare(a, b, ret_cmp, 0);

        if (r < 0)
                return error_set(err, -r, "comparing '%s' and '%s' as PHP's version_compare() does failed", a, b);
        return 0;
}

static bool is_branch(const char *v) {
        return startswith(v, "dev-");
}

static int branch_unordered(const char *normal, struct error *err) {
        char shown[VERSION_SHOWN_SIZE];

        version_shown(normal, shown);
        return error_set(err, EINVAL,
                         "Composer does not order the dev branch '%s' against other versions "
                         "(only released versions have an order)", shown);
}

int version_composer_check(const char *v, struct error *err) {
        _cleanup_free_ char *x = NULL;
        int r = version_composer_normalize(v, &x, err);

        if (r < 0)
                return r;
        return is_branch(x) ? branch_unordered(x, err) : 0;
}

int version_composer_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        _cleanup_free_ char *x = NULL, *y = NULL;
        int r;

        r = version_composer_normalize(a, &x, err);
        if (r < 0)
                return r;
        r = version_composer_normalize(b, &y, err);
        if (r < 0)
                return r;
        if (is_branch(x) || is_branch(y)) {
                if (strcmp(x, y) == 0) {
                        *ret_cmp = 0;
                        return 0;
                }
                return branch_unordered(is_branch(x) ? x : y, err);
        }
        return version_php_compare(x, y, ret_cmp, err);
}
