/* SPDX-License-Identifier: Apache-2.0 */
/* Alpine (apk) version ordering and validity, written from the rules that
 * apk-tools documents and tests (its test/version.data, all of which
 * tests/test-version-apk.c runs), not from its code:
 *
 *   digit{.digit}...{letter{number}{.digit}...}...{_suffix{number}}...{~hash}{-rN}
 *
 * The numbers after a letter ("1.9.5p2", sudo's version in Alpine 3.13)
 * are apk-tools 2.x's grammar, which built and installs every Alpine
 * release whose packages carry them: a letter followed by digits starts a
 * new numeric part (compared as a number, "p02" = "p2"), after which dots
 * and another letter may follow again ("1.0a1.2", "1.0a1b2").  apk-tools 3
 * rejects these (its version.data: "!0.1a1"); we keep apk-tools 2's
 * reading so that such packages are checked, not dropped.  Two letters in
 * a row ("1.0ab") and a dot right after a letter ("1.0a.1") are invalid in
 * both.
 *
 * A version is read as a sequence of tokens, each allowed only after the
 * ones before it in that grammar.  Two versions compare token by token
 * while the token types agree: numbers by value, a dotted part with a
 * leading zero as a string (Gentoo's rule: "1.001" < "1.01" < "1.1"),
 * letters and hashes as strings, suffixes by rank (_alpha < _beta < _pre <
 * _rc < none < _cvs < _svn < _git < _hg < _p).  When the types differ, the
 * version that goes on with a pre-release suffix is the smaller; otherwise
 * the one whose next token comes later in the grammar (or that ended) is.
 *
 * Numbers are compared as digit strings, so any length works; apk reads
 * them into 64 bits, which differs only past 19 digits.  Parsing works on
 * the caller's string and never allocates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "version-apk-internal.h"
#include "version.h"

enum token_type {
        T_START,                /* before the first token */
        T_INITIAL_DIGIT,
        T_DIGIT,
        T_LETTER_DIGIT,         /* the number right after a letter: never meets T_DIGIT or T_LETTER */
        T_LETTER,
        T_SUFFIX,
        T_SUFFIX_NO,
        T_HASH,
        T_REVISION,
        T_END,
        T_INVALID,
};

/* In order of rank; S_NONE is the place of "no suffix". */
enum suffix {
        S_ALPHA,
        S_BETA,
        S_PRE,
        S_RC,
        S_NONE,
        S_CVS,
        S_SVN,
        S_GIT,
        S_HG,
        S_P,
        _S_MAX,
        _S_INVALID = -EINVAL,
};

static const char *const suffix_names[_S_MAX] = {
        [S_ALPHA] = "alpha", [S_BETA] = "beta", [S_PRE] = "pre", [S_RC] = "rc",
        [S_CVS] = "cvs",     [S_SVN] = "svn",   [S_GIT] = "git", [S_HG] = "hg", [S_P] = "p",
};

struct token {
        enum token_type type;
        const char *p;          /* the token's value: digits, letter, suffix name, hash */
        size_t n;
        enum suffix suffix;     /* for T_SUFFIX */
};

struct cursor {
        const char *p;
        enum token_type last;
        const char *why;        /* set with T_INVALID */
};

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_lower(char c) {
        return c >= 'a' && c <= 'z';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f');
}

static size_t span(const char *p, bool (*ok)(char)) {
        size_t n = 0;

        while (ok(p[n]))
                n++;
        return n;
}

static enum suffix suffix_lookup(const char *p, size_t n) {
        for (int i = 0; i < _S_MAX; i++)
                if (suffix_names[i] && strlen(suffix_names[i]) == n && memcmp(suffix_names[i], p, n) == 0)
                        return (enum suffix) i;
        return _S_INVALID;
}

static enum token_type invalid(struct cursor *c, const char *why) {
        c->why = why;
        return T_INVALID;
}

/* Reads the value of a token that starts with skip bytes of punctuation and
 * goes on with a non-empty run of ok characters. */
static enum token_type take(struct cursor *c, struct token *t, size_t skip, bool (*ok)(char), enum token_type type,
                            const char *why_empty) {
        t->p = c->p + skip;
        t->n = span(t->p, ok);
        if (t->n == 0)
                return invalid(c, why_empty);
        c->p = t->p + t->n;
        return type;
}

static bool is_number(enum token_type t) {
        return t == T_INITIAL_DIGIT || t == T_DIGIT || t == T_LETTER_DIGIT;
}

static enum token_type classify(struct cursor *c, struct token *t) {
        char ch = c->p[0];
        enum token_type last = c->last;

        if (last == T_START)
                return take(c, t, 0, is_digit, T_INITIAL_DIGIT, "it does not start with a digit");
        if (ch == '\0')
                return T_END;
        if (ch == '.' && is_number(last))
                return take(c, t, 1, is_digit, T_DIGIT, "'.' is not followed by a number");
        if (is_lower(ch) && is_number(last)) {
                t->p = c->p++;
                t->n = 1;
                return T_LETTER;
        }
        if (is_digit(ch) && last == T_LETTER)
                return take(c, t, 0, is_digit, T_LETTER_DIGIT, "");
        if (is_lower(ch) && last == T_LETTER)
                return invalid(c, "two letters in a row (only one letter may follow a number)");
        if (ch == '.' && last == T_LETTER)
                return invalid(c, "'.' right after a letter (a letter may be followed by a number, not by '.')");
        if (is_digit(ch) && last == T_SUFFIX)
                return take(c, t, 0, is_digit, T_SUFFIX_NO, "");
        if (ch == '_' && last < T_HASH) {
                if (take(c, t, 1, is_lower, T_SUFFIX, "'_' is not followed by a suffix name") == T_INVALID)
                        return T_INVALID;
                t->suffix = suffix_lookup(t->p, t->n);
                if (t->suffix < 0)
                        return invalid(c, "unknown suffix (not _alpha, _beta, _pre, _rc, _cvs, _svn, _git, _hg or _p)");
                return T_SUFFIX;
        }
        if (ch == '~' && last < T_HASH)
                return take(c, t, 1, is_hex, T_HASH, "'~' is not followed by a lowercase hex commit hash");
        if (ch == '-' && c->p[1] == 'r' && last < T_REVISION)
                return take(c, t, 2, is_digit, T_REVISION, "'-r' is not followed by a number");
        if (ch == '-')
                return invalid(c, last == T_REVISION ? "a second revision" : "'-' does not start a revision '-rN'");
        return invalid(c, "unexpected character or part out of order");
}

/* The next token; T_END and T_INVALID repeat. */
static void next_token(struct cursor *c, struct token *t) {
        *t = (struct token) { .suffix = S_NONE };
        if (c->last == T_END || c->last == T_INVALID) {
                t->type = c->last;
                return;
        }
        t->type = c->last = classify(c, t);
}

static int sign(int x) {
        return (x > 0) - (x < 0);
}

/* Shorter sorts first when one is a prefix of the other. */
static int compare_strings(const struct token *a, const struct token *b) {
        size_t n = a->n < b->n ? a->n : b->n;
        int r = memcmp(a->p, b->p, n);

        if (r != 0)
                return sign(r);
        return (a->n > b->n) - (a->n < b->n);
}

static int compare_numbers(const struct token *a, const struct token *b) {
        struct token x = *a, y = *b;

        while (x.n > 1 && x.p[0] == '0')
                x.p++, x.n--;
        while (y.n > 1 && y.p[0] == '0')
                y.p++, y.n--;
        if (x.n != y.n)
                return x.n > y.n ? 1 : -1;
        return sign(memcmp(x.p, y.p, x.n));
}

/* Two tokens of the same type. */
static int compare_token(const struct token *a, const struct token *b) {
        switch (a->type) {
        case T_DIGIT:
                if (a->p[0] == '0' || b->p[0] == '0')
                        return compare_strings(a, b);
                return compare_numbers(a, b);
        case T_INITIAL_DIGIT:
        case T_LETTER_DIGIT:
        case T_SUFFIX_NO:
        case T_REVISION:
                return compare_numbers(a, b);
        case T_SUFFIX:
                return sign((int) a->suffix - (int) b->suffix);
        case T_LETTER:
        case T_HASH:
                return compare_strings(a, b);
        default:
                return 0;
        }
}

static bool is_pre_release(const struct token *t) {
        return t->type == T_SUFFIX && t->suffix < S_NONE;
}

/* The versions agree up to tokens of different types (or both ended). */
static int compare_tail(const struct token *a, const struct token *b) {
        if (a->type == b->type)
                return 0;
        if (is_pre_release(a))
                return -1;
        if (is_pre_release(b))
                return 1;
        return a->type > b->type ? -1 : 1;
}

static int invalid_version(struct error *err, const char *v, const char *why) {
        char shown[VERSION_SHOWN_SIZE];

        if (!err)
                return -EINVAL;
        version_shown(v, shown);
        return error_set(err, EINVAL, "invalid Alpine version '%s': %s", shown, why);
}

int version_apk_check(const char *v, struct error *err) {
        struct cursor c = { .p = v, .last = T_START };
        struct token t;

        if (!v)
                return error_set(err, EINVAL, "invalid Alpine version: missing");
        if (!*v)
                return invalid_version(err, v, "it is empty");
        do
                next_token(&c, &t);
        while (t.type != T_END && t.type != T_INVALID);
        return t.type == T_END ? 0 : invalid_version(err, v, c.why);
}

int version_apk_compare_flags(const char *a, const char *b, unsigned flags, int *ret_cmp, struct error *err) {
        struct cursor ca = { .p = a, .last = T_START }, cb = { .p = b, .last = T_START };
        struct token ta, tb;
        int r;

        if (!a || !b)
                return error_set(err, EINVAL, "invalid Alpine version: missing");
        if (!(flags & VERSION_APK_LAZY) && ((r = version_apk_check(a, err)) < 0 || (r = version_apk_check(b, err)) < 0))
                return r;
        for (;;) {
                next_token(&ca, &ta);
                next_token(&cb, &tb);
                /* The fuzzy pattern ended: what a goes on with is not read. */
                if ((flags & VERSION_APK_FUZZY) && tb.type == T_END)
                        break;
                if (ta.type == T_INVALID)
                        return invalid_version(err, a, ca.why);
                if (tb.type == T_INVALID)
                        return invalid_version(err, b, cb.why);
                if (ta.type != tb.type || ta.type == T_END) {
                        *ret_cmp = compare_tail(&ta, &tb);
                        return 0;
                }
                r = compare_token(&ta, &tb);
                if (r != 0) {
                        *ret_cmp = r;
                        return 0;
                }
        }
        *ret_cmp = 0;
        return 0;
}

int version_apk_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        return version_apk_compare_flags(a, b, 0, ret_cmp, err);
}
