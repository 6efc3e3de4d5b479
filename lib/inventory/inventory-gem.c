/* SPDX-License-Identifier: Apache-2.0 */
/* RubyGems as installed: every specifications/NAME-VERSION.gemspec (and
 * specifications/default/NAME-VERSION.gemspec, Ruby's default gems) under any gem home
 * (/usr/lib/ruby/gems/X, /usr/local/lib/ruby/gems/X,
 * /usr/share/rubygems-integration/X, a bundler vendor/bundle/ruby/X).
 *
 * A gemspec is Ruby code and is never evaluated.  RubyGems writes the
 * installed ones itself (Gem::Specification#to_ruby): a "# stub: NAME
 * VERSION PLATFORM ..." line, then
 *     Gem::Specification.new do |s|
 *       s.name = "rake".freeze
 *       s.version = "13.0.6"
 * (RubyGems 1.x: s.name = %q{rake}).  We read exactly those assignments,
 * whose right side must be one string literal without escapes or
 * interpolation; anything else (s.version = Foo::VERSION, a second
 * assignment, a stub line that disagrees) is a warning naming the file, not
 * a guess.  Only the head is read: to_ruby writes name and version first. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "base/strutil.h"
#include "inventory.h"

#define GEMSPEC_HEAD_MAX ((size_t) 64 * 1024)
#define GEM_FIELD_MAX 256
#define GEM_VAR_MAX 32

struct line {
        const char *s;
        size_t n;
};

/* The next line of [*p, end), without its "\n" or "\r\n"; false at the end. */
static bool next_line(const char **p, const char *end, struct line *ret) {
        const char *nl;
        size_t n;

        if (*p >= end)
                return false;
        nl = memchr(*p, '\n', (size_t) (end - *p));
        n = (size_t) ((nl ? nl : end) - *p);
        *ret = (struct line) { *p, n > 0 && (*p)[n - 1] == '\r' ? n - 1 : n };
        *p = nl ? nl + 1 : end;
        return true;
}

static void skip_blanks(struct line *l) {
        while (l->n > 0 && (*l->s == ' ' || *l->s == '\t')) {
                l->s++;
                l->n--;
        }
}

static bool eat(struct line *l, const char *word) {
        size_t k = strlen(word);

        if (l->n < k || memcmp(l->s, word, k) != 0)
                return false;
        l->s += k;
        l->n -= k;
        return true;
}

/* "Gem::Specification.new do |s|" (or "{ |s|"): the block variable. */
static bool spec_block(struct line l, struct line *ret_var) {
        size_t k = 0;

        skip_blanks(&l);
        if (!eat(&l, "Gem::Specification.new"))
                return false;
        skip_blanks(&l);
        if (!eat(&l, "do") && !eat(&l, "{"))
                return false;
        skip_blanks(&l);
        if (!eat(&l, "|"))
                return false;
        while (k < l.n && k <= GEM_VAR_MAX && (isalnum_ascii(l.s[k]) || l.s[k] == '_'))
                k++;
        if (k == 0 || k > GEM_VAR_MAX || k >= l.n || l.s[k] != '|' || (l.s[0] >= '0' && l.s[0] <= '9'))
                return false;
        *ret_var = (struct line) { l.s, k };
        return true;
}

/* One Ruby string literal without escapes or interpolation: "x", 'x' or
 * %q{x}, an optional .freeze, then nothing but blanks. */
static bool string_literal(struct line l, struct line *ret) {
        const char *close;
        char end;

        if (eat(&l, "%q{"))
                end = '}';
        else if (l.n > 0 && (*l.s == '"' || *l.s == '\'')) {
                end = *l.s;
                l.s++;
                l.n--;
        } else
                return false;
        close = memchr(l.s, end, l.n);
        if (!close || memchr(l.s, '\\', (size_t) (close - l.s)) ||
            (end == '"' && memchr(l.s, '#', (size_t) (close - l.s))))  /* "#{...}" interpolates */
                return false;
        *ret = (struct line) { l.s, (size_t) (close - l.s) };
        l.n -= (size_t) (close + 1 - l.s);
        l.s = close + 1;
        (void) eat(&l, ".freeze");
        skip_blanks(&l);
        return l.n == 0;
}

enum { FIELD_NAME, FIELD_VERSION, _FIELD_MAX };
static const char *const field_names[_FIELD_MAX] = { "name", "version" };

struct found {
        struct line value[_FIELD_MAX];
        const char *problem;    /* set: the file is not one we read */
        const char *problem_field;
};

/* "s.name = ..." or "s.version = ...": records the literal, or the problem. */
static void assignment(struct line l, struct line var, struct found *f) {
        skip_blanks(&l);
        if (l.n <= var.n || memcmp(l.s, var.s, var.n) != 0 || l.s[var.n] != '.')
                return;
        l.s += var.n + 1;
        l.n -= var.n + 1;
        for (size_t i = 0; i < _FIELD_MAX; i++) {
                struct line v;

                if (!eat(&l, field_names[i]) || (l.n > 0 && (isalnum_ascii(*l.s) || *l.s == '_')))
                        continue;       /* s.names: another attribute */
                skip_blanks(&l);
                if (!eat(&l, "=") || (l.n > 0 && (*l.s == '=' || *l.s == '~'))) {
                        /* s.name += "x", s.name << "x", s.name.replace(...) */
                        f->problem = "is used other than by one assignment";
                        f->problem_field = field_names[i];
                        return;
                }
                skip_blanks(&l);
                if (f->value[i].s) {
                        f->problem = "is assigned more than once";
                        f->problem_field = field_names[i];
                } else if (!string_literal(l, &v)) {
                        f->problem = "is not a plain string literal";
                        f->problem_field = field_names[i];
                } else
                        f->value[i] = v;
                return;
        }
}

/* "# stub: NAME VERSION ...": RubyGems lists gems by this line (its
 * StubSpecification), so one that disagrees with the spec is refused. */
static bool stub_disagrees(struct line stub, const struct found *f) {
        struct line name = f->value[FIELD_NAME], version = f->value[FIELD_VERSION];

        if (!eat(&stub, "# stub: "))
                return false;
        return stub.n < name.n + 1 + version.n || memcmp(stub.s, name.s, name.n) != 0 || stub.s[name.n] != ' ' ||
               memcmp(stub.s + name.n + 1, version.s, version.n) != 0 ||
               (stub.n > name.n + 1 + version.n && stub.s[name.n + 1 + version.n] != ' ');
}

/* Gem names: Gem::Specification's VALID_NAME_PATTERN, /\A[a-zA-Z0-9\.\-\_]+\z/. */
static bool name_valid(struct line s) {
        if (!inventory_field_printable(s.s, s.n, GEM_FIELD_MAX))
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (!isalnum_ascii(s.s[i]) && !strchr("._-", s.s[i]))
                        return false;
        return true;
}

static void scan(const char *buf, size_t len, struct found *f, struct line *ret_stub, bool *ret_block) {
        const char *p = buf, *end = buf + len;
        struct line l, var = {};

        *ret_stub = (struct line) {};
        *ret_block = false;
        while (!f->problem && next_line(&p, end, &l)) {
                if (!*ret_block && !ret_stub->s && l.n > 8 && memcmp(l.s, "# stub: ", 8) == 0)
                        *ret_stub = l;
                else if (!*ret_block)
                        *ret_block = spec_block(l, &var);
                else
                        assignment(l, var, f);
        }
}

int gemspec_parse(const char *buf, size_t len, const char *origin, struct inventory *inv) {
        char name[GEM_FIELD_MAX + 1], version[GEM_FIELD_MAX + 1];
        struct found f = {};
        struct line stub, n, v;
        bool block;

        scan(buf, len, &f, &stub, &block);
        n = f.value[FIELD_NAME];
        v = f.value[FIELD_VERSION];
        if (!block)
                return inventory_not_read(inv, "%s: no 'Gem::Specification.new do |s|' block; not read", origin);
        if (f.problem)
                return inventory_not_read(inv, "%s: field %s %s; not read (a gemspec is never evaluated)", origin,
                                          f.problem_field, f.problem);
        if (!n.s || !v.s)
                return inventory_not_read(inv, "%s: no %s assigned; not read", origin, n.s ? "version" : "name");
        if (!name_valid(n))
                return inventory_not_read(inv, "%s: an invalid gem name in field name; skipped", origin);
        if (!inventory_field_printable(v.s, v.n, GEM_FIELD_MAX))
                return inventory_not_read(inv, "%s: an invalid value in field version; skipped", origin);
        if (stub.s && stub_disagrees(stub, &f))
                return inventory_not_read(inv, "%s: the '# stub:' line names another gem or version than the spec; "
                                          "skipped", origin);
        memcpy(name, n.s, n.n);
        name[n.n] = '\0';
        memcpy(version, v.s, v.n);
        version[v.n] = '\0';
        return inventory_add_lang(inv, origin, "RubyGems", name, version, "gem", NULL, NULL);
}

/* specifications/ of a gem home, or its default/ (Ruby's default gems). */
static bool specifications_folder(const char *dir) {
        const char *last = strrchr(dir, '/');
        const char *base = last ? last + 1 : dir;

        if (streq_ptr(base, "specifications"))
                return true;
        return streq_ptr(base, "default") && last && last - dir >= 14 &&
               memcmp(last - 14, "specifications", 14) == 0 && (last - dir == 14 || last[-15] == '/');
}

/* A gem Bundler installed from git: the checkout <gem home>/bundler/gems/
 * <repository>-<revision>, where RubyGems writes no installed spec and
 * Bundler loads the repository's own gemspecs, at its top or one folder
 * below (Bundler's Source::Path DEFAULT_GLOB). */
static bool bundler_git_folder(const char *dir) {
        const char *p = dir, *rest = NULL;

        while ((p = strstr(p, "bundler/gems/"))) {
                if (p == dir || p[-1] == '/')
                        rest = p + strlen("bundler/gems/");
                p++;
        }
        if (!rest || !*rest || *rest == '/')
                return false;
        p = strchr(rest, '/');
        return !p || (p[1] && !strchr(p + 1, '/'));
}

static int visit(struct inventory *inv, const struct inventory_walk_entry *e, struct error *err) {
        /* A repository's gemspec is read by the same rules as an installed
         * one: a version that is not one string literal (Foo::VERSION, as
         * most repositories write it) is said as not read, never guessed. */
        if (e->type != DT_REG || !endswith(e->name, ".gemspec") ||
            !(specifications_folder(e->dir) || bundler_git_folder(e->dir)))
                return 0;
        return inventory_walk_parse(inv, e, NULL, e->name, GEMSPEC_HEAD_MAX, true, gemspec_parse, err);
}

const struct inventory_reader inventory_reader_gem = {
        .name = "gem",
        .what = "RubyGems specifications",
        .visit = visit,
};
