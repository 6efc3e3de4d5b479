/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <string.h>

#include "base/jsonutil.h"
#include "base/strutil.h"
#include "report-internal.h"

/* ---- reading back what the renderers wrote ------------------------------- */
/* The cache hands these documents back (the analysis child sends its
 * results in their wire forms, inventory-wire.h and scan-wire.h); what
 * reads them trusts nothing: every field is type-checked and every list
 * capped. */

static int opt_string(json_t *o, const char *key, char **ret, const char *what, struct error *err) {
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return error_set(err, EBADMSG, "%s: '%s' must be a string or null", what, key);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int req_string(json_t *o, const char *key, char **ret, const char *what, struct error *err) {
        int r = opt_string(o, key, ret, what, err);

        if (r >= 0 && !*ret)
                return error_set(err, EBADMSG, "%s: '%s' is missing", what, key);
        return r;
}

/* "warnings": [strings], at most max (each kept printable by warn()). */
static int parse_warnings(json_t *a, size_t max, char ***ret, size_t *ret_n, struct error *err) {
        json_t *w;
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > max)
                return error_set(err, EBADMSG, "'warnings' must be an array of at most %zu strings", max);
        json_array_foreach(a, i, w) {
                char *s;

                if (!json_is_string(w))
                        return error_set(err, EBADMSG, "warnings[%zu] must be a string", i);
                if (!(s = strdup(json_string_value(w))))
                        return -ENOMEM;
                str_make_printable(s);
                if (strv_push(ret, s) < 0)
                        return -ENOMEM;
                (*ret_n)++;
        }
        return 0;
}

static int parse_os(json_t *os, struct os_info *ret, struct error *err) {
        int r;

        if (!json_is_object(os))
                return error_set(err, EBADMSG, "inventory: 'os' must be an object");
        if ((r = opt_string(os, "id", &ret->id, "inventory os", err)) < 0 ||
            (r = opt_string(os, "version", &ret->version_id, "inventory os", err)) < 0 ||
            (r = opt_string(os, "ecosystem", &ret->ecosystem, "inventory os", err)) < 0 ||
            (r = opt_string(os, "pretty_name", &ret->pretty_name, "inventory os", err)) < 0)
                return r;
        if (ret->pretty_name)
                str_make_printable(ret->pretty_name);
        return 0;
}

static int parse_package(json_t *o, struct package *p, struct error *err) {
        int r;

        if (!json_is_object(o))
                return error_set(err, EBADMSG, "inventory: a package must be an object");
        if ((r = req_string(o, "name", &p->name, "inventory package", err)) < 0 ||
            (r = req_string(o, "version", &p->version, "inventory package", err)) < 0 ||
            (r = opt_string(o, "source_name", &p->source_name, "inventory package", err)) < 0 ||
            (r = opt_string(o, "source_version", &p->source_version, "inventory package", err)) < 0 ||
            (r = opt_string(o, "arch", &p->arch, "inventory package", err)) < 0 ||
            (r = opt_string(o, "ecosystem", &p->ecosystem, "inventory package", err)) < 0 ||
            (r = opt_string(o, "purl", &p->purl, "inventory package", err)) < 0 ||
            (r = opt_string(o, "origin_file", &p->origin_file, "inventory package", err)) < 0 ||
            (r = opt_string(o, "guessed_from", &p->guessed_from, "inventory package", err)) < 0)
                return r;
        return 0;
}

#define PARSE_SKIPPED_MAX 16

static int parse_skipped(json_t *a, char ***ret, struct error *err) {
        json_t *s;
        size_t i;

        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > PARSE_SKIPPED_MAX)
                return error_set(err, EBADMSG, "inventory: 'skipped' must be an array of at most %d strings",
                                 PARSE_SKIPPED_MAX);
        json_array_foreach(a, i, s) {
                if (!json_is_string(s))
                        return error_set(err, EBADMSG, "inventory: skipped[%zu] must be a string", i);
                if (strv_push(ret, strdup(json_string_value(s))) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int report_parse_inventory(const char *buf, size_t len, struct inventory **ret, struct error *err) {
        _cleanup_(inventory_freep) struct inventory *inv = inventory_new();
        json_t *root, *pkgs, *p;
        size_t i;
        int r = 0;

        if (!inv)
                return -ENOMEM;
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
        pkgs = json_object_get(root, "packages");
        if (!json_is_object(root) || !json_is_array(pkgs) || json_array_size(pkgs) > INVENTORY_PACKAGES_MAX) {
                json_decref(root);
                return error_set(err, EBADMSG, "inventory: not an inventory document");
        }
        r = parse_os(json_object_get(root, "os"), &inv->os, err);
        if (r >= 0)
                r = parse_skipped(json_object_get(root, "skipped"), &inv->skipped, err);
        if (r >= 0)
                r = parse_warnings(json_object_get(root, "warnings"), INVENTORY_WARNINGS_MAX + 1, &inv->warnings,
                                   &inv->n_warnings, err);
        json_array_foreach(pkgs, i, p) {
                struct package pkg = {};

                if (r < 0)
                        break;
                r = parse_package(p, &pkg, err);
                if (r < 0)
                        package_done(&pkg);
                else
                        r = inventory_add(inv, &pkg);
        }
        json_decref(root);
        if (r < 0)
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
        *ret = TAKE_PTR(inv);
        return 0;
}

/* ---- the compact form of findings the hook's cache-hit path reads --------- */
/* A header line "#4 <unchecked past the cap> <packages not checked>", one
 * line per unchecked item ("!" kind, packages, subject, reason), then one
 * line per finding: severity, id, package, fixed version, ecosystem, path,
 * purl, source package (empty: none) and aliases (space-separated),
 * tab-separated; bytes that would break the format are %XX-escaped; then,
 * for a finding in CISA KEV or with an EPSS score, one more tab and "kev"
 * and/or "epss=SCORE/PERCENTILE" (space-separated; a line without it is a
 * finding without either).  Parsing it takes microseconds where the scan
 * JSON of an image with hundreds of findings takes milliseconds.  An entry
 * without the header (or with an older one: "#3" had no purl and no
 * source package, which VEX statements are matched on) was written by an earlier version; its reader
 * treats it as stale (-ESTALE), so that the image is analysed anew.  VEX is
 * applied at each decision, never stored here. */

#define COMPACT_HEADER "#4 "
#define COMPACT_FIELDS 8            /* before the aliases */

static int put_field(struct strbuf *b, const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        int r = 0;

        for (; s && *s && r >= 0; s++) {
                unsigned char c = (unsigned char) *s;

                if (c <= ' ' || c == '%') {
                        char enc[3] = { '%', hex[c >> 4], hex[c & 15] };

                        r = strbuf_append(b, enc, 3);
                } else
                        r = strbuf_append(b, s, 1);
        }
        return r;
}

static int put_unchecked(struct strbuf *b, const struct unchecked *u) {
        int r;

        if ((r = strbuf_printf(b, "!%s\t%zu\t", unchecked_kind_to_string(u->kind), u->packages)) < 0 ||
            (r = put_field(b, u->subject)) < 0 || (r = strbuf_puts(b, "\t")) < 0 ||
            (r = put_field(b, u->reason)) < 0)
                return r;
        return strbuf_puts(b, "\n");
}

static int put_finding(struct strbuf *b, const struct finding *f) {
        int r;

        if ((r = strbuf_printf(b, "%s\t", severity_to_string(f->severity))) < 0 || (r = put_field(b, f->id)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->package)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->fixed_version)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->ecosystem)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->path)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->purl)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0 || (r = put_field(b, f->source_name)) < 0 ||
            (r = strbuf_puts(b, "\t")) < 0)
                return r;
        for (char **a = f->aliases; r >= 0 && a && *a; a++) {
                if (a != f->aliases)
                        r = strbuf_puts(b, " ");
                if (r >= 0)
                        r = put_field(b, *a);
        }
        if (r >= 0 && (f->kev || f->epss >= 0))
                r = strbuf_printf(b, "\t%s%s", f->kev ? "kev" : "", f->kev && f->epss >= 0 ? " " : "");
        if (r >= 0 && f->epss >= 0)
                r = strbuf_printf(b, "epss=%.17g/%.17g", f->epss, f->epss_percentile);
        return r < 0 ? r : strbuf_puts(b, "\n");
}

int report_findings_compact(const struct scan_result *res, char **ret, struct error *err) {
        struct strbuf b = {};
        int r;

        r = strbuf_printf(&b, COMPACT_HEADER "%zu %zu\n", res->unchecked_more, res->packages_unchecked);
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++)
                r = put_unchecked(&b, &res->unchecked[i]);
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++)
                r = put_finding(&b, &res->findings[i]);
        if (r < 0) {
                strbuf_done(&b);
                return error_set(err, r, "encode findings");
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

/* Only the upper case that the encoder writes: one spelling per value. */
static int upper_hexval(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes [s, end) into a new string; NULL for an empty field when
 * empty_is_null. */
static int get_field(const char *s, const char *end, bool empty_is_null, char **ret) {
        char *out, *o;

        *ret = NULL;
        if (s == end && empty_is_null)
                return 0;
        out = o = malloc((size_t) (end - s) + 1);
        if (!out)
                return -ENOMEM;
        while (s < end) {
                if (*s == '%') {
                        int hi = end - s > 2 ? upper_hexval(s[1]) : -1, lo = end - s > 2 ? upper_hexval(s[2]) : -1;

                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                free(out);
                                return -EBADMSG;
                        }
                        *o++ = (char) (hi << 4 | lo);
                        s += 3;
                } else
                        *o++ = *s++;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

/* "kev", "epss=SCORE/PERCENTILE", space-separated */
static int parse_compact_exploit(const char *s, const char *end, struct finding *f) {
        while (s < end) {
                const char *sp = memchr(s, ' ', (size_t) (end - s)), *stop = sp ? sp : end;
                size_t n = (size_t) (stop - s);
                char num[96], *slash, *e1 = NULL, *e2 = NULL;

                if (n == 3 && memcmp(s, "kev", 3) == 0)
                        f->kev = true;
                else if (n > 5 && n < sizeof(num) && memcmp(s, "epss=", 5) == 0) {
                        memcpy(num, s + 5, n - 5);
                        num[n - 5] = '\0';
                        slash = strchr(num, '/');
                        if (!slash || strspn(num, "0123456789.e-+/") != n - 5)
                                return -EBADMSG;
                        *slash = '\0';
                        f->epss = strtod(num, &e1);
                        f->epss_percentile = strtod(slash + 1, &e2);
                        if (e1 != slash || *e2 || !(f->epss >= 0 && f->epss <= 1) ||
                            !(f->epss_percentile >= 0 && f->epss_percentile <= 1))
                                return -EBADMSG;
                } else
                        return -EBADMSG;
                s = stop + (sp ? 1 : 0);
        }
        return 0;
}

static int parse_compact_line(const char *s, const char *end, struct finding *f) {
        const char *tab[COMPACT_FIELDS];
        const char *p = s;
        int r, sev;

        for (int i = 0; i < COMPACT_FIELDS; i++) {
                tab[i] = memchr(p, '\t', (size_t) (end - p));
                if (!tab[i])
                        return -EBADMSG;
                p = tab[i] + 1;
        }
        {
                char word[16];
                size_t n = (size_t) (tab[0] - s);

                if (n == 0 || n >= sizeof(word))
                        return -EBADMSG;
                memcpy(word, s, n);
                word[n] = '\0';
                sev = severity_from_string(word);
                if (sev < 0)
                        return -EBADMSG;
                f->severity = sev;
        }
        f->cvss_score = -1;
        f->epss = f->epss_percentile = -1;
        if ((r = get_field(tab[0] + 1, tab[1], false, &f->id)) < 0 ||
            (r = get_field(tab[1] + 1, tab[2], false, &f->package)) < 0 ||
            (r = get_field(tab[2] + 1, tab[3], true, &f->fixed_version)) < 0 ||
            (r = get_field(tab[3] + 1, tab[4], true, &f->ecosystem)) < 0 ||
            (r = get_field(tab[4] + 1, tab[5], true, &f->path)) < 0 ||
            (r = get_field(tab[5] + 1, tab[6], true, &f->purl)) < 0 ||
            (r = get_field(tab[6] + 1, tab[7], true, &f->source_name)) < 0)
                return r;
        if (!*f->id || !*f->package)
                return -EBADMSG;
        f->status = f->fixed_version ? FINDING_FIXED : FINDING_AFFECTED;
        f->installed_version = strdup("");
        if (!f->installed_version)
                return -ENOMEM;
        /* the exploitation field after the aliases, when there is one */
        p = memchr(tab[COMPACT_FIELDS - 1] + 1, '\t', (size_t) (end - tab[COMPACT_FIELDS - 1] - 1));
        if (p && (r = parse_compact_exploit(p + 1, end, f)) < 0)
                return r;
        if (p)
                end = p;
        for (p = tab[COMPACT_FIELDS - 1] + 1; p < end;) {
                const char *sp = memchr(p, ' ', (size_t) (end - p));
                const char *stop = sp ? sp : end;
                char *a = NULL;

                if ((r = get_field(p, stop, false, &a)) < 0 || (r = strv_push(&f->aliases, a)) < 0)
                        return r;
                p = stop + (sp ? 1 : 0);
        }
        return 0;
}

/* "!kind\tpackages\tsubject\treason" */
static int parse_unchecked_line(const char *s, const char *end, struct scan_result *res) {
        _cleanup_free_ char *kind = NULL, *subject = NULL, *reason = NULL;
        const char *tab[3], *p = s + 1;
        char *num_end = NULL;
        unsigned long long n;
        int r, k;

        for (int i = 0; i < 3; i++) {
                tab[i] = memchr(p, '\t', (size_t) (end - p));
                if (!tab[i])
                        return -EBADMSG;
                p = tab[i] + 1;
        }
        if ((r = get_field(s + 1, tab[0], false, &kind)) < 0 || (r = get_field(tab[1] + 1, tab[2], false, &subject)) < 0 ||
            (r = get_field(tab[2] + 1, end, false, &reason)) < 0)
                return r;
        k = unchecked_kind_from_string(kind);
        if (tab[1] == tab[0] + 1 || tab[0][1] < '0' || tab[0][1] > '9')
                return -EBADMSG;
        n = strtoull(tab[0] + 1, &num_end, 10);
        if (k < 0 || num_end != tab[1] || n > INVENTORY_PACKAGES_MAX || !*subject || !*reason)
                return -EBADMSG;
        return scan_result_add_unchecked(res, k, subject, (size_t) n, reason);
}

/* "#4 <more> <packages not checked>" */
static int parse_header(const char *s, const char *end, struct scan_result *res) {
        unsigned long long more, packages;
        char line[64];
        int used = 0;

        if ((size_t) (end - s) >= sizeof(line))
                return -EBADMSG;
        memcpy(line, s, (size_t) (end - s));
        line[end - s] = '\0';
        if (sscanf(line, COMPACT_HEADER "%20llu %20llu%n", &more, &packages, &used) != 2 || line[used] != '\0' ||
            more > SCAN_FINDINGS_MAX || packages > INVENTORY_PACKAGES_MAX || strchr(line, '-'))
                return -EBADMSG;
        res->unchecked_more = (size_t) more;
        res->packages_unchecked = (size_t) packages;
        return 0;
}

int report_parse_findings_compact(const char *buf, size_t len, struct scan_result **ret, struct error *err) {
        _cleanup_(scan_result_freep) struct scan_result *res = calloc(1, sizeof(*res));
        const char *p = buf, *end = buf + len, *nl;
        size_t n = 0, packages;
        int r = 0;

        if (!res)
                return -ENOMEM;
        if (len < STRLEN(COMPACT_HEADER) || memcmp(buf, COMPACT_HEADER, STRLEN(COMPACT_HEADER)) != 0)
                return error_set(err, ESTALE, "cached findings were written by an earlier version");
        for (const char *q = buf; q < end; q++)
                n += *q == '\n';
        if (n > SCAN_FINDINGS_MAX || end[-1] != '\n')
                return error_set(err, EBADMSG, "cached findings are damaged");
        res->findings = calloc(n + 1, sizeof(*res->findings));
        if (!res->findings)
                return -ENOMEM;
        res->cap_findings = n + 1;
        nl = memchr(p, '\n', len);
        r = parse_header(p, nl, res);
        /* the items add their packages again as they are parsed */
        packages = res->packages_unchecked;
        res->packages_unchecked = 0;
        for (p = nl + 1; p < end && r >= 0; p = nl + 1) {
                nl = memchr(p, '\n', (size_t) (end - p));
                if (*p == '!')
                        r = parse_unchecked_line(p, nl, res);
                else {
                        res->n_findings++;
                        r = parse_compact_line(p, nl, &res->findings[res->n_findings - 1]);
                }
        }
        if (r < 0)
                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory")
                                    : error_set(err, EBADMSG, "cached findings are damaged");
        res->packages_unchecked = packages;     /* the items past the cap count too */
        scan_result_filter(res, ~0u); /* recounts */
        *ret = TAKE_PTR(res);
        return 0;
}
