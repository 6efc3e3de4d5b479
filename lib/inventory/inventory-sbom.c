/* SPDX-License-Identifier: Apache-2.0 */
/* portcullis scan --sbom: a CycloneDX JSON document (cyclonedx.org/docs/
 * 1.6/json) as an inventory.  Each component with a purl is a package
 * (those of components[], of metadata.component.components[] and nested
 * in either, of any type: an operating-system component with a package's
 * purl too); the purl is read back as purl_build() and the readers write
 * it (purl-spec PURL-TYPES), so that our own SBOM of a rootfs gives the
 * inventory the rootfs gave:
 *   - a language package: the ecosystem whose purl type it is, the name as
 *     the ecosystem spells it (npm "@scope/name", Maven "group:artifact",
 *     Go and Composer "namespace/name"; the component's name when it is the
 *     same package, as PyPI's "PyYAML" for pkg:pypi/pyyaml);
 *   - a distribution's package (deb, apk, rpm): the ecosystem its OS maps to
 *     (osrelease_ecosystem()), the OS from the purl's distro qualifier
 *     ("debian-12", apk's "3.18.4", a codename) and namespace, else the
 *     document's operating-system component, else the OS of the first
 *     distribution purl that names one (first_purl_os()); rpm's epoch
 *     qualifier goes back into the version; the source package from our
 *     portcullis:source_name and portcullis:source_version properties, else
 *     the upstream qualifier ("openssl" or "openssl@3.0.11-1"), else Trivy's
 *     SrcName/SrcVersion properties, else the binary package's own (when
 *     no deb or apk component of the document names one, said once per
 *     type as not fully checked: sources_unnamed());
 *   - anything else is listed as unmapped, never dropped.
 * The document is untrusted input: sizes and counts are capped, every field
 * is type-checked, and errors name the file and the field. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/fileio.h"
#include "base/jsonutil.h"
#include "base/strutil.h"
#include "ecosystem.h"
#include "inventory-elf.h"
#include "match.h"
#include "osrelease.h"
#include "sbom.h"

#define WHERE_MAX 256

/* ---- purls ------------------------------------------------------------------ */

void purl_done(struct purl *p) {
        if (!p)
                return;
        free(p->type);
        free(p->namespace);
        free(p->name);
        free(p->version);
        free(p->arch);
        free(p->distro);
        free(p->epoch);
        free(p->upstream);
        *p = (struct purl) {};
}

/* Percent-decodes s[0..n); a bad escape or an encoded NUL is -EINVAL. */
static int decode(const char *s, size_t n, char **ret) {
        _cleanup_free_ char *o = malloc(n + 1);
        size_t k = 0;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int h, l;

                if (s[i] != '%') {
                        o[k++] = s[i];
                        continue;
                }
                if (n - i < 3)
                        return -EINVAL;
                h = hexval(s[i + 1]);
                l = hexval(s[i + 2]);
                if (h < 0 || l < 0 || (h == 0 && l == 0))
                        return -EINVAL;
                o[k++] = (char) (h * 16 + l);
                i += 2;
        }
        o[k] = '\0';
        *ret = TAKE_PTR(o);
        return 0;
}

/* The namespace's segments, each decoded, joined by '/'; empty ones are
 * left out (purl-spec). */
static int decode_namespace(const char *s, size_t n, char **ret) {
        struct strbuf b = {};
        const char *end = s + n;
        int r = 0;

        while (r >= 0 && s < end) {
                const char *slash = memchr(s, '/', (size_t) (end - s)), *e = slash ? slash : end;
                _cleanup_free_ char *seg = NULL;

                if (e > s && (r = decode(s, (size_t) (e - s), &seg)) >= 0)
                        r = strbuf_printf(&b, "%s%s", b.len ? "/" : "", seg);
                s = slash ? slash + 1 : end;
        }
        if (r < 0 || b.len == 0) {
                strbuf_done(&b);
                *ret = NULL;
                return r < 0 ? r : 0;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

static bool type_valid(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isalnum_ascii(s[i]) && !strchr(".+-", s[i]))
                        return false;
        return n > 0 && !(s[0] >= '0' && s[0] <= '9');
}

static int qualifiers(const char *s, size_t n, struct purl *p, struct error *err) {
        static const struct {
                const char *key;
                size_t off;
        } keys[] = {
                { "arch", offsetof(struct purl, arch) },
                { "distro", offsetof(struct purl, distro) },
                { "epoch", offsetof(struct purl, epoch) },
                { "upstream", offsetof(struct purl, upstream) },
        };
        const char *end = s + n;

        while (s < end) {
                const char *amp = memchr(s, '&', (size_t) (end - s)), *e = amp ? amp : end;
                const char *eq = memchr(s, '=', (size_t) (e - s));

                if (e > s && (!eq || eq == s))
                        return error_set(err, EINVAL, "a qualifier without key=value");
                for (size_t i = 0; eq && i < ELEMENTSOF(keys); i++) {
                        char **field = (char **) ((char *) p + keys[i].off);

                        if ((size_t) (eq - s) != strlen(keys[i].key) || strncasecmp(s, keys[i].key, (size_t) (eq - s)))
                                continue;
                        free(*field);
                        *field = NULL;
                        if (eq + 1 < e && decode(eq + 1, (size_t) (e - eq - 1), field) < 0)
                                return error_set(err, EINVAL, "qualifier %s: a bad percent-encoding", keys[i].key);
                }
                s = amp ? amp + 1 : end;
        }
        return 0;
}

int purl_parse(const char *s, struct purl *ret, struct error *err) {
        struct purl p = {};
        const char *rest, *end, *q, *slash, *body, *nend, *last, *at;
        int r;

        if (strlen(s) > SBOM_FIELD_MAX)
                return error_set(err, E2BIG, "longer than %d bytes", SBOM_FIELD_MAX);
        if (strncasecmp(s, "pkg:", 4) != 0)
                return error_set(err, EINVAL, "it does not start with 'pkg:'");
        for (rest = s + 4; *rest == '/'; rest++)
                ;
        end = strchr(rest, '#');        /* the subpath: a file inside the package, not needed */
        end = end ? end : rest + strlen(rest);
        q = memchr(rest, '?', (size_t) (end - rest));
        slash = memchr(rest, '/', (size_t) ((q ? q : end) - rest));
        if (!slash || !type_valid(rest, (size_t) (slash - rest)))
                return error_set(err, EINVAL, "no valid type (pkg:TYPE/NAME@VERSION)");
        body = slash + 1;
        for (nend = q ? q : end; nend > body && nend[-1] == '/'; nend--)
                ;
        last = body;
        for (const char *c = body; c < nend; c++)
                if (*c == '/')
                        last = c + 1;
        at = memchr(last, '@', (size_t) (nend - last));
        p.type = strndup(rest, (size_t) (slash - rest));
        if (!p.type)
                return error_set(err, ENOMEM, "out of memory");
        for (char *c = p.type; *c; c++)
                *c = tolower_ascii(*c);
        r = decode(last, (size_t) ((at ? at : nend) - last), &p.name);
        if (r >= 0 && at)
                r = decode(at + 1, (size_t) (nend - at - 1), &p.version);
        if (r >= 0 && last > body)
                r = decode_namespace(body, (size_t) (last - 1 - body), &p.namespace);
        if (r == -ENOMEM) {
                purl_done(&p);
                return error_set(err, ENOMEM, "out of memory");
        }
        if (r < 0 || !p.name[0]) {
                purl_done(&p);
                return error_set(err, EINVAL, r < 0 ? "a bad percent-encoding" : "no name");
        }
        if (p.version && !p.version[0]) {
                free(p.version);
                p.version = NULL;
        }
        if (q && qualifiers(q + 1, (size_t) (end - q - 1), &p, err) < 0) {
                purl_done(&p);
                return -EINVAL;
        }
        *ret = p;
        return 0;
}

/* ---- the document ----------------------------------------------------------- */

struct ctx {
        const char *origin;
        struct sbom *sbom;
        bool have_os;           /* inv->os is the document's operating-system component, or the OS first_purl_os() found */
        json_t *os_obj;         /* that component, or NULL */
        size_t components;
        char *cache_key;        /* the last distribution purl's "type\x1fnamespace\x1fdistro" */
        char *cache_eco;        /* and its ecosystem (NULL: unknown) */
        bool cache_foreign;     /* which is not of its purl type (distro_ecosystem()) */
        size_t sources[_SBOM_BY_SOURCE_MAX][2];  /* components of pkg:deb, pkg:apk: [0] naming no source
                                                 * package, [1] naming one */
};

/* The purl types whose records (Debian's, Ubuntu's, Alpine's) name source
 * packages: a component of one naming none is looked up by its own name. */
static const char *const by_source_types[_SBOM_BY_SOURCE_MAX] = { "deb", "apk" };

void sbom_free(struct sbom *s) {
        if (!s)
                return;
        inventory_free(s->inv);
        free(s->name);
        free(s->digest);
        for (size_t i = 0; i < s->n_unmapped; i++) {
                free(s->unmapped[i].subject);
                free(s->unmapped[i].reason);
        }
        free(s->unmapped);
        free(s);
}

_printf_(4, 5)
static int fail(const struct ctx *c, struct error *err, const char *where, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return error_set(err, EINVAL, "%s: %s: %s", c->origin, where, msg);
}

/* Member key of o: absent 0 (*ret NULL), a string 1, else -EINVAL naming
 * where.key.  Strings are at most SBOM_FIELD_MAX bytes, without NUL. */
static int get_str(const struct ctx *c, json_t *o, const char *where, const char *key, const char **ret,
                   struct error *err) {
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v)
                return 0;
        if (!json_is_string(v))
                return fail(c, err, where, "'%s' must be a string", key);
        if (json_string_length(v) > SBOM_FIELD_MAX)
                return fail(c, err, where, "'%s' is longer than %d bytes", key, SBOM_FIELD_MAX);
        if (strlen(json_string_value(v)) != json_string_length(v))
                return fail(c, err, where, "'%s' holds a NUL character", key);
        *ret = json_string_value(v);
        return 1;
}

static int get_array(const struct ctx *c, json_t *o, const char *where, const char *key, size_t max, json_t **ret,
                     struct error *err) {
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v)
                return 0;
        if (!json_is_array(v))
                return fail(c, err, where, "'%s' must be an array", key);
        if (json_array_size(v) > max)
                return fail(c, err, where, "'%s' has more than %zu entries", key, max);
        *ret = v;
        return 1;
}

/* properties: an array of {"name", "value"} strings. */
static int check_properties(const struct ctx *c, json_t *o, const char *where, struct error *err) {
        json_t *props;
        int r = get_array(c, o, where, "properties", SBOM_PROPERTIES_MAX, &props, err);

        for (size_t i = 0; r > 0 && i < json_array_size(props); i++) {
                json_t *p = json_array_get(props, i);
                char w[WHERE_MAX];
                const char *s;

                snprintf(w, sizeof(w), "%s.properties[%zu]", where, i);
                if (!json_is_object(p))
                        return fail(c, err, w, "must be an object");
                if (get_str(c, p, w, "name", &s, err) < 0 || get_str(c, p, w, "value", &s, err) < 0)
                        return -EINVAL;
                if (!json_object_get(p, "name"))
                        return fail(c, err, w, "has no 'name'");
        }
        return r < 0 ? r : 0;
}

/* The value of the first property called name (checked before), or NULL. */
static const char *prop(json_t *o, const char *name) {
        json_t *props = json_object_get(o, "properties");

        for (size_t i = 0; i < json_array_size(props); i++) {
                json_t *p = json_array_get(props, i);
                const char *n = json_string_value(json_object_get(p, "name"));

                if (n && strcmp(n, name) == 0)
                        return json_string_value(json_object_get(p, "value"));
        }
        return NULL;
}

static int add_unmapped(struct ctx *c, const char *subject, const char *reason) {
        struct sbom *s = c->sbom;
        struct sbom_unmapped *n;

        if (s->n_unmapped >= SBOM_UNMAPPED_LISTED) {
                s->unmapped_more++;
                return 0;
        }
        n = realloc(s->unmapped, (s->n_unmapped + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->unmapped = n;
        n[s->n_unmapped] = (struct sbom_unmapped) { strdup(subject), strdup(reason) };
        if (!n[s->n_unmapped].subject || !n[s->n_unmapped].reason) {
                free(n[s->n_unmapped].subject);
                free(n[s->n_unmapped].reason);
                return -ENOMEM;
        }
        str_make_printable(n[s->n_unmapped].subject);
        str_make_printable(n[s->n_unmapped].reason);
        s->n_unmapped++;
        return 0;
}

/* os-release(5)'s ID and VERSION_ID characters. */
static bool os_word(const char *s) {
        for (const char *p = s; p && *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-", *p)))
                        return false;
        return s && *s;
}

static char *lower_dup(const char *s) {
        char *d = s ? strdup(s) : NULL;

        for (char *p = d; p && *p; p++)
                *p = tolower_ascii(*p);
        return d;
}

/* The document's operating-system component (the first one) as inv->os. */
static int read_os(struct ctx *c, json_t *o, const char *where, struct error *err) {
        struct os_info *os = &c->sbom->inv->os;
        const char *name, *version, *desc;

        if (get_str(c, o, where, "name", &name, err) < 0 || get_str(c, o, where, "version", &version, err) < 0 ||
            get_str(c, o, where, "description", &desc, err) < 0 || check_properties(c, o, where, err) < 0)
                return -EINVAL;
        if (c->have_os)
                return 0;
        os_info_done(os);
        os->id = lower_dup(name);
        os->version_id = version ? strdup(version) : NULL;
        os->version_codename = prop(o, "portcullis:version_codename") ? strdup(prop(o, "portcullis:version_codename"))
                                                                       : NULL;
        os->pretty_name = desc ? strdup(desc) : NULL;
        if ((name && !os->id) || (version && !os->version_id) || (desc && !os->pretty_name) ||
            (prop(o, "portcullis:version_codename") && !os->version_codename))
                return error_set(err, ENOMEM, "out of memory");
        if (!os_word(os->id) || (os->version_id && !os_word(os->version_id)) ||
            (os->version_codename && !os_word(os->version_codename)))
                return fail(c, err, where, "an operating-system component's name, version and "
                            "portcullis:version_codename must be os-release(5) words (a-z, 0-9, '.', '_', '-'), "
                            "as ID and VERSION_ID are");
        if (os->pretty_name)
                str_make_printable(os->pretty_name);
        os->origin = "the SBOM's operating-system component";
        c->have_os = true;
        c->os_obj = o;
        return osrelease_ecosystem(os) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* Whether a purl's distro qualifier names the document's OS: "debian-12"
 * (purl_distro()), apk's "3.18.4", or the codename. */
static bool distro_is_os(const struct os_info *os, const char *distro) {
        _cleanup_free_ char *pd = purl_distro(os);

        return !distro || streq_ptr(pd, distro) || streq_ptr(os->version_id, distro) ||
               streq_ptr(os->version_codename, distro);
}

/* The OS a distribution purl names: its namespace is os-release's ID (or
 * the vendor that stands for it: "redhat" for "rhel"), its distro
 * "<id>-<version_id>" ("<vendor>-<version_id>" too), the version alone
 * (apk) or a codename. */
static int purl_os(const struct purl *p, struct os_info *ret) {
        const char *d = p->distro, *dash;
        _cleanup_free_ char *ns = lower_dup(osrelease_id_of_vendor(p->namespace));
        size_t nv = p->namespace ? strlen(p->namespace) : 0;

        *ret = (struct os_info) {};
        if (p->namespace && !ns)
                return -ENOMEM;
        if (d && ns && startswith(d, ns) && d[strlen(ns)] == '-')
                d += strlen(ns) + 1;
        else if (d && nv && strncasecmp(d, p->namespace, nv) == 0 && d[nv] == '-')
                d += nv + 1;
        else if (d && (dash = strrchr(d, '-')) && !ns) {
                ret->id = strndup(d, (size_t) (dash - d));
                d = dash + 1;
        }
        if (!ret->id)
                ret->id = TAKE_PTR(ns);
        if (d && *d >= '0' && *d <= '9')
                ret->version_id = strdup(d);
        else if (d)
                ret->version_codename = strdup(d);
        if ((d && !ret->version_id && !ret->version_codename))
                return -ENOMEM;
        if (!os_word(ret->id) || (ret->version_id && !os_word(ret->version_id)) ||
            (ret->version_codename && !os_word(ret->version_codename))) {
                os_info_done(ret);
                return 0;
        }
        return osrelease_ecosystem(ret);
}

/* The ecosystem of a distribution's package (a copy, or NULL when the OS
 * is one we can't name, as for a rootfs), by the inventory's OS (the
 * document's operating-system component, else first_purl_os()) where the
 * purl names no other.  1, with *ret the ecosystem it
 * would have had, when that ecosystem's packages are of another purl type
 * (a pkg:deb in an Alpine document, or a pkg:deb/alpine/...). */
static int distro_ecosystem(struct ctx *c, const struct purl *p, char **ret) {
        struct os_info *inv_os = &c->sbom->inv->os;
        _cleanup_free_ char *key = NULL;
        struct os_info os = {};
        int r;

        *ret = NULL;
        /* the document's OS, or the first purl's standing for it (as the
         * operating-system component of our rendering then does) */
        if (inv_os->id &&
            (!p->namespace || strcasecmp(osrelease_id_of_vendor(p->namespace), inv_os->id) == 0) &&
            distro_is_os(inv_os, p->distro)) {
                if (inv_os->ecosystem && !(*ret = strdup(inv_os->ecosystem)))
                        return -ENOMEM;
                return inv_os->ecosystem && !ecosystem_has_purl_type(inv_os->ecosystem, p->type);
        }
        if (asprintf(&key, "%s\x1f%s\x1f%s", p->type, strempty(p->namespace), strempty(p->distro)) < 0)
                return -ENOMEM;
        if (streq_ptr(key, c->cache_key)) {
                if (c->cache_eco && !(*ret = strdup(c->cache_eco)))
                        return -ENOMEM;
                return c->cache_foreign;
        }
        if ((r = purl_os(p, &os)) < 0) {
                os_info_done(&os);
                return r;
        }
        free(c->cache_key);
        free(c->cache_eco);
        c->cache_key = TAKE_PTR(key);
        c->cache_eco = os.ecosystem ? strdup(os.ecosystem) : NULL;
        c->cache_foreign = os.ecosystem && !ecosystem_has_purl_type(os.ecosystem, p->type);
        if (os.ecosystem && !(*ret = strdup(os.ecosystem))) {
                os_info_done(&os);
                return -ENOMEM;
        }
        os_info_done(&os);
        return c->cache_foreign;
}

/* The source package: ours, the upstream qualifier, Trivy's properties,
 * else the binary's.  1 when the component names one, 0 when not. */
static int distro_source(json_t *o, const struct purl *p, struct package *pkg) {
        const char *name = prop(o, "portcullis:source_name"), *version = prop(o, "portcullis:source_version");
        _cleanup_free_ char *up = p->upstream ? strdup(p->upstream) : NULL;
        char *at = up ? strchr(up, '@') : NULL;

        if (p->upstream && !up)
                return -ENOMEM;
        if (at)
                *at++ = '\0';
        if (!name)
                name = up && *up ? up : prop(o, "aquasecurity:trivy:SrcName");
        if (!version)
                version = at && *at ? at : prop(o, "aquasecurity:trivy:SrcVersion");
        pkg->source_name = strdup(name ? name : pkg->name);
        pkg->source_version = strdup(version ? version : pkg->version);
        if (!pkg->source_name || !pkg->source_version)
                return -ENOMEM;
        return !!name;
}

/* Counts the components of a type whose records name source packages, by
 * whether they name theirs. */
static void count_source(struct ctx *c, const struct purl *p, bool named) {
        for (size_t k = 0; k < _SBOM_BY_SOURCE_MAX; k++)
                if (strcmp(p->type, by_source_types[k]) == 0)
                        c->sources[k][named]++;
}

/* "group:artifact" for Maven, "namespace/name" for the others. */
static char *native_name(const struct ecosystem *e, const struct purl *p) {
        char *s = NULL;

        if (!p->namespace)
                return strdup(p->name);
        return asprintf(&s, "%s%s%s", p->namespace, strcmp(e->purl_type, "maven") == 0 ? ":" : "/", p->name) < 0
                       ? NULL : s;
}

/* The component's own name when it is the same package as the purl's
 * (spelled as its metadata spells it), else the purl's. */
static char *lang_name(const struct ecosystem *e, const struct purl *p, const char *cname) {
        _cleanup_free_ char *native = native_name(e, p), *a = NULL, *b = NULL;

        if (!native)
                return NULL;
        if (cname && (a = ecosystem_package_name(e->name, cname)) && (b = ecosystem_package_name(e->name, native)) &&
            strcmp(a, b) == 0)
                return strdup(cname);
        return TAKE_PTR(native);
}

/* Printable ASCII, spaces allowed (a Maven name guessed from a MANIFEST.MF
 * has them): names and versions go to terminals and reports. */
static bool field_ok(const char *s) {
        for (const char *p = s; p && *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
                        return false;
        return !s || *s;
}

static int package_fields(const struct ctx *c, const char *where, const struct package *p, struct error *err) {
        if (!field_ok(p->name) || !field_ok(p->version))
                return fail(c, err, where, "'purl': the package's name and version must be printable ASCII");
        if (!field_ok(p->source_name) || !field_ok(p->source_version))
                return fail(c, err, where, "the source package's name and version must be printable ASCII");
        return 0;
}

/* Where the component was found: our property, else its first evidence
 * occurrence. */
static const char *component_file(json_t *o) {
        json_t *occ = json_object_get(json_object_get(o, "evidence"), "occurrences");
        const char *loc = json_string_value(json_object_get(json_array_get(occ, 0), "location"));

        return prop(o, "portcullis:file") ? prop(o, "portcullis:file") : loc;
}

static int add_package(struct ctx *c, json_t *o, const char *where, const char *purl_s, const struct purl *p,
                       const struct ecosystem *e, struct error *err) {
        const char *cname = json_string_value(json_object_get(o, "name"));
        const char *file = component_file(o), *guess = prop(o, "portcullis:guessed_from");
        struct package pkg = {
                .purl = strdup(purl_s),
                .origin_file = file ? strndup(file, SBOM_FIELD_MAX) : NULL,
                .guessed_from = guess ? strdup(guess) : NULL,
                .arch = p->arch ? strdup(p->arch) : NULL,
        };
        int r = 0, named;

        if (!pkg.purl || (file && !pkg.origin_file) || (guess && !pkg.guessed_from) || (p->arch && !pkg.arch))
                r = -ENOMEM;
        else if (e->distro) {
                /* rpm's epoch is a qualifier; its version "epoch:version-release" */
                bool epoch = p->epoch && strcmp(e->purl_type, "rpm") == 0;

                pkg.name = strdup(p->name);
                if (epoch && asprintf(&pkg.version, "%s:%s", p->epoch, p->version) < 0)
                        pkg.version = NULL;
                else if (!epoch)
                        pkg.version = strdup(p->version);
                r = named = !pkg.version || !pkg.name ? -ENOMEM : distro_source(o, p, &pkg);
                if (r >= 0)
                        r = distro_ecosystem(c, p, &pkg.ecosystem);
                if (r > 0) {    /* never compared with another type's records */
                        char reason[256];

                        snprintf(reason, sizeof(reason), "a package of purl type '%.40s' can't be one of %.60s, "
                                 "whose packages are of another type, so this component was compared with no record",
                                 p->type, pkg.ecosystem);
                        package_done(&pkg);
                        return add_unmapped(c, purl_s, reason) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
                }
                if (r >= 0 && pkg.ecosystem)    /* compared with records */
                        count_source(c, p, named > 0);
        } else {
                /* Go's standard library as some tools write it,
                 * pkg:golang/stdlib@go1.21.7: the toolchain's name of the
                 * version OSV's Go records give as 1.21.7 (as the Go binary
                 * reader reads it) */
                _cleanup_free_ char *go = strcmp(e->name, "Go") == 0 && streq_ptr(p->name, "stdlib") && !p->namespace
                                                  ? go_toolchain_semver(p->version) : NULL;
                const char *version = go ? go : p->version;

                pkg.name = lang_name(e, p, cname);
                pkg.version = strdup(version);
                pkg.ecosystem = strdup(e->name);
                pkg.source_name = pkg.name ? ecosystem_package_name(e->name, pkg.name) : NULL;
                pkg.source_version = strdup(version);
                if (!pkg.name || !pkg.version || !pkg.ecosystem || !pkg.source_name || !pkg.source_version)
                        r = -ENOMEM;
        }
        if (r >= 0 && package_fields(c, where, &pkg, err) < 0) {
                package_done(&pkg);
                return -EINVAL;
        }
        if (pkg.guessed_from)
                str_make_printable(pkg.guessed_from);
        if (r >= 0)
                r = inventory_add(c->sbom->inv, &pkg);
        else
                package_done(&pkg);
        if (r == -E2BIG)
                return error_set(err, E2BIG, "%s: more than %d packages", c->origin, INVENTORY_PACKAGES_MAX);
        return r < 0 ? error_set(err, -r, "%s: out of memory", c->origin) : 0;
}

static int component_purl(struct ctx *c, json_t *o, const char *where, const char *purl_s, bool os,
                          struct error *err) {
        _cleanup_(purl_done) struct purl p = {};
        const struct ecosystem *e;
        struct error perr = {};
        char shown[160], reason[256];

        if (purl_parse(purl_s, &p, &perr) < 0) {
                json_printable(purl_s, shown, sizeof(shown));
                if (perr.code == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                return fail(c, err, where, "'purl' '%s' is not a package URL (pkg:TYPE/NAMESPACE/NAME@VERSION): %s",
                            shown, perr.msg);
        }
        e = ecosystem_from_purl_type(p.type);
        if (!e)
                snprintf(reason, sizeof(reason), "Portcullis knows no ecosystem of purl type '%.40s', so this "
                         "component was compared with no record", p.type);
        else if (!p.version)
                snprintf(reason, sizeof(reason), "the purl has no version, so this component was compared with no "
                         "record");
        if ((!e || !p.version) && os && o == c->os_obj)
                return 0;       /* the document's OS, named by a purl of no package: read as the OS */
        if (!e || !p.version)
                return add_unmapped(c, purl_s, reason) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
        return add_package(c, o, where, purl_s, &p, e, err);
}

/* Component types that are packages even without a purl (listed as not
 * checked then); the others (file, data, device, ...) hold none. */
static bool is_package_type(const char *type) {
        return !type || strcmp(type, "library") == 0 || strcmp(type, "application") == 0 ||
               strcmp(type, "framework") == 0;
}

static int components(struct ctx *c, json_t *parent, const char *where, unsigned depth, bool os_pass,
                      struct error *err);

/* Without an operating-system component, the OS of the first distribution
 * purl, in document order, that names one of its own type stands for it,
 * for every package (as the operating-system component of our rendering
 * then does): looked for before any package is read, so that which
 * packages come first changes nothing.  0, or -ENOMEM. */
static int first_purl_os(struct ctx *c, json_t *parent, unsigned depth) {
        json_t *a = json_object_get(parent, "components");

        for (size_t i = 0; !c->have_os && depth <= SBOM_DEPTH_MAX && i < json_array_size(a); i++) {
                json_t *o = json_array_get(a, i);
                const char *purl_s = json_string_value(json_object_get(o, "purl"));
                _cleanup_(purl_done) struct purl p = {};
                const struct ecosystem *e;
                struct error ignored = {};
                struct os_info os = {};
                int r;

                if (purl_s && purl_parse(purl_s, &p, &ignored) >= 0 && (e = ecosystem_from_purl_type(p.type)) &&
                    e->distro && p.version) {
                        if ((r = purl_os(&p, &os)) < 0)
                                return r;
                        if (os.id && os.ecosystem && ecosystem_has_purl_type(os.ecosystem, p.type)) {
                                c->sbom->inv->os = os;
                                c->sbom->inv->os.origin = "the first distribution package's purl";
                                c->have_os = true;
                                return 0;
                        }
                        os_info_done(&os);
                }
                if (json_is_object(o) && (r = first_purl_os(c, o, depth + 1)) < 0)
                        return r;
        }
        return 0;
}

static int component(struct ctx *c, json_t *o, const char *where, unsigned depth, bool os_pass, struct error *err) {
        const char *type, *name, *version, *purl;
        _cleanup_free_ char *subject = NULL;
        bool os;

        if (!json_is_object(o))
                return fail(c, err, where, "must be an object");
        if (get_str(c, o, where, "type", &type, err) < 0)
                return -EINVAL;
        if (os_pass)
                return type && strcmp(type, "operating-system") == 0 && depth == 0 ? read_os(c, o, where, err) : 0;
        if (++c->components > SBOM_COMPONENTS_MAX)
                return error_set(err, E2BIG, "%s: more than %d components", c->origin, SBOM_COMPONENTS_MAX);
        if (get_str(c, o, where, "name", &name, err) < 0 || get_str(c, o, where, "version", &version, err) < 0 ||
            get_str(c, o, where, "purl", &purl, err) < 0 || check_properties(c, o, where, err) < 0)
                return -EINVAL;
        if (components(c, o, where, depth + 1, false, err) < 0)
                return -EINVAL;
        os = type && strcmp(type, "operating-system") == 0;
        if (os && !purl)
                return 0;       /* an OS, not a package (read_os()) */
        /* one with a purl is a package like any other (never dropped), or
         * listed as unmapped, unless it is the document's OS whose purl
         * names no package */
        if (purl)
                return component_purl(c, o, where, purl, os, err);
        if (!is_package_type(type))
                return 0;
        if (asprintf(&subject, "%s%s%s (%s)", name ? name : "a component without a name", version ? " " : "",
                     strempty(version), where) < 0 ||
            add_unmapped(c, subject, "the component has no purl, so it was compared with no record") < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int components(struct ctx *c, json_t *parent, const char *where, unsigned depth, bool os_pass,
                      struct error *err) {
        json_t *a;
        int r = get_array(c, parent, where, "components", SBOM_COMPONENTS_MAX, &a, err);

        if (r <= 0)
                return r;
        if (depth > SBOM_DEPTH_MAX)
                return fail(c, err, where, "components nested more than %d deep", SBOM_DEPTH_MAX);
        for (size_t i = 0; i < json_array_size(a); i++) {
                char w[WHERE_MAX];

                snprintf(w, sizeof(w), "%s%scomponents[%zu]", where, where[0] ? "." : "", i);
                if ((r = component(c, json_array_get(a, i), w, depth, os_pass, err)) < 0)
                        return r;
        }
        return 0;
}

/* metadata.component: the name, the SHA-256 digest; metadata.properties:
 * portcullis:skipped (what a cap kept the inventory from reading). */
static int metadata(struct ctx *c, json_t *root, struct error *err) {
        json_t *md = json_object_get(root, "metadata"), *comp, *hashes;
        const char *name = NULL;
        int r;

        if (!md)
                return 0;
        if (!json_is_object(md))
                return fail(c, err, "metadata", "must be an object");
        if (check_properties(c, md, "metadata", err) < 0)
                return -EINVAL;
        for (size_t i = 0; i < json_array_size(json_object_get(md, "properties")); i++) {
                json_t *p = json_array_get(json_object_get(md, "properties"), i);
                const char *v = json_string_value(json_object_get(p, "value"));
                char *s;

                if (!v || strcmp(json_string_value(json_object_get(p, "name")), "portcullis:skipped") != 0)
                        continue;
                if (strv_length(c->sbom->inv->skipped) >= INVENTORY_WARNINGS_MAX)
                        return fail(c, err, "metadata.properties", "more than %d portcullis:skipped",
                                    INVENTORY_WARNINGS_MAX);
                if (!(s = strdup(v)) || strv_push(&c->sbom->inv->skipped, s) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                str_make_printable(s);
        }
        comp = json_object_get(md, "component");
        if (!comp)
                return 0;
        if (!json_is_object(comp))
                return fail(c, err, "metadata.component", "must be an object");
        if (get_str(c, comp, "metadata.component", "name", &name, err) < 0)
                return -EINVAL;
        if (name && !(c->sbom->name = strdup(name)))
                return error_set(err, ENOMEM, "out of memory");
        if (name)
                str_make_printable(c->sbom->name);
        r = get_array(c, comp, "metadata.component", "hashes", 64, &hashes, err);
        for (size_t i = 0; r > 0 && i < json_array_size(hashes); i++) {
                json_t *h = json_array_get(hashes, i);
                const char *alg = json_string_value(json_object_get(h, "alg"));
                const char *hex = json_string_value(json_object_get(h, "content"));
                bool ok = hex && strlen(hex) == 64;

                for (size_t k = 0; ok && k < 64; k++)
                        ok = hexval(hex[k]) >= 0;
                if (!alg || strcmp(alg, "SHA-256") != 0 || c->sbom->digest)
                        continue;
                if (!ok)
                        return fail(c, err, "metadata.component.hashes", "a SHA-256 'content' must be 64 hex digits");
                if (asprintf(&c->sbom->digest, "sha256:%s", hex) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                for (char *p = c->sbom->digest; *p; p++)
                        *p = tolower_ascii(*p);
        }
        return r < 0 ? r : 0;
}

/* The document's components (components[]) and the subject's
 * (metadata.component.components[], which CycloneDX allows and some tools
 * write): packages alike, under the same caps, the subject's after the
 * others; first an operating-system component among either (the first),
 * else the OS of the first distribution purl that names one. */
static int all_components(struct ctx *c, json_t *root, struct error *err) {
        json_t *subject = json_object_get(json_object_get(root, "metadata"), "component");
        int r;

        if ((r = components(c, root, "", 0, true, err)) < 0 ||
            (subject && (r = components(c, subject, "metadata.component", 0, true, err)) < 0))
                return r;
        if (!c->have_os && (first_purl_os(c, root, 0) < 0 || (subject && first_purl_os(c, subject, 0) < 0)))
                return error_set(err, ENOMEM, "out of memory");
        if ((r = components(c, root, "", 0, false, err)) < 0)
                return r;
        return subject ? components(c, subject, "metadata.component", 0, false, err) : 0;
}

/* Whether metadata.tools (CycloneDX 1.4's array, or 1.5's {components,
 * services}) names a tool that names a package's source package wherever
 * it is not the package's own: Portcullis (portcullis:source_name), Syft
 * (the upstream qualifier). */
static bool tool_names_sources(json_t *root) {
        json_t *tools = json_object_get(json_object_get(root, "metadata"), "tools");
        json_t *list = json_is_array(tools) ? tools : json_object_get(tools, "components");

        for (size_t i = 0; i < json_array_size(list); i++) {
                const char *name = json_string_value(json_object_get(json_array_get(list, i), "name"));

                if (name && (strcasecmp(name, "portcullis") == 0 || strcasecmp(name, "syft") == 0))
                        return true;
        }
        return false;
}

/* Components of pkg:deb or pkg:apk naming no source package are looked up
 * by their own name, and most are their own source package (bash); where
 * not one of their type in the document names a source package and no
 * tool that names them only where they differ wrote it, the document just
 * does not say, and advisories filed under a source package of another
 * name (glibc for libc6) can't be matched: said (sbom_add_unchecked()). */
static void sources_unnamed(struct ctx *c, json_t *root) {
        bool trusted = tool_names_sources(root);

        for (size_t k = 0; k < _SBOM_BY_SOURCE_MAX; k++)
                c->sbom->no_source[k] = !trusted && c->sources[k][1] == 0 ? c->sources[k][0] : 0;
}

/* bomFormat and specVersion: a CycloneDX JSON document of a version whose
 * components we read (1.2 brought purls to every component type). */
static int header(struct ctx *c, json_t *root, struct error *err) {
        static const char *const versions[] = { "1.2", "1.3", "1.4", "1.5", "1.6", "1.7" };
        const char *format, *spec;

        if (get_str(c, root, "the document", "bomFormat", &format, err) < 0 ||
            get_str(c, root, "the document", "specVersion", &spec, err) < 0)
                return -EINVAL;
        if (!format || strcmp(format, "CycloneDX") != 0)
                return fail(c, err, "bomFormat", "must be \"CycloneDX\" (this reads CycloneDX JSON SBOMs: "
                            "portcullis inventory --format cyclonedx, Trivy or Syft write them)");
        for (size_t i = 0; spec && i < ELEMENTSOF(versions); i++)
                if (strcmp(spec, versions[i]) == 0)
                        return 0;
        return fail(c, err, "specVersion", "must be one of 1.2 to 1.7");
}

int sbom_cyclonedx_parse(const char *buf, size_t len, const char *origin, struct sbom **ret, struct error *err) {
        _cleanup_(sbom_freep) struct sbom *s = calloc(1, sizeof(*s));
        struct ctx c = { .origin = origin, .sbom = s };
        json_error_t jerr;
        json_t *root;
        int r;

        if (!s || !(s->inv = inventory_new()))
                return error_set(err, ENOMEM, "out of memory");
        if (len > SBOM_FILE_MAX)
                return error_set(err, E2BIG, "%s: larger than %zu bytes", origin, SBOM_FILE_MAX);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return error_set(err, EINVAL, "%s:%d:%d: not valid JSON: %s", origin, jerr.line, jerr.column, jerr.text);
        if (!json_is_object(root))
                r = fail(&c, err, "the document", "must be a JSON object");
        else if ((r = header(&c, root, err)) >= 0 && (r = metadata(&c, root, err)) >= 0 &&
                 (r = all_components(&c, root, err)) >= 0)
                sources_unnamed(&c, root);
        json_decref(root);
        free(c.cache_key);
        free(c.cache_eco);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int sbom_read(const char *path, struct sbom **ret, struct error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_full_file(path, SBOM_FILE_MAX, &buf, &len, err);

        if (r < 0)
                return r;
        return sbom_cyclonedx_parse(buf, len, path, ret, err);
}

/* Whether the match compared no package of ecosystem with a record (its
 * own unchecked item says so: no data, no version order). */
static bool ecosystem_unchecked(const struct scan_result *res, const char *ecosystem) {
        for (size_t i = 0; i < res->n_unchecked; i++)
                if ((res->unchecked[i].kind == UNCHECKED_NO_DATA || res->unchecked[i].kind == UNCHECKED_NO_COMPARATOR) &&
                    streq_ptr(res->unchecked[i].subject, ecosystem))
                        return true;
        return false;
}

/* Said once per document and type, with a count: an SBOM tool that
 * leaves out source packages leaves them out of every component.  The
 * count is of those compared with records at all: a package of an
 * ecosystem the DB has no record of (or of no known distribution) is
 * already not checked, and counted there, not twice. */
static int add_no_source(const struct sbom *s, const struct inventory *inv, struct scan_result *res) {
        for (size_t k = 0; k < _SBOM_BY_SOURCE_MAX; k++) {
                char subject[32], prefix[16], reason[512];
                size_t n = 0;
                int r;

                if (!s->no_source[k])
                        continue;
                snprintf(prefix, sizeof(prefix), "pkg:%s/", by_source_types[k]);
                for (size_t i = 0; i < inv->n_pkgs; i++)
                        n += inv->pkgs[i].ecosystem && inv->pkgs[i].purl && startswith(inv->pkgs[i].purl, prefix) &&
                             !ecosystem_unchecked(res, inv->pkgs[i].ecosystem);
                if (n == 0)
                        continue;
                snprintf(subject, sizeof(subject), "pkg:%s components", by_source_types[k]);
                snprintf(reason, sizeof(reason), "%zu name no source package (no upstream qualifier, no "
                         "portcullis:source_name or aquasecurity:trivy:SrcName property), and none in the SBOM "
                         "does, so each was compared by its own name: advisories filed under a source package of "
                         "another name (glibc for libc6) are not matched to them; write the SBOM with a tool that "
                         "names source packages (portcullis inventory --format cyclonedx, Syft, Trivy)", n);
                if ((r = scan_result_add_unchecked(res, UNCHECKED_INCOMPLETE, subject, n, reason)) < 0)
                        return r;
        }
        return 0;
}

int sbom_add_unchecked(const struct sbom *s, const struct inventory *inv, struct scan_result *res) {
        char subject[64];
        int r;

        if ((r = add_no_source(s, inv, res)) < 0)
                return r;
        for (size_t i = 0; i < s->n_unmapped; i++)
                if ((r = scan_result_add_unchecked(res, UNCHECKED_UNKNOWN_PURL, s->unmapped[i].subject, 1,
                                                   s->unmapped[i].reason)) < 0)
                        return r;
        if (!s->unmapped_more)
                return 0;
        snprintf(subject, sizeof(subject), "%zu more components", s->unmapped_more);
        return scan_result_add_unchecked(res, UNCHECKED_UNKNOWN_PURL, subject, s->unmapped_more,
                                         "their purls name no ecosystem Portcullis knows, or they have no purl or "
                                         "no version, so they were compared with no record");
}
