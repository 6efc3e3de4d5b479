/* SPDX-License-Identifier: Apache-2.0 */
/* Maven version ordering: what org.apache.maven.artifact.versioning.
 * ComparableVersion of Maven 3.8.7 (Debian 12's maven-artifact jar) says,
 * written from its documented rules and checked against that jar
 * (tests/maven-differential.sh), not from its code.
 *
 * A version is lower-cased and read into items: numbers, strings
 * (qualifiers) and lists.  '.' separates items, '-' and every switch
 * between digits and letters start a new sub-list that holds the rest of
 * the version; a qualifier after '.' that is followed by a digit, or that
 * ends the version, also starts one (".X" reads as "-X", MNG-7644).  So a
 * version is a chain: list 0 holds some items and then list 1, which holds
 * some items and then list 2, ...  Each list drops its trailing "null"
 * items (0, "", ga/final/release, an empty list), innermost first; a
 * non-empty sub-list is skipped over, so "1.0-x" is "1-x".
 *
 * Order of two items: number > list > string; numbers by value, except
 * that a number of 10-18 digits (leading zeros stripped, an all-zero run
 * keeps its length) is above every shorter one and one of 19 or more above
 * every number of 18 or fewer (Maven's int/long/BigInteger items); strings
 * by qualifier: alpha < beta < milestone < rc = cr < snapshot <
 * "" = ga = final = release < sp < any other, those by their text; "a",
 * "b" and "m" followed by a digit are alpha, beta and milestone.  A missing
 * item compares as null: a number is above it unless 0, a qualifier by its
 * rank against "", a list by its first item that differs from null.
 *
 * ComparableVersion takes any Java string; we take printable ASCII only
 * (its Unicode digits and case mapping are not ours to guess). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "version-number.h"
#include "version.h"

enum item_type {
        ITEM_NUMBER,
        ITEM_STRING,
        ITEM_LIST,              /* the sub-list that ends the current list */
        _ITEM_TYPE_MAX,
        _ITEM_TYPE_INVALID = -EINVAL,
};

/* Qualifier ranks; an unknown qualifier ranks Q_OTHER and then by text. */
enum qualifier {
        Q_ALPHA,
        Q_BETA,
        Q_MILESTONE,
        Q_RC,
        Q_SNAPSHOT,
        Q_RELEASE,              /* "" */
        Q_SP,
        Q_OTHER,
        _Q_MAX,
        _Q_INVALID = -EINVAL,
};

static const struct {
        const char *name;
        enum qualifier q;
} qualifier_names[] = {
        { "alpha", Q_ALPHA },     { "beta", Q_BETA },   { "milestone", Q_MILESTONE },
        { "rc", Q_RC },           { "cr", Q_RC },       { "snapshot", Q_SNAPSHOT },
        { "", Q_RELEASE },        { "ga", Q_RELEASE },  { "final", Q_RELEASE },
        { "release", Q_RELEASE }, { "sp", Q_SP },
};

/* Maven's number items: int up to 9 digits, long up to 18, BigInteger. */
#define MAVEN_INT_DIGITS 9
#define MAVEN_LONG_DIGITS 18

struct item {
        enum item_type type;
        const char *p;          /* number: digits (leading zeros stripped); string: lower-cased text */
        size_t n;
        int width;              /* number: 0 int, 1 long, 2 BigInteger */
        bool zero;              /* number: all zeros */
        enum qualifier q;       /* string */
        bool removed;           /* dropped by normalisation */
};

struct mversion {
        char *text;             /* lower-cased copy the items point into */
        struct item *items;     /* in order; ITEM_LIST marks where a sub-list starts */
        size_t n;
        size_t current;         /* items in the list being filled */
};

static void mversion_done(struct mversion *v) {
        free(v->text);
        free(v->items);
}

static void add(struct mversion *v, struct item it) {
        v->items[v->n++] = it;
        v->current++;
}

static void open_list(struct mversion *v) {
        add(v, (struct item) { .type = ITEM_LIST });
        v->current = 0;
}

static struct item number_item(const char *p, size_t n) {
        struct item it = { .type = ITEM_NUMBER, .p = p, .n = n };
        size_t z = 0;

        while (z < n && p[z] == '0')
                z++;
        it.zero = z == n;
        if (!it.zero) {         /* Maven strips leading zeros, but not from "000" */
                it.p += z;
                it.n -= z;
        }
        it.width = it.n <= MAVEN_INT_DIGITS ? 0 : it.n <= MAVEN_LONG_DIGITS ? 1 : 2;
        return it;
}

static struct item string_item(const char *p, size_t n, bool followed_by_digit) {
        static const char *const shortcuts[][2] = { { "a", "alpha" }, { "b", "beta" }, { "m", "milestone" } };
        struct item it = { .type = ITEM_STRING, .p = p, .n = n, .q = Q_OTHER };

        if (followed_by_digit && n == 1)
                for (size_t i = 0; i < ELEMENTSOF(shortcuts); i++)
                        if (p[0] == shortcuts[i][0][0]) {
                                it.p = shortcuts[i][1];
                                it.n = strlen(it.p);
                        }
        for (size_t i = 0; i < ELEMENTSOF(qualifier_names); i++)
                if (strlen(qualifier_names[i].name) == it.n && memcmp(qualifier_names[i].name, it.p, it.n) == 0)
                        it.q = qualifier_names[i].q;
        return it;
}

static struct item zero_item(void) {
        return number_item("0", 1);
}

static struct item parse_item(bool digits, const char *p, size_t n) {
        return digits ? number_item(p, n) : string_item(p, n, false);
}

static bool item_is_null(const struct item *it) {
        return (it->type == ITEM_NUMBER && it->zero) || (it->type == ITEM_STRING && it->q == Q_RELEASE);
}

static int check(const char *s, size_t *ret_len, struct error *err) {
        char shown[VERSION_SHOWN_SIZE];
        size_t n = strlen(s);

        version_shown(s, shown);
        if (n == 0)
                return error_set(err, EINVAL, "empty Maven version");
        if (n > VERSION_LANG_MAX)
                return error_set(err, EINVAL, "Maven version '%s' is longer than %d bytes", shown, VERSION_LANG_MAX);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
                        return error_set(err, EINVAL,
                                         "Maven version '%s' holds a blank, control or non-ASCII byte at offset %zu",
                                         shown, i);
        *ret_len = n;
        return 0;
}

/* Reads the items, as ComparableVersion's parser splits them. */
static void split(struct mversion *v, size_t len) {
        const char *s = v->text;
        size_t start = 0;
        bool digit = false;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '.' || c == '-') {
                        add(v, i == start ? zero_item() : parse_item(digit, s + start, i - start));
                        start = i + 1;
                        if (c == '-')
                                open_list(v);
                } else if (version_is_digit(c)) {
                        if (!digit && i > start) {
                                if (v->current > 0)     /* ".X1" reads as "-X1" */
                                        open_list(v);
                                add(v, string_item(s + start, i - start, true));
                                start = i;
                                open_list(v);
                        }
                        digit = true;
                } else {
                        if (digit && i > start) {
                                add(v, number_item(s + start, i - start));
                                start = i;
                                open_list(v);
                        }
                        digit = false;
                }
        }
        if (len > start) {
                if (!digit && v->current > 0)   /* a trailing ".X" reads as "-X" */
                        open_list(v);
                add(v, parse_item(digit, s + start, len - start));
        }
}

/* Drops trailing null items of every list, innermost first; an empty list
 * is itself null in its parent, a non-empty one is stepped over. */
static void normalize(struct mversion *v) {
        bool sublist_kept = false;
        size_t end = v->n;

        while (end > 0) {
                size_t mark = end, i;

                while (mark > 0 && v->items[mark - 1].type != ITEM_LIST)
                        mark--;
                for (i = end; i > mark && item_is_null(&v->items[i - 1]); i--)
                        v->items[i - 1].removed = true;
                if (i == mark && !sublist_kept) {
                        if (mark > 0)
                                v->items[mark - 1].removed = true;      /* the empty list itself */
                } else
                        sublist_kept = true;
                end = mark > 0 ? mark - 1 : 0;
        }
}

static int mversion_parse(const char *s, struct mversion *ret, struct error *err) {
        struct mversion v = {};
        size_t len, n = 0;
        int r;

        r = check(s, &len, err);
        if (r < 0)
                return r;
        v.text = strdup(s);
        /* at most one item per byte, one list per byte, and a last item */
        v.items = calloc(2 * len + 2, sizeof(struct item));
        if (!v.text || !v.items) {
                mversion_done(&v);
                return error_set(err, ENOMEM, "out of memory parsing a Maven version");
        }
        for (size_t i = 0; i < len; i++)
                v.text[i] = version_lower(v.text[i]);
        split(&v, len);
        normalize(&v);
        for (size_t i = 0; i < v.n; i++)
                if (!v.items[i].removed)
                        v.items[n++] = v.items[i];
        v.n = n;
        *ret = v;
        return 0;
}

static int qualifier_compare(const struct item *a, const struct item *b) {
        if (a->q != b->q)
                return a->q < b->q ? -1 : 1;
        if (a->q != Q_OTHER)
                return 0;
        return version_bytes_compare(a->p, a->n, b->p, b->n);
}

/* An item against a missing one (Java's compareTo(null)). */
static int scalar_vs_null(const struct item *it) {
        if (it->type == ITEM_NUMBER)
                return it->zero ? 0 : 1;
        return it->q < Q_RELEASE ? -1 : it->q > Q_RELEASE ? 1 : 0;
}

/* The list whose items start at index i against null: its first item
 * (nested lists included) that is not equal to null decides (MNG-6964). */
static int list_vs_null(const struct mversion *v, size_t i) {
        for (; i < v->n; i++)
                if (v->items[i].type != ITEM_LIST) {
                        int r = scalar_vs_null(&v->items[i]);

                        if (r != 0)
                                return r;
                }
        return 0;
}

static int item_vs_null(const struct mversion *v, size_t i) {
        return v->items[i].type == ITEM_LIST ? list_vs_null(v, i + 1) : scalar_vs_null(&v->items[i]);
}

/* Rank of a type against another: number > list > string. */
static int type_rank(enum item_type t) {
        return t == ITEM_NUMBER ? 2 : t == ITEM_LIST ? 1 : 0;
}

static int scalar_compare(const struct item *a, const struct item *b) {
        if (a->type == ITEM_STRING)
                return qualifier_compare(a, b);
        if (a->width != b->width)
                return a->width < b->width ? -1 : 1;
        if (a->zero || b->zero)
                return (int) !a->zero - (int) !b->zero;
        return version_number_compare_n(a->p, a->n, b->p, b->n);
}

/* Walks both chains.  A sub-list is the last item of its list, so meeting
 * two sub-lists means comparing their contents: the walk just goes on. */
static int mversion_compare(const struct mversion *a, const struct mversion *b) {
        size_t i = 0, j = 0;

        for (;;) {
                const struct item *x = i < a->n ? &a->items[i] : NULL, *y = j < b->n ? &b->items[j] : NULL;
                int r;

                if (!x && !y)
                        return 0;
                if (!x || !y) {
                        r = x ? item_vs_null(a, i) : -item_vs_null(b, j);
                        if (r != 0 || (x ? x->type : y->type) == ITEM_LIST)
                                return r;
                        x ? i++ : j++;
                        continue;
                }
                if (x->type != y->type)
                        return type_rank(x->type) < type_rank(y->type) ? -1 : 1;
                if (x->type != ITEM_LIST) {
                        r = scalar_compare(x, y);
                        if (r != 0)
                                return r;
                }
                i++;
                j++;
        }
}

int version_maven_compare(const char *a, const char *b, int *ret_cmp, struct error *err) {
        _cleanup_(mversion_done) struct mversion x = {}, y = {};
        int r;

        r = mversion_parse(a, &x, err);
        if (r < 0)
                return r;
        r = mversion_parse(b, &y, err);
        if (r < 0)
                return r;
        *ret_cmp = mversion_compare(&x, &y);
        return 0;
}
