/* SPDX-License-Identifier: Apache-2.0 */
/* PyPI version ordering (PEP 440), identical to python3-packaging's
 * packaging.version.Version, written from PEP 440 ("Version scheme",
 * "Normalization" and "Summary of permitted suffixes and relative
 * ordering") and the grammar packaging documents (VERSION_PATTERN):
 *
 *   [ws][v][N!]N(.N)*[{a|b|rc}[N]][.post[N] | -N][.dev[N]][+local][ws]
 *
 * with PEP 440's alternate spellings (alpha, beta, c, pre, preview; rev, r;
 * '-', '_' or '.' or nothing around the letters; any case) and implicit
 * numbers (a missing one is 0).  Versions compare by the key packaging
 * builds: epoch, release without trailing zeros, pre-release (a dev
 * release of a final release sorts before its own pre-releases), post,
 * dev (none sorts last), local (none sorts first; its parts compare
 * numbers above words, numbers by value, words case-insensitively).
 *
 * What packaging rejects (InvalidVersion) is an error here, never a guess.
 * packaging's regex also matches a few non-ASCII characters under Python's
 * Unicode rules: spaces around the version are any of Python's (UTF-8
 * here), but the Kelvin sign read as a 'k' and the like are errors here,
 * as is a version over PEP440_VERSION_MAX bytes.  Numbers compare as digit strings (version-number.h): any length,
 * no overflow.  Parsing works on the caller's string, never allocates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "version-number.h"
#include "version.h"

/* Real versions are short; the caps keep a hostile one bounded. */
#define PEP440_VERSION_MAX 1024
#define PEP440_RELEASE_MAX 64
#define PEP440_LOCAL_MAX 64

/* Pre-release letters after normalisation, in their order ('a' < 'b' < 'rc'). */
enum pre_letter {
        PRE_A,
        PRE_B,
        PRE_RC,
        _PRE_MAX,
        _PRE_INVALID = -EINVAL,
};

/* Longer spellings first, so that "alpha" is not read as "a" + "lpha"
 * (packaging's regex backtracks to the same effect). */
static const struct {
        const char *word;
        enum pre_letter letter;
} pre_words[] = {
        { "preview", PRE_RC }, { "alpha", PRE_A }, { "beta", PRE_B }, { "pre", PRE_RC },
        { "rc", PRE_RC },      { "a", PRE_A },     { "b", PRE_B },    { "c", PRE_RC },
};

static const char *const post_words[] = { "post", "rev", "r" };

struct pep440 {
        struct version_span epoch;
        struct version_span release[PEP440_RELEASE_MAX];
        size_t n_release;
        bool has_pre, has_post, has_dev, has_local;
        enum pre_letter pre_letter;
        struct version_span pre, post, dev;
        struct version_span local[PEP440_LOCAL_MAX];
        size_t n_local;
};

/* Python's str.isspace(), which is what packaging's \s matches, on a
 * UTF-8 string: the bytes of the space at p, or 0. */
static size_t py_space_len(const char *p) {
        static const char *const wide[] = {
                "\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\xa8", "\xe2\x80\xa9",
                "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
        };
        unsigned char c = (unsigned char) p[0];

        if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))
                return 1;
        /* U+2000..U+200A */
        if (c == 0xe2 && (unsigned char) p[1] == 0x80 && (unsigned char) p[2] >= 0x80 && (unsigned char) p[2] <= 0x8a)
                return 3;
        for (size_t i = 0; i < ELEMENTSOF(wide); i++)
                if (strncmp(p, wide[i], strlen(wide[i])) == 0)
                        return strlen(wide[i]);
        return 0;
}

static const char *skip_py_spaces(const char *p) {
        size_t n;

        while ((n = py_space_len(p)) > 0)
                p += n;
        return p;
}

static bool is_sep(char c) {
        return c == '-' || c == '_' || c == '.';
}

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Advances *p past word (any case) if it is there. */
static bool take_word(const char **p, const char *word) {
        size_t n = strlen(word);

        for (size_t i = 0; i < n; i++)
                if (lower((*p)[i]) != word[i])
                        return false;
        *p += n;
        return true;
}

static struct version_span take_number(const char **p) {
        struct version_span s = { *p, version_digits(*p) };

        *p += s.n;
        return s;
}

/* After a pre/post/dev word: [-_.]?[0-9]*.  A separator goes with the word
 * even without digits after it; the next part's own separator is optional,
 * so this takes nothing from it, and digits after it are this part's
 * number (packaging's regex is greedy in the same way: "1.0a-1" is a1). */
static struct version_span take_suffix_number(const char **p) {
        static const struct version_span zero = { "0", 1 };
        struct version_span n;

        if (is_sep(**p))
                (*p)++;
        n = take_number(p);
        return n.n ? n : zero;
}

static bool take_pre(const char **p, struct pep440 *v) {
        const char *q = *p + (is_sep(**p) ? 1 : 0);

        for (size_t i = 0; i < ELEMENTSOF(pre_words); i++)
                if (take_word(&q, pre_words[i].word)) {
                        v->has_pre = true;
                        v->pre_letter = pre_words[i].letter;
                        v->pre = take_suffix_number(&q);
                        *p = q;
                        return true;
                }
        return false;
}

/* "-N" (the implicit post release of "1.0-1") or [-_.]?(post|rev|r). */
static bool take_post(const char **p, struct pep440 *v) {
        const char *q = *p;

        if (q[0] == '-' && version_is_digit(q[1])) {
                q++;
                v->has_post = true;
                v->post = take_number(&q);
                *p = q;
                return true;
        }
        q += is_sep(*q) ? 1 : 0;
        for (size_t i = 0; i < ELEMENTSOF(post_words); i++)
                if (take_word(&q, post_words[i])) {
                        v->has_post = true;
                        v->post = take_suffix_number(&q);
                        *p = q;
                        return true;
                }
        return false;
}

static bool take_dev(const char **p, struct pep440 *v) {
        const char *q = *p + (is_sep(**p) ? 1 : 0);

        if (!take_word(&q, "dev"))
                return false;
        v->has_dev = true;
        v->dev = take_suffix_number(&q);
        *p = q;
        return true;
}

#define invalid(err, s, ...) version_invalid(err, "PyPI", s, __VA_ARGS__)
#define invalid_at(err, s, p) version_invalid_at(err, "PyPI", s, p)

/* N(.N)*, after the epoch if any. */
static int parse_release(const char *s, const char **p, struct pep440 *v, struct error *err) {
        for (;;) {
                if (v->n_release == PEP440_RELEASE_MAX)
                        return invalid(err, s, "more than %d release numbers", PEP440_RELEASE_MAX);
                v->release[v->n_release++] = take_number(p);
                if ((*p)[0] != '.' || !version_is_digit((*p)[1]))
                        return 0;
                (*p)++;
        }
}

/* +[a-z0-9]+([-_.][a-z0-9]+)* */
static int parse_local(const char *s, const char **p, struct pep440 *v, struct error *err) {
        v->has_local = true;
        do {
                struct version_span part = { *p + 1, 0 };

                while (version_is_alnum(part.p[part.n]))
                        part.n++;
                if (part.n == 0)
                        return invalid_at(err, s, part.p);
                if (v->n_local == PEP440_LOCAL_MAX)
                        return invalid(err, s, "more than %d local version parts", PEP440_LOCAL_MAX);
                v->local[v->n_local++] = part;
                *p = part.p + part.n;
        } while (is_sep(**p));
        return 0;
}

static int pep440_parse(const char *s, struct pep440 *ret, struct error *err) {
        const char *p = s;
        int r;

        if (!s)
                return error_set(err, EINVAL, "invalid PyPI version: missing");
        if (strnlen(s, PEP440_VERSION_MAX + 1) > PEP440_VERSION_MAX)
                return invalid(err, s, "longer than %d bytes", PEP440_VERSION_MAX);
        *ret = (struct pep440) {};
        p = skip_py_spaces(p);
        if (lower(*p) == 'v')
                p++;
        if (!version_is_digit(*p))
                return invalid(err, s, "no release number (PEP 440: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local])");
        if (p[version_digits(p)] == '!') {
                ret->epoch = take_number(&p);
                if (!version_is_digit(*++p))
                        return invalid_at(err, s, p);
        }
        r = parse_release(s, &p, ret, err);
        if (r < 0)
                return r;
        take_pre(&p, ret);
        take_post(&p, ret);
        take_dev(&p, ret);
        if (*p == '+') {
                r = parse_local(s, &p, ret, err);
                if (r < 0)
                        return r;
        }
        p = skip_py_spaces(p);
        if (*p)
                return invalid_at(err, s, p);
        return 0;
}

int version_pep440_check(const char *v, struct error *err) {
        struct pep440 parsed;

        return pep440_parse(v, &parsed, err);
}

static bool is_zero(struct version_span s) {
        return version_strip_zeros(s).n == 0;
}

static int compare_release(const struct pep440 *a, const struct pep440 *b) {
        size_t na = a->n_release, nb = b->n_release;

        /* Trailing zeros don't count: 1.0 == 1.0.0 (PEP 440, "Release"). */
        while (na > 0 && is_zero(a->release[na - 1]))
                na--;
        while (nb > 0 && is_zero(b->release[nb - 1]))
                nb--;
        for (size_t i = 0; i < na && i < nb; i++) {
                int c = version_number_compare(a->release[i], b->release[i]);

                if (c)
                        return c;
        }
        return (na > nb) - (na < nb);
}

/* Where a version's pre-release part sorts: a dev release with neither
 * pre nor post ("1.0.dev1") before every pre-release, a version without
 * pre-release after them. */
static int pre_rank(const struct pep440 *v) {
        if (v->has_pre)
                return 1;
        return !v->has_post && v->has_dev ? 0 : 2;
}

static int compare_pre(const struct pep440 *a, const struct pep440 *b) {
        int ra = pre_rank(a), rb = pre_rank(b);

        if (ra != rb)
                return ra < rb ? -1 : 1;
        if (ra != 1)
                return 0;
        if (a->pre_letter != b->pre_letter)
                return a->pre_letter < b->pre_letter ? -1 : 1;
        return version_number_compare(a->pre, b->pre);
}

/* has: whether the part is there; missing sorts first (post, local) or
 * last (dev) as `missing_last` says. */
static int compare_optional(bool has_a, bool has_b, bool missing_last, struct version_span a, struct version_span b) {
        if (has_a != has_b)
                return (has_a == missing_last) ? -1 : 1;
        return has_a ? version_number_compare(a, b) : 0;
}

static bool is_number(struct version_span s) {
        return version_digits(s.p) >= s.n;
}

/* Words compare as lower-case strings, a shorter one first when it is a prefix. */
static int compare_word(struct version_span a, struct version_span b) {
        for (size_t i = 0; i < a.n && i < b.n; i++) {
                char ca = lower(a.p[i]), cb = lower(b.p[i]);

                if (ca != cb)
                        return (unsigned char) ca < (unsigned char) cb ? -1 : 1;
        }
        return (a.n > b.n) - (a.n < b.n);
}

/* Local versions: part by part, a number above a word. */
static int compare_local(const struct pep440 *a, const struct pep440 *b) {
        if (a->has_local != b->has_local)
                return a->has_local ? 1 : -1;
        for (size_t i = 0; i < a->n_local && i < b->n_local; i++) {
                bool na = is_number(a->local[i]), nb = is_number(b->local[i]);
                int c;

                if (na != nb)
                        return na ? 1 : -1;
                c = na ? version_number_compare(a->local[i], b->local[i]) : compare_word(a->local[i], b->local[i]);
                if (c)
                        return c;
        }
        return (a->n_local > b->n_local) - (a->n_local < b->n_local);
}

static int pep440_cmp(const struct pep440 *a, const struct pep440 *b) {
        int c;

        /* No epoch is epoch 0: an empty digit string. */
        c = version_number_compare(a->epoch, b->epoch);
        if (!c)
                c = compare_release(a, b);
        if (!c)
                c = compare_pre(a, b);
        if (!c)
                c = compare_optional(a->has_post, b->has_post, false, a->post, b->post);
        if (!c)
                c = compare_optional(a->has_dev, b->has_dev, true, a->dev, b->dev);
        if (!c)
                c = compare_local(a, b);
        return c;
}

int version_pep440_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct pep440 pa, pb;
        int r;

        r = pep440_parse(a, &pa, err);
        if (r < 0)
                return r;
        r = pep440_parse(b, &pb, err);
        if (r < 0)
                return r;
        *ret_cmp = pep440_cmp(&pa, &pb);
        return 0;
}
