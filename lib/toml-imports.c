/* SPDX-License-Identifier: Apache-2.0 */
/* The structure checked is TOML v1.0.0's (toml.io): key/value pairs,
 * [table] and [[array]] headers, bare, quoted and dotted keys, the four
 * string kinds, arrays, inline tables, and scalars (numbers, booleans,
 * dates without a space separator).  Anything else is refused: this reads
 * a file that may not be ours, and writes it back to a daemon's config. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"
#include "toml-imports.h"

/* Arrays and inline tables nest at most this deep; imports lists at most
 * this many entries. */
#define TOML_DEPTH_MAX 32
#define TOML_IMPORTS_MAX 256
/* The comment on an imports line the editor adds, which tells an admin
 * where it came from and lets remove take the whole line out again. */
#define ADDED_COMMENT " # added by portcullis install"
/* The line before the block toml_runtime_edit() appends. */
#define TOML_RUNTIME_MARKER "# added by portcullis install"
/* runc's runtime_type in containerd's default CRI config. */
#define TOML_RUNC_TYPE "io.containerd.runc.v2"

struct span {
        size_t start, end;
};

/* Blocks and lines of ours toml_runtime_edit() finds, at most. */
#define RUNTIME_OURS_MAX 16

/* toml_runtime_edit()'s paths (components joined by '\n'), texts and findings. */
struct runtime_scan {
        const char *table, *containerd, *default_key;   /* the runtime's table, the CRI's containerd table, its default */
        const char *runc;               /* runc's table, which containerd's default loses when another is defined */
        char *block[4];                 /* what add appends: [1] the containerd table too, [2] runc's, [3] both */
        const char *default_line;       /* what add puts into a containerd table, after its indent */
        const char *default_value;      /* the runtime's name as a TOML string */
        struct span val;                /* the current pair's value */
        size_t ignore_until;            /* the end of a block of ours */
        struct span ours[RUNTIME_OURS_MAX];
        size_t n_ours;
        unsigned conflict_line, c_conflict_line, default_line_no;
        bool conflict_defines;          /* the runtime's table itself, not a way to it */
        bool have_c_header, default_ours_value, have_runc;
        size_t c_insert;                /* after the containerd table's header line */
        struct span c_indent;
};

struct scan {
        const char *buf, *what;
        size_t len, pos, line_start;
        unsigned line;
        struct error *err;
        bool in_top;            /* before the first table header */
        struct strbuf table;    /* the current table's key path, components joined by '\n' */
        /* top-level version and imports statements */
        bool have_version;
        struct span version_val;
        size_t version_end;     /* after its line's newline (or at the end of the file) */
        bool have_imports;
        unsigned imports_line;
        struct span imports_stmt;       /* its first byte to after its newline */
        struct span imports_val;
        /* toml_configures_plugin()'s question and answer */
        const char *plugin_path;
        unsigned plugin_line;
        /* toml_runtime_edit()'s */
        struct runtime_scan *rs;
};

static void scan_done(struct scan *s) {
        strbuf_done(&s->table);
}

/* A byte for a message: itself when printable ASCII, else \xNN. */
static const char *shown(char c, char buf[static 8]) {
        if ((unsigned char) c >= 0x20 && (unsigned char) c < 0x7f)
                snprintf(buf, 8, "%c", c);
        else
                snprintf(buf, 8, "\\x%02x", (unsigned char) c);
        return buf;
}

_printf_(2, 3) static int fail(struct scan *s, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return error_set(s->err, EINVAL, "%s: line %u: %s", s->what, s->line, msg);
}

static char peek(const struct scan *s, size_t off) {
        return s->pos + off < s->len ? s->buf[s->pos + off] : '\0';
}

static bool is_control(char c) {
        return ((unsigned char) c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(struct scan *s) {
        while (s->pos < s->len && (s->buf[s->pos] == ' ' || s->buf[s->pos] == '\t'))
                s->pos++;
}

/* A newline ("\n" or "\r\n") at pos: consumes it and returns true. */
static bool eat_newline(struct scan *s) {
        size_t n = peek(s, 0) == '\n' ? 1 : peek(s, 0) == '\r' && peek(s, 1) == '\n' ? 2 : 0;

        if (n == 0)
                return false;
        s->pos += n;
        s->line++;
        s->line_start = s->pos;
        return true;
}

static int skip_comment(struct scan *s) {
        if (peek(s, 0) != '#')
                return 0;
        for (; s->pos < s->len && s->buf[s->pos] != '\n' && s->buf[s->pos] != '\r'; s->pos++)
                if (is_control(s->buf[s->pos]))
                        return fail(s, "a control character in a comment");
        return 0;
}

/* Whitespace, then an optional comment, then the end of the line or file. */
static int end_of_line(struct scan *s) {
        char b[8];
        int r;

        skip_ws(s);
        if ((r = skip_comment(s)) < 0)
                return r;
        if (s->pos < s->len && !eat_newline(s))
                return fail(s, "unexpected '%s' after the value; is this TOML?", shown(s->buf[s->pos], b));
        return 0;
}

/* Inside arrays: whitespace, newlines and comments. */
static int skip_blank(struct scan *s) {
        for (;;) {
                int r;

                skip_ws(s);
                if ((r = skip_comment(s)) < 0)
                        return r;
                if (!eat_newline(s))
                        return 0;
        }
}

/* A one-line string at pos ('"' basic or '\'' literal); appends its raw
 * characters to out (may be NULL); sets *ret_escaped when a basic string
 * holds a backslash escape (whose value this does not decode). */
static int single_line_string(struct scan *s, struct strbuf *out, bool *ret_escaped) {
        char q = s->buf[s->pos++];
        bool escaped = false;

        for (; s->pos < s->len; s->pos++) {
                char c = s->buf[s->pos];

                if (c == q) {
                        s->pos++;
                        if (ret_escaped)
                                *ret_escaped = escaped;
                        return 0;
                }
                if (is_control(c))
                        break;
                if (c == '\\' && q == '"') {
                        escaped = true;
                        if (s->pos + 1 >= s->len || is_control(s->buf[s->pos + 1]))
                                break;
                        s->pos++;
                        continue;
                }
                if (out && strbuf_append(out, &c, 1) < 0)
                        return fail(s, "out of memory");
        }
        return fail(s, "a string that does not end on its line");
}

/* A multi-line string at pos (three quotes of q). */
static int multi_line_string(struct scan *s) {
        char q = s->buf[s->pos];

        s->pos += 3;
        while (s->pos < s->len) {
                char c = s->buf[s->pos];

                if (c == q && peek(s, 1) == q && peek(s, 2) == q) {
                        s->pos += 3;
                        /* up to two more quotes belong to the string ("""a"""""). */
                        for (int i = 0; i < 2 && peek(s, 0) == q; i++)
                                s->pos++;
                        return 0;
                }
                if (eat_newline(s))
                        continue;
                if (is_control(c))
                        return fail(s, "a control character in a multi-line string");
                s->pos += c == '\\' && q == '"' && peek(s, 1) != '\n' && peek(s, 1) != '\r' ? 2 : 1;
        }
        return fail(s, "a multi-line string that does not end");
}

static bool is_bare_key_char(char c) {
        return isalnum_ascii(c) || c == '_' || c == '-';
}

/* A key (bare, quoted or dotted); appends its components to path (empty),
 * joined by '\n'. */
static int parse_key(struct scan *s, struct strbuf *path) {
        char b[8];

        /* an empty quoted key ("") is a key too: path is never NULL after */
        if (strbuf_append(path, "", 0) < 0)
                return fail(s, "out of memory");
        for (bool first = true;; first = false) {
                bool escaped = false;
                int r;

                skip_ws(s);
                if (!first && strbuf_append(path, "\n", 1) < 0)
                        return fail(s, "out of memory");
                if (peek(s, 0) == '"' || peek(s, 0) == '\'') {
                        if ((r = single_line_string(s, path, &escaped)) < 0)
                                return r;
                        if (escaped)
                                return fail(s, "a quoted key with escapes, which this editor does not decode");
                } else {
                        size_t start = s->pos;

                        while (s->pos < s->len && is_bare_key_char(s->buf[s->pos]))
                                s->pos++;
                        if (s->pos == start)
                                return s->pos < s->len ? fail(s, "unexpected '%s' where a key should be", shown(s->buf[s->pos], b))
                                                       : fail(s, "a key is missing at the end of the file");
                        if (strbuf_append(path, s->buf + start, s->pos - start) < 0)
                                return fail(s, "out of memory");
                }
                skip_ws(s);
                if (peek(s, 0) != '.')
                        return 0;
                s->pos++;
        }
}

static int parse_value(struct scan *s, unsigned depth);

static int parse_array(struct scan *s, unsigned depth) {
        int r;

        s->pos++;
        for (;;) {
                if ((r = skip_blank(s)) < 0)
                        return r;
                if (peek(s, 0) == ']') {
                        s->pos++;
                        return 0;
                }
                if ((r = parse_value(s, depth + 1)) < 0 || (r = skip_blank(s)) < 0)
                        return r;
                if (peek(s, 0) == ',')
                        s->pos++;
                else if (peek(s, 0) != ']')
                        return fail(s, "an array whose items are not separated by ','");
        }
}

static int parse_inline_table(struct scan *s, unsigned depth) {
        _cleanup_(strbuf_done) struct strbuf key = {};
        int r;

        s->pos++;
        skip_ws(s);
        if (peek(s, 0) == '}') {
                s->pos++;
                return 0;
        }
        for (;;) {
                key.len = 0;
                if ((r = parse_key(s, &key)) < 0)
                        return r;
                if (peek(s, 0) != '=')
                        return fail(s, "no '=' after a key in an inline table");
                s->pos++;
                skip_ws(s);
                if ((r = parse_value(s, depth + 1)) < 0)
                        return r;
                skip_ws(s);
                if (peek(s, 0) == '}') {
                        s->pos++;
                        return 0;
                }
                if (peek(s, 0) != ',')
                        return fail(s, "an inline table whose pairs are not separated by ','");
                s->pos++;
        }
}

/* Numbers, booleans, dates: a run of these characters. */
static bool is_scalar_char(char c) {
        return isalnum_ascii(c) || c == '_' || c == '+' || c == '-' || c == '.' || c == ':';
}

static int parse_value(struct scan *s, unsigned depth) {
        char b[8];
        char c = peek(s, 0);
        size_t start = s->pos;

        if (depth > TOML_DEPTH_MAX)
                return fail(s, "arrays or tables nested deeper than %d", TOML_DEPTH_MAX);
        if ((c == '"' || c == '\'') && peek(s, 1) == c && peek(s, 2) == c)
                return multi_line_string(s);
        if (c == '"' || c == '\'')
                return single_line_string(s, NULL, NULL);
        if (c == '[')
                return parse_array(s, depth);
        if (c == '{')
                return parse_inline_table(s, depth);
        while (s->pos < s->len && is_scalar_char(s->buf[s->pos]))
                s->pos++;
        if (s->pos == start)
                return s->pos < s->len ? fail(s, "unexpected '%s' where a value should be", shown(c, b))
                                       : fail(s, "a value is missing at the end of the file");
        return 0;
}

/* Whether a (components joined by '\n') starts with b's components. */
static bool path_has_prefix(const char *a, const char *b) {
        size_t n = strlen(b);

        return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '\n');
}

/* A statement whose full path is inside the plugin's table, or a prefix of
 * it (`plugins = {...}` may hold it). */
static void check_plugin(struct scan *s, const char *full, bool header, unsigned line) {
        if (!s->plugin_path || s->plugin_line)
                return;
        if (path_has_prefix(full, s->plugin_path) || (!header && path_has_prefix(s->plugin_path, full)))
                s->plugin_line = line;
}

static void add_ours(struct runtime_scan *rs, struct span sp) {
        if (rs->n_ours < RUNTIME_OURS_MAX)
                rs->ours[rs->n_ours++] = sp;
}

/* A comment at the start of a line: the first line of a block add
 * appended, when the text from there is that block and what follows it up
 * to the next table header (or the end) is blank lines and comments.  Its
 * statements are then not the file's own (and remove deletes it, with the
 * blank line add put before it). */
static void check_marker(struct scan *s) {
        struct runtime_scan *rs = s->rs;

        if (!rs || s->pos != s->line_start)
                return;
        for (size_t i = 0; i < ELEMENTSOF(rs->block); i++) {
                size_t n = strlen(rs->block[i]), p = s->pos + n, start = s->pos;

                if (s->len - s->pos < n || memcmp(s->buf + s->pos, rs->block[i], n) != 0)
                        continue;
                for (;;) {
                        while (p < s->len && (s->buf[p] == ' ' || s->buf[p] == '\t'))
                                p++;
                        if (p < s->len && s->buf[p] == '#')
                                while (p < s->len && s->buf[p] != '\n')
                                        p++;
                        if (p < s->len && s->buf[p] == '\r')
                                p++;
                        if (p >= s->len || s->buf[p] != '\n')
                                break;
                        p++;
                }
                if (p < s->len && s->buf[p] != '[')
                        return;
                if (start >= 2 && s->buf[start - 1] == '\n' && s->buf[start - 2] == '\n')
                        start--;
                add_ours(rs, (struct span) { start, s->pos + n });
                rs->ignore_until = s->pos + n;
                return;
        }
}

/* A statement (a table header, or a pair: key set) against the runtime's
 * table and the containerd table: whether it defines them, or could (an
 * inline table or a value on the way, dotted keys defining a table on the
 * way, an array of tables), and where the default runtime is set. */
static void check_runtime(struct scan *s, const char *table, const char *key, bool array, unsigned line,
                          size_t line_start, size_t stmt_start) {
        _cleanup_free_ char *full = NULL, *first = NULL;
        struct runtime_scan *rs = s->rs;
        const char *dot = key ? strchr(key, '\n') : NULL;
        size_t n;

        if (!rs || stmt_start < rs->ignore_until)
                return;
        if (asprintf(&full, "%s%s%s", table, key && *table ? "\n" : "", strempty(key)) < 0 ||
            (dot && asprintf(&first, "%s%s%.*s", table, *table ? "\n" : "", (int) (dot - key), key) < 0)) {
                rs->conflict_line = rs->conflict_line ?: line;       /* out of memory: refuse */
                return;
        }
        if (key && streq_ptr(full, rs->default_key)) {
                n = strlen(rs->default_line);
                if (s->pos - stmt_start >= n && memcmp(s->buf + stmt_start, rs->default_line, n) == 0 &&
                    (stmt_start + n == s->pos || (stmt_start + n + 1 == s->pos && s->buf[s->pos - 1] == '\n'))) {
                        add_ours(rs, (struct span) { line_start, s->pos });
                        return;
                }
                rs->default_line_no = rs->default_line_no ?: line;
                n = rs->val.end - rs->val.start;
                /* "name" or 'name' */
                rs->default_ours_value = n == strlen(rs->default_value) &&
                                         (s->buf[rs->val.start] == '"' || s->buf[rs->val.start] == '\'') &&
                                         s->buf[rs->val.end - 1] == s->buf[rs->val.start] &&
                                         memcmp(s->buf + rs->val.start + 1, rs->default_value + 1, n - 2) == 0;
        }
        if (!rs->conflict_line) {
                if (path_has_prefix(full, rs->table)) {
                        rs->conflict_line = line;
                        rs->conflict_defines = true;
                } else if ((array || key) && path_has_prefix(rs->table, full))
                        rs->conflict_line = line;
                else if (first && path_has_prefix(rs->table, first))
                        rs->conflict_line = line;
        }
        if (path_has_prefix(full, rs->runc))
                rs->have_runc = true;
        if (!key && !array && streq_ptr(full, rs->containerd) && !rs->have_c_header) {
                rs->have_c_header = true;
                rs->c_insert = s->pos;
                rs->c_indent = (struct span) { line_start, stmt_start };
        } else if (!rs->c_conflict_line && (((array || key) && path_has_prefix(rs->containerd, full)) ||
                                            (first && path_has_prefix(rs->containerd, first))))
                rs->c_conflict_line = line;
}

static int parse_header(struct scan *s) {
        bool array = peek(s, 1) == '[';
        unsigned line = s->line;
        size_t line_start = s->line_start, stmt_start = s->pos;
        int r;

        s->pos += array ? 2 : 1;
        s->table.len = 0;
        if ((r = parse_key(s, &s->table)) < 0)
                return r;
        if (peek(s, 0) != ']' || (array && peek(s, 1) != ']'))
                return fail(s, "a table header without its closing '%s'", array ? "]]" : "]");
        s->pos += array ? 2 : 1;
        if ((r = end_of_line(s)) < 0)
                return r;
        s->in_top = false;
        check_plugin(s, s->table.s, true, line);
        check_runtime(s, s->table.s, NULL, array, line, line_start, stmt_start);
        return 0;
}

static int top_level_statement(struct scan *s, const char *key, size_t key_start, size_t key_end,
                               struct span val, unsigned line) {
        if (streq_ptr(key, "version")) {
                s->have_version = true;
                s->version_val = val;
                s->version_end = s->pos;
        }
        if (!streq_ptr(key, "imports") && !startswith(key, "imports\n"))
                return 0;
        if (s->have_imports || !streq_ptr(key, "imports") || key_end - key_start != STRLEN("imports")) {
                s->line = line;         /* the message names the statement's first line */
                return s->have_imports ? fail(s, "'imports' is set twice")
                                       : fail(s, "'imports' is written as a quoted or dotted key; write it as "
                                                 "`imports = [...]` or add the entry by hand");
        }
        s->have_imports = true;
        s->imports_line = line;
        s->imports_stmt = (struct span) { key_start, s->pos };
        s->imports_val = val;
        return 0;
}

static int parse_pair(struct scan *s) {
        char b[8];
        _cleanup_(strbuf_done) struct strbuf key = {}, full = {};
        unsigned line = s->line;
        size_t key_start = s->pos, key_end, line_start = s->line_start;
        struct span val;
        int r;

        if ((r = parse_key(s, &key)) < 0)
                return r;
        key_end = s->pos;
        while (key_end > key_start && (s->buf[key_end - 1] == ' ' || s->buf[key_end - 1] == '\t'))
                key_end--;
        if (peek(s, 0) != '=')
                return s->pos < s->len && s->buf[s->pos] != '\n' && s->buf[s->pos] != '\r'
                               ? fail(s, "unexpected '%s' after a key (no '=')", shown(s->buf[s->pos], b))
                               : fail(s, "a key without '= value'");
        s->pos++;
        skip_ws(s);
        val.start = s->pos;
        if ((r = parse_value(s, 0)) < 0)
                return r;
        val.end = s->pos;
        if ((r = end_of_line(s)) < 0)
                return r;
        if (strbuf_printf(&full, "%s%s%s", strempty(s->table.s), s->table.len ? "\n" : "", key.s) < 0)
                return fail(s, "out of memory");
        check_plugin(s, full.s, false, line);
        if (s->rs) {
                s->rs->val = val;
                check_runtime(s, strempty(s->table.s), key.s, false, line, line_start, key_start);
        }
        return s->in_top ? top_level_statement(s, key.s, key_start, key_end, val, line) : 0;
}

static int scan_file(struct scan *s) {
        const char *nul;

        if (s->len > TOML_CONFIG_MAX)
                return error_set(s->err, EFBIG, "%s: larger than %zu bytes; not a containerd config this can edit",
                                 s->what, TOML_CONFIG_MAX);
        s->line = 1;
        s->in_top = true;
        /* TOML has no NUL anywhere (not even escaped after a backslash), and
         * the edited text goes on as a C string */
        nul = memchr(s->buf, '\0', s->len);
        if (nul) {
                for (const char *c = s->buf; c < nul; c++)
                        s->line += *c == '\n';
                return fail(s, "a NUL byte; not a text file");
        }
        while (s->pos < s->len) {
                int r = 0;

                skip_ws(s);
                if (eat_newline(s))
                        continue;
                if (peek(s, 0) == '#') {
                        check_marker(s);
                        r = end_of_line(s);
                } else if (peek(s, 0) == '[')
                        r = parse_header(s);
                else if (s->pos < s->len)
                        r = parse_pair(s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The imports array's strings, with their spans (quotes included). */
struct imports {
        size_t n;
        struct span items[TOML_IMPORTS_MAX];
        char *values[TOML_IMPORTS_MAX];
};

static void imports_done(struct imports *im) {
        for (size_t i = 0; i < im->n; i++)
                free(im->values[i]);
}

static int shape_error(struct scan *s, const char *why) {
        s->line = s->imports_line;
        return fail(s, "'imports' is %s; this editor changes only a plain list of strings: add the entry to "
                       "'imports' by hand", why);
}

static int parse_imports(struct scan *s, struct imports *im) {
        int r;

        if (!s->have_imports)
                return 0;
        s->pos = s->imports_val.start;
        if (peek(s, 0) != '[')
                return shape_error(s, "not an array");
        s->pos++;
        for (;;) {
                _cleanup_(strbuf_done) struct strbuf v = {};
                bool escaped = false;
                size_t start;

                if ((r = skip_blank(s)) < 0)
                        return r;
                if (peek(s, 0) == ']')
                        return 0;
                start = s->pos;
                if ((peek(s, 0) != '"' && peek(s, 0) != '\'') || peek(s, 1) == peek(s, 0))
                        /* '""' is an empty string or the start of a multi-line one: neither is a path */
                        return shape_error(s, "not a list of one-line strings");
                if ((r = single_line_string(s, &v, &escaped)) < 0)
                        return r;
                if (escaped)
                        return shape_error(s, "a list holding a string with escapes");
                if (im->n == TOML_IMPORTS_MAX)
                        return shape_error(s, "longer than " "256" " entries");
                im->items[im->n] = (struct span) { start, s->pos };
                im->values[im->n++] = strbuf_steal(&v);
                if ((r = skip_blank(s)) < 0)
                        return r;
                if (peek(s, 0) == ',')
                        s->pos++;
                else if (peek(s, 0) != ']')
                        return shape_error(s, "not a list separated by ','");
        }
}

/* Scans buf and checks what the editor needs: config version 2 and a plain
 * imports list. */
static int scan_config(struct scan *s, struct imports *im) {
        _cleanup_free_ char *version = NULL;
        int r;

        if ((r = scan_file(s)) < 0)
                return r;
        if (!s->have_version)
                return error_set(s->err, EINVAL, "%s: no top-level 'version'; this edits containerd's config version 2 "
                                 "(containerd 1.5 to 1.7): add `version = 2` at the top if that is what it is", s->what);
        version = strndup_or_null(s->buf + s->version_val.start, s->version_val.end - s->version_val.start);
        if (!version)
                return error_set(s->err, ENOMEM, "out of memory");
        if (strcmp(version, "2") != 0) {
                str_make_printable(version);
                return error_set(s->err, EINVAL, "%s: config version %.40s; this edits containerd's config version 2 "
                                 "(containerd 1.5 to 1.7): add the runtime to it by hand", s->what, version);
        }
        return parse_imports(s, im);
}

static bool entry_ok(const char *entry) {
        for (const char *p = entry; *p; p++)
                if (is_control(*p) || *p == '"' || *p == '\\')
                        return false;
        return *entry != '\0';
}

static ssize_t find_entry(const struct imports *im, const char *entry) {
        for (size_t i = 0; i < im->n; i++)
                if (strcmp(im->values[i], entry) == 0)
                        return (ssize_t) i;
        return -1;
}

/* out = buf with [del.start, del.end) replaced by ins. */
static int splice(const char *buf, size_t len, struct span del, const char *ins, char **ret_out) {
        _cleanup_(strbuf_done) struct strbuf out = {};

        if (strbuf_append(&out, buf, del.start) < 0 || strbuf_puts(&out, ins) < 0 ||
            strbuf_append(&out, buf + del.end, len - del.end) < 0)
                return -ENOMEM;
        *ret_out = strbuf_steal(&out);
        return 0;
}

static bool span_has(const char *buf, struct span sp, char c) {
        return memchr(buf + sp.start, c, sp.end - sp.start) != NULL;
}

/* After the string at item: whitespace and one ',' (when there is one). */
static size_t past_comma(const char *buf, size_t len, size_t pos) {
        size_t p = pos;

        while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
                p++;
        return p < len && buf[p] == ',' ? p + 1 : pos;
}

/* The imports line add wrote, when the statement is exactly that: the
 * whole line (and the newline before it, when it is the last line without
 * one) goes. */
static bool added_line(const struct scan *s, const char *entry, struct span *ret) {
        _cleanup_free_ char *line = NULL;
        struct span st = s->imports_stmt;
        size_t n;

        if (asprintf(&line, "imports = [\"%s\"]" ADDED_COMMENT, entry) < 0)
                return false;
        n = strlen(line);
        if (st.start > 0 && s->buf[st.start - 1] != '\n')
                return false;   /* indented: not ours */
        if (st.end - st.start == n + 1 && s->buf[st.end - 1] == '\n' && memcmp(s->buf + st.start, line, n) == 0) {
                *ret = st;
                return true;
        }
        if (st.end == s->len && st.end - st.start == n && st.start > 0 && memcmp(s->buf + st.start, line, n) == 0) {
                *ret = (struct span) { st.start - 1, st.end };
                return true;
        }
        return false;
}

/* What to delete to take item i out: with the separator between it and its
 * neighbour when no comment is in between (so that remove undoes add),
 * else only the string and its comma. */
static struct span removal(const char *buf, size_t len, const struct imports *im, size_t i) {
        struct span gap;

        if (i > 0) {
                gap = (struct span) { im->items[i - 1].end, im->items[i].start };
                if (!span_has(buf, gap, '#'))
                        return (struct span) { gap.start, im->items[i].end };
        } else if (im->n > 1) {
                gap = (struct span) { im->items[0].end, im->items[1].start };
                if (!span_has(buf, gap, '#'))
                        return (struct span) { im->items[0].start, gap.end };
        }
        return (struct span) { im->items[i].start, past_comma(buf, len, im->items[i].end) };
}

static int edit_add(struct scan *s, const struct imports *im, const char *entry, char **ret_out) {
        _cleanup_free_ char *ins = NULL;
        size_t at;
        int r;

        if (!s->have_imports) {
                /* a line of its own after `version = 2` */
                bool nl = s->version_end == s->len && (s->len == 0 || s->buf[s->len - 1] != '\n');

                r = asprintf(&ins, "%simports = [\"%s\"]" ADDED_COMMENT "%s", nl ? "\n" : "", entry, nl ? "" : "\n");
                at = s->version_end;
        } else if (im->n == 0) {
                r = asprintf(&ins, "\"%s\"", entry);
                at = s->imports_val.start + 1;
        } else {
                r = asprintf(&ins, ", \"%s\"", entry);
                at = im->items[im->n - 1].end;
        }
        if (r < 0)
                return error_set(s->err, ENOMEM, "out of memory");
        if (splice(s->buf, s->len, (struct span) { at, at }, ins, ret_out) < 0)
                return error_set(s->err, ENOMEM, "out of memory");
        return 0;
}

int toml_imports_edit(const char *buf, size_t len, const char *what, const char *entry, bool add, char **ret_out,
                      struct error *err) {
        _cleanup_free_ char *cur = NULL;
        const char *text = buf;
        size_t text_len = len;

        if (!entry_ok(entry))
                return error_set(err, EINVAL, "%s: the path '%s' can't be written as a plain TOML string", what,
                                 entry);
        /* remove takes out every copy: one at a time, rescanning. */
        for (unsigned round = 0;; round++) {
                _cleanup_(imports_done) struct imports im = {};
                _cleanup_(scan_done) struct scan s = { .buf = text, .len = text_len, .what = what, .err = err };
                char *out = NULL;
                struct span del;
                ssize_t i;
                int r;

                if ((r = scan_config(&s, &im)) < 0)
                        return r;
                i = find_entry(&im, entry);
                if (add && i >= 0)
                        break;
                if (add)
                        return edit_add(&s, &im, entry, ret_out);
                if (i < 0 || round >= TOML_IMPORTS_MAX)
                        break;
                if (!added_line(&s, entry, &del))
                        del = removal(text, text_len, &im, (size_t) i);
                if (splice(text, text_len, del, "", &out) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                free(cur);
                cur = out;
                text = cur;
                text_len = strlen(cur);
        }
        *ret_out = TAKE_PTR(cur);
        return 0;
}

int toml_imports_list(const char *buf, size_t len, const char *what, char ***ret_list, struct error *err) {
        _cleanup_(imports_done) struct imports im = {};
        _cleanup_(scan_done) struct scan s = { .buf = buf, .len = len, .what = what, .err = err };
        _cleanup_strv_free_ char **list = NULL;
        int r;

        if ((r = scan_config(&s, &im)) < 0)
                return r;
        list = calloc(1, sizeof(char *));
        if (!list)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < im.n; i++) {
                if (strv_push(&list, TAKE_PTR(im.values[i])) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret_list = TAKE_PTR(list);
        return 0;
}

int toml_configures_plugin(const char *buf, size_t len, const char *what, const char *plugin, unsigned *ret_line,
                           struct error *err) {
        _cleanup_(scan_done) struct scan s = { .buf = buf, .len = len, .what = what, .err = err };
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "plugins\n%s", plugin) < 0)
                return error_set(err, ENOMEM, "out of memory");
        s.plugin_path = path;
        if ((r = scan_file(&s)) < 0)
                return r;
        if (s.plugin_line && ret_line)
                *ret_line = s.plugin_line;
        return s.plugin_line ? 1 : 0;
}

/* The edit: buf without the spans of ours, the default line inserted at
 * ins_at (when ins), the block appended (when block). */
static int runtime_output(const struct scan *s, const char *ins, size_t ins_at, const char *block, char **ret_out) {
        _cleanup_(strbuf_done) struct strbuf out = {};
        const struct runtime_scan *rs = s->rs;
        size_t pos = 0;

        for (size_t i = 0; i <= rs->n_ours; i++) {
                struct span del = i < rs->n_ours ? rs->ours[i] : (struct span) { s->len, s->len };

                if (ins && ins_at >= pos && ins_at <= del.start) {
                        if (strbuf_append(&out, s->buf + pos, ins_at - pos) < 0 || strbuf_puts(&out, ins) < 0)
                                return -ENOMEM;
                        pos = ins_at;
                        ins = NULL;
                }
                if (del.start > pos && strbuf_append(&out, s->buf + pos, del.start - pos) < 0)
                        return -ENOMEM;
                pos = del.end > pos ? del.end : pos;
        }
        if (block) {
                if (out.len > 0 && out.s[out.len - 1] != '\n' && strbuf_puts(&out, "\n") < 0)
                        return -ENOMEM;
                if (strbuf_puts(&out, "\n") < 0 || strbuf_puts(&out, block) < 0)
                        return -ENOMEM;
        }
        *ret_out = strbuf_steal(&out);
        return *ret_out ? 0 : -ENOMEM;
}

static bool is_bare_key(const char *k) {
        for (const char *p = k; *p; p++)
                if (!is_bare_key_char(*p))
                        return false;
        return *k != '\0';
}

static void runtime_scan_done(struct runtime_scan *rs) {
        for (size_t i = 0; i < ELEMENTSOF(rs->block); i++)
                free(rs->block[i]);
}

/* After the scan: add's or remove's text. */
static int runtime_edit_result(struct scan *s, const struct toml_runtime *rt, bool add, const char *header,
                               char **ret_out) {
        _cleanup_free_ char *ins = NULL, *out = NULL;
        struct runtime_scan *rs = s->rs;
        size_t ins_at = 0;
        unsigned block = rs->have_runc ? 0 : 2;

        if (!add) {
                if (rs->n_ours > 0 && runtime_output(s, NULL, 0, NULL, &out) < 0)
                        return error_set(s->err, ENOMEM, "out of memory");
                *ret_out = TAKE_PTR(out);
                return 0;
        }
        if (rs->conflict_line) {
                s->line = rs->conflict_line;
                return rs->conflict_defines
                        ? fail(s, "already defines the runtime's table %s (or a key in it): keep it (with "
                                  "runtime_type = \"%s\") or take it out, then run install again", header, rt->type)
                        : fail(s, "a table on the way to %s is an inline table, an array of tables or dotted keys, "
                                  "which this editor does not add a table to: add the runtime by hand", header);
        }
        if (rt->make_default && rs->default_line_no && !rs->default_ours_value) {
                s->line = rs->default_line_no;
                return fail(s, "sets CRI's default_runtime_name to another runtime: change it to \"%s\" by hand, "
                               "or install without --default-runtime", rt->name);
        }
        if (rt->make_default && !rs->default_line_no) {
                if (rs->c_conflict_line) {
                        s->line = rs->c_conflict_line;
                        return fail(s, "the table [plugins.\"%s\".containerd] is an inline table, an array of tables "
                                       "or dotted keys, which this editor does not add default_runtime_name to: set "
                                       "it by hand, or install without --default-runtime", rt->plugin);
                }
                if (!rs->have_c_header)
                        block |= 1;
                else {
                        bool nl = rs->c_insert == s->len && s->len > 0 && s->buf[s->len - 1] != '\n';

                        if (asprintf(&ins, "%s%.*s  %s\n", nl ? "\n" : "", (int) (rs->c_indent.end - rs->c_indent.start),
                                     s->buf + rs->c_indent.start, rs->default_line) < 0)
                                return error_set(s->err, ENOMEM, "out of memory");
                        ins_at = rs->c_insert;
                }
        }
        if (runtime_output(s, ins, ins_at, rs->block[block], &out) < 0)
                return error_set(s->err, ENOMEM, "out of memory");
        if (strlen(out) != s->len || memcmp(out, s->buf, s->len) != 0)
                *ret_out = TAKE_PTR(out);
        return 0;
}

int toml_runtime_edit(const char *buf, size_t len, const char *what, const struct toml_runtime *rt, bool add,
                      char **ret_out, struct error *err) {
        _cleanup_free_ char *table = NULL, *containerd = NULL, *default_key = NULL, *runc = NULL, *default_line = NULL,
                            *default_value = NULL, *header = NULL;
        _cleanup_(imports_done) struct imports im = {};
        struct runtime_scan rs = {};
        _cleanup_(scan_done) struct scan s = { .buf = buf, .len = len, .what = what, .err = err, .rs = &rs };
        int r;

        *ret_out = NULL;
        if (!entry_ok(rt->plugin) || !entry_ok(rt->type) || !is_bare_key(rt->name))
                return error_set(err, EINVAL, "%s: the runtime can't be written as plain TOML", what);
        if (asprintf(&table, "plugins\n%s\ncontainerd\nruntimes\n%s", rt->plugin, rt->name) < 0 ||
            asprintf(&containerd, "plugins\n%s\ncontainerd", rt->plugin) < 0 ||
            asprintf(&default_key, "plugins\n%s\ncontainerd\ndefault_runtime_name", rt->plugin) < 0 ||
            asprintf(&runc, "plugins\n%s\ncontainerd\nruntimes\nrunc", rt->plugin) < 0 ||
            asprintf(&header, "[plugins.\"%s\".containerd.runtimes.%s]", rt->plugin, rt->name) < 0 ||
            asprintf(&default_line, "default_runtime_name = \"%s\"" ADDED_COMMENT, rt->name) < 0 ||
            asprintf(&default_value, "\"%s\"", rt->name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        rs = (struct runtime_scan) { .table = table, .containerd = containerd, .default_key = default_key,
                                     .runc = runc, .default_line = default_line, .default_value = default_value };
        /* [1]: the containerd table with the default; [2]: runc's table, which containerd's defaults lose
         * once config.toml defines another runtime (runc is CRI's default runtime) */
        for (unsigned i = 0; i < ELEMENTSOF(rs.block); i++)
                if (asprintf(&rs.block[i], TOML_RUNTIME_MARKER "\n%s%s%s%s%s%s%s%s%s\n  runtime_type = \"%s\"\n",
                             i & 1 ? "[plugins.\"" : "", i & 1 ? rt->plugin : "",
                             i & 1 ? "\".containerd]\n  default_runtime_name = \"" : "", i & 1 ? rt->name : "",
                             i & 1 ? "\"\n" : "",
                             i & 2 ? "[plugins.\"" : "", i & 2 ? rt->plugin : "",
                             i & 2 ? "\".containerd.runtimes.runc]\n  runtime_type = \"" TOML_RUNC_TYPE "\"\n" : "",
                             header, rt->type) < 0) {
                        rs.block[i] = NULL;
                        runtime_scan_done(&rs);
                        return error_set(err, ENOMEM, "out of memory");
                }
        r = scan_config(&s, &im);
        if (r >= 0)
                r = runtime_edit_result(&s, rt, add, header, ret_out);
        runtime_scan_done(&rs);
        return r;
}
