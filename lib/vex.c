/* SPDX-License-Identifier: Apache-2.0 */
/* VEX documents (vex.h).  OpenVEX: the OpenVEX specification v0.2.0
 * (openvex/spec OPENVEX-SPEC.md: statements, product and component
 * structs, status labels and justifications; v0.0.x spelled the
 * vulnerability, products and subcomponents as strings).  CycloneDX: the
 * 1.4-1.6 JSON schemas' "vulnerabilities" (id, references, analysis.state,
 * analysis.justification, analysis.detail, affects[].ref and versions),
 * "components" (bom-ref, purl, hashes, nested components),
 * "metadata.component", and BOM-Link (urn:cdx:SERIAL/VERSION#BOM-REF).
 * Package URLs: purl-spec's parsing rules. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "vex.h"

static const char *const status_names[_VEX_STATUS_MAX + 1] = {
        [VEX_NOT_AFFECTED] = "not_affected",
        [VEX_AFFECTED] = "affected",
        [VEX_FIXED] = "fixed",
        [VEX_UNDER_INVESTIGATION] = "under_investigation",
};

/* OpenVEX's status justifications (the VEX working group's labels). */
static const char *const openvex_justifications[] = {
        "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist", NULL,
};

/* The keys of the objects OpenVEX's JSON schema closes
 * (additionalProperties: false), and v0.0.x's statement keys
 * (vuln_description, subcomponents).  A key outside them is refused: a
 * misspelt "subcomponent" would otherwise widen a statement to the whole
 * product in silence. */
static const char *const openvex_statement_keys[] = {
        "@id", "version", "vulnerability", "timestamp", "last_updated", "products", "status", "supplier",
        "status_notes", "justification", "impact_statement", "action_statement", "action_statement_timestamp",
        "subcomponents", "vuln_description", NULL,
};
static const char *const openvex_vulnerability_keys[] = { "@id", "name", "description", "aliases", NULL };
static const char *const openvex_product_keys[] = { "@id", "identifiers", "hashes", "subcomponents", NULL };
static const char *const openvex_subcomponent_keys[] = { "@id", "identifiers", "hashes", NULL };

/* CycloneDX's impactAnalysisState, as the VEX status it says. */
static const struct {
        const char *state;
        enum vex_status status;
} cdx_states[] = {
        { "resolved", VEX_FIXED },
        { "resolved_with_pedigree", VEX_FIXED },
        { "exploitable", VEX_AFFECTED },
        { "in_triage", VEX_UNDER_INVESTIGATION },
        { "false_positive", VEX_NOT_AFFECTED },
        { "not_affected", VEX_NOT_AFFECTED },
};

/* CycloneDX's impactAnalysisJustification. */
static const char *const cdx_justifications[] = {
        "code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency",
        "requires_environment", "protected_by_compiler", "protected_at_runtime", "protected_at_perimeter",
        "protected_by_mitigating_control", NULL,
};

static const char *const cdx_spec_versions[] = { "1.4", "1.5", "1.6", NULL };

/* CycloneDX's affects[].versions[].status ("affected" when absent: the
 * schema's default). */
static const char *const cdx_version_statuses[] = { "affected", "unaffected", "unknown", NULL };

#define PURL_QUALIFIERS_MAX 64

const char *vex_status_to_string(enum vex_status s) {
        return s >= 0 && s < _VEX_STATUS_MAX ? status_names[s] : NULL;
}

/* ---- the statements -------------------------------------------------------- */

/* A package URL, decoded. */
struct purl {
        char *type;             /* lower case */
        char *namespace;        /* NULL when none */
        char *name;
        char *version;          /* NULL when none */
        char **qualifiers;      /* "key=value" */
};

enum target_kind {
        TARGET_OTHER,           /* a product that can't be this image or a package (an image not named by
                                 * digest, an IRI, a component without purl): applies to nothing */
        TARGET_IMAGE,
        TARGET_PACKAGE,
};

/* A product of a statement, and the subcomponents it narrows to (an
 * image) or adds (a package). */
struct target {
        enum target_kind kind;
        char digest[72];        /* TARGET_IMAGE: "sha256:<hex>" */
        struct purl purl;       /* TARGET_PACKAGE, unless narrowed */
        bool narrowed;          /* only the subcomponents: an image's, or a package product left unnamed */
        struct purl *subs;
        size_t n_subs;
        enum vex_status status; /* what it says, where not the statement's status (CycloneDX
                                 * affects[].versions[].status); else _VEX_STATUS_INVALID */
};

struct statement {
        char **vulns;           /* the name and the aliases */
        struct target *targets;
        size_t n_targets;
        enum vex_status status;
        char *justification;    /* the label, else the impact statement (or CycloneDX's detail), or NULL */
        const char *source;     /* the document (struct vex's sources) */
        bool has_time;
        long long time;
};

struct vex {
        struct statement *st;
        size_t n;
        size_t cap;
        char **sources;
        char **notes;           /* vex_notes() */
        size_t notes_more;
};

static void purl_done(struct purl *p) {
        free(p->type);
        free(p->namespace);
        free(p->name);
        free(p->version);
        strv_free(p->qualifiers);
        *p = (struct purl) {};
}

static void target_done(struct target *t) {
        purl_done(&t->purl);
        for (size_t i = 0; i < t->n_subs; i++)
                purl_done(&t->subs[i]);
        free(t->subs);
}

static void statement_done(struct statement *s) {
        strv_free(s->vulns);
        for (size_t i = 0; i < s->n_targets; i++)
                target_done(&s->targets[i]);
        free(s->targets);
        free(s->justification);
}

struct vex *vex_new(void) {
        return calloc(1, sizeof(struct vex));
}

void vex_free(struct vex *v) {
        if (!v)
                return;
        for (size_t i = 0; i < v->n; i++)
                statement_done(&v->st[i]);
        free(v->st);
        strv_free(v->sources);
        strv_free(v->notes);
        free(v);
}

size_t vex_statements(const struct vex *v) {
        return v ? v->n : 0;
}

char *const *vex_notes(const struct vex *v, size_t *ret_more) {
        *ret_more = v ? v->notes_more : 0;
        return v && v->notes && v->notes[0] ? v->notes : NULL;
}

/* ---- package URLs ------------------------------------------------------------ */

/* [s, s+n) percent-decoded; -EINVAL on a broken escape or a NUL byte. */
static int pct_decode(const char *s, size_t n, char **ret) {
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0 ||
                    (hexval(s[i + 1]) | hexval(s[i + 2])) == 0) {
                        free(out);
                        return -EINVAL;
                }
                *o++ = (char) (hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
                i += 2;
        }
        *o = '\0';
        *ret = out;
        return 0;
}

static int parse_qualifiers(const char *s, size_t n, char ***ret) {
        const char *end = s + n;

        for (const char *p = s; p < end;) {
                const char *amp = memchr(p, '&', (size_t) (end - p)), *stop = amp ? amp : end;
                const char *eq = memchr(p, '=', (size_t) (stop - p));
                _cleanup_free_ char *key = NULL, *value = NULL;
                char *kv = NULL;

                if (!eq || eq == p || strv_length(*ret) >= PURL_QUALIFIERS_MAX)
                        return -EINVAL;
                if (!(key = strndup(p, (size_t) (eq - p))))
                        return -ENOMEM;
                for (char *k = key; *k; k++)
                        *k = tolower_ascii(*k);
                if (pct_decode(eq + 1, (size_t) (stop - eq - 1), &value) < 0)
                        return -EINVAL;
                if (*value && (asprintf(&kv, "%s=%s", key, value) < 0 || strv_push(ret, kv) < 0))
                        return -ENOMEM;
                p = stop + (amp ? 1 : 0);
        }
        return 0;
}

/* "pkg:type/namespace/name@version?qualifiers#subpath" (purl-spec): the
 * subpath is ignored; the version is what follows an '@' after the last
 * '/'. */
static int purl_parse(const char *s, struct purl *ret) {
        struct purl p = {};
        const char *end, *hash, *q, *slash, *at, *name;
        size_t n = strlen(s);
        int r = -EINVAL;

        if (n > VEX_PURL_MAX || !(s[0] == 'p' || s[0] == 'P') || strncasecmp(s, "pkg:", 4) != 0)
                return -EINVAL;
        s += 4;
        while (*s == '/')
                s++;
        hash = strchr(s, '#');
        end = hash ? hash : s + strlen(s);
        q = memchr(s, '?', (size_t) (end - s));
        if (q && (r = parse_qualifiers(q + 1, (size_t) (end - q - 1), &p.qualifiers)) < 0)
                goto fail;
        end = q ? q : end;
        slash = memchr(s, '/', (size_t) (end - s));
        if (!slash || slash == s || (*s >= '0' && *s <= '9'))
                goto fail;
        for (const char *c = s; c < slash; c++)
                if (!isalnum_ascii(*c) && *c != '.' && *c != '+' && *c != '-')
                        goto fail;
        if (!(p.type = strndup(s, (size_t) (slash - s))))
                goto nomem;
        for (char *c = p.type; *c; c++)
                *c = tolower_ascii(*c);
        while (end > slash && end[-1] == '/')
                end--;
        name = end;
        while (name > slash + 1 && name[-1] != '/')
                name--;
        at = memchr(name, '@', (size_t) (end - name));
        if ((at && (r = pct_decode(at + 1, (size_t) (end - at - 1), &p.version)) < 0) ||
            (r = pct_decode(name, (size_t) ((at ? at : end) - name), &p.name)) < 0)
                goto fail;
        if (!*p.name || (p.version && !*p.version))
                goto fail;
        /* the namespace: the segments between the type and the name, empty
         * ones left out, each decoded */
        for (const char *seg = slash + 1; seg < name;) {
                const char *e = memchr(seg, '/', (size_t) (name - seg));
                _cleanup_free_ char *part = NULL;
                char *joined = NULL;

                if (e > seg) {
                        if ((r = pct_decode(seg, (size_t) (e - seg), &part)) < 0)
                                goto fail;
                        if (asprintf(&joined, "%s%s%s", strempty(p.namespace), p.namespace ? "/" : "", part) < 0)
                                goto nomem;
                        free(p.namespace);
                        p.namespace = joined;
                }
                seg = e + 1;
        }
        *ret = p;
        return 0;
nomem:
        r = -ENOMEM;
fail:
        purl_done(&p);
        return r == -ENOMEM ? r : -EINVAL;
}

/* The value of qualifier key (n bytes) in q, or NULL. */
static const char *qualifier(char *const *q, const char *key, size_t n) {
        for (; q && *q; q++)
                if (strncmp(*q, key, n) == 0 && (*q)[n] == '=')
                        return *q + n + 1;
        return NULL;
}

/* "sha256:<64 hex>" in lower case into ret; false when s is not that. */
static bool digest_of(const char *s, char ret[72]) {
        if (!s || strncasecmp(s, "sha256:", 7) != 0 || strlen(s + 7) != 64)
                return false;
        for (size_t i = 7; i < 71; i++)
                if (hexval(s[i]) < 0)
                        return false;
        for (size_t i = 0; i < 71; i++)
                ret[i] = tolower_ascii(s[i]);
        ret[71] = '\0';
        return true;
}

/* A product named by purl: an image (pkg:oci, pkg:docker) by the digest
 * in its version, else a package.  *ret_purl is taken. */
static void target_from_purl(struct target *t, struct purl *purl) {
        bool image = streq_ptr(purl->type, "oci") || streq_ptr(purl->type, "docker");

        if (image) {
                t->kind = digest_of(purl->version, t->digest) ? TARGET_IMAGE : TARGET_OTHER;
                purl_done(purl);
                return;
        }
        t->kind = TARGET_PACKAGE;
        t->purl = *purl;
        *purl = (struct purl) {};
}

/* ---- reading a document ------------------------------------------------------ */

struct doc {
        struct vex *v;
        const char *name;
        const char *source;
        struct error *err;
        bool has_time;          /* the document's timestamp, which statements inherit */
        long long time;
};

/* "vex.json: statements[3].status: ..." */
_printf_(3, 4) static int fail(const struct doc *d, const char *where, const char *fmt, ...) {
        char msg[ERROR_MSG_MAX / 2];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return error_set(d->err, EINVAL, "%s: %s: %s", d->name, where, msg);
}

static int nomem(const struct doc *d) {
        return error_set(d->err, ENOMEM, "%s: out of memory", d->name);
}

/* A field's place in the document, for messages ("statements[3].products[0]"),
 * cut to size when deep. */
_printf_(3, 4) static const char *path_of(char *ret, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(ret, size, fmt, ap);
        va_end(ap);
        return ret;
}

/* "statements[3].status": where a member of where is ("status" alone at
 * the top). */
static const char *member(const char *where, const char *key, char ret[256]) {
        if (strcmp(where, "the document") == 0 || strcmp(where, "the BOM") == 0)
                return path_of(ret, 256, "%s", key);
        return path_of(ret, 256, "%s.%s", where, key);
}

static void shown(const char *s, char ret[80]) {
        json_printable(s, ret, 80);
}

/* "a, b or c" of a NULL-terminated list, for messages. */
static void word_list(const char *const *words, char *ret, size_t size) {
        size_t n = 0;

        ret[0] = '\0';
        for (size_t i = 0; words[i] && n < size; i++)
                n += (size_t) snprintf(ret + n, size - n, "%s%s", i == 0 ? "" : words[i + 1] ? ", " : " or ",
                                       words[i]);
}

/* A member that must be a non-empty string when present: 1 and *ret, 0
 * when absent (or null). */
static int get_string(const struct doc *d, json_t *o, const char *key, const char *where, const char **ret) {
        json_t *v = json_object_get(o, key);
        char w[256];

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v) || json_string_length(v) == 0)
                return fail(d, member(where, key, w), "must be a non-empty string");
        *ret = json_string_value(v);
        return 1;
}

/* A member that must be an array of at most VEX_LIST_MAX items when
 * present: 1 and *ret, 0 when absent. */
static int get_array(const struct doc *d, json_t *o, const char *key, const char *where, json_t **ret) {
        json_t *v = json_object_get(o, key);
        char w[256];

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return fail(d, member(where, key, w), "must be an array");
        if (json_array_size(v) > VEX_LIST_MAX)
                return fail(d, member(where, key, w), "has %zu items, more than %d", json_array_size(v),
                            VEX_LIST_MAX);
        *ret = v;
        return 1;
}

static int word_index(const char *const *words, const char *s) {
        for (int i = 0; s && words[i]; i++)
                if (strcmp(words[i], s) == 0)
                        return i;
        return -1;
}

/* Refuses a key of o that is not one of keys. */
static int only_keys(const struct doc *d, json_t *o, const char *where, const char *what, const char *const *keys) {
        char list[512], sh[80];
        const char *key;
        json_t *v;

        json_object_foreach(o, key, v)
                if (word_index(keys, key) < 0) {
                        word_list(keys, list, sizeof(list));
                        shown(key, sh);
                        return fail(d, where, "'%s' is not a field of %s (%s); correct or remove it", sh, what, list);
                }
        return 0;
}

/* One of a few words, or absent (0). */
static int get_word(const struct doc *d, json_t *o, const char *key, const char *where, const char *const *words,
                    const char **ret) {
        const char *s = NULL;
        char list[512], sh[80], w[256];
        int r = get_string(d, o, key, where, &s);

        if (r <= 0)
                return r;
        if (word_index(words, s) < 0) {
                word_list(words, list, sizeof(list));
                shown(s, sh);
                return fail(d, member(where, key, w), "'%s' is not one of %s", sh, list);
        }
        *ret = s;
        return 1;
}

/* RFC 3339 section 5.6 ("2023-01-08T18:02:03-06:00", "...03.5Z") into
 * seconds since the epoch, each field checked against its range
 * (clock_parse_rfc3339()). */
static int parse_time(const char *s, long long *ret) {
        int64_t t;

        if (clock_parse_rfc3339(s, strlen(s), &t, NULL) < 0)
                return -EINVAL;
        *ret = (long long) t;
        return 0;
}

/* A time member: *ret becomes it, or stays when it is later (a statement's
 * timestamp and last_updated: the later one says when it was last true). */
static int get_time(const struct doc *d, json_t *o, const char *key, const char *where, bool *ret_has,
                    long long *ret) {
        const char *s = NULL;
        char sh[80], w[256];
        long long t;
        int r = get_string(d, o, key, where, &s);

        if (r <= 0)
                return r;
        if (parse_time(s, &t) < 0) {
                shown(s, sh);
                return fail(d, member(where, key, w), "'%s' is not an RFC 3339 time (2023-01-08T18:02:03Z)", sh);
        }
        if (!*ret_has || t > *ret)
                *ret = t;
        *ret_has = true;
        return 1;
}

static int push_copy(const struct doc *d, char ***v, const char *s) {
        return strv_push(v, strdup(s)) < 0 ? nomem(d) : 0;
}

static int parse_purl(const struct doc *d, const char *s, const char *where, struct purl *ret) {
        char sh[80];
        int r = purl_parse(s, ret);

        if (r == -ENOMEM)
                return nomem(d);
        if (r < 0) {
                shown(s, sh);
                return fail(d, where, "'%s' is not a package URL (pkg:TYPE/NAMESPACE/NAME@VERSION)", sh);
        }
        return 0;
}

static struct target *add_target(struct statement *s) {
        struct target *t = realloc(s->targets, (s->n_targets + 1) * sizeof(*t));

        if (!t)
                return NULL;
        s->targets = t;
        t = &t[s->n_targets++];
        *t = (struct target) { .status = _VEX_STATUS_INVALID };
        return t;
}

static struct purl *add_sub(struct target *t) {
        struct purl *p = realloc(t->subs, (t->n_subs + 1) * sizeof(*p));

        if (!p)
                return NULL;
        t->subs = p;
        p = &p[t->n_subs++];
        *p = (struct purl) {};
        return p;
}

/* Copies the label, else text cut to VEX_TEXT_MAX bytes and made
 * printable. */
static int set_justification(const struct doc *d, struct statement *s, const char *label, const char *text) {
        if (!label && !text)
                return 0;
        s->justification = label ? strdup(label) : strndup(text, VEX_TEXT_MAX);
        if (!s->justification)
                return nomem(d);
        str_make_printable(s->justification);
        return 0;
}

/* "pkg:deb/debian/openssl@VERSION?arch=amd64": p, with version after
 * an '@' when not NULL, as shown in a note. */
static int purl_format(const struct purl *p, const char *version, struct strbuf *b) {
        int r = strbuf_printf(b, "pkg:%s/%s%s%s%s%s", p->type, strempty(p->namespace), p->namespace ? "/" : "",
                              p->name, version ? "@" : "", strempty(version));

        for (char **q = p->qualifiers; r >= 0 && q && *q; q++)
                r = strbuf_printf(b, "%s%s", q == p->qualifiers ? "?" : "&", *q);
        return r;
}

static int note_unversioned(const struct doc *d, const char *where, const char *word, const struct purl *p) {
        struct strbuf b = {};
        int r;

        if (strv_length(d->v->notes) >= VEX_NOTES_MAX) {
                d->v->notes_more++;
                return 0;
        }
        r = strbuf_printf(&b, "%s: %s: '%s' for ", d->name, where, word);
        if (r >= 0)
                r = purl_format(p, NULL, &b);
        if (r >= 0)
                r = strbuf_printf(&b, ", which names no version, is left out: a %s statement names the versions "
                                  "that have the fix, and this one would suppress the finding in every version, "
                                  "the vulnerable ones too; name the fixed version (", word);
        if (r >= 0)
                r = purl_format(p, "VERSION", &b);
        if (r >= 0)
                r = strbuf_puts(&b, ") or the image by digest");
        if (r >= 0) {
                str_make_printable(b.s);        /* decoded purls hold any byte */
                r = strv_push(&d->v->notes, strbuf_steal(&b));
        }
        strbuf_done(&b);
        return r < 0 ? nomem(d) : 0;
}

/* OPENVEX-SPEC.md, status "fixed": "the following product versions
 * contain fixes for the vulnerability" (CycloneDX's resolved likewise).
 * Said of a package by a purl without version, it would suppress the
 * finding in every version, the vulnerable one installed too (a vendor's
 * "fixed in a later release" reads so): such a product or subcomponent is
 * left out, and said (vex_notes()).  An image named by digest is one
 * version, its subcomponents too. */
static int drop_unversioned_fixed(const struct doc *d, struct statement *s, const char *where, const char *word) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < s->n_targets; i++) {
                struct target *t = &s->targets[i];

                if (t->kind != TARGET_PACKAGE || (t->status >= 0 ? t->status : s->status) != VEX_FIXED)
                        continue;
                if (!t->narrowed && !t->purl.version) {
                        r = note_unversioned(d, where, word, &t->purl);
                        t->narrowed = true;     /* only its subcomponents, if any */
                }
                for (size_t k = 0; r >= 0 && k < t->n_subs; k++)
                        if (t->subs[k].type && !t->subs[k].version) {
                                r = note_unversioned(d, where, word, &t->subs[k]);
                                purl_done(&t->subs[k]);         /* no type: matches nothing */
                        }
        }
        return r;
}

/* ---- OpenVEX --------------------------------------------------------------- */

/* An OpenVEX component (a product, else a subcomponent): its purl (@id,
 * else identifiers.purl), else its sha-256 hash. */
static int openvex_component(const struct doc *d, json_t *c, const char *where, bool product, const char **ret_purl,
                             const char **ret_hash) {
        const char *id = NULL, *purl = NULL, *hash = NULL;
        json_t *ids, *hashes;
        int r;

        *ret_purl = *ret_hash = NULL;
        if (json_is_string(c)) {        /* v0.0.x: the purl itself */
                *ret_purl = json_string_value(c);
                return 0;
        }
        if (!json_is_object(c))
                return fail(d, where, "must be an object (or, in OpenVEX v0.0.x, a purl string)");
        if ((r = only_keys(d, c, where, product ? "an OpenVEX product" : "an OpenVEX subcomponent",
                           product ? openvex_product_keys : openvex_subcomponent_keys)) < 0 ||
            (r = get_string(d, c, "@id", where, &id)) < 0)
                return r;
        ids = json_object_get(c, "identifiers");
        hashes = json_object_get(c, "hashes");
        if ((ids && !json_is_object(ids)) || (hashes && !json_is_object(hashes)))
                return fail(d, where, "'identifiers' and 'hashes' must be objects");
        if ((ids && (r = get_string(d, ids, "purl", where, &purl)) < 0) ||
            (hashes && (r = get_string(d, hashes, "sha-256", where, &hash)) < 0))
                return r;
        if (!id && !purl && !hash && !(ids && json_object_size(ids) > 0))
                return fail(d, where, "names nothing: give '@id' (a purl), 'identifiers' or 'hashes'");
        *ret_purl = id && startswith(id, "pkg:") ? id : purl;
        *ret_hash = hash;
        return 0;
}

/* subs (a product's subcomponents, or a v0.0.x statement's, which are
 * those of each of its products) into t: an image's narrow the statement
 * to them, a package's add to it. */
static int openvex_subcomponents(const struct doc *d, json_t *subs, const char *where, struct target *t) {
        char w[256];
        json_t *c;
        size_t i;
        int r;

        t->narrowed = t->narrowed || (t->kind == TARGET_IMAGE && json_array_size(subs) > 0);
        json_array_foreach(subs, i, c) {
                const char *purl, *hash;
                struct purl *p;

                path_of(w, sizeof(w), "%s.subcomponents[%zu]", where, i);
                if ((r = openvex_component(d, c, w, false, &purl, &hash)) < 0)
                        return r;
                if (!purl)      /* a file by its hash: no package of ours */
                        continue;
                if (!(p = add_sub(t)))
                        return nomem(d);
                if ((r = parse_purl(d, purl, w, p)) < 0)
                        return r;
        }
        return 0;
}

static int openvex_product(const struct doc *d, json_t *product, const char *where, struct statement *s) {
        json_t *subs = NULL;
        const char *purl, *hash;
        struct target *t;
        struct purl p = {};
        char digest[80];
        int r;

        if ((r = openvex_component(d, product, where, true, &purl, &hash)) < 0 ||
            (json_is_object(product) && (r = get_array(d, product, "subcomponents", where, &subs)) < 0))
                return r;
        if (!(t = add_target(s)))
                return nomem(d);
        if (purl) {
                if ((r = parse_purl(d, purl, where, &p)) < 0)
                        return r;
                target_from_purl(t, &p);
        } else if (hash) {      /* an artifact known by its hash: the image, when it is its digest */
                (void) snprintf(digest, sizeof(digest), "sha256:%.64s", hash);
                t->kind = strlen(hash) == 64 && digest_of(digest, t->digest) ? TARGET_IMAGE : TARGET_OTHER;
        }
        return subs ? openvex_subcomponents(d, subs, where, t) : 0;
}

static int openvex_vulnerability(const struct doc *d, json_t *st, const char *where, struct statement *s) {
        json_t *v = json_object_get(st, "vulnerability"), *aliases = NULL, *a;
        const char *name = NULL;
        char w[256], w2[256];
        size_t i;
        int r;

        path_of(w, sizeof(w), "%s.vulnerability", where);
        if (json_is_string(v) && json_string_length(v) > 0)     /* v0.0.x */
                return push_copy(d, &s->vulns, json_string_value(v));
        if (!json_is_object(v))
                return fail(d, w, v ? "must be an object {\"name\": ...}" : "missing; every statement names one");
        if ((r = only_keys(d, v, w, "an OpenVEX vulnerability", openvex_vulnerability_keys)) < 0 ||
            (r = get_string(d, v, "name", w, &name)) < 0 || (r = get_array(d, v, "aliases", w, &aliases)) < 0)
                return r;
        if (!name)
                return fail(d, member(w, "name", w2), "missing (the vulnerability's id, CVE-...)");
        if ((r = push_copy(d, &s->vulns, name)) < 0)
                return r;
        json_array_foreach(aliases, i, a) {
                if (!json_is_string(a))
                        return fail(d, w, "aliases[%zu] must be a string", i);
                if ((r = push_copy(d, &s->vulns, json_string_value(a))) < 0)
                        return r;
        }
        return 0;
}

static int openvex_statement(const struct doc *d, json_t *st, const char *where, struct statement *s) {
        const char *status = NULL, *justification = NULL, *impact = NULL;
        json_t *products = NULL, *subs = NULL, *p;
        char w[256];
        size_t i;
        int r;

        if (!json_is_object(st))
                return fail(d, where, "must be an object");
        if ((r = only_keys(d, st, where, "an OpenVEX statement", openvex_statement_keys)) < 0 ||
            (r = openvex_vulnerability(d, st, where, s)) < 0 ||
            (r = get_word(d, st, "status", where, status_names, &status)) < 0 ||
            (r = get_word(d, st, "justification", where, openvex_justifications, &justification)) < 0 ||
            (r = get_string(d, st, "impact_statement", where, &impact)) < 0 ||
            (r = get_time(d, st, "timestamp", where, &s->has_time, &s->time)) < 0 ||
            (r = get_time(d, st, "last_updated", where, &s->has_time, &s->time)) < 0 ||
            (r = get_array(d, st, "products", where, &products)) < 0 ||
            (r = get_array(d, st, "subcomponents", where, &subs)) < 0)
                return r;
        if (!status)
                return fail(d, member(where, "status", w), "missing (not_affected, affected, fixed or "
                            "under_investigation)");
        s->status = word_index(status_names, status);
        /* OPENVEX-SPEC.md, statement fields: a not_affected statement MUST
         * say why. */
        if (s->status == VEX_NOT_AFFECTED && !justification && !impact)
                return fail(d, where, "a not_affected statement needs a 'justification' or an 'impact_statement'");
        /* products may cascade from an encapsulating document, which a
         * file on its own does not have */
        if (!products || json_array_size(products) == 0)
                return fail(d, member(where, "products", w), "missing or empty: name the image "
                            "(pkg:oci/NAME@sha256:...) "
                            "or the packages (purls) the statement is about");
        json_array_foreach(products, i, p) {
                path_of(w, sizeof(w), "%s.products[%zu]", where, i);
                if ((r = openvex_product(d, p, w, s)) < 0)
                        return r;
        }
        /* v0.0.x: the statement's subcomponents are each product's
         * (go-vex reads them so) */
        for (size_t k = 0; subs && k < s->n_targets; k++)
                if ((r = openvex_subcomponents(d, subs, where, &s->targets[k])) < 0)
                        return r;
        if (!s->has_time && d->has_time) {
                s->has_time = true;
                s->time = d->time;
        }
        if ((r = drop_unversioned_fixed(d, s, where, "fixed")) < 0)
                return r;
        return set_justification(d, s, justification, impact);
}

static int add_statement(const struct doc *d, struct statement **ret) {
        struct vex *v = d->v;

        if (v->n >= VEX_STATEMENTS_MAX)
                return error_set(d->err, E2BIG, "%s: more than %d VEX statements in all", d->name,
                                 VEX_STATEMENTS_MAX);
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 16;
                struct statement *n = realloc(v->st, cap * sizeof(*n));

                if (!n)
                        return nomem(d);
                v->st = n;
                v->cap = cap;
        }
        *ret = &v->st[v->n++];
        **ret = (struct statement) { .source = d->source };
        return 0;
}

static int parse_openvex(struct doc *d, json_t *root) {
        json_t *statements = NULL, *st;
        char w[64];
        size_t i;
        int r;

        if ((r = get_time(d, root, "timestamp", "the document", &d->has_time, &d->time)) < 0 ||
            (r = get_array(d, root, "statements", "the document", &statements)) < 0)
                return r;
        if (!statements)
                return fail(d, "statements", "missing");
        /* OPENVEX-SPEC.md, document: timestamp is required, and a
         * statement without its own takes it; without one the order of
         * statements across documents would be a guess */
        if (!d->has_time)
                return fail(d, "timestamp", "missing: an OpenVEX document says when it was issued "
                            "(\"timestamp\": \"2023-01-08T18:02:03Z\"); add it");
        json_array_foreach(statements, i, st) {
                struct statement *s;

                path_of(w, sizeof(w), "statements[%zu]", i);
                if ((r = add_statement(d, &s)) < 0 || (r = openvex_statement(d, st, w, s)) < 0)
                        return r;
        }
        return 0;
}

/* ---- CycloneDX --------------------------------------------------------------- */

/* A component of the BOM by bom-ref. */
struct cdx_component {
        const char *ref;
        const char *purl;       /* or NULL */
        const char *hash;       /* its SHA-256, or NULL */
        bool container;         /* "type": "container" */
        char *where;            /* "components[1].components[0]", for messages (NULL: the product) */
        size_t order;           /* its place in the document */
};

/* What metadata.component, the BOM's product, is. */
enum cdx_product {
        CDX_PRODUCT_NONE,       /* none, or one we can't name: each component is a product of its own */
        CDX_PRODUCT_IMAGE,      /* an image named by digest: its components are subcomponents */
        CDX_PRODUCT_OTHER_IMAGE,/* an image not named by digest: nothing applies */
        CDX_PRODUCT_PACKAGE,    /* a package: it and its components are products */
};

struct cdx {
        struct cdx_component *c;
        size_t n;
        size_t cap;
        struct cdx_component product;   /* metadata.component (all NULL when none) */
        enum cdx_product kind;
        char digest[72];                /* CDX_PRODUCT_IMAGE */
};

static int cdx_hash(const struct doc *d, json_t *c, const char *where, const char **ret) {
        json_t *hashes = NULL, *h;
        size_t i;
        int r = get_array(d, c, "hashes", where, &hashes);

        json_array_foreach(hashes, i, h) {
                const char *alg = json_string_value(json_object_get(h, "alg"));
                const char *content = json_string_value(json_object_get(h, "content"));

                if (!alg || !content)
                        return fail(d, where, "hashes[%zu] must be {\"alg\", \"content\"}", i);
                if (strcmp(alg, "SHA-256") == 0)
                        *ret = content;
        }
        return r < 0 ? r : 0;
}

static int cdx_describe(const struct doc *d, json_t *c, const char *where, struct cdx_component *ret) {
        const char *type = NULL;
        int r;

        *ret = (struct cdx_component) {};
        if (!json_is_object(c))
                return fail(d, where, "must be an object");
        if ((r = get_string(d, c, "bom-ref", where, &ret->ref)) < 0 ||
            (r = get_string(d, c, "purl", where, &ret->purl)) < 0 ||
            (r = get_string(d, c, "type", where, &type)) < 0)
                return r;
        ret->container = streq_ptr(type, "container");
        return cdx_hash(d, c, where, &ret->hash);
}

static int cdx_components(const struct doc *d, json_t *list, const char *where, unsigned depth, struct cdx *x) {
        char w[256];
        json_t *c;
        size_t i;
        int r;

        if (depth > VEX_DEPTH_MAX)
                return fail(d, where, "components nest deeper than %d", VEX_DEPTH_MAX);
        json_array_foreach(list, i, c) {
                json_t *nested = NULL;

                path_of(w, sizeof(w), "%s[%zu]", where, i);
                if (x->n >= VEX_COMPONENTS_MAX)
                        return fail(d, w, "more than %d components", VEX_COMPONENTS_MAX);
                if (x->n == x->cap) {
                        size_t cap = x->cap ? x->cap * 2 : 64;
                        struct cdx_component *n = realloc(x->c, cap * sizeof(*n));

                        if (!n)
                                return nomem(d);
                        x->c = n;
                        x->cap = cap;
                }
                if ((r = cdx_describe(d, c, w, &x->c[x->n])) < 0)
                        return r;
                if (!(x->c[x->n].where = strdup(w)))
                        return nomem(d);
                x->c[x->n].order = x->n;
                x->n++;
                if ((r = get_array(d, c, "components", w, &nested)) < 0)
                        return r;
                if (nested) {
                        path_of(w, sizeof(w), "%s[%zu].components", where, i);
                        if ((r = cdx_components(d, nested, w, depth + 1, x)) < 0)
                                return r;
                }
        }
        return 0;
}

static int by_ref(const void *a, const void *b) {
        const struct cdx_component *x = a, *y = b;

        return strcmp(strempty(x->ref), strempty(y->ref));
}

/* A bom-ref names one component ("unique within the BOM", CycloneDX):
 * of two with the same, a ref would name either.  x->c sorted by ref. */
static int cdx_unique_refs(const struct doc *d, const struct cdx *x) {
        char sh[80], w[300];

        for (size_t i = 0; i < x->n; i++) {
                const struct cdx_component *first = &x->c[i], *again = i + 1 < x->n ? &x->c[i + 1] : NULL;
                const char *other;

                if (!first->ref)
                        continue;
                if (streq_ptr(x->product.ref, first->ref)) {
                        again = first;
                        other = "metadata.component";
                } else if (again && streq_ptr(first->ref, again->ref)) {
                        if (again->order < first->order) {
                                const struct cdx_component *t = first;

                                first = again;
                                again = t;
                        }
                        other = first->where;
                } else
                        continue;
                shown(again->ref, sh);
                return fail(d, path_of(w, sizeof(w), "%s.bom-ref", again->where), "'%s' is also the bom-ref of %s; "
                            "a bom-ref names one component of a BOM (CycloneDX): make each one unique", sh, other);
        }
        return 0;
}

/* metadata.component: an image by its digest (a pkg:oci purl, or a
 * container's SHA-256), a package by its purl, or something else. */
static int cdx_product(const struct doc *d, json_t *meta, struct cdx *x) {
        json_t *c = json_object_get(meta, "component");
        struct purl p = {};
        char digest[80];
        int r;

        if (!c)
                return 0;
        if ((r = cdx_describe(d, c, "metadata.component", &x->product)) < 0)
                return r;
        if (x->product.purl) {
                struct target t = {};

                if ((r = parse_purl(d, x->product.purl, "metadata.component.purl", &p)) < 0)
                        return r;
                target_from_purl(&t, &p);
                x->kind = t.kind == TARGET_IMAGE ? CDX_PRODUCT_IMAGE : t.kind == TARGET_PACKAGE ? CDX_PRODUCT_PACKAGE
                                                                                             : CDX_PRODUCT_OTHER_IMAGE;
                memcpy(x->digest, t.digest, sizeof(x->digest));
                target_done(&t);
        } else if (x->product.container) {
                (void) snprintf(digest, sizeof(digest), "sha256:%.64s", strempty(x->product.hash));
                x->kind = x->product.hash && strlen(x->product.hash) == 64 && digest_of(digest, x->digest)
                                  ? CDX_PRODUCT_IMAGE : CDX_PRODUCT_OTHER_IMAGE;
        }
        return 0;
}

/* The BOM-Link "urn:cdx:SERIAL/VERSION#BOM-REF" names a bom-ref of a BOM
 * (this one, we assume: a VEX BOM points at its SBOM's components). */
static const char *cdx_ref(const char *ref) {
        const char *hash = startswith(ref, "urn:cdx:") ? strchr(ref, '#') : NULL;

        return hash ? hash + 1 : ref;
}

/* The purl affects[i].ref names: itself, or a component's by bom-ref;
 * *ret NULL for a component without one, *ret_product for the product. */
static int cdx_resolve(const struct doc *d, const struct cdx *x, const char *ref, const char *where, const char **ret,
                       bool *ret_product) {
        struct cdx_component key = { .ref = cdx_ref(ref) }, *c;
        char sh[80];

        *ret = NULL;
        *ret_product = x->product.ref && strcmp(key.ref, x->product.ref) == 0;
        if (*ret_product)
                return 0;
        if (startswith(key.ref, "pkg:")) {
                *ret = key.ref;
                return 0;
        }
        c = x->n ? bsearch(&key, x->c, x->n, sizeof(*x->c), by_ref) : NULL;
        if (!c) {
                shown(ref, sh);
                return fail(d, where, "ref '%s' is neither a purl nor the bom-ref of a component of the BOM", sh);
        }
        *ret = c->purl;
        return 0;
}

/* A target of affects[i]: of an image product, the image (narrowed to
 * the component unless the ref is the product); else the component's
 * package, by the purls added to it. */
static struct target *cdx_target(struct statement *s, const struct cdx *x, bool product, enum vex_status status) {
        struct target *t = add_target(s);

        if (!t)
                return NULL;
        t->status = status;
        t->narrowed = true;
        if (x->kind == CDX_PRODUCT_IMAGE) {
                t->kind = TARGET_IMAGE;
                memcpy(t->digest, x->digest, sizeof(t->digest));
                t->narrowed = !product;
        } else
                t->kind = TARGET_PACKAGE;
        return t;
}

/* A copy of p with another version. */
static int purl_with_version(const struct purl *p, const char *version, struct purl *ret) {
        *ret = (struct purl) {};
        if (!(ret->type = strdup(p->type)) || !(ret->name = strdup(p->name)) || !(ret->version = strdup(version)) ||
            (p->namespace && !(ret->namespace = strdup(p->namespace))))
                return -ENOMEM;
        for (char **q = p->qualifiers; q && *q; q++)
                if (strv_push(&ret->qualifiers, strdup(*q)) < 0)
                        return -ENOMEM;
        return 0;
}

/* What versions[i] of an analysis with status st says of that version:
 * st for an "unaffected" one, which is what a not_affected or resolved
 * analysis is about; affected (the schema's default) or
 * under_investigation (unknown) for the others under a suppressing
 * analysis, so that the newer word on that version is not left to an
 * older suppression; under an exploitable or in_triage one, st for the
 * affected ones, under_investigation for unknown, and nothing (-1) for
 * an unaffected one, which such an analysis gives no reason for. */
static int cdx_version_status(enum vex_status st, const char *status) {
        bool suppressing = st == VEX_NOT_AFFECTED || st == VEX_FIXED;

        if (streq_ptr(status, "unaffected"))
                return suppressing ? (int) st : -1;
        if (streq_ptr(status, "unknown"))
                return VEX_UNDER_INVESTIGATION;
        return suppressing ? VEX_AFFECTED : (int) st;
}

/* versions[i]: its version (NULL for a range) and what it says (-1:
 * nothing). */
static int cdx_version(const struct doc *d, json_t *v, const char *where, enum vex_status st, const char **ret_version,
                       int *ret_status) {
        const char *version = NULL, *range = NULL, *status = NULL;
        int r;

        if (!json_is_object(v))
                return fail(d, where, "must be an object {\"version\" or \"range\", \"status\"}");
        if ((r = get_string(d, v, "version", where, &version)) < 0 || (r = get_string(d, v, "range", where, &range)) < 0 ||
            (r = get_word(d, v, "status", where, cdx_version_statuses, &status)) < 0)
                return r;
        if (!version == !range)
                return fail(d, where, "needs one of 'version' and 'range' (CycloneDX affects[].versions[])");
        *ret_version = version;
        *ret_status = cdx_version_status(st, status);
        return 0;
}

/* affects[i].versions of a package (or an image's component): a target
 * per status said, with a purl per exact version.  A range is not
 * evaluated, so it adds nothing. */
static int cdx_versions(const struct doc *d, const struct cdx *x, const char *purl, json_t *versions, const char *where,
                        struct statement *s) {
        _cleanup_(purl_done) struct purl p = {};
        size_t group[_VEX_STATUS_MAX + 1];      /* a target's index by status; the last: the statement's */
        char w[256];
        json_t *v;
        size_t i;
        int r;

        if ((r = parse_purl(d, purl, where, &p)) < 0)
                return r;
        for (size_t k = 0; k < ELEMENTSOF(group); k++)
                group[k] = SIZE_MAX;
        json_array_foreach(versions, i, v) {
                const char *version;
                struct purl *sub;
                int st;
                size_t k;

                path_of(w, sizeof(w), "%s.versions[%zu]", where, i);
                if ((r = cdx_version(d, v, w, s->status, &version, &st)) < 0)
                        return r;
                if (st < 0 || !version)
                        continue;
                k = st == (int) s->status ? _VEX_STATUS_MAX : (size_t) st;
                if (group[k] == SIZE_MAX) {
                        if (!cdx_target(s, x, false, k == _VEX_STATUS_MAX ? _VEX_STATUS_INVALID : st))
                                return nomem(d);
                        group[k] = s->n_targets - 1;
                }
                if (!(sub = add_sub(&s->targets[group[k]])) || purl_with_version(&p, version, sub) < 0)
                        return nomem(d);
        }
        return 0;
}

/* versions of the image product itself: which of them this image is, we
 * can't tell, so the analysis applies to it only when it says the same of
 * every version listed. */
static int cdx_image_versions(const struct doc *d, json_t *versions, const char *where, struct statement *s,
                              bool *ret_same) {
        char w[256];
        json_t *v;
        size_t i;
        int r;

        *ret_same = true;
        json_array_foreach(versions, i, v) {
                const char *version;
                int st;

                path_of(w, sizeof(w), "%s.versions[%zu]", where, i);
                if ((r = cdx_version(d, v, w, s->status, &version, &st)) < 0)
                        return r;
                *ret_same = *ret_same && st == (int) s->status;
        }
        return 0;
}

/* affects[i] as targets: of an image product, the image narrowed to the
 * component (the whole image when the ref is the product); else the
 * component's package (the product's, when the ref is the product).
 * With "versions", only the versions listed, each for what its status
 * says. */
static int cdx_affect(const struct doc *d, const struct cdx *x, json_t *a, const char *where, struct statement *s) {
        const char *ref = NULL, *purl = NULL;
        json_t *versions = NULL;
        struct purl *sub;
        char w[256];
        bool product, same;
        int r;

        if (!json_is_object(a))
                return fail(d, where, "must be an object {\"ref\": ...}");
        if ((r = get_string(d, a, "ref", where, &ref)) < 0 || (r = get_array(d, a, "versions", where, &versions)) < 0)
                return r;
        if (!ref)
                return fail(d, member(where, "ref", w), "missing");
        if ((r = cdx_resolve(d, x, ref, where, &purl, &product)) < 0)
                return r;
        if (product && x->kind == CDX_PRODUCT_PACKAGE)
                purl = x->product.purl;
        if (x->kind == CDX_PRODUCT_OTHER_IMAGE || (product && x->kind == CDX_PRODUCT_NONE))
                return 0;       /* names nothing of ours */
        if (x->kind == CDX_PRODUCT_IMAGE && product) {
                if (versions && ((r = cdx_image_versions(d, versions, where, s, &same)) < 0 || !same))
                        return r;
                return cdx_target(s, x, true, _VEX_STATUS_INVALID) ? 0 : nomem(d);
        }
        if (!purl)              /* a component without purl: no package of ours */
                return 0;
        if (versions)
                return cdx_versions(d, x, purl, versions, where, s);
        if (!cdx_target(s, x, false, _VEX_STATUS_INVALID) || !(sub = add_sub(&s->targets[s->n_targets - 1])))
                return nomem(d);
        return parse_purl(d, purl, where, sub);
}

/* One vulnerabilities[] entry with an analysis: a statement with one
 * target per affects[] entry. */
static int cdx_vulnerability(const struct doc *d, const struct cdx *x, json_t *vuln, const char *where,
                             struct statement *s) {
        const char *id = NULL, *state = NULL, *justification = NULL, *detail = NULL;
        json_t *analysis = json_object_get(vuln, "analysis"), *refs = NULL, *affects = NULL, *e;
        char w[256], sh[80];
        size_t i;
        int r;

        if ((r = get_string(d, vuln, "id", where, &id)) < 0 || (r = get_array(d, vuln, "references", where, &refs)) < 0 ||
            (r = get_array(d, vuln, "affects", where, &affects)) < 0)
                return r;
        if (!id)
                return fail(d, member(where, "id", w), "missing");
        path_of(w, sizeof(w), "%s.analysis", where);
        if (!json_is_object(analysis))
                return fail(d, w, "must be an object");
        if ((r = get_string(d, analysis, "state", w, &state)) < 0 ||
            (r = get_word(d, analysis, "justification", w, cdx_justifications, &justification)) < 0 ||
            (r = get_string(d, analysis, "detail", w, &detail)) < 0 ||
            (r = get_time(d, analysis, "firstIssued", w, &s->has_time, &s->time)) < 0 ||
            (r = get_time(d, analysis, "lastUpdated", w, &s->has_time, &s->time)) < 0)
                return r;
        s->status = _VEX_STATUS_INVALID;
        for (size_t k = 0; state && k < ELEMENTSOF(cdx_states); k++)
                if (strcmp(cdx_states[k].state, state) == 0)
                        s->status = cdx_states[k].status;
        if (s->status < 0) {
                shown(strempty(state), sh);
                path_of(w, sizeof(w), "%s.analysis.state", where);
                return fail(d, w, state ? "'%s' is not one of resolved, resolved_with_pedigree, exploitable, "
                            "in_triage, false_positive or not_affected" : "missing%s", sh);
        }
        /* CycloneDX's justification is "the rationale of why the impact
         * analysis state was asserted to be Not Affected"; as in OpenVEX,
         * a not_affected without any reason is refused */
        if (strcmp(state, "not_affected") == 0 && !justification && !detail) {
                path_of(w, sizeof(w), "%s.analysis", where);
                return fail(d, w, "a not_affected analysis needs a 'justification' or a 'detail'");
        }
        if (!affects || json_array_size(affects) == 0)
                return fail(d, member(where, "affects", w), "missing or empty: name the components the analysis "
                            "is about");
        if ((r = push_copy(d, &s->vulns, id)) < 0)
                return r;
        json_array_foreach(refs, i, e) {
                const char *alias = json_string_value(json_object_get(e, "id"));

                if (!alias)
                        return fail(d, where, "references[%zu] must be {\"id\", \"source\"}", i);
                if ((r = push_copy(d, &s->vulns, alias)) < 0)
                        return r;
        }
        json_array_foreach(affects, i, e) {
                path_of(w, sizeof(w), "%s.affects[%zu]", where, i);
                if ((r = cdx_affect(d, x, e, w, s)) < 0)
                        return r;
        }
        if ((r = drop_unversioned_fixed(d, s, where, state)) < 0)
                return r;
        return set_justification(d, s, justification, detail);
}

static int cdx_vulnerabilities(struct doc *d, const struct cdx *x, json_t *vulns) {
        char w[64];
        json_t *v;
        size_t i;
        int r;

        json_array_foreach(vulns, i, v) {
                json_t *analysis = json_object_get(v, "analysis");
                struct statement *s;

                path_of(w, sizeof(w), "vulnerabilities[%zu]", i);
                if (!json_is_object(v))
                        return fail(d, w, "must be an object");
                /* an entry without an analysis state says nothing of
                 * exploitability (a vulnerability report, not VEX) */
                if (!analysis || (json_is_object(analysis) && !json_object_get(analysis, "state")))
                        continue;
                if ((r = add_statement(d, &s)) < 0 || (r = cdx_vulnerability(d, x, v, w, s)) < 0)
                        return r;
                if (!s->has_time && d->has_time) {
                        s->has_time = true;
                        s->time = d->time;
                }
        }
        return 0;
}

static int parse_cyclonedx(struct doc *d, json_t *root) {
        const char *spec = NULL;
        json_t *meta = json_object_get(root, "metadata"), *list = NULL, *vulns = NULL;
        struct cdx x = {};
        char versions[64], sh[80];
        int r;

        if ((r = get_string(d, root, "specVersion", "the BOM", &spec)) < 0)
                return r;
        if (word_index(cdx_spec_versions, spec) < 0) {
                word_list(cdx_spec_versions, versions, sizeof(versions));
                shown(strempty(spec), sh);
                return fail(d, "specVersion", "'%s' is not one of %s", sh, versions);
        }
        if (meta && !json_is_object(meta))
                return fail(d, "metadata", "must be an object");
        if ((r = get_time(d, meta, "timestamp", "metadata", &d->has_time, &d->time)) < 0 ||
            (r = cdx_product(d, meta, &x)) < 0 ||
            (r = get_array(d, root, "components", "the BOM", &list)) < 0 ||
            (r = get_array(d, root, "vulnerabilities", "the BOM", &vulns)) < 0)
                return r;
        if (!vulns)
                return fail(d, "vulnerabilities", "missing: a CycloneDX VEX lists them");
        r = list ? cdx_components(d, list, "components", 0, &x) : 0;
        if (r >= 0 && x.n)
                qsort(x.c, x.n, sizeof(*x.c), by_ref);
        if (r >= 0)
                r = cdx_unique_refs(d, &x);
        if (r >= 0)
                r = cdx_vulnerabilities(d, &x, vulns);
        for (size_t i = 0; i < x.n; i++)
                free(x.c[i].where);
        free(x.c);
        return r;
}

/* ---- documents --------------------------------------------------------------- */

/* Statements dated ahead of the clock (by more than a day: time zones,
 * clock skew): the latest statement decides, so such a one outweighs
 * every statement until then, a later correction too.  Said once per
 * document (vex_notes()); they still apply. */
static int note_future(const struct doc *d, size_t start) {
        long long now = (long long) time(NULL), latest = 0;
        size_t n = 0;
        char when[32];
        struct tm tm;
        time_t t;

        for (size_t i = start; i < d->v->n; i++)
                if (d->v->st[i].has_time && d->v->st[i].time > now + 86400) {
                        n++;
                        latest = d->v->st[i].time > latest ? d->v->st[i].time : latest;
                }
        if (n == 0)
                return 0;
        if (strv_length(d->v->notes) >= VEX_NOTES_MAX) {
                d->v->notes_more++;
                return 0;
        }
        t = (time_t) latest;
        if (!gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                (void) snprintf(when, sizeof(when), "@%lld", latest);
        return strv_pushf(&d->v->notes, "%s: %zu statement%s dated ahead of this node's clock (the latest %s): the "
                          "latest statement decides, so %s every statement until then, a correction too; correct "
                          "the timestamp, or the clock", d->name, n, n == 1 ? " is" : "s are", when,
                          n == 1 ? "it outweighs" : "they outweigh") < 0 ? nomem(d) : 0;
}

int vex_parse(struct vex *v, const char *buf, size_t len, const char *name, struct error *err) {
        _cleanup_free_ char *source = strdup(name);
        struct doc d = { .v = v, .name = name, .source = source, .err = err };
        size_t start = v->n, notes = strv_length(v->notes), notes_more = v->notes_more;
        json_error_t jerr;
        const char *context;
        json_t *root;
        int r;

        if (!source)
                return error_set(err, ENOMEM, "%s: out of memory", name);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return error_set(err, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        context = json_string_value(json_object_get(root, "@context"));
        if (!json_is_object(root))
                r = fail(&d, "the document", "must be a JSON object");
        else if (json_object_get(root, "bomFormat"))
                r = streq_ptr(json_string_value(json_object_get(root, "bomFormat")), "CycloneDX")
                            ? parse_cyclonedx(&d, root)
                            : fail(&d, "bomFormat", "must be \"CycloneDX\"");
        else if (context && startswith(context, "https://openvex.dev/ns"))
                r = parse_openvex(&d, root);
        else
                r = fail(&d, "the document", "neither an OpenVEX document (\"@context\": "
                         "\"https://openvex.dev/ns/v0.2.0\") nor a CycloneDX BOM (\"bomFormat\": \"CycloneDX\")");
        json_decref(root);
        if (r >= 0)
                r = note_future(&d, start);
        if (r >= 0 && strv_push(&v->sources, TAKE_PTR(source)) < 0)
                r = error_set(err, ENOMEM, "%s: out of memory", name);
        if (r < 0) {
                for (size_t i = start; i < v->n; i++)
                        statement_done(&v->st[i]);
                v->n = start;
                for (size_t i = notes, n = strv_length(v->notes); i < n; i++)
                        free(TAKE_PTR(v->notes[i]));
                v->notes_more = notes_more;
        }
        return r;
}

int vex_load(struct vex *v, const char *path, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_full_file(path, VEX_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return error_wrap(err, "VEX document");
        return vex_parse(v, buf, len, path, err);
}

/* ---- applying ----------------------------------------------------------------- */

static bool is_cve(const char *id) {
        return strncasecmp(id, "CVE-", 4) == 0;
}

static bool names(const struct statement *s, const char *id) {
        for (char **n = s->vulns; n && *n; n++)
                if (strcaseeq(*n, id))
                        return true;
        return false;
}

static bool names_vuln(const struct statement *s, const struct finding *f) {
        if (names(s, f->id))
                return true;
        for (char **a = f->aliases; a && *a; a++)
                if (names(s, *a))
                        return true;
        return false;
}

/* One of the distinct vulnerabilities a finding carries, and the
 * statement that decides for it. */
struct vuln {
        const char *id;
        const struct statement *by;
        enum vex_status status;
};

/* The distinct vulnerabilities f carries: the CVE ids among its id and
 * aliases, else its id.  An advisory (DSA-5526-1, USN-…) lists the CVEs
 * it fixes as aliases (the importer adds Debian's "upstream"), each a
 * vulnerability of its own; a GHSA or a distribution's record of one CVE
 * lists that one CVE, the same vulnerability under another name. */
static int finding_vulns(const struct finding *f, struct vuln **ret, size_t *ret_n) {
        size_t n_aliases = strv_length(f->aliases), n = 0;
        struct vuln *v = calloc(n_aliases + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i <= n_aliases; i++) {
                const char *id = i == 0 ? f->id : f->aliases[i - 1];
                bool seen = false;

                for (size_t k = 0; id && is_cve(id) && k < n && !seen; k++)
                        seen = strcaseeq(v[k].id, id);
                if (id && is_cve(id) && !seen)
                        v[n++] = (struct vuln) { .id = id };
        }
        if (n == 0)
                v[n++] = (struct vuln) { .id = f->id };
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Whether s speaks of the vulnerability id, one of the n f carries: a
 * statement on the finding's own id, of all of them (a DSA's statement
 * covers each of its CVEs); one that names a CVE, of that CVE; one that
 * names another of the finding's names (a GHSA), only when the finding
 * carries one vulnerability, since that name does not say which of
 * several it is. */
static bool speaks_of(const struct statement *s, const struct finding *f, const char *id, size_t n) {
        return strcaseeq(s->vulns[0], f->id) || names(s, id) || (n == 1 && names_vuln(s, f));
}

/* The statement's purl s against the finding's: type, namespace and name
 * (or, for a distribution's package without version, the source package's
 * name), the version when s has one, and s's qualifiers that the finding's
 * purl has too.  A source package with its version is named so
 * (purl-spec's deb type: pkg:deb/debian/attr@1:2.4.47-2?arch=source): each
 * of its binaries at that version (a rebuild's, Debian's +b1, is another:
 * the finding then counts). */
static bool purl_matches(const struct purl *s, const struct purl *f, const struct finding *fd) {
        bool source = streq_ptr(qualifier(s->qualifiers, "arch", 4), "source");
        const char *src = fd->source_name ? fd->source_name : f->name;

        if (!s->type || !streq_ptr(s->type, f->type) || !streq_ptr(s->namespace, f->namespace))
                return false;
        if (source ? strcmp(s->name, src) != 0
                   : strcmp(s->name, f->name) != 0 && (s->version || !fd->source_name ||
                                                      strcmp(s->name, fd->source_name) != 0))
                return false;
        if (s->version && !streq_ptr(s->version, f->version) && !streq_ptr(s->version, fd->installed_version))
                return false;
        for (char **q = s->qualifiers; q && *q; q++) {
                const char *eq = strchr(*q, '=');
                const char *have = qualifier(f->qualifiers, *q, (size_t) (eq - *q));

                if (source && startswith(*q, "arch="))
                        continue;
                if (have && strcmp(have, eq + 1) != 0)
                        return false;
        }
        return true;
}

static bool subs_match(const struct target *t, const struct purl *fp, const struct finding *f) {
        for (size_t i = 0; fp && i < t->n_subs; i++)
                if (purl_matches(&t->subs[i], fp, f))
                        return true;
        return false;
}

static bool suppresses(enum vex_status st) {
        return st == VEX_NOT_AFFECTED || st == VEX_FIXED;
}

static bool target_matches(const struct target *t, const struct finding *f, const struct purl *fp, const char *digest) {
        if (t->kind == TARGET_IMAGE && digest && strcmp(t->digest, digest) == 0)
                return !t->narrowed || subs_match(t, fp, f);
        if (t->kind == TARGET_PACKAGE && fp)
                return (!t->narrowed && purl_matches(&t->purl, fp, f)) || subs_match(t, fp, f);
        return false;
}

/* What s says of f's product: the status of the target that applies (of
 * several, one that does not suppress), or -1 when none applies. */
static int applies(const struct statement *s, const struct finding *f, const struct purl *fp, const char *digest) {
        int st = -1;

        for (size_t i = 0; i < s->n_targets; i++) {
                const struct target *t = &s->targets[i];
                enum vex_status says = t->status >= 0 ? t->status : s->status;

                if (target_matches(t, f, fp, digest) && (st < 0 || !suppresses(says)))
                        st = says;
        }
        return st;
}

/* Whether a is later than b: by time; one with a time over one without
 * (an OpenVEX statement always has one, its own or its document's; a
 * CycloneDX analysis may have none); of two equal, the one added later.
 * A total order, so that what decides does not depend on the order in
 * which the statements are looked at. */
static bool later(const struct statement *a, const struct statement *b) {
        if (a->has_time != b->has_time)
                return a->has_time;
        if (a->has_time && a->time != b->time)
                return a->time > b->time;
        return a > b;   /* both in struct vex's array, in the order added */
}

/* For each vulnerability f carries, the latest statement that applies
 * and speaks of it. */
static void deciding(const struct vex *v, const struct finding *f, const struct purl *fp, const char *digest,
                     struct vuln *vulns, size_t n) {
        for (size_t i = 0; i < v->n; i++) {
                const struct statement *s = &v->st[i];
                int st;

                if (!names_vuln(s, f) || (st = applies(s, f, fp, digest)) < 0)
                        continue;
                for (size_t k = 0; k < n; k++)
                        if (speaks_of(s, f, vulns[k].id, n) && (!vulns[k].by || later(s, vulns[k].by))) {
                                vulns[k].by = s;
                                vulns[k].status = st;
                        }
        }
}

static int suppress(struct finding *f, const struct vuln *by) {
        const struct statement *s = by->by;

        free(f->vex_status);
        free(f->vex_justification);
        free(f->vex_source);
        f->vex_status = strdup(vex_status_to_string(by->status));
        f->vex_justification = s->justification ? strdup(s->justification) : NULL;
        f->vex_source = strdup(s->source);
        return f->vex_status && f->vex_source && (f->vex_justification || !s->justification) ? 0 : -ENOMEM;
}

static bool vuln_suppressed(const struct vuln *v) {
        return v->by && suppresses(v->status);
}

/* The ids of vulns suppressed (or not), at most VEX_WARNING_IDS_MAX,
 * with what decides for each that is not. */
static int list_vulns(struct strbuf *b, const struct vuln *vulns, size_t n, bool suppressed) {
        size_t listed = 0, left = 0;
        int r = 0;

        for (size_t k = 0; r >= 0 && k < n; k++) {
                if (vuln_suppressed(&vulns[k]) != suppressed)
                        continue;
                if (listed++ >= VEX_WARNING_IDS_MAX) {
                        left++;
                        continue;
                }
                r = strbuf_printf(b, "%s%s", listed > 1 ? ", " : "", vulns[k].id);
                if (r >= 0 && !suppressed)
                        r = strbuf_printf(b, " (%s)", vulns[k].by ? vex_status_to_string(vulns[k].status)
                                                                  : "no statement applies");
        }
        return r >= 0 && left ? strbuf_printf(b, " and %zu more", left) : r;
}

/* "VEX: DSA-9001-1 (perl-base 5.36.0-7) still counts: ...": a finding
 * left counted because the statements suppress only some of the
 * vulnerabilities it carries, said so that it does not look like a
 * statement was ignored. */
static int warn_partly(struct scan_result *res, const struct finding *f, const struct vuln *vulns, size_t n) {
        struct strbuf b = {};
        int r;

        r = strbuf_printf(&b, "VEX: %s (%s %s) still counts: VEX statements suppress ", f->id, strna(f->package),
                          strna(f->installed_version));
        if (r >= 0)
                r = list_vulns(&b, vulns, n, true);
        if (r >= 0)
                r = strbuf_puts(&b, " of it, not ");
        if (r >= 0)
                r = list_vulns(&b, vulns, n, false);
        if (r >= 0)
                r = strbuf_printf(&b, "; a statement on %s, or on each of the vulnerabilities it covers, "
                                  "suppresses it", f->id);
        if (r >= 0)
                r = strv_push(&res->warnings, strbuf_steal(&b));
        strbuf_done(&b);
        if (r >= 0)
                res->n_warnings++;
        return r < 0 ? -ENOMEM : 0;
}

/* f against the statements: 1 when suppressed, 2 when left counted with
 * only some of its vulnerabilities suppressed (*warned counts those),
 * else 0; -ENOMEM. */
static int apply_one(const struct vex *v, const char *digest, struct finding *f, struct scan_result *res,
                     size_t *warned) {
        _cleanup_free_ struct vuln *vulns = NULL;
        _cleanup_(purl_done) struct purl fp = {};
        const struct vuln *last = NULL;
        bool have = f->purl && purl_parse(f->purl, &fp) >= 0;
        size_t n = 0, covered = 0;
        int r;

        if (finding_vulns(f, &vulns, &n) < 0)
                return -ENOMEM;
        deciding(v, f, have ? &fp : NULL, digest, vulns, n);
        for (size_t k = 0; k < n; k++)
                if (vuln_suppressed(&vulns[k])) {
                        covered++;
                        if (!last || later(vulns[k].by, last->by))
                                last = &vulns[k];
                }
        if (covered == n)
                return suppress(f, last) < 0 ? -ENOMEM : 1;
        if (covered == 0)
                return 0;
        if ((*warned)++ < VEX_WARNINGS_MAX && (r = warn_partly(res, f, vulns, n)) < 0)
                return r;
        return 2;
}

int vex_apply(const struct vex *v, const char *image_digest, struct scan_result *res, struct error *err) {
        char digest[72];
        const char *d = digest_of(image_digest, digest) ? digest : NULL;
        size_t warned = 0;
        int n = 0;

        for (size_t i = 0; v && i < res->n_findings; i++) {
                int r = apply_one(v, d, &res->findings[i], res, &warned);

                if (r < 0)
                        return error_set(err, ENOMEM, "apply VEX: out of memory");
                n += r == 1;
        }
        if (warned > VEX_WARNINGS_MAX) {
                if (strv_pushf(&res->warnings, "VEX: %zu more findings still count because the VEX statements "
                               "suppress only some of the vulnerabilities each covers", warned - VEX_WARNINGS_MAX) < 0)
                        return error_set(err, ENOMEM, "apply VEX: out of memory");
                res->n_warnings++;
        }
        scan_result_recount(res);
        return n;
}
