/* SPDX-License-Identifier: Apache-2.0 */
/* Debian version ordering, from the rules of deb-version(7), written to give
 * exactly the answers of `dpkg --compare-versions` (dpkg 1.21, amd64).
 *
 * A version is [epoch:]upstream[-revision].  Parsing works on spans of the
 * caller's string and never allocates, so comparing can't fail for lack of
 * memory and a hostile version costs time linear in its length. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "version-dpkg-internal.h"
#include "version.h"

/* dpkg's own ASCII-only ctype (no locale): only space and tab count as
 * blank, and only they are trimmed or rejected as "embedded spaces". */
static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* strtol(), which dpkg uses for the epoch, skips these before the number;
 * space and tab are gone already (trimmed, or "embedded spaces"). */
static bool is_strtol_space(char c) {
        return c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Result of parsing: 0 valid, 1 valid for dpkg but with a warning, or a
 * negative errno with err set. */
enum {
        PARSE_OK = 0,
        PARSE_WARNING = 1,
};

static int parse_fail(struct error *err, const char *v, const char *why) {
        char shown[VERSION_SHOWN_SIZE];

        if (!err)
                return -EINVAL;
        version_shown(v, shown);
        return error_set(err, EINVAL, "invalid Debian version '%s': %s", shown, why);
}

/* Parses an epoch the way strtol(…, 10) followed by dpkg's range checks
 * reads it: optional leading \n\v\f\r, an optional sign, at least one digit,
 * then exactly the colon.  "+1:" and "-0:" are accepted, as dpkg accepts
 * them; digit strings of any length are read without overflow. */
static int parse_epoch(const char *v, struct dpkg_span s, int *ret_epoch, struct error *err) {
        size_t i = 0, first, digits;
        bool negative = false;
        long long value = 0;

        while (i < s.n && is_strtol_space(s.p[i]))
                i++;
        if (i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
                negative = s.p[i++] == '-';
        first = i;
        while (i < s.n && is_digit(s.p[i]))
                i++;
        digits = i - first;
        if (digits == 0)
                return parse_fail(err, v, "epoch is empty (write 'EPOCH:VERSION' with a number, or drop the colon)");
        if (i != s.n)
                return parse_fail(err, v, "epoch is not a number");

        while (first < s.n && s.p[first] == '0')
                first++;
        if (s.n - first > 10)
                value = (long long) INT_MAX + 1;
        else
                for (size_t k = first; k < s.n; k++)
                        value = value * 10 + (s.p[k] - '0');
        if (negative && value != 0)
                return parse_fail(err, v, "epoch is negative");
        if (value > INT_MAX)
                return parse_fail(err, v, "epoch is too big (at most 2147483647)");

        *ret_epoch = (int) value;
        return 0;
}

static bool upstream_char_ok(char c) {
        return is_digit(c) || is_alpha(c) || (c && strchr(".-+~:", c));
}

static bool revision_char_ok(char c) {
        return is_digit(c) || is_alpha(c) || (c && strchr(".+~", c));
}

/* The checks dpkg only warns about (it still compares such versions);
 * deb-version(7) calls them invalid.  Order as in dpkg: first character,
 * then upstream characters, then revision characters. */
static int check_warnings(const char *v, const struct dpkg_version *dv, struct error *warn) {
        if (!is_digit(dv->upstream.p[0])) {
                (void) parse_fail(warn, v, "upstream version does not start with a digit");
                return PARSE_WARNING;
        }
        for (size_t i = 1; i < dv->upstream.n; i++)
                if (!upstream_char_ok(dv->upstream.p[i])) {
                        (void) parse_fail(warn, v, "invalid character in upstream version");
                        return PARSE_WARNING;
                }
        for (size_t i = 0; i < dv->revision.n; i++)
                if (!revision_char_ok(dv->revision.p[i])) {
                        (void) parse_fail(warn, v, "invalid character in revision");
                        return PARSE_WARNING;
                }
        return PARSE_OK;
}

/* Splits v into epoch, upstream and revision.  Hard errors are those that
 * make `dpkg --compare-versions` fail (exit 2); what dpkg merely warns about
 * gives PARSE_WARNING when warnings is true, with *ret filled and the warning
 * text in warn (which may be NULL). */
static int parse(const char *v, struct dpkg_version *ret, struct error *err, bool warnings, struct error *warn) {
        struct dpkg_version dv = {};
        struct dpkg_span s = { v, 0 };
        const char *colon, *hyphen;
        size_t end;
        int r;

        while (is_blank(*s.p))
                s.p++;
        if (*s.p == '\0')
                return parse_fail(err, v, "version is empty");
        while (s.p[s.n] && !is_blank(s.p[s.n]))
                s.n++;
        for (end = s.n; s.p[end]; end++)
                if (!is_blank(s.p[end]))
                        return parse_fail(err, v, "version contains spaces");

        /* The epoch ends at the first colon; later colons belong to upstream. */
        colon = memchr(s.p, ':', s.n);
        if (colon) {
                r = parse_epoch(v, (struct dpkg_span) { s.p, (size_t) (colon - s.p) }, &dv.epoch, err);
                if (r < 0)
                        return r;
                s.n -= (size_t) (colon + 1 - s.p);
                s.p = colon + 1;
                if (s.n == 0)
                        return parse_fail(err, v, "nothing after the epoch's colon");
        }

        /* The revision starts after the last hyphen; earlier ones belong to upstream. */
        dv.upstream = s;
        dv.revision = (struct dpkg_span) { s.p + s.n, 0 };     /* none: empty, never NULL */
        hyphen = memrchr(s.p, '-', s.n);
        if (hyphen) {
                dv.upstream.n = (size_t) (hyphen - s.p);
                dv.revision = (struct dpkg_span) { hyphen + 1, s.n - dv.upstream.n - 1 };
                if (dv.revision.n == 0)
                        return parse_fail(err, v, "revision after '-' is empty");
        }
        if (dv.upstream.n == 0)
                return parse_fail(err, v, "upstream version is empty");

        /* A comparison takes what dpkg only warns about as it is: no need to
         * look at every byte again. */
        r = warnings ? check_warnings(v, &dv, warn) : PARSE_OK;
        *ret = dv;
        return r;
}

/* The weight of a position in the non-digit phase (deb-version(7)): '~'
 * sorts before anything, even the end of the part; then the end (and a
 * digit, which ends the non-digit run); then letters; then everything else.
 * Non-letters weigh their byte plus 256.  dpkg takes the byte as a char,
 * which is signed on amd64, so a byte >= 0x80 ends up weighing its unsigned
 * value (128..255): after the letters, before ASCII punctuation.  Only
 * versions dpkg warns about contain such bytes. */
static int weight(const struct dpkg_span *s, size_t i) {
        unsigned char c;

        if (i >= s->n)
                return 0;
        c = (unsigned char) s->p[i];
        if (is_digit((char) c))
                return 0;
        if (is_alpha((char) c))
                return c;
        if (c == '~')
                return -1;
        if (c >= 0x80)
                return c;
        return c + 256;
}

static int sign(long long x) {
        return (x > 0) - (x < 0);
}

static bool at_digit(const struct dpkg_span *s, size_t i) {
        return i < s->n && is_digit(s->p[i]);
}

/* Numeric runs compare by value, of any length: skip leading zeros, then
 * the longer run is bigger, else the first differing digit decides. */
static int compare_number(const struct dpkg_span *a, size_t *ia, const struct dpkg_span *b, size_t *ib) {
        size_t la = 0, lb = 0;
        int r;

        while (*ia < a->n && a->p[*ia] == '0')
                (*ia)++;
        while (*ib < b->n && b->p[*ib] == '0')
                (*ib)++;
        while (at_digit(a, *ia + la))
                la++;
        while (at_digit(b, *ib + lb))
                lb++;
        if (la != lb)
                return la > lb ? 1 : -1;
        r = la > 0 ? memcmp(a->p + *ia, b->p + *ib, la) : 0;
        *ia += la;
        *ib += lb;
        return sign(r);
}

/* Compares upstream with upstream, or revision with revision: alternate
 * non-digit prefixes (by weight, position by position) and numeric runs. */
static int compare_part(const struct dpkg_span *a, const struct dpkg_span *b) {
        size_t ia = 0, ib = 0;
        int r;

        while (ia < a->n || ib < b->n) {
                while ((ia < a->n && !at_digit(a, ia)) || (ib < b->n && !at_digit(b, ib))) {
                        int wa = weight(a, ia), wb = weight(b, ib);

                        /* Equal weights here mean the same non-digit byte on
                         * both sides, so both cursors are inside their spans. */
                        if (wa != wb)
                                return sign(wa - wb);
                        ia++;
                        ib++;
                }
                r = compare_number(a, &ia, b, &ib);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int compare_parsed(const struct dpkg_version *a, const struct dpkg_version *b) {
        int r;

        if (a->epoch != b->epoch)
                return a->epoch > b->epoch ? 1 : -1;
        r = compare_part(&a->upstream, &b->upstream);
        if (r != 0)
                return r;
        return compare_part(&a->revision, &b->revision);
}

/* Returns 0 for a valid version, 1 for one that dpkg accepts with a warning
 * (upstream not starting with a digit, characters outside deb-version(7)'s
 * sets; err then holds the warning text), or -EINVAL with err set for one
 * that dpkg rejects.  Callers that test `r < 0` get dpkg's acceptance. */
int version_dpkg_parse(const char *v, struct dpkg_version *ret, struct error *err) {
        if (!v)
                return error_set(err, EINVAL, "invalid Debian version: missing");
        return parse(v, ret, err, true, err);
}

int version_dpkg_check(const char *v, struct error *err) {
        struct dpkg_version dv;

        return version_dpkg_parse(v, &dv, err);
}

int version_dpkg_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        struct dpkg_version va, vb;
        int r;

        if (!a || !b)
                return error_set(err, EINVAL, "invalid Debian version: missing");
        /* dpkg compares what it only warns about; so do we, silently. */
        r = parse(a, &va, err, false, NULL);
        if (r < 0)
                return r;
        r = parse(b, &vb, err, false, NULL);
        if (r < 0)
                return r;

        *ret_cmp = compare_parsed(&va, &vb);
        return 0;
}

/* ---- an order-preserving key ------------------------------------------------ */

/* The key's bytes.  A part (upstream or revision) is a sequence of pairs
 * (non-digit run, number) that compare_part() compares pair by pair; a part
 * that ran out reads as ("", 0) pairs from there on.  Each non-digit byte
 * becomes its rank below; the run's end (a digit or the part's end, weight
 * 0) is KEY_TERM; the number is its length (leading zeros dropped) then its
 * digits.  Every part has its first pair, even "" (which is ("", 0), as "0"
 * is); a later pair starts with a non-digit, and KEY_END, where the next
 * pair would start, ranks as the weight 0 that a part's end has there:
 * above '~', below every other non-digit.  With the pairs self-delimiting,
 * two keys that agree up to a byte are at the same place in both. */
enum {
        KEY_TILDE = 0x01,
        KEY_END = 0x02,
        KEY_TERM = 0x03,
        KEY_UPPER = 0x04,       /* 'A'..'Z' */
        KEY_LOWER = 0x1e,       /* 'a'..'z' */
        KEY_PLUS = 0x38,
        KEY_HYPHEN = 0x39,
        KEY_DOT = 0x3a,
        KEY_COLON = 0x3b,
        KEY_NUMBER = 0x20,      /* + a number's length in digits */
};

/* The longest number a key holds: its length byte stays below 0x80. */
#define KEY_NUMBER_DIGITS_MAX (0x7f - KEY_NUMBER)

struct key_out {
        char *p;
        size_t n, size;
};

static int key_put(struct key_out *o, const char *s, size_t n) {
        if (o->size - o->n <= n)        /* and the NUL */
                return -E2BIG;
        memcpy(o->p + o->n, s, n);
        o->n += n;
        return 0;
}

static int key_byte(struct key_out *o, char c) {
        return key_put(o, &c, 1);
}

/* The rank of a non-digit byte in the key, or -EINVAL for one outside
 * deb-version(7)'s characters (whose weights would need more than a byte). */
static int key_rank(char c) {
        if (c >= 'A' && c <= 'Z')
                return KEY_UPPER + (c - 'A');
        if (c >= 'a' && c <= 'z')
                return KEY_LOWER + (c - 'a');
        switch (c) {
        case '~':
                return KEY_TILDE;
        case '+':
                return KEY_PLUS;
        case '-':
                return KEY_HYPHEN;
        case '.':
                return KEY_DOT;
        case ':':
                return KEY_COLON;
        default:
                return -EINVAL;
        }
}

static int key_number(struct key_out *o, const char *digits, size_t n) {
        int r;

        while (n > 0 && *digits == '0')
                digits++, n--;
        if (n > KEY_NUMBER_DIGITS_MAX)
                return -E2BIG;
        if ((r = key_byte(o, (char) (KEY_NUMBER + n))) < 0)
                return r;
        return key_put(o, digits, n);
}

static int key_part(struct key_out *o, const struct dpkg_span *s) {
        size_t i = 0;
        int r;

        do {    /* the first pair even of an empty part: "" is "0" */
                size_t start;

                for (; i < s->n && !is_digit(s->p[i]); i++) {
                        int k = key_rank(s->p[i]);

                        if (k < 0)
                                return k;
                        if ((r = key_byte(o, (char) k)) < 0)
                                return r;
                }
                if ((r = key_byte(o, KEY_TERM)) < 0)
                        return r;
                for (start = i; i < s->n && is_digit(s->p[i]); i++)
                        ;
                if ((r = key_number(o, s->p + start, i - start)) < 0)
                        return r;
        } while (i < s->n);
        return key_byte(o, KEY_END);
}

int version_dpkg_key(const char *v, char *buf, size_t size) {
        struct key_out o = { buf, 0, size };
        struct dpkg_version dv;
        char epoch[16];
        int r;

        if (!v || size == 0 || parse(v, &dv, NULL, false, NULL) < 0)
                return -EINVAL;
        r = snprintf(epoch, sizeof(epoch), "%d", dv.epoch);
        if ((r = key_number(&o, epoch, (size_t) r)) < 0 || (r = key_part(&o, &dv.upstream)) < 0 ||
            (r = key_part(&o, &dv.revision)) < 0)
                return r;
        buf[o.n] = '\0';
        return (int) o.n;
}
